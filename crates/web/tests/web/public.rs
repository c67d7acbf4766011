//! A framework's public page and its JSON twin, signed out (issue 12): the ceiling, headroom and
//! lots of the demo; no call-off value once its manager withholds them, and the withholding
//! stated with its reason; an unknown framework not found.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(public_framework_page_shows_headroom_and_hides_what_is_withheld);

async fn public_json(site: &Site, path: &str) -> (StatusCode, Value) {
    let r = site.api().get(format!("{}{path}", site.base)).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn public_framework_page_shows_headroom_and_hides_what_is_withheld(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let page_path = format!("/frameworks/{}/public", t.framework_id);
    let api_path = format!("/api/v1/frameworks/{}/public", t.framework_id);

    // A call-off placed and accepted, so that something is committed.
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 7,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &t.buyer().await, &command, None)
        .await
        .unwrap()
        .call_off;
    call_offs::act(&t.app, &t.supplier().await, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap();
    let value = placed.totals.contract_value.to_string();

    let manager_actor = t.actor("manager@rbkc.example").await;
    let o = calloff_app::frameworks::overview(&t.app, &manager_actor, &t.framework_id)
        .await
        .unwrap();

    // Signed out: what it is, the ceiling, committed and headroom, each lot.
    let anonymous = site.browser();
    let page = anonymous.get(&page_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    for text in [
        o.framework.reference.clone(),
        o.framework.title.clone(),
        o.headroom.ceiling.to_string(),
        o.headroom.committed.to_string(),
        o.headroom.left().to_string(),
        "Who may use it".to_string(),
        "/api/v1/ocds/releases".to_string(),
        format!(
            "/api/v1/ocds/records/{}-{}",
            calloff_interop::ocds::TEST_OCID_PREFIX,
            t.framework_id
        ),
        "calloff export ocds".to_string(),
    ] {
        assert!(body.contains(&maud_escaped(&text)), "missing {text}");
    }
    for lot in &o.lots {
        assert!(
            body.contains(&maud_escaped(&lot.lot.title)),
            "missing {}",
            lot.lot.title
        );
        let h = lot.headroom.expect("the demo's lots have ceilings");
        assert!(body.contains(&h.ceiling.to_string()) && body.contains(&h.left().to_string()));
    }
    assert!(!body.contains("<script"), "no JavaScript");
    assert!(!body.contains("Withheld as commercially confidential"));
    let (status, json) = public_json(&site, &api_path).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["ceiling"]["pence"], o.headroom.ceiling.pence());
    assert_eq!(json["committed"]["pence"], o.headroom.committed.pence());
    assert_eq!(json["headroom"]["pence"], o.headroom.left().pence());
    assert_eq!(json["lots"].as_array().unwrap().len(), o.lots.len());
    assert!(json["call_offs"].as_i64().unwrap() >= 1, "{json}");

    // The manager withholds call-off values: the page then shows no sum of them.
    let reason = "Rates agreed below list in the 2025 tender; publishing them would harm the supplier";
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let (status, body, _) = manager
        .post(
            &format!("/frameworks/{}/ocds/confidentiality", t.framework_id),
            json!({ "field": "call_off_values", "withhold": true, "reason": reason }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = anonymous.get(&page_path).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("Withheld as commercially confidential"));
    assert!(body.contains(&maud_escaped(reason)), "the reason is stated");
    assert!(body.contains(&o.headroom.ceiling.to_string()), "the ceiling stays");
    let mut hidden = vec![
        value.clone(),
        o.headroom.committed.to_string(),
        o.headroom.left().to_string(),
    ];
    for lot in &o.lots {
        let h = lot.headroom.unwrap();
        if h.committed.pence() > 0 {
            hidden.push(h.committed.to_string());
            hidden.push(h.left().to_string());
        }
    }
    let invoiced = calloff_app::invoices::framework_spend(&t.app, &manager_actor, &t.framework_id)
        .await
        .unwrap()
        .invoiced;
    if invoiced.pence() > 0 {
        hidden.push(invoiced.to_string());
    }
    for text in &hidden {
        assert!(!body.contains(text.as_str()), "{text} is shown while withheld");
    }
    let (status, json) = public_json(&site, &api_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        json["committed"].is_null() && json["headroom"].is_null() && json["invoiced"].is_null(),
        "{json}"
    );
    for lot in json["lots"].as_array().unwrap() {
        assert!(lot["committed"].is_null() && lot["invoiced"].is_null(), "{lot}");
    }
    for kind in json["by_kind_of_body"].as_array().unwrap() {
        assert!(kind["invoiced"].is_null(), "{kind}");
    }
    assert_eq!(json["withheld"][0]["field"], "call_off_values");
    assert_eq!(json["withheld"][0]["reason"], reason);
    let text = json.to_string();
    for text_value in &hidden {
        assert!(
            !text.contains(text_value.as_str()),
            "{text_value} in the JSON while withheld"
        );
    }

    // An unknown framework is not found, as a page and as JSON.
    let unknown = uuid::Uuid::now_v7();
    let page = anonymous.get(&format!("/frameworks/{unknown}/public")).await;
    assert_eq!(page.status, 404);
    let (status, _) = public_json(&site, &format!("/api/v1/frameworks/{unknown}/public")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Found from the open-data page, which every page's footer links to.
    let index = anonymous.get("/open-data").await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains(&page_path));
    assert!(anonymous.get("/sign-in").await.body.contains("href=\"/open-data\""));
}

/// Text as maud writes it into HTML.
fn maud_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
