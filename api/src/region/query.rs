use super::types::{Region, RegionConnection, RegionFilter, RegionOrder};
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// Administrative divisions, ordered by code unless `orderBy` says otherwise.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<RegionFilter>,
        #[graphql(desc = "Sort order; by code ascending when omitted.")] order_by: Option<
            RegionOrder,
        >,
    ) -> Result<RegionConnection> {
        let page = super::service::page(
            ctx.db(),
            ctx.loaders(),
            filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            crate::graphql::page_args(ctx, first, after, last, before),
            crate::graphql::wants_total(ctx),
        )
        .await?;
        Ok(RegionConnection::from_page(page, Region::from))
    }

    /// One region by its GB/T 2260 code, e.g. `"530000"` for Yunnan; `null` if there is none.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GB/T 2260 code.")] code: String,
    ) -> Result<Option<Region>> {
        Ok(super::service::by_code(ctx.db(), &code)
            .await?
            .map(Region::from))
    }
}
