use super::types::{
    InspectionFinding, InspectionFindingConnection, InspectionFindingFilter,
    InspectionFindingOrder, InspectionFindingSummary,
};
use crate::graphql::ContextExt;
use crate::graphql::scalars::Date;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct InspectionQuery;

#[Object]
impl InspectionQuery {
    /// Inspection findings of surveys, spot checks, audits and complaints (authenticated callers).
    async fn inspection_findings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<InspectionFindingFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            InspectionFindingOrder,
        >,
    ) -> Result<InspectionFindingConnection> {
        let page = super::service::page(
            ctx.db(),
            ctx.identity(),
            &filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            &crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await?;
        Ok(InspectionFindingConnection::from_page(
            page,
            InspectionFinding::from,
        ))
    }

    /// Open and overdue inspection findings per province and per responsible organization
    /// (authenticated callers; empty for anonymous ones).
    async fn inspection_finding_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The day overdue is judged on; today (China Standard Time) when omitted."
        )]
        as_of: Option<Date>,
    ) -> Result<InspectionFindingSummary> {
        Ok(super::service::summary(ctx.db(), ctx.identity(), as_of.map(|d| d.0)).await?)
    }
}
