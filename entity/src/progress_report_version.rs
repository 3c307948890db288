use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A kept version of a corrected progress report's figure: who wrote it, when and why.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "progress_report_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub report_id: i64,
        pub version: i32,
        /// Integer in the indicator's smallest step (fen for yuan).
        pub value: i64,
        pub note: Option<String>,
        pub actor: String,
        pub created_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::progress_report::Entity",
        from = "Column::ReportId",
        to = "super::progress_report::Column::Id"
    )]
    Report,
}

impl ActiveModelBehavior for ActiveModel {}
