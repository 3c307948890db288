use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::{ContextExt, define_connection};
use crate::pairing::{PairingAgreementConnection, PairingAgreementFilter, PairingAgreementOrder};
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result};
use entity::enums;
use entity::organization::Model;

/// What kind of actor an organization is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::OrganizationKind")]
pub enum OrganizationKind {
    /// A provincial government (or a municipality's).
    ProvincialGovernment,
    /// A city (prefecture-level) government.
    CityGovernment,
    /// A county government.
    CountyGovernment,
    /// A central unit: ministry, state enterprise or institution under the central government.
    CentralUnit,
    /// An enterprise.
    Enterprise,
    /// A social organization.
    SocialOrganization,
}

/// An actor of paired assistance.
#[derive(Clone)]
pub struct Organization(pub std::sync::Arc<Model>);

impl From<Model> for Organization {
    fn from(model: Model) -> Self {
        Organization(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// An actor of paired assistance.
    Organization(0) as m, columns entity::organization {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Organization, m.id);
        /// Stable code: the region code for governments, a short identifier for others.
        code: &str [Code] = &m.code;
        /// Official full name.
        name: &str [Name] = &m.name;
        /// Common short name.
        shortName: Option<&str> [ShortName] = m.short_name.as_deref();
        /// What kind of actor this is.
        kind: OrganizationKind [Kind] = m.kind.into();
    }
    related {
        /// The region a government governs.
        [RegionId] async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
            let Some(id) = self.0.region_id else {
                return Ok(None);
            };
            Ok(ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(id).await?.map(Region))
        }
    }
    other {
    /// The year's progress over all pairings in which this organization is the helper (with
    /// `includeSubordinates`, also those of the governments whose region lies within its
    /// region: a province's cities and districts): summed targets of the signed letters against
    /// the records, per indicator (with `includeSubordinates`, the records of the pairings with a
    /// signed letter of the year only). Public.
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
        #[graphql(
            desc = "Also count the pairings of the city, county and district governments whose region lies within this organization's region (none for an organization without a region). Target and achieved then have one basis: the pairings with a SIGNED letter of the year (the records of a pairing without one count toward nothing, so the completion rate compares like with like).",
            default = false
        )]
        include_subordinates: bool,
    ) -> Result<crate::rollup::types::ProgressRollup> {
        crate::rollup::query::organization_progress(
            ctx,
            self.0.id,
            year,
            verified_only,
            include_subordinates,
        )
        .await
    }
    /// Pairings in which this organization is the helper.
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
        filter.helper_id = Some(self.0.id);
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

crate::leaf_enums!(OrganizationKind);

/// Narrows a list of organizations.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct OrganizationFilter {
    /// Only this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organizations of the region with this code.
    pub region_code: Option<String>,
    /// Only organizations whose name contains this text.
    pub name_contains: Option<String>,
}

/// What organizations can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum OrganizationOrderField {
    /// Code.
    #[default]
    Code,
    /// Name (by code point).
    Name,
}

/// Sort order of an organization list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OrganizationOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: OrganizationOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    OrganizationConnection,
    OrganizationEdge,
    Organization,
    "A page of organizations.",
    "An organization in a page, with its cursor."
);

/// The national office registers an organization.
#[derive(InputObject, Clone)]
pub struct CreateOrganizationInput {
    /// Its code (unique, at most 64 characters), e.g. the region code of a government or `CU-…`
    /// for a central unit.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// What kind of actor it is.
    pub kind: OrganizationKind,
    /// The code of its region (required for governments).
    pub region_code: Option<String>,
}

/// The national office corrects an organization; omitted fields stay as they are.
#[derive(InputObject, Clone)]
pub struct UpdateOrganizationInput {
    /// The organization's code (it identifies the organization and does not change).
    pub code: String,
    /// New full name.
    pub name: Option<String>,
    /// New short name.
    pub short_name: Option<String>,
    /// New region code.
    pub region_code: Option<String>,
}

/// The organization as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct OrganizationPayload {
    /// The organization written.
    pub organization: Organization,
}

impl crate::graphql::plain::PlainObject for Organization {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
