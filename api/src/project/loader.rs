//! A page of projects loads the performance targets of all its projects in one statement.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::project_target::{Column, Entity, Model};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::Arc;

/// Targets by project id, in recording order.
pub struct TargetsLoader(Db);

impl Loader<i64> for TargetsLoader {
    type Value = Arc<Vec<Model>>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = Entity::find()
            .filter(Column::ProjectId.is_in(keys.iter().copied()))
            .order_by_asc(Column::Id)
            .all(&self.0)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut by: HashMap<i64, Vec<Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for r in rows {
            by.entry(r.project_id).or_default().push(r);
        }
        Ok(by.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<TargetsLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, TargetsLoader(db.clone()))
    }
}
