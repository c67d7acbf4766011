use crate::browser::Site;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::{header, Client, StatusCode};
use serde_json::{json, Value};

on_both_databases!(
    a_client_signs_in_searches_quotes_and_places,
    idempotency_keys_make_retries_safe,
    errors_are_problem_details_naming_the_field,
    suppliers_decide_and_tenants_stay_apart,
    approvals_through_the_api,
    catalogue_changes_through_the_api,
    volume_pricing_through_the_api,
    proposals_through_the_api,
);

pub struct Api {
    client: Client,
    base: String,
    pub token: String,
}

impl Api {
    pub async fn sign_in(site: &Site, email: &str) -> Api {
        let client = site.api();
        let response = client
            .post(format!("{}/api/v1/sessions", site.base))
            .json(&json!({
                "email": email,
                "password": calloff_app::demo::DEMO_PASSWORD,
                "code": calloff_test_support::demo_user_has_two_factor(email).then(|| site.t.two_factor_code()),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        Api {
            client,
            base: site.base.clone(),
            token: body["token"].as_str().unwrap().to_string(),
        }
    }

    /// A client using a token it already has.
    pub fn with_token(site: &Site, token: &str) -> Api {
        Api {
            client: site.api(),
            base: site.base.clone(),
            token: token.to_string(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .delete(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(
        &self,
        path: &str,
        body: Value,
        key: Option<&str>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut request = self
            .client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let r = request.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, r.json().await.unwrap_or(Value::Null), headers)
    }
}

impl Api {
    /// Posts a body that is not JSON (a file), as `content_type`.
    pub async fn post_bytes(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let r = self
            .client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .header(header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

/// A fresh Idempotency-Key, as a client sends with each create.
pub fn new_key() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn basket(site: &Site, sku: &str, quantity: i64, term: i64) -> Value {
    json!({ "framework_id": site.t.framework_id, "lines": [{ "sku": sku, "quantity": quantity, "term_months": term }], "cost_centre": "IT-4021", "order": crate::browser::order_json() })
}

async fn found_all_in_lot_3(api: &Api, site: &Site) -> Value {
    api.get(&format!("/frameworks/{}/items?lot=3", site.t.framework_id))
        .await
        .1
}

async fn a_client_signs_in_searches_quotes_and_places(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let (status, frameworks) = api.get("/frameworks").await;
    assert_eq!(status, 200);
    assert_eq!(frameworks["frameworks"][0]["reference"], "LON-ICT-2025");
    let (_, overview) = api.get(&format!("/frameworks/{}", site.t.framework_id)).await;
    assert_eq!(overview["spend"]["ceiling"]["pence"], 20_000_000_000_i64);
    assert_eq!(overview["lots"].as_array().unwrap().len(), 5);

    let (_, found) = api
        .get(&format!("/frameworks/{}/items?lot=3&q=calls", site.t.framework_id))
        .await;
    let items = found["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["lot"] == 3) && !items.is_empty());
    assert_eq!(found["match"], "all");
    // No dead end: no item has both words, so the items with either come back, marked partial.
    let (_, partial) = api
        .get(&format!(
            "/frameworks/{}/items?lot=3&q=calls+teleporter",
            site.t.framework_id
        ))
        .await;
    assert_eq!(partial["match"], "partial");
    assert_eq!(partial["total"], found["total"]);
    // A filter given more than once: its values are alternatives, marked as selected.
    let search = |query: &str| format!("/frameworks/{}/items?{query}", site.t.framework_id);
    let (_, lot_4) = api.get(&search("lot=4")).await;
    let (status, either) = api.get(&search("lot=3&lot=4")).await;
    assert_eq!(status, 200, "{either}");
    let total = |v: &Value| v["total"].as_i64().unwrap();
    assert_eq!(
        total(&either),
        total(&lot_4) + total(&found_all_in_lot_3(&api, &site).await)
    );
    let lots = either["facets"]["lot"].as_array().unwrap();
    assert!(lots
        .iter()
        .all(|l| l["selected"] == json!([3, 4].contains(&l["value"].as_i64().unwrap()))));
    assert_eq!(lots.len(), 5, "a facet counts as if its own filter were off");
    let (_, commas) = api.get(&search("lot=4,3")).await;
    assert_eq!(commas["items"], either["items"]);
    // Other parameters still once only; a bad value among several is named.
    let (status, twice) = api.get(&search("q=sim&q=ethernet")).await;
    assert_eq!(
        (status, twice["errors"][0]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("q"))
    );
    let (status, bad) = api.get(&search("lot=3&lot=0&unit=per_month&unit=per_year")).await;
    assert_eq!(status, 422, "{bad}");
    let fields: Vec<&Value> = bad["errors"].as_array().unwrap().iter().map(|e| &e["field"]).collect();
    assert_eq!(fields, [&json!("lot"), &json!("unit")]);
    let geo = items.iter().find(|i| i["sku"] == "L3-CALL-GEO").unwrap();
    assert_eq!(geo["unit_price_micros"], 8_500);
    let (status, item) = api.get(&format!("/items/{}", geo["id"].as_str().unwrap())).await;
    assert_eq!((status, item["unit"].clone()), (StatusCode::OK, json!("per_minute")));

    let mut quote_body = basket(&site, "L3-CALL-GEO", 1, 12);
    quote_body["lines"][0]["monthly_usage"] = json!(100_000);
    let (status, quote, _) = api.post("/quotes", quote_body.clone(), None).await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!(quote["totals"]["contract_value"]["pence"], 1_020_000); // 0.85p × 100,000 × 12
    assert_eq!(quote["totals"]["vat"]["pence"], 204_000);
    assert_eq!(quote["route_to_market"]["route"], "direct_award");

    let (status, placed, headers) = api.post("/call-offs", quote_body, Some("first")).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["state"], "placed");
    assert!(headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with(placed["id"].as_str().unwrap()));
    let (_, listed) = api.get("/call-offs").await;
    assert_eq!(listed["call_offs"][0]["id"], placed["id"]);
    assert!(listed["next_cursor"].is_null());
    let (_, overview) = api.get(&format!("/frameworks/{}", site.t.framework_id)).await;
    assert_eq!(overview["spend"]["committed"]["pence"], 1_020_000);

    let sign_out = api
        .client
        .delete(format!("{}/api/v1/sessions/current", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(sign_out.status(), 204);
    assert_eq!(api.get("/frameworks").await.0, 401);
}

async fn idempotency_keys_make_retries_safe(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let body = basket(&site, "L2-M365-E3", 100, 12);
    let (s1, first, _) = api.post("/call-offs", body.clone(), Some("retry-me")).await;
    let (s2, second, headers) = api.post("/call-offs", body.clone(), Some("retry-me")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(headers.get("Idempotent-Replayed").unwrap(), "true");
    let (_, listed) = api.get("/call-offs").await;
    assert_eq!(listed["call_offs"].as_array().unwrap().len(), 1);
    let (status, problem, _) = api
        .post("/call-offs", basket(&site, "L2-M365-E3", 101, 12), Some("retry-me"))
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    // A create without a key is refused, naming the header, and writes nothing.
    let (status, problem, _) = api.post("/call-offs", body.clone(), None).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    // A new key is a new call-off.
    let (status, third, _) = api.post("/call-offs", body.clone(), Some("another")).await;
    assert_eq!(status, 201);
    assert_ne!(third["id"], first["id"]);
    let (_, listed) = api.get("/call-offs").await;
    assert_eq!(listed["call_offs"].as_array().unwrap().len(), 2);
}

async fn errors_are_problem_details_naming_the_field(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let raw = |body: &'static str, content_type: &'static str| {
        let request = api
            .client
            .post(format!("{}/api/v1/call-offs", api.base))
            .bearer_auth(&api.token)
            .header(header::CONTENT_TYPE, content_type)
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            let ct = r
                .headers()
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let status = r.status();
            (status, ct, r.json::<Value>().await.unwrap())
        }
    };
    let (status, content_type, problem) = raw(
        "{\"framework_id\": \"x\", \"lines\": [{\"sku\": \"A\", \"quantity\": \"ten\", \"term_months\": 1}]}",
        "application/json",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["errors"][0]["field"], "lines[0].quantity");
    let (status, _, problem) = raw("{not json", "application/json").await;
    assert_eq!(status, 400);
    assert_eq!(problem["status"], 400);
    let (status, _, _) = raw("{}", "text/plain").await;
    assert_eq!(status, 415);

    for (body, field) in [
        (basket(&site, "L1-ETH-1G", 0, 36), "lines[0].quantity"),
        (basket(&site, "L1-ETH-1G", 1, 12), "lines[0].term_months"),
        (basket(&site, "NOPE", 1, 12), "lines[0].sku"),
        (
            json!({ "framework_id": "nope", "lines": [{ "sku": "L1-ETH-1G", "quantity": 1, "term_months": 36 }], "cost_centre": "IT-4021", "order": crate::browser::order_json() }),
            "framework_id",
        ),
        (
            json!({ "framework_id": site.t.framework_id, "lines": [], "cost_centre": "IT-4021", "order": crate::browser::order_json() }),
            "lines",
        ),
        (
            json!({ "framework_id": site.t.framework_id, "lines": [{ "sku": "L1-ETH-1G", "quantity": 1, "term_months": 36 }] }),
            "cost_centre",
        ),
    ] {
        let (status, problem, _) = api.post("/call-offs", body, Some(field)).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // Over lot 1's £70m ceiling but within the framework's £200m: 1,500 × £1,650 × 36 months = £89.1m.
    let (status, problem, headers) = api
        .post("/call-offs", basket(&site, "L1-ETH-10G", 1_500, 36), Some("too-big"))
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["type"], "/api/problems/headroom-exceeded");
    assert!(
        problem["detail"].as_str().unwrap().contains("£70,000,000.00"),
        "{problem}"
    );
    assert_eq!(headers.get("Calloff-Headroom-Left-Pence").unwrap(), "7000000000");
    let (_, listed) = api.get("/call-offs").await;
    assert!(
        listed["call_offs"].as_array().unwrap().is_empty(),
        "refused requests write nothing"
    );

    let anonymous = api
        .client
        .get(format!("{}/api/v1/frameworks", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let (status, _) = api.get("/no-such-thing").await;
    assert_eq!(status, 404);
}

async fn suppliers_decide_and_tenants_stay_apart(backend: Backend) {
    let site = Site::start(backend).await;
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let (_, placed, _) = camden
        .post("/call-offs", basket(&site, "L5-UCAAS-STD", 40, 36), Some("camden-1"))
        .await;
    let path = format!("/call-offs/{}", placed["id"].as_str().unwrap());
    assert_eq!(hackney.get(&path).await.0, 404);
    assert_eq!(
        hackney
            .post(&format!("{path}/cancel"), json!({ "reason": "x" }), None)
            .await
            .0,
        404
    );
    assert_eq!(camden.post(&format!("{path}/accept"), json!({}), None).await.0, 403);
    assert_eq!(
        supplier
            .post("/call-offs", basket(&site, "L5-UCAAS-STD", 1, 36), Some("supplier-1"))
            .await
            .0,
        403
    );
    let (status, problem, _) = supplier
        .post(&format!("{path}/reject"), json!({ "reason": "" }), None)
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("reason"))
    );
    let (status, accepted, _) = supplier.post(&format!("{path}/accept"), json!({}), None).await;
    assert_eq!((status, accepted["state"].clone()), (StatusCode::OK, json!("accepted")));
    let (status, _, _) = supplier.post(&format!("{path}/accept"), json!({}), None).await;
    assert_eq!(status, 409);
    let (_, told) = supplier.get("/notifications").await;
    assert_eq!(told["notifications"][0]["event"], "call_off.placed");
    let (_, told_buyer) = camden.get("/notifications").await;
    assert_eq!(told_buyer["notifications"][0]["event"], "call_off.accepted");
    assert!(hackney.get("/notifications").await.1["notifications"]
        .as_array()
        .unwrap()
        .is_empty());
    let (status, marked, _) = camden.post("/notifications/read", json!({}), None).await;
    assert_eq!((status, marked["marked_read"].clone()), (StatusCode::OK, json!(1)));
    // The buyer varies the accepted call-off; the supplier hears of it.
    let (status, varied, _) = camden
        .post(
            &format!("{path}/variations"),
            json!({ "lines": [{ "sku": "L5-UCAAS-STD", "quantity": 44, "term_months": 36 }] }),
            Some(&new_key()),
        )
        .await;
    assert_eq!(status, 201, "{varied}");
    assert_eq!(varied["variation"]["number"], 1);
    assert_eq!(varied["variation"]["cumulative_change_basis_points"], 1000);
    assert_eq!(varied["variation"]["over_modification_limit"], false);
    let (status, problem, _) = hackney
        .post(&format!("{path}/variations"), json!({ "lines": [] }), Some(&new_key()))
        .await;
    assert_eq!(status, 404, "{problem}");
    let (_, supplier_list) = supplier.get("/call-offs").await;
    assert_eq!(supplier_list["call_offs"].as_array().unwrap().len(), 1);
    let (_, hackney_list) = hackney.get("/call-offs").await;
    assert!(hackney_list["call_offs"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let spec = calloff_web::api::openapi::spec();
    assert_eq!(spec["openapi"], "3.1.0");
    let documented: std::collections::BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    let served: std::collections::BTreeSet<(String, String)> = calloff_web::route_table()
        .into_iter()
        .filter_map(|(m, p)| p.strip_prefix("/api/v1").map(|p| (m.to_lowercase(), p.to_string())))
        .collect();
    assert_eq!(documented, served);
    // Every $ref resolves.
    let text = spec.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            spec["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }
}

/// The whole document, generated from the handlers and the types they serve: any change to the
/// API's shapes shows up here as a diff to review.
#[test]
fn the_openapi_document_is_as_reviewed() {
    insta::assert_json_snapshot!("openapi", calloff_web::api::openapi::spec());
}

#[tokio::test]
async fn every_api_route_is_served() {
    let site = Site::start(Backend::Sqlite).await;
    let client = site.api();
    for (method, path) in calloff_web::route_table() {
        let Some(path) = path.strip_prefix("/api/v1") else {
            continue;
        };
        // A framework's public page answers only for a real framework.
        let id = if path.ends_with("/public") {
            site.t.framework_id.to_string()
        } else {
            "01890a5d-ac96-774b-bcce-b302099a8057".to_string()
        };
        let path = path
            .replace("{id}", &id)
            .replace("{action}", "accept")
            .replace("{notice}", "UK7")
            .replace(
                "{ocid}",
                &format!("{}-{}", calloff_interop::ocds::TEST_OCID_PREFIX, site.t.framework_id),
            );
        let url = format!("{}/api/v1{path}", site.base);
        let request = match method {
            "GET" => client.get(&url),
            "POST" => client.post(&url).json(&json!({})),
            "DELETE" => client.delete(&url),
            other => panic!("unexpected method {other}"),
        };
        let status = request.send().await.unwrap().status();
        // Unauthenticated, or for sign-in a body without credentials: never "no such route".
        // Open data and a framework's public page need no sign-in, so they answer.
        let public = (path.starts_with("/ocds/") || path.ends_with("/public")) && status.as_u16() == 200;
        assert!(
            public || matches!(status.as_u16(), 400 | 401 | 422),
            "{method} {path} gave {status}"
        );
    }
    let served = client
        .get(format!("{}/api/openapi.json", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
}

async fn approvals_through_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    let admin = Api::sign_in(&site, "admin@camden.example").await;
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let approver = Api::sign_in(&site, "approver@camden.example").await;

    // Rules are the admin's to set; bad ones are refused, naming the field.
    let rules = json!({ "thresholds": [{ "from_value_pence": 0, "approvers": 0 }, { "from_value_pence": 1_000_000, "approvers": 1 }], "expiry_days": 14 });
    let (status, _, _) = buyer.post("/organisation/approval-rules", rules.clone(), None).await;
    assert_eq!(status, 403);
    let bad = json!({ "thresholds": [{ "from_value_pence": 0, "approvers": 7 }], "expiry_days": 14 });
    let (status, problem, _) = admin.post("/organisation/approval-rules", bad, None).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "thresholds[0].approvers");
    let (status, set, _) = admin.post("/organisation/approval-rules", rules, None).await;
    assert_eq!(status, 200, "{set}");
    let (_, read) = buyer.get("/organisation/approval-rules").await;
    assert_eq!(read["thresholds"][1]["from_value"]["pence"], 1_000_000);
    assert_eq!(read["expiry_days"], 14);

    // £13,200 needs one approver: a draft awaiting approval.
    let (status, draft, _) = buyer
        .post("/call-offs", basket(&site, "L4-SIM-5GB", 100, 24), Some("approve-me"))
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["cost_centre"], "IT-4021");
    assert_eq!(draft["approvals"][0]["status"], "awaiting");
    let (status, awaiting) = approver.get("/approvals").await;
    assert_eq!(status, 200);
    let request = awaiting["approvals"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(awaiting["approvals"][0]["you_may_decide"], true);
    assert_eq!(buyer.get("/approvals").await.0, 403);

    let decide = |decision: &str, comment: &str| json!({ "decision": decision, "comment": comment });
    let path = format!("/approvals/{request}/decision");
    let (status, problem, _) = approver.post(&path, decide("return", ""), None).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("comment"))
    );
    let (status, problem, _) = approver.post(&path, decide("maybe", ""), None).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("decision"))
    );
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    assert_eq!(hackney.post(&path, decide("approve", ""), None).await.0, 403);
    let (status, outcome, _) = approver.post(&path, decide("approve", "In budget"), None).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["outcome"], "approved");
    let (_, placed) = buyer
        .get(&format!("/call-offs/{}", draft["id"].as_str().unwrap()))
        .await;
    assert_eq!(placed["state"], "placed");
    assert_eq!(placed["approvals"][0]["decisions"][0]["comment"], "In budget");
    let (status, problem, _) = approver.post(&path, decide("approve", ""), None).await;
    assert_eq!(status, 409, "{problem}");

    // Withdrawn and submitted again through the call-off's actions.
    let (_, second, _) = buyer
        .post("/call-offs", basket(&site, "L4-SIM-5GB", 101, 24), Some("withdraw-me"))
        .await;
    let actions = format!("/call-offs/{}", second["id"].as_str().unwrap());
    let (status, withdrawn, _) = buyer.post(&format!("{actions}/withdraw"), json!({}), None).await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["approvals"][0]["status"], "withdrawn");
    let (status, again, _) = buyer
        .post(
            &format!("{actions}/resubmit"),
            json!({ "cost_centre": "MOB-1100" }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["cost_centre"], "MOB-1100");
    assert_eq!(again["approvals"][1]["status"], "awaiting");
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    assert_eq!(supplier.get(&actions).await.0, 404, "suppliers do not see drafts");
}

async fn catalogue_changes_through_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let path = format!("/frameworks/{}/change-requests", site.t.framework_id);
    let bad = json!({ "title": "Prices", "changes": [
        { "kind": "price", "sku": "L4-SIM-5GB", "effective_from": "2026-11-26", "price": "6.00" },
        { "kind": "price", "sku": "NOPE", "effective_from": "2026-11-26", "price": "6.00" },
        { "kind": "add", "sku": "L4-NEW", "effective_from": "2026-11-26" },
    ]});
    let (status, problem, _) = supplier.post(&path, bad, Some(&new_key())).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "changes[2].lot",
            "changes[2].name",
            "changes[2].description",
            "changes[2].unit",
            "changes[2].price",
            "changes[2].minimum_term_months",
            "changes[2].cpv",
            "changes[1].sku"
        ]
    );
    assert_eq!(
        manager.get(&path).await.1["change_requests"].as_array().unwrap().len(),
        0
    );

    let good = json!({ "title": "SIM price", "changes": [
        { "kind": "price", "sku": "L4-SIM-5GB", "effective_from": "2026-11-26", "price": "6.00" },
    ]});
    let (status, request, _) = supplier.post(&path, good, Some(&new_key())).await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["changes"][0]["diff"][0]["proposed"], "£6.00");
    let decide = format!("/change-requests/{}/approve", request["id"].as_str().unwrap());
    assert_eq!(supplier.post(&decide, json!({}), None).await.0, 403);
    let (status, decided, _) = manager.post(&decide, json!({}), None).await;
    assert_eq!((status, decided["status"].clone()), (StatusCode::OK, json!("approved")));
    let item = request["changes"][0]["current"]["id"].as_str().unwrap().to_string();
    let (_, versions) = manager.get(&format!("/items/{item}/versions")).await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    assert_eq!(versions["versions"][1]["details"]["unit_price_micros"], 6_000_000);
}

async fn volume_pricing_through_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    let (hackney, manager) = (
        Api::sign_in(&site, "buyer@hackney.example").await,
        Api::sign_in(&site, "manager@rbkc.example").await,
    );
    let framework = site.t.framework_id.to_string();
    let (_, found) = hackney
        .get(&format!("/frameworks/{framework}/items?q=L4-SIM-5GB"))
        .await;
    let item = found["items"][0]["id"].as_str().unwrap().to_string();
    let bands = format!("/items/{item}/demand-bands");

    // Only the manager, and only good bands; nothing changes otherwise.
    let body = json!({ "demand_bands": "2 = 5.20; 1000000 = 5.00" });
    assert_eq!(hackney.post(&bands, body.clone(), None).await.0, 403);
    let (status, problem, _) = manager
        .post(&bands, json!({ "demand_bands": "2 = nothing" }), None)
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("demand_bands"))
    );
    let (status, set, _) = manager.post(&bands, body, None).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["demand_bands"][1]["from"], 1_000_000);

    // Hackney's five SIMs reach the first band; the next quote pays it and shows the next band.
    let (status, placed, _) = hackney
        .post("/call-offs", basket(&site, "L4-SIM-5GB", 5, 24), Some("five-sims"))
        .await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["lines"][0]["price_basis"]["basis"], "catalogue");
    // Once live, they count towards demand.
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let call_off = placed["id"].as_str().unwrap();
    for action in ["accept", "go-live"] {
        let (status, _, _) = supplier
            .post(&format!("/call-offs/{call_off}/{action}"), json!({}), None)
            .await;
        assert_eq!(status, 200, "{action}");
    }
    let (status, quote, _) = hackney.post("/quotes", basket(&site, "L4-SIM-5GB", 3, 24), None).await;
    assert_eq!(status, 200, "{quote}");
    let line = &quote["lines"][0];
    assert_eq!(line["price_basis"]["basis"], "demand_band");
    assert_eq!(line["unit_price_micros"], 5_200_000);
    assert_eq!(line["catalogue_price_micros"], 5_500_000);
    assert_eq!(line["volume_saving"]["pence"], 30 * 3 * 24);
    assert_eq!(line["next_band"]["unit_price_micros"], 5_000_000);

    // Hackney ends them early, on 10 March 2027: four months (5 × £5.50 × 4) are due, the rest
    // released; a date outside the term is refused naming the field.
    let terminate = format!("/call-offs/{call_off}/terminate");
    let (status, problem, _) = hackney
        .post(
            &terminate,
            json!({ "reason": "Closing", "ends_on": "2030-01-01" }),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("ends_on"))
    );
    let (status, ended, _) = hackney
        .post(
            &terminate,
            json!({ "reason": "Closing", "ends_on": "2027-03-10" }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["state"], "ended");
    assert_eq!(ended["ends_on"], "2027-03-10");
    let early_end = &ended["early_end"];
    assert_eq!(early_end["ends_on"], "2027-03-10");
    assert_eq!(early_end["previous_value"]["pence"], 5 * 550 * 24);
    assert_eq!(early_end["value"]["pence"], 5 * 550 * 4);
    assert_eq!(early_end["released"]["pence"], 5 * 550 * 20);
    assert_eq!(ended["totals"]["contract_value"]["pence"], 5 * 550 * 4);

    // The catalogue on a date, and the settings.
    let (status, today) = hackney
        .get(&format!("/frameworks/{framework}/catalogue/as-of?date=2026-11-26"))
        .await;
    assert_eq!(status, 200);
    let sim = today["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "L4-SIM-5GB")
        .unwrap();
    assert_eq!(sim["demand_bands"][0]["from"], 2);
    let (status, _) = hackney
        .get(&format!("/frameworks/{framework}/catalogue/as-of?date=2099-01-01"))
        .await;
    assert_eq!(status, 200);
    let (status, problem) = hackney
        .get(&format!("/frameworks/{framework}/catalogue/as-of?date=2027-02-31"))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("date"))
    );
    let settings = format!("/frameworks/{framework}/catalogue-settings");
    let wanted = json!({ "indexation_cap_bp": 250, "names_buyers": true });
    assert_eq!(hackney.post(&settings, wanted.clone(), None).await.0, 403);
    let (status, saved, _) = manager.post(&settings, wanted.clone(), None).await;
    assert_eq!((status, saved), (StatusCode::OK, wanted.clone()));
    assert_eq!(hackney.get(&settings).await.1, wanted);
}

async fn proposals_through_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    let approver = Api::sign_in(&site, "approver@camden.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let auditor = Api::sign_in(&site, "auditor@rbkc.example").await;
    let list = format!("/frameworks/{}/proposals", site.t.framework_id);
    let fields = |problem: &Value| -> Vec<String> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };

    // Bad input is refused whole, naming each field; a create needs an idempotency key.
    let bad = json!({ "kind": "change", "sku": "L4-SIM-5GB", "title": "", "rationale": "x".repeat(5_001) });
    let (status, problem, _) = hackney.post(&list, bad, Some("bad")).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["title", "rationale"]);
    let good = json!({ "kind": "change", "sku": "L4-SIM-5GB", "title": "EU roaming on the 5 GB SIM",
                       "rationale": "Housing officers visit EU partner cities." });
    let (status, problem, _) = hackney.post(&list, good.clone(), None).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["Idempotency-Key".to_string()])
    );
    assert!(camden.get(&list).await.1["proposals"].as_array().unwrap().is_empty());
    let (status, problem, _) = supplier.post(&list, good.clone(), Some("s")).await;
    assert_eq!(status, 403, "{problem}");

    let (status, raised, headers) = hackney.post(&list, good.clone(), Some("roaming")).await;
    assert_eq!(status, 201, "{raised}");
    let id = raised["id"].as_str().unwrap().to_string();
    assert!(headers[header::LOCATION].to_str().unwrap().ends_with(&id));
    assert_eq!(raised["support_count"], 1);
    assert_eq!(raised["item"]["sku"], "L4-SIM-5GB");
    assert_eq!(raised["you_follow"], true);
    let (status, again, headers) = hackney.post(&list, good, Some("roaming")).await;
    assert_eq!((status, again["id"].clone()), (StatusCode::CREATED, json!(id)));
    assert_eq!(headers["Idempotent-Replayed"], "true");

    // One vote per organisation; suppliers do not vote.
    let proposal = format!("/proposals/{id}");
    let (status, supported, _) = camden.post(&format!("{proposal}/votes"), json!({}), None).await;
    assert_eq!(
        (status, supported["support_count"].clone()),
        (StatusCode::CREATED, json!(2))
    );
    let (status, problem, _) = approver.post(&format!("{proposal}/votes"), json!({}), None).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::CONFLICT, vec!["vote".to_string()])
    );
    assert_eq!(
        supplier.post(&format!("{proposal}/votes"), json!({}), None).await.0,
        403
    );

    // Comments, with their own idempotency keys; auditors only read.
    let comments = format!("{proposal}/comments");
    let (status, problem, _) = camden.post(&comments, json!({ "comment": " " }), Some("c0")).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["comment".to_string()])
    );
    let (status, said, _) = camden
        .post(&comments, json!({ "comment": "Camden needs it too." }), Some("c1"))
        .await;
    assert_eq!(status, 201, "{said}");
    assert_eq!(said["organisation"]["name"], "London Borough of Camden");
    assert_eq!(
        auditor
            .post(&comments, json!({ "comment": "Noted" }), Some("c2"))
            .await
            .0,
        403
    );
    assert_eq!(
        auditor.get(&proposal).await.1["comments"][0]["body"],
        "Camden needs it too."
    );

    // The supplier responds; only the manager decides, once for good.
    assert_eq!(
        camden
            .post(&format!("{proposal}/response"), json!({ "response": "Yes" }), None)
            .await
            .0,
        403
    );
    let (status, responded, _) = supplier
        .post(
            &format!("{proposal}/response"),
            json!({ "response": "A roaming bolt-on at £0.95 a month." }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{responded}");
    assert_eq!(responded["supplier_response"]["responded_by"]["name"], "Sam Supplier");
    let decision = format!("{proposal}/decision");
    let (status, problem, _) = manager
        .post(&decision, json!({ "decision": "accept", "reason": "Yes" }), None)
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["outcome".to_string()])
    );
    let accept = json!({ "decision": "accept", "outcome": "change_request", "reason": "Two boroughs need it" });
    assert_eq!(supplier.post(&decision, accept.clone(), None).await.0, 403);
    let (status, decided, _) = manager.post(&decision, accept.clone(), None).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(
        (decided["status"].clone(), decided["outcome"].clone()),
        (json!("accepted"), json!("change_request"))
    );
    let (status, problem, _) = manager.post(&decision, accept, None).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::CONFLICT, vec!["decision".to_string()])
    );

    // The roadmap by status; followers heard of the response and the decision.
    let (_, accepted) = camden.get(&format!("{list}?status=accepted")).await;
    assert_eq!(accepted["proposals"][0]["id"], json!(id));
    let (status, problem) = camden.get(&format!("{list}?status=maybe")).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("status"))
    );
    let (_, inbox) = hackney.get("/notifications").await;
    let events: Vec<&str> = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap())
        .collect();
    assert!(
        events.contains(&"proposal.responded") && events.contains(&"proposal.accepted"),
        "{events:?}"
    );

    // The supplier answers it with a change request; each names the other.
    let request = json!({ "title": "EU roaming", "proposal_id": id, "changes": [
        { "kind": "price", "sku": "L4-SIM-5GB", "effective_from": "2027-01-01", "price": "6.45" },
    ]});
    let (status, request, _) = supplier
        .post(
            &format!("/frameworks/{}/change-requests", site.t.framework_id),
            request,
            Some(&new_key()),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["proposal_id"], json!(id));
    assert_eq!(camden.get(&proposal).await.1["change_requests"][0]["id"], request["id"]);

    // Following is each person's to choose.
    let (status, following) = camden.delete(&format!("{proposal}/follow")).await;
    assert_eq!(
        (status, following["you_follow"].clone()),
        (StatusCode::OK, json!(false))
    );
    assert_eq!(camden.get(&proposal).await.1["you_follow"], false);
    let (status, following, _) = manager.post(&format!("{proposal}/follow"), json!({}), None).await;
    assert_eq!((status, following["you_follow"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(
        auditor.post(&format!("{proposal}/follow"), json!({}), None).await.0,
        403
    );
}
