use super::types::{
    SupervisionListing, SupervisionListingConnection, SupervisionListingFilter,
    SupervisionListingOrder,
};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, wants_total};
use async_graphql::{Context, Object, Result};

/// Lists supervision listings (also used by `Region.supervisionListings`).
pub async fn list(
    ctx: &Context<'_>,
    filter: SupervisionListingFilter,
    region_id: Option<i64>,
    order: Option<SupervisionListingOrder>,
    args: PageArgs,
) -> Result<SupervisionListingConnection> {
    let page = super::service::page(
        ctx.db(),
        ctx.loaders(),
        filter,
        region_id,
        order.unwrap_or_default(),
        args,
        wants_total(ctx),
    )
    .await?;
    Ok(SupervisionListingConnection::from_page(
        page,
        SupervisionListing::from,
    ))
}

#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// Counties and villages under listed supervision (挂牌督战), one listing per region and year.
    /// Public.
    async fn supervision_listings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<SupervisionListingFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            SupervisionListingOrder,
        >,
    ) -> Result<SupervisionListingConnection> {
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
