//! `calloff bench-spend`: the framework manager's spend report over millions of invoice lines,
//! on PostgreSQL and SQLite. It generates invoices and their lines in bulk (five years of months,
//! five lots, every London body as a customer) with the spend rollups they would have kept, then
//! times the report's use case and, once, the same figures scanned from the invoice lines. It
//! prints figures; it asserts nothing.

use crate::bench::ScratchDatabase;
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{auth, demo, App, SystemClock};
use calloff_store::Db;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchSpendArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Invoice lines to generate.
    #[arg(long, default_value_t = 10_000_000)]
    invoice_lines: usize,
    /// Lines per generated invoice.
    #[arg(long, default_value_t = 50)]
    lines_per_invoice: usize,
    /// Spend reports timed.
    #[arg(long, default_value_t = 200)]
    reports: usize,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

/// Rows per INSERT statement (12 parameters each, well under both databases' limits).
const BATCH: usize = 1_000;

pub async fn run(args: BenchSpendArgs) -> anyhow::Result<()> {
    println!(
        "{:<9} {:>12} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "database", "lines", "load s", "p50 ms", "p95 ms", "p99 ms", "max ms", "scan ms"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let result = measure(backend, &database.url, &args).await;
        database.remove().await?;
        result?;
    }
    Ok(())
}

async fn measure(backend: &str, url: &str, args: &BenchSpendArgs) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock));
    let seeded = demo::seed(&app).await?;
    let framework = seeded.framework_id.to_string();
    let buyer = auth::sign_in(&app, "buyer@camden.example", demo::DEMO_PASSWORD)
        .await?
        .actor;
    let manager = auth::actor_by_email(&app, "manager@rbkc.example").await?;
    // One real call-off for the invoices to belong to; the customers vary by invoice.
    let command = PlaceCallOff {
        framework_id: seeded.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 10,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "BENCH".into(),
        order: calloff_app::demo::sample_order(&app),
    };
    let call_off = call_offs::place(&app, &buyer, &command, Some("bench-spend"))
        .await?
        .call_off;
    let mut conn = db.pool().acquire().await?;
    let row = sqlx::query("SELECT id FROM organisations WHERE name = $1")
        .bind(demo::SUPPLIER)
        .fetch_one(&mut *conn)
        .await?;
    let supplier: String = row.try_get("id")?;
    let buyers: Vec<String> = sqlx::query("SELECT id FROM organisations WHERE kind <> 'supplier' ORDER BY name")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    drop(conn);

    let started = Instant::now();
    load(
        &db,
        args,
        &framework,
        call_off.id.as_str(),
        &supplier,
        buyer.user_id.as_str(),
        &buyers,
    )
    .await?;
    let load_seconds = started.elapsed().as_secs_f64();
    // As a server would be some time after the load: the log checkpointed, statistics taken.
    let mut conn = db.pool().acquire().await?;
    if backend == "sqlite" {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    drop(conn);

    // Warm up, then time the report.
    for _ in 0..5 {
        calloff_app::spend::framework_report(&app, &manager, &seeded.framework_id).await?;
    }
    let mut times = Vec::with_capacity(args.reports);
    for _ in 0..args.reports {
        let t = Instant::now();
        let report = calloff_app::spend::framework_report(&app, &manager, &seeded.framework_id).await?;
        times.push(t.elapsed());
        std::hint::black_box(report);
    }
    times.sort();
    let at = |q: f64| crate::bench_search::percentile(&times, q);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // The same monthly figures scanned from the lines, for comparison.
    let mut conn = db.pool().acquire().await?;
    let t = Instant::now();
    sqlx::query(
        "SELECT i.month, CAST(SUM(l.line_value) AS BIGINT) AS net FROM invoice_lines l \
         JOIN invoices i ON i.id = l.invoice_id WHERE i.framework_id = $1 GROUP BY i.month",
    )
    .bind(&framework)
    .fetch_all(&mut *conn)
    .await?;
    let scan = t.elapsed();
    drop(conn);
    println!(
        "{:<9} {:>12} {:>10.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>12.0}",
        backend,
        args.invoice_lines,
        load_seconds,
        at(0.50),
        at(0.95),
        at(0.99),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
        ms(scan)
    );
    db.close().await;
    Ok(())
}

/// Inserts the invoices and lines in batches, and the rollups they add up to.
async fn load(
    db: &Db,
    args: &BenchSpendArgs,
    framework: &str,
    call_off: &str,
    supplier: &str,
    user: &str,
    buyers: &[String],
) -> anyhow::Result<()> {
    let per_invoice = args.lines_per_invoice.max(1);
    let invoices = args.invoice_lines.div_ceil(per_invoice);
    let mut rollups: HashMap<(String, i64, usize), (i64, i64)> = HashMap::new();
    let mut pending_invoices: Vec<(String, String, usize, i64)> = Vec::new();
    let mut pending_lines: Vec<(String, i64, i64, i64)> = Vec::new();
    let mut lines_left = args.invoice_lines;
    for n in 0..invoices {
        let id = uuid::Uuid::now_v7().to_string();
        let month = format!("{}-{:02}", 2022 + (n % 60) / 12, n % 12 + 1);
        let buyer = n % buyers.len();
        let count = per_invoice.min(lines_left);
        lines_left -= count;
        let mut net = 0;
        for k in 0..count {
            let lot = i64::try_from((n + k) % 5 + 1)?;
            let value = 1_000 + i64::try_from((n * 7 + k * 13) % 9_000)?;
            net += value;
            pending_lines.push((id.clone(), i64::try_from(k + 1)?, lot, value));
            let entry = rollups.entry((month.clone(), lot, buyer)).or_default();
            entry.0 += value;
            entry.1 += 1;
        }
        pending_invoices.push((id, month, buyer, net));
        if pending_lines.len() >= 50 * BATCH || n + 1 == invoices {
            flush(
                db,
                framework,
                call_off,
                supplier,
                user,
                buyers,
                &mut pending_invoices,
                &mut pending_lines,
            )
            .await?;
        }
    }
    let mut tx = db.pool().begin().await?;
    for ((month, lot, buyer), (net, count)) in rollups {
        sqlx::query(
            "INSERT INTO spend_rollups (framework_id, supplier_id, month, lot_number, buyer_id, net_value, vat, line_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(framework)
        .bind(supplier)
        .bind(month)
        .bind(lot)
        .bind(&buyers[buyer])
        .bind(net)
        .bind(net / 5)
        .bind(count)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn flush(
    db: &Db,
    framework: &str,
    call_off: &str,
    supplier: &str,
    user: &str,
    buyers: &[String],
    invoices: &mut Vec<(String, String, usize, i64)>,
    lines: &mut Vec<(String, i64, i64, i64)>,
) -> anyhow::Result<()> {
    let mut tx = db.pool().begin().await?;
    for chunk in invoices.chunks(BATCH / 2) {
        let mut sql = String::from(
            "INSERT INTO invoices (id, kind, number, call_off_id, framework_id, buyer_id, supplier_id, issue_date, month, \
             net_value, vat, status, mismatches, source, received_by, received_at, change_seq, decided_by, decided_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let p: Vec<String> = (1..=11).map(|k| format!("${}", i * 11 + k)).collect();
            sql.push_str(&format!(
                "{}({}, 'invoice', {}, {}, {}, {}, {}, {}, {}, {}, {}, 'approved', '[]', 'ubl', {}, \
                 '2026-01-01T00:00:00.000Z', 0, {}, '2026-01-02T00:00:00.000Z')",
                if i == 0 { "" } else { ", " },
                p[0],
                p[1],
                p[2],
                p[3],
                p[4],
                p[5],
                p[6],
                p[7],
                p[8],
                p[9],
                p[10],
                p[10]
            ));
        }
        let mut query = sqlx::query(&sql);
        for (id, month, buyer, net) in chunk {
            query = query
                .bind(id.clone())
                .bind(format!("B-{id}"))
                .bind(call_off.to_string())
                .bind(framework.to_string())
                .bind(buyers[*buyer].clone())
                .bind(supplier.to_string())
                .bind(format!("{month}-28"))
                .bind(month.clone())
                .bind(*net)
                .bind(*net / 5)
                .bind(user.to_string());
        }
        query.execute(&mut *tx).await?;
    }
    for chunk in lines.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO invoice_lines (invoice_id, line_number, call_off_line, sku, name, lot_number, cpv, quantity, \
             unit_price_micros, line_value) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let p = i * 4;
            sql.push_str(&format!(
                "{}(${}, ${}, 1, 'L4-SIM-5GB', 'SIM', ${}, '64212000-5', 1, 0, ${})",
                if i == 0 { "" } else { ", " },
                p + 1,
                p + 2,
                p + 3,
                p + 4
            ));
        }
        let mut query = sqlx::query(&sql);
        for (invoice, number, lot, value) in chunk {
            query = query.bind(invoice.clone()).bind(*number).bind(*lot).bind(*value);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    invoices.clear();
    lines.clear();
    Ok(())
}
