use super::types::{
    LiftSupervisionListingInput, ListForSupervisionInput, SupervisionListing,
    SupervisionListingPayload, UpdateCombatPlanInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ListingMutation;

fn payload(m: entity::supervision_listing::Model) -> SupervisionListingPayload {
    SupervisionListingPayload {
        supervision_listing: SupervisionListing::from(m),
    }
}

#[Object]
impl ListingMutation {
    /// The national office (ADMIN) lists a county or village for supervision in a year. A retry
    /// of the same listing returns it; a different listing of the region for the year is a
    /// CONFLICT.
    async fn list_for_supervision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region, the year and the plan.")] input: ListForSupervisionInput,
    ) -> Result<SupervisionListingPayload> {
        Ok(payload(
            super::service::list(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The national office (ADMIN) lifts a listing (a retry with the same date returns it).
    async fn lift_supervision_listing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing and the date.")] input: LiftSupervisionListingInput,
    ) -> Result<SupervisionListingPayload> {
        Ok(payload(
            super::service::lift(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The national office (ADMIN) or the supervising province's government (a RECIPIENT of
    /// that province) records where the combat plan stands.
    async fn update_combat_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing and the plan.")] input: UpdateCombatPlanInput,
    ) -> Result<SupervisionListingPayload> {
        Ok(payload(
            super::service::update_combat_plan(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
