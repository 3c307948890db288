//! The pages of one list under many parents (or groups), in one statement per batch.
use super::*;

/// Pages of children for many parents at once (a nested connection under a list): one statement
/// with `ROW_NUMBER() OVER (PARTITION BY parent …)`. Its totals come from the same statement
/// (`COUNT(*) OVER (PARTITION BY parent)`, computed over the same rows the numbering reads) when
/// no cursor narrows the rows; otherwise from one grouped count.
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
    if limit == 0 {
        // No rows to read, but the cursors are still the client's to get right.
        apply_cursors(select.clone(), ordering, args)?;
    }
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
    // Totals folded into the windowed page: every row of a parent carries its parent's count, and
    // a parent without rows counts 0.
    let fold = with_total
        && single.is_none()
        && limit > 0
        && args.after.is_none()
        && args.before.is_none();
    let mut totals = match with_total && !fold {
        true => Some(counts_by(db, select.clone(), parent).await?),
        false => None,
    };
    let mut by_parent: HashMap<i64, Vec<E::Model>> = HashMap::new();
    if limit > 0 && !parent_ids.is_empty() {
        let ascending = ordering.descending == backwards;
        let order = if ascending { Order::Asc } else { Order::Desc };
        let select = apply_cursors(select, ordering, args)?;
        let statement = match single {
            Some(_) => ordered_page(select, ordering, order, limit, backend),
            None => backend.build(&windowed_pages(
                select, parent, ordering, order, limit, fold,
            )),
        };
        let expected_rows = parent_ids.len().saturating_mul(limit as usize + 1);
        // The model's columns, then (when folded) its parent's total.
        let rows = db
            .query_rows_with(statement, expected_rows, |row, checked| {
                let (model, next) = E::Model::from_row_at(row, checked, Columns::ALL, 0)?;
                let total = match fold {
                    true => Some(<i64 as entity::row::Col>::col(row, next, checked)?),
                    false => None,
                };
                Ok((model, total))
            })
            .await?;
        let mut counted = HashMap::new();
        for (model, total) in rows {
            let id = parent_of(&model);
            if let Some(total) = total {
                counted.insert(id, total);
            }
            by_parent.entry(id).or_default().push(model);
        }
        if fold {
            totals = Some(counted);
        }
    }
    Ok(pages_by_id(
        parent_ids, by_parent, totals, limit, backwards, ordering, args,
    ))
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
    if limit == 0 {
        apply_cursors(select.clone(), ordering, args)?;
    }
    let backend = db.get_database_backend();
    let totals = match with_total {
        true if groups.is_empty() => Some(HashMap::new()),
        true => Some(counts_by(db, select.clone(), group.clone()).await?),
        false => None,
    };
    let mut by_group: HashMap<i64, Vec<E::Model>> = HashMap::new();
    if limit > 0 && !groups.is_empty() {
        let ascending = ordering.descending == backwards;
        let order = if ascending { Order::Asc } else { Order::Desc };
        let mut window = WindowStatement::new();
        window.add_partition_by(group.clone());
        let mut inner = apply_cursors(select, ordering, args)?.into_query();
        inner.expr_as(group, Alias::new("page_group"));
        let outer = numbered(inner, window, ordering, order, limit);
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
    Ok(pages_by_id(
        groups, by_group, totals, limit, backwards, ordering, args,
    ))
}

/// The first `limit + 1` rows of `select` per `parent`, in `ordering`, numbered by a window;
/// with `count`, each row also carries the number of its parent's rows (`page_total`).
pub(super) fn windowed_pages<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    ordering: &Ordering<E>,
    order: Order,
    limit: u64,
    count: bool,
) -> SelectStatement {
    let window = || WindowStatement::partition_by((E::default(), parent));
    let mut inner = select.into_query();
    if count {
        inner.expr_window_as(Expr::cust("COUNT(*)"), window(), Alias::new("page_total"));
    }
    numbered(inner, window(), ordering, order, limit)
}

/// The first `limit + 1` rows of `inner` per partition of `window`, numbered in `ordering`.
fn numbered<E: EntityTrait>(
    mut inner: SelectStatement,
    mut window: WindowStatement,
    ordering: &Ordering<E>,
    order: Order,
    limit: u64,
) -> SelectStatement {
    if ordering.column.as_str() != ordering.id.as_str() {
        window.order_by((E::default(), ordering.column), order.clone());
    }
    window.order_by((E::default(), ordering.id), order);
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("page_rn"));
    Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("page"))
        .and_where(Expr::col(Alias::new("page_rn")).lte((limit + 1) as i64))
        .order_by(Alias::new("page_rn"), Order::Asc)
        .to_owned()
}

/// The number of rows of `select` under each value of `key`, for the pages' `totalCount`.
async fn counts_by<E, K>(db: &Db, select: Select<E>, key: K) -> AppResult<HashMap<i64, i64>>
where
    E: EntityTrait,
    K: sea_orm::ColumnAsExpr + sea_orm::IntoSimpleExpr + Clone,
{
    let counts: Vec<(i64, i64)> = select
        .select_only()
        .column_as(key.clone(), "g")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(key)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().collect())
}

/// The page of each of `ids` from the rows found under it (the look-ahead row included) and, when
/// counted, its total: the cut, the client's order restored and the cursors, for every id.
#[allow(clippy::too_many_arguments)]
fn pages_by_id<E: EntityTrait>(
    ids: &[i64],
    mut found: HashMap<i64, Vec<E::Model>>,
    totals: Option<HashMap<i64, i64>>,
    limit: u64,
    backwards: bool,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> HashMap<i64, Page<E::Model>> {
    ids.iter()
        .map(|id| {
            let rows = found.remove(id).unwrap_or_default();
            let total = match &totals {
                Some(totals) => TotalCount::Known(totals.get(id).copied().unwrap_or(0)),
                None => TotalCount::Unknown,
            };
            let page = into_page(rows, |m| m, limit, backwards, ordering, args, total);
            (*id, page)
        })
        .collect()
}
