//! Reading personnel dispatches. Anonymous callers see none; names are personal data.
use super::types::{PersonnelDispatchFilter, PersonnelDispatchOrder, PersonnelDispatchOrderField};
use crate::auth::{Identity, Role};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::AppResult;
use crate::graphql::{ContextExt, OrderDirection};
use crate::organization::service::id_of_org_code;
use crate::region::service::{check_code, id_of_code, region_contains};
use async_graphql::Context;
use entity::personnel_dispatch::{Column, Entity, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};

fn ordering(order: PersonnelDispatchOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        PersonnelDispatchOrderField::Id => Ordering {
            name: "dispatch.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        PersonnelDispatchOrderField::StartOn => Ordering {
            name: "dispatch.start",
            column: Column::StartOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.start_on),
            row_id: |m| m.id,
        },
    }
}

pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

/// ADMIN, the dispatching helper and the receiving recipient may read a person's name.
pub async fn may_read_name(ctx: &Context<'_>, d: &Model) -> AppResult<bool> {
    let identity = ctx.identity();
    match identity.role() {
        Some(Role::Admin) => Ok(true),
        Some(Role::Helper) => {
            let org = ctx
                .loaders()
                .organizations
                .load_one(d.helper_id)
                .await
                .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
            Ok(org.is_some_and(|o| Some(o.code.as_str()) == identity.helper_org()))
        }
        Some(Role::Recipient) => {
            let region = ctx
                .loaders()
                .regions
                .load_one(d.recipient_id)
                .await
                .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
            Ok(match (region, identity.recipient_region()) {
                (Some(r), Some(scope)) => region_contains(scope, &r.code),
                _ => false,
            })
        }
        _ => Ok(false),
    }
}

/// A dispatch list: its filter, order and whether the caller may see dispatches at all.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DispatchListSpec {
    pub filter: PersonnelDispatchFilter,
    pub order: PersonnelDispatchOrder,
    pub authenticated: bool,
}

pub async fn list(
    db: &DatabaseConnection,
    identity: &Identity,
    f: &PersonnelDispatchFilter,
    order: PersonnelDispatchOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let spec = DispatchListSpec {
        filter: f.clone(),
        order,
        authenticated: visible(identity),
    };
    let (select, ordering) = build(&spec)?;
    fetch_page(db, select, &ordering, args).await
}

/// The filtered select and ordering of a dispatch list.
pub fn build(spec: &DispatchListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if !spec.authenticated {
        q = q.filter(Expr::cust("1 = 0"));
    }
    if let Some(id) = f.pairing_id {
        q = q.filter(Column::PairingId.eq(id));
    }
    if let Some(y) = f.year {
        q = q.filter(Column::Year.eq(y));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::DispatchStatus::from(s)));
    }
    if let Some(c) = f.category {
        q = q.filter(Column::Category.eq(entity::enums::PersonnelCategory::from(c)));
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
