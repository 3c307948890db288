//! The pages a browser opens: the dashboard at `/` (a static page whose script reads only the
//! public `/graphql` API), GraphiQL, the SDL at `/schema.graphql`, and their embedded assets.
mod assets;

use crate::http::Shared;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Pages load scripts and styles from this server only and talk only to it. ECharts and
/// GraphiQL set inline styles, hence `'unsafe-inline'` for styles (never for scripts).
const CSP_PAGE: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Registers `/`, `/assets/…` and `/schema.graphql`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(dashboard))
        .route("/assets/{name:.+}", web::get().to(asset))
        .route("/schema.graphql", web::get().to(sdl));
}

fn page(html: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP_PAGE))
        .body(html)
}

async fn dashboard() -> HttpResponse {
    page(assets::DASHBOARD_HTML)
}

/// GraphiQL, for `GET /graphql` from a browser.
pub fn graphiql() -> HttpResponse {
    page(assets::GRAPHIQL_HTML)
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match assets::find(&name) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.media_type)
            // Embedded files change only with the binary; an hour keeps a redeploy visible soon.
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(a.bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset"),
    }
}

/// The live schema's SDL, the same text as the checked-in `schema.graphql`.
async fn sdl(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"schema.graphql\"",
        ))
        .body(shared.schema.sdl())
}
