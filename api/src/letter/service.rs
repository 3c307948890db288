//! Reading responsibility letters. Anonymous callers see signed letters only.
use super::types::{
    ResponsibilityLetterFilter, ResponsibilityLetterOrder, ResponsibilityLetterOrderField,
};
use crate::auth::Identity;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::AppResult;
use crate::graphql::OrderDirection;
use crate::organization::service::id_of_org_code;
use crate::region::service::{check_code, id_of_code};
use entity::enums::LetterStatus;
use entity::pairing_agreement as pairing;
use entity::responsibility_letter::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

fn ordering(order: ResponsibilityLetterOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ResponsibilityLetterOrderField::Id => Ordering {
            name: "letter.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ResponsibilityLetterOrderField::Year => Ordering {
            name: "letter.year",
            column: Column::Year,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.year.into()),
            row_id: |m| m.id,
        },
    }
}

/// Whether the caller may see this letter at all.
pub fn visible(identity: &Identity, letter: &Model) -> bool {
    identity.is_authenticated() || letter.status == LetterStatus::Signed
}

pub async fn list(
    db: &DatabaseConnection,
    identity: &Identity,
    f: &ResponsibilityLetterFilter,
    order: ResponsibilityLetterOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !identity.is_authenticated() {
        q = q.filter(Column::Status.eq(LetterStatus::Signed));
    }
    if let Some(y) = f.year {
        q = q.filter(Column::Year.eq(y));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(LetterStatus::from(s)));
    }
    let mut pairings = Query::select()
        .column(pairing::Column::Id)
        .from(pairing::Entity)
        .to_owned();
    let mut by_pairing = false;
    if let Some(p) = f.program {
        pairings.and_where(pairing::Column::Program.eq(entity::enums::Program::from(p)));
        by_pairing = true;
    }
    if let Some(code) = &f.helper_code {
        pairings.and_where(pairing::Column::HelperId.in_subquery(id_of_org_code(code)));
        by_pairing = true;
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        pairings.and_where(pairing::Column::RecipientId.in_subquery(id_of_code(code)));
        by_pairing = true;
    }
    if by_pairing {
        q = q.filter(Column::PairingId.in_subquery(pairings));
    }
    fetch_page(db, q, &ordering(order), args).await
}
