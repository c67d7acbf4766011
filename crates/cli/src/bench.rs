//! `calloff bench`: call-offs per second through the use case, against the bare SQL transaction
//! of the same shape (audit-head claim, guarded ceiling update, insert, audit append), with 1, 8
//! and 32 concurrent clients, on PostgreSQL and SQLite. It prints figures; it asserts nothing.

use anyhow::Context;
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{auth, demo, Actor, App, SystemClock};
use calloff_domain::ids::FrameworkId;
use calloff_store::{with_retries, Db, StoreError};
use sqlx::Row;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Concurrent clients, comma-separated.
    #[arg(long, default_value = "1,8,32", value_delimiter = ',')]
    clients: Vec<usize>,
    /// Seconds to run each measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    println!(
        "{:<9} {:>7} {:>16} {:>16} {:>13}",
        "database", "clients", "app call-offs/s", "baseline tx/s", "app/baseline"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let result = measure(backend, &database.url, &args).await;
        database.remove().await?;
        result?;
    }
    Ok(())
}

/// A throwaway database for one benchmark run: a new database on the PostgreSQL server, or a
/// SQLite file in the temporary folder.
pub struct ScratchDatabase {
    pub url: String,
    /// The server and name of a PostgreSQL database, or the path of a SQLite file.
    place: Result<(String, String), std::path::PathBuf>,
}

impl ScratchDatabase {
    pub async fn create(backend: &str, postgres_url: &str) -> anyhow::Result<ScratchDatabase> {
        let name = format!("calloff_bench_{}", uuid::Uuid::now_v7().simple());
        match backend {
            "postgres" => Ok(ScratchDatabase {
                url: calloff_store::create_postgres_database(postgres_url, &name)
                    .await
                    .with_context(|| format!("creating a database on {postgres_url}"))?,
                place: Ok((postgres_url.to_string(), name)),
            }),
            "sqlite" => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Ok(ScratchDatabase {
                    url: format!("sqlite://{}", path.display()),
                    place: Err(path),
                })
            }
            other => anyhow::bail!("unknown backend {other}: use postgres or sqlite"),
        }
    }

    pub async fn remove(self) -> anyhow::Result<()> {
        match self.place {
            Ok((server, name)) => calloff_store::drop_postgres_database(&server, &name).await?,
            Err(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
        }
        Ok(())
    }
}

async fn measure(backend: &str, url: &str, args: &BenchArgs) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock));
    let seeded = demo::seed(&app).await?;
    let buyers = [
        auth::sign_in(&app, "buyer@camden.example", demo::DEMO_PASSWORD)
            .await?
            .actor,
        auth::sign_in(&app, "buyer@hackney.example", demo::DEMO_PASSWORD)
            .await?
            .actor,
    ];
    let duration = Duration::from_secs(args.seconds);
    // Warm the pool and caches.
    run_clients(
        4,
        Duration::from_millis(500),
        placing(&app, &seeded.framework_id, &buyers),
    )
    .await;
    for &clients in &args.clients {
        let baseline = run_clients(clients, duration, bare(&db, &seeded.framework_id, &buyers)).await;
        let placed = run_clients(clients, duration, placing(&app, &seeded.framework_id, &buyers)).await;
        println!(
            "{:<9} {:>7} {:>16.0} {:>16.0} {:>13.2}",
            backend,
            clients,
            placed,
            baseline,
            if baseline > 0.0 { placed / baseline } else { 0.0 }
        );
    }
    db.close().await;
    Ok(())
}

/// Runs `clients` tasks looping on `op` for `duration`; returns successful operations per second.
async fn run_clients<F, Fut>(clients: usize, duration: Duration, op: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (op, done, failed) = (op.clone(), done.clone(), failed.clone());
        tasks.spawn(async move {
            while Instant::now() < deadline {
                match op(i).await {
                    Ok(()) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("benchmark operation failed: {e:#}");
                        }
                    }
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Places one small call-off as one of the two demo buyers.
fn placing(
    app: &App,
    framework_id: &FrameworkId,
    buyers: &[Actor; 2],
) -> impl Fn(usize) -> PlaceFuture + Send + Sync + 'static {
    let (app, framework_id, buyers) = (app.clone(), framework_id.clone(), buyers.clone());
    move |i| {
        let (app, framework_id, buyer) = (app.clone(), framework_id.clone(), buyers[i % 2].clone());
        Box::pin(async move { place_one(&app, &framework_id, &buyer).await })
    }
}

fn bare(
    db: &Db,
    framework_id: &FrameworkId,
    buyers: &[Actor; 2],
) -> impl Fn(usize) -> PlaceFuture + Send + Sync + 'static {
    let (db, framework_id, buyers) = (db.clone(), framework_id.clone(), buyers.clone());
    move |i| {
        let (db, framework_id, buyer) = (db.clone(), framework_id.clone(), buyers[i % 2].clone());
        Box::pin(async move { bare_transaction(&db, &framework_id, &buyer).await })
    }
}

type PlaceFuture = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

async fn place_one(app: &App, framework_id: &FrameworkId, buyer: &Actor) -> anyhow::Result<()> {
    let command = PlaceCallOff {
        framework_id: framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 1,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(app),
    };
    let key = uuid::Uuid::now_v7().to_string();
    call_offs::place(app, buyer, &command, Some(&key)).await?;
    Ok(())
}

/// The same shape as placing, in bare SQL: claim the audit head, guarded ceiling update, insert
/// the call-off, append the audit entry, move the head, commit.
async fn bare_transaction(db: &Db, framework_id: &FrameworkId, buyer: &Actor) -> anyhow::Result<()> {
    with_retries(|| async {
        let mut tx = db.begin_write().await?;
        let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash").fetch_one(&mut *tx).await?;
        let seq: i64 = head.try_get("seq")?;
        let count: i64 = sqlx::query(
            "UPDATE frameworks SET committed_value = committed_value + $1, call_off_count = call_off_count + 1 \
             WHERE id = $2 AND status = 'live' AND committed_value + $1 <= maximum_value RETURNING call_off_count",
        )
        .bind(13_200_i64)
        .bind(framework_id.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("call_off_count")?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO call_offs (id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, \
             idempotency_key, request_hash, placed_at, updated_at, change_seq) \
             VALUES ($1, $2, $3, $4, $4, $5, 'placed', 13200, 2640, $1, 'bench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', $6)",
        )
        .bind(&id)
        .bind(format!("BASELINE-{count}"))
        .bind(framework_id.as_str())
        .bind(buyer.organisation_id.as_str())
        .bind(buyer.user_id.as_str())
        .bind(seq + 1)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_entries (seq, at, actor, action, subject, detail, previous_hash, hash) \
             VALUES ($1, '2026-01-01T00:00:00.000Z', $2, 'bench', $3, '{}', 'previous', 'hash')",
        )
        .bind(seq + 1)
        .bind(buyer.user_id.as_str())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = 'hash' WHERE id = 1").bind(seq + 1).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok::<(), StoreError>(())
    })
    .await?;
    Ok(())
}
