//! Open data over HTTP, signed out: the release package of the whole demo (every placed call-off,
//! a varied one and a terminated one) and record packages, each checked by
//! `validate-ocds --libcove`; an undeclared extension caught; withheld fields absent and stated;
//! each Procurement Act notice's data in the UK profile's shape.

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
    ocds_withheld_fields_are_stated_not_published,
    ocds_each_notice_is_ready_to_submit_in_the_uk_profile
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
    // Every bad field at once.
    let (status, problem, _) = manager
        .post(
            &path,
            json!({ "field": "colour", "withhold": true, "reason": "" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["field", "reason"], "{problem}");
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

/// The UK extension's fields: the only ones a notice may add to OCDS and our two extensions.
const UK_FIELDS: [&str; 4] = ["noticeType", "amountGross", "aboveThreshold", "value"];

/// Validates one notice package with `validate-ocds --libcove`: valid, and any field outside
/// OCDS and the applied extensions is one of the UK extension's (which is not held locally).
fn assert_valid_notice(dir: &std::path::Path, name: &str, package: &Value) {
    let file = write(dir, name, package);
    let (code, report) = validate_ocds(&[file], true);
    assert_eq!(code, 0, "{report}");
    for line in report.lines().filter(|l| l.contains("WARNING")) {
        if line.contains("extension not available locally") {
            assert!(line.contains("ocds_uk_extension"), "{report}");
            continue;
        }
        let (_, fields) = line
            .split_once("not in OCDS 1.1.5 or applied extensions: ")
            .unwrap_or_else(|| panic!("unexpected warning: {report}"));
        assert!(!fields.contains("more)"), "{report}");
        for field in fields.split(", ") {
            let name = field.trim().rsplit('/').next().unwrap();
            assert!(UK_FIELDS.contains(&name), "{field} is not the UK extension's: {report}");
        }
    }
}

/// The notice's one release, and the object its document sits on.
fn notice_release(package: &Value) -> &Value {
    let releases = package["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 1, "{package}");
    &releases[0]
}

async fn ocds_each_notice_is_ready_to_submit_in_the_uk_profile(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@hackney.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let dir = temp_dir();
    // 1,400 SIMs × £5.50 × 24 months = £184,800, £221,760 with VAT: above £207,720 for a borough.
    let body = json!({ "framework_id": site.t.framework_id, "cost_centre": "IT-1", "order": crate::browser::order_json(),
        "lines": [{ "sku": "L4-SIM-5GB", "quantity": 1_400, "term_months": 24 }] });
    let (status, call_off, _) = api.post("/call-offs", body, Some("uk-notices")).await;
    assert_eq!(status, 201, "{call_off}");
    let id = call_off["id"].as_str().unwrap().to_string();
    let reference = call_off["reference"].as_str().unwrap().to_string();
    let notice = |code: &str| format!("/call-offs/{id}/notices/{code}/ocds");
    let ocid = format!("{TEST_OCID_PREFIX}-{id}");

    // UK6 before the contract: the award, pending, with its value with VAT and above the threshold.
    let (status, uk6) = api.get(&notice("UK6")).await;
    assert_eq!(status, 200, "{uk6}");
    assert!(uk6["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.as_str().unwrap().contains("ocds_uk_extension")));
    let r = notice_release(&uk6);
    assert_eq!(r["ocid"], ocid.as_str());
    assert_eq!(r["id"], format!("{ocid}-notice-UK6").as_str());
    assert_eq!(r["tag"], json!(["award"]));
    let award = &r["awards"][0];
    assert_eq!(award["status"], "pending");
    assert_eq!(award["value"]["amount"], 184_800.0);
    assert_eq!(award["value"]["amountGross"], 221_760.0);
    assert_eq!(award["aboveThreshold"], true);
    assert_eq!(award["documents"][0]["noticeType"], "UK6");
    assert_eq!(award["documents"][0]["documentType"], "awardNotice");
    assert_eq!(r["relatedProcesses"][0]["relationship"], json!(["framework"]));
    assert_valid_notice(&dir, "uk6.json", &uk6);

    // Not yet due: named, as is a notice that does not exist.
    let (status, problem) = api.get(&notice("UK7")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "notice");
    assert!(
        problem["errors"][0]["message"].as_str().unwrap().contains("UK6"),
        "{problem}"
    );
    let (status, problem) = api.get(&notice("UK99")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // UK7 once the supplier accepts: the contract, signed.
    let (status, _, _) = supplier.post(&format!("/call-offs/{id}/accept"), json!({}), None).await;
    assert_eq!(status, 200);
    let (status, uk7) = api.get(&notice("UK7")).await;
    assert_eq!(status, 200, "{uk7}");
    let r = notice_release(&uk7);
    assert_eq!(r["tag"], json!(["contract"]));
    let contract = &r["contracts"][0];
    assert_eq!(contract["status"], "active");
    assert!(contract["dateSigned"].is_string(), "{contract}");
    assert_eq!(contract["value"]["amountGross"], 221_760.0);
    assert_eq!(contract["documents"][0]["noticeType"], "UK7");
    assert_eq!(contract["documents"][0]["documentType"], "contractNotice");
    assert!(contract["documents"][0].get("datePublished").is_none());
    assert_eq!(r["awards"][0]["status"], "active");
    assert_valid_notice(&dir, "uk7.json", &uk7);

    // Recorded as published: the notice's day and its page on Find a Tender.
    let (status, _, _) = api
        .post(
            &format!("/call-offs/{id}/notices"),
            json!({ "notice": "UK7", "reference": "012345-2026", "published_on": "2026-11-26" }),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, uk7) = api.get(&notice("UK7")).await;
    let document = &notice_release(&uk7)["contracts"][0]["documents"][0];
    assert_eq!(document["datePublished"], "2026-11-26T00:00:00Z");
    assert_eq!(
        document["url"],
        "https://www.find-tender.service.gov.uk/Notice/012345-2026"
    );

    // UK10 for the variation: the amended value with VAT, on the amendment.
    supplier
        .post(&format!("/call-offs/{id}/go-live"), json!({}), None)
        .await;
    // A reason too long is named with a bad line, and nothing changes.
    let bad = json!({ "lines": [{ "sku": "NO-SUCH", "quantity": 1, "term_months": 24 }], "reason": "x".repeat(1_001) });
    let (status, problem, _) = api
        .post(&format!("/call-offs/{id}/variations"), bad, Some("uk10-bad"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"reason") && fields.len() == 2, "{problem}");
    let why = "Fifty more staff moved to mobile working";
    let vary = json!({ "lines": [{ "sku": "L4-SIM-5GB", "quantity": 1_450, "term_months": 24 }], "reason": why });
    let (status, varied, _) = api
        .post(&format!("/call-offs/{id}/variations"), vary, Some("uk10"))
        .await;
    assert!(status == 201 || status == 202, "{varied}");
    let (status, problem) = api.get(&notice("UK10")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "variation", "{problem}");
    let (status, problem) = api.get(&format!("{}?variation=two", notice("UK10"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "variation", "{problem}");
    let (status, uk10) = api.get(&format!("{}?variation=1", notice("UK10"))).await;
    assert_eq!(status, 200, "{uk10}");
    let r = notice_release(&uk10);
    assert_eq!(r["id"], format!("{ocid}-notice-UK10-1").as_str());
    assert_eq!(r["tag"], json!(["contractAmendment"]));
    let contract = &r["contracts"][0];
    // 1,450 × £5.50 × 24 = £191,400, £229,680 with VAT.
    assert_eq!(contract["value"]["amount"], 191_400.0);
    assert_eq!(contract["amendments"][0]["value"]["amountGross"], 229_680.0);
    assert_eq!(contract["amendments"][0]["aboveThreshold"], true);
    assert!(
        contract["amendments"][0]["rationale"].as_str().unwrap().ends_with(why),
        "{contract}"
    );
    let (_, view) = api.get(&format!("/call-offs/{id}")).await;
    assert_eq!(view["variations"][0]["reason"], why);
    assert_eq!(contract["documents"][0]["noticeType"], "UK10");
    assert_eq!(
        r["awards"][0]["value"]["amount"], 184_800.0,
        "the award keeps its value"
    );
    // ...and its items as placed, while the amended contract lists the varied lines.
    assert_eq!(r["awards"][0]["items"][0]["quantity"], 1_400, "{r}");
    assert_eq!(contract["items"][0]["quantity"], 1_450, "{contract}");
    let (_, uk7_after) = api.get(&notice("UK7")).await;
    assert_eq!(
        notice_release(&uk7_after)["contracts"][0]["items"][0]["quantity"],
        1_400,
        "the contract details notice gives the contract as entered into"
    );
    assert_valid_notice(&dir, "uk10.json", &uk10);

    // UK11 once an early end is decided, before the day it takes effect.
    let (status, ended, _) = api
        .post(
            &format!("/call-offs/{id}/terminate"),
            json!({ "reason": "Service moved to a shared contract", "ends_on": "2027-01-31" }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{ended}");
    let (status, uk11) = api.get(&notice("UK11")).await;
    assert_eq!(status, 200, "{uk11}");
    let r = notice_release(&uk11);
    assert_eq!(r["tag"], json!(["contractTermination"]));
    let contract = &r["contracts"][0];
    assert_eq!(contract["status"], "terminated");
    assert_eq!(contract["period"]["endDate"], "2027-01-31T23:59:59Z");
    assert_eq!(contract["documents"][0]["noticeType"], "UK11");
    assert!(
        contract["description"].as_str().unwrap().contains("shared contract"),
        "{contract}"
    );
    assert!(contract["value"]["amount"].as_f64().unwrap() < 191_400.0, "{contract}");
    assert_valid_notice(&dir, "uk11.json", &uk11);

    // Only those who may see the call-off; the page downloads the same data with its session.
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    assert_eq!(camden.get(&notice("UK7")).await.0, StatusCode::NOT_FOUND);
    let signed_out = site
        .api()
        .get(format!("{}/api/v1{}", site.base, notice("UK7")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
    let buyer = site.signed_in("buyer@hackney.example").await;
    let page = buyer.get(&format!("/call-offs/{id}")).await;
    page.assert_contains(&format!("/call-offs/{id}/notices/UK10/ocds?variation=1"))
        .assert_contains("Notice data (OCDS JSON)");
    let download = buyer.get(&format!("/call-offs/{id}/notices/UK7/ocds")).await;
    assert_eq!(download.status, 200, "{}", download.body);
    let disposition = download.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("{reference}-UK7.json")), "{disposition}");
    // The same data as the API gives now (the contract's start is the day it went live since).
    let downloaded: Value = serde_json::from_str(&download.body).unwrap();
    let (_, uk7_now) = api.get(&notice("UK7")).await;
    assert_eq!(notice_release(&downloaded), notice_release(&uk7_now));
    let bad = buyer.get(&format!("/call-offs/{id}/notices/UK9/ocds")).await;
    assert_eq!(bad.status, 422);

    // What the framework withholds stays withheld, and is stated.
    let manager = Api::sign_in(&site, "manager@rbkc.example").await;
    let reason = "Prices agreed below list; publishing them would harm the supplier";
    let (status, _, _) = manager
        .post(
            &format!("/frameworks/{}/ocds/confidentiality", site.t.framework_id),
            json!({ "field": "call_off_values", "withhold": true, "reason": reason }),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, withheld) = api.get(&notice("UK7")).await;
    let r = notice_release(&withheld);
    assert!(r["contracts"][0].get("value").is_none(), "{r}");
    assert!(r["awards"][0].get("value").is_none(), "{r}");
    assert!(r["contracts"][0]["description"].as_str().unwrap().contains(reason));
    assert!(!serde_json::to_string(r).unwrap().contains("amountGross"), "{r}");
    assert_valid_notice(&dir, "withheld.json", &withheld);
    let _ = std::fs::remove_dir_all(&dir);
}
