use crate::enums::{DealKind, DealStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// Produce a helper bought, or whose sale it brokered, from a poor county under a pairing.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "produce_deals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pairing_id: i64,
        pub helper_id: i64,
        pub origin_county_id: i64,
        pub origin_province_id: i64,
        pub kind: DealKind,
        pub buyer: String,
        pub product: String,
        pub amount_fen: i64,
        pub deal_on: Date,
        /// The year the deal counts toward (the year of `deal_on`).
        pub year: i32,
        pub evidence_ref: Option<String>,
        pub status: DealStatus,
        pub confirmed_on: Option<Date>,
        pub dispute_reason: Option<String>,
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
