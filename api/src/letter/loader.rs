//! Loaders keyed by parent id: a pairing's letters, a letter's commitments and revisions.
use crate::batch::group_by;
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::{commitment, letter_revision, responsibility_letter};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::Arc;

macro_rules! by_parent_loader {
    ($name:ident, $module:ident, $parent:ident, $parent_field:ident, $order:ident) => {
        pub struct $name(Db);
        impl $name {
            pub fn new(db: Db) -> Self {
                $name(db)
            }
        }
        impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<$name> {
            fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
                crate::batch::batched(batch_delay, $name::new(db.clone()))
            }
        }
        impl Loader<i64> for $name {
            type Value = Vec<$module::Model>;
            type Error = Arc<AppError>;
            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                let backend = self.0.get_database_backend();
                let select = $module::Entity::find()
                    .filter(crate::connection::id_in(
                        backend,
                        $module::Column::$parent,
                        keys.iter().copied(),
                    ))
                    .order_by_asc($module::Column::$order);
                let rows = crate::connection::fetch_all(&self.0, select)
                    .await
                    .map_err(Arc::new)?;
                Ok(group_by(rows, |m| m.$parent_field))
            }
        }
    };
}

by_parent_loader!(
    LettersByPairing,
    responsibility_letter,
    PairingId,
    pairing_id,
    Year
);
by_parent_loader!(CommitmentsByLetter, commitment, LetterId, letter_id, Id);
by_parent_loader!(
    RevisionsByLetter,
    letter_revision,
    LetterId,
    letter_id,
    Version
);
