use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::AppError;
use calloff_domain::call_off::CallOffState;
use calloff_domain::money::Money;
use calloff_store::lifecycle::EarlyEnd;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(ending_early_keeps_what_is_due_and_releases_the_rest);

fn line(sku: &str, quantity: i64, term_months: i64, monthly_usage: Option<i64>) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage,
    }
}

/// The framework's committed value, and each lot's.
async fn committed(t: &TestApp) -> (Money, Vec<(u32, Money)>) {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let record = calloff_store::frameworks::get(&mut conn, &t.framework_id)
        .await
        .unwrap()
        .unwrap();
    let lots = record
        .lot_headroom
        .iter()
        .map(|(n, h)| (*n, h.map(|h| h.committed).unwrap_or_default()))
        .collect();
    (record.headroom.committed, lots)
}

fn terminate(reason: &str, ends_on: &str) -> CallOffAction {
    CallOffAction::Terminate {
        reason: reason.into(),
        ends_on: Some(ends_on.into()),
    }
}

async fn ending_early_keeps_what_is_due_and_releases_the_rest(backend: Backend) {
    let t = TestApp::init(backend).await; // 26 November 2026
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![
            line("L4-SIM-5GB", 20, 24, None),
            line("L1-ETH-INST", 1, 36, None),
            line("L3-CALL-GEO", 1, 12, Some(20_000)),
        ],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &buyer, &command, None).await.unwrap().call_off;
    for action in [CallOffAction::Accept, CallOffAction::GoLive] {
        call_offs::act(&t.app, &supplier, &placed.id, &action).await.unwrap();
    }
    let before = committed(&t).await;

    // The date is the buyer's, from today to the planned end (26 November 2028), and a bad one
    // is refused naming the field, changing nothing.
    for (ends_on, says) in [
        ("2026-11-25", "today"),
        ("2028-11-27", "26 November 2028"),
        ("31/12/2027", "real date"),
    ] {
        let err = call_offs::act(&t.app, &buyer, &placed.id, &terminate("Site closed", ends_on))
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Invalid(ref e) if e.field == "ends_on" && e.message.contains(says)),
            "{ends_on}: {err:?}"
        );
    }
    // Both fields are named at once.
    let both = call_offs::act(&t.app, &buyer, &placed.id, &terminate(" ", "2026-11-25"))
        .await
        .unwrap_err();
    let fields: Vec<String> = both.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["reason", "ends_on"], "{both:?}");
    assert_eq!(committed(&t).await, before);

    // Ending on 10 March 2027 serves four months (a started month counts whole): the SIMs are
    // due for four of their 24 months, the installation and the estimated calls in full.
    let ended = call_offs::act(&t.app, &buyer, &placed.id, &terminate("Site closed", "2027-03-10"))
        .await
        .unwrap();
    assert_eq!(ended.state, CallOffState::Ended);
    let sims = &placed.lines[0];
    let sims_due = sims.unit_price.total_for(20 * 4).unwrap();
    let due = sims_due
        .checked_add(placed.lines[1].value)
        .and_then(|v| v.checked_add(placed.lines[2].value))
        .unwrap();
    let released = placed.totals.contract_value.checked_sub(due).unwrap();
    assert_eq!(ended.totals.contract_value, due);
    assert_eq!(ended.totals.vat, due.vat_at(20).unwrap());
    assert_eq!(released, sims.value.checked_sub(sims_due).unwrap());
    assert!(released > Money::ZERO);

    // Released from the framework and from lot 4 only.
    let (framework, lots) = committed(&t).await;
    assert_eq!(framework, before.0.checked_sub(released).unwrap());
    for ((lot, now), (_, was)) in lots.iter().zip(&before.1) {
        let expected = if *lot == 4 {
            was.checked_sub(released).unwrap()
        } else {
            *was
        };
        assert_eq!(*now, expected, "lot {lot}");
    }

    // The call-off says so, and its term now ends on that day.
    let view = call_offs::view(&t.app, &buyer, &placed.id).await.unwrap();
    assert_eq!(
        view.early_end,
        Some(EarlyEnd {
            ends_on: "2027-03-10".into(),
            previous_value: placed.totals.contract_value,
            value: due,
            released,
        })
    );
    assert_eq!(view.ends_on.as_deref(), Some("2027-03-10"));
    t.assert_audit_intact().await;

    // It cannot be ended twice, nor ended again once its new end has passed.
    let again = call_offs::act(&t.app, &buyer, &placed.id, &terminate("Again", "2027-03-10"))
        .await
        .unwrap_err();
    assert!(
        matches!(again, AppError::Conflict(ref e) if e.field == "state"),
        "{again:?}"
    );
    assert_eq!(committed(&t).await, (framework, lots));
    t.assert_audit_intact().await;
}
