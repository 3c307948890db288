use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::dispute::Model;
use entity::enums;

/// The kind of record a dispute is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::DisputeSubjectKind")]
pub enum DisputeSubjectKind {
    /// A fund transfer (disputed by its recipient).
    FundTransfer,
    /// A personnel dispatch (disputed by its recipient).
    PersonnelDispatch,
    /// A produce deal (disputed by its origin county).
    ProduceDeal,
    /// A labour placement (disputed by its origin county).
    LaborPlacement,
}

impl DisputeSubjectKind {
    /// The node kind of the record's global id.
    pub fn node_kind(kind: enums::DisputeSubjectKind) -> NodeKind {
        match kind {
            enums::DisputeSubjectKind::FundTransfer => NodeKind::FundTransfer,
            enums::DisputeSubjectKind::PersonnelDispatch => NodeKind::PersonnelDispatch,
            enums::DisputeSubjectKind::ProduceDeal => NodeKind::ProduceDeal,
            enums::DisputeSubjectKind::LaborPlacement => NodeKind::LaborPlacement,
        }
    }
}

/// Where a dispute stands: OPEN → ANSWERED → RESOLVED (or OPEN → RESOLVED).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::DisputeStatus")]
pub enum DisputeStatus {
    /// Raised by the recipient; the helper has not answered.
    Open,
    /// The helper answered (and may have corrected its record); the recipient has not resolved it.
    Answered,
    /// The recipient (or ADMIN) closed it.
    Resolved,
}

/// A recipient's objection to a record, the helper's answer and the resolution.
#[derive(Clone)]
pub struct Dispute(pub std::sync::Arc<Model>);

impl From<Model> for Dispute {
    fn from(model: Model) -> Self {
        Dispute(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// A recipient's objection to a record (a fund transfer, a personnel dispatch, a produce deal
    /// or a labour placement), the helper's answer with what it corrected, and the resolution.
    /// Unresolved disputes are `RECORD_DISPUTED` data-quality findings.
    Dispute(0) as m, columns entity::dispute {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Dispute, m.id);
        /// The kind of record disputed.
        subjectKind: DisputeSubjectKind [SubjectKind] = m.subject_kind.into();
        /// The global id of the record disputed.
        subjectId: ID [SubjectKind, SubjectId] = global_id(DisputeSubjectKind::node_kind(m.subject_kind), m.subject_id);
        /// The year the record counts toward.
        year: i32 [Year] = m.year;
        /// Where the dispute stands.
        status: DisputeStatus [Status] = m.status.into();
        /// Why the recipient disputes the record.
        reason: &str [Reason] = &m.reason;
        /// When it was raised.
        openedAt: DateTime [OpenedAt] = DateTime(m.opened_at);
        /// The helper's answer.
        answer: Option<&str> [Answer] = m.answer.as_deref();
        /// When the helper answered.
        answeredAt: Option<DateTime> [AnsweredAt] = m.answered_at.map(DateTime);
        /// The record's amount before the helper corrected it (transfers and deals), in yuan.
        previousAmount: Option<Decimal> [PreviousAmountFen] = m.previous_amount_fen.map(|f| Decimal::from_minor(f, 2));
        /// The amount the helper corrected the record to, in yuan.
        correctedAmount: Option<Decimal> [CorrectedAmountFen] = m.corrected_amount_fen.map(|f| Decimal::from_minor(f, 2));
        /// The record's date before the helper corrected it (a transfer's allocation date, a
        /// deal's date, a dispatch's or a placement's start).
        previousOn: Option<Date> [PreviousOn] = m.previous_on.map(Date);
        /// The date the helper corrected the record to.
        correctedOn: Option<Date> [CorrectedOn] = m.corrected_on.map(Date);
        /// How the recipient (or ADMIN) resolved it.
        resolution: Option<&str> [Resolution] = m.resolution.as_deref();
        /// When it was resolved.
        resolvedAt: Option<DateTime> [ResolvedAt] = m.resolved_at.map(DateTime);
    }
    related {
        /// The pairing of the record.
        [PairingId] async fn pairingAgreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
            let p = ctx.loader::<crate::batch::ById<entity::pairing_agreement::Entity>>().load_one(self.0.pairing_id).await?;
            Ok(PairingAgreement(p.ok_or_else(|| {
                crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
            })?))
        }
        /// The helper whose record is disputed (it answers).
        [HelperId] async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
            let o = ctx.loader::<crate::batch::ById<entity::organization::Entity>>().load_one(self.0.helper_id).await?;
            Ok(Organization(o.ok_or_else(|| {
                crate::error::AppError::not_found("Organization", self.0.helper_id)
            })?))
        }
        /// The region of the record: a transfer's or dispatch's recipient, a deal's or
        /// placement's origin county.
        [RegionId] async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.region_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.region_id)
            })?))
        }
    }
}

crate::leaf_enums!(DisputeSubjectKind, DisputeStatus);
crate::keyed!(dispute);

/// Narrows a list of disputes.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct DisputeFilter {
    /// Only disputes of records counting toward this year.
    pub year: Option<i32>,
    /// Only disputes with this status.
    pub status: Option<DisputeStatus>,
    /// Only unresolved disputes (OPEN or ANSWERED).
    pub unresolved_only: Option<bool>,
    /// Only disputes about this kind of record.
    pub subject_kind: Option<DisputeSubjectKind>,
    /// Only disputes about this record (a global id).
    pub subject_id: Option<ID>,
    /// Only disputes of records of the organization with this code.
    pub helper_code: Option<String>,
    /// Only disputes of records whose region is this region or lies within it.
    pub region_code: Option<String>,
}

/// What disputes can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum DisputeOrderField {
    /// Order raised.
    #[default]
    Id,
}

/// Sort order of a dispute list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DisputeOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: DisputeOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    DisputeConnection,
    DisputeEdge,
    Dispute,
    "A page of disputes.",
    "A dispute in a page, with its cursor."
);

/// The recipient disputes a record: a new OPEN dispute.
#[derive(InputObject, Clone)]
pub struct OpenDisputeInput {
    /// The record: a fund transfer (ALLOCATED or RECEIVED), a personnel dispatch, a produce deal
    /// (RECORDED) or a labour placement, within the caller's region.
    pub subject_id: ID,
    /// Why (at most 2000 characters). Sending the same reason again while the dispute is
    /// unresolved returns it (a retry); another reason is a CONFLICT.
    pub reason: String,
}

/// What the helper corrects in its record when it answers.
#[derive(InputObject, Clone, PartialEq, Eq)]
pub struct DisputeCorrectionInput {
    /// The record's corrected amount in yuan (transfers and deals only; a transfer's amount not
    /// below what its recipient confirmed it received).
    pub amount: Option<Decimal>,
    /// The record's corrected date: a transfer's allocation date (ALLOCATED or RECEIVED, not
    /// after its receipt), a deal's date, a dispatch's or a placement's start; in the same year.
    pub on: Option<Date>,
}

/// The helper answers a dispute, and may correct its record: OPEN → ANSWERED.
#[derive(InputObject, Clone)]
pub struct AnswerDisputeInput {
    /// The dispute (OPEN).
    pub dispute_id: ID,
    /// The answer (at most 2000 characters).
    pub answer: String,
    /// What to correct in the record; the old values are kept on the dispute and in the audit log.
    pub correction: Option<DisputeCorrectionInput>,
}

/// The recipient (or ADMIN) resolves a dispute: OPEN or ANSWERED → RESOLVED.
#[derive(InputObject, Clone)]
pub struct ResolveDisputeInput {
    /// The dispute (OPEN or ANSWERED; a RESOLVED one is returned as it is).
    pub dispute_id: ID,
    /// How it was resolved (at most 2000 characters).
    pub resolution: String,
}

/// The dispute as it stands after the write.
#[derive(SimpleObject)]
pub struct DisputePayload {
    /// The dispute written.
    pub dispute: Dispute,
}

impl crate::graphql::plain::PlainObject for Dispute {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
