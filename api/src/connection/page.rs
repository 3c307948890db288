//! One page of a list: the root page builder, and the cut of the look-ahead row into a page.
use super::*;

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

/// Cuts the extra look-ahead row, restores client order and attaches cursors.
pub(super) fn into_page<E: EntityTrait, T>(
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

/// `select` in `ordering` (`order` applied to its column, then its id), cut at one row past
/// `limit`: the page and the row that tells whether another follows.
pub(super) fn ordered_page<E: EntityTrait>(
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
