use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A project's performance target: target and achievement in hundredths of the unit.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "project_targets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        /// e.g. households benefiting, km of road, people employed.
        pub indicator: String,
        pub unit: String,
        pub target_centi: i64,
        pub achieved_centi: Option<i64>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
