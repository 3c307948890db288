use crate::enums::{DispatchStatus, PersonnelCategory};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A person sent by a helper to a recipient region.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "personnel_dispatches")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pairing_id: i64,
        pub helper_id: i64,
        pub recipient_id: i64,
        pub recipient_province_id: i64,
        /// Personal data: readable only by the people DESIGN §2 names.
        pub person_name: String,
        pub category: PersonnelCategory,
        pub specialty: Option<String>,
        pub post: String,
        pub status: DispatchStatus,
        /// The year the dispatch counts toward (its start year).
        pub year: i32,
        pub start_on: Date,
        pub end_on: Option<Date>,
        pub arrived_on: Option<Date>,
        pub returned_on: Option<Date>,
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
