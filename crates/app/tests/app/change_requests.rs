use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::change_requests::{self, Decision};
use calloff_app::quotes::{self, LineInput};
use calloff_app::{catalogue, AppError};
use calloff_domain::catalogue::Sku;
use calloff_domain::change_control::{ChangeInput, RequestStatus};
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    list_prices_show_the_saving_and_call_offs_keep_it,
    approved_changes_apply_on_their_dates_and_keep_every_version,
    bad_change_requests_are_refused_whole,
    indexation_is_capped_and_annual
);

fn change(kind: &str, sku: &str, effective_from: &str) -> ChangeInput {
    ChangeInput {
        kind: kind.into(),
        sku: sku.into(),
        effective_from: effective_from.into(),
        ..ChangeInput::default()
    }
}

fn new_item(sku: &str, effective_from: &str) -> ChangeInput {
    ChangeInput {
        lot: Some(4),
        name: Some("SIM with 50 GB of data".into()),
        description: Some("A 5G SIM with 50 GB a month, UK roaming".into()),
        unit: Some("per month".into()),
        price: Some("12.50".into()),
        minimum_term_months: Some(24),
        cpv: Some("64212000-5".into()),
        ..change("add", sku, effective_from)
    }
}

async fn item_price(t: &TestApp, sku: &str) -> Option<i64> {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::catalogue::find(&mut conn, &t.framework_id, &Sku::parse(sku).unwrap())
        .await
        .unwrap()
        .filter(|r| !r.withdrawn)
        .map(|r| r.item.unit_price.micros())
}

async fn approved_changes_apply_on_their_dates_and_keep_every_version(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    // A call-off placed before the price change keeps its price and item version.
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 10,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let before = call_offs::place(&t.app, &buyer, &command, Some("before"))
        .await
        .unwrap()
        .call_off;

    let today = "2026-11-26";
    let changes = vec![
        new_item("L4-SIM-50GB", today),
        ChangeInput {
            price: Some("6.00".into()),
            ..change("price", "L4-SIM-5GB", today)
        },
        ChangeInput {
            description: Some("Uncontended 1 Gbit/s fibre Ethernet, now with a 4-hour fix".into()),
            ..new_item("L1-ETH-1G", "2026-12-26")
        },
        change("withdraw", "L3-SIP-CH", today),
    ];
    // The edit carries every detail, lot 1 and the Ethernet's own name and price.
    let mut changes = changes;
    changes[2].kind = "edit".into();
    changes[2].lot = Some(1);
    changes[2].name = Some("Managed Ethernet circuit 1 Gbit/s".into());
    changes[2].price = Some("450.00".into());
    changes[2].minimum_term_months = Some(36);
    changes[2].cpv = Some("72720000-3".into());
    changes[2].unit = Some("per month".into());
    let request = change_requests::propose(&t.app, &supplier, &t.framework_id, "December changes", &changes)
        .await
        .unwrap();
    assert_eq!(request.change_count, 4);
    // Nothing goes live unapproved.
    assert_eq!(item_price(&t, "L4-SIM-5GB").await, Some(5_500_000));
    assert_eq!(item_price(&t, "L4-SIM-50GB").await, None);

    // The manager sees each change beside the version in force.
    let view = change_requests::view(&t.app, &manager, &request.id, None)
        .await
        .unwrap();
    let price = &view.changes[1];
    assert_eq!(price.diff, [("unit price", "£5.50".to_string(), "£6.00".to_string())]);
    let edit = &view.changes[2];
    assert_eq!(edit.diff.len(), 1, "{:?}", edit.diff);
    assert_eq!(edit.diff[0].0, "description");
    assert!(view.changes[0].current.is_none());
    let hackney = t.actor("buyer@hackney.example").await;
    assert!(matches!(
        change_requests::view(&t.app, &hackney, &request.id, None).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        change_requests::decide(&t.app, &supplier, &request.id, &Decision::Approve).await,
        Err(AppError::Forbidden(_))
    ));

    let approved = change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve)
        .await
        .unwrap();
    assert_eq!(approved.status, RequestStatus::Approved);
    let again = change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve).await;
    assert!(matches!(again, Err(AppError::Conflict(_))));
    // What is due today applies at once; the edit waits for its date.
    assert_eq!(item_price(&t, "L4-SIM-5GB").await, Some(6_000_000));
    assert_eq!(item_price(&t, "L4-SIM-50GB").await, Some(12_500_000));
    assert_eq!(item_price(&t, "L3-SIP-CH").await, None);
    let withdrawn = quotes::price(
        &t.app,
        &buyer,
        &t.framework_id,
        &[LineInput {
            sku: "L3-SIP-CH".into(),
            quantity: 1,
            term_months: 36,
            monthly_usage: None,
        }],
    )
    .await;
    assert!(
        matches!(&withdrawn, Err(AppError::Invalid(e)) if e.message.contains("withdrawn")),
        "{withdrawn:?}"
    );
    let sip = catalogue::SearchRequest {
        text: "SIP".into(),
        ..Default::default()
    };
    let found = catalogue::search(&t.app, &buyer, &t.framework_id, &sip).await.unwrap();
    assert!(!found.items.is_empty());
    assert!(
        found.items.iter().all(|i| i.sku.as_str() != "L3-SIP-CH"),
        "withdrawn items are not listed"
    );

    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let ethernet = calloff_store::catalogue::find(&mut conn, &t.framework_id, &Sku::parse("L1-ETH-1G").unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert!(ethernet.item.description.starts_with("Uncontended fibre"));
    t.clock.advance(chrono::Duration::days(30));
    assert_eq!(change_requests::apply_due(&t.app).await.unwrap(), 1);
    assert_eq!(
        change_requests::apply_due(&t.app).await.unwrap(),
        0,
        "each change applies once"
    );
    let versions = change_requests::versions(&t.app, &ethernet.item.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].effective_from, "2026-12-26");
    assert!(versions[1].details.description.contains("4-hour fix"));
    assert!(versions[0].details.description.starts_with("Uncontended fibre"));

    // The call-off placed before keeps its price and the version it was placed with.
    let kept = call_offs::view(&t.app, &buyer, &before.id).await.unwrap();
    assert_eq!(kept.call_off.lines[0].unit_price.micros(), 5_500_000);
    let version: i64 = sqlx::query_scalar("SELECT item_version FROM call_off_lines WHERE call_off_id = $1")
        .bind(before.id.as_str())
        .fetch_one(t.app.db.pool())
        .await
        .unwrap();
    assert_eq!(version, 1);
}

async fn bad_change_requests_are_refused_whole(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let refused = change_requests::propose(
        &t.app,
        &buyer,
        &t.framework_id,
        "Not mine",
        &[change("withdraw", "L3-SIP-CH", "2026-11-26")],
    )
    .await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));

    let mut bad_lot = new_item("L9-NEW", "2026-12-01");
    bad_lot.lot = Some(9);
    let changes = [
        new_item("L4-SIM-5GB", "2026-12-01"),
        change("withdraw", "NO-SUCH-SKU", "2026-12-01"),
        change("withdraw", "L3-SIP-CH", "2026-11-25"),
        change("withdraw", "L3-SIP-CH", "2026-12-01"),
        change("withdraw", "L3-SIP-CH", "2026-12-02"),
        bad_lot,
    ];
    let refused = change_requests::propose(&t.app, &supplier, &t.framework_id, "", &changes).await;
    let Err(AppError::InvalidFields(errors)) = refused else {
        panic!("expected field errors: {refused:?}")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "title",
            "changes[2].effective_from",
            "changes[0].sku",
            "changes[1].sku",
            "changes[4].sku",
            "changes[5].lot"
        ],
        "{errors:?}"
    );
    assert!(change_requests::list(&t.app, &manager, &t.framework_id)
        .await
        .unwrap()
        .is_empty());

    // A rejection needs a reason, and its changes never apply.
    let request = change_requests::propose(
        &t.app,
        &supplier,
        &t.framework_id,
        "Withdraw SIP",
        &[change("withdraw", "L3-SIP-CH", "2026-11-26")],
    )
    .await
    .unwrap();
    let bare = Decision::Reject { reason: " ".into() };
    let refused = change_requests::decide(&t.app, &manager, &request.id, &bare).await;
    assert!(matches!(&refused, Err(AppError::Invalid(e)) if e.field == "reason"));
    let reject = Decision::Reject {
        reason: "Three councils still buy SIP trunks; keep it to March".into(),
    };
    let rejected = change_requests::decide(&t.app, &manager, &request.id, &reject)
        .await
        .unwrap();
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert_eq!(change_requests::apply_due(&t.app).await.unwrap(), 0);
    assert!(item_price(&t, "L3-SIP-CH").await.is_some());
    let supplier_sees = change_requests::list(&t.app, &supplier, &t.framework_id).await.unwrap();
    assert_eq!(supplier_sees.len(), 1);
    assert!(change_requests::list(&t.app, &buyer, &t.framework_id).await.is_err());
}

async fn indexation_is_capped_and_annual(backend: Backend) {
    let t = TestApp::init(backend).await;
    let supplier = t.supplier().await;
    let manager = t.actor("manager@rbkc.example").await;
    let refused = change_requests::propose_indexation(&t.app, &supplier, &t.framework_id, 350, "2026-12-01").await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(e)) if e.field == "uplift" && e.message.contains("does not allow")),
        "{refused:?}"
    );
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::frameworks::set_indexation_cap_bp(&mut conn, &t.framework_id, 500)
        .await
        .unwrap();
    drop(conn);
    let too_much = change_requests::propose_indexation(&t.app, &supplier, &t.framework_id, 501, "2026-12-01").await;
    assert!(matches!(&too_much, Err(AppError::Invalid(e)) if e.message.contains("5.00%")));

    let request = change_requests::propose_indexation(&t.app, &supplier, &t.framework_id, 350, "2026-11-26")
        .await
        .unwrap();
    assert_eq!(request.change_count, 65);
    assert_eq!(request.indexation_bp, Some(350));
    let second = change_requests::propose_indexation(&t.app, &supplier, &t.framework_id, 100, "2027-06-01").await;
    assert!(
        matches!(&second, Err(AppError::Invalid(e)) if e.field == "effective_from"),
        "{second:?}"
    );
    change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve)
        .await
        .unwrap();
    // £5.50 up 3.5% is £5.6925.
    assert_eq!(item_price(&t, "L4-SIM-5GB").await, Some(5_692_500));
}

async fn list_prices_show_the_saving_and_call_offs_keep_it(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let mut with_list = new_item("L4-SIM-LIST", "2026-11-26");
    with_list.list_price = Some("15.00".into());
    let mut bad = new_item("L4-SIM-BAD", "2026-11-26");
    bad.list_price = Some("lots".into());
    let refused = change_requests::propose(&t.app, &supplier, &t.framework_id, "List", &[bad]).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(e)) if e.field == "changes[0].list_price"),
        "{refused:?}"
    );
    let request = change_requests::propose(&t.app, &supplier, &t.framework_id, "List", &[with_list])
        .await
        .unwrap();
    change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve)
        .await
        .unwrap();
    // 10 SIMs for 24 months at £12.50 against a £15.00 list price: £3,000 against £3,600.
    let line = LineInput {
        sku: "L4-SIM-LIST".into(),
        quantity: 10,
        term_months: 24,
        monthly_usage: None,
    };
    let quote = quotes::price(&t.app, &buyer, &t.framework_id, std::slice::from_ref(&line))
        .await
        .unwrap();
    let (saving, list) = calloff_domain::call_off::savings(&quote.lines).unwrap();
    assert_eq!((saving.pence(), list.pence()), (60_000, 360_000));
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![line],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let placed = call_offs::place(&t.app, &buyer, &command, Some("list")).await.unwrap();
    let kept = call_offs::view(&t.app, &buyer, &placed.call_off.id).await.unwrap();
    assert_eq!(kept.call_off.lines[0].saving().unwrap().pence(), 60_000);
    // The framework's and the buyer's savings totals.
    let overview = calloff_app::frameworks::overview(&t.app, &buyer, &t.framework_id)
        .await
        .unwrap();
    assert_eq!(
        (
            overview.savings.against_list.pence(),
            overview.savings_own.against_list.pence()
        ),
        (60_000, 60_000)
    );
    let hackney = t.actor("buyer@hackney.example").await;
    let theirs = calloff_app::frameworks::overview(&t.app, &hackney, &t.framework_id)
        .await
        .unwrap();
    assert_eq!(
        (
            theirs.savings.against_list.pence(),
            theirs.savings_own.against_list.pence()
        ),
        (60_000, 0)
    );
    // Lines of items without a list price show no saving.
    assert!(calloff_domain::call_off::savings(
        &quotes::price(
            &t.app,
            &buyer,
            &t.framework_id,
            &[LineInput {
                sku: "L4-SIM-5GB".into(),
                quantity: 1,
                term_months: 24,
                monthly_usage: None,
            }],
        )
        .await
        .unwrap()
        .lines
    )
    .is_none());
}
