use super::service::Projection;
use super::types::{
    PairingAgreement, PairingAgreementConnection, PairingAgreementFilter, PairingAgreementOrder,
};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, items_select, wants_total};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PairingQuery;

/// Lists pairings (also used by the nested `pairings` fields of regions and organizations): the
/// selection becomes the service's projection.
pub async fn list(
    ctx: &Context<'_>,
    filter: PairingAgreementFilter,
    order: Option<PairingAgreementOrder>,
    args: PageArgs,
) -> Result<PairingAgreementConnection> {
    let projection = Projection {
        helper: items_select(ctx, "helper"),
        recipient: items_select(ctx, "recipient"),
        total: wants_total(ctx),
    };
    let page = super::service::page(
        ctx.db(),
        ctx.loaders(),
        filter,
        order.unwrap_or_default(),
        args,
        &projection,
    )
    .await?;
    Ok(PairingAgreementConnection::from_page(
        page,
        PairingAgreement::from,
    ))
}

#[Object]
impl PairingQuery {
    /// Pairing agreements of every program.
    async fn pairing_agreements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PairingAgreementFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            PairingAgreementOrder,
        >,
    ) -> Result<PairingAgreementConnection> {
        list(
            ctx,
            filter.unwrap_or_default(),
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
}
