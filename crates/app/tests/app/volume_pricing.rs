use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::change_requests::{self, Decision};
use calloff_app::frameworks::{self, CatalogueSettings};
use calloff_app::quotes::{self, LineInput};
use calloff_app::variations;
use calloff_app::{catalogue, App, AppError};
use calloff_domain::catalogue::Sku;
use calloff_domain::change_control::ChangeInput;
use calloff_domain::pricing::BreaksInput as BandsInput;
use calloff_domain::pricing::PriceBasis;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    demand_bands_lower_prices_for_everyone_once_reached,
    quantity_tiers_come_through_change_control,
    the_catalogue_as_of_a_date_shows_the_versions_then_in_force,
    the_manager_sets_the_catalogue_settings
);

const SIM: &str = "L4-SIM-5GB";

fn sims(quantity: i64) -> Vec<LineInput> {
    vec![LineInput {
        sku: SIM.into(),
        quantity,
        term_months: 24,
        monthly_usage: None,
    }]
}

async fn place(
    app: &App,
    t: &TestApp,
    buyer: &calloff_app::Actor,
    quantity: i64,
    key: &str,
) -> calloff_domain::call_off::CallOff {
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: sims(quantity),
        cost_centre: "ICT-7".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    call_offs::place(app, buyer, &command, Some(key))
        .await
        .unwrap()
        .call_off
}

async fn sim_record(t: &TestApp) -> calloff_store::catalogue::ItemRecord {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::catalogue::find(&mut conn, &t.framework_id, &Sku::parse(SIM).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn committed(t: &TestApp) -> u64 {
    let record = sim_record(t).await;
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::call_offs::committed_quantity(&mut conn, &record.item.id)
        .await
        .unwrap()
}

/// Demand bands as rows of (from quantity, unit price).
fn rows(rows: &[(&str, &str)]) -> BandsInput {
    BandsInput::Typed(
        rows.iter()
            .map(|(from, price)| calloff_domain::pricing::BreakRow {
                from: from.to_string(),
                unit_price: price.to_string(),
            })
            .collect(),
    )
}

async fn demand_bands_lower_prices_for_everyone_once_reached(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (hackney, supplier) = (t.actor("buyer@hackney.example").await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let before = sim_record(&t).await;
    let demand = committed(&t).await;
    let bands = rows(&[
        (&(demand + 50).to_string(), "5.00"),
        (&(demand + 5_000).to_string(), "4.50"),
    ]);

    // Only the manager sets bands, and bad bands are refused by name, changing nothing.
    let refused = catalogue::set_demand_bands(&t.app, &supplier, &before.item.id, &bands).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    for bad in ["500 = 5.00; 100 = 4.00", "500 = 5.50"] {
        let error = catalogue::set_demand_bands(&t.app, &manager, &before.item.id, &BandsInput::Text(bad.into()))
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "demand_bands", "{bad}");
    }
    // Rows: every bad field at once, named by row and field.
    let bad_rows = rows(&[("500", "5.00"), ("", ""), ("ten", "4.50"), ("900", "5.60")]);
    let error = catalogue::set_demand_bands(&t.app, &manager, &before.item.id, &bad_rows)
        .await
        .unwrap_err();
    let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["demand_bands[2].from", "demand_bands[3].unit_price"]);
    assert_eq!(sim_record(&t).await.version, before.version);

    // A second process holds the SIM in its price cache from before the bands.
    let other_process = App::new(t.app.db.clone(), t.clock.clone());
    quotes::price(&other_process, &hackney, &t.framework_id, &sims(1))
        .await
        .unwrap();

    let item = catalogue::set_demand_bands(&t.app, &manager, &before.item.id, &bands)
        .await
        .unwrap();
    assert_eq!(item.demand_bands.iter().count(), 2);
    assert_eq!(sim_record(&t).await.version, before.version + 1);
    // The same bands again change nothing.
    catalogue::set_demand_bands(&t.app, &manager, &before.item.id, &bands)
        .await
        .unwrap();
    assert_eq!(sim_record(&t).await.version, before.version + 1);
    // The supplier is told.
    let told = calloff_app::notifications::list(&t.app, &supplier).await.unwrap();
    assert!(told.iter().any(|n| n.subject == format!("Demand bands for {SIM}")));

    // Below the first band: the catalogue price, and how far the next band is.
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(10))
        .await
        .unwrap();
    let line = &quote.lines[0];
    assert_eq!(
        (line.unit_price.micros(), line.price_basis),
        (5_500_000, PriceBasis::Catalogue)
    );
    let next = line.next_band.expect("the next band is shown");
    assert_eq!((next.more_needed, next.unit_price.micros()), (50, 5_000_000));
    assert_eq!(line.volume_saving(), None);

    // Hackney's 60 SIMs take the framework past the first band once they go live: placed, and
    // even accepted, they could still be cancelled.
    let first = place(&t.app, &t, &hackney, 60, "first").await;
    assert_eq!(first.lines[0].unit_price.micros(), 5_500_000);
    call_offs::act(&t.app, &supplier, &first.id, &CallOffAction::Accept)
        .await
        .unwrap();
    assert_eq!(committed(&t).await, demand);
    let cancelled = place(&t.app, &t, &hackney, 500, "cancelled").await;
    let cancel = CallOffAction::Cancel {
        reason: "Too many".into(),
    };
    call_offs::act(&t.app, &hackney, &cancelled.id, &cancel).await.unwrap();
    assert_eq!(committed(&t).await, demand);
    call_offs::act(&t.app, &supplier, &first.id, &CallOffAction::GoLive)
        .await
        .unwrap();
    assert_eq!(committed(&t).await, demand + 60);

    // ...so the next call-off, by anyone, pays the band price and shows the saving.
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(10))
        .await
        .unwrap();
    let line = &quote.lines[0];
    assert_eq!(line.unit_price.micros(), 5_000_000);
    assert_eq!(line.price_basis, PriceBasis::DemandBand { from: demand + 50 });
    assert_eq!(line.volume_saving().unwrap().pence(), 50 * 10 * 24);
    assert_eq!(line.next_band.unwrap().more_needed, 5_000 - 60);

    // The other process's cached SIM is an older version: placing prices it again.
    let second = place(&other_process, &t, &hackney, 10, "second").await;
    let placed = &second.lines[0];
    assert_eq!(placed.unit_price.micros(), 5_000_000);
    assert_eq!(placed.value.pence(), 500 * 10 * 24);
    assert_eq!(placed.item_version, Some(before.version + 1));

    // The call-off keeps the basis and the catalogue price it replaced.
    let view = call_offs::view(&t.app, &hackney, &second.id).await.unwrap();
    let kept = &view.call_off.lines[0];
    assert_eq!(kept.price_basis, PriceBasis::DemandBand { from: demand + 50 });
    assert_eq!(kept.catalogue_price.unwrap().micros(), 5_500_000);
    assert_eq!(kept.volume_saving().unwrap().pence(), 50 * 10 * 24);
    // The framework page totals what tiers and bands saved, for everyone and for Hackney.
    let overview = frameworks::overview(&t.app, &hackney, &t.framework_id).await.unwrap();
    assert_eq!(overview.savings.through_volume.pence(), 50 * 10 * 24);
    assert_eq!(overview.savings_own.through_volume.pence(), 50 * 10 * 24);
    let camden = frameworks::overview(&t.app, &t.buyer().await, &t.framework_id)
        .await
        .unwrap();
    assert_eq!(camden.savings_own.through_volume.pence(), 0);

    // Every change of the bands is audited, with what it replaced.
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let entries = calloff_store::audit::entries_for_subject(&mut conn, item.id.as_str())
        .await
        .unwrap();
    let set: Vec<_> = entries
        .iter()
        .filter(|e| e.entry.action == "catalogue.demand_bands_set")
        .collect();
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].entry.detail["before"], "");
    assert_eq!(set[0].entry.detail["after"], item.demand_bands.to_string());
}

async fn quantity_tiers_come_through_change_control(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (hackney, supplier) = (t.actor("buyer@hackney.example").await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let today = "2026-11-26";
    let item = sim_record(&t).await.item;
    let edit = |tiers: &str| ChangeInput {
        kind: "edit".into(),
        sku: SIM.into(),
        effective_from: today.into(),
        lot: Some(4),
        name: Some(item.name.clone()),
        description: Some(item.description.clone()),
        unit: Some("per month".into()),
        price: Some("5.50".into()),
        minimum_term_months: Some(i64::from(item.minimum_term_months)),
        cpv: Some(item.cpv.as_str().into()),
        list_price: None,
        quantity_tiers: Some(tiers.into()),
    };
    let bad = change_requests::propose(
        &t.app,
        &supplier,
        &t.framework_id,
        "Tiers",
        &[edit("100 = 5.00; 50 = 4.00")],
    )
    .await
    .unwrap_err();
    assert_eq!(bad.field_errors()[0].field, "changes[0].quantity_tiers");

    let request = change_requests::propose(
        &t.app,
        &supplier,
        &t.framework_id,
        "Tiers",
        &[edit("100 = 5.00; 1000 = 4.60")],
    )
    .await
    .unwrap();
    let view = change_requests::view(&t.app, &manager, &request.id, None)
        .await
        .unwrap();
    let diff = format!("{:?}", view.changes[0]);
    assert!(
        diff.contains("quantity tiers"),
        "the manager sees the tiers in the diff: {diff}"
    );
    // Unapproved, tiers do not apply.
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(100))
        .await
        .unwrap();
    assert_eq!(quote.lines[0].unit_price.micros(), 5_500_000);

    change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve)
        .await
        .unwrap();
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(100))
        .await
        .unwrap();
    let line = &quote.lines[0];
    assert_eq!(line.unit_price.micros(), 5_000_000);
    assert_eq!(line.price_basis, PriceBasis::QuantityTier { from: 100 });
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(99))
        .await
        .unwrap();
    assert_eq!(quote.lines[0].unit_price.micros(), 5_500_000);
    let quote = quotes::price(&t.app, &hackney, &t.framework_id, &sims(1_000))
        .await
        .unwrap();
    assert_eq!(quote.lines[0].unit_price.micros(), 4_600_000);
    let versions = change_requests::versions(&t.app, &item.id).await.unwrap();
    assert_eq!(
        versions.last().unwrap().details.quantity_tiers.to_string(),
        "100 = £5.00; 1000 = £4.60"
    );

    // A call-off of 100 is placed at the tier price.
    let first = place(&t.app, &t, &hackney, 100, "tiered").await;
    assert_eq!(first.lines[0].price_basis, PriceBasis::QuantityTier { from: 100 });
    assert_eq!(first.lines[0].value.pence(), 500 * 100 * 24);
    call_offs::act(&t.app, &supplier, &first.id, &CallOffAction::Accept)
        .await
        .unwrap();
    // Varied up, it keeps its tier; varied below the tier, it pays the catalogue price again.
    let (up, down) = (sims(105), sims(99));
    let vary = |lines| variations::vary(&t.app, &hackney, &first.id, lines);
    let more = vary(&up).await.unwrap().applied().unwrap().call_off;
    assert_eq!(more.lines[0].unit_price.micros(), 5_000_000);
    assert_eq!(more.lines[0].price_basis, PriceBasis::QuantityTier { from: 100 });
    let fewer = vary(&down).await.unwrap().applied().unwrap().call_off;
    assert_eq!(fewer.lines[0].unit_price.micros(), 5_500_000);
    assert_eq!(fewer.lines[0].price_basis, PriceBasis::Catalogue);
    assert_eq!(fewer.lines[0].volume_saving(), None);
    assert_eq!(fewer.totals.contract_value.pence(), 550 * 99 * 24);

    // Tiers must lower the price.
    let dearer = change_requests::propose(&t.app, &supplier, &t.framework_id, "Tiers", &[edit("100 = 6.00")])
        .await
        .unwrap_err();
    assert!(dearer.field_errors()[0].message.contains("cheaper than the price"));
}

async fn the_catalogue_as_of_a_date_shows_the_versions_then_in_force(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, manager) = (t.buyer().await, t.actor("manager@rbkc.example").await);
    let item = sim_record(&t).await.item;
    catalogue::set_demand_bands(&t.app, &manager, &item.id, &rows(&[("1000000", "5.00")]))
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::days(1));
    catalogue::set_demand_bands(&t.app, &manager, &item.id, &rows(&[]))
        .await
        .unwrap();

    let sim_on = |view: &catalogue::CatalogueAsOf| {
        view.items
            .iter()
            .find(|i| i.sku.as_str() == SIM)
            .map(|i| i.version.demand_bands.to_string())
    };
    let before = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-11-25")
        .await
        .unwrap();
    assert_eq!(sim_on(&before).as_deref(), Some(""));
    let then = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-11-26")
        .await
        .unwrap();
    assert_eq!(sim_on(&then).as_deref(), Some("1000000 = £5.00"));
    let now = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-11-27")
        .await
        .unwrap();
    assert_eq!(sim_on(&now).as_deref(), Some(""));
    assert!(!now.truncated && now.items.len() >= then.items.len());

    // A future date shows approved changes as they will apply.
    let (supplier, manager) = (t.supplier().await, t.actor("manager@rbkc.example").await);
    let later = |kind: &str, sku: &str| ChangeInput {
        kind: kind.into(),
        sku: sku.into(),
        effective_from: "2026-12-10".into(),
        ..ChangeInput::default()
    };
    let changes = [
        ChangeInput {
            price: Some("5.10".into()),
            ..later("price", SIM)
        },
        ChangeInput {
            lot: Some(4),
            name: Some("SIM with 80 GB".into()),
            description: Some("A 5G SIM with 80 GB a month".into()),
            unit: Some("per month".into()),
            price: Some("15.00".into()),
            minimum_term_months: Some(24),
            cpv: Some("64212000-5".into()),
            ..later("add", "L4-SIM-80GB")
        },
        later("withdraw", "L3-SIP-CH"),
    ];
    let request = change_requests::propose(&t.app, &supplier, &t.framework_id, "December", &changes)
        .await
        .unwrap();
    change_requests::decide(&t.app, &manager, &request.id, &Decision::Approve)
        .await
        .unwrap();
    let find = |view: &catalogue::CatalogueAsOf, sku: &str| view.items.iter().find(|i| i.sku.as_str() == sku).cloned();
    let eve = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-12-09")
        .await
        .unwrap();
    assert_eq!(find(&eve, SIM).unwrap().version.details.unit_price.micros(), 5_500_000);
    assert!(find(&eve, "L4-SIM-80GB").is_none());
    assert!(!find(&eve, "L3-SIP-CH").unwrap().version.withdrawn);
    let due = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-12-10")
        .await
        .unwrap();
    let sim = find(&due, SIM).unwrap();
    assert_eq!(sim.version.details.unit_price.micros(), 5_100_000);
    assert_eq!(sim.version.version, find(&eve, SIM).unwrap().version.version + 1);
    assert_eq!(sim.version.change_request_id.as_deref(), Some(request.id.as_str()));
    let added = find(&due, "L4-SIM-80GB").unwrap();
    assert!(added.id.is_none() && added.version.version == 1);
    assert!(find(&due, "L3-SIP-CH").unwrap().version.withdrawn);
    // Nothing was applied by looking.
    let today = catalogue::as_of(&t.app, &buyer, &t.framework_id, "2026-11-27")
        .await
        .unwrap();
    assert_eq!(
        find(&today, SIM).unwrap().version.details.unit_price.micros(),
        5_500_000
    );

    for bad in ["2027-02-31", "next week"] {
        let error = catalogue::as_of(&t.app, &buyer, &t.framework_id, bad)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "date", "{bad}");
    }
}

async fn the_manager_sets_the_catalogue_settings(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (supplier, manager) = (t.supplier().await, t.actor("manager@rbkc.example").await);
    let wanted = CatalogueSettings {
        indexation_cap_bp: 300,
        names_buyers: true,
    };
    let refused = frameworks::set_catalogue_settings(&t.app, &supplier, &t.framework_id, wanted).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
    let before = frameworks::catalogue_settings(&t.app, &manager, &t.framework_id)
        .await
        .unwrap();
    let too_high = CatalogueSettings {
        indexation_cap_bp: 3_000,
        ..wanted
    };
    let error = frameworks::set_catalogue_settings(&t.app, &manager, &t.framework_id, too_high)
        .await
        .unwrap_err();
    assert_eq!(error.field_errors()[0].field, "indexation_cap_bp");
    assert_eq!(
        frameworks::catalogue_settings(&t.app, &manager, &t.framework_id)
            .await
            .unwrap(),
        before
    );

    frameworks::set_catalogue_settings(&t.app, &manager, &t.framework_id, wanted)
        .await
        .unwrap();
    assert_eq!(
        frameworks::catalogue_settings(&t.app, &manager, &t.framework_id)
            .await
            .unwrap(),
        wanted
    );
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let entries = calloff_store::audit::entries_for_subject(&mut conn, t.framework_id.as_str())
        .await
        .unwrap();
    let set = entries
        .iter()
        .find(|e| e.entry.action == "framework.catalogue_settings_set")
        .unwrap();
    assert_eq!(set.entry.detail["after"]["indexation_cap_bp"], 300);
    assert_eq!(set.entry.detail["before"]["names_buyers"], false);
    drop(conn);
    // The cap now limits indexation requests.
    let over = change_requests::propose_indexation(&t.app, &supplier, &t.framework_id, 350, "2026-12-01")
        .await
        .unwrap_err();
    assert_eq!(over.field_errors()[0].field, "uplift");
}
