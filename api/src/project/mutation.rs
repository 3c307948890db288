use super::types::{CreateProjectInput, Project, ProjectPayload, UpdateProjectInput};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// A recipient adds a project to a county's library within its region.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] input: CreateProjectInput,
    ) -> Result<ProjectPayload> {
        let m = super::service::create(&Writer::from_ctx(ctx), input).await?;
        Ok(ProjectPayload {
            project: Project::from(m),
        })
    }

    /// A recipient updates a project of a county's library within its region.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the changes.")] input: UpdateProjectInput,
    ) -> Result<ProjectPayload> {
        let m = super::service::update(&Writer::from_ctx(ctx), input).await?;
        Ok(ProjectPayload {
            project: Project::from(m),
        })
    }
}
