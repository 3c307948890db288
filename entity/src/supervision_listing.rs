use crate::enums::CombatPlanStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A county or village under listed supervision (挂牌督战) in a year, and its combat plan.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "supervision_listings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The listed county or village.
        pub region_id: i64,
        pub year: i32,
        pub listed_on: Date,
        /// When the listing was lifted; none while it stands.
        pub lifted_on: Option<Date>,
        pub supervising_province_id: i64,
        pub combat_plan_reference: Option<String>,
        pub combat_plan_status: CombatPlanStatus,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
