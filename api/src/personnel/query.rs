use super::service::DispatchListSpec;
use super::types::{
    PersonnelDispatch, PersonnelDispatchConnection, PersonnelDispatchFilter, PersonnelDispatchOrder,
};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, items_select, list_page, prime_selected};
use async_graphql::{Context, Object, Result};
use entity::row::Columns;

#[derive(Default)]
pub struct PersonnelQuery;

/// Lists dispatches (also used by `PairingAgreement.personnelDispatches`).
pub async fn list(
    ctx: &Context<'_>,
    filter: PersonnelDispatchFilter,
    order: Option<PersonnelDispatchOrder>,
    args: PageArgs,
) -> Result<PersonnelDispatchConnection> {
    let mut spec = DispatchListSpec {
        filter,
        order: order.unwrap_or_default(),
        authenticated: super::service::visible(ctx.identity()),
    };
    let by_pairing = ctx.loader::<super::service::DispatchesByPairing>();
    let nested = spec
        .filter
        .pairing_id
        .take()
        .map(|parent| (&by_pairing.0, parent));
    let page = list_page(ctx, nested, spec, super::service::build, args, Columns::ALL).await?;
    // The page's selected relations (and what the name rule needs), each in one batch.
    let rows = || page.rows.iter().map(|(_, m)| m);
    let names = items_select(ctx, "personName");
    let helpers = if names { "personName" } else { "helper" };
    let recipients = if names { "personName" } else { "recipient" };
    futures_util::try_join!(
        prime_selected::<entity::organization::Entity>(
            ctx,
            helpers,
            rows().map(|m| m.helper_id),
            None
        ),
        prime_selected::<entity::region::Entity>(
            ctx,
            recipients,
            rows().map(|m| m.recipient_id),
            None
        ),
        prime_selected::<entity::pairing_agreement::Entity>(
            ctx,
            "pairingAgreement",
            rows().map(|m| m.pairing_id),
            None
        ),
    )?;
    Ok(PersonnelDispatchConnection::from_page(
        page,
        PersonnelDispatch,
    ))
}

#[Object]
impl PersonnelQuery {
    /// Personnel dispatches (for authenticated callers; names only for those entitled to them).
    async fn personnel_dispatches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PersonnelDispatchFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            PersonnelDispatchOrder,
        >,
    ) -> Result<PersonnelDispatchConnection> {
        list(
            ctx,
            filter.unwrap_or_default(),
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}
