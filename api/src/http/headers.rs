//! Security headers.
use actix_web::http::header;
use actix_web::middleware;

/// For JSON answers: nothing may load, nothing may frame them.
const CSP_JSON: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Security headers on every response (a handler's own, e.g. a page's CSP, take precedence).
pub(super) fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CONTENT_SECURITY_POLICY, CSP_JSON))
        .add((header::CACHE_CONTROL, "no-store"))
}
