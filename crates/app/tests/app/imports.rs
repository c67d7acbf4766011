use calloff_app::change_requests;
use calloff_app::imports::{self, ImportError};
use calloff_domain::change_control::ChangeKind;
use calloff_interop::price_list::Format;
use calloff_test_support::{on_both_databases, xlsx, Backend, TestApp};
use std::io::Cursor;

on_both_databases!(
    a_valid_price_list_becomes_one_change_request,
    every_bad_cell_is_reported_and_nothing_is_imported,
    xlsx_price_lists_import_like_csv
);

const HEADER: &str = "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv";

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut out = String::from(HEADER);
    for row in rows {
        out.push('\n');
        out.push_str(row);
    }
    out.push('\n');
    out.into_bytes()
}

async fn import(t: &TestApp, format: Format, bytes: Vec<u8>) -> Result<imports::Imported, ImportError> {
    let supplier = t.supplier().await;
    let size = bytes.len() as u64;
    imports::price_list(
        &t.app,
        &supplier,
        &t.framework_id,
        "Spring price list",
        None,
        (format, Cursor::new(bytes), size),
        |_| {},
    )
    .await
}

async fn a_valid_price_list_becomes_one_change_request(backend: Backend) {
    let t = TestApp::init(backend).await;
    let manager = t.actor("manager@rbkc.example").await;
    let file = csv(&[
        // Unchanged from the catalogue: skipped.
        "4,L4-SIM-5GB,5G SIM with 5 GB of data,\"A 5G SIM with 5 GB a month, UK and EU roaming. Typical range £4–£8.\",per month,5.50,24,64212000-5",
        // Only the price differs: a price change.
        "1,L1-ETH-1G,Managed Ethernet circuit 1 Gbit/s,\"Uncontended fibre Ethernet access at 1 Gbit/s symmetric (10 Gbit/s-capable bearer), managed CPE, proactive monitoring. Typical range £300–£750.\",per month,440.00,36,72720000-3",
        // New.
        "4,L4-SIM-50GB,5G SIM with 50 GB of data,A 5G SIM with 50 GB a month,per month,11.50,24,64212000-5",
    ]);
    let imported = import(&t, Format::Csv, file).await.unwrap();
    assert_eq!(imported.rows, 3);
    let view = change_requests::view(&t.app, &manager, &imported.request.id, None)
        .await
        .unwrap();
    let kinds: Vec<(ChangeKind, &str)> = view
        .changes
        .iter()
        .map(|c| (c.stored.change.kind, c.stored.change.sku.as_str()))
        .collect();
    // The demo's SIM description may differ from the file's; whatever it is, the request
    // carries only what changed.
    assert!(kinds.contains(&(ChangeKind::Price, "L1-ETH-1G")), "{kinds:?}");
    assert!(kinds.contains(&(ChangeKind::Add, "L4-SIM-50GB")), "{kinds:?}");
    assert_eq!(
        usize::try_from(imported.request.change_count).unwrap() + imported.unchanged,
        3
    );
    assert_eq!(view.changes[0].stored.change.effective_from, t.app.today());
}

async fn every_bad_cell_is_reported_and_nothing_is_imported(backend: Backend) {
    let t = TestApp::init(backend).await;
    let manager = t.actor("manager@rbkc.example").await;
    let file = csv(&[
        "4,L4-NEW-A,Item A,An item,per month,cheap,24,64212000-5",
        "4,L4-NEW-B,Item B,An item,per fortnight,1.00,24,64212000-5",
        "4,L4-NEW-C,Item C,An item,per month,1.00,24,6421",
        "9,L4-NEW-D,Item D,An item,per month,1.00,24,64212000-5",
        "4,L4-NEW-A,Item A again,An item,per month,1.00,24,64212000-5",
        "4,L4-NEW-E,,An item,per month,1.00,24,64212000-5",
        "4,L4-NEW-F,Item F,An item,per month,1.00",
    ]);
    let Err(ImportError::Cells { errors, total }) = import(&t, Format::Csv, file).await else {
        panic!("expected errors by row and column")
    };
    let cells: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        cells,
        [
            (2, "price_gbp_ex_vat"),
            (3, "unit"),
            (4, "cpv"),
            (5, "lot"),
            (6, "sku"),
            (7, "name"),
            (8, "row"),
        ],
        "{errors:?}"
    );
    assert_eq!(total, 7);
    assert!(errors[4].message.contains("first on row 2"), "{}", errors[4].message);
    let requests = change_requests::list(&t.app, &manager, &t.framework_id).await.unwrap();
    assert!(requests.is_empty(), "nothing is imported from a file with errors");

    // A file missing a column says which.
    let missing = b"lot,sku,name\n1,A,B\n".to_vec();
    let Err(ImportError::Cells { errors, .. }) = import(&t, Format::Csv, missing).await else {
        panic!("expected errors")
    };
    assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "description"));
}

async fn xlsx_price_lists_import_like_csv(backend: Backend) {
    let t = TestApp::init(backend).await;
    let header: Vec<&str> = HEADER.split(',').collect();
    let good = xlsx(&[
        header.clone(),
        vec![
            "4",
            "L4-SIM-XL",
            "5G SIM, 100 GB",
            "A 5G SIM with 100 GB a month",
            "per month",
            "15.00",
            "24",
            "64212000-5",
        ],
    ]);
    let imported = import(&t, Format::sniff(&good), good).await.unwrap();
    assert_eq!(imported.request.change_count, 1);
    let bad = xlsx(&[
        header,
        vec![
            "4",
            "L4-SIM-XXL",
            "5G SIM",
            "A SIM",
            "per month",
            "-1",
            "24",
            "64212000-5",
        ],
    ]);
    let Err(ImportError::Cells { errors, .. }) = import(&t, Format::Xlsx, bad).await else {
        panic!("expected errors")
    };
    assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "price_gbp_ex_vat"));
}
