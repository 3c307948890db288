//! DataLoader machinery shared by every module: load rows by id in one statement per batch.
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
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
        impl $crate::graphql::loader::Keyed for entity::$module::Entity {
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

/// Groups child rows under their parent id, for by-parent loaders.
pub fn group_by<M>(rows: Vec<M>, parent: impl Fn(&M) -> i64) -> HashMap<i64, Vec<M>> {
    let mut out: HashMap<i64, Vec<M>> = HashMap::new();
    for row in rows {
        out.entry(parent(&row)).or_default().push(row);
    }
    out
}

/// A nested connection's page for one parent: which parent, under which list spec (filter, order,
/// visibility) and paging arguments.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ChildPageKey<S> {
    pub parent: i64,
    pub spec: S,
    pub args: crate::connection::PageArgs,
    pub with_total: bool,
}

/// Builds a list's filtered select and ordering from its spec.
pub type BuildList<E, S> =
    fn(&S) -> crate::error::AppResult<(sea_orm::Select<E>, crate::connection::Ordering<E>)>;

/// Loads the pages of a nested connection for all parents of a batch in one statement per spec.
pub struct ChildPageLoader<E: EntityTrait, S> {
    db: Db,
    build: BuildList<E, S>,
    parent: E::Column,
    parent_of: fn(&E::Model) -> i64,
}

impl<E: EntityTrait, S> ChildPageLoader<E, S> {
    pub fn new(
        db: Db,
        build: BuildList<E, S>,
        parent: E::Column,
        parent_of: fn(&E::Model) -> i64,
    ) -> Self {
        ChildPageLoader {
            db,
            build,
            parent,
            parent_of,
        }
    }
}

impl<E, S> Loader<ChildPageKey<S>> for ChildPageLoader<E, S>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
    E::Column: Send + Sync,
    S: Clone + Eq + std::hash::Hash + Send + Sync + 'static,
{
    type Value = crate::connection::Page<E::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[ChildPageKey<S>],
    ) -> Result<HashMap<ChildPageKey<S>, Self::Value>, Self::Error> {
        let mut groups: HashMap<(S, crate::connection::PageArgs, bool), Vec<i64>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.spec.clone(), k.args.clone(), k.with_total))
                .or_default()
                .push(k.parent);
        }
        let mut out = HashMap::new();
        for ((spec, args, with_total), parents) in groups {
            let (select, ordering) = (self.build)(&spec).map_err(Arc::new)?;
            let pages = crate::connection::fetch_child_pages(
                &self.db,
                select,
                self.parent,
                self.parent_of,
                &parents,
                &ordering,
                &args,
                with_total,
            )
            .await
            .map_err(Arc::new)?;
            for (parent, page) in pages {
                out.insert(
                    ChildPageKey {
                        parent,
                        spec: spec.clone(),
                        args: args.clone(),
                        with_total,
                    },
                    page,
                );
            }
        }
        Ok(out)
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

/// Declares a domain's nested-list loader: pages of `$entity` under their parent `$column`.
#[macro_export]
macro_rules! child_page_loader {
    ($(#[$m:meta])* $name:ident, $entity:ident, $spec:ty, $build:path, $column:ident, $parent_of:expr) => {
        $(#[$m])*
        pub struct $name(
            pub async_graphql::dataloader::DataLoader<
                $crate::graphql::loader::ChildPageLoader<entity::$entity::Entity, $spec>,
            >,
        );

        impl $crate::graphql::loader::RequestLoader for $name {
            fn create(db: &$crate::db::Db, batch_delay: std::time::Duration) -> Self {
                $name($crate::graphql::loader::batched(
                    batch_delay,
                    $crate::graphql::loader::ChildPageLoader::new(
                        db.clone(),
                        $build,
                        entity::$entity::Column::$column,
                        $parent_of,
                    ),
                ))
            }
        }
    };
}
