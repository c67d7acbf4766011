//! Snapshots of key responses as a real site serves them, with ids, tokens and timestamps
//! redacted: a change to what clients receive shows up as a diff to review, beside the
//! OpenAPI document's snapshot.

use crate::api::{new_key, Api};
use crate::browser::Site;
use calloff_test_support::Backend;
use serde_json::{json, Value};

/// Ids (UUIDs) and RFC 3339 timestamps vary from run to run; their places in the shape do not.
fn redacted(value: Value) -> Value {
    match value {
        Value::String(s) if calloff_domain::ids::is_id(&s) => json!("[id]"),
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(&s).is_ok() => json!("[timestamp]"),
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        Value::Object(members) => members.into_iter().map(|(k, v)| (k, redacted(v))).collect(),
        other => other,
    }
}

#[tokio::test]
async fn key_responses_are_as_reviewed() {
    let site = Site::start(Backend::Sqlite).await;
    let framework = site.t.framework_id.to_string();

    let session: Value = site
        .api()
        .post(format!("{}/api/v1/sessions", site.base))
        .json(&json!({ "email": "buyer@camden.example", "password": calloff_app::demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    insta::assert_json_snapshot!("session", redacted(session), { ".token" => "[token]" });

    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let (_, overview) = buyer.get(&format!("/frameworks/{framework}")).await;
    insta::assert_json_snapshot!("framework_overview", redacted(overview));

    let basket = json!({ "framework_id": framework, "cost_centre": "IT-4021",
        "lines": [{ "sku": "L1-ETH-1G", "quantity": 2, "term_months": 36 }, { "sku": "L3-CALL-GEO", "quantity": 1, "term_months": 12, "monthly_usage": 100_000 }] });
    let (status, quote, _) = buyer.post("/quotes", basket.clone(), None).await;
    assert_eq!(status, 200, "{quote}");
    insta::assert_json_snapshot!("quote", redacted(quote));

    let (status, call_off, _) = buyer.post("/call-offs", basket, Some(&new_key())).await;
    assert_eq!(status, 201, "{call_off}");
    insta::assert_json_snapshot!("call_off", redacted(call_off));

    let invalid = json!({ "framework_id": framework, "cost_centre": "IT-4021",
        "lines": [{ "sku": "NOPE", "quantity": 0, "term_months": 0 }, { "sku": "L1-ETH-1G", "quantity": 1, "term_months": 1 }] });
    let (status, problem, _) = buyer.post("/call-offs", invalid, Some(&new_key())).await;
    assert_eq!(status, 422, "{problem}");
    insta::assert_json_snapshot!("invalid_fields_problem", redacted(problem));

    // Over lot 1's £70m ceiling but within the framework's £200m.
    let too_big = json!({ "framework_id": framework, "cost_centre": "IT-4021",
        "lines": [{ "sku": "L1-ETH-10G", "quantity": 1_500, "term_months": 36 }] });
    let (status, problem, _) = buyer.post("/call-offs", too_big, Some(&new_key())).await;
    assert_eq!(status, 409, "{problem}");
    insta::assert_json_snapshot!("headroom_exceeded_problem", redacted(problem));
}
