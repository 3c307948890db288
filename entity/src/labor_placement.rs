use crate::enums::PlacementStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// Poor labourers from a county placed in jobs under a pairing: counts only, no names.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "labor_placements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pairing_id: i64,
        pub helper_id: i64,
        pub origin_county_id: i64,
        pub origin_province_id: i64,
        /// The region the labourers went to work in.
        pub destination_id: i64,
        pub employer: String,
        pub people: i32,
        pub start_on: Date,
        pub months: i32,
        /// The year the placement counts toward (the year of `start_on`).
        pub year: i32,
        pub status: PlacementStatus,
        pub confirmed_on: Option<Date>,
        pub idempotency_key: Option<String>,
        pub request_hash: Option<String>,
        pub created_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::pairing_agreement::Entity",
        from = "Column::PairingId",
        to = "super::pairing_agreement::Column::Id"
    )]
    Pairing,
}

impl ActiveModelBehavior for ActiveModel {}
