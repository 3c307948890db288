use super::types::{AuditEvent, AuditEventConnection, AuditEventFilter, AuditEventOrder};
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log: every write with who, what, before and after (AUDITOR and ADMIN only).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the log.")] filter: Option<AuditEventFilter>,
        #[graphql(desc = "Oldest first when omitted.")] order_by: Option<AuditEventOrder>,
    ) -> Result<AuditEventConnection> {
        let page = super::service::page(
            ctx.db(),
            ctx.identity(),
            filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await?;
        Ok(AuditEventConnection::from_page(page, AuditEvent))
    }
}
