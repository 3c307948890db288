use super::service::Projection;
use super::types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
use crate::connection::PageArgs;
use crate::graphql::{
    ContextExt, item_fields, items_select, related_columns, selection_columns, wants_total,
};
use crate::organization::Organization;
use crate::project::Project;
use crate::region::Region;
use async_graphql::{Context, Object, Result};
use entity::fund_transfer::{Column, Entity};
use entity::{organization, project, region};

#[derive(Default)]
pub struct TransferQuery;

/// Lists transfers (also used by `PairingAgreement.fundTransfers`): the selection becomes the
/// service's projection.
pub async fn list(
    ctx: &Context<'_>,
    filter: FundTransferFilter,
    order: Option<FundTransferOrder>,
    args: PageArgs,
) -> Result<FundTransferConnection> {
    let projection = Projection {
        columns: selection_columns::<Entity>(
            item_fields(ctx.field()),
            &[Column::Id],
            FundTransfer::field_columns,
        ),
        helper: related_columns::<organization::Entity>(ctx, "helper", Organization::field_columns),
        recipient: related_columns::<region::Entity>(ctx, "recipient", Region::field_columns),
        project: related_columns::<project::Entity>(ctx, "project", Project::field_columns).map(
            |c| {
                c.union(crate::connection::positions::<project::Entity>(&[
                    project::Column::PublicizedOn,
                ]))
            },
        ),
        pairing: items_select(ctx, "pairingAgreement"),
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
    Ok(FundTransferConnection::from_page(page, FundTransfer::from))
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
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
}
