//! Reading a BIS 3.0 invoice or credit note into a [`Document`].
//!
//! Whatever is accepted is also what [`super::write`] accepts: after reading, the writer's own
//! checks run on the result, so a document read here can always be sent on unchanged. Elements
//! the `Document` has no place for (payment means, delivery, item identifiers other than the
//! seller's) are ignored; anything that would change the amounts (allowances, charges,
//! prepayments, price base quantities) is refused, because ignoring it would misstate the sums.

use super::amounts::{parse_amount, parse_decimal, parse_price, vat_breakdown, Totals, VatSubtotal};
use super::{
    Address, Document, DocumentKind, Endpoint, Identifier, Line, Party, Period, UblError, VatCategory, CPV_LIST_ID,
    CURRENCY, CUSTOMIZATION_ID, MAX_BYTES, MAX_LINES,
};
use calloff_domain::money::Money;
use chrono::NaiveDate;
use roxmltree::{Node, ParsingOptions};

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Reads UBL bytes, or says every way in which they are not a document this platform takes,
/// each error naming its element.
pub fn parse(bytes: &[u8]) -> Result<Document, Vec<UblError>> {
    let one = |element: &str, message: String| Err(vec![UblError::new(element, message)]);
    if bytes.len() > MAX_BYTES {
        return one(
            "document",
            format!("is {} bytes, more than the {MAX_BYTES} accepted", bytes.len()),
        );
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return one("document", "is not UTF-8 text".into());
    };
    // DTDs stay refused (roxmltree's default): no entity expansion, no external entities.
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let xml = match roxmltree::Document::parse_with_options(text, options) {
        Ok(xml) => xml,
        Err(e) => return one("document", format!("is not well-formed XML: {e}")),
    };
    let root = xml.root_element();
    let kind = [DocumentKind::Invoice, DocumentKind::CreditNote]
        .into_iter()
        .find(|k| root.tag_name().name() == k.root() && root.tag_name().namespace() == Some(k.namespace()));
    let Some(kind) = kind else {
        return one(
            root.tag_name().name(),
            format!(
                "is not a UBL 2.1 Invoice or CreditNote (namespace {})",
                root.tag_name().namespace().unwrap_or("none")
            ),
        );
    };
    let mut reader = Reader {
        kind,
        errors: Vec::new(),
    };
    let read = reader.document(root);
    let mut errors = reader.errors;
    match read {
        Some((document, stated)) if errors.is_empty() => {
            errors.extend(super::write::check_document(&document));
            if errors.is_empty() {
                errors.extend(check_sums(&document, &stated));
            }
            if errors.is_empty() {
                return Ok(document);
            }
            Err(errors)
        }
        _ => Err(errors),
    }
}

/// The amounts a document states, to compare with what its lines add up to.
struct Stated {
    line_extension: Money,
    tax_exclusive: Money,
    tax: Money,
    tax_inclusive: Money,
    payable: Money,
    breakdown: Vec<VatSubtotal>,
}

struct Reader {
    kind: DocumentKind,
    errors: Vec<UblError>,
}

fn is(node: &Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is(c, ns, name))
}

fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'static str, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(c, ns, name))
}

/// Follows `cac:A/cac:B/cbc:C`, first match at each step.
fn find<'a, 'i>(node: Node<'a, 'i>, path: &str) -> Option<Node<'a, 'i>> {
    path.split('/').try_fold(node, |node, step| {
        let (prefix, name) = step.split_once(':')?;
        child(node, if prefix == "cac" { CAC } else { CBC }, name)
    })
}

fn text_of(node: Node) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

impl Reader {
    fn error(&mut self, element: String, message: impl Into<String>) {
        self.errors.push(UblError::new(element, message));
    }

    /// The text at `path` under `node`, exactly as written, or `None` if absent.
    fn optional(&self, node: Node, path: &str) -> Option<String> {
        find(node, path).map(text_of)
    }

    fn required(&mut self, node: Node, at: &str, path: &str) -> Option<String> {
        let value = self.optional(node, path);
        if value.is_none() {
            self.error(format!("{at}/{path}"), "is required but missing");
        }
        value
    }

    fn date(&mut self, node: Node, at: &str, path: &str, required: bool) -> Option<NaiveDate> {
        let text = if required {
            self.required(node, at, path)?
        } else {
            self.optional(node, path)?
        };
        let trimmed = text.trim();
        let date = (trimmed.len() == 10)
            .then(|| NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").ok())
            .flatten();
        if date.is_none() {
            self.error(
                format!("{at}/{path}"),
                format!("\"{text}\" is not a date like 2026-04-30"),
            );
        }
        date
    }

    /// An amount in GBP: `currencyID` must say so (PEPPOL-EN16931-R051).
    fn amount(&mut self, node: Node, at: &str, path: &str) -> Option<Money> {
        let element = find(node, path);
        let Some(element) = element else {
            self.error(format!("{at}/{path}"), "is required but missing");
            return None;
        };
        let currency = element.attribute("currencyID").map(str::trim);
        if currency != Some(CURRENCY) {
            self.error(
                format!("{at}/{path}/@currencyID"),
                format!("is {}; only {CURRENCY} is accepted", currency.unwrap_or("missing")),
            );
        }
        match parse_amount(&text_of(element)) {
            Ok(money) => Some(money),
            Err(message) => {
                self.error(format!("{at}/{path}"), message);
                None
            }
        }
    }

    fn document<'a, 'i>(&mut self, root: Node<'a, 'i>) -> Option<(Document, Stated)> {
        let kind = self.kind;
        let at = kind.root();
        match self.required(root, at, "cbc:CustomizationID") {
            Some(id) if id.trim().starts_with(CUSTOMIZATION_ID) => {}
            Some(id) => self.error(
                format!("{at}/cbc:CustomizationID"),
                format!("is \"{id}\"; expected {CUSTOMIZATION_ID} (PEPPOL-EN16931-R004)"),
            ),
            None => {}
        }
        self.required(root, at, "cbc:ProfileID");
        let number = self.required(root, at, "cbc:ID");
        let issue_date = self.date(root, at, "cbc:IssueDate", true);
        let type_path = format!("cbc:{}", kind.type_code_element());
        match self.required(root, at, &type_path) {
            Some(code) if code.trim() == kind.type_code() => {}
            Some(code) => self.error(
                format!("{at}/{type_path}"),
                format!("is \"{code}\"; only {} is accepted for a {at}", kind.type_code()),
            ),
            None => {}
        }
        match self.required(root, at, "cbc:DocumentCurrencyCode") {
            Some(code) if code.trim() == CURRENCY => {}
            Some(code) => self.error(
                format!("{at}/cbc:DocumentCurrencyCode"),
                format!("is \"{code}\"; only {CURRENCY} is accepted"),
            ),
            None => {}
        }
        if let Some(code) = self.optional(root, "cbc:TaxCurrencyCode") {
            if code.trim() != CURRENCY {
                self.error(
                    format!("{at}/cbc:TaxCurrencyCode"),
                    format!("is \"{code}\"; VAT is accounted in {CURRENCY} only"),
                );
            }
        }
        let due_date = match kind {
            DocumentKind::Invoice => self.date(root, at, "cbc:DueDate", false),
            DocumentKind::CreditNote => self.date(root, at, "cac:PaymentMeans/cbc:PaymentDueDate", false),
        };
        for unsupported in ["cac:AllowanceCharge", "cac:PrepaidPayment"] {
            if find(root, unsupported).is_some() {
                self.error(
                    format!("{at}/{unsupported}"),
                    "is not supported: the amounts would be misstated",
                );
            }
        }
        let seller = self.party(root, &format!("{at}/cac:AccountingSupplierParty"));
        let buyer = self.party(root, &format!("{at}/cac:AccountingCustomerParty"));
        let (breakdown, tax, exempt_reason) = self.tax_total(root, at).unzip3();
        let exempt_reason = exempt_reason.flatten();
        let lines = self.lines(root, exempt_reason);
        let stated = self.monetary_total(root, at, breakdown, tax);
        let document = Document {
            kind,
            number: number?,
            issue_date: issue_date?,
            due_date,
            buyer_reference: self.optional(root, "cbc:BuyerReference"),
            order_reference: self.optional(root, "cac:OrderReference/cbc:ID"),
            credited_invoice: self.optional(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            payment_terms: self.optional(root, "cac:PaymentTerms/cbc:Note"),
            note: self.optional(root, "cbc:Note"),
            seller: seller?,
            buyer: buyer?,
            lines: lines?,
        };
        Some((document, stated?))
    }

    fn party(&mut self, root: Node, role_at: &str) -> Option<Party> {
        let role = role_at.rsplit('/').next().unwrap_or_default();
        let Some(party) = find(root, &format!("{role}/cac:Party")) else {
            self.error(format!("{role_at}/cac:Party"), "is required but missing");
            return None;
        };
        let at = format!("{role_at}/cac:Party");
        let name = self.required(party, &at, "cac:PartyLegalEntity/cbc:RegistrationName");
        let endpoint = match find(party, "cbc:EndpointID") {
            Some(node) => match node.attribute("schemeID") {
                Some(scheme) => Some(Endpoint {
                    scheme: scheme.trim().to_string(),
                    id: text_of(node),
                }),
                None => {
                    self.error(
                        format!("{at}/cbc:EndpointID/@schemeID"),
                        "is required but missing (BR-62, BR-63)",
                    );
                    None
                }
            },
            None => {
                self.error(
                    format!("{at}/cbc:EndpointID"),
                    "is required but missing (PEPPOL-EN16931-R010, R020)",
                );
                None
            }
        };
        let identifier = |path: &str| {
            find(party, path).map(|node| Identifier {
                scheme: node.attribute("schemeID").map(|s| s.trim().to_string()),
                id: text_of(node),
            })
        };
        let vat_number = children(party, CAC, "PartyTaxScheme")
            .find(|scheme| find(*scheme, "cac:TaxScheme/cbc:ID").is_some_and(|id| text_of(id).trim() == "VAT"))
            .and_then(|scheme| find(scheme, "cbc:CompanyID"))
            .map(text_of);
        let country = self.required(party, &at, "cac:PostalAddress/cac:Country/cbc:IdentificationCode");
        let address = |path: &str| self.optional(party, &format!("cac:PostalAddress/{path}"));
        let address = Address {
            street: address("cbc:StreetName"),
            additional_street: address("cbc:AdditionalStreetName"),
            city: address("cbc:CityName"),
            postcode: address("cbc:PostalZone"),
            country: country?.trim().to_string(),
        };
        Some(Party {
            name: name?,
            trading_name: self.optional(party, "cac:PartyName/cbc:Name"),
            endpoint: endpoint?,
            identifier: identifier("cac:PartyIdentification/cbc:ID"),
            legal_id: identifier("cac:PartyLegalEntity/cbc:CompanyID"),
            vat_number,
            address,
            contact_email: self.optional(party, "cac:Contact/cbc:ElectronicMail"),
        })
    }

    /// The VAT breakdown, the total VAT and the exemption reason, from the one `TaxTotal` with
    /// subtotals (PEPPOL-EN16931-R053).
    fn tax_total(&mut self, root: Node, at: &str) -> Option<(Vec<VatSubtotal>, Money, Option<String>)> {
        let totals: Vec<_> = children(root, CAC, "TaxTotal")
            .filter(|t| child(*t, CAC, "TaxSubtotal").is_some())
            .collect();
        let &[total] = totals.as_slice() else {
            self.error(
                format!("{at}/cac:TaxTotal"),
                format!(
                    "{} VAT totals with a breakdown; exactly one is required (PEPPOL-EN16931-R053)",
                    totals.len()
                ),
            );
            return None;
        };
        let at = format!("{at}/cac:TaxTotal");
        let tax = self.amount(total, &at, "cbc:TaxAmount");
        let mut breakdown = Vec::new();
        let mut exempt_reason = None;
        let mut complete = true;
        for (index, subtotal) in children(total, CAC, "TaxSubtotal").enumerate() {
            let at = format!("{at}/cac:TaxSubtotal[{}]", index + 1);
            let taxable = self.amount(subtotal, &at, "cbc:TaxableAmount");
            let tax = self.amount(subtotal, &at, "cbc:TaxAmount");
            let category = find(subtotal, "cac:TaxCategory");
            let reason = category.and_then(|c| {
                self.optional(c, "cbc:TaxExemptionReason")
                    .or_else(|| self.optional(c, "cbc:TaxExemptionReasonCode"))
            });
            let category = match category {
                Some(node) => self.category(node, &format!("{at}/cac:TaxCategory"), reason.clone()),
                None => {
                    self.error(format!("{at}/cac:TaxCategory"), "is required but missing");
                    None
                }
            };
            if let Some(VatCategory::Exempt { reason }) = &category {
                exempt_reason = Some(reason.clone());
            }
            match (category, taxable, tax) {
                (Some(category), Some(taxable), Some(tax)) => breakdown.push(VatSubtotal { category, taxable, tax }),
                _ => complete = false,
            }
        }
        Some((breakdown, tax?, exempt_reason)).filter(|_| complete)
    }

    /// A `TaxCategory` or `ClassifiedTaxCategory`: S at a whole percentage, Z or E at 0%.
    fn category(&mut self, node: Node, at: &str, exempt_reason: Option<String>) -> Option<VatCategory> {
        let code = self.required(node, at, "cbc:ID")?;
        let percent_text = self.optional(node, "cbc:Percent");
        let percent = match percent_text.as_deref().map(|p| parse_decimal(p, 0)) {
            None => None,
            Some(Ok(p)) => match u8::try_from(p) {
                Ok(p) => Some(p),
                Err(_) => {
                    self.error(format!("{at}/cbc:Percent"), format!("{p} is not a VAT rate"));
                    return None;
                }
            },
            Some(Err(_)) => {
                let text = percent_text.unwrap_or_default();
                self.error(
                    format!("{at}/cbc:Percent"),
                    format!("\"{text}\" is not a whole percentage"),
                );
                return None;
            }
        };
        match (code.trim(), percent) {
            ("S", Some(percent)) => Some(VatCategory::Standard { percent }),
            ("Z", Some(0)) => Some(VatCategory::ZeroRated),
            ("E", Some(0)) => match exempt_reason {
                Some(reason) => Some(VatCategory::Exempt { reason }),
                None => {
                    self.error(at.to_string(), "an exempt category needs an exemption reason (BR-E-10)");
                    None
                }
            },
            ("S" | "Z" | "E", None) => {
                self.error(
                    format!("{at}/cbc:Percent"),
                    "is required but missing (BR-S-05, BR-Z-05, BR-E-05)",
                );
                None
            }
            ("Z" | "E", Some(_)) => {
                self.error(
                    format!("{at}/cbc:Percent"),
                    "must be 0 for zero-rated or exempt (BR-Z-05, BR-E-05)",
                );
                None
            }
            (other, _) => {
                self.error(
                    format!("{at}/cbc:ID"),
                    format!("VAT category \"{other}\" is not supported; only S, Z and E are"),
                );
                None
            }
        }
    }

    fn lines(&mut self, root: Node, exempt_reason: Option<String>) -> Option<Vec<Line>> {
        let element = self.kind.line_element();
        let at = format!("{}/cac:{element}", self.kind.root());
        let count = children(root, CAC, element).count();
        if count > MAX_LINES {
            self.error(at, format!("{count} lines is more than the {MAX_LINES} accepted"));
            return None;
        }
        let mut lines = Vec::with_capacity(count);
        for (index, node) in children(root, CAC, element).enumerate() {
            lines.push(self.line(node, &format!("{at}[{}]", index + 1), exempt_reason.as_ref()));
        }
        lines.into_iter().collect()
    }

    fn line(&mut self, node: Node, at: &str, exempt_reason: Option<&String>) -> Option<Line> {
        let id = self.required(node, at, "cbc:ID");
        let quantity_path = format!("cbc:{}", self.kind.quantity_element());
        let quantity_node = find(node, &quantity_path);
        let unit_code = quantity_node
            .and_then(|q| q.attribute("unitCode"))
            .map(|u| u.trim().to_string());
        if quantity_node.is_some() && unit_code.is_none() {
            self.error(
                format!("{at}/{quantity_path}/@unitCode"),
                "is required but missing (BR-23)",
            );
        }
        let quantity = self.required(node, at, &quantity_path).and_then(|text| {
            match parse_decimal(&text, 0).ok().and_then(|q| i64::try_from(q).ok()) {
                Some(quantity) => Some(quantity),
                None => {
                    self.error(
                        format!("{at}/{quantity_path}"),
                        format!("\"{text}\" is not a whole number of units"),
                    );
                    None
                }
            }
        });
        let value = self.amount(node, at, "cbc:LineExtensionAmount");
        // Outer `None`: the period is there but unreadable.
        let period = match find(node, "cac:InvoicePeriod") {
            None => Some(None),
            Some(period) => {
                let at = format!("{at}/cac:InvoicePeriod");
                let start = self.date(period, &at, "cbc:StartDate", true);
                let end = self.date(period, &at, "cbc:EndDate", true);
                start.zip(end).map(|(start, end)| Some(Period { start, end }))
            }
        };
        for unsupported in ["cac:AllowanceCharge", "cac:Price/cbc:BaseQuantity"] {
            let Some(found) = find(node, unsupported) else { continue };
            let is_one = unsupported.ends_with("BaseQuantity") && parse_decimal(&text_of(found), 0) == Ok(1);
            if !is_one {
                self.error(
                    format!("{at}/{unsupported}"),
                    "is not supported: the amounts would be misstated",
                );
            }
        }
        let item_at = format!("{at}/cac:Item");
        let item = find(node, "cac:Item");
        if item.is_none() {
            self.error(item_at.clone(), "is required but missing");
        }
        let name = item.and_then(|item| self.required(item, &item_at, "cbc:Name"));
        let vat = item.and_then(|item| match find(item, "cac:ClassifiedTaxCategory") {
            Some(category) => {
                let reason = exempt_reason
                    .cloned()
                    .or_else(|| self.optional(category, "cbc:TaxExemptionReason"));
                self.category(category, &format!("{item_at}/cac:ClassifiedTaxCategory"), reason)
            }
            None => {
                self.error(
                    format!("{item_at}/cac:ClassifiedTaxCategory"),
                    "is required but missing (BR-CO-04)",
                );
                None
            }
        });
        let cpv = item.and_then(|item| {
            children(item, CAC, "CommodityClassification")
                .filter_map(|c| child(c, CBC, "ItemClassificationCode"))
                .find(|code| code.attribute("listID").map(str::trim) == Some(CPV_LIST_ID))
                .map(text_of)
        });
        let price = match self.required(node, at, "cac:Price/cbc:PriceAmount") {
            Some(text) => match parse_price(&text) {
                Ok(price) => Some(price),
                Err(message) => {
                    self.error(format!("{at}/cac:Price/cbc:PriceAmount"), message);
                    None
                }
            },
            None => None,
        };
        if let Some(currency) = find(node, "cac:Price/cbc:PriceAmount").map(|p| p.attribute("currencyID")) {
            if currency.map(str::trim) != Some(CURRENCY) {
                self.error(
                    format!("{at}/cac:Price/cbc:PriceAmount/@currencyID"),
                    format!("is {}; only {CURRENCY} is accepted", currency.unwrap_or("missing")),
                );
            }
        }
        Some(Line {
            id: id?,
            order_line: self.optional(node, "cac:OrderLineReference/cbc:LineID"),
            sku: item.and_then(|item| self.optional(item, "cac:SellersItemIdentification/cbc:ID")),
            name: name?,
            description: item.and_then(|item| self.optional(item, "cbc:Description")),
            cpv,
            quantity: quantity?,
            unit_code: unit_code?,
            unit_price: price?,
            value: value?,
            period: period?,
            vat: vat?,
        })
    }

    fn monetary_total(
        &mut self,
        root: Node,
        at: &str,
        breakdown: Option<Vec<VatSubtotal>>,
        tax: Option<Money>,
    ) -> Option<Stated> {
        let Some(total) = find(root, "cac:LegalMonetaryTotal") else {
            self.error(format!("{at}/cac:LegalMonetaryTotal"), "is required but missing");
            return None;
        };
        let at = format!("{at}/cac:LegalMonetaryTotal");
        for unsupported in [
            "cbc:AllowanceTotalAmount",
            "cbc:ChargeTotalAmount",
            "cbc:PrepaidAmount",
            "cbc:PayableRoundingAmount",
        ] {
            if let Some(node) = find(total, unsupported) {
                if parse_amount(&text_of(node)) != Ok(Money::ZERO) {
                    self.error(
                        format!("{at}/{unsupported}"),
                        "is not supported: the amounts would be misstated",
                    );
                }
            }
        }
        let line_extension = self.amount(total, &at, "cbc:LineExtensionAmount");
        let tax_exclusive = self.amount(total, &at, "cbc:TaxExclusiveAmount");
        let tax_inclusive = self.amount(total, &at, "cbc:TaxInclusiveAmount");
        let payable = self.amount(total, &at, "cbc:PayableAmount");
        Some(Stated {
            line_extension: line_extension?,
            tax_exclusive: tax_exclusive?,
            tax: tax?,
            tax_inclusive: tax_inclusive?,
            payable: payable?,
            breakdown: breakdown?,
        })
    }
}

/// The stated sums against what the lines add up to, each rounded once as [`vat_breakdown`]
/// and [`Totals::of`] do. Exact: a penny out is a document we would pay wrongly.
fn check_sums(document: &Document, stated: &Stated) -> Vec<UblError> {
    let mut errors = Vec::new();
    let root = document.kind.root();
    let totals = Totals::of(document);
    let monetary = format!("{root}/cac:LegalMonetaryTotal");
    for (element, rule, stated, expected) in [
        (
            "cbc:LineExtensionAmount",
            "BR-CO-10",
            stated.line_extension,
            totals.line_extension,
        ),
        (
            "cbc:TaxExclusiveAmount",
            "BR-CO-13",
            stated.tax_exclusive,
            totals.tax_exclusive,
        ),
        (
            "cbc:TaxInclusiveAmount",
            "BR-CO-15",
            stated.tax_inclusive,
            totals.tax_inclusive,
        ),
        ("cbc:PayableAmount", "BR-CO-16", stated.payable, totals.payable),
    ] {
        if stated != expected {
            errors.push(UblError::new(
                format!("{monetary}/{element}"),
                format!("is {stated} but the lines make it {expected} ({rule})"),
            ));
        }
    }
    if stated.tax != totals.tax {
        errors.push(UblError::new(
            format!("{root}/cac:TaxTotal/cbc:TaxAmount"),
            format!(
                "is {} but the VAT breakdown of the lines makes it {} (BR-CO-14)",
                stated.tax, totals.tax
            ),
        ));
    }
    let expected = vat_breakdown(&document.lines);
    for (index, subtotal) in stated.breakdown.iter().enumerate() {
        let at = format!("{root}/cac:TaxTotal/cac:TaxSubtotal[{}]", index + 1);
        let duplicate = stated.breakdown[..index]
            .iter()
            .any(|s| s.category == subtotal.category);
        match expected.iter().find(|e| e.category == subtotal.category) {
            _ if duplicate => errors.push(UblError::new(at, "repeats a VAT category and rate (BR-CO-17)")),
            None => errors.push(UblError::new(
                at,
                "has no lines of this VAT category and rate (BR-S-08, BR-Z-08, BR-E-08)",
            )),
            Some(e) if e.taxable != subtotal.taxable => errors.push(UblError::new(
                format!("{at}/cbc:TaxableAmount"),
                format!(
                    "is {} but the lines of this category add up to {} (BR-S-08, BR-Z-08, BR-E-08)",
                    subtotal.taxable, e.taxable
                ),
            )),
            Some(e) if e.tax != subtotal.tax => errors.push(UblError::new(
                format!("{at}/cbc:TaxAmount"),
                format!(
                    "is {} but VAT on {} rounded once is {} (BR-CO-17)",
                    subtotal.tax, e.taxable, e.tax
                ),
            )),
            Some(_) => {}
        }
    }
    for missing in expected
        .iter()
        .filter(|e| !stated.breakdown.iter().any(|s| s.category == e.category))
    {
        errors.push(UblError::new(
            format!("{root}/cac:TaxTotal"),
            format!(
                "has no VAT breakdown for category {} at {}% (BR-CO-18, BR-S-01, BR-Z-01, BR-E-01)",
                missing.category.code(),
                missing.category.percent()
            ),
        ));
    }
    errors
}

trait Unzip3<A, B, C> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>);
}

impl<A, B, C> Unzip3<A, B, C> for Option<(A, B, C)> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>) {
        match self {
            Some((a, b, c)) => (Some(a), Some(b), Some(c)),
            None => (None, None, None),
        }
    }
}
