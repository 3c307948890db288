use super::types::{Organization, OrganizationConnection, OrganizationFilter, OrganizationOrder};
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// Organizations: helpers and county governments, ordered by code unless `orderBy` says otherwise.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<OrganizationFilter>,
        #[graphql(desc = "Sort order; by code ascending when omitted.")] order_by: Option<
            OrganizationOrder,
        >,
    ) -> Result<OrganizationConnection> {
        let page = super::service::page(
            ctx.db(),
            filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await?;
        Ok(OrganizationConnection::from_page(page, Organization::from))
    }

    /// One organization by its code, e.g. `"310000"` for the Shanghai government; `null` if there is none.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Organization code.")] code: String,
    ) -> Result<Option<Organization>> {
        Ok(super::service::by_code(ctx.db(), &code)
            .await?
            .map(Organization::from))
    }
}
