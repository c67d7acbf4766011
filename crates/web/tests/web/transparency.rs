//! The Transparency Code registers (ADR 0018): `GET /api/v1/organisation/transparency/contracts`
//! and `…/spend` as CSV, and the page, from call-offs and invoices placed through the app.

use crate::api::Api;
use crate::browser::Site;
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::invoices::{self, InvoiceInput, InvoiceLineInput};
use calloff_app::quotes::LineInput;
use calloff_app::Clock;
use calloff_domain::call_off::CallOffState;
use calloff_domain::framework::FrameworkStatus;
use calloff_domain::invoice::InvoiceDecision;
use calloff_domain::money::Money;
use calloff_test_support::{on_both_databases, test_now, Backend, SmallFramework, TestApp};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;

on_both_databases!(the_registers_list_what_the_code_asks_by_quarter);

const BUYER: &str = "buyer@hackney.example";

/// The Code's column names, written out here so that a change to the register's shows.
const CONTRACT_HEADER: [&str; 14] = [
    "Reference Number",
    "Title of Agreement",
    "Local Authority Department Responsible",
    "Description of the Goods and/or Services Being Provided",
    "Supplier Name",
    "Sum to be Paid Over the Length of the Contract",
    "Value Added Tax that Cannot be Recovered",
    "Start Date",
    "End Date",
    "Review Date",
    "Result of an Invitation to Quote or a Published Invitation to Tender",
    "Small or Medium Sized Enterprise",
    "Voluntary or Community Sector Organisation",
    "Supplier Registration Number",
];
const SPEND_HEADER: [&str; 10] = [
    "Body Name",
    "Date the Expenditure was Incurred",
    "Transaction Number",
    "Local Authority Department",
    "Beneficiary",
    "Summary of the Purpose of the Expenditure",
    "Amount",
    "Value Added Tax that Cannot be Recovered",
    "Expense Type",
    "Merchant Category",
];

/// RFC 4180 records: quoted fields may hold commas, quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

async fn csv(api: &Api, site: &Site, path: &str) -> (StatusCode, Vec<Vec<String>>) {
    let response = site
        .api()
        .get(format!("{}/api/v1{path}", site.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"transparency-"));
    }
    (status, parse_csv(&response.text().await.unwrap()))
}

/// Moves the test clock to `at`.
fn set_clock(t: &TestApp, at: chrono::DateTime<Utc>) {
    t.clock.advance(at - t.clock.now());
}

/// A call-off of `pounds` units at £1 for one month: worth exactly `pounds`.
async fn place(t: &TestApp, small: &SmallFramework, pounds: i64) -> (String, String) {
    let buyer = t.actor(BUYER).await;
    let command = PlaceCallOff {
        framework_id: small.id.clone(),
        lines: vec![LineInput {
            sku: small.sku.clone(),
            quantity: pounds,
            term_months: 1,
            monthly_usage: None,
        }],
        cost_centre: "ICT-77".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &buyer, &command, None).await.unwrap().call_off;
    assert_eq!(placed.state, CallOffState::Placed, "placed without approvals");
    assert_eq!(placed.totals.contract_value, Money::from_pence(pounds * 100));
    (placed.id.to_string(), placed.reference)
}

/// Puts a call-off live and invoices its whole first month; the buyer approves it.
async fn invoiced(t: &TestApp, id: &str, pounds: i64, number: &str, kind: Option<&str>, credits: Option<&str>) {
    let supplier = t.supplier().await;
    let buyer = t.actor(BUYER).await;
    let id = calloff_domain::ids::CallOffId::from_stored(id);
    if kind.is_none() {
        call_offs::act(&t.app, &supplier, &id, &CallOffAction::Accept)
            .await
            .unwrap();
        call_offs::act(&t.app, &supplier, &id, &CallOffAction::GoLive)
            .await
            .unwrap();
    }
    let input = InvoiceInput {
        kind: kind.map(str::to_string),
        number: number.into(),
        issue_date: Some("2026-11-26".into()),
        credits: credits.map(str::to_string),
        lines: vec![InvoiceLineInput {
            call_off_line: 1,
            quantity: pounds,
            period_start: Some("2026-11-26".into()),
            period_end: Some("2026-12-25".into()),
        }],
    };
    let invoice = invoices::submit(&t.app, &supplier, &id, &input).await.unwrap();
    assert_eq!(invoice.totals.net, Money::from_pence(pounds * 100));
    invoices::decide(&t.app, &buyer, &invoice.id, InvoiceDecision::Approve, None)
        .await
        .unwrap();
}

fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let at = rows[0].iter().position(|c| c == name).unwrap();
    rows[1..].iter().map(|r| r[at].as_str()).collect()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> Option<&'a Vec<String>> {
    rows[1..].iter().find(|r| r[0] == first || r[2] == first)
}

async fn the_registers_list_what_the_code_asks_by_quarter(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let small = t
        .add_framework("TC-1", Money::from_pence(100_000_000), None, FrameworkStatus::Live)
        .await;

    // Placed in the summer quarter: over, at and under £5,000.
    set_clock(t, Utc.with_ymd_and_hms(2026, 8, 14, 10, 0, 0).unwrap());
    let (over_id, over) = place(t, &small, 5_001).await;
    let (_, at) = place(t, &small, 5_000).await;
    let (_, under) = place(t, &small, 4_999).await;
    // 23:30 on 30 September in London (BST), still the summer quarter; 00:30 on 1 October is not.
    set_clock(t, Utc.with_ymd_and_hms(2026, 9, 30, 22, 30, 0).unwrap());
    let (_, late_september) = place(t, &small, 7_000).await;
    set_clock(t, Utc.with_ymd_and_hms(2026, 9, 30, 23, 30, 0).unwrap());
    let (_, early_october) = place(t, &small, 6_000).await;
    set_clock(t, test_now());

    // Spending: invoices over, at and under £500, and a credit note of the one over.
    let (over_500, _) = place(t, &small, 501).await;
    let (at_500, _) = place(t, &small, 500).await;
    let (under_500, _) = place(t, &small, 499).await;
    invoiced(t, &over_500, 501, "TC-INV-501", None, None).await;
    invoiced(t, &at_500, 500, "TC-INV-500", None, None).await;
    invoiced(t, &under_500, 499, "TC-INV-499", None, None).await;
    invoiced(t, &over_500, 501, "TC-CN-501", Some("credit_note"), Some("TC-INV-501")).await;

    let buyer = Api::sign_in(&site, BUYER).await;
    let (status, q3) = csv(&buyer, &site, "/organisation/transparency/contracts?quarter=2026-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(q3[0], CONTRACT_HEADER);
    let listed = column(&q3, "Reference Number");
    assert!(
        listed.contains(&over.as_str()) && listed.contains(&late_september.as_str()),
        "{q3:?}"
    );
    for absent in [&at, &under, &early_october] {
        assert!(!listed.contains(&absent.as_str()), "{absent} in {q3:?}");
    }
    let a = row(&q3, &over).unwrap();
    let field = |name: &str| a[CONTRACT_HEADER.iter().position(|c| *c == name).unwrap()].as_str();
    assert_eq!(field("Sum to be Paid Over the Length of the Contract"), "5001.00");
    assert_eq!(field("Title of Agreement"), "Network and telephony for the town hall");
    assert_eq!(field("Local Authority Department Responsible"), "ICT-77");
    assert_eq!(
        field("Description of the Goods and/or Services Being Provided"),
        "Test unit"
    );
    assert_eq!(field("Supplier Registration Number"), "ZZ000001");
    assert_eq!(field("Start Date"), "2026-08-28");
    assert_eq!(
        (
            field("Small or Medium Sized Enterprise"),
            field("Voluntary or Community Sector Organisation"),
            field("Value Added Tax that Cannot be Recovered")
        ),
        ("", "", "")
    );
    assert!(
        field("Result of an Invitation to Quote or a Published Invitation to Tender").starts_with("No: a direct award")
            && field("Result of an Invitation to Quote or a Published Invitation to Tender").contains("TC-1"),
        "{a:?}"
    );
    // Once the supplier declares its status, the register says it; a bad answer is refused
    // naming it, and only a supplier's people declare.
    let supplier_api = Api::sign_in(&site, "supplier@londonict.example").await;
    let (status, problem, _) = supplier_api
        .post(
            "/organisation/supplier-status",
            serde_json::json!({ "sme": "maybe" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "sme", "{problem}");
    assert_eq!(problem["errors"][1]["field"], "vcse", "{problem}");
    let (status, _, _) = buyer
        .post(
            "/organisation/supplier-status",
            serde_json::json!({ "sme": true, "vcse": false }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, declared, _) = supplier_api
        .post(
            "/organisation/supplier-status",
            serde_json::json!({ "sme": true, "vcse": false }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{declared}");
    assert_eq!(
        (declared["declared"].clone(), declared["sme"].clone()),
        (serde_json::json!(true), serde_json::json!(true))
    );
    let (_, q3) = csv(&buyer, &site, "/organisation/transparency/contracts?quarter=2026-Q3").await;
    let a = row(&q3, &over).unwrap();
    let field = |name: &str| a[CONTRACT_HEADER.iter().position(|c| *c == name).unwrap()].as_str();
    assert_eq!(
        (
            field("Small or Medium Sized Enterprise"),
            field("Voluntary or Community Sector Organisation")
        ),
        ("Yes", "No")
    );

    // The next quarter: still running, and the one placed in its first half hour.
    let (_, q4) = csv(&buyer, &site, "/organisation/transparency/contracts?quarter=2026-Q4").await;
    let listed = column(&q4, "Reference Number");
    for present in [&over, &late_september, &early_october] {
        assert!(listed.contains(&present.as_str()), "{present} not in {q4:?}");
    }
    // Before any was placed.
    let (_, q2) = csv(&buyer, &site, "/organisation/transparency/contracts?quarter=2026-Q2").await;
    assert!(!column(&q2, "Reference Number").contains(&over.as_str()));

    // Spending over £500 in the quarter the invoices were issued, credit notes negative.
    let (status, spend) = csv(&buyer, &site, "/organisation/transparency/spend?quarter=2026-Q4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spend[0], SPEND_HEADER);
    let numbers = column(&spend, "Transaction Number");
    assert!(
        numbers.contains(&"TC-INV-501") && numbers.contains(&"TC-CN-501"),
        "{spend:?}"
    );
    assert!(
        !numbers.contains(&"TC-INV-500") && !numbers.contains(&"TC-INV-499"),
        "{spend:?}"
    );
    let amount = |number: &str| {
        let r = row(&spend, number).unwrap();
        r[SPEND_HEADER.iter().position(|c| *c == "Amount").unwrap()].clone()
    };
    assert_eq!(amount("TC-INV-501"), "501.00");
    assert_eq!(amount("TC-CN-501"), "-501.00");
    let invoice = row(&spend, "TC-INV-501").unwrap();
    assert_eq!(invoice[0], "London Borough of Hackney");
    assert_eq!(invoice[1], "2026-11-26");
    let (_, q3_spend) = csv(&buyer, &site, "/organisation/transparency/spend?quarter=2026-Q3").await;
    assert!(!column(&q3_spend, "Transaction Number").contains(&"TC-INV-501"));
    let _ = over_id;

    // A bad quarter is refused, naming it; other organisations see none of this.
    let (status, problem) = buyer.get("/organisation/transparency/contracts?quarter=2026-Q5").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "quarter");
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    let (_, theirs) = csv(&camden, &site, "/organisation/transparency/contracts?quarter=2026-Q3").await;
    assert!(!column(&theirs, "Reference Number").contains(&over.as_str()));
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let (status, _) = supplier.get("/organisation/transparency/spend?quarter=2026-Q4").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The page: the quarter's tables and the downloads; a bad quarter is a 422 naming it.
    let browser = site.signed_in(BUYER).await;
    let page = browser.get("/organisation/transparency?quarter=2026-Q3").await;
    assert_eq!(page.status, 200);
    page.assert_contains(&over)
        .assert_contains("July to September 2026")
        .assert_contains("/organisation/transparency/contracts.csv?quarter=2026-Q3")
        .assert_contains("/organisation/transparency/spend.csv?quarter=2026-Q3");
    assert!(!page.body.contains(&early_october));
    // The download links work with the page's session, and give what the API gives.
    let download = browser
        .get("/organisation/transparency/contracts.csv?quarter=2026-Q3")
        .await;
    assert_eq!(download.status, 200, "{}", download.body);
    assert!(download.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(download.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(parse_csv(&download.body), q3);
    let spend_download = browser
        .get("/organisation/transparency/spend.csv?quarter=2026-Q4")
        .await;
    assert_eq!(parse_csv(&spend_download.body), spend);
    let bad_download = browser
        .get("/organisation/transparency/spend.csv?quarter=2026-Q9")
        .await;
    assert_eq!(bad_download.status, 422);
    let supplier_browser = site.signed_in("supplier@londonict.example").await;
    assert_eq!(
        supplier_browser
            .get("/organisation/transparency/spend.csv?quarter=2026-Q4")
            .await
            .status,
        403
    );
    let bad = browser.get("/organisation/transparency?quarter=summer").await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#quarter\"");
}
