//! `pairing`: the paired-assistance platform's one binary.
use clap::{Parser, Subcommand};
use pairing_api::config::{DatabaseArgs, JwtArgs, LimitArgs, Settings};
use pairing_api::http::Application;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "pairing",
    version,
    about = "GraphQL platform for east–west cooperation and designated assistance"
)]
struct Cli {
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
}

fn init_logging() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Schema) {
        init_logging();
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
        } => {
            let settings = Settings {
                bind,
                database_url: database.url.clone(),
                pool: database.pool(),
                jwt: jwt.settings()?,
                limits,
                demo,
                workers,
            };
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "serving GraphQL on /graphql");
            app.run_until_stopped().await.map_err(|e| e.to_string())
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
                let summary = pairing_api::seed::scale::load_scale(&db, transfers)
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
            print!("{}", pairing_api::graphql::root::sdl());
            Ok(())
        }
    }
}
