//! Reading and writing disputes. Any authenticated caller reads them; anonymous callers see none.
//!
//! The state machine, one for the four kinds of record:
//! `OPEN` (the recipient raised it) → `ANSWERED` (the helper answered, perhaps correcting its
//! record) → `RESOLVED` (the recipient, or ADMIN, closed it); `OPEN` → `RESOLVED` directly too.
//! A record has at most one unresolved dispute (a unique key held while unresolved); once
//! resolved, a new one may be raised. Every step is a conditional UPDATE in a transaction with
//! its audit event, and a retry of a step already taken returns the dispute as it stands.
use super::types::{DisputeFilter, DisputeOrder, DisputeOrderField};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::dispute::{ActiveModel, Column, Entity, Model};
use entity::enums::{DealStatus, DisputeStatus, DisputeSubjectKind, TransferStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

const ENTITY: &str = crate::global_id::NodeKind::Dispute.tag();

/// Whether the caller may read disputes at all.
pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

fn ordering(order: DisputeOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        DisputeOrderField::Id => Ordering {
            name: "dispute.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
    }
}

/// The statuses of an unresolved dispute.
const UNRESOLVED: [DisputeStatus; 2] = [DisputeStatus::Open, DisputeStatus::Answered];

/// One page of disputes: the one read path of every dispute list.
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: &DisputeFilter,
    order: DisputeOrder,
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
        q = q.filter(Column::Status.eq(DisputeStatus::from(s).as_str()));
    }
    if f.unresolved_only == Some(true) {
        q = q.filter(Column::Status.is_in(UNRESOLVED.iter().map(DisputeStatus::as_str)));
    }
    if let Some(k) = f.subject_kind {
        q = q.filter(Column::SubjectKind.eq(DisputeSubjectKind::from(k).as_str()));
    }
    if let Some(id) = &f.subject_id {
        let (kind, n) = subject_of("filter.subjectId", id)?;
        q = q
            .filter(Column::SubjectKind.eq(kind.as_str()))
            .filter(Column::SubjectId.eq(n));
    }
    if let Some(code) = &f.helper_code {
        q = q.filter(ExprTrait::eq(
            Column::HelperId.into_expr(),
            crate::organization::service::org_code_id(code),
        ));
    }
    if let Some(code) = &f.region_code {
        check_code("filter.regionCode", code)?;
        let pattern = crate::region_code::within_pattern(code)
            .map_err(|e| AppError::bad_input("filter.regionCode", e.to_string()))?;
        q = q.filter(
            Column::RegionId.in_subquery(
                Query::select()
                    .column(entity::region::Column::Id)
                    .from(entity::region::Entity)
                    .and_where(entity::region::Column::Code.like(pattern))
                    .take(),
            ),
        );
    }
    fetch_page(db, q, &ordering(order), args).await
}

/// The kind and row id of a disputable record's global id.
fn subject_of(field: &str, id: &str) -> AppResult<(DisputeSubjectKind, i64)> {
    let (kind, n) = parse_global_id(field, id)?;
    let kind = match kind {
        NodeKind::FundTransfer => DisputeSubjectKind::FundTransfer,
        NodeKind::PersonnelDispatch => DisputeSubjectKind::PersonnelDispatch,
        NodeKind::ProduceDeal => DisputeSubjectKind::ProduceDeal,
        NodeKind::LaborPlacement => DisputeSubjectKind::LaborPlacement,
        _ => {
            return Err(AppError::bad_input(
                field,
                "a dispute concerns a fund transfer, a personnel dispatch, a produce deal or a labour placement",
            ));
        }
    };
    Ok((kind, n))
}

// ---------------------------------------------------------------------------------------------
// Writing disputes: open and resolve (the recipient, or ADMIN); answer (the helper, or ADMIN).

use super::types::{AnswerDisputeInput, OpenDisputeInput, ResolveDisputeInput};
use crate::audit::Moved;
use crate::global_id::{NodeKind, expect_global_id, parse_global_id};
use crate::write::{Writer, allow, amount_fen, illegal, text};
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, Set, TransactionTrait};

/// The acts on a dispute, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeAction {
    Open,
    Answer,
    Resolve,
}

/// A recipient whose region contains the record's region opens and resolves; the record's
/// helper answers; ADMIN may do all three.
pub fn authorize(
    w: &Writer<'_>,
    action: DisputeAction,
    helper_code: &str,
    region_code: &str,
) -> AppResult<()> {
    let admin = w.identity.is_admin();
    match action {
        DisputeAction::Open | DisputeAction::Resolve => allow(
            w,
            admin || w.covers_region(region_code),
            "only a recipient whose region contains the record's region (or ADMIN) disputes a record or resolves its dispute",
        ),
        DisputeAction::Answer => allow(
            w,
            admin || w.is_helper(helper_code),
            "only the record's helper organization (or ADMIN) answers a dispute",
        ),
    }
}

/// A disputed record as the dispute needs it: whose it is, where, which year, and the row.
struct Record {
    pairing_id: i64,
    helper_id: i64,
    region_id: i64,
    province_id: i64,
    year: i32,
    row: Row,
}

enum Row {
    Transfer(entity::fund_transfer::Model),
    Dispatch(entity::personnel_dispatch::Model),
    Deal(entity::produce_deal::Model),
    Placement(entity::labor_placement::Model),
}

impl Record {
    /// The amount and date a correction replaces.
    fn amount_and_on(&self) -> (Option<i64>, Option<chrono::NaiveDate>) {
        match &self.row {
            Row::Transfer(t) => (Some(t.amount_fen), t.allocated_on),
            Row::Dispatch(d) => (None, Some(d.start_on)),
            Row::Deal(d) => (Some(d.amount_fen), Some(d.deal_on)),
            Row::Placement(l) => (None, Some(l.start_on)),
        }
    }

    /// Whether the record may be disputed as it stands.
    fn disputable(&self) -> AppResult<()> {
        match &self.row {
            Row::Transfer(t)
                if !matches!(
                    t.status,
                    TransferStatus::Allocated | TransferStatus::Received
                ) =>
            {
                Err(AppError::Conflict(format!(
                    "a transfer is disputed once paid out (ALLOCATED or RECEIVED); this one is {}",
                    t.status.as_str()
                )))
            }
            Row::Deal(d) if d.status != DealStatus::Recorded => Err(illegal(
                "deal",
                d.status.as_str(),
                DealStatus::Disputed.as_str(),
            )),
            _ => Ok(()),
        }
    }
}

/// Loads the record of `kind` with row id `n`; `field` names the argument for the error.
async fn record<C: ConnectionTrait>(
    c: &C,
    field: &str,
    kind: DisputeSubjectKind,
    n: i64,
) -> AppResult<Record> {
    let missing = || AppError::bad_input(field, "no such record");
    Ok(match kind {
        DisputeSubjectKind::FundTransfer => {
            let t = entity::fund_transfer::Entity::find_by_id(n)
                .one(c)
                .await?
                .ok_or_else(missing)?;
            Record {
                pairing_id: t.pairing_id,
                helper_id: t.helper_id,
                region_id: t.recipient_id,
                province_id: t.recipient_province_id,
                year: t.year,
                row: Row::Transfer(t),
            }
        }
        DisputeSubjectKind::PersonnelDispatch => {
            let d = entity::personnel_dispatch::Entity::find_by_id(n)
                .one(c)
                .await?
                .ok_or_else(missing)?;
            Record {
                pairing_id: d.pairing_id,
                helper_id: d.helper_id,
                region_id: d.recipient_id,
                province_id: d.recipient_province_id,
                year: d.year,
                row: Row::Dispatch(d),
            }
        }
        DisputeSubjectKind::ProduceDeal => {
            let d = entity::produce_deal::Entity::find_by_id(n)
                .one(c)
                .await?
                .ok_or_else(missing)?;
            Record {
                pairing_id: d.pairing_id,
                helper_id: d.helper_id,
                region_id: d.origin_county_id,
                province_id: d.origin_province_id,
                year: d.year,
                row: Row::Deal(d),
            }
        }
        DisputeSubjectKind::LaborPlacement => {
            let l = entity::labor_placement::Entity::find_by_id(n)
                .one(c)
                .await?
                .ok_or_else(missing)?;
            Record {
                pairing_id: l.pairing_id,
                helper_id: l.helper_id,
                region_id: l.origin_county_id,
                province_id: l.origin_province_id,
                year: l.year,
                row: Row::Placement(l),
            }
        }
    })
}

/// The helper's organization code and the region's code of a record or dispute.
async fn codes<C: ConnectionTrait>(
    c: &C,
    helper_id: i64,
    region_id: i64,
) -> AppResult<(String, String)> {
    let org = entity::organization::Entity::find_by_id(helper_id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found("Organization", helper_id))?;
    let region = entity::region::Entity::find_by_id(region_id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found("Region", region_id))?;
    Ok((org.code, region.code))
}

/// The key a record's unresolved dispute holds.
fn open_key(kind: DisputeSubjectKind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

/// The record's unresolved dispute, if any.
async fn unresolved<C: ConnectionTrait>(
    c: &C,
    kind: DisputeSubjectKind,
    id: i64,
) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::OpenKey.eq(open_key(kind, id)))
        .one(c)
        .await?)
}

/// The unresolved dispute, if it was raised with this reason (a retry); CONFLICT if with another.
fn replay_open(existing: Model, reason: &str) -> AppResult<Model> {
    if existing.reason == reason {
        Ok(existing)
    } else {
        Err(AppError::Conflict(format!(
            "the record already has an unresolved dispute ({}); it must be resolved before another is raised",
            existing.status.as_str()
        )))
    }
}

pub async fn open(w: &Writer<'_>, input: OpenDisputeInput) -> AppResult<Model> {
    w.require_user()?;
    let (kind, n) = subject_of("input.subjectId", &input.subject_id)?;
    let r = record(w.db, "input.subjectId", kind, n).await?;
    let (helper, region) = codes(w.db, r.helper_id, r.region_id).await?;
    authorize(w, DisputeAction::Open, &helper, &region)?;
    let reason = text("input.reason", &input.reason, 2000)?;
    if let Some(existing) = unresolved(w.db, kind, n).await? {
        return replay_open(existing, &reason);
    }
    r.disputable()?;
    let row = ActiveModel {
        id: NotSet,
        subject_kind: Set(kind),
        subject_id: Set(n),
        pairing_id: Set(r.pairing_id),
        helper_id: Set(r.helper_id),
        region_id: Set(r.region_id),
        province_id: Set(r.province_id),
        year: Set(r.year),
        status: Set(DisputeStatus::Open),
        reason: Set(reason.clone()),
        opened_by: Set(w.actor()),
        opened_at: Set(chrono::Utc::now()),
        answer: Set(None),
        answered_by: Set(None),
        answered_at: Set(None),
        previous_amount_fen: Set(None),
        corrected_amount_fen: Set(None),
        previous_on: Set(None),
        corrected_on: Set(None),
        resolution: Set(None),
        resolved_by: Set(None),
        resolved_at: Set(None),
        open_key: Set(Some(open_key(kind, n))),
    };
    let attempt = async {
        let txn = w.db.begin().await?;
        let d = row.insert(&txn).await?;
        if let Row::Deal(deal) = &r.row {
            crate::produce::service::mark_disputed(&txn, w, deal, true, Some(&reason)).await?;
        }
        crate::audit::record(&txn, w, "openDispute", ENTITY, d.id, None::<&()>, Some(&d)).await?;
        txn.commit().await?;
        Ok::<Model, AppError>(d)
    };
    match attempt.await {
        Ok(d) => Ok(d),
        // A concurrent request raised a dispute first: answer as a retry would be.
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => {
            match unresolved(w.db, kind, n).await? {
                Some(existing) => replay_open(existing, &reason),
                None => Err(AppError::Conflict(
                    "the record's dispute changed concurrently; read it again".into(),
                )),
            }
        }
        Err(e) => Err(e),
    }
}

async fn load(w: &Writer<'_>, id: &str) -> AppResult<Model> {
    let n = expect_global_id("input.disputeId", id, NodeKind::Dispute)?;
    Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))
}

/// Whether an answered dispute was answered with exactly this (a retry).
fn same_answer(
    d: &Model,
    answer: &str,
    amount: Option<i64>,
    on: Option<chrono::NaiveDate>,
) -> bool {
    d.status == DisputeStatus::Answered
        && d.answer.as_deref() == Some(answer)
        && d.corrected_amount_fen == amount
        && d.corrected_on == on
}

pub async fn answer(w: &Writer<'_>, input: AnswerDisputeInput) -> AppResult<Model> {
    w.require_user()?;
    let d = load(w, &input.dispute_id).await?;
    let (helper, region) = codes(w.db, d.helper_id, d.region_id).await?;
    authorize(w, DisputeAction::Answer, &helper, &region)?;
    let answer = text("input.answer", &input.answer, 2000)?;
    let correction = input
        .correction
        .unwrap_or(super::types::DisputeCorrectionInput {
            amount: None,
            on: None,
        });
    let amount = correction
        .amount
        .as_ref()
        .map(|a| amount_fen("input.correction.amount", &a.0))
        .transpose()?;
    let on = correction.on.map(|d| d.0);
    if same_answer(&d, &answer, amount, on) {
        return Ok(d);
    }
    if d.status != DisputeStatus::Open {
        return Err(illegal(
            "dispute",
            d.status.as_str(),
            DisputeStatus::Answered.as_str(),
        ));
    }
    let r = record(w.db, "input.disputeId", d.subject_kind, d.subject_id).await?;
    if amount.is_some() && matches!(r.row, Row::Dispatch(_) | Row::Placement(_)) {
        return Err(AppError::bad_input(
            "input.correction.amount",
            "a dispatch or a placement has no amount to correct",
        ));
    }
    let (previous_amount, previous_on) = r.amount_and_on();
    let now = chrono::Utc::now();
    let update = Entity::update_many()
        .col_expr(
            Column::Status,
            Expr::value(DisputeStatus::Answered.as_str()),
        )
        .col_expr(Column::Answer, Expr::value(answer.clone()))
        .col_expr(Column::AnsweredBy, Expr::value(w.actor()))
        .col_expr(Column::AnsweredAt, Expr::value(now))
        .col_expr(
            Column::PreviousAmountFen,
            Expr::value(amount.and(previous_amount)),
        )
        .col_expr(Column::CorrectedAmountFen, Expr::value(amount))
        .col_expr(Column::PreviousOn, Expr::value(on.and(previous_on)))
        .col_expr(Column::CorrectedOn, Expr::value(on))
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(DisputeStatus::Open.as_str()));
    let replay = async {
        let now = load(w, &input.dispute_id).await?;
        Ok(same_answer(&now, &answer, amount, on).then_some(now))
    };
    let conflict = "the dispute changed concurrently; it is no longer OPEN".to_string();
    let txn = match crate::audit::move_row(w, update, replay, conflict).await? {
        Moved::Open(txn) => txn,
        Moved::Replayed(now) => return Ok(now),
    };
    if amount.is_some() || on.is_some() {
        match &r.row {
            Row::Transfer(t) => {
                crate::transfer::service::correct(&txn, w, t, amount, on).await?;
            }
            Row::Deal(deal) => {
                crate::produce::service::correct(&txn, w, deal, amount, on).await?;
            }
            Row::Dispatch(p) => {
                if let Some(on) = on {
                    crate::personnel::service::correct(&txn, w, p, on).await?;
                }
            }
            Row::Placement(l) => {
                if let Some(on) = on {
                    crate::labor::service::correct(&txn, w, l, on).await?;
                }
            }
        }
    }
    crate::audit::settle::<Entity>(txn, w, "answerDispute", ENTITY, &d, d.id).await
}

pub async fn resolve(w: &Writer<'_>, input: ResolveDisputeInput) -> AppResult<Model> {
    w.require_user()?;
    let d = load(w, &input.dispute_id).await?;
    let (helper, region) = codes(w.db, d.helper_id, d.region_id).await?;
    authorize(w, DisputeAction::Resolve, &helper, &region)?;
    let resolution = text("input.resolution", &input.resolution, 2000)?;
    if d.status == DisputeStatus::Resolved {
        return Ok(d);
    }
    let resolved_on: Option<String> = None;
    let update = Entity::update_many()
        .col_expr(
            Column::Status,
            Expr::value(DisputeStatus::Resolved.as_str()),
        )
        .col_expr(Column::Resolution, Expr::value(resolution))
        .col_expr(Column::ResolvedBy, Expr::value(w.actor()))
        .col_expr(Column::ResolvedAt, Expr::value(chrono::Utc::now()))
        .col_expr(Column::OpenKey, Expr::value(resolved_on))
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(d.status.as_str()));
    let replay = async {
        let now = load(w, &input.dispute_id).await?;
        Ok((now.status == DisputeStatus::Resolved).then_some(now))
    };
    let conflict = format!(
        "the dispute changed concurrently; it is no longer {}",
        d.status.as_str()
    );
    let txn = match crate::audit::move_row(w, update, replay, conflict).await? {
        Moved::Open(txn) => txn,
        Moved::Replayed(now) => return Ok(now),
    };
    // A disputed deal goes back to RECORDED, for its county to confirm.
    if d.subject_kind == DisputeSubjectKind::ProduceDeal {
        let r = record(&txn, "input.disputeId", d.subject_kind, d.subject_id).await?;
        if let Row::Deal(deal) = &r.row
            && deal.status == DealStatus::Disputed
        {
            crate::produce::service::mark_disputed(&txn, w, deal, false, None).await?;
        }
    }
    crate::audit::settle::<Entity>(txn, w, "resolveDispute", ENTITY, &d, d.id).await
}

/// The disputes of one record, oldest first (none for anonymous callers): the one read path of
/// a record's `disputes`, batched with the request's other records by kind.
pub async fn of_subject(
    loaders: &crate::batch::Loaders,
    identity: &Identity,
    kind: DisputeSubjectKind,
    id: i64,
) -> AppResult<Vec<Model>> {
    if !visible(identity) {
        return Ok(Vec::new());
    }
    Ok(loaders
        .get::<async_graphql::dataloader::DataLoader<super::loader::DisputesBySubject>>()
        .load_one((kind, id))
        .await?
        .unwrap_or_default())
}

/// The disputes of records, by (kind, id), oldest first: one statement per kind in a batch.
pub async fn of_subjects(db: &Db, keys: &[(DisputeSubjectKind, i64)]) -> AppResult<Vec<Model>> {
    use std::collections::BTreeMap;
    let mut by_kind: BTreeMap<DisputeSubjectKind, Vec<i64>> = BTreeMap::new();
    for (k, id) in keys {
        by_kind.entry(*k).or_default().push(*id);
    }
    let mut out = Vec::new();
    for (kind, ids) in by_kind {
        let backend = db.get_database_backend();
        let select = Entity::find()
            .filter(Column::SubjectKind.eq(kind.as_str()))
            .filter(crate::connection::id_in(backend, Column::SubjectId, ids))
            .order_by_asc(Column::Id);
        out.extend(crate::connection::fetch_all(db, select).await?);
    }
    Ok(out)
}
