//! `viewer`: who the caller is, as the server understood its token.
use crate::auth::{Identity, Role};
use crate::graphql::ContextExt;
use crate::organization::Organization;
use crate::region::Region;
use async_graphql::{Context, Object, Result};

/// The caller: anonymous, or the subject and role of a verified token.
pub struct Viewer(Identity);

/// The caller: anonymous, or the subject and role of a verified token.
#[Object]
impl Viewer {
    /// Whether a valid token was sent.
    async fn authenticated(&self) -> bool {
        self.0.is_authenticated()
    }
    /// The token's subject (`sub`); `null` when anonymous.
    async fn subject(&self) -> Option<&str> {
        match &self.0 {
            Identity::Anonymous => None,
            Identity::User { subject, .. } => Some(subject),
        }
    }
    /// The caller's role; `null` when anonymous.
    async fn role(&self) -> Option<Role> {
        self.0.role()
    }
    /// The organization code a HELPER acts for.
    async fn organization_code(&self) -> Option<&str> {
        self.0.helper_org()
    }
    /// The region code a RECIPIENT is scoped to (it covers every region below it).
    async fn region_code(&self) -> Option<&str> {
        self.0.recipient_region()
    }
    /// The organization a HELPER acts for, if it is registered.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(code) = self.0.helper_org() else {
            return Ok(None);
        };
        Ok(crate::organization::service::by_code(ctx.db(), code)
            .await?
            .map(Organization::from))
    }
    /// The region a RECIPIENT is scoped to, if it is registered.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(code) = self.0.recipient_region() else {
            return Ok(None);
        };
        Ok(crate::region::service::by_code(ctx.db(), code)
            .await?
            .map(Region::from))
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller's identity and role.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        Viewer(ctx.identity().clone())
    }
}
