//! MI returns through the API: listed, read in pages, refused naming the field, submitted, and
//! the management charge fetched as UBL that validate-ubl accepts.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::invoices::{self, InvoiceInput, InvoiceLineInput};
use calloff_app::quotes::LineInput;
use calloff_test_support::{assert_valid_ubl, on_both_databases, Backend};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(returns_through_the_api, a_return_uploaded_on_the_page);

async fn returns_through_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![
            LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity: 20,
                term_months: 24,
                monthly_usage: None,
            },
            LineInput {
                sku: "L1-ETH-INST".into(),
                quantity: 1,
                term_months: 36,
                monthly_usage: None,
            },
        ],
        cost_centre: "IT-4021".into(),
    };
    let call_off = call_offs::place(&t.app, &buyer, &command, Some("api-mi"))
        .await
        .unwrap()
        .call_off;
    for action in [CallOffAction::Accept, CallOffAction::GoLive] {
        call_offs::act(&t.app, &supplier, &call_off.id, &action).await.unwrap();
    }
    let line = |n, quantity, period: Option<(&str, &str)>| InvoiceLineInput {
        call_off_line: n,
        quantity,
        period_start: period.map(|p| p.0.to_string()),
        period_end: period.map(|p| p.1.to_string()),
    };
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &InvoiceInput {
            number: "API-MI-1".into(),
            issue_date: Some("2026-11-26".into()),
            lines: vec![line(1, 20, Some(("2026-11-26", "2026-12-25"))), line(2, 1, None)],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // December comes: November's return is due.
    t.clock.advance(chrono::Duration::days(6));
    let supplier_api = Api::sign_in(&site, "supplier@londonict.example").await;
    let buyer_api = Api::sign_in(&site, "buyer@camden.example").await;
    let manager_api = Api::sign_in(&site, "manager@rbkc.example").await;
    let list_path = format!("/frameworks/{}/returns", t.framework_id);

    let (status, list) = supplier_api.get(&list_path).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let only = &list["returns"][0];
    assert_eq!(list["returns"].as_array().unwrap().len(), 1);
    assert_eq!(
        (only["month"].clone(), only["due_on"].clone(), only["status"].clone()),
        (json!("2026-11"), json!("2026-12-07"), json!("due"))
    );
    let id = only["id"].as_str().unwrap().to_string();
    let (status, refused) = buyer_api.get(&list_path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    let (status, page) = supplier_api.get(&format!("/returns/{id}?limit=1")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["rows"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_after"], 1);
    assert_eq!(page["rows"][0]["customer"]["kind"], "local_authority");
    assert_eq!(page["shown_totals"]["charge"]["pence"], 83 + 950);
    assert_eq!(page["levy_rule"]["basis"], "per_lot");
    let (_, rest) = supplier_api.get(&format!("/returns/{id}?limit=1&after=1")).await;
    assert_eq!(rest["rows"][0]["row_number"], 2);
    assert_eq!(rest["next_after"], Value::Null);
    let (status, bad) = supplier_api.get(&format!("/returns/{id}?limit=lots")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "limit", "{bad}");
    let (status, hidden) = buyer_api.get(&format!("/returns/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");

    let (status, no_business, _) = supplier_api
        .post(&format!("/returns/{id}/no-business"), json!({}), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{no_business}");
    assert_eq!(no_business["errors"][0]["field"], "rows");
    let (status, not_theirs, _) = manager_api
        .post(&format!("/returns/{id}/submit"), json!({}), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{not_theirs}");
    let (status, submitted, _) = supplier_api
        .post(&format!("/returns/{id}/submit"), json!({}), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["version"], 1);
    assert_eq!(submitted["levy_document"]["kind"], "invoice");
    let ubl_url = submitted["levy_document"]["ubl_url"].as_str().unwrap().to_string();
    let (status, again, _) = supplier_api
        .post(&format!("/returns/{id}/submit"), json!({}), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    let response = site
        .api()
        .get(format!("{}{ubl_url}", site.base))
        .bearer_auth(&manager_api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = response.text().await.unwrap();
    assert!(
        xml.contains("<cbc:PayableAmount currencyID=\"GBP\">12.40</cbc:PayableAmount>"),
        "{xml}"
    );
    assert_valid_ubl(&[("levy".into(), xml)]);

    let (status, levy) = manager_api.get(&format!("/frameworks/{}/levy", t.framework_id)).await;
    assert_eq!(status, StatusCode::OK, "{levy}");
    assert_eq!(levy["months"][0]["charged"]["pence"], 1_033);
    assert_eq!(levy["rules"].as_array().unwrap().len(), 2);
    assert_eq!(levy["rules"][0]["description"], "1% of every line");
    let (status, _) = supplier_api.get(&format!("/frameworks/{}/levy", t.framework_id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The upload page: a file with errors lists them by row and column and keeps nothing; a valid
/// file becomes the month's submitted return.
async fn a_return_uploaded_on_the_page(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let buyer = t.buyer().await;
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 20,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
    };
    let call_off = call_offs::place(&t.app, &buyer, &command, Some("page-mi"))
        .await
        .unwrap()
        .call_off;
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let camden = calloff_store::organisations::get(&mut conn, &buyer.organisation_id)
        .await
        .unwrap()
        .unwrap()
        .org_id()
        .unwrap();
    drop(conn);
    let header =
        "order_reference,customer_org_id,lot,sku,quantity,unit_price_gbp,value_gbp,invoice_number,invoice_date";
    let reference = &call_off.reference;
    let page = site.signed_in("supplier@londonict.example").await;
    let import = format!("/frameworks/{}/returns/import", t.framework_id);
    let form = page.get(&import).await;
    assert_eq!(form.status, 200);
    form.assert_contains("customer_org_id");

    let bad = format!("{header}\n{reference},GB-LAE-HAV,4,L4-SIM-5GB,1,5.50,5.50,P-1,2026-11-26\n");
    let refused = page
        .upload(&import, &[("period", "2026-11")], "return.csv", bad.into_bytes())
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("customer_org_id");
    refused.assert_contains("is not the customer of call-off");

    let good = format!("{header}\n{reference},{camden},4,L4-SIM-5GB,1,5.50,5.50,P-1,2026-11-26\n");
    let imported = page
        .upload(&import, &[("period", "2026-11")], "return.csv", good.into_bytes())
        .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    let shown = page.get(imported.location.as_deref().unwrap()).await;
    assert_eq!(shown.status, 200);
    shown.assert_contains("File imported as the month");
    shown.assert_contains("P-1");
}
