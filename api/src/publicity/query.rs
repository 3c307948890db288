use super::types::{Announcement, AnnouncementConnection};
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PublicityQuery;

#[Object]
impl PublicityQuery {
    /// A region's announcements of a year (the year their publicity period starts), its own and
    /// those of the regions within it, superseded ones included, in publishing order. Public:
    /// each shows the transfer or project with its amount, purpose and spending.
    async fn public_announcements(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The region's code (a county, or a prefecture or province for all its counties)."
        )]
        region_code: String,
        #[graphql(desc = "The year the publicity periods start in.")] year: i32,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<AnnouncementConnection> {
        let page = super::service::page(
            ctx.db(),
            &region_code,
            year,
            &crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await?;
        Ok(AnnouncementConnection::from_page(page, Announcement::from))
    }
}
