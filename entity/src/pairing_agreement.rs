use crate::enums::{PairingStatus, Program};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// The standing pairing between a helper organization and a recipient region.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "pairing_agreements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program: Program,
        pub helper_id: i64,
        pub recipient_id: i64,
        pub start_year: i32,
        pub end_year: Option<i32>,
        pub status: PairingStatus,
        pub document_ref: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::HelperId",
        to = "super::organization::Column::Id"
    )]
    Helper,
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RecipientId",
        to = "super::region::Column::Id"
    )]
    Recipient,
}

impl ActiveModelBehavior for ActiveModel {}
