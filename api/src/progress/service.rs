//! Reading progress reports (authenticated callers only; anonymous callers get aggregates).
use super::types::{ProgressReportFilter, ProgressReportOrder, ProgressReportOrderField};
use crate::auth::Identity;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::graphql::OrderDirection;
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

pub async fn list(
    db: &Db,
    identity: &Identity,
    f: &ProgressReportFilter,
    order: ProgressReportOrder,
    args: &PageArgs,
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
    fetch_page(db, q, &ordering(order), args).await
}

// ---------------------------------------------------------------------------------------------
// Writing progress: report (the helper), verify (the recipient).

use super::types::{ReportProgressInput, VerifyProgressReportInput};
use crate::graphql::node::{NodeKind, expect_global_id};
use crate::pairing::service::{Parties, parties};
use crate::write::{Writer, allow, illegal, year_in_pairing};
use entity::enums::Indicator;
use entity::progress_report::ActiveModel;
use sea_orm::{ActiveModelTrait, NotSet, Set, TransactionTrait};

const ENTITY: &str = "ProgressReport";

/// The acts on a report, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressAction {
    Report,
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
        ProgressAction::Verify => allow(
            w,
            w.covers_region(&p.recipient.code),
            "only a recipient whose region contains the pairing's recipient verifies its reports",
        ),
    }
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
    if !Indicator::for_program(p.pairing.program).contains(&indicator) {
        return Err(AppError::bad_input(
            "input.indicator",
            format!(
                "{} is not an indicator of the {} program",
                indicator.as_str(),
                p.pairing.program.as_str()
            ),
        ));
    }
    if indicator.fund_category().is_some() || indicator.personnel_category().is_some() {
        return Err(AppError::bad_input(
            "input.indicator",
            format!(
                "{} is derived from fund transfers or dispatches, not reported",
                indicator.as_str()
            ),
        ));
    }
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
    let scale = indicator.scale();
    let value = input
        .value
        .to_minor(scale)
        .ok_or_else(|| AppError::bad_input("input.value", format!("at most {scale} decimals")))?;
    if value < 0 {
        return Err(AppError::bad_input(
            "input.value",
            "a figure is zero or more",
        ));
    }
    if value > crate::write::MAX_AMOUNT_FEN {
        return Err(AppError::bad_input(
            "input.value",
            "the figure is implausibly large",
        ));
    }
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
    let txn = w.db.begin().await?;
    let done = Entity::update_many()
        .col_expr(Column::VerifiedBy, Expr::value(w.actor()))
        .col_expr(Column::VerifiedAt, Expr::value(chrono::Utc::now()))
        .filter(Column::Id.eq(r.id))
        .filter(Column::VerifiedAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(illegal("progress report", "VERIFIED", "VERIFIED"));
    }
    let after = Entity::find_by_id(r.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, r.id))?;
    crate::audit::record(
        &txn,
        w,
        "verifyProgressReport",
        ENTITY,
        r.id,
        Some(&r),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
