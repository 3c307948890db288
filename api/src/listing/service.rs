//! Reading and writing supervision listings. Anyone reads them (like a region's poverty status);
//! the national office lists and lifts; it or the supervising province's government (a RECIPIENT
//! token scoped to that province) keeps the combat plan.
use super::types::{
    LiftSupervisionListingInput, ListForSupervisionInput, SupervisionListingFilter,
    SupervisionListingOrder, SupervisionListingOrderField, UpdateCombatPlanInput,
};
use crate::batch::Loaders;
use crate::batch::child_page;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::global_id::{NodeKind, expect_global_id};
use crate::region_code;
use crate::write::{Writer, allow, event_on, opt_text, region_by_code};
use chrono::Datelike;
use entity::enums::{CombatPlanStatus, RegionLevel};
use entity::region;
use entity::supervision_listing::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Select, Set,
};

const ENTITY: &str = crate::global_id::NodeKind::SupervisionListing.tag();

fn ordering(order: SupervisionListingOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        SupervisionListingOrderField::Id => Ordering {
            name: "listing.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        SupervisionListingOrderField::ListedOn => Ordering {
            name: "listing.on",
            column: Column::ListedOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.listed_on),
            row_id: |m| m.id,
        },
    }
}

/// The ids of the regions with a standing listing (of any year): what `listedForSupervision`
/// and the `listedOnly` filters read.
pub fn active_region_ids() -> SelectStatement {
    Query::select()
        .column(Column::RegionId)
        .from(Entity)
        .and_where(Column::LiftedOn.is_null())
        .to_owned()
}

/// A listing list: its filter (codes checked) and order.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ListingListSpec {
    pub year: Option<i32>,
    pub level: Option<RegionLevel>,
    pub province_code: Option<String>,
    /// LIKE pattern of the codes within the region.
    pub region_pattern: Option<String>,
    pub active: Option<bool>,
    pub status: Option<CombatPlanStatus>,
    pub order: SupervisionListingOrder,
}

fn spec(f: SupervisionListingFilter, order: SupervisionListingOrder) -> AppResult<ListingListSpec> {
    let level = f.level.map(RegionLevel::from);
    if let Some(l) = level
        && !matches!(l, RegionLevel::County | RegionLevel::Village)
    {
        return Err(AppError::bad_input(
            "filter.level",
            "counties and villages are listed: COUNTY or VILLAGE",
        ));
    }
    if let Some(code) = &f.province_code {
        region_code::check("filter.provinceCode", code)?;
    }
    let region_pattern = f
        .region_code
        .map(|code| {
            region_code::within_pattern(&code)
                .map_err(|_| AppError::bad_input("filter.regionCode", "not a GB/T 2260 code"))
        })
        .transpose()?;
    Ok(ListingListSpec {
        year: f.year,
        level,
        province_code: f.province_code,
        region_pattern,
        active: f.active,
        status: f.combat_plan_status.map(Into::into),
        order,
    })
}

/// The filtered select and ordering of a listing list.
pub fn build(spec: &ListingListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let mut q = Entity::find();
    if let Some(y) = spec.year {
        q = q.filter(Column::Year.eq(y));
    }
    match spec.active {
        Some(true) => q = q.filter(Column::LiftedOn.is_null()),
        Some(false) => q = q.filter(Column::LiftedOn.is_not_null()),
        None => {}
    }
    if let Some(s) = spec.status {
        q = q.filter(Column::CombatPlanStatus.eq(s.as_str()));
    }
    if spec.level.is_some() || spec.province_code.is_some() || spec.region_pattern.is_some() {
        let mut regions = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .to_owned();
        if let Some(l) = spec.level {
            regions.and_where(region::Column::Level.eq(l.as_str()));
        }
        if let Some(code) = &spec.province_code {
            regions.and_where(ExprTrait::eq(
                Expr::col(region::Column::ProvinceId),
                crate::region::service::code_id(code),
            ));
        }
        if let Some(pattern) = &spec.region_pattern {
            regions.and_where(region::Column::Code.like(pattern.as_str()));
        }
        q = q.filter(Column::RegionId.in_subquery(regions));
    }
    Ok((q, ordering(spec.order)))
}

/// One page of listings: the one read path of every listing list. Under a region the page is
/// batched with its sibling pages through the request's loader.
pub async fn page(
    db: &Db,
    loaders: &Loaders,
    filter: SupervisionListingFilter,
    region_id: Option<i64>,
    order: SupervisionListingOrder,
    args: PageArgs,
    with_total: bool,
) -> AppResult<Page<Model>> {
    let spec = spec(filter, order)?;
    match region_id {
        Some(id) => {
            let loader = loaders.get::<ListingsByRegion>();
            child_page(&loader.0, id, spec, args, with_total).await
        }
        None => {
            let (select, ordering) = build(&spec)?;
            fetch_page(db, select, &ordering, &args).await
        }
    }
}

crate::child_page_loader!(
    /// The `supervisionListings` pages of a request's regions.
    ListingsByRegion,
    supervision_listing,
    ListingListSpec,
    build,
    RegionId,
    |m| m.region_id
);

// ---------------------------------------------------------------------------------------------
// Writing listings.

/// The acts on listings, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingAction {
    /// List a region or lift a listing.
    ListOrLift,
    /// Record the combat plan.
    CombatPlan,
}

/// The national office lists and lifts; the combat plan is also kept by the supervising
/// province's government: a recipient whose region is that province.
pub fn authorize(w: &Writer<'_>, action: ListingAction, province_code: &str) -> AppResult<()> {
    match action {
        ListingAction::ListOrLift => allow(
            w,
            w.identity.is_admin(),
            "only the national office (ADMIN) lists regions for supervision and lifts listings",
        ),
        ListingAction::CombatPlan => allow(
            w,
            w.identity.is_admin() || w.identity.recipient_region() == Some(province_code),
            "only the national office (ADMIN) or the supervising province's government records a combat plan",
        ),
    }
}

/// A county or village, or BAD_USER_INPUT naming `field`.
fn listable(field: &str, r: &region::Model) -> AppResult<()> {
    if matches!(r.level, RegionLevel::County | RegionLevel::Village) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            format!(
                "{} is a {}; counties and villages are listed",
                r.code,
                r.level.as_str()
            ),
        ))
    }
}

fn check_year(year: i32) -> AppResult<()> {
    if (1996..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "input.year",
            "a year between 1996 and 2100",
        ))
    }
}

fn plan_reference(value: Option<&str>) -> AppResult<Option<String>> {
    opt_text("input.combatPlanReference", value, 200)
}

async fn existing<C: ConnectionTrait>(
    c: &C,
    region_id: i64,
    year: i32,
) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::RegionId.eq(region_id))
        .filter(Column::Year.eq(year))
        .one(c)
        .await?)
}

/// The listing the request would write equals `m` (a retry), else CONFLICT.
fn same_or_conflict(m: Model, new: &ActiveModel) -> AppResult<Model> {
    let same = Set(m.listed_on) == new.listed_on
        && Set(m.supervising_province_id) == new.supervising_province_id
        && Set(m.combat_plan_reference.clone()) == new.combat_plan_reference
        && Set(m.combat_plan_status) == new.combat_plan_status
        && m.lifted_on.is_none();
    if same {
        Ok(m)
    } else {
        Err(AppError::Conflict(format!(
            "the region is already listed for {}; lift or update that listing",
            m.year
        )))
    }
}

pub async fn list(w: &Writer<'_>, input: ListForSupervisionInput) -> AppResult<Model> {
    authorize(w, ListingAction::ListOrLift, "")?;
    let r = region_by_code(w.db, "input.regionCode", &input.region_code).await?;
    listable("input.regionCode", &r)?;
    check_year(input.year)?;
    let on = input.listed_on.0;
    event_on("input.listedOn", on)?;
    if on.year() != input.year {
        return Err(AppError::bad_input(
            "input.listedOn",
            format!("{on} lies outside {}", input.year),
        ));
    }
    let province_id = match &input.supervising_province_code {
        Some(code) => {
            let p = region_by_code(w.db, "input.supervisingProvinceCode", code).await?;
            if p.level != RegionLevel::Province {
                return Err(AppError::bad_input(
                    "input.supervisingProvinceCode",
                    format!("{} is a {}, not a province", p.code, p.level.as_str()),
                ));
            }
            p.id
        }
        None => r
            .province_id
            .ok_or_else(|| AppError::Internal(format!("region {} has no province", r.code)))?,
    };
    let now = chrono::Utc::now();
    let row = ActiveModel {
        id: NotSet,
        region_id: Set(r.id),
        year: Set(input.year),
        listed_on: Set(on),
        lifted_on: Set(None),
        supervising_province_id: Set(province_id),
        combat_plan_reference: Set(plan_reference(input.combat_plan_reference.as_deref())?),
        combat_plan_status: Set(input
            .combat_plan_status
            .map(Into::into)
            .unwrap_or(CombatPlanStatus::None)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // A retry of the same listing answers with it; a different one for the year is a CONFLICT.
    if let Some(m) = existing(w.db, r.id, input.year).await? {
        return same_or_conflict(m, &row);
    }
    let check = row.clone();
    crate::audit::insert_once(
        w,
        "listForSupervision",
        ENTITY,
        row,
        |m| m.id,
        || async {
            match existing(w.db, r.id, input.year).await? {
                Some(m) => same_or_conflict(m, &check).map(Some),
                None => Ok(None),
            }
        },
    )
    .await
}

async fn load(w: &Writer<'_>, id: &str) -> AppResult<(Model, String)> {
    let n = expect_global_id(
        "input.supervisionListingId",
        id,
        NodeKind::SupervisionListing,
    )?;
    let m = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    let province = region::Entity::find_by_id(m.supervising_province_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", m.supervising_province_id))?;
    Ok((m, province.code))
}

/// Writes `set` on the listing if it still stands as `before` was read (lifted or not), with its
/// audit event.
async fn write(
    w: &Writer<'_>,
    action: &str,
    before: &Model,
    set: Vec<(Column, sea_orm::Value)>,
) -> AppResult<Model> {
    let mut q = Entity::update_many().col_expr(Column::UpdatedAt, Expr::value(chrono::Utc::now()));
    for (col, val) in set {
        q = q.col_expr(col, Expr::value(val));
    }
    let q = q.filter(Column::Id.eq(before.id));
    let q = match before.lifted_on {
        Some(d) => q.filter(Column::LiftedOn.eq(d)),
        None => q.filter(Column::LiftedOn.is_null()),
    };
    let conflict = AppError::Conflict("the listing changed concurrently; read it again".into());
    let what = (action, ENTITY, before.id);
    crate::audit::change_alone(w, q, what, before, crate::audit::as_is, conflict).await
}

pub async fn lift(w: &Writer<'_>, input: LiftSupervisionListingInput) -> AppResult<Model> {
    authorize(w, ListingAction::ListOrLift, "")?;
    let (m, _) = load(w, &input.supervision_listing_id).await?;
    let on = input.lifted_on.0;
    event_on("input.liftedOn", on)?;
    if on < m.listed_on {
        return Err(AppError::bad_input(
            "input.liftedOn",
            format!("lifted on {on}, before it was listed on {}", m.listed_on),
        ));
    }
    match m.lifted_on {
        // A retry answers with the listing as lifted.
        Some(d) if d == on => Ok(m),
        Some(d) => Err(AppError::Conflict(format!("the listing was lifted on {d}"))),
        None => {
            write(
                w,
                "liftSupervisionListing",
                &m,
                vec![(Column::LiftedOn, on.into())],
            )
            .await
        }
    }
}

pub async fn update_combat_plan(w: &Writer<'_>, input: UpdateCombatPlanInput) -> AppResult<Model> {
    w.require_user()?;
    let (m, province) = load(w, &input.supervision_listing_id).await?;
    authorize(w, ListingAction::CombatPlan, &province)?;
    let status = CombatPlanStatus::from(input.combat_plan_status);
    let mut set = vec![(Column::CombatPlanStatus, status.as_str().into())];
    let reference = plan_reference(input.combat_plan_reference.as_deref())?;
    if let Some(r) = &reference {
        set.push((Column::CombatPlanReference, r.clone().into()));
    }
    if status != CombatPlanStatus::None && reference.is_none() && m.combat_plan_reference.is_none()
    {
        return Err(AppError::bad_input(
            "input.combatPlanReference",
            "a combat plan beyond NONE needs its document reference",
        ));
    }
    write(w, "updateCombatPlan", &m, set).await
}

/// `createRegion`/`updateRegion(listedForSupervision: true)`: lists the region for the current
/// year (today, supervised by its own province) unless it already has a standing listing.
pub async fn list_this_year<C: ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    r: &region::Model,
) -> AppResult<()> {
    listable("input.listedForSupervision", r)?;
    let standing = Entity::find()
        .filter(Column::RegionId.eq(r.id))
        .filter(Column::LiftedOn.is_null())
        .one(c)
        .await?;
    if standing.is_some() {
        return Ok(());
    }
    let today = crate::write::today();
    if existing(c, r.id, today.year()).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the region's {} listing was lifted; list it again with listForSupervision",
            today.year()
        )));
    }
    let now = chrono::Utc::now();
    let m = ActiveModel {
        id: NotSet,
        region_id: Set(r.id),
        year: Set(today.year()),
        listed_on: Set(today),
        lifted_on: Set(None),
        supervising_province_id: Set(r.province_id.unwrap_or(r.id)),
        combat_plan_reference: Set(None),
        combat_plan_status: Set(CombatPlanStatus::None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    crate::audit::record(
        c,
        w,
        "listForSupervision",
        ENTITY,
        m.id,
        None::<&()>,
        Some(&m),
    )
    .await
}

/// `updateRegion(listedForSupervision: false)`: lifts the region's standing listings today.
pub async fn lift_standing<C: ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    r: &region::Model,
) -> AppResult<()> {
    let standing = Entity::find()
        .filter(Column::RegionId.eq(r.id))
        .filter(Column::LiftedOn.is_null())
        .all(c)
        .await?;
    let today = crate::write::today();
    for before in standing {
        let mut am: ActiveModel = before.clone().into();
        am.lifted_on = Set(Some(Ord::max(today, before.listed_on)));
        am.updated_at = Set(chrono::Utc::now());
        let after = am.update(c).await?;
        crate::audit::record(
            c,
            w,
            "liftSupervisionListing",
            ENTITY,
            after.id,
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}

/// Whether each region has a standing listing, in one statement.
pub async fn standing(db: &Db, region_ids: &[i64]) -> AppResult<std::collections::HashSet<i64>> {
    let filter = crate::connection::id_in(
        db.get_database_backend(),
        Column::RegionId,
        region_ids.iter().copied(),
    );
    let rows = Entity::find()
        .filter(filter)
        .filter(Column::LiftedOn.is_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| m.region_id).collect())
}
