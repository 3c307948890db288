use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{ContextExt, define_connection};
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::project::Model;

/// Where a project stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::ProjectStatus")]
pub enum ProjectStatus {
    /// In the library, not started.
    Planned,
    /// Under way.
    InProgress,
    /// Finished.
    Completed,
    /// Dropped.
    Cancelled,
}

/// An entry in a county's project library.
#[derive(Clone)]
pub struct Project(pub std::sync::Arc<Model>);

impl From<Model> for Project {
    fn from(model: Model) -> Self {
        Project(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// An entry in a county's project library.
    Project(0) as m, columns entity::project {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Project, m.id);
        /// Project name.
        name: &str [Name] = &m.name;
        /// Sector, e.g. industry, education, health, infrastructure.
        sector: &str [Sector] = &m.sector;
        /// Budget in yuan, exact to the fen.
        budget: Decimal [BudgetFen] = Decimal::from_minor(m.budget_fen, 2);
        /// People expected to benefit.
        beneficiaries: Option<i32> [Beneficiaries] = m.beneficiaries;
        /// Where the project stands.
        status: ProjectStatus [Status] = m.status.into();
        /// The year the project entered the county's library.
        libraryYear: Option<i32> [LibraryYear] = m.library_year;
        /// When work is planned to start.
        plannedStart: Option<Date> [PlannedStart] = m.planned_start.map(Date);
        /// When work is planned to end; past it and not completed, the project is overdue.
        plannedEnd: Option<Date> [PlannedEnd] = m.planned_end.map(Date);
        /// When the project was completed.
        completedOn: Option<Date> [CompletedOn] = m.completed_on.map(Date);
        /// When the county first publicized the project (start of the publicity period).
        publicizedOn: Option<Date> [PublicizedOn] = m.publicized_on.map(Date);
    }
    related {
        /// The county whose library holds the project.
        [CountyId] async fn county(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.county_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.county_id)
            })?))
        }
        /// The village of the county the project is placed at; `null` for the county as a whole.
        [VillageId] async fn village(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
            let Some(id) = self.0.village_id else {
                return Ok(None);
            };
            Ok(ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(id).await?.map(Region))
        }
        /// Transfers earmarked for the project that reached ALLOCATED or RECEIVED, in yuan.
        [Id] async fn fundedAmount(&self, ctx: &Context<'_>) -> Result<Decimal> {
            let fen = crate::expenditure::loader::figure(ctx, crate::expenditure::loader::SpendKey::ProjectFunded(self.0.id)).await?;
            Ok(Decimal::from_minor(fen, 2))
        }
        /// Spent on the project (recorded expenditures, from any transfer), in yuan.
        [Id] async fn spent(&self, ctx: &Context<'_>) -> Result<Decimal> {
            let fen = crate::expenditure::loader::figure(ctx, crate::expenditure::loader::SpendKey::ProjectSpent(self.0.id)).await?;
            Ok(Decimal::from_minor(fen, 2))
        }
        /// Performance targets (households benefiting, km of road, people employed …).
        [Id] async fn targets(&self, ctx: &Context<'_>) -> Result<Vec<ProjectTarget>> {
            Ok(super::service::targets(ctx.loaders(), self.0.id).await?)
        }
    }
    other {
    /// Transfers earmarked for the project (anonymous callers see publicized transfers only).
    async fn fund_transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            crate::transfer::types::FundTransferOrder,
        >,
    ) -> Result<crate::transfer::types::FundTransferConnection> {
        let filter = crate::transfer::types::FundTransferFilter {
            project_id: Some(global_id(NodeKind::Project, self.0.id)),
            ..Default::default()
        };
        crate::transfer::query::list(ctx, filter, order_by, crate::graphql::page_args(ctx, first, after, last, before)).await
    }
    /// Money spent on the project, one record each (authenticated callers; empty for anonymous
    /// ones, who read `spent`).
    async fn expenditures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<crate::expenditure::types::ExpenditureFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            crate::expenditure::types::ExpenditureOrder,
        >,
    ) -> Result<crate::expenditure::types::ExpenditureConnection> {
        crate::expenditure::query::list(
            ctx,
            filter.unwrap_or_default(),
            Some(crate::expenditure::service::Parent::Project(self.0.id)),
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    }
}

crate::leaf_enums!(ProjectStatus);

/// Narrows a list of projects.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct ProjectFilter {
    /// Only projects of the county with this code.
    pub county_code: Option<String>,
    /// Only projects in the province with this code.
    pub province_code: Option<String>,
    /// Only projects with this status.
    pub status: Option<ProjectStatus>,
    /// Only projects of this sector.
    pub sector: Option<String>,
}

/// What projects can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum ProjectOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Name.
    Name,
    /// Budget.
    Budget,
}

/// Sort order of a project list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProjectOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ProjectOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    ProjectConnection,
    ProjectEdge,
    Project,
    "A page of projects.",
    "A project in a page, with its cursor."
);

/// A recipient adds a project to a county's library.
#[derive(InputObject, Clone)]
pub struct CreateProjectInput {
    /// The county's code; it must lie within the caller's region.
    pub county_code: String,
    /// The village of the county the project is placed at (12 digits); the county as a whole
    /// when omitted.
    pub village_code: Option<String>,
    /// Project name.
    pub name: String,
    /// Sector, e.g. industry, education, health, infrastructure.
    pub sector: String,
    /// Budget in yuan (zero or more, at most two decimals).
    pub budget: Decimal,
    /// People expected to benefit.
    pub beneficiaries: Option<i32>,
    /// Initial status: PLANNED (the default) or IN_PROGRESS.
    pub status: Option<ProjectStatus>,
    /// The year the project enters the library.
    pub library_year: Option<i32>,
    /// When work is planned to start.
    pub planned_start: Option<Date>,
    /// When work is planned to end (not before `plannedStart`).
    pub planned_end: Option<Date>,
    /// Performance targets (at most 20, one per indicator).
    pub targets: Option<Vec<ProjectTargetInput>>,
}

/// A recipient updates a project of its library; omitted fields stay as they are.
#[derive(InputObject, Clone)]
pub struct UpdateProjectInput {
    /// The project.
    pub project_id: ID,
    /// New name.
    pub name: Option<String>,
    /// New sector.
    pub sector: Option<String>,
    /// New budget in yuan.
    pub budget: Option<Decimal>,
    /// New number of beneficiaries.
    pub beneficiaries: Option<i32>,
    /// New status: PLANNED → IN_PROGRESS → COMPLETED, or CANCELLED before completion.
    pub status: Option<ProjectStatus>,
    /// New library year.
    pub library_year: Option<i32>,
    /// New planned start.
    pub planned_start: Option<Date>,
    /// New planned end.
    pub planned_end: Option<Date>,
    /// When the project was completed (not in the future); required when moving to COMPLETED,
    /// defaults to today then.
    pub completed_on: Option<Date>,
    /// Performance targets to set: each replaces the target of its indicator, others stay.
    pub targets: Option<Vec<ProjectTargetInput>>,
}

/// The project as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct ProjectPayload {
    /// The project written.
    pub project: Project,
}

impl crate::graphql::plain::PlainObject for Project {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

/// A project's performance target and what has been achieved of it.
#[derive(SimpleObject, Clone)]
pub struct ProjectTarget {
    /// What is measured, e.g. households benefiting, km of road, people employed.
    pub indicator: String,
    /// The unit, e.g. households, km, persons.
    pub unit: String,
    /// The target, in the unit.
    pub target: Decimal,
    /// What has been achieved, in the unit; `null` until reported.
    pub achieved: Option<Decimal>,
    /// `achieved` divided by `target`; `null` without an achievement or with a zero target.
    pub completion_rate: Option<f64>,
}

impl From<&entity::project_target::Model> for ProjectTarget {
    fn from(m: &entity::project_target::Model) -> Self {
        ProjectTarget {
            indicator: m.indicator.clone(),
            unit: m.unit.clone(),
            target: Decimal::from_minor(m.target_centi, 2),
            achieved: m.achieved_centi.map(|a| Decimal::from_minor(a, 2)),
            completion_rate: m
                .achieved_centi
                .filter(|_| m.target_centi > 0)
                .map(|a| a as f64 / m.target_centi as f64),
        }
    }
}

/// A performance target as written by the county (replaces the project's target of the same
/// indicator).
#[derive(InputObject, Clone)]
pub struct ProjectTargetInput {
    /// What is measured (at most 64 characters).
    pub indicator: String,
    /// The unit (at most 32 characters).
    pub unit: String,
    /// The target, zero or more, at most two decimals.
    pub target: Decimal,
    /// What has been achieved so far.
    pub achieved: Option<Decimal>,
}
