use super::types::{
    AnswerDisputeInput, Dispute, DisputePayload, OpenDisputeInput, ResolveDisputeInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct DisputeMutation;

fn payload(m: entity::dispute::Model) -> DisputePayload {
    DisputePayload {
        dispute: Dispute::from(m),
    }
}

#[Object]
impl DisputeMutation {
    /// The recipient (or ADMIN) disputes a transfer, a dispatch, a deal or a placement, with its
    /// reason: a new OPEN dispute (a disputed deal becomes DISPUTED). A retry with the same
    /// reason returns the dispute raised first.
    async fn open_dispute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record and the reason.")] input: OpenDisputeInput,
    ) -> Result<DisputePayload> {
        Ok(payload(
            super::service::open(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The record's helper (or ADMIN) answers, and may correct its record (the old values are
    /// kept on the dispute and in the audit log): OPEN → ANSWERED.
    async fn answer_dispute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dispute, the answer and the correction.")] input: AnswerDisputeInput,
    ) -> Result<DisputePayload> {
        Ok(payload(
            super::service::answer(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The recipient (or ADMIN) resolves a dispute: OPEN or ANSWERED → RESOLVED (a disputed
    /// deal goes back to RECORDED, to be confirmed).
    async fn resolve_dispute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dispute and how it was resolved.")] input: ResolveDisputeInput,
    ) -> Result<DisputePayload> {
        Ok(payload(
            super::service::resolve(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
