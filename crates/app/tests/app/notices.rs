use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::notices;
use calloff_app::quotes::LineInput;
use calloff_domain::ids::CallOffId;
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    calloff_domain::calendar::parse_date(s).unwrap()
}

#[test]
fn the_thresholds_file_reads_and_covers_every_kind_of_buyer() {
    notices::check_thresholds_file().unwrap();
    let rules = notices::thresholds();
    let buyers = OrganisationKind::ALL
        .into_iter()
        .filter(|k| *k != OrganisationKind::Supplier);
    for kind in buyers {
        for on in ["2024-01-01", "2025-12-31", "2026-01-01", "2027-06-30"] {
            let rule = rules.in_force(kind, day(on));
            assert!(rule.is_some_and(|r| !r.source.is_empty()), "{kind:?} on {on}");
        }
    }
    // The 2026 revision lowered both: judged on the award date.
    let value = |kind, on| rules.in_force(kind, day(on)).unwrap().value;
    assert_eq!(
        value(OrganisationKind::LocalAuthority, "2025-12-31"),
        Money::from_pounds(214_904)
    );
    assert_eq!(
        value(OrganisationKind::LocalAuthority, "2026-01-01"),
        Money::from_pounds(207_720)
    );
    assert_eq!(
        value(OrganisationKind::NhsTrust, "2025-12-31"),
        Money::from_pounds(139_688)
    );
    assert_eq!(
        value(OrganisationKind::NhsTrust, "2026-01-01"),
        Money::from_pounds(135_018)
    );
    assert!(rules.in_force(OrganisationKind::Supplier, day("2026-01-01")).is_none());
}

on_both_databases!(the_outstanding_list_agrees_with_each_call_off_s_notices);

/// What each of the buyer's placed call-offs still needs published, read call-off by call-off:
/// the whole history, with no shortcut.
async fn outstanding_one_by_one(t: &TestApp, buyer: &calloff_app::Actor) -> Vec<(String, String, Option<u32>)> {
    let ids: Vec<String> = {
        use sqlx::Row;
        let mut conn = t.app.db.pool().acquire().await.unwrap();
        sqlx::query("SELECT id FROM call_offs WHERE buyer_id = $1 AND sent_to_supplier = 1")
            .bind(buyer.organisation_id.as_str())
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let mut out = Vec::new();
    for id in ids {
        let view = call_offs::view(&t.app, buyer, &CallOffId::from_stored(id.clone()))
            .await
            .unwrap();
        let notices = notices::for_call_off(&t.app, &view).await.unwrap();
        for due in &notices.due {
            if notices.publication(due).is_none() {
                out.push((id.clone(), due.kind.code().to_string(), due.variation));
            }
        }
    }
    out.sort();
    out
}

async fn outstanding_listed(t: &TestApp, buyer: &calloff_app::Actor) -> Vec<(String, String, Option<u32>)> {
    let mut out: Vec<_> = notices::outstanding(&t.app, buyer)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.call_off.to_string(), o.due.kind.code().to_string(), o.due.variation))
        .collect();
    out.sort();
    out
}

/// The home page's list reads only the call-offs that may have something outstanding; whatever
/// happens to them, it lists exactly what reading every call-off one by one finds.
async fn the_outstanding_list_agrees_with_each_call_off_s_notices(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let agree = |step: &'static str| {
        let t = &t;
        let buyer = &buyer;
        async move {
            let listed = outstanding_listed(t, buyer).await;
            assert_eq!(listed, outstanding_one_by_one(t, buyer).await, "{step}");
            listed
        }
    };
    let place = |quantity: i64| PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let record = |id: CallOffId, notice: &'static str, variation: Option<u32>| {
        let t = &t;
        let buyer = &buyer;
        async move {
            let view = call_offs::view(&t.app, buyer, &id).await.unwrap();
            notices::record_published(&t.app, buyer, &view, notice, variation, "012345-2026", "")
                .await
                .unwrap();
        }
    };
    agree("the demo").await;
    // 1,400 SIMs: £221,760 with VAT, above Camden's threshold; 1,300: £205,920, just below.
    let large = call_offs::place(&t.app, &buyer, &place(1_400), None)
        .await
        .unwrap()
        .call_off;
    let below = call_offs::place(&t.app, &buyer, &place(1_300), None)
        .await
        .unwrap()
        .call_off;
    let listed = agree("placed").await;
    assert!(listed.contains(&(large.id.to_string(), "UK6".into(), None)));
    assert!(!listed.iter().any(|(id, _, _)| *id == below.id.to_string()));
    for id in [&large.id, &below.id] {
        for action in [CallOffAction::Accept, CallOffAction::GoLive] {
            call_offs::act(&t.app, &supplier, id, &action).await.unwrap();
        }
    }
    agree("accepted").await;
    record(large.id.clone(), "UK6", None).await;
    record(below.id.clone(), "UK7", None).await;
    let listed = agree("UK6 and UK7 recorded").await;
    assert!(!listed.iter().any(|(id, _, _)| *id == below.id.to_string()));
    // Varying the one below the threshold upwards: judged on its value as awarded, so no UK6.
    for (id, quantity) in [(&below.id, 1_500), (&large.id, 1_450)] {
        let lines = [LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity,
            term_months: 24,
            monthly_usage: None,
        }];
        calloff_app::variations::vary(&t.app, &buyer, id, &lines).await.unwrap();
    }
    let listed = agree("varied").await;
    assert!(listed.contains(&(below.id.to_string(), "UK10".into(), Some(1))));
    assert!(!listed.contains(&(below.id.to_string(), "UK6".into(), None)));
    record(below.id.clone(), "UK10", Some(1)).await;
    record(large.id.clone(), "UK7", None).await;
    record(large.id.clone(), "UK10", Some(1)).await;
    let listed = agree("all recorded").await;
    assert!(!listed
        .iter()
        .any(|(id, _, _)| *id == below.id.to_string() || *id == large.id.to_string()));
    // An early end needs its UK11.
    let end = CallOffAction::Terminate {
        reason: "Site closed".into(),
        ends_on: Some("2027-03-10".into()),
    };
    call_offs::act(&t.app, &buyer, &large.id, &end).await.unwrap();
    let listed = agree("ended early").await;
    assert!(listed.contains(&(large.id.to_string(), "UK11".into(), None)));
}
