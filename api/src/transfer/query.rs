use super::service::TransferListSpec;
use super::types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
use crate::connection::{Page, PageArgs, fetch_page, page_size};
use crate::error::AppError;
use crate::graphql::loader::ChildPageKey;
use crate::graphql::{ContextExt, items_select, prime, wants_total};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct TransferQuery;

/// Lists transfers (also used by `PairingAgreement.fundTransfers`).
pub async fn list(
    ctx: &Context<'_>,
    filter: FundTransferFilter,
    order: Option<FundTransferOrder>,
    args: PageArgs,
) -> Result<FundTransferConnection> {
    let mut spec = TransferListSpec {
        filter,
        order: order.unwrap_or_default(),
        authenticated: ctx.identity().is_authenticated(),
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
                .transfers_by_pairing
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
    Ok(FundTransferConnection::from_page(page, FundTransfer))
}

/// Loads the page's helpers, recipients, projects and pairings that the client selected, each in one batch.
async fn prime_relations(
    ctx: &Context<'_>,
    page: &Page<entity::fund_transfer::Model>,
) -> Result<()> {
    let l = ctx.loaders();
    let rows = || page.rows.iter().map(|(_, m)| m);
    let wants = |field| items_select(ctx, field);
    futures_util::try_join!(
        async {
            if wants("helper") {
                prime(&l.organizations, rows().map(|m| m.helper_id)).await
            } else {
                Ok(())
            }
        },
        async {
            if wants("recipient") {
                prime(&l.regions, rows().map(|m| m.recipient_id)).await
            } else {
                Ok(())
            }
        },
        async {
            if wants("project") {
                prime(&l.projects, rows().filter_map(|m| m.project_id)).await
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
impl TransferQuery {
    /// Fund transfers (anonymous callers see publicized transfers only).
    async fn fund_transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<FundTransferFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            FundTransferOrder,
        >,
    ) -> Result<FundTransferConnection> {
        list(
            ctx,
            filter.unwrap_or_default(),
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}
