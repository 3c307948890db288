use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::{ContextExt, define_connection};
use crate::pairing::{PairingAgreementConnection, PairingAgreementFilter, PairingAgreementOrder};
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::region::Model;

/// The level of an administrative division.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::RegionLevel")]
pub enum RegionLevel {
    /// Province, autonomous region or municipality (省级).
    Province,
    /// Prefecture-level city, prefecture or autonomous prefecture (地级).
    Prefecture,
    /// County, county-level city, district or banner (县级).
    County,
    /// Township or town (乡级).
    Township,
    /// Village (村级).
    Village,
}

/// The economic zone of a region's province.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::Zone")]
pub enum Zone {
    /// The eastern provinces and municipalities: the helpers of east–west cooperation.
    East,
    /// The central provinces.
    Central,
    /// The western provinces and regions: the recipients of east–west cooperation.
    West,
}

/// An administrative division (GB/T 2260 as of 2020-12-31).
#[derive(Clone)]
pub struct Region(pub std::sync::Arc<Model>);

impl From<Model> for Region {
    fn from(model: Model) -> Self {
        Region(std::sync::Arc::new(model))
    }
}

/// Poverty status of a county (or village). `null` flags mean "not known", not "no".
#[derive(SimpleObject)]
pub struct PovertyStatus {
    /// Officially a poor county (one of the 832).
    pub poor: Option<bool>,
    /// A national key county for poverty alleviation (one of the 592 of 2012).
    pub key_county: Option<bool>,
    /// Lies in a contiguous area of extreme poverty (集中连片特困地区).
    pub contiguous_area: Option<bool>,
    /// Under listed supervision (挂牌督战): it has a listing not lifted (see
    /// `supervisionListings`).
    pub listed_for_supervision: bool,
    /// The year the county exited poverty, when known.
    pub exit_year: Option<i32>,
}

crate::object! {
    /// An administrative division (GB/T 2260 as of 2020-12-31).
    Region(0) as m, columns entity::region {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Region, m.id);
        /// GB/T 2260 code: 6 digits (9 for a township, 12 for a village).
        code: &str [Code] = &m.code;
        /// Official full name.
        name: &str [Name] = &m.name;
        /// Administrative level.
        level: RegionLevel [Level] = m.level.into();
        /// Economic zone of the region's province.
        zone: Zone [Zone] = m.zone.into();
    }
    related {
        /// The region directly above; `null` for a province.
        [ParentId] async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
            load(ctx, self.0.parent_id).await
        }
        /// The province this region lies in (itself for a province).
        [ProvinceId] async fn province(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
            load(ctx, self.0.province_id).await
        }
    }
    other {
    /// The regions directly below, ordered by code unless `orderBy` says otherwise.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<RegionFilter>,
        #[graphql(desc = "Sort order; by code ascending when omitted.")] order_by: Option<
            RegionOrder,
        >,
    ) -> Result<RegionConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.parent_id = Some(self.0.id);
        let page = super::service::page(
            ctx.db(),
            ctx.loaders(),
            filter,
            order_by.unwrap_or_default(),
            crate::graphql::page_args(ctx, first, after, last, before),
            crate::graphql::wants_total(ctx),
        )
        .await?;
        Ok(RegionConnection::from_page(page, Region::from))
    }
    /// Poverty status; `null` for regions above county level (and for townships).
    async fn poverty(&self, ctx: &Context<'_>) -> Result<Option<PovertyStatus>> {
        let m = &self.0;
        if !matches!(
            m.level,
            enums::RegionLevel::County | enums::RegionLevel::Village
        ) {
            return Ok(None);
        }
        let listed = if ctx.look_ahead().field("listedForSupervision").exists() {
            crate::listing::loader::is_listed(ctx, m.id).await?
        } else {
            false
        };
        Ok(Some(PovertyStatus {
            poor: m.is_poor,
            key_county: m.is_key_county,
            contiguous_area: m.is_contiguous_area,
            listed_for_supervision: listed,
            exit_year: m.exit_year,
        }))
    }
    /// The region's listings for supervision (挂牌督战), one per year. Public.
    async fn supervision_listings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<crate::listing::types::SupervisionListingFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            crate::listing::types::SupervisionListingOrder,
        >,
    ) -> Result<crate::listing::types::SupervisionListingConnection> {
        crate::listing::query::list(
            ctx,
            filter.unwrap_or_default(),
            Some(self.0.id),
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    /// What this region and the regions within it received in a year: funds by program,
    /// category and helper, projects funded, personnel in post (counts only). Public.
    async fn assistance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
    ) -> Result<crate::rollup::types::RegionAssistance> {
        crate::rollup::query::region_assistance(ctx, &self.0, year).await
    }
    /// Pairings in which this region is the recipient.
    async fn pairings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PairingAgreementFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            PairingAgreementOrder,
        >,
    ) -> Result<PairingAgreementConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.recipient_id = Some(self.0.id);
        crate::pairing::query::list(
            ctx,
            filter,
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    /// Pairings that reach this region: those whose recipient is this region or a region above
    /// it (its prefecture, its province). A county sees its own pairings and its prefecture's,
    /// not a sibling prefecture's.
    async fn pairings_covering(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PairingAgreementFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            PairingAgreementOrder,
        >,
    ) -> Result<PairingAgreementConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.covering_code = Some(self.0.code.clone());
        filter.covering_id = Some(self.0.id);
        crate::pairing::query::list(
            ctx,
            filter,
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    }
}

crate::leaf_enums!(RegionLevel, Zone);

async fn load(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Region>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loader::<crate::batch::ById<entity::region::Entity>>()
        .load_one(id)
        .await?
        .map(Region))
}

/// Narrows a list of regions.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct RegionFilter {
    /// Only this level.
    pub level: Option<RegionLevel>,
    /// Only this zone.
    pub zone: Option<Zone>,
    /// Only the regions directly below the region with this code.
    pub parent_code: Option<String>,
    /// Only regions in the province with this code.
    pub province_code: Option<String>,
    /// Only counties and villages under listed supervision (with a listing not lifted).
    pub listed_only: Option<bool>,
    /// Only counties known to be poor.
    pub poor_only: Option<bool>,
    /// Only regions whose name contains this text.
    pub name_contains: Option<String>,
    #[graphql(skip)]
    pub parent_id: Option<i64>,
}

/// What regions can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum RegionOrderField {
    /// GB/T 2260 code.
    #[default]
    Code,
    /// Name (by code point).
    Name,
}

/// Sort order of a region list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RegionOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: RegionOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    RegionConnection,
    RegionEdge,
    Region,
    "A page of regions.",
    "A region in a page, with its cursor."
);

/// The national office registers an administrative division.
#[derive(InputObject, Clone)]
pub struct CreateRegionInput {
    /// GB/T 2260 code: 6 digits (province, prefecture, county), 9 (township) or 12 (village).
    pub code: String,
    /// Name.
    pub name: String,
    /// Level; below the parent's level.
    pub level: RegionLevel,
    /// The parent's code (required below province); the code must lie within it.
    pub parent_code: Option<String>,
    /// Zone; required for a province, otherwise taken from the parent.
    pub zone: Option<Zone>,
    /// Officially a poor county or village.
    pub poor: Option<bool>,
    /// A key county of the national poverty-alleviation program.
    pub key_county: Option<bool>,
    /// Part of a contiguous destitute area.
    pub contiguous_area: Option<bool>,
    /// Deprecated in favour of `listForSupervision`: true lists the county or village for the
    /// current year (listed today, supervised by its own province).
    pub listed_for_supervision: Option<bool>,
    /// The year it exited poverty.
    pub exit_year: Option<i32>,
}

/// The national office corrects a region; omitted fields stay as they are.
#[derive(InputObject, Clone)]
pub struct UpdateRegionInput {
    /// The region's code (it identifies the region and does not change).
    pub code: String,
    /// New name.
    pub name: Option<String>,
    /// Officially a poor county or village.
    pub poor: Option<bool>,
    /// A key county of the national poverty-alleviation program.
    pub key_county: Option<bool>,
    /// Part of a contiguous destitute area.
    pub contiguous_area: Option<bool>,
    /// Deprecated in favour of `listForSupervision` and `liftSupervisionListing`: true lists the
    /// county or village for the current year unless a listing stands, false lifts its standing
    /// listings today.
    pub listed_for_supervision: Option<bool>,
    /// The year it exited poverty.
    pub exit_year: Option<i32>,
}

/// The region as it stands after the write.
#[derive(SimpleObject)]
pub struct RegionPayload {
    /// The region written.
    pub region: Region,
}

impl crate::graphql::plain::PlainObject for Region {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
