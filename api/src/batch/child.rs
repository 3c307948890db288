//! Nested pages: the pages of one list under many parents, one statement per batch.
use crate::db::Db;
use crate::error::{AppError, AppResult};
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::EntityTrait;
use std::collections::HashMap;
use std::sync::Arc;

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

/// The page of a list nested under `parent`, through the list's loader: one statement for the
/// pages of all the parents in the batch.
pub async fn child_page<E, S>(
    loader: &DataLoader<ChildPageLoader<E, S>>,
    parent: i64,
    spec: S,
    args: crate::connection::PageArgs,
    with_total: bool,
) -> AppResult<crate::connection::Page<E::Model>>
where
    E: sea_orm::EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
    E::Column: Send + Sync,
    S: Clone + Eq + std::hash::Hash + Send + Sync + 'static,
{
    crate::connection::page_size(&args)?;
    let key = ChildPageKey {
        parent,
        spec,
        args,
        with_total,
    };
    loader
        .load_one(key)
        .await?
        .ok_or_else(|| AppError::Internal("missing child page".into()))
}

/// Declares a domain's nested-list loader: pages of `$entity` under their parent `$column`.
#[macro_export]
macro_rules! child_page_loader {
    ($(#[$m:meta])* $name:ident, $entity:ident, $spec:ty, $build:path, $column:ident, $parent_of:expr) => {
        $(#[$m])*
        pub struct $name(
            pub async_graphql::dataloader::DataLoader<
                $crate::batch::ChildPageLoader<entity::$entity::Entity, $spec>,
            >,
        );

        impl $crate::batch::RequestLoader for $name {
            fn create(db: &$crate::db::Db, batch_delay: std::time::Duration) -> Self {
                $name($crate::batch::batched(
                    batch_delay,
                    $crate::batch::ChildPageLoader::new(
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
