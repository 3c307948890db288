//! The derived spending figures, batched: a page of transfers or projects costs one statement
//! for all their `spent` and `fundedAmount` figures.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use sea_orm::{ConnectionTrait, Statement};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Which figure of which row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpendKey {
    /// Spent from a transfer (its expenditures), in fen.
    TransferSpent(i64),
    /// Spent on a project (its expenditures), in fen.
    ProjectSpent(i64),
    /// Transfers earmarked for a project that reached ALLOCATED or RECEIVED, in fen.
    ProjectFunded(i64),
}

pub struct SpendingLoader(Db);

fn ids(set: &BTreeSet<i64>) -> String {
    set.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Loader<SpendKey> for SpendingLoader {
    type Value = i64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[SpendKey]) -> Result<HashMap<SpendKey, i64>, Self::Error> {
        let (mut transfers, mut spent, mut funded) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for k in keys {
            match k {
                SpendKey::TransferSpent(id) => transfers.insert(*id),
                SpendKey::ProjectSpent(id) => spent.insert(*id),
                SpendKey::ProjectFunded(id) => funded.insert(*id),
            };
        }
        // Ids are our own integers, written in; one UNION ALL for the whole batch.
        let mut parts = Vec::new();
        if !transfers.is_empty() {
            parts.push(format!(
                "SELECT 1 AS k, fund_transfer_id AS id, CAST(SUM(amount_fen) AS BIGINT) AS s \
                 FROM expenditures WHERE fund_transfer_id IN ({}) GROUP BY fund_transfer_id",
                ids(&transfers)
            ));
        }
        if !spent.is_empty() {
            parts.push(format!(
                "SELECT 2 AS k, project_id AS id, CAST(SUM(amount_fen) AS BIGINT) AS s \
                 FROM expenditures WHERE project_id IN ({}) GROUP BY project_id",
                ids(&spent)
            ));
        }
        if !funded.is_empty() {
            parts.push(format!(
                "SELECT 3 AS k, project_id AS id, CAST(SUM(amount_fen) AS BIGINT) AS s \
                 FROM fund_transfers WHERE project_id IN ({}) \
                 AND status IN ('ALLOCATED', 'RECEIVED') GROUP BY project_id",
                ids(&funded)
            ));
        }
        let mut out: HashMap<SpendKey, i64> = keys.iter().map(|k| (*k, 0)).collect();
        if parts.is_empty() {
            return Ok(out);
        }
        let sql = parts.join(" UNION ALL ");
        let rows = self
            .0
            .query_all_raw(Statement::from_string(self.0.get_database_backend(), sql))
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        for row in rows {
            let read = || -> Result<(i32, i64, i64), sea_orm::DbErr> {
                Ok((
                    row.try_get("", "k")?,
                    row.try_get("", "id")?,
                    row.try_get("", "s")?,
                ))
            };
            let (k, id, s) = read().map_err(|e| Arc::new(AppError::from(e)))?;
            let key = match k {
                1 => SpendKey::TransferSpent(id),
                2 => SpendKey::ProjectSpent(id),
                _ => SpendKey::ProjectFunded(id),
            };
            out.insert(key, s);
        }
        Ok(out)
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<SpendingLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, SpendingLoader(db.clone()))
    }
}

/// One figure, through the request's batching loader.
pub async fn figure(ctx: &async_graphql::Context<'_>, key: SpendKey) -> async_graphql::Result<i64> {
    use crate::graphql::ContextExt;
    Ok(ctx
        .loader::<async_graphql::dataloader::DataLoader<SpendingLoader>>()
        .load_one(key)
        .await?
        .unwrap_or(0))
}
