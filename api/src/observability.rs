//! What operators see: a request id on every request, one structured log line per request, and the
//! Prometheus metrics served on `/metrics`.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

/// The request id of the current request (kept from `X-Request-Id` when sane, else a new uuid).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The server's own id of the current request, whatever the client sent: the audit log keeps it
/// beside the client's, which the server cannot vouch for.
#[derive(Clone, Debug)]
pub struct ServerRequestId(pub String);

/// What a GraphQL handler reports about a request, for the log line and the error counters.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub operation: Option<String>,
    pub codes: Vec<&'static str>,
}

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Counters, gauges and the latency histogram exposed on `/metrics`.
#[derive(Default)]
pub struct Metrics {
    /// GraphQL HTTP requests received.
    pub requests: AtomicU64,
    /// SQL statements executed.
    pub sql: crate::db::SqlObserver,
    in_flight: AtomicI64,
    responses: Mutex<BTreeMap<u16, u64>>,
    errors: Mutex<BTreeMap<&'static str, u64>>,
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    latency_count: AtomicU64,
}

impl Metrics {
    pub fn new(sql: crate::db::SqlObserver) -> Metrics {
        Metrics {
            sql,
            ..Default::default()
        }
    }

    fn observe(&self, status: u16, graphql: bool, seconds: f64, codes: &[&'static str]) {
        *self
            .responses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(status)
            .or_default() += 1;
        if !codes.is_empty() {
            let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
            for code in codes {
                *errors.entry(code).or_default() += 1;
            }
        }
        if graphql {
            let bucket = BUCKETS
                .iter()
                .position(|b| seconds <= *b)
                .unwrap_or(BUCKETS.len());
            self.latency[bucket].fetch_add(1, Ordering::Relaxed);
            self.latency_sum_micros
                .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
            self.latency_count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        let mut out = String::with_capacity(4096);
        fn metric(out: &mut String, name: &str, kind: &str, help: &str) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        }
        metric(
            &mut out,
            "pairing_graphql_requests_total",
            "counter",
            "GraphQL HTTP requests received.",
        );
        let _ = writeln!(
            out,
            "pairing_graphql_requests_total {}",
            self.requests.load(Ordering::Relaxed)
        );
        metric(
            &mut out,
            "pairing_sql_statements_total",
            "counter",
            "SQL statements executed.",
        );
        let _ = writeln!(out, "pairing_sql_statements_total {}", self.sql.count());
        metric(
            &mut out,
            "pairing_http_responses_total",
            "counter",
            "HTTP responses sent, by status code.",
        );
        for (status, n) in self
            .responses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "pairing_http_responses_total{{status=\"{status}\"}} {n}"
            );
        }
        metric(
            &mut out,
            "pairing_graphql_errors_total",
            "counter",
            "GraphQL errors returned, by extensions.code.",
        );
        for (code, n) in self.errors.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "pairing_graphql_errors_total{{code=\"{code}\"}} {n}");
        }
        metric(
            &mut out,
            "pairing_http_requests_in_flight",
            "gauge",
            "HTTP requests being served.",
        );
        let _ = writeln!(
            out,
            "pairing_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        metric(
            &mut out,
            "pairing_graphql_request_duration_seconds",
            "histogram",
            "Time to answer a GraphQL HTTP request.",
        );
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.latency[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "pairing_graphql_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.latency[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "pairing_graphql_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n\
             pairing_graphql_request_duration_seconds_sum {}\n\
             pairing_graphql_request_duration_seconds_count {}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            self.latency_count.load(Ordering::Relaxed)
        );
        let (size, idle, max) = pool_stats(db);
        metric(
            &mut out,
            "pairing_db_pool_connections",
            "gauge",
            "Database pool connections, by state.",
        );
        let _ = writeln!(
            out,
            "pairing_db_pool_connections{{state=\"in_use\"}} {}\npairing_db_pool_connections{{state=\"idle\"}} {idle}",
            size.saturating_sub(idle)
        );
        metric(
            &mut out,
            "pairing_db_pool_max_connections",
            "gauge",
            "Largest number of pooled database connections.",
        );
        let _ = writeln!(out, "pairing_db_pool_max_connections {max}");
        out
    }
}

/// (open, idle, max) connections of the pool.
fn pool_stats(db: &DatabaseConnection) -> (u64, u64, u64) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (
                p.size() as u64,
                p.num_idle() as u64,
                p.options().get_max_connections() as u64,
            )
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (
                p.size() as u64,
                p.num_idle() as u64,
                p.options().get_max_connections() as u64,
            )
        }
        _ => (0, 0, 0),
    }
}

/// The longest client request id kept.
pub const MAX_CLIENT_REQUEST_ID: usize = 64;

/// The client's request id, if it is 1 to 64 characters of letters, digits and `-_.:=/+` (enough
/// for UUIDs and trace ids; nothing that could be read as markup, quoting or a log line).
pub fn client_request_id(header: Option<&HeaderValue>) -> Option<String> {
    header
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_CLIENT_REQUEST_ID
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:=/+".contains(&b))
        })
        .map(str::to_string)
}

/// A request id from the client's header if it is acceptable, else a new one.
pub fn request_id_from(header: Option<&HeaderValue>) -> String {
    client_request_id(header).unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Middleware: request id in and out, one log line per request, metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let server = uuid::Uuid::new_v4().to_string();
    let rid =
        client_request_id(req.headers().get("x-request-id")).unwrap_or_else(|| server.clone());
    req.extensions_mut().insert(RequestId(rid.clone()));
    req.extensions_mut().insert(ServerRequestId(server));
    let metrics = req
        .app_data::<actix_web::web::Data<crate::http::Shared>>()
        .cloned();
    let method = req.method().to_string();
    let path = req.path().to_string();
    if let Some(m) = &metrics {
        m.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    }
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    if let Some(m) = &metrics {
        m.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
    let mut res = match result {
        Ok(res) => res,
        Err(e) => {
            tracing::warn!(request_id = %rid, method, path, error = %e, "request failed");
            return Err(e);
        }
    };
    let status = res.status().as_u16();
    let outcome = res
        .response()
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_default();
    if let Some(m) = &metrics {
        m.metrics.observe(
            status,
            path == "/graphql" && (method == "POST" || method == "GET"),
            elapsed.as_secs_f64(),
            &outcome.codes,
        );
    }
    let outcome_text = if outcome.codes.is_empty() {
        "ok".to_string()
    } else {
        outcome.codes.join(",")
    };
    let duration_ms = elapsed.as_secs_f64() * 1e3;
    if status >= 500 {
        tracing::warn!(request_id = %rid, method, path, status, duration_ms, operation = outcome.operation.as_deref().unwrap_or(""), outcome = outcome_text, "request");
    } else if path == "/graphql" {
        tracing::info!(request_id = %rid, method, path, status, duration_ms, operation = outcome.operation.as_deref().unwrap_or(""), outcome = outcome_text, "request");
    } else {
        tracing::debug!(request_id = %rid, method, path, status, duration_ms, "request");
    }
    if let Ok(v) = HeaderValue::from_str(&rid) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}
