use crate::enums::{FundCategory, TransferStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// Money from a helper to a recipient region under a pairing. Amounts are integer fen.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "fund_transfers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Unique per helper (`helper_id`), not across helpers.
        pub reference_no: String,
        pub pairing_id: i64,
        /// Copied from the pairing so that helper filters use an index.
        pub helper_id: i64,
        pub recipient_id: i64,
        /// The recipient's province, copied so that province filters use an index.
        pub recipient_province_id: i64,
        pub project_id: Option<i64>,
        pub category: FundCategory,
        pub amount_fen: i64,
        pub currency: String,
        pub status: TransferStatus,
        /// The year the funds count toward (the responsibility letter's year).
        pub year: i32,
        pub planned_on: Option<Date>,
        pub allocated_on: Option<Date>,
        pub received_on: Option<Date>,
        pub publicized_on: Option<Date>,
        pub purpose: Option<String>,
        /// Unique per helper, like the reference number.
        pub idempotency_key: Option<String>,
        /// Hash of the request that created the row, to tell a retry from a reused key.
        pub request_hash: Option<String>,
        pub created_at: DateTimeUtc,
        /// What the recipient confirmed it received when less than `amount_fen` was confirmed;
        /// NULL for a receipt of the whole amount (and before receipt).
        pub received_amount_fen: Option<i64>,
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
