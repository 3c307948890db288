//! The actix application: GraphQL over HTTP, GraphiQL, health, readiness and metrics.
use crate::auth::{JwtVerifier, identify};
use crate::config::Settings;
use crate::error::{AppError, finalize_error};
use crate::graphql::root::{AppSchema, build_schema};
use crate::graphql::{AppState, Loaders, RequestContext};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request, Response};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Counters exposed on `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub sql_statements: Arc<AtomicU64>,
}

/// What the HTTP handlers share.
pub struct Shared {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub verifier: Option<JwtVerifier>,
    pub settings: Settings,
    pub metrics: Metrics,
}

/// The media type of a response, chosen from the request's `Accept`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Json,
    GraphqlResponse,
}

fn negotiate(headers: &HeaderMap) -> Option<Format> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Format::Json);
    };
    let mut best: Option<(f32, Format)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Format::GraphqlResponse,
            JSON | "application/*" | "*/*" => Format::Json,
            _ => continue,
        };
        if q > 0.0
            && best.is_none_or(|(bq, bf)| {
                q > bq || (q == bq && format == Format::GraphqlResponse && bf != format)
            })
        {
            best = Some((q, format));
        }
    }
    if accept.trim().is_empty() {
        Some(Format::Json)
    } else {
        best.map(|(_, f)| f)
    }
}

fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// A response made of request-level errors only (nothing executed).
fn error_response(
    status: StatusCode,
    format: Format,
    request_id: &str,
    code: &str,
    message: &str,
) -> HttpResponse {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let content_type = if format == Format::GraphqlResponse {
        GRAPHQL_RESPONSE_JSON
    } else {
        JSON
    };
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            format!("{content_type}; charset=utf-8"),
        ))
        .insert_header(("x-request-id", request_id))
        .body(body.to_string())
}

fn is_mutation(req: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    let op = match &req.operation_name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str()))
            .map(|(_, op)| op),
        None => doc.operations.iter().next().map(|(_, op)| op),
    };
    op.is_some_and(|op| op.node.ty != OperationType::Query)
}

/// A request failed before execution (parse, validation, coercion): no `data` at all.
fn is_request_error(resp: &Response) -> bool {
    resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}

async fn execute(
    shared: &Shared,
    http: &HttpRequest,
    batch: BatchRequest,
    format: Format,
    request_id: &str,
) -> HttpResponse {
    shared.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let auth = http
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let identity = match identify(auth, shared.verifier.as_ref()) {
        Ok(identity) => identity,
        Err(e) => {
            return error_response(
                StatusCode::UNAUTHORIZED,
                format,
                request_id,
                e.code(),
                &e.public_message(),
            );
        }
    };
    let requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs,
    };
    let single = requests.len() == 1;
    if requests.len() > shared.settings.limits.max_batch {
        let msg = format!(
            "at most {} operations per batch",
            shared.settings.limits.max_batch
        );
        return error_response(
            StatusCode::BAD_REQUEST,
            format,
            request_id,
            "BAD_USER_INPUT",
            &msg,
        );
    }
    let timeout = Duration::from_secs(shared.settings.limits.request_timeout.max(1));
    let mut responses = Vec::with_capacity(requests.len());
    for req in requests {
        let ctx = RequestContext {
            identity: identity.clone(),
            request_id: request_id.to_string(),
            loaders: Loaders::new(&shared.db),
        };
        let fut = shared.schema.execute(req.data(ctx));
        let mut resp = match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r,
            Err(_) => {
                let e = AppError::Timeout;
                let mut r = Response::from_errors(vec![async_graphql::ServerError::new(
                    e.public_message(),
                    None,
                )]);
                r.errors[0]
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", e.code());
                r
            }
        };
        for err in &mut resp.errors {
            finalize_error(err, request_id);
        }
        responses.push(resp);
    }
    let mut status = StatusCode::OK;
    let bodies: Vec<serde_json::Value> = responses
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if format == Format::GraphqlResponse && is_request_error(r) {
                if single {
                    status = StatusCode::BAD_REQUEST;
                }
                if let Some(o) = v.as_object_mut() {
                    o.remove("data");
                }
            }
            v
        })
        .collect();
    let body = if single {
        bodies.into_iter().next().unwrap_or_default()
    } else {
        serde_json::Value::Array(bodies)
    };
    let content_type = if format == Format::GraphqlResponse {
        GRAPHQL_RESPONSE_JSON
    } else {
        JSON
    };
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            format!("{content_type}; charset=utf-8"),
        ))
        .insert_header(("x-request-id", request_id))
        .body(body.to_string())
}

async fn graphql_post(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let rid = request_id(&req);
    let Some(format) = negotiate(req.headers()) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            Format::Json,
            &rid,
            "BAD_USER_INPUT",
            "acceptable response types: application/graphql-response+json, application/json",
        );
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.to_ascii_lowercase());
    let Some(content_type) = content_type else {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format,
            &rid,
            "BAD_USER_INPUT",
            "a POST needs Content-Type: application/json",
        );
    };
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim();
    let charset_ok = parts.all(|p| match p.trim().strip_prefix("charset=") {
        Some(cs) => cs.trim_matches('"').eq_ignore_ascii_case("utf-8"),
        None => true,
    });
    if media != JSON || !charset_ok {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format,
            &rid,
            "BAD_USER_INPUT",
            "a POST needs Content-Type: application/json (UTF-8)",
        );
    }
    let batch = match parse_body(&body) {
        Ok(b) => b,
        Err(msg) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                format,
                &rid,
                "BAD_USER_INPUT",
                &msg,
            );
        }
    };
    execute(&shared, &req, batch, format, &rid).await
}

/// A POST body is a JSON object with a string `query` (or a non-empty array of them).
fn parse_body(body: &[u8]) -> Result<BatchRequest, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the body is not valid JSON: {}",
            e.to_string().chars().take(200).collect::<String>()
        )
    })?;
    let well_formed = |v: &serde_json::Value| {
        v.as_object()
            .is_some_and(|o| o.get("query").is_some_and(|q| q.is_string()))
    };
    let ok = match &value {
        serde_json::Value::Array(items) => !items.is_empty() && items.iter().all(well_formed),
        other => well_formed(other),
    };
    if !ok {
        return Err("the body must be a JSON object with a string `query` (or a non-empty array of such objects)".into());
    }
    serde_json::from_value(value).map_err(|e| {
        format!(
            "malformed GraphQL request: {}",
            e.to_string().chars().take(200).collect::<String>()
        )
    })
}

#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let rid = request_id(&req);
    let params = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                Format::Json,
                &rid,
                "BAD_USER_INPUT",
                "malformed query string",
            );
        }
    };
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let Some(query) = params.query else {
        if wants_html {
            return HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(
                    GraphiQLSource::build()
                        .endpoint("/graphql")
                        .title("Paired assistance — GraphiQL")
                        .finish(),
                );
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            Format::Json,
            &rid,
            "BAD_USER_INPUT",
            "the `query` parameter is required",
        );
    };
    let Some(format) = negotiate(req.headers()) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            Format::Json,
            &rid,
            "BAD_USER_INPUT",
            "acceptable response types: application/graphql-response+json, application/json",
        );
    };
    let mut request = Request::new(query);
    request.operation_name = params.operation_name;
    for (field, raw) in [
        ("variables", &params.variables),
        ("extensions", &params.extensions),
    ] {
        let Some(raw) = raw else { continue };
        let parsed: Result<serde_json::Map<String, serde_json::Value>, _> =
            serde_json::from_str(raw);
        match parsed {
            Ok(map) if field == "variables" => {
                request.variables =
                    async_graphql::Variables::from_json(serde_json::Value::Object(map))
            }
            Ok(_) => {}
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    format,
                    &rid,
                    "BAD_USER_INPUT",
                    &format!("`{field}` must be a JSON object"),
                );
            }
        }
    }
    if is_mutation(&request) {
        let resp = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            &rid,
            "BAD_USER_INPUT",
            "mutations must be sent with POST",
        );
        let mut resp = resp;
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    execute(&shared, &req, BatchRequest::Single(request), format, &rid).await
}

async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

async fn ready(shared: web::Data<Shared>) -> HttpResponse {
    if crate::db::ping(&shared.db).await {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ready"}"#)
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("application/json")
            .body(r#"{"status":"database unreachable"}"#)
    }
}

async fn metrics(shared: web::Data<Shared>) -> HttpResponse {
    let m = &shared.metrics;
    let body = format!(
        "# HELP pairing_graphql_requests_total GraphQL HTTP requests received.\n# TYPE pairing_graphql_requests_total counter\npairing_graphql_requests_total {}\n\
         # HELP pairing_sql_statements_total SQL statements executed.\n# TYPE pairing_sql_statements_total counter\npairing_sql_statements_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.sql_statements.load(Ordering::Relaxed),
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// Registers the routes on an actix app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route(
            "/graphql",
            web::method(Method::HEAD).to(HttpResponse::MethodNotAllowed),
        )
        .route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics));
}

/// A built server: bound, connected, migrated; `run_until_stopped` serves it.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    pub db: DatabaseConnection,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, String> {
        let mut db = crate::db::connect(&settings.database_url, &settings.pool)
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        crate::db::migrate(&db)
            .await
            .map_err(|e| format!("migration failed: {e}"))?;
        if settings.demo {
            crate::seed::load_demo_if_empty(&db)
                .await
                .map_err(|e| format!("demo data failed: {e}"))?;
        }
        let sql_statements = Arc::new(AtomicU64::new(0));
        let counter = sql_statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let mut jwt = settings.jwt.clone();
        if settings.demo && jwt.secret.is_none() && jwt.public_key_pem.is_none() {
            jwt.secret = Some(crate::auth::DEMO_SECRET.to_string());
            tracing::warn!(
                "!!! DEMO MODE: tokens are verified with the fixed, public development secret; \
                 anyone can mint any role (`pairing token --demo`). Never expose this server. !!!"
            );
        }
        let verifier = JwtVerifier::from_settings(&jwt)?;
        if verifier.is_none() {
            tracing::warn!(
                "no JWT key configured: every caller is anonymous and the API is read-only \
                 (set PAIRING_JWT_SECRET or PAIRING_JWT_PUBLIC_KEY to accept writes)"
            );
        }
        let schema = build_schema(Some(AppState { db: db.clone() }), &settings.limits.schema());
        let listener = std::net::TcpListener::bind(&settings.bind)
            .map_err(|e| format!("cannot bind {}: {e}", settings.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let max_body = settings.limits.max_body_bytes;
        let workers = settings.workers;
        let shared = web::Data::new(Shared {
            schema,
            db: db.clone(),
            verifier,
            settings,
            metrics: Metrics {
                requests: AtomicU64::new(0),
                sql_statements,
            },
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .configure(routes)
        })
        .client_request_timeout(Duration::from_secs(5))
        .shutdown_timeout(10);
        if workers > 0 {
            server = server.workers(workers);
        }
        let server = server.listen(listener).map_err(|e| e.to_string())?.run();
        Ok(Application { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
