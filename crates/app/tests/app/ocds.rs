//! Open data as use cases, on both databases: the streamed export holds exactly what the pages
//! hold, in the same order; the ocid prefix decides which ocids are ours; only the framework's
//! manager withholds fields, and doing so is audited.

use calloff_app::ocds::{self, Confidentiality};
use calloff_app::{auth, demo, AppError};
use calloff_interop::ocds::OcidPrefix;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use serde_json::Value;

on_both_databases!(ocds_the_export_holds_what_the_pages_hold);

fn ids(releases: &[Value]) -> Vec<String> {
    releases.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

async fn ocds_the_export_holds_what_the_pages_hold(backend: Backend) {
    let t = TestApp::init(backend).await;
    demo::seed_activity(&t.app).await.unwrap();

    let (bytes, written, call_offs) = ocds::export(&t.app, Vec::new(), "https://example.org/releases.json".into())
        .await
        .unwrap();
    let package: Value = serde_json::from_slice(&bytes).unwrap();
    let exported = ids(package["releases"].as_array().unwrap());
    assert_eq!(exported.len(), usize::try_from(written).unwrap());
    assert!(call_offs > 10, "{call_offs}");

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = ocds::releases(&t.app, cursor.as_deref(), Some(7)).await.unwrap();
        paged.extend(ids(&page.releases));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(exported, paged);

    // Another prefix: its ocids are found, the test prefix's are not.
    let framework_id = t.framework_id.to_string();
    let publisher = t
        .app
        .clone()
        .with_ocid_prefix(OcidPrefix::parse("ocds-a1b2c3").unwrap());
    let record = ocds::record(&publisher, &format!("ocds-a1b2c3-{framework_id}"))
        .await
        .unwrap();
    assert_eq!(record[0]["ocid"], format!("ocds-a1b2c3-{framework_id}"));
    assert!(matches!(
        ocds::record(&publisher, &format!("ocds-calloff-test-{framework_id}")).await,
        Err(AppError::NotFound(_))
    ));

    // Only the manager withholds; the chain records it.
    let request = Confidentiality {
        field: "call_off_values".into(),
        withhold: true,
        reason: "Agreed discounts".into(),
    };
    let buyer = t.buyer().await;
    assert!(matches!(
        ocds::set_confidentiality(&t.app, &buyer, &t.framework_id, &request).await,
        Err(AppError::Forbidden(_))
    ));
    let manager = auth::actor_by_email(&t.app, "manager@rbkc.example").await.unwrap();
    let withheld = ocds::set_confidentiality(&t.app, &manager, &t.framework_id, &request)
        .await
        .unwrap();
    assert_eq!(withheld.0.len(), 1);
    let (bytes, _, _) = ocds::export(&t.app, Vec::new(), "https://example.org/releases.json".into())
        .await
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("Agreed discounts"));
    let package: Value = serde_json::from_str(&text).unwrap();
    for release in package["releases"].as_array().unwrap().iter().skip(1) {
        for contract in release["contracts"].as_array().into_iter().flatten() {
            assert!(contract.get("value").is_none(), "{contract}");
        }
    }
    t.assert_audit_intact().await;
}
