use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::invoices::{self, InvoiceInput, InvoiceLineInput};
use calloff_app::quotes::LineInput;
use calloff_app::AppError;
use calloff_domain::call_off::CallOff;
use calloff_domain::invoice::{InvoiceDecision, InvoiceStatus};
use calloff_domain::money::Money;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    a_matching_invoice_is_approved_and_counts_once,
    a_mismatch_is_held_and_a_dispute_takes_it_off_spend,
    credit_notes_reduce_what_was_invoiced,
    bad_invoices_name_every_field_and_keep_nothing,
    only_the_parties_see_and_act_on_invoices
);

/// 20 SIMs at £5.50 a month for 24 months (£2,640) and an Ethernet installation (£950), live
/// from 26 November 2026.
async fn live_call_off(t: &TestApp, key: &str) -> CallOff {
    let buyer = t.buyer().await;
    let supplier = t.supplier().await;
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

fn invoice(number: &str, lines: Vec<InvoiceLineInput>) -> InvoiceInput {
    InvoiceInput {
        kind: None,
        number: number.into(),
        issue_date: Some("2026-11-26".into()),
        credits: None,
        lines,
    }
}

const FIRST_MONTH: Option<(&str, &str)> = Some(("2026-11-26", "2026-12-25"));

async fn a_matching_invoice_is_approved_and_counts_once(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "inv-1").await;
    let input = invoice("INV-1001", vec![line(1, 20, FIRST_MONTH), line(2, 1, None)]);
    let recorded = invoices::submit(&t.app, &supplier, &call_off.id, &input).await.unwrap();
    assert_eq!(recorded.status, InvoiceStatus::Matched, "{:?}", recorded.mismatches);
    assert_eq!(recorded.totals.net, Money::from_pence(20 * 550 + 95_000));
    assert_eq!(recorded.totals.vat, Money::from_pence((20 * 550 + 95_000) / 5));

    // A retried upload of the same number is refused and counted once.
    let again = invoices::submit(&t.app, &supplier, &call_off.id, &input)
        .await
        .unwrap_err();
    assert!(
        matches!(&again, AppError::Conflict(e) if e.field == "number" && e.message.contains("not counted twice")),
        "{again:?}"
    );
    let (list, spend) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(spend.invoiced, Money::from_pence(106_000));
    assert_eq!(spend.contract_value, Money::from_pence(264_000 + 95_000));
    assert_eq!(spend.remaining, Money::from_pence(264_000 + 95_000 - 106_000));
    assert!(spend.forecast.is_some());

    let framework = invoices::framework_spend(&t.app, &buyer, &t.framework_id)
        .await
        .unwrap();
    assert_eq!(framework.invoiced, Money::from_pence(106_000));

    let decided = invoices::decide(&t.app, &buyer, &recorded.id, InvoiceDecision::Approve, None)
        .await
        .unwrap();
    assert_eq!(decided.status, InvoiceStatus::Approved);
    let twice = invoices::decide(&t.app, &buyer, &recorded.id, InvoiceDecision::Approve, None)
        .await
        .unwrap_err();
    assert!(matches!(twice, AppError::Conflict(_)), "{twice:?}");
    t.assert_audit_intact().await;
}

async fn a_mismatch_is_held_and_a_dispute_takes_it_off_spend(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "inv-2").await;
    // 30 SIMs for a month when 20 were ordered; a period before the term started.
    let input = invoice(
        "INV-2001",
        vec![
            line(1, 30, FIRST_MONTH),
            line(1, 20, Some(("2026-10-01", "2026-10-31"))),
        ],
    );
    let held = invoices::submit(&t.app, &supplier, &call_off.id, &input).await.unwrap();
    assert_eq!(held.status, InvoiceStatus::Held);
    let reasons: Vec<(u32, &str)> = held.mismatches.iter().map(|m| (m.line, m.field.as_str())).collect();
    assert!(reasons.contains(&(1, "quantity")), "{reasons:?}");
    assert!(reasons.contains(&(2, "period")), "{reasons:?}");

    let approve = invoices::decide(&t.app, &buyer, &held.id, InvoiceDecision::Approve, None)
        .await
        .unwrap_err();
    assert!(
        matches!(approve, AppError::Conflict(ref e) if e.field == "decision"),
        "{approve:?}"
    );
    let no_reason = invoices::decide(&t.app, &buyer, &held.id, InvoiceDecision::Dispute, Some("  "))
        .await
        .unwrap_err();
    assert!(
        matches!(no_reason, AppError::Invalid(ref e) if e.field == "reason"),
        "{no_reason:?}"
    );

    let (_, before) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(before.invoiced, Money::from_pence(50 * 550));
    let disputed = invoices::decide(&t.app, &buyer, &held.id, InvoiceDecision::Dispute, Some("Only 20 SIMs"))
        .await
        .unwrap();
    assert_eq!(disputed.status, InvoiceStatus::Disputed);
    assert_eq!(disputed.dispute_reason.as_deref(), Some("Only 20 SIMs"));
    let (_, after) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(after.invoiced, Money::ZERO);
    let framework = invoices::framework_spend(&t.app, &buyer, &t.framework_id)
        .await
        .unwrap();
    assert_eq!(framework.invoiced, Money::ZERO, "the rollups follow the dispute");

    // Invoicing past a line's value is held too: 24 months of 20 SIMs is the whole line.
    let whole = invoice("INV-2002", vec![line(1, 20, Some(("2026-11-26", "2028-11-25")))]);
    assert_eq!(
        invoices::submit(&t.app, &supplier, &call_off.id, &whole)
            .await
            .unwrap()
            .status,
        InvoiceStatus::Matched
    );
    let more = invoice("INV-2003", vec![line(1, 1, FIRST_MONTH)]);
    let over = invoices::submit(&t.app, &supplier, &call_off.id, &more).await.unwrap();
    assert_eq!(over.status, InvoiceStatus::Held);
    assert!(
        over.mismatches.iter().any(|m| m.field == "value"),
        "{:?}",
        over.mismatches
    );
    t.assert_audit_intact().await;
}

async fn credit_notes_reduce_what_was_invoiced(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "inv-3").await;
    invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-3001", vec![line(2, 1, None)]),
    )
    .await
    .unwrap();
    let mut credit = invoice("CN-3001", vec![line(2, 1, None)]);
    credit.kind = Some("credit_note".into());
    credit.credits = Some("INV-9999".into());
    let unknown = invoices::submit(&t.app, &supplier, &call_off.id, &credit)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, AppError::Invalid(ref e) if e.field == "credits"),
        "{unknown:?}"
    );
    credit.credits = Some("INV-3001".into());
    let credited = invoices::submit(&t.app, &supplier, &call_off.id, &credit)
        .await
        .unwrap();
    assert_eq!(credited.status, InvoiceStatus::Matched, "{:?}", credited.mismatches);
    let (list, spend) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(spend.invoiced, Money::ZERO);
    // Nothing is left on that line to credit.
    let mut again = credit.clone();
    again.number = "CN-3002".into();
    let over = invoices::submit(&t.app, &supplier, &call_off.id, &again).await.unwrap();
    assert_eq!(over.status, InvoiceStatus::Held);
    t.assert_audit_intact().await;
}

async fn bad_invoices_name_every_field_and_keep_nothing(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "inv-4").await;
    let input = InvoiceInput {
        kind: Some("receipt".into()),
        number: " ".into(),
        issue_date: Some("2026-12-25".into()),
        credits: None,
        lines: vec![
            line(9, 1, None),
            line(1, 0, FIRST_MONTH),
            line(1, 5, None),
            line(1, 5, Some(("2026-12-25", "2026-12-01"))),
            line(1, 5, Some(("2026-13-01", "2026-12-01"))),
        ],
    };
    let err = invoices::submit(&t.app, &supplier, &call_off.id, &input)
        .await
        .unwrap_err();
    let mut fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "issue_date",
            "kind",
            "lines[0].call_off_line",
            "lines[1].quantity",
            "lines[2].period_start",
            "lines[3].period_end",
            "lines[4].period_start",
            "number"
        ],
        "{err:?}"
    );
    let empty = invoices::submit(&t.app, &supplier, &call_off.id, &invoice("INV-4001", vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(empty, AppError::Invalid(ref e) if e.field == "lines"),
        "{empty:?}"
    );
    let (list, spend) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert!(list.is_empty());
    assert_eq!(spend.invoiced, Money::ZERO);
}

async fn only_the_parties_see_and_act_on_invoices(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let other_buyer = t.actor("buyer@hackney.example").await;
    let manager = t.actor("manager@rbkc.example").await;
    let call_off = live_call_off(&t, "inv-5").await;
    let input = invoice("INV-5001", vec![line(2, 1, None)]);
    let forbidden = invoices::submit(&t.app, &buyer, &call_off.id, &input)
        .await
        .unwrap_err();
    assert!(matches!(forbidden, AppError::Forbidden(_)), "{forbidden:?}");
    let recorded = invoices::submit(&t.app, &supplier, &call_off.id, &input).await.unwrap();
    let hidden = invoices::view(&t.app, &other_buyer, &recorded.id).await.unwrap_err();
    assert!(matches!(hidden, AppError::NotFound(_)), "{hidden:?}");
    let hidden = invoices::for_call_off(&t.app, &other_buyer, &call_off.id)
        .await
        .unwrap_err();
    assert!(matches!(hidden, AppError::NotFound(_)), "{hidden:?}");
    let not_theirs = invoices::decide(&t.app, &supplier, &recorded.id, InvoiceDecision::Approve, None)
        .await
        .unwrap_err();
    assert!(matches!(not_theirs, AppError::Forbidden(_)), "{not_theirs:?}");
    let managers = invoices::view(&t.app, &manager, &recorded.id).await.unwrap();
    assert!(!managers.you_may_decide);
    assert!(
        invoices::view(&t.app, &buyer, &recorded.id)
            .await
            .unwrap()
            .you_may_decide
    );
}

on_both_databases!(
    every_invoice_and_credit_note_is_valid_ubl,
    ubl_uploads_are_matched_and_refusals_name_the_element
);

async fn every_invoice_and_credit_note_is_valid_ubl(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "ubl-1").await;
    let first = invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV/7001", vec![line(1, 20, FIRST_MONTH), line(2, 1, None)]),
    )
    .await
    .unwrap();
    // A held invoice is written too: what the supplier sent, not what was expected.
    let held = invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("INV-7002", vec![line(1, 33, FIRST_MONTH)]),
    )
    .await
    .unwrap();
    let mut credit = invoice("CN-7001", vec![line(2, 1, None)]);
    credit.kind = Some("credit_note".into());
    credit.credits = Some("INV/7001".into());
    let credited = invoices::submit(&t.app, &supplier, &call_off.id, &credit)
        .await
        .unwrap();
    let mut documents = Vec::new();
    for id in [&first.id, &held.id, &credited.id] {
        let (written, xml) = invoices::ubl::document(&t.app, &buyer, id).await.unwrap();
        assert!(
            xml.contains(&call_off.reference),
            "the order reference is the call-off's"
        );
        assert!(xml.contains("GB-LAE-CMD"), "the customer's org-id: {xml}");
        assert!(xml.contains("ZZ000001"), "the supplier's Companies House number");
        documents.push((written.number.as_str().replace('/', "_"), xml));
    }
    assert!(documents[2].1.starts_with("<?xml") && documents[2].1.contains("<CreditNote"));
    calloff_test_support::assert_valid_ubl(&documents);
    // Another body's buyer cannot fetch it.
    let other = t.actor("buyer@hackney.example").await;
    assert!(matches!(
        invoices::ubl::document(&t.app, &other, &first.id).await.unwrap_err(),
        AppError::NotFound(_)
    ));
}

async fn ubl_uploads_are_matched_and_refusals_name_the_element(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let call_off = live_call_off(&t, "ubl-2").await;
    let template = invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &invoice("TEMPLATE-1", vec![line(1, 20, FIRST_MONTH)]),
    )
    .await
    .unwrap();
    let (_, xml) = invoices::ubl::document(&t.app, &supplier, &template.id).await.unwrap();

    let sent = xml.replace("TEMPLATE-1", "UBL-8001");
    let uploaded = invoices::ubl::upload(&t.app, &supplier, sent.as_bytes()).await.unwrap();
    assert_eq!(uploaded.source, calloff_domain::invoice::InvoiceSource::Ubl);
    assert_eq!(uploaded.status, InvoiceStatus::Matched, "{:?}", uploaded.mismatches);
    assert_eq!(uploaded.totals, template.totals);
    let again = invoices::ubl::upload(&t.app, &supplier, sent.as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(again, AppError::Conflict(ref e) if e.field == "Invoice/cbc:ID"),
        "{again:?}"
    );

    let (before, spend_before) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    let refused = |bytes: String| {
        let (app, supplier) = (t.app.clone(), supplier.clone());
        async move {
            invoices::ubl::upload(&app, &supplier, bytes.as_bytes())
                .await
                .unwrap_err()
        }
    };
    let fields = |e: &AppError| e.field_errors().into_iter().map(|f| f.field).collect::<Vec<_>>();
    // Not XML at all; a document for no call-off of theirs; another customer's org-id.
    let not_xml = refused("<Invoice><unclosed></Invoice>".into()).await;
    assert!(!fields(&not_xml).is_empty(), "{not_xml:?}");
    let unknown = refused(
        xml.replace(&call_off.reference, "LON-ICT-2025-CO-999999")
            .replace("TEMPLATE-1", "UBL-8002"),
    )
    .await;
    assert_eq!(fields(&unknown), ["Invoice/cac:OrderReference/cbc:ID"], "{unknown:?}");
    let wrong_customer = refused(
        xml.replace("GB-LAE-CMD", "GB-LAE-HCK")
            .replace("TEMPLATE-1", "UBL-8003"),
    )
    .await;
    assert_eq!(
        fields(&wrong_customer),
        ["Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"],
        "{wrong_customer:?}"
    );
    // A buyer cannot send invoices.
    assert!(matches!(
        invoices::ubl::upload(&t.app, &buyer, sent.as_bytes())
            .await
            .unwrap_err(),
        AppError::Forbidden(_)
    ));
    let (after, spend_after) = invoices::for_call_off(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(before.len(), after.len(), "nothing refused is kept");
    assert_eq!(spend_before, spend_after);
}
