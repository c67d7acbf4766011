//! Every page, including its error states, checked by `../shared/tools/a11y-check` (axe-core in
//! Chromium, WCAG 2.2 AA). Pages that need a session are fetched with one and saved to files
//! with a `<base>` pointing at the running server, so the checker sees exactly what was served.

use crate::browser::{Browser, Page, Site};
use crate::pages::first_link;
use calloff_test_support::Backend;
use std::path::{Path, PathBuf};

/// `../shared/tools/a11y-check` beside the repository, or `$CALLOFF_SHARED_TOOLS/a11y-check`.
fn a11y_check() -> PathBuf {
    let tools = std::env::var("CALLOFF_SHARED_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools"));
    let tool = tools.join("a11y-check");
    assert!(
        tool.exists(),
        "{} is missing: clone beside ../shared or set CALLOFF_SHARED_TOOLS",
        tool.display()
    );
    tool
}

fn save(dir: &Path, base: &str, name: &str, page: &Page) -> String {
    let with_base = page
        .body
        .replacen("<head>", &format!("<head><base href=\"{base}/\">"), 1);
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, with_base).unwrap();
    format!("file://{}", path.display())
}

/// The pages the navigation, sign-in and error handling lead to: everything else is below the top
/// level and offers a back link or breadcrumbs (GOV.UK: help people go back).
fn is_top_level(name: &str) -> bool {
    const TOP: &[&str] = &[
        "home-buyer",
        "home-approver",
        "home-supplier",
        "home-manager",
        "sign-in",
        "sign-in-error",
        "sign-in-code",
        "sign-in-joined",
        "register",
        "register-error",
        "registered",
        "not-found",
        "forbidden",
        "csrf-failure",
        "two-factor-required",
        "two-factor-key",
        "two-factor-wrong-code",
        "two-factor-recovery-codes",
        "frameworks",
        "frameworks-unverified",
        "quote",
        "quote-empty",
        "quote-added",
        "quote-save-error",
        "quote-error",
        "quote-usage-missing",
        "quote-demand-band",
        "call-offs",
        "call-offs-filtered",
        "call-offs-filter-error",
        "call-offs-manager",
        "supplier-inbox",
        "notifications",
        "notifications-empty",
        "verification-queue",
        "verification-error",
        "verification-decided",
        "people",
        "people-error",
        "approvals",
        "approvals-decided",
        "approval-rules",
        "approval-rules-error",
        "approval-rules-saved",
        "audit-log",
        "audit-log-filtered",
        "audit-log-error",
        "invitation",
        "invitation-error",
        "open-data",
        "framework-public-not-found",
    ];
    TOP.contains(&name)
}

fn has_way_back(body: &str) -> bool {
    body.contains("class=\"govuk-back-link\"") || body.contains("class=\"govuk-breadcrumbs\"")
}

#[test]
fn the_way_back_is_a_back_link_or_breadcrumbs() {
    assert!(has_way_back(r#"<a href="/x" class="govuk-back-link">Back</a>"#));
    assert!(has_way_back(
        r#"<nav class="govuk-breadcrumbs" aria-label="Breadcrumb">"#
    ));
    assert!(!has_way_back(r#"<a href="/x" class="govuk-link">Back</a>"#));
    assert!(is_top_level("frameworks") && !is_top_level("framework-overview"));
}

async fn place(buyer: &Browser, framework: &str, sku: &str, quantity: &str, term: &str) -> String {
    let search = buyer.get(&format!("{framework}/catalogue?q={sku}")).await;
    let item = buyer.get(&first_link(&search.body, "/items/")).await;
    buyer
        .post("/quote/lines", &[("item_id", &item.input_value("item_id").unwrap())])
        .await;
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", sku),
                ("lines[0].quantity", quantity),
                ("lines[0].term_months", term),
                ("action", "review"),
            ],
        )
        .await;
    let review = buyer.get("/quote/place").await;
    let placed = buyer.submit_review(&review).await;
    placed.location.unwrap().split('?').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_and_error_state_passes_a11y_check_and_fits_375_px() {
    assert!(
        Path::new(calloff_web::DEFAULT_ASSETS_DIR).join("calloff.css").exists(),
        "the stylesheet is missing: run `npm ci` in the repository first"
    );
    let site = Site::start(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("calloff-a11y-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let framework = format!("/frameworks/{}", site.t.framework_id);
    let mut urls = Vec::new();
    let mut without_way_back = Vec::new();
    let mut keep = |name: &str, page: &Page| {
        assert!(
            page.body.starts_with("<!DOCTYPE html>"),
            "{name} is not a page: {}",
            page.status
        );
        if !is_top_level(name) && !has_way_back(&page.body) {
            without_way_back.push(name.to_string());
        }
        urls.push(save(&dir, &site.base, name, page));
    };

    let mut anonymous = site.browser();
    keep("sign-in", &anonymous.get("/sign-in").await);
    keep(
        "sign-in-error",
        &anonymous.sign_in("buyer@camden.example", "wrong").await,
    );
    keep("not-found", &anonymous.get("/no-such-page").await);

    keep("register", &anonymous.get("/register").await);
    keep(
        "register-error",
        &anonymous
            .submit_public_form("/register", &[("organisation_name", ""), ("identifier", "x")])
            .await,
    );
    let registration = [
        ("known_body", "not_listed"),
        ("evidence", "I teach there"),
        ("organisation_name", "A11y Academy"),
        ("kind", "school"),
        ("identifier_scheme", "GB-EDU"),
        ("identifier", "100997"),
        ("your_name", "Ally"),
        ("email", "ally@academy.example"),
        ("password", "a long enough password"),
    ];
    keep(
        "registered",
        &anonymous.submit_public_form("/register", &registration).await,
    );
    let pending_buyer = site
        .signed_in_with("ally@academy.example", "a long enough password")
        .await;
    keep(
        "sign-in-code",
        &anonymous
            .code_page_after_password("manager@rbkc.example", calloff_app::demo::DEMO_PASSWORD)
            .await,
    );
    keep("two-factor-required", &pending_buyer.get("/account/two-factor").await);
    let _ = pending_buyer.post("/account/two-factor/set-up", &[]).await;
    keep("two-factor-key", &pending_buyer.get("/account/two-factor").await);
    keep(
        "two-factor-wrong-code",
        &pending_buyer
            .post("/account/two-factor/confirm", &[("code", "000000")])
            .await,
    );
    let (recovery_codes, _) = pending_buyer.set_up_two_factor().await;
    keep("two-factor-recovery-codes", &recovery_codes);
    keep("two-factor-on", &pending_buyer.get("/account/two-factor").await);
    keep("frameworks-unverified", &pending_buyer.get("/frameworks").await);
    let manager = site.signed_in("manager@rbkc.example").await;
    let queue = manager.get("/organisations/pending").await;
    keep("verification-queue", &queue);
    let mut conn = site.t.app.db.pool().acquire().await.unwrap();
    let org_id = calloff_store::organisations::find_by_name(&mut conn, "A11y Academy")
        .await
        .unwrap()
        .unwrap()
        .id;
    drop(conn);
    keep(
        "verification-error",
        &manager.post(&format!("/organisations/{org_id}/reject"), &[]).await,
    );
    let verified = manager.post(&format!("/organisations/{org_id}/verify"), &[]).await;
    keep(
        "verification-decided",
        &manager.get(verified.location.as_deref().unwrap()).await,
    );

    let buyer = site.signed_in("buyer@camden.example").await;
    keep("frameworks", &buyer.get("/frameworks").await);
    keep("home-buyer", &buyer.get("/").await);
    keep("framework-overview", &buyer.get(&framework).await);
    keep(
        "eligibility-register",
        &buyer.get(&format!("{framework}/eligibility")).await,
    );
    keep(
        "catalogue-lot",
        &buyer.get(&format!("{framework}/catalogue?lot=3")).await,
    );
    let search = buyer.get(&format!("{framework}/catalogue?q=ethernet")).await;
    keep("catalogue-search", &search);
    let relax = buyer
        .get(&format!("{framework}/catalogue?lot=1&q=5gb&sort=price_low"))
        .await;
    relax.assert_contains("Search every lot");
    keep("catalogue-suggestions", &relax);
    keep(
        "catalogue-facet-applied",
        &buyer
            .get(&format!(
                "{framework}/catalogue?unit=per_minute&unit=per_month&price_band=0&lot=3&lot=4"
            ))
            .await,
    );
    let partial = buyer.get(&format!("{framework}/catalogue?q=ethernet+teleporter")).await;
    partial.assert_contains("Showing items that match some of your words");
    keep("catalogue-partial-match", &partial);
    keep(
        "catalogue-no-results",
        &buyer.get(&format!("{framework}/catalogue?q=zzzz")).await,
    );
    keep(
        "catalogue-error",
        &buyer.get(&format!("{framework}/catalogue?lot=99")).await,
    );
    keep("item", &buyer.get(&first_link(&search.body, "/items/")).await);
    keep("quote-empty", &buyer.get("/quote").await);
    let calls = buyer.get(&format!("{framework}/catalogue?q=L3-CALL-GEO")).await;
    let calls_item = buyer.get(&first_link(&calls.body, "/items/")).await;
    let calls_id = calls_item.input_value("item_id").unwrap();
    let usage_missing = buyer
        .post(
            "/quote/lines",
            &[("item_id", &calls_id), ("quantity", "1"), ("term_months", "x")],
        )
        .await;
    assert_eq!(usage_missing.status, 422, "{}", usage_missing.body);
    keep("item-add-to-quote-error", &usage_missing);
    let added = buyer
        .post(
            "/quote/lines",
            &[
                ("item_id", &calls_id),
                ("quantity", "1"),
                ("term_months", "12"),
                ("monthly_usage", "5000"),
                ("back", "q=L3-CALL-GEO"),
            ],
        )
        .await;
    let added = buyer.get(added.location.as_deref().unwrap()).await;
    added.assert_contains("Add another item");
    keep("quote-added", &added);
    let unnamed = buyer.post("/quotes", &[("name", "")]).await;
    assert_eq!(unnamed.status, 422);
    keep("quote-save-error", &unnamed);
    keep("saved-quotes-empty", &buyer.get("/quotes").await);
    let saved = buyer
        .post("/quotes", &[("name", "Phone lines for the call centre")])
        .await;
    let saved_quote = saved.location.unwrap().split('?').next().unwrap().to_string();
    keep("saved-quote", &buyer.get(&format!("{saved_quote}?saved=1")).await);
    keep("saved-quotes", &buyer.get("/quotes").await);
    let admin = site.t.actor("admin@camden.example").await;
    let token = calloff_app::people::invite(
        &site.t.app,
        &admin,
        "kai@camden.example",
        &[calloff_domain::role::Role::Buyer],
    )
    .await
    .unwrap();
    calloff_app::people::accept(&site.t.app, &token, "Kai Colleague", "kai-is-a-camden-buyer-2026")
        .await
        .unwrap();
    let share_error = buyer.post(&format!("{saved_quote}/shares"), &[("email", "")]).await;
    assert_eq!(share_error.status, 422);
    keep("saved-quote-share-error", &share_error);
    buyer
        .post(&format!("{saved_quote}/shares"), &[("email", "kai@camden.example")])
        .await;
    let kai = site
        .signed_in_with("kai@camden.example", "kai-is-a-camden-buyer-2026")
        .await;
    keep("saved-quote-shared-with-you", &kai.get(&saved_quote).await);
    keep("saved-quotes-shared", &kai.get("/quotes").await);
    // Only the owner deletes a quote, after confirming; then nobody sees it.
    assert_eq!(kai.get(&format!("{saved_quote}/delete")).await.status, 403);
    assert_eq!(kai.post(&format!("{saved_quote}/delete"), &[]).await.status, 403);
    let confirm = buyer.get(&format!("{saved_quote}/delete")).await;
    confirm
        .assert_contains("Are you sure you want to delete")
        .assert_contains("You cannot undo this");
    keep("saved-quote-delete", &confirm);
    let deleted = buyer.post(&format!("{saved_quote}/delete"), &[]).await;
    assert_eq!(deleted.location.as_deref(), Some("/quotes?deleted=1"));
    let after = buyer.get("/quotes?deleted=1").await;
    after.assert_contains("Quote deleted");
    assert!(!after.body.contains("Phone lines for the call centre"));
    keep("saved-quotes-deleted", &after);
    assert!(!kai
        .get("/quotes")
        .await
        .body
        .contains("Phone lines for the call centre"));
    assert_eq!(kai.get(&saved_quote).await.status, 404);
    keep(
        "quote-error",
        &buyer
            .post(
                "/quote",
                &[
                    ("lines[0].sku", "L3-CALL-GEO"),
                    ("lines[0].quantity", "0"),
                    ("lines[0].term_months", "x"),
                    ("action", "update"),
                ],
            )
            .await,
    );
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L3-CALL-GEO"),
                ("lines[0].quantity", "1"),
                ("lines[0].term_months", "12"),
                ("lines[0].monthly_usage", "5000"),
                ("action", "update"),
            ],
        )
        .await;
    keep("quote", &buyer.get("/quote").await);
    keep("place-review", &buyer.get("/quote/place").await);
    let call_off = place(&buyer, &framework, "L4-SIM-5GB", "10", "24").await;
    keep("call-off-placed", &buyer.get(&format!("{call_off}?placed=1")).await);
    keep("call-offs", &buyer.get("/call-offs").await);
    keep(
        "call-offs-filtered",
        &buyer.get("/call-offs?q=network&state=placed&lot=4").await,
    );
    let bad_filters = buyer.get("/call-offs?placed_from=yesterday&lot=x").await;
    assert_eq!(bad_filters.status, 422);
    keep("call-offs-filter-error", &bad_filters);
    keep("order-form", &buyer.get(&format!("{call_off}/order-form")).await);
    keep("cancel-form", &buyer.get(&format!("{call_off}/cancel")).await);
    keep("forbidden", &buyer.post(&format!("{call_off}/accept"), &[]).await);
    keep(
        "csrf-failure",
        &buyer
            .post(
                &format!("{call_off}/cancel"),
                &[("csrf_token", "forged"), ("reason", "x")],
            )
            .await,
    );
    // Not enough headroom: the review page shows the error.
    let big = buyer.get(&format!("{framework}/catalogue?q=L1-ETH-10G")).await;
    let big_item = buyer.get(&first_link(&big.body, "/items/")).await;
    buyer
        .post(
            "/quote/lines",
            &[("item_id", &big_item.input_value("item_id").unwrap())],
        )
        .await;
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L1-ETH-10G"),
                ("lines[0].quantity", "1500"),
                ("lines[0].term_months", "36"),
                ("action", "review"),
            ],
        )
        .await;
    let review = buyer.get("/quote/place").await;
    let refused = buyer.submit_review(&review).await;
    assert_eq!(refused.status, 422);
    keep("place-headroom-error", &refused);

    let admin = site.signed_in("admin@camden.example").await;
    keep("people", &admin.get("/organisation/people").await);
    keep(
        "people-error",
        &admin.post("/organisation/invitations", &[("email", "nope")]).await,
    );
    let admin_actor = site.t.actor("admin@camden.example").await;
    let token = calloff_app::people::invite(
        &site.t.app,
        &admin_actor,
        "a11y@camden.example",
        &[calloff_domain::role::Role::Buyer],
    )
    .await
    .unwrap();
    keep("invitation", &anonymous.get(&format!("/invitations/{token}")).await);
    keep(
        "invitation-error",
        &anonymous
            .submit_public_form(&format!("/invitations/{token}"), &[("name", ""), ("password", "x")])
            .await,
    );
    keep("sign-in-joined", &anonymous.get("/sign-in?joined=1").await);

    let supplier = site.signed_in("supplier@londonict.example").await;
    keep("supplier-inbox", &supplier.get("/supplier/inbox").await);
    keep("notifications", &supplier.get("/notifications").await);
    keep("notifications-empty", &buyer.get("/notifications").await);
    keep("call-off-supplier", &supplier.get(&call_off).await);
    keep("reject-form", &supplier.get(&format!("{call_off}/reject")).await);
    keep(
        "reject-error",
        &supplier.post(&format!("{call_off}/reject"), &[("reason", "")]).await,
    );
    // Provisioning, live, and terminating early.
    supplier.post(&format!("{call_off}/accept"), &[]).await;
    keep("call-off-accepted-supplier", &supplier.get(&call_off).await);
    let milestone_error = supplier
        .post(
            &format!("{call_off}/milestones"),
            &[
                ("name", ""),
                ("done_on-day", "31"),
                ("done_on-month", "2"),
                ("done_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(milestone_error.status, 422);
    milestone_error
        .assert_contains("with a real day, month and year")
        .assert_contains("href=\"#done_on\"")
        .assert_contains("value=\"31\"");
    keep("milestone-error", &milestone_error);
    let today = site.t.app.today();
    let (day, month, year) = (
        today.format("%d").to_string(),
        today.format("%m").to_string(),
        today.format("%Y").to_string(),
    );
    let recorded = supplier
        .post(
            &format!("{call_off}/milestones"),
            &[
                ("name", "SIMs delivered"),
                ("done_on-day", &day),
                ("done_on-month", &month),
                ("done_on-year", &year),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303);
    supplier.post(&format!("{call_off}/go-live"), &[]).await;
    keep("call-off-live", &buyer.get(&call_off).await);
    // Notices: the buyer's list, and recording one, with its errors.
    let outstanding = buyer.get("/notices").await;
    outstanding.assert_contains("Contract details notice (UK7)");
    keep("notices-to-publish", &outstanding);
    keep(
        "notice-record",
        &buyer.get(&format!("{call_off}/notices/record?notice=UK7")).await,
    );
    let notice_error = buyer
        .post(
            &format!("{call_off}/notices"),
            &[
                ("notice", "UK7"),
                ("reference", ""),
                ("published_on-day", "31"),
                ("published_on-month", "2"),
            ],
        )
        .await;
    assert_eq!(notice_error.status, 422);
    keep("notice-record-error", &notice_error);
    // Invoices: the supplier's form and its errors, a matched and a held invoice, a dispute.
    let none_waiting = buyer.get("/invoices").await;
    none_waiting.assert_contains("No invoices are waiting");
    keep("invoices-none-waiting", &none_waiting);
    keep("invoice-new", &supplier.get(&format!("{call_off}/invoices/new")).await);
    let invoice_error = supplier
        .post(
            &format!("{call_off}/invoices"),
            &[
                ("number", ""),
                ("lines[0].quantity", "ten"),
                ("lines[0].period_start-day", "40"),
            ],
        )
        .await;
    assert_eq!(invoice_error.status, 422);
    keep("invoice-error", &invoice_error);
    let invoice_fields = |number: &'static str, quantity: &'static str| {
        [
            ("kind", "invoice"),
            ("number", number),
            ("lines[0].quantity", quantity),
            ("lines[0].period_start-day", "26"),
            ("lines[0].period_start-month", "11"),
            ("lines[0].period_start-year", "2026"),
            ("lines[0].period_end-day", "25"),
            ("lines[0].period_end-month", "12"),
            ("lines[0].period_end-year", "2026"),
        ]
    };
    let matched = supplier
        .post(&format!("{call_off}/invoices"), &invoice_fields("A11Y-1", "10"))
        .await;
    assert_eq!(matched.status, 303, "{}", matched.body);
    keep(
        "invoice-received",
        &supplier.get(matched.location.as_deref().unwrap()).await,
    );
    let held = supplier
        .post(&format!("{call_off}/invoices"), &invoice_fields("A11Y-2", "99"))
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    let held_path = held.location.as_deref().unwrap().split('?').next().unwrap().to_string();
    keep("invoice-held-buyer", &buyer.get(&held_path).await);
    // The buyer's task leads to both, oldest first.
    let waiting = buyer.get("/invoices").await;
    let (first, second) = (waiting.body.find("A11Y-1"), waiting.body.find("A11Y-2"));
    assert!(first.is_some() && first < second, "{}", waiting.body);
    waiting.assert_contains("2 invoices waiting").assert_contains("Held");
    keep("invoices-to-decide", &waiting);
    let dispute_error = buyer
        .post(
            &format!("{held_path}/decision"),
            &[("decision", "dispute"), ("reason", "")],
        )
        .await;
    assert_eq!(dispute_error.status, 422);
    keep("invoice-dispute-error", &dispute_error);
    keep("call-off-invoiced", &buyer.get(&call_off).await);
    let manager_spend = manager.get(&format!("{framework}/spend")).await;
    assert!(manager_spend.body.contains("<svg"), "the spend page draws its charts");
    keep("framework-spend", &manager_spend);
    let buyer_spend = buyer.get("/organisation/spend").await;
    assert!(buyer_spend.body.contains("Contract register"));
    keep("organisation-spend", &buyer_spend);
    let transparency = buyer.get("/organisation/transparency").await;
    assert_eq!(transparency.status, 200);
    keep("transparency-registers", &transparency);
    let bad_quarter = buyer.get("/organisation/transparency?quarter=2026-Q9").await;
    assert_eq!(bad_quarter.status, 422);
    keep("transparency-registers-error", &bad_quarter);
    keep("invoice-upload", &supplier.get("/invoices/upload").await);
    let bad_upload = supplier
        .upload(
            "/invoices/upload",
            &[],
            "invoice.xml",
            b"<Invoice>not UBL</Invoice>".to_vec(),
        )
        .await;
    assert_eq!(bad_upload.status, 422);
    keep("invoice-upload-errors", &bad_upload);
    keep("vary-form", &buyer.get(&format!("{call_off}/vary")).await);
    let vary_error = buyer
        .post(
            &format!("{call_off}/vary"),
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "ten"),
                ("lines[0].term_months", "24"),
            ],
        )
        .await;
    assert_eq!(vary_error.status, 422);
    keep("vary-error", &vary_error);
    let vary_search = buyer
        .post(
            &format!("{call_off}/vary"),
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "10"),
                ("lines[0].term_months", "24"),
                ("q", "ethernet"),
                ("action", "search"),
            ],
        )
        .await;
    assert!(vary_search.body.contains("id=\"search-results\""));
    keep("vary-search", &vary_search);
    let vary_check = buyer
        .post(
            &format!("{call_off}/vary"),
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "10"),
                ("lines[0].term_months", "24"),
                ("lines[1].sku", "L1-ETH-1G"),
                ("lines[1].quantity", "1"),
                ("lines[1].term_months", "36"),
                ("action", "check"),
            ],
        )
        .await;
    assert!(vary_check.body.contains("id=\"over-limit\""), "{}", vary_check.body);
    keep("vary-check", &vary_check);
    let varied = buyer
        .post(
            &format!("{call_off}/vary"),
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "30"),
                ("lines[0].term_months", "24"),
            ],
        )
        .await;
    assert_eq!(varied.status, 303);
    keep(
        "call-off-varied-over-limit",
        &buyer.get(varied.location.as_deref().unwrap()).await,
    );
    keep("terminate-form", &buyer.get(&format!("{call_off}/terminate")).await);
    keep(
        "terminate-error",
        &buyer.post(&format!("{call_off}/terminate"), &[("reason", "")]).await,
    );
    let date_error = buyer
        .post(
            &format!("{call_off}/terminate"),
            &[
                ("reason", "Site closed"),
                ("ends_on-day", "31"),
                ("ends_on-month", "2"),
                ("ends_on-year", "2027"),
            ],
        )
        .await;
    assert_eq!(date_error.status, 422);
    keep("terminate-date-error", &date_error);

    // Approvals: the rules, a submission, the approver's list and decision.
    keep("approval-rules", &admin.get("/organisation/approval-rules").await);
    let bad_rules = admin
        .post(
            "/organisation/approval-rules",
            &[
                ("thresholds[0].from_value", "lots"),
                ("thresholds[0].approvers", "9"),
                ("expiry_days", "0"),
            ],
        )
        .await;
    assert_eq!(bad_rules.status, 422);
    keep("approval-rules-error", &bad_rules);
    let saved = admin
        .post(
            "/organisation/approval-rules",
            &[
                ("thresholds[0].from_value", "0"),
                ("thresholds[0].approvers", "0"),
                ("thresholds[1].from_value", "10,000"),
                ("thresholds[1].approvers", "1"),
                ("expiry_days", "30"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    keep(
        "approval-rules-saved",
        &admin.get(saved.location.as_deref().unwrap()).await,
    );
    let sims = buyer.get(&format!("{framework}/catalogue?q=L4-SIM-5GB")).await;
    let sims_item = buyer.get(&first_link(&sims.body, "/items/")).await;
    buyer
        .post(
            "/quote/lines",
            &[("item_id", &sims_item.input_value("item_id").unwrap())],
        )
        .await;
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "100"),
                ("lines[0].term_months", "24"),
                ("action", "review"),
            ],
        )
        .await;
    let review = buyer.get("/quote/place").await;
    review.assert_contains("needs 1 approver");
    keep("place-review-approval", &review);
    let no_cost_centre = buyer.submit_review_with(&review, "").await;
    assert_eq!(no_cost_centre.status, 422);
    keep("place-cost-centre-error", &no_cost_centre);
    let bad_order = buyer
        .submit_review_fields(
            &review,
            &[
                ("order.title", ""),
                ("order.starts_on-day", "40"),
                ("order.contact.email", "nobody"),
            ],
        )
        .await;
    assert_eq!(bad_order.status, 422);
    keep("place-order-errors", &bad_order);
    let submitted = buyer.submit_review(&review).await;
    assert_eq!(submitted.status, 303);
    keep(
        "call-off-submitted",
        &buyer.get(submitted.location.as_deref().unwrap()).await,
    );
    let approver = site.signed_in("approver@camden.example").await;
    let approver_home = approver.get("/").await;
    approver_home.assert_contains("Approvals waiting for you");
    keep("home-approver", &approver_home);
    let awaiting = approver.get("/approvals").await;
    keep("approvals", &awaiting);
    let request = first_link(&awaiting.body, "/approvals/");
    keep("approval-decision", &approver.get(&request).await);
    let unexplained = approver
        .post(
            &format!("{request}/decision"),
            &[("decision", "return"), ("comment", "")],
        )
        .await;
    assert_eq!(unexplained.status, 422);
    keep("approval-decision-error", &unexplained);
    let approved = approver
        .post(
            &format!("{request}/decision"),
            &[("decision", "approve"), ("comment", "Fine")],
        )
        .await;
    assert_eq!(approved.status, 303);
    keep(
        "approvals-decided",
        &approver.get(approved.location.as_deref().unwrap()).await,
    );
    keep(
        "call-off-approved",
        &buyer
            .get(submitted.location.as_deref().unwrap().split('?').next().unwrap())
            .await,
    );
    // An increase of £13,200 on the live call-off waits for approval.
    let increase = buyer
        .post(
            &format!("{call_off}/vary"),
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "130"),
                ("lines[0].term_months", "24"),
            ],
        )
        .await;
    assert_eq!(increase.status, 303);
    keep(
        "call-off-variation-awaiting",
        &buyer.get(increase.location.as_deref().unwrap()).await,
    );
    let awaiting = approver.get("/approvals").await;
    let variation_request = first_link(&awaiting.body, "/approvals/");
    approver.get(&variation_request).await.assert_contains("Proposed lines");
    keep("approval-decision-variation", &approver.get(&variation_request).await);

    // Catalogue change control: the supplier proposes, the manager decides, the item keeps versions.
    let requests = format!("{framework}/change-requests");
    keep("change-requests-empty", &supplier.get(&requests).await);
    keep("change-request-new", &supplier.get(&format!("{requests}/new")).await);
    let (day, month, year) = (
        today.format("%d").to_string(),
        today.format("%m").to_string(),
        today.format("%Y").to_string(),
    );
    let bad_request = supplier
        .post(
            &requests,
            &[
                ("title", ""),
                ("effective_from-day", &day),
                ("effective_from-month", &month),
                ("effective_from-year", &year),
                ("changes[0].kind", "add"),
                ("changes[0].sku", "L4-SIM-5GB"),
                ("changes[0].price", "cheap"),
            ],
        )
        .await;
    assert_eq!(bad_request.status, 422);
    bad_request
        .assert_contains("Enter a title")
        .assert_contains("href=\"#changes-0-price\"");
    keep("change-request-error", &bad_request);
    let proposed = supplier
        .post(
            &requests,
            &[
                ("title", "SIM price rise"),
                ("effective_from-day", &day),
                ("effective_from-month", &month),
                ("effective_from-year", &year),
                ("changes[0].kind", "price"),
                ("changes[0].sku", "L4-SIM-5GB"),
                ("changes[0].price", "5.75"),
            ],
        )
        .await;
    assert_eq!(proposed.status, 303, "{}", proposed.body);
    let request = proposed.location.clone().unwrap();
    keep("change-request-submitted", &supplier.get(&request).await);
    keep("change-requests", &manager.get(&requests).await);
    let review = manager.get(request.split('?').next().unwrap()).await;
    review.assert_contains("£5.50").assert_contains("£5.75");
    keep("change-request-review", &review);
    let request_path = request.split('?').next().unwrap().to_string();
    let unexplained = manager.post(&format!("{request_path}/reject"), &[("reason", "")]).await;
    assert_eq!(unexplained.status, 422);
    keep("change-request-reject-error", &unexplained);
    let approved = manager.post(&format!("{request_path}/approve"), &[]).await;
    assert_eq!(approved.status, 303);
    keep("change-request-approved", &manager.get(&request_path).await);
    keep("price-list-upload", &supplier.get(&format!("{requests}/import")).await);
    let bad_file = b"lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv\n\
                     4,L4-UP-1,Up,An item,per week,1.00,12,64212000-5\n\
                     4,L4-UP-1,Up,An item,per month,x,12,64212000-5\n"
        .to_vec();
    let date = [
        ("effective_from-day", day.as_str()),
        ("effective_from-month", month.as_str()),
        ("effective_from-year", year.as_str()),
    ];
    let refused = supplier
        .upload(&format!("{requests}/import"), &date, "prices.csv", bad_file)
        .await;
    assert_eq!(refused.status, 422);
    refused
        .assert_contains("3 errors in the file")
        .assert_contains("per week");
    keep("price-list-upload-errors", &refused);
    let good_file = crate::browser::xlsx_price_list();
    let uploaded = supplier
        .upload(&format!("{requests}/import"), &date, "prices.xlsx", good_file)
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let sims = buyer.get(&format!("{framework}/catalogue?q=L4-SIM-5GB")).await;
    let sim_page = buyer.get(&first_link(&sims.body, "/items/")).await;
    sim_page.assert_contains("Versions").assert_contains("£5.75");
    keep("item-versions", &sim_page);

    // Volume pricing: the manager's demand bands, a quote that reached one, the catalogue on a
    // date, and the catalogue settings.
    let sim_path = first_link(&sims.body, "/items/").split('?').next().unwrap().to_string();
    // Five SIMs on a live call-off count towards demand.
    {
        use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
        let (hackney, supplier) = (site.t.actor("buyer@hackney.example").await, site.t.supplier().await);
        let command = PlaceCallOff {
            framework_id: site.t.framework_id.clone(),
            lines: vec![calloff_app::quotes::LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity: 5,
                term_months: 24,
                monthly_usage: None,
            }],
            cost_centre: "ICT-7".into(),
            order: calloff_app::demo::sample_order(&site.t.app),
        };
        let live = call_offs::place(&site.t.app, &hackney, &command, Some("a11y-live"))
            .await
            .unwrap()
            .call_off;
        for action in [CallOffAction::Accept, CallOffAction::GoLive] {
            call_offs::act(&site.t.app, &supplier, &live.id, &action).await.unwrap();
        }
    }
    let bands = format!("{sim_path}/demand-bands");
    let bad_bands = manager
        .post(
            &bands,
            &[
                ("demand_bands[0].from", "500"),
                ("demand_bands[0].unit_price", "5.00"),
                ("demand_bands[1].from", "many"),
                ("demand_bands[1].unit_price", "6.00"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(bad_bands.status, 422);
    bad_bands
        .assert_contains("Enter the quantity in band 2 as a whole number")
        .assert_contains("Set demand bands");
    keep("item-demand-bands-error", &bad_bands);
    let more_rows = manager
        .post(&bands, &[("demand_bands_rows", "3"), ("action", "add-row")])
        .await;
    assert_eq!(more_rows.status, 200);
    keep("item-demand-bands-more-rows", &more_rows);
    let saved = manager
        .post(
            &bands,
            &[
                ("demand_bands[0].from", "2"),
                ("demand_bands[0].unit_price", "5.20"),
                ("demand_bands[1].from", "1000000"),
                ("demand_bands[1].unit_price", "5.00"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let priced = manager.get(&sim_path).await;
    priced.assert_contains("Reached").assert_contains("more to go");
    keep("item-volume-pricing", &priced);
    let sim_id = sim_path.trim_start_matches("/items/").to_string();
    buyer.post("/quote/lines", &[("item_id", sim_id.as_str())]).await;
    let banded = buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "3"),
                ("lines[0].term_months", "24"),
                ("action", "update"),
            ],
        )
        .await;
    let banded = if banded.status == 303 {
        buyer.get("/quote").await
    } else {
        banded
    };
    banded
        .assert_contains("Next demand band")
        .assert_contains("Volume pricing saves");
    keep("quote-demand-band", &banded);
    let as_of = format!("{framework}/catalogue/as-of");
    keep("catalogue-as-of", &buyer.get(&as_of).await);
    let future = buyer
        .get(&format!("{as_of}?date-day=1&date-month=1&date-year=2099"))
        .await;
    assert_eq!(future.status, 200);
    keep("catalogue-as-of-future", &future);
    let impossible = buyer
        .get(&format!("{as_of}?date-day=31&date-month=2&date-year=2027"))
        .await;
    assert_eq!(impossible.status, 422);
    keep("catalogue-as-of-error", &impossible);
    let settings = format!("{framework}/catalogue-settings");
    keep("catalogue-settings", &manager.get(&settings).await);
    let too_high = manager.post(&settings, &[("indexation_cap", "30")]).await;
    assert_eq!(too_high.status, 422);
    keep("catalogue-settings-error", &too_high);
    let set = manager
        .post(&settings, &[("indexation_cap", "4.5"), ("names_buyers", "yes")])
        .await;
    set.assert_contains("saved").assert_contains("4.5");
    keep("catalogue-settings-saved", &set);
    // Customer governance: the roadmap, raising a proposal, and each part of a proposal's page.
    let proposals = format!("{framework}/proposals");
    let hackney = site.signed_in("buyer@hackney.example").await;
    keep("roadmap-empty", &hackney.get(&proposals).await);
    let new_form = hackney.get(&format!("{proposals}/new")).await;
    keep("proposal-new", &new_form);
    let key = new_form.input_value("idempotency_key").unwrap();
    let bad_proposal = hackney
        .post(
            &proposals,
            &[
                ("idempotency_key", &key),
                ("kind", ""),
                ("title", ""),
                ("rationale", ""),
            ],
        )
        .await;
    assert_eq!(bad_proposal.status, 422);
    bad_proposal
        .assert_contains("href=\"#kind\"")
        .assert_contains("href=\"#title\"");
    keep("proposal-new-error", &bad_proposal);
    let raised = hackney
        .post(
            &proposals,
            &[
                ("idempotency_key", &key),
                ("kind", "new_product"),
                ("lot", "5"),
                ("title", "Teams Rooms kits for small meeting rooms"),
                (
                    "rationale",
                    "Hybrid meetings in our libraries.\n\nEach room needs a camera, a speaker and a screen.",
                ),
            ],
        )
        .await;
    assert_eq!(raised.status, 303, "{}", raised.body);
    let proposal = raised.location.clone().unwrap();
    keep("proposal-raised", &hackney.get(&proposal).await);
    let proposal = proposal.split('?').next().unwrap().to_string();
    keep("proposal-customer", &buyer.get(&proposal).await);
    let vote = buyer.post(&format!("{proposal}/support"), &[]).await;
    assert_eq!(vote.status, 303);
    let again = approver.post(&format!("{proposal}/support"), &[]).await;
    assert_eq!(again.status, 409);
    again.assert_contains("href=\"#vote\"");
    keep("proposal-vote-conflict", &again);
    let no_comment = buyer.post(&format!("{proposal}/comments"), &[("comment", "")]).await;
    assert_eq!(no_comment.status, 422);
    keep("proposal-comment-error", &no_comment);
    buyer
        .post(
            &format!("{proposal}/comments"),
            &[("comment", "Camden's libraries need these too.")],
        )
        .await;
    keep("proposal-supplier", &supplier.get(&proposal).await);
    let no_response = supplier
        .post(&format!("{proposal}/response"), &[("response", " ")])
        .await;
    assert_eq!(no_response.status, 422);
    keep("proposal-response-error", &no_response);
    supplier
        .post(
            &format!("{proposal}/response"),
            &[("response", "We can offer a kit at £1,450 a room.")],
        )
        .await;
    keep("proposal-manager", &manager.get(&proposal).await);
    let no_reason = manager
        .post(
            &format!("{proposal}/decision"),
            &[("decision", "decline"), ("target_quarter", "2027-Q2"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    no_reason
        .assert_contains("href=\"#reason\"")
        .assert_contains("href=\"#target_quarter\"");
    keep("proposal-decision-error", &no_reason);
    let decided = manager
        .post(
            &format!("{proposal}/decision"),
            &[
                ("decision", "accept_change_request"),
                ("reason", "Needed across London"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    keep("proposal-decided", &supplier.get(&proposal).await);
    let final_again = manager
        .post(
            &format!("{proposal}/decision"),
            &[("decision", "defer"), ("reason", "Later")],
        )
        .await;
    assert_eq!(final_again.status, 409);
    keep("proposal-decision-final", &final_again);
    keep(
        "proposal-auditor",
        &site.signed_in("auditor@rbkc.example").await.get(&proposal).await,
    );
    keep("roadmap", &buyer.get(&proposals).await);
    let proposal_id = proposal.trim_start_matches("/proposals/");
    keep(
        "change-request-answering",
        &supplier.get(&format!("{requests}/new?proposal={proposal_id}")).await,
    );

    // The order register and the audit log, with their filter errors.
    let register = format!("{framework}/call-offs");
    keep("order-register", &manager.get(&register).await);
    keep(
        "order-register-filtered",
        &manager
            .get(&format!("{register}?kind=local_authority&lot=4&state=placed"))
            .await,
    );
    keep(
        "order-register-error",
        &manager
            .get(&format!("{register}?lot=99&placed_from=tomorrow&min_value=x"))
            .await,
    );
    let auditor = site.signed_in("auditor@rbkc.example").await;
    keep("order-register-auditor", &auditor.get(&register).await);
    keep("audit-log", &auditor.get("/audit").await);
    keep("audit-log-filtered", &auditor.get("/audit?entity=call_off").await);
    keep("audit-log-error", &auditor.get("/audit?reference=NO-SUCH-REF").await);
    keep("call-offs-manager", &manager.get("/call-offs").await);
    // MI returns, last, as December must come for November's return: the supplier's list, the
    // return with its lines, its error states (no confirmation; no business with invoices), the
    // submitted return, and the manager's list with the levy by month. Sessions are fresh, as
    // the clock moves on.
    {
        use calloff_app::Clock;
        site.t.clock.advance(chrono::Duration::days(6));
        assert_eq!(site.t.clock.now().date_naive().to_string(), "2026-12-02");
    }
    let supplier = site.signed_in("supplier@londonict.example").await;
    let returns = format!("{framework}/returns");
    let supplier_returns = supplier.get(&returns).await;
    keep("returns-supplier", &supplier_returns);
    let mi_return = first_link(&supplier_returns.body, "/returns/");
    let open_return = supplier.get(&mi_return).await;
    open_return.assert_contains("A11Y-1");
    keep("return-open", &open_return);
    let unconfirmed = supplier.post(&format!("{mi_return}/submit"), &[]).await;
    assert_eq!(unconfirmed.status, 422);
    unconfirmed.assert_contains("href=\"#confirm-submit\"");
    keep("return-confirm-error", &unconfirmed);
    let with_rows = supplier
        .post(&format!("{mi_return}/no-business"), &[("confirm", "yes")])
        .await;
    assert_eq!(with_rows.status, 409);
    with_rows.assert_contains("href=\"#rows\"");
    keep("return-no-business-error", &with_rows);
    let submitted = supplier
        .post(&format!("{mi_return}/submit"), &[("confirm", "yes")])
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    keep(
        "return-submitted",
        &supplier.get(submitted.location.as_deref().unwrap()).await,
    );
    // Uploading a return from a file: the page, and its errors table.
    let import = format!("{returns}/import");
    keep("return-import", &supplier.get(&import).await);
    let bad_return =
        "order_reference,customer_org_id,lot,sku,quantity,unit_price_gbp,value_gbp,invoice_number,invoice_date\n\
                      CO-NO-SUCH,GB-LAE-CMD,4,L4-SIM-5GB,1,5.50,5.50,EXT-1,2026-11-30\n";
    let refused = supplier
        .upload(
            &import,
            &[("period", "2026-11")],
            "return.csv",
            bad_return.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("id=\"file-errors\"");
    refused.assert_contains("order_reference");
    keep("return-import-errors", &refused);
    keep("home-supplier", &supplier.get("/").await);
    // The supplier declares its size and VCSE status: the form, its errors, and the banner.
    keep("supplier-status", &supplier.get("/organisation/supplier-status").await);
    let refused = supplier
        .post("/organisation/supplier-status", &[("sme", "maybe")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused
        .assert_contains("href=\"#sme\"")
        .assert_contains("href=\"#vcse\"");
    keep("supplier-status-errors", &refused);
    let declared = supplier
        .post("/organisation/supplier-status", &[("sme", "yes"), ("vcse", "no")])
        .await;
    assert_eq!(declared.status, 303, "{}", declared.body);
    keep(
        "supplier-status-declared",
        &supplier.get(declared.location.as_deref().unwrap()).await,
    );
    let manager = site.signed_in("manager@rbkc.example").await;
    keep("home-manager", &manager.get("/").await);
    keep("returns-manager", &manager.get(&returns).await);
    keep("return-manager", &manager.get(&mi_return).await);
    // The manager sets the management charge: the form, its errors, and the list with its banner.
    let new_rule = format!("{framework}/levy-rules/new");
    keep("levy-rule-new", &manager.get(&new_rule).await);
    let rule_action = format!("{framework}/levy-rules");
    let refused = manager
        .post(
            &rule_action,
            &[
                ("effective_from", "soon"),
                ("basis", "per_sector"),
                ("central_government", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("href=\"#central_government\"");
    keep("levy-rule-errors", &refused);
    let added = manager
        .post(
            &rule_action,
            &[("effective_from", "2027-01"), ("basis", "flat"), ("rate", "1.5")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    keep(
        "levy-rule-added",
        &manager.get(added.location.as_deref().unwrap()).await,
    );

    // Public pages, signed out: the open-data page, a framework's public page, an unknown one,
    // and the page once call-off values are withheld.
    keep("open-data", &anonymous.get("/open-data").await);
    keep("framework-public", &anonymous.get(&format!("{framework}/public")).await);
    let unknown = anonymous
        .get(&format!("/frameworks/{}/public", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(unknown.status, 404);
    keep("framework-public-not-found", &unknown);
    // The manager withholds call-off values through the page: the page, its errors (every
    // field named), and the page again with its banner.
    let confidentiality = format!("{framework}/confidentiality");
    keep("confidentiality", &manager.get(&confidentiality).await);
    let refused = manager
        .post(&confidentiality, &[("field", "colour"), ("reason", " ")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused
        .assert_contains("href=\"#field\"")
        .assert_contains("href=\"#withhold\"");
    keep("confidentiality-errors", &refused);
    let saved = manager
        .post(
            &confidentiality,
            &[
                ("field", "call_off_values"),
                ("withhold", "withhold"),
                ("reason", "Rates below list"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let saved = manager.get(saved.location.as_deref().unwrap()).await;
    saved
        .assert_contains("The open data is updated")
        .assert_contains("Rates below list");
    keep("confidentiality-saved", &saved);
    keep(
        "framework-public-withheld",
        &anonymous.get(&format!("{framework}/public")).await,
    );

    assert!(
        without_way_back.is_empty(),
        "pages below the top level without a back link or breadcrumbs: {without_way_back:?}"
    );

    let output = tokio::process::Command::new(a11y_check())
        .args(&urls)
        .output()
        .await
        .expect("run a11y-check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert_eq!(
        output.status.code(),
        Some(0),
        "a11y-check found violations on {} pages:\n{stdout}\n{stderr}",
        urls.len()
    );
    // The same pages at 375 px wide: none may scroll sideways.
    let widths = tokio::process::Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/widths.mjs"))
        .args(&urls)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .await
        .expect("run widths.mjs (node)");
    let stdout = String::from_utf8_lossy(&widths.stdout);
    let stderr = String::from_utf8_lossy(&widths.stderr);
    println!("{stdout}\n{stderr}");
    assert_eq!(
        widths.status.code(),
        Some(0),
        "pages scroll sideways at 375 px:\n{stdout}\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
