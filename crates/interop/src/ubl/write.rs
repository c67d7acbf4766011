//! Writing a [`Document`] as BIS 3.0 UBL, after refusing what would break a fatal rule.

use super::amounts::{format_amount, format_price, line_value, vat_breakdown, Totals};
use super::codes;
use super::{
    Document, DocumentKind, Line, Party, UblError, VatCategory, CPV_LIST_ID, CURRENCY, CUSTOMIZATION_ID, EAS_GLN,
    MAX_LINES, MAX_LINE_PENCE, MAX_QUANTITY, PROFILE_ID,
};
use chrono::{Datelike, NaiveDate};
use std::fmt::Write as _;

const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
/// UNCL4461 "instrument not defined": a credit note's due date (BT-9) lives in `PaymentMeans`,
/// which needs a code, and we say nothing about how the money moves.
const PAYMENT_MEANS_NOT_DEFINED: &str = "1";

/// The document as UBL 2.1 XML, or every reason it cannot be sent, each naming its element.
pub fn write(document: &Document) -> Result<String, Vec<UblError>> {
    let errors = check_document(document);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(render(document))
}

/// Fatal BIS rules a `Document` could break, checked before anything is written (and after
/// anything is read, so that what is read can be sent on).
pub(super) fn check_document(doc: &Document) -> Vec<UblError> {
    let mut errors = Vec::new();
    let root = doc.kind.root();
    let due_path = match doc.kind {
        DocumentKind::Invoice => "cbc:DueDate",
        DocumentKind::CreditNote => "cac:PaymentMeans/cbc:PaymentDueDate",
    };
    check_date(&mut errors, format!("{root}/cbc:IssueDate"), doc.issue_date);
    if let Some(due) = doc.due_date {
        check_date(&mut errors, format!("{root}/{due_path}"), due);
    }
    let mut text = |path: String, value: &str| check_text(&mut errors, path, value);
    text(format!("{root}/cbc:ID"), &doc.number);
    if let Some(note) = &doc.note {
        text(format!("{root}/cbc:Note"), note);
    }
    if let Some(reference) = &doc.buyer_reference {
        text(format!("{root}/cbc:BuyerReference"), reference);
    }
    if let Some(reference) = &doc.order_reference {
        text(format!("{root}/cac:OrderReference/cbc:ID"), reference);
    }
    if let Some(invoice) = &doc.credited_invoice {
        text(
            format!("{root}/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            invoice,
        );
    }
    if let Some(terms) = &doc.payment_terms {
        text(format!("{root}/cac:PaymentTerms/cbc:Note"), terms);
    }
    if doc.buyer_reference.is_none() && doc.order_reference.is_none() {
        errors.push(UblError::new(
            "PEPPOL-EN16931-R003",
            "a buyer reference (cbc:BuyerReference) or an order reference (cac:OrderReference/cbc:ID) is required",
        ));
    }
    check_party(
        &mut errors,
        &doc.seller,
        &format!("{root}/cac:AccountingSupplierParty/cac:Party"),
    );
    check_party(
        &mut errors,
        &doc.buyer,
        &format!("{root}/cac:AccountingCustomerParty/cac:Party"),
    );
    if doc.seller.vat_number.is_none() {
        // Every line is S, Z or E, and each needs the seller's VAT identifier.
        errors.push(UblError::new(
            format!("{root}/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
            "the seller's VAT number is required for standard-rated, zero-rated or exempt lines (BR-S-02, BR-Z-02, BR-E-02)",
        ));
    }
    check_lines(&mut errors, doc);
    if errors.is_empty() {
        let payable = Totals::of(doc).payable;
        let due_date_counts = doc.kind == DocumentKind::Invoice && doc.due_date.is_some();
        if payable.pence() > 0 && !due_date_counts && doc.payment_terms.is_none() {
            let needed = match doc.kind {
                DocumentKind::Invoice => "a due date or payment terms",
                // The rule looks for cbc:DueDate, which a credit note does not have.
                DocumentKind::CreditNote => "payment terms",
            };
            errors.push(UblError::new(
                "BR-CO-25",
                format!("the amount due is positive ({payable}), so {needed} must be given"),
            ));
        }
    }
    errors
}

fn check_party(errors: &mut Vec<UblError>, party: &Party, at: &str) {
    check_text(
        errors,
        format!("{at}/cac:PartyLegalEntity/cbc:RegistrationName"),
        &party.name,
    );
    if let Some(name) = &party.trading_name {
        check_text(errors, format!("{at}/cac:PartyName/cbc:Name"), name);
    }
    let endpoint = format!("{at}/cbc:EndpointID");
    check_text(errors, endpoint.clone(), &party.endpoint.id);
    if !codes::contains(codes::EAS, &party.endpoint.scheme) {
        errors.push(UblError::new(
            format!("{endpoint}/@schemeID"),
            format!(
                "\"{}\" is not an EAS scheme (PEPPOL-EN16931-CL008); a UK VAT number is {}",
                party.endpoint.scheme,
                super::EAS_UK_VAT
            ),
        ));
    }
    check_gln(errors, &endpoint, &party.endpoint.scheme, &party.endpoint.id);
    for (identifier, path, rule) in [
        (
            &party.identifier,
            format!("{at}/cac:PartyIdentification/cbc:ID"),
            "BR-CL-10",
        ),
        (
            &party.legal_id,
            format!("{at}/cac:PartyLegalEntity/cbc:CompanyID"),
            "BR-CL-11",
        ),
    ] {
        let Some(identifier) = identifier else { continue };
        check_text(errors, path.clone(), &identifier.id);
        if let Some(scheme) = &identifier.scheme {
            if !codes::contains(codes::ICD, scheme) {
                errors.push(UblError::new(
                    format!("{path}/@schemeID"),
                    format!(
                        "\"{scheme}\" is not an ISO 6523 ICD scheme ({rule}); leave the scheme out if there is none"
                    ),
                ));
            }
            check_gln(errors, &path, scheme, &identifier.id);
        }
    }
    if let Some(vat) = &party.vat_number {
        let path = format!("{at}/cac:PartyTaxScheme/cbc:CompanyID");
        check_text(errors, path.clone(), vat);
        if !vat
            .get(..2)
            .is_some_and(|prefix| codes::contains(codes::VAT_PREFIXES, prefix))
        {
            errors.push(UblError::new(
                path,
                format!("\"{vat}\" must start with its country code, like GB (BR-CO-09)"),
            ));
        }
    }
    let address = format!("{at}/cac:PostalAddress");
    let optional = [
        (&party.address.street, "cbc:StreetName"),
        (&party.address.additional_street, "cbc:AdditionalStreetName"),
        (&party.address.city, "cbc:CityName"),
        (&party.address.postcode, "cbc:PostalZone"),
        (&party.contact_email, "../cac:Contact/cbc:ElectronicMail"),
    ];
    for (value, element) in optional {
        if let Some(value) = value {
            let path = match element.strip_prefix("../") {
                Some(element) => format!("{at}/{element}"),
                None => format!("{address}/{element}"),
            };
            check_text(errors, path, value);
        }
    }
    if !codes::contains(codes::COUNTRIES, &party.address.country) {
        errors.push(UblError::new(
            format!("{address}/cac:Country/cbc:IdentificationCode"),
            format!(
                "\"{}\" is not an ISO 3166-1 alpha-2 country code (BR-CL-14)",
                party.address.country
            ),
        ));
    }
}

/// PEPPOL-COMMON-R040: a GLN is digits with a GS1 check digit.
fn check_gln(errors: &mut Vec<UblError>, path: &str, scheme: &str, id: &str) {
    if scheme != EAS_GLN {
        return;
    }
    let digits: Option<Vec<u32>> = id.chars().map(|c| c.to_digit(10)).collect();
    let valid = digits.is_some_and(|digits| {
        let Some((check, body)) = digits.split_last() else {
            return false;
        };
        let weighted: u32 = body
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| d * if i % 2 == 0 { 3 } else { 1 })
            .sum();
        (10 - weighted % 10) % 10 == *check
    });
    if !valid {
        errors.push(UblError::new(
            path,
            format!("\"{id}\" is not a GS1 GLN (PEPPOL-COMMON-R040); scheme 0088 is for GLNs only"),
        ));
    }
}

fn check_lines(errors: &mut Vec<UblError>, doc: &Document) {
    let root = doc.kind.root();
    let line_element = doc.kind.line_element();
    if doc.lines.is_empty() {
        errors.push(UblError::new(
            format!("{root}/cac:{line_element}"),
            "at least one line is required (BR-16)",
        ));
    }
    if doc.lines.len() > MAX_LINES {
        errors.push(UblError::new(
            format!("{root}/cac:{line_element}"),
            format!(
                "{} lines is more than the {MAX_LINES} a document may have",
                doc.lines.len()
            ),
        ));
        return;
    }
    let exempt_reason = doc.lines.iter().find_map(|l| match &l.vat {
        VatCategory::Exempt { reason } => Some(reason),
        _ => None,
    });
    for (index, line) in doc.lines.iter().enumerate() {
        let at = format!("{root}/cac:{line_element}[{}]", index + 1);
        check_line(errors, doc.kind, line, &at);
        if let VatCategory::Exempt { reason } = &line.vat {
            if Some(reason) != exempt_reason {
                errors.push(UblError::new(
                    format!("{at}/cac:Item/cac:ClassifiedTaxCategory"),
                    "every exempt line must give the same reason: a document has one exempt VAT breakdown (BR-E-08)",
                ));
            }
        }
    }
}

fn check_line(errors: &mut Vec<UblError>, kind: DocumentKind, line: &Line, at: &str) {
    let quantity_path = format!("{at}/cbc:{}", kind.quantity_element());
    check_text(errors, format!("{at}/cbc:ID"), &line.id);
    check_text(errors, format!("{at}/cac:Item/cbc:Name"), &line.name);
    let optional = [
        (&line.order_line, "cac:OrderLineReference/cbc:LineID"),
        (&line.sku, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
        (&line.description, "cac:Item/cbc:Description"),
        (
            &line.cpv,
            "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
        ),
    ];
    for (value, element) in optional {
        if let Some(value) = value {
            check_text(errors, format!("{at}/{element}"), value);
        }
    }
    if kind == DocumentKind::Invoice && line.quantity < 0 {
        errors.push(UblError::new(
            quantity_path.clone(),
            format!("{} is negative; credit with a credit note instead", line.quantity),
        ));
    }
    if line.quantity.unsigned_abs() > MAX_QUANTITY.unsigned_abs() {
        errors.push(UblError::new(
            quantity_path.clone(),
            format!(
                "{} is more than the {MAX_QUANTITY} units a line may charge",
                line.quantity
            ),
        ));
    }
    if !codes::contains(codes::UNITS, &line.unit_code) {
        errors.push(UblError::new(
            format!("{quantity_path}/@unitCode"),
            format!(
                "\"{}\" is not a UN/ECE Recommendation 20 unit code (BR-CL-23)",
                line.unit_code
            ),
        ));
    }
    let amount_path = format!("{at}/cbc:LineExtensionAmount");
    match line_value(line.quantity, line.unit_price) {
        Some(expected) if expected == line.value => {}
        Some(expected) => errors.push(UblError::new(
            amount_path.clone(),
            format!(
                "is {} but {} × {} rounded to the penny is {expected} (PEPPOL-EN16931-R120)",
                line.value, line.quantity, line.unit_price
            ),
        )),
        None => errors.push(UblError::new(amount_path.clone(), "quantity × price is too large")),
    }
    if line.value.pence().unsigned_abs() > MAX_LINE_PENCE.unsigned_abs() {
        errors.push(UblError::new(
            amount_path,
            format!("{} is more than a line may be", line.value),
        ));
    }
    if let Some(period) = line.period {
        check_date(errors, format!("{at}/cac:InvoicePeriod/cbc:StartDate"), period.start);
        check_date(errors, format!("{at}/cac:InvoicePeriod/cbc:EndDate"), period.end);
        if period.end < period.start {
            errors.push(UblError::new(
                format!("{at}/cac:InvoicePeriod/cbc:EndDate"),
                format!("{} is before the start, {} (BR-30)", period.end, period.start),
            ));
        }
    }
    let category = format!("{at}/cac:Item/cac:ClassifiedTaxCategory");
    match &line.vat {
        VatCategory::Standard { percent: 0 } => errors.push(UblError::new(
            format!("{category}/cbc:Percent"),
            "a standard-rated line needs a rate above zero (BR-S-05); use zero-rated instead",
        )),
        VatCategory::Exempt { reason } => check_text(errors, category, reason),
        _ => {}
    }
}

/// `xs:date` has four-digit years from 0001; chrono would write others with a sign.
fn check_date(errors: &mut Vec<UblError>, path: String, date: NaiveDate) {
    if !(1..=9999).contains(&date.year()) {
        errors.push(UblError::new(
            path,
            format!("{date} is not a date a document can carry"),
        ));
    }
}

/// BIS forbids empty elements (PEPPOL-EN16931-R008), and XML 1.0 cannot carry most control
/// characters at all.
fn check_text(errors: &mut Vec<UblError>, path: String, value: &str) {
    if value.trim().is_empty() {
        errors.push(UblError::new(path, "must not be empty (PEPPOL-EN16931-R008)"));
    } else if value
        .chars()
        .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r') || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        errors.push(UblError::new(
            path,
            "contains a control character that XML cannot carry",
        ));
    }
}

fn render(doc: &Document) -> String {
    let kind = doc.kind;
    let mut xml = Xml::default();
    xml.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml.out,
        "<{} xmlns=\"{}\" xmlns:cac=\"{NS_CAC}\" xmlns:cbc=\"{NS_CBC}\">",
        kind.root(),
        kind.namespace()
    );
    xml.depth = 1;
    xml.leaf("cbc:CustomizationID", &[], CUSTOMIZATION_ID);
    xml.leaf("cbc:ProfileID", &[], PROFILE_ID);
    xml.leaf("cbc:ID", &[], &doc.number);
    xml.leaf("cbc:IssueDate", &[], &doc.issue_date.to_string());
    if let (DocumentKind::Invoice, Some(due)) = (kind, doc.due_date) {
        xml.leaf("cbc:DueDate", &[], &due.to_string());
    }
    xml.leaf(&format!("cbc:{}", kind.type_code_element()), &[], kind.type_code());
    xml.optional("cbc:Note", &doc.note);
    xml.leaf("cbc:DocumentCurrencyCode", &[], CURRENCY);
    xml.optional("cbc:BuyerReference", &doc.buyer_reference);
    if let Some(order) = &doc.order_reference {
        xml.open("cac:OrderReference");
        xml.leaf("cbc:ID", &[], order);
        xml.close("cac:OrderReference");
    }
    if let Some(invoice) = &doc.credited_invoice {
        xml.open("cac:BillingReference");
        xml.open("cac:InvoiceDocumentReference");
        xml.leaf("cbc:ID", &[], invoice);
        xml.close("cac:InvoiceDocumentReference");
        xml.close("cac:BillingReference");
    }
    xml.open("cac:AccountingSupplierParty");
    xml.party(&doc.seller);
    xml.close("cac:AccountingSupplierParty");
    xml.open("cac:AccountingCustomerParty");
    xml.party(&doc.buyer);
    xml.close("cac:AccountingCustomerParty");
    if let (DocumentKind::CreditNote, Some(due)) = (kind, doc.due_date) {
        xml.open("cac:PaymentMeans");
        xml.leaf("cbc:PaymentMeansCode", &[], PAYMENT_MEANS_NOT_DEFINED);
        xml.leaf("cbc:PaymentDueDate", &[], &due.to_string());
        xml.close("cac:PaymentMeans");
    }
    if let Some(terms) = &doc.payment_terms {
        xml.open("cac:PaymentTerms");
        xml.leaf("cbc:Note", &[], terms);
        xml.close("cac:PaymentTerms");
    }
    let totals = Totals::of(doc);
    let gbp = [("currencyID", CURRENCY)];
    xml.open("cac:TaxTotal");
    xml.leaf("cbc:TaxAmount", &gbp, &format_amount(totals.tax));
    for subtotal in vat_breakdown(&doc.lines) {
        xml.open("cac:TaxSubtotal");
        xml.leaf("cbc:TaxableAmount", &gbp, &format_amount(subtotal.taxable));
        xml.leaf("cbc:TaxAmount", &gbp, &format_amount(subtotal.tax));
        xml.tax_category("cac:TaxCategory", &subtotal.category, true);
        xml.close("cac:TaxSubtotal");
    }
    xml.close("cac:TaxTotal");
    xml.open("cac:LegalMonetaryTotal");
    xml.leaf("cbc:LineExtensionAmount", &gbp, &format_amount(totals.line_extension));
    xml.leaf("cbc:TaxExclusiveAmount", &gbp, &format_amount(totals.tax_exclusive));
    xml.leaf("cbc:TaxInclusiveAmount", &gbp, &format_amount(totals.tax_inclusive));
    xml.leaf("cbc:PayableAmount", &gbp, &format_amount(totals.payable));
    xml.close("cac:LegalMonetaryTotal");
    for line in &doc.lines {
        xml.line(kind, line);
    }
    let _ = writeln!(xml.out, "</{}>", kind.root());
    xml.out
}

#[derive(Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, tag: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{tag}>");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn leaf(&mut self, tag: &str, attributes: &[(&str, &str)], text: &str) {
        self.indent();
        let _ = write!(self.out, "<{tag}");
        for (name, value) in attributes {
            let _ = write!(self.out, " {name}=\"{}\"", escape(value));
        }
        let _ = writeln!(self.out, ">{}</{tag}>", escape(text));
    }

    fn optional(&mut self, tag: &str, text: &Option<String>) {
        if let Some(text) = text {
            self.leaf(tag, &[], text);
        }
    }

    fn party(&mut self, party: &Party) {
        self.open("cac:Party");
        self.leaf(
            "cbc:EndpointID",
            &[("schemeID", &party.endpoint.scheme)],
            &party.endpoint.id,
        );
        if let Some(identifier) = &party.identifier {
            self.open("cac:PartyIdentification");
            self.identifier("cbc:ID", identifier);
            self.close("cac:PartyIdentification");
        }
        if let Some(name) = &party.trading_name {
            self.open("cac:PartyName");
            self.leaf("cbc:Name", &[], name);
            self.close("cac:PartyName");
        }
        self.open("cac:PostalAddress");
        self.optional("cbc:StreetName", &party.address.street);
        self.optional("cbc:AdditionalStreetName", &party.address.additional_street);
        self.optional("cbc:CityName", &party.address.city);
        self.optional("cbc:PostalZone", &party.address.postcode);
        self.open("cac:Country");
        self.leaf("cbc:IdentificationCode", &[], &party.address.country);
        self.close("cac:Country");
        self.close("cac:PostalAddress");
        if let Some(vat) = &party.vat_number {
            self.open("cac:PartyTaxScheme");
            self.leaf("cbc:CompanyID", &[], vat);
            self.vat_scheme();
            self.close("cac:PartyTaxScheme");
        }
        self.open("cac:PartyLegalEntity");
        self.leaf("cbc:RegistrationName", &[], &party.name);
        if let Some(legal_id) = &party.legal_id {
            self.identifier("cbc:CompanyID", legal_id);
        }
        self.close("cac:PartyLegalEntity");
        if let Some(email) = &party.contact_email {
            self.open("cac:Contact");
            self.leaf("cbc:ElectronicMail", &[], email);
            self.close("cac:Contact");
        }
        self.close("cac:Party");
    }

    fn identifier(&mut self, tag: &str, identifier: &super::Identifier) {
        match &identifier.scheme {
            Some(scheme) => self.leaf(tag, &[("schemeID", scheme)], &identifier.id),
            None => self.leaf(tag, &[], &identifier.id),
        }
    }

    fn vat_scheme(&mut self) {
        self.open("cac:TaxScheme");
        self.leaf("cbc:ID", &[], "VAT");
        self.close("cac:TaxScheme");
    }

    /// A line's `ClassifiedTaxCategory` carries code and rate; the breakdown's `TaxCategory`
    /// also carries an exemption reason (BR-E-10).
    fn tax_category(&mut self, tag: &str, category: &VatCategory, with_reason: bool) {
        self.open(tag);
        self.leaf("cbc:ID", &[], category.code());
        self.leaf("cbc:Percent", &[], &category.percent().to_string());
        if let (VatCategory::Exempt { reason }, true) = (category, with_reason) {
            self.leaf("cbc:TaxExemptionReason", &[], reason);
        }
        self.vat_scheme();
        self.close(tag);
    }

    fn line(&mut self, kind: DocumentKind, line: &Line) {
        let tag = format!("cac:{}", kind.line_element());
        self.open(&tag);
        self.leaf("cbc:ID", &[], &line.id);
        self.leaf(
            &format!("cbc:{}", kind.quantity_element()),
            &[("unitCode", &line.unit_code)],
            &line.quantity.to_string(),
        );
        self.leaf(
            "cbc:LineExtensionAmount",
            &[("currencyID", CURRENCY)],
            &format_amount(line.value),
        );
        if let Some(period) = line.period {
            self.open("cac:InvoicePeriod");
            self.leaf("cbc:StartDate", &[], &period.start.to_string());
            self.leaf("cbc:EndDate", &[], &period.end.to_string());
            self.close("cac:InvoicePeriod");
        }
        if let Some(order_line) = &line.order_line {
            self.open("cac:OrderLineReference");
            self.leaf("cbc:LineID", &[], order_line);
            self.close("cac:OrderLineReference");
        }
        self.open("cac:Item");
        self.optional("cbc:Description", &line.description);
        self.leaf("cbc:Name", &[], &line.name);
        if let Some(sku) = &line.sku {
            self.open("cac:SellersItemIdentification");
            self.leaf("cbc:ID", &[], sku);
            self.close("cac:SellersItemIdentification");
        }
        if let Some(cpv) = &line.cpv {
            self.open("cac:CommodityClassification");
            self.leaf("cbc:ItemClassificationCode", &[("listID", CPV_LIST_ID)], cpv);
            self.close("cac:CommodityClassification");
        }
        self.tax_category("cac:ClassifiedTaxCategory", &line.vat, false);
        self.close("cac:Item");
        self.open("cac:Price");
        self.leaf(
            "cbc:PriceAmount",
            &[("currencyID", CURRENCY)],
            &format_price(line.unit_price),
        );
        self.close("cac:Price");
        self.close(&tag);
    }
}

/// Escapes text and attribute values alike. Carriage returns, tabs and newlines become
/// character references so that a parser hands back exactly what was written.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            '\t' => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
    out
}
