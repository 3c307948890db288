use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::labor_placement::Model;

/// Where a placement stands: RECORDED by the helper, CONFIRMED by the origin county.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::PlacementStatus")]
pub enum PlacementStatus {
    /// Recorded by the helper, not yet confirmed.
    Recorded,
    /// Confirmed by the origin county.
    Confirmed,
}

/// Poor labourers from a county placed in jobs under a pairing: counts only, no names.
#[derive(Clone)]
pub struct LaborPlacement(pub std::sync::Arc<Model>);

impl From<Model> for LaborPlacement {
    fn from(model: Model) -> Self {
        LaborPlacement(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// Poor labourers from a county placed in jobs under a pairing (counts only, no names); the
    /// origin county confirms.
    LaborPlacement(0) as m, columns entity::labor_placement {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::LaborPlacement, m.id);
        /// The employer.
        employer: &str [Employer] = &m.employer;
        /// How many people were placed.
        people: i32 [People] = m.people;
        /// When the jobs started.
        startOn: Date [StartOn] = Date(m.start_on);
        /// For how many months the jobs are contracted.
        months: i32 [Months] = m.months;
        /// The year the placement counts toward (the year the jobs started).
        year: i32 [Year] = m.year;
        /// Where the placement stands.
        status: PlacementStatus [Status] = m.status.into();
        /// When the origin county confirmed it.
        confirmedOn: Option<Date> [ConfirmedOn] = m.confirmed_on.map(Date);
    }
    related {
        /// The pairing the placement is recorded under.
        [PairingId] async fn pairingAgreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
            let p = ctx.loader::<crate::batch::ById<entity::pairing_agreement::Entity>>().load_one(self.0.pairing_id).await?;
            Ok(PairingAgreement(p.ok_or_else(|| {
                crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
            })?))
        }
        /// The helper that placed the labourers.
        [HelperId] async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
            let o = ctx.loader::<crate::batch::ById<entity::organization::Entity>>().load_one(self.0.helper_id).await?;
            Ok(Organization(o.ok_or_else(|| {
                crate::error::AppError::not_found("Organization", self.0.helper_id)
            })?))
        }
        /// The poor county the labourers come from.
        [OriginCountyId] async fn originCounty(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.origin_county_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.origin_county_id)
            })?))
        }
        /// The region they went to work in.
        [DestinationId] async fn destination(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.destination_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.destination_id)
            })?))
        }
        /// The disputes raised about this placement, oldest first (none for anonymous callers);
        /// an unresolved one is a `RECORD_DISPUTED` data-quality finding.
        [Id] async fn disputes(&self, ctx: &Context<'_>) -> Result<Vec<crate::dispute::Dispute>> {
            crate::dispute::loader::disputes_of(ctx, entity::enums::DisputeSubjectKind::LaborPlacement, self.0.id).await
        }
    }
}

crate::leaf_enums!(PlacementStatus);
crate::keyed!(labor_placement);

/// Narrows a list of labour placements.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct LaborPlacementFilter {
    /// Only placements counting toward this year.
    pub year: Option<i32>,
    /// Only placements with this status.
    pub status: Option<PlacementStatus>,
    /// Only placements of the organization with this code.
    pub helper_code: Option<String>,
    /// Only placements from the county with this code.
    pub origin_county_code: Option<String>,
    /// Only placements from counties in the province with this code.
    pub province_code: Option<String>,
}

/// What placements can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum LaborPlacementOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Number of people.
    People,
    /// Start date.
    StartOn,
}

/// Sort order of a placement list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LaborPlacementOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: LaborPlacementOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    LaborPlacementConnection,
    LaborPlacementEdge,
    LaborPlacement,
    "A page of labour placements.",
    "A labour placement in a page, with its cursor."
);

/// A helper records labourers placed in jobs, under one of its pairings.
#[derive(InputObject, Clone)]
pub struct RecordLaborPlacementInput {
    /// The pairing (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// The origin county's code: a county within the pairing's recipient.
    pub origin_county_code: String,
    /// The code of the region they went to work in.
    pub destination_code: String,
    /// The employer (at most 200 characters).
    pub employer: String,
    /// How many people were placed (1 to 100,000).
    pub people: i32,
    /// When the jobs started (not in the future, within the pairing's period).
    pub start_on: Date,
    /// For how many months the jobs are contracted (1 to 120).
    pub months: i32,
    /// A key chosen by the client (at most 128 characters): a retry with the same key and payload
    /// returns the placement recorded first; the same key with a different payload is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// The origin county confirms a placement: RECORDED → CONFIRMED.
#[derive(InputObject, Clone)]
pub struct ConfirmLaborPlacementInput {
    /// The placement (RECORDED), from a county within the caller's region.
    pub labor_placement_id: ID,
    /// When it was confirmed: on or after the jobs started, not in the future.
    pub confirmed_on: Date,
}

/// The placement as it stands after the write.
#[derive(SimpleObject)]
pub struct LaborPlacementPayload {
    /// The placement written.
    pub labor_placement: LaborPlacement,
}

impl crate::graphql::plain::PlainObject for LaborPlacement {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
