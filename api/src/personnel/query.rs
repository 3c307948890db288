use super::service::DispatchListSpec;
use super::types::{
    PersonnelDispatch, PersonnelDispatchConnection, PersonnelDispatchFilter, PersonnelDispatchOrder,
};
use crate::connection::{Page, PageArgs, fetch_page, page_size};
use crate::error::AppError;
use crate::graphql::loader::ChildPageKey;
use crate::graphql::{ContextExt, items_select, prime, wants_total};
use async_graphql::{Context, Object, Result};

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
    let page = match spec.filter.pairing_id.take() {
        // Nested under a pairing: batched with the sibling pairings' pages.
        Some(parent) => {
            page_size(&args)?;
            let key = ChildPageKey {
                parent,
                spec,
                args,
                with_total: wants_total(ctx),
            };
            ctx.loaders()
                .dispatches_by_pairing
                .load_one(key)
                .await?
                .ok_or_else(|| AppError::Internal("missing child page".into()))?
        }
        None => {
            let (select, ordering) = super::service::build(&spec)?;
            fetch_page(ctx.db(), select, &ordering, &args).await?
        }
    };
    prime_relations(ctx, &page).await?;
    Ok(PersonnelDispatchConnection::from_page(
        page,
        PersonnelDispatch,
    ))
}

/// Loads the page's helpers, recipients and pairings that the client selected (or that the name
/// rule needs), each in one batch.
async fn prime_relations(
    ctx: &Context<'_>,
    page: &Page<entity::personnel_dispatch::Model>,
) -> Result<()> {
    let l = ctx.loaders();
    let rows = || page.rows.iter().map(|(_, m)| m);
    let wants = |field| items_select(ctx, field);
    let names = wants("personName");
    futures_util::try_join!(
        async {
            if wants("helper") || names {
                prime(&l.organizations, rows().map(|m| m.helper_id)).await
            } else {
                Ok(())
            }
        },
        async {
            if wants("recipient") || names {
                prime(&l.regions, rows().map(|m| m.recipient_id)).await
            } else {
                Ok(())
            }
        },
        async {
            if wants("pairingAgreement") {
                prime(&l.pairings, rows().map(|m| m.pairing_id)).await
            } else {
                Ok(())
            }
        },
    )?;
    Ok(())
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
