use super::types::{
    AllocateFundTransferInput, CancelFundTransferInput, ConfirmFundReceiptInput, FundTransfer,
    FundTransferPayload, RecordFundTransferInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct TransferMutation;

fn payload(m: entity::fund_transfer::Model) -> FundTransferPayload {
    FundTransferPayload {
        fund_transfer: FundTransfer::from(m),
    }
}

#[Object]
impl TransferMutation {
    /// A helper records a fund transfer under one of its pairings (idempotent with a key).
    async fn record_fund_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer.")] input: RecordFundTransferInput,
    ) -> Result<FundTransferPayload> {
        Ok(payload(
            super::service::record(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// A helper pays out a planned transfer: PLANNED → ALLOCATED.
    async fn allocate_fund_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer and date.")] input: AllocateFundTransferInput,
    ) -> Result<FundTransferPayload> {
        Ok(payload(
            super::service::allocate(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The recipient confirms the money arrived, all of it or a part (`receivedAmount`):
    /// ALLOCATED → RECEIVED.
    async fn confirm_fund_receipt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer and date.")] input: ConfirmFundReceiptInput,
    ) -> Result<FundTransferPayload> {
        Ok(payload(
            super::service::confirm_receipt(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// A helper (or ADMIN) cancels a transfer not yet received: PLANNED or ALLOCATED → CANCELLED.
    async fn cancel_fund_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer and reason.")] input: CancelFundTransferInput,
    ) -> Result<FundTransferPayload> {
        Ok(payload(
            super::service::cancel(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
