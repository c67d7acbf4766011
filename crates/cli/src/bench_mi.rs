//! `calloff bench-mi`: a generated MI return of `--rows` valid rows, imported and reconciled
//! through `calloff import mi` in a child process, on PostgreSQL and SQLite. The benchmark first
//! places real call-offs for Camden (each just under Camden's approval threshold, so each is
//! sent to the supplier at once) whose lines are worth enough for every row. With
//! `--kill-after-rows N` the first run stops as if killed once N rows are staged, and a second
//! run with the same file resumes; the figures are the two runs' wall time summed and the
//! larger peak resident memory (VmHWM) the import reports. It prints figures; it asserts
//! nothing, beyond checking the return ends up with exactly one row per line of the file.

use crate::bench::ScratchDatabase;
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{auth, demo, App, Clock, SystemClock};
use calloff_domain::mi_return::Month;
use calloff_store::Db;
use sqlx::Row;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct BenchMiArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Rows in the generated return.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Stop the first run once this many rows are staged, then resume with a second run; 0 for
    /// one uninterrupted run. Default: half the rows.
    #[arg(long)]
    kill_after_rows: Option<usize>,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

/// SIMs per call-off: 75 at £5.50 a month for 24 months is £9,900, under Camden's £10,000
/// approval threshold, and covers 1,800 rows of one SIM-month each.
const SIMS_PER_CALL_OFF: u16 = 75;
const TERM_MONTHS: u16 = 24;
const ROWS_PER_CALL_OFF: usize = SIMS_PER_CALL_OFF as usize * TERM_MONTHS as usize;

pub async fn run(args: BenchMiArgs) -> anyhow::Result<()> {
    let kill_after = args.kill_after_rows.unwrap_or(args.rows / 2);
    println!(
        "{:<9} {:>9} {:>10} {:>11} {:>11} {:>10} {:>12} {:>12}",
        "database", "rows", "call-offs", "setup s", "killed at", "run 1 s", "run 2 s", "peak RSS MB"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let result = measure(backend, &database.url, &args, kill_after).await;
        database.remove().await?;
        result?;
    }
    Ok(())
}

async fn measure(backend: &str, url: &str, args: &BenchMiArgs, kill_after: usize) -> anyhow::Result<()> {
    let setup = Instant::now();
    let db = Db::open(url).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock));
    let seeded = demo::seed(&app).await?;
    let buyer = auth::sign_in(&app, "buyer@camden.example", demo::DEMO_PASSWORD)
        .await?
        .actor;
    let call_off_count = args.rows.div_ceil(ROWS_PER_CALL_OFF);
    let mut references = Vec::with_capacity(call_off_count);
    for i in 0..call_off_count {
        let command = PlaceCallOff {
            framework_id: seeded.framework_id.clone(),
            lines: vec![LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity: i64::from(SIMS_PER_CALL_OFF),
                term_months: i64::from(TERM_MONTHS),
                monthly_usage: None,
            }],
            cost_centre: "BENCH".into(),
            order: calloff_app::demo::sample_order(&app),
        };
        let placed = call_offs::place(&app, &buyer, &command, Some(&format!("bench-mi-{i}")))
            .await?
            .call_off;
        references.push(placed.reference);
    }
    let mut conn = db.pool().acquire().await?;
    let camden = calloff_store::organisations::get(&mut conn, &buyer.organisation_id)
        .await?
        .and_then(|o| o.org_id())
        .ok_or_else(|| anyhow::anyhow!("Camden has no org-id"))?;
    drop(conn);
    db.close().await;
    let month = Month::of(calloff_domain::calendar::uk_date(SystemClock.now())).previous();
    let dir = std::env::temp_dir().join(format!("calloff-bench-mi-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("mi-return.csv");
    write_return(&file, args.rows, &references, &camden, month)?;
    let setup_seconds = setup.elapsed().as_secs_f64();

    let import = |stop: Option<usize>| {
        let mut command = std::process::Command::new(std::env::current_exe()?);
        command
            .args(["import", "mi"])
            .arg(&file)
            .args([
                "--framework",
                demo::FRAMEWORK_REFERENCE,
                "--period",
                &month.to_string(),
                "--as",
                "supplier@londonict.example",
            ])
            .env("CALLOFF_DATABASE_URL", url)
            .env("CALLOFF_LOG", "warn");
        if let Some(stop) = stop {
            command.args(["--stop-after-rows", &stop.to_string()]);
        }
        let started = Instant::now();
        let output = command.output()?;
        Ok::<_, anyhow::Error>((started.elapsed().as_secs_f64(), output))
    };
    let peak_of = |output: &std::process::Output| -> f64 {
        String::from_utf8_lossy(&output.stdout)
            .split("peak memory ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|mb| mb.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let fail = |output: &std::process::Output| {
        anyhow::anyhow!(
            "the import failed on {backend}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let (first, killed_at) = if kill_after > 0 && kill_after < args.rows {
        let (seconds, output) = import(Some(kill_after))?;
        // Exit status 3: stopped on purpose, as if killed.
        if output.status.code() != Some(3) {
            return Err(fail(&output));
        }
        (Some((seconds, peak_of(&output))), kill_after.to_string())
    } else {
        (None, "-".to_string())
    };
    let (seconds, output) = import(None)?;
    if !output.status.success() {
        return Err(fail(&output));
    }
    let peak = first.map_or(peak_of(&output), |(_, p)| p.max(peak_of(&output)));

    // Exactly one return row per line of the file, however the runs were cut.
    let db = Db::open(url).await?;
    let mut conn = db.pool().acquire().await?;
    let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM mi_return_rows WHERE invoice_id IS NULL")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    drop(conn);
    db.close().await;
    anyhow::ensure!(
        stored == i64::try_from(args.rows)?,
        "{backend}: the return has {stored} rows, not {}",
        args.rows
    );
    println!(
        "{:<9} {:>9} {:>10} {:>11.1} {:>11} {:>10} {:>12.2} {:>12.1}",
        backend,
        args.rows,
        call_off_count,
        setup_seconds,
        killed_at,
        first.map_or("-".to_string(), |(s, _)| format!("{s:.2}")),
        seconds,
        peak
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// One row per SIM-month, 1,800 to a call-off, dated through the month.
fn write_return(
    path: &std::path::Path,
    rows: usize,
    references: &[String],
    customer: &str,
    month: Month,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "order_reference,customer_org_id,lot,sku,cpv,quantity,unit_price_gbp,value_gbp,vat_gbp,invoice_number,invoice_date"
    )?;
    let days = month.last_day().signed_duration_since(month.first_day()).num_days() + 1;
    for i in 0..rows {
        let call_off = i / ROWS_PER_CALL_OFF;
        let day = month.first_day() + chrono::Duration::days(i64::try_from(i)? % days);
        writeln!(
            out,
            "{},{customer},4,L4-SIM-5GB,,1,5.50,5.50,1.10,EXT-{call_off:06}-{:04},{day}",
            references[call_off],
            i % ROWS_PER_CALL_OFF
        )?;
    }
    out.flush()?;
    Ok(())
}
