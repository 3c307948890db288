//! Reading fund transfers. Anonymous callers see publicized transfers only.
use super::types::{FundTransferFilter, FundTransferOrder, FundTransferOrderField};
use crate::auth::Identity;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::AppResult;
use crate::graphql::OrderDirection;
use crate::organization::service::id_of_org_code;
use crate::region::service::{check_code, id_of_code};
use entity::fund_transfer::{Column, Entity, Model};
use entity::pairing_agreement as pairing;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};

fn ordering(order: FundTransferOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        FundTransferOrderField::Id => Ordering {
            name: "transfer.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        FundTransferOrderField::Amount => Ordering {
            name: "transfer.amount",
            column: Column::AmountFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.amount_fen),
            row_id: |m| m.id,
        },
        FundTransferOrderField::Year => Ordering {
            name: "transfer.year",
            column: Column::Year,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.year.into()),
            row_id: |m| m.id,
        },
        FundTransferOrderField::ReferenceNo => Ordering {
            name: "transfer.ref",
            column: Column::ReferenceNo,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.reference_no.clone()),
            row_id: |m| m.id,
        },
    }
}

/// Whether the caller may see this transfer at all.
pub fn visible(identity: &Identity, t: &Model) -> bool {
    identity.is_authenticated() || t.publicized_on.is_some()
}

/// A transfer list: its filter, order and what the caller may see.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TransferListSpec {
    pub filter: FundTransferFilter,
    pub order: FundTransferOrder,
    pub authenticated: bool,
}

pub async fn list(
    db: &DatabaseConnection,
    identity: &Identity,
    f: &FundTransferFilter,
    order: FundTransferOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let spec = TransferListSpec {
        filter: f.clone(),
        order,
        authenticated: identity.is_authenticated(),
    };
    let (select, ordering) = build(&spec)?;
    fetch_page(db, select, &ordering, args).await
}

/// The filtered select and ordering of a transfer list.
pub fn build(spec: &TransferListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if !spec.authenticated || f.publicized_only == Some(true) {
        q = q.filter(Column::PublicizedOn.is_not_null());
    }
    if let Some(id) = f.pairing_id {
        q = q.filter(Column::PairingId.eq(id));
    }
    if let Some(y) = f.year {
        q = q.filter(Column::Year.eq(y));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::TransferStatus::from(s)));
    }
    if let Some(c) = f.category {
        q = q.filter(Column::Category.eq(entity::enums::FundCategory::from(c)));
    }
    if let Some(p) = f.program {
        let ids = Query::select()
            .column(pairing::Column::Id)
            .from(pairing::Entity)
            .and_where(pairing::Column::Program.eq(entity::enums::Program::from(p)))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
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
        q = q.filter(Column::RecipientProvinceId.in_subquery(id_of_code(code)));
    }
    Ok((q, ordering(spec.order)))
}
