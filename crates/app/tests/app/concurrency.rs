//! Invariant 1: however many call-offs race, the committed value never passes the ceiling.

use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::{frameworks, AppError};
use calloff_domain::framework::FrameworkStatus;
use calloff_domain::money::Money;
use calloff_store::call_offs as stored;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use rand::{Rng, SeedableRng};

/// Call-offs in each race.
const RACERS: usize = 200;

on_both_databases!(
    racing_for_the_last_million_of_framework_headroom,
    racing_for_the_last_million_of_a_lot_ceiling
);

async fn racing_for_the_last_million_of_framework_headroom(backend: Backend) {
    race(backend, Money::from_pounds(1_000_000), None).await;
}

async fn racing_for_the_last_million_of_a_lot_ceiling(backend: Backend) {
    race(
        backend,
        Money::from_pounds(5_000_000),
        Some(Money::from_pounds(1_000_000)),
    )
    .await;
}

async fn race(backend: Backend, maximum: Money, lot_ceiling: Option<Money>) {
    let t = TestApp::init(backend).await;
    let small = t
        .add_framework("RACE-FW", maximum, lot_ceiling, FrameworkStatus::Live)
        .await;
    let buyers = [t.buyer().await, t.actor("buyer@hackney.example").await];
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            // £12 to £24,000 each: about £2.4m asked for in all, against £1m.
            let quantity = rng.gen_range(1..=2_000);
            let command = PlaceCallOff {
                framework_id: small.id.clone(),
                lines: vec![LineInput {
                    sku: small.sku.clone(),
                    quantity,
                    term_months: 12,
                    monthly_usage: None,
                }],
                cost_centre: "IT-4021".into(),
                order: calloff_app::demo::sample_order(&t.app),
            };
            let (app, buyer) = (t.app.clone(), buyers[i % 2].clone());
            tokio::spawn(async move { call_offs::place(&app, &buyer, &command, None).await })
        })
        .collect();
    let (mut placed, mut refused) = (Money::ZERO, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(p) => placed = placed.checked_add(p.call_off.totals.contract_value).unwrap(),
            Err(AppError::HeadroomExceeded { .. }) => refused += 1,
            Err(other) => panic!("unexpected failure in the race: {other:?}"),
        }
    }
    let manager = t.actor("manager@rbkc.example").await;
    let overview = frameworks::overview(&t.app, &manager, &small.id).await.unwrap();
    let ceiling = lot_ceiling.unwrap_or(maximum);
    let committed = overview.headroom.committed;
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let (stored_sum, stored_count) = stored::committed_sum(&mut conn, &small.id).await.unwrap();
    println!("{backend:?}: {stored_count} placed, {refused} refused, committed {committed} of {ceiling}");
    assert!(
        committed <= ceiling,
        "committed {committed} exceeds the ceiling {ceiling}"
    );
    assert_eq!(
        committed, placed,
        "committed must equal what the winners were told they placed"
    );
    t.assert_audit_intact().await;
    assert_eq!(
        stored_sum, committed,
        "committed must equal the sum of the stored call-offs"
    );
    assert_eq!(usize::try_from(stored_count).unwrap() + refused, RACERS);
    assert!(refused > 0, "the race should have exhausted the headroom");
    if let Some(lot) = overview.lots.first().and_then(|l| l.headroom) {
        assert_eq!(lot.committed, committed);
    }
}
