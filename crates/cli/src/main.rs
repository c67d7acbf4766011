//! `calloff`: one binary for the server, the demo, migrations, audit checks and the benchmark.

mod bench;
mod bench_export;
mod bench_import;
mod bench_mi;
mod bench_search;
mod bench_spend;
mod export;
mod import;

use anyhow::Context;
use calloff_app::audit::ChainReport;
use calloff_app::notifications::{self, SmtpMailer};
use calloff_app::{audit, demo, App, SystemClock};
use calloff_interop::ocds::OcidPrefix;
use calloff_store::Db;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Pages are built from many small strings; mimalloc allocates them faster than the system
/// allocator (see docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "calloff",
    version,
    about = "Buying through public-sector framework agreements"
)]
struct Cli {
    /// Database URL: `sqlite://path` (created if missing) or `postgres://user@host:port/db`.
    #[arg(
        long,
        env = "CALLOFF_DATABASE_URL",
        default_value = "sqlite://data/calloff.db",
        global = true
    )]
    database_url: String,

    /// Log filter, e.g. `info` or `calloff_web=debug`.
    #[arg(long, env = "CALLOFF_LOG", default_value = "info", global = true)]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CALLOFF_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Folder holding the compiled stylesheet (built by `npm ci`).
    #[arg(long, env = "CALLOFF_ASSETS_DIR", default_value = calloff_web::DEFAULT_ASSETS_DIR)]
    assets_dir: PathBuf,

    /// SMTP relay for notification emails, `smtp://host:port`. Without it notifications are kept
    /// in the app and queued, and sent once a relay is configured.
    #[arg(long, env = "CALLOFF_SMTP_URL")]
    smtp_url: Option<String>,

    /// Sender of notification emails.
    #[arg(
        long,
        env = "CALLOFF_MAIL_FROM",
        default_value = "calloff <no-reply@calloff.localhost>"
    )]
    mail_from: String,

    /// The address people use to reach this service (`https://…`), for links in emails and in
    /// the open data. Without it, emails link to http://127.0.0.1:8080 and the open data to the
    /// address each request came to.
    #[arg(long, env = "CALLOFF_PUBLIC_URL", value_parser = parse_public_url)]
    public_url: Option<String>,

    /// The publisher's OCDS ocid prefix (`ocds-` and what the Open Contracting Partnership
    /// registered). The default is for tests and demos only.
    #[arg(long, env = "CALLOFF_OCID_PREFIX", default_value = calloff_interop::ocds::TEST_OCID_PREFIX, value_parser = parse_ocid_prefix)]
    ocid_prefix: OcidPrefix,
}

/// Reads `--ocid-prefix`, naming what is wrong with it.
/// Where emails link when no public address is configured.
const LOCAL_URL: &str = "http://127.0.0.1:8080";

/// A public address: `http://` or `https://`, a host, and no query or fragment.
pub fn parse_public_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let host = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or("public_url must start with https:// or http://")?;
    let well_formed = !host.is_empty()
        && !host.starts_with('/')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/[]".contains(c));
    if well_formed {
        Ok(text.to_string())
    } else {
        Err("public_url must be an address such as https://calloff.example.gov.uk, with no query".into())
    }
}

pub fn parse_ocid_prefix(text: &str) -> Result<OcidPrefix, String> {
    OcidPrefix::parse(text).map_err(|e| format!("{}: {}", e.field, e.message))
}

/// How often call-offs are swept for end-of-term reminders and ends.
const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often the notification worker looks for emails to send.
const DELIVERY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the web pages and API.
    Serve(ServeArgs),
    /// Migrate, seed the pan-London ICT framework demo (once), and serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Seed, print the sign-ins, and exit without serving.
        #[arg(long)]
        seed_only: bool,
        /// Seed only the framework, its catalogue, the organisations and the demo users: no
        /// call-offs or registrations.
        #[arg(long)]
        bare: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Check the audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Benchmark placing call-offs against the bare SQL transaction, on PostgreSQL and SQLite.
    Bench(bench::BenchArgs),
    /// Benchmark importing a generated price list through `calloff import catalogue`.
    BenchImport(bench_import::BenchImportArgs),
    /// Benchmark importing and reconciling a generated MI return through `calloff import mi`,
    /// including a run killed half way and resumed.
    BenchMi(bench_mi::BenchMiArgs),
    /// Benchmark catalogue search over a generated catalogue of 100,000 items.
    BenchSearch(bench_search::BenchSearchArgs),
    /// Benchmark the framework manager's spend report over 10 million generated invoice lines.
    BenchSpend(bench_spend::BenchSpendArgs),
    /// Benchmark `calloff export ocds` over 10,000 and then 100,000 generated call-offs: time and
    /// peak memory.
    BenchExport(bench_export::BenchExportArgs),
    /// Export open data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Import files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a supplier's price list (CSV or XLSX) as one change request for the framework
    /// manager to approve. Columns: lot, sku, name, description, unit, price_gbp_ex_vat,
    /// min_term_months, cpv, and optionally effective_from and action (withdraw). Nothing is
    /// imported unless the whole file is valid; every error is printed by row and column.
    Catalogue(import::CatalogueArgs),
    /// Import a supplier's MI return for a month (CSV or XLSX) as its submitted return, or a
    /// correction of it. Columns (header row, any order): order_reference (the call-off's
    /// reference), customer_org_id (like GB-LAE-CMD), lot, sku, cpv (optional), quantity,
    /// unit_price_gbp, value_gbp (quantity × unit price, excluding VAT), vat_gbp (optional),
    /// invoice_number, invoice_date (YYYY-MM-DD, in the month). Each row is reconciled with the
    /// supplier's call-offs: an unknown order reference, a wrong customer, an item not on the
    /// call-off, a price not the one in force, or a value beyond the call-off line's are
    /// errors. Nothing is kept unless the whole file is valid; every error is printed by row
    /// and column (the first 100, and how many in all). An interrupted run resumes where it
    /// stopped when run again with the same file.
    Mi(import::MiArgs),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write every release (each framework's, then each placed call-off's, in the order they
    /// were placed) as one OCDS 1.1.5 release package, streamed: call-offs are read in batches
    /// and each release written as it is built.
    Ocds(export::OcdsArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every hash of the chain; name the first broken entry (exit status 1).
    Verify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into()))
        .init();
    match cli.command {
        Command::Serve(args) => {
            let app = open(&cli.database_url)
                .await?
                .with_ocid_prefix(args.ocid_prefix.clone())
                .with_public_url(args.public_url.as_deref());
            serve(app, args).await
        }
        Command::Demo {
            serve: args,
            seed_only,
            bare,
        } => {
            let app = open(&cli.database_url)
                .await?
                .with_ocid_prefix(args.ocid_prefix.clone())
                .with_public_url(args.public_url.as_deref());
            let seeded = demo::seed(&app).await.context("seeding the demo")?;
            let activity = if seeded.created && !bare {
                Some(
                    demo::seed_activity(&app)
                        .await
                        .context("seeding the demo's call-offs")?,
                )
            } else {
                None
            };
            println!(
                "{} the {} demo in {}",
                if seeded.created { "Seeded" } else { "Found" },
                demo::FRAMEWORK_REFERENCE,
                cli.database_url
            );
            println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
            for (email, name, org, roles) in demo::DEMO_USERS {
                let roles: Vec<&str> = roles.iter().map(|r| r.label()).collect();
                println!("  {email:<28} {name:<14} {} at {org}", roles.join(", "));
            }
            println!(
                "Framework managers and organisation admins also enter a code: add the key {} to an authenticator app",
                demo::DEMO_TWO_FACTOR_KEY
            );
            if let Some(call_offs) = activity {
                println!("Added {call_offs} call-offs in every state, and two registrations: principal@isfc.example");
                println!("  (waiting for verification) and harry@thamescoop.example (refused), same password");
                println!("Camden needs one approver from £10,000 and two from £250,000: four call-offs show each step");
                let raisers: Vec<&str> = demo::GOVERNANCE_USERS.iter().map(|(email, ..)| *email).collect();
                println!(
                    "Customers' proposals in every state (framework page → proposals), also raised by {}",
                    raisers.join(", ")
                );
            }
            if seed_only {
                return Ok(());
            }
            serve(app, args).await
        }
        Command::Migrate => {
            open(&cli.database_url).await?;
            println!("Migrated {}", cli.database_url);
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            // Read-only: a mistyped path or an empty database is an error, never created.
            let db = Db::connect_read_only(&cli.database_url)
                .await
                .with_context(|| format!("opening {} to verify it", cli.database_url))?;
            let app = App::new(db, Arc::new(SystemClock));
            match audit::verify(&app).await.context("reading the audit chain")? {
                ChainReport::Intact { entries } => {
                    println!("Audit chain intact: {entries} entries verified");
                    Ok(())
                }
                ChainReport::RowDisagrees { row, reason } => {
                    println!("Audit chain intact, but {row} disagrees with it: {reason}");
                    std::process::exit(1);
                }
                ChainReport::Broken(link) => {
                    println!("Audit chain broken at entry {}: {}", link.seq, link.reason);
                    std::process::exit(1);
                }
            }
        }
        Command::Bench(args) => bench::run(args).await,
        Command::BenchImport(args) => bench_import::run(args).await,
        Command::BenchMi(args) => bench_mi::run(args).await,
        Command::BenchSearch(args) => bench_search::run(args).await,
        Command::BenchSpend(args) => bench_spend::run(args).await,
        Command::BenchExport(args) => bench_export::run(args).await,
        Command::Export {
            command: ExportCommand::Ocds(args),
        } => {
            let app = open(&cli.database_url)
                .await?
                .with_ocid_prefix(args.ocid_prefix.clone());
            export::ocds(&app, &args).await
        }
        Command::Import {
            command: ImportCommand::Catalogue(args),
        } => {
            let app = open(&cli.database_url).await?;
            import::catalogue(&app, args).await
        }
        Command::Import {
            command: ImportCommand::Mi(args),
        } => {
            let app = open(&cli.database_url).await?;
            import::mi(&app, args).await
        }
    }
}

async fn open(database_url: &str) -> anyhow::Result<App> {
    let db = Db::open(database_url)
        .await
        .with_context(|| format!("opening {database_url}"))?;
    Ok(App::new(db, Arc::new(SystemClock)))
}

async fn serve(app: App, args: ServeArgs) -> anyhow::Result<()> {
    tokio::spawn(calloff_app::lifecycle::run_sweeper(app.clone(), SWEEP_INTERVAL));
    tokio::spawn(calloff_app::change_requests::run_applier(
        app.clone(),
        std::time::Duration::from_secs(60),
    ));
    match &args.smtp_url {
        Some(url) => {
            let mailer = SmtpMailer::new(url, &args.mail_from).map_err(anyhow::Error::msg)?;
            tokio::spawn(notifications::run_worker(
                app.clone(),
                mailer,
                args.public_url.clone().unwrap_or_else(|| LOCAL_URL.to_string()),
                DELIVERY_INTERVAL,
            ));
            println!("Sending notification emails through {url}");
        }
        None => println!("CALLOFF_SMTP_URL is not set: notifications are kept in the app and queued for email"),
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    println!("calloff is serving on http://{address}/");
    let router = calloff_web::router(app, args.assets_dir);
    calloff_web::serve(listener, router).await?;
    Ok(())
}
