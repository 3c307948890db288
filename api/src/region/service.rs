//! Reading regions.
use super::types::{RegionFilter, RegionOrder, RegionOrderField};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::{AppError, AppResult};
use crate::graphql::OrderDirection;
use entity::region::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};

fn ordering(order: RegionOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        RegionOrderField::Code => Ordering {
            name: "region.code",
            column: Column::Code,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.code.clone()),
            row_id: |m| m.id,
        },
        RegionOrderField::Name => Ordering {
            name: "region.name",
            column: Column::Name,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.name.clone()),
            row_id: |m| m.id,
        },
    }
}

/// The id of the region with this code, as a subquery.
pub fn id_of_code(code: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::Code.eq(code))
        .to_owned()
}

/// A region list: its filter and order.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RegionListSpec {
    pub filter: RegionFilter,
    pub order: RegionOrder,
}

pub async fn list(
    db: &DatabaseConnection,
    f: &RegionFilter,
    order: RegionOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let (select, ordering) = build(&RegionListSpec {
        filter: f.clone(),
        order,
    })?;
    fetch_page(db, select, &ordering, args).await
}

/// The filtered select and ordering of a region list.
pub fn build(spec: &RegionListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if let Some(level) = f.level {
        q = q.filter(Column::Level.eq(entity::enums::RegionLevel::from(level)));
    }
    if let Some(zone) = f.zone {
        q = q.filter(Column::Zone.eq(entity::enums::Zone::from(zone)));
    }
    if let Some(id) = f.parent_id {
        q = q.filter(Column::ParentId.eq(id));
    }
    if let Some(code) = &f.parent_code {
        check_code("filter.parentCode", code)?;
        q = q.filter(Column::ParentId.in_subquery(id_of_code(code)));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        q = q.filter(Column::ProvinceId.in_subquery(id_of_code(code)));
    }
    if f.listed_only == Some(true) {
        q = q.filter(Column::IsListed.eq(true));
    }
    if f.poor_only == Some(true) {
        q = q.filter(Column::IsPoor.eq(true));
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
    Ok((q, ordering(spec.order)))
}

pub async fn by_code(db: &DatabaseConnection, code: &str) -> AppResult<Option<Model>> {
    check_code("code", code)?;
    Ok(Entity::find().filter(Column::Code.eq(code)).one(db).await?)
}

/// A region code is 6, 9 or 12 digits.
pub fn check_code(field: &str, code: &str) -> AppResult<()> {
    if matches!(code.len(), 6 | 9 | 12) && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            "a region code is 6, 9 or 12 digits (GB/T 2260)",
        ))
    }
}

/// Whether the region with code `inner` lies in (or is) the region with code `scope`.
/// GB/T 2260 codes are hierarchical: trailing "00" pairs of the scope are free.
pub fn region_contains(scope: &str, inner: &str) -> bool {
    let mut prefix = scope;
    while prefix.len() > 2 && prefix.ends_with("00") {
        prefix = &prefix[..prefix.len() - 2];
    }
    inner.starts_with(prefix)
}
