//! Pages whose statement joins the related rows their items show.
use super::*;

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
        // No rows to read, but the cursors are still the client's to get right.
        apply_cursors(select, ordering, args)?;
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
