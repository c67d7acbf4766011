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

on_both_databases!(
    returns_through_the_api,
    a_return_uploaded_on_the_page,
    a_return_uploaded_through_the_api,
    the_manager_sets_the_management_charge,
);

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
        order: calloff_app::demo::sample_order(&t.app),
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
        order: calloff_app::demo::sample_order(&t.app),
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

/// The same import over the API: who asks is checked first, the file's errors come back by row
/// and column with nothing kept, a valid file becomes the return, and sending it again makes
/// nothing new.
async fn a_return_uploaded_through_the_api(backend: Backend) {
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
        order: calloff_app::demo::sample_order(&t.app),
    };
    let call_off = call_offs::place(&t.app, &buyer, &command, Some("api-mi-file"))
        .await
        .unwrap()
        .call_off;
    let reference = &call_off.reference;
    let header =
        "order_reference,customer_org_id,lot,sku,quantity,unit_price_gbp,value_gbp,invoice_number,invoice_date";
    let import = format!("/frameworks/{}/returns/import?period=2026-11", t.framework_id);
    let good = format!("{header}\n{reference},GB-LAE-CMD,4,L4-SIM-5GB,2,5.50,11.00,F-1,2026-11-26\n");

    let buyer_api = Api::sign_in(&site, "buyer@camden.example").await;
    let (status, problem) = buyer_api
        .post_bytes(&import, "text/csv", good.clone().into_bytes())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");

    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let (status, problem) = supplier
        .post_bytes(&import, "application/json", good.clone().into_bytes())
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Content-Type");

    let no_month = format!("/frameworks/{}/returns/import?period=November", t.framework_id);
    let (status, problem) = supplier
        .post_bytes(&no_month, "text/csv", good.clone().into_bytes())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "period");

    // Two bad cells in two rows: both named, by row and column, with no JSON pointer.
    let bad = format!(
        "{header}\n{reference},GB-LAE-HAV,4,L4-SIM-5GB,1,5.50,5.50,B-1,2026-11-26\n{reference},GB-LAE-CMD,4,L4-SIM-5GB,two,5.50,5.50,B-2,2026-11-26\n"
    );
    let (status, problem) = supplier.post_bytes(&import, "text/csv", bad.into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let cells: Vec<(u64, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap().to_string()))
        .collect();
    assert!(cells.contains(&(2, "customer_org_id".to_string())), "{problem}");
    assert!(cells.contains(&(3, "quantity".to_string())), "{problem}");
    assert!(problem["errors"][0].get("pointer").is_none(), "{problem}");
    let (_, list) = supplier.get(&format!("/frameworks/{}/returns", t.framework_id)).await;
    assert!(
        list["returns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] != "submitted"),
        "a refused file keeps nothing: {list}"
    );

    let (status, imported) = supplier
        .post_bytes(&import, "text/csv", good.clone().into_bytes())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["rows"], 1);
    assert_eq!(imported["already_imported"], false);
    assert_eq!(imported["version"]["version"], 1);
    assert_eq!(imported["version"]["totals"]["value"]["pence"], 1_100);
    let return_id = imported["return_id"].as_str().unwrap().to_string();
    let (status, shown) = supplier.get(&format!("/returns/{return_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["status"], "submitted", "{shown}");
    assert_eq!(shown["rows"][0]["invoice_number"], "F-1", "{shown}");

    let (status, again) = supplier.post_bytes(&import, "text/csv", good.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["already_imported"], true);
    assert_eq!(again["return_id"], return_id.as_str());
    let (_, shown) = supplier.get(&format!("/returns/{return_id}")).await;
    assert_eq!(
        shown["versions"].as_array().unwrap().len(),
        1,
        "sent twice, kept once: {shown}"
    );
}

/// The framework's manager adds dated management charge rules on the page and over the API;
/// every bad field is named at once, and nobody else may.
async fn the_manager_sets_the_management_charge(backend: Backend) {
    use calloff_domain::mi_return::Month;
    let site = Site::start(backend).await;
    let t = &site.t;
    let next = Month::of(t.app.today()).next();
    let after = next.next();

    let page = site.signed_in("manager@rbkc.example").await;
    let returns_page = page.get(&format!("/frameworks/{}/returns", t.framework_id)).await;
    returns_page.assert_contains("Set a new management charge rule");
    let new = format!("/frameworks/{}/levy-rules/new", t.framework_id);
    let form = page.get(&new).await;
    assert_eq!(form.status, 200, "{}", form.body);
    form.assert_contains("Lot 4");

    let action = format!("/frameworks/{}/levy-rules", t.framework_id);
    let refused = page
        .post(
            &action,
            &[("effective_from", "soon"), ("basis", "per_lot"), ("lot_1", "two")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("Enter the first month as year and month");
    refused.assert_contains("Enter the rate for lot 1 as a percentage");
    refused.assert_contains("Enter the rate for lot 2, like 1.5");

    let next_text = next.to_string();
    let mut fields: Vec<(String, String)> = vec![
        ("effective_from".into(), next_text.clone()),
        ("basis".into(), "per_lot".into()),
    ];
    let framework = calloff_app::frameworks::get(&t.app, &t.buyer().await, &t.framework_id)
        .await
        .unwrap();
    for lot in &framework.lots {
        fields.push((format!("lot_{}", lot.number), format!("1.{}", lot.number)));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let added = page.post(&action, &fields).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let shown = page.get(added.location.as_deref().unwrap()).await;
    shown.assert_contains("Management charge rule added");
    shown.assert_contains("by lot: lot 1 1.1%");

    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let path = format!("/frameworks/{}/levy-rules", t.framework_id);
    let (status, problem, _) = manager
        .post(
            &path,
            json!({ "effective_from": "2020-01-15", "basis": "per_sector", "central_government_bp": 20_000 }),
            Some(&crate::api::new_key()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["central_government_bp", "effective_from", "wider_public_sector_bp"],
        "{problem}"
    );

    let rule = json!({ "effective_from": after.first_day().to_string(), "basis": "flat", "rate_bp": 125 });
    let (status, created, _) = manager.post(&path, rule.clone(), Some(&crate::api::new_key())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["description"], "1.25% of every line");
    let (status, problem, _) = manager.post(&path, rule.clone(), Some(&crate::api::new_key())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "effective_from");
    let (_, levy) = manager.get(&format!("/frameworks/{}/levy", t.framework_id)).await;
    let descriptions: Vec<&str> = levy["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["description"].as_str().unwrap())
        .collect();
    assert!(descriptions.contains(&"1.25% of every line"), "{levy}");
    assert!(
        descriptions.iter().any(|d| d.starts_with("by lot: lot 1 1.1%")),
        "{levy}"
    );

    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let (status, _, _) = supplier.post(&path, rule, Some(&crate::api::new_key())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
