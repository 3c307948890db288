//! Building the aggregate statements of this module, and reading their rows.
//!
//! A statement is built with sea-query when its shape depends on the request, and written out whole
//! as a named `const` when only its values do. Caller input is always bound. Integers, dates and
//! enum constants are written into the statement instead (`lit`): these aggregates join three or
//! four tables, and with parameters PostgreSQL plans them afresh on every execution (a custom plan
//! wins over the generic one), which cost more than running them. Without parameters the prepared
//! statement keeps its plan, and a repeated dashboard query is only executed.
use crate::db::Db;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, SelectStatement, UnionType};
use sea_orm::{ActiveEnum, ConnectionTrait, QueryResult, Statement, TryGetable, Value};

/// `table.column` of a table named by its alias in the statement.
pub fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}

/// A value written into the statement rather than bound (see above): never caller input.
pub fn lit(v: impl Into<Value>) -> Expr {
    Expr::Constant(v.into())
}

/// Integers written into the statement, for `IN`.
pub fn ints(vs: impl IntoIterator<Item = i64>) -> Vec<Expr> {
    vs.into_iter().map(lit).collect()
}

/// An enum value written into the statement.
pub fn enum_lit<E: ActiveEnum<Value = String>>(v: &E) -> Expr {
    lit(v.to_value())
}

/// Enum values written into the statement, for `IN`.
pub fn enum_lits<E: ActiveEnum<Value = String>>(vs: &[E]) -> Vec<Expr> {
    vs.iter().map(enum_lit).collect()
}

/// `CAST(e AS BIGINT)`.
pub fn bigint(e: impl Into<Expr>) -> Expr {
    e.into().cast_as("BIGINT")
}

/// `CAST(SUM(e) AS BIGINT)`: PostgreSQL's SUM of a bigint is NUMERIC.
pub fn sum(e: impl Into<Expr>) -> Expr {
    bigint(e.into().sum())
}

/// `CASE WHEN cond THEN e ELSE 0 END`.
pub fn when(cond: Expr, e: Expr) -> Expr {
    Expr::case(cond, e).finally(lit(0)).into()
}

/// `COUNT(*)`.
pub fn count_all() -> Expr {
    Expr::col(Asterisk).count()
}

/// The rows of each statement one after the other (`UNION ALL`); `None` without statements.
pub fn union_all(rows: impl IntoIterator<Item = SelectStatement>) -> Option<SelectStatement> {
    let mut rows = rows.into_iter();
    let mut all = rows.next()?;
    for row in rows {
        all.union(UnionType::All, row);
    }
    Some(all)
}

/// From `commitments c`, with their letters `l` and the letters' pairings `p`.
pub fn from_commitments(q: &mut SelectStatement) -> &mut SelectStatement {
    q.from_as("commitments", "c")
        .join_as(
            sea_orm::JoinType::Join,
            "responsibility_letters",
            "l",
            col("l", "id").eq(col("c", "letter_id")),
        )
        .join_as(
            sea_orm::JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("l", "pairing_id")),
        )
}

/// The statement for the database `db` runs on.
pub fn statement(db: &Db, q: &SelectStatement) -> Statement {
    db.get_database_backend().build(q)
}

/// A whole named statement with its values. Its parameters are numbered (`$1`), which PostgreSQL
/// and SQLite both read; a number may appear more than once. (SQLite's statement log shows them
/// unfilled: it fills only `?`.)
pub fn named(db: &Db, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// The rows of an aggregate result, read by position. A read by name hashes the name on every
/// row (a tenth of the server's work on a province's progress); here each name is found once per
/// result among its few columns, and column types are checked on the first row only.
pub struct AggregateRows {
    rows: Vec<QueryResult>,
    names: Vec<String>,
}

impl AggregateRows {
    pub fn new(rows: Vec<QueryResult>) -> Self {
        let names = rows
            .first()
            .map(QueryResult::column_names)
            .unwrap_or_default();
        AggregateRows { rows, names }
    }

    pub fn iter(&self) -> impl Iterator<Item = AggregateRow<'_>> {
        self.rows.iter().enumerate().map(|(i, row)| AggregateRow {
            row,
            names: &self.names,
            first: i == 0,
        })
    }
}

/// One row of an [`AggregateRows`].
pub struct AggregateRow<'a> {
    row: &'a QueryResult,
    names: &'a [String],
    first: bool,
}

impl AggregateRow<'_> {
    /// The value of the column `name`.
    pub fn get<T: entity::row::Col>(&self, name: &str) -> AppResult<T> {
        let index = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| AppError::Internal(format!("aggregate without column {name}")))?;
        T::col(self.row, index, self.first).map_err(AppError::from)
    }
}

/// Reads a column of an aggregate row.
pub fn get<T: TryGetable>(row: &QueryResult, col: &str) -> AppResult<T> {
    row.try_get::<T>("", col).map_err(AppError::from)
}

/// Reads a stored enum value.
pub fn get_enum<E: ActiveEnum<Value = String>>(row: &QueryResult, col: &str) -> AppResult<E> {
    let s: String = get(row, col)?;
    E::try_from_value(&s).map_err(AppError::from)
}

/// Reads an optional stored enum value.
pub fn get_enum_opt<E: ActiveEnum<Value = String>>(
    row: &QueryResult,
    col: &str,
) -> AppResult<Option<E>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| E::try_from_value(&s).map_err(AppError::from))
        .transpose()
}
