//! Connecting to SQLite (the embedded default) or PostgreSQL, and running migrations.
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::time::Duration;

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
        opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", ms.to_string())]));
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
