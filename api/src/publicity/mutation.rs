use super::types::{
    Announcement, AnnouncementPayload, PublicizeFundTransferInput, PublicizeProjectInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PublicityMutation;

#[Object]
impl PublicityMutation {
    /// The recipient county (or ADMIN) publicizes a received transfer; a correction supersedes
    /// the current announcement (idempotent with a key).
    async fn publicize_fund_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer and the publicity.")] input: PublicizeFundTransferInput,
    ) -> Result<AnnouncementPayload> {
        let m = super::service::publicize_transfer(&Writer::from_ctx(ctx), input).await?;
        Ok(AnnouncementPayload {
            announcement: Announcement::from(m),
        })
    }

    /// The county (or ADMIN) publicizes a project of its library; a correction supersedes the
    /// current announcement (idempotent with a key).
    async fn publicize_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the publicity.")] input: PublicizeProjectInput,
    ) -> Result<AnnouncementPayload> {
        let m = super::service::publicize_project(&Writer::from_ctx(ctx), input).await?;
        Ok(AnnouncementPayload {
            announcement: Announcement::from(m),
        })
    }
}
