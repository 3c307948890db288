use crate::enums::LetterStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// The annual compact under a pairing; its commitments live in `commitments`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "responsibility_letters")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pairing_id: i64,
        pub year: i32,
        pub status: LetterStatus,
        /// Optimistic-locking version, bumped by every write.
        pub version: i32,
        pub submitted_at: Option<DateTimeUtc>,
        pub submitted_by: Option<String>,
        pub signed_at: Option<DateTimeUtc>,
        pub signed_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
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
