//! Batching shared by every domain: rows by id and nested pages, one statement per batch, in
//! per-request loaders. Nothing here knows GraphQL beyond the stack's `dataloader`.
mod child;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use async_graphql::dataloader::{DataLoader, Loader};
pub use child::{BuildList, ChildPageKey, ChildPageLoader, child_page, group_by};
use entity::row::Columns;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// An entity whose primary key is an `i64` column.
pub trait Keyed: EntityTrait {
    fn id_column() -> Self::Column;
    fn id_of(model: &Self::Model) -> i64;
}

#[macro_export]
macro_rules! keyed {
    ($($module:ident),+) => {$(
        impl $crate::batch::Keyed for entity::$module::Entity {
            fn id_column() -> Self::Column { entity::$module::Column::Id }
            fn id_of(m: &Self::Model) -> i64 { m.id }
        }
    )+};
}
keyed!(
    region,
    organization,
    pairing_agreement,
    responsibility_letter,
    fund_transfer,
    personnel_dispatch,
    project,
    progress_report,
    audit_event
);

/// Loads rows of `E` by id.
pub struct ByIdLoader<E> {
    db: Db,
    _entity: PhantomData<fn() -> E>,
}

impl<E> ByIdLoader<E> {
    pub fn new(db: Db) -> Self {
        ByIdLoader {
            db,
            _entity: PhantomData,
        }
    }
}

impl<E> ByIdLoader<E>
where
    E: Keyed,
    E::Model: entity::row::FromRow + Send + Sync,
{
    /// The rows with these ids, in one statement, reading only `columns` (see
    /// `entity::row::FromRow::from_row_of`).
    pub async fn fetch(&self, keys: &[i64], columns: Columns) -> Result<Vec<E::Model>, AppError> {
        let filter = crate::connection::id_in(
            self.db.get_database_backend(),
            E::id_column(),
            keys.iter().copied(),
        );
        crate::connection::fetch_all_of(&self.db, E::find().filter(filter), columns, keys.len())
            .await
    }
}

/// Rows by id, shared with the request's loader cache.
pub type RowsById<M> = HashMap<i64, Arc<M>, foldhash::fast::RandomState>;

impl<E> Loader<i64> for ByIdLoader<E>
where
    E: Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
{
    /// Shared, not copied: a request's cache hands the same row to every item that refers to it.
    type Value = Arc<E::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Arc<E::Model>>, Self::Error> {
        let rows = self.fetch(keys, Columns::ALL).await.map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|m| (E::id_of(&m), Arc::new(m)))
            .collect())
    }
}

/// A loader a request makes on its first use. Each domain declares its own loaders, so that the
/// shared machinery names none of them.
pub trait RequestLoader: Send + Sync + 'static {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self;
}

/// A request's loaders, by type, made when first asked for; their caches live as long as the
/// request.
pub struct Loaders {
    db: Db,
    batch_delay: std::time::Duration,
    made: std::sync::Mutex<
        HashMap<
            std::any::TypeId,
            Arc<dyn std::any::Any + Send + Sync>,
            foldhash::fast::RandomState,
        >,
    >,
}

impl Loaders {
    pub fn new(db: &Db, batch_delay: std::time::Duration) -> Self {
        Loaders {
            db: db.clone(),
            batch_delay,
            made: Default::default(),
        }
    }

    /// Forgets every loader and its cache: a subscription does this before each event, so that
    /// it reads the rows as they are now.
    pub fn clear(&self) {
        self.made.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The request's loader of type `T`.
    pub fn get<T: RequestLoader>(&self) -> Arc<T> {
        let make = || Arc::new(T::create(&self.db, self.batch_delay));
        // A poisoned lock only means another resolver panicked; the map is still whole.
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let any = made
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| make() as Arc<dyn std::any::Any + Send + Sync>)
            .clone();
        drop(made);
        any.downcast::<T>().unwrap_or_else(|_| make())
    }
}

/// A loader that batches the keys its resolvers ask for within `batch_delay`.
pub fn batched<K, L>(batch_delay: std::time::Duration, loader: L) -> DataLoader<L>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: Loader<K>,
{
    within(batch_delay, DataLoader::new(loader, tokio::spawn))
}

/// A short delay lets sibling resolvers join one batch.
fn within<K, L, C>(batch_delay: std::time::Duration, loader: DataLoader<L, C>) -> DataLoader<L, C>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: Loader<K>,
    C: async_graphql::dataloader::CacheFactory,
{
    loader.delay(batch_delay).max_batch_size(1000)
}

/// The request caches of loaders by row id. Hashed with foldhash: SipHash on `i64` keys was a
/// tenth of the server's instructions on a page of 100 transfers with their relations.
pub type IdCache = async_graphql::dataloader::HashMapCache<foldhash::fast::RandomState>;

/// Rows of `E` by id, cached for the request so that a page can prime it with all its keys in one
/// statement.
pub type ById<E> = DataLoader<ByIdLoader<E>, IdCache>;

impl<E> RequestLoader for ById<E>
where
    E: Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
{
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        let loader = ByIdLoader::new(db.clone());
        within(
            batch_delay,
            DataLoader::with_cache(loader, tokio::spawn, IdCache::new()),
        )
    }
}

/// The rows of `E` with `keys`, for the items of a page whose selection reads `columns` of them
/// (none when `None`: the items do not select them).
///
/// A nested page (`at_root` false) goes through the request's cached loader, in one batch with
/// its sibling pages. A page at the query's root has no siblings to wait for: it runs the loader's
/// statement itself, which spares the batching window and the DataLoader's per-key bookkeeping.
/// Partial rows go to the page's items only, never into the request cache, where another field
/// could read a column they lack; whole rows prime the cache.
pub async fn related_rows<E>(
    loaders: &Loaders,
    keys: impl IntoIterator<Item = i64>,
    columns: Option<Columns>,
    at_root: bool,
) -> AppResult<RowsById<E::Model>>
where
    E: Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
{
    let Some(columns) = columns else {
        return Ok(RowsById::default());
    };
    let keys: std::collections::BTreeSet<i64> = keys.into_iter().collect();
    if keys.is_empty() {
        return Ok(RowsById::default());
    }
    let loader = loaders.get::<ById<E>>();
    if !at_root {
        let rows = loader.load_many(keys).await;
        return Ok(rows?.into_iter().collect());
    }
    let columns = match columns.is_all() {
        true => columns,
        false => columns.union(crate::connection::positions::<E>(&[E::id_column()])),
    };
    let keys: Vec<i64> = keys.into_iter().collect();
    let rows: RowsById<E::Model> = loader
        .loader()
        .fetch(&keys, columns)
        .await?
        .into_iter()
        .map(|m| (E::id_of(&m), Arc::new(m)))
        .collect();
    if columns.is_all() {
        loader
            .feed_many(rows.iter().map(|(id, m)| (*id, m.clone())))
            .await;
    }
    Ok(rows)
}
