//! The server: its shared state, its routes, and how it is built and run.
use super::cors::{cors, cors_answers, usable_origins};
use super::documents::DocumentCache;
use super::executor::Executor;
use super::headers::security_headers;
use super::response::plain_error;
use super::transport::{graphql_get, graphql_post};
use crate::auth::JwtVerifier;
use crate::config::Settings;
use crate::error::AppError;
use crate::graphql::AppState;
use crate::limits::{OperationLimits, TypeInfo};
use crate::observability::Metrics;
use crate::schema::{AppSchema, build_schema, build_schema_validating};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware;
use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::DatabaseConnection;
use std::time::Duration;

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
    /// WebSocket connections and their subscriptions (counted per token across instances on
    /// PostgreSQL).
    pub sockets: super::socket::Sockets,
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
    let mut body = shared.metrics.render(&shared.db);
    body.push_str(&shared.sockets.render());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

async fn not_found() -> HttpResponse {
    plain_error(StatusCode::NOT_FOUND, &AppError::NoSuchResource)
}

/// Registers the routes on an actix app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/graphql",
        web::get()
            .guard(actix_web::guard::fn_guard(super::socket::is_upgrade))
            .to(super::socket::graphql_socket),
    )
    .route("/graphql", web::post().to(graphql_post))
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
        settings.check_demo_bind()?;
        let mut db = crate::db::connect(&settings.database_url, &settings.pool)
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        crate::db::migrate(&db)
            .await
            .map_err(|e| format!("migration failed: {e}"))?;
        if settings.demo {
            crate::seed::check_demo_database(&db).await?;
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
        // Subscriptions' re-reads take at most half of the pool at once.
        let events = crate::events::Bus::new(
            settings.http.socket.event_buffer,
            (settings.pool.max_connections / 2).max(1) as usize,
        );
        if crate::db::is_postgres(&db) {
            // Every instance hears every committed write's event, its own ones included.
            crate::events::listen(
                &crate::db::normalize_url(&settings.database_url),
                events.clone(),
            )
            .await?;
        }
        let state = AppState {
            db: db.clone(),
            events,
        };
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
        let origins = usable_origins(&http.cors_origins);
        let executor = Executor::new(if workers > 0 {
            workers
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        })?;
        let sockets = if crate::db::is_postgres(&db) {
            let leases = super::leases::Leases::new(
                db.clone(),
                Duration::from_secs(settings.http.socket.ws_lease_ttl),
            );
            leases.keep_renewing();
            super::socket::Sockets::with_leases(leases)
        } else {
            super::socket::Sockets::default()
        };
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
            sockets,
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .configure(routes)
                .configure(crate::web::routes)
                .configure(crate::export::routes)
                .default_service(web::to(not_found))
                .wrap(security_headers())
                .wrap(cors(&origins))
                .wrap(middleware::from_fn(cors_answers))
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
