use crate::graphql::node::{NodeKind, global_id};
use crate::graphql::scalars::Decimal;
use crate::graphql::{ContextExt, OrderDirection, define_connection};
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result};
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
    }
    related {
        /// The county whose library holds the project.
        [CountyId] async fn county(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::graphql::loader::ById<entity::region::Entity>>().load_one(self.0.county_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.county_id)
            })?))
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
