//! `calloff bench-export`: `calloff export ocds` over generated call-offs, on PostgreSQL and
//! SQLite. It seeds the demo, adds call-offs in bulk (live and accepted, every tenth varied,
//! every fifth invoiced, every fiftieth ended early), runs the export as a child process at
//! 10,000 call-offs and again at the full count, and prints the time and the peak resident
//! memory the export reports, so that flat memory shows as the same peak at both sizes. It
//! prints figures; it asserts nothing.

use crate::bench::ScratchDatabase;
use calloff_app::{demo, App, SystemClock};
use calloff_store::Db;
use sqlx::Row;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct BenchExportArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Call-offs to generate.
    #[arg(long, default_value_t = 100_000)]
    call_offs: usize,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

/// The smaller size the export is also measured at, to show its memory does not grow.
const FIRST_SIZE: usize = 10_000;

/// Call-offs added per transaction.
const BATCH: usize = 500;

pub async fn run(args: BenchExportArgs) -> anyhow::Result<()> {
    println!(
        "{:<9} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "database", "call-offs", "releases", "seconds", "MB written", "peak RSS MB"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let result = measure(backend, &database.url, &args).await;
        database.remove().await?;
        result?;
    }
    Ok(())
}

/// What the generated rows refer to.
struct Parties {
    framework: String,
    supplier: String,
    buyers: Vec<String>,
    user: String,
    items: Vec<(String, i64, String, String, String, String, i64)>,
}

/// How often the notices still to publish are read at each size.
const NOTICE_READS: usize = 5;

/// Times reading the notices `buyer` has still to publish, as its home page does.
async fn notices_read(backend: &str, app: &App, buyer: &calloff_app::Actor) -> anyhow::Result<()> {
    let mut timings = Vec::new();
    let mut outstanding = 0;
    for _ in 0..NOTICE_READS {
        let started = Instant::now();
        outstanding = calloff_app::notices::outstanding(app, buyer).await?.len();
        timings.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "{:<9} {:>10} notices to publish for one buyer: median {:.1} ms, worst {:.1} ms over {NOTICE_READS} reads",
        backend,
        outstanding,
        timings[timings.len() / 2],
        timings[timings.len() - 1]
    );
    Ok(())
}

async fn measure(backend: &str, url: &str, args: &BenchExportArgs) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock));
    demo::seed(&app).await?;
    let parties = parties(&db).await?;
    let dir = std::env::temp_dir().join(format!("calloff-bench-export-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut seeded = 0;
    for size in [FIRST_SIZE.min(args.call_offs), args.call_offs] {
        if size <= seeded && seeded > 0 {
            continue;
        }
        seed(&db, &parties, seeded, size).await?;
        seeded = size;
        let mut conn = db.pool().acquire().await?;
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
        if backend == "sqlite" {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await?;
        }
        drop(conn);
        let out = dir.join(format!("releases-{size}.json"));
        let started = Instant::now();
        let output = std::process::Command::new(std::env::current_exe()?)
            .args(["export", "ocds", "--out"])
            .arg(&out)
            .env("CALLOFF_DATABASE_URL", url)
            .env("CALLOFF_LOG", "warn")
            .output()?;
        let seconds = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "the export failed on {backend}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The export reports its own peak memory (a child's rusage would count the parent's).
        let peak = stdout
            .split("peak memory ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("?");
        let releases = stdout
            .split("Wrote ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("?");
        #[allow(clippy::cast_precision_loss)]
        let megabytes = std::fs::metadata(&out)?.len() as f64 / 1_000_000.0;
        println!(
            "{:<9} {:>10} {:>10} {:>10.2} {:>10.1} {:>12}",
            backend, size, releases, seconds, megabytes, peak
        );
        let _ = std::fs::remove_file(&out);
        // A buyer's home page works out the notices still to publish over its whole history:
        // first with none published, then with nine in ten contract details notices published.
        let buyer = calloff_app::auth::actor_by_email(&app, "buyer@camden.example").await?;
        notices_read(backend, &app, &buyer).await?;
        let mut conn = db.pool().acquire().await?;
        sqlx::query(
            "INSERT INTO notice_publications (call_off_id, notice, variation, reference, published_on, recorded_by, recorded_at) \
             SELECT c.id, 'UK7', 0, 'bench', '2026-01-01', $1, '2026-01-01T00:00:00.000Z' FROM call_offs c \
             WHERE c.buyer_id = $2 AND c.reference NOT LIKE '%0' AND NOT EXISTS \
               (SELECT 1 FROM notice_publications p WHERE p.call_off_id = c.id AND p.notice = 'UK7')",
        )
        .bind(&parties.user)
        .bind(buyer.organisation_id.as_str())
        .execute(&mut *conn)
        .await?;
        drop(conn);
        notices_read(backend, &app, &buyer).await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    db.close().await;
    Ok(())
}

async fn parties(db: &Db) -> anyhow::Result<Parties> {
    let mut conn = db.pool().acquire().await?;
    let one = |sql: &'static str| sqlx::query(sql);
    let framework: String = one("SELECT id FROM frameworks WHERE reference = $1")
        .bind(demo::FRAMEWORK_REFERENCE)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
    let supplier: String = one("SELECT id FROM organisations WHERE name = $1")
        .bind(demo::SUPPLIER)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
    let user: String = one("SELECT id FROM users WHERE email = 'buyer@camden.example'")
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
    let buyers =
        one("SELECT id FROM organisations WHERE kind <> 'supplier' AND verification = 'verified' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<Vec<String>, _>>()?;
    let items = one(
        "SELECT id, lot_number, sku, name, unit, cpv, unit_price_micros FROM catalogue_items WHERE framework_id = $1 ORDER BY sku",
    )
    .bind(&framework)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("lot_number")?,
            r.try_get("sku")?,
            r.try_get("name")?,
            r.try_get("unit")?,
            r.try_get("cpv")?,
            r.try_get("unit_price_micros")?,
        ))
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    anyhow::ensure!(
        !buyers.is_empty() && !items.is_empty(),
        "the demo has no buyers or items"
    );
    Ok(Parties {
        framework,
        supplier,
        buyers,
        user,
        items,
    })
}

/// A bound value of a generated row.
enum Cell {
    Text(String),
    Int(i64),
}

/// Rows per INSERT statement: sqlx looks each SQLite parameter up by name, at a cost in the
/// square of the parameters per statement (see "Importing a price list" in docs/PERFORMANCE.md).
const ROWS_PER_STATEMENT: usize = 25;

/// Inserts `rows` into `table (columns)`, [`ROWS_PER_STATEMENT`] to a statement.
async fn insert(
    conn: &mut calloff_store::Conn,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Cell>>,
) -> anyhow::Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        let width = chunk[0].len();
        let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
        for i in 0..chunk.len() {
            let params: Vec<String> = (1..=width).map(|k| format!("${}", i * width + k)).collect();
            sql.push_str(&format!("{}({})", if i == 0 { "" } else { ", " }, params.join(", ")));
        }
        let mut query = sqlx::query(&sql);
        for cell in chunk.into_iter().flatten() {
            query = match cell {
                Cell::Text(t) => query.bind(t),
                Cell::Int(n) => query.bind(n),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds call-offs `from..to`: one line each, accepted (as the audit chain would record), every
/// tenth varied, every fifth invoiced and every fiftieth ended early.
async fn seed(db: &Db, p: &Parties, from: usize, to: usize) -> anyhow::Result<()> {
    use Cell::{Int, Text};
    let start = chrono::DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z")?.with_timezone(&chrono::Utc);
    let mut n = from;
    while n < to {
        let end = (n + BATCH).min(to);
        let mut call_offs = Vec::new();
        let mut lines = Vec::new();
        let mut accepted = Vec::new();
        let mut variations = Vec::new();
        let mut invoices = Vec::new();
        let mut early_ends = Vec::new();
        for k in n..end {
            let seq = i64::try_from(k)?;
            let id = uuid::Uuid::now_v7().to_string();
            let at = |offset_s: i64| {
                (start + chrono::Duration::seconds(seq * 60 + offset_s))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            let (item, lot, sku, name, unit, cpv, price) = &p.items[k % p.items.len()];
            let quantity = 1 + seq % 50;
            let term = 12 + 12 * (seq % 3);
            let value = (price * quantity * term).div_euclid(10_000).max(1);
            let varied = k % 10 == 9;
            let ended = k % 50 == 49;
            let current = if varied { value + value / 10 } else { value };
            let state = if ended { "ended" } else { "live" };
            call_offs.push(vec![
                Text(id.clone()),
                Text(format!("BENCH-{k:07}")),
                Text(p.framework.clone()),
                Text(p.buyers[k % p.buyers.len()].clone()),
                Text(p.supplier.clone()),
                Text(p.user.clone()),
                Text(state.into()),
                Int(if ended { current / 2 } else { current }),
                Int(current / 5),
                Text(at(0)),
                Text(at(120)),
                Int(100_000_000 + seq),
                Int(1),
                Text("2025-07-01".into()),
                Text(if ended { "2026-01-01" } else { "2027-07-01" }.into()),
                Text(format!("Generated call-off {k}")),
            ]);
            lines.push(vec![
                Text(id.clone()),
                Int(1),
                Text(item.clone()),
                Int(*lot),
                Text(sku.clone()),
                Text(name.clone()),
                Text(name.clone()),
                Text(unit.clone()),
                Int(*price),
                Text(cpv.clone()),
                Int(quantity),
                Int(term),
                Int(value),
            ]);
            accepted.push(vec![
                Int(100_000_000 + seq),
                Text(at(60)),
                Text(p.user.clone()),
                Text("call_off.accepted".into()),
                Text(id.clone()),
                Text("{}".into()),
                Text("bench".into()),
                Text("bench".into()),
            ]);
            if varied {
                // The priced lines it set (a tenth more units) and those it replaced, as stored.
                let priced = |quantity: i64, value: i64| {
                    serde_json::json!([{
                        "item_id": item, "lot_number": lot, "sku": sku, "name": name, "description": name,
                        "unit": unit, "unit_price": price, "cpv": cpv, "quantity": quantity,
                        "term_months": term, "monthly_usage": null, "value": value,
                    }])
                    .to_string()
                };
                variations.push(vec![
                    Text(id.clone()),
                    Int(1),
                    Int(value),
                    Int(current),
                    Int(value),
                    Int(0),
                    Text(priced(quantity + quantity / 10 + 1, current)),
                    Text(priced(quantity, value)),
                    Text(p.user.clone()),
                    Text(at(90)),
                ]);
            }
            if k % 5 == 0 {
                invoices.push(vec![
                    Text(uuid::Uuid::now_v7().to_string()),
                    Text("invoice".into()),
                    Text(format!("BX-{k:07}")),
                    Text(id.clone()),
                    Text(p.framework.clone()),
                    Text(p.buyers[k % p.buyers.len()].clone()),
                    Text(p.supplier.clone()),
                    Text("2025-08-01".into()),
                    Text("2025-08".into()),
                    Int(value / term),
                    Int(value / term / 5),
                    Text("approved".into()),
                    Text("[]".into()),
                    Text("ubl".into()),
                    Text(p.user.clone()),
                    Text(at(100)),
                    Int(0),
                    Text(p.user.clone()),
                    Text(at(110)),
                ]);
            }
            if ended {
                early_ends.push(vec![
                    Text(id.clone()),
                    Text("2026-01-01".into()),
                    Int(current),
                    Int(current / 2),
                    Int(current - current / 2),
                    Text(at(115)),
                ]);
            }
        }
        let mut tx = db.pool().begin().await?;
        insert(
            &mut tx,
            "call_offs",
            "id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, placed_at, \
             updated_at, change_seq, sent_to_supplier, live_on, ends_on, title",
            call_offs,
        )
        .await?;
        insert(
            &mut tx,
            "call_off_lines",
            "call_off_id, line_number, item_id, lot_number, sku, name, description, unit, unit_price_micros, cpv, \
             quantity, term_months, line_value",
            lines,
        )
        .await?;
        insert(
            &mut tx,
            "audit_entries",
            "seq, at, actor, action, subject, detail, previous_hash, hash",
            accepted,
        )
        .await?;
        insert(
            &mut tx,
            "call_off_variations",
            "call_off_id, number, previous_value, new_value, original_value, over_limit, lines, previous_lines, varied_by, \
             varied_at",
            variations,
        )
        .await?;
        insert(
            &mut tx,
            "invoices",
            "id, kind, number, call_off_id, framework_id, buyer_id, supplier_id, issue_date, month, net_value, vat, \
             status, mismatches, source, received_by, received_at, change_seq, decided_by, decided_at",
            invoices,
        )
        .await?;
        insert(
            &mut tx,
            "call_off_early_ends",
            "call_off_id, ends_on, previous_value, value, released, ended_at",
            early_ends,
        )
        .await?;
        tx.commit().await?;
        n = end;
    }
    Ok(())
}
