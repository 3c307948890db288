//! Reading organizations.
use super::types::{OrganizationFilter, OrganizationOrder, OrganizationOrderField};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::{AppError, AppResult};
use crate::graphql::OrderDirection;
use crate::region::service::{check_code, id_of_code};
use entity::organization::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

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

/// The id of the organization with this code, as a subquery.
pub fn id_of_org_code(code: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::Code.eq(code))
        .to_owned()
}

pub async fn list(
    db: &DatabaseConnection,
    f: &OrganizationFilter,
    order: OrganizationOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if let Some(kind) = f.kind {
        q = q.filter(Column::Kind.eq(entity::enums::OrganizationKind::from(kind)));
    }
    if let Some(code) = &f.region_code {
        check_code("filter.regionCode", code)?;
        q = q.filter(Column::RegionId.in_subquery(id_of_code(code)));
    }
    if let Some(text) = &f.name_contains {
        if text.chars().count() > 50 {
            return Err(AppError::bad_input(
                "filter.nameContains",
                "at most 50 characters",
            ));
        }
        q = q.filter(Column::Name.contains(text));
    }
    fetch_page(db, q, &ordering(order), args).await
}

pub async fn by_code(db: &DatabaseConnection, code: &str) -> AppResult<Option<Model>> {
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::bad_input(
            "code",
            "an organization code is 1 to 64 characters",
        ));
    }
    Ok(Entity::find().filter(Column::Code.eq(code)).one(db).await?)
}
