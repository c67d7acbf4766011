//! Open data over HTTP, signed out: the release package of the whole demo (every placed call-off,
//! a varied one and a terminated one) and record packages, each checked by
//! `validate-ocds --libcove`; an undeclared extension caught; withheld fields absent and stated.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_interop::ocds::TEST_OCID_PREFIX;
use calloff_test_support::{on_both_databases, validate_ocds, Backend};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::path::PathBuf;

on_both_databases!(
    ocds_the_demo_is_published_whole_and_valid,
    ocds_withheld_fields_are_stated_not_published
);

/// Every page of the release package, fetched signed out by following `links.next`.
async fn release_pages(site: &Site) -> Vec<Value> {
    release_pages_from(site, "/api/v1/ocds/releases").await
}

async fn release_pages_from(site: &Site, first: &str) -> Vec<Value> {
    let client = site.api();
    let mut url = format!("{}{first}", site.base);
    let mut pages = Vec::new();
    loop {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let page: Value = response.json().await.unwrap();
        let next = page["links"]["next"].as_str().map(str::to_string);
        pages.push(page);
        match next {
            Some(next) => url = next,
            None => return pages,
        }
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("calloff-ocds-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, package: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(package).unwrap()).unwrap();
    path
}

fn releases(pages: &[Value]) -> Vec<&Value> {
    pages
        .iter()
        .flat_map(|p| p["releases"].as_array().unwrap().iter())
        .collect()
}

async fn ocds_the_demo_is_published_whole_and_valid(backend: Backend) {
    let site = Site::start(backend).await;
    calloff_app::demo::seed_activity(&site.t.app).await.unwrap();
    let pages = release_pages(&site).await;
    let all = releases(&pages);

    // Every placed call-off of the demo is its own contracting process in the package.
    let mut conn = site.t.app.db.pool().acquire().await.unwrap();
    let placed: Vec<String> = sqlx::query("SELECT id FROM call_offs WHERE sent_to_supplier = 1")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect();
    let drafts: Vec<String> = sqlx::query("SELECT id FROM call_offs WHERE sent_to_supplier = 0")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect();
    drop(conn);
    assert!(placed.len() > 10, "the demo places call-offs");
    let ocids: std::collections::HashSet<&str> = all.iter().map(|r| r["ocid"].as_str().unwrap()).collect();
    for id in &placed {
        assert!(
            ocids.contains(format!("{TEST_OCID_PREFIX}-{id}").as_str()),
            "{id} is not published"
        );
    }
    for id in &drafts {
        assert!(
            !ocids.contains(format!("{TEST_OCID_PREFIX}-{id}").as_str()),
            "draft {id} is published"
        );
    }
    // Release ids are unique, and stable: the same records give the same package.
    let ids: Vec<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "release ids repeat");
    let again = release_pages(&site).await;
    let ids_again: Vec<&str> = releases(&again).iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ids_again);
    // Paged by cursor, three call-offs a page: the same releases in the same order.
    let small = release_pages_from(&site, "/api/v1/ocds/releases?limit=3").await;
    assert!(small.len() > 3, "{} pages", small.len());
    let ids_paged: Vec<&str> = releases(&small).iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ids_paged);

    // The framework, with its agreement and lots; call-offs linked to it, direct awards.
    let framework_ocid = format!("{TEST_OCID_PREFIX}-{}", site.t.framework_id);
    let framework = all.iter().find(|r| r["ocid"] == framework_ocid.as_str()).unwrap();
    assert_eq!(framework["tender"]["techniques"]["hasFrameworkAgreement"], true);
    assert_eq!(
        framework["tender"]["techniques"]["frameworkAgreement"]["value"]["amount"],
        200_000_000.0
    );
    assert_eq!(framework["tender"]["lots"].as_array().unwrap().len(), 5);
    assert!(framework["parties"][0]["identifier"]["scheme"]
        .as_str()
        .unwrap()
        .starts_with("GB-"));
    let award = all.iter().find(|r| r["tag"] == json!(["award"])).unwrap();
    assert_eq!(award["relatedProcesses"][0]["identifier"], framework_ocid.as_str());
    assert_eq!(award["relatedProcesses"][0]["relationship"], json!(["framework"]));
    assert_eq!(award["tender"]["competitive"], false);
    // A varied call-off and a terminated one; invoices and a credit note as transactions.
    let amendment = all
        .iter()
        .find(|r| r["tag"] == json!(["contractAmendment"]))
        .expect("a varied call-off");
    let amended = &amendment["contracts"][0]["amendments"][0];
    assert!(amended["rationale"].as_str().unwrap().contains("Variation 1"));
    assert!(
        amended["description"].as_str().unwrap().contains("changed from"),
        "{amended}"
    );
    assert!(amended["amendsReleaseID"].is_string() && amended["releaseID"] == amendment["id"]);
    let terminated = all
        .iter()
        .find(|r| r["tag"] == json!(["contractTermination"]))
        .expect("a terminated call-off");
    assert_eq!(terminated["contracts"][0]["status"], "terminated");
    assert!(terminated["contracts"][0]["period"]["endDate"].is_string());
    let transactions: Vec<&Value> = all
        .iter()
        .filter(|r| r["tag"] == json!(["implementation"]))
        .map(|r| &r["contracts"][0]["implementation"]["transactions"][0])
        .collect();
    assert!(transactions
        .iter()
        .any(|t| t["value"]["amount"].as_f64().unwrap() > 0.0));
    assert!(
        transactions
            .iter()
            .any(|t| t["value"]["amount"].as_f64().unwrap() < 0.0),
        "a credit note is a negative transaction"
    );

    // Records: the framework, the varied call-off and the terminated one, compiled.
    let client = site.api();
    let dir = temp_dir();
    let mut files = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        files.push(write(&dir, &format!("releases-{i}.json"), page));
    }
    for ocid in [
        framework_ocid.as_str(),
        amendment["ocid"].as_str().unwrap(),
        terminated["ocid"].as_str().unwrap(),
    ] {
        let response = client
            .get(format!("{}/api/v1/ocds/records/{ocid}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{ocid}");
        let record: Value = response.json().await.unwrap();
        assert_eq!(record["records"][0]["ocid"], ocid);
        assert_eq!(record["records"][0]["compiledRelease"]["tag"], json!(["compiled"]));
        files.push(write(&dir, &format!("record-{}.json", files.len()), &record));
    }
    let compiled_terminated = client
        .get(format!(
            "{}/api/v1/ocds/records/{}",
            site.base,
            terminated["ocid"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let compiled = &compiled_terminated["records"][0]["compiledRelease"]["contracts"][0];
    assert_eq!(compiled["status"], "terminated");
    assert!(compiled["dateSigned"].is_string(), "{compiled}");

    let (code, report) = validate_ocds(&files, true);
    assert_eq!(code, 0, "validate-ocds --libcove refused what we publish:\n{report}");
    assert!(!report.contains("WARNING"), "{report}");

    // An extension used but not declared is caught.
    let mut undeclared = pages[0].clone();
    undeclared.as_object_mut().unwrap().remove("extensions");
    let file = write(&dir, "undeclared.json", &undeclared);
    let (_, report) = validate_ocds(&[file], false);
    assert!(
        report.contains("not in OCDS 1.1.5 or applied extensions") && report.contains("techniques"),
        "{report}"
    );

    // Unknown ocids and cursors are refused plainly.
    for path in [
        format!("/api/v1/ocds/records/ocds-other-{}", site.t.framework_id),
        format!("/api/v1/ocds/records/{TEST_OCID_PREFIX}-{}", uuid::Uuid::now_v7()),
        format!(
            "/api/v1/ocds/records/{TEST_OCID_PREFIX}-{}",
            drafts.first().cloned().unwrap_or_default()
        ),
    ] {
        let response = client.get(format!("{}{path}", site.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for (query, field) in [("cursor=zz", "cursor"), ("limit=0", "limit"), ("limit=101", "limit")] {
        let response = client
            .get(format!("{}/api/v1/ocds/releases?{query}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn ocds_withheld_fields_are_stated_not_published(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let path = format!("/frameworks/{}/ocds/confidentiality", t.framework_id);
    let reason = "Prices agreed below list under the 2025 tender; publishing them would harm the supplier";

    // Only the framework's manager decides, and a reason is needed.
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let (status, _, _) = buyer
        .post(
            &path,
            json!({ "field": "unit_prices", "withhold": true, "reason": "no" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let (status, problem, _) = manager
        .post(
            &path,
            json!({ "field": "unit_prices", "withhold": true, "reason": " " }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    let (status, problem, _) = manager
        .post(
            &path,
            json!({ "field": "colour", "withhold": true, "reason": reason }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "field", "{problem}");
    for field in ["unit_prices", "call_off_values"] {
        let (status, body, _) = manager
            .post(
                &path,
                json!({ "field": field, "withhold": true, "reason": reason }),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = manager.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["withheld"].as_array().unwrap().len(), 2, "{body}");

    // A call-off placed, accepted and invoiced.
    let camden = t.buyer().await;
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 3,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &camden, &command, None)
        .await
        .unwrap()
        .call_off;
    call_offs::act(&t.app, &t.supplier().await, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap();

    let pages = release_pages(&site).await;
    let all = releases(&pages);
    let ocid = format!("{TEST_OCID_PREFIX}-{}", placed.id);
    let mine: Vec<&&Value> = all.iter().filter(|r| r["ocid"] == ocid.as_str()).collect();
    assert_eq!(mine.len(), 2, "award and contract");
    let text = serde_json::to_string(&mine).unwrap();
    let unit_price = (placed.lines[0].unit_price.micros() as f64 / 1_000_000.0).to_string();
    for r in &mine {
        for award in r["awards"].as_array().into_iter().flatten() {
            assert!(award.get("value").is_none(), "{award}");
            for item in award["items"].as_array().unwrap() {
                assert!(item["unit"].get("value").is_none(), "{item}");
            }
            let statement = award["description"].as_str().unwrap();
            assert!(statement.contains("Withheld as commercially confidential") && statement.contains(reason));
        }
        for contract in r["contracts"].as_array().into_iter().flatten() {
            assert!(contract.get("value").is_none(), "{contract}");
            assert!(contract["description"].as_str().unwrap().contains(reason));
        }
    }
    assert!(!text.contains(&format!("\"amount\":{unit_price}")), "{text}");
    let dir = temp_dir();
    let file = write(&dir, "withheld.json", &pages[0]);
    let (code, report) = validate_ocds(&[file], true);
    assert_eq!(code, 0, "{report}");

    // Published again, the values are back.
    let (status, _, _) = manager
        .post(&path, json!({ "field": "call_off_values", "withhold": false }), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let pages = release_pages(&site).await;
    let award = releases(&pages)
        .into_iter()
        .find(|r| r["ocid"] == ocid.as_str() && r["tag"] == json!(["award"]))
        .unwrap()
        .clone();
    assert!(award["awards"][0]["value"]["amount"].is_number(), "{award}");
    assert!(award["awards"][0]["items"][0]["unit"].get("value").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
