//! The order register over HTTP: `GET /api/v1/frameworks/{id}/call-offs` (JSON, CSV, XLSX) and
//! its page, and the audit log page.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::StatusCode;

on_both_databases!(the_register_over_the_api_and_its_page);

async fn the_register_over_the_api_and_its_page(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let mut references = Vec::new();
    for email in ["buyer@camden.example", "buyer@hackney.example"] {
        let buyer = t.actor(email).await;
        let command = PlaceCallOff {
            framework_id: t.framework_id.clone(),
            lines: vec![LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity: 2,
                term_months: 24,
                monthly_usage: None,
            }],
            cost_centre: "IT-4021".into(),
            order: calloff_app::demo::sample_order(&t.app),
        };
        references.push(
            call_offs::place(&t.app, &buyer, &command, None)
                .await
                .unwrap()
                .call_off
                .reference,
        );
    }
    let path = format!("/frameworks/{}/call-offs", t.framework_id);

    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let (status, body) = manager.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["matching"], 2);
    let listed: Vec<&str> = body["call_offs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(references.iter().all(|r| listed.contains(&r.as_str())));
    let (_, hackney) = manager.get(&format!("{path}?kind=local_authority&q=co&lot=4")).await;
    assert_eq!(hackney["matching"], 2);

    // Every bad parameter at once, named as sent.
    let (status, problem) = manager
        .get(&format!(
            "{path}?lot=9&state=drafty&placed_from=tomorrow&min_value=%C2%A3x&format=pdf"
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut named: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    named.sort_unstable();
    assert_eq!(named, ["format", "lot", "min_value", "placed_from", "state"]);

    // Downloads.
    let csv = site
        .api()
        .get(format!("{}/api/v1{path}?format=csv&customer=", site.base))
        .bearer_auth(&manager.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let headers = csv.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"LON-ICT-2025-call-offs.csv\""
    );
    assert_eq!(headers["export-rows"], "2");
    assert_eq!(headers["export-truncated"], "false");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with(
        "reference,customer,customer_org_id,kind_of_body,lots,state,placed_on,start,end,value_gbp_ex_vat\r\n"
    ));
    assert_eq!(text.lines().count(), 3);
    let xlsx = site
        .api()
        .get(format!("{}/api/v1{path}?format=xlsx", site.base))
        .bearer_auth(&manager.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // Least privilege: buyers and the supplier may not read other bodies' orders.
    for email in ["buyer@camden.example", "supplier@londonict.example"] {
        let api = Api::sign_in(&site, email).await;
        let (status, _) = api.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        let (status, _) = api.get(&format!("{path}?format=csv")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
    }
    let auditor = Api::sign_in(&site, "auditor@rbkc.example").await;
    assert_eq!(auditor.get(&path).await.0, StatusCode::OK);

    // The page, its filter errors and its download; the manager reaches it from "Call-offs".
    let browser = site.signed_in("manager@rbkc.example").await;
    let call_offs = browser.get("/call-offs").await;
    assert!(
        call_offs.body.contains(&format!("href=\"{path}\"")),
        "{}",
        call_offs.body
    );
    let overview = browser.get(&format!("/frameworks/{}", t.framework_id)).await;
    assert!(overview.body.contains(&format!("href=\"{path}\"")));
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(references.iter().all(|r| page.body.contains(r.as_str())));
    assert!(page.body.contains("format=csv"));
    let bad = browser.get(&format!("{path}?lot=9&max_value=abc")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#lot\"") && bad.body.contains("href=\"#max_value\""));
    let download = browser.get(&format!("{path}?format=csv&state=placed")).await;
    assert_eq!(download.status, 200);
    assert!(download.body.contains(&references[0]));
    assert_eq!(
        site.signed_in("buyer@camden.example").await.get(&path).await.status,
        403
    );

    // The audit log: auditors only.
    let auditor = site.signed_in("auditor@rbkc.example").await;
    let log = auditor.get(&format!("/audit?reference={}", references[0])).await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("call_off.placed"));
    assert!(
        auditor.get("/audit").await.body.contains("href=\"/audit\""),
        "in the navigation"
    );
    assert_eq!(auditor.get("/audit?entity=nothing").await.status, 422);
    assert_eq!(browser.get("/audit").await.status, 403);
}
