//! Demo data: real reference regions and pairings, synthetic amounts and people.
//!
//! Everything is generated in memory first (deterministically), then written in one transaction
//! with multi-row inserts.
mod delivery;
mod generate;
mod names;
mod reference;
pub mod scale;
mod supervision;
mod villages;

pub use generate::{DemoData, FIRST_YEAR, LAST_YEAR, SEED, generate};

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName,
    EntityTrait, IntoActiveModel, PaginatorTrait, TransactionTrait,
};

/// Rows per INSERT: well under the bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const CHUNK: usize = 500;

/// Whether the database has neither regions nor organizations.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(entity::region::Entity::find().count(db).await? == 0
        && entity::organization::Entity::find().count(db).await? == 0)
}

/// Demo mode runs over an empty database (it loads the demo set) or over the demo set itself,
/// never over other data: the public development secret must not guard real records. The demo set
/// is recognized by its own generated transfers (the first and the last, as generated).
pub async fn check_demo_database(db: &DatabaseConnection) -> Result<(), String> {
    let refused = |why: String| {
        format!(
            "--demo (PAIRING_DEMO) refused: {why}; demo mode runs only over an empty database or \
             the demo data set (start it on a fresh database, e.g. --database-url \
             sqlite://demo.db?mode=rwc)"
        )
    };
    let failed = |e: DbErr| refused(format!("the database could not be checked ({e})"));
    if is_empty(db).await.map_err(failed)? {
        return Ok(());
    }
    let data = generate().map_err(failed)?;
    for t in [data.transfers.first(), data.transfers.last()]
        .into_iter()
        .flatten()
    {
        let row = entity::fund_transfer::Entity::find_by_id(t.id)
            .one(db)
            .await
            .map_err(failed)?;
        let same = row.is_some_and(|r| {
            (&r.reference_no, r.amount_fen, r.helper_id, r.year)
                == (&t.reference_no, t.amount_fen, t.helper_id, t.year)
        });
        if !same {
            return Err(refused(
                "the database holds data that the demo did not load".into(),
            ));
        }
    }
    Ok(())
}

/// Loads the demo data set unless the database already has regions or organizations.
pub async fn load_demo_if_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if !is_empty(db).await? {
        return Ok(false);
    }
    load_demo(db).await?;
    Ok(true)
}

/// Loads the demo data set into an empty database, all or nothing.
pub async fn load_demo(db: &DatabaseConnection) -> Result<(), DbErr> {
    let data = generate()?;
    let txn = db.begin().await?;
    insert_all::<entity::region::Entity, _, _>(&txn, data.regions).await?;
    insert_all::<entity::region::Entity, _, _>(&txn, data.villages).await?;
    insert_all::<entity::supervision_listing::Entity, _, _>(&txn, data.listings).await?;
    insert_all::<entity::organization::Entity, _, _>(&txn, data.organizations).await?;
    insert_all::<entity::pairing_agreement::Entity, _, _>(&txn, data.pairings).await?;
    insert_all::<entity::responsibility_letter::Entity, _, _>(&txn, data.letters).await?;
    insert_all::<entity::commitment::Entity, _, _>(&txn, data.commitments).await?;
    insert_all::<entity::letter_revision::Entity, _, _>(&txn, data.revisions).await?;
    insert_all::<entity::project::Entity, _, _>(&txn, data.projects).await?;
    insert_all::<entity::fund_transfer::Entity, _, _>(&txn, data.transfers).await?;
    insert_all::<entity::personnel_dispatch::Entity, _, _>(&txn, data.dispatches).await?;
    insert_all::<entity::progress_report::Entity, _, _>(&txn, data.reports).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Rows came with explicit ids, so the sequences must catch up before the next insert.
        for table in [
            entity::region::Entity.table_name(),
            entity::supervision_listing::Entity.table_name(),
            entity::organization::Entity.table_name(),
            entity::pairing_agreement::Entity.table_name(),
            entity::responsibility_letter::Entity.table_name(),
            entity::commitment::Entity.table_name(),
            entity::letter_revision::Entity.table_name(),
            entity::project::Entity.table_name(),
            entity::fund_transfer::Entity.table_name(),
            entity::personnel_dispatch::Entity.table_name(),
            entity::progress_report::Entity.table_name(),
        ] {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
    }
    insert_new::<entity::produce_deal::Entity, _, _>(&txn, data.deals).await?;
    insert_new::<entity::labor_placement::Entity, _, _>(&txn, data.placements).await?;
    delivery::load(&txn).await?;
    supervision::seed(&txn).await?;
    txn.commit().await
}

/// Inserts rows in multi-row statements of `CHUNK` rows.
async fn insert_all<E, A, C>(db: &C, rows: Vec<E::Model>) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
    E::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows
            .by_ref()
            .take(CHUNK)
            .map(IntoActiveModel::into_active_model)
            .collect();
        E::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Inserts rows in multi-row statements of `CHUNK` rows, letting the database number them.
async fn insert_new<E, A, C>(db: &C, rows: Vec<E::Model>) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
    E::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows
            .by_ref()
            .take(CHUNK)
            .map(|m| {
                let mut a = m.into_active_model();
                for key in <E::PrimaryKey as sea_orm::Iterable>::iter() {
                    a.not_set(sea_orm::PrimaryKeyToColumn::into_column(key));
                }
                a
            })
            .collect();
        E::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(())
}
