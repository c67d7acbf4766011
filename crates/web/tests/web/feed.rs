//! The change feed, `GET /api/v1/feed` (ADR 0018): commit order, visibility, stable ids.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::approvals;
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_domain::approval::{ApprovalRules, Threshold};
use calloff_domain::money::Money;
use calloff_store::audit::ChainHead;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

on_both_databases!(
    the_feed_misses_no_change_that_committed_late,
    each_reader_sees_only_their_business,
    ids_are_stable_and_pages_repeat_on_rereading,
    a_price_change_applied_is_an_event_per_item_for_every_reader,
);

/// Every event after `after`, page by page, and the cursor to continue from.
async fn read_from(api: &Api, after: &str) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut cursor = after.to_string();
    loop {
        let (status, page) = api.get(&format!("/feed?after={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        cursor = page["next"].as_str().unwrap().to_string();
        if !page["more"].as_bool().unwrap() {
            return (events, cursor);
        }
    }
}

fn about<'a>(events: &'a [Value], entity: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["entity_id"] == entity).collect()
}

async fn place(t: &TestApp, email: &str) -> String {
    place_sims(t, email, 2).await.0
}

/// A call-off for `quantity` SIMs for 24 months, and whether it waits on approvers.
async fn place_sims(t: &TestApp, email: &str, quantity: i64) -> (String, bool) {
    let buyer = t.actor(email).await;
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
    let placed = call_offs::place(&t.app, &buyer, &command, None).await.unwrap().call_off;
    (
        placed.id.to_string(),
        placed.state == calloff_domain::call_off::CallOffState::Draft,
    )
}

async fn the_feed_misses_no_change_that_committed_late(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    let first = place(t, "buyer@camden.example").await;
    let (_, start) = read_from(&camden, "0").await;

    // T1 starts first, and takes its time as a writer would at its start. On PostgreSQL it
    // also writes (locking the call-off's row) before T2 starts; SQLite has one writer at a
    // time, so there T1 only begins.
    let db = &t.app.db;
    let started_at = "2026-11-26T09:59:00.000Z";
    let mut t1 = match backend {
        Backend::Postgres => {
            let mut tx = db.begin_write().await.unwrap();
            sqlx::query("UPDATE call_offs SET updated_at = $1 WHERE id = $2")
                .bind(started_at)
                .bind(&first)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx
        }
        Backend::Sqlite => db.pool().begin().await.unwrap(),
    };

    // T2 starts later, writes and commits first.
    let second = place(t, "buyer@camden.example").await;
    let (seen, after_t2) = read_from(&camden, &start).await;
    assert_eq!(about(&seen, &second).len(), 1, "{seen:?}");
    assert_eq!(about(&seen, &second)[0]["kind"], "call_off.placed");
    assert!(about(&seen, &first).is_empty(), "T1 has not committed: {seen:?}");

    // T1 commits last.
    let mut head = ChainHead::claim(&mut t1).await.unwrap();
    head.append(
        &mut t1,
        started_at,
        "test",
        "call_off.milestone",
        &first,
        serde_json::json!({ "name": "Survey", "done_on": "2026-11-26" }),
    )
    .await
    .unwrap();
    head.seal(&mut t1).await.unwrap();
    t1.commit().await.unwrap();

    // A reader continuing from the cursor it had gets T1's change, though T1 started first and
    // its time is earlier than T2's: neither a timestamp nor a sequence taken at the start
    // would have shown it after that cursor.
    let (late, end) = read_from(&camden, &after_t2).await;
    let of_first = about(&late, &first);
    assert_eq!(of_first.len(), 1, "{late:?}");
    assert_eq!(of_first[0]["kind"], "call_off.milestone");
    assert_eq!(of_first[0]["payload"]["name"], "Survey");
    assert!(of_first[0]["at"].as_str().unwrap() < about(&seen, &second)[0]["at"].as_str().unwrap());
    assert!(
        about(&late, &second).is_empty(),
        "T2's change is not repeated after its cursor"
    );
    let position = |cursor: &str| cursor.parse::<i64>().unwrap();
    assert!(position(&end) > position(&after_t2));

    // Nothing new: the same cursor comes back, and the page is empty.
    let (status, page) = camden.get(&format!("/feed?after={end}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["next"], end.as_str());
    assert_eq!(page["events"], serde_json::json!([]));
    assert_eq!(page["more"], false);
}

async fn each_reader_sees_only_their_business(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let cursors = [
        read_from(&camden, "0").await.1,
        read_from(&hackney, "0").await.1,
        read_from(&supplier, "0").await.1,
        read_from(&manager, "0").await.1,
    ];
    let ours = place(t, "buyer@camden.example").await;
    // Over Camden's approval threshold: a draft awaiting its approvers, the buyer's business.
    let admin = t.actor("admin@camden.example").await;
    let threshold = |pounds: i64, approvers: u32| Threshold {
        from_value: Money::from_pounds(pounds),
        approvers,
    };
    let rules = ApprovalRules::new(vec![threshold(0, 0), threshold(10_000, 1)], 30).unwrap();
    approvals::set_rules(&t.app, &admin, &rules).await.unwrap();
    let (awaiting, is_draft) = place_sims(t, "buyer@camden.example", 2_000).await;
    assert!(is_draft, "Camden's rules ask for approval at this value");
    // Cancelled before it was ever placed: still the buyer's business alone.
    let buyer = t.actor("buyer@camden.example").await;
    call_offs::act(
        &t.app,
        &buyer,
        &calloff_domain::ids::CallOffId::from_stored(awaiting.clone()),
        &call_offs::CallOffAction::Cancel {
            reason: "Ordered under the wrong cost centre".into(),
        },
    )
    .await
    .unwrap();
    let small = t
        .add_framework(
            "FEED-1",
            Money::from_pence(100_000_000),
            None,
            calloff_domain::framework::FrameworkStatus::Live,
        )
        .await;

    let (mine, _) = read_from(&camden, &cursors[0]).await;
    let (theirs, _) = read_from(&hackney, &cursors[1]).await;
    let (suppliers, _) = read_from(&supplier, &cursors[2]).await;
    let (managers, _) = read_from(&manager, &cursors[3]).await;
    assert_eq!(about(&mine, &ours).len(), 1);
    assert_eq!(about(&mine, &ours)[0]["link"], format!("/api/v1/call-offs/{ours}"));
    assert!(about(&theirs, &ours).is_empty(), "another buyer's call-off: {theirs:?}");
    assert_eq!(about(&suppliers, &ours).len(), 1, "sent to the supplier");
    assert_eq!(about(&managers, &ours).len(), 1, "the framework's manager");
    let kinds: Vec<&Value> = about(&mine, &awaiting).iter().map(|e| &e["kind"]).collect();
    assert_eq!(kinds, ["call_off.submitted", "call_off.cancelled"], "{mine:?}");
    assert!(about(&suppliers, &awaiting).is_empty(), "not sent to the supplier");
    assert!(
        about(&managers, &awaiting).is_empty(),
        "not placed under the framework yet"
    );
    // Frameworks, like the catalogue, are open to every signed-in reader.
    for events in [&mine, &theirs, &suppliers, &managers] {
        let framework = about(events, small.id.as_str());
        assert_eq!(framework.len(), 1, "{events:?}");
        assert_eq!(framework[0]["entity_type"], "framework");
    }

    // A cursor that is not one is refused, naming the parameter.
    let (status, problem) = camden.get("/feed?after=-3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "after");
    // Not a number at all: the input contract's malformed query string, naming it too.
    let (status, problem) = camden.get("/feed?after=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "after");
}

async fn ids_are_stable_and_pages_repeat_on_rereading(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    place(t, "buyer@camden.example").await;
    let (once, end) = read_from(&camden, "0").await;
    let (twice, again) = read_from(&camden, "0").await;
    assert!(!once.is_empty());
    assert_eq!(once, twice, "reading again gives the same events, ids and all");
    assert_eq!(end, again);
    let ids: std::collections::HashSet<&str> = once.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), once.len(), "ids are unique");
    // Reading from the middle repeats exactly the tail, in the same commit order.
    let middle = once[once.len() / 2]["id"].as_str().unwrap().split('-').next().unwrap();
    let (tail, _) = read_from(&camden, middle).await;
    let expected: Vec<&Value> = once
        .iter()
        .filter(|e| {
            e["id"]
                .as_str()
                .unwrap()
                .split('-')
                .next()
                .unwrap()
                .parse::<i64>()
                .unwrap()
                > middle.parse::<i64>().unwrap()
        })
        .collect();
    assert_eq!(tail.iter().collect::<Vec<_>>(), expected);
}

async fn a_price_change_applied_is_an_event_per_item_for_every_reader(backend: Backend) {
    use calloff_app::change_requests::{self, Decision};
    use calloff_domain::change_control::ChangeInput;

    let site = Site::start(backend).await;
    let t = &site.t;
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    let (_, start) = read_from(&hackney, "0").await;
    let supplier = t.supplier().await;
    let manager = t.actor("manager@rbkc.example").await;
    let price = ChangeInput {
        kind: "price".into(),
        sku: "L4-SIM-5GB".into(),
        effective_from: "2026-11-26".into(),
        price: Some("6.00".into()),
        ..ChangeInput::default()
    };
    let request = change_requests::propose(&t.app, &supplier, &t.framework_id, "SIMs up", &[price])
        .await
        .unwrap();
    change_requests::decide(&t.app, &manager, request.id.as_str(), &Decision::Approve)
        .await
        .unwrap();
    change_requests::apply_due(&t.app).await.unwrap();

    let (events, _) = read_from(&hackney, &start).await;
    let items: Vec<&Value> = events.iter().filter(|e| e["entity_type"] == "catalogue_item").collect();
    assert_eq!(items.len(), 1, "{events:?}");
    assert_eq!(items[0]["kind"], "catalogue.changes_applied");
    assert_eq!(items[0]["payload"]["sku"], "L4-SIM-5GB");
    assert_eq!(items[0]["payload"]["change"], "price");
    let link = items[0]["link"]
        .as_str()
        .unwrap()
        .strip_prefix("/api/v1")
        .unwrap()
        .to_string();
    let (status, item) = hackney.get(&link).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(items[0]["entity_id"], item["id"]);
    // The change request itself is the supplier's and the manager's business, not a buyer's.
    assert!(
        events.iter().all(|e| e["entity_id"] != request.id.as_str()),
        "{events:?}"
    );
}
