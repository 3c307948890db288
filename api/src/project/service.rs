//! Reading a county's project library.
use super::types::{ProjectFilter, ProjectOrder, ProjectOrderField};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::project::{Column, Entity, Model};
use entity::region;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn ordering(order: ProjectOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ProjectOrderField::Id => Ordering {
            name: "project.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ProjectOrderField::Name => Ordering {
            name: "project.name",
            column: Column::Name,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.name.clone()),
            row_id: |m| m.id,
        },
        ProjectOrderField::Budget => Ordering {
            name: "project.budget",
            column: Column::BudgetFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.budget_fen),
            row_id: |m| m.id,
        },
    }
}

/// Whether the caller may see this project: anonymous callers see publicized projects only.
pub fn visible(identity: &crate::auth::Identity, p: &Model) -> bool {
    identity.is_authenticated() || p.publicized_on.is_some()
}

/// A project's performance targets, through the request's batching loader.
pub async fn targets(
    loaders: &crate::batch::Loaders,
    project_id: i64,
) -> AppResult<Vec<super::types::ProjectTarget>> {
    let rows = loaders
        .get::<async_graphql::dataloader::DataLoader<super::loader::TargetsLoader>>()
        .load_one(project_id)
        .await?
        .unwrap_or_default();
    Ok(rows.iter().map(super::types::ProjectTarget::from).collect())
}

/// One page of the project library: the one read path of `projects`; anonymous callers see
/// publicized projects only.
pub async fn page(
    db: &Db,
    identity: &crate::auth::Identity,
    f: ProjectFilter,
    order: ProjectOrder,
    args: PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !identity.is_authenticated() {
        q = q.filter(Column::PublicizedOn.is_not_null());
    }
    if let Some(code) = &f.county_code {
        check_code("filter.countyCode", code)?;
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::CountyId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        let ids = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                region::Column::ProvinceId.into_expr(),
                crate::region::service::code_id(code),
            ))
            .to_owned();
        q = q.filter(Column::CountyId.in_subquery(ids));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::ProjectStatus::from(s)));
    }
    if let Some(sector) = &f.sector {
        if sector.len() > 64 {
            return Err(AppError::bad_input(
                "filter.sector",
                "at most 64 characters",
            ));
        }
        q = q.filter(Column::Sector.eq(sector.as_str()));
    }
    fetch_page(db, q, &ordering(order), &args).await
}

// ---------------------------------------------------------------------------------------------
// Writing a county's project library (its recipient).

use super::types::{CreateProjectInput, UpdateProjectInput};
use crate::global_id::{NodeKind, expect_global_id};
use crate::write::{MAX_AMOUNT_FEN, Writer, allow, illegal, region_by_code};
use entity::enums::{ProjectStatus, RegionLevel};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, IntoActiveModel, NotSet, QueryOrder, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::Project.tag();

/// A county's library is kept by a recipient whose region contains the county.
pub fn authorize(w: &Writer<'_>, county_code: &str) -> AppResult<()> {
    allow(
        w,
        w.covers_region(county_code),
        "only a recipient whose region contains the county keeps its project library",
    )
}

fn budget_fen(b: &Decimal) -> AppResult<i64> {
    let fen = crate::write::to_minor(b, 2)
        .ok_or_else(|| AppError::bad_input("input.budget", "at most two decimals"))?;
    if !(0..=MAX_AMOUNT_FEN).contains(&fen) {
        return Err(AppError::bad_input(
            "input.budget",
            "a budget is zero to 10,000,000,000 yuan",
        ));
    }
    Ok(fen)
}

fn check_beneficiaries(n: Option<i32>) -> AppResult<()> {
    match n {
        Some(n) if n < 0 => Err(AppError::bad_input(
            "input.beneficiaries",
            "zero or more people",
        )),
        _ => Ok(()),
    }
}

fn may_move(from: ProjectStatus, to: ProjectStatus) -> bool {
    use ProjectStatus::*;
    from == to
        || matches!(
            (from, to),
            (Planned, InProgress) | (InProgress, Completed) | (Planned | InProgress, Cancelled)
        )
}

/// A validated performance target.
struct Target {
    indicator: String,
    unit: String,
    target: i64,
    achieved: Option<i64>,
}

fn centi(field: &str, v: &Decimal) -> AppResult<i64> {
    let c = crate::write::to_minor(v, 2)
        .ok_or_else(|| AppError::bad_input(field, "at most two decimals"))?;
    if !(0..=MAX_AMOUNT_FEN).contains(&c) {
        return Err(AppError::bad_input(field, "zero to 10,000,000,000"));
    }
    Ok(c)
}

fn check_targets(targets: &[super::types::ProjectTargetInput]) -> AppResult<Vec<Target>> {
    if targets.len() > 20 {
        return Err(AppError::bad_input("input.targets", "at most 20 targets"));
    }
    let mut out: Vec<Target> = Vec::new();
    for t in targets {
        let indicator = crate::write::text("input.targets.indicator", &t.indicator, 64)?;
        if out.iter().any(|o| o.indicator == indicator) {
            return Err(AppError::bad_input(
                "input.targets",
                format!("the indicator {indicator:?} is listed twice"),
            ));
        }
        out.push(Target {
            indicator,
            unit: crate::write::text("input.targets.unit", &t.unit, 32)?,
            target: centi("input.targets.target", &t.target.0)?,
            achieved: t
                .achieved
                .as_ref()
                .map(|a| centi("input.targets.achieved", &a.0))
                .transpose()?,
        });
    }
    Ok(out)
}

/// Sets the targets (each replaces the project's target of its indicator).
async fn write_targets<C: sea_orm::ConnectionTrait>(
    c: &C,
    project_id: i64,
    targets: Vec<Target>,
) -> AppResult<()> {
    use entity::project_target as pt;
    for t in targets {
        pt::Entity::delete_many()
            .filter(pt::Column::ProjectId.eq(project_id))
            .filter(pt::Column::Indicator.eq(t.indicator.as_str()))
            .exec(c)
            .await?;
        pt::ActiveModel {
            id: NotSet,
            project_id: Set(project_id),
            indicator: Set(t.indicator),
            unit: Set(t.unit),
            target_centi: Set(t.target),
            achieved_centi: Set(t.achieved),
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

fn check_library_year(y: Option<i32>) -> AppResult<()> {
    match y {
        Some(y) if !(2000..=2100).contains(&y) => Err(AppError::bad_input(
            "input.libraryYear",
            "a year from 2000 to 2100",
        )),
        _ => Ok(()),
    }
}

fn check_plan(start: Option<chrono::NaiveDate>, end: Option<chrono::NaiveDate>) -> AppResult<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(AppError::bad_input(
            "input.plannedEnd",
            format!("{e} is before the planned start {s}"),
        )),
        _ => Ok(()),
    }
}

/// The current performance targets of a project, for the audit image.
async fn targets_of<C: sea_orm::ConnectionTrait>(
    c: &C,
    project_id: i64,
) -> AppResult<Vec<entity::project_target::Model>> {
    use entity::project_target as pt;
    Ok(pt::Entity::find()
        .filter(pt::Column::ProjectId.eq(project_id))
        .order_by_asc(pt::Column::Id)
        .all(c)
        .await?)
}

pub async fn create(w: &Writer<'_>, input: CreateProjectInput) -> AppResult<Model> {
    w.require_user()?;
    let county = region_by_code(w.db, "input.countyCode", &input.county_code).await?;
    authorize(w, &county.code)?;
    if county.level != RegionLevel::County {
        return Err(AppError::bad_input(
            "input.countyCode",
            "project libraries are kept per county",
        ));
    }
    let village_id = match &input.village_code {
        Some(code) => {
            let v = region_by_code(w.db, "input.villageCode", code).await?;
            if v.level != RegionLevel::Village || !crate::region_code::covers(&county.code, &v.code)
            {
                return Err(AppError::bad_input(
                    "input.villageCode",
                    format!(
                        "{} is not a village of {} ({})",
                        v.code, county.code, county.name
                    ),
                ));
            }
            Some(v.id)
        }
        None => None,
    };
    let name = crate::write::text("input.name", &input.name, 200)?;
    let sector = crate::write::text("input.sector", &input.sector, 64)?;
    let budget = budget_fen(&input.budget.0)?;
    check_beneficiaries(input.beneficiaries)?;
    let status = input
        .status
        .map(ProjectStatus::from)
        .unwrap_or(ProjectStatus::Planned);
    if !matches!(status, ProjectStatus::Planned | ProjectStatus::InProgress) {
        return Err(AppError::bad_input(
            "input.status",
            "a new project is PLANNED or IN_PROGRESS",
        ));
    }
    check_library_year(input.library_year)?;
    check_plan(
        input.planned_start.map(|d| d.0),
        input.planned_end.map(|d| d.0),
    )?;
    let targets = check_targets(input.targets.as_deref().unwrap_or_default())?;
    let txn = w.db.begin().await?;
    let p = entity::project::ActiveModel {
        id: NotSet,
        county_id: Set(county.id),
        village_id: Set(village_id),
        name: Set(name),
        sector: Set(sector),
        budget_fen: Set(budget),
        beneficiaries: Set(input.beneficiaries),
        status: Set(status),
        created_at: Set(chrono::Utc::now()),
        library_year: Set(input.library_year),
        planned_start: Set(input.planned_start.map(|d| d.0)),
        planned_end: Set(input.planned_end.map(|d| d.0)),
        completed_on: Set(None),
        publicized_on: Set(None),
    }
    .insert(&txn)
    .await?;
    write_targets(&txn, p.id, targets).await?;
    let image = crate::write::with_note(&p, None);
    let image = with_targets(image, targets_of(&txn, p.id).await?);
    crate::audit::record(
        &txn,
        w,
        "createProject",
        ENTITY,
        p.id,
        None::<&()>,
        Some(&image),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

pub async fn update(w: &Writer<'_>, input: UpdateProjectInput) -> AppResult<Model> {
    w.require_user()?;
    let id = expect_global_id("input.projectId", &input.project_id, NodeKind::Project)?;
    let before = Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, input.project_id.as_str()))?;
    let county = region::Entity::find_by_id(before.county_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", before.county_id))?;
    authorize(w, &county.code)?;
    let mut am = before.clone().into_active_model();
    if let Some(n) = &input.name {
        am.name = Set(crate::write::text("input.name", n, 200)?);
    }
    if let Some(s) = &input.sector {
        am.sector = Set(crate::write::text("input.sector", s, 64)?);
    }
    if let Some(b) = &input.budget {
        am.budget_fen = Set(budget_fen(&b.0)?);
    }
    check_beneficiaries(input.beneficiaries)?;
    if let Some(n) = input.beneficiaries {
        am.beneficiaries = Set(Some(n));
    }
    if let Some(s) = input.status {
        let to = ProjectStatus::from(s);
        if !may_move(before.status, to) {
            return Err(illegal("project", before.status.as_str(), to.as_str()));
        }
        am.status = Set(to);
    }
    // Always write the status: the statement then has a column to set even when nothing changed.
    let status = input
        .status
        .map(ProjectStatus::from)
        .unwrap_or(before.status);
    am.status = Set(status);
    check_library_year(input.library_year)?;
    if let Some(y) = input.library_year {
        am.library_year = Set(Some(y));
    }
    let start = input.planned_start.map(|d| d.0).or(before.planned_start);
    let end = input.planned_end.map(|d| d.0).or(before.planned_end);
    check_plan(start, end)?;
    am.planned_start = Set(start);
    am.planned_end = Set(end);
    if let Some(d) = input.completed_on {
        crate::write::event_on("input.completedOn", d.0)?;
        if status != ProjectStatus::Completed {
            return Err(AppError::bad_input(
                "input.completedOn",
                "only a COMPLETED project has a completion date",
            ));
        }
    }
    if status == ProjectStatus::Completed && before.status != ProjectStatus::Completed {
        am.completed_on = Set(Some(
            input
                .completed_on
                .map(|d| d.0)
                .unwrap_or_else(crate::write::today),
        ));
    } else if let Some(d) = input.completed_on {
        am.completed_on = Set(Some(d.0));
    }
    let targets = check_targets(input.targets.as_deref().unwrap_or_default())?;
    let txn = w.db.begin().await?;
    let targets_before = targets_of(&txn, id).await?;
    // Only if nobody moved the project meanwhile: the status read is the one being changed.
    let done = Entity::update_many()
        .set(am)
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(before.status.as_str()))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "the project changed concurrently; it is no longer {}",
            before.status.as_str()
        )));
    }
    let after = Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    write_targets(&txn, id, targets).await?;
    let before_image = with_targets(crate::write::with_note(&before, None), targets_before);
    let after_image = with_targets(
        crate::write::with_note(&after, None),
        targets_of(&txn, id).await?,
    );
    crate::audit::record(
        &txn,
        w,
        "updateProject",
        ENTITY,
        id,
        Some(&before_image),
        Some(&after_image),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// An audit image of a project with its performance targets.
fn with_targets(
    mut image: serde_json::Value,
    targets: Vec<entity::project_target::Model>,
) -> serde_json::Value {
    if let Some(obj) = image.as_object_mut() {
        obj.insert(
            "targets".into(),
            serde_json::to_value(targets).unwrap_or_default(),
        );
    }
    image
}
