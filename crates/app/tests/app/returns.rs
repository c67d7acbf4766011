use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::invoices::{self, InvoiceInput, InvoiceLineInput};
use calloff_app::quotes::LineInput;
use calloff_app::returns::{self, levy};
use calloff_app::{lifecycle, notifications, Actor, AppError};
use calloff_domain::call_off::CallOff;
use calloff_domain::invoice::{InvoiceDecision, InvoiceStatus};
use calloff_domain::levy::{BasisPoints, LevyRates, LevyRule};
use calloff_domain::mi_return::{ReturnStanding, ReturnStatus, VersionKind};
use calloff_domain::money::Money;
use calloff_test_support::{assert_valid_ubl, on_both_databases, Backend, TestApp};
use chrono::NaiveDate;

on_both_databases!(
    a_return_is_generated_from_the_months_invoices_and_credit_notes,
    returns_are_due_on_the_fifth_working_day_reminded_once_and_listed_late,
    a_correction_keeps_the_earlier_version_and_raises_the_difference,
    the_levy_follows_the_rule_in_force_on_the_month,
    only_the_supplier_the_manager_and_auditors_see_returns,
    racing_submissions_make_one_version_and_a_credit_only_month_is_credited
);

/// 20 SIMs at £5.50 a month (lot 4) and an Ethernet installation at £950 (lot 1) for Camden,
/// live from 26 November 2026.
async fn live_call_off(t: &TestApp, key: &str) -> CallOff {
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
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
    call_offs::act(&t.app, &supplier, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap();
    call_offs::act(&t.app, &supplier, &placed.id, &CallOffAction::GoLive)
        .await
        .unwrap()
}

fn line(call_off_line: i64, quantity: i64, period: Option<(&str, &str)>) -> InvoiceLineInput {
    InvoiceLineInput {
        call_off_line,
        quantity,
        period_start: period.map(|p| p.0.to_string()),
        period_end: period.map(|p| p.1.to_string()),
    }
}

fn invoice(number: &str, issued: &str, lines: Vec<InvoiceLineInput>) -> InvoiceInput {
    InvoiceInput {
        kind: None,
        number: number.into(),
        issue_date: Some(issued.into()),
        credits: None,
        lines,
    }
}

fn credit(number: &str, issued: &str, credits: &str, lines: Vec<InvoiceLineInput>) -> InvoiceInput {
    InvoiceInput {
        kind: Some("credit_note".into()),
        credits: Some(credits.into()),
        ..invoice(number, issued, lines)
    }
}

const FIRST_MONTH: Option<(&str, &str)> = Some(("2026-11-26", "2026-12-25"));

fn day(text: &str) -> NaiveDate {
    calloff_domain::calendar::parse_date(text).unwrap()
}

/// Moves the clock to 10:00 UTC on `date`.
fn move_to(t: &TestApp, date: &str) {
    use calloff_app::Clock;
    let target = day(date).and_hms_opt(10, 0, 0).unwrap().and_utc();
    t.clock.advance(target - t.clock.now());
}

async fn manager(t: &TestApp) -> Actor {
    t.actor("manager@rbkc.example").await
}

/// The supplier's return for `month`.
async fn return_for(t: &TestApp, who: &Actor, month: &str) -> returns::ReturnSummary {
    returns::for_framework(&t.app, who, &t.framework_id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.record.month.to_string() == month)
        .unwrap_or_else(|| panic!("no return for {month}"))
}

async fn events(t: &TestApp, who: &Actor, event: &str) -> usize {
    notifications::list(&t.app, who)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.event == event)
        .count()
}

async fn a_return_is_generated_from_the_months_invoices_and_credit_notes(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "mi-1").await;
    let submit = |input: InvoiceInput| {
        let (app, supplier, id) = (t.app.clone(), supplier.clone(), call_off.id.clone());
        async move { invoices::submit(&app, &supplier, &id, &input).await.unwrap() }
    };
    submit(invoice(
        "INV-1",
        "2026-11-26",
        vec![line(1, 20, FIRST_MONTH), line(2, 1, None)],
    ))
    .await;
    submit(credit("CN-1", "2026-11-26", "INV-1", vec![line(1, 10, FIRST_MONTH)])).await;
    // 30 SIMs where 20 were ordered: held, then disputed, so left out of the return.
    let held = submit(invoice("INV-2", "2026-11-26", vec![line(1, 30, FIRST_MONTH)])).await;
    assert_eq!(held.status, InvoiceStatus::Held);
    invoices::decide(&t.app, &buyer, &held.id, InvoiceDecision::Dispute, Some("Only 20 SIMs"))
        .await
        .unwrap();

    // No return for a month still running.
    assert!(returns::for_framework(&t.app, &supplier, &t.framework_id)
        .await
        .unwrap()
        .is_empty());
    move_to(&t, "2026-12-01");
    let summary = return_for(&t, &supplier, "2026-11").await;
    assert_eq!(summary.record.due_on, day("2026-12-07"));
    assert_eq!(summary.standing, ReturnStanding::Due);
    assert_eq!(summary.record.reference, "LON-ICT-2025-MI-2026-11-ZZ000001");

    let view = returns::view(&t.app, &supplier, &summary.record.id, None, 0, 100)
        .await
        .unwrap();
    let numbers: Vec<(&str, i64, i64, i64)> = view
        .rows
        .iter()
        .map(|r| (r.invoice_number.as_str(), r.quantity, r.value.pence(), r.vat.pence()))
        .collect();
    assert_eq!(
        numbers,
        [
            ("INV-1", 20, 11_000, 2_200),
            ("INV-1", 1, 95_000, 19_000),
            ("CN-1", -10, -5_500, -1_100),
        ]
    );
    let first = &view.rows[0];
    assert_eq!(first.call_off_reference, call_off.reference);
    assert_eq!(first.customer_name, "London Borough of Camden");
    assert!(
        first.customer_org_id.starts_with("GB-LAE-"),
        "{}",
        first.customer_org_id
    );
    assert_eq!(first.customer_kind, "local_authority");
    assert_eq!((first.lot_number, first.sku.as_str()), (4, "L4-SIM-5GB"));
    assert!(!first.cpv.is_empty());
    // The per-lot rule from October 2026: lot 4 at 0.75%, lot 1 at 1%, each line rounded.
    let charges: Vec<i64> = view.rows.iter().map(|r| r.charge.pence()).collect();
    assert_eq!(charges, [83, 950, -41]);
    assert_eq!(view.totals.value, Money::from_pence(100_500));
    assert_eq!(view.totals.vat, Money::from_pence(20_100));
    assert_eq!(view.totals.charge, Money::from_pence(992));
    assert!(view.you_may_submit && !view.you_may_declare_no_business);

    // Rows page by row number.
    let page = returns::view(&t.app, &supplier, &summary.record.id, None, 0, 2)
        .await
        .unwrap();
    assert_eq!((page.rows.len(), page.next_after), (2, Some(2)));
    let rest = returns::view(&t.app, &supplier, &summary.record.id, None, 2, 2)
        .await
        .unwrap();
    assert_eq!((rest.rows.len(), rest.next_after), (1, None));

    let refused = returns::declare_no_business(&t.app, &supplier, &summary.record.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Conflict(e) if e.field == "rows" && e.message.contains("3 lines")),
        "{refused:?}"
    );

    let submitted = returns::submit(&t.app, &supplier, &summary.record.id).await.unwrap();
    assert_eq!((submitted.version, submitted.kind), (1, VersionKind::Submission));
    assert_eq!(submitted.totals.charge, Money::from_pence(992));
    assert_eq!(
        submitted.levy_document,
        Some(("invoice".into(), "LON-ICT-2025-MI-2026-11-ZZ000001-V1".into()))
    );
    let again = returns::submit(&t.app, &supplier, &summary.record.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&again, AppError::Conflict(e) if e.field == "status"),
        "{again:?}"
    );
    assert_eq!(events(&t, &manager(&t).await, "mi_return.submitted").await, 1);

    let (number, xml) = levy::document(&t.app, &supplier, &summary.record.id, None)
        .await
        .unwrap();
    assert!(xml.contains("<cbc:BuyerReference>LON-ICT-2025-MI-2026-11-ZZ000001</cbc:BuyerReference>"));
    assert!(xml.contains("Management charge for November 2026"));
    assert!(xml.contains("GB999000002"), "the authority sells");
    assert_valid_ubl(&[(number, xml)]);
    t.assert_audit_intact().await;
}

async fn returns_are_due_on_the_fifth_working_day_reminded_once_and_listed_late(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (supplier, manager) = (t.supplier().await, manager(&t).await);
    // Friday 4 December: three days before Monday 7 December.
    move_to(&t, "2026-12-04");
    let report = lifecycle::sweep(&t.app).await.unwrap();
    assert_eq!(report.return_reminders, 1);
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().return_reminders, 0, "once only");
    assert_eq!(events(&t, &supplier, "mi_return.due").await, 1);

    move_to(&t, "2026-12-07");
    assert_eq!(return_for(&t, &manager, "2026-11").await.standing, ReturnStanding::Due);
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().return_reminders, 0);
    move_to(&t, "2026-12-08");
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().return_reminders, 1);
    assert_eq!(lifecycle::sweep(&t.app).await.unwrap().return_reminders, 0, "once only");
    assert_eq!(events(&t, &supplier, "mi_return.overdue").await, 1);

    // December's return is due after Christmas, Boxing Day (on the 28th) and New Year's Day.
    move_to(&t, "2027-01-02");
    let december = return_for(&t, &manager, "2026-12").await;
    assert_eq!(december.record.due_on, day("2027-01-08"));
    let listed = returns::for_framework(&t.app, &manager, &t.framework_id).await.unwrap();
    let order: Vec<(String, ReturnStanding)> = listed
        .iter()
        .map(|r| (r.record.month.to_string(), r.standing))
        .collect();
    assert_eq!(
        order,
        [
            ("2026-11".to_string(), ReturnStanding::Late),
            ("2026-12".to_string(), ReturnStanding::Due)
        ],
        "late first"
    );

    let november = return_for(&t, &supplier, "2026-11").await;
    let view = returns::view(&t.app, &supplier, &november.record.id, None, 0, 100)
        .await
        .unwrap();
    assert!(view.rows.is_empty() && view.you_may_declare_no_business);
    let declared = returns::declare_no_business(&t.app, &supplier, &november.record.id)
        .await
        .unwrap();
    assert_eq!((declared.kind, declared.levy_document), (VersionKind::NoBusiness, None));
    let after = return_for(&t, &manager, "2026-11").await;
    assert_eq!(after.standing, ReturnStanding::NoBusiness);
    assert!(after.submitted_late);
    assert_eq!(after.record.status, ReturnStatus::NoBusiness);
    // Declared returns are not reminded again.
    move_to(&t, "2027-01-12");
    let report = lifecycle::sweep(&t.app).await.unwrap();
    assert_eq!(report.return_reminders, 1, "only December's overdue reminder");
    t.assert_audit_intact().await;
}

async fn a_correction_keeps_the_earlier_version_and_raises_the_difference(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (supplier, manager) = (t.supplier().await, manager(&t).await);
    let call_off = live_call_off(&t, "mi-3").await;
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-1", "2026-11-26", vec![line(1, 20, FIRST_MONTH), line(2, 1, None)]),
    )
    .await
    .unwrap();
    move_to(&t, "2026-12-02");
    let id = return_for(&t, &supplier, "2026-11").await.record.id;
    let nothing = returns::correct(&t.app, &supplier, &id).await.unwrap_err();
    assert!(
        matches!(&nothing, AppError::Conflict(e) if e.field == "status"),
        "{nothing:?}"
    );
    let first = returns::submit(&t.app, &supplier, &id).await.unwrap();
    assert_eq!(first.totals.charge, Money::from_pence(83 + 950));
    let unchanged = returns::correct(&t.app, &supplier, &id).await.unwrap_err();
    assert!(
        matches!(&unchanged, AppError::Conflict(e) if e.field == "rows"),
        "{unchanged:?}"
    );

    // A credit note dated in November, issued after the return went in.
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &credit("CN-1", "2026-11-30", "INV-1", vec![line(2, 1, None)]),
    )
    .await
    .unwrap();
    let view = returns::view(&t.app, &supplier, &id, None, 0, 100).await.unwrap();
    assert_eq!(view.version, 1);
    assert_eq!(view.rows.len(), 2, "the submitted version is shown");
    let preview = view.correction.expect("a correction is possible");
    assert_eq!(preview.charge_difference, Money::from_pence(-950));
    assert!(view.you_may_correct);

    let second = returns::correct(&t.app, &supplier, &id).await.unwrap();
    assert_eq!((second.version, second.kind), (2, VersionKind::Correction));
    assert_eq!(second.totals.charge, Money::from_pence(83));
    assert_eq!(second.charge_difference, Money::from_pence(-950));
    assert_eq!(
        second.levy_document,
        Some(("credit_note".into(), "LON-ICT-2025-MI-2026-11-ZZ000001-V2".into()))
    );
    // The earlier version is kept and readable.
    let earlier = returns::view(&t.app, &manager, &id, Some(1), 0, 100).await.unwrap();
    assert_eq!(
        (earlier.rows.len(), earlier.totals.charge),
        (2, Money::from_pence(1_033))
    );
    let now = returns::view(&t.app, &manager, &id, None, 0, 100).await.unwrap();
    assert_eq!((now.version, now.rows.len(), now.versions.len()), (2, 3, 2));
    assert!(now.correction.is_none());
    let bad = returns::view(&t.app, &manager, &id, Some(3), 0, 100).await.unwrap_err();
    assert!(matches!(&bad, AppError::Invalid(e) if e.field == "version"), "{bad:?}");

    let levied = returns::levy_by_month(&t.app, &manager, &t.framework_id).await.unwrap();
    assert_eq!(levied.len(), 1);
    assert_eq!(levied[0].charged, Money::from_pence(83));

    let (n1, x1) = levy::document(&t.app, &manager, &id, Some(1)).await.unwrap();
    let (n2, x2) = levy::document(&t.app, &manager, &id, Some(2)).await.unwrap();
    assert!(
        x2.contains("<CreditNote") && x2.contains(&n1),
        "credits the first invoice"
    );
    assert_valid_ubl(&[(n1, x1), (n2, x2)]);
    t.assert_audit_intact().await;
}

async fn the_levy_follows_the_rule_in_force_on_the_month(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (supplier, manager, buyer) = (t.supplier().await, manager(&t).await, t.buyer().await);
    let bp = |n| BasisPoints::new("rate", n).unwrap();
    let sector = LevyRule::new(
        day("2026-12-01"),
        LevyRates::PerSector {
            central_government: bp(50),
            wider_public_sector: bp(200),
        },
    )
    .unwrap();
    let refused = levy::add_rule(&t.app, &buyer, &t.framework_id, &sector)
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
    let missing_lots = LevyRule::new(
        day("2026-12-01"),
        LevyRates::PerLot {
            rates: [(1, bp(100))].into_iter().collect(),
        },
    )
    .unwrap();
    let refused = levy::add_rule(&t.app, &manager, &t.framework_id, &missing_lots)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Invalid(e) if e.field == "rates"),
        "{refused:?}"
    );
    let past = LevyRule::new(day("2026-10-01"), LevyRates::Flat { rate: bp(1) }).unwrap();
    let refused = levy::add_rule(&t.app, &manager, &t.framework_id, &past)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Invalid(e) if e.field == "effective_from"),
        "{refused:?}"
    );
    levy::add_rule(&t.app, &manager, &t.framework_id, &sector)
        .await
        .unwrap();
    let rules = levy::rules(&t.app, &buyer, &t.framework_id).await.unwrap();
    assert_eq!(rules.len(), 3);

    let call_off = live_call_off(&t, "mi-4").await;
    let lines = || vec![line(2, 1, None)];
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-NOV", "2026-11-26", lines()),
    )
    .await
    .unwrap();
    move_to(&t, "2026-12-10");
    let credit_back = credit("CN-NOV", "2026-12-10", "INV-NOV", lines());
    invoices::submit(&t.app, &supplier, &call_off.id, &credit_back)
        .await
        .unwrap();
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-DEC", "2026-12-10", lines()),
    )
    .await
    .unwrap();
    move_to(&t, "2027-01-04");
    let november = return_for(&t, &supplier, "2026-11").await.record.id;
    let december = return_for(&t, &supplier, "2026-12").await.record.id;
    // November: the per-lot rule (lot 1 at 1%); December: Camden is wider public sector, 2%.
    let nov = returns::view(&t.app, &supplier, &november, None, 0, 100).await.unwrap();
    assert_eq!(nov.rule.as_ref().unwrap().effective_from, day("2026-10-01"));
    assert_eq!(nov.totals.charge, Money::from_pence(950));
    let dec = returns::view(&t.app, &supplier, &december, None, 0, 100).await.unwrap();
    assert_eq!(dec.rule.as_ref().unwrap().effective_from, day("2026-12-01"));
    assert_eq!(
        dec.rows
            .iter()
            .map(|r| (r.rate_bp, r.charge.pence()))
            .collect::<Vec<_>>(),
        [(200, -1_900), (200, 1_900)]
    );
    assert_eq!(dec.totals.charge, Money::ZERO);
    // A return whose charge is nothing raises no document.
    returns::submit(&t.app, &supplier, &december).await.unwrap();
    let none = levy::document(&t.app, &supplier, &december, None).await.unwrap_err();
    assert!(matches!(none, AppError::NotFound(_)), "{none:?}");
    returns::submit(&t.app, &supplier, &november).await.unwrap();
    let (number, xml) = levy::document(&t.app, &supplier, &november, None).await.unwrap();
    assert_valid_ubl(&[(number, xml)]);
    let levied = returns::levy_by_month(&t.app, &manager, &t.framework_id).await.unwrap();
    let by_month: Vec<(String, i64)> = levied
        .iter()
        .map(|m| (m.month.to_string(), m.charged.pence()))
        .collect();
    assert_eq!(by_month, [("2026-12".to_string(), 0), ("2026-11".to_string(), 950)]);
    t.assert_audit_intact().await;
}

async fn only_the_supplier_the_manager_and_auditors_see_returns(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (supplier, buyer, manager) = (t.supplier().await, t.buyer().await, manager(&t).await);
    let auditor = t.actor("auditor@rbkc.example").await;
    move_to(&t, "2026-12-02");
    let id = return_for(&t, &supplier, "2026-11").await.record.id;
    let refused = returns::for_framework(&t.app, &buyer, &t.framework_id)
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
    let hidden = returns::view(&t.app, &buyer, &id, None, 0, 10).await.unwrap_err();
    assert!(matches!(hidden, AppError::NotFound(_)), "{hidden:?}");
    for reader in [&manager, &auditor] {
        let view = returns::view(&t.app, reader, &id, None, 0, 10).await.unwrap();
        assert!(!view.you_may_submit && !view.you_may_declare_no_business);
        let acted = returns::declare_no_business(&t.app, reader, &id).await.unwrap_err();
        assert!(matches!(acted, AppError::Forbidden(_)), "{acted:?}");
        assert!(returns::levy_by_month(&t.app, reader, &t.framework_id).await.is_ok());
    }
    assert!(matches!(
        returns::levy_by_month(&t.app, &supplier, &t.framework_id).await,
        Err(AppError::Forbidden(_))
    ));
}

async fn racing_submissions_make_one_version_and_a_credit_only_month_is_credited(backend: Backend) {
    let t = TestApp::init(backend).await;
    let supplier = t.supplier().await;
    let call_off = live_call_off(&t, "mi-6").await;
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-1", "2026-11-26", vec![line(2, 1, None)]),
    )
    .await
    .unwrap();
    move_to(&t, "2026-12-02");
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &credit("CN-1", "2026-12-02", "INV-1", vec![line(2, 1, None)]),
    )
    .await
    .unwrap();
    let november = return_for(&t, &supplier, "2026-11").await.record.id;
    // Eight submissions of the same return at once: one version, the rest refused.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (app, supplier, id) = (t.app.clone(), supplier.clone(), november.clone());
            tokio::spawn(async move { returns::submit(&app, &supplier, &id).await })
        })
        .collect();
    let mut submitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => submitted += 1,
            Err(AppError::Conflict(e)) => assert_eq!(e.field, "status"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(submitted, 1);
    let view = returns::view(&t.app, &supplier, &november, None, 0, 10).await.unwrap();
    assert_eq!(view.versions.len(), 1);

    // December holds only the credit note: its charge is negative, so it is credited, with no
    // invoice of its own to refer to.
    move_to(&t, "2027-01-11");
    let december = return_for(&t, &supplier, "2026-12").await.record.id;
    let credited = returns::submit(&t.app, &supplier, &december).await.unwrap();
    assert_eq!(credited.totals.charge, Money::from_pence(-950));
    assert_eq!(
        credited.levy_document.as_ref().map(|(k, _)| k.as_str()),
        Some("credit_note")
    );
    let (number, xml) = levy::document(&t.app, &supplier, &december, None).await.unwrap();
    assert!(xml.contains("<CreditNote"));
    assert_valid_ubl(&[(number, xml)]);
    let submitted_late = return_for(&t, &supplier, "2026-12").await;
    assert!(submitted_late.submitted_late, "due on 8 January, submitted on the 11th");
    t.assert_audit_intact().await;
}
