use super::types::{CreateRegionInput, Region, RegionPayload, UpdateRegionInput};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct RegionMutation;

#[Object]
impl RegionMutation {
    /// The national office registers an administrative division (ADMIN).
    async fn create_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region.")] input: CreateRegionInput,
    ) -> Result<RegionPayload> {
        let m = super::service::create(&Writer::from_ctx(ctx), input).await?;
        Ok(RegionPayload {
            region: Region::from(m),
        })
    }

    /// The national office corrects a region's name or poverty status (ADMIN).
    async fn update_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region and the changes.")] input: UpdateRegionInput,
    ) -> Result<RegionPayload> {
        let m = super::service::update(&Writer::from_ctx(ctx), input).await?;
        Ok(RegionPayload {
            region: Region::from(m),
        })
    }
}
