//! Reading and writing produce deals. Any authenticated caller reads them; anonymous callers see
//! none.
use super::types::{ProduceDealFilter, ProduceDealOrder, ProduceDealOrderField};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::enums::{DealKind, DealStatus, RegionLevel};
use entity::produce_deal::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const ENTITY: &str = crate::global_id::NodeKind::ProduceDeal.tag();

/// Whether the caller may read deals at all.
pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

fn ordering(order: ProduceDealOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ProduceDealOrderField::Id => Ordering {
            name: "deal.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ProduceDealOrderField::Amount => Ordering {
            name: "deal.amount",
            column: Column::AmountFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.amount_fen),
            row_id: |m| m.id,
        },
        ProduceDealOrderField::DealOn => Ordering {
            name: "deal.on",
            column: Column::DealOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.deal_on),
            row_id: |m| m.id,
        },
    }
}

/// One page of deals: the one read path of every deal list.
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: &ProduceDealFilter,
    order: ProduceDealOrder,
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
        q = q.filter(Column::Status.eq(DealStatus::from(s).as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(Column::Kind.eq(DealKind::from(k).as_str()));
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
// Writing deals: record (the helper); confirm or dispute (the origin county).

use super::types::{ConfirmProduceDealInput, DisputeProduceDealInput, RecordProduceDealInput};
use crate::audit::Moved;
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::parties;
use crate::region_code;
use crate::write::{
    Writer, allow, amount_fen, event_on, illegal, opt_text, region_by_code, text, year_in_pairing,
};
use chrono::Datelike;
use sea_orm::{NotSet, Set};

/// The acts on a deal, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealAction {
    Record,
    Answer,
}

/// The helper of the pairing records; a recipient whose region contains the origin county
/// confirms or disputes.
pub fn authorize(
    w: &Writer<'_>,
    action: DealAction,
    helper_code: &str,
    county: &str,
) -> AppResult<()> {
    match action {
        DealAction::Record => allow(
            w,
            w.is_helper(helper_code),
            "only the pairing's helper organization records its produce deals",
        ),
        DealAction::Answer => allow(
            w,
            w.covers_region(county),
            "only a recipient whose region contains the origin county confirms or disputes a deal",
        ),
    }
}

pub async fn record(w: &Writer<'_>, input: RecordProduceDealInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, DealAction::Record, &p.helper_code, "")?;
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
    let buyer = text("input.buyer", &input.buyer, 200)?;
    let product = text("input.product", &input.product, 200)?;
    let amount = amount_fen("input.amount", &input.amount.0)?;
    let deal_on = input.deal_on.0;
    event_on("input.dealOn", deal_on)?;
    year_in_pairing("input.dealOn", deal_on.year(), &p.pairing)?;
    let evidence = opt_text("input.evidenceRef", input.evidence_ref.as_deref(), 200)?;
    let key = opt_text(
        "input.idempotencyKey",
        input.idempotency_key.as_deref(),
        128,
    )?;
    let kind = DealKind::from(input.kind);
    let hash = crate::write::request_hash(&serde_json::json!({
        "pairing": pairing_id,
        "county": county.code,
        "buyer": buyer,
        "product": product,
        "kind": kind.as_str(),
        "amountFen": amount,
        "dealOn": deal_on.to_string(),
        "evidenceRef": evidence,
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
        kind: Set(kind),
        buyer: Set(buyer),
        product: Set(product),
        amount_fen: Set(amount),
        deal_on: Set(deal_on),
        year: Set(deal_on.year()),
        evidence_ref: Set(evidence),
        status: Set(DealStatus::Recorded),
        confirmed_on: Set(None),
        dispute_reason: Set(None),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
    };
    crate::audit::insert_once(
        w,
        "recordProduceDeal",
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

/// The deal recorded under `key`, if its request matches `hash`; CONFLICT if it does not.
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
            "this idempotency key was already used for a different deal".into(),
        ))
    }
}

/// A deal and its origin county's code, for the county's answer.
async fn load(w: &Writer<'_>, id: &str) -> AppResult<(Model, String)> {
    let n = expect_global_id("input.produceDealId", id, NodeKind::ProduceDeal)?;
    let d = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    let county = entity::region::Entity::find_by_id(d.origin_county_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", d.origin_county_id))?;
    Ok((d, county.code))
}

/// Moves a deal from RECORDED to `to`, only if nobody answered first.
async fn answer(
    w: &Writer<'_>,
    action: &str,
    d: &Model,
    to: DealStatus,
    set: (Column, sea_orm::Value),
) -> AppResult<Model> {
    if d.status != DealStatus::Recorded {
        return Err(illegal("deal", d.status.as_str(), to.as_str()));
    }
    let update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(to.as_str()))
        .col_expr(set.0, Expr::value(set.1))
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(d.status.as_str()));
    let conflict = format!(
        "the deal changed concurrently; it is no longer {}",
        d.status.as_str()
    );
    match crate::audit::move_row(w, update, async { Ok(None) }, conflict).await? {
        Moved::Open(txn) => crate::audit::settle::<Entity>(txn, w, action, ENTITY, d, d.id).await,
        Moved::Replayed(now) => Ok(now),
    }
}

pub async fn confirm(w: &Writer<'_>, input: ConfirmProduceDealInput) -> AppResult<Model> {
    w.require_user()?;
    let (d, county) = load(w, &input.produce_deal_id).await?;
    authorize(w, DealAction::Answer, "", &county)?;
    let on = input.confirmed_on.0;
    event_on("input.confirmedOn", on)?;
    if on < d.deal_on {
        return Err(AppError::bad_input(
            "input.confirmedOn",
            format!("confirmed on {on}, before the deal on {}", d.deal_on),
        ));
    }
    answer(
        w,
        "confirmProduceDeal",
        &d,
        DealStatus::Confirmed,
        (Column::ConfirmedOn, on.into()),
    )
    .await
}

/// The origin county disputes a deal: the shared dispute mechanism opens a dispute about it and
/// moves the deal RECORDED → DISPUTED in one transaction (see `dispute::service::open`).
pub async fn dispute(w: &Writer<'_>, input: DisputeProduceDealInput) -> AppResult<Model> {
    let id = input.produce_deal_id.clone();
    w.require_user()?;
    let (_, county) = load(w, &id).await?;
    // This act stays the origin county's (openDispute lets ADMIN dispute too).
    authorize(w, DealAction::Answer, "", &county)?;
    let n = expect_global_id("input.produceDealId", &id, NodeKind::ProduceDeal)?;
    crate::dispute::service::open(
        w,
        crate::dispute::types::OpenDisputeInput {
            subject_id: input.produce_deal_id,
            reason: input.reason,
        },
    )
    .await
    .map_err(|e| rename_field(e, "input.subjectId", "input.produceDealId"))?;
    Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id.as_str()))
}

/// The same error naming the deal's argument instead of the dispute's.
fn rename_field(e: AppError, from: &str, to: &str) -> AppError {
    match e {
        AppError::BadInput { field, message } if field == from => AppError::BadInput {
            field: to.into(),
            message,
        },
        other => other,
    }
}

/// Marks a deal disputed or back to recorded when a dispute about it opens or is resolved
/// (within the dispute's transaction): RECORDED → DISPUTED or DISPUTED → RECORDED, only if
/// nobody moved it first. `reason` is kept as the deal's `disputeReason`.
pub async fn mark_disputed<C: sea_orm::ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    d: &Model,
    disputed: bool,
    reason: Option<&str>,
) -> AppResult<Model> {
    let (from, to, action) = if disputed {
        (
            DealStatus::Recorded,
            DealStatus::Disputed,
            "disputeProduceDeal",
        )
    } else {
        (
            DealStatus::Disputed,
            DealStatus::Recorded,
            "reopenProduceDeal",
        )
    };
    if d.status != from {
        return Err(illegal("deal", d.status.as_str(), to.as_str()));
    }
    let mut q = Entity::update_many().col_expr(Column::Status, Expr::value(to.as_str()));
    if let Some(r) = reason {
        q = q.col_expr(Column::DisputeReason, Expr::value(r));
    }
    let update = q
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(from.as_str()));
    let conflict = AppError::Conflict(format!(
        "the deal changed concurrently; it is no longer {}",
        from.as_str()
    ));
    crate::audit::change(
        c,
        w,
        update,
        (action, ENTITY, d.id),
        d,
        crate::audit::as_is,
        conflict,
    )
    .await
}

/// The helper corrects a deal while answering a dispute (within the dispute's transaction): its
/// amount and its date (in the same year, not in the future). Only if nobody changed it first;
/// audited with the values before and after.
pub async fn correct<C: sea_orm::ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    d: &Model,
    amount: Option<i64>,
    on: Option<chrono::NaiveDate>,
) -> AppResult<Model> {
    let mut q = Entity::update_many();
    if let Some(a) = amount {
        q = q.col_expr(Column::AmountFen, Expr::value(a));
    }
    if let Some(day) = on {
        event_on("input.correction.on", day)?;
        if day.year() != d.year {
            return Err(AppError::bad_input(
                "input.correction.on",
                format!("{day} is not in the deal's year {}", d.year),
            ));
        }
        q = q.col_expr(Column::DealOn, Expr::value(day));
    }
    let update = q
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(d.status.as_str()))
        .filter(Column::AmountFen.eq(d.amount_fen))
        .filter(Column::DealOn.eq(d.deal_on));
    let conflict = AppError::Conflict("the deal changed concurrently; read it again".into());
    let what = ("correctProduceDeal", ENTITY, d.id);
    crate::audit::change(c, w, update, what, d, crate::audit::as_is, conflict).await
}
