use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::inspection_finding::Model;

/// Where a finding came from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::FindingSource")]
pub enum FindingSource {
    /// The general survey of poverty-alleviation results.
    GeneralSurvey,
    /// A spot check of the authenticity and accuracy of results.
    SpotCheck,
    /// An audit.
    Audit,
    /// A complaint or a report from the public.
    Complaint,
}

/// How grave a finding is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::FindingSeverity")]
pub enum FindingSeverity {
    /// To be corrected in the ordinary course.
    Minor,
    /// Affects the accuracy of reported results.
    Serious,
    /// Results were false or funds misused.
    Critical,
}

/// Where a finding stands: OPEN → RECTIFYING → RECTIFIED → CLOSED, or REOPENED (→ RECTIFYING).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::FindingStatus")]
pub enum FindingStatus {
    /// Recorded by an inspector; the responsible side has not started.
    Open,
    /// The responsible side is rectifying it (its plan is recorded).
    Rectifying,
    /// The responsible side reported the rectification with evidence; an inspector checks it.
    Rectified,
    /// An inspector accepted the rectification.
    Closed,
    /// An inspector did not accept the rectification (or found the problem again).
    Reopened,
}

/// The kind of record a finding is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::FindingRecordKind")]
pub enum FindingRecordKind {
    /// A fund transfer.
    FundTransfer,
    /// A personnel dispatch.
    PersonnelDispatch,
    /// A project of a county's library.
    Project,
}

impl FindingRecordKind {
    pub fn node_kind(kind: enums::FindingRecordKind) -> NodeKind {
        match kind {
            enums::FindingRecordKind::FundTransfer => NodeKind::FundTransfer,
            enums::FindingRecordKind::PersonnelDispatch => NodeKind::PersonnelDispatch,
            enums::FindingRecordKind::Project => NodeKind::Project,
        }
    }
}

/// A finding of a survey, spot check, audit or complaint against a county, a pairing or a record.
#[derive(Clone)]
pub struct InspectionFinding(pub std::sync::Arc<Model>);

impl From<Model> for InspectionFinding {
    fn from(model: Model) -> Self {
        InspectionFinding(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// A finding of a survey, spot check, audit or complaint against a county, a pairing or a
    /// record, and its rectification.
    InspectionFinding(0) as m, columns entity::inspection_finding {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::InspectionFinding, m.id);
        /// Where the finding came from.
        source: FindingSource [Source] = m.source.into();
        /// How grave it is.
        severity: FindingSeverity [Severity] = m.severity.into();
        /// Where it stands.
        status: FindingStatus [Status] = m.status.into();
        /// What was found.
        description: &str [Description] = &m.description;
        /// When it was found.
        foundOn: Date [FoundOn] = Date(m.found_on);
        /// By when it must be rectified.
        dueOn: Date [DueOn] = Date(m.due_on);
        /// Past its due date and not yet reported rectified (as of today, China Standard Time).
        overdue: bool [Status, DueOn] = super::service::is_overdue(m.status, m.due_on, crate::write::today());
        /// The kind of record the finding is about, if it is about one.
        recordKind: Option<FindingRecordKind> [RecordKind] = m.record_kind.map(Into::into);
        /// The global id of the record the finding is about, if any.
        recordId: Option<ID> [RecordKind, RecordId] = m.record_kind.zip(m.record_id).map(|(k, id)| global_id(FindingRecordKind::node_kind(k), id));
        /// The rectification plan the responsible side reported when it started.
        rectificationPlan: Option<&str> [RectificationPlan] = m.rectification_plan.as_deref();
        /// The evidence of the rectification (a document reference or description).
        rectificationEvidence: Option<&str> [RectificationEvidence] = m.rectification_evidence.as_deref();
        /// When the responsible side reported it rectified.
        rectifiedOn: Option<Date> [RectifiedOn] = m.rectified_on.map(Date);
        /// When an inspector closed it.
        closedOn: Option<Date> [ClosedOn] = m.closed_on.map(Date);
        /// How many times an inspector reopened it.
        reopenedCount: i32 [Reopened] = m.reopened;
    }
    related {
        /// The county (or a region within it) the finding concerns.
        [RegionId] async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.region_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.region_id)
            })?))
        }
        /// The pairing the finding concerns, if any.
        [PairingId] async fn pairingAgreement(&self, ctx: &Context<'_>) -> Result<Option<PairingAgreement>> {
            let Some(id) = self.0.pairing_id else {
                return Ok(None);
            };
            Ok(ctx.loader::<crate::batch::ById<entity::pairing_agreement::Entity>>().load_one(id).await?.map(PairingAgreement))
        }
        /// The organization responsible for rectifying it; none when the county itself is.
        [ResponsibleOrgId] async fn responsibleOrganization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
            let Some(id) = self.0.responsible_org_id else {
                return Ok(None);
            };
            Ok(ctx.loader::<crate::batch::ById<entity::organization::Entity>>().load_one(id).await?.map(Organization))
        }
    }
}

crate::leaf_enums!(
    FindingSource,
    FindingSeverity,
    FindingStatus,
    FindingRecordKind
);

/// Narrows a list of inspection findings.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct InspectionFindingFilter {
    /// Only findings with this status.
    pub status: Option<FindingStatus>,
    /// Only findings not yet closed (any status but CLOSED).
    pub open_only: Option<bool>,
    /// Only findings past their due date and not yet reported rectified.
    pub overdue_only: Option<bool>,
    /// Only findings from this source.
    pub source: Option<FindingSource>,
    /// Only findings of this severity.
    pub severity: Option<FindingSeverity>,
    /// Only findings concerning the region with this code.
    pub region_code: Option<String>,
    /// Only findings concerning regions in the province with this code.
    pub province_code: Option<String>,
    /// Only findings the organization with this code is responsible for.
    pub responsible_organization_code: Option<String>,
}

/// What findings can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum InspectionFindingOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Due date.
    DueOn,
}

/// Sort order of a finding list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct InspectionFindingOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: InspectionFindingOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    InspectionFindingConnection,
    InspectionFindingEdge,
    InspectionFinding,
    "A page of inspection findings.",
    "An inspection finding in a page, with its cursor."
);

/// An inspector records a finding against a county, a pairing or a record.
#[derive(InputObject, Clone)]
pub struct OpenInspectionFindingInput {
    /// Where the finding came from.
    pub source: FindingSource,
    /// How grave it is.
    pub severity: FindingSeverity,
    /// What was found (at most 4000 characters).
    pub description: String,
    /// The county (or a region within one) the finding concerns; may be omitted when a pairing or
    /// a record is named (the record's region, or the pairing's recipient, is taken then).
    pub region_code: Option<String>,
    /// The pairing the finding concerns.
    pub pairing_agreement_id: Option<ID>,
    /// The record the finding concerns: a fund transfer, a personnel dispatch or a project.
    pub record_id: Option<ID>,
    /// The organization responsible for rectifying it; when omitted, the helper of the pairing
    /// (or of the record's pairing), else the county itself.
    pub responsible_organization_code: Option<String>,
    /// When it was found (not in the future).
    pub found_on: Date,
    /// By when it must be rectified (on or after it was found).
    pub due_on: Date,
    /// A key chosen by the client (at most 128 characters): a retry with the same key and payload
    /// returns the finding recorded first; the same key with a different payload is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// The responsible side starts rectifying a finding: OPEN or REOPENED → RECTIFYING.
#[derive(InputObject, Clone)]
pub struct StartRectificationInput {
    /// The finding (OPEN or REOPENED).
    pub inspection_finding_id: ID,
    /// How it will be rectified (at most 4000 characters).
    pub plan: String,
}

/// The responsible side reports a finding rectified, with evidence: RECTIFYING → RECTIFIED.
#[derive(InputObject, Clone)]
pub struct ReportRectificationInput {
    /// The finding (RECTIFYING).
    pub inspection_finding_id: ID,
    /// The evidence: a document reference or a description (at most 4000 characters).
    pub evidence: String,
    /// When it was rectified (on or after it was found, not in the future).
    pub rectified_on: Date,
}

/// An inspector accepts a rectification: RECTIFIED → CLOSED.
#[derive(InputObject, Clone)]
pub struct CloseInspectionFindingInput {
    /// The finding (RECTIFIED).
    pub inspection_finding_id: ID,
    /// When it was closed (on or after it was rectified, not in the future).
    pub closed_on: Date,
    /// A note kept in the audit log.
    pub note: Option<String>,
}

/// An inspector does not accept a rectification, or finds a closed problem again:
/// RECTIFIED or CLOSED → REOPENED.
#[derive(InputObject, Clone)]
pub struct ReopenInspectionFindingInput {
    /// The finding (RECTIFIED or CLOSED).
    pub inspection_finding_id: ID,
    /// Why it is reopened (kept in the audit log).
    pub reason: String,
    /// The new due date (today or later); the old one stays when omitted.
    pub due_on: Option<Date>,
}

/// The finding as it stands after the write.
#[derive(SimpleObject)]
pub struct InspectionFindingPayload {
    /// The finding written.
    pub inspection_finding: InspectionFinding,
}

/// Open and overdue findings of one province.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ProvinceFindingCount {
    #[graphql(skip)]
    pub province_id: i64,
    /// Findings not yet closed.
    pub open: i64,
    /// Findings past their due date and not yet reported rectified.
    pub overdue: i64,
}

#[async_graphql::ComplexObject]
impl ProvinceFindingCount {
    /// The province.
    async fn province(&self, ctx: &Context<'_>) -> Result<Region> {
        let r = ctx
            .loader::<crate::batch::ById<entity::region::Entity>>()
            .load_one(self.province_id)
            .await?;
        Ok(Region(r.ok_or_else(|| {
            crate::error::AppError::not_found("Region", self.province_id)
        })?))
    }
}

/// Open and overdue findings one organization (a helper, usually) is responsible for.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrganizationFindingCount {
    #[graphql(skip)]
    pub organization_id: i64,
    /// Findings not yet closed.
    pub open: i64,
    /// Findings past their due date and not yet reported rectified.
    pub overdue: i64,
}

#[async_graphql::ComplexObject]
impl OrganizationFindingCount {
    /// The responsible organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let o = ctx
            .loader::<crate::batch::ById<entity::organization::Entity>>()
            .load_one(self.organization_id)
            .await?;
        Ok(Organization(o.ok_or_else(|| {
            crate::error::AppError::not_found("Organization", self.organization_id)
        })?))
    }
}

/// Open and overdue inspection findings, per province and per responsible organization.
#[derive(SimpleObject)]
pub struct InspectionFindingSummary {
    /// The day overdue is judged on.
    pub as_of: Date,
    /// Per province with at least one open finding, by province code.
    pub by_province: Vec<ProvinceFindingCount>,
    /// Per responsible organization with at least one open finding, by organization code.
    pub by_responsible_organization: Vec<OrganizationFindingCount>,
}

impl crate::graphql::plain::PlainObject for InspectionFinding {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

crate::keyed!(inspection_finding);
