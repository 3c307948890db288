use crate::enums::ProjectStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// An entry in a county's project library that funds can go to.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub county_id: i64,
        /// The village of the county the project is placed at; none for the county as a whole.
        pub village_id: Option<i64>,
        pub name: String,
        pub sector: String,
        pub budget_fen: i64,
        pub beneficiaries: Option<i32>,
        pub status: ProjectStatus,
        pub created_at: DateTimeUtc,
        /// The year the project entered the county's library.
        pub library_year: Option<i32>,
        pub planned_start: Option<Date>,
        pub planned_end: Option<Date>,
        pub completed_on: Option<Date>,
        /// Start of its first publicity; anonymous callers see publicized projects only.
        pub publicized_on: Option<Date>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::CountyId",
        to = "super::region::Column::Id"
    )]
    County,
}

impl ActiveModelBehavior for ActiveModel {}
