//! A report's kept versions, batched over a page of reports.
use crate::batch::group_by;
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::progress_report_version::{Column, Entity, Model};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::Arc;

/// The kept versions of reports, by report id, oldest first (none: never corrected).
pub struct VersionsByReport(Db);

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<VersionsByReport> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, VersionsByReport(db.clone()))
    }
}

impl Loader<i64> for VersionsByReport {
    type Value = Vec<Model>;
    type Error = Arc<AppError>;
    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let backend = self.0.get_database_backend();
        let select = Entity::find()
            .filter(crate::connection::id_in(
                backend,
                Column::ReportId,
                keys.iter().copied(),
            ))
            .order_by_asc(Column::ReportId)
            .order_by_asc(Column::Version);
        let rows = crate::connection::fetch_all(&self.0, select)
            .await
            .map_err(Arc::new)?;
        Ok(group_by(rows, |m| m.report_id))
    }
}
