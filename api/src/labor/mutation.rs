use super::types::{
    ConfirmLaborPlacementInput, LaborPlacement, LaborPlacementPayload, RecordLaborPlacementInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct LaborMutation;

fn payload(m: entity::labor_placement::Model) -> LaborPlacementPayload {
    LaborPlacementPayload {
        labor_placement: LaborPlacement::from(m),
    }
}

#[Object]
impl LaborMutation {
    /// A helper records labourers placed in jobs (idempotent with a key): RECORDED.
    async fn record_labor_placement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The placement.")] input: RecordLaborPlacementInput,
    ) -> Result<LaborPlacementPayload> {
        Ok(payload(
            super::service::record(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The origin county confirms a placement: RECORDED → CONFIRMED.
    async fn confirm_labor_placement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The placement and date.")] input: ConfirmLaborPlacementInput,
    ) -> Result<LaborPlacementPayload> {
        Ok(payload(
            super::service::confirm(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
