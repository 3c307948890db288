use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::DateTime;
use crate::graphql::scalars::Decimal;
use crate::graphql::{ContextExt, define_connection};
use crate::letter::types::{Indicator, IndicatorUnit};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::pairing::service::{self as pairing_service, Acting};
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::progress_report::Model;

/// A reported figure for one indicator, pairing and quarter.
pub struct ProgressReport(pub Model);

impl ProgressReport {
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

impl ProgressReport {
    /// The kept versions (none while never corrected), through the batching loader.
    async fn kept(&self, ctx: &Context<'_>) -> Result<Vec<entity::progress_report_version::Model>> {
        Ok(ctx
            .loader::<async_graphql::dataloader::DataLoader<super::loader::VersionsByReport>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
}

/// One version of a progress report's figure.
#[derive(async_graphql::SimpleObject, Clone)]
pub struct ProgressReportVersion {
    /// 1 as reported, one more with each correction.
    pub version: i32,
    /// The figure in this version, in the indicator's unit.
    pub value: Decimal,
    /// Why it was corrected; `null` for the figure as first reported.
    pub note: Option<String>,
    /// Who wrote this version (a token subject): shown to AUDITOR, ADMIN and the helper
    /// organization itself, `null` to others.
    pub author: Option<String>,
    /// When this version was written.
    pub created_at: DateTime,
}

/// A reported figure for one indicator, pairing and quarter.
#[Object]
impl ProgressReport {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::ProgressReport, self.0.id)
    }
    /// The pairing reported on.
    async fn pairing_agreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
        let p = ctx
            .loader::<crate::batch::ById<entity::pairing_agreement::Entity>>()
            .load_one(self.0.pairing_id)
            .await?;
        Ok(PairingAgreement(p.ok_or_else(|| {
            crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
        })?))
    }
    /// The indicator.
    async fn indicator(&self) -> Indicator {
        self.0.indicator.into()
    }
    /// The unit of `value`.
    async fn unit(&self) -> IndicatorUnit {
        self.0.indicator.unit().into()
    }
    /// Year of the period.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Quarter of the period (1 to 4).
    async fn quarter(&self) -> i32 {
        self.0.quarter
    }
    /// The figure for the quarter as it stands: its latest version (see `versions`).
    async fn value(&self) -> Decimal {
        Decimal::from_minor(self.0.value, self.0.indicator.scale())
    }
    /// The version the figure stands at: 1 as reported, one more with each correction.
    async fn version(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(super::service::current_version(&self.kept(ctx).await?))
    }
    /// Every version of the figure, oldest first: as reported, then each correction with its
    /// note. The last one is `value`.
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<ProgressReportVersion>> {
        let kept = self.kept(ctx).await?;
        let scale = self.0.indicator.scale();
        let helper = self.subject_shown(ctx, Acting::Helper).await?;
        if kept.is_empty() {
            return Ok(vec![ProgressReportVersion {
                version: 1,
                value: Decimal::from_minor(self.0.value, scale),
                note: None,
                author: helper.then(|| self.0.reported_by.clone()),
                created_at: DateTime(self.0.reported_at),
            }]);
        }
        Ok(kept
            .into_iter()
            .map(|v| ProgressReportVersion {
                version: v.version,
                value: Decimal::from_minor(v.value, scale),
                note: v.note,
                author: helper.then_some(v.actor),
                created_at: DateTime(v.created_at),
            })
            .collect())
    }
    /// Who reported it (a token subject): shown to AUDITOR, ADMIN and the helper organization
    /// itself, `null` to others, who see `reportedByOrganization`.
    async fn reported_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = self.subject_shown(ctx, Acting::Helper).await?;
        Ok(shown.then_some(self.0.reported_by.as_str()))
    }
    /// The organization that reported it (the pairing's helper).
    async fn reported_by_organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let helper = pairing_service::helper_of(ctx.loaders(), self.0.pairing_id).await?;
        Ok(Organization(helper))
    }
    /// When it was reported.
    async fn reported_at(&self) -> DateTime {
        DateTime(self.0.reported_at)
    }
    /// Who verified it for the recipient (a token subject); `null` while unverified. Shown to
    /// AUDITOR, ADMIN and recipients whose region contains the pairing's recipient; others see
    /// `verifiedByRegion`.
    async fn verified_by(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = self.subject_shown(ctx, Acting::Recipient).await?;
        Ok(self.0.verified_by.as_deref().filter(|_| shown))
    }
    /// The recipient region it was verified for (the pairing's recipient); `null` while
    /// unverified.
    async fn verified_by_region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        if self.0.verified_by.is_none() {
            return Ok(None);
        }
        let recipient = pairing_service::recipient_of(ctx.loaders(), self.0.pairing_id).await?;
        Ok(Some(Region(recipient)))
    }
    /// When it was verified.
    async fn verified_at(&self) -> Option<DateTime> {
        self.0.verified_at.map(DateTime)
    }
}

/// Narrows a list of progress reports.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct ProgressReportFilter {
    /// Only reports for this year.
    pub year: Option<i32>,
    /// Only reports for this quarter.
    pub quarter: Option<i32>,
    /// Only reports on this indicator.
    pub indicator: Option<Indicator>,
    /// Only verified (true) or unverified (false) reports.
    pub verified: Option<bool>,
    /// Only reports of pairings whose helper has this organization code.
    pub helper_code: Option<String>,
    /// Only reports of pairings whose recipient has this region code.
    pub recipient_code: Option<String>,
}

/// What reports can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum ProgressReportOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Year.
    Year,
}

/// Sort order of a report list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProgressReportOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ProgressReportOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    ProgressReportConnection,
    ProgressReportEdge,
    ProgressReport,
    "A page of progress reports.",
    "A progress report in a page, with its cursor."
);

/// A helper reports a quarter's figure for an indicator of its pairing.
#[derive(InputObject, Clone)]
pub struct ReportProgressInput {
    /// The pairing (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// An indicator the pairing's program may commit to that no record type achieves: not funds,
    /// dispatches, produce or consumption (confirmed produce deals) nor labour transferred
    /// (confirmed labour placements); those are BAD_USER_INPUT naming `input.indicator`.
    pub indicator: Indicator,
    /// Year of the period; within the pairing's period.
    pub year: i32,
    /// Quarter of the period (1 to 4); it must have begun.
    pub quarter: i32,
    /// The figure for the quarter in the indicator's unit; zero or more.
    pub value: Decimal,
}

/// The helper corrects a progress report it has not seen verified.
#[derive(InputObject, Clone)]
pub struct CorrectProgressReportInput {
    /// The report (not verified), of a pairing whose helper is the caller's organization.
    pub progress_report_id: ID,
    /// The version corrected: the report's `version` as last read (a stale one is a CONFLICT).
    pub version: i32,
    /// The corrected figure for the quarter in the indicator's unit; zero or more.
    pub value: Decimal,
    /// Why the figure is corrected (1 to 500 characters).
    pub note: String,
}

/// The recipient verifies a progress report.
#[derive(InputObject, Clone)]
pub struct VerifyProgressReportInput {
    /// The report (not yet verified), of a pairing whose recipient lies in the caller's region.
    pub progress_report_id: ID,
}

/// The report as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct ProgressReportPayload {
    /// The report written.
    pub progress_report: ProgressReport,
}

/// Written by the executor (no direct path yet).
impl crate::graphql::plain::PlainObject for ProgressReport {}
