use super::types::{
    ConfirmProduceDealInput, DisputeProduceDealInput, ProduceDeal, ProduceDealPayload,
    RecordProduceDealInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ProduceMutation;

fn payload(m: entity::produce_deal::Model) -> ProduceDealPayload {
    ProduceDealPayload {
        produce_deal: ProduceDeal::from(m),
    }
}

#[Object]
impl ProduceMutation {
    /// A helper records a purchase or a sale it brokered (idempotent with a key): RECORDED.
    async fn record_produce_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal.")] input: RecordProduceDealInput,
    ) -> Result<ProduceDealPayload> {
        Ok(payload(
            super::service::record(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The origin county confirms a deal: RECORDED → CONFIRMED.
    async fn confirm_produce_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal and date.")] input: ConfirmProduceDealInput,
    ) -> Result<ProduceDealPayload> {
        Ok(payload(
            super::service::confirm(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The origin county disputes a deal, with its reason: RECORDED → DISPUTED.
    async fn dispute_produce_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal and the reason.")] input: DisputeProduceDealInput,
    ) -> Result<ProduceDealPayload> {
        Ok(payload(
            super::service::dispute(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
