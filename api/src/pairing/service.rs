//! Reading pairing agreements.
use super::types::{PairingAgreementFilter, PairingAgreementOrder, PairingAgreementOrderField};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::AppResult;
use crate::graphql::OrderDirection;
use crate::organization::service::id_of_org_code;
use crate::region::service::{check_code, id_of_code};
use entity::pairing_agreement::{Column, Entity, Model};
use entity::region;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Select};

fn ordering(order: PairingAgreementOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        PairingAgreementOrderField::Id => Ordering {
            name: "pairing.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        PairingAgreementOrderField::StartYear => Ordering {
            name: "pairing.start",
            column: Column::StartYear,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.start_year.into()),
            row_id: |m| m.id,
        },
    }
}

/// A pairing list: its filter and order.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PairingListSpec {
    pub filter: PairingAgreementFilter,
    pub order: PairingAgreementOrder,
}

pub async fn list(
    db: &DatabaseConnection,
    f: &PairingAgreementFilter,
    order: PairingAgreementOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let (select, ordering) = build(&PairingListSpec {
        filter: f.clone(),
        order,
    })?;
    fetch_page(db, select, &ordering, args).await
}

/// The filtered select and ordering of a pairing list.
pub fn build(spec: &PairingListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if let Some(p) = f.program {
        q = q.filter(Column::Program.eq(entity::enums::Program::from(p)));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::PairingStatus::from(s)));
    }
    if let Some(y) = f.year {
        q = q.filter(Column::StartYear.lte(y)).filter(
            Condition::any()
                .add(Column::EndYear.is_null())
                .add(Column::EndYear.gte(y)),
        );
    }
    if let Some(id) = f.helper_id {
        q = q.filter(Column::HelperId.eq(id));
    }
    if let Some(id) = f.recipient_id {
        q = q.filter(Column::RecipientId.eq(id));
    }
    if let Some(code) = &f.helper_code {
        q = q.filter(Column::HelperId.in_subquery(id_of_org_code(code)));
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        q = q.filter(Column::RecipientId.in_subquery(id_of_code(code)));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        let in_province = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::ProvinceId.in_subquery(id_of_code(code)))
            .to_owned();
        q = q.filter(Column::RecipientId.in_subquery(in_province));
    }
    if f.listed_only == Some(true) {
        let listed = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::IsListed.eq(true))
            .to_owned();
        q = q.filter(Column::RecipientId.in_subquery(listed));
    }
    Ok((q, ordering(spec.order)))
}
