//! PEPPOL BIS Billing 3.0: what we write passes the official XSD and schematrons
//! (`../shared/tools/validate-ubl`), reads back as itself, and what we refuse names its element.

use calloff_domain::catalogue::Unit;
use calloff_domain::money::{Money, UnitPrice};
use calloff_interop::ubl::{
    self, line_value, unit_code, vat_breakdown, Address, Document, DocumentKind, Endpoint, Identifier, Line, Party,
    Period, Totals, UblError, VatCategory,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> PathBuf {
    std::env::var("CALLOFF_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// Runs `validate-ubl` on every document at once. A missing tool fails the test: these
/// documents go to public bodies, so an unchecked run is not a pass.
fn assert_valid(documents: &[(String, String)]) {
    let tool = shared().join("tools/validate-ubl");
    assert!(
        tool.exists(),
        "{} is missing: clone beside ../shared or set CALLOFF_SHARED",
        tool.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, xml) in documents {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, xml).unwrap();
        files.push(path);
    }
    let output = Command::new(&tool).args(&files).output().expect("validate-ubl runs");
    assert!(
        output.status.success(),
        "validate-ubl refused a written document ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn price(pounds: &str) -> UnitPrice {
    UnitPrice::parse_pounds(pounds).unwrap()
}

fn line(id: &str, quantity: i64, unit: &str, unit_price: UnitPrice, vat: VatCategory) -> Line {
    Line {
        id: id.into(),
        order_line: None,
        sku: None,
        name: format!("Item {id}"),
        description: None,
        cpv: None,
        quantity,
        unit_code: unit.into(),
        unit_price,
        value: line_value(quantity, unit_price).unwrap(),
        period: None,
        vat,
    }
}

const STANDARD: VatCategory = VatCategory::Standard { percent: 20 };

fn supplier() -> Party {
    Party {
        name: "Thames & Lea Networks <Ltd>".into(),
        trading_name: Some("Thames 'n' Lea".into()),
        endpoint: Endpoint {
            scheme: ubl::EAS_UK_VAT.into(),
            id: "GB980780684".into(),
        },
        identifier: None,
        legal_id: Some(Identifier {
            scheme: None,
            id: "01234567".into(),
        }),
        vat_number: Some("GB980780684".into()),
        address: Address {
            street: Some("1 Gresham Street".into()),
            additional_street: Some("Floor 3".into()),
            city: Some("London".into()),
            postcode: Some("EC2V 7BX".into()),
            country: "GB".into(),
        },
        contact_email: Some("billing@thames-lea.example".into()),
    }
}

fn buyer() -> Party {
    Party {
        name: "City of London Corporation".into(),
        trading_name: None,
        endpoint: Endpoint {
            scheme: ubl::EAS_UK_VAT.into(),
            id: "GB211461440".into(),
        },
        identifier: Some(Identifier {
            scheme: None,
            id: "GB-LAC-E09000001".into(),
        }),
        legal_id: None,
        vat_number: None,
        address: Address {
            street: None,
            additional_street: None,
            city: Some("London".into()),
            postcode: None,
            country: "GB".into(),
        },
        contact_email: None,
    }
}

fn invoice() -> Document {
    let mut recurring = line("1", 12, unit_code(Unit::PerMonth), price("1650.00"), STANDARD);
    recurring.order_line = Some("CO-2026-0042/1".into());
    recurring.sku = Some("L1-ETH-1G".into());
    recurring.description = Some("1 Gbit/s Ethernet circuit,\nmanaged".into());
    recurring.cpv = Some("32412100".into());
    recurring.period = Some(Period {
        start: date("2026-04-01"),
        end: date("2027-03-31"),
    });
    Document {
        kind: DocumentKind::Invoice,
        number: "INV-2026-0001".into(),
        issue_date: date("2026-04-30"),
        due_date: Some(date("2026-05-30")),
        buyer_reference: Some("CO-2026-0042".into()),
        order_reference: Some("CO-2026-0042".into()),
        credited_invoice: None,
        payment_terms: Some("30 days from receipt".into()),
        note: Some("Prices & terms per the framework <LON-ICT>".into()),
        seller: supplier(),
        buyer: buyer(),
        lines: vec![
            recurring,
            // 1,234 minutes at 0.85p is £10.489, which rounds to £10.49.
            line("2", 1_234, unit_code(Unit::PerMinute), price("0.0085"), STANDARD),
            line(
                "3",
                3,
                unit_code(Unit::OneOff),
                price("99.99"),
                VatCategory::Standard { percent: 5 },
            ),
            line(
                "4",
                2,
                unit_code(Unit::PerGb),
                price("0.333333"),
                VatCategory::ZeroRated,
            ),
            line(
                "5",
                1,
                unit_code(Unit::OneOff),
                price("250"),
                VatCategory::Exempt {
                    reason: "Training by an eligible body".into(),
                },
            ),
        ],
    }
}

fn credit_note() -> Document {
    Document {
        kind: DocumentKind::CreditNote,
        number: "CN-2026-0001".into(),
        issue_date: date("2026-05-02"),
        due_date: Some(date("2026-05-16")),
        buyer_reference: None,
        order_reference: Some("CO-2026-0042".into()),
        credited_invoice: Some("INV-2026-0001".into()),
        payment_terms: Some("Refunded within 14 days".into()),
        note: None,
        lines: vec![line("1", 2, "MON", price("1650.00"), STANDARD)],
        ..invoice()
    }
}

fn errors_of(result: Result<impl std::fmt::Debug, Vec<UblError>>) -> Vec<UblError> {
    result.expect_err("should be refused")
}

fn names(errors: &[UblError]) -> Vec<&str> {
    errors.iter().map(|e| e.element.as_str()).collect()
}

#[test]
fn an_invoice_and_a_credit_note_read_back_as_themselves() {
    for document in [invoice(), credit_note()] {
        let xml = ubl::write(&document).unwrap();
        assert_eq!(ubl::parse(xml.as_bytes()), Ok(document), "{xml}");
    }
}

#[test]
fn written_documents_have_the_bis_identifiers_and_sums() {
    let xml = ubl::write(&invoice()).unwrap();
    for expected in [
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>",
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>",
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        "<cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>",
        "<cbc:EndpointID schemeID=\"9932\">GB980780684</cbc:EndpointID>",
        "<cbc:ID>GB-LAC-E09000001</cbc:ID>",
        "<cbc:CompanyID>01234567</cbc:CompanyID>",
        "<cbc:PriceAmount currencyID=\"GBP\">0.0085</cbc:PriceAmount>",
        "<cbc:LineExtensionAmount currencyID=\"GBP\">10.49</cbc:LineExtensionAmount>",
        "<cbc:ItemClassificationCode listID=\"STI\">32412100</cbc:ItemClassificationCode>",
        "<cbc:RegistrationName>Thames &amp; Lea Networks &lt;Ltd&gt;</cbc:RegistrationName>",
    ] {
        assert!(xml.contains(expected), "{expected} missing from\n{xml}");
    }
    let credit = ubl::write(&credit_note()).unwrap();
    assert!(credit.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
    assert!(credit.contains("<cbc:CreditedQuantity unitCode=\"MON\">2</cbc:CreditedQuantity>"));
    assert!(credit.contains("<cac:InvoiceDocumentReference>"));

    // 19,800.00 + 10.49 at 20% is 3,962.098 → 3,962.10; 299.97 at 5% is 14.9985 → 15.00.
    let totals = Totals::of(&invoice());
    assert_eq!(
        totals.line_extension,
        Money::from_pence(1_980_000 + 1_049 + 29_997 + 67 + 25_000)
    );
    assert_eq!(totals.tax, Money::from_pence(396_210 + 1_500));
    assert_eq!(totals.payable, Money::from_pence(2_036_113 + 397_710));
    assert_eq!(totals.tax_inclusive, totals.payable);
}

#[test]
fn every_written_document_passes_the_official_validator() {
    let mut documents = vec![
        ("invoice".to_string(), ubl::write(&invoice()).unwrap()),
        ("credit-note".to_string(), ubl::write(&credit_note()).unwrap()),
    ];
    // The smallest document we send: one line, no optional parts but the order reference.
    let mut minimal = credit_note();
    minimal.due_date = None;
    minimal.credited_invoice = None;
    minimal.seller.trading_name = None;
    minimal.seller.legal_id = None;
    minimal.seller.contact_email = None;
    minimal.seller.address = buyer().address;
    minimal.buyer.identifier = None;
    documents.push(("minimal".into(), ubl::write(&minimal).unwrap()));
    // A credit note that takes back part of a credit: negative lines, a negative amount due.
    let mut negative = credit_note();
    negative.lines = vec![line("1", -3, "C62", price("0.015"), STANDARD)];
    documents.push(("negative".into(), ubl::write(&negative).unwrap()));
    // And a spread of generated ones, each checked in the same run.
    let mut runner = TestRunner::new(Config::default());
    for index in 0..40 {
        let document = documents_strategy().new_tree(&mut runner).unwrap().current();
        documents.push((format!("generated-{index}"), ubl::write(&document).unwrap()));
    }
    assert_valid(&documents);
}

#[test]
fn the_standards_own_examples_are_read_or_refused_for_their_currency() {
    let examples = shared().join("standards/peppol-bis-billing-3.0.19/examples");
    let mut read = 0;
    for entry in std::fs::read_dir(&examples).expect("the BIS examples are beside the repository") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let root = if text.contains("<CreditNote") {
            "CreditNote"
        } else {
            "Invoice"
        };
        if text.contains("<cbc:DocumentCurrencyCode>GBP<") {
            let document = ubl::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            read += 1;
            // What we read, we can send on: it writes and reads back unchanged.
            let xml = ubl::write(&document).unwrap();
            assert_eq!(ubl::parse(xml.as_bytes()), Ok(document));
        } else {
            let errors = errors_of(ubl::parse(&bytes));
            let currency = format!("{root}/cbc:DocumentCurrencyCode");
            let error = errors.iter().find(|e| e.element == currency);
            let error = error.unwrap_or_else(|| panic!("{}: {errors:?}", path.display()));
            assert!(error.message.contains("only GBP"), "{error}");
        }
    }
    assert_eq!(read, 2, "vat-category-E.xml and vat-category-Z.xml are in GBP");

    let exempt = ubl::parse(&std::fs::read(examples.join("vat-category-E.xml")).unwrap()).unwrap();
    assert_eq!(
        exempt.lines[0].vat,
        VatCategory::Exempt {
            reason: "VATEX-EU-F".into()
        }
    );
    assert_eq!(exempt.seller.endpoint.scheme, "0088");
    assert_eq!(exempt.lines[0].value, Money::from_pounds(1_200));
}

#[test]
fn the_writer_refuses_what_a_bis_rule_forbids_and_names_it() {
    let mut no_lines = invoice();
    no_lines.lines.clear();
    assert_eq!(names(&errors_of(ubl::write(&no_lines))), ["Invoice/cac:InvoiceLine"]);

    let mut unreferenced = invoice();
    unreferenced.buyer_reference = None;
    unreferenced.order_reference = None;
    assert_eq!(names(&errors_of(ubl::write(&unreferenced))), ["PEPPOL-EN16931-R003"]);

    // Every fault at once, each at its own element.
    let mut bad = invoice();
    bad.lines[1].quantity = -5;
    bad.lines[2].value = Money::from_pence(29_998); // 3 × 99.99 is 299.97
    bad.lines[3].unit_code = "MONTH".into();
    bad.seller.endpoint.scheme = "0088".into(); // a GLN scheme, with a VAT number
    bad.buyer.identifier = Some(Identifier {
        scheme: Some("GB-LAC".into()),
        id: "E09000001".into(),
    });
    bad.seller.vat_number = Some("UK980780684".into());
    bad.buyer.address.country = "UK".into();
    bad.note = Some("  ".into());
    let errors = errors_of(ubl::write(&bad));
    assert_eq!(
        names(&errors),
        [
            "Invoice/cbc:Note",
            "Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
            "Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID/@schemeID",
            "Invoice/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
            "Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity",
            "Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount",
            "Invoice/cac:InvoiceLine[3]/cbc:LineExtensionAmount",
            "Invoice/cac:InvoiceLine[4]/cbc:InvoicedQuantity/@unitCode",
        ],
        "{errors:#?}"
    );
    assert!(errors[7].message.contains("PEPPOL-EN16931-R120"), "{}", errors[7]);
    assert!(errors[1].message.contains("GLN"), "{}", errors[1]);

    let mut unpaid = invoice();
    unpaid.due_date = None;
    unpaid.payment_terms = None;
    assert_eq!(names(&errors_of(ubl::write(&unpaid))), ["BR-CO-25"]);

    let mut two_reasons = invoice();
    two_reasons.lines[0].vat = VatCategory::Exempt { reason: "Other".into() };
    assert_eq!(
        names(&errors_of(ubl::write(&two_reasons))),
        ["Invoice/cac:InvoiceLine[5]/cac:Item/cac:ClassifiedTaxCategory"]
    );
}

/// Replaces the first `from` in the written invoice with `to`.
fn altered(from: &str, to: &str) -> Vec<u8> {
    let xml = ubl::write(&invoice()).unwrap();
    assert!(xml.contains(from), "{from}");
    xml.replacen(from, to, 1).into_bytes()
}

#[test]
fn the_parser_names_the_element_at_fault() {
    let cases: &[(&str, &str, &str)] = &[
        ("<cbc:IssueDate>2026-04-30</cbc:IssueDate>", "", "Invoice/cbc:IssueDate"),
        (
            "<cbc:IssueDate>2026-04-30<",
            "<cbc:IssueDate>30/04/2026<",
            "Invoice/cbc:IssueDate",
        ),
        (
            ">GBP</cbc:DocumentCurrencyCode>",
            ">EUR</cbc:DocumentCurrencyCode>",
            "Invoice/cbc:DocumentCurrencyCode",
        ),
        (
            "billing:3.0</cbc:CustomizationID>",
            "billing:2.0</cbc:CustomizationID>",
            "Invoice/cbc:CustomizationID",
        ),
        (
            ">12</cbc:InvoicedQuantity>",
            ">twelve</cbc:InvoicedQuantity>",
            "Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity",
        ),
        (
            ">12</cbc:InvoicedQuantity>",
            ">12.5</cbc:InvoicedQuantity>",
            "Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity",
        ),
        (
            ">0.0085</cbc:PriceAmount>",
            ">0.0086</cbc:PriceAmount>",
            "Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount",
        ),
        (
            ">0.0085</cbc:PriceAmount>",
            ">0.00851234</cbc:PriceAmount>",
            "Invoice/cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount",
        ),
        (
            ">10.49</cbc:LineExtensionAmount>",
            ">10.4x</cbc:LineExtensionAmount>",
            "Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount",
        ),
        (
            "<cbc:Name>Item 3</cbc:Name>",
            "",
            "Invoice/cac:InvoiceLine[3]/cac:Item/cbc:Name",
        ),
        (
            "<cbc:StartDate>2026-04-01<",
            "<cbc:StartDate>2026-02-30<",
            "Invoice/cac:InvoiceLine[1]/cac:InvoicePeriod/cbc:StartDate",
        ),
        (
            "<cbc:PayableAmount currencyID=\"GBP\">",
            "<cbc:PayableAmount currencyID=\"GBP\">1",
            "Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        (
            "<cbc:TaxInclusiveAmount currencyID=\"GBP\">",
            "<cbc:TaxInclusiveAmount currencyID=\"EUR\">",
            "Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/@currencyID",
        ),
        (
            "<cbc:BuyerReference>CO-2026-0042</cbc:BuyerReference>",
            "<cbc:BuyerReference></cbc:BuyerReference>",
            "Invoice/cbc:BuyerReference",
        ),
        (
            "<cbc:ID>S</cbc:ID>",
            "<cbc:ID>AE</cbc:ID>",
            "Invoice/cac:TaxTotal/cac:TaxSubtotal[1]/cac:TaxCategory/cbc:ID",
        ),
    ];
    for (from, to, element) in cases {
        let errors = errors_of(ubl::parse(&altered(from, to)));
        assert!(
            names(&errors).contains(element),
            "{from} → {to}: expected {element} in {errors:#?}"
        );
    }

    // The VAT in the breakdown, rounded other than once on the sum.
    let errors = errors_of(ubl::parse(&altered(
        "<cbc:TaxAmount currencyID=\"GBP\">3962.10</cbc:TaxAmount>",
        "<cbc:TaxAmount currencyID=\"GBP\">3962.09</cbc:TaxAmount>",
    )));
    assert!(
        names(&errors).contains(&"Invoice/cac:TaxTotal/cac:TaxSubtotal[2]/cbc:TaxAmount"),
        "{errors:#?}"
    );

    // Several faults, all reported at once.
    let bytes = String::from_utf8(altered("<cbc:IssueDate>2026-04-30</cbc:IssueDate>", "")).unwrap();
    let bytes = bytes.replacen("<cbc:Name>Item 3</cbc:Name>", "", 1);
    let errors = errors_of(ubl::parse(bytes.as_bytes()));
    assert_eq!(
        names(&errors),
        ["Invoice/cbc:IssueDate", "Invoice/cac:InvoiceLine[3]/cac:Item/cbc:Name"],
        "{errors:#?}"
    );
}

#[test]
fn the_parser_refuses_what_is_not_a_bis_document() {
    let order = br#"<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>"#;
    assert_eq!(names(&errors_of(ubl::parse(order))), ["Order"]);
    let wrong_namespace = br#"<Invoice xmlns="urn:example:invoice"/>"#;
    assert_eq!(names(&errors_of(ubl::parse(wrong_namespace))), ["Invoice"]);
    assert_eq!(names(&errors_of(ubl::parse(b"<Invoice"))), ["document"]);

    // No DTDs, so no entity expansion or external entities.
    let xxe = altered(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"1.0\"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
    );
    let errors = errors_of(ubl::parse(&xxe));
    assert_eq!(names(&errors), ["document"], "{errors:?}");

    let mut huge = ubl::write(&invoice()).unwrap().into_bytes();
    huge.resize(ubl::MAX_BYTES + 1, b' ');
    assert_eq!(names(&errors_of(ubl::parse(&huge))), ["document"]);

    let mut long = invoice();
    long.lines = (1..=ubl::MAX_LINES + 1)
        .map(|i| line(&i.to_string(), 1, "C62", price("1"), STANDARD))
        .collect();
    assert_eq!(names(&errors_of(ubl::write(&long))), ["Invoice/cac:InvoiceLine"]);
    long.lines.truncate(ubl::MAX_LINES);
    let xml = ubl::write(&long).unwrap();
    let line = xml.find("  <cac:InvoiceLine>").unwrap();
    let one_more = xml.replacen(
        "  <cac:InvoiceLine>",
        &format!(
            "{}\n  <cac:InvoiceLine>",
            &xml[line..xml.find("</cac:InvoiceLine>").unwrap() + 18]
        ),
        1,
    );
    assert_eq!(
        names(&errors_of(ubl::parse(one_more.as_bytes()))),
        ["Invoice/cac:InvoiceLine"]
    );
}

#[test]
fn catalogue_units_map_to_recommendation_20() {
    assert_eq!(Unit::ALL.map(unit_code), ["MON", "MON", "C62", "MIN", "E34"]);
}

fn vat_strategy() -> impl Strategy<Value = VatCategory> {
    prop_oneof![
        Just(VatCategory::Standard { percent: 20 }),
        Just(VatCategory::Standard { percent: 5 }),
        Just(VatCategory::ZeroRated),
        Just(VatCategory::Exempt {
            reason: "Exempt under VATA 1994 Sch 9".into()
        }),
    ]
}

/// Lines of any mix of categories, sub-penny prices and sizes; negative only on credit notes.
fn lines_strategy(min_quantity: i64) -> impl Strategy<Value = Vec<Line>> {
    prop::collection::vec(
        (
            min_quantity..100_000i64,
            0i64..=2_000_000_000,
            vat_strategy(),
            any::<bool>(),
            "[A-Za-z0-9 &<>'\"]{1,20}",
        ),
        1..12,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (quantity, micros, vat, with_period, name))| {
                let mut line = line(
                    &(i + 1).to_string(),
                    quantity,
                    "C62",
                    UnitPrice::from_micros(micros).unwrap(),
                    vat,
                );
                line.name = format!("{name}.");
                if with_period {
                    line.period = Some(Period {
                        start: date("2026-01-01"),
                        end: date("2026-12-31"),
                    });
                }
                line
            })
            .collect()
    })
}

fn documents_strategy() -> impl Strategy<Value = Document> {
    prop_oneof![
        lines_strategy(0).prop_map(|lines| Document { lines, ..invoice() }),
        lines_strategy(-100).prop_map(|lines| Document { lines, ..credit_note() }),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    /// VAT is worked out per category and rate on the sum of its lines, rounded half-up once.
    #[test]
    fn vat_is_rounded_once_on_the_sum_of_each_category(lines in lines_strategy(-100)) {
        let breakdown = vat_breakdown(&lines);
        for subtotal in &breakdown {
            let sum: i64 = lines.iter().filter(|l| l.vat == subtotal.category).map(|l| l.value.pence()).sum();
            prop_assert_eq!(subtotal.taxable.pence(), sum);
            let exact = i128::from(sum) * i128::from(subtotal.category.percent()); // hundredths of a penny
            let rounded = (exact.abs() + 50) / 100 * exact.signum();
            prop_assert_eq!(i128::from(subtotal.tax.pence()), rounded);
        }
        let categories = lines.iter().map(|l| &l.vat).collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(breakdown.len(), categories.len());
    }

    #[test]
    fn any_written_document_reads_back_as_itself(document in documents_strategy()) {
        let xml = ubl::write(&document).unwrap();
        prop_assert_eq!(ubl::parse(xml.as_bytes()), Ok(document));
    }

    /// What the fuzz target checks, cheaply: a damaged document is refused, or read as something
    /// the writer sends on and reads back unchanged.
    #[test]
    fn a_damaged_document_is_refused_or_read_consistently(
        document in documents_strategy(), at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let mut bytes = ubl::write(&document).unwrap().into_bytes();
        let index = at.index(bytes.len());
        bytes[index] = byte;
        if let Ok(read) = ubl::parse(&bytes) {
            let xml = ubl::write(&read).unwrap();
            prop_assert_eq!(ubl::parse(xml.as_bytes()), Ok(read));
        }
    }
}
