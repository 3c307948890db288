use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// A kept version of a letter's commitment set: who changed it, when and why.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "letter_revisions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub letter_id: i64,
        pub version: i32,
        /// JSON array of `{indicator, target}` as they stood in this version.
        pub commitments: String,
        pub rationale: Option<String>,
        pub actor: String,
        pub created_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::responsibility_letter::Entity",
        from = "Column::LetterId",
        to = "super::responsibility_letter::Column::Id"
    )]
    Letter,
}

impl ActiveModelBehavior for ActiveModel {}
