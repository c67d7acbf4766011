use calloff_app::audit::{self, ChainReport};
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    every_change_is_chained_and_tampering_is_found,
    removing_the_last_entries_is_found
);

async fn every_change_is_chained_and_tampering_is_found(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    for quantity in 1..=4 {
        let command = PlaceCallOff {
            framework_id: t.framework_id.clone(),
            lines: vec![LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity,
                term_months: 24,
                monthly_usage: None,
            }],
            cost_centre: "IT-4021".into(),
            order: calloff_app::demo::sample_order(&t.app),
        };
        call_offs::place(&t.app, &buyer, &command, None).await.unwrap();
    }
    // Seeding the framework, eight demo users (two with two-factor sign-in), four call-offs
    // (each entry also records the headroom it took).
    assert_eq!(
        audit::verify(&t.app).await.unwrap(),
        ChainReport::Intact { entries: 15 }
    );

    sqlx::query("UPDATE audit_entries SET detail = replace(detail, '\"skus\"', '\"SKUs\"') WHERE seq = 12")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    match audit::verify(&t.app).await.unwrap() {
        ChainReport::Broken(link) => assert_eq!(link.seq, 12, "{link:?}"),
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

async fn removing_the_last_entries_is_found(backend: Backend) {
    let t = TestApp::init(backend).await;
    assert_eq!(
        audit::verify(&t.app).await.unwrap(),
        ChainReport::Intact { entries: 11 }
    );
    sqlx::query("DELETE FROM audit_entries WHERE seq >= 7")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    match audit::verify(&t.app).await.unwrap() {
        ChainReport::Broken(link) => assert_eq!(link.seq, 7, "{link:?}"),
        other => panic!("truncation went unnoticed: {other:?}"),
    }
}
