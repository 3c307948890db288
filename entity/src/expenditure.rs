use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// Money spent on a project from a received transfer. Amounts are integer fen.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "expenditures")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub fund_transfer_id: i64,
        pub amount_fen: i64,
        pub spent_on: Date,
        pub purpose: String,
        pub voucher_ref: String,
        pub recorded_by: String,
        pub idempotency_key: Option<String>,
        pub request_hash: Option<String>,
        pub created_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
