use crate::enums::Indicator;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// One indicator's annual target within a letter. The target is an integer in the indicator's
    /// smallest step (fen for yuan).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "commitments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub letter_id: i64,
        pub indicator: Indicator,
        pub target: i64,
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
