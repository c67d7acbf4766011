use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{frameworks, AppError};
use calloff_domain::call_off::CallOffState;
use calloff_domain::framework::FrameworkStatus;
use calloff_domain::money::Money;
use calloff_store::call_offs as stored;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    places_a_call_off_and_reserves_headroom,
    placed_call_offs_keep_their_prices,
    supplier_accepts_or_rejects_and_rejection_releases_headroom,
    buyers_and_suppliers_see_only_their_own,
    bad_lines_are_refused_by_field_and_write_nothing,
    framework_must_be_live_and_buyer_eligible_and_verified,
    headroom_shortfall_names_what_is_left,
    a_retry_with_the_same_idempotency_key_returns_the_first_call_off,
    a_line_is_not_frozen_if_its_item_changed_after_pricing,
    placing_after_a_price_change_freezes_the_price_then_in_force,
    the_adviser_says_direct_award_or_further_competition_and_placing_follows_it,
);

fn line(sku: &str, quantity: i64, term_months: i64) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage: None,
    }
}

fn basket(t: &TestApp, lines: Vec<LineInput>) -> PlaceCallOff {
    PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines,
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    }
}

async fn committed(t: &TestApp, framework: &calloff_domain::ids::FrameworkId) -> Money {
    let manager = t.actor("manager@rbkc.example").await;
    frameworks::overview(&t.app, &manager, framework)
        .await
        .unwrap()
        .headroom
        .committed
}

async fn call_off_count(t: &TestApp) -> i64 {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    stored::committed_sum(&mut conn, &t.framework_id).await.unwrap().1
}

async fn places_a_call_off_and_reserves_headroom(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let mut calls = line("L3-CALL-GEO", 1, 24);
    calls.monthly_usage = Some(20_000);
    let command = basket(&t, vec![line("L1-ETH-1G", 2, 36), line("L1-ETH-INST", 2, 36), calls]);
    let placed = call_offs::place(&t.app, &buyer, &command, None).await.unwrap();
    let c = placed.call_off;
    // 450 × 2 × 36 + 950 × 2 + 0.0085 × 20,000 × 24 = 32,400 + 1,900 + 4,080
    assert_eq!(c.totals.contract_value, Money::from_pounds(38_380));
    assert_eq!(c.totals.vat, Money::from_pounds(7_676));
    assert_eq!(c.state, CallOffState::Placed);
    assert!(c.reference.starts_with("LON-ICT-2025-CO-"));
    assert_eq!(committed(&t, &t.framework_id).await, Money::from_pounds(38_380));
    let manager = t.actor("manager@rbkc.example").await;
    let overview = frameworks::overview(&t.app, &manager, &t.framework_id).await.unwrap();
    let lot1 = overview
        .lots
        .iter()
        .find(|l| l.lot.number == 1)
        .unwrap()
        .headroom
        .unwrap();
    assert_eq!(lot1.committed, Money::from_pounds(34_300));
    let lot3 = overview
        .lots
        .iter()
        .find(|l| l.lot.number == 3)
        .unwrap()
        .headroom
        .unwrap();
    assert_eq!(lot3.committed, Money::from_pounds(4_080));
    let history = calloff_app::audit::call_off_history(&t.app, &buyer, &c.id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].entry.action, "call_off.placed");
}

async fn placed_call_offs_keep_their_prices(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let placed = call_offs::place(&t.app, &buyer, &basket(&t, vec![line("L2-IAAS-VM-S", 3, 12)]), None)
        .await
        .unwrap();
    let before = placed.call_off.lines[0].clone();
    // The catalogue price changes after placing.
    sqlx::query("UPDATE catalogue_items SET unit_price_micros = unit_price_micros * 2, name = 'Renamed' WHERE sku = 'L2-IAAS-VM-S'")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    let after = call_offs::get(&t.app, &buyer, &placed.call_off.id).await.unwrap();
    assert_eq!(after.lines[0], before);
    assert_eq!(after.totals, placed.call_off.totals);
}

async fn supplier_accepts_or_rejects_and_rejection_releases_headroom(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let supplier = t.supplier().await;
    let first = call_offs::place(&t.app, &buyer, &basket(&t, vec![line("L4-SIM-5GB", 50, 24)]), None)
        .await
        .unwrap()
        .call_off;
    let second = call_offs::place(&t.app, &buyer, &basket(&t, vec![line("L4-SIM-5GB", 10, 24)]), None)
        .await
        .unwrap()
        .call_off;
    let both = first
        .totals
        .contract_value
        .checked_add(second.totals.contract_value)
        .unwrap();
    assert_eq!(committed(&t, &t.framework_id).await, both);

    // The buyer cannot accept their own order; the supplier can.
    let err = call_offs::act(&t.app, &buyer, &first.id, &CallOffAction::Accept)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let accepted = call_offs::act(&t.app, &supplier, &first.id, &CallOffAction::Accept)
        .await
        .unwrap();
    assert_eq!(accepted.state, CallOffState::Accepted);
    let live = call_offs::act(&t.app, &supplier, &first.id, &CallOffAction::GoLive)
        .await
        .unwrap();
    assert_eq!(live.state, CallOffState::Live);

    // Rejection needs a reason, and releases the headroom.
    let err = call_offs::act(
        &t.app,
        &supplier,
        &second.id,
        &CallOffAction::Reject { reason: "  ".into() },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Invalid(ref e) if e.field == "reason"));
    let rejected = call_offs::act(
        &t.app,
        &supplier,
        &second.id,
        &CallOffAction::Reject {
            reason: "No coverage at site".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(rejected.state, CallOffState::Rejected);
    assert_eq!(rejected.rejection_reason.as_deref(), Some("No coverage at site"));
    assert_eq!(committed(&t, &t.framework_id).await, first.totals.contract_value);

    // A decided call-off cannot be decided again.
    let err = call_offs::act(&t.app, &supplier, &second.id, &CallOffAction::Accept)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    // Cancelling a live call-off is not allowed; ending it is.
    let err = call_offs::act(&t.app, &buyer, &first.id, &CallOffAction::Cancel { reason: "x".into() })
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    // Ending needs the term to be over; before then it is terminated, with a reason.
    let early = call_offs::act(&t.app, &buyer, &first.id, &CallOffAction::End)
        .await
        .unwrap_err();
    assert!(
        matches!(early, AppError::Conflict(ref e) if e.message.contains("terminate")),
        "{early:?}"
    );
    let no_reason = call_offs::act(
        &t.app,
        &buyer,
        &first.id,
        &CallOffAction::Terminate {
            reason: "".into(),
            ends_on: None,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(no_reason, AppError::Invalid(ref e) if e.field == "reason"));
    let ended = call_offs::act(
        &t.app,
        &buyer,
        &first.id,
        &CallOffAction::Terminate {
            reason: "Site closed".into(),
            ends_on: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(ended.state, CallOffState::Ended);
    assert_eq!(ended.rejection_reason.as_deref(), Some("Site closed"));
    // Ended on the day it went live, it keeps its first month (a started month counts whole)
    // committed, and releases the rest.
    assert!(ended.totals.contract_value < first.totals.contract_value);
    assert_eq!(
        committed(&t, &t.framework_id).await,
        ended.totals.contract_value,
        "ended call-offs still count what was due"
    );
    t.assert_audit_intact().await;
}

async fn buyers_and_suppliers_see_only_their_own(backend: Backend) {
    let t = TestApp::init(backend).await;
    let camden = t.buyer().await;
    let hackney = t.actor("buyer@hackney.example").await;
    let camden_admin = t.actor("admin@camden.example").await;
    let supplier = t.supplier().await;
    let placed = call_offs::place(
        &t.app,
        &camden,
        &basket(&t, vec![line("L5-TEAMS-PHONE", 100, 12)]),
        None,
    )
    .await
    .unwrap()
    .call_off;
    call_offs::place(&t.app, &hackney, &basket(&t, vec![line("L5-TEAMS-PHONE", 5, 12)]), None)
        .await
        .unwrap();

    let err = call_offs::get(&t.app, &hackney, &placed.id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    let err = call_offs::act(
        &t.app,
        &hackney,
        &placed.id,
        &CallOffAction::Cancel {
            reason: "mine now".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    assert!(call_offs::get(&t.app, &camden_admin, &placed.id).await.is_ok());

    let camden_list = call_offs::list(&t.app, &camden, None, &Default::default())
        .await
        .unwrap()
        .call_offs;
    assert_eq!(camden_list.len(), 1);
    assert_eq!(camden_list[0].id, placed.id);
    let hackney_list = call_offs::list(&t.app, &hackney, None, &Default::default())
        .await
        .unwrap()
        .call_offs;
    assert_eq!(hackney_list.len(), 1);
    assert_ne!(hackney_list[0].id, placed.id);
    assert_eq!(
        call_offs::list(&t.app, &supplier, None, &Default::default())
            .await
            .unwrap()
            .call_offs
            .len(),
        2
    );

    // Only buyers place call-offs.
    let err = call_offs::place(
        &t.app,
        &supplier,
        &basket(&t, vec![line("L5-TEAMS-PHONE", 1, 12)]),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

async fn assert_refused(t: &TestApp, lines: Vec<LineInput>, field: &str, message_part: &str) {
    let buyer = t.buyer().await;
    let before = call_off_count(t).await;
    let err = call_offs::place(&t.app, &buyer, &basket(t, lines), None)
        .await
        .unwrap_err();
    let errors = err.field_errors();
    assert!(
        errors
            .iter()
            .any(|e| e.field == field && e.message.contains(message_part)),
        "expected {field} ~ {message_part:?}, got {errors:?}"
    );
    assert_eq!(call_off_count(t).await, before, "a refused call-off must write nothing");
    assert_eq!(committed(t, &t.framework_id).await, Money::ZERO);
}

async fn bad_lines_are_refused_by_field_and_write_nothing(backend: Backend) {
    let t = TestApp::init(backend).await;
    assert_refused(&t, vec![line("L1-ETH-1G", 0, 36)], "lines[0].quantity", "from 1 to").await;
    assert_refused(&t, vec![line("L1-ETH-1G", -3, 36)], "lines[0].quantity", "from 1 to").await;
    assert_refused(
        &t,
        vec![line("L1-ETH-1G", 10_000_000, 36)],
        "lines[0].quantity",
        "from 1 to",
    )
    .await;
    assert_refused(
        &t,
        vec![line("L1-ETH-1G", 1, 12)],
        "lines[0].term_months",
        "at least 36 months",
    )
    .await;
    assert_refused(
        &t,
        vec![line("L1-ETH-1G", 1, 36), line("NO-SUCH-SKU", 1, 12)],
        "lines[1].sku",
        "No item with SKU",
    )
    .await;
    assert_refused(
        &t,
        vec![line("L3-CALL-GEO", 1, 12)],
        "lines[0].monthly_usage",
        "minutes per month",
    )
    .await;
    assert_refused(&t, vec![], "lines", "at least one item").await;
    let other = t
        .add_framework("OTHER-FW", Money::from_pounds(1_000_000), None, FrameworkStatus::Live)
        .await;
    assert_refused(
        &t,
        vec![line(&other.sku, 1, 12)],
        "lines[0].sku",
        "not on this framework",
    )
    .await;
}

async fn framework_must_be_live_and_buyer_eligible_and_verified(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let suspended = t
        .add_framework(
            "SUSP-FW",
            Money::from_pounds(1_000_000),
            None,
            FrameworkStatus::Suspended,
        )
        .await;
    let command = PlaceCallOff {
        framework_id: suspended.id.clone(),
        lines: vec![line(&suspended.sku, 1, 12)],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let err = call_offs::place(&t.app, &buyer, &command, None).await.unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "framework_id" && e.message.contains("suspended")),
        "{err:?}"
    );

    // Westminster is on the demo framework's register but not on this one.
    let live = t
        .add_framework("LIVE-FW", Money::from_pounds(1_000_000), None, FrameworkStatus::Live)
        .await;
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let westminster = calloff_store::organisations::find_by_name(&mut conn, "City of Westminster")
        .await
        .unwrap()
        .unwrap();
    let tfl = calloff_store::organisations::find_by_name(&mut conn, "Transport for London")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let roles = [calloff_domain::role::Role::Buyer];
    calloff_app::auth::create_user(
        &t.app,
        &westminster.id,
        "buyer@westminster.example",
        "W Buyer",
        "long-enough-password",
        &roles,
    )
    .await
    .unwrap();
    calloff_app::auth::create_user(
        &t.app,
        &tfl.id,
        "buyer@tfl.example",
        "T Buyer",
        "long-enough-password",
        &roles,
    )
    .await
    .unwrap();
    let signed_in = |email: &'static str| {
        let app = t.app.clone();
        async move {
            calloff_app::auth::sign_in(&app, email, "long-enough-password")
                .await
                .unwrap()
                .actor
        }
    };
    let westminster_buyer = signed_in("buyer@westminster.example").await;
    let command = PlaceCallOff {
        framework_id: live.id.clone(),
        lines: vec![line(&live.sku, 1, 12)],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let err = call_offs::place(&t.app, &westminster_buyer, &command, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "organisation" && e.message.contains("not eligible")),
        "{err:?}"
    );

    // TfL has no verified identifier yet: it may browse but not buy.
    let tfl_buyer = signed_in("buyer@tfl.example").await;
    let err = call_offs::place(&t.app, &tfl_buyer, &basket(&t, vec![line("L1-ETH-1G", 1, 36)]), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "organisation" && e.message.contains("not yet verified")),
        "{err:?}"
    );
    assert_eq!(call_off_count(&t).await, 0);
}

async fn headroom_shortfall_names_what_is_left(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let small = t
        .add_framework(
            "SMALL-FW",
            Money::from_pounds(1_000),
            Some(Money::from_pounds(600)),
            FrameworkStatus::Live,
        )
        .await;
    let place = |quantity: i64| {
        let command = PlaceCallOff {
            framework_id: small.id.clone(),
            lines: vec![line(&small.sku, quantity, 12)],
            cost_centre: "IT-4021".into(),
            order: calloff_app::demo::sample_order(&t.app),
        };
        let (app, buyer) = (t.app.clone(), buyer.clone());
        async move { call_offs::place(&app, &buyer, &command, None).await }
    };
    place(40).await.unwrap(); // £480 of the lot's £600
    let err = place(20).await.unwrap_err(); // £240 > £120 left in the lot
    match err {
        AppError::HeadroomExceeded { ref scope, left, value } => {
            assert_eq!(*scope, calloff_app::HeadroomScope::Lot(1));
            assert_eq!(left, Money::from_pounds(120));
            assert_eq!(value, Money::from_pounds(240));
            assert!(err.to_string().contains("£120.00"));
        }
        other => panic!("expected a headroom error, got {other:?}"),
    }
    assert_eq!(committed(&t, &small.id).await, Money::from_pounds(480));

    let bigger = t
        .add_framework("BIG-FW", Money::from_pounds(1_000), None, FrameworkStatus::Live)
        .await;
    let command = PlaceCallOff {
        framework_id: bigger.id.clone(),
        lines: vec![line(&bigger.sku, 84, 12)],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let err = call_offs::place(&t.app, &buyer, &command, None).await.unwrap_err(); // 84 × 12 = £1,008
    assert!(
        matches!(err, AppError::HeadroomExceeded { ref scope, left, .. } if *scope == calloff_app::HeadroomScope::Framework && left == Money::from_pounds(1_000)),
        "{err:?}"
    );
    assert_eq!(committed(&t, &bigger.id).await, Money::ZERO);
}

async fn a_retry_with_the_same_idempotency_key_returns_the_first_call_off(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let command = basket(&t, vec![line("L2-M365-E3", 250, 12)]);
    let first = call_offs::place(&t.app, &buyer, &command, Some("key-1")).await.unwrap();
    assert!(!first.replayed);
    let second = call_offs::place(&t.app, &buyer, &command, Some("key-1")).await.unwrap();
    assert!(second.replayed);
    assert_eq!(second.call_off.id, first.call_off.id);
    assert_eq!(call_off_count(&t).await, 1);
    assert_eq!(
        committed(&t, &t.framework_id).await,
        first.call_off.totals.contract_value
    );

    let different = basket(&t, vec![line("L2-M365-E3", 251, 12)]);
    let err = call_offs::place(&t.app, &buyer, &different, Some("key-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref e) if e.field == "Idempotency-Key"),
        "{err:?}"
    );

    // Ten concurrent retries of a new key create exactly one call-off.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, buyer, command) = (
                t.app.clone(),
                buyer.clone(),
                basket(&t, vec![line("L2-M365-E3", 10, 12)]),
            );
            tokio::spawn(async move { call_offs::place(&app, &buyer, &command, Some("key-2")).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap().call_off.id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(call_off_count(&t).await, 2);
}

async fn a_line_is_not_frozen_if_its_item_changed_after_pricing(backend: Backend) {
    use calloff_domain::call_off::{CallOff, CallOffState};
    use calloff_domain::ids::CallOffId;
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let quote = calloff_app::quotes::price(&t.app, &buyer, &t.framework_id, &[line("L1-ETH-1G", 1, 36)])
        .await
        .unwrap();
    let call_off = CallOff {
        id: CallOffId::generate(),
        reference: "TEST-1".into(),
        framework_id: t.framework_id.clone(),
        buyer_id: buyer.organisation_id.clone(),
        supplier_id: quote.supplier_id.clone(),
        placed_by: buyer.user_id.clone(),
        state: CallOffState::Placed,
        lines: quote.lines.clone(),
        totals: quote.totals,
        cost_centre: None,
        rejection_reason: None,
        placed_at: "2026-11-26T10:00:00.000Z".into(),
        updated_at: "2026-11-26T10:00:00.000Z".into(),
        change_seq: 1_000_000,
        sent_to_supplier: true,
        order: None,
        supplier_contact: None,
    };
    let new = || stored::NewCallOff {
        call_off: &call_off,
        idempotency_key: None,
        request_hash: None,
    };
    // Unchanged, the line is copied from the catalogue.
    let mut tx = t.app.db.begin_write().await.unwrap();
    assert_eq!(stored::insert(&mut tx, new()).await.unwrap(), stored::Inserted::Yes);
    tx.rollback().await.unwrap();
    // A price rise of a millionth of a pound after pricing is enough to refuse the line.
    sqlx::query("UPDATE catalogue_items SET unit_price_micros = unit_price_micros + 1 WHERE sku = 'L1-ETH-1G'")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    let mut tx = t.app.db.begin_write().await.unwrap();
    assert_eq!(
        stored::insert(&mut tx, new()).await.unwrap(),
        stored::Inserted::ItemChanged { line: 0 }
    );
}

async fn placing_after_a_price_change_freezes_the_price_then_in_force(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let basket = basket(&t, vec![line("L1-ETH-1G", 1, 36)]);
    // This process prices (and remembers) the item at £450 a month...
    let quoted = calloff_app::quotes::price(&t.app, &buyer, &t.framework_id, &basket.lines)
        .await
        .unwrap();
    assert_eq!(quoted.lines[0].unit_price.micros(), 450_000_000);
    // ...then the catalogue changes behind its back (another process, say).
    sqlx::query("UPDATE catalogue_items SET unit_price_micros = 460000000 WHERE sku = 'L1-ETH-1G'")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    let placed = call_offs::place(&t.app, &buyer, &basket, Some("after-change"))
        .await
        .unwrap()
        .call_off;
    assert_eq!(placed.lines[0].unit_price.micros(), 460_000_000);
    assert_eq!(placed.totals.contract_value, Money::from_pounds(460 * 36));
    assert_eq!(committed(&t, &t.framework_id).await, Money::from_pounds(460 * 36));
    assert_eq!(call_off_count(&t).await, 1);
}

async fn the_adviser_says_direct_award_or_further_competition_and_placing_follows_it(backend: Backend) {
    use calloff_domain::route_to_market::Route;
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    // The demo: one supplier, direct award in every lot.
    let quote = calloff_app::quotes::price(&t.app, &buyer, &t.framework_id, &[line("L1-ETH-1G", 2, 36)])
        .await
        .unwrap();
    let advice = calloff_app::quotes::route_to_market(&t.app, &buyer, &quote)
        .await
        .unwrap();
    assert_eq!(advice.route, Route::DirectAward);
    assert!(
        advice.reasons.iter().any(|r| r.contains("single supplier")),
        "{advice:?}"
    );

    // A lot whose direct awards stop at £500.
    let small = t
        .add_framework("DA-FW", Money::from_pounds(1_000_000), None, FrameworkStatus::Live)
        .await;
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::frameworks::set_direct_award(&mut conn, &small.id, 1, false, Some(Money::from_pounds(500)))
        .await
        .unwrap();
    drop(conn);
    let lines = vec![line(&small.sku, 50, 12)]; // £600
    let quote = calloff_app::quotes::price(&t.app, &buyer, &small.id, &lines)
        .await
        .unwrap();
    let advice = calloff_app::quotes::route_to_market(&t.app, &buyer, &quote)
        .await
        .unwrap();
    assert_eq!(advice.route, Route::FurtherCompetition);
    assert!(
        advice.reasons[0].contains("over the direct-award limit of £500.00"),
        "{advice:?}"
    );
    let command = PlaceCallOff {
        framework_id: small.id.clone(),
        lines,
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let err = call_offs::place(&t.app, &buyer, &command, Some("da-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "lines" && e.message.contains("further competition")),
        "{err:?}"
    );
    assert_eq!(committed(&t, &small.id).await, Money::ZERO);
    // Within the limit it is a direct award; one supplier makes up for the lot having no route.
    let within = PlaceCallOff {
        framework_id: small.id.clone(),
        lines: vec![line(&small.sku, 40, 12)],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    }; // £480
    call_offs::place(&t.app, &buyer, &within, Some("da-2")).await.unwrap();
    assert_eq!(committed(&t, &small.id).await, Money::from_pounds(480));
}
