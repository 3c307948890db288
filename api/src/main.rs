//! `pairing`: the paired-assistance platform's one binary.
use clap::{Parser, Subcommand};
use pairing_api::config::{DatabaseArgs, HttpArgs, JwtArgs, LimitArgs, Settings};
use pairing_api::http::Application;
use tracing_subscriber::EnvFilter;

// glibc malloc was the top of the benchmark profile (many small allocations per request).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pairing",
    version,
    about = "GraphQL platform for east–west cooperation and designated assistance"
)]
struct Cli {
    /// Log format: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, global = true, env = "PAIRING_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once at start-up
enum Command {
    /// Serve the GraphQL API over HTTP.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "PAIRING_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Migrate and load the demo data when the database is empty.
        #[arg(long, env = "PAIRING_DEMO")]
        demo: bool,
        /// HTTP worker threads (0: one per core).
        #[arg(long, env = "PAIRING_WORKERS", default_value_t = 0)]
        workers: usize,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        jwt: JwtArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        http: HttpArgs,
    },
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Load data into an empty database.
    Seed {
        /// Load the demo data set (real regions and pairings, synthetic amounts and people).
        #[arg(long, conflicts_with = "scale")]
        demo: bool,
        /// Load the national-scale benchmark data set with this many fund transfers.
        #[arg(long, value_name = "TRANSFERS")]
        scale: Option<usize>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Print a signed token for development and tests.
    Token(TokenArgs),
}

/// What the token says and how it is signed.
#[derive(clap::Args)]
struct TokenArgs {
    /// The caller's role: VIEWER, AUDITOR, HELPER, RECIPIENT, INSPECTOR or ADMIN.
    #[arg(long, value_parser = parse_role)]
    role: pairing_api::auth::Role,
    /// The organization code a HELPER acts for.
    #[arg(long)]
    org: Option<String>,
    /// The region code a RECIPIENT is scoped to.
    #[arg(long)]
    region: Option<String>,
    /// The subject (`sub`) of the token.
    #[arg(long, default_value = "dev")]
    sub: String,
    /// Lifetime: 3600, 90s, 30m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    ttl: String,
    /// Sign with the development secret of `serve --demo`.
    #[arg(long)]
    demo: bool,
    /// PEM private key to sign RS256/ES256 tokens with (see --jwt-algorithm).
    #[arg(long = "private-key", env = "PAIRING_JWT_PRIVATE_KEY")]
    private_key: Option<std::path::PathBuf>,
    #[command(flatten)]
    jwt: JwtArgs,
}

fn parse_role(s: &str) -> Result<pairing_api::auth::Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_uppercase())).map_err(|_| {
        format!("not a role: {s} (VIEWER, AUDITOR, HELPER, RECIPIENT, INSPECTOR or ADMIN)")
    })
}

fn mint_token(args: TokenArgs) -> Result<String, String> {
    let request = pairing_api::auth::TokenRequest {
        subject: args.sub,
        role: args.role,
        org: args.org,
        region: args.region,
        ttl_secs: pairing_api::auth::parse_ttl(&args.ttl)?,
        issuer: args.jwt.issuer.clone(),
        audience: args.jwt.audience.clone(),
    };
    let claims = request.claims()?;
    if let Some(path) = &args.private_key {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let alg = args.jwt.algorithm.as_deref().unwrap_or("RS256");
        return pairing_api::auth::mint_pem(alg, &pem, &claims);
    }
    let secret = match (&args.jwt.secret, args.demo) {
        (Some(s), _) => s.clone(),
        (None, true) => pairing_api::auth::DEMO_SECRET.to_string(),
        (None, false) => {
            return Err(
                "say how to sign: --jwt-secret (PAIRING_JWT_SECRET), --private-key or --demo"
                    .into(),
            );
        }
    };
    if secret.len() < 16 {
        return Err("the JWT secret must be at least 16 bytes".into());
    }
    pairing_api::auth::mint_hs256(&secret, &claims)
}

fn init_logging(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        builder.init();
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminate = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Schema | Command::Token(_)) {
        init_logging(&cli.log_format);
    }
    match run(cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            bind,
            demo,
            workers,
            database,
            jwt,
            limits,
            http,
        } => {
            let grace = std::time::Duration::from_secs(http.shutdown_timeout);
            let settings = Settings {
                bind,
                database_url: database.url.clone(),
                pool: database.pool(),
                jwt: jwt.settings()?,
                limits,
                http,
                demo,
                workers,
            };
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "serving GraphQL on /graphql");
            let handle = app.handle();
            let db = app.db.clone();
            let mut server = tokio::spawn(app.run_until_stopped());
            tokio::select! {
                done = &mut server => {
                    return done.map_err(|e| e.to_string())?.map_err(|e| e.to_string());
                }
                _ = shutdown_signal() => {}
            }
            // Stop accepting, let in-flight requests finish (bounded by the shutdown timeout),
            // then close the pool.
            tracing::info!(
                grace_secs = grace.as_secs(),
                "shutting down: finishing in-flight requests"
            );
            handle.stop(true).await;
            let _ = tokio::time::timeout(grace + std::time::Duration::from_secs(1), server).await;
            let _ = db.close().await;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate { database } => {
            let db = pairing_api::db::connect(&database.url, &database.pool())
                .await
                .map_err(|e| e.to_string())?;
            pairing_api::db::migrate(&db)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            demo,
            scale,
            database,
        } => {
            if let Some(transfers) = scale {
                let db = pairing_api::db::connect(&database.url, &database.pool())
                    .await
                    .map_err(|e| e.to_string())?;
                pairing_api::db::migrate(&db)
                    .await
                    .map_err(|e| e.to_string())?;
                if !pairing_api::seed::is_empty(&db)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    return Err("the database already has data; seed an empty one".into());
                }
                let started = std::time::Instant::now();
                let summary = pairing_api::seed::scale::load_scale(
                    &db,
                    pairing_api::seed::scale::ScaleOptions::national(transfers),
                )
                .await
                .map_err(|e| e.to_string())?;
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    ?summary,
                    "benchmark data loaded"
                );
                return Ok(());
            }
            if !demo {
                return Err("say what to load: --demo or --scale N".into());
            }
            let db = pairing_api::db::connect(&database.url, &database.pool())
                .await
                .map_err(|e| e.to_string())?;
            pairing_api::db::migrate(&db)
                .await
                .map_err(|e| e.to_string())?;
            let started = std::time::Instant::now();
            let loaded = pairing_api::seed::load_demo_if_empty(&db)
                .await
                .map_err(|e| e.to_string())?;
            if loaded {
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "demo data loaded"
                );
            } else {
                tracing::warn!("the database already has data; nothing loaded");
            }
            Ok(())
        }
        Command::Schema => {
            print!("{}", pairing_api::schema::sdl());
            Ok(())
        }
        Command::Token(args) => {
            println!("{}", mint_token(args)?);
            Ok(())
        }
    }
}
