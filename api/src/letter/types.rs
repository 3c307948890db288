use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::DateTime;
use crate::graphql::scalars::Decimal;
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::pairing::service::{self as pairing_service, Acting};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums;
use entity::responsibility_letter::Model;

/// Where a letter stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::LetterStatus")]
pub enum LetterStatus {
    /// Being written by the helper.
    Draft,
    /// Submitted by the helper, awaiting the national office.
    Submitted,
    /// Signed by the national office: in force and public.
    Signed,
    /// Returned by the national office for revision.
    Returned,
    /// Withdrawn by the helper.
    Withdrawn,
}

/// The indicators commitments are made on. Each value says which letters may commit to it and
/// what its `achieved` is derived from (its `AchievementBasis`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::Indicator")]
pub enum Indicator {
    /// Fiscal aid funds (yuan); east–west and county-to-county letters. Basis FUND_TRANSFERS
    /// (category FISCAL_AID).
    FiscalAidFunds,
    /// Social aid funds mobilized (yuan); east–west and county-to-county letters. Basis
    /// FUND_TRANSFERS (category SOCIAL_AID).
    SocialAidFunds,
    /// Party and government cadres dispatched (persons); east–west and county-to-county letters,
    /// and (optionally) central units' designated-assistance letters. Basis PERSONNEL_DISPATCHES:
    /// the year's dispatches of category PARTY_GOVERNMENT_CADRE, whatever their status.
    CadresDispatched,
    /// Professional technicians dispatched (persons); east–west and county-to-county letters.
    /// Basis PERSONNEL_DISPATCHES (category PROFESSIONAL_TECHNICIAN).
    TechniciansDispatched,
    /// Labourers transferred into jobs (persons); east–west and county-to-county letters. Basis
    /// CONFIRMED_LABOR_PLACEMENTS: the people of the year's placements the origin county
    /// confirmed (progress reports on it are refused).
    LaborTransferred,
    /// Enterprises that invested (enterprises); east–west and county-to-county letters. Basis
    /// PROGRESS_REPORTS (VERIFIED_PROGRESS_REPORTS with `verifiedOnly`).
    EnterprisesInvested,
    /// Consumption assistance: produce bought or sold (yuan); east–west and county-to-county
    /// letters. Basis CONFIRMED_PRODUCE_DEALS: every confirmed deal, both kinds (progress
    /// reports on it are refused).
    ConsumptionAssistance,
    /// Direct investment of assistance funds (yuan), designated assistance. Basis FUND_TRANSFERS
    /// (category DIRECT_INVESTMENT).
    DirectInvestment,
    /// Assistance funds attracted from others (yuan), designated assistance. Basis
    /// FUND_TRANSFERS (category ATTRACTED_INVESTMENT).
    AttractedFunds,
    /// Grassroots cadres trained (persons), designated assistance. Basis PROGRESS_REPORTS
    /// (VERIFIED_PROGRESS_REPORTS with `verifiedOnly`).
    GrassrootsCadresTrained,
    /// Technicians trained (persons); designated-assistance letters, and (optionally) east–west
    /// and county-to-county letters. Basis PROGRESS_REPORTS (VERIFIED_PROGRESS_REPORTS with
    /// `verifiedOnly`).
    TechniciansTrained,
    /// Produce purchased from the county (yuan), designated assistance. Basis
    /// CONFIRMED_PRODUCE_DEALS of kind PURCHASED (progress reports on it are refused).
    ProducePurchased,
    /// Produce sales helped (yuan), designated assistance. Basis CONFIRMED_PRODUCE_DEALS of kind
    /// SALES_HELPED (progress reports on it are refused).
    ProduceSalesHelped,
    /// Cadres of the recipient trained (persons); (optionally) east–west and county-to-county
    /// letters. Basis PROGRESS_REPORTS (VERIFIED_PROGRESS_REPORTS with `verifiedOnly`).
    CadresTrained,
}

/// The unit an indicator is counted in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::IndicatorUnit")]
pub enum IndicatorUnit {
    /// Chinese yuan (CNY), exact to the fen.
    Yuan,
    /// People.
    Persons,
    /// Enterprises.
    Enterprises,
}

/// The annual compact under a pairing: a set of commitments.
pub struct ResponsibilityLetter(pub Model);

impl ResponsibilityLetter {
    async fn subject_shown(&self, ctx: &Context<'_>, acting: Acting) -> Result<bool> {
        Ok(pairing_service::may_read_subject(
            ctx.loaders(),
            ctx.identity(),
            self.0.pairing_id,
            acting,
        )
        .await?)
    }
}

/// The annual compact under a pairing: a set of commitments.
#[Object]
impl ResponsibilityLetter {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::ResponsibilityLetter, self.0.id)
    }
    /// The pairing this letter belongs to.
    async fn pairing_agreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
        let p = ctx
            .loader::<crate::batch::ById<entity::pairing_agreement::Entity>>()
            .load_one(self.0.pairing_id)
            .await?;
        Ok(PairingAgreement(p.ok_or_else(|| {
            crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
        })?))
    }
    /// The year the letter covers.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Where the letter stands.
    async fn status(&self) -> LetterStatus {
        self.0.status.into()
    }
    /// Optimistic-locking version: pass it back when amending, signing or returning.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the helper submitted it.
    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.submitted_at.map(DateTime)
    }
    /// Who submitted it (a token subject): shown to AUDITOR, ADMIN and the helper organization
    /// itself, `null` to others, who see `submittedByOrganization`.
    async fn submitted_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = self.subject_shown(ctx, Acting::Helper).await?;
        Ok(self.0.submitted_by.as_deref().filter(|_| shown))
    }
    /// The organization that submitted it (the pairing's helper); `null` until submitted.
    async fn submitted_by_organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        if self.0.submitted_by.is_none() {
            return Ok(None);
        }
        let helper = pairing_service::helper_of(ctx.loaders(), self.0.pairing_id).await?;
        Ok(Some(Organization(helper)))
    }
    /// When the national office signed it.
    async fn signed_at(&self) -> Option<DateTime> {
        self.0.signed_at.map(DateTime)
    }
    /// Who signed it for the national office (a token subject): shown to AUDITOR and ADMIN only;
    /// letters are always signed by the national office.
    async fn signed_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = self.subject_shown(ctx, Acting::NationalOffice).await?;
        Ok(self.0.signed_by.as_deref().filter(|_| shown))
    }
    /// The commitments, one per indicator.
    async fn commitments(&self, ctx: &Context<'_>) -> Result<Vec<Commitment>> {
        let rows = ctx
            .loader::<async_graphql::dataloader::DataLoader<crate::letter::loader::CommitmentsByLetter>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|c| Commitment {
                row: c,
                letter: self.0.clone(),
            })
            .collect())
    }
    /// Every version of the commitment set, oldest first, with who changed it, when and why.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<LetterRevision>> {
        let rows = ctx
            .loader::<async_graphql::dataloader::DataLoader<crate::letter::loader::RevisionsByLetter>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|row| LetterRevision {
                row,
                pairing_id: self.0.pairing_id,
            })
            .collect())
    }
}

/// One indicator's annual target within a letter.
pub struct Commitment {
    pub row: entity::commitment::Model,
    pub letter: Model,
}

/// One indicator's annual target within a letter.
#[Object]
impl Commitment {
    /// The indicator.
    async fn indicator(&self) -> Indicator {
        self.row.indicator.into()
    }
    /// The unit of `target` and `achieved`.
    async fn unit(&self) -> IndicatorUnit {
        self.row.indicator.unit().into()
    }
    /// The annual target.
    async fn target(&self) -> Decimal {
        Decimal::from_minor(self.row.target, self.row.indicator.scale())
    }
    /// What the records show for the letter's pairing and year, in the unit of `target` (see
    /// `basis`). Derived, never typed in.
    async fn achieved(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
    ) -> Result<Decimal> {
        let (achieved, _) = self.achievement(ctx, verified_only).await?;
        Ok(Decimal::from_minor(achieved, self.row.indicator.scale()))
    }
    /// `achieved / target`; `null` when the target is 0.
    async fn completion_rate(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
    ) -> Result<Option<f64>> {
        let (achieved, _) = self.achievement(ctx, verified_only).await?;
        Ok(crate::rollup::types::rate(achieved, Some(self.row.target)))
    }
    /// Which records `achieved` was derived from.
    async fn basis(
        &self,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
    ) -> crate::rollup::types::AchievementBasis {
        crate::rollup::types::AchievementBasis::of(self.row.indicator, verified_only)
    }
    /// How many records (transfers, dispatches or progress reports) `achieved` counted.
    async fn counted_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
    ) -> Result<i64> {
        Ok(self.achievement(ctx, verified_only).await?.1)
    }
}

impl Commitment {
    async fn achievement(&self, ctx: &Context<'_>, verified_only: bool) -> Result<(i64, i64)> {
        crate::rollup::query::achievement(
            ctx,
            self.letter.pairing_id,
            self.letter.year,
            self.row.indicator,
            verified_only,
        )
        .await
    }
}

/// A kept version of a letter's commitment set.
pub struct LetterRevision {
    pub row: entity::letter_revision::Model,
    /// The letter's pairing, whose helper made the change.
    pub pairing_id: i64,
}

/// An indicator's target as it stood in a revision.
#[derive(SimpleObject)]
pub struct RevisedCommitment {
    /// The indicator.
    pub indicator: Indicator,
    /// The target in that revision.
    pub target: Decimal,
}

#[derive(serde::Deserialize)]
struct StoredCommitment {
    indicator: enums::Indicator,
    target: i64,
}

/// A kept version of a letter's commitment set.
#[Object]
impl LetterRevision {
    /// The letter version this revision produced.
    async fn version(&self) -> i32 {
        self.row.version
    }
    /// The commitments as they stood in this version.
    async fn commitments(&self) -> Vec<RevisedCommitment> {
        let stored: Vec<StoredCommitment> =
            serde_json::from_str(&self.row.commitments).unwrap_or_default();
        stored
            .into_iter()
            .map(|c| RevisedCommitment {
                indicator: c.indicator.into(),
                target: Decimal::from_minor(c.target, c.indicator.scale()),
            })
            .collect()
    }
    /// Why the commitments changed (required for amendments).
    async fn rationale(&self) -> Option<&str> {
        self.row.rationale.as_deref()
    }
    /// Who made the change (a token subject): shown to AUDITOR, ADMIN and the helper organization
    /// itself, `null` to others, who see `organization`.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = pairing_service::may_read_subject(
            ctx.loaders(),
            ctx.identity(),
            self.pairing_id,
            Acting::Helper,
        )
        .await?;
        Ok(shown.then_some(self.row.actor.as_str()))
    }
    /// The organization that made the change (the pairing's helper).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let helper = pairing_service::helper_of(ctx.loaders(), self.pairing_id).await?;
        Ok(Organization(helper))
    }
    /// When.
    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }
}

/// Narrows a list of letters.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct ResponsibilityLetterFilter {
    /// Only letters of this year.
    pub year: Option<i32>,
    /// Only letters with this status.
    pub status: Option<LetterStatus>,
    /// Only letters of pairings of this program.
    pub program: Option<crate::pairing::types::Program>,
    /// Only letters whose helper has this organization code.
    pub helper_code: Option<String>,
    /// Only letters whose recipient has this region code.
    pub recipient_code: Option<String>,
}

/// What letters can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum ResponsibilityLetterOrderField {
    /// Creation order.
    #[default]
    Id,
    /// Year.
    Year,
}

/// Sort order of a letter list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ResponsibilityLetterOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ResponsibilityLetterOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    ResponsibilityLetterConnection,
    ResponsibilityLetterEdge,
    ResponsibilityLetter,
    "A page of responsibility letters.",
    "A responsibility letter in a page, with its cursor."
);

/// One indicator's target in a submitted or amended letter.
#[derive(InputObject, Clone)]
pub struct CommitmentInput {
    /// The indicator; it must belong to the pairing's program.
    pub indicator: Indicator,
    /// The annual target in the indicator's unit (yuan with at most two decimals, or a whole
    /// count); zero or more.
    pub target: Decimal,
}

/// A helper submits (or drafts) the year's letter for one of its pairings.
#[derive(InputObject, Clone)]
pub struct SubmitResponsibilityLetterInput {
    /// The pairing the letter is under (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// The year the letter covers; within the pairing's period.
    pub year: i32,
    /// The commitments, one per indicator.
    pub commitments: Vec<CommitmentInput>,
    /// Keep the letter as a DRAFT instead of submitting it.
    #[graphql(default)]
    pub draft: bool,
}

/// A helper replaces the commitments of its unsigned letter.
#[derive(InputObject, Clone)]
pub struct AmendResponsibilityLetterInput {
    /// The letter.
    pub responsibility_letter_id: ID,
    /// The version the change is based on; a stale version is a CONFLICT.
    pub version: i32,
    /// The full new set of commitments.
    pub commitments: Vec<CommitmentInput>,
    /// Why the commitments change (kept in the letter's revisions).
    pub rationale: String,
    /// Submit the letter with this change (from DRAFT, RETURNED or WITHDRAWN).
    #[graphql(default)]
    pub submit: bool,
}

/// A helper withdraws its unsigned letter.
#[derive(InputObject, Clone)]
pub struct WithdrawResponsibilityLetterInput {
    /// The letter.
    pub responsibility_letter_id: ID,
    /// The version the change is based on; a stale version is a CONFLICT.
    pub version: i32,
    /// Why it is withdrawn (kept in the audit log).
    pub reason: Option<String>,
}

/// The national office signs a submitted letter.
#[derive(InputObject, Clone)]
pub struct SignResponsibilityLetterInput {
    /// The letter.
    pub responsibility_letter_id: ID,
    /// The version being signed; a stale version is a CONFLICT.
    pub version: i32,
}

/// The national office returns a submitted letter for revision.
#[derive(InputObject, Clone)]
pub struct ReturnResponsibilityLetterInput {
    /// The letter.
    pub responsibility_letter_id: ID,
    /// The version being returned; a stale version is a CONFLICT.
    pub version: i32,
    /// What the helper must revise (kept in the audit log).
    pub reason: String,
}

/// The letter as it stands after the write.
#[derive(SimpleObject)]
pub struct ResponsibilityLetterPayload {
    /// The letter written.
    pub responsibility_letter: ResponsibilityLetter,
}

/// Written by the executor (no direct path yet).
impl crate::graphql::plain::PlainObject for ResponsibilityLetter {}

crate::leaf_enums!(Indicator, IndicatorUnit);
