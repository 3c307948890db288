use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::{ContextExt, define_connection};
use crate::letter::ResponsibilityLetter;
use crate::organization::Organization;
use crate::personnel::{
    PersonnelDispatchConnection, PersonnelDispatchFilter, PersonnelDispatchOrder,
};
use crate::region::Region;
use crate::transfer::{FundTransferConnection, FundTransferFilter, FundTransferOrder};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums;
use entity::pairing_agreement::Model;

/// The assistance program a pairing belongs to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::Program")]
pub enum Program {
    /// East–west cooperation: an eastern province or city helps a western province or prefecture.
    EastWest,
    /// Designated assistance: a central unit helps a county (定点帮扶).
    DesignatedAssistance,
    /// County-to-county pairing (携手奔小康).
    CountyToCounty,
    /// An enterprise helps a village (万企帮万村).
    EnterpriseVillage,
}

/// Whether a pairing is in force.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::PairingStatus")]
pub enum PairingStatus {
    /// In force.
    Active,
    /// Ended (see `endYear`).
    Ended,
}

/// The standing pairing between a helper organization and a recipient region.
pub struct PairingAgreement(pub std::sync::Arc<Model>);

impl From<Model> for PairingAgreement {
    fn from(model: Model) -> Self {
        PairingAgreement(std::sync::Arc::new(model))
    }
}

/// The standing pairing between a helper organization and a recipient region.
#[Object]
impl PairingAgreement {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::PairingAgreement, self.0.id)
    }
    /// The program.
    async fn program(&self) -> Program {
        self.0.program.into()
    }
    /// The helping organization.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
        let org = ctx
            .loader::<crate::batch::ById<entity::organization::Entity>>()
            .load_one(self.0.helper_id)
            .await?;
        Ok(Organization(org.ok_or_else(|| {
            crate::error::AppError::not_found("Organization", self.0.helper_id)
        })?))
    }
    /// The region helped.
    async fn recipient(&self, ctx: &Context<'_>) -> Result<Region> {
        let region = ctx
            .loader::<crate::batch::ById<entity::region::Entity>>()
            .load_one(self.0.recipient_id)
            .await?;
        Ok(Region(region.ok_or_else(|| {
            crate::error::AppError::not_found("Region", self.0.recipient_id)
        })?))
    }
    /// First year of the pairing.
    async fn start_year(&self) -> i32 {
        self.0.start_year
    }
    /// Last year of the pairing; `null` while open-ended.
    async fn end_year(&self) -> Option<i32> {
        self.0.end_year
    }
    /// Whether the pairing is in force.
    async fn status(&self) -> PairingStatus {
        self.0.status.into()
    }
    /// Reference of the document that established the pairing.
    async fn document_ref(&self) -> Option<&str> {
        self.0.document_ref.as_deref()
    }
    /// The annual responsibility letters, oldest first (anonymous callers see signed letters only).
    async fn letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the letter of this year.")] year: Option<i32>,
    ) -> Result<Vec<ResponsibilityLetter>> {
        let letters =
            crate::letter::service::of_pairing(ctx.loaders(), ctx.identity(), self.0.id, year)
                .await?;
        Ok(letters.into_iter().map(ResponsibilityLetter).collect())
    }
    /// The year's progress on every indicator of the program: the signed letter's targets
    /// against the records. Public.
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
    ) -> Result<crate::rollup::types::ProgressRollup> {
        crate::rollup::query::pairing_progress(ctx, &self.0, year, verified_only).await
    }
    /// Fund transfers under this pairing.
    async fn fund_transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<FundTransferFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            FundTransferOrder,
        >,
    ) -> Result<FundTransferConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.pairing_id = Some(self.0.id);
        crate::transfer::query::list(
            ctx,
            filter,
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    /// People dispatched under this pairing.
    async fn personnel_dispatches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PersonnelDispatchFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            PersonnelDispatchOrder,
        >,
    ) -> Result<PersonnelDispatchConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.pairing_id = Some(self.0.id);
        crate::personnel::query::list(
            ctx,
            filter,
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
}

/// Narrows a list of pairings.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct PairingAgreementFilter {
    /// Only this program.
    pub program: Option<Program>,
    /// Only pairings with this status.
    pub status: Option<PairingStatus>,
    /// Only pairings in force in this year.
    pub year: Option<i32>,
    /// Only pairings whose helper has this organization code.
    pub helper_code: Option<String>,
    /// Only pairings whose recipient has this region code.
    pub recipient_code: Option<String>,
    /// Only pairings whose recipient lies in the province with this code.
    pub province_code: Option<String>,
    /// Only pairings whose recipient is a county under listed supervision.
    pub listed_only: Option<bool>,
    #[graphql(skip)]
    pub helper_id: Option<i64>,
    #[graphql(skip)]
    pub recipient_id: Option<i64>,
    /// Only pairings whose recipient is the region with this code or a region above it: the
    /// pairings that reach it (`Region.pairingsCovering`).
    #[graphql(skip)]
    pub covering_code: Option<String>,
    /// The id of the region of `covering_code`: with it, the list is a nested one, batched with
    /// its sibling regions' pages.
    #[graphql(skip)]
    pub covering_id: Option<i64>,
}

/// What pairings can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum PairingAgreementOrderField {
    /// Creation order.
    #[default]
    Id,
    /// First year.
    StartYear,
}

/// Sort order of a pairing list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PairingAgreementOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: PairingAgreementOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    PairingAgreementConnection,
    PairingAgreementEdge,
    PairingAgreement,
    "A page of pairing agreements.",
    "A pairing agreement in a page, with its cursor."
);

/// The national office creates a pairing agreement.
#[derive(InputObject, Clone)]
pub struct CreatePairingAgreementInput {
    /// The program.
    pub program: Program,
    /// The helper organization's code.
    pub helper_code: String,
    /// The recipient region's code.
    pub recipient_code: String,
    /// First year of the pairing.
    pub start_year: i32,
    /// Last year of the pairing, if fixed; not before `startYear`.
    pub end_year: Option<i32>,
    /// Reference of the document that set up the pairing.
    pub document_ref: Option<String>,
}

/// The national office ends a pairing agreement.
#[derive(InputObject, Clone)]
pub struct EndPairingAgreementInput {
    /// The pairing (ACTIVE).
    pub pairing_agreement_id: ID,
    /// Its last year; not before its start year.
    pub end_year: i32,
}

/// The pairing as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct PairingAgreementPayload {
    /// The pairing written.
    pub pairing_agreement: PairingAgreement,
}

/// Written by the executor (no direct path yet).
impl crate::graphql::plain::PlainObject for PairingAgreement {}
