use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{lifecycle, notifications, AppError};
use calloff_domain::call_off::CallOffState;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use chrono::Duration;

on_both_databases!(
    milestones_run_in_order_then_the_call_off_goes_live_for_its_term,
    buyers_are_reminded_before_the_end_and_the_term_ends
);

async fn placed_and_accepted(t: &TestApp, key: &str) -> calloff_domain::call_off::CallOff {
    let buyer = t.buyer().await;
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
    let placed = call_offs::place(&t.app, &buyer, &command, Some(key))
        .await
        .unwrap()
        .call_off;
    call_offs::act(&t.app, &t.supplier().await, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap()
}

async fn milestones_run_in_order_then_the_call_off_goes_live_for_its_term(backend: Backend) {
    let t = TestApp::init(backend).await; // 26 November 2026
    let supplier = t.supplier().await;
    let buyer = t.buyer().await;
    let call_off = placed_and_accepted(&t, "m-1").await;
    t.clock.advance(Duration::days(10)); // 6 December 2026
    let err = lifecycle::record_milestone(&t.app, &buyer, &call_off.id, "Survey", "2026-11-30")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(_)),
        "only the supplier records milestones: {err:?}"
    );
    lifecycle::record_milestone(&t.app, &supplier, &call_off.id, "Site survey", "2026-11-30")
        .await
        .unwrap();
    lifecycle::record_milestone(&t.app, &supplier, &call_off.id, "SIMs delivered", "2026-12-03")
        .await
        .unwrap();
    for (date, message) in [
        ("2026-12-01", "run in order"),
        ("2026-12-07", "future"),
        ("2026-11-25", "before the call-off was placed"),
        ("3 Dec", "year-month-day"),
    ] {
        let err = lifecycle::record_milestone(&t.app, &supplier, &call_off.id, "Late", date)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Invalid(ref e) if e.field == "done_on" && e.message.contains(message)),
            "{date}: {err:?}"
        );
    }
    let view = call_offs::view(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(
        view.milestones.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["Site survey", "SIMs delivered"]
    );

    call_offs::act(&t.app, &supplier, &call_off.id, &CallOffAction::GoLive)
        .await
        .unwrap();
    let view = call_offs::view(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(view.live_on.as_deref(), Some("2026-12-06"));
    // The longest recurring line is 24 months; the one-off installation does not extend it.
    assert_eq!(view.ends_on.as_deref(), Some("2028-12-06"));
    let late = lifecycle::record_milestone(&t.app, &supplier, &call_off.id, "Extra", "2026-12-06")
        .await
        .unwrap_err();
    assert!(
        matches!(late, AppError::Conflict(_)),
        "no milestones once live: {late:?}"
    );
}

async fn buyers_are_reminded_before_the_end_and_the_term_ends(backend: Backend) {
    let t = TestApp::init(backend).await;
    let supplier = t.supplier().await;
    let buyer = t.buyer().await;
    let call_off = placed_and_accepted(&t, "r-1").await;
    call_offs::act(&t.app, &supplier, &call_off.id, &CallOffAction::GoLive)
        .await
        .unwrap(); // ends 2028-11-26
    assert_eq!(
        lifecycle::sweep(&t.app).await.unwrap(),
        lifecycle::SweepReport::default()
    );
    let reminders = |t: &TestApp| {
        let (app, buyer) = (t.app.clone(), buyer.clone());
        async move {
            notifications::list(&app, &buyer)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.event == "call_off.ending")
                .count()
        }
    };

    t.clock.advance(Duration::days(731 - 89)); // 89 days before the end
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().reminded, 1);
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().reminded, 0, "once only");
    assert_eq!(reminders(&t).await, 1);
    t.clock.advance(Duration::days(60)); // 29 days before
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().reminded, 1);
    assert_eq!(reminders(&t).await, 2);

    t.clock.advance(Duration::days(30)); // the day after the end
    let report = lifecycle::sweep(&t.app).await.unwrap();
    assert_eq!(report.ended, 1);
    let ended = call_offs::get(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(ended.state, CallOffState::Ended);
    let history = calloff_app::audit::call_off_history(&t.app, &buyer, &call_off.id)
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().entry.actor, "system");
}
