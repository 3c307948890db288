use super::types::{
    CreateOrganizationInput, Organization, OrganizationPayload, UpdateOrganizationInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// The national office registers an organization (ADMIN).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] input: CreateOrganizationInput,
    ) -> Result<OrganizationPayload> {
        let m = super::service::create(&Writer::from_ctx(ctx), input).await?;
        Ok(OrganizationPayload {
            organization: Organization::from(m),
        })
    }

    /// The national office corrects an organization (ADMIN).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization and the changes.")] input: UpdateOrganizationInput,
    ) -> Result<OrganizationPayload> {
        let m = super::service::update(&Writer::from_ctx(ctx), input).await?;
        Ok(OrganizationPayload {
            organization: Organization::from(m),
        })
    }
}
