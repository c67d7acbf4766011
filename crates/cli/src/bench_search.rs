//! `calloff bench-search`: catalogue search over a generated catalogue of 100,000 items, on
//! PostgreSQL and SQLite. It prints the search use case's latency percentiles, and the requests
//! per second of the search page over HTTP against a trivial axum handler measured in the same
//! run. It asserts nothing.

use crate::bench::ScratchDatabase;
use calloff_app::catalogue::{self, SearchParams};
use calloff_app::{auth, demo, App, SystemClock};
use calloff_domain::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
use calloff_domain::ids::{ItemId, OrganisationId};
use calloff_domain::money::UnitPrice;
use calloff_store::audit::ChainHead;
use calloff_store::Db;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchSearchArgs {
    /// PostgreSQL server to create the benchmark database on (it is dropped afterwards).
    #[arg(
        long,
        env = "CALLOFF_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Items in the generated catalogue (besides the demo's).
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    /// Searches timed through the use case.
    #[arg(long, default_value_t = 2_000)]
    searches: usize,
    /// Seconds of each HTTP measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Databases to measure, comma-separated: postgres, sqlite.
    #[arg(long, default_value = "postgres,sqlite", value_delimiter = ',')]
    backends: Vec<String>,
}

const PRODUCTS: [&str; 16] = [
    "SIM",
    "Ethernet circuit",
    "Teams licence",
    "SIP trunk",
    "Firewall",
    "Wi-Fi access point",
    "Switch",
    "Router",
    "Broadband line",
    "Cloud virtual machine",
    "Backup vault",
    "Object storage",
    "Desk handset",
    "Headset",
    "Video bar",
    "Contact centre seat",
];
const SIZES: [&str; 8] = [
    "5 GB",
    "50 GB",
    "100 Mbit/s",
    "1 Gbit/s",
    "10 Gbit/s",
    "small",
    "medium",
    "large",
];
const TIERS: [&str; 5] = ["Standard", "Premium", "Essential", "Resilient", "Managed"];
const CPVS: [&str; 5] = ["64212000-5", "72720000-3", "48000000-8", "32250000-0", "72000000-5"];
const UNITS: [Unit; 5] = [
    Unit::PerMonth,
    Unit::PerUserPerMonth,
    Unit::OneOff,
    Unit::PerMinute,
    Unit::PerGb,
];

/// The searches timed, in turn: broad and narrow words, prefixes, a SKU, a CPV code, facets and
/// sorts; then (ADR 0014) a plural, a synonym, a typo and words no single item has; then filters
/// with several values each.
fn queries() -> Vec<SearchParams> {
    let q = |q: &str| SearchParams {
        q: q.into(),
        ..SearchParams::default()
    };
    vec![
        q("sim"),
        q("ethernet 1 gbit"),
        q("teams licence premium"),
        q("resilient firewall"),
        q("BX-3-004217"),
        q("64212000"),
        q("head"),
        SearchParams {
            lot: "2".into(),
            sort: "price_low".into(),
            ..q("cloud")
        },
        SearchParams {
            unit: "per_month".into(),
            price_band: "1".into(),
            ..q("router")
        },
        SearchParams {
            lot: "4".into(),
            ..q("")
        },
        q("quantum teleporter"),
        q("routers"),
        q("mobile"),
        q("frewall"),
        q("resilient teleporter"),
        // Filters given more than once (alternatives within a filter).
        SearchParams {
            lot: "1,4".into(),
            ..q("router")
        },
        SearchParams {
            unit: "per_month,per_user_per_month".into(),
            price_band: "0,1".into(),
            term_band: "1,2".into(),
            ..q("")
        },
    ]
}

async fn add_items(
    app: &App,
    framework: &calloff_domain::ids::FrameworkId,
    supplier: &OrganisationId,
    count: usize,
) -> anyhow::Result<()> {
    let start = app.today().to_string();
    for chunk in (0..count).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = app.db.begin_write().await?;
        let head = ChainHead::claim(&mut tx).await?;
        for &i in chunk {
            let lot = u32::try_from(i % 5 + 1)?;
            let product = PRODUCTS[i % PRODUCTS.len()];
            let size = SIZES[(i / 16) % SIZES.len()];
            let tier = TIERS[(i / 128) % TIERS.len()];
            let item = CatalogueItem {
                id: ItemId::generate(),
                framework_id: framework.clone(),
                lot_number: lot,
                sku: Sku::parse(&format!("BX-{lot}-{i:06}"))?,
                name: format!("{tier} {product}, {size}"),
                description: format!(
                    "{tier} {product} ({size}) for London public bodies, variant {i}; managed service with monitoring."
                ),
                unit: UNITS[i % UNITS.len()],
                unit_price: UnitPrice::from_micros((calloff_domain::count(i % 5_000) + 1) * 370_000)?,
                minimum_term_months: [0, 12, 24, 36][i % 4],
                cpv: CpvCode::parse(CPVS[i % CPVS.len()])?,
                list_price: None,
                quantity_tiers: Default::default(),
                demand_bands: Default::default(),
            };
            calloff_store::catalogue::insert(&mut tx, &item, supplier, &start, None).await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The p-th sample (0 to 1) of sorted timings, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    // The p-th sample in order, counted in whole samples (p is between 0 and 1).
    let last = sorted.len().saturating_sub(1);
    let i = (0..=last).find(|&i| i as f64 >= last as f64 * p - 0.5).unwrap_or(last);
    sorted[i].as_secs_f64() * 1000.0
}

/// Requests per second from `clients` keep-alive clients getting `url` for `seconds`.
async fn requests_per_second(url: String, cookie: Option<String>, clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (url, cookie, done) = (url.clone(), cookie.clone(), done.clone());
        tasks.spawn(async move {
            let client = reqwest::Client::new();
            while Instant::now() < deadline {
                let mut request = client.get(&url);
                if let Some(cookie) = &cookie {
                    request = request.header("cookie", cookie);
                }
                let response = request.send().await?;
                anyhow::ensure!(response.status().is_success(), "{url}: {}", response.status());
                response.bytes().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

pub async fn run(args: BenchSearchArgs) -> anyhow::Result<()> {
    println!(
        "{:<9} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12} {:>10}",
        "database", "items", "p50 ms", "p95 ms", "p99 ms", "page req/s", "trivial/s", "ratio"
    );
    for backend in &args.backends {
        let database = ScratchDatabase::create(backend, &args.postgres_url).await?;
        let result = measure(backend, &database.url, &args).await;
        database.remove().await?;
        result?;
    }
    Ok(())
}

async fn measure(backend: &str, url: &str, args: &BenchSearchArgs) -> anyhow::Result<()> {
    let db = Db::open(url).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock));
    let seeded = demo::seed(&app).await?;
    let supplier = auth::actor_by_email(&app, "supplier@londonict.example").await?;
    add_items(&app, &seeded.framework_id, &supplier.organisation_id, args.items).await?;
    // Fresh statistics, as autovacuum would gather after a big import; on PostgreSQL, vacuumed
    // too, so that autovacuum does not take the cores in the middle of the measurements.
    let analyze = if backend == "postgres" {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    sqlx::query(analyze).execute(db.pool()).await?;
    let session = auth::sign_in(&app, "buyer@camden.example", demo::DEMO_PASSWORD).await?;
    let buyer = session.actor.clone();
    let built = Instant::now();
    let mut conn = db.pool().acquire().await?;
    calloff_store::search::bump_generation(&mut conn, &seeded.framework_id).await?;
    drop(conn);
    let index = catalogue::prepare_index(&app, &seeded.framework_id).await?;
    eprintln!(
        "  {backend}: in-memory index built in {:.2} s",
        built.elapsed().as_secs_f64()
    );
    // The database's full-text search, which answers while an index is being built.
    let mut database = Vec::new();
    for request in queries().iter().map(|p| p.parse()) {
        let request = request.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let started = Instant::now();
        catalogue::search_in_database(&app, &buyer, &seeded.framework_id, &request).await?;
        database.push(started.elapsed());
    }
    database.sort();
    eprintln!(
        "  {backend}: database search, one run of each query: median {:.2} ms, slowest {:.2} ms",
        percentile(&database, 0.5),
        percentile(&database, 1.0)
    );
    let queries: Vec<_> = queries()
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Each search as one not made before pays: it reads the catalogue generation from the
    // database and searches the in-memory index (`catalogue::search` would then keep the results
    // of that generation, which the page benchmark below does use).
    let mut timings = Vec::with_capacity(args.searches);
    let mut per_query = vec![Duration::ZERO; queries.len()];
    for i in 0..args.searches {
        let started = Instant::now();
        let mut conn = db.pool().acquire().await?;
        let generation = calloff_store::search::generation(&mut conn, &seeded.framework_id).await?;
        drop(conn);
        anyhow::ensure!(generation == index.generation, "the index is of another generation");
        std::hint::black_box(catalogue::search_index(&index, &queries[i % queries.len()]));
        timings.push(started.elapsed());
        per_query[i % queries.len()] += started.elapsed();
    }
    timings.sort();
    let runs = (args.searches / queries.len()).max(1) as f64;
    for (p, total) in self::queries().iter().zip(&per_query) {
        eprintln!(
            "  {backend}: {:>7.2} ms mean  q={:?} lot={:?} unit={:?} sort={:?}",
            total.as_secs_f64() * 1000.0 / runs,
            p.q,
            p.lot,
            p.unit,
            p.sort
        );
    }

    // The search page and a trivial handler, served side by side, measured one after the other.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let pages = listener.local_addr()?;
    let router = calloff_web::router(app.clone(), calloff_web::DEFAULT_ASSETS_DIR.into());
    tokio::spawn(calloff_web::serve(listener, router.clone()));
    let trivial_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let trivial = trivial_listener.local_addr()?;
    let hello = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(trivial_listener, hello).await });
    let cookie = Some(format!("__Host-calloff_session={}", session.token));
    let page_url = format!(
        "http://{pages}/frameworks/{}/catalogue?q=resilient+firewall",
        seeded.framework_id
    );
    let page = reqwest::Client::new()
        .get(&page_url)
        .header("cookie", cookie.clone().unwrap_or_default())
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(page.contains("result-count"), "the search page did not show results");
    eprintln!("  {backend}: the search page is {} bytes", page.len());
    // The page's own cost, without a network or an HTTP client: the router called in-process.
    let in_process = {
        use tower::ServiceExt;
        let path = page_url.trim_start_matches(&format!("http://{pages}"));
        let rounds = 20_000;
        let started = Instant::now();
        for _ in 0..rounds {
            let request = axum::http::Request::get(path)
                .header("cookie", cookie.clone().unwrap_or_default())
                .body(axum::body::Body::empty())?;
            let response = router.clone().oneshot(request).await?;
            anyhow::ensure!(response.status().is_success(), "in-process page: {}", response.status());
            axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        }
        started.elapsed().as_secs_f64() * 1e6 / rounds as f64
    };
    eprintln!("  {backend}: the search page takes {in_process:.1} µs in-process (router, session, search, render)");
    let page_rps = requests_per_second(page_url, cookie, args.clients, args.seconds).await?;
    let trivial_rps = requests_per_second(format!("http://{trivial}/"), None, args.clients, args.seconds).await?;
    println!(
        "{:<9} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>12.0} {:>12.0} {:>10.2}",
        backend,
        args.items,
        percentile(&timings, 0.50),
        percentile(&timings, 0.95),
        percentile(&timings, 0.99),
        page_rps,
        trivial_rps,
        page_rps / trivial_rps
    );
    db.close().await;
    Ok(())
}
