//! GraphQL over HTTP: the POST and GET handlers, from the HTTP request to the operations.
use super::Shared;
use super::executor::run_with_deadline;
use super::pipeline::is_mutation;
use super::response::{Format, JSON, error_response, negotiate, respond};
use crate::auth::identify;
use crate::error::AppError;
use crate::observability::RequestId;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::{BatchRequest, Request};
use futures_util::StreamExt;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn request_id(req: &HttpRequest) -> String {
    match req.extensions().get::<RequestId>() {
        Some(id) => id.0.clone(),
        None => crate::observability::request_id_from(req.headers().get("x-request-id")),
    }
}

/// The answer when the client accepts none of the media types served.
fn not_acceptable(request_id: &str) -> HttpResponse {
    let e = AppError::BadRequest(
        "acceptable response types: application/graphql-response+json, application/json".into(),
    );
    error_response(StatusCode::NOT_ACCEPTABLE, Format::Json, request_id, &e)
}

/// Authenticates the caller, then runs the operations and answers.
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
            return error_response(StatusCode::UNAUTHORIZED, format, request_id, &e);
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
            &AppError::BadRequest(msg),
        );
    }
    let server_request_id = http
        .extensions()
        .get::<crate::observability::ServerRequestId>()
        .map_or_else(|| request_id.to_string(), |id| id.0.clone());
    let ids = (request_id, server_request_id.as_str());
    let finished = run_with_deadline(shared, identity, ids, requests, single, format).await;
    respond(finished, format, request_id)
}

/// Reads a request body: refused from its declared length before reading when too large (413),
/// cut off when it grows too large or does not arrive within the body timeout (408).
async fn read_body(
    shared: &Shared,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, (StatusCode, AppError)> {
    let max = shared.settings.limits.max_body_bytes;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(format!("the request body exceeds {max} bytes")),
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
                    AppError::BadRequest("the request body could not be read".into()),
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
            AppError::BadRequest("the request body did not arrive in time".into()),
        )),
    }
}

pub(super) async fn graphql_post(
    shared: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let rid = request_id(&req);
    let Some(format) = negotiate(req.headers()) else {
        return not_acceptable(&rid);
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
            &AppError::BadRequest("a POST needs Content-Type: application/json".into()),
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
            &AppError::BadRequest("a POST needs Content-Type: application/json (UTF-8)".into()),
        );
    }
    let body = match read_body(&shared, &req, payload).await {
        Ok(body) => body,
        Err((status, e)) => {
            let mut resp = error_response(status, format, &rid, &e);
            // The rest of the body is not read: the connection cannot be reused.
            resp.head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            return resp;
        }
    };
    let batch = match parse_body(&body) {
        Ok(b) => b,
        Err(e) => {
            return error_response(StatusCode::BAD_REQUEST, format, &rid, &e);
        }
    };
    execute(&shared, &req, batch, format, &rid).await
}

/// A POST body is a JSON object with a string `query` (or a non-empty array of them).
fn parse_body(body: &[u8]) -> Result<BatchRequest, AppError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!(
            "the body is not valid JSON: {}",
            e.to_string().chars().take(200).collect::<String>()
        ))
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
        return Err(AppError::BadRequest("the body must be a JSON object with a string `query` (or a non-empty array of such objects)".into()));
    }
    serde_json::from_value(value).map_err(|e| {
        AppError::BadRequest(format!(
            "malformed GraphQL request: {}",
            e.to_string().chars().take(200).collect::<String>()
        ))
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

pub(super) async fn graphql_get(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let rid = request_id(&req);
    let params = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                Format::Json,
                &rid,
                &AppError::BadRequest("malformed query string".into()),
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
            return crate::web::graphiql();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            Format::Json,
            &rid,
            &AppError::BadRequest("the `query` parameter is required".into()),
        );
    };
    let Some(format) = negotiate(req.headers()) else {
        return not_acceptable(&rid);
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
                    &AppError::BadRequest(format!("`{field}` must be a JSON object")),
                );
            }
        }
    }
    if is_mutation(&request) {
        let mut resp = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            &rid,
            &AppError::BadRequest("mutations must be sent with POST".into()),
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    execute(&shared, &req, BatchRequest::Single(request), format, &rid).await
}
