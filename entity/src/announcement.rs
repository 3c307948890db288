use crate::enums::PublicityChannel;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A county's publicity (公告公示) of a transfer or a project. Never edited: a correction is a
    /// new announcement that supersedes this one.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "announcements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The transfer publicized (exactly one of transfer and project is set).
        pub fund_transfer_id: Option<i64>,
        /// The project publicized.
        pub project_id: Option<i64>,
        /// The region whose publicity it is: the transfer's recipient or the project's county.
        pub region_id: i64,
        /// The year of the period's start.
        pub year: i32,
        pub period_start: Date,
        pub period_end: Date,
        pub channel: PublicityChannel,
        pub document_ref: String,
        /// The announcement this one corrects.
        #[sea_orm(unique)]
        pub supersedes_id: Option<i64>,
        pub published_by: String,
        pub idempotency_key: Option<String>,
        pub request_hash: Option<String>,
        pub created_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
