//! `calloff bench-import`: a generated price list of new items imported through
//! `calloff import catalogue` in a child process, on PostgreSQL and SQLite. It prints the wall
//! time of the whole command and the peak resident memory the import reports; it asserts nothing.

use crate::bench::ScratchDatabase;
use calloff_app::{demo, App, SystemClock};
use calloff_store::Db;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct BenchImportArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Rows in the generated price list.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

/// Writes `rows` new items, spread over the five lots, in the documented columns.
fn write_price_list(path: &std::path::Path, rows: usize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv"
    )?;
    let units = ["per month", "per user per month", "one-off", "per minute", "per GB"];
    for i in 0..rows {
        let lot = i % 5 + 1;
        writeln!(
            out,
            "{lot},BENCH-{i:07},Benchmark item {i},\"A generated item for the import benchmark, number {i}, in lot {lot}\",{},{}.{:02},{},72000000-5",
            units[i % units.len()],
            i % 1000 + 1,
            i % 100,
            [0, 12, 24, 36][i % 4]
        )?;
    }
    out.flush()?;
    Ok(())
}

pub async fn run(args: BenchImportArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("calloff-bench-import-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("price-list.csv");
    write_price_list(&file, args.rows)?;
    let size = std::fs::metadata(&file)?.len();
    println!("{} rows, {:.1} MB of CSV", args.rows, size as f64 / 1_000_000.0);
    println!(
        "{:<9} {:>10} {:>14} {:>12}",
        "database", "rows", "seconds", "peak RSS MB"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let url = database.url.clone();
        let db = Db::open(&url).await?;
        demo::seed(&App::new(db.clone(), Arc::new(SystemClock))).await?;
        db.close().await;
        let started = Instant::now();
        let output = std::process::Command::new(std::env::current_exe()?)
            .args(["import", "catalogue"])
            .arg(&file)
            .args([
                "--framework",
                demo::FRAMEWORK_REFERENCE,
                "--as",
                "supplier@londonict.example",
            ])
            .env("CALLOFF_DATABASE_URL", &url)
            .env("CALLOFF_LOG", "warn")
            .output()?;
        let seconds = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "the import failed on {backend}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The import reports its own peak memory (a child's rusage would count the parent's).
        let peak = stdout
            .split("peak memory ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("?");
        println!("{:<9} {:>10} {:>14.2} {:>12}", backend, args.rows, seconds, peak);
        database.remove().await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
