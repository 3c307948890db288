use crate::enums::Indicator;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A reported figure for an indicator that is neither funds nor dispatches.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "progress_reports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pairing_id: i64,
        pub indicator: Indicator,
        pub year: i32,
        pub quarter: i32,
        /// Integer in the indicator's smallest step (fen for yuan).
        pub value: i64,
        pub reported_by: String,
        pub reported_at: DateTimeUtc,
        pub verified_by: Option<String>,
        pub verified_at: Option<DateTimeUtc>,
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
