use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums;
use entity::personnel_dispatch::Model;

/// What kind of person was dispatched.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::PersonnelCategory")]
pub enum PersonnelCategory {
    /// A party or government cadre (counts toward CADRES_DISPATCHED).
    PartyGovernmentCadre,
    /// A professional technician: teacher, doctor, agronomist … (counts toward TECHNICIANS_DISPATCHED).
    ProfessionalTechnician,
}

/// Where a dispatch stands: DISPATCHED → IN_POST → RETURNED.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::DispatchStatus")]
pub enum DispatchStatus {
    /// Sent by the helper, not yet confirmed in post.
    Dispatched,
    /// Arrival confirmed by the recipient.
    InPost,
    /// Back home.
    Returned,
}

/// A person sent by a helper to a recipient region.
pub struct PersonnelDispatch(pub Model);

/// A person sent by a helper to a recipient region.
#[Object]
impl PersonnelDispatch {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::PersonnelDispatch, self.0.id)
    }
    /// The person's name: personal data, `null` unless the caller is the national office, the
    /// dispatching helper or the receiving recipient.
    async fn person_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let readable =
            super::service::may_read_name(ctx.loaders(), ctx.identity(), &self.0).await?;
        Ok(readable.then(|| self.0.person_name.clone()))
    }
    /// What kind of person.
    async fn category(&self) -> PersonnelCategory {
        self.0.category.into()
    }
    /// Specialty, e.g. teacher, doctor, agronomist.
    async fn specialty(&self) -> Option<&str> {
        self.0.specialty.as_deref()
    }
    /// Post held, e.g. deputy county head, village first secretary.
    async fn post(&self) -> &str {
        &self.0.post
    }
    /// The sending organization.
    async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
        let o = ctx
            .loader::<crate::batch::ById<entity::organization::Entity>>()
            .load_one(self.0.helper_id)
            .await?;
        Ok(Organization(o.ok_or_else(|| {
            crate::error::AppError::not_found("Organization", self.0.helper_id)
        })?))
    }
    /// The receiving region.
    async fn recipient(&self, ctx: &Context<'_>) -> Result<Region> {
        let r = ctx
            .loader::<crate::batch::ById<entity::region::Entity>>()
            .load_one(self.0.recipient_id)
            .await?;
        Ok(Region(r.ok_or_else(|| {
            crate::error::AppError::not_found("Region", self.0.recipient_id)
        })?))
    }
    /// The pairing the dispatch is made under.
    async fn pairing_agreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
        let p = ctx
            .loader::<crate::batch::ById<entity::pairing_agreement::Entity>>()
            .load_one(self.0.pairing_id)
            .await?;
        Ok(PairingAgreement(p.ok_or_else(|| {
            crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
        })?))
    }
    /// Where the dispatch stands.
    async fn status(&self) -> DispatchStatus {
        self.0.status.into()
    }
    /// The year the dispatch counts toward.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Planned first day in post.
    async fn start_on(&self) -> Date {
        Date(self.0.start_on)
    }
    /// Planned last day in post.
    async fn end_on(&self) -> Option<Date> {
        self.0.end_on.map(Date)
    }
    /// Arrival as confirmed by the recipient.
    async fn arrived_on(&self) -> Option<Date> {
        self.0.arrived_on.map(Date)
    }
    /// Return home.
    async fn returned_on(&self) -> Option<Date> {
        self.0.returned_on.map(Date)
    }
    /// The disputes raised about this dispatch, oldest first (none for anonymous callers); an
    /// unresolved one is a `RECORD_DISPUTED` data-quality finding.
    async fn disputes(&self, ctx: &Context<'_>) -> Result<Vec<crate::dispute::Dispute>> {
        crate::dispute::loader::disputes_of(
            ctx,
            entity::enums::DisputeSubjectKind::PersonnelDispatch,
            self.0.id,
        )
        .await
    }
}

/// Narrows a list of dispatches.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct PersonnelDispatchFilter {
    /// Only dispatches counting toward this year.
    pub year: Option<i32>,
    /// Only dispatches with this status.
    pub status: Option<DispatchStatus>,
    /// Only this category.
    pub category: Option<PersonnelCategory>,
    /// Only dispatches from the organization with this code.
    pub helper_code: Option<String>,
    /// Only dispatches to the region with this code.
    pub recipient_code: Option<String>,
    /// Only dispatches to regions in the province with this code.
    pub province_code: Option<String>,
    #[graphql(skip)]
    pub pairing_id: Option<i64>,
}

/// What dispatches can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum PersonnelDispatchOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Planned start date.
    StartOn,
}

/// Sort order of a dispatch list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PersonnelDispatchOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: PersonnelDispatchOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    PersonnelDispatchConnection,
    PersonnelDispatchEdge,
    PersonnelDispatch,
    "A page of personnel dispatches.",
    "A personnel dispatch in a page, with its cursor."
);

/// A helper dispatches a person under one of its pairings.
#[derive(InputObject, Clone)]
pub struct DispatchPersonnelInput {
    /// The pairing (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// The receiving region's code: the pairing's recipient or a region within it.
    pub recipient_code: String,
    /// The person's name (personal data: readable only by ADMIN, the helper and the recipient).
    pub person_name: String,
    /// What kind of person.
    pub category: PersonnelCategory,
    /// Specialty, e.g. teacher, doctor, agronomist.
    pub specialty: Option<String>,
    /// Post to be held, e.g. deputy county head, village first secretary.
    pub post: String,
    /// First day of the planned period; its year must lie within the pairing's period.
    pub start_on: Date,
    /// Last day of the planned period, on or after `startOn`.
    pub end_on: Option<Date>,
}

/// The recipient confirms that a dispatched person took up the post.
#[derive(InputObject, Clone)]
pub struct ConfirmPersonnelArrivalInput {
    /// The dispatch (DISPATCHED), addressed to the caller's region or a region within it.
    pub personnel_dispatch_id: ID,
    /// When the person arrived (not in the future).
    pub arrived_on: Date,
}

/// The helper records that a person's assignment ended.
#[derive(InputObject, Clone)]
pub struct RecordPersonnelReturnInput {
    /// The dispatch (IN_POST).
    pub personnel_dispatch_id: ID,
    /// When the person left the post: on or after arrival, not in the future.
    pub returned_on: Date,
}

/// The dispatch as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct PersonnelDispatchPayload {
    /// The dispatch written.
    pub personnel_dispatch: PersonnelDispatch,
}

/// Written by the executor (no direct path yet).
impl crate::graphql::plain::PlainObject for PersonnelDispatch {}
