//! What an outside attack found (issue 9), each as a test that failed before its fix, plus the
//! input contract, the idempotency of every create and the security headers.

use crate::api::{new_key, Api};
use crate::browser::Site;
use calloff_domain::money::Money;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    suppliers_see_neither_unplaced_call_offs_nor_the_approval_trail,
    bad_dates_numbers_money_roles_and_lengths_are_refused_naming_each_field,
    creates_are_idempotent_and_a_variation_must_change_something,
    headroom_refusals_say_which_ceiling_and_a_returned_draft_that_no_longer_fits_is_a_409_page,
    deactivation_and_sign_out_end_browsing_at_once,
);

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The id of the person with `email`, as their organisation admin lists them.
async fn person_id(admin: &Api, email: &str) -> String {
    let (_, people) = admin.get("/organisation/people").await;
    people["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Camden needs one approver from £0, so every call-off starts as a draft.
async fn every_call_off_needs_approval(site: &Site) {
    let admin = Api::sign_in(site, "admin@camden.example").await;
    let rules = json!({ "thresholds": [{ "from_value_pence": 0, "approvers": 1 }] });
    let (status, body, _) = admin.post("/organisation/approval-rules", rules, None).await;
    assert_eq!(status, 200, "{body}");
}

async fn draft(buyer: &Api, site: &Site, framework: &str, sku: &str, quantity: i64) -> String {
    let body = json!({ "framework_id": framework, "lines": [{ "sku": sku, "quantity": quantity, "term_months": 24 }], "cost_centre": "IT-4021", "order": crate::browser::order_json() });
    let (status, placed, _) = buyer.post("/call-offs", body, Some(&new_key())).await;
    assert_eq!(
        (status.as_u16(), placed["state"].as_str()),
        (201, Some("draft")),
        "{placed} {}",
        site.base
    );
    placed["id"].as_str().unwrap().to_string()
}

async fn decide(approver: &Api, call_off: &str, decision: &str, comment: &str) {
    let (_, awaiting) = approver.get("/approvals").await;
    let request = awaiting["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["call_off"]["id"] == call_off)
        .expect("awaiting approval")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body, _) = approver
        .post(
            &format!("/approvals/{request}/decision"),
            json!({ "decision": decision, "comment": comment }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn suppliers_see_neither_unplaced_call_offs_nor_the_approval_trail(backend: Backend) {
    let site = Site::start(backend).await;
    every_call_off_needs_approval(&site).await;
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let approver = Api::sign_in(&site, "approver@camden.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let framework = site.t.framework_id.to_string();

    // A draft returned with a comment, then cancelled: never placed, never the supplier's.
    let cancelled = draft(&buyer, &site, &framework, "L4-SIM-5GB", 3).await;
    decide(&approver, &cancelled, "return", "Secret: over the ward budget").await;
    let (status, _, _) = buyer
        .post(
            &format!("/call-offs/{cancelled}/cancel"),
            json!({ "reason": "Not needed" }),
            None,
        )
        .await;
    assert_eq!(status, 200);
    // Placed after approval, with the approver's comment.
    let placed = draft(&buyer, &site, &framework, "L4-SIM-5GB", 4).await;
    decide(&approver, &placed, "approve", "Private: fine by Ada").await;

    let (_, list) = supplier.get("/call-offs").await;
    let listed: Vec<&str> = list["call_offs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        !listed.contains(&cancelled.as_str()) && listed.contains(&placed.as_str()),
        "{listed:?}"
    );
    assert_eq!(
        supplier.get(&format!("/call-offs/{cancelled}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, seen) = supplier.get(&format!("/call-offs/{placed}")).await;
    assert_eq!((status, seen["state"].as_str()), (StatusCode::OK, Some("placed")));
    for secret in ["fine by Ada", "Ada Approver", "ward budget"] {
        assert!(
            !list.to_string().contains(secret) && !seen.to_string().contains(secret),
            "{secret}"
        );
    }
    // The buyer still sees its own trail.
    let (_, own) = buyer.get(&format!("/call-offs/{placed}")).await;
    assert!(own.to_string().contains("fine by Ada"), "{own}");

    // The pages hold to the same policy.
    let pages = site.signed_in("supplier@londonict.example").await;
    assert_eq!(pages.get(&format!("/call-offs/{cancelled}")).await.status, 404);
    assert_eq!(
        pages.get(&format!("/call-offs/{cancelled}/order-form")).await.status,
        404
    );
    let page = pages.get(&format!("/call-offs/{placed}")).await;
    assert_eq!(page.status, 200);
    let order_form = pages.get(&format!("/call-offs/{placed}/order-form")).await;
    let inbox = pages.get("/supplier/inbox").await;
    for body in [&page.body, &order_form.body, &inbox.body] {
        for secret in ["fine by Ada", "Ada Approver", "ward budget"] {
            assert!(!body.contains(secret), "{secret} shown to the supplier");
        }
    }
    let (_, cancelled_view) = buyer.get(&format!("/call-offs/{cancelled}")).await;
    let cancelled_reference = cancelled_view["reference"].as_str().unwrap();
    assert!(!inbox.body.contains(cancelled_reference), "{cancelled_reference}");
}

async fn bad_dates_numbers_money_roles_and_lengths_are_refused_naming_each_field(backend: Backend) {
    let site = Site::start(backend).await;
    let framework = site.t.framework_id.to_string();
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;

    // A far-future date, with a bad uplift: both reported, by the body's names.
    let (status, problem, _) = supplier
        .post(
            &format!("/frameworks/{framework}/indexation"),
            json!({ "uplift_basis_points": -5, "effective_from": "+262142-01-01" }),
            Some(&new_key()),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["effective_from", "uplift_basis_points"], "{problem}");
    let (status, problem) = manager
        .get(&format!("/frameworks/{framework}/catalogue/as-of?date=%2B262142-01-01"))
        .await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (422, vec!["date".to_string()]),
        "{problem}"
    );

    // Dates out of range, a lot past 2^32 and a decimal comma, in one change request.
    let changes = json!({ "title": "Bad", "changes": [
        { "kind": "price", "sku": "L4-SIM-5GB", "effective_from": "+262142-01-01", "price": "6.00" },
        { "kind": "price", "sku": "L4-SIM-5GB", "effective_from": "2027-01-01", "price": "1,00" },
        { "kind": "add", "sku": "L2-NEW-1", "effective_from": "2027-01-01", "lot": 4294967298_i64, "name": "New",
          "description": "New", "unit": "per_month", "price": "1.00", "minimum_term_months": 0, "cpv": "72000000-5" },
    ]});
    let (status, problem, _) = supplier
        .post(
            &format!("/frameworks/{framework}/change-requests"),
            changes,
            Some(&new_key()),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let named = fields(&problem);
    for field in ["changes[0].effective_from", "changes[1].price", "changes[2].lot"] {
        assert!(named.contains(&field.to_string()), "{field} not in {named:?}");
    }

    // Roles listed twice: named, not a 500, on a person and on an invitation.
    let admin = Api::sign_in(&site, "admin@camden.example").await;
    let approver = person_id(&admin, "approver@camden.example").await;
    let twice = json!({ "roles": ["buyer", "buyer"] });
    let (status, problem, _) = admin
        .post(&format!("/organisation/people/{approver}/roles"), twice, None)
        .await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (422, vec!["roles[1]".to_string()]),
        "{problem}"
    );
    let invite = json!({ "email": "new@camden.example", "roles": ["approver", "nonsense", "approver"] });
    let (status, problem, _) = admin.post("/organisation/invitations", invite, Some(&new_key())).await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (422, vec!["roles[1]".to_string(), "roles[2]".to_string()]),
        "{problem}"
    );

    // No megabyte reasons or passwords.
    let long = "x".repeat(1_000_000);
    let (status, problem, _) = manager
        .post(
            &format!("/organisations/{approver}/reject"),
            json!({ "reason": long }),
            None,
        )
        .await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (400, vec!["reason".to_string()]),
        "{problem}"
    );
    let response = site
        .api()
        .post(format!("{}/api/v1/sessions", site.base))
        .json(&json!({ "email": "buyer@camden.example", "password": "x".repeat(300) }))
        .send()
        .await
        .unwrap();
    let problem: Value = response.json().await.unwrap();
    assert_eq!(fields(&problem), ["password"], "{problem}");

    // The input contract: strict JSON, its media type, its size, ids and query strings.
    let client = site.api();
    let url = |path: &str| format!("{}/api/v1{path}", site.base);
    let post = |path: &str, content_type: &str, body: String| {
        client
            .post(url(path))
            .bearer_auth(&supplier.token)
            .header("Content-Type", content_type.to_string())
            .header("Idempotency-Key", new_key())
            .body(body)
    };
    let quotes = "/quotes";
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let quote = |body: &str, content_type: &str| {
        client
            .post(url(quotes))
            .bearer_auth(&buyer.token)
            .header("Content-Type", content_type.to_string())
            .body(body.to_string())
    };
    let good =
        format!(r#"{{"framework_id":"{framework}","lines":[{{"sku":"L4-SIM-5GB","quantity":1,"term_months":24}}]}}"#);
    assert_eq!(quote(&good, "application/json").send().await.unwrap().status(), 200);
    let junk = quote(&format!("{good} trailing"), "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), 400);
    let junk: Value = junk.json().await.unwrap();
    assert_eq!(fields(&junk), ["body"], "{junk}");
    for media in ["application/jsonp", "text/plain", "text/json"] {
        assert_eq!(quote(&good, media).send().await.unwrap().status(), 415, "{media}");
    }
    let optional_body = post(
        &format!("/frameworks/{framework}/indexation"),
        "text/plain",
        "{}".into(),
    );
    assert_eq!(optional_body.send().await.unwrap().status(), 415);
    // Through the router in-process: over a socket the server answers 413 before reading the
    // rest and closes, so a client still sending may see the connection reset instead.
    let huge = axum::http::Request::post("/api/v1/quotes")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", buyer.token))
        .body(axum::body::Body::from(format!(
            r#"{{"pad":"{}"}}"#,
            "x".repeat(3 * 1024 * 1024)
        )))
        .unwrap();
    let router = calloff_web::router(site.t.app.clone(), calloff_web::DEFAULT_ASSETS_DIR.into());
    let huge = tower::ServiceExt::oneshot(router, huge).await.unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(huge.headers()["content-type"], "application/problem+json");

    // Every bad field at once, named as sent; a missing field by its own name.
    let three =
        format!(r#"{{"framework_id":"{framework}","lines":[{{"sku":7,"quantity":"many","term_months":true}}]}}"#);
    let problem: Value = quote(&three, "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(
        named,
        ["lines[0].quantity", "lines[0].sku", "lines[0].term_months"],
        "{problem}"
    );
    let missing: Value = quote(&format!(r#"{{"framework_id":"{framework}"}}"#), "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fields(&missing), ["lines"], "{missing}");
    let rules = json!({ "thresholds": [{ "from_value_pence": -1, "approvers": 1 }] });
    let (_, problem, _) = admin.post("/organisation/approval-rules", rules, None).await;
    assert_eq!(fields(&problem), ["thresholds[0].from_value_pence"], "{problem}");

    // Malformed ids are not found; query-string errors are problem documents naming the parameter.
    let (status, _) = manager.get("/frameworks/not-an-id/change-requests").await;
    assert_eq!(status, 404);
    let repeated = client
        .get(url("/call-offs?cursor=1&cursor=2"))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(repeated.status(), 400);
    assert_eq!(repeated.headers()["content-type"], "application/problem+json");
    let problem: Value = repeated.json().await.unwrap();
    assert_eq!(fields(&problem), ["cursor"], "{problem}");
    let typed = client
        .get(url(&format!("/change-requests/{framework}?after=abc")))
        .bearer_auth(&manager.token)
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 400);
    let problem: Value = typed.json().await.unwrap();
    assert_eq!(fields(&problem), ["after"], "{problem}");

    // The OpenAPI document says whose keys they are, and declares what is served.
    let spec: Value = client
        .get(format!("{}/api/openapi.json", site.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        spec.to_string().contains("per person"),
        "idempotency scope undocumented"
    );
    let repeated_declared = &spec["paths"]["/call-offs"]["get"]["responses"]["400"];
    assert!(!repeated_declared.is_null(), "400 undeclared on GET /call-offs");
    assert!(
        !spec["paths"]["/quotes"]["post"]["responses"]["403"].is_null(),
        "403 undeclared on POST /quotes"
    );
}

async fn creates_are_idempotent_and_a_variation_must_change_something(backend: Backend) {
    let site = Site::start(backend).await;
    let framework = site.t.framework_id.to_string();
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let body = json!({ "framework_id": framework, "lines": [{ "sku": "L5-UCAAS-STD", "quantity": 40, "term_months": 36 }], "cost_centre": "IT-4021", "order": crate::browser::order_json() });
    let (_, placed, _) = buyer.post("/call-offs", body, Some(&new_key())).await;
    let path = format!("/call-offs/{}", placed["id"].as_str().unwrap());
    supplier.post(&format!("{path}/accept"), json!({}), None).await;

    // Milestones: required key, one record however often retried, the same key elsewhere refused.
    let milestone = json!({ "name": "Survey done", "done_on": "2026-11-26" });
    let (status, problem, _) = supplier
        .post(&format!("{path}/milestones"), milestone.clone(), None)
        .await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (422, vec!["Idempotency-Key".to_string()])
    );
    let key = new_key();
    let (first, once, _) = supplier
        .post(&format!("{path}/milestones"), milestone.clone(), Some(&key))
        .await;
    let (again, twice, headers) = supplier
        .post(&format!("{path}/milestones"), milestone.clone(), Some(&key))
        .await;
    assert_eq!((first.as_u16(), again.as_u16()), (201, 201), "{once}");
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(once, twice);
    let (_, view) = supplier.get(&path).await;
    assert_eq!(view["milestones"].as_array().unwrap().len(), 1, "{view}");
    let other = json!({ "name": "Kit delivered", "done_on": "2026-11-26" });
    assert_eq!(
        supplier.post(&format!("{path}/milestones"), other, Some(&key)).await.0,
        409
    );

    // Variations: the same, and one that changes nothing is refused and not recorded.
    let varied = json!({ "lines": [{ "sku": "L5-UCAAS-STD", "quantity": 44, "term_months": 36 }] });
    assert_eq!(
        buyer.post(&format!("{path}/variations"), varied.clone(), None).await.0,
        422
    );
    let key = new_key();
    let (first, _, _) = buyer
        .post(&format!("{path}/variations"), varied.clone(), Some(&key))
        .await;
    let (again, _, headers) = buyer
        .post(&format!("{path}/variations"), varied.clone(), Some(&key))
        .await;
    assert_eq!((first.as_u16(), again.as_u16()), (201, 201));
    assert_eq!(headers["idempotent-replayed"], "true");
    let (status, problem, _) = buyer
        .post(&format!("{path}/variations"), varied, Some(&new_key()))
        .await;
    assert_eq!(
        (status.as_u16(), fields(&problem)),
        (422, vec!["lines".to_string()]),
        "{problem}"
    );
    let (_, view) = buyer.get(&path).await;
    assert_eq!(view["variations"].as_array().unwrap().len(), 1, "{view}");
}

/// Every POST under /api/v1 that makes a record requires an Idempotency-Key. A new create route
/// fails here until it is a `Routes::create` (or keeps its key in its use case, listed below).
#[tokio::test]
async fn every_api_create_requires_an_idempotency_key() {
    let site = Site::start(Backend::Sqlite).await;
    let creates = calloff_web::create_paths();
    // Creates that keep their key in the same transaction as the record.
    let own_key = [
        "/api/v1/call-offs",
        "/api/v1/frameworks/{id}/proposals",
        "/api/v1/proposals/{id}/comments",
        // An uploaded UBL invoice's key is its number: a retry is refused as a duplicate (409).
        "/api/v1/invoices",
        // An uploaded MI file's key is its SHA-256: sent again, it makes nothing new.
        "/api/v1/frameworks/{id}/returns/import",
    ];
    // POSTs that make no new record: sign-in, pricing, decisions, replacing settings, marking.
    let not_creates = [
        "/api/v1/sessions",
        "/api/v1/account/two-factor",
        "/api/v1/account/two-factor/confirm",
        "/api/v1/account/two-factor/recovery-codes",
        "/api/v1/account/two-factor/turn-off",
        "/api/v1/quotes",
        // Replacing a saved quote, and sharing it (sharing again changes nothing).
        "/api/v1/saved-quotes/{id}",
        "/api/v1/saved-quotes/{id}/shares",
        "/api/v1/call-offs/{id}/{action}",
        // Pricing a variation without making it.
        "/api/v1/call-offs/{id}/variations/preview",
        // Recording a notice as published (a second record of it is refused).
        "/api/v1/call-offs/{id}/notices",
        "/api/v1/change-requests/{id}/{decision}",
        "/api/v1/items/{id}/demand-bands",
        "/api/v1/frameworks/{id}/catalogue-settings",
        // Withholding a field, or publishing it again, replaces the framework's setting.
        "/api/v1/frameworks/{id}/ocds/confidentiality",
        "/api/v1/approvals/{id}/decision",
        "/api/v1/organisation/approval-rules",
        // Declaring again replaces the supplier's declaration.
        "/api/v1/organisation/supplier-status",
        "/api/v1/organisations/{id}/{decision}",
        "/api/v1/organisation/people/{id}/{change}",
        "/api/v1/proposals/{id}/votes",
        "/api/v1/proposals/{id}/response",
        "/api/v1/proposals/{id}/decision",
        "/api/v1/proposals/{id}/follow",
        "/api/v1/notifications/read",
        "/api/v1/invoices/{id}/decision",
        // A return moves on from the version it was seen at: a retry is refused (409), never a
        // second version.
        "/api/v1/returns/{id}/submit",
        "/api/v1/returns/{id}/no-business",
        "/api/v1/returns/{id}/correction",
    ];
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    for (method, path) in calloff_web::route_table() {
        if method != "POST" || !path.starts_with("/api/v1/") || not_creates.contains(&path.as_str()) {
            continue;
        }
        assert!(
            creates.contains(&path) || own_key.contains(&path.as_str()),
            "POST {path} makes a record without an Idempotency-Key: add it with Routes::create"
        );
        let probe = path
            .replace("/api/v1", "")
            .replace("{id}", "01890a5d-ac96-774b-bcce-b302099a8057")
            .replace("{token}", "no-such-token");
        let (status, problem, _) = buyer.post(&probe, json!({}), None).await;
        if creates.contains(&path) {
            assert_eq!(
                (status.as_u16(), fields(&problem)),
                (422, vec!["Idempotency-Key".to_string()]),
                "POST {path}"
            );
        }
    }
}

async fn headroom_refusals_say_which_ceiling_and_a_returned_draft_that_no_longer_fits_is_a_409_page(backend: Backend) {
    let site = Site::start(backend).await;
    let small = site
        .t
        .add_framework(
            "SMALL-FW",
            Money::from_pounds(1_000),
            Some(Money::from_pounds(600)),
            calloff_domain::framework::FrameworkStatus::Live,
        )
        .await;
    let framework = small.id.to_string();
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    // 60 × 12 months × £1 = £720, past the lot's £600.
    let body = json!({ "framework_id": framework, "lines": [{ "sku": small.sku, "quantity": 60, "term_months": 12 }], "cost_centre": "IT-4021", "order": crate::browser::order_json() });
    let (status, problem, _) = buyer.post("/call-offs", body, Some(&new_key())).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        (problem["refused_by"].as_str(), problem["lot"].as_i64()),
        (Some("lot"), Some(1)),
        "{problem}"
    );
    assert_eq!(problem["headroom_left_pence"], 60_000);
    assert_eq!(problem["value_pence"], 72_000);

    // A returned draft whose headroom went to another order meanwhile.
    every_call_off_needs_approval(&site).await;
    let approver = Api::sign_in(&site, "approver@camden.example").await;
    let first = draft(&buyer, &site, &framework, &small.sku, 20).await; // 20 × 24 months = £480
    decide(&approver, &first, "return", "Check the quantity").await;
    let _second = draft(&buyer, &site, &framework, &small.sku, 20).await; // holds £480 of £600
    let pages = site.signed_in("buyer@camden.example").await;
    let resubmitted = pages
        .post(&format!("/call-offs/{first}/resubmit"), &[("cost_centre", "IT-4021")])
        .await;
    assert_eq!(resubmitted.status, 409, "{}", resubmitted.body);
    resubmitted.assert_contains("headroom");
}

async fn deactivation_and_sign_out_end_browsing_at_once(backend: Backend) {
    let site = Site::start(backend).await;
    let catalogue = format!("/frameworks/{}/catalogue?q=sim", site.t.framework_id);
    let approver = site.signed_in("approver@camden.example").await;
    assert_eq!(approver.get(&catalogue).await.status, 200);
    let admin = Api::sign_in(&site, "admin@camden.example").await;
    let id = person_id(&admin, "approver@camden.example").await;
    let (status, _, _) = admin
        .post(&format!("/organisation/people/{id}/deactivate"), json!({}), None)
        .await;
    assert_eq!(status, 200);
    // At once: not a second later.
    let after = approver.get(&catalogue).await;
    assert_eq!((after.status, after.location.as_deref()), (303, Some("/sign-in")));

    // The session cookie is __Host- prefixed, and every page carries the security headers.
    let buyer = site.browser();
    let form = buyer.get("/sign-in").await;
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(form.headers[name], value, "{name}");
    }
    let policy = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert!(
        !policy.contains("script-src") || !policy.contains("'unsafe"),
        "{policy}"
    );
    let cookie = &form.set_cookies[0];
    assert!(
        cookie.starts_with("__Host-")
            && cookie.contains("Secure")
            && cookie.contains("Path=/")
            && !cookie.contains("Domain"),
        "{cookie}"
    );
}

/// Sign-in backs off by account, whether or not the account exists, with the same answer.
#[tokio::test]
async fn sign_in_backs_off_after_repeated_failures_without_telling_accounts_apart() {
    let site = Site::start(Backend::Sqlite).await;
    let client = site.api();
    let attempt = |email: &'static str, password: &'static str| {
        client
            .post(format!("{}/api/v1/sessions", site.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
    };
    for email in ["buyer@camden.example", "nobody@camden.example"] {
        for _ in 0..calloff_app::auth::FREE_FAILURES_PER_ACCOUNT {
            assert_eq!(attempt(email, "wrong-password").await.unwrap().status(), 422);
        }
        let limited = attempt(email, "wrong-password").await.unwrap();
        assert_eq!(limited.status(), 429, "{email}");
        assert!(limited.headers().contains_key("retry-after"));
        let problem: Value = limited.json().await.unwrap();
        assert_eq!(fields(&problem), ["email"]);
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("Too many failed sign-ins"));
    }
    // Even the right password waits; another account does not.
    assert_eq!(
        attempt("buyer@camden.example", calloff_app::demo::DEMO_PASSWORD)
            .await
            .unwrap()
            .status(),
        429
    );
    assert_eq!(
        attempt("approver@camden.example", calloff_app::demo::DEMO_PASSWORD)
            .await
            .unwrap()
            .status(),
        201
    );
}

/// Pages, too, report every bad field at once.
#[tokio::test]
async fn the_indexation_page_reports_the_uplift_and_the_date_together() {
    let site = Site::start(Backend::Sqlite).await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let page = supplier
        .post(
            &format!("/frameworks/{}/indexation", site.t.framework_id),
            &[
                ("uplift", "lots"),
                ("effective_from-day", "1"),
                ("effective_from-month", "1"),
                ("effective_from-year", "262142"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_contains("Enter the uplift as a percentage");
    page.assert_contains("href=\"#effective_from\"");
}

/// Two-factor sign-in over the API: managers and admins send a code with the password; one
/// without two-factor sign-in gets a token that reaches only its set-up until it is done.
#[tokio::test]
async fn managers_and_admins_sign_in_with_a_code_and_set_it_up_first() {
    let site = Site::start(Backend::Sqlite).await;
    let client = site.api();
    let sign_in = |body: Value| client.post(format!("{}/api/v1/sessions", site.base)).json(&body).send();
    let password = calloff_app::demo::DEMO_PASSWORD;
    // No code, a wrong code: 422 naming `code`, and no token.
    for body in [
        json!({ "email": "manager@rbkc.example", "password": password }),
        json!({ "email": "manager@rbkc.example", "password": password, "code": "123 456" }),
    ] {
        let response = sign_in(body).await.unwrap();
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(fields(&problem), ["code"], "{problem}");
        assert!(problem.get("token").is_none());
    }
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    assert_eq!(manager.get("/frameworks").await.0, 200);

    // A new organisation admin, without two-factor sign-in.
    let camden = site.t.actor("admin@camden.example").await.organisation_id;
    calloff_app::auth::create_user(
        &site.t.app,
        &camden,
        "third.admin@camden.example",
        "Third Admin",
        password,
        &[calloff_domain::role::Role::OrganisationAdmin],
    )
    .await
    .unwrap();
    let response = sign_in(json!({ "email": "third.admin@camden.example", "password": password }))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["two_factor_set_up_required"], true);
    let third = Api::with_token(&site, session["token"].as_str().unwrap());
    let (status, problem) = third.get("/frameworks").await;
    assert_eq!(status, 403, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("two-factor"));
    let (status, state) = third.get("/account/two-factor").await;
    assert_eq!(
        (status.as_u16(), &state["required"], &state["enabled"]),
        (200, &json!(true), &json!(false))
    );
    let (status, key, _) = third.post("/account/two-factor", json!({}), None).await;
    assert_eq!(status, 201, "{key}");
    let secret = key["secret"].as_str().unwrap();
    let (status, problem, _) = third
        .post("/account/two-factor/confirm", json!({ "code": "000000" }), None)
        .await;
    assert_eq!((status.as_u16(), fields(&problem)), (422, vec!["code".to_string()]));
    let code = calloff_app::two_factor::code_at(secret, calloff_app::Clock::now(&*site.t.clock)).unwrap();
    let (status, done, _) = third
        .post("/account/two-factor/confirm", json!({ "code": code }), None)
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    // The same token now reaches everything an admin may.
    assert_eq!(third.get("/frameworks").await.0, 200);
    // Admins cannot turn it off, whatever they send.
    let (status, _, _) = third.post("/account/two-factor/turn-off", json!({}), None).await;
    assert_eq!(status, 403);
}

/// Errors in a POST body carry the JSON pointer of their field; query and header errors do not.
#[tokio::test]
async fn body_errors_point_into_the_body() {
    let site = Site::start(Backend::Sqlite).await;
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let framework = site.t.framework_id.to_string();
    let body = json!({ "framework_id": framework, "lines": [
        { "sku": "L4-SIM-5GB", "quantity": 0, "term_months": 24 },
        { "sku": "NO-SUCH-SKU", "quantity": 1, "term_months": 24 },
    ]});
    let (status, problem, _) = buyer.post("/quotes", body, None).await;
    assert_eq!(status, 422, "{problem}");
    let pairs: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = e["field"].as_str().unwrap().to_string();
            (field, e["pointer"].as_str().unwrap_or("none").to_string())
        })
        .collect();
    assert!(pairs.len() >= 2, "{problem}");
    for (field, pointer) in &pairs {
        let expected = format!("/{}", field.replace("[", "/").replace("].", "/").replace('.', "/"));
        assert_eq!(pointer, &expected, "{problem}");
    }
    // A missing key is a header: no pointer. Nor has a query parameter.
    let (status, problem, _) = buyer
        .post(
            "/call-offs/01890a5d-ac96-774b-bcce-b302099a8057/variations",
            json!({ "lines": [] }),
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert!(problem["errors"][0].get("pointer").is_none(), "{problem}");
    let (status, problem) = buyer.get("/call-offs?cursor=1&cursor=2").await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"][0].get("pointer").is_none(), "{problem}");
}
