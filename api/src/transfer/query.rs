use super::types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
use crate::connection::PageArgs;
use crate::graphql::ContextExt;
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
    let page = super::service::list(
        ctx.db(),
        ctx.identity(),
        &filter,
        order.unwrap_or_default(),
        &args,
    )
    .await?;
    Ok(FundTransferConnection::from_page(page, FundTransfer))
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
