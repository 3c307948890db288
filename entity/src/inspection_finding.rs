use crate::enums::{FindingRecordKind, FindingSeverity, FindingSource, FindingStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A finding of a general survey, a spot check, an audit or a complaint, and its rectification.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "inspection_findings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source: FindingSource,
        pub severity: FindingSeverity,
        pub status: FindingStatus,
        /// The county (or a region within it) the finding concerns.
        pub region_id: i64,
        pub province_id: i64,
        pub pairing_id: Option<i64>,
        pub record_kind: Option<FindingRecordKind>,
        pub record_id: Option<i64>,
        pub responsible_org_id: Option<i64>,
        pub description: String,
        pub found_on: Date,
        pub due_on: Date,
        pub opened_by: String,
        pub rectification_plan: Option<String>,
        pub rectification_evidence: Option<String>,
        pub rectified_on: Option<Date>,
        pub closed_on: Option<Date>,
        /// How many times an inspector reopened it.
        pub reopened: i32,
        pub idempotency_key: Option<String>,
        pub request_hash: Option<String>,
        pub created_at: DateTimeUtc,
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
