use super::service::PairingListSpec;
use super::types::{
    PairingAgreement, PairingAgreementConnection, PairingAgreementFilter, PairingAgreementOrder,
};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, list_page, prime_selected};
use async_graphql::{Context, Object, Result};
use entity::row::Columns;

#[derive(Default)]
pub struct PairingQuery;

/// Lists pairings (also used by the nested `pairings` fields of regions and organizations).
pub async fn list(
    ctx: &Context<'_>,
    filter: PairingAgreementFilter,
    order: Option<PairingAgreementOrder>,
    args: PageArgs,
) -> Result<PairingAgreementConnection> {
    let mut spec = PairingListSpec {
        filter,
        order: order.unwrap_or_default(),
    };
    let (by_helper, by_recipient) = (
        ctx.loader::<super::service::PairingsByHelper>(),
        ctx.loader::<super::service::PairingsByRecipient>(),
    );
    // Nested under an organization or a region: batched with the siblings' pages.
    let nested = match (
        spec.filter.helper_id.take(),
        spec.filter.recipient_id.take(),
    ) {
        (Some(parent), _) => Some((&by_helper.0, parent)),
        (None, Some(parent)) => Some((&by_recipient.0, parent)),
        (None, None) => None,
    };
    let page = list_page(ctx, nested, spec, super::service::build, args, Columns::ALL).await?;
    let rows = || page.rows.iter().map(|(_, m)| m);
    futures_util::try_join!(
        prime_selected::<entity::organization::Entity>(
            ctx,
            "helper",
            rows().map(|m| m.helper_id),
            None
        ),
        prime_selected::<entity::region::Entity>(
            ctx,
            "recipient",
            rows().map(|m| m.recipient_id),
            None
        ),
    )?;
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
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}
