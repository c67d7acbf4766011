//! Invoices as PEPPOL BIS Billing 3.0 UBL: each recorded invoice written out, and a supplier's
//! UBL document read in, checked against its call-off and recorded as if entered. Errors name
//! the document's element.

use super::{may_invoice, record, with_standing, Draft};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::call_off::CallOff;
use calloff_domain::ids::InvoiceId;
use calloff_domain::invoice::{Invoice, InvoiceKind, InvoiceLine, InvoiceNumber, InvoiceSource, Period};
use calloff_domain::money::STANDARD_VAT_PERCENT;
use calloff_domain::organisation::Organisation;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_interop::ubl::{self, Address, Document, DocumentKind, Endpoint, Identifier, Line, Party, VatCategory};
use calloff_store::{call_offs, organisations};

/// Every line calloff writes or takes is standard rated.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 20 fits; checked below
const STANDARD_RATED: VatCategory = {
    assert!(STANDARD_VAT_PERCENT > 0 && STANDARD_VAT_PERCENT <= 100);
    VatCategory::Standard {
        percent: STANDARD_VAT_PERCENT as u8,
    }
};

/// Days a public body has to pay a valid invoice (Procurement Act 2023, s.68).
pub const PAYMENT_DAYS: i64 = 30;

/// The standard rate as UBL writes it (20 fits a `u8`).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) const VAT_PERCENT: u8 = STANDARD_VAT_PERCENT as u8;

/// The invoice as a PEPPOL BIS Billing 3.0 Invoice or CreditNote, for those who may see it.
pub async fn document(app: &App, actor: &Actor, id: &InvoiceId) -> AppResult<(Invoice, String)> {
    let (invoice, _) = with_standing(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let missing = || AppError::NotFound("organisation".into());
    let supplier = organisations::get(&mut conn, &invoice.supplier_id)
        .await?
        .ok_or_else(missing)?;
    let buyer = organisations::get(&mut conn, &invoice.buyer_id)
        .await?
        .ok_or_else(missing)?;
    let call_off = call_offs::get(&mut conn, &invoice.call_off_id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    let document = to_document(&invoice, &call_off, &supplier, &buyer)?;
    let xml = ubl::write(&document).map_err(|errors| {
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::Unexpected(calloff_store::StoreError::corrupt(format!(
            "invoice {} does not make valid UBL: {}",
            invoice.id,
            said.join("; ")
        )))
    })?;
    Ok((invoice, xml))
}

/// A party addressed by its VAT number, as PEPPOL requires, or why it cannot be.
pub(crate) fn party(org: &Organisation, role: &str) -> Result<Party, FieldError> {
    let vat = org.vat_number().ok_or_else(|| {
        FieldError::new(
            format!("{role}.vat_number"),
            format!(
                "{} has no VAT registration number recorded, and PEPPOL addresses invoices by it",
                org.name
            ),
        )
    })?;
    Ok(Party {
        name: org.name.clone(),
        trading_name: None,
        endpoint: Endpoint {
            scheme: ubl::EAS_UK_VAT.into(),
            id: vat.to_string(),
        },
        identifier: None,
        legal_id: None,
        vat_number: Some(vat.to_string()),
        address: Address {
            street: None,
            additional_street: None,
            city: None,
            postcode: None,
            country: "GB".into(),
        },
        contact_email: None,
    })
}

fn to_document(
    invoice: &Invoice,
    call_off: &CallOff,
    supplier: &Organisation,
    buyer: &Organisation,
) -> AppResult<Document> {
    let mut seller = party(supplier, "supplier").map_err(AppError::Conflict)?;
    seller.legal_id = supplier.identifier("GB-COH").map(|coh| Identifier {
        scheme: None,
        id: coh.value().to_string(),
    });
    let mut customer = party(buyer, "buyer").map_err(AppError::Conflict)?;
    customer.identifier = buyer.org_id().map(|id| Identifier { scheme: None, id });
    let lines = invoice
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let unit = usize::try_from(l.call_off_line)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| call_off.lines.get(i))
                .map(|ordered| ordered.unit);
            Line {
                id: (n + 1).to_string(),
                order_line: Some(l.call_off_line.to_string()),
                sku: Some(l.sku.clone()),
                name: l.name.clone(),
                description: None,
                cpv: Some(l.cpv.clone()),
                quantity: l.quantity,
                unit_code: unit.map_or("C62", ubl::unit_code).to_string(),
                unit_price: l.unit_price,
                value: l.value,
                period: l.period.map(|p| ubl::Period {
                    start: p.start,
                    end: p.end,
                }),
                vat: STANDARD_RATED,
            }
        })
        .collect();
    let is_invoice = invoice.kind == InvoiceKind::Invoice;
    Ok(Document {
        kind: if is_invoice {
            DocumentKind::Invoice
        } else {
            DocumentKind::CreditNote
        },
        number: invoice.number.as_str().to_string(),
        issue_date: invoice.issue_date,
        due_date: is_invoice.then(|| invoice.issue_date + chrono::Duration::days(PAYMENT_DAYS)),
        buyer_reference: Some(
            call_off
                .cost_centre
                .as_ref()
                .map_or(call_off.reference.clone(), |cc| cc.as_str().to_string()),
        ),
        order_reference: Some(call_off.reference.clone()),
        credited_invoice: invoice.credits.clone(),
        payment_terms: Some(format!(
            "Payment within {PAYMENT_DAYS} days of receiving a valid invoice"
        )),
        note: None,
        seller,
        buyer: customer,
        lines,
    })
}

/// A supplier's UBL invoice or credit note: read, tied to its call-off by the order reference,
/// and recorded (and matched) as an entered one would be.
pub async fn upload(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<Invoice> {
    if !actor.has(Role::SupplierUser) {
        return Err(AppError::Forbidden("only a supplier's users send invoices".into()));
    }
    let document = ubl::parse(bytes).map_err(|errors| {
        AppError::fields(
            errors
                .into_iter()
                .map(|e| FieldError::new(e.element, e.message))
                .collect(),
        )
    })?;
    let root = document.kind.root();
    let order_field = format!("{root}/cac:OrderReference/cbc:ID");
    let Some(reference) = document
        .order_reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    else {
        return Err(AppError::invalid(
            order_field,
            "Give the call-off's reference (like LON-ICT-2025-CO-000001) as the order reference",
        ));
    };
    let not_yours = || {
        AppError::invalid(
            &order_field,
            format!("no call-off of yours has the reference {reference}"),
        )
    };
    let mut conn = app.db.pool().acquire().await?;
    let id = call_offs::find_by_reference(&mut conn, reference)
        .await?
        .ok_or_else(not_yours)?;
    let call_off = match may_invoice(app, actor, &id).await {
        Ok(call_off) => call_off,
        Err(AppError::Forbidden(_) | AppError::NotFound(_)) => return Err(not_yours()),
        Err(e) => return Err(e),
    };
    let buyer = organisations::get(&mut conn, &call_off.buyer_id)
        .await?
        .ok_or_else(|| AppError::NotFound("organisation".into()))?;
    drop(conn);
    let draft = draft_from_document(app, &document, &call_off, &buyer)?;
    record(app, actor, &call_off.id, draft).await.map_err(|e| {
        e.renamed(|field| match field {
            "number" => Some(format!("{root}/cbc:ID")),
            "credits" => Some(format!(
                "{root}/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
            )),
            _ => None,
        })
    })
}

/// Every problem with the document against its call-off, at once, or the draft to record.
fn draft_from_document(app: &App, document: &Document, call_off: &CallOff, buyer: &Organisation) -> AppResult<Draft> {
    let root = document.kind.root();
    let mut errors = Vec::new();
    let number = InvoiceNumber::parse(&format!("{root}/cbc:ID"), &document.number)
        .map_err(|e| errors.push(e))
        .ok();
    if document.issue_date > app.today() {
        errors.push(FieldError::new(
            format!("{root}/cbc:IssueDate"),
            "The issue date must be today or in the past",
        ));
    }
    if let Some(given) = &document.buyer.identifier {
        if !buyer.identifiers.iter().any(|i| i.to_string() == given.id) {
            errors.push(FieldError::new(
                format!("{root}/cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
                format!(
                    "is {}, but call-off {} was placed by {} ({})",
                    given.id,
                    call_off.reference,
                    buyer.name,
                    buyer.org_id().unwrap_or_default()
                ),
            ));
        }
    }
    let (line_element, quantity_element) = match document.kind {
        DocumentKind::Invoice => ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
        DocumentKind::CreditNote => ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
    };
    let mut lines = Vec::new();
    for (i, line) in document.lines.iter().enumerate() {
        let at = format!("{root}/{line_element}[{}]", i + 1);
        let count = call_off.lines.len();
        let ordered = line
            .order_line
            .as_deref()
            .and_then(|n| n.trim().parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1).map(|i| (n, i)))
            .and_then(|(n, i)| call_off.lines.get(i).map(|o| (n, o)));
        let Some((number, ordered)) = ordered else {
            errors.push(FieldError::new(
                format!("{at}/cac:OrderLineReference/cbc:LineID"),
                format!("must give the call-off line it charges, 1 to {count}"),
            ));
            continue;
        };
        if line.vat != STANDARD_RATED {
            errors.push(FieldError::new(
                format!("{at}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                "must be standard rated (S, 20%): the framework's services are",
            ));
        }
        if line.quantity < 1 || line.value.pence() < 0 {
            errors.push(FieldError::new(
                format!("{at}/{quantity_element}"),
                "must be a positive number of units (a credit note credits positive amounts)",
            ));
            continue;
        }
        lines.push(InvoiceLine {
            call_off_line: u32::try_from(number).unwrap_or(u32::MAX),
            sku: line.sku.clone().unwrap_or_else(|| ordered.sku.to_string()),
            name: line.name.clone(),
            lot_number: ordered.lot_number,
            cpv: line.cpv.clone().unwrap_or_else(|| ordered.cpv.as_str().to_string()),
            quantity: line.quantity,
            unit_price: line.unit_price,
            value: line.value,
            period: line.period.map(|p| Period {
                start: p.start,
                end: p.end,
            }),
        });
    }
    let Some(number) = number.filter(|_| errors.is_empty()) else {
        return Err(AppError::fields(errors));
    };
    Ok(Draft {
        kind: match document.kind {
            DocumentKind::Invoice => InvoiceKind::Invoice,
            DocumentKind::CreditNote => InvoiceKind::CreditNote,
        },
        number,
        issue_date: document.issue_date,
        credits: document.credited_invoice.clone(),
        lines,
        source: InvoiceSource::Ubl,
    })
}
