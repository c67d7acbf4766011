//! Tests of the `calloff` binary: the demo, `audit verify`, and two server processes sharing one
//! PostgreSQL database.

use calloff_test_support::{Backend, TestDb};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::process::Output;
use std::time::Duration;
use tokio::process::{Child, Command};

fn calloff(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_calloff"));
    command
        .env("CALLOFF_DATABASE_URL", database_url)
        .env("CALLOFF_LOG", "warn")
        .kill_on_drop(true);
    command
}

async fn run(database_url: &str, args: &[&str]) -> Output {
    calloff(database_url).args(args).output().await.expect("run calloff")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn demo_and_audit_verify(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let first = run(&test_db.url, &["demo", "--seed-only"]).await;
    assert!(first.status.success(), "{first:?}");
    assert!(stdout(&first).contains("Seeded the LON-ICT-2025 demo"));
    assert!(stdout(&first).contains("buyer@camden.example"));
    assert!(
        stdout(&first).contains("Added 7 call-offs in every state"),
        "{}",
        stdout(&first)
    );
    let pool = test_db.db.pool().clone();
    let distinct = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            use sqlx::Row;
            sqlx::query(sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect::<Vec<_>>()
        }
    };
    let states = distinct("SELECT DISTINCT state FROM call_offs ORDER BY state").await;
    assert_eq!(
        states,
        ["accepted", "cancelled", "draft", "ended", "live", "placed", "rejected"]
    );
    let approvals = distinct("SELECT DISTINCT status FROM approval_requests ORDER BY status").await;
    assert_eq!(approvals, ["approved", "awaiting", "returned"]);
    let change_requests = distinct("SELECT DISTINCT status FROM change_requests ORDER BY status").await;
    assert_eq!(change_requests, ["approved", "submitted"]);
    let proposals = distinct("SELECT DISTINCT status FROM proposals ORDER BY status").await;
    assert_eq!(proposals, ["accepted", "declined", "deferred", "open"]);
    let outcomes = distinct("SELECT DISTINCT outcome FROM proposals WHERE outcome IS NOT NULL ORDER BY outcome").await;
    assert_eq!(outcomes, ["change_request", "roadmap"]);
    let answered = distinct("SELECT proposal_id FROM change_requests WHERE proposal_id IS NOT NULL").await;
    assert_eq!(
        answered.len(),
        1,
        "the supplier answered the proposal accepted as a change request"
    );
    let second = run(&test_db.url, &["demo", "--seed-only"]).await;
    assert!(stdout(&second).contains("Found the LON-ICT-2025 demo"), "{second:?}");

    let intact = run(&test_db.url, &["audit", "verify"]).await;
    assert!(intact.status.success(), "{intact:?}");
    assert!(
        stdout(&intact).contains("Audit chain intact: 222 entries verified"),
        "{}",
        stdout(&intact)
    );

    // The open data: every release as one package, streamed to a file, valid under validate-ocds.
    let dir = std::env::temp_dir().join(format!("calloff-cli-ocds-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("releases.json");
    let out = file.to_str().unwrap();
    let exported = run(&test_db.url, &["export", "ocds", "--out", out]).await;
    assert!(exported.status.success(), "{exported:?}");
    let placed: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) FROM call_offs WHERE sent_to_supplier = 1")
            .fetch_one(test_db.db.pool())
            .await
            .unwrap()
            .get(0)
    };
    assert!(
        stdout(&exported).contains(&format!("releases of {placed} call-offs")),
        "{}",
        stdout(&exported)
    );
    let package: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(package["releases"][0]["ocid"]
        .as_str()
        .unwrap()
        .starts_with("ocds-calloff-test-"));
    let (code, report) = calloff_test_support::validate_ocds(std::slice::from_ref(&file), false);
    assert_eq!(code, 0, "{report}");
    let bad = run(
        &test_db.url,
        &["export", "ocds", "--out", out, "--ocid-prefix", "OCDS X"],
    )
    .await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ocid_prefix"), "{bad:?}");
    let _ = std::fs::remove_dir_all(&dir);

    // A business row edited behind the application's back: the chain is intact but disagrees.
    let reference: String = {
        use sqlx::Row;
        sqlx::query("SELECT reference FROM call_offs WHERE state = 'live' ORDER BY reference LIMIT 1")
            .fetch_one(test_db.db.pool())
            .await
            .unwrap()
            .get(0)
    };
    sqlx::query("UPDATE call_offs SET contract_value = contract_value - 100 WHERE reference = $1")
        .bind(&reference)
        .execute(test_db.db.pool())
        .await
        .unwrap();
    let edited = run(&test_db.url, &["audit", "verify"]).await;
    assert_eq!(edited.status.code(), Some(1), "{edited:?}");
    assert!(
        stdout(&edited).contains(&format!("call_offs {reference}")) && stdout(&edited).contains("contract_value"),
        "{}",
        stdout(&edited)
    );
    sqlx::query("UPDATE call_offs SET contract_value = contract_value + 100 WHERE reference = $1")
        .bind(&reference)
        .execute(test_db.db.pool())
        .await
        .unwrap();
    assert!(run(&test_db.url, &["audit", "verify"]).await.status.success());

    // A framework's or a lot's committed value edited: the chain's headroom changes disagree.
    for (edit, undo, named) in [
        (
            "UPDATE frameworks SET committed_value = committed_value + 1",
            "UPDATE frameworks SET committed_value = committed_value - 1",
            "frameworks LON-ICT-2025",
        ),
        (
            "UPDATE lots SET committed_value = committed_value - 500 WHERE number = 4",
            "UPDATE lots SET committed_value = committed_value + 500 WHERE number = 4",
            "lots 4 of framework",
        ),
    ] {
        sqlx::query(edit).execute(test_db.db.pool()).await.unwrap();
        let edited = run(&test_db.url, &["audit", "verify"]).await;
        assert_eq!(edited.status.code(), Some(1), "{edited:?}");
        assert!(
            stdout(&edited).contains(named) && stdout(&edited).contains("committed_value"),
            "{}",
            stdout(&edited)
        );
        sqlx::query(undo).execute(test_db.db.pool()).await.unwrap();
    }
    assert!(run(&test_db.url, &["audit", "verify"]).await.status.success());

    sqlx::query("UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 3")
        .execute(test_db.db.pool())
        .await
        .unwrap();
    let broken = run(&test_db.url, &["audit", "verify"]).await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).contains("broken at entry 3"), "{}", stdout(&broken));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_idempotent_and_audit_verify_names_a_tampered_entry_on_sqlite() {
    demo_and_audit_verify(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_idempotent_and_audit_verify_names_a_tampered_entry_on_postgres() {
    demo_and_audit_verify(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_reports_a_bad_database_url() {
    let output = run("mysql://nope", &["migrate"]).await;
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("sqlite: or postgres://"),
        "{output:?}"
    );
}

/// `audit verify` only reads: a mistyped path, an empty file or an unmigrated database is an
/// error, and nothing is created or migrated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_never_creates_or_migrates_a_database() {
    let folder = std::env::temp_dir().join(format!("calloff-verify-{}", uuid_like()));
    std::fs::create_dir_all(&folder).unwrap();
    let missing = folder.join("mistyped.db");
    let output = run(&format!("sqlite://{}", missing.display()), &["audit", "verify"]).await;
    assert!(!output.status.success(), "{output:?}");
    assert!(!missing.exists(), "verify created {}", missing.display());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no SQLite database"),
        "{output:?}"
    );

    let empty = folder.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let output = run(&format!("sqlite://{}", empty.display()), &["audit", "verify"]).await;
    assert!(!output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("never been migrated"),
        "{output:?}"
    );
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "verify wrote to the empty file"
    );

    // An empty PostgreSQL database is refused the same way, and stays empty.
    let test_db = TestDb::new_unmigrated(Backend::Postgres).await;
    let output = run(&test_db.url, &["audit", "verify"]).await;
    assert!(!output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("never been migrated"),
        "{output:?}"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

fn uuid_like() -> String {
    format!("{:x}", rand::thread_rng().gen::<u64>())
}

struct Server {
    _child: Child,
    base: String,
}

async fn start_server(database_url: &str) -> Server {
    start_server_with(database_url, &[]).await
}

async fn start_server_with(database_url: &str, extra: &[&str]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--listen", listen.as_str()];
    args.extend_from_slice(extra);
    let child = calloff(database_url).args(&args).spawn().expect("start calloff serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/api/openapi.json")).send().await.is_ok() {
            return Server { _child: child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("calloff serve did not start on {base}");
}

async fn api_token(client: &reqwest::Client, base: &str, email: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": email, "password": calloff_app::demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Invariant 1 across processes: 200 call-offs race for the last £1m through two servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_never_overspend_the_ceiling_on_postgres() {
    let test_db = TestDb::new(Backend::Postgres).await;
    assert!(run(&test_db.url, &["demo", "--seed-only", "--bare"])
        .await
        .status
        .success());
    sqlx::query("UPDATE frameworks SET maximum_value = 100000000 WHERE reference = 'LON-ICT-2025'")
        .execute(test_db.db.pool())
        .await
        .unwrap();
    let servers = [start_server(&test_db.url).await, start_server(&test_db.url).await];
    let client = reqwest::Client::new();
    // Sessions live in the database: a token from one server works on the other.
    let camden = api_token(&client, &servers[0].base, "buyer@camden.example").await;
    let hackney = api_token(&client, &servers[1].base, "buyer@hackney.example").await;
    let framework_id = client
        .get(format!("{}/api/v1/frameworks", servers[1].base))
        .bearer_auth(&camden)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["frameworks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut tasks = Vec::new();
    for i in 0..200 {
        // £132 to £19,800 each (£5.50 × 24 months × 1–150 SIMs): about £2m asked for against £1m.
        let quantity: i64 = rng.gen_range(1..=150);
        let base = servers[i % 2].base.clone();
        let token = if i % 3 == 0 { hackney.clone() } else { camden.clone() };
        let (client, framework_id) = (client.clone(), framework_id.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({ "framework_id": framework_id, "lines": [{ "sku": "L4-SIM-5GB", "quantity": quantity, "term_months": 24 }], "cost_centre": "IT-4021", "order": order_json() });
            let response = client
                .post(format!("{base}/api/v1/call-offs"))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("race-{i}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body["totals"]["contract_value"]["pence"].as_i64().unwrap_or(0))
        }));
    }
    let (mut placed, mut placed_value, mut refused) = (0, 0i64, 0);
    for task in tasks {
        match task.await.unwrap() {
            (201, value) => {
                placed += 1;
                placed_value += value;
            }
            (409, _) => refused += 1,
            (status, _) => panic!("unexpected status {status}"),
        }
    }
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT f.committed_value, f.maximum_value, \
         (SELECT CAST(COALESCE(SUM(c.contract_value), 0) AS BIGINT) FROM call_offs c WHERE c.framework_id = f.id) AS stored \
         FROM frameworks f WHERE f.reference = 'LON-ICT-2025'",
    )
    .fetch_one(test_db.db.pool())
    .await
    .unwrap();
    let (committed, maximum, stored): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    println!("two processes: {placed} placed, {refused} refused, committed {committed} of {maximum} pence");
    assert!(committed <= maximum);
    assert_eq!(committed, stored);
    assert_eq!(committed, placed_value);
    assert!(refused > 0 && placed > 0);
    assert_eq!(placed + refused, 200);
}

/// The README's test command is what CI runs.
#[test]
fn ci_runs_exactly_the_readme_test_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let section = readme
        .split("## Run the tests")
        .nth(1)
        .expect("README has a test section");
    let command = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split('\n').next())
        .expect("a command block");
    assert!(command.contains("cargo test --workspace"));
    assert_eq!(
        ci.lines().last(),
        Some(command),
        "the last line of .ci/run must be the README's test command"
    );
}

/// The server's worker emails the supplier when a call-off is placed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_call_off_is_emailed_to_the_supplier() {
    let test_db = TestDb::new(Backend::Sqlite).await;
    assert!(run(&test_db.url, &["demo", "--seed-only", "--bare"])
        .await
        .status
        .success());
    let sink = calloff_test_support::smtp_sink::SmtpSink::start().await;
    let server = start_server_with(
        &test_db.url,
        &["--smtp-url", &sink.url(), "--public-url", "https://calloff.example"],
    )
    .await;
    let client = reqwest::Client::new();
    let token = api_token(&client, &server.base, "buyer@camden.example").await;
    let frameworks: Value = client
        .get(format!("{}/api/v1/frameworks", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({
        "framework_id": frameworks["frameworks"][0]["id"],
        "lines": [{ "sku": "L5-TEAMS-PHONE", "quantity": 40, "term_months": 12 }],
        "cost_centre": "IT-4021",
        "order": order_json(),
    });
    let placed = client
        .post(format!("{}/api/v1/call-offs", server.base))
        .bearer_auth(&token)
        .header("Idempotency-Key", "emailed-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 201);
    // The open data's links are under the public address too, not the one the request came to.
    let package: Value = client
        .get(format!("{}/api/v1/ocds/releases?limit=1", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(package["uri"], "https://calloff.example/api/v1/ocds/releases?limit=1");
    let reference = placed.json::<Value>().await.unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..100 {
        if let Some(mail) = sink.received().first() {
            assert_eq!(mail.to, ["supplier@londonict.example"]);
            assert!(mail.subject().unwrap().contains(&reference), "{mail:?}");
            assert!(
                mail.data.contains("https://calloff.example/call-offs/"),
                "{}",
                mail.data
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no email reached the SMTP server within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_catalogue_reports_each_bad_cell_or_submits_one_change_request() {
    let test_db = TestDb::new(Backend::Sqlite).await;
    assert!(run(&test_db.url, &["demo", "--seed-only", "--bare"])
        .await
        .status
        .success());
    let dir = std::env::temp_dir().join(format!("calloff-import-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv";
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header}\n4,L4-A,A,An item,per month,1.00,24,64212000-5\n7,L4-B,B,An item,per month,1.00,24,nope\n"),
    )
    .unwrap();
    let args = |file: &std::path::Path| {
        vec![
            "import".to_string(),
            "catalogue".to_string(),
            file.display().to_string(),
            "--framework".to_string(),
            "LON-ICT-2025".to_string(),
            "--as".to_string(),
            "supplier@londonict.example".to_string(),
        ]
    };
    let refused = calloff(&test_db.url).args(args(&bad)).output().await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let printed = stdout(&refused);
    assert!(printed.contains("row 3, column cpv"), "{printed}");
    assert!(
        printed.contains("row 3, column lot: The framework has no lot 7"),
        "{printed}"
    );
    let count = |sql: &'static str| {
        let pool = test_db.db.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM change_requests").await, 0);

    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!("{header}\n4,L4-A,A,An item,per month,1.00,24,64212000-5\n"),
    )
    .unwrap();
    let imported = calloff(&test_db.url).args(args(&good)).output().await.unwrap();
    assert!(imported.status.success(), "{imported:?}");
    assert!(
        stdout(&imported).starts_with("Imported 1 rows"),
        "{}",
        stdout(&imported)
    );
    assert_eq!(count("SELECT COUNT(*) FROM catalogue_changes").await, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn import_mi_reports_each_bad_cell_or_submits_the_return() {
    use calloff_app::call_offs::{self, PlaceCallOff};
    use calloff_app::quotes::LineInput;
    use calloff_app::{auth, App, Clock, SystemClock};
    let test_db = TestDb::new(Backend::Sqlite).await;
    assert!(run(&test_db.url, &["demo", "--seed-only", "--bare"])
        .await
        .status
        .success());
    let app = App::new(test_db.db.clone(), std::sync::Arc::new(SystemClock));
    let buyer = auth::actor_by_email(&app, "buyer@camden.example").await.unwrap();
    let framework_id =
        calloff_store::frameworks::find_by_reference(&mut app.db.pool().acquire().await.unwrap(), "LON-ICT-2025")
            .await
            .unwrap()
            .unwrap()
            .framework
            .id;
    let command = PlaceCallOff {
        framework_id,
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 20,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&app),
    };
    let reference = call_offs::place(&app, &buyer, &command, Some("cli-mi"))
        .await
        .unwrap()
        .call_off
        .reference;
    let camden = calloff_store::organisations::get(&mut app.db.pool().acquire().await.unwrap(), &buyer.organisation_id)
        .await
        .unwrap()
        .unwrap()
        .org_id()
        .unwrap();
    let month = calloff_domain::mi_return::Month::of(calloff_domain::calendar::uk_date(SystemClock.now())).previous();
    let day = month.first_day();
    let dir = std::env::temp_dir().join(format!("calloff-import-mi-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let header =
        "order_reference,customer_org_id,lot,sku,quantity,unit_price_gbp,value_gbp,invoice_number,invoice_date";
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}\n{reference},{camden},4,L4-SIM-5GB,20,5.50,110.00,EXT-1,{day}\nCO-NONE,{camden},4,L4-SIM-5GB,1,5.50,5.50,EXT-2,{day}\n{reference},{camden},4,L4-SIM-5GB,1,9.99,9.99,EXT-3,{day}\n"
        ),
    )
    .unwrap();
    let args = |file: &std::path::Path| {
        vec![
            "import".to_string(),
            "mi".to_string(),
            file.display().to_string(),
            "--framework".to_string(),
            "LON-ICT-2025".to_string(),
            "--period".to_string(),
            month.to_string(),
            "--as".to_string(),
            "supplier@londonict.example".to_string(),
        ]
    };
    let refused = calloff(&test_db.url).args(args(&bad)).output().await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let printed = stdout(&refused);
    assert!(printed.contains("row 3, column order_reference"), "{printed}");
    assert!(printed.contains("row 4, column unit_price_gbp"), "{printed}");
    let count = |sql: &'static str| {
        let pool = test_db.db.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM mi_return_versions").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM mi_import_rows").await, 0);

    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!("{header}\n{reference},{camden},4,L4-SIM-5GB,20,5.50,110.00,EXT-1,{day}\n"),
    )
    .unwrap();
    let imported = calloff(&test_db.url).args(args(&good)).output().await.unwrap();
    assert!(imported.status.success(), "{imported:?}");
    assert!(
        stdout(&imported).starts_with("Imported 1 rows"),
        "{}",
        stdout(&imported)
    );
    assert_eq!(count("SELECT COUNT(*) FROM mi_return_rows").await, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What an order needs besides its lines, as an API client sends it: starting a week from
/// today, as the served app's clock is the real one.
fn order_json() -> Value {
    json!({
        "title": "Teams phones for the contact centre",
        "delivery_address": "Town Hall, Judd Street, London WC1H 9JE",
        "starts_on": (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string(),
        "contact": { "name": "Sam Patel", "email": "sam.patel@camden.example", "phone": "020 7974 4444" }
    })
}
