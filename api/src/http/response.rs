//! What a GraphQL answer looks like on the wire: its media type, its serialization under the
//! response-size limit, and answers made of request-level errors.
use super::pipeline::{Finished, is_request_error};
use crate::error::AppError;
use crate::observability::Outcome;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use async_graphql::Response;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(super) const JSON: &str = "application/json";

/// The media type of a response, chosen from the request's `Accept`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Format {
    Json,
    GraphqlResponse,
}

impl Format {
    /// The `Content-Type` of an answer in this format.
    fn content_type(self) -> String {
        let media = match self {
            Format::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
            Format::Json => JSON,
        };
        format!("{media}; charset=utf-8")
    }
}

/// The format the client accepts best; `None` when it accepts none of them.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<Format> {
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

/// A response made of one request-level error (nothing executed).
pub(super) fn error_response(
    status: StatusCode,
    format: Format,
    request_id: &str,
    error: &AppError,
) -> HttpResponse {
    let body = serde_json::json!({ "errors": [{
        "message": error.public_message(),
        "extensions": { "code": error.code() },
    }] });
    let mut resp = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header(("x-request-id", request_id))
        .body(body.to_string());
    resp.extensions_mut().insert(Outcome {
        operation: None,
        codes: vec![error.code()],
    });
    resp
}

/// A JSON error outside GraphQL (a path no route serves, a refused preflight). Its keys keep the
/// order these answers have always had: `message`, then `extensions`.
pub(super) fn plain_error(status: StatusCode, error: &AppError) -> HttpResponse {
    #[derive(serde::Serialize)]
    struct Body {
        errors: [Item; 1],
    }
    #[derive(serde::Serialize)]
    struct Item {
        message: String,
        extensions: Extensions,
    }
    #[derive(serde::Serialize)]
    struct Extensions {
        code: &'static str,
    }
    let body = Body {
        errors: [Item {
            message: error.public_message(),
            extensions: Extensions { code: error.code() },
        }],
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .body(serde_json::to_string(&body).unwrap_or_default())
}

/// The answer of executed operations.
pub(super) fn respond(finished: Finished, format: Format, request_id: &str) -> HttpResponse {
    let Finished {
        status,
        body,
        codes,
        operation,
    } = finished;
    let mut resp = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header(("x-request-id", request_id))
        .body(body);
    resp.extensions_mut().insert(Outcome { operation, codes });
    resp
}

/// Serializes the responses (an array for a batch); `None` when they exceed `limit` bytes.
pub(super) fn serialize(
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
