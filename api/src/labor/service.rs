//! Reading and writing labour placements. Any authenticated caller reads them; anonymous callers
//! see none.
use super::types::{LaborPlacementFilter, LaborPlacementOrder, LaborPlacementOrderField};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::enums::{PlacementStatus, RegionLevel};
use entity::labor_placement::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const ENTITY: &str = crate::global_id::NodeKind::LaborPlacement.tag();

/// The most people one placement record may carry.
const MAX_PEOPLE: i32 = 100_000;

/// Whether the caller may read placements at all.
pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

fn ordering(order: LaborPlacementOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        LaborPlacementOrderField::Id => Ordering {
            name: "placement.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        LaborPlacementOrderField::People => Ordering {
            name: "placement.people",
            column: Column::People,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.people.into()),
            row_id: |m| m.id,
        },
        LaborPlacementOrderField::StartOn => Ordering {
            name: "placement.start",
            column: Column::StartOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.start_on),
            row_id: |m| m.id,
        },
    }
}

/// One page of placements: the one read path of every placement list.
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: &LaborPlacementFilter,
    order: LaborPlacementOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !visible(identity) {
        q = q.filter(Expr::val(1).eq(0));
    }
    if let Some(y) = f.year {
        q = q.filter(crate::connection::int_eq(Column::Year, y.into()));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(PlacementStatus::from(s).as_str()));
    }
    if let Some(code) = &f.helper_code {
        q = q.filter(ExprTrait::eq(
            Column::HelperId.into_expr(),
            crate::organization::service::org_code_id(code),
        ));
    }
    if let Some(code) = &f.origin_county_code {
        check_code("filter.originCountyCode", code)?;
        q = q.filter(ExprTrait::eq(
            Column::OriginCountyId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        q = q.filter(ExprTrait::eq(
            Column::OriginProvinceId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    fetch_page(db, q, &ordering(order), args).await
}

// ---------------------------------------------------------------------------------------------
// Writing placements: record (the helper); confirm (the origin county).

use super::types::{ConfirmLaborPlacementInput, RecordLaborPlacementInput};
use crate::audit::Moved;
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::parties;
use crate::region_code;
use crate::write::{
    Writer, allow, event_on, illegal, opt_text, region_by_code, text, year_in_pairing,
};
use chrono::Datelike;
use sea_orm::{NotSet, Set};

/// The acts on a placement, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementAction {
    Record,
    Confirm,
}

/// The helper of the pairing records; a recipient whose region contains the origin county
/// confirms.
pub fn authorize(
    w: &Writer<'_>,
    action: PlacementAction,
    helper_code: &str,
    county: &str,
) -> AppResult<()> {
    match action {
        PlacementAction::Record => allow(
            w,
            w.is_helper(helper_code),
            "only the pairing's helper organization records its labour placements",
        ),
        PlacementAction::Confirm => allow(
            w,
            w.covers_region(county),
            "only a recipient whose region contains the origin county confirms a placement",
        ),
    }
}

pub async fn record(w: &Writer<'_>, input: RecordLaborPlacementInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, PlacementAction::Record, &p.helper_code, "")?;
    let county = region_by_code(w.db, "input.originCountyCode", &input.origin_county_code).await?;
    if county.level != RegionLevel::County {
        return Err(AppError::bad_input(
            "input.originCountyCode",
            format!("{} is not a county", county.code),
        ));
    }
    if !region_code::covers(&p.recipient.code, &county.code) {
        return Err(AppError::bad_input(
            "input.originCountyCode",
            format!(
                "{} lies outside the pairing's recipient {} ({})",
                county.code, p.recipient.code, p.recipient.name
            ),
        ));
    }
    let destination =
        region_by_code(w.db, "input.destinationCode", &input.destination_code).await?;
    let employer = text("input.employer", &input.employer, 200)?;
    if !(1..=MAX_PEOPLE).contains(&input.people) {
        return Err(AppError::bad_input(
            "input.people",
            format!("1 to {MAX_PEOPLE} people per record"),
        ));
    }
    if !(1..=120).contains(&input.months) {
        return Err(AppError::bad_input("input.months", "1 to 120 months"));
    }
    let start_on = input.start_on.0;
    event_on("input.startOn", start_on)?;
    year_in_pairing("input.startOn", start_on.year(), &p.pairing)?;
    let key = opt_text(
        "input.idempotencyKey",
        input.idempotency_key.as_deref(),
        128,
    )?;
    let hash = crate::write::request_hash(&serde_json::json!({
        "pairing": pairing_id,
        "county": county.code,
        "destination": destination.code,
        "employer": employer,
        "people": input.people,
        "startOn": start_on.to_string(),
        "months": input.months,
    }));
    if let Some(k) = &key
        && let Some(existing) = replay(w.db, k, &hash).await?
    {
        return Ok(existing);
    }
    let row = ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        helper_id: Set(p.pairing.helper_id),
        origin_county_id: Set(county.id),
        origin_province_id: Set(county.province_id.unwrap_or(county.id)),
        destination_id: Set(destination.id),
        employer: Set(employer),
        people: Set(input.people),
        start_on: Set(start_on),
        months: Set(input.months),
        year: Set(start_on.year()),
        status: Set(PlacementStatus::Recorded),
        confirmed_on: Set(None),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
    };
    crate::audit::insert_once(
        w,
        "recordLaborPlacement",
        ENTITY,
        row,
        |m| m.id,
        || async {
            match &key {
                Some(k) => replay(w.db, k, &hash).await,
                None => Ok(None),
            }
        },
    )
    .await
}

/// The placement recorded under `key`, if its request matches `hash`; CONFLICT if it does not.
async fn replay(
    db: &sea_orm::DatabaseConnection,
    key: &str,
    hash: &str,
) -> AppResult<Option<Model>> {
    let Some(existing) = Entity::find()
        .filter(Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if existing.request_hash.as_deref() == Some(hash) {
        Ok(Some(existing))
    } else {
        Err(AppError::Conflict(
            "this idempotency key was already used for a different placement".into(),
        ))
    }
}

pub async fn confirm(w: &Writer<'_>, input: ConfirmLaborPlacementInput) -> AppResult<Model> {
    w.require_user()?;
    let n = expect_global_id(
        "input.laborPlacementId",
        &input.labor_placement_id,
        NodeKind::LaborPlacement,
    )?;
    let l = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, input.labor_placement_id.as_str()))?;
    let county = entity::region::Entity::find_by_id(l.origin_county_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", l.origin_county_id))?;
    authorize(w, PlacementAction::Confirm, "", &county.code)?;
    let on = input.confirmed_on.0;
    event_on("input.confirmedOn", on)?;
    if on < l.start_on {
        return Err(AppError::bad_input(
            "input.confirmedOn",
            format!(
                "confirmed on {on}, before the jobs started on {}",
                l.start_on
            ),
        ));
    }
    if l.status != PlacementStatus::Recorded {
        return Err(illegal("placement", l.status.as_str(), "CONFIRMED"));
    }
    // Only if nobody confirmed it first.
    let update = Entity::update_many()
        .col_expr(
            Column::Status,
            Expr::value(PlacementStatus::Confirmed.as_str()),
        )
        .col_expr(Column::ConfirmedOn, Expr::value(on))
        .filter(Column::Id.eq(l.id))
        .filter(Column::Status.eq(l.status.as_str()));
    let conflict = "the placement changed concurrently; it is no longer RECORDED".to_string();
    match crate::audit::move_row(w, update, async { Ok(None) }, conflict).await? {
        Moved::Open(txn) => {
            crate::audit::settle::<Entity>(txn, w, "confirmLaborPlacement", ENTITY, &l, l.id).await
        }
        Moved::Replayed(now) => Ok(now),
    }
}

/// The helper corrects a placement while answering a dispute (within the dispute's
/// transaction): its start (in the placement's year, not after its confirmation). Only if
/// nobody changed it first; audited with the values before and after.
pub async fn correct<C: sea_orm::ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    l: &Model,
    on: chrono::NaiveDate,
) -> AppResult<Model> {
    let field = "input.correction.on";
    event_on(field, on)?;
    if chrono::Datelike::year(&on) != l.year {
        return Err(AppError::bad_input(
            field,
            format!("{on} is not in the placement's year {}", l.year),
        ));
    }
    if let Some(confirmed) = l.confirmed_on
        && on > confirmed
    {
        return Err(AppError::bad_input(
            field,
            format!("a start on {on} is after the confirmation on {confirmed}"),
        ));
    }
    let update = Entity::update_many()
        .col_expr(Column::StartOn, Expr::value(on))
        .filter(Column::Id.eq(l.id))
        .filter(Column::Status.eq(l.status.as_str()))
        .filter(Column::StartOn.eq(l.start_on));
    let conflict = AppError::Conflict("the placement changed concurrently; read it again".into());
    let what = ("correctLaborPlacement", ENTITY, l.id);
    crate::audit::change(c, w, update, what, l, crate::audit::as_is, conflict).await
}
