//! Change events of committed writes. Every audited write of a transfer, dispatch, letter,
//! progress report, produce deal or labour placement emits one, from inside its transaction (see `audit::record`):
//!
//! - on PostgreSQL with `pg_notify` in that transaction, so PostgreSQL delivers it on commit to
//!   every instance's listener (`listen`) and never for a rolled-back write;
//! - on SQLite (one process) it waits in the writer's `Pending` list and is published to the
//!   in-process bus once the write's audit row is seen committed.
//!
//! An event carries ids and the codes subscriptions filter by, never personal data: subscribers
//! re-read the record with their own identity.
mod listen;

pub use listen::{APPLICATION_NAME, listen};

use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// The PostgreSQL channel events are notified on.
pub const CHANNEL: &str = "pairing_events";

/// Which kind of record changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    FundTransfer,
    PersonnelDispatch,
    ResponsibilityLetter,
    ProgressReport,
    /// Produce deals and labour placements count toward indicators: their changes move
    /// `progressChanged` only.
    ProduceDeal,
    LaborPlacement,
}

impl EventKind {
    /// The kind of an audited entity, if its changes are published.
    pub fn of_entity(entity: &str) -> Option<Self> {
        Some(match entity {
            "FundTransfer" => EventKind::FundTransfer,
            "PersonnelDispatch" => EventKind::PersonnelDispatch,
            "ResponsibilityLetter" => EventKind::ResponsibilityLetter,
            "ProgressReport" => EventKind::ProgressReport,
            "ProduceDeal" => EventKind::ProduceDeal,
            "LaborPlacement" => EventKind::LaborPlacement,
            _ => return None,
        })
    }
}

/// A row as an instance first re-read it for an event, shared by that instance's subscribers.
pub type SharedRow = Arc<tokio::sync::OnceCell<Option<Arc<dyn std::any::Any + Send + Sync>>>>;

/// One committed change.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// The changed record's row id.
    pub id: i64,
    /// The mutation that changed it (`recordFundTransfer`, …).
    pub action: String,
    /// The audit event of the write: its id orders and identifies the event.
    pub audit_id: i64,
    pub pairing_id: i64,
    /// The helper organization's code.
    pub helper: String,
    /// The recipient region's code (the record's own recipient, else the pairing's).
    pub recipient: String,
    pub program: String,
    pub year: i32,
    /// When the write emitted it, microseconds since the Unix epoch (for delivery latency).
    pub at_us: i64,
    /// The changed row, read once per instance; every subscriber applies its own visibility and
    /// field rules to it. Never sent between instances.
    #[serde(skip)]
    pub row: SharedRow,
    /// The same for the pairing (for `progressChanged`).
    #[serde(skip)]
    pub pairing: SharedRow,
}

/// This instance's fan-out of events to its subscribers. A subscriber that falls more than the
/// bus's capacity behind loses its place (`Lagged`) and is disconnected as a slow consumer.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
    /// Subscribers re-read each event with their own identity; this bounds how many do so at
    /// once, so that a fan-out to a thousand subscribers queues here instead of exhausting the
    /// connection pool that requests and writes need too.
    readers: Arc<tokio::sync::Semaphore>,
}

impl Bus {
    pub fn new(capacity: usize, readers: usize) -> Self {
        Bus {
            tx: broadcast::channel(capacity.max(16)).0,
            readers: Arc::new(tokio::sync::Semaphore::new(readers.max(1))),
        }
    }

    /// A turn to re-read an event, held until the pushed item is written.
    pub async fn reader(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.readers.clone().acquire_owned().await.ok()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// Hands an event to this instance's subscribers (none listening is not an error).
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(Arc::new(event));
    }

    /// Publishes the events whose audit rows are committed (SQLite): called once the write is
    /// over, so a missing row means the write rolled back.
    pub async fn publish_committed(&self, db: &DatabaseConnection, events: Vec<Event>) {
        let ids: Vec<String> = events.iter().map(|e| e.audit_id.to_string()).collect();
        // Integers only: nothing of the caller's reaches the statement's text.
        let sql = format!(
            "SELECT id FROM audit_events WHERE id IN ({})",
            ids.join(",")
        );
        let rows = match db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "change events could not be confirmed; dropped");
                return;
            }
        };
        let committed: std::collections::HashSet<i64> = rows
            .iter()
            .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
            .collect();
        for e in events {
            if committed.contains(&e.audit_id) {
                self.publish(e);
            }
        }
    }
}

/// Events a writer emitted on SQLite, published when the writer is done (see `Writer`'s drop).
#[derive(Default)]
pub struct Pending(Mutex<Vec<Event>>);

impl Pending {
    pub fn push(&self, e: Event) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }

    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn field(image: &serde_json::Value, name: &str) -> Option<i64> {
    image.get(name).and_then(serde_json::Value::as_i64)
}

/// Emits the event of an audited write, inside its transaction `c`: `pg_notify` on PostgreSQL,
/// the writer's pending list on SQLite. Entities without subscriptions emit nothing.
pub async fn emit<C: ConnectionTrait>(
    c: &C,
    pending: &Pending,
    action: &str,
    entity: &str,
    entity_id: i64,
    audit_id: i64,
    image: &serde_json::Value,
) -> AppResult<()> {
    let Some(kind) = EventKind::of_entity(entity) else {
        return Ok(());
    };
    let (Some(pairing_id), Some(year)) = (field(image, "pairing_id"), field(image, "year")) else {
        return Err(AppError::Internal(format!(
            "the audit image of {entity} {entity_id} lacks its pairing or year"
        )));
    };
    let recipient_id = field(image, "recipient_id");
    let backend = c.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT p.program, o.code, r.code FROM pairing_agreements p \
             JOIN organizations o ON o.id = p.helper_id \
             JOIN regions r ON r.id = COALESCE($2, p.recipient_id) WHERE p.id = $1"
        }
        _ => {
            "SELECT p.program, o.code, r.code FROM pairing_agreements p \
             JOIN organizations o ON o.id = p.helper_id \
             JOIN regions r ON r.id = COALESCE(?2, p.recipient_id) WHERE p.id = ?1"
        }
    };
    let row = c
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [pairing_id.into(), recipient_id.into()],
        ))
        .await?
        .ok_or_else(|| AppError::not_found("PairingAgreement", pairing_id))?;
    let event = Event {
        kind,
        id: entity_id,
        action: action.to_string(),
        audit_id,
        pairing_id,
        program: row.try_get_by_index(0)?,
        helper: row.try_get_by_index(1)?,
        recipient: row.try_get_by_index(2)?,
        year: year as i32,
        at_us: chrono::Utc::now().timestamp_micros(),
        row: Default::default(),
        pairing: Default::default(),
    };
    if backend == DbBackend::Postgres {
        let payload =
            serde_json::to_string(&event).map_err(|e| AppError::Internal(e.to_string()))?;
        c.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    } else {
        pending.push(event);
    }
    Ok(())
}

/// Set when one of a connection's subscriptions fell behind the bus: the connection is closed
/// as a slow consumer instead of skipping events silently.
#[derive(Clone, Default)]
pub struct Lagging(Arc<tokio::sync::Notify>);

impl Lagging {
    pub fn trip(&self) {
        self.0.notify_one();
    }

    /// Resolves once `trip` was called (also if it was called before).
    pub async fn tripped(&self) {
        self.0.notified().await
    }
}
