//! Connecting to SQLite (the embedded default) or PostgreSQL, running migrations, and the handle
//! each GraphQL operation runs its statements on.
use entity::row::{Columns, FromRow};
use futures_util::TryStreamExt;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, Postgres, pool::PoolConnection, postgres::PgPool};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{MappedMutexGuard, MutexGuard};

/// Accept `postgresql://` as well as `postgres://`, and a bare file name for SQLite.
pub fn normalize_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("postgresql://") {
        return format!("postgres://{rest}");
    }
    if url.starts_with("postgres://") || url.starts_with("sqlite:") {
        return url.to_string();
    }
    format!("sqlite://{url}?mode=rwc")
}

/// Pool settings that the embedded and the server database each need.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

pub async fn connect(url: &str, pool: &PoolSettings) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let url = normalize_url(url);
    let is_sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(if is_sqlite {
        pool.max_connections.min(8)
    } else {
        pool.max_connections
    })
    .min_connections(if is_sqlite { 1 } else { 0 })
    .acquire_timeout(pool.acquire_timeout)
    .connect_timeout(pool.acquire_timeout)
    // The pool already pings a connection when it is released (and drops it if broken); a second
    // ping on every acquire doubled the round trips of short reads.
    .test_before_acquire(false)
    .sqlx_logging(false);
    if is_sqlite {
        // WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .statement_cache_capacity(256)
        });
    } else {
        let ms = pool.statement_timeout.as_millis();
        // Memoize caches the inner rows of a nested loop per distinct key, but it builds its
        // cache on every execution: on a page that joins each item's helper, recipient and
        // project (keys rarely repeat within 100 rows) that setup cost PostgreSQL more than the
        // lookups it saved, a quarter of the page's throughput. No other statement of the API
        // is planned with it.
        opts.map_sqlx_postgres_opts(move |o| {
            o.options([
                ("statement_timeout", ms.to_string()),
                ("enable_memoize", "off".to_string()),
            ])
        });
    }
    Database::connect(opts).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    Migrator::up(db, None).await
}

/// A cheap round trip, for readiness.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Counts every statement the server runs (`pairing_sql_statements_total`) and, with
/// `RUST_LOG=pairing::sql=trace`, logs it: the log is what the benchmark replays as its floor.
#[derive(Clone, Default)]
pub struct SqlObserver(Arc<AtomicU64>);

impl SqlObserver {
    /// Observes every statement run through `db`'s pool.
    pub fn watch(&self, db: &mut DatabaseConnection) {
        let observer = self.clone();
        db.set_metric_callback(move |info| observer.record(info.statement, info.elapsed));
    }

    pub fn record(&self, statement: &Statement, elapsed: Duration) {
        self.0.fetch_add(1, Ordering::Relaxed);
        if tracing::enabled!(target: "pairing::sql", tracing::Level::TRACE) {
            let sql = statement
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            tracing::trace!(target: "pairing::sql", elapsed_us = elapsed.as_micros() as u64, "{sql}");
        }
    }

    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The database as one GraphQL operation sees it; every statement the operation runs goes through
/// it (services, loaders, deferred counts).
#[derive(Clone)]
pub struct Db(Arc<Source>);

enum Source {
    /// Each statement takes a connection from the pool and gives it back.
    Pool(DatabaseConnection),
    /// One connection, taken at the first statement and given back when the operation ends.
    Held(HeldConnection),
}

struct HeldConnection {
    pool: PgPool,
    connection: tokio::sync::Mutex<Option<PoolConnection<Postgres>>>,
    observer: SqlObserver,
}

impl Db {
    /// Statement by statement from the pool: for mutations, whose writes open their own
    /// transactions, and for SQLite.
    pub fn pooled(db: &DatabaseConnection) -> Db {
        Db(Arc::new(Source::Pool(db.clone())))
    }

    /// For a query operation. On PostgreSQL it holds one pooled connection for the whole
    /// operation: the pool pings every connection given back to it, a round trip that cost as
    /// much as a short read itself. Holding cannot exhaust the pool, because a holder never waits
    /// for a second connection: all of its statements go through this handle, one at a time.
    pub fn for_query(db: &DatabaseConnection, observer: &SqlObserver) -> Db {
        if db.get_database_backend() != DbBackend::Postgres {
            return Db::pooled(db);
        }
        Db(Arc::new(Source::Held(HeldConnection {
            pool: db.get_postgres_connection_pool().clone(),
            connection: tokio::sync::Mutex::new(None),
            observer: observer.clone(),
        })))
    }

    /// Runs `statement` and decodes each row into `M` as it arrives (see
    /// `entity::row::FromRow::from_row_of`). On a held connection no vector of raw rows is built,
    /// moved and converted first. `expected_rows` sizes the result (a page's length, an id
    /// list's): growing it row by row copied the models several times over.
    pub async fn query_rows<M: FromRow>(
        &self,
        statement: Statement,
        columns: Columns,
        expected_rows: usize,
    ) -> Result<Vec<M>, DbErr> {
        self.query_rows_with(statement, expected_rows, |row, checked| {
            M::from_row_of(row, checked, columns)
        })
        .await
    }

    /// `query_rows` with its own decoder, called with each row and whether it is the result's
    /// first (whose column types are to be checked).
    pub async fn query_rows_with<T>(
        &self,
        statement: Statement,
        expected_rows: usize,
        mut decode: impl FnMut(&QueryResult, bool) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        let held = match &*self.0 {
            Source::Pool(db) => {
                let rows = db.query_all_raw(statement).await?;
                return rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| decode(row, i == 0))
                    .collect();
            }
            Source::Held(held) => held,
        };
        let mut run = held.for_statement(&statement).await?;
        let mut models = Vec::with_capacity(expected_rows.min(1024));
        // A row that fails to decode ends the read early; sqlx drains the rest of the result
        // before the connection's next statement.
        let mut rows = sqlx_query(&statement).fetch(&mut **run.connection);
        while let Some(row) = rows.try_next().await.map_err(query_error)? {
            let row = QueryResult::from(row);
            models.push(decode(&row, models.is_empty())?);
        }
        Ok(models)
    }
}

impl HeldConnection {
    /// The operation's connection, taken from the pool on first use, for one statement; the
    /// statement is recorded when the returned guard drops (finished, failed or cancelled).
    /// Statements of one operation (sibling loaders run as separate tasks) take turns on it.
    async fn for_statement<'a>(
        &'a self,
        statement: &'a Statement,
    ) -> Result<StatementRun<'a>, DbErr> {
        let mut slot = self.connection.lock().await;
        if slot.is_none() {
            let connection = match self.pool.try_acquire() {
                Some(idle) => idle,
                // None idle: wait in line. Boxed: sqlx's acquire is a large future (kilobytes),
                // which every statement's future would otherwise carry and move.
                None => Box::pin(self.pool.acquire()).await.map_err(acquire_error)?,
            };
            *slot = Some(connection);
        }
        let connection = MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| DbErr::Custom("the held connection is missing".into()))?;
        Ok(StatementRun {
            connection,
            statement,
            observer: &self.observer,
            started: Instant::now(),
        })
    }
}

/// One statement on the held connection.
struct StatementRun<'a> {
    connection: MappedMutexGuard<'a, PoolConnection<Postgres>>,
    statement: &'a Statement,
    observer: &'a SqlObserver,
    started: Instant,
}

impl Drop for StatementRun<'_> {
    fn drop(&mut self) {
        self.observer.record(self.statement, self.started.elapsed());
    }
}

/// `statement` as sqlx runs it (prepared and cached on the connection, as the pool path does).
fn sqlx_query(statement: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = statement.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(
        sqlx::AssertSqlSafe(statement.sql.as_str()),
        SqlxValues(values),
    )
}

/// The same errors the pool path gives, so that error mapping sees no difference.
fn acquire_error(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        e => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
    }
}

fn query_error(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_error(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        match &*self.0 {
            Source::Pool(db) => db.get_database_backend(),
            Source::Held(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        let held = match &*self.0 {
            Source::Pool(db) => return db.execute_raw(statement).await,
            Source::Held(held) => held,
        };
        let mut run = held.for_statement(&statement).await?;
        let result = sqlx_query(&statement).execute(&mut **run.connection).await;
        result.map(ExecResult::from).map_err(exec_error)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let held = match &*self.0 {
            Source::Pool(db) => return db.execute_unprepared(sql).await,
            Source::Held(held) => held,
        };
        let statement = Statement::from_string(DbBackend::Postgres, sql);
        let mut run = held.for_statement(&statement).await?;
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut **run.connection)
            .await;
        result.map(ExecResult::from).map_err(exec_error)
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        let held = match &*self.0 {
            Source::Pool(db) => return db.query_one_raw(statement).await,
            Source::Held(held) => held,
        };
        let mut run = held.for_statement(&statement).await?;
        let result = sqlx_query(&statement)
            .fetch_optional(&mut **run.connection)
            .await;
        result
            .map(|row| row.map(QueryResult::from))
            .map_err(query_error)
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let held = match &*self.0 {
            Source::Pool(db) => return db.query_all_raw(statement).await,
            Source::Held(held) => held,
        };
        let mut run = held.for_statement(&statement).await?;
        let result = sqlx_query(&statement)
            .fetch_all(&mut **run.connection)
            .await;
        result
            .map(|rows| rows.into_iter().map(QueryResult::from).collect())
            .map_err(query_error)
    }
}
