use super::service::Parent;
use super::types::{Expenditure, ExpenditureConnection, ExpenditureFilter, ExpenditureOrder};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, wants_total};
use async_graphql::{Context, Object, Result};

/// Lists expenditures (also used by the nested `expenditures` fields of projects and transfers).
pub async fn list(
    ctx: &Context<'_>,
    filter: ExpenditureFilter,
    parent: Option<Parent>,
    order: Option<ExpenditureOrder>,
    args: PageArgs,
) -> Result<ExpenditureConnection> {
    let page = super::service::page(
        ctx.db(),
        ctx.loaders(),
        ctx.identity(),
        filter,
        parent,
        order.unwrap_or_default(),
        args,
        wants_total(ctx),
    )
    .await?;
    Ok(ExpenditureConnection::from_page(page, Expenditure::from))
}

#[derive(Default)]
pub struct ExpenditureQuery;

#[Object]
impl ExpenditureQuery {
    /// Money spent on projects from received transfers, one record each (authenticated callers;
    /// anonymous callers get an empty list, as `node(id:)` shows them none).
    async fn expenditures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ExpenditureFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            ExpenditureOrder,
        >,
    ) -> Result<ExpenditureConnection> {
        list(
            ctx,
            filter.unwrap_or_default(),
            None,
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
}
