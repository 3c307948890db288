use super::service::TransferListSpec;
use super::types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
use crate::connection::PageArgs;
use crate::graphql::{ContextExt, item_fields, list_page, prime_selected, selection_columns};
use crate::organization::Organization;
use crate::project::Project;
use crate::region::Region;
use async_graphql::{Context, Object, Result};
use entity::fund_transfer::{Column, Entity};

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
    let l = ctx.loaders();
    let nested = spec
        .filter
        .pairing_id
        .take()
        .map(|parent| (&l.transfers_by_pairing, parent));
    // A page at the root reads only the columns its items show.
    let columns = selection_columns::<Entity>(
        item_fields(ctx.field()),
        &[Column::Id],
        FundTransfer::field_columns,
    );
    let page = list_page(ctx, nested, spec, super::service::build, args, columns).await?;
    // The page's selected relations, each in one batch.
    let rows = || page.rows.iter().map(|(_, m)| m);
    let (helpers, recipients, projects, _) = futures_util::try_join!(
        prime_selected(
            ctx,
            "helper",
            &l.organizations,
            rows().map(|m| m.helper_id),
            Some(Organization::field_columns)
        ),
        prime_selected(
            ctx,
            "recipient",
            &l.regions,
            rows().map(|m| m.recipient_id),
            Some(Region::field_columns)
        ),
        prime_selected(
            ctx,
            "project",
            &l.projects,
            rows().filter_map(|m| m.project_id),
            Some(Project::field_columns)
        ),
        prime_selected(
            ctx,
            "pairingAgreement",
            &l.pairings,
            rows().map(|m| m.pairing_id),
            None
        ),
    )?;
    Ok(FundTransferConnection::from_page(page, |m| {
        FundTransfer::with_related(m, &helpers, &recipients, &projects)
    }))
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
