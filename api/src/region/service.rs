//! Reading regions.
use super::types::{RegionFilter, RegionOrder, RegionOrderField};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use entity::region::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

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

/// The id of the region with this code as a scalar subquery: `col = (SELECT id …)` lets the
/// planner use the id in index conditions (and index order), unlike `col IN (SELECT …)`.
pub fn code_id(code: &str) -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::SimpleExpr::SubQuery(
        None,
        Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
            id_of_code(code),
        )),
    )
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

/// One page of regions: the one read path of every region list. Under a region
/// (`filter.parent_id`) the page is batched with its sibling pages through the request's loader.
pub async fn page(
    db: &Db,
    loaders: &crate::batch::Loaders,
    mut filter: RegionFilter,
    order: RegionOrder,
    args: PageArgs,
    total: bool,
) -> AppResult<Page<Model>> {
    let parent = filter.parent_id.take();
    let spec = RegionListSpec { filter, order };
    match parent {
        Some(parent) => {
            let by_parent = loaders.get::<RegionsByParent>();
            crate::batch::child_page(&by_parent.0, parent, spec, args, total).await
        }
        None => {
            let (select, ordering) = build(&spec)?;
            fetch_page(db, select, &ordering, &args).await
        }
    }
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
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::ParentId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::ProvinceId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if f.listed_only == Some(true) {
        q = q.filter(Column::Id.in_subquery(crate::listing::service::active_region_ids()));
    }
    if f.poor_only == Some(true) {
        q = q.filter(Column::IsPoor.eq(true));
    }
    if let Some(text) = &f.name_contains {
        let pattern = crate::connection::contains_pattern("filter.nameContains", text, 50)?;
        q = q.filter(Column::Name.like(pattern));
    }
    Ok((q, ordering(spec.order)))
}

pub async fn by_code(db: &Db, code: &str) -> AppResult<Option<Model>> {
    check_code("code", code)?;
    Ok(Entity::find().filter(Column::Code.eq(code)).one(db).await?)
}

pub use crate::region_code::check as check_code;

// ---------------------------------------------------------------------------------------------
// Writing regions (the national office).

use super::types::{CreateRegionInput, UpdateRegionInput};
use crate::write::{Writer, allow, region_by_code};
use entity::enums::RegionLevel;
use sea_orm::{ActiveModelTrait, IntoActiveModel, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::Region.tag();

/// Regions are registered and corrected by the national office only.
pub fn authorize(w: &Writer<'_>) -> AppResult<()> {
    allow(
        w,
        w.identity.is_admin(),
        "only the national office (ADMIN) registers and corrects regions",
    )
}

fn depth(level: RegionLevel) -> u8 {
    match level {
        RegionLevel::Province => 0,
        RegionLevel::Prefecture => 1,
        RegionLevel::County => 2,
        RegionLevel::Township => 3,
        RegionLevel::Village => 4,
    }
}

fn check_exit_year(year: Option<i32>) -> AppResult<()> {
    match year {
        Some(y) if !(1978..=2100).contains(&y) => Err(AppError::bad_input(
            "input.exitYear",
            "a year between 1978 and 2100",
        )),
        _ => Ok(()),
    }
}

pub async fn create(w: &Writer<'_>, input: CreateRegionInput) -> AppResult<Model> {
    authorize(w)?;
    let code = crate::region_code::parse(&input.code)
        .map_err(|e| AppError::bad_input("input.code", e.to_string()))?;
    let level = RegionLevel::from(input.level);
    let expected_len = match level {
        RegionLevel::Township => 9,
        RegionLevel::Village => 12,
        _ => 6,
    };
    if input.code.len() != expected_len {
        return Err(AppError::bad_input(
            "input.code",
            format!("a {} code has {expected_len} digits", level.as_str()),
        ));
    }
    if code.level() != level {
        return Err(AppError::bad_input(
            "input.level",
            format!("{} is a {} code", input.code, code.level().as_str()),
        ));
    }
    let name = crate::write::text("input.name", &input.name, 100)?;
    check_exit_year(input.exit_year)?;
    let parent = match (&input.parent_code, level) {
        (None, RegionLevel::Province) => None,
        (None, _) => {
            return Err(AppError::bad_input(
                "input.parentCode",
                "every region below a province has a parent",
            ));
        }
        (Some(code), _) => {
            let parent = region_by_code(w.db, "input.parentCode", code).await?;
            if depth(parent.level) >= depth(level) {
                return Err(AppError::bad_input(
                    "input.level",
                    format!(
                        "a {} cannot lie below a {}",
                        level.as_str(),
                        parent.level.as_str()
                    ),
                ));
            }
            if parent.code == input.code || !crate::region_code::covers(&parent.code, &input.code) {
                return Err(AppError::bad_input(
                    "input.parentCode",
                    format!("{} does not lie within {}", input.code, parent.code),
                ));
            }
            Some(parent)
        }
    };
    let zone = match (&parent, input.zone) {
        (Some(p), None) => p.zone,
        (Some(p), Some(z)) if entity::enums::Zone::from(z) != p.zone => {
            return Err(AppError::bad_input(
                "input.zone",
                "a region lies in its province's zone",
            ));
        }
        (_, Some(z)) => z.into(),
        (None, None) => {
            return Err(AppError::bad_input(
                "input.zone",
                "a province needs its zone",
            ));
        }
    };
    let txn = w.db.begin().await?;
    let mut r = entity::region::ActiveModel {
        id: NotSet,
        code: Set(input.code.clone()),
        name: Set(name),
        level: Set(level),
        zone: Set(zone),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        province_id: Set(parent.as_ref().and_then(|p| p.province_id)),
        is_poor: Set(input.poor),
        is_key_county: Set(input.key_county),
        is_contiguous_area: Set(input.contiguous_area),
        exit_year: Set(input.exit_year),
    }
    .insert(&txn)
    .await?;
    if level == RegionLevel::Province {
        let mut am = r.clone().into_active_model();
        am.province_id = Set(Some(r.id));
        r = am.update(&txn).await?;
    }
    if input.listed_for_supervision == Some(true) {
        crate::listing::service::list_this_year(&txn, w, &r).await?;
    }
    crate::audit::record(&txn, w, "createRegion", ENTITY, r.id, None::<&()>, Some(&r)).await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn update(w: &Writer<'_>, input: UpdateRegionInput) -> AppResult<Model> {
    authorize(w)?;
    let before = region_by_code(w.db, "input.code", &input.code).await?;
    check_exit_year(input.exit_year)?;
    let mut am = before.clone().into_active_model();
    if let Some(name) = &input.name {
        am.name = Set(crate::write::text("input.name", name, 100)?);
    }
    if let Some(v) = input.poor {
        am.is_poor = Set(Some(v));
    }
    if let Some(v) = input.key_county {
        am.is_key_county = Set(Some(v));
    }
    if let Some(v) = input.contiguous_area {
        am.is_contiguous_area = Set(Some(v));
    }
    if let Some(v) = input.exit_year {
        am.exit_year = Set(Some(v));
    }
    let txn = w.db.begin().await?;
    let after = if am.is_changed() {
        am.update(&txn).await?
    } else {
        before.clone()
    };
    match input.listed_for_supervision {
        Some(true) => crate::listing::service::list_this_year(&txn, w, &after).await?,
        Some(false) => crate::listing::service::lift_standing(&txn, w, &after).await?,
        None => {}
    }
    crate::audit::record(
        &txn,
        w,
        "updateRegion",
        ENTITY,
        after.id,
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

crate::child_page_loader!(
    /// The `children` pages of a request's regions.
    RegionsByParent,
    region,
    RegionListSpec,
    build,
    ParentId,
    |m| m.parent_id.unwrap_or_default()
);
