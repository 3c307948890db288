use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::define_connection;
use crate::graphql::scalars::DateTime;
use async_graphql::{ID, InputObject, Object};
use entity::audit_event::Model;

/// One recorded write: who did what to which record, with the record before and after.
pub struct AuditEvent(pub Model);

/// One recorded write: who did what to which record, with the record before and after.
#[Object]
impl AuditEvent {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::AuditEvent, self.0.id)
    }
    /// The token subject of the writer.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The writer's role at the time.
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// What was done, named after the mutation (e.g. `recordFundTransfer`).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The type of the record written (e.g. `FundTransfer`).
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The global id of the record written.
    async fn entity_id(&self) -> ID {
        let kind = match self.0.entity.as_str() {
            "Region" => NodeKind::Region,
            "Organization" => NodeKind::Organization,
            "PairingAgreement" => NodeKind::PairingAgreement,
            "ResponsibilityLetter" => NodeKind::ResponsibilityLetter,
            "FundTransfer" => NodeKind::FundTransfer,
            "PersonnelDispatch" => NodeKind::PersonnelDispatch,
            "Project" => NodeKind::Project,
            _ => NodeKind::ProgressReport,
        };
        global_id(kind, self.0.entity_id)
    }
    /// The record before the write, as JSON text; `null` for a creation. Personal data is redacted.
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// The record after the write, as JSON text. Personal data is redacted.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// The id of the HTTP request that made the write (also in the server log): the client's
    /// `X-Request-Id` when it is 1 to 64 letters, digits or `-_.:=/+`, else the server's own.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The server's own id of the request, whatever the client sent as `X-Request-Id`; `null` for
    /// events recorded before it was kept.
    async fn server_request_id(&self) -> Option<&str> {
        self.0.server_request_id.as_deref()
    }
    /// When the write was committed.
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
}

/// Narrows the audit log.
#[derive(InputObject, Default, Clone)]
pub struct AuditEventFilter {
    /// Only events about the record with this global id.
    pub entity_id: Option<ID>,
    /// Only events about records of this type (e.g. `FundTransfer`).
    pub entity: Option<String>,
    /// Only this action (e.g. `amendResponsibilityLetter`).
    pub action: Option<String>,
    /// Only events by this token subject.
    pub actor: Option<String>,
    /// Only events of this request id.
    pub request_id: Option<String>,
    /// Only events at or after this time.
    pub occurred_after: Option<DateTime>,
    /// Only events before this time.
    pub occurred_before: Option<DateTime>,
}

/// Sort order of the audit log (always by recording order).
#[derive(InputObject, Clone, Copy, Default)]
pub struct AuditEventOrder {
    /// Oldest first (ascending) or newest first (descending).
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "A page of audit events.",
    "An audit event in a page, with its cursor."
);

/// Written by the executor (no direct path yet).
impl crate::graphql::plain::PlainObject for AuditEvent {}
