//! Reading progress reports (authenticated callers only; anonymous callers get aggregates).
use super::types::{ProgressReportFilter, ProgressReportOrder, ProgressReportOrderField};
use crate::auth::Identity;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::{AppError, AppResult};
use crate::graphql::OrderDirection;
use crate::organization::service::id_of_org_code;
use crate::region::service::{check_code, id_of_code};
use entity::pairing_agreement as pairing;
use entity::progress_report::{Column, Entity, Model};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

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
    db: &DatabaseConnection,
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
        q = q.filter(Column::Year.eq(y));
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
            .and_where(pairing::Column::HelperId.in_subquery(id_of_org_code(code)))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        let ids = Query::select()
            .column(pairing::Column::Id)
            .from(pairing::Entity)
            .and_where(pairing::Column::RecipientId.in_subquery(id_of_code(code)))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
    }
    fetch_page(db, q, &ordering(order), args).await
}
