//! Settings: command-line flags with environment fallbacks.
use crate::auth::JwtSettings;
use crate::db::PoolSettings;
use crate::graphql::root::SchemaLimits;
use clap::Args;
use std::time::Duration;

/// The database to use.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: a SQLite file (`sqlite://pairing.db?mode=rwc`, or just a path) or
    /// `postgres://user@host/db` (`postgresql://` works too).
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "sqlite://pairing.db?mode=rwc"
    )]
    pub url: String,
    /// Largest number of pooled database connections.
    #[arg(long, env = "PAIRING_DB_POOL", default_value_t = 16)]
    pub db_pool: u32,
    /// Seconds to wait for a pooled connection before failing with SERVICE_UNAVAILABLE.
    #[arg(long, env = "PAIRING_DB_ACQUIRE_TIMEOUT", default_value_t = 3)]
    pub db_acquire_timeout: u64,
    /// PostgreSQL statement timeout in seconds.
    #[arg(long, env = "PAIRING_DB_STATEMENT_TIMEOUT", default_value_t = 10)]
    pub db_statement_timeout: u64,
}

impl DatabaseArgs {
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_pool.max(1),
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout.max(1)),
            statement_timeout: Duration::from_secs(self.db_statement_timeout.max(1)),
        }
    }
}

/// How tokens are verified.
#[derive(Args, Debug, Clone, Default)]
pub struct JwtArgs {
    /// HS256 shared secret (at least 16 bytes).
    #[arg(
        long = "jwt-secret",
        env = "PAIRING_JWT_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,
    /// Path of a PEM public key, for RS256 or ES256 tokens (instead of a secret).
    #[arg(long = "jwt-public-key", env = "PAIRING_JWT_PUBLIC_KEY")]
    pub public_key: Option<std::path::PathBuf>,
    /// Algorithm of the public key: RS256 or ES256.
    #[arg(long = "jwt-algorithm", env = "PAIRING_JWT_ALGORITHM")]
    pub algorithm: Option<String>,
    /// Required `iss` claim, if set.
    #[arg(long = "jwt-issuer", env = "PAIRING_JWT_ISSUER")]
    pub issuer: Option<String>,
    /// Required `aud` claim, if set.
    #[arg(long = "jwt-audience", env = "PAIRING_JWT_AUDIENCE")]
    pub audience: Option<String>,
    /// Clock leeway in seconds for `exp` and `nbf`.
    #[arg(long = "jwt-leeway", env = "PAIRING_JWT_LEEWAY", default_value_t = 30)]
    pub leeway: u64,
}

impl JwtArgs {
    pub fn settings(&self) -> Result<JwtSettings, String> {
        let public_key_pem = match &self.public_key {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
            None => None,
        };
        Ok(JwtSettings {
            secret: self.secret.clone(),
            public_key_pem,
            algorithm: self.algorithm.clone(),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            leeway_secs: self.leeway,
        })
    }
}

/// Operation limits.
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Deepest selection nesting allowed.
    #[arg(long, env = "PAIRING_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest computed cost of an operation.
    #[arg(long, env = "PAIRING_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "PAIRING_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most operations in one batch request.
    #[arg(long, env = "PAIRING_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Seconds a request may run before it is cancelled with TIMEOUT.
    #[arg(long, env = "PAIRING_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout: u64,
    /// Turn off schema introspection.
    #[arg(long, env = "PAIRING_NO_INTROSPECTION")]
    pub no_introspection: bool,
}

impl Default for LimitArgs {
    fn default() -> Self {
        LimitArgs {
            max_depth: 12,
            max_complexity: 20_000,
            max_body_bytes: 1024 * 1024,
            max_batch: 10,
            request_timeout: 10,
            no_introspection: false,
        }
    }
}

impl LimitArgs {
    pub fn schema(&self) -> SchemaLimits {
        SchemaLimits {
            depth: self.max_depth,
            complexity: self.max_complexity,
            recursive_depth: 32,
            introspection: !self.no_introspection,
        }
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub pool: PoolSettings,
    pub jwt: JwtSettings,
    pub limits: LimitArgs,
    pub demo: bool,
    pub workers: usize,
}
