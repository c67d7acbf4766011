use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::returns::{self, MiImportError, MiImportOptions, MiImported};
use calloff_domain::call_off::CallOff;
use calloff_domain::mi_return::{Month, ReturnStatus, VersionKind};
use calloff_domain::money::Money;
use calloff_interop::price_list::Format;
use calloff_test_support::{on_both_databases, Backend, TestApp};
use sqlx::Row;
use std::fmt::Write;

on_both_databases!(
    a_valid_file_becomes_the_months_return_and_a_second_file_corrects_it,
    every_reconciliation_error_is_named_by_row_and_column_and_nothing_is_kept,
    an_interrupted_import_resumes_without_duplicating_a_row,
    an_xlsx_return_is_read_like_a_csv,
    only_the_frameworks_supplier_imports_its_return
);

const HEADER: &str =
    "order_reference,customer_org_id,lot,sku,cpv,quantity,unit_price_gbp,value_gbp,vat_gbp,invoice_number,invoice_date\n";

/// 20 SIMs at £5.50 a month for 24 months (line 1, worth £2,640) and an Ethernet installation
/// at £950 (line 2) for Camden, live.
async fn live_call_off(t: &TestApp) -> (CallOff, String) {
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
    let placed = call_offs::place(&t.app, &buyer, &command, Some("mi-import"))
        .await
        .unwrap()
        .call_off;
    call_offs::act(&t.app, &supplier, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap();
    let live = call_offs::act(&t.app, &supplier, &placed.id, &CallOffAction::GoLive)
        .await
        .unwrap();
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let camden = calloff_store::organisations::get(&mut conn, &buyer.organisation_id)
        .await
        .unwrap()
        .unwrap()
        .org_id()
        .unwrap();
    (live, camden)
}

fn november() -> Month {
    Month::parse("period", "2026-11").unwrap()
}

async fn import(t: &TestApp, csv: String, options: MiImportOptions) -> Result<MiImported, MiImportError> {
    let supplier = t.supplier().await;
    let size = csv.len() as u64;
    returns::import_file(
        &t.app,
        &supplier,
        &t.framework_id,
        november(),
        (Format::Csv, std::io::Cursor::new(csv.into_bytes()), size),
        options,
        |_| {},
    )
    .await
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    sqlx::query(sql).fetch_one(&mut *conn).await.unwrap().get::<i64, _>(0)
}

async fn a_valid_file_becomes_the_months_return_and_a_second_file_corrects_it(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (call_off, camden) = live_call_off(&t).await;
    let r = &call_off.reference;
    let csv = format!(
        "{HEADER}{r},{camden},4,L4-SIM-5GB,,20,5.50,110.00,22.00,EXT-1,2026-11-26\n\
         {r},{camden},1,l1-eth-inst,,1,950,950.00,,EXT-2,2026-11-27\n"
    );
    let imported = import(&t, csv.clone(), MiImportOptions::default()).await.unwrap();
    assert_eq!(imported.rows, 2);
    assert_eq!(imported.version.version, 1);
    assert_eq!(imported.version.kind, VersionKind::Submission);
    assert_eq!(imported.return_record.status, ReturnStatus::Submitted);
    assert_eq!(imported.version.totals.value, Money::from_pence(106_000));
    assert_eq!(imported.version.totals.vat, Money::from_pence(2_200));
    assert!(imported.version.totals.charge.pence() > 0, "the levy is charged");
    assert!(imported.version.levy_document.is_some(), "the charge is raised");

    let supplier = t.supplier().await;
    let view = returns::view(&t.app, &supplier, &imported.return_record.id, Some(1), 0, 100)
        .await
        .unwrap();
    let rows: Vec<(&str, &str, i64)> = view
        .rows
        .iter()
        .map(|r| (r.invoice_number.as_str(), r.sku.as_str(), r.value.pence()))
        .collect();
    assert_eq!(
        rows,
        [("EXT-1", "L4-SIM-5GB", 11_000), ("EXT-2", "L1-ETH-INST", 95_000)]
    );
    assert_eq!(
        view.totals.charge,
        view.rows
            .iter()
            .map(|r| r.charge)
            .fold(Money::ZERO, |a, b| Money::from_pence(a.pence() + b.pence()))
    );

    assert!(
        view.correction.is_none(),
        "a file's version is corrected by another file"
    );

    // The same file again makes nothing new.
    let again = import(&t, csv, MiImportOptions::default()).await.unwrap();
    assert!(again.already_imported);
    assert_eq!(again.version.version, 1);

    // A different file corrects the return, keeping the first version.
    let corrected = import(
        &t,
        format!("{HEADER}{r},{camden},4,L4-SIM-5GB,,10,5.50,55.00,,EXT-1,2026-11-26\n"),
        MiImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(corrected.version.version, 2);
    assert_eq!(corrected.version.kind, VersionKind::Correction);
    let versions = returns::view(&t.app, &supplier, &corrected.return_record.id, Some(1), 0, 100)
        .await
        .unwrap()
        .versions;
    assert_eq!(versions.len(), 2);
    assert_eq!(
        corrected.version.charge_difference.pence(),
        corrected.version.totals.charge.pence() - imported.version.totals.charge.pence()
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM mi_import_rows").await,
        0,
        "staging is emptied"
    );
}

async fn every_reconciliation_error_is_named_by_row_and_column_and_nothing_is_kept(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (call_off, camden) = live_call_off(&t).await;
    let r = &call_off.reference;
    let csv = format!(
        "{HEADER}{r},{camden},4,L4-SIM-5GB,,20,5.50,110.00,,OK-1,2026-11-26\n\
         CO-NOPE-1,{camden},4,L4-SIM-5GB,,1,5.50,5.50,,E-2,2026-11-26\n\
         {r},GB-LAE-HAV,4,L4-SIM-5GB,,1,5.50,5.50,,E-3,2026-11-26\n\
         {r},{camden},4,L4-ROUTER,,1,5.50,5.50,,E-4,2026-11-26\n\
         {r},{camden},4,L4-SIM-5GB,,1,4.50,4.50,,E-5,2026-11-26\n\
         {r},{camden},1,L1-ETH-INST,,1,950.00,950.00,,E-6,2026-11-26\n\
         {r},{camden},1,L1-ETH-INST,,1,950.00,950.00,,E-7,2026-11-26\n\
         {r},{camden},4,L4-SIM-5GB,,1,5.50,5.50,,E-8,2026-10-31\n\
         {r},{camden},4,L4-SIM-5GB,,2,5.50,5.50,,E-9,2026-11-26\n\
         {r},{camden},2,L4-SIM-5GB,,x,5.50,5.50,,,2026-11-26\n"
    );
    let Err(MiImportError::Cells { errors, total }) = import(&t, csv, MiImportOptions::default()).await else {
        panic!("the file has errors");
    };
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        found,
        [
            (3, "order_reference"),
            (4, "customer_org_id"),
            (5, "sku"),
            (6, "unit_price_gbp"),
            (8, "value_gbp"),
            (9, "invoice_date"),
            (10, "value_gbp"),
            (11, "invoice_number"),
            (11, "quantity"),
        ],
        "{errors:#?}"
    );
    assert_eq!(total, errors.len());
    assert!(
        errors[4].message.contains("beyond the line's value"),
        "{}",
        errors[4].message
    );
    assert!(errors[0].message.contains("CO-NOPE-1"));

    // Nothing was kept: no version, no staged rows, no import.
    let supplier = t.supplier().await;
    let kept = returns::for_framework(&t.app, &supplier, &t.framework_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record.version > 0)
        .count();
    assert_eq!(kept, 0);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM mi_import_rows").await, 0);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM mi_imports").await, 0);
}

async fn an_interrupted_import_resumes_without_duplicating_a_row(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (call_off, camden) = live_call_off(&t).await;
    let r = &call_off.reference;
    // 300 SIM-months at £5.50: £1,650 of the line's £2,640.
    let mut csv = HEADER.to_string();
    for i in 0..300 {
        writeln!(csv, "{r},{camden},4,L4-SIM-5GB,,1,5.50,5.50,,EXT-{i},2026-11-26").unwrap();
    }
    let options = MiImportOptions {
        stop_after_rows: Some(200),
        batch_rows: 100,
    };
    let Err(MiImportError::Stopped { staged }) = import(&t, csv.clone(), options).await else {
        panic!("stopped half way");
    };
    assert_eq!(staged, 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM mi_import_rows").await, 200);
    let resumed = import(
        &t,
        csv,
        MiImportOptions {
            batch_rows: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(resumed.resumed_after, 200);
    assert_eq!(resumed.rows, 300);
    assert_eq!(resumed.version.totals.rows, 300);
    assert_eq!(resumed.version.totals.value, Money::from_pence(300 * 550));
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(DISTINCT row_number) FROM mi_return_rows WHERE invoice_id IS NULL"
        )
        .await,
        300
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM mi_return_rows").await, 300);
}

async fn only_the_frameworks_supplier_imports_its_return(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (call_off, camden) = live_call_off(&t).await;
    let csv = format!(
        "{HEADER}{},{camden},4,L4-SIM-5GB,,1,5.50,5.50,,EXT-1,2026-11-26\n",
        call_off.reference
    );
    let buyer = t.buyer().await;
    let refused = returns::import_file(
        &t.app,
        &buyer,
        &t.framework_id,
        november(),
        (Format::Csv, std::io::Cursor::new(csv.clone().into_bytes()), 0),
        MiImportOptions::default(),
        |_| {},
    )
    .await;
    assert!(matches!(
        refused,
        Err(MiImportError::App(calloff_app::AppError::Forbidden(_)))
    ));
    // A month not yet started is refused by name.
    let supplier = t.supplier().await;
    let future = returns::import_file(
        &t.app,
        &supplier,
        &t.framework_id,
        Month::parse("period", "2027-01").unwrap(),
        (Format::Csv, std::io::Cursor::new(csv.into_bytes()), 0),
        MiImportOptions::default(),
        |_| {},
    )
    .await;
    assert!(matches!(future, Err(MiImportError::App(calloff_app::AppError::Invalid(ref e))) if e.field == "period"));
}

async fn an_xlsx_return_is_read_like_a_csv(backend: Backend) {
    use calloff_interop::export::Cell;
    let t = TestApp::init(backend).await;
    let (call_off, camden) = live_call_off(&t).await;
    let text = |s: &str| Cell::text(s);
    let header: Vec<Cell> = HEADER.trim().split(',').map(text).collect();
    let row = |sku: &str, quantity: &str, price: &str, value: &str, number: &str| {
        vec![
            text(&call_off.reference),
            text(&camden),
            text("4"),
            text(sku),
            Cell::Empty,
            text(quantity),
            text(price),
            text(value),
            Cell::Empty,
            text(number),
            text("2026-11-26"),
        ]
    };
    let good = calloff_interop::xlsx::write(
        "Return",
        &[header.clone(), row("L4-SIM-5GB", "2", "5.50", "11.00", "X-1")],
    )
    .unwrap();
    let supplier = t.supplier().await;
    let size = good.len() as u64;
    let format = Format::sniff(&good);
    assert_eq!(format, Format::Xlsx);
    let imported = returns::import_file(
        &t.app,
        &supplier,
        &t.framework_id,
        november(),
        (format, std::io::Cursor::new(good), size),
        MiImportOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(imported.version.totals.value, Money::from_pence(1_100));

    let bad = calloff_interop::xlsx::write("Return", &[header, row("L4-NOPE", "1", "5.50", "5.50", "X-2")]).unwrap();
    let size = bad.len() as u64;
    let Err(MiImportError::Cells { errors, .. }) = returns::import_file(
        &t.app,
        &supplier,
        &t.framework_id,
        november(),
        (Format::Xlsx, std::io::Cursor::new(bad), size),
        MiImportOptions::default(),
        |_| {},
    )
    .await
    else {
        panic!("the sheet has an error");
    };
    assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "sku"));
}
