//! Keyset (cursor) pagination shared by every list: cursor encoding, `first`/`last` checks, and one
//! page builder over any entity and ordering. Never OFFSET: each page seeks from its cursor.
use crate::db::Db;
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use entity::row::{Columns, FromRow};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, JoinType,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select, Statement, Value,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod args;
mod cursor;
mod grouped;
mod joined;
mod page;

pub use args::*;
pub use cursor::*;
pub use grouped::*;
pub use joined::*;
pub use page::*;

/// A `nameContains` filter: the text matched literally (`%`, `_` and `\` escaped), at most `max`
/// characters, and no NUL (PostgreSQL refuses it in text; SQLite ended the pattern there, so it
/// matched everything).
pub fn contains_pattern(
    field: &str,
    text: &str,
    max: usize,
) -> AppResult<sea_orm::sea_query::LikeExpr> {
    if text.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    if text.contains('\0') {
        return Err(AppError::bad_input(
            field,
            "must not contain a NUL character",
        ));
    }
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
}

/// An id list filter that is always false when empty (no `IN ()`). On PostgreSQL the list is one
/// array parameter (`= ANY($1)`): the statement text and its cached plan stay the same whatever the
/// list's length, where `IN ($1, …, $n)` is planned afresh on every execution.
pub fn id_in<C: ColumnTrait>(
    backend: DbBackend,
    col: C,
    ids: impl IntoIterator<Item = i64>,
) -> SimpleExpr {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Expr::val(1).eq(0);
    }
    if backend != DbBackend::Postgres {
        return col.is_in(ids);
    }
    // `$1` is the first of this expression's own values; the builder renumbers it in the query.
    let sql = format!(
        r#""{}"."{}" = ANY(CAST($1 AS BIGINT[]))"#,
        col.entity_name(),
        col.as_str()
    );
    Expr::cust_with_values(sql, [pg_bigint_array(ids)])
}

/// `column = value` with the integer written into the statement, not bound. With the year of a
/// transfer page bound, PostgreSQL judged its generic plan too costly on a small table and planned
/// the page's four-table join afresh on every execution (a third of its throughput at 10,000
/// transfers); written in, the plan is made once per year. An integer cannot carry SQL.
pub fn int_eq<C: ColumnTrait>(column: C, value: i64) -> SimpleExpr {
    Expr::cust(format!(
        r#""{}"."{}" = {value}"#,
        column.entity_name(),
        column.as_str()
    ))
}

/// `{1,2,3}`: integers as one PostgreSQL array literal, bound as a single parameter.
pub(super) fn pg_bigint_array(ids: Vec<i64>) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(2 + 8 * ids.len());
    out.push('{');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}"); // writing to a String cannot fail
    }
    out.push('}');
    out
}

/// Runs `select` and decodes its rows by position (see `entity::row`).
pub async fn fetch_all<E>(db: &Db, select: Select<E>) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromRow,
{
    fetch_all_of(db, select, Columns::ALL, 0).await
}

/// `fetch_all` reading only `columns` of each row (see `entity::row::FromRow::from_row_of`);
/// `expected_rows` sizes the result up front.
pub async fn fetch_all_of<E>(
    db: &Db,
    select: Select<E>,
    columns: Columns,
    expected_rows: usize,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromRow,
{
    let statement = project(select, columns).build(db.get_database_backend());
    fetch_statement(db, statement, columns, expected_rows).await
}

pub(super) async fn fetch_statement<M: FromRow>(
    db: &Db,
    statement: sea_orm::Statement,
    columns: Columns,
    expected_rows: usize,
) -> AppResult<Vec<M>> {
    Ok(db.query_rows(statement, columns, expected_rows).await?)
}

/// The positions of `columns` among the entity's columns (its model's declaration order).
pub fn positions<E: EntityTrait>(columns: &[E::Column]) -> Columns {
    Columns::at(E::Column::iter().enumerate().filter_map(|(i, c)| {
        columns
            .iter()
            .any(|wanted| wanted.as_str() == c.as_str())
            .then_some(i)
    }))
}

/// `select` reading only `columns`, in the model's declaration order.
pub(super) fn project<E: EntityTrait>(select: Select<E>, columns: Columns) -> Select<E> {
    if columns.is_all() {
        return select;
    }
    select.select_only().columns(
        E::Column::iter()
            .enumerate()
            .filter(|(i, _)| columns.has(*i))
            .map(|(_, c)| c),
    )
}

#[cfg(test)]
mod id_list_tests {
    use super::*;
    use entity::fund_transfer;

    fn where_sql(backend: DbBackend, ids: Vec<i64>) -> String {
        let select =
            fund_transfer::Entity::find().filter(id_in(backend, fund_transfer::Column::Id, ids));
        let sql = select.build(backend).to_string();
        sql[sql.find("WHERE").unwrap_or(0)..].to_string()
    }

    #[test]
    fn id_lists_are_one_array_parameter_on_postgres_and_in_lists_elsewhere() {
        assert_eq!(
            where_sql(DbBackend::Postgres, vec![3, 1, 2]),
            r#"WHERE "fund_transfers"."id" = ANY(CAST('{3,1,2}' AS BIGINT[]))"#
        );
        assert_eq!(
            where_sql(DbBackend::Sqlite, vec![3, 1, 2]),
            r#"WHERE "fund_transfers"."id" IN (3, 1, 2)"#
        );
        assert_eq!(where_sql(DbBackend::Postgres, vec![]), "WHERE 1 = 0");
        let year = fund_transfer::Entity::find()
            .filter(int_eq(fund_transfer::Column::Year, 2019))
            .build(DbBackend::Postgres);
        assert!(
            year.sql
                .ends_with(r#"WHERE "fund_transfers"."year" = 2019"#)
                && year.values.as_ref().is_none_or(|v| v.0.is_empty()),
            "{year:?}"
        );
        // After other parameters, the array is numbered in sequence.
        let statement = fund_transfer::Entity::find()
            .filter(fund_transfer::Column::Year.eq(2019))
            .filter(id_in(
                DbBackend::Postgres,
                fund_transfer::Column::Id,
                vec![7],
            ))
            .build(DbBackend::Postgres);
        assert!(
            statement.sql.ends_with(
                r#""year" = $1 AND ("fund_transfers"."id" = ANY(CAST($2 AS BIGINT[])))"#
            ),
            "{}",
            statement.sql
        );
    }
}
