//! `Region.poverty.listedForSupervision`, batched: a page of regions costs one statement.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
use std::collections::HashMap;
use std::sync::Arc;

/// Whether a region (by id) has a standing listing.
pub struct StandingLoader(Db);

impl Loader<i64> for StandingLoader {
    type Value = bool;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, bool>, Self::Error> {
        let standing = super::service::standing(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (*k, standing.contains(k))).collect())
    }
}

impl crate::batch::RequestLoader for DataLoader<StandingLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, StandingLoader(db.clone()))
    }
}

/// Whether the region has a standing listing, through the request's batching loader.
pub async fn is_listed(
    ctx: &async_graphql::Context<'_>,
    region_id: i64,
) -> async_graphql::Result<bool> {
    use crate::graphql::ContextExt;
    Ok(ctx
        .loader::<DataLoader<StandingLoader>>()
        .load_one(region_id)
        .await?
        .unwrap_or(false))
}
