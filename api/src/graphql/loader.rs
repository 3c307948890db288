//! DataLoader machinery shared by every module: load rows by id in one statement per batch.
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
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
    db: DatabaseConnection,
    _entity: PhantomData<fn() -> E>,
}

impl<E> ByIdLoader<E> {
    pub fn new(db: DatabaseConnection) -> Self {
        ByIdLoader {
            db,
            _entity: PhantomData,
        }
    }
}

impl<E> Loader<i64> for ByIdLoader<E>
where
    E: Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, E::Model>, Self::Error> {
        let rows = E::find()
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows.into_iter().map(|m| (E::id_of(&m), m)).collect())
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
