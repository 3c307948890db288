//! One harness for both databases: a real server on 127.0.0.1:0 over a fresh database per test.
//! `TEST_DATABASE_URL` unset: a fresh SQLite file; `postgres://…`: a fresh PostgreSQL database.
use pairing_api::auth::{Claims, Role, mint_hs256};
use pairing_api::config::{LimitArgs, Settings};
use pairing_api::db::PoolSettings;
use pairing_api::http::Application;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

pub const TEST_SECRET: &str = "test-secret-for-the-suite-0123456789";

pub struct TestApp {
    pub base: String,
    /// The URL of this test's database (for tests that need a connection of their own).
    pub database_url: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[allow(dead_code)]
pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL")
        .map(|u| u.starts_with("postgres"))
        .unwrap_or(false)
}

async fn fresh_database() -> (String, Cleanup) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let url = pairing_api::db::normalize_url(&url);
            let admin = sea_orm::Database::connect(&url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            let name = format!("t_{}", unique());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (base, _) = url.rsplit_once('/').expect("a database URL has a path");
            (
                format!("{base}/{name}"),
                Cleanup::Postgres {
                    admin_url: url.clone(),
                    name,
                },
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("pairing-test-{}.db", unique()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::Sqlite(path),
            )
        }
    }
}

pub fn settings(database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url,
        pool: PoolSettings {
            max_connections: 8,
            ..PoolSettings::default()
        },
        jwt: pairing_api::auth::JwtSettings {
            secret: Some(TEST_SECRET.into()),
            leeway_secs: 0,
            ..Default::default()
        },
        // A generous batching window: statement counts must not depend on how busy the machine is.
        limits: LimitArgs {
            batch_delay_us: 20_000,
            ..LimitArgs::default()
        },
        http: Default::default(),
        demo: false,
        workers: 2,
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with adjusted settings (limits, keys …).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (url, cleanup) = fresh_database().await;
        let mut s = settings(url.clone());
        adjust(&mut s);
        let app = Application::build(s).await.expect("build application");
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.db.clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base,
            database_url: url,
            db,
            client: reqwest::Client::new(),
            cleanup: Some(cleanup),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A query as the anonymous caller.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(None, query, variables).await
    }

    /// A query with an optional bearer token; returns the JSON body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        resp.json().await.expect("JSON body")
    }

    /// The SQL statements the server has run so far (from `/metrics`).
    pub async fn sql_statements(&self) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|l| l.strip_prefix("pairing_sql_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("pairing_sql_statements_total in /metrics")
    }
}

/// A token for the suite's secret.
pub fn token(role: Role, org: Option<&str>, region: Option<&str>) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: format!("test-{}", role.as_str().to_lowercase()),
        role,
        org: org.map(str::to_string),
        region: region.map(str::to_string),
        exp: now + 3600,
        nbf: None,
        iat: Some(now),
        iss: None,
        aud: None,
    };
    mint_hs256(TEST_SECRET, &claims).expect("mint token")
}

impl Cleanup {
    fn remove(self) {
        match self {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Dropping a database needs its own runtime: Drop cannot await. The app's pool lives
                // on the test's runtime, so it is not closed from here: FORCE ends its sessions.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async move {
                        let admin = sea_orm::Database::connect(&admin_url).await.ok()?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await
                            .ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
            }
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.remove();
        }
    }
}

/// A fresh database of the pass (a SQLite file, or a PostgreSQL database when `TEST_DATABASE_URL`
/// says so) without a server, removed when dropped: for tests that start the binary themselves.
pub struct TestDatabase {
    pub url: String,
    cleanup: Option<Cleanup>,
}

impl TestDatabase {
    /// Blocks (on a runtime of its own) while the database is made: for synchronous tests.
    pub fn create() -> TestDatabase {
        let (url, cleanup) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(fresh_database());
        TestDatabase {
            url,
            cleanup: Some(cleanup),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.remove();
        }
    }
}

/// The `errors[0].extensions.code` of a response, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}
