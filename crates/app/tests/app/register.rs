//! The order register (a framework's call-offs across all its customers) and the audit log.

use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::register::{self, AuditParams, RegisterParams, EXPORT_COLUMNS};
use calloff_app::{auth, demo, Actor, AppError};
use calloff_domain::call_off::{CallOff, CallOffState};
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use calloff_store::organisations;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    the_manager_sees_every_customers_call_offs_newest_first,
    filters_work_and_combine,
    bad_filters_are_all_named_at_once,
    the_auditor_reads_and_buyers_and_suppliers_are_refused,
    pages_follow_on_without_gaps,
    csv_and_xlsx_downloads_hold_the_register,
    the_auditor_reads_the_audit_log_by_entity_and_reference,
);

fn line(sku: &str, quantity: i64) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        term_months: 36,
        monthly_usage: None,
    }
}

async fn place(t: &TestApp, buyer: &Actor, lines: Vec<LineInput>) -> CallOff {
    // A minute apart, so that "newest first" is a real order.
    t.clock.advance(chrono::Duration::minutes(1));
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines,
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    call_offs::place(&t.app, buyer, &command, None).await.unwrap().call_off
}

/// A buyer at an NHS trust on the framework's register.
async fn nhs_buyer(t: &TestApp) -> Actor {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let trust = organisations::find_by_name(&mut conn, "Barts Health NHS Trust")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    auth::create_user(
        &t.app,
        &trust.id,
        "buyer@barts.example",
        "Nia Buyer",
        demo::DEMO_PASSWORD,
        &[Role::Buyer],
    )
    .await
    .unwrap();
    t.actor("buyer@barts.example").await
}

/// Three call-offs: Camden (lot 1), Hackney (lot 4), Barts (lots 1 and 4), placed in that order.
struct Placed {
    camden: CallOff,
    hackney: CallOff,
    barts: CallOff,
}

async fn three_call_offs(t: &TestApp) -> Placed {
    let camden = t.buyer().await;
    let hackney = t.actor("buyer@hackney.example").await;
    let barts = nhs_buyer(t).await;
    Placed {
        camden: place(t, &camden, vec![line("L1-ETH-100M", 1)]).await,
        hackney: place(t, &hackney, vec![line("L4-SIM-5GB", 10)]).await,
        barts: place(t, &barts, vec![line("L1-ETH-1G", 2), line("L4-SIM-5GB", 100)]).await,
    }
}

async fn references(t: &TestApp, actor: &Actor, params: RegisterParams) -> Vec<String> {
    register::list(&t.app, actor, &t.framework_id, &params)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.reference)
        .collect()
}

async fn the_manager_sees_every_customers_call_offs_newest_first(backend: Backend) {
    let t = TestApp::init(backend).await;
    let placed = three_call_offs(&t).await;
    let manager = t.actor("manager@rbkc.example").await;
    let page = register::list(&t.app, &manager, &t.framework_id, &RegisterParams::default())
        .await
        .unwrap();
    // Reference, customer, org-id, kind of body, lots.
    type Listed<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Vec<u32>);
    let got: Vec<Listed> = page
        .rows
        .iter()
        .map(|r| {
            (
                r.reference.as_str(),
                r.customer.as_str(),
                r.customer_org_id.as_deref(),
                r.customer_kind.as_str(),
                r.lots.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                placed.barts.reference.as_str(),
                "Barts Health NHS Trust",
                Some("GB-NHS-R1H"),
                "nhs_trust",
                vec![1, 4]
            ),
            (
                placed.hackney.reference.as_str(),
                "London Borough of Hackney",
                Some("GB-LAE-HCK"),
                "local_authority",
                vec![4]
            ),
            (
                placed.camden.reference.as_str(),
                "London Borough of Camden",
                Some("GB-LAE-CMD"),
                "local_authority",
                vec![1]
            ),
        ]
    );
    assert_eq!(page.matching, 3);
    let total = [&placed.camden, &placed.hackney, &placed.barts]
        .iter()
        .map(|c| c.totals.contract_value.pence())
        .sum::<i64>();
    assert_eq!(page.matching_value, Money::from_pence(total));
    assert_eq!(page.rows[0].contract_value, placed.barts.totals.contract_value);
    assert_eq!(page.rows[0].state, CallOffState::Placed);
    assert!(page.next_cursor.is_none());
    assert!(page.opens_call_offs, "the manager opens each call-off");
    let customers: Vec<&str> = page.customers.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(
        customers,
        [
            "Barts Health NHS Trust",
            "London Borough of Camden",
            "London Borough of Hackney"
        ]
    );
}

async fn filters_work_and_combine(backend: Backend) {
    let t = TestApp::init(backend).await;
    let p = three_call_offs(&t).await;
    let supplier = t.supplier().await;
    call_offs::act(&t.app, &supplier, &p.hackney.id, &CallOffAction::Accept)
        .await
        .unwrap();
    let manager = t.actor("manager@rbkc.example").await;
    let (camden, hackney, barts) = (&p.camden.reference, &p.hackney.reference, &p.barts.reference);
    let by = |f: fn(&mut RegisterParams)| {
        let mut params = RegisterParams::default();
        f(&mut params);
        params
    };
    assert_eq!(
        references(&t, &manager, by(|p| p.kind = "nhs_trust".into())).await,
        [barts.as_str()]
    );
    assert_eq!(
        references(&t, &manager, by(|p| p.kind = "local_authority".into())).await,
        [hackney.as_str(), camden.as_str()]
    );
    assert_eq!(
        references(&t, &manager, by(|p| p.lot = "4".into())).await,
        [barts.as_str(), hackney.as_str()]
    );
    assert_eq!(
        references(&t, &manager, by(|p| p.state = "accepted".into())).await,
        [hackney.as_str()]
    );
    // Lot and kind together: only what both admit.
    assert_eq!(
        references(
            &t,
            &manager,
            by(|p| {
                p.lot = "1".into();
                p.kind = "local_authority".into();
            })
        )
        .await,
        [camden.as_str()]
    );
    let mut customer = RegisterParams {
        customer: p.camden.buyer_id.to_string(),
        ..RegisterParams::default()
    };
    assert_eq!(references(&t, &manager, customer.clone()).await, [camden.as_str()]);
    customer.lot = "4".into();
    assert!(references(&t, &manager, customer).await.is_empty());
    // By reference: part of it, in any case.
    let tail = camden.rsplit('-').next().unwrap().to_string();
    let search = RegisterParams {
        q: format!("co-{tail}").to_lowercase(),
        ..RegisterParams::default()
    };
    assert_eq!(references(&t, &manager, search).await, [camden.as_str()]);
    let wildcard = RegisterParams {
        q: "%".into(),
        ..RegisterParams::default()
    };
    assert!(
        references(&t, &manager, wildcard).await.is_empty(),
        "% is not a wildcard"
    );
    // By value, bounds included.
    let camden_value = p.camden.totals.contract_value;
    let exactly = RegisterParams {
        min_value: calloff_interop::export::pounds(camden_value),
        max_value: calloff_interop::export::pounds(camden_value),
        ..RegisterParams::default()
    };
    assert_eq!(references(&t, &manager, exactly).await, [camden.as_str()]);
    let above = RegisterParams {
        min_value: calloff_interop::export::pounds(Money::from_pence(camden_value.pence() + 1)),
        ..RegisterParams::default()
    };
    assert!(!references(&t, &manager, above).await.contains(camden));
    // By UK date placed: all were placed on 26 November 2026.
    let on = |from: &str, to: &str| RegisterParams {
        placed_from: from.into(),
        placed_to: to.into(),
        ..RegisterParams::default()
    };
    assert_eq!(references(&t, &manager, on("2026-11-26", "2026-11-26")).await.len(), 3);
    assert!(references(&t, &manager, on("2026-11-27", "")).await.is_empty());
    assert!(references(&t, &manager, on("", "2026-11-25")).await.is_empty());
    let page = register::list(&t.app, &manager, &t.framework_id, &on("2026-11-27", ""))
        .await
        .unwrap();
    assert_eq!((page.matching, page.matching_value), (0, Money::ZERO));
}

async fn bad_filters_are_all_named_at_once(backend: Backend) {
    let t = TestApp::init(backend).await;
    let manager = t.actor("manager@rbkc.example").await;
    let params = RegisterParams {
        q: "x".repeat(101),
        customer: "camden".into(),
        kind: "supplier".into(),
        lot: "9".into(),
        state: "draft".into(),
        placed_from: "2026-13-01".into(),
        placed_to: "26/11/2026".into(),
        min_value: "lots".into(),
        max_value: "-5".into(),
        cursor: "yesterday".into(),
        format: "pdf".into(),
    };
    let err = register::list(&t.app, &manager, &t.framework_id, &params)
        .await
        .unwrap_err();
    let mut fields: Vec<String> = err.field_errors().iter().map(|e| e.field.clone()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "cursor",
            "customer",
            "format",
            "kind",
            "lot",
            "max_value",
            "min_value",
            "placed_from",
            "placed_to",
            "q",
            "state"
        ]
    );
    // Ranges the wrong way round name their upper bound.
    let backwards = RegisterParams {
        placed_from: "2026-11-27".into(),
        placed_to: "2026-11-26".into(),
        min_value: "100".into(),
        max_value: "99.99".into(),
        ..RegisterParams::default()
    };
    let err = register::list(&t.app, &manager, &t.framework_id, &backwards)
        .await
        .unwrap_err();
    let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["placed_to", "max_value"]);
}

async fn the_auditor_reads_and_buyers_and_suppliers_are_refused(backend: Backend) {
    let t = TestApp::init(backend).await;
    let p = three_call_offs(&t).await;
    let auditor = t.actor("auditor@rbkc.example").await;
    let page = register::list(&t.app, &auditor, &t.framework_id, &RegisterParams::default())
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 3);
    assert!(!page.opens_call_offs, "auditors read the register, not each call-off");
    assert!(
        register::export(&t.app, &auditor, &t.framework_id, &RegisterParams::default())
            .await
            .is_ok()
    );
    // Bad filters from someone who may not read the register are not even judged.
    let bad = RegisterParams {
        lot: "99".into(),
        ..RegisterParams::default()
    };
    for email in [
        "buyer@camden.example",
        "approver@camden.example",
        "admin@camden.example",
        "supplier@londonict.example",
    ] {
        let actor = t.actor(email).await;
        for params in [RegisterParams::default(), bad.clone()] {
            let err = register::list(&t.app, &actor, &t.framework_id, &params)
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::Forbidden(_)), "{email}: {err:?}");
            let err = register::export(&t.app, &actor, &t.framework_id, &params)
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::Forbidden(_)), "{email}: {err:?}");
        }
    }
    // The manager of another framework's authority is no manager of this one.
    let missing = calloff_domain::ids::FrameworkId::generate();
    let manager = t.actor("manager@rbkc.example").await;
    let err = register::list(&t.app, &manager, &missing, &RegisterParams::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    drop(p);
}

async fn pages_follow_on_without_gaps(backend: Backend) {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let mut placed = Vec::new();
    let count = usize::try_from(register::PAGE_SIZE).unwrap() + 2;
    for _ in 0..count {
        placed.push(place(&t, &buyer, vec![line("L4-SIM-5GB", 1)]).await.reference);
    }
    placed.reverse();
    let manager = t.actor("manager@rbkc.example").await;
    let first = register::list(&t.app, &manager, &t.framework_id, &RegisterParams::default())
        .await
        .unwrap();
    assert_eq!(first.rows.len(), usize::try_from(register::PAGE_SIZE).unwrap());
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = register::list(
        &t.app,
        &manager,
        &t.framework_id,
        &RegisterParams {
            cursor,
            ..RegisterParams::default()
        },
    )
    .await
    .unwrap();
    assert!(second.next_cursor.is_none());
    let all: Vec<String> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.reference.clone())
        .collect();
    assert_eq!(all, placed);
    assert_eq!(first.matching, i64::try_from(count).unwrap());
}

async fn csv_and_xlsx_downloads_hold_the_register(backend: Backend) {
    use calamine::{Data, Reader, Xlsx};
    let t = TestApp::init(backend).await;
    let p = three_call_offs(&t).await;
    let manager = t.actor("manager@rbkc.example").await;
    let params = RegisterParams {
        lot: "4".into(),
        format: "csv".into(),
        ..RegisterParams::default()
    };
    let csv = register::export(&t.app, &manager, &t.framework_id, &params)
        .await
        .unwrap();
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(csv.file_name, "LON-ICT-2025-call-offs.csv");
    assert!(!csv.truncated);
    let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, EXPORT_COLUMNS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let value = |c: &CallOff| calloff_interop::export::pounds(c.totals.contract_value);
    assert_eq!(
        rows,
        [
            vec![
                p.barts.reference.clone(),
                "Barts Health NHS Trust".into(),
                "GB-NHS-R1H".into(),
                "NHS trust".into(),
                "1; 4".into(),
                "placed".into(),
                "2026-11-26".into(),
                String::new(),
                String::new(),
                value(&p.barts),
            ],
            vec![
                p.hackney.reference.clone(),
                "London Borough of Hackney".into(),
                "GB-LAE-HCK".into(),
                "Local authority".into(),
                "4".into(),
                "placed".into(),
                "2026-11-26".into(),
                String::new(),
                String::new(),
                value(&p.hackney),
            ],
        ]
    );

    let xlsx = register::export(
        &t.app,
        &manager,
        &t.framework_id,
        &RegisterParams {
            format: "xlsx".into(),
            ..RegisterParams::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(xlsx.file_name, "LON-ICT-2025-call-offs.xlsx");
    assert_eq!(xlsx.rows, 3);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let sheet = book.worksheet_range("Call-offs").unwrap();
    let read: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(read.len(), 4);
    let header: Vec<Data> = EXPORT_COLUMNS.iter().map(|c| Data::String((*c).into())).collect();
    assert_eq!(read[0], header);
    let camden = &read[3];
    assert_eq!(camden[0], Data::String(p.camden.reference.clone()));
    assert_eq!(camden[2], Data::String("GB-LAE-CMD".into()));
    assert_eq!(camden[4], Data::String("1".into()));
    assert_eq!(camden[7], Data::Empty, "no start until it goes live");
    let pence = p.camden.totals.contract_value.pence();
    #[allow(clippy::cast_precision_loss)]
    let pounds = pence as f64 / 100.0;
    assert_eq!(camden[9], Data::Float(pounds));
}

async fn the_auditor_reads_the_audit_log_by_entity_and_reference(backend: Backend) {
    let t = TestApp::init(backend).await;
    let p = three_call_offs(&t).await;
    let auditor = t.actor("auditor@rbkc.example").await;
    let all = register::audit_log(&t.app, &auditor, &AuditParams::default())
        .await
        .unwrap();
    let seqs: Vec<i64> = all.entries.iter().map(|e| e.sealed.entry.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    assert!(all.entries.len() < usize::try_from(register::AUDIT_PAGE_SIZE).unwrap());
    assert_eq!(all.next_before, None, "one page holds the demo's entries");
    let older = register::audit_log(
        &t.app,
        &auditor,
        &AuditParams {
            before: seqs[4].to_string(),
            ..AuditParams::default()
        },
    )
    .await
    .unwrap();
    let older: Vec<i64> = older.entries.iter().map(|e| e.sealed.entry.seq).collect();
    assert_eq!(older, seqs[5..], "before a position, the entries older than it");

    let call_offs = register::audit_log(
        &t.app,
        &auditor,
        &AuditParams {
            entity: "call_off".into(),
            ..AuditParams::default()
        },
    )
    .await
    .unwrap();
    assert!(call_offs.entries.len() >= 3);
    assert!(call_offs
        .entries
        .iter()
        .all(|e| e.sealed.entry.action.starts_with("call_off.")));
    let placed_by_camden = call_offs
        .entries
        .iter()
        .find(|e| e.sealed.entry.subject == p.camden.id.as_str())
        .unwrap();
    assert_eq!(placed_by_camden.actor_name.as_deref(), Some("Bola Buyer"));

    let one = register::audit_log(
        &t.app,
        &auditor,
        &AuditParams {
            reference: p.hackney.reference.to_lowercase(),
            ..AuditParams::default()
        },
    )
    .await
    .unwrap();
    assert!(!one.entries.is_empty());
    assert!(one
        .entries
        .iter()
        .all(|e| e.sealed.entry.subject == p.hackney.id.as_str()));

    let err = register::audit_log(
        &t.app,
        &auditor,
        &AuditParams {
            entity: "invoices".into(),
            reference: "LON-NOPE".into(),
            before: "x".into(),
        },
    )
    .await
    .unwrap_err();
    let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["entity", "before"]);
    let err = register::audit_log(
        &t.app,
        &auditor,
        &AuditParams {
            reference: "LON-NOPE".into(),
            ..AuditParams::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "reference");

    for email in [
        "manager@rbkc.example",
        "buyer@camden.example",
        "admin@camden.example",
        "supplier@londonict.example",
    ] {
        let actor = t.actor(email).await;
        let err = register::audit_log(&t.app, &actor, &AuditParams::default())
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{email}: {err:?}");
    }
}
