//! Reading progress reports (authenticated callers only; anonymous callers get aggregates).
use super::types::{ProgressReportFilter, ProgressReportOrder, ProgressReportOrderField};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use entity::pairing_agreement as pairing;
use entity::progress_report::{Column, Entity, Model};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn ordering(order: ProgressReportOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ProgressReportOrderField::Id => Ordering {
            name: "report.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ProgressReportOrderField::Year => Ordering {
            name: "report.year",
            column: Column::Year,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.year.into()),
            row_id: |m| m.id,
        },
    }
}

/// One page of progress reports: the one read path of `progressReports` (authenticated callers).
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: ProgressReportFilter,
    order: ProgressReportOrder,
    args: PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !identity.is_authenticated() {
        q = q.filter(Expr::cust("1 = 0"));
    }
    if let Some(y) = f.year {
        q = q.filter(crate::connection::int_eq(Column::Year, y.into()));
    }
    if let Some(quarter) = f.quarter {
        if !(1..=4).contains(&quarter) {
            return Err(AppError::bad_input("filter.quarter", "a quarter is 1 to 4"));
        }
        q = q.filter(Column::Quarter.eq(quarter));
    }
    if let Some(i) = f.indicator {
        q = q.filter(Column::Indicator.eq(entity::enums::Indicator::from(i)));
    }
    match f.verified {
        Some(true) => q = q.filter(Column::VerifiedAt.is_not_null()),
        Some(false) => q = q.filter(Column::VerifiedAt.is_null()),
        None => {}
    }
    if let Some(code) = &f.helper_code {
        let ids = Query::select()
            .column(pairing::Column::Id)
            .from(pairing::Entity)
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                pairing::Column::HelperId.into_expr(),
                crate::organization::service::org_code_id(code),
            ))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        let ids = Query::select()
            .column(pairing::Column::Id)
            .from(pairing::Entity)
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                pairing::Column::RecipientId.into_expr(),
                crate::region::service::code_id(code),
            ))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
    }
    fetch_page(db, q, &ordering(order), &args).await
}

// ---------------------------------------------------------------------------------------------
// Writing progress: report (the helper), verify (the recipient).

use super::types::{CorrectProgressReportInput, ReportProgressInput, VerifyProgressReportInput};
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::{Parties, parties};
use crate::write::{Writer, allow, illegal, year_in_pairing};
use entity::enums::Indicator;
use entity::progress_report::ActiveModel;
use sea_orm::{ActiveModelTrait, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::ProgressReport.tag();

/// The acts on a report, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressAction {
    Report,
    Correct,
    Verify,
}

/// The pairing's helper reports; a recipient whose region contains the pairing's recipient
/// verifies.
pub fn authorize(w: &Writer<'_>, action: ProgressAction, p: &Parties) -> AppResult<()> {
    match action {
        ProgressAction::Report => allow(
            w,
            w.is_helper(&p.helper_code),
            "only the pairing's helper organization reports its progress",
        ),
        ProgressAction::Correct => allow(
            w,
            w.is_helper(&p.helper_code),
            "only the pairing's helper organization corrects its progress reports",
        ),
        ProgressAction::Verify => allow(
            w,
            w.covers_region(&p.recipient.code),
            "only a recipient whose region contains the pairing's recipient verifies its reports",
        ),
    }
}

/// Progress reports are for the indicators no record type achieves: the others are derived from
/// transfers, dispatches, confirmed produce deals or confirmed labour placements.
fn reported_indicator(field: &str, indicator: Indicator) -> AppResult<()> {
    let from = if indicator.fund_category().is_some() {
        "fund transfers"
    } else if indicator.personnel_category().is_some() {
        "personnel dispatches"
    } else if !indicator.deal_kinds().is_empty() {
        "confirmed produce deals (recordProduceDeal)"
    } else if indicator.counts_placements() {
        "confirmed labour placements (recordLaborPlacement)"
    } else {
        return Ok(());
    };
    Err(AppError::bad_input(
        field,
        format!(
            "{} is derived from {from}, not reported",
            indicator.as_str()
        ),
    ))
}

/// A reported figure in the indicator's smallest step: zero or more, plausible.
fn figure(field: &str, indicator: Indicator, value: &rust_decimal::Decimal) -> AppResult<i64> {
    let scale = indicator.scale();
    let value = crate::write::to_minor(value, scale)
        .ok_or_else(|| AppError::bad_input(field, format!("at most {scale} decimals")))?;
    if value < 0 {
        return Err(AppError::bad_input(field, "a figure is zero or more"));
    }
    if value > crate::write::MAX_AMOUNT_FEN {
        return Err(AppError::bad_input(
            field,
            "the figure is implausibly large",
        ));
    }
    Ok(value)
}

pub async fn report(w: &Writer<'_>, input: ReportProgressInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, ProgressAction::Report, &p)?;
    let indicator = Indicator::from(input.indicator);
    if !Indicator::allowed_for_program(p.pairing.program).contains(&indicator) {
        return Err(AppError::bad_input(
            "input.indicator",
            format!(
                "{} is not an indicator of the {} program",
                indicator.as_str(),
                p.pairing.program.as_str()
            ),
        ));
    }
    reported_indicator("input.indicator", indicator)?;
    year_in_pairing("input.year", input.year, &p.pairing)?;
    if !(1..=4).contains(&input.quarter) {
        return Err(AppError::bad_input("input.quarter", "a quarter is 1 to 4"));
    }
    let begins = chrono::NaiveDate::from_ymd_opt(input.year, (input.quarter as u32 - 1) * 3 + 1, 1)
        .ok_or_else(|| AppError::bad_input("input.year", "not a valid year"))?;
    if begins > crate::write::today() {
        return Err(AppError::bad_input(
            "input.quarter",
            "the quarter has not begun; report figures once they are real",
        ));
    }
    let value = figure("input.value", indicator, &input.value.0)?;
    let existing = Entity::find()
        .filter(Column::PairingId.eq(pairing_id))
        .filter(Column::Indicator.eq(indicator))
        .filter(Column::Year.eq(input.year))
        .filter(Column::Quarter.eq(input.quarter))
        .one(w.db)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is already reported for {} Q{}",
            indicator.as_str(),
            input.year,
            input.quarter
        )));
    }
    let txn = w.db.begin().await?;
    let r = ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        indicator: Set(indicator),
        year: Set(input.year),
        quarter: Set(input.quarter),
        value: Set(value),
        reported_by: Set(w.actor()),
        reported_at: Set(chrono::Utc::now()),
        verified_by: Set(None),
        verified_at: Set(None),
    }
    .insert(&txn)
    .await?;
    crate::audit::record(
        &txn,
        w,
        "reportProgress",
        ENTITY,
        r.id,
        None::<&()>,
        Some(&r),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn verify(w: &Writer<'_>, input: VerifyProgressReportInput) -> AppResult<Model> {
    w.require_user()?;
    let n = expect_global_id(
        "input.progressReportId",
        &input.progress_report_id,
        NodeKind::ProgressReport,
    )?;
    let r = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, input.progress_report_id.as_str()))?;
    let p = parties(w.db, r.pairing_id).await?;
    authorize(w, ProgressAction::Verify, &p)?;
    if r.verified_at.is_some() {
        return Err(illegal("progress report", "VERIFIED", "VERIFIED"));
    }
    let update = Entity::update_many()
        .col_expr(Column::VerifiedBy, Expr::value(w.actor()))
        .col_expr(Column::VerifiedAt, Expr::value(chrono::Utc::now()))
        .filter(Column::Id.eq(r.id))
        .filter(Column::VerifiedAt.is_null());
    let conflict = illegal("progress report", "VERIFIED", "VERIFIED");
    let what = ("verifyProgressReport", ENTITY, r.id);
    crate::audit::change_alone(w, update, what, &r, crate::audit::as_is, conflict).await
}

/// The kept versions of a report, oldest first (none while it was never corrected).
async fn versions_of<C: sea_orm::ConnectionTrait>(
    c: &C,
    report_id: i64,
) -> AppResult<Vec<VersionModel>> {
    Ok(VersionEntity::find()
        .filter(VersionColumn::ReportId.eq(report_id))
        .order_by_asc(VersionColumn::Version)
        .all(c)
        .await?)
}

/// The version a report stands at: its latest kept version, 1 while never corrected.
pub fn current_version(versions: &[VersionModel]) -> i32 {
    versions.last().map_or(1, |v| v.version)
}

/// The correction that made `versions`' latest one, asked again: same base version, value, note
/// and author.
fn is_retry(versions: &[VersionModel], base: i32, value: i64, note: &str, actor: &str) -> bool {
    versions.last().is_some_and(|last| {
        last.version == base + 1
            && last.value == value
            && last.note.as_deref() == Some(note)
            && last.actor == actor
    })
}

/// The helper corrects an unverified report: the figure becomes a new version, the previous ones
/// are kept. A retry of the same correction answers as the first did; a correction of a stale
/// version, or of a verified report, is a CONFLICT.
pub async fn correct(w: &Writer<'_>, input: CorrectProgressReportInput) -> AppResult<Model> {
    w.require_user()?;
    let n = expect_global_id(
        "input.progressReportId",
        &input.progress_report_id,
        NodeKind::ProgressReport,
    )?;
    let r = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, input.progress_report_id.as_str()))?;
    let p = parties(w.db, r.pairing_id).await?;
    authorize(w, ProgressAction::Correct, &p)?;
    reported_indicator("input.progressReportId", r.indicator)?;
    let value = figure("input.value", r.indicator, &input.value.0)?;
    let note = crate::write::text("input.note", &input.note, 500)?;
    if input.version < 1 {
        return Err(AppError::bad_input("input.version", "versions start at 1"));
    }
    let actor = w.actor();
    let versions = versions_of(w.db, r.id).await?;
    if is_retry(&versions, input.version, value, &note, &actor) {
        return Ok(r);
    }
    if r.verified_at.is_some() {
        return Err(AppError::Conflict(
            "the progress report is verified: a verified report is never corrected".into(),
        ));
    }
    let current = current_version(&versions);
    if input.version != current {
        return Err(AppError::Conflict(format!(
            "version {} is stale: the report stands at version {current}",
            input.version
        )));
    }
    let attempt = async {
        let txn = w.db.begin().await?;
        let done = Entity::update_many()
            .col_expr(Column::Value, Expr::value(value))
            .filter(Column::Id.eq(r.id))
            .filter(Column::VerifiedAt.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::Conflict(
                "the progress report is verified: a verified report is never corrected".into(),
            ));
        }
        let now = chrono::Utc::now();
        let mut kept = Vec::new();
        if versions.is_empty() {
            // The first correction keeps the figure as it was reported.
            kept.push(VersionModel {
                id: 0,
                report_id: r.id,
                version: 1,
                value: r.value,
                note: None,
                actor: r.reported_by.clone(),
                created_at: r.reported_at,
            });
        }
        kept.push(VersionModel {
            id: 0,
            report_id: r.id,
            version: current + 1,
            value,
            note: Some(note.clone()),
            actor: actor.clone(),
            created_at: now,
        });
        for v in kept {
            // The unique (report, version) key turns a concurrent correction into a conflict.
            let mut a = VersionActive::from(v);
            a.id = NotSet;
            a.insert(&txn).await?;
        }
        let after = Entity::find_by_id(r.id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found(ENTITY, r.id))?;
        crate::audit::record(
            &txn,
            w,
            "correctProgressReport",
            ENTITY,
            r.id,
            Some(&r),
            Some(&after),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, AppError>(after)
    };
    match attempt.await {
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => {
            // A concurrent correction won: the same one is a retry, another one a conflict.
            let versions = versions_of(w.db, r.id).await?;
            if is_retry(&versions, input.version, value, &note, &actor) {
                Entity::find_by_id(r.id)
                    .one(w.db)
                    .await?
                    .ok_or_else(|| AppError::not_found(ENTITY, r.id))
            } else {
                Err(AppError::Conflict(format!(
                    "version {} is stale: the report stands at version {}",
                    input.version,
                    current_version(&versions)
                )))
            }
        }
        other => other,
    }
}

use entity::progress_report_version::{
    ActiveModel as VersionActive, Column as VersionColumn, Entity as VersionEntity,
    Model as VersionModel,
};
use sea_orm::QueryOrder;
