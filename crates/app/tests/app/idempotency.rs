use calloff_app::idempotency::{self, Claim, KEEP_HOURS};
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(keys_replay_for_a_day_then_are_forgotten);

async fn keys_replay_for_a_day_then_are_forgotten(backend: Backend) {
    let t = TestApp::init(backend).await;
    let claim = |key: &'static str, hash: &'static str| idempotency::claim(&t.app, "someone", key, hash);
    assert_eq!(claim("k1", "request-a").await.unwrap(), Claim::Claimed);
    idempotency::complete(&t.app, "someone", "k1", 201, "{}", Some("/x"))
        .await
        .unwrap();
    assert_eq!(claim("k2", "request-b").await.unwrap(), Claim::Claimed);
    // Within the day: replayed, refused for another request, or still running.
    t.clock.advance(chrono::Duration::hours(KEEP_HOURS - 1));
    assert!(matches!(
        claim("k1", "request-a").await.unwrap(),
        Claim::Done { status: 201, .. }
    ));
    assert_eq!(claim("k1", "request-other").await.unwrap(), Claim::OtherRequest);
    assert_eq!(claim("k2", "request-b").await.unwrap(), Claim::InProgress);
    // After it, forgotten: the rows are gone and the keys are free.
    t.clock.advance(chrono::Duration::hours(2));
    assert_eq!(claim("k3", "request-c").await.unwrap(), Claim::Claimed);
    let rows: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM idempotent_requests")
        .fetch_one(t.app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(claim("k1", "request-other").await.unwrap(), Claim::Claimed);
}
