//! The per-token subscription limit across instances (PostgreSQL): table `subscription_leases`
//! holds one row per token and instance with that instance's live subscriptions of the token.
//! Taking one counts the rows of every instance that have not expired, under a transaction-scoped
//! advisory lock on the token (so two instances cannot both take the last one); each instance
//! renews its rows every third of `--ws-lease-ttl` and deletes expired ones. A crashed instance's
//! rows stop counting once their lease runs out: for at most that long its subscriptions still
//! count against their tokens. On SQLite (one process) the count is kept in memory.
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use std::time::Duration;

#[derive(Clone)]
pub struct Leases {
    db: DatabaseConnection,
    /// This process's name in the table, new at each start.
    instance: String,
    ttl: Duration,
}

impl Leases {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Self {
        Leases {
            db,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            ttl: ttl.max(Duration::from_secs(1)),
        }
    }

    fn ttl_secs(&self) -> f64 {
        self.ttl.as_secs_f64()
    }

    /// Takes one subscription of `token` if all instances together hold fewer than `limit`.
    pub async fn take(&self, token: &str, limit: usize) -> AppResult<bool> {
        let txn = self.db.begin().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7301))",
            [token.into()],
        ))
        .await?;
        let held: i64 = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT COALESCE(SUM(subscriptions), 0)::bigint FROM subscription_leases \
                 WHERE token = $1 AND expires_at > now()",
                [token.into()],
            ))
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        if held >= i64::try_from(limit).unwrap_or(i64::MAX) {
            txn.rollback().await?;
            return Ok(false);
        }
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO subscription_leases (token, instance, subscriptions, expires_at) \
             VALUES ($1, $2, 1, now() + make_interval(secs => $3)) \
             ON CONFLICT (token, instance) DO UPDATE \
             SET subscriptions = subscription_leases.subscriptions + 1, \
                 expires_at = EXCLUDED.expires_at",
            [
                token.into(),
                self.instance.clone().into(),
                self.ttl_secs().into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Gives back `count` of the token's subscriptions on this instance.
    pub async fn give_back(&self, token: &str, count: usize) -> AppResult<()> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE subscription_leases SET subscriptions = GREATEST(subscriptions - $3, 0) \
                 WHERE token = $1 AND instance = $2",
                [
                    token.into(),
                    self.instance.clone().into(),
                    i64::try_from(count).unwrap_or(i64::MAX).into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// Renews this instance's leases and removes expired rows (any instance's) and its own empty
    /// ones.
    pub async fn renew(&self) -> AppResult<()> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE subscription_leases SET expires_at = now() + make_interval(secs => $2) \
                 WHERE instance = $1",
                [self.instance.clone().into(), self.ttl_secs().into()],
            ))
            .await?;
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM subscription_leases \
                 WHERE expires_at < now() OR (instance = $1 AND subscriptions = 0)",
                [self.instance.clone().into()],
            ))
            .await?;
        Ok(())
    }

    /// Renews every third of the lease's lifetime, for as long as the process runs.
    pub fn keep_renewing(&self) {
        let leases = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(leases.ttl / 3);
            loop {
                ticks.tick().await;
                if let Err(e) = leases.renew().await {
                    tracing::warn!(error = %e, "subscription leases could not be renewed");
                }
            }
        });
    }
}
