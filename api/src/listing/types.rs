use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, define_connection};
use crate::region::Region;
use crate::region::types::RegionLevel;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::supervision_listing::Model;

/// Where a listed region's combat plan (作战方案) stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::CombatPlanStatus")]
pub enum CombatPlanStatus {
    /// No combat plan recorded yet.
    None,
    /// Drafted by the county.
    Drafted,
    /// Approved by the supervising province.
    Approved,
    /// Being carried out.
    InProgress,
    /// Carried out.
    Completed,
}

/// A county or village under listed supervision (挂牌督战) in a year.
#[derive(Clone)]
pub struct SupervisionListing(pub std::sync::Arc<Model>);

impl From<Model> for SupervisionListing {
    fn from(model: Model) -> Self {
        SupervisionListing(std::sync::Arc::new(model))
    }
}

async fn region(ctx: &Context<'_>, id: i64) -> Result<Region> {
    let r = ctx
        .loader::<crate::batch::ById<entity::region::Entity>>()
        .load_one(id)
        .await?;
    Ok(Region(r.ok_or_else(|| {
        crate::error::AppError::not_found("Region", id)
    })?))
}

crate::object! {
    /// A county or village under listed supervision (挂牌督战) in a year: who supervises it, when
    /// it was listed and lifted, and its combat plan. Public, except the plan's reference.
    SupervisionListing(0) as m, columns entity::supervision_listing {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::SupervisionListing, m.id);
        /// The year of the listing.
        year: i32 [Year] = m.year;
        /// When the region was listed.
        listedOn: Date [ListedOn] = Date(m.listed_on);
        /// When the listing was lifted; `null` while it stands.
        liftedOn: Option<Date> [LiftedOn] = m.lifted_on.map(Date);
        /// Where the combat plan stands.
        combatPlanStatus: CombatPlanStatus [CombatPlanStatus] = m.combat_plan_status.into();
        /// The listing stands: it has not been lifted.
        active: bool [LiftedOn] = m.lifted_on.is_none();
    }
    related {
        /// The listed county or village.
        [RegionId] async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
            region(ctx, self.0.region_id).await
        }
        /// The province that supervises the listed region.
        [SupervisingProvinceId] async fn supervisingProvince(&self, ctx: &Context<'_>) -> Result<Region> {
            region(ctx, self.0.supervising_province_id).await
        }
    }
    other {
    /// The combat plan's document reference (authenticated callers; `null` for anonymous ones).
    async fn combat_plan_reference(&self, ctx: &Context<'_>) -> Option<&str> {
        ctx.identity()
            .is_authenticated()
            .then_some(self.0.combat_plan_reference.as_deref())
            .flatten()
    }
    }
}

crate::leaf_enums!(CombatPlanStatus);

/// Narrows a list of supervision listings.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct SupervisionListingFilter {
    /// Only listings of this year.
    pub year: Option<i32>,
    /// Only listed regions of this level (COUNTY or VILLAGE).
    pub level: Option<RegionLevel>,
    /// Only listed regions in the province with this code.
    pub province_code: Option<String>,
    /// Only the region with this code and the regions within it (a county's villages, say).
    pub region_code: Option<String>,
    /// Only standing listings (true) or only lifted ones (false).
    pub active: Option<bool>,
    /// Only listings whose combat plan stands so.
    pub combat_plan_status: Option<CombatPlanStatus>,
}

/// What listings can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum SupervisionListingOrderField {
    /// Recording order.
    #[default]
    Id,
    /// The date listed.
    ListedOn,
}

/// Sort order of a listing list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SupervisionListingOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: SupervisionListingOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    SupervisionListingConnection,
    SupervisionListingEdge,
    SupervisionListing,
    "A page of supervision listings.",
    "A supervision listing in a page, with its cursor."
);

/// The national office lists a county or village for supervision in a year.
#[derive(InputObject, Clone)]
pub struct ListForSupervisionInput {
    /// The county or village (6 or 12 digits).
    pub region_code: String,
    /// The year of the listing (one listing per region and year).
    pub year: i32,
    /// When it was listed (within the year, not in the future).
    pub listed_on: Date,
    /// The supervising province; the region's own province when omitted.
    pub supervising_province_code: Option<String>,
    /// The combat plan's document reference (at most 200 characters).
    pub combat_plan_reference: Option<String>,
    /// Where the combat plan stands; NONE when omitted.
    pub combat_plan_status: Option<CombatPlanStatus>,
}

/// The national office lifts a listing.
#[derive(InputObject, Clone)]
pub struct LiftSupervisionListingInput {
    /// The listing.
    pub supervision_listing_id: ID,
    /// When it was lifted (on or after it was listed, not in the future).
    pub lifted_on: Date,
}

/// The national office or the supervising province's government records the combat plan.
#[derive(InputObject, Clone)]
pub struct UpdateCombatPlanInput {
    /// The listing.
    pub supervision_listing_id: ID,
    /// The plan's document reference (at most 200 characters); unchanged when omitted.
    pub combat_plan_reference: Option<String>,
    /// Where the plan stands.
    pub combat_plan_status: CombatPlanStatus,
}

/// The listing as it stands after the write.
#[derive(SimpleObject)]
pub struct SupervisionListingPayload {
    /// The listing written.
    pub supervision_listing: SupervisionListing,
}

impl crate::graphql::plain::PlainObject for SupervisionListing {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

crate::keyed!(supervision_listing);
