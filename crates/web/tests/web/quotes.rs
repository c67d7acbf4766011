//! Quotes people keep: "Add to quote" with a quantity and term, saved quotes (list, reopen,
//! share, CSV, place), and price breaks entered as rows, through the pages and the API.

use crate::api::Api;
use crate::browser::{Browser, Page, Site};
use crate::pages::first_link;
use calloff_domain::role::Role;
use calloff_test_support::{on_both_databases, Backend};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_buyer_adds_two_items_saves_shares_and_places_the_quote,
    saved_quotes_are_private_to_their_owner_and_colleagues_over_the_api,
    the_manager_enters_demand_bands_as_rows,
    a_supplier_enters_quantity_tiers_as_rows,
);

const COLLEAGUE: &str = "kai@camden.example";
const COLLEAGUE_PASSWORD: &str = "kai-is-a-camden-buyer-2026";

/// A second buyer at Camden, invited and joined.
async fn colleague(site: &Site) {
    let admin = site.t.actor("admin@camden.example").await;
    let token = calloff_app::people::invite(&site.t.app, &admin, COLLEAGUE, &[Role::Buyer])
        .await
        .unwrap();
    calloff_app::people::accept(&site.t.app, &token, "Kai Colleague", COLLEAGUE_PASSWORD)
        .await
        .unwrap();
}

/// Counts the pages a journey shows, as a person would click through them.
struct Journey<'a> {
    browser: &'a Browser,
    pages: usize,
}

impl Journey<'_> {
    async fn get(&mut self, path: &str) -> Page {
        self.pages += 1;
        let page = self.browser.get(path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        page
    }

    /// Posts a form and follows its redirect to the page it leads to.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let posted = self.browser.post(path, fields).await;
        assert_eq!(posted.status, 303, "POST {path}: {}", posted.body);
        self.get(posted.location.as_deref().unwrap()).await
    }
}

async fn a_buyer_adds_two_items_saves_shares_and_places_the_quote(backend: Backend) {
    let site = Site::start(backend).await;
    colleague(&site).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let catalogue = format!("/frameworks/{}/catalogue?q=SIM", site.t.framework_id);
    let mut journey = Journey {
        browser: &buyer,
        pages: 0,
    };

    // 1. Search; 2. the item, reached from the search, which it remembers.
    let search = journey.get(&catalogue).await;
    let item_path = first_link(&search.body, "/items/");
    assert!(item_path.contains("?back="), "{item_path}");
    let item = journey.get(&item_path).await;
    item.assert_contains("Add to your quote")
        .assert_contains("name=\"quantity\"")
        .assert_contains("name=\"term_months\"");
    let item_id = item.input_value("item_id").unwrap();
    let back = item.input_value("back").unwrap().replace("&amp;", "&");
    assert!(back.contains("q=SIM"), "{back}");

    // A bad quantity and a term below the minimum are both named, on the item's page.
    let bad = buyer
        .post(
            "/quote/lines",
            &[
                ("item_id", &item_id),
                ("quantity", "lots"),
                ("term_months", "1"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    bad.assert_contains("href=\"#quantity\"")
        .assert_contains("Enter the quantity as a whole number, like 20")
        .assert_contains("value=\"lots\"");
    let short = buyer
        .post(
            "/quote/lines",
            &[
                ("item_id", &item_id),
                ("quantity", "20"),
                ("term_months", "1"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.body);
    short.assert_contains("href=\"#term_months\"");

    // 3. Added: the quote page confirms it and offers another item, back at the same search.
    let quote = journey
        .submit(
            "/quote/lines",
            &[
                ("item_id", &item_id),
                ("quantity", "20"),
                ("term_months", "24"),
                ("back", &back),
            ],
        )
        .await;
    quote
        .assert_contains("Added 20 × ")
        .assert_contains(" for 24 months to your quote");
    let another = first_link(&quote.body[quote.body.find("id=\"added\"").unwrap()..], "/frameworks/");
    assert!(another.ends_with(&format!("catalogue?{back}")), "{another}");

    // 4. The search again; 5. a second item; 6. added.
    let search = journey.get(&another).await;
    let items: Vec<&str> = search
        .body
        .match_indices("href=\"/items/")
        .map(|(i, _)| &search.body[i + 6..])
        .collect();
    let second_path = items
        .iter()
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .find(|path| !path.starts_with(&item_path[..item_path.find('?').unwrap()]))
        .expect("a second SIM item");
    let second = journey.get(&second_path).await;
    let second_id = second.input_value("item_id").unwrap();
    let quote = journey
        .submit(
            "/quote/lines",
            &[
                ("item_id", &second_id),
                ("quantity", "5"),
                ("term_months", "24"),
                ("back", &back),
            ],
        )
        .await;
    quote.assert_contains("Added 5 × ");
    assert_eq!(field_value(&quote.body, "lines[0].quantity").as_deref(), Some("20"));
    assert_eq!(field_value(&quote.body, "lines[1].quantity").as_deref(), Some("5"));
    let value = quote_value(&quote.body);

    // Saving needs a name; then it is kept on the server.
    let unnamed = buyer.post("/quotes", &[("name", " ")]).await;
    assert_eq!(unnamed.status, 422);
    unnamed
        .assert_contains("href=\"#name\"")
        .assert_contains("Enter a name for the quote");
    let saved = buyer.post("/quotes", &[("name", "=SIMs for the library")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let saved_path = saved.location.unwrap().split('?').next().unwrap().to_string();
    buyer
        .get(&format!("{saved_path}?saved=1"))
        .await
        .assert_contains("Quote saved")
        .assert_contains("=SIMs for the library")
        .assert_contains("today's catalogue prices")
        .assert_contains(&value);

    // Signing out ends the session (and its quote), not the saved quote.
    assert_eq!(buyer.post("/sign-out", &[]).await.status, 303);
    let buyer = site.signed_in("buyer@camden.example").await;
    buyer.get("/quote").await.assert_contains("Your quote is empty");
    let list = buyer.get("/quotes").await;
    list.assert_contains("=SIMs for the library").assert_contains("You");

    // Shared with a colleague, who sees it read-only; another organisation cannot see it.
    let page = buyer.get(&saved_path).await;
    page.assert_contains("Share with a colleague")
        .assert_contains(COLLEAGUE);
    let nobody = buyer.post(&format!("{saved_path}/shares"), &[("email", "")]).await;
    assert_eq!(nobody.status, 422);
    nobody.assert_contains("href=\"#email\"");
    let shared = buyer
        .post(&format!("{saved_path}/shares"), &[("email", COLLEAGUE)])
        .await;
    assert_eq!(shared.status, 303, "{}", shared.body);
    buyer
        .get(shared.location.as_deref().unwrap())
        .await
        .assert_contains("Quote shared")
        .assert_contains("Shared with Kai Colleague");
    let kai = site.signed_in_with(COLLEAGUE, COLLEAGUE_PASSWORD).await;
    kai.get("/quotes")
        .await
        .assert_contains("=SIMs for the library")
        .assert_contains("Shared with you");
    let read_only = kai.get(&saved_path).await;
    read_only
        .assert_contains("shared with you to read")
        .assert_contains("Open a copy as your quote");
    assert!(!read_only.body.contains("Share quote"));
    assert_eq!(
        kai.post(&format!("{saved_path}/shares"), &[("email", "buyer@camden.example")])
            .await
            .status,
        403
    );
    let hackney = site.signed_in("buyer@hackney.example").await;
    assert_eq!(hackney.get(&saved_path).await.status, 404);
    assert_eq!(hackney.get(&format!("{saved_path}/csv")).await.status, 404);
    assert_eq!(hackney.post(&format!("{saved_path}/open"), &[]).await.status, 404);
    assert!(!hackney.get("/quotes").await.body.contains("SIMs for the library"));

    // The CSV: the lines at today's prices, with the name made safe for a spreadsheet.
    let csv = kai.get(&format!("{saved_path}/csv")).await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("sims-for-the-library.csv"));
    assert!(
        csv.body.starts_with("sku,item,lot,quantity,term_months"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(",20,24,"), "{}", csv.body);
    assert!(csv.body.contains("Contract value (ex VAT)"), "{}", csv.body);

    // Reopened by its owner, and placed through the review page: 7. quote, 8. review, 9. placed.
    let mut journey = Journey {
        browser: &buyer,
        pages: journey.pages,
    };
    let reopened = journey.submit(&format!("{saved_path}/open"), &[]).await;
    reopened.assert_contains("=SIMs for the library");
    assert_eq!(field_value(&reopened.body, "lines[1].quantity").as_deref(), Some("5"));
    let review = journey
        .submit(
            "/quote",
            &[
                ("lines[0].sku", &reopened.input_value("lines[0].sku").unwrap()),
                ("lines[0].quantity", "20"),
                ("lines[0].term_months", "24"),
                ("lines[1].sku", &reopened.input_value("lines[1].sku").unwrap()),
                ("lines[1].quantity", "5"),
                ("lines[1].term_months", "24"),
                ("action", "review"),
            ],
        )
        .await;
    review.assert_contains("Check your call-off").assert_contains(&value);
    let placed = buyer.submit_review(&review).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    journey
        .get(placed.location.as_deref().unwrap())
        .await
        .assert_contains("Call-off placed");
    // Reopening a saved quote is not part of the everyday journey: without it, search, item,
    // quote, search, item, quote, review, placed.
    assert_eq!(journey.pages - 1, 8, "pages to add two items and place them");
    // The saved quote is still there to reuse.
    buyer.get("/quotes").await.assert_contains("=SIMs for the library");
    site.t.assert_audit_intact().await;
}

/// The value of the input called `name` (whatever the order of its attributes).
fn field_value(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\""))?;
    let tag_start = body[..at].rfind('<')?;
    let tag_end = at + body[at..].find('>')?;
    let tag = &body[tag_start..tag_end];
    let start = tag.find("value=\"")? + 7;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}

/// The contract value shown on a quote page.
fn quote_value(body: &str) -> String {
    let at = body.find("Contract value (ex VAT)").expect("a priced quote");
    let start = at + body[at..].find('£').unwrap();
    let end = start + body[start..].find('<').unwrap();
    body[start..end].to_string()
}

fn sim_line(quantity: i64) -> Value {
    json!({ "sku": "L4-SIM-5GB", "quantity": quantity, "term_months": 24 })
}

async fn saved_quotes_are_private_to_their_owner_and_colleagues_over_the_api(backend: Backend) {
    let site = Site::start(backend).await;
    colleague(&site).await;
    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let framework = site.t.framework_id.to_string();

    // Every bad field at once, by name.
    let (status, problem, _) = buyer
        .post(
            "/saved-quotes",
            json!({ "name": "", "framework_id": framework, "lines": [sim_line(0), { "sku": "NOPE", "quantity": 1, "term_months": 24 }] }),
            Some("bad-quote"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "lines[0].quantity", "lines[1].sku"], "{problem}");

    let (status, saved, headers) = buyer
        .post(
            "/saved-quotes",
            json!({ "name": "Mobiles", "framework_id": framework, "lines": [sim_line(10)] }),
            Some("mobiles"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let id = saved["id"].as_str().unwrap().to_string();
    assert_eq!(headers["location"], format!("/api/v1/saved-quotes/{id}").as_str());
    assert_eq!(saved["owned"], true);
    // 10 × £5.50 × 24 months.
    assert_eq!(saved["quote"]["totals"]["contract_value"]["pence"], 132_000);
    let (_, again, headers) = buyer
        .post(
            "/saved-quotes",
            json!({ "name": "Mobiles", "framework_id": framework, "lines": [sim_line(10)] }),
            Some("mobiles"),
        )
        .await;
    assert_eq!(again["id"], saved["id"], "a retried key saves once");
    assert_eq!(headers["idempotent-replayed"], "true");

    let (status, replaced) = {
        let (s, v, _) = buyer
            .post(
                &format!("/saved-quotes/{id}"),
                json!({ "name": "Mobiles, more", "framework_id": framework, "lines": [sim_line(12)] }),
                None,
            )
            .await;
        (s, v)
    };
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["lines"][0]["quantity"], 12);

    // Another organisation: not found, whatever it tries.
    let hackney = Api::sign_in(&site, "buyer@hackney.example").await;
    assert_eq!(
        hackney.get(&format!("/saved-quotes/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = hackney
        .post(
            &format!("/saved-quotes/{id}/shares"),
            json!({ "email": "buyer@hackney.example" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hackney.get("/saved-quotes").await.1["saved_quotes"], json!([]));

    // A colleague sees it only once shared, and only to read.
    let kai = {
        let client = site.api();
        let response = client
            .post(format!("{}/api/v1/sessions", site.base))
            .json(&json!({ "email": COLLEAGUE, "password": COLLEAGUE_PASSWORD }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        Api::with_token(&site, body["token"].as_str().unwrap())
    };
    assert_eq!(kai.get(&format!("/saved-quotes/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, problem, _) = buyer
        .post(
            &format!("/saved-quotes/{id}/shares"),
            json!({ "email": "buyer@hackney.example" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "email");
    let (status, shared, _) = buyer
        .post(
            &format!("/saved-quotes/{id}/shares"),
            json!({ "email": COLLEAGUE }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shared}");
    assert_eq!(shared["shared_with"][0]["email"], COLLEAGUE);
    let (status, read) = kai.get(&format!("/saved-quotes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["owned"], false);
    assert_eq!(read["shared_with"], json!([]));
    assert_eq!(kai.get("/saved-quotes").await.1["saved_quotes"][0]["id"], id.as_str());
    let (status, _, _) = kai
        .post(
            &format!("/saved-quotes/{id}"),
            json!({ "name": "Mine now", "framework_id": framework, "lines": [sim_line(1)] }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only the owner deletes it; then nobody finds it.
    assert_eq!(
        kai.delete(&format!("/saved-quotes/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        hackney.delete(&format!("/saved-quotes/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        buyer.delete(&format!("/saved-quotes/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(buyer.get(&format!("/saved-quotes/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kai.get("/saved-quotes").await.1["saved_quotes"], json!([]));
    assert_eq!(
        buyer.delete(&format!("/saved-quotes/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    site.t.assert_audit_intact().await;
}

async fn the_manager_enters_demand_bands_as_rows(backend: Backend) {
    let site = Site::start(backend).await;
    let manager = site.signed_in("manager@rbkc.example").await;
    let search = manager
        .get(&format!("/frameworks/{}/catalogue?q=L4-SIM-5GB", site.t.framework_id))
        .await;
    let item_path = first_link(&search.body, "/items/");
    let item_path = item_path.split('?').next().unwrap().to_string();
    let item = manager.get(&item_path).await;
    item.assert_contains("From quantity")
        .assert_contains("Unit price (£)")
        .assert_contains("name=\"demand_bands[2].from\"")
        .assert_contains("Add another row");
    assert!(!item.body.contains("name=\"demand_bands[3].from\""));
    let bands = format!("{item_path}/demand-bands");

    // "Add another row" shows the form again with one more row, keeping what was typed.
    let more = manager
        .post(
            &bands,
            &[
                ("demand_bands_rows", "3"),
                ("demand_bands[0].from", "5000"),
                ("demand_bands[0].unit_price", "5.00"),
                ("action", "add-row"),
            ],
        )
        .await;
    assert_eq!(more.status, 200);
    more.assert_contains("name=\"demand_bands[3].from\"")
        .assert_contains("value=\"5000\"");

    // Every bad field, named by its row.
    let bad = manager
        .post(
            &bands,
            &[
                ("demand_bands_rows", "4"),
                ("demand_bands[0].from", "5000"),
                ("demand_bands[0].unit_price", "5.00"),
                ("demand_bands[1].from", "ten"),
                ("demand_bands[1].unit_price", "4.80"),
                ("demand_bands[2].from", "20000"),
                ("demand_bands[2].unit_price", "4,5"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    bad.assert_contains("href=\"#demand_bands-1-from\"")
        .assert_contains("Enter the quantity in band 2 as a whole number, like 500")
        .assert_contains("href=\"#demand_bands-2-unit_price\"")
        .assert_contains("Enter the unit price in band 3 as pounds and pence, like 4.50")
        .assert_contains("value=\"4,5\"");

    let saved = manager
        .post(
            &bands,
            &[
                ("demand_bands_rows", "3"),
                ("demand_bands[0].from", "20000"),
                ("demand_bands[0].unit_price", "4.50"),
                ("demand_bands[2].from", "5000"),
                ("demand_bands[2].unit_price", "5.00"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let item = manager.get(&item_path).await;
    item.assert_contains("5000 or more").assert_contains("20000 or more");
    assert_eq!(field_value(&item.body, "demand_bands[0].from").as_deref(), Some("5000"));
    assert_eq!(
        field_value(&item.body, "demand_bands[1].unit_price").as_deref(),
        Some("4.50")
    );

    // The API takes rows too, and still reads the older text.
    let api = Api::sign_in(&site, "manager@rbkc.example").await;
    let id = item_path.trim_start_matches("/items/");
    let (status, problem, _) = api
        .post(
            &format!("/items/{id}/demand-bands"),
            json!({ "demand_bands": [{ "from": 100, "unit_price": "5.20" }, { "from": 1, "unit_price": "x" }] }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["demand_bands[1].from", "demand_bands[1].unit_price"]);
    assert_eq!(problem["errors"][1]["pointer"], "/demand_bands/1/unit_price");
    let (status, item, _) = api
        .post(
            &format!("/items/{id}/demand-bands"),
            json!({ "demand_bands": [{ "from": 100, "unit_price": "5.20" }] }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["demand_bands"][0]["from"], 100);
    let (status, item, _) = api
        .post(
            &format!("/items/{id}/demand-bands"),
            json!({ "demand_bands": "300 = 5.10" }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["demand_bands"][0]["from"], 300);
}

async fn a_supplier_enters_quantity_tiers_as_rows(backend: Backend) {
    let site = Site::start(backend).await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let path = format!("/frameworks/{}/change-requests", site.t.framework_id);
    let form = supplier.get(&format!("{path}/new")).await;
    form.assert_contains("Quantity tiers (optional)")
        .assert_contains("name=\"changes[0].quantity_tiers[2].from\"");
    let today = site.t.app.today();
    let (day, month, year) = (
        chrono::Datelike::day(&today).to_string(),
        chrono::Datelike::month(&today).to_string(),
        chrono::Datelike::year(&today).to_string(),
    );
    let change = |tier_from: &'static str, tier_price: &'static str, action: &'static str| {
        vec![
            ("title", "Tiers for 5GB SIMs"),
            ("effective_from-day", "DAY"),
            ("effective_from-month", "MONTH"),
            ("effective_from-year", "YEAR"),
            ("changes[0].kind", "edit"),
            ("changes[0].sku", "L4-SIM-5GB"),
            ("changes[0].lot", "4"),
            ("changes[0].name", "4G/5G SIM, 5 GB"),
            ("changes[0].description", "A SIM with 5 GB of data a month"),
            ("changes[0].unit", "per_month"),
            ("changes[0].price", "5.50"),
            ("changes[0].minimum_term_months", "24"),
            ("changes[0].cpv", "64212000-5"),
            ("changes[0].quantity_tiers_rows", "3"),
            ("changes[0].quantity_tiers[1].from", tier_from),
            ("changes[0].quantity_tiers[1].unit_price", tier_price),
            ("action", action),
        ]
    };
    let with_date = |fields: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        fields
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    "DAY" => day.clone(),
                    "MONTH" => month.clone(),
                    "YEAR" => year.clone(),
                    v => v.to_string(),
                };
                (k.to_string(), v)
            })
            .collect()
    };
    let post = |fields: Vec<(String, String)>| {
        let supplier = &supplier;
        let path = path.clone();
        async move {
            let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            supplier.post(&path, &borrowed).await
        }
    };
    let more = post(with_date(change("100", "5.00", "add-tier-row-0"))).await;
    assert_eq!(more.status, 200, "{}", more.body);
    more.assert_contains("name=\"changes[0].quantity_tiers[3].from\"")
        .assert_contains("value=\"100\"");
    let bad = post(with_date(change("100", "6.00", "submit"))).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    bad.assert_contains("href=\"#changes-0-quantity_tiers-1-unit_price\"")
        .assert_contains("Enter a unit price in tier 2 lower than the item");
    let sent = post(with_date(change("100", "5.00", "submit"))).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    supplier
        .get(sent.location.as_deref().unwrap())
        .await
        .assert_contains("100 = £5.00");
}
