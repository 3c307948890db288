//! A request's records' disputes, batched: one statement per kind of record.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::enums::DisputeSubjectKind;
use std::collections::HashMap;
use std::sync::Arc;

/// The disputes of records keyed by (kind, row id), oldest first.
pub struct DisputesBySubject(Db);

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<DisputesBySubject> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, DisputesBySubject(db.clone()))
    }
}

impl Loader<(DisputeSubjectKind, i64)> for DisputesBySubject {
    type Value = Vec<entity::dispute::Model>;
    type Error = Arc<AppError>;
    async fn load(
        &self,
        keys: &[(DisputeSubjectKind, i64)],
    ) -> Result<HashMap<(DisputeSubjectKind, i64), Self::Value>, Self::Error> {
        let rows = super::service::of_subjects(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<_, Vec<_>> = HashMap::new();
        for row in rows {
            out.entry((row.subject_kind, row.subject_id))
                .or_default()
                .push(row);
        }
        Ok(out)
    }
}

/// The disputes of one record for the `disputes` field of its type: none for anonymous callers.
pub async fn disputes_of(
    ctx: &async_graphql::Context<'_>,
    kind: DisputeSubjectKind,
    id: i64,
) -> async_graphql::Result<Vec<super::Dispute>> {
    use crate::graphql::ContextExt;
    let rows = super::service::of_subject(ctx.loaders(), ctx.identity(), kind, id).await?;
    Ok(rows.into_iter().map(super::Dispute::from).collect())
}
