use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{frameworks, variations, AppError};
use calloff_domain::framework::FrameworkStatus;
use calloff_domain::money::Money;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    a_variation_recomputes_the_value_against_the_ceiling_and_is_kept,
    variations_are_refused_cleanly
);

fn line(sku: &str, quantity: i64, term_months: i64) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage: None,
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

async fn accepted(
    t: &TestApp,
    framework: &calloff_domain::ids::FrameworkId,
    lines: Vec<LineInput>,
    key: &str,
) -> calloff_domain::call_off::CallOff {
    let command = PlaceCallOff {
        framework_id: framework.clone(),
        lines,
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &t.buyer().await, &command, Some(key))
        .await
        .unwrap()
        .call_off;
    call_offs::act(&t.app, &t.supplier().await, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap()
}

async fn a_variation_recomputes_the_value_against_the_ceiling_and_is_kept(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    // 100 SIMs × £5.50 × 24 = £13,200.
    let call_off = accepted(&t, &t.framework_id, vec![line("L4-SIM-5GB", 100, 24)], "v-1").await;
    // The catalogue price rises; the call-off keeps its price.
    sqlx::query("UPDATE catalogue_items SET unit_price_micros = 9000000 WHERE sku = 'L4-SIM-5GB'")
        .execute(t.app.db.pool())
        .await
        .unwrap();
    // 105 SIMs: +5%, within the 10% limit.
    let small = variations::vary(&t.app, &buyer, &call_off.id, &[line("L4-SIM-5GB", 105, 24)])
        .await
        .unwrap()
        .applied()
        .unwrap();
    assert_eq!(small.call_off.totals.contract_value, Money::from_pounds(13_860));
    assert_eq!(
        small.call_off.lines[0].unit_price.micros(),
        5_500_000,
        "the frozen price"
    );
    assert!(!small.variation.over_limit && small.warning().is_none());
    assert_eq!(committed(&t, &t.framework_id).await, Money::from_pounds(13_860));

    // Adding a line at today's price takes the change past 10% of the original.
    let more = variations::vary(
        &t.app,
        &buyer,
        &call_off.id,
        &[line("L4-SIM-5GB", 105, 24), line("L4-MDM", 100, 24)],
    )
    .await
    .unwrap()
    .applied()
    .unwrap();
    assert!(more.variation.over_limit, "{more:?}");
    assert!(more.warning().unwrap().contains("modification limit"));
    assert_eq!(more.variation.original_value, Money::from_pounds(13_200));
    assert_eq!(
        committed(&t, &t.framework_id).await,
        more.call_off.totals.contract_value
    );

    // Taking the new line away again releases its value.
    let less = variations::vary(&t.app, &buyer, &call_off.id, &[line("L4-SIM-5GB", 105, 24)])
        .await
        .unwrap()
        .applied()
        .unwrap();
    assert_eq!(less.variation.number, 3);
    assert_eq!(committed(&t, &t.framework_id).await, Money::from_pounds(13_860));
    let view = call_offs::view(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(view.call_off.lines.len(), 1);
    let history = calloff_app::audit::call_off_history(&t.app, &buyer, &call_off.id)
        .await
        .unwrap();
    assert_eq!(
        history.iter().filter(|e| e.entry.action == "call_off.varied").count(),
        3
    );
    t.assert_audit_intact().await;
}

async fn variations_are_refused_cleanly(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let small = t
        .add_framework("VAR-FW", Money::from_pounds(1_000), None, FrameworkStatus::Live)
        .await;
    let call_off = accepted(&t, &small.id, vec![line(&small.sku, 40, 12)], "v-2").await; // £480
                                                                                         // £1,200 would pass the £1,000 ceiling: refused, naming the headroom, and nothing changes.
    let err = variations::vary(&t.app, &buyer, &call_off.id, &[line(&small.sku, 100, 12)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::HeadroomExceeded { left, .. } if left == Money::from_pounds(520)),
        "{err:?}"
    );
    assert_eq!(committed(&t, &small.id).await, Money::from_pounds(480));
    assert_eq!(
        call_offs::get(&t.app, &buyer, &call_off.id)
            .await
            .unwrap()
            .totals
            .contract_value,
        Money::from_pounds(480)
    );
    // Terms only get longer.
    let err = variations::vary(&t.app, &buyer, &call_off.id, &[line(&small.sku, 40, 6)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "lines[0].term_months" && e.message.contains("extended")),
        "{err:?}"
    );
    // Only the buyer's organisation, and not once it has ended.
    let supplier = t.supplier().await;
    assert!(matches!(
        variations::vary(&t.app, &supplier, &call_off.id, &[line(&small.sku, 41, 12)]).await,
        Err(AppError::Forbidden(_))
    ));
    let hackney = t.actor("buyer@hackney.example").await;
    assert!(matches!(
        variations::vary(&t.app, &hackney, &call_off.id, &[line(&small.sku, 41, 12)]).await,
        Err(AppError::NotFound(_))
    ));
    call_offs::act(&t.app, &supplier, &call_off.id, &CallOffAction::GoLive)
        .await
        .unwrap();
    call_offs::act(
        &t.app,
        &buyer,
        &call_off.id,
        &CallOffAction::Terminate {
            reason: "Closing the site".into(),
            ends_on: None,
        },
    )
    .await
    .unwrap();
    let err = variations::vary(&t.app, &buyer, &call_off.id, &[line(&small.sku, 41, 12)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref e) if e.message.contains("ended")),
        "{err:?}"
    );
}
