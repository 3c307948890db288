//! The schema's assembly: every domain's query and mutation fields merged into the root types,
//! plus `node`/`nodes`. The one module that names every domain; none of them imports it.
use crate::config::SchemaLimits;
use crate::global_id::{NodeKind, parse_global_id};
use crate::graphql::ContextExt;
use crate::letter::ResponsibilityLetter;
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::personnel::PersonnelDispatch;
use crate::progress::ProgressReport;
use crate::project::Project;
use crate::region::Region;
use crate::subscription::Subscription;
use crate::transfer::FundTransfer;
use async_graphql::{Context, ID, Interface, MergedObject, Object, Result, Schema};

/// An object with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Region(Region),
    Organization(Organization),
    PairingAgreement(PairingAgreement),
    ResponsibilityLetter(ResponsibilityLetter),
    FundTransfer(FundTransfer),
    PersonnelDispatch(PersonnelDispatch),
    Project(Project),
    ProgressReport(ProgressReport),
    AuditEvent(crate::audit::types::AuditEvent),
    Announcement(crate::publicity::Announcement),
    Expenditure(crate::expenditure::Expenditure),
    InspectionFinding(crate::inspection::InspectionFinding),
    ProduceDeal(crate::produce::ProduceDeal),
    LaborPlacement(crate::labor::LaborPlacement),
    Dispute(crate::dispute::Dispute),
    SupervisionListing(crate::listing::SupervisionListing),
}

/// The most ids `nodes` takes at once.
const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

async fn resolve_node(ctx: &Context<'_>, field: &str, id: &ID) -> Result<Option<Node>> {
    let (kind, n) = parse_global_id(field, id)?;
    let who = ctx.identity();
    Ok(match kind {
        NodeKind::Region => ctx
            .loader::<crate::batch::ById<entity::region::Entity>>()
            .load_one(n)
            .await?
            .map(|m| Node::Region(Region(m))),
        NodeKind::Organization => ctx
            .loader::<crate::batch::ById<entity::organization::Entity>>()
            .load_one(n)
            .await?
            .map(|m| Node::Organization(Organization(m))),
        NodeKind::PairingAgreement => ctx
            .loader::<crate::batch::ById<entity::pairing_agreement::Entity>>()
            .load_one(n)
            .await?
            .map(|m| Node::PairingAgreement(PairingAgreement(m))),
        NodeKind::ResponsibilityLetter => ctx
            .loader::<crate::batch::ById<entity::responsibility_letter::Entity>>()
            .load_one(n)
            .await?
            .filter(|m| crate::letter::service::visible(who, m))
            .map(|m| {
                Node::ResponsibilityLetter(ResponsibilityLetter(std::sync::Arc::unwrap_or_clone(m)))
            }),
        NodeKind::FundTransfer => ctx
            .loader::<crate::batch::ById<entity::fund_transfer::Entity>>()
            .load_one(n)
            .await?
            .filter(|m| crate::transfer::service::visible(who, m))
            .map(|m| Node::FundTransfer(FundTransfer::from(std::sync::Arc::unwrap_or_clone(m)))),
        NodeKind::PersonnelDispatch => ctx
            .loader::<crate::batch::ById<entity::personnel_dispatch::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| crate::personnel::service::visible(who))
            .map(|m| {
                Node::PersonnelDispatch(PersonnelDispatch(std::sync::Arc::unwrap_or_clone(m)))
            }),
        NodeKind::Project => ctx
            .loader::<crate::batch::ById<entity::project::Entity>>()
            .load_one(n)
            .await?
            .filter(|m| crate::project::service::visible(who, m))
            .map(|m| Node::Project(Project(m))),
        NodeKind::ProgressReport => ctx
            .loader::<crate::batch::ById<entity::progress_report::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| who.is_authenticated())
            .map(|m| Node::ProgressReport(ProgressReport(std::sync::Arc::unwrap_or_clone(m)))),
        NodeKind::AuditEvent => match crate::audit::service::authorize_read(who) {
            Ok(()) => ctx
                .loader::<crate::batch::ById<entity::audit_event::Entity>>()
                .load_one(n)
                .await?
                .map(|m| {
                    Node::AuditEvent(crate::audit::types::AuditEvent(
                        std::sync::Arc::unwrap_or_clone(m),
                    ))
                }),
            Err(_) => None,
        },
        NodeKind::Announcement => ctx
            .loader::<crate::batch::ById<entity::announcement::Entity>>()
            .load_one(n)
            .await?
            .map(|m| Node::Announcement(crate::publicity::Announcement(m))),
        NodeKind::Expenditure => ctx
            .loader::<crate::batch::ById<entity::expenditure::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| who.is_authenticated())
            .map(|m| Node::Expenditure(crate::expenditure::Expenditure(m))),
        NodeKind::InspectionFinding => ctx
            .loader::<crate::batch::ById<entity::inspection_finding::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| crate::inspection::service::visible(who))
            .map(|m| Node::InspectionFinding(crate::inspection::InspectionFinding(m))),
        NodeKind::ProduceDeal => ctx
            .loader::<crate::batch::ById<entity::produce_deal::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| crate::produce::service::visible(who))
            .map(|m| Node::ProduceDeal(crate::produce::ProduceDeal(m))),
        NodeKind::LaborPlacement => ctx
            .loader::<crate::batch::ById<entity::labor_placement::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| crate::labor::service::visible(who))
            .map(|m| Node::LaborPlacement(crate::labor::LaborPlacement(m))),
        NodeKind::Dispute => ctx
            .loader::<crate::batch::ById<entity::dispute::Entity>>()
            .load_one(n)
            .await?
            .filter(|_| crate::dispute::service::visible(who))
            .map(|m| Node::Dispute(crate::dispute::Dispute(m))),
        NodeKind::SupervisionListing => ctx
            .loader::<crate::batch::ById<entity::supervision_listing::Entity>>()
            .load_one(n)
            .await?
            .map(|m| Node::SupervisionListing(crate::listing::SupervisionListing(m))),
    })
}

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; `null` if there is none or the caller may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id returned by this API.")] id: ID,
    ) -> Result<Option<Node>> {
        resolve_node(ctx, "id", &id).await
    }

    /// Fetches objects by global id, in the order given (at most 100); `null` for each one missing.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids returned by this API.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(crate::error::AppError::bad_input(
                "ids",
                format!("at most {MAX_NODES} ids"),
            )
            .into());
        }
        let lookups = ids.iter().map(|id| resolve_node(ctx, "ids", id));
        futures_util::future::try_join_all(lookups).await
    }
}

/// The platform's queries.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    crate::region::query::RegionQuery,
    crate::organization::query::OrganizationQuery,
    crate::pairing::query::PairingQuery,
    crate::letter::query::LetterQuery,
    crate::transfer::query::TransferQuery,
    crate::personnel::query::PersonnelQuery,
    crate::project::query::ProjectQuery,
    crate::progress::query::ProgressQuery,
    crate::rollup::query::RollupQuery,
    crate::audit::query::AuditQuery,
    crate::viewer::ViewerQuery,
    crate::publicity::query::PublicityQuery,
    crate::inspection::query::InspectionQuery,
    crate::produce::query::ProduceQuery,
    crate::labor::query::LaborQuery,
    crate::dispute::query::DisputeQuery,
    crate::expenditure::query::ExpenditureQuery,
    crate::listing::query::ListingQuery,
);

/// The platform's writes: each one input object, one transaction, one audit event.
#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::letter::mutation::LetterMutation,
    crate::transfer::mutation::TransferMutation,
    crate::personnel::mutation::PersonnelMutation,
    crate::progress::mutation::ProgressMutation,
    crate::project::mutation::ProjectMutation,
    crate::pairing::mutation::PairingMutation,
    crate::region::mutation::RegionMutation,
    crate::organization::mutation::OrganizationMutation,
    crate::publicity::mutation::PublicityMutation,
    crate::expenditure::mutation::ExpenditureMutation,
    crate::inspection::mutation::InspectionMutation,
    crate::produce::mutation::ProduceMutation,
    crate::labor::mutation::LaborMutation,
    crate::dispute::mutation::DisputeMutation,
    crate::listing::mutation::ListingMutation,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub fn build_schema(state: Option<crate::graphql::AppState>, limits: &SchemaLimits) -> AppSchema {
    build_schema_validating(state, limits, async_graphql::ValidationMode::Strict)
}

/// The schema validating documents in `mode`: `Fast` is for documents that passed the full
/// validation before and whose variables fit (see `graphql::variables`).
pub fn build_schema_validating(
    state: Option<crate::graphql::AppState>,
    limits: &SchemaLimits,
    mode: async_graphql::ValidationMode,
) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .validation_mode(mode)
        .limit_recursive_depth(limits.recursive_depth)
        .limit_directives(limits.directives);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL of the live schema, as checked in to `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, &SchemaLimits::default()).sdl()
}
