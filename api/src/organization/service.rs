//! Reading organizations.
use super::types::{OrganizationFilter, OrganizationOrder, OrganizationOrderField};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::organization::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn ordering(order: OrganizationOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        OrganizationOrderField::Code => Ordering {
            name: "org.code",
            column: Column::Code,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.code.clone()),
            row_id: |m| m.id,
        },
        OrganizationOrderField::Name => Ordering {
            name: "org.name",
            column: Column::Name,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.name.clone()),
            row_id: |m| m.id,
        },
    }
}

/// The id of the organization with this code as a scalar subquery (see `region::service::code_id`).
pub fn org_code_id(code: &str) -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::SimpleExpr::SubQuery(
        None,
        Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
            id_of_org_code(code),
        )),
    )
}

/// The id of the organization with this code, as a subquery.
pub fn id_of_org_code(code: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::Code.eq(code))
        .to_owned()
}

/// One page of organizations: the one read path of `organizations`.
pub async fn page(
    db: &Db,
    f: OrganizationFilter,
    order: OrganizationOrder,
    args: PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if let Some(kind) = f.kind {
        q = q.filter(Column::Kind.eq(entity::enums::OrganizationKind::from(kind)));
    }
    if let Some(code) = &f.region_code {
        check_code("filter.regionCode", code)?;
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::RegionId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(text) = &f.name_contains {
        let pattern = crate::connection::contains_pattern("filter.nameContains", text, 50)?;
        q = q.filter(Column::Name.like(pattern));
    }
    fetch_page(db, q, &ordering(order), &args).await
}

pub async fn by_code(db: &Db, code: &str) -> AppResult<Option<Model>> {
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::bad_input(
            "code",
            "an organization code is 1 to 64 characters",
        ));
    }
    Ok(Entity::find().filter(Column::Code.eq(code)).one(db).await?)
}

// ---------------------------------------------------------------------------------------------
// Writing organizations (the national office).

use super::types::{CreateOrganizationInput, UpdateOrganizationInput};
use crate::write::{Writer, allow, organization_by_code, region_by_code};
use entity::enums::OrganizationKind;
use sea_orm::{ActiveModelTrait, IntoActiveModel, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::Organization.tag();

/// Organizations are registered and corrected by the national office only.
pub fn authorize(w: &Writer<'_>) -> AppResult<()> {
    allow(
        w,
        w.identity.is_admin(),
        "only the national office (ADMIN) registers and corrects organizations",
    )
}

pub async fn create(w: &Writer<'_>, input: CreateOrganizationInput) -> AppResult<Model> {
    authorize(w)?;
    let code = crate::write::text("input.code", &input.code, 64)?;
    let name = crate::write::text("input.name", &input.name, 200)?;
    let short_name = crate::write::opt_text("input.shortName", input.short_name.as_deref(), 100)?;
    let kind = OrganizationKind::from(input.kind);
    let region = match &input.region_code {
        Some(c) => Some(region_by_code(w.db, "input.regionCode", c).await?),
        None => None,
    };
    let government = matches!(
        kind,
        OrganizationKind::ProvincialGovernment
            | OrganizationKind::CityGovernment
            | OrganizationKind::CountyGovernment
    );
    if government && region.is_none() {
        return Err(AppError::bad_input(
            "input.regionCode",
            "a government needs its region",
        ));
    }
    if Entity::find()
        .filter(Column::Code.eq(code.as_str()))
        .one(w.db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "an organization with the code {code:?} already exists"
        )));
    }
    let txn = w.db.begin().await?;
    let o = entity::organization::ActiveModel {
        id: NotSet,
        code: Set(code),
        name: Set(name),
        short_name: Set(short_name),
        kind: Set(kind),
        region_id: Set(region.map(|r| r.id)),
    }
    .insert(&txn)
    .await?;
    crate::audit::record(
        &txn,
        w,
        "createOrganization",
        ENTITY,
        o.id,
        None::<&()>,
        Some(&o),
    )
    .await?;
    txn.commit().await?;
    Ok(o)
}

pub async fn update(w: &Writer<'_>, input: UpdateOrganizationInput) -> AppResult<Model> {
    authorize(w)?;
    let before = organization_by_code(w.db, "input.code", &input.code).await?;
    let mut am = before.clone().into_active_model();
    if let Some(name) = &input.name {
        am.name = Set(crate::write::text("input.name", name, 200)?);
    }
    if let Some(s) = &input.short_name {
        am.short_name = Set(crate::write::opt_text("input.shortName", Some(s), 100)?);
    }
    if let Some(c) = &input.region_code {
        am.region_id = Set(Some(region_by_code(w.db, "input.regionCode", c).await?.id));
    }
    let txn = w.db.begin().await?;
    let after = if am.is_changed() {
        am.update(&txn).await?
    } else {
        before.clone()
    };
    crate::audit::record(
        &txn,
        w,
        "updateOrganization",
        ENTITY,
        after.id,
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
