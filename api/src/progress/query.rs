use super::types::{
    ProgressReport, ProgressReportConnection, ProgressReportFilter, ProgressReportOrder,
};
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// Progress reports (for authenticated callers).
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ProgressReportFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            ProgressReportOrder,
        >,
    ) -> Result<ProgressReportConnection> {
        let page = super::service::page(
            ctx.db(),
            ctx.identity(),
            filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await?;
        Ok(ProgressReportConnection::from_page(page, ProgressReport))
    }
}
