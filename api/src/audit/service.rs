//! Writing and reading audit events. Only AUDITOR and ADMIN read them.
use super::types::{AuditEventFilter, AuditEventOrder};
use crate::auth::{Identity, Role};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::global_id::NodeKind;
use crate::write::Writer;
use entity::audit_event::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set,
    TransactionTrait,
};
use serde::Serialize;

/// The model an active model inserts.
type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// Inserts a new record with its audit event in one transaction. When the insert breaks a unique
/// key because a concurrent request with the same idempotency key won the race, `replay` answers as
/// a retry would; when it finds nothing, the database's error stands.
pub async fn insert_once<A, R, Fut>(
    w: &Writer<'_>,
    action: &str,
    entity: &str,
    row: A,
    id_of: fn(&ModelOf<A>) -> i64,
    replay: R,
) -> AppResult<ModelOf<A>>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    ModelOf<A>: sea_orm::IntoActiveModel<A> + Serialize,
    R: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AppResult<Option<ModelOf<A>>>>,
{
    let attempt = async {
        let txn = w.db.begin().await?;
        let m = row.insert(&txn).await?;
        record(&txn, w, action, entity, id_of(&m), None::<&()>, Some(&m)).await?;
        txn.commit().await?;
        Ok::<_, AppError>(m)
    };
    match attempt.await {
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => match replay().await? {
            Some(existing) => Ok(existing),
            None => Err(AppError::Database(e)),
        },
        other => other,
    }
}

/// Where a guarded state change stands after its UPDATE (see [`move_row`]).
pub enum Moved<M> {
    /// The row moved; its transaction is open for the change's other writes (then [`settle`]).
    Open(sea_orm::DatabaseTransaction),
    /// It had already moved the same way: a retry gets the row as it is.
    Replayed(M),
}

/// The first half of a state change: `update`, guarded by the state the row was read in, in a new
/// transaction. When it changed no row, the transaction is dropped (releasing SQLite's lock) and
/// `replay` looks at the row now: a retry of the same change gets it back, anything else is a
/// CONFLICT saying `conflict`.
pub async fn move_row<E, F>(
    w: &Writer<'_>,
    update: sea_orm::UpdateMany<E>,
    replay: F,
    conflict: String,
) -> AppResult<Moved<E::Model>>
where
    E: EntityTrait,
    F: std::future::Future<Output = AppResult<Option<E::Model>>>,
{
    let txn = w.db.begin().await?;
    let done = update.exec(&txn).await?;
    if done.rows_affected == 1 {
        return Ok(Moved::Open(txn));
    }
    drop(txn);
    match replay.await? {
        Some(now) => Ok(Moved::Replayed(now)),
        None => Err(AppError::Conflict(conflict)),
    }
}

/// The second half of a state change: the row re-read in its transaction, audited with its state
/// `before`, and committed.
pub async fn settle<E>(
    txn: sea_orm::DatabaseTransaction,
    w: &Writer<'_>,
    action: &str,
    entity: &'static str,
    before: &E::Model,
    id: i64,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    E::Model: Serialize,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let after =
        reread_and_record::<_, E, _, _>(&txn, w, (action, entity, id), before, as_is).await?;
    txn.commit().await?;
    Ok(after)
}

/// A guarded change within `c` (the caller's transaction): `update`, filtered by what the row
/// was read with, must change exactly row `id`, or `conflict` is the answer (someone changed it
/// first). The row is then re-read and audited as `action`, with `before` and, after, what `image`
/// makes of the row ([`as_is`]: the row itself).
pub async fn change<C, E, B, I>(
    c: &C,
    w: &Writer<'_>,
    update: sea_orm::UpdateMany<E>,
    what: (&str, &'static str, i64),
    before: &B,
    image: I,
    conflict: AppError,
) -> AppResult<E::Model>
where
    C: ConnectionTrait,
    E: EntityTrait,
    B: Serialize,
    E::Model: Serialize,
    I: FnOnce(&E::Model) -> Option<serde_json::Value>,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    if update.exec(c).await?.rows_affected != 1 {
        return Err(conflict);
    }
    reread_and_record::<C, E, B, I>(c, w, what, before, image).await
}

/// [`change`] in a transaction of its own, committed with its audit event.
pub async fn change_alone<E, B, I>(
    w: &Writer<'_>,
    update: sea_orm::UpdateMany<E>,
    what: (&str, &'static str, i64),
    before: &B,
    image: I,
    conflict: AppError,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    B: Serialize,
    E::Model: Serialize,
    I: FnOnce(&E::Model) -> Option<serde_json::Value>,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let txn = w.db.begin().await?;
    let after = change(&txn, w, update, what, before, image, conflict).await?;
    txn.commit().await?;
    Ok(after)
}

async fn reread_and_record<C, E, B, I>(
    c: &C,
    w: &Writer<'_>,
    (action, entity, id): (&str, &'static str, i64),
    before: &B,
    image: I,
) -> AppResult<E::Model>
where
    C: ConnectionTrait,
    E: EntityTrait,
    B: Serialize,
    E::Model: Serialize,
    I: FnOnce(&E::Model) -> Option<serde_json::Value>,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let after = E::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found(entity, id))?;
    match image(&after) {
        Some(shown) => record(c, w, action, entity, id, Some(before), Some(&shown)).await?,
        None => record(c, w, action, entity, id, Some(before), Some(&after)).await?,
    }
    Ok(after)
}

/// The audit image of a changed row that is the row itself, as serialized.
pub fn as_is<M>(_: &M) -> Option<serde_json::Value> {
    None
}

/// Records one write: who (actor, role), what (action, entity, id), the record before and after,
/// and the request id. Call it with the write's transaction so both commit or neither does. The
/// write's change event (`crate::events`) is emitted here too, in the same transaction.
pub async fn record<C: ConnectionTrait, B: Serialize, A: Serialize>(
    c: &C,
    w: &Writer<'_>,
    action: &str,
    entity: &str,
    entity_id: i64,
    before: Option<&B>,
    after: Option<&A>,
) -> AppResult<()> {
    let before = before
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let after = after
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let image = match crate::events::EventKind::of_entity(entity) {
        Some(_) => after
            .as_ref()
            .or(before.as_ref())
            .map(|s| serde_json::from_str(s)),
        None => None,
    }
    .transpose()
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let saved = ActiveModel {
        id: NotSet,
        actor: Set(w.actor()),
        role: Set(w
            .identity
            .role()
            .map(|r| r.as_str())
            .unwrap_or("ANONYMOUS")
            .to_string()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id),
        before: Set(before),
        after: Set(after),
        request_id: Set(Some(w.request_id.chars().take(128).collect())),
        server_request_id: Set(Some(w.server_request_id.chars().take(64).collect())),
        occurred_at: Set(chrono::Utc::now()),
    }
    .insert(c)
    .await?;
    if let Some(image) = image {
        crate::events::emit(c, &w.events, action, entity, entity_id, saved.id, &image).await?;
    }
    Ok(())
}

/// The audit log is for auditors and the national office.
pub fn authorize_read(identity: &Identity) -> AppResult<()> {
    match identity.role() {
        None => Err(AppError::Unauthenticated(
            "the audit log needs a token".into(),
        )),
        Some(Role::Auditor | Role::Admin) => Ok(()),
        Some(_) => Err(AppError::forbidden(
            "only AUDITOR and ADMIN may read the audit log",
        )),
    }
}

fn ordering(order: AuditEventOrder) -> Ordering<Entity> {
    Ordering {
        name: "audit.id",
        column: Column::Id,
        id: Column::Id,
        descending: order.direction == OrderDirection::Desc,
        key: |m| SortValue::Int(m.id),
        row_id: |m| m.id,
    }
}

/// The entity name of each kind of global id, as recorded in the log.
fn entity_of(id: &str) -> AppResult<(String, i64)> {
    let (kind, n) = crate::global_id::parse_global_id("filter.entityId", id)?;
    if kind == NodeKind::AuditEvent {
        return Err(AppError::bad_input(
            "filter.entityId",
            "audit events are not audited",
        ));
    }
    Ok((kind.tag().to_string(), n))
}

/// One page of the audit log: the one read path of `auditEvents` (AUDITOR and ADMIN only).
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: AuditEventFilter,
    order: AuditEventOrder,
    args: PageArgs,
) -> AppResult<Page<Model>> {
    authorize_read(identity)?;
    let mut q = Entity::find();
    if let Some(id) = &f.entity_id {
        let (entity, n) = entity_of(id)?;
        q = q
            .filter(Column::Entity.eq(entity))
            .filter(Column::EntityId.eq(n));
    }
    if let Some(e) = &f.entity {
        q = q.filter(Column::Entity.eq(e.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(Column::Action.eq(a.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(Column::Actor.eq(a.clone()));
    }
    if let Some(r) = &f.request_id {
        q = q.filter(Column::RequestId.eq(r.clone()));
    }
    if let Some(t) = f.occurred_after {
        q = q.filter(Column::OccurredAt.gte(t.0));
    }
    if let Some(t) = f.occurred_before {
        q = q.filter(Column::OccurredAt.lt(t.0));
    }
    fetch_page(db, q, &ordering(order), &args).await
}
