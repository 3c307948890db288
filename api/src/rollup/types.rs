//! GraphQL types of progress rollups, fund flows, first-quarter allocation, regional assistance
//! and data-quality findings. Aggregates carry no personal data.
use super::service::{self, Figures, FindingKind as Kind, Subject};
use crate::global_id::{NodeKind, global_id};
use crate::graphql::ContextExt;
use crate::graphql::scalars::{Date, Decimal};
use crate::letter::types::{Indicator, IndicatorUnit};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::pairing::types::Program;
use crate::personnel::types::PersonnelCategory;
use crate::region::Region;
use crate::transfer::types::{FundCategory, TransferStatus};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums;

/// Which records an achieved figure was derived from. Each indicator has one basis (see the
/// values of `Indicator`); `verifiedOnly` only chooses between the two progress-report bases.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AchievementBasis {
    /// Sum of the year's fund transfers of the matching category that reached ALLOCATED
    /// (ALLOCATED or RECEIVED; never PLANNED or CANCELLED).
    FundTransfers,
    /// Count of the people of the matching category dispatched in the year.
    PersonnelDispatches,
    /// Sum of every progress report of the year, verified or not.
    ProgressReports,
    /// Sum of the progress reports of the year that the recipient verified.
    VerifiedProgressReports,
    /// Sum of the amounts of the year's produce deals that the origin county confirmed (by the
    /// deal's date): both kinds for CONSUMPTION_ASSISTANCE, `PURCHASED` ones for
    /// PRODUCE_PURCHASED, `SALES_HELPED` ones for PRODUCE_SALES_HELPED. Recorded and disputed
    /// deals never count; progress reports on these indicators are refused and never count.
    ConfirmedProduceDeals,
    /// Sum of the people of the year's labour placements that the origin county confirmed (by
    /// the placement's start date). Recorded placements never count; progress reports on this
    /// indicator are refused and never count.
    ConfirmedLaborPlacements,
}

impl AchievementBasis {
    pub fn of(indicator: enums::Indicator, verified_only: bool) -> Self {
        if indicator.fund_category().is_some() {
            AchievementBasis::FundTransfers
        } else if indicator.personnel_category().is_some() {
            AchievementBasis::PersonnelDispatches
        } else if !indicator.deal_kinds().is_empty() {
            AchievementBasis::ConfirmedProduceDeals
        } else if indicator.counts_placements() {
            AchievementBasis::ConfirmedLaborPlacements
        } else if verified_only {
            AchievementBasis::VerifiedProgressReports
        } else {
            AchievementBasis::ProgressReports
        }
    }
}

/// What a figure achieved and how many records it counted, under the verified-only rule or not.
pub fn achieved_of(f: &Figures, verified_only: bool) -> (i64, i64) {
    if verified_only {
        (f.verified_achieved, f.verified_counted)
    } else {
        (f.achieved, f.counted)
    }
}

/// `achieved / target`, `None` when the target is 0 (or missing).
pub fn rate(achieved: i64, target: Option<i64>) -> Option<f64> {
    match target {
        Some(t) if t > 0 => Some(achieved as f64 / t as f64),
        _ => None,
    }
}

/// One indicator's target against what the records show.
#[derive(Clone, Debug)]
pub struct IndicatorProgress {
    pub indicator: Indicator,
    pub unit: IndicatorUnit,
    pub target: Option<Decimal>,
    pub committed_letters: i64,
    pub achieved: Decimal,
    pub completion_rate: Option<f64>,
    pub basis: AchievementBasis,
    pub counted_records: i64,
}

crate::object! {
    /// One indicator's target against what the records show.
    IndicatorProgress(self) as p {
        /// The indicator.
        indicator: Indicator [] = p.indicator;
        /// The unit of `target` and `achieved`.
        unit: IndicatorUnit [] = p.unit;
        /// Sum of the targets of the signed letters of the year; `null` when no signed letter commits
        /// to this indicator.
        target: Option<Decimal> [] = p.target;
        /// How many signed letters of the year commit to this indicator.
        committedLetters: i64 [] = p.committed_letters;
        /// What the records show (see `basis`).
        achieved: Decimal [] = p.achieved;
        /// `achieved / target`; `null` when the target is 0 or missing.
        completionRate: Option<f64> [] = p.completion_rate;
        /// Which records `achieved` was derived from.
        basis: AchievementBasis [] = p.basis;
        /// How many records (transfers, dispatches, reports, deals or placements) `achieved`
        /// counted.
        countedRecords: i64 [] = p.counted_records;
    }
}

crate::leaf_enums!(AchievementBasis);

impl IndicatorProgress {
    pub fn new(indicator: enums::Indicator, f: &Figures, verified_only: bool) -> Self {
        let scale = indicator.scale();
        let (achieved, counted) = achieved_of(f, verified_only);
        IndicatorProgress {
            indicator: indicator.into(),
            unit: indicator.unit().into(),
            target: f.target.map(|t| Decimal::from_minor(t, scale)),
            committed_letters: f.letters,
            achieved: Decimal::from_minor(achieved, scale),
            completion_rate: rate(achieved, f.target),
            basis: AchievementBasis::of(indicator, verified_only),
            counted_records: counted,
        }
    }
}

/// A year's progress on every indicator: targets of signed letters against the records.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ProgressRollup {
    /// The year.
    pub year: i32,
    /// Whether progress reports count only when verified by the recipient.
    pub verified_only: bool,
    #[graphql(skip)]
    pub indicators: Vec<IndicatorProgress>,
}

#[async_graphql::ComplexObject]
impl ProgressRollup {
    /// One entry per indicator, in the order of the `Indicator` enum.
    async fn indicators(&self) -> crate::graphql::plain::PlainList<'_, IndicatorProgress> {
        crate::graphql::plain::PlainList(&self.indicators)
    }
}

impl crate::graphql::plain::PlainObject for IndicatorProgress {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

/// What `progressSummary` groups by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProgressGroupBy {
    /// One group per helper organization.
    Helper,
    /// One group per province of the pairings' recipients.
    RecipientProvince,
    /// One group per program.
    Program,
}

/// One group of a national progress summary.
pub struct ProgressGroup {
    pub key: service::GroupKey,
    pub by: ProgressGroupBy,
    pub rollup: ProgressRollup,
}

/// One group of a national progress summary.
#[Object]
impl ProgressGroup {
    /// The helper of this group (when grouped by helper).
    async fn helper(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match (self.by, self.key) {
            (ProgressGroupBy::Helper, service::GroupKey::Id(id)) => Ok(ctx
                .loader::<crate::batch::ById<entity::organization::Entity>>()
                .load_one(id)
                .await?
                .map(Organization)),
            _ => Ok(None),
        }
    }
    /// The recipient province of this group (when grouped by recipient province).
    async fn recipient_province(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        match (self.by, self.key) {
            (ProgressGroupBy::RecipientProvince, service::GroupKey::Id(id)) => Ok(ctx
                .loader::<crate::batch::ById<entity::region::Entity>>()
                .load_one(id)
                .await?
                .map(Region)),
            _ => Ok(None),
        }
    }
    /// The program of this group (when grouped by program).
    async fn program(&self) -> Option<Program> {
        match self.key {
            service::GroupKey::Program(p) => Some(p.into()),
            _ => None,
        }
    }
    /// The group's progress per indicator.
    async fn progress(&self) -> &ProgressRollup {
        &self.rollup
    }
}

/// A dimension fund flows can be grouped by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FundFlowDimension {
    /// The year the funds count toward.
    Year,
    /// Calendar quarter (1–4) of the allocation date; `null` for transfers never allocated.
    Quarter,
    /// Fund category.
    Category,
    /// Transfer status.
    Status,
    /// The paying organization.
    Helper,
    /// The province of the receiving region.
    RecipientProvince,
    /// The receiving region itself (a county in most cases).
    RecipientCounty,
    /// The program of the pairing.
    Program,
}

impl From<FundFlowDimension> for service::FlowDim {
    fn from(d: FundFlowDimension) -> Self {
        use service::FlowDim as F;
        match d {
            FundFlowDimension::Year => F::Year,
            FundFlowDimension::Quarter => F::Quarter,
            FundFlowDimension::Category => F::Category,
            FundFlowDimension::Status => F::Status,
            FundFlowDimension::Helper => F::Helper,
            FundFlowDimension::RecipientProvince => F::RecipientProvince,
            FundFlowDimension::RecipientCounty => F::RecipientCounty,
            FundFlowDimension::Program => F::Program,
        }
    }
}

/// Which transfers a fund-flow aggregate covers.
#[derive(InputObject, Default, Clone)]
pub struct FundFlowFilter {
    /// Only these years (the years the funds count toward).
    pub years: Option<Vec<i32>>,
    /// Only this year and later.
    pub from_year: Option<i32>,
    /// Only this year and earlier.
    pub to_year: Option<i32>,
    /// Only pairings of this program.
    pub program: Option<Program>,
    /// Only these categories.
    pub categories: Option<Vec<FundCategory>>,
    /// Only these statuses; ALLOCATED and RECEIVED (money actually paid out) when omitted.
    pub statuses: Option<Vec<TransferStatus>>,
    /// Only transfers of the helper with this organization code.
    pub helper_code: Option<String>,
    /// Only transfers to regions of the province with this code.
    pub province_code: Option<String>,
    /// Only transfers to the region with this code or to regions within it.
    pub recipient_code: Option<String>,
}

/// One group of a fund-flow aggregate. Keys not grouped by are `null`.
pub struct FundFlowGroup(pub service::FlowGroup);

/// One group of a fund-flow aggregate. Keys not grouped by are `null`.
#[Object]
impl FundFlowGroup {
    /// The year the funds count toward.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    /// Calendar quarter (1–4) of the allocation date.
    async fn quarter(&self) -> Option<i32> {
        self.0.quarter
    }
    /// Fund category.
    async fn category(&self) -> Option<FundCategory> {
        self.0.category.map(Into::into)
    }
    /// Transfer status.
    async fn status(&self) -> Option<TransferStatus> {
        self.0.status.map(Into::into)
    }
    /// The paying organization.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.0.helper_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<crate::batch::ById<entity::organization::Entity>>()
            .load_one(id)
            .await?
            .map(Organization))
    }
    /// The province of the receiving region.
    async fn recipient_province(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.recipient_province_id).await
    }
    /// The receiving region.
    async fn recipient_county(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.recipient_id).await
    }
    /// The program of the pairing.
    async fn program(&self) -> Option<Program> {
        self.0.program.map(Into::into)
    }
    /// Sum of the amounts in yuan, exact to the fen.
    async fn amount(&self) -> Decimal {
        Decimal::from_minor(self.0.amount_fen, 2)
    }
    /// Number of transfers.
    async fn count(&self) -> i64 {
        self.0.count
    }
}

async fn region(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Region>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loader::<crate::batch::ById<entity::region::Entity>>()
        .load_one(id)
        .await?
        .map(Region))
}

async fn organization(ctx: &Context<'_>, id: i64) -> Result<Organization> {
    let org = ctx
        .loader::<crate::batch::ById<entity::organization::Entity>>()
        .load_one(id)
        .await?;
    Ok(Organization(org.ok_or_else(|| {
        crate::error::AppError::not_found("Organization", id)
    })?))
}

/// One helper's committed funds for a year against what it allocated by 31 March.
pub struct FirstQuarterAllocation(pub service::FirstQuarter);

/// One helper's committed funds for a year against what it allocated by 31 March. Every figure
/// has one basis: the helper's pairings with a SIGNED letter of the year (transfers of pairings
/// without one count neither as committed nor as allocated).
#[Object]
impl FirstQuarterAllocation {
    /// The helper.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
        organization(ctx, self.0.helper_id).await
    }
    /// Sum of the fund-indicator targets of the helper's signed letters of the year, in yuan.
    async fn committed(&self) -> Decimal {
        Decimal::from_minor(self.0.committed_fen, 2)
    }
    /// Transfers of the year, under pairings with a signed letter of the year, allocated on or
    /// before 31 March of the year (earlier allocations count), in yuan; ALLOCATED or RECEIVED only.
    async fn allocated_by_march31(&self) -> Decimal {
        Decimal::from_minor(self.0.allocated_by_march_fen, 2)
    }
    /// How many transfers `allocatedByMarch31` counted.
    async fn transfers_by_march31(&self) -> i64 {
        self.0.transfers_by_march
    }
    /// All transfers of the year, under pairings with a signed letter of the year, that reached
    /// ALLOCATED, in yuan.
    async fn allocated_in_year(&self) -> Decimal {
        Decimal::from_minor(self.0.allocated_in_year_fen, 2)
    }
    /// `allocatedByMarch31 / committed`, both over the pairings with a signed letter of the
    /// year; `null` when nothing was committed.
    async fn share(&self) -> Option<f64> {
        rate(self.0.allocated_by_march_fen, Some(self.0.committed_fen))
    }
}

/// Funds of one program, category and helper that reached a region in a year.
pub struct AssistanceFunds(pub service::FundsReceived);

/// Funds of one program, category and helper that reached a region in a year.
#[Object]
impl AssistanceFunds {
    /// The program of the pairing.
    async fn program(&self) -> Option<Program> {
        self.0.program.map(Into::into)
    }
    /// Fund category.
    async fn category(&self) -> Option<FundCategory> {
        self.0.category.map(Into::into)
    }
    /// The paying organization.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
        organization(ctx, self.0.helper_id).await
    }
    /// Received (receipt confirmed), in yuan.
    async fn received(&self) -> Decimal {
        Decimal::from_minor(self.0.received_fen, 2)
    }
    /// How many transfers `received` counted.
    async fn received_transfers(&self) -> i64 {
        self.0.received_count
    }
    /// Paid out by the helper (ALLOCATED or RECEIVED), in yuan.
    async fn allocated(&self) -> Decimal {
        Decimal::from_minor(self.0.allocated_fen, 2)
    }
    /// How many transfers `allocated` counted.
    async fn allocated_transfers(&self) -> i64 {
        self.0.allocated_count
    }
}

/// People of one category and helper in post in a region during a year (counts only, no names).
pub struct PersonnelInPost(pub service::InPost);

/// People of one category and helper in post in a region during a year (counts only, no names).
#[Object]
impl PersonnelInPost {
    /// Category of the people.
    async fn category(&self) -> Option<PersonnelCategory> {
        self.0.category.map(Into::into)
    }
    /// The dispatching organization.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
        organization(ctx, self.0.helper_id).await
    }
    /// Number of people.
    async fn count(&self) -> i64 {
        self.0.count
    }
}

/// What a region (and the regions within it) received in a year.
pub struct RegionAssistance {
    pub year: i32,
    pub data: service::Assistance,
}

/// What a region (and the regions within it) received in a year.
#[Object]
impl RegionAssistance {
    /// The year the funds count toward.
    async fn year(&self) -> i32 {
        self.year
    }
    /// Funds by program, category and helper (transfers that reached ALLOCATED).
    async fn funds(&self) -> Vec<AssistanceFunds> {
        self.data
            .funds
            .iter()
            .cloned()
            .map(AssistanceFunds)
            .collect()
    }
    /// Total received (receipt confirmed), in yuan.
    async fn received(&self) -> Decimal {
        Decimal::from_minor(self.data.received_fen, 2)
    }
    /// How many transfers `received` counted.
    async fn received_transfers(&self) -> i64 {
        self.data.received_count
    }
    /// Total paid out to it (ALLOCATED or RECEIVED), in yuan.
    async fn allocated(&self) -> Decimal {
        Decimal::from_minor(self.data.allocated_fen, 2)
    }
    /// How many transfers `allocated` counted.
    async fn allocated_transfers(&self) -> i64 {
        self.data.allocated_count
    }
    /// Projects of its library that transfers of the year (ALLOCATED or RECEIVED) went to.
    async fn projects_funded(&self) -> i64 {
        self.data.projects_funded
    }
    /// The amount of those transfers that went to projects, in yuan.
    async fn project_funds(&self) -> Decimal {
        Decimal::from_minor(self.data.project_funds_fen, 2)
    }
    /// Spent on projects (recorded expenditures) from the year's transfers that `allocated`
    /// counted, in yuan. Never more than `received`: only received funds are spent.
    async fn spent(&self) -> Decimal {
        Decimal::from_minor(self.data.spent_fen, 2)
    }
    /// People in post at some time during the year (arrived by 31 December, not returned before
    /// 1 January), by category and helper.
    async fn personnel_in_post(&self) -> Vec<PersonnelInPost> {
        self.data
            .in_post
            .iter()
            .cloned()
            .map(PersonnelInPost)
            .collect()
    }
    /// Number of people in post at some time during the year.
    async fn personnel_in_post_total(&self) -> i64 {
        self.data.in_post_total
    }
}

/// What a data-quality finding is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DataQualityFindingKind {
    /// A letter of the year has no commitment for an indicator of its program.
    MissingCommitment,
    /// A transfer was allocated more than 30 days before the as-of date and its receipt is not
    /// confirmed.
    ReceiptOverdue,
    /// A signed letter commits to a report-based indicator and a quarter that ended before the
    /// as-of date has no progress report for it.
    MissingProgressReport,
    /// A county listed for supervision in the year had no personnel dispatched in the year.
    ListedCountyWithoutDispatch,
    /// A county listed for supervision in the year received no transfer (ALLOCATED or RECEIVED)
    /// in the year.
    ListedCountyWithoutTransfer,
    /// An actual event (allocation, receipt, arrival, return, verification) is dated after the
    /// as-of date.
    FutureDatedEvent,
    /// A transfer of the year was received more than `thresholds.publicityDays` (default 30)
    /// days before the as-of date and not publicized by then.
    PublicityOverdue,
    /// A transfer of the year was received more than `thresholds.idleDays` (default 90) days
    /// before the as-of date and nothing of it was spent by then.
    FundsIdle,
    /// A project's planned end lies in or before the year and before the as-of date, and it was
    /// neither completed nor cancelled by then.
    ProjectOverdue,
    /// A record of the year (transfer, dispatch, deal or placement) was disputed by its
    /// recipient by the as-of date and the dispute was not resolved by then; `subjectId` is the
    /// dispute's id and `date` the day it was raised.
    RecordDisputed,
    /// A village listed for supervision in the year had no personnel dispatched to it in the
    /// year.
    ListedVillageWithoutDispatch,
    /// A village listed for supervision in the year received no transfer (ALLOCATED or
    /// RECEIVED) in the year.
    ListedVillageWithoutTransfer,
}

impl From<Kind> for DataQualityFindingKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::MissingCommitment => Self::MissingCommitment,
            Kind::ReceiptOverdue => Self::ReceiptOverdue,
            Kind::MissingProgressReport => Self::MissingProgressReport,
            Kind::ListedCountyWithoutDispatch => Self::ListedCountyWithoutDispatch,
            Kind::ListedCountyWithoutTransfer => Self::ListedCountyWithoutTransfer,
            Kind::FutureDatedEvent => Self::FutureDatedEvent,
            Kind::PublicityOverdue => Self::PublicityOverdue,
            Kind::FundsIdle => Self::FundsIdle,
            Kind::ProjectOverdue => Self::ProjectOverdue,
            Kind::RecordDisputed => Self::RecordDisputed,
            Kind::ListedVillageWithoutDispatch => Self::ListedVillageWithoutDispatch,
            Kind::ListedVillageWithoutTransfer => Self::ListedVillageWithoutTransfer,
        }
    }
}

impl From<DataQualityFindingKind> for Kind {
    fn from(k: DataQualityFindingKind) -> Self {
        use DataQualityFindingKind as D;
        match k {
            D::MissingCommitment => Kind::MissingCommitment,
            D::ReceiptOverdue => Kind::ReceiptOverdue,
            D::MissingProgressReport => Kind::MissingProgressReport,
            D::ListedCountyWithoutDispatch => Kind::ListedCountyWithoutDispatch,
            D::ListedCountyWithoutTransfer => Kind::ListedCountyWithoutTransfer,
            D::FutureDatedEvent => Kind::FutureDatedEvent,
            D::PublicityOverdue => Kind::PublicityOverdue,
            D::FundsIdle => Kind::FundsIdle,
            D::ProjectOverdue => Kind::ProjectOverdue,
            D::RecordDisputed => Kind::RecordDisputed,
            D::ListedVillageWithoutDispatch => Kind::ListedVillageWithoutDispatch,
            D::ListedVillageWithoutTransfer => Kind::ListedVillageWithoutTransfer,
        }
    }
}

/// Narrows data-quality findings.
#[derive(async_graphql::InputObject, Default, Clone)]
pub struct DataQualityFindingFilter {
    /// Only findings of these kinds.
    pub kinds: Option<Vec<DataQualityFindingKind>>,
    /// Only findings concerning this region or a region within it (the finding's region, else
    /// its pairing's recipient).
    pub region_code: Option<String>,
    /// Only findings of pairings of the helper organization with this code.
    pub helper_code: Option<String>,
}

/// The days the time-based findings allow; each defaults to the value shown.
#[derive(async_graphql::InputObject, Clone, Copy)]
pub struct FindingThresholds {
    /// RECEIPT_OVERDUE: days from allocation to confirmed receipt.
    #[graphql(default = 30)]
    pub receipt_days: i32,
    /// PUBLICITY_OVERDUE: days from receipt to publicity.
    #[graphql(default = 30)]
    pub publicity_days: i32,
    /// FUNDS_IDLE: days from receipt to the first expenditure.
    #[graphql(default = 90)]
    pub idle_days: i32,
}

crate::graphql::define_connection!(
    DataQualityFindingConnection,
    DataQualityFindingEdge,
    DataQualityFinding,
    "A page of data-quality findings.",
    "A data-quality finding in a page, with its cursor."
);

impl crate::graphql::plain::PlainObject for DataQualityFinding {}

/// A record that looks incomplete or inconsistent.
pub struct DataQualityFinding(pub service::Finding);

/// A record that looks incomplete or inconsistent.
#[Object]
impl DataQualityFinding {
    /// What is wrong.
    async fn kind(&self) -> DataQualityFindingKind {
        self.0.kind.into()
    }
    /// Global id of the record concerned (letter, transfer, dispatch, progress report, county,
    /// project, or the dispute of a disputed record).
    async fn subject_id(&self) -> ID {
        match self.0.subject {
            Subject::Letter(id) => global_id(NodeKind::ResponsibilityLetter, id),
            Subject::Transfer(id) => global_id(NodeKind::FundTransfer, id),
            Subject::Dispatch(id) => global_id(NodeKind::PersonnelDispatch, id),
            Subject::Report(id) => global_id(NodeKind::ProgressReport, id),
            Subject::Region(id) => global_id(NodeKind::Region, id),
            Subject::Project(id) => global_id(NodeKind::Project, id),
            Subject::Dispute(id) => global_id(NodeKind::Dispute, id),
        }
    }
    /// The pairing concerned, if any.
    async fn pairing_agreement(&self, ctx: &Context<'_>) -> Result<Option<PairingAgreement>> {
        let Some(id) = self.0.pairing_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<crate::batch::ById<entity::pairing_agreement::Entity>>()
            .load_one(id)
            .await?
            .map(PairingAgreement))
    }
    /// The region concerned, if any (the listed county, or the recipient of a transfer or dispatch).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.region_id).await
    }
    /// The indicator concerned, if any.
    async fn indicator(&self) -> Option<Indicator> {
        self.0.indicator.map(Into::into)
    }
    /// The quarter concerned, if any.
    async fn quarter(&self) -> Option<i32> {
        self.0.quarter
    }
    /// The date concerned: the allocation date of an overdue receipt, the receipt date of an
    /// unpublicized or idle transfer, an overdue project's planned end, the future event's date,
    /// or the day a dispute was raised.
    async fn date(&self) -> Option<Date> {
        self.0.date.map(Date)
    }
    /// The future-dated event: `allocated`, `received`, `arrived`, `returned` or `verified`.
    async fn event(&self) -> Option<&str> {
        self.0.event
    }
    /// A sentence for people.
    async fn message(&self) -> String {
        let f = &self.0;
        let ind = f.indicator.map(|i| i.as_str()).unwrap_or("-");
        match f.kind {
            Kind::MissingCommitment => format!("the letter has no commitment for {ind}"),
            Kind::ReceiptOverdue => {
                "allocated longer ago than the threshold allows and receipt not confirmed"
                    .to_string()
            }
            Kind::PublicityOverdue => {
                "received longer ago than the threshold allows and not publicized".to_string()
            }
            Kind::FundsIdle => {
                "received longer ago than the threshold allows and nothing spent".to_string()
            }
            Kind::ProjectOverdue => "past its planned end and not completed".to_string(),
            Kind::MissingProgressReport => format!(
                "no progress report for {ind} in quarter {}",
                f.quarter.unwrap_or_default()
            ),
            Kind::ListedCountyWithoutDispatch => {
                "listed county with no personnel dispatched in the year".to_string()
            }
            Kind::ListedCountyWithoutTransfer => {
                "listed county with no transfer in the year".to_string()
            }
            Kind::ListedVillageWithoutDispatch => {
                "listed village with no personnel dispatched in the year".to_string()
            }
            Kind::ListedVillageWithoutTransfer => {
                "listed village with no transfer in the year".to_string()
            }
            Kind::FutureDatedEvent => format!(
                "{} on a date after the as-of date",
                f.event.unwrap_or("event")
            ),
            Kind::RecordDisputed => "disputed by the recipient and not resolved".to_string(),
        }
    }
}
