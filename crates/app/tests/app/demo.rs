use calloff_app::{auth, demo, frameworks, App, AppError};
use calloff_store::{catalogue, organisations};
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    seeds_the_pan_london_framework,
    seeding_twice_changes_nothing,
    sign_in_refuses_wrong_passwords
);

async fn seeds_the_pan_london_framework(backend: Backend) {
    let t = TestApp::init(backend).await;
    let manager = t.actor("manager@rbkc.example").await;
    let overview = frameworks::overview(&t.app, &manager, &t.framework_id).await.unwrap();
    assert_eq!(overview.framework.maximum_value, demo::MAXIMUM_VALUE);
    assert_eq!(overview.lots.len(), 5);
    assert_eq!(overview.lots.iter().map(|l| l.item_count).sum::<i64>(), 65);
    assert_eq!(overview.suppliers.len(), 1);
    assert_eq!(overview.eligible_bodies, 89);
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let orgs = organisations::all(&mut conn).await.unwrap();
    assert_eq!(orgs.len(), 90);
    let havering = orgs.iter().find(|o| o.name == "London Borough of Havering").unwrap();
    assert_eq!(havering.org_id().as_deref(), Some("GB-LAE-HAV"));
    let geo = catalogue::find_by_sku(&mut conn, &"L3-CALL-GEO".parse_sku())
        .await
        .unwrap();
    assert_eq!(geo[0].item.unit_price.micros(), 8_500);
    for (email, ..) in demo::DEMO_USERS {
        t.actor(email).await;
    }
}

trait ParseSku {
    fn parse_sku(&self) -> calloff_domain::catalogue::Sku;
}
impl ParseSku for str {
    fn parse_sku(&self) -> calloff_domain::catalogue::Sku {
        calloff_domain::catalogue::Sku::parse(self).unwrap()
    }
}

async fn seeding_twice_changes_nothing(backend: Backend) {
    let t = TestApp::init(backend).await;
    let again = demo::seed(&t.app).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.framework_id, t.framework_id);
    let app2 = App::new(t.app.db.clone(), std::sync::Arc::new(calloff_app::SystemClock));
    demo::seed(&app2).await.unwrap();
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    assert_eq!(organisations::all(&mut conn).await.unwrap().len(), 90);
}

async fn sign_in_refuses_wrong_passwords(backend: Backend) {
    let t = TestApp::init(backend).await;
    let err = auth::sign_in(&t.app, "buyer@camden.example", "wrong-password")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(ref e) if e.field == "email"), "{err:?}");
    let err = auth::sign_in(&t.app, "nobody@camden.example", demo::DEMO_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    let err = auth::sign_in(&t.app, "", "x").await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(ref e) if e.field == "email"));
    // Email is matched regardless of case.
    let session = auth::sign_in(&t.app, "Buyer@Camden.Example", demo::DEMO_PASSWORD)
        .await
        .unwrap();
    let current = auth::session(&t.app, &session.token).await.unwrap();
    assert_eq!(current.actor.email, "buyer@camden.example");
    assert_eq!(current.csrf_token, session.csrf_token);
    assert!(current.basket.lines.is_empty());
    auth::sign_out(&t.app, &session.token).await.unwrap();
    assert!(matches!(
        auth::session(&t.app, &session.token).await,
        Err(AppError::Unauthenticated)
    ));
}
