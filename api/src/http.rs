//! The actix application: GraphQL over HTTP, GraphiQL, health, readiness and metrics; request
//! bodies read under a size limit and a deadline; operation limits checked off the async workers;
//! CORS and security headers.
use crate::auth::{JwtVerifier, identify};
use crate::config::Settings;
use crate::error::{AppError, finalize_error};
use crate::graphql::{AppState, Loaders, RequestContext};
use crate::limits::{LimitError, OperationLimits, TypeInfo};
use crate::observability::{Metrics, Outcome, RequestId};
use crate::schema::{AppSchema, build_schema, build_schema_validating};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, Request, Response, ServerError};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
/// For JSON answers: nothing may load, nothing may frame them.
const CSP_JSON: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// For GraphiQL: its scripts and styles come from unpkg and inline; it talks only to this origin.
const CSP_GRAPHIQL: &str = "default-src 'none'; script-src 'unsafe-inline' https://unpkg.com; style-src 'unsafe-inline' https://unpkg.com; img-src data: https:; font-src data: https://unpkg.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// What the HTTP handlers share.
pub struct Shared {
    pub schema: AppSchema,
    /// The same schema with async-graphql's fast validation, for a known document whose variables
    /// surely fit (see `graphql::variables`).
    pub validated_schema: AppSchema,
    pub db: DatabaseConnection,
    pub verifier: Option<JwtVerifier>,
    pub settings: Settings,
    pub metrics: Metrics,
    pub types: TypeInfo,
    pub limits: OperationLimits,
    pub executor: Executor,
    pub documents: DocumentCache,
}

/// Parsed documents by query text. Portals send the same few queries over and over with other
/// variables; parsing was a tenth of the server's CPU on a small query. Only documents that
/// passed every check are kept; the limits that depend on variables are still
/// checked on every request. Bounded: at most 64 documents of at most 1 KiB of text each (a
/// parsed document takes some tens of times its text).
pub struct DocumentCache(std::sync::Mutex<lru::LruCache<String, KnownDocument>>);

/// A cached document, and whether it has passed async-graphql's full validation.
#[derive(Clone)]
struct KnownDocument {
    doc: ExecutableDocument,
    validated: Arc<AtomicBool>,
}

impl DocumentCache {
    const CAPACITY: usize = 64;
    const MAX_QUERY_BYTES: usize = 1024;

    fn new() -> Self {
        let capacity =
            std::num::NonZeroUsize::new(Self::CAPACITY).unwrap_or(std::num::NonZeroUsize::MIN);
        DocumentCache(std::sync::Mutex::new(lru::LruCache::new(capacity)))
    }

    fn get(&self, query: &str) -> Option<KnownDocument> {
        self.0.lock().ok()?.get(query).cloned()
    }

    /// Keeps `doc`; returns its flag to set once it passes the full validation.
    fn put(&self, query: &str, doc: &ExecutableDocument) -> Option<Arc<AtomicBool>> {
        if query.len() > Self::MAX_QUERY_BYTES {
            return None;
        }
        let validated = Arc::new(AtomicBool::new(false));
        let known = KnownDocument {
            doc: doc.clone(),
            validated: validated.clone(),
        };
        self.0.lock().ok()?.put(query.to_string(), known);
        Some(validated)
    }
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
    match req.extensions().get::<RequestId>() {
        Some(id) => id.0.clone(),
        None => crate::observability::request_id_from(req.headers().get("x-request-id")),
    }
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
    let mut resp = HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            format!("{content_type}; charset=utf-8"),
        ))
        .insert_header(("x-request-id", request_id))
        .body(body.to_string());
    resp.extensions_mut().insert(Outcome {
        operation: None,
        codes: vec![static_code(code)],
    });
    resp
}

/// Error codes as the `'static` strings the metrics count by.
fn static_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "CONFLICT",
        "QUERY_TOO_COMPLEX",
        "TIMEOUT",
        "SERVICE_UNAVAILABLE",
        "INTERNAL",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("OTHER")
}

/// A response with one error carrying `code` (for failures before or instead of execution).
fn coded_error(code: &str, message: impl Into<String>) -> Response {
    let mut err = ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    Response::from_errors(vec![err])
}

/// Documents up to this size are checked inline: their parse and analysis take microseconds.
const INLINE_CHECK_BYTES: usize = 8 * 1024;

/// Token count, parse and limit analysis: CPU work bounded by the token limit. Larger documents are
/// checked on the blocking pool so that a heavy one never stalls the async workers.
async fn prepare(shared: &web::Data<Shared>, req: Request) -> Result<Checked, Box<Response>> {
    if req.query.len() <= INLINE_CHECK_BYTES {
        return check_request(shared, req);
    }
    let shared = shared.clone().into_inner();
    match tokio::task::spawn_blocking(move || check_request(&shared, req)).await {
        Ok(r) => r,
        Err(_) => Err(Box::new(coded_error(
            "INTERNAL",
            "internal error; the request id identifies it in the server log",
        ))),
    }
}

/// A request that passed the checks, with what the analysis found.
struct Checked {
    request: Request,
    /// The operation is a query: it only reads.
    query: bool,
    name: Option<String>,
    introspection: bool,
    validation: Validation,
    /// List items may be written directly (`graphql::collect`).
    direct_items: bool,
}

/// How much of async-graphql's validation an operation needs.
enum Validation {
    /// All of it; when the document is cached, its flag is set if it passes.
    Full(Option<Arc<AtomicBool>>),
    /// The document passed it before and the variables surely fit: the fast validation.
    Known,
}

fn check_request(shared: &Shared, mut req: Request) -> Result<Checked, Box<Response>> {
    // A cached document comes with its validation flag; a new one gets its flag when kept.
    let (doc, cached_flag) = match shared.documents.get(&req.query) {
        Some(known) => (known.doc, Some(known.validated)),
        None => {
            crate::limits::check_tokens(&req.query, &shared.limits).map_err(limit_response)?;
            let doc = async_graphql::parser::parse_query(&req.query)
                .map_err(|e| Box::new(Response::from_errors(vec![ServerError::from(e)])))?;
            (doc, None)
        }
    };
    let analysis = crate::limits::analyze(&doc, &shared.types, &req.variables, &shared.limits)
        .map_err(limit_response)?;
    if analysis.introspection && shared.settings.limits.no_introspection {
        return Err(Box::new(coded_error(
            "BAD_USER_INPUT",
            "introspection is switched off on this server",
        )));
    }
    let name = match (&req.operation_name, &doc.operations) {
        (Some(name), _) => Some(name.clone()),
        (None, DocumentOperations::Single(_)) => None,
        (None, DocumentOperations::Multiple(ops)) => ops.keys().next().map(|n| n.to_string()),
    };
    let validated_flag = match cached_flag {
        Some(flag) => Some(flag),
        // Only documents that passed every check are kept.
        None => shared.documents.put(&req.query, &doc),
    };
    let operation = selected_operation(&doc, req.operation_name.as_deref());
    let query = operation.is_some_and(|op| op.node.ty == OperationType::Query);
    let direct_items = operation
        .is_some_and(|op| !crate::graphql::collect::merges_fields(&doc, &op.node.selection_set));
    let validation = match (validated_flag, operation) {
        (Some(flag), Some(op))
            if flag.load(Ordering::Relaxed)
                && crate::graphql::variables::surely_valid(
                    &op.node,
                    &req.variables,
                    &shared.types,
                ) =>
        {
            Validation::Known
        }
        (flag, _) => Validation::Full(flag),
    };
    req.set_parsed_query(doc);
    Ok(Checked {
        request: req,
        query,
        name,
        introspection: analysis.introspection,
        validation,
        direct_items,
    })
}

fn limit_response(e: LimitError) -> Box<Response> {
    Box::new(coded_error(e.code, e.message))
}

/// Serializes the responses (an array for a batch); `None` when they exceed `limit` bytes.
fn serialize(
    responses: &[Response],
    single: bool,
    format: Format,
    limit: usize,
) -> Option<Vec<u8>> {
    let mut out = String::with_capacity(1024);
    if !single {
        out.push('[');
    }
    for (i, r) in responses.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if format == Format::GraphqlResponse && is_request_error(r) {
            out.push_str("{\"errors\":");
            out.push_str(&serde_json::to_string(&r.errors).ok()?);
            out.push('}');
        } else {
            crate::graphql::json::write_response(&mut out, r, limit).ok()?;
        }
    }
    if !single {
        out.push(']');
    }
    (out.len() <= limit).then(|| out.into_bytes())
}

fn is_mutation(req: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    selected_operation(&doc, req.operation_name.as_deref())
        .is_some_and(|op| op.node.ty != OperationType::Query)
}

/// The operation a request runs: the one named, or the first.
fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    match name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name))
            .map(|(_, op)| op),
        None => doc.operations.iter().next().map(|(_, op)| op),
    }
}

/// A request failed before execution (parse, validation, coercion): no `data` at all.
fn is_request_error(resp: &Response) -> bool {
    resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}

/// Aborts a spawned task when dropped (deadline passed, or the client went away).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The runtime GraphQL operations execute on (database I/O included), apart from the HTTP workers.
pub struct Executor {
    runtime: Option<tokio::runtime::Runtime>,
    /// Permits for introspection operations: half the threads (at least one).
    introspection: tokio::sync::Semaphore,
}

impl Executor {
    fn new(threads: usize) -> Result<Executor, String> {
        let threads = threads.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("graphql")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the GraphQL executor: {e}"))?;
        Ok(Executor {
            runtime: Some(runtime),
            introspection: tokio::sync::Semaphore::new((threads / 2).max(1)),
        })
    }

    fn handle(&self) -> tokio::runtime::Handle {
        match &self.runtime {
            Some(rt) => rt.handle().clone(),
            None => tokio::runtime::Handle::current(),
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // Dropped from async code at shutdown: do not block on the runtime's tasks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A request's answer, serialized (on the executor: large answers cost CPU).
struct Finished {
    status: StatusCode,
    body: Vec<u8>,
    codes: Vec<&'static str>,
    operation: Option<String>,
}

/// The executor resolves a response key once per field that shares it and merges the values, so
/// one field's error would be reported once per such field; the specification executes the
/// merged field once (§6.3.2). Errors at the same path with the same message are one error.
fn dedup_field_errors(errors: &mut Vec<ServerError>) {
    if errors.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    errors
        .retain(|e| e.path.is_empty() || seen.insert((format!("{:?}", e.path), e.message.clone())));
}

/// Gives every error its code, then serializes under the response-size limit.
fn finish(
    shared: &Shared,
    mut responses: Vec<Response>,
    names: Vec<String>,
    single: bool,
    format: Format,
    request_id: &str,
) -> Finished {
    let count = responses.len();
    let operation = names.join(",");
    let mut codes = Vec::new();
    for resp in &mut responses {
        dedup_field_errors(&mut resp.errors);
        for err in &mut resp.errors {
            finalize_error(err, request_id);
            let code = err
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(static_code(s)),
                    _ => None,
                })
                .unwrap_or("OTHER");
            codes.push(code);
        }
    }
    let status = if single && format == Format::GraphqlResponse && is_request_error(&responses[0]) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let limit = shared.settings.limits.max_response_bytes;
    let body = match serialize(&responses, single, format, limit) {
        Some(body) => body,
        None => {
            drop(responses);
            let msg =
                format!("the response would exceed {limit} bytes; ask for fewer items or fields");
            let errs: Vec<Response> = (0..count)
                .map(|_| {
                    let mut r = coded_error("QUERY_TOO_COMPLEX", msg.clone());
                    r.data = async_graphql::Value::Null;
                    r
                })
                .collect();
            codes.push("QUERY_TOO_COMPLEX");
            serialize(&errs, single, Format::Json, usize::MAX).unwrap_or_default()
        }
    };
    Finished {
        status,
        body,
        codes,
        operation: (!operation.is_empty()).then_some(operation),
    }
}

/// Checks and executes the operations of one request, in order, and serializes their answer.
async fn run_operations(
    shared: web::Data<Shared>,
    identity: crate::auth::Identity,
    request_id: String,
    requests: Vec<Request>,
    single: bool,
    format: Format,
) -> Finished {
    let mut names = Vec::new();
    let mut responses = Vec::with_capacity(requests.len());
    for req in requests {
        let checked = match prepare(&shared, req).await {
            Ok(checked) => checked,
            Err(resp) => {
                responses.push(*resp);
                continue;
            }
        };
        names.extend(checked.name);
        let req = checked.request;
        // Introspection is pure CPU: it runs in a lane narrower than the executor, so that
        // however many arrive, a thread stays free for everything else.
        let _lane = match checked.introspection {
            true => shared.executor.introspection.acquire().await.ok(),
            false => None,
        };
        let db = match checked.query {
            true => crate::db::Db::for_query(&shared.db, &shared.metrics.sql),
            false => crate::db::Db::pooled(&shared.db),
        };
        let ctx = RequestContext {
            identity: identity.clone(),
            request_id: request_id.clone(),
            loaders: Loaders::new(
                &db,
                std::time::Duration::from_micros(shared.settings.limits.batch_delay_us),
            ),
            db,
            direct_items: checked.direct_items,
        };
        let schema = match checked.validation {
            Validation::Known => &shared.validated_schema,
            Validation::Full(_) => &shared.schema,
        };
        // A panic in a resolver becomes an INTERNAL error for this operation.
        let run = std::panic::AssertUnwindSafe(schema.execute(req.data(ctx)));
        responses.push(match futures_util::FutureExt::catch_unwind(run).await {
            Ok(resp) => {
                // An answer that is not a request error got past validation.
                if let Validation::Full(Some(flag)) = &checked.validation
                    && !is_request_error(&resp)
                {
                    flag.store(true, Ordering::Relaxed);
                }
                resp
            }
            Err(_) => {
                tracing::error!(request_id, "a resolver panicked");
                coded_error(
                    "INTERNAL",
                    "internal error; the request id identifies it in the server log",
                )
            }
        });
        // Let other requests' tasks run between the operations of a batch.
        tokio::task::yield_now().await;
    }
    finish(&shared, responses, names, single, format, &request_id)
}

async fn execute(
    shared: &web::Data<Shared>,
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
    // A batch answers with an array, even a batch of one.
    let single = matches!(batch, BatchRequest::Single(_));
    let requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs,
    };
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
    let count = requests.len();
    let timeout = Duration::from_secs(shared.settings.limits.request_timeout.max(1));
    // The operations run on the GraphQL executor, so CPU spent there never holds up the HTTP
    // workers. One deadline covers the whole request: when it passes (or the client goes away),
    // the task is aborted, which cancels whatever it was doing.
    let task = shared.executor.handle().spawn(run_operations(
        shared.clone(),
        identity,
        request_id.to_string(),
        requests,
        single,
        format,
    ));
    let _abort = AbortOnDrop(task.abort_handle());
    let finished = match tokio::time::timeout(timeout, task).await {
        Ok(Ok(done)) => done,
        Ok(Err(_)) => {
            tracing::error!(request_id, "the request's task failed");
            let r = (0..count)
                .map(|_| {
                    coded_error(
                        "INTERNAL",
                        "internal error; the request id identifies it in the server log",
                    )
                })
                .collect();
            finish(shared, r, Vec::new(), single, format, request_id)
        }
        Err(_) => {
            let e = AppError::Timeout;
            let r = (0..count)
                .map(|_| coded_error(e.code(), e.public_message()))
                .collect();
            finish(shared, r, Vec::new(), single, format, request_id)
        }
    };
    let content_type = if format == Format::GraphqlResponse {
        GRAPHQL_RESPONSE_JSON
    } else {
        JSON
    };
    let Finished {
        status,
        body,
        codes,
        operation,
    } = finished;
    let mut resp = HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            format!("{content_type}; charset=utf-8"),
        ))
        .insert_header(("x-request-id", request_id))
        .body(body);
    resp.extensions_mut().insert(Outcome { operation, codes });
    resp
}

/// Reads a request body: refused from its declared length before reading when too large (413),
/// cut off when it grows too large or does not arrive within the body timeout (408).
async fn read_body(
    shared: &Shared,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, (StatusCode, String)> {
    let max = shared.settings.limits.max_body_bytes;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body exceeds {max} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(64 * 1024) as usize);
    let timeout = Duration::from_secs(shared.settings.http.body_timeout.max(1));
    let read = async {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| {
                (
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read".to_string(),
                )
            })?;
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok(body),
        Ok(Err(e)) => Err(e),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time".to_string(),
        )),
    }
}

async fn graphql_post(
    shared: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
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
    let body = match read_body(&shared, &req, payload).await {
        Ok(body) => body,
        Err((status, msg)) => {
            let mut resp = error_response(status, format, &rid, "BAD_USER_INPUT", &msg);
            // The rest of the body is not read: the connection cannot be reused.
            resp.head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            return resp;
        }
    };
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
                .insert_header((header::CONTENT_SECURITY_POLICY, CSP_GRAPHIQL))
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
    // A load balancer's health check wants an answer soon, not after the pool's acquire timeout.
    let ping = tokio::time::timeout(Duration::from_secs(1), crate::db::ping(&shared.db));
    if ping.await.unwrap_or(false) {
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
    let body = shared.metrics.render(&shared.db);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("application/json")
        .body(r#"{"errors":[{"message":"no such resource","extensions":{"code":"NOT_FOUND"}}]}"#)
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

/// Security headers on every response (a handler's own, e.g. GraphiQL's CSP, take precedence).
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CONTENT_SECURITY_POLICY, CSP_JSON))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// CORS for the configured origins only (none by default): exact origin match, preflights answered
/// here, `X-Request-Id` exposed.
async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed = match (&origin, req.app_data::<web::Data<Shared>>()) {
        (Some(o), Some(shared)) => shared.settings.http.cors_origins.iter().any(|a| a == o),
        _ => false,
    };
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let resp = if allowed {
            HttpResponse::NoContent()
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    origin.clone().unwrap_or_default(),
                ))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type, accept, x-request-id",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish()
        } else {
            HttpResponse::Forbidden()
                .content_type("application/json")
                .body(r#"{"errors":[{"message":"this origin may not call the API","extensions":{"code":"FORBIDDEN"}}]}"#)
        };
        return Ok(req.into_response(resp));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if allowed && let Some(o) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id"),
        );
    }
    Ok(res)
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
        let sql = crate::db::SqlObserver::default();
        sql.watch(&mut db);
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
        let state = AppState { db: db.clone() };
        let schema = build_schema(Some(state.clone()), &settings.limits.schema());
        let validated_schema = build_schema_validating(
            Some(state),
            &settings.limits.schema(),
            async_graphql::ValidationMode::Fast,
        );
        let types = TypeInfo::from_sdl(&schema.sdl());
        let listener = std::net::TcpListener::bind(&settings.bind)
            .map_err(|e| format!("cannot bind {}: {e}", settings.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let workers = settings.workers;
        let http = settings.http.clone();
        let executor = Executor::new(if workers > 0 {
            workers
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        })?;
        let shared = web::Data::new(Shared {
            schema,
            validated_schema,
            db: db.clone(),
            verifier,
            limits: settings.limits.operation(),
            settings,
            metrics: Metrics::new(sql),
            types,
            executor,
            documents: DocumentCache::new(),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .configure(routes)
                .default_service(web::to(not_found))
                .wrap(security_headers())
                .wrap(middleware::from_fn(cors))
                .wrap(middleware::from_fn(crate::observability::observe))
        })
        // Slow or stalled clients: headers must arrive in time (bodies: see `read_body`).
        .client_request_timeout(Duration::from_secs(http.header_timeout.max(1)))
        .client_disconnect_timeout(Duration::from_secs(1))
        .shutdown_timeout(http.shutdown_timeout)
        // Signals are handled by the binary, which then stops gracefully and closes the pool.
        .disable_signals();
        if workers > 0 {
            server = server.workers(workers);
        }
        let server = server.listen(listener).map_err(|e| e.to_string())?.run();
        Ok(Application { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (`stop(true)` finishes in-flight requests first).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
