//! CORS for the configured origins only (none by default), through actix-cors: exact origin match,
//! `GET` and `POST` with four request headers, preflights cached for ten minutes, `X-Request-Id`
//! readable.
use super::response::plain_error;
use crate::error::AppError;
use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::middleware::Next;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The configured origins that actix-cors can take. It refuses to start on one that is not a URI
/// or is `*`; such an origin never equals a browser's `Origin` header, so it is left out.
pub(super) fn usable_origins(configured: &[String]) -> Vec<String> {
    configured
        .iter()
        .filter(|o| {
            let usable = o.as_str() != "*" && o.parse::<Uri>().is_ok();
            if !usable {
                tracing::warn!(origin = %o, "CORS origin ignored: not an origin");
            }
            usable
        })
        .cloned()
        .collect()
}

/// The CORS middleware for `origins` (from `usable_origins`). Other origins get no CORS headers,
/// but their requests are served: only browsers enforce CORS.
pub(super) fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            X_REQUEST_ID,
        ])
        .expose_headers([X_REQUEST_ID])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    if origins.is_empty() {
        // No answer can name an origin, so none varies by it.
        cors = cors.disable_vary_header();
    }
    cors
}

/// Wraps `cors` so that its answers stay the ones clients know: a granted preflight is
/// `204 No Content`, a refused one a 403 with a JSON error (actix-cors gives a plain-text 400),
/// and `X-Request-Id` is exposed only beside an allowed origin.
pub(super) async fn cors_answers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = next.call(req).await?.map_into_boxed_body();
    let refusal = res
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| match e {
            CorsError::MissingOrigin | CorsError::OriginNotAllowed => AppError::OriginNotAllowed,
            _ => AppError::PreflightNotAllowed,
        });
    if let Some(e) = refusal {
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(
            req,
            plain_error(StatusCode::FORBIDDEN, &e),
        ));
    }
    if preflight && res.status() == StatusCode::OK {
        res.response_mut().head_mut().status = StatusCode::NO_CONTENT;
    }
    let headers = res.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
    }
    Ok(res)
}
