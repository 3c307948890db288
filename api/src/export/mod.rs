//! Downloads: fund transfers and fund flows as CSV, a helper's publicized transfers as IATI 2.03
//! activities. Each reads through the domain services the API uses (the same filters, the same
//! visibility for the caller's bearer token) and streams its body page by page, so a download
//! holds one page in memory however long it is.
//!
//! - `params`: query parameters read into the API's input types;
//! - `csv`: `/export/fund-transfers.csv`, `/export/fund-flows.csv`;
//! - `iati`: `/export/iati/activities.xml`.
mod csv;
mod iati;
mod params;

use crate::auth::{Identity, identify};
use crate::error::AppError;
use crate::http::Shared;
use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{Stream, StreamExt, TryStreamExt};
use std::future::Future;

/// The byte-order mark that makes spreadsheet programs read the CSV as UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Registers the export routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/export/fund-transfers.csv",
        web::get().to(csv::fund_transfers),
    )
    .route("/export/fund-flows.csv", web::get().to(csv::fund_flows))
    .route(
        "/export/iati/activities.xml",
        web::get().to(iati::activities),
    );
}

/// The caller, from the bearer token as the API reads it.
fn caller(shared: &Shared, req: &HttpRequest) -> Result<Identity, AppError> {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    identify(auth, shared.verifier.as_ref())
}

/// An error before the body started: its status and a one-line message.
fn refused(e: AppError) -> HttpResponse {
    // A filter field is a parameter of its own name here (`recipientCode`, not `filter.…`).
    let e = match e {
        AppError::BadInput { field, message } => AppError::BadInput {
            field: field.trim_start_matches("filter.").to_string(),
            message,
        },
        e => e,
    };
    let status = match e.code() {
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "SERVICE_UNAVAILABLE" | "TIMEOUT" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "export failed");
    }
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{}\n", e.public_message()))
}

/// A download: `first` at once, then each chunk `next` makes from its state, asked for only
/// when the client has taken the one before. An error after the first chunk can no longer change
/// the status: it is logged and the body is cut short, so the client sees an incomplete transfer.
fn download<S, F, Fut>(
    media_type: &'static str,
    filename: &str,
    first: Bytes,
    state: S,
    next: F,
) -> HttpResponse
where
    S: 'static,
    F: FnMut(S) -> Fut + 'static,
    Fut: Future<Output = Result<Option<(Bytes, S)>, AppError>> + 'static,
{
    let rest = futures_util::stream::try_unfold(state, next)
        .inspect_err(|e| tracing::error!(error = %e, "export stopped"));
    let body: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, AppError>>>> =
        Box::pin(futures_util::stream::once(async move { Ok(first) }).chain(rest));
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body)
}

/// Fen as yuan with two decimals.
fn yuan(fen: i64) -> String {
    rust_decimal::Decimal::new(fen, 2).to_string()
}
