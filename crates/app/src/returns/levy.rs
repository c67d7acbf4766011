//! The management charge raised by each version of a return, as a PEPPOL BIS Billing 3.0 UBL
//! document from the framework's managing authority (the seller) to the supplier (the buyer):
//! an invoice for the charge of a first submission or the increase of a correction, a credit
//! note for a correction's decrease. One line, "Management charge for <month>"; the buyer
//! reference is the return's reference. The dated rules themselves are kept here too.

use super::with_access;
use crate::invoices::ubl::{party, PAYMENT_DAYS, VAT_PERCENT};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::ids::{FrameworkId, ReturnId};
use calloff_domain::levy::LevyRule;
use calloff_domain::money::{Money, UnitPrice};
use calloff_domain::FieldError;
use calloff_interop::ubl::{self, Document, DocumentKind, Line, VatCategory};
use calloff_store::audit::ChainHead;
use calloff_store::{organisations, returns};

/// UN/ECE rec 20 "one": the charge is one service.
const ONE: &str = "C62";

/// The charge document a version raises for `difference` (its charge less the version
/// before's): an invoice for an increase, a credit note for a decrease, none for no change.
/// Numbered after the return and version, so each is unique and a retry cannot raise another.
pub fn document_for(reference: &str, version: i64, difference: Money) -> Option<(&'static str, String)> {
    let kind = match difference.pence() {
        0 => return None,
        p if p > 0 => "invoice",
        _ => "credit_note",
    };
    Some((kind, format!("{reference}-V{version}")))
}

/// The charge document raised by a version of the return (the current one if not given), for
/// the supplier, the framework's manager and auditors: its number and the UBL.
pub async fn document(app: &App, actor: &Actor, id: &ReturnId, version: Option<i64>) -> AppResult<(String, String)> {
    let (record, _) = with_access(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let versions = returns::versions(&mut conn, id).await?;
    let version = version.unwrap_or(record.version);
    let Some(shown) = versions.iter().find(|v| v.version == version) else {
        return Err(if record.version == 0 {
            AppError::NotFound("management charge: the return has not been submitted, so no".into())
        } else {
            AppError::invalid("version", format!("this return has versions 1 to {}", record.version))
        });
    };
    let Some((kind, number)) = shown.levy_document.clone() else {
        return Err(AppError::NotFound(format!(
            "management charge document for version {version}: it changed the charge by nothing, so no document was raised, and a"
        )));
    };
    let framework = crate::frameworks::record(&mut conn, &record.framework_id)
        .await?
        .framework;
    let missing = || AppError::NotFound("organisation".into());
    let authority = organisations::get(&mut conn, &framework.authority)
        .await?
        .ok_or_else(missing)?;
    let supplier = organisations::get(&mut conn, &record.supplier_id)
        .await?
        .ok_or_else(missing)?;
    let seller = party(&authority, "authority").map_err(AppError::Conflict)?;
    let mut buyer = party(&supplier, "supplier").map_err(AppError::Conflict)?;
    buyer.legal_id = supplier.identifier("GB-COH").map(|coh| ubl::Identifier {
        scheme: None,
        id: coh.value().to_string(),
    });
    let amount = Money::from_pence(shown.charge_difference.pence().abs());
    let unit_price = UnitPrice::from_micros(amount.pence().saturating_mul(10_000)).map_err(|e| {
        AppError::Conflict(FieldError::new(
            "charge",
            format!("the charge of {amount} is too large for one UBL line: {}", e.message),
        ))
    })?;
    let issue_date = shown
        .submitted_at
        .parse::<chrono::DateTime<chrono::Utc>>()
        .map(calloff_domain::calendar::uk_date)
        .unwrap_or_else(|_| app.today());
    let is_invoice = kind == "invoice";
    // A credit note credits the latest invoice raised before it.
    let credited = (!is_invoice)
        .then(|| {
            versions
                .iter()
                .filter(|v| v.version < version)
                .filter_map(|v| v.levy_document.as_ref())
                .filter(|(k, _)| k == "invoice")
                .map(|(_, n)| n.clone())
                .next_back()
        })
        .flatten();
    let mut name = format!("Management charge for {}", record.month.label());
    if version > 1 {
        name.push_str(&format!(", correction (version {version})"));
    }
    let rule = shown
        .levy_rule_from
        .map(|d| format!(" under the levy rule from {d}"))
        .unwrap_or_default();
    let document = Document {
        kind: if is_invoice {
            DocumentKind::Invoice
        } else {
            DocumentKind::CreditNote
        },
        number: number.clone(),
        issue_date,
        due_date: is_invoice.then(|| issue_date + chrono::Duration::days(PAYMENT_DAYS)),
        buyer_reference: Some(record.reference.clone()),
        order_reference: None,
        credited_invoice: credited,
        payment_terms: Some(format!("Payment within {PAYMENT_DAYS} days")),
        note: Some(format!(
            "MI return {} version {version}: {} invoiced under {}, charge {}{rule}",
            record.reference, shown.totals.value, framework.reference, shown.totals.charge
        )),
        seller,
        buyer,
        lines: vec![Line {
            id: "1".into(),
            order_line: None,
            sku: None,
            name,
            description: None,
            cpv: None,
            quantity: 1,
            unit_code: ONE.into(),
            unit_price,
            value: amount,
            period: Some(ubl::Period {
                start: record.month.first_day(),
                end: record.month.last_day(),
            }),
            vat: VatCategory::Standard { percent: VAT_PERCENT },
        }],
    };
    let xml = ubl::write(&document).map_err(|errors| {
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::Unexpected(calloff_store::StoreError::corrupt(format!(
            "management charge {number} does not make valid UBL: {}",
            said.join("; ")
        )))
    })?;
    Ok((number, xml))
}

/// A framework's levy rules, earliest first, for anyone who reads the framework.
pub async fn rules(app: &App, _actor: &Actor, framework: &FrameworkId) -> AppResult<Vec<LevyRule>> {
    let mut conn = app.db.pool().acquire().await?;
    crate::frameworks::record(&mut conn, framework).await?;
    Ok(returns::levy_rules(&mut conn, framework).await?)
}

/// Checks the actor manages the framework, so may set its management charge.
pub async fn may_set_rules(
    app: &App,
    actor: &Actor,
    framework: &FrameworkId,
) -> AppResult<calloff_store::frameworks::FrameworkRecord> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, framework).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &record).await?;
    if !standing.is_manager() {
        return Err(AppError::Forbidden(
            "only the framework's manager sets its management charge".into(),
        ));
    }
    Ok(record)
}

/// The framework's manager adds a dated rule. Rules are dated so that a month already charged
/// keeps its rule: a new one takes effect from a month not yet ended.
pub async fn add_rule(app: &App, actor: &Actor, framework: &FrameworkId, rule: &LevyRule) -> AppResult<()> {
    let record = may_set_rules(app, actor, framework).await?;
    // Every fault at once.
    let mut errors = Vec::new();
    let this_month = calloff_domain::mi_return::Month::of(app.today());
    if rule.effective_from < this_month.first_day() {
        errors.push(FieldError::new(
            "effective_from",
            format!(
                "Enter this month or a later one ({} at the earliest): earlier months may already be charged",
                this_month.first_day()
            ),
        ));
    }
    if rule.effective_from > record.framework.term.end {
        errors.push(FieldError::new(
            "effective_from",
            format!(
                "Enter a month within the framework's term, which ends on {}",
                record.framework.term.end
            ),
        ));
    }
    if let calloff_domain::levy::LevyRates::PerLot { rates } = &rule.rates {
        let lots: Vec<u32> = record.framework.lots.iter().map(|l| l.number).collect();
        let missing: Vec<String> = lots
            .iter()
            .filter(|n| !rates.contains_key(n))
            .map(ToString::to_string)
            .collect();
        if !missing.is_empty() {
            errors.push(FieldError::new(
                "rates",
                format!("Give a rate for every lot; missing: lot {}", missing.join(", lot ")),
            ));
        }
        let unknown: Vec<String> = rates
            .keys()
            .filter(|n| !lots.contains(n))
            .map(ToString::to_string)
            .collect();
        if !unknown.is_empty() {
            errors.push(FieldError::new(
                "rates",
                format!("The framework has no lot {}", unknown.join(", lot ")),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    calloff_store::with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if let Err(e) = returns::insert_levy_rule(&mut tx, framework, rule, actor.user_id.as_str(), &at).await {
            return Err(if e.is_unique_violation() {
                AppError::Conflict(FieldError::new(
                    "effective_from",
                    format!("a rule already takes effect on {}", rule.effective_from),
                ))
            } else {
                e.into()
            });
        }
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "levy_rule.added",
            framework.as_str(),
            serde_json::json!({ "effective_from": rule.effective_from.to_string(), "rule": rule.describe() }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
