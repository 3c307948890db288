use super::service::Projection;
use super::types::{
    PersonnelDispatch, PersonnelDispatchConnection, PersonnelDispatchFilter, PersonnelDispatchOrder,
};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, items_select, wants_total};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PersonnelQuery;

/// Lists dispatches (also used by `PairingAgreement.personnelDispatches`): the selection becomes
/// the service's projection.
pub async fn list(
    ctx: &Context<'_>,
    filter: PersonnelDispatchFilter,
    order: Option<PersonnelDispatchOrder>,
    args: PageArgs,
) -> Result<PersonnelDispatchConnection> {
    let projection = Projection {
        helper: items_select(ctx, "helper"),
        recipient: items_select(ctx, "recipient"),
        pairing: items_select(ctx, "pairingAgreement"),
        person_name: items_select(ctx, "personName"),
        total: wants_total(ctx),
    };
    let page = super::service::page(
        ctx.db(),
        ctx.loaders(),
        ctx.identity(),
        filter,
        order.unwrap_or_default(),
        args,
        &projection,
    )
    .await?;
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
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
}
