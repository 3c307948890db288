//! Which announcement supersedes each announcement of a page: one statement per page.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::announcement::{Column, Entity, Model};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;

crate::keyed!(announcement, expenditure);

/// The announcement superseding each one, keyed by the superseded id.
pub struct SupersededBy(Db);

impl Loader<i64> for SupersededBy {
    type Value = Arc<Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = Entity::find()
            .filter(Column::SupersedesId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows
            .into_iter()
            .filter_map(|m| m.supersedes_id.map(|s| (s, Arc::new(m))))
            .collect())
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<SupersededBy> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, SupersededBy(db.clone()))
    }
}
