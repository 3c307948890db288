//! Settings: command-line flags with environment fallbacks.
use crate::auth::JwtSettings;
use crate::db::PoolSettings;
use crate::limits::OperationLimits;
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
    #[arg(long, env = "PAIRING_DB_ACQUIRE_TIMEOUT", default_value_t = 2)]
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

/// Operation limits (see the README's "Operations" section for how cost is computed).
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Deepest field nesting allowed, fragments expanded.
    #[arg(long, env = "PAIRING_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest cost of an operation: each field 1, a connection its `first`/`last` (default 20)
    /// times its selection, an unpaged list 10 times its selection.
    #[arg(
        long,
        alias = "max-cost",
        env = "PAIRING_MAX_COMPLEXITY",
        default_value_t = 20_000
    )]
    pub max_complexity: usize,
    /// Most aliased fields in one operation.
    #[arg(long, env = "PAIRING_MAX_ALIASES", default_value_t = 50)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, env = "PAIRING_MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Most lexical tokens in one GraphQL document.
    #[arg(long, env = "PAIRING_MAX_TOKENS", default_value_t = 15_000)]
    pub max_tokens: usize,
    /// Deepest bracket nesting (`{`, `[`, `(`) in one GraphQL document.
    #[arg(long, env = "PAIRING_MAX_NESTING", default_value_t = 40)]
    pub max_nesting: usize,
    /// Most directives on one field or fragment.
    #[arg(long, env = "PAIRING_MAX_DIRECTIVES", default_value_t = 8)]
    pub max_directives: usize,
    /// Largest request body in bytes (larger: HTTP 413, refused from Content-Length unread).
    #[arg(long, env = "PAIRING_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest response body in bytes (larger: QUERY_TOO_COMPLEX instead of the data).
    #[arg(long, env = "PAIRING_MAX_RESPONSE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_response_bytes: usize,
    /// Most operations in one batch request.
    #[arg(long, env = "PAIRING_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Seconds a request may run before it is cancelled with TIMEOUT.
    #[arg(long, env = "PAIRING_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout: u64,
    /// Turn off schema introspection.
    #[arg(long, env = "PAIRING_NO_INTROSPECTION")]
    pub no_introspection: bool,
    /// Microseconds a DataLoader waits for sibling fields to join a batch before querying.
    #[arg(long, env = "PAIRING_BATCH_DELAY_US", default_value_t = 500)]
    pub batch_delay_us: u64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        LimitArgs {
            max_depth: 12,
            max_complexity: 20_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_tokens: 15_000,
            max_nesting: 40,
            max_directives: 8,
            max_body_bytes: 1024 * 1024,
            max_response_bytes: 8 * 1024 * 1024,
            max_batch: 10,
            request_timeout: 10,
            no_introspection: false,
            batch_delay_us: 500,
        }
    }
}

impl LimitArgs {
    pub fn schema(&self) -> SchemaLimits {
        SchemaLimits {
            recursive_depth: self.max_nesting.max(1),
            directives: self.max_directives.max(1),
            introspection: !self.no_introspection,
        }
    }

    pub fn operation(&self) -> OperationLimits {
        OperationLimits {
            max_depth: self.max_depth as u64,
            max_cost: self.max_complexity as u64,
            max_aliases: self.max_aliases as u64,
            max_root_fields: self.max_root_fields as u64,
            max_tokens: self.max_tokens as u64,
            max_nesting: self.max_nesting as u64,
        }
    }
}

/// HTTP behaviour: client timeouts, shutdown, CORS.
#[derive(Args, Debug, Clone)]
pub struct HttpArgs {
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "PAIRING_HEADER_TIMEOUT", default_value_t = 5)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "PAIRING_BODY_TIMEOUT", default_value_t = 10)]
    pub body_timeout: u64,
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    #[arg(long, env = "PAIRING_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    pub shutdown_timeout: u64,
    /// Origins allowed to call the API from browsers (repeat, or comma-separated); none by default.
    #[arg(
        long = "cors-origin",
        env = "PAIRING_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    #[command(flatten)]
    pub socket: SocketArgs,
}

impl Default for HttpArgs {
    fn default() -> Self {
        HttpArgs {
            header_timeout: 5,
            body_timeout: 10,
            shutdown_timeout: 10,
            cors_origins: Vec::new(),
            socket: SocketArgs::default(),
        }
    }
}

/// Subscriptions over WebSocket: what one connection and one token may hold, and when a client
/// is cut off.
#[derive(Args, Debug, Clone)]
pub struct SocketArgs {
    /// Most subscriptions open at once on one connection (more are refused with an error).
    #[arg(long, env = "PAIRING_WS_MAX_SUBSCRIPTIONS", default_value_t = 100)]
    pub ws_max_subscriptions: usize,
    /// Most subscriptions open at once per token, over all its connections: on PostgreSQL over
    /// all instances (see `--ws-lease-ttl`), on SQLite in the one process.
    #[arg(
        long,
        env = "PAIRING_WS_MAX_SUBSCRIPTIONS_PER_TOKEN",
        default_value_t = 500
    )]
    pub ws_max_subscriptions_per_token: usize,
    /// Seconds an instance's count of a token's subscriptions stays counted without being renewed
    /// (PostgreSQL; renewed every third of it): how long the subscriptions of a crashed instance
    /// still count against their tokens.
    #[arg(long, env = "PAIRING_WS_LEASE_TTL", default_value_t = 30)]
    pub ws_lease_ttl: u64,
    /// Largest client message in bytes (larger: the connection is closed with 1009).
    #[arg(long, env = "PAIRING_WS_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_message_bytes: usize,
    /// Seconds a connection may stay without any subscription before it is closed.
    #[arg(long, env = "PAIRING_WS_IDLE_TIMEOUT", default_value_t = 300)]
    pub ws_idle_timeout: u64,
    /// Seconds between the server's pings.
    #[arg(long, env = "PAIRING_WS_PING_INTERVAL", default_value_t = 15)]
    pub ws_ping_interval: u64,
    /// Seconds without any frame from the client (pongs included) before it is taken as gone.
    #[arg(long, env = "PAIRING_WS_PING_TIMEOUT", default_value_t = 45)]
    pub ws_ping_timeout: u64,
    /// Messages queued for one connection; a client that lets more pile up is disconnected.
    #[arg(long, env = "PAIRING_WS_SEND_BUFFER", default_value_t = 256)]
    pub ws_send_buffer: usize,
    /// Seconds one message may wait for the client to take it before the client is disconnected.
    #[arg(long, env = "PAIRING_WS_SEND_TIMEOUT", default_value_t = 10)]
    pub ws_send_timeout: u64,
    /// Change events this instance holds for its slowest subscriber; one further behind is
    /// disconnected.
    #[arg(long, env = "PAIRING_EVENT_BUFFER", default_value_t = 4096)]
    pub event_buffer: usize,
}

impl Default for SocketArgs {
    fn default() -> Self {
        SocketArgs {
            ws_max_subscriptions: 100,
            ws_max_subscriptions_per_token: 500,
            ws_lease_ttl: 30,
            ws_max_message_bytes: 64 * 1024,
            ws_idle_timeout: 300,
            ws_ping_interval: 15,
            ws_ping_timeout: 45,
            ws_send_buffer: 256,
            ws_send_timeout: 10,
            event_buffer: 4096,
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
    pub http: HttpArgs,
    pub demo: bool,
    pub workers: usize,
}

impl Settings {
    /// Demo mode installs a public development secret and demo data: it is for a developer's own
    /// machine, so it listens on a loopback address only (every address the bind resolves to).
    pub fn check_demo_bind(&self) -> Result<(), String> {
        use std::net::ToSocketAddrs;
        if !self.demo {
            return Ok(());
        }
        let loopback = self
            .bind
            .to_socket_addrs()
            .map(|addrs| addrs.collect::<Vec<_>>())
            .is_ok_and(|addrs| !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
        if loopback {
            Ok(())
        } else {
            Err(format!(
                "--demo (PAIRING_DEMO) refused on {}: demo mode trusts a public development secret \
                 and listens on a loopback address only (e.g. 127.0.0.1:8080); configure \
                 PAIRING_JWT_SECRET or PAIRING_JWT_PUBLIC_KEY and drop --demo to serve others",
                self.bind
            ))
        }
    }
}

/// Limits the schema itself applies; depth, cost, aliases and root fields are checked before
/// execution by `crate::limits` (with fragments expanded and the walk bounded).
#[derive(Debug, Clone)]
pub struct SchemaLimits {
    pub recursive_depth: usize,
    pub directives: usize,
    pub introspection: bool,
}

impl Default for SchemaLimits {
    fn default() -> Self {
        SchemaLimits {
            recursive_depth: 40,
            directives: 8,
            introspection: true,
        }
    }
}
