//! Reading a county's project library.
use super::types::{ProjectFilter, ProjectOrder, ProjectOrderField};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::error::{AppError, AppResult};
use crate::graphql::OrderDirection;
use crate::region::service::{check_code, id_of_code};
use entity::project::{Column, Entity, Model};
use entity::region;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

fn ordering(order: ProjectOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ProjectOrderField::Id => Ordering {
            name: "project.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ProjectOrderField::Name => Ordering {
            name: "project.name",
            column: Column::Name,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.name.clone()),
            row_id: |m| m.id,
        },
        ProjectOrderField::Budget => Ordering {
            name: "project.budget",
            column: Column::BudgetFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.budget_fen),
            row_id: |m| m.id,
        },
    }
}

pub async fn list(
    db: &DatabaseConnection,
    f: &ProjectFilter,
    order: ProjectOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if let Some(code) = &f.county_code {
        check_code("filter.countyCode", code)?;
        q = q.filter(Column::CountyId.in_subquery(id_of_code(code)));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        let ids = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::ProvinceId.in_subquery(id_of_code(code)))
            .to_owned();
        q = q.filter(Column::CountyId.in_subquery(ids));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::ProjectStatus::from(s)));
    }
    if let Some(sector) = &f.sector {
        if sector.len() > 64 {
            return Err(AppError::bad_input(
                "filter.sector",
                "at most 64 characters",
            ));
        }
        q = q.filter(Column::Sector.eq(sector.as_str()));
    }
    fetch_page(db, q, &ordering(order), args).await
}
