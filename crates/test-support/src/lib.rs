//! Test databases and app builders. Every store and use-case test runs on SQLite and PostgreSQL;
//! PostgreSQL tests fail loudly, saying how to start the server, when none is reachable.

pub mod smtp_sink;

use calloff_app::{auth, demo, Actor, App, SettableClock};
use calloff_domain::ids::FrameworkId;
use calloff_store::Db;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

/// The server the PostgreSQL tests use; each test creates (and drops) its own database there.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("CALLOFF_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        Self::create(backend, true).await
    }

    /// A fresh database with no tables at all (for tests of what refuses one).
    pub async fn new_unmigrated(backend: Backend) -> TestDb {
        Self::create(backend, false).await
    }

    async fn create(backend: Backend, migrated: bool) -> TestDb {
        let connect = |url: String| async move {
            if migrated {
                Db::open(&url).await
            } else {
                Db::connect(&url).await
            }
        };
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("calloff-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{}.db", uuid::Uuid::now_v7()));
                let url = format!("sqlite://{}", path.display());
                let db = connect(url.clone()).await.expect("open SQLite test database");
                TestDb {
                    db,
                    url,
                    cleanup: Cleanup::File(path),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("calloff_test_{}", uuid::Uuid::now_v7().simple());
                let url = match calloff_store::create_postgres_database(&admin_url, &name).await {
                    Ok(url) => url,
                    Err(e) => panic!("{}", postgres_unreachable(&admin_url, &e)),
                };
                let db = connect(url.clone()).await.expect("open PostgreSQL test database");
                TestDb {
                    db,
                    url,
                    cleanup: Cleanup::Database { admin_url, name },
                }
            }
        }
    }
}

fn postgres_unreachable(admin_url: &str, e: &dyn std::fmt::Display) -> String {
    format!(
        "PostgreSQL tests need a server at {admin_url} ({e}).\n\
         Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
         or point CALLOFF_TEST_POSTGRES_URL at another server. These tests are never skipped."
    )
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, so clean up on a thread of our own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    if let Ok(runtime) = runtime {
                        let _ = runtime.block_on(calloff_store::drop_postgres_database(&admin_url, &name));
                    }
                })
                .join();
            }
        }
    }
}

/// The instant tests run at: within the demo framework's term.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
        .single()
        .expect("valid time")
}

/// An app on a fresh database seeded with the demo, and a clock standing at [`test_now`] until
/// a test moves it.
pub struct TestApp {
    pub app: App,
    pub clock: Arc<SettableClock>,
    pub framework_id: FrameworkId,
    pub test_db: TestDb,
}

impl TestApp {
    pub async fn init(backend: Backend) -> TestApp {
        let test_db = TestDb::new(backend).await;
        let clock = Arc::new(SettableClock::new(test_now()));
        let app = App::new(test_db.db.clone(), clock.clone());
        let seeded = demo::seed(&app).await.expect("seed the demo");
        TestApp {
            app,
            clock,
            framework_id: seeded.framework_id,
            test_db,
        }
    }

    /// Signs in a demo user and returns them as an actor.
    pub async fn actor(&self, email: &str) -> Actor {
        auth::sign_in(&self.app, email, demo::DEMO_PASSWORD)
            .await
            .expect("demo sign-in")
            .actor
    }

    /// A fresh code for the demo's two-factor key. The clock moves on one time step first, as
    /// a code is accepted once.
    pub fn two_factor_code(&self) -> String {
        next_two_factor_code(&self.clock)
    }

    /// The audit chain verifies, and every call-off, framework and lot agrees with it.
    pub async fn assert_audit_intact(&self) {
        let report = calloff_app::audit::verify(&self.app)
            .await
            .expect("verify the audit chain");
        assert!(
            matches!(report, calloff_app::audit::ChainReport::Intact { .. }),
            "{report:?}"
        );
    }

    pub async fn buyer(&self) -> Actor {
        self.actor("buyer@camden.example").await
    }

    pub async fn supplier(&self) -> Actor {
        self.actor("supplier@londonict.example").await
    }
}

/// Whether a demo user signs in with two factors (their roles require it).
pub fn demo_user_has_two_factor(email: &str) -> bool {
    demo::DEMO_USERS
        .iter()
        .any(|(demo_email, _, _, roles)| *demo_email == email && calloff_app::two_factor::required_for(roles))
}

/// Moves `clock` on one time step and gives the demo key's code then.
pub fn next_two_factor_code(clock: &SettableClock) -> String {
    use calloff_app::Clock;
    clock.advance(chrono::Duration::seconds(30));
    calloff_app::two_factor::code_at(demo::DEMO_TWO_FACTOR_KEY, clock.now()).expect("the demo key is valid")
}

/// Generates `sqlite` and `postgres` tests from one `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    )*};
}

/// A small framework for tests: one lot, one £1-a-month item, Camden and Hackney eligible.
pub struct SmallFramework {
    pub id: FrameworkId,
    pub sku: String,
}

impl TestApp {
    pub async fn add_framework(
        &self,
        reference: &str,
        maximum: calloff_domain::money::Money,
        lot_ceiling: Option<calloff_domain::money::Money>,
        status: calloff_domain::framework::FrameworkStatus,
    ) -> SmallFramework {
        use calloff_domain::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
        use calloff_domain::framework::{Framework, Lot, Term};
        use calloff_domain::ids::{ItemId, LotId};
        use calloff_domain::money::UnitPrice;
        use calloff_store::{audit::ChainHead, catalogue, frameworks, organisations};

        let db = &self.app.db;
        let mut conn = db.pool().acquire().await.unwrap();
        let supplier = organisations::find_by_name(&mut conn, demo::SUPPLIER)
            .await
            .unwrap()
            .unwrap();
        let authority = organisations::find_by_name(&mut conn, demo::AUTHORITY)
            .await
            .unwrap()
            .unwrap();
        let mut eligible = Vec::new();
        for name in ["London Borough of Camden", "London Borough of Hackney"] {
            eligible.push(organisations::find_by_name(&mut conn, name).await.unwrap().unwrap().id);
        }
        drop(conn);
        let framework = Framework {
            id: FrameworkId::generate(),
            reference: reference.to_string(),
            title: format!("Test framework {reference}"),
            authority: authority.id,
            suppliers: vec![supplier.id.clone()],
            lots: vec![Lot {
                id: LotId::generate(),
                number: 1,
                title: "Everything".into(),
                ceiling: lot_ceiling,
                direct_award_route: true,
                direct_award_limit: None,
            }],
            maximum_value: maximum,
            term: Term::parse(
                chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2028, 12, 31).unwrap(),
            )
            .unwrap(),
            status,
        };
        let sku = format!("{reference}-UNIT");
        let item = CatalogueItem {
            id: ItemId::generate(),
            framework_id: framework.id.clone(),
            lot_number: 1,
            sku: Sku::parse(&sku).unwrap(),
            name: "Test unit".into(),
            description: "One pound a month".into(),
            unit: Unit::PerMonth,
            unit_price: UnitPrice::parse_pounds("1.00").unwrap(),
            minimum_term_months: 0,
            cpv: CpvCode::parse("72000000-5").unwrap(),
            list_price: None,
            quantity_tiers: Default::default(),
            demand_bands: Default::default(),
        };
        let mut tx = db.begin_write().await.unwrap();
        let mut head = ChainHead::claim(&mut tx).await.unwrap();
        frameworks::insert(&mut tx, &framework, "2026-11-26T10:00:00.000Z")
            .await
            .unwrap();
        for org in &eligible {
            frameworks::add_eligible(&mut tx, &framework.id, org).await.unwrap();
        }
        catalogue::insert(&mut tx, &item, &supplier.id, &framework.term.start.to_string(), None)
            .await
            .unwrap();
        head.append(
            &mut tx,
            "2026-11-26T10:00:00.000Z",
            "test",
            "framework.created",
            framework.id.as_str(),
            serde_json::json!({}),
        )
        .await
        .unwrap();
        head.seal(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        SmallFramework { id: framework.id, sku }
    }
}

/// A minimal XLSX workbook with one sheet of text cells, for import tests.
pub fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    use std::io::Write;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, value) in row.iter().enumerate() {
            let column = char::from(b'A' + u8::try_from(c).expect("at most 26 columns"));
            sheet.push_str(&format!(
                r#"<c r="{column}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                r + 1,
                escape(value)
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Prices" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// Runs `../shared/tools/validate-ubl` (or `$CALLOFF_SHARED_TOOLS/validate-ubl`) on every
/// document at once: the official XSD and both BIS 3 schematrons. A missing tool fails: these
/// documents go to public bodies, so an unchecked run is not a pass.
pub fn assert_valid_ubl(documents: &[(String, String)]) {
    let tools = std::env::var("CALLOFF_SHARED_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools"));
    let tool = tools.join("validate-ubl");
    assert!(
        tool.exists(),
        "{} is missing: clone beside ../shared or set CALLOFF_SHARED_TOOLS",
        tool.display()
    );
    let dir = std::env::temp_dir().join(format!("calloff-ubl-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut files = Vec::new();
    for (name, xml) in documents {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, xml).expect("write the document");
        files.push(path);
    }
    let output = std::process::Command::new(&tool)
        .args(&files)
        .output()
        .expect("validate-ubl runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "validate-ubl refused a document calloff wrote ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `../shared/tools/validate-ocds` (or `$CALLOFF_SHARED_TOOLS/validate-ocds`) on `files`,
/// with `--libcove` when asked, and returns its exit code and what it printed. A missing tool
/// fails: what is published must have been checked.
pub fn validate_ocds(files: &[std::path::PathBuf], libcove: bool) -> (i32, String) {
    let tools = std::env::var("CALLOFF_SHARED_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools"));
    let tool = tools.join("validate-ocds");
    assert!(
        tool.exists(),
        "{} is missing: clone beside ../shared or set CALLOFF_SHARED_TOOLS",
        tool.display()
    );
    let mut command = std::process::Command::new(&tool);
    if libcove {
        command.arg("--libcove");
    }
    let output = command.args(files).output().expect("validate-ocds runs");
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}
