//! Each role's main journeys in a real browser: `tests/browser/journeys.mjs` drives Debian's
//! Chromium through the pages of a test server, by labels and buttons, checking each step's
//! outcome, and prints the pages each journey took.

use crate::browser::Site;
use calloff_test_support::Backend;
use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_walks_its_journeys_in_chromium() {
    let site = Site::start(Backend::Sqlite).await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let screenshots = std::env::temp_dir().join(format!("calloff-journeys-{}", uuid::Uuid::now_v7()));
    // One code for everyone who needs a second factor: the test clock stands still meanwhile.
    let code = site.t.two_factor_code();
    let output = tokio::process::Command::new("node")
        .arg(root.join("crates/web/tests/browser/journeys.mjs"))
        .current_dir(&root)
        .env("BASE", &site.base)
        .env("FRAMEWORK", site.t.framework_id.to_string())
        .env("PASSWORD", calloff_app::demo::DEMO_PASSWORD)
        .env("TWO_FACTOR_CODE", &code)
        .env("SCREENSHOTS", &screenshots)
        .output()
        .await
        .expect("run journeys.mjs (node)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}\nscreenshots in {}", screenshots.display());
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("journey ok: a manager verifies a registration"),
        "{stdout}"
    );
}
