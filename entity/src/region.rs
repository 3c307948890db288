use crate::enums::{RegionLevel, Zone};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// An administrative division (GB/T 2260), one table for every level.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "regions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub level: RegionLevel,
        pub zone: Zone,
        pub parent_id: Option<i64>,
        /// The province this region lies in (itself for a province).
        pub province_id: Option<i64>,
        pub is_poor: Option<bool>,
        pub is_key_county: Option<bool>,
        pub is_contiguous_area: Option<bool>,
        pub exit_year: Option<i32>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
