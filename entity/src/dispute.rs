use crate::enums::{DisputeStatus, DisputeSubjectKind};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A recipient's objection to a record (transfer, dispatch, deal or placement), the helper's
    /// answer with what it corrected, and the resolution.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "disputes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub subject_kind: DisputeSubjectKind,
        pub subject_id: i64,
        /// The record's pairing, helper, region (recipient or origin county), province and year,
        /// copied so that findings and filters use an index.
        pub pairing_id: i64,
        pub helper_id: i64,
        pub region_id: i64,
        pub province_id: i64,
        pub year: i32,
        pub status: DisputeStatus,
        pub reason: String,
        pub opened_by: String,
        pub opened_at: DateTimeUtc,
        pub answer: Option<String>,
        pub answered_by: Option<String>,
        pub answered_at: Option<DateTimeUtc>,
        pub previous_amount_fen: Option<i64>,
        pub corrected_amount_fen: Option<i64>,
        pub previous_on: Option<Date>,
        pub corrected_on: Option<Date>,
        pub resolution: Option<String>,
        pub resolved_by: Option<String>,
        pub resolved_at: Option<DateTimeUtc>,
        /// `KIND:id` while unresolved (unique), NULL once resolved.
        pub open_key: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
