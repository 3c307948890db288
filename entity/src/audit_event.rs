use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::model! {
    /// Append-only record of a write.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub actor: String,
        pub role: String,
        pub action: String,
        pub entity: String,
        pub entity_id: i64,
        pub before: Option<String>,
        pub after: Option<String>,
        /// The request id as the client sent it (checked), or the server's own.
        pub request_id: Option<String>,
        pub occurred_at: DateTimeUtc,
        /// The server's own id of the request, whatever the client sent.
        pub server_request_id: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
