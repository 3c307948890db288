use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, define_connection};
use crate::project::Project;
use crate::region::Region;
use crate::transfer::FundTransfer;
use async_graphql::{Context, Enum, ID, InputObject, Result};
use entity::announcement::Model;
use entity::enums;

/// Where an announcement was published.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::PublicityChannel")]
pub enum PublicityChannel {
    /// The county government's website.
    CountyWebsite,
    /// A township's notice board.
    TownshipNoticeBoard,
    /// A village's notice board.
    VillageNoticeBoard,
    /// Another channel (named in the document reference).
    Other,
}

crate::leaf_enums!(PublicityChannel);

/// A county's publicity (公告公示) of a received transfer or of a project. Public.
#[derive(Clone)]
pub struct Announcement(pub std::sync::Arc<Model>);

impl From<Model> for Announcement {
    fn from(model: Model) -> Self {
        Announcement(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// A county's publicity (公告公示) of a received transfer or of a project. Never edited: a
    /// correction is a new announcement that supersedes this one. Public.
    Announcement(0) as m, columns entity::announcement {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Announcement, m.id);
        /// The year of the publicity period's start.
        year: i32 [Year] = m.year;
        /// First day of the publicity period.
        periodStart: Date [PeriodStart] = Date(m.period_start);
        /// Last day of the publicity period.
        periodEnd: Date [PeriodEnd] = Date(m.period_end);
        /// Where it was published.
        channel: PublicityChannel [Channel] = m.channel.into();
        /// The announcement's document reference.
        documentRef: &str [DocumentRef] = &m.document_ref;
    }
    related {
        /// The transfer publicized, when the announcement is about a transfer.
        [FundTransferId] async fn fundTransfer(&self, ctx: &Context<'_>) -> Result<Option<FundTransfer>> {
            let Some(id) = self.0.fund_transfer_id else { return Ok(None) };
            let t = ctx.loader::<crate::batch::ById<entity::fund_transfer::Entity>>().load_one(id).await?;
            Ok(t.map(|t| FundTransfer::from(std::sync::Arc::unwrap_or_clone(t))))
        }
        /// The project publicized, when the announcement is about a project.
        [ProjectId] async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
            let Some(id) = self.0.project_id else { return Ok(None) };
            Ok(ctx.loader::<crate::batch::ById<entity::project::Entity>>().load_one(id).await?.map(Project))
        }
        /// The region whose publicity it is: the transfer's recipient or the project's county.
        [RegionId] async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.region_id).await?;
            Ok(Region(r.ok_or_else(|| crate::error::AppError::not_found("Region", self.0.region_id))?))
        }
        /// The announcement this one corrects.
        [SupersedesId] async fn supersedes(&self, ctx: &Context<'_>) -> Result<Option<Announcement>> {
            let Some(id) = self.0.supersedes_id else { return Ok(None) };
            Ok(ctx.loader::<crate::batch::ById<entity::announcement::Entity>>().load_one(id).await?.map(Announcement))
        }
        /// The announcement that corrects this one; `null` while it is current.
        [Id] async fn supersededBy(&self, ctx: &Context<'_>) -> Result<Option<Announcement>> {
            Ok(ctx.loader::<async_graphql::dataloader::DataLoader<super::loader::SupersededBy>>().load_one(self.0.id).await?.map(Announcement))
        }
    }
}

define_connection!(
    AnnouncementConnection,
    AnnouncementEdge,
    Announcement,
    "A page of announcements.",
    "An announcement in a page, with its cursor."
);

impl crate::graphql::plain::PlainObject for Announcement {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

/// The county publicizes a received transfer.
#[derive(InputObject, Clone)]
pub struct PublicizeFundTransferInput {
    /// The transfer: RECEIVED, addressed to the caller's region or a region within it.
    pub fund_transfer_id: ID,
    /// First day of the publicity period: on or after receipt, not in the future.
    pub period_start: Date,
    /// Last day of the publicity period, not before its first.
    pub period_end: Date,
    /// Where it was published.
    pub channel: PublicityChannel,
    /// The announcement's document reference.
    pub document_ref: String,
    /// The current announcement of this transfer that this one corrects; required once the
    /// transfer has been publicized.
    pub supersedes: Option<ID>,
    /// A key chosen by the client (at most 128 characters): a retry with the same key and payload
    /// returns the announcement recorded first; with a different payload it is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// The county publicizes a project of its library.
#[derive(InputObject, Clone)]
pub struct PublicizeProjectInput {
    /// The project, in the library of a county within the caller's region.
    pub project_id: ID,
    /// First day of the publicity period, not in the future.
    pub period_start: Date,
    /// Last day of the publicity period, not before its first.
    pub period_end: Date,
    /// Where it was published.
    pub channel: PublicityChannel,
    /// The announcement's document reference.
    pub document_ref: String,
    /// The current announcement of this project that this one corrects; required once the
    /// project has been publicized.
    pub supersedes: Option<ID>,
    /// A key chosen by the client, as for `publicizeFundTransfer`.
    pub idempotency_key: Option<String>,
}

/// The announcement as recorded.
#[derive(async_graphql::SimpleObject)]
pub struct AnnouncementPayload {
    /// The announcement written.
    pub announcement: Announcement,
}
