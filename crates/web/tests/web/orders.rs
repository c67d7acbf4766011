//! Orders people can trust (issue 11): what a call-off records, review pages that keep their
//! notices and buttons when shown again, variations checked before they are made, termination
//! apart from routine actions, the filtered list and its CSV, and the printable order form.

use crate::api::Api;
use crate::browser::{order_json, Browser, Page, Site};
use crate::pages::first_link;
use calloff_app::approvals;
use calloff_domain::approval::{ApprovalRules, Threshold};
use calloff_domain::money::Money;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    a_call_off_records_what_the_order_needs,
    the_review_page_keeps_its_approval_notice_and_button,
    forms_shown_again_keep_their_notices_and_buttons,
    a_variation_is_found_by_search_and_checked_before_it_is_made,
    termination_is_worded_as_such_and_sits_apart,
    the_call_off_list_filters_searches_and_exports,
    each_call_off_lists_the_notices_it_needs,
);

/// The notices a call-off needs follow from its value, its buyer's kind of body, the threshold in
/// force on the day it was awarded, and what happened to it.
async fn each_call_off_lists_the_notices_it_needs(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@hackney.example").await;
    let supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    let place = |quantity: i64, key: &'static str| {
        let body = json!({ "framework_id": site.t.framework_id, "cost_centre": "IT-1", "order": order_json(),
            "lines": [{ "sku": "L4-SIM-5GB", "quantity": quantity, "term_months": 24 }] });
        let api = &api;
        async move {
            let (status, call_off, _) = api.post("/call-offs", body, Some(key)).await;
            assert_eq!(status, 201, "{call_off}");
            call_off["id"].as_str().unwrap().to_string()
        }
    };
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap().to_string())
            .collect()
    };
    // 100 SIMs × £5.50 × 24 = £13,200, £15,840 with VAT: far below £207,720 for a borough.
    let small = place(100, "small").await;
    let (status, notices) = api.get(&format!("/call-offs/{small}/notices")).await;
    assert_eq!(status, 200, "{notices}");
    assert_eq!(notices["awarded_on"], "2026-11-26");
    assert_eq!(notices["value_inc_vat"]["pence"], 1_584_000);
    assert_eq!(notices["threshold"]["value_inc_vat"]["pence"], 20_772_000);
    assert_eq!(notices["threshold"]["from"], "2026-01-01");
    assert!(notices["threshold"]["source"]
        .as_str()
        .unwrap()
        .contains("SI 2025/1200"));
    assert!(
        codes(&notices).is_empty(),
        "nothing before the supplier accepts: {notices}"
    );
    let (status, _, _) = supplier
        .post(&format!("/call-offs/{small}/accept"), json!({}), None)
        .await;
    assert_eq!(status, 200);
    let (_, notices) = api.get(&format!("/call-offs/{small}/notices")).await;
    assert_eq!(codes(&notices), ["UK7"]);
    assert_eq!(notices["notices"][0]["due_on"], "2026-12-26");
    assert_eq!(notices["notices"][0]["overdue"], false);
    // 1,400 SIMs: £184,800, £221,760 with VAT: at or above the threshold, so UK6 is due first.
    let large = place(1_400, "large").await;
    let (_, notices) = api.get(&format!("/call-offs/{large}/notices")).await;
    assert_eq!(codes(&notices), ["UK6"]);
    assert_eq!(notices["notices"][0]["due_on"], "2026-11-26");
    // A variation adds UK10 (judged still on the value as awarded); an early end adds UK11.
    supplier
        .post(&format!("/call-offs/{large}/accept"), json!({}), None)
        .await;
    let vary = json!({ "lines": [{ "sku": "L4-SIM-5GB", "quantity": 1_450, "term_months": 24 }] });
    let (status, varied, _) = api
        .post(&format!("/call-offs/{large}/variations"), vary, Some("vary"))
        .await;
    assert!(status == 201 || status == 202, "{varied}");
    let (_, notices) = api.get(&format!("/call-offs/{large}/notices")).await;
    assert_eq!(codes(&notices), ["UK6", "UK10", "UK7"], "{notices}");
    assert_eq!(notices["value_inc_vat"]["pence"], 22_176_000);
    // The page shows them, with the threshold and its law.
    let buyer = site.signed_in("buyer@hackney.example").await;
    let page = buyer.get(&format!("/call-offs/{large}")).await;
    page.assert_contains("Notices to publish")
        .assert_contains("Contract award notice (UK6)")
        .assert_contains("Contract change notice (UK10), variation 1")
        .assert_contains("So a contract award notice is needed");
    // Another buyer organisation cannot read them, nor record them.
    let camden = Api::sign_in(&site, "buyer@camden.example").await;
    assert_eq!(
        camden.get(&format!("/call-offs/{large}/notices")).await.0,
        StatusCode::NOT_FOUND
    );

    // The home page counts what is outstanding, and the list names each.
    let home = buyer.get("/").await;
    home.assert_contains("Notices to publish");
    let list = buyer.get("/notices").await;
    list.assert_contains("4 notices to publish")
        .assert_contains("Contract award notice (UK6)");
    // Recording: every bad field at once, nothing kept; then once only.
    let record = format!("/call-offs/{large}/notices");
    let (status, bad, _) = api
        .post(
            &record,
            json!({ "notice": "UK9", "reference": " ", "published_on": "2030-01-01" }),
            None,
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["notice", "reference", "published_on"]);
    let (status, _, _) = supplier
        .post(&record, json!({ "notice": "UK6", "reference": "x" }), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let good = json!({ "notice": "UK6", "reference": "2026/S 000-012345", "published_on": "2026-11-26" });
    let (status, recorded, _) = api.post(&record, good.clone(), None).await;
    assert_eq!(status, 200, "{recorded}");
    assert_eq!(recorded["notices"][0]["published"]["reference"], "2026/S 000-012345");
    assert_eq!(api.post(&record, good, None).await.0, StatusCode::CONFLICT);
    // The page records the change notice for variation 1, with the day left for today.
    let form = buyer
        .get(&format!("/call-offs/{large}/notices/record?notice=UK10&variation=1"))
        .await;
    assert_eq!(form.status, 200);
    let empty = buyer
        .post(&record, &[("notice", "UK10"), ("variation", "1"), ("reference", "")])
        .await;
    assert_eq!(empty.status, 422);
    empty.assert_contains("href=\"#reference\"");
    let done = buyer
        .post(
            &record,
            &[
                ("notice", "UK10"),
                ("variation", "1"),
                ("reference", "2026/S 000-012399"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    buyer
        .get(done.location.as_deref().unwrap())
        .await
        .assert_contains("Notice recorded as published")
        .assert_contains("2026/S 000-012399");
    buyer.get("/notices").await.assert_contains("2 notices to publish");
    site.t.assert_audit_intact().await;
}

/// A review page for `quantity` 5 GB SIMs for 24 months (£5.50 a month each).
async fn review_for(buyer: &Browser, site: &Site, quantity: &str) -> Page {
    let lot = buyer
        .get(&format!("/frameworks/{}/catalogue?q=L4-SIM-5GB", site.t.framework_id))
        .await;
    let item = buyer.get(&first_link(&lot.body, "/items/")).await;
    buyer
        .post("/quote/lines", &[("item_id", &item.input_value("item_id").unwrap())])
        .await;
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", quantity),
                ("lines[0].term_months", "24"),
                ("action", "review"),
            ],
        )
        .await;
    buyer.get("/quote/place").await
}

/// Places `quantity` SIMs through the pages; returns the call-off's path.
async fn placed(buyer: &Browser, site: &Site, quantity: &str) -> String {
    let review = review_for(buyer, site, quantity).await;
    let placed = buyer.submit_review(&review).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    placed.location.unwrap().split('?').next().unwrap().to_string()
}

/// Camden's rules: one approver from £10,000.
async fn camden_needs_an_approver_from_10k(site: &Site) {
    let admin = site.t.actor("admin@camden.example").await;
    let threshold = |pounds: i64, approvers: u32| Threshold {
        from_value: Money::from_pounds(pounds),
        approvers,
    };
    let rules = ApprovalRules::new(vec![threshold(0, 0), threshold(10_000, 1)], 30).unwrap();
    approvals::set_rules(&site.t.app, &admin, &rules).await.unwrap();
}

async fn a_call_off_records_what_the_order_needs(backend: Backend) {
    let site = Site::start(backend).await; // 26 November 2026
    let buyer = site.signed_in("buyer@camden.example").await;
    let review = review_for(&buyer, &site, "10").await;
    // The form starts with the buyer as the contact.
    review
        .assert_contains("Order details")
        .assert_contains("value=\"buyer@camden.example\"");
    // Every bad field at once, each named and linked, in whole sentences.
    let bad = buyer
        .submit_review_fields(
            &review,
            &[
                ("order.title", ""),
                ("order.delivery_address", " "),
                ("order.starts_on-day", "31"),
                ("order.starts_on-month", "2"),
                ("order.starts_on-year", "2027"),
                ("order.contact.email", "sam at camden"),
                ("order.contact.phone", "call me"),
                ("cost_centre", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    for (anchor, message) in [
        ("#order-title", "Enter a title for the call-off"),
        ("#order-delivery_address", "Enter the delivery address"),
        ("#order-starts_on", "Enter the start date as a real date"),
        ("#order-contact-email", "Enter an email address in the correct format"),
        ("#order-contact-phone", "Enter a telephone number, like"),
        ("#cost_centre", "Enter a cost centre"),
    ] {
        bad.assert_contains(&format!("href=\"{anchor}\""))
            .assert_contains(message);
    }
    // What was typed stays, and nothing was placed.
    bad.assert_contains("value=\"sam at camden\"");
    assert!(buyer
        .get("/call-offs")
        .await
        .body
        .contains("There are no call-offs yet"));
    let past = buyer
        .submit_review_fields(
            &review,
            &[
                ("order.starts_on-day", "25"),
                ("order.starts_on-month", "11"),
                ("order.starts_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    past.assert_contains("The start date must be today or in the future");

    let placed = buyer.submit_review(&review).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let path = placed.location.unwrap().split('?').next().unwrap().to_string();
    buyer
        .get(&path)
        .await
        .assert_contains("Network and telephony for the town hall")
        .assert_contains("4 January 2027")
        .assert_contains("Town Hall, Judd Street<br>London WC1H 9JE")
        .assert_contains("PO-2026-0417")
        .assert_contains("sam.patel@camden.example")
        .assert_contains("020 7974 4444")
        .assert_contains("Named when the supplier accepts the call-off");
    let supplier = site.signed_in("supplier@londonict.example").await;
    assert_eq!(supplier.post(&format!("{path}/accept"), &[]).await.status, 303);
    // The order form: both parties' contacts, the terms and the signature blocks.
    let form = buyer.get(&format!("{path}/order-form")).await;
    assert_eq!(form.status, 200);
    form.assert_contains("Parties and contacts")
        .assert_contains("supplier@londonict.example")
        .assert_contains("sam.patel@camden.example")
        .assert_contains("Terms that apply")
        .assert_contains("call-off terms and conditions")
        .assert_contains("LON-ICT-2025")
        .assert_contains("id=\"signatures\"")
        .assert_contains("For the supplier")
        .assert_contains("For the customer");

    // The API asks for the same, naming each missing field under `order`.
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let body = json!({ "framework_id": site.t.framework_id, "cost_centre": "IT-4021",
        "lines": [{ "sku": "L4-SIM-5GB", "quantity": 1, "term_months": 24 }] });
    let (status, problem, _) = api.post("/call-offs", body.clone(), Some("no-order")).await;
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
            "order.title",
            "order.delivery_address",
            "order.starts_on",
            "order.contact.name",
            "order.contact.email",
            "order.contact.phone"
        ],
        "{problem}"
    );
    assert_eq!(problem["errors"][5]["pointer"], "/order/contact/phone", "{problem}");
    let mut complete = body;
    complete["order"] = order_json();
    let (status, call_off, _) = api.post("/call-offs", complete, Some("with-order")).await;
    assert_eq!(status, 201, "{call_off}");
    assert_eq!(call_off["order"]["title"], "Network and telephony for the town hall");
    assert_eq!(call_off["order"]["starts_on"], "2027-01-04");
    assert_eq!(call_off["order"]["contact"]["phone"], "020 7974 4444");
    assert_eq!(call_off["supplier_contact"], serde_json::Value::Null);
    let (_, accepted) = Api::sign_in(&site, "supplier@londonict.example").await.get(&path).await;
    assert_eq!(
        accepted["supplier_contact"]["email"], "supplier@londonict.example",
        "{accepted}"
    );
}

async fn the_review_page_keeps_its_approval_notice_and_button(backend: Backend) {
    let site = Site::start(backend).await;
    camden_needs_an_approver_from_10k(&site).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    // 340 SIMs × £5.50 × 24 months = £44,880: over £10,000, so it needs an approver.
    let review = review_for(&buyer, &site, "340").await;
    review
        .assert_contains("£44,880.00")
        .assert_contains("needs 1 approver")
        .assert_contains("Submit for approval");
    let refused = buyer.submit_review_with(&review, "").await;
    assert_eq!(refused.status, 422);
    refused
        .assert_contains("Enter a cost centre")
        .assert_contains("needs 1 approver")
        .assert_contains("Submit for approval")
        .assert_contains("Route to market: direct award");
    assert!(
        !refused.body.contains("sends it to the supplier") && !refused.body.contains(">Place call-off<"),
        "{}",
        refused.body
    );
    // Under the threshold the same page offers to place it, shown again or not.
    let small = review_for(&buyer, &site, "10").await;
    let refused = buyer.submit_review_with(&small, "").await;
    refused
        .assert_contains("sends it to the supplier")
        .assert_contains("Place call-off");
}

async fn forms_shown_again_keep_their_notices_and_buttons(backend: Backend) {
    let site = Site::start(backend).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let call_off = placed(&buyer, &site, "10").await;
    assert_eq!(supplier.post(&format!("{call_off}/accept"), &[]).await.status, 303);

    // A milestone without a name: the call-off page again, with all its buttons.
    let first = supplier.get(&call_off).await;
    first
        .assert_contains("Mark as live")
        .assert_contains("Invoice this call-off");
    let milestone = supplier
        .post(
            &format!("{call_off}/milestones"),
            &[
                ("name", ""),
                ("done_on-day", "26"),
                ("done_on-month", "11"),
                ("done_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(milestone.status, 422);
    milestone
        .assert_contains("Record milestone")
        .assert_contains("Mark as live")
        .assert_contains("Invoice this call-off")
        .assert_contains("Printable order form");

    // An invoice with no number: the form again, with its button.
    let invoice = supplier.post(&format!("{call_off}/invoices"), &[]).await;
    assert_eq!(invoice.status, 422, "{}", invoice.body);
    invoice.assert_contains("Send invoice");

    assert_eq!(supplier.post(&format!("{call_off}/go-live"), &[]).await.status, 303);
    // Ending early without a reason: the same warning and button.
    let terminate = buyer.post(&format!("{call_off}/terminate"), &[("reason", "")]).await;
    assert_eq!(terminate.status, 422);
    terminate
        .assert_contains("cannot be undone")
        .assert_contains("End call-off early")
        .assert_contains("headroom");

    // A variation checked with a bad quantity, then one that is fine: the preview and its
    // button stay when the submission is refused.
    let vary = |fields: Vec<(&'static str, &'static str)>| {
        let path = format!("{call_off}/vary");
        let buyer = &buyer;
        async move { buyer.post(&path, &fields).await }
    };
    let bad = vary(vec![
        ("lines[0].sku", "L4-SIM-5GB"),
        ("lines[0].quantity", "lots"),
        ("lines[0].term_months", "24"),
        ("action", "check"),
    ])
    .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#lines-0-quantity\"")
        .assert_contains("Check the variation");
    let shorter = vary(vec![
        ("lines[0].sku", "L4-SIM-5GB"),
        ("lines[0].quantity", "12"),
        ("lines[0].term_months", "12"),
        ("action", "submit"),
    ])
    .await;
    assert_eq!(shorter.status, 422, "{}", shorter.body);
    shorter
        .assert_contains("A term can only be extended")
        .assert_contains("Check the variation");

    // Approvals: a decision without a choice keeps the request and its button.
    camden_needs_an_approver_from_10k(&site).await;
    let draft = placed(&buyer, &site, "340").await;
    let approver = site.signed_in("approver@camden.example").await;
    let request = first_link(&approver.get("/approvals").await.body, "/approvals/");
    let decision = approver.post(&format!("{request}/decision"), &[("comment", "")]).await;
    assert_eq!(decision.status, 422);
    decision
        .assert_contains("Record decision")
        .assert_contains("£44,880.00");
    assert!(draft.starts_with("/call-offs/"));
}

async fn a_variation_is_found_by_search_and_checked_before_it_is_made(backend: Backend) {
    let site = Site::start(backend).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    // 10 SIMs × £5.50 × 24 = £1,320.
    let call_off = placed(&buyer, &site, "10").await;
    assert_eq!(supplier.post(&format!("{call_off}/accept"), &[]).await.status, 303);
    let form = buyer.get(&format!("{call_off}/vary")).await;
    assert_eq!(form.status, 200);
    form.assert_contains("Search the catalogue")
        .assert_contains("Check the variation");
    let path = format!("{call_off}/vary");
    let kept = [
        ("lines[0].sku", "L4-SIM-5GB"),
        ("lines[0].quantity", "10"),
        ("lines[0].term_months", "24"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut fields = kept.to_vec();
        fields.extend_from_slice(extra);
        fields
    };
    let found = buyer
        .post(&path, &with(&[("q", "ethernet 1 gbit"), ("action", "search")]))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    found
        .assert_contains("id=\"search-results\"")
        .assert_contains("value=\"add:L1-ETH-1G\"");
    let added = buyer
        .post(&path, &with(&[("q", "ethernet"), ("action", "add:L1-ETH-1G")]))
        .await;
    assert_eq!(added.status, 200);
    added
        .assert_contains("name=\"lines[1].sku\" value=\"L1-ETH-1G\"")
        .assert_contains("value=\"36\"");
    // Checking shows the new value, the change and the modification-limit warning first.
    let big = with(&[
        ("lines[1].sku", "L1-ETH-1G"),
        ("lines[1].quantity", "1"),
        ("lines[1].term_months", "36"),
        ("action", "check"),
    ]);
    let checked = buyer.post(&path, &big).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    checked
        .assert_contains("id=\"preview\"")
        .assert_contains("£1,320.00")
        .assert_contains("id=\"over-limit\"")
        .assert_contains("modification limit of 10.00%")
        .assert_contains("Vary call-off");
    assert!(
        buyer.get(&call_off).await.body.contains("£1,320.00"),
        "nothing varied yet"
    );
    // A small change is within the limit, and says so.
    let small = buyer
        .post(
            &path,
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "11"),
                ("lines[0].term_months", "24"),
                ("action", "check"),
            ],
        )
        .await;
    small.assert_contains("£1,452.00").assert_contains("+10.00%");
    assert!(!small.body.contains("id=\"over-limit\""));
    // The API checks the same way, changing nothing; the supplier may not ask.
    let id = call_off.rsplit('/').next().unwrap();
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let preview = format!("/call-offs/{id}/variations/preview");
    let lines = |quantity: i64| json!({ "lines": [{ "sku": "L4-SIM-5GB", "quantity": quantity, "term_months": 24 }] });
    let (status, checked, _) = api.post(&preview, lines(11), None).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["totals"]["contract_value"]["pence"], 145_200);
    assert_eq!(checked["previous_value"]["pence"], 132_000);
    assert_eq!(
        (checked["change_bp"].clone(), checked["over_modification_limit"].clone()),
        (json!(1000), json!(false))
    );
    let (_, far, _) = api.post(&preview, lines(20), None).await;
    assert_eq!(far["over_modification_limit"], true, "{far}");
    let (status, same, _) = api.post(&preview, lines(10), None).await;
    assert_eq!(
        (status, same["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("lines"))
    );
    let (status, bad, _) = api
        .post(
            &preview,
            json!({ "lines": [{ "sku": "NOPE", "quantity": 0, "term_months": 24 }] }),
            None,
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let as_supplier = Api::sign_in(&site, "supplier@londonict.example").await;
    assert_eq!(
        as_supplier.post(&preview, lines(11), None).await.0,
        StatusCode::FORBIDDEN
    );
    assert!(buyer.get(&call_off).await.body.contains("£1,320.00"), "nothing varied");
    // Removing a line by its box, and submitting.
    let mut submit = big.clone();
    submit.retain(|(k, _)| *k != "action");
    submit.push(("action", "submit"));
    // A reason past 1,000 characters is named, and the page keeps what was typed.
    let long = "x".repeat(1_001);
    let mut too_long = submit.clone();
    too_long.push(("reason", &long));
    let refused = buyer.post(&path, &too_long).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("href=\"#reason\"");
    submit.push(("reason", "The new library needs a faster link"));
    let varied = buyer.post(&path, &submit).await;
    assert_eq!(varied.status, 303, "{}", varied.body);
    assert!(varied.location.unwrap().contains("varied=over-limit"));
    buyer
        .get(&call_off)
        .await
        .assert_contains("The new library needs a faster link");
    let removed = buyer
        .post(
            &path,
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "10"),
                ("lines[0].term_months", "24"),
                ("lines[0].remove", "yes"),
                ("lines[1].sku", "L1-ETH-1G"),
                ("lines[1].quantity", "2"),
                ("lines[1].term_months", "36"),
                ("action", "check"),
            ],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    removed
        .assert_contains("id=\"preview\"")
        .assert_contains("name=\"lines[0].remove\" type=\"checkbox\" value=\"yes\" checked");
}

async fn termination_is_worded_as_such_and_sits_apart(backend: Backend) {
    let site = Site::start(backend).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let call_off = placed(&buyer, &site, "10").await;
    // Before it is live, cancelling is apart from routine actions too.
    let placed_page = buyer.get(&call_off).await;
    placed_page
        .assert_contains("id=\"cancel\"")
        .assert_contains("Cancel this call-off");
    for action in ["accept", "go-live"] {
        assert_eq!(supplier.post(&format!("{call_off}/{action}"), &[]).await.status, 303);
    }
    let page = buyer.get(&call_off).await;
    let actions = page.body.find("id=\"actions\"").unwrap();
    let section = page.body.find("id=\"end-early\"").expect("its own section");
    assert!(section > actions, "ending early comes after the routine actions");
    page.assert_contains("End this call-off early")
        .assert_contains("cannot be undone")
        .assert_contains("govuk-button--warning");
    let form = buyer.get(&format!("{call_off}/terminate")).await;
    form.assert_contains("<title>End this call-off early")
        .assert_contains("Last day of service")
        .assert_contains("Why are you ending it early?")
        .assert_contains("released to the framework's headroom")
        .assert_contains("cannot be undone");
    let ended = buyer
        .post(
            &format!("{call_off}/terminate"),
            &[
                ("reason", "Site closed"),
                ("ends_on-day", "10"),
                ("ends_on-month", "3"),
                ("ends_on-year", "2027"),
            ],
        )
        .await;
    assert_eq!(ended.status, 303);
    buyer
        .get(&ended.location.unwrap())
        .await
        .assert_contains("Call-off ended early");
}

async fn the_call_off_list_filters_searches_and_exports(backend: Backend) {
    let site = Site::start(backend).await;
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let place = |title: &'static str, sku: &'static str, quantity: i64, key: &'static str| {
        let mut order = order_json();
        order["title"] = title.into();
        let body = json!({ "framework_id": site.t.framework_id, "cost_centre": "IT-4021", "order": order,
            "lines": [{ "sku": sku, "quantity": quantity, "term_months": 36 }] });
        let api = &api;
        async move {
            let (status, call_off, _) = api.post("/call-offs", body, Some(key)).await;
            assert_eq!(status, 201, "{call_off}");
            call_off
        }
    };
    let sims = place("SIMs for housing officers", "L4-SIM-5GB", 10, "a").await;
    let ethernet = place("=HYPERLINK(\"http://evil\") Ethernet", "L1-ETH-1G", 1, "b").await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let all = buyer.get("/call-offs").await;
    all.assert_contains("SIMs for housing officers")
        .assert_contains("London ICT Partnership")
        .assert_contains(">Supplier<");
    let by_title = buyer.get("/call-offs?q=housing").await;
    by_title.assert_contains("SIMs for housing officers");
    assert!(!by_title.body.contains("HYPERLINK"));
    let by_reference = buyer
        .get(&format!(
            "/call-offs?q={}",
            ethernet["reference"].as_str().unwrap().to_lowercase()
        ))
        .await;
    assert!(by_reference.body.contains("HYPERLINK") && !by_reference.body.contains("housing officers"));
    let by_lot = buyer.get("/call-offs?lot=4").await;
    assert!(by_lot.body.contains("housing officers") && !by_lot.body.contains("HYPERLINK"));
    let by_state = buyer.get("/call-offs?state=accepted").await;
    by_state.assert_contains("No call-offs match these filters");
    let by_date = buyer
        .get("/call-offs?placed_from=2026-11-26&placed_to=2026-11-26")
        .await;
    assert!(by_date.body.contains("housing officers") && by_date.body.contains("HYPERLINK"));
    let before = buyer.get("/call-offs?placed_to=2026-11-25").await;
    before.assert_contains("No call-offs match these filters");
    let bad = buyer.get("/call-offs?placed_from=yesterday&lot=x&state=lost").await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#placed_from\"")
        .assert_contains("href=\"#lot\"")
        .assert_contains("href=\"#state\"");
    // The CSV keeps the filters, and a title that looks like a formula is made safe.
    let csv = buyer.get("/call-offs?q=ethernet&format=csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("reference,title,supplier,status"), "{}", lines[0]);
    assert!(lines[1].contains(",\"'=HYPERLINK("), "{}", lines[1]);
    // A supplier sees the customer.
    let supplier = site.signed_in("supplier@londonict.example").await;
    let inbox = supplier.get("/supplier/inbox?q=housing").await;
    inbox
        .assert_contains(">Customer<")
        .assert_contains("London Borough of Camden")
        .assert_contains("SIMs for housing officers");
    // The API filters the same way, naming a bad parameter.
    let (status, page) = api.get("/call-offs?q=housing&state=placed&lot=4").await;
    assert_eq!(status, 200);
    let listed = page["call_offs"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{page}");
    assert_eq!(listed[0]["id"], sims["id"]);
    let (status, problem) = api.get("/call-offs?placed_to=31-12-2026").await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "placed_to", "{problem}");

    // Dates are UK days: placed at 23:30 UTC on 30 June 2027, which is 00:30 on 1 July in BST.
    let late = chrono::DateTime::parse_from_rfc3339("2027-06-30T23:30:00Z").unwrap();
    site.t
        .clock
        .advance(late.with_timezone(&chrono::Utc) - calloff_test_support::test_now());
    let api = Api::sign_in(&site, "buyer@camden.example").await;
    let mut order = order_json();
    order["title"] = "Summer handsets".into();
    order["starts_on"] = "2027-07-12".into();
    let body = json!({ "framework_id": site.t.framework_id, "cost_centre": "IT-4021", "order": order,
        "lines": [{ "sku": "L4-SIM-5GB", "quantity": 2, "term_months": 24 }] });
    let (status, summer, _) = api.post("/call-offs", body, Some("summer")).await;
    assert_eq!(status, 201, "{summer}");
    let titles = |page: serde_json::Value| -> Vec<String> {
        page["call_offs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["order"]["title"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (_, first_of_july) = api.get("/call-offs?placed_from=2027-07-01&placed_to=2027-07-01").await;
    assert_eq!(titles(first_of_july), ["Summer handsets"]);
    let (_, june) = api.get("/call-offs?placed_from=2027-06-30&placed_to=2027-06-30").await;
    assert!(titles(june).is_empty());
}
