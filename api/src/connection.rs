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

/// Sort direction.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;

/// Relay paging arguments as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
        }
    }
}

/// The value a row is ordered by, as kept in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortValue {
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "d")]
    Date(NaiveDate),
}

impl From<SortValue> for Value {
    fn from(v: SortValue) -> Value {
        match v {
            SortValue::Int(i) => Value::BigInt(Some(i)),
            SortValue::Text(s) => Value::String(Some(s)),
            SortValue::Date(d) => Value::ChronoDate(Some(d)),
        }
    }
}

/// Where a row stands in its ordering. Encoded only when a client selects it: a page deep in a
/// list that shows no cursors spends nothing on them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cursor {
    /// Which ordering the cursor belongs to, so a cursor is not reused under another. Borrowed
    /// from the ordering for the rows of a page, so a page that shows no cursors allocates none.
    o: std::borrow::Cow<'static, str>,
    v: SortValue,
    id: i64,
}

impl Cursor {
    /// The opaque text clients send back in `after` and `before`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
}

fn decode_cursor(field: &str, raw: &str, ordering: &str) -> AppResult<Cursor> {
    let bad = || {
        AppError::bad_input(
            field,
            "malformed cursor; use a cursor returned by this list",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.o != ordering {
        return Err(AppError::bad_input(
            field,
            "the cursor belongs to another ordering of this list",
        ));
    }
    Ok(cursor)
}

/// How a list is ordered: a column (ties broken by id) and how to read its value off a row.
pub struct Ordering<E: EntityTrait> {
    pub name: &'static str,
    pub column: E::Column,
    pub id: E::Column,
    pub descending: bool,
    pub key: fn(&E::Model) -> SortValue,
    pub row_id: fn(&E::Model) -> i64,
}

/// One page of rows with their cursors.
#[derive(Clone)]
pub struct Page<M> {
    pub rows: Vec<(Cursor, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: TotalCount,
}

impl<M> Page<M> {
    /// The same page with each row turned into another value.
    pub fn map<N>(self, mut f: impl FnMut(M) -> N) -> Page<N> {
        Page {
            rows: self.rows.into_iter().map(|(c, m)| (c, f(m))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total: self.total,
        }
    }
}

/// `totalCount`: counted only when a client asks for it, or already known from a batched count.
#[derive(Clone)]
pub enum TotalCount {
    /// The count's query, written out as SQL only when the field is resolved: most pages never
    /// ask for it, and every root page used to build its text.
    Deferred {
        db: Db,
        query: Box<SelectStatement>,
    },
    Known(i64),
    /// Not requested by the client (the field was not selected).
    Unknown,
}

impl TotalCount {
    pub async fn get(&self) -> AppResult<i64> {
        match self {
            TotalCount::Known(n) => Ok(*n),
            TotalCount::Unknown => Err(AppError::Internal("totalCount was not prepared".into())),
            TotalCount::Deferred { db, query } => {
                let statement = db.get_database_backend().build(query.as_ref());
                let row = db.query_one_raw(statement).await?;
                Ok(match row {
                    Some(r) => r.try_get::<i64>("", "n")?,
                    None => 0,
                })
            }
        }
    }
}

/// Checks `first`/`last` and returns (limit, backwards).
pub fn page_size(args: &PageArgs) -> AppResult<(u64, bool)> {
    match (args.first, args.last) {
        (Some(_), Some(_)) => Err(AppError::bad_input(
            "last",
            "give either `first` or `last`, not both",
        )),
        (Some(n), None) => Ok((check_size("first", n)?, false)),
        (None, Some(n)) => Ok((check_size("last", n)?, true)),
        // Only `before`: the default page ends at the cursor.
        (None, None) => Ok((
            DEFAULT_PAGE as u64,
            args.before.is_some() && args.after.is_none(),
        )),
    }
}

fn check_size(field: &str, n: i32) -> AppResult<u64> {
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(AppError::bad_input(
            field,
            format!("must be between 0 and {MAX_PAGE}"),
        ));
    }
    Ok(n as u64)
}

fn seek(column: SimpleExpr, id: SimpleExpr, c: Cursor, greater: bool) -> SimpleExpr {
    let left = Expr::tuple([column, id]);
    let right = Expr::tuple([Expr::val(Value::from(c.v)), Expr::val(c.id)]);
    if greater {
        left.gt(right)
    } else {
        left.lt(right)
    }
}

/// Fetches one page of `select` under `ordering`; `select` carries the list's filters.
pub async fn fetch_page<E>(
    db: &Db,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromRow,
{
    fetch_page_of(db, select, ordering, args, Columns::ALL).await
}

/// `fetch_page` reading only `columns` of each row (and those of the ordering, for cursors);
/// the other fields of the page's models hold placeholders.
pub async fn fetch_page_of<E>(
    db: &Db,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
    columns: Columns,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromRow,
{
    let page = fetch_page_joined(
        db,
        select,
        ordering,
        args,
        columns,
        &(),
        |_, _, _, _| Ok(()),
    );
    let page = page.await?;
    Ok(Page {
        rows: page.rows.into_iter().map(|(c, (m, ()))| (c, m)).collect(),
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        total: page.total,
    })
}

/// Tables joined into a page's statement, one related row per item; see [`Join`].
pub trait Joins {
    /// Adds the joins and their columns (after the page's own) to the page's query.
    fn apply(&self, query: &mut SelectStatement);
}

impl Joins for () {
    fn apply(&self, _query: &mut SelectStatement) {}
}

impl<A: Joins, B: Joins, C: Joins> Joins for (A, B, C) {
    fn apply(&self, query: &mut SelectStatement) {
        self.0.apply(query);
        self.1.apply(query);
        self.2.apply(query);
    }
}

/// `fetch_page_of` with other tables joined in (`joins`): each item comes with what `related`
/// decodes from the rest of its row, starting at the index given (it may also complete the item's
/// model from the joined columns).
pub async fn fetch_page_joined<E, T>(
    db: &Db,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
    columns: Columns,
    joins: &impl Joins,
    mut related: impl FnMut(&mut E::Model, &QueryResult, bool, usize) -> Result<T, DbErr>,
) -> AppResult<Page<(E::Model, T)>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromRow,
{
    let columns = columns.union(positions::<E>(&[ordering.column, ordering.id]));
    let (limit, backwards) = page_size(args)?;
    let backend = db.get_database_backend();
    let total = TotalCount::Deferred {
        db: db.clone(),
        query: select
            .clone()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "n")
            .into_query()
            .into(),
    };
    let ascending = ordering.descending == backwards;
    let order = if ascending { Order::Asc } else { Order::Desc };
    let rows = if limit == 0 {
        Vec::new()
    } else {
        let mut query = project(apply_cursors(select, ordering, args)?, columns);
        joins.apply(QuerySelect::query(&mut query));
        let statement = ordered_page(query, ordering, order, limit, backend);
        let decode = |row: &QueryResult, checked: bool| {
            let (mut model, next) = E::Model::from_row_at(row, checked, columns, 0)?;
            let related = related(&mut model, row, checked, next)?;
            Ok((model, related))
        };
        db.query_rows_with(statement, limit as usize + 1, decode)
            .await?
    };
    Ok(into_page(
        rows,
        |(m, _)| m,
        limit,
        backwards,
        ordering,
        args,
        total,
    ))
}

/// One table joined into a page's statement: the row of `R` whose id is the page row's `key`
/// column, read under `alias`. A page of 100 transfers then brings its helpers, recipients and
/// projects in its own statement, where loading them by id took a statement each and more than
/// twice the rows through the driver. `None` columns: the relation is not selected, not joined.
pub struct Join<E: EntityTrait, R: crate::batch::Keyed> {
    alias: &'static str,
    key: E::Column,
    read: Option<JoinedColumns>,
    _related: std::marker::PhantomData<fn() -> R>,
}

/// The columns a join reads: which, how many, and where its id stands among them.
#[derive(Clone, Copy)]
struct JoinedColumns {
    columns: Columns,
    width: usize,
    id_offset: usize,
}

impl<E, R> Join<E, R>
where
    E: EntityTrait,
    R: crate::batch::Keyed,
    R::Model: FromRow,
{
    /// Joins `R` reading its `columns` (and its id), or nothing when `columns` is `None`.
    pub fn new(alias: &'static str, key: E::Column, columns: Option<Columns>) -> Self {
        let id = R::id_column();
        let read = columns.map(|c| {
            let columns = c.union(positions::<R>(&[id]));
            let selected = Self::selected(columns);
            let id_offset = selected
                .clone()
                .position(|(_, column)| column.as_str() == id.as_str())
                .unwrap_or(0); // the id was added just above
            JoinedColumns {
                columns,
                width: selected.count(),
                id_offset,
            }
        });
        Join {
            alias,
            key,
            read,
            _related: std::marker::PhantomData,
        }
    }

    /// The page's key column when the relation is joined (its joined id then holds the key).
    pub fn joined_key(&self) -> Option<E::Column> {
        self.read.map(|_| self.key)
    }

    fn selected(columns: Columns) -> impl Iterator<Item = (usize, R::Column)> + Clone {
        R::Column::iter()
            .enumerate()
            .filter(move |(i, _)| columns.has(*i))
    }

    /// The related row read from `start` on (`None` when not joined, or when the key is NULL or
    /// matched no row), and the index after its columns.
    pub fn decode(
        &self,
        row: &QueryResult,
        checked: bool,
        start: usize,
    ) -> Result<(Option<R::Model>, usize), DbErr> {
        let Some(read) = self.read else {
            return Ok((None, start));
        };
        let id: Option<i64> = entity::row::Col::col(row, start + read.id_offset, checked)?;
        if id.is_none() {
            return Ok((None, start + read.width));
        }
        let (model, next) = R::Model::from_row_at(row, checked, read.columns, start)?;
        Ok((Some(model), next))
    }
}

impl<E, R> Joins for Join<E, R>
where
    E: EntityTrait,
    R: crate::batch::Keyed,
    R::Model: FromRow,
{
    /// Adds the join and its columns to `query` (nothing when not joined).
    fn apply(&self, query: &mut SelectStatement) {
        let Some(read) = self.read else {
            return;
        };
        let alias = Alias::new(self.alias);
        query.join_as(
            JoinType::LeftJoin,
            R::default(),
            alias.clone(),
            Expr::col((alias.clone(), R::id_column())).equals((E::default(), self.key)),
        );
        for (_, column) in Self::selected(read.columns) {
            query.column((alias.clone(), column));
        }
    }
}

/// Cuts the extra look-ahead row, restores client order and attaches cursors.
fn into_page<E: EntityTrait, T>(
    mut rows: Vec<T>,
    model: impl Fn(&T) -> &E::Model,
    limit: u64,
    backwards: bool,
    ordering: &Ordering<E>,
    args: &PageArgs,
    total: TotalCount,
) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backwards {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let m = model(&row);
            let cursor = Cursor {
                o: ordering.name.into(),
                v: (ordering.key)(m),
                id: (ordering.row_id)(m),
            };
            (cursor, row)
        })
        .collect();
    let (has_next_page, has_previous_page) = if backwards {
        (args.before.is_some(), more)
    } else {
        (more, args.after.is_some())
    };
    Page {
        rows,
        has_next_page,
        has_previous_page,
        total,
    }
}

/// Whether a cursor's value has the type of the column it seeks on (a text where a number is
/// ordered would otherwise reach the database as a comparison of mismatched types).
fn value_fits<C: ColumnTrait>(column: C, v: &SortValue) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    matches!(
        (column.def().get_column_type(), v),
        (T::Date, SortValue::Date(_))
            | (
                T::TinyInteger
                    | T::SmallInteger
                    | T::Integer
                    | T::BigInteger
                    | T::TinyUnsigned
                    | T::SmallUnsigned
                    | T::Unsigned
                    | T::BigUnsigned,
                SortValue::Int(_),
            )
            | (T::String(_) | T::Text | T::Char(_), SortValue::Text(_))
    )
}

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

/// Adds the `after`/`before` seek conditions of `args` to `select`.
fn apply_cursors<E: EntityTrait>(
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Select<E>> {
    let col: SimpleExpr = Expr::col((E::default(), ordering.column));
    let idc: SimpleExpr = Expr::col((E::default(), ordering.id));
    let same_column = ordering.column.as_str() == ordering.id.as_str();
    let mut query = select;
    for (field, raw, greater) in [
        ("after", &args.after, !ordering.descending),
        ("before", &args.before, ordering.descending),
    ] {
        let Some(raw) = raw else { continue };
        let c = decode_cursor(field, raw, ordering.name)?;
        if !value_fits(ordering.column, &c.v) {
            return Err(AppError::bad_input(
                field,
                "the cursor's value does not fit this ordering; use a cursor returned by this list",
            ));
        }
        query = query.filter(if same_column {
            let v = Expr::val(c.id);
            if greater {
                idc.clone().gt(v)
            } else {
                idc.clone().lt(v)
            }
        } else {
            seek(col.clone(), idc.clone(), c, greater)
        });
    }
    Ok(query)
}

/// Pages of children for many parents at once (a nested connection under a list): one statement
/// with `ROW_NUMBER() OVER (PARTITION BY parent …)`, plus one grouped count when `with_total`.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_child_pages<E>(
    db: &Db,
    select: Select<E>,
    parent: E::Column,
    parent_of: fn(&E::Model) -> i64,
    parent_ids: &[i64],
    ordering: &Ordering<E>,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<HashMap<i64, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromRow,
{
    let (limit, backwards) = page_size(args)?;
    let backend = db.get_database_backend();
    // One parent (a nested list under a single object) is a plain keyed page: its generic plan
    // is exact, where `= ANY($1)` with a window makes PostgreSQL assume ten parents and plan the
    // statement afresh on every execution.
    let single = match parent_ids {
        [one] => Some(*one),
        _ => None,
    };
    let select = match single {
        Some(id) => select.filter(parent.eq(id)),
        None => select.filter(id_in(backend, parent, parent_ids.iter().copied())),
    };
    let mut totals: HashMap<i64, i64> = HashMap::new();
    if with_total {
        let counts: Vec<(i64, i64)> = select
            .clone()
            .select_only()
            .column(parent)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(parent)
            .into_tuple()
            .all(db)
            .await?;
        totals.extend(counts);
    }
    let mut by_parent: HashMap<i64, Vec<E::Model>> = HashMap::new();
    if limit > 0 && !parent_ids.is_empty() {
        let ascending = ordering.descending == backwards;
        let order = if ascending { Order::Asc } else { Order::Desc };
        let statement = match single {
            Some(_) => ordered_page(
                apply_cursors(select, ordering, args)?,
                ordering,
                order,
                limit,
                backend,
            ),
            None => backend.build(&windowed_pages(
                apply_cursors(select, ordering, args)?,
                parent,
                ordering,
                order,
                limit,
            )),
        };
        let expected_rows = parent_ids.len().saturating_mul(limit as usize + 1);
        for model in fetch_statement::<E::Model>(db, statement, Columns::ALL, expected_rows).await?
        {
            by_parent.entry(parent_of(&model)).or_default().push(model);
        }
    }
    Ok(parent_ids
        .iter()
        .map(|id| {
            let rows = by_parent.remove(id).unwrap_or_default();
            let total = if with_total {
                TotalCount::Known(totals.get(id).copied().unwrap_or(0))
            } else {
                TotalCount::Unknown
            };
            (
                *id,
                into_page(rows, |m| m, limit, backwards, ordering, args, total),
            )
        })
        .collect())
}

/// The pages of several groups of one list in one statement, for lists whose parent is not a
/// column of the entity: `select` is joined so that each of its rows carries the group `group`
/// evaluates to (a row may appear once in each of several groups), and the first `limit + 1`
/// rows of each group are numbered by a window, exactly as [`fetch_child_pages`] does by a
/// parent column.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_grouped_pages<E>(
    db: &Db,
    select: Select<E>,
    group: Expr,
    groups: &[i64],
    ordering: &Ordering<E>,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<HashMap<i64, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromRow,
{
    use sea_orm::sea_query::OverStatement;
    let (limit, backwards) = page_size(args)?;
    let backend = db.get_database_backend();
    let mut totals: HashMap<i64, i64> = HashMap::new();
    if with_total && !groups.is_empty() {
        let counts: Vec<(i64, i64)> = select
            .clone()
            .select_only()
            .column_as(group.clone(), "g")
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(group.clone())
            .into_tuple()
            .all(db)
            .await?;
        totals.extend(counts);
    }
    let mut by_group: HashMap<i64, Vec<E::Model>> = HashMap::new();
    if limit > 0 && !groups.is_empty() {
        let ascending = ordering.descending == backwards;
        let order = if ascending { Order::Asc } else { Order::Desc };
        let mut window = WindowStatement::new();
        window.add_partition_by(group.clone());
        if ordering.column.as_str() != ordering.id.as_str() {
            window.order_by((E::default(), ordering.column), order.clone());
        }
        window.order_by((E::default(), ordering.id), order);
        let mut inner = apply_cursors(select, ordering, args)?.into_query();
        inner.expr_as(group, Alias::new("page_group"));
        inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("page_rn"));
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(inner, Alias::new("page"))
            .and_where(Expr::col(Alias::new("page_rn")).lte((limit + 1) as i64))
            .order_by(Alias::new("page_rn"), Order::Asc)
            .to_owned();
        let expected_rows = groups.len().saturating_mul(limit as usize + 1);
        // The model's columns, then the group it was found under.
        let rows = db
            .query_rows_with(backend.build(&outer), expected_rows, |row, checked| {
                let (model, next) = E::Model::from_row_at(row, checked, Columns::ALL, 0)?;
                let group = <i64 as entity::row::Col>::col(row, next, checked)?;
                Ok((group, model))
            })
            .await?;
        for (group, model) in rows {
            by_group.entry(group).or_default().push(model);
        }
    }
    Ok(groups
        .iter()
        .map(|id| {
            let rows = by_group.remove(id).unwrap_or_default();
            let total = if with_total {
                TotalCount::Known(totals.get(id).copied().unwrap_or(0))
            } else {
                TotalCount::Unknown
            };
            (
                *id,
                into_page(rows, |m| m, limit, backwards, ordering, args, total),
            )
        })
        .collect())
}

/// `select` in `ordering` (`order` applied to its column, then its id), cut at one row past
/// `limit`: the page and the row that tells whether another follows.
fn ordered_page<E: EntityTrait>(
    select: Select<E>,
    ordering: &Ordering<E>,
    order: Order,
    limit: u64,
    backend: DbBackend,
) -> Statement {
    let mut select = select;
    if ordering.column.as_str() != ordering.id.as_str() {
        select = select.order_by(ordering.column, order.clone());
    }
    // The limit is written in, not bound: with `LIMIT $n` PostgreSQL planned the page query
    // afresh on every execution (its generic plan looked costlier), and planning cost more than
    // running it. The page size is an integer from 1 to 101, so few texts result.
    let mut statement = select.order_by(ordering.id, order).build(backend);
    statement.sql.push_str(&format!(" LIMIT {}", limit + 1));
    statement
}

/// The first `limit + 1` rows of `select` per `parent`, in `ordering`, numbered by a window.
fn windowed_pages<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    ordering: &Ordering<E>,
    order: Order,
    limit: u64,
) -> SelectStatement {
    let mut window = WindowStatement::partition_by((E::default(), parent));
    if ordering.column.as_str() != ordering.id.as_str() {
        window.order_by((E::default(), ordering.column), order.clone());
    }
    window.order_by((E::default(), ordering.id), order);
    let mut inner = select.into_query();
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("page_rn"));
    Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("page"))
        .and_where(Expr::col(Alias::new("page_rn")).lte((limit + 1) as i64))
        .order_by(Alias::new("page_rn"), Order::Asc)
        .to_owned()
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
fn pg_bigint_array(ids: Vec<i64>) -> String {
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

async fn fetch_statement<M: FromRow>(
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
fn project<E: EntityTrait>(select: Select<E>, columns: Columns) -> Select<E> {
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

/// A page of a list computed in memory, sorted by `key` (ascending, one item per key), under the
/// same Relay rules as a table's pages. A cursor holds the item's key, not its position: a page
/// is "the items after (or before) this key", so a list that changes between two requests neither
/// repeats nor skips the items that are in it both times, whether or not the cursor's own item
/// is still there.
pub fn page_of_keyed_list<T, K>(
    items: Vec<T>,
    name: &'static str,
    key: impl Fn(&T) -> K,
    args: &PageArgs,
) -> AppResult<Page<T>>
where
    K: Ord + Serialize + serde::de::DeserializeOwned,
{
    let (limit, backwards) = page_size(args)?;
    let total = items.len();
    let bad = |field: &str| {
        AppError::bad_input(
            field,
            "malformed cursor; use a cursor returned by this list",
        )
    };
    let decode = |field: &str, raw: &Option<String>| -> AppResult<Option<K>> {
        raw.as_deref()
            .map(|raw| match decode_cursor(field, raw, name)?.v {
                SortValue::Text(k) => serde_json::from_str::<K>(&k).map_err(|_| bad(field)),
                _ => Err(bad(field)),
            })
            .transpose()
    };
    let after = decode("after", &args.after)?;
    let before = decode("before", &args.before)?;
    // The window between the cursors' keys: (after, before), exclusive.
    let start = after
        .as_ref()
        .map_or(0, |a| items.partition_point(|x| key(x) <= *a));
    let end = before
        .as_ref()
        .map_or(total, |b| items.partition_point(|x| key(x) < *b))
        .max(start);
    let limit = limit as usize;
    let (from, to) = if backwards {
        (end.saturating_sub(limit).max(start), end)
    } else {
        (start, (start + limit).min(end))
    };
    let mut rows = Vec::with_capacity(to - from);
    for item in items.into_iter().skip(from).take(to - from) {
        let k = serde_json::to_string(&key(&item))
            .map_err(|e| AppError::Internal(format!("cursor key: {e}")))?;
        let cursor = Cursor {
            o: name.into(),
            v: SortValue::Text(k),
            id: 0,
        };
        rows.push((cursor, item));
    }
    let (has_next_page, has_previous_page) = if backwards {
        (args.before.is_some(), from > start)
    } else {
        (to < end, args.after.is_some())
    };
    Ok(Page {
        rows,
        has_next_page,
        has_previous_page,
        total: TotalCount::Known(total as i64),
    })
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
