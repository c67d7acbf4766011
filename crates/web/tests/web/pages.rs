use crate::browser::{Page, Site};
use calloff_test_support::{on_both_databases, Backend};

on_both_databases!(
    signing_in_and_out,
    a_buyer_finds_quotes_and_places_a_call_off,
    the_supplier_accepts_and_rejects_from_the_inbox,
    pages_keep_each_organisation_to_its_own,
    forms_without_a_valid_csrf_token_change_nothing,
    placing_refuses_a_quote_changed_since_it_was_checked,
    an_organisation_registers_and_a_manager_verifies_it,
    an_admin_invites_someone_who_joins_by_the_link,
    customers_propose_support_and_the_manager_decides_without_javascript,
    pages_offer_only_what_the_framework_standing_allows,
    a_buyer_terminates_early_and_is_told_what_was_released,
    each_person_lands_on_their_tasks,
);

/// The first `href` on the page that starts with `prefix`.
pub fn first_link(body: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no link to {prefix} in:\n{body}"))
        + 6;
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].replace("&amp;", "&")
}

async fn signing_in_and_out(backend: Backend) {
    let site = Site::start(backend).await;
    let anonymous = site.browser();
    assert_eq!(anonymous.get("/frameworks").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(anonymous.get("/call-offs").await.location.as_deref(), Some("/sign-in"));

    let mut browser = site.browser();
    let wrong = browser.sign_in("buyer@camden.example", "not-the-password").await;
    assert_eq!(wrong.status, 422);
    wrong
        .assert_contains("There is a problem")
        .assert_contains("href=\"#email\"")
        .assert_contains("Error: Sign in");
    assert!(browser.session.is_none());
    let empty = browser.sign_in("", "").await;
    empty.assert_contains("Enter your email address");

    let browser = site.signed_in("buyer@camden.example").await;
    let frameworks = browser.get("/frameworks").await;
    frameworks
        .assert_contains("Pan-London ICT Services Framework")
        .assert_contains("Bola Buyer");
    assert_eq!(frameworks.headers["cache-control"], "no-store");
    assert!(frameworks.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(frameworks.headers["x-frame-options"], "DENY");
    let out = browser.post("/sign-out", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        browser.get("/frameworks").await.location.as_deref(),
        Some("/sign-in"),
        "the session must be gone"
    );
}

async fn a_buyer_finds_quotes_and_places_a_call_off(backend: Backend) {
    let site = Site::start(backend).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let framework = format!("/frameworks/{}", site.t.framework_id);
    let overview = buyer.get(&framework).await;
    assert_eq!(overview.status, 200);
    overview
        .assert_contains("£200,000,000.00")
        .assert_contains("0.00%")
        .assert_contains("Lot 3: Fixed telephony");

    let lot = buyer.get(&format!("{framework}/catalogue?lot=1&q=ETHERNET")).await;
    assert_eq!(lot.status, 200);
    lot.assert_contains("Managed Ethernet circuit 1 Gbit/s")
        .assert_contains("4 items");
    assert!(!lot.body.contains("SD-WAN"), "search must filter");
    let by_cpv = buyer.get(&format!("{framework}/catalogue?q=64212000")).await;
    assert!(by_cpv.body.contains("items") && !by_cpv.body.contains(">0 items"));
    // What people type: a plural with a typo, and words no single item has.
    let routers = buyer.get(&format!("{framework}/catalogue?q=routrs")).await;
    routers.assert_contains("Managed branch router");
    assert!(!routers.body.contains("partial-match"));
    let partial = buyer.get(&format!("{framework}/catalogue?q=ethernet+teleporter")).await;
    partial
        .assert_contains("No items match all of")
        .assert_contains("Showing items that match some of your words")
        .assert_contains("Managed Ethernet circuit 1 Gbit/s");
    // Each result shows its description, unit price, unit and minimum term.
    lot.assert_contains("Uncontended fibre Ethernet access at 1 Gbit/s")
        .assert_contains("£450.00 per month")
        .assert_contains("36 months");
    let bad_lot = buyer.get(&format!("{framework}/catalogue?lot=99")).await;
    assert_eq!(bad_lot.status, 422);
    bad_lot.assert_contains("href=\"#lot\"");
    // The error links to the lot checkboxes, which are shown with every lot to choose from.
    bad_lot
        .assert_contains("id=\"lot\" name=\"lot\" type=\"checkbox\" value=\"1\"")
        .assert_contains("Lot 5: Unified communications and conferencing");
    // Filters are checkboxes: ticked values of one filter are alternatives.
    let count = |page: &crate::browser::Page| {
        let at = page.body.find("id=\"result-count\">").unwrap() + "id=\"result-count\">".len();
        page.body[at..].split(' ').next().unwrap().parse::<i64>().unwrap()
    };
    let lot_1 = buyer.get(&format!("{framework}/catalogue?lot=1")).await;
    let lot_4 = buyer.get(&format!("{framework}/catalogue?lot=4")).await;
    let both = buyer.get(&format!("{framework}/catalogue?lot=1&lot=4")).await;
    assert_eq!(both.status, 200);
    assert_eq!(count(&both), count(&lot_1) + count(&lot_4));
    both.assert_contains("name=\"lot\" type=\"checkbox\" value=\"1\" checked")
        .assert_contains("name=\"lot\" type=\"checkbox\" value=\"4\" checked")
        .assert_contains("Filter results (2 chosen)")
        .assert_contains("Clear filters")
        .assert_contains("<h1 class=\"govuk-heading-l\">Catalogue</h1>");
    assert!(!both.body.contains("value=\"2\" checked"));
    lot_1.assert_contains("Lot 1: Local and wide area networking</h1>");
    // A supplier with nothing here finds nothing, and can be unticked by a labelled box.
    let stranger = buyer
        .get(&format!(
            "{framework}/catalogue?supplier=01a24e7e-5394-73da-bc23-7d9a05bc386c"
        ))
        .await;
    assert_eq!(stranger.status, 200);
    stranger
        .assert_contains("A supplier with nothing on this framework (0)")
        .assert_contains(">0 items<");
    let twice = buyer.get(&format!("{framework}/catalogue?q=sim&q=ethernet")).await;
    assert_eq!(twice.status, 422);
    twice.assert_contains("href=\"#q\"");

    // Every word must match: the 100 Mbit/s circuit.
    let hundred = buyer.get(&format!("{framework}/catalogue?lot=1&q=ETHERNET+100")).await;
    hundred.assert_contains("1 item");
    let item_path = first_link(&hundred.body, "/items/");
    let item = buyer.get(&item_path).await;
    item.assert_contains("Add to quote").assert_contains("72720000-3");
    let item_id = item.input_value("item_id").unwrap();
    let added = buyer.post("/quote/lines", &[("item_id", &item_id)]).await;
    assert!(
        added.location.as_deref().unwrap().starts_with("/quote?added=0"),
        "{:?}",
        added.location
    );
    let quote = buyer.get("/quote").await;
    quote.assert_contains("Contract value (ex VAT)");
    let sku = quote.input_value("lines[0].sku").unwrap();

    // Bad input names the field and keeps what was typed.
    let bad = buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", &sku),
                ("lines[0].quantity", "ten"),
                ("lines[0].term_months", "36"),
                ("action", "update"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#lines-0-quantity\"")
        .assert_contains("id=\"lines-0-quantity\"")
        .assert_contains("value=\"ten\"");
    let short = buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", &sku),
                ("lines[0].quantity", "2"),
                ("lines[0].term_months", "12"),
                ("action", "review"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    short
        .assert_contains("href=\"#lines-0-term_months\"")
        .assert_contains("at least 36 months");

    let reviewed = buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", &sku),
                ("lines[0].quantity", "2"),
                ("lines[0].term_months", "36"),
                ("action", "review"),
            ],
        )
        .await;
    assert_eq!(reviewed.location.as_deref(), Some("/quote/place"));
    let review = buyer.get("/quote/place").await;
    // The first match is L1-ETH-100M at £260 a month: 2 × £260 × 36 = £18,720, £22,464 with VAT.
    review
        .assert_contains("Route to market: direct award")
        .assert_contains("Check your call-off")
        .assert_contains("£18,720.00")
        .assert_contains("£22,464.00");
    // A cost centre is required; without one nothing is placed.
    let refused = buyer.submit_review_with(&review, "  ").await;
    assert_eq!(refused.status, 422);
    refused
        .assert_contains("Enter a cost centre")
        .assert_contains("href=\"#cost_centre\"");
    let placed = buyer.submit_review(&review).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let placed_path = placed.location.unwrap();
    let call_off = buyer.get(&placed_path).await;
    let call_off_path = placed_path.split('?').next().unwrap();
    call_off
        .assert_contains("Call-off placed")
        .assert_contains("Placed")
        .assert_contains("GB-LAE-CMD")
        .assert_contains("IT-4021")
        .assert_contains("£18,720.00");
    // Pressing "Place call-off" twice places one call-off.
    let again = buyer.submit_review(&review).await;
    assert!(again.status == 303 || again.status == 422, "{}", again.status);
    let mine = buyer.get("/call-offs").await;
    assert_eq!(mine.body.matches("LON-ICT-2025-CO-").count(), 1, "{}", mine.body);
    buyer.get(&framework).await.assert_contains("£18,720.00");
    buyer
        .get(&format!("{call_off_path}/order-form"))
        .await
        .assert_contains("Call-off order form")
        .assert_contains("LON-ICT-2025");
    assert!(buyer.get("/quote").await.body.contains("Your quote is empty"));
}

async fn place_via_pages(site: &Site, email: &str, quantity: &str) -> String {
    let buyer = site.signed_in(email).await;
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
    let review = buyer.get("/quote/place").await;
    let placed = buyer.submit_review(&review).await;
    placed.location.unwrap().split('?').next().unwrap().to_string()
}

async fn the_supplier_accepts_and_rejects_from_the_inbox(backend: Backend) {
    let site = Site::start(backend).await;
    let first = place_via_pages(&site, "buyer@camden.example", "10").await;
    let second = place_via_pages(&site, "buyer@camden.example", "20").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let told = supplier.get("/notifications").await;
    told.assert_contains("New call-off LON-ICT-2025-CO-")
        .assert_contains("2 unread")
        .assert_contains("email queued");
    assert_eq!(supplier.post("/notifications/read", &[]).await.status, 303);
    assert!(!supplier.get("/notifications").await.body.contains("Mark all as read"));
    let inbox = supplier.get("/supplier/inbox").await;
    inbox.assert_contains("London Borough of Camden");
    assert_eq!(inbox.body.matches("LON-ICT-2025-CO-").count(), 2);

    supplier.get(&first).await.assert_contains("Accept call-off");
    let accepted = supplier.post(&format!("{first}/accept"), &[]).await;
    assert_eq!(accepted.status, 303);
    supplier
        .get(&first)
        .await
        .assert_contains("Accepted")
        .assert_contains("Mark as live");

    supplier
        .get(&format!("{second}/reject"))
        .await
        .assert_contains("Reason");
    let no_reason = supplier.post(&format!("{second}/reject"), &[("reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    no_reason
        .assert_contains("href=\"#reason\"")
        .assert_contains("Enter a reason");
    let rejected = supplier
        .post(&format!("{second}/reject"), &[("reason", "Out of stock until March")])
        .await;
    assert_eq!(rejected.status, 303);
    let buyer = site.signed_in("buyer@camden.example").await;
    buyer
        .get(&second)
        .await
        .assert_contains("Rejected by supplier")
        .assert_contains("Out of stock until March");
    // The rejected call-off's value went back to the headroom: only the first (10 × £5.50 × 24) counts.
    buyer
        .get(&format!("/frameworks/{}", site.t.framework_id))
        .await
        .assert_contains("£1,320.00");
}

async fn pages_keep_each_organisation_to_its_own(backend: Backend) {
    let site = Site::start(backend).await;
    let camden_call_off = place_via_pages(&site, "buyer@camden.example", "5").await;
    let hackney = site.signed_in("buyer@hackney.example").await;
    assert_eq!(hackney.get(&camden_call_off).await.status, 404);
    assert_eq!(hackney.get(&format!("{camden_call_off}/order-form")).await.status, 404);
    assert_eq!(
        hackney
            .post(&format!("{camden_call_off}/cancel"), &[("reason", "not mine")])
            .await
            .status,
        404
    );
    assert!(!hackney.get("/call-offs").await.body.contains("LON-ICT-2025-CO-"));
    // A buyer cannot accept; a supplier cannot build quotes or place.
    let camden = site.signed_in("buyer@camden.example").await;
    assert_eq!(camden.post(&format!("{camden_call_off}/accept"), &[]).await.status, 403);
    let supplier = site.signed_in("supplier@londonict.example").await;
    assert_eq!(supplier.get("/quote").await.status, 403);
    assert_eq!(
        supplier.post("/call-offs", &[("idempotency_key", "x")]).await.status,
        403
    );
    let auditor = site.signed_in("auditor@rbkc.example").await;
    assert_eq!(auditor.get(&camden_call_off).await.status, 404);
    assert_eq!(auditor.get("/supplier/inbox").await.status, 403);
    // The framework's manager may read it.
    let manager = site.signed_in("manager@rbkc.example").await;
    assert_eq!(manager.get(&camden_call_off).await.status, 200);
}

async fn forms_without_a_valid_csrf_token_change_nothing(backend: Backend) {
    let site = Site::start(backend).await;
    let call_off = place_via_pages(&site, "buyer@camden.example", "5").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    let forged = supplier
        .post(&format!("{call_off}/accept"), &[("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status, 403);
    forged.assert_contains("csrf_token");
    supplier.get(&call_off).await.assert_contains("Accept call-off");
    let buyer = site.signed_in("buyer@camden.example").await;
    let lot = buyer
        .get(&format!("/frameworks/{}/catalogue?q=L1-ETH-1G", site.t.framework_id))
        .await;
    let item = buyer.get(&first_link(&lot.body, "/items/")).await;
    let forged = buyer
        .post(
            "/quote/lines",
            &[("item_id", &item.input_value("item_id").unwrap()), ("csrf_token", "")],
        )
        .await;
    assert_eq!(forged.status, 403);
    buyer.get("/quote").await.assert_contains("Your quote is empty");
    // Sign-in without the double-submit cookie is refused too.
    let form = site.browser().get("/sign-in").await;
    let token = form.input_value("csrf_token").unwrap();
    let no_cookie = site
        .browser()
        .post(
            "/sign-in",
            &[
                ("csrf_token", &token),
                ("email", "buyer@camden.example"),
                ("password", calloff_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(no_cookie.status, 403);
    assert!(no_cookie
        .set_cookies
        .iter()
        .all(|c| !c.starts_with("__Host-calloff_session=")));
}

async fn placing_refuses_a_quote_changed_since_it_was_checked(backend: Backend) {
    let site = Site::start(backend).await;
    let buyer = site.signed_in("buyer@camden.example").await;
    let lot = buyer
        .get(&format!("/frameworks/{}/catalogue?q=L4-SIM-5GB", site.t.framework_id))
        .await;
    let item = buyer.get(&first_link(&lot.body, "/items/")).await;
    buyer
        .post("/quote/lines", &[("item_id", &item.input_value("item_id").unwrap())])
        .await;
    let review = buyer.get("/quote/place").await;
    // Another tab changes the quantity after this review page was shown.
    buyer
        .post(
            "/quote",
            &[
                ("lines[0].sku", "L4-SIM-5GB"),
                ("lines[0].quantity", "900"),
                ("lines[0].term_months", "24"),
                ("action", "update"),
            ],
        )
        .await;
    let refused = buyer.submit_review(&review).await;
    assert_eq!(refused.status, 409);
    refused
        .assert_contains("Your quote changed after you checked it")
        .assert_contains("href=\"#lines\"")
        .assert_contains("£118,800.00");
    assert!(
        !buyer.get("/call-offs").await.body.contains("LON-ICT-2025-CO-"),
        "nothing may be placed"
    );
    // Placing from the page that shows the change works.
    let placed = buyer.submit_review(&refused).await;
    assert_eq!(placed.status, 303);
    buyer
        .get(placed.location.as_deref().unwrap())
        .await
        .assert_contains("£118,800.00");
}

async fn an_organisation_registers_and_a_manager_verifies_it(backend: Backend) {
    let site = Site::start(backend).await;
    // The register of known bodies is offered, with a way out for bodies not in it.
    site.browser()
        .get("/register")
        .await
        .assert_contains("<option value=\"GB-LAE-HAV\">London Borough of Havering</option>")
        .assert_contains("<option value=\"not_listed\">My organisation is not listed</option>");
    // Choosing nothing is refused on the choice.
    let unchosen = site
        .browser()
        .submit_public_form("/register", &[("known_body", ""), ("your_name", "Sam")])
        .await;
    assert_eq!(unchosen.status, 422);
    unchosen.assert_contains("href=\"#known_body\"");
    assert!(
        !unchosen.body.contains("href=\"#organisation_name\""),
        "typed fields blamed"
    );
    // A known body that is registered already is refused on the choice too.
    let taken = site
        .browser()
        .submit_public_form(
            "/register",
            &[
                ("known_body", "GB-LAE-CMD"),
                ("your_name", "Sam"),
                ("email", "sam@camden.example"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    taken
        .assert_contains("href=\"#known_body\"")
        .assert_contains("already registered")
        .assert_contains("<option value=\"GB-LAE-CMD\" selected>");
    let form = [
        ("known_body", "not_listed"),
        ("organisation_name", "Hackney New School"),
        ("kind", "school"),
        ("identifier_scheme", "GB-EDU"),
        ("identifier", "12345"),
        ("your_name", "Sam Head"),
        ("email", "head@hackneynew.example"),
        ("password", "a long enough password"),
        ("evidence", "I am the head teacher: hackneynew.example/staff"),
    ];
    let bad = site.browser().submit_public_form("/register", &form).await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#identifier\"")
        .assert_contains("6-digit URN")
        .assert_contains("value=\"Hackney New School\"");
    let mut good = form;
    good[4] = ("identifier", "100271");
    let done = site.browser().submit_public_form("/register", &good).await;
    assert_eq!(done.status, 200);
    done.assert_contains("Registration received");

    let head = site
        .signed_in_with("head@hackneynew.example", "a long enough password")
        .await;
    // An organisation admin sets up two-factor sign-in before anything else.
    assert_eq!(
        head.get("/frameworks").await.location.as_deref(),
        Some("/account/two-factor")
    );
    head.get("/account/two-factor")
        .await
        .assert_contains("must sign in with a code as well as a password");
    let (codes, _) = head.set_up_two_factor().await;
    codes
        .assert_contains("Two-factor sign-in is on")
        .assert_contains("Your recovery codes");
    head.get("/frameworks")
        .await
        .assert_contains("waiting for a framework manager to verify it");
    let manager = site.signed_in("manager@rbkc.example").await;
    let queue = manager.get("/organisations/pending").await;
    queue
        .assert_contains("Hackney New School")
        .assert_contains("GB-EDU-100271")
        .assert_contains("Sam Head")
        .assert_contains("mailto:head@hackneynew.example")
        .assert_contains("I am the head teacher: hackneynew.example/staff")
        .assert_contains(
            "href=\"https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/100271\"",
        )
        .assert_contains("Not matched");
    let mut conn = site.t.app.db.pool().acquire().await.unwrap();
    let org_id = calloff_store::organisations::find_by_name(&mut conn, "Hackney New School")
        .await
        .unwrap()
        .unwrap()
        .id;
    drop(conn);
    let empty_reason = manager.post(&format!("/organisations/{org_id}/reject"), &[]).await;
    assert_eq!(empty_reason.status, 422);
    empty_reason.assert_contains(&format!("href=\"#reason-{org_id}\""));
    let verified = manager.post(&format!("/organisations/{org_id}/verify"), &[]).await;
    assert_eq!(verified.status, 303);
    let after = manager.get(verified.location.as_deref().unwrap()).await;
    after
        .assert_contains("govuk-notification-banner--success")
        .assert_contains("Hackney New School is verified");
    assert!(!after.body.contains("<h2 class=\"govuk-heading-m\">Hackney New School"));
    assert!(!manager
        .get("/organisations/pending")
        .await
        .body
        .contains("Hackney New School"));
    assert!(!head
        .get("/frameworks")
        .await
        .body
        .contains("waiting for a framework manager"));
    head.get(&format!("/frameworks/{}/eligibility", site.t.framework_id))
        .await
        .assert_contains("School");
}

async fn an_admin_invites_someone_who_joins_by_the_link(backend: Backend) {
    let site = Site::start(backend).await;
    let admin = site.signed_in("admin@camden.example").await;
    let people = admin.get("/organisation/people").await;
    people.assert_contains("Bola Buyer").assert_contains("Send invitation");
    let bad = admin.post("/organisation/invitations", &[("email", "nope")]).await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#email\"")
        .assert_contains("href=\"#roles\"");
    let sent = admin
        .post(
            "/organisation/invitations",
            &[
                ("email", "nia@camden.example"),
                ("roles", "buyer"),
                ("roles", "approver"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303);
    admin
        .get(sent.location.as_deref().unwrap())
        .await
        .assert_contains("Invitation sent to nia@camden.example")
        .assert_contains("Invited");
    // The link is in the invitee's (emailed) notification.
    let mut conn = site.t.app.db.pool().acquire().await.unwrap();
    let nia = calloff_store::users::find_by_email(&mut conn, "nia@camden.example")
        .await
        .unwrap()
        .unwrap();
    let link = calloff_store::notifications::for_recipient(&mut conn, &nia.id, 1)
        .await
        .unwrap()[0]
        .link
        .clone();
    drop(conn);
    let short = site
        .browser()
        .submit_public_form(&link, &[("name", "Nia"), ("password", "short")])
        .await;
    assert_eq!(short.status, 422);
    short.assert_contains("href=\"#password\"");
    let joined = site
        .browser()
        .submit_public_form(&link, &[("name", "Nia New"), ("password", "a long enough password")])
        .await;
    assert_eq!(joined.location.as_deref(), Some("/sign-in?joined=1"));
    site.browser()
        .get("/sign-in?joined=1")
        .await
        .assert_contains("You have joined");
    let used = site
        .browser()
        .submit_public_form(&link, &[("name", "Nia New"), ("password", "a long enough password")])
        .await;
    assert_eq!(used.status, 409);
    used.assert_contains("already been used");
    let nia = site
        .signed_in_with("nia@camden.example", "a long enough password")
        .await;
    nia.get("/frameworks").await.assert_contains("Nia New");
    // Deactivated, Nia is signed out.
    let nia_id = {
        let mut conn = site.t.app.db.pool().acquire().await.unwrap();
        calloff_store::users::find_by_email(&mut conn, "nia@camden.example")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    assert_eq!(
        admin
            .post(&format!("/organisation/people/{nia_id}/deactivate"), &[])
            .await
            .status,
        303
    );
    assert_eq!(nia.get("/frameworks").await.location.as_deref(), Some("/sign-in"));
}

async fn customers_propose_support_and_the_manager_decides_without_javascript(backend: Backend) {
    let site = Site::start(backend).await;
    let framework = format!("/frameworks/{}", site.t.framework_id);
    let hackney = site.signed_in("buyer@hackney.example").await;
    let overview = hackney.get(&framework).await;
    let roadmap = first_link(&overview.body, &format!("{framework}/proposals"));
    let empty = hackney.get(&roadmap).await;
    empty
        .assert_contains("There are no proposals yet.")
        .assert_contains("Raise a proposal");

    // From an item's page, the form starts as a change to that item.
    let search = hackney.get(&format!("{framework}/catalogue?q=L4-SIM-5GB")).await;
    let item = hackney.get(&first_link(&search.body, "/items/")).await;
    let form = hackney
        .get(&first_link(&item.body, &format!("{framework}/proposals/new")))
        .await;
    form.assert_contains("name=\"sku\" type=\"text\" value=\"L4-SIM-5GB\"")
        .assert_contains("value=\"change\" checked");
    let key = form.input_value("idempotency_key").unwrap();

    // Bad input names each field, keeps what was typed, and raises nothing.
    let long_title = "t".repeat(121);
    let bad = hackney
        .post(
            &format!("{framework}/proposals"),
            &[
                ("idempotency_key", &key),
                ("kind", "change"),
                ("sku", "L4-SIM-5GB"),
                ("title", &long_title),
                ("rationale", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("href=\"#title\"")
        .assert_contains("Title must be 120 characters or fewer")
        .assert_contains("href=\"#rationale\"")
        .assert_contains(&long_title);
    let fields = [
        ("idempotency_key", key.as_str()),
        ("kind", "change"),
        ("sku", "L4-SIM-5GB"),
        ("title", "EU roaming on the 5 GB SIM"),
        ("rationale", "Housing officers visit EU partner cities every month."),
    ];
    let raised = hackney.post(&format!("{framework}/proposals"), &fields).await;
    assert_eq!(raised.status, 303, "{}", raised.body);
    let location = raised.location.unwrap();
    assert!(location.ends_with("?done=raised"));
    // Pressing the button twice raises one proposal.
    let twice = hackney.post(&format!("{framework}/proposals"), &fields).await;
    assert_eq!(twice.location.as_deref(), Some(location.as_str()));
    let proposal = location.split('?').next().unwrap().to_string();
    hackney
        .get(&location)
        .await
        .assert_contains("Proposal raised")
        .assert_contains("1 organisation")
        .assert_contains("London Borough of Hackney supports this proposal.");

    // Camden supports it once; a second vote from Camden is refused, naming the vote.
    let camden = site.signed_in("buyer@camden.example").await;
    camden
        .get(&proposal)
        .await
        .assert_contains("Support for London Borough of Camden");
    let supported = camden.post(&format!("{proposal}/support"), &[]).await;
    assert_eq!(supported.status, 303);
    let approver = site.signed_in("approver@camden.example").await;
    let second = approver.post(&format!("{proposal}/support"), &[]).await;
    assert_eq!(second.status, 409);
    second
        .assert_contains("href=\"#vote\"")
        .assert_contains("already supports this proposal");
    let supplier = site.signed_in("supplier@londonict.example").await;
    let page = supplier.get(&proposal).await;
    assert!(!page.body.contains("Support for"), "suppliers do not vote");
    assert_eq!(supplier.post(&format!("{proposal}/support"), &[]).await.status, 403);

    // A comment, then the supplier's response.
    let empty_comment = camden.post(&format!("{proposal}/comments"), &[("comment", " ")]).await;
    assert_eq!(empty_comment.status, 422);
    empty_comment.assert_contains("href=\"#comment\"");
    let commented = camden
        .post(
            &format!("{proposal}/comments"),
            &[("comment", "Camden's field teams too.")],
        )
        .await;
    assert_eq!(commented.status, 303);
    let responded = supplier
        .post(
            &format!("{proposal}/response"),
            &[("response", "A roaming bolt-on at £0.95 a month.")],
        )
        .await;
    assert_eq!(responded.status, 303);
    camden
        .get(&proposal)
        .await
        .assert_contains("Camden's field teams too.")
        .assert_contains("A roaming bolt-on at £0.95 a month.")
        .assert_contains("2 organisations");

    // The manager decides with one set of radios; the reason is required.
    let manager = site.signed_in("manager@rbkc.example").await;
    manager.get(&proposal).await.assert_contains("Record decision");
    let no_reason = manager
        .post(
            &format!("{proposal}/decision"),
            &[
                ("decision", "accept_roadmap"),
                ("target_quarter", "2027-Q2"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    no_reason
        .assert_contains("href=\"#reason\"")
        .assert_contains("value=\"accept_roadmap\" checked")
        .assert_contains("value=\"2027-Q2\" selected");
    let decided = manager
        .post(
            &format!("{proposal}/decision"),
            &[
                ("decision", "accept_roadmap"),
                ("target_quarter", "2027-Q2"),
                ("reason", "On the mobile roadmap"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    let page = manager.get(&proposal).await;
    page.assert_contains("On the roadmap for April to June 2027")
        .assert_contains("On the mobile roadmap");
    assert!(!page.body.contains("Record decision"), "accepted is final");
    let again = manager
        .post(
            &format!("{proposal}/decision"),
            &[("decision", "decline"), ("reason", "No")],
        )
        .await;
    assert_eq!(again.status, 409);
    again.assert_contains("href=\"#decision\"");

    // The roadmap lists it as accepted; followers were told; following is each person's choice.
    let listed = camden.get(&roadmap).await;
    listed
        .assert_contains("Accepted (1)")
        .assert_contains("EU roaming on the 5 GB SIM");
    hackney
        .get("/notifications")
        .await
        .assert_contains("Proposal accepted: EU roaming on the 5 GB SIM");
    let unfollowed = camden.post(&format!("{proposal}/unfollow"), &[]).await;
    assert_eq!(unfollowed.status, 303);
    camden.get(&proposal).await.assert_contains("Follow this proposal");
}

/// Each page offers a form or link only to those whose standing lets them use it.
async fn pages_offer_only_what_the_framework_standing_allows(backend: Backend) {
    let site = Site::start(backend).await;
    let framework = format!("/frameworks/{}", site.t.framework_id);
    let settings = format!("{framework}/catalogue-settings");
    let search = format!("{framework}/catalogue?q=L4-SIM-5GB");
    let change_requests = format!("href=\"{framework}/change-requests\"");
    let settings_link = format!("href=\"{settings}\"");
    // (who, may quote, may propose, sees change requests, manages the catalogue)
    let people = [
        ("buyer@hackney.example", true, true, false, false),
        ("approver@camden.example", false, true, false, false),
        ("supplier@londonict.example", false, false, true, false),
        ("manager@rbkc.example", false, false, true, true),
        ("auditor@rbkc.example", false, false, false, false),
    ];
    for (email, quotes, proposes, reads_requests, manages) in people {
        let browser = site.signed_in(email).await;
        let overview = browser.get(&framework).await;
        assert_eq!(
            overview.body.contains(&change_requests),
            reads_requests,
            "{email}: change requests"
        );
        assert_eq!(
            overview.body.contains(&settings_link),
            manages,
            "{email}: settings link"
        );
        let found = browser.get(&search).await;
        let item = browser.get(&first_link(&found.body, "/items/")).await;
        assert_eq!(item.body.contains("Add to quote"), quotes, "{email}: quote");
        assert_eq!(
            item.body.contains("/proposals/new?item="),
            proposes,
            "{email}: proposal link"
        );
        assert_eq!(
            item.body.contains("Save demand bands"),
            manages,
            "{email}: demand bands"
        );
        let page = browser.get(&settings).await;
        assert_eq!(page.status, 200, "{email}: settings");
        page.assert_contains("Indexation cap");
        assert_eq!(page.body.contains("Save settings"), manages, "{email}: settings form");
    }
}

async fn a_buyer_terminates_early_and_is_told_what_was_released(backend: Backend) {
    let site = Site::start(backend).await; // 26 November 2026
                                           // 10 SIMs at £5.50 a month for 24 months: £1,320.00.
    let call_off = place_via_pages(&site, "buyer@camden.example", "10").await;
    let supplier = site.signed_in("supplier@londonict.example").await;
    for action in ["accept", "go-live"] {
        assert_eq!(supplier.post(&format!("{call_off}/{action}"), &[]).await.status, 303);
    }
    let buyer = site.signed_in("buyer@camden.example").await;
    buyer
        .get(&format!("{call_off}/terminate"))
        .await
        .assert_contains("Last day of service")
        .assert_contains("From today (26 November 2026)");
    let date = |day: &'static str, month: &'static str, year: &'static str| {
        [
            ("reason", "Site closed"),
            ("ends_on-day", day),
            ("ends_on-month", month),
            ("ends_on-year", year),
        ]
    };
    let not_a_date = buyer
        .post(&format!("{call_off}/terminate"), &date("31", "2", "2027"))
        .await;
    assert_eq!(not_a_date.status, 422);
    not_a_date
        .assert_contains("href=\"#ends_on\"")
        .assert_contains("Enter the last day of service, with a real day, month and year");
    let past = buyer
        .post(&format!("{call_off}/terminate"), &date("25", "11", "2026"))
        .await;
    assert_eq!(past.status, 422);
    past.assert_contains("href=\"#ends_on\"")
        .assert_contains("today (26 November 2026) or later");

    // Ending on 10 March 2027 serves four months: £220.00 is due and £1,100.00 released.
    let ended = buyer
        .post(&format!("{call_off}/terminate"), &date("10", "3", "2027"))
        .await;
    assert_eq!(ended.status, 303);
    buyer
        .get(&call_off)
        .await
        .assert_contains("Terminated early")
        .assert_contains("its last day is 10 March 2027")
        .assert_contains("£220.00")
        .assert_contains("£1,100.00 was released back to the framework's headroom");
    buyer
        .get(&format!("/frameworks/{}", site.t.framework_id))
        .await
        .assert_contains("£220.00");
}

/// The count of a task on the home page, as its status reads ("None" is 0).
fn task_count(home: &Page, label: &str) -> i64 {
    let at = home
        .body
        .find(&format!(">{label}</a>"))
        .unwrap_or_else(|| panic!("no task {label:?} on:\n{}", home.body));
    let status = &home.body[at..];
    let status = &status[status.find("govuk-task-list__status").unwrap()..];
    let status = &status[status.find('>').unwrap() + 1..];
    if status.starts_with("None") {
        return 0;
    }
    let text = &status[status.find('>').unwrap() + 1..];
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// Signing in lands on the person's tasks, with counts that move as work is done; actions end
/// on a page that says what happened; the navigation counts unread notifications and signs out.
async fn each_person_lands_on_their_tasks(backend: Backend) {
    let site = Site::start(backend).await;
    let t = &site.t;
    let mut anonymous = site.browser();
    let landed = anonymous
        .sign_in("supplier@londonict.example", calloff_app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(landed.location.as_deref(), Some("/"));

    let supplier = site.signed_in("supplier@londonict.example").await;
    let home = supplier.get("/").await;
    home.assert_contains("Your tasks")
        .assert_contains("action=\"/sign-out\"")
        .assert_contains("Sign out");
    assert!(!home.body.contains("frameworks you can buy through"));
    let before = task_count(&home, "Call-offs to accept or reject");

    // A buyer places a call-off: the supplier has one more to accept.
    let buyer = t.buyer().await;
    let command = calloff_app::call_offs::PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![calloff_app::quotes::LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 2,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = calloff_app::call_offs::place(&t.app, &buyer, &command, Some("home-tasks"))
        .await
        .unwrap()
        .call_off;
    let home = supplier.get("/").await;
    assert_eq!(task_count(&home, "Call-offs to accept or reject"), before + 1);
    home.assert_contains(&placed.reference);
    let to_start = task_count(&home, "Accepted call-offs to mark as live");

    // Accepting ends on the call-off with a banner; the counts move on.
    let accepted = supplier.post(&format!("/call-offs/{}/accept", placed.id), &[]).await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let shown = supplier.get(accepted.location.as_deref().unwrap()).await;
    shown.assert_contains("Call-off accepted");
    let home = supplier.get("/").await;
    assert_eq!(task_count(&home, "Call-offs to accept or reject"), before);
    assert_eq!(task_count(&home, "Accepted call-offs to mark as live"), to_start + 1);
    let live = supplier.post(&format!("/call-offs/{}/go-live", placed.id), &[]).await;
    assert_eq!(live.status, 303, "{}", live.body);
    supplier
        .get(live.location.as_deref().unwrap())
        .await
        .assert_contains("Call-off marked as live");

    // The buyer was told: the navigation counts it until it is read.
    let buyer_page = site.signed_in("buyer@camden.example").await;
    let home = buyer_page.get("/").await;
    home.assert_contains("Invoices to approve or dispute")
        .assert_contains("Contracts ending within 90 days");
    let unread = calloff_app::notifications::list(&t.app, &buyer)
        .await
        .unwrap()
        .iter()
        .filter(|n| n.read_at.is_none())
        .count();
    assert!(unread > 0);
    home.assert_contains(&format!(
        "<span class=\"calloff-count\">{unread}<span class=\"govuk-visually-hidden\"> unread</span>"
    ));
    let read = buyer_page.post("/notifications/read", &[]).await;
    buyer_page
        .get(read.location.as_deref().unwrap())
        .await
        .assert_contains("All notifications marked as read");
    assert!(!buyer_page.get("/").await.body.contains("calloff-count"));

    // The manager's tasks: registrations to verify.
    let manager = site.signed_in("manager@rbkc.example").await;
    let home = manager.get("/").await;
    let pending = calloff_app::registration::pending(&t.app, &t.actor("manager@rbkc.example").await)
        .await
        .unwrap()
        .len();
    assert_eq!(
        task_count(&home, "Registrations to verify"),
        i64::try_from(pending).unwrap()
    );
    home.assert_contains("Catalogue change requests to decide");
}
