//! Invoices and credit notes against a call-off, and matching each line with the call-off.
//!
//! A line charges units of one call-off line (months × quantity for a recurring line, the
//! quantity for a one-off, metered use for a usage line) at a unit price, for a period. Matching
//! compares it with the call-off as it stands: the item, the unit price in force, the quantity the
//! period allows, the period within the term, and the line's running total within its value.

use crate::call_off::PricedLine;
use crate::catalogue::Charging;
use crate::ids::{CallOffId, FrameworkId, InvoiceId, OrganisationId, UserId};
use crate::money::{Money, UnitPrice, STANDARD_VAT_PERCENT};
use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest invoice number (BT-1 has no limit; suppliers' numbers are short).
pub const MAX_NUMBER_LEN: usize = 40;
/// Lines per invoice: a call-off has at most 100 lines, each invoiced for a few periods.
pub const MAX_LINES: usize = 1_000;
/// Most units one line may charge (a billion minutes is beyond any body's month).
pub const MAX_CHARGED_UNITS: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "invoice" => Ok(Self::Invoice),
            "credit_note" => Ok(Self::CreditNote),
            _ => Err(FieldError::new("kind", "Kind must be invoice or credit_note")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice",
            Self::CreditNote => "Credit note",
        }
    }

    /// +1 for an invoice, −1 for a credit note: how it moves what was invoiced.
    pub fn sign(self) -> i64 {
        match self {
            Self::Invoice => 1,
            Self::CreditNote => -1,
        }
    }
}

/// Where an invoice stands with the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Every line matched the call-off; waiting for the buyer to approve it for payment.
    Matched,
    /// Some line did not match; waiting for the buyer to accept or dispute it.
    Held,
    /// Matched and approved for payment.
    Approved,
    /// Held, and accepted by the buyer despite the differences.
    Accepted,
    /// Held and disputed: it does not count as invoiced.
    Disputed,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::Held => "held",
            Self::Approved => "approved",
            Self::Accepted => "accepted",
            Self::Disputed => "disputed",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Ok(match value {
            "matched" => Self::Matched,
            "held" => Self::Held,
            "approved" => Self::Approved,
            "accepted" => Self::Accepted,
            "disputed" => Self::Disputed,
            _ => return Err(FieldError::new("status", "is not an invoice status")),
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Matched => "Matched, awaiting approval",
            Self::Held => "Held: does not match",
            Self::Approved => "Approved for payment",
            Self::Accepted => "Accepted despite differences",
            Self::Disputed => "Disputed",
        }
    }

    /// Whether it counts towards what was invoiced (and so towards spend and MI).
    pub fn counts(self) -> bool {
        self != Self::Disputed
    }

    /// The status a buyer's decision leads to, or why it cannot be taken.
    pub fn decide(self, decision: InvoiceDecision) -> Result<InvoiceStatus, FieldError> {
        match (self, decision) {
            (Self::Matched, InvoiceDecision::Approve) => Ok(Self::Approved),
            (Self::Held, InvoiceDecision::Accept) => Ok(Self::Accepted),
            (Self::Held, InvoiceDecision::Dispute) => Ok(Self::Disputed),
            (Self::Matched, _) => Err(FieldError::new(
                "decision",
                "this invoice matches the call-off: approve it for payment",
            )),
            (Self::Held, InvoiceDecision::Approve) => Err(FieldError::new(
                "decision",
                "this invoice does not match the call-off: accept it or dispute it",
            )),
            (decided, _) => Err(FieldError::new(
                "decision",
                format!("this invoice is already {}", decided.as_str()),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceDecision {
    /// A matched invoice: approve it for payment.
    Approve,
    /// A held invoice: accept it despite the differences.
    Accept,
    /// A held invoice: dispute it, with a reason.
    Dispute,
}

impl InvoiceDecision {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "approve" => Ok(Self::Approve),
            "accept" => Ok(Self::Accept),
            "dispute" => Ok(Self::Dispute),
            _ => Err(FieldError::new("decision", "Choose approve, accept or dispute")),
        }
    }
}

/// A supplier's invoice number (BT-1): unique per supplier, so a retried upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(FieldError::new(field, "Enter the invoice number"));
        }
        if value.chars().count() > MAX_NUMBER_LEN {
            return Err(FieldError::new(
                field,
                format!(
                    "{} must be {MAX_NUMBER_LEN} characters or fewer",
                    crate::text::label(field)
                ),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                format!(
                    "{} must only contain letters, digits, spaces and punctuation",
                    crate::text::label(field)
                ),
            ));
        }
        Ok(InvoiceNumber(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The dates a line covers, first and last day included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate, field: &str) -> Result<Self, FieldError> {
        if end < start {
            return Err(FieldError::new(
                field,
                "The end of the period must be on or after its start",
            ));
        }
        Ok(Period { start, end })
    }

    /// Months the period covers, a started month counting whole: 1 Nov to 30 Nov is 1, 15 Nov
    /// to 14 Dec is 1, 15 Nov to 15 Dec is 2.
    pub fn months(self) -> i64 {
        months_started(self.start, self.end)
    }
}

/// Months from `start` to `end` (inclusive), a started month counting whole.
pub fn months_started(start: NaiveDate, end: NaiveDate) -> i64 {
    let whole = i64::from(end.year() - start.year()) * 12 + i64::from(end.month()) - i64::from(start.month());
    // Up to the day before the same day of the month `whole` months on is `whole` months.
    let same_day_reached = end.day() >= start.day();
    let months = if same_day_reached { whole + 1 } else { whole };
    months.max(1)
}

/// What a line of a call-off lets a period be charged: `None` when use is metered.
pub fn chargeable_units(line: &PricedLine, period: Option<Period>) -> Option<i64> {
    let quantity = i64::from(line.quantity.get());
    match line.unit.charging() {
        Charging::OneOff => Some(quantity),
        Charging::Recurring => Some(quantity * period.map_or(1, Period::months)),
        Charging::Usage => None,
    }
}

/// One line of an invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The call-off line it charges, from 1.
    pub call_off_line: u32,
    pub sku: String,
    pub name: String,
    pub lot_number: u32,
    pub cpv: String,
    /// Units charged: months × quantity, a one-off quantity, or metered use.
    pub quantity: i64,
    pub unit_price: UnitPrice,
    /// `quantity × unit_price`, rounded half-up to the penny once.
    pub value: Money,
    pub period: Option<Period>,
}

/// Why a line does not match the call-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mismatch {
    /// The invoice line, from 1.
    pub line: u32,
    /// What differs: `sku`, `unit_price`, `quantity`, `period` or `value`.
    pub field: String,
    pub reason: String,
}

/// What matching needs to know of the call-off line beyond its priced line.
#[derive(Debug, Clone, Copy)]
pub struct LineStanding {
    /// The call-off's term, once live.
    pub term: Option<Period>,
    /// Invoiced so far on this call-off line, net of credits and without disputed invoices.
    pub invoiced: Money,
}

/// Matches one invoice line (number `line_no`) against the call-off line it charges.
pub fn match_line(
    kind: InvoiceKind,
    line_no: u32,
    ordered: &PricedLine,
    standing: LineStanding,
    line: &InvoiceLine,
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut say = |field: &str, reason: String| {
        found.push(Mismatch {
            line: line_no,
            field: field.to_string(),
            reason,
        })
    };
    if line.sku != ordered.sku.as_str() {
        say(
            "sku",
            format!(
                "item {} is not {} on the call-off's line {}",
                line.sku, ordered.sku, line.call_off_line
            ),
        );
    }
    if line.unit_price != ordered.unit_price {
        say(
            "unit_price",
            format!(
                "unit price {} is not the {} in force",
                line.unit_price, ordered.unit_price
            ),
        );
    }
    if let Some(allowed) = chargeable_units(ordered, line.period) {
        if line.quantity > allowed {
            say(
                "quantity",
                format!(
                    "{} units charged; the call-off allows {allowed} for this period",
                    line.quantity
                ),
            );
        }
    }
    match (line.period, standing.term) {
        (Some(period), Some(term)) if period.start < term.start || period.end > term.end => say(
            "period",
            format!(
                "{} to {} is outside the term, {} to {}",
                period.start, period.end, term.start, term.end
            ),
        ),
        (Some(_), None) if ordered.unit.charging() != Charging::OneOff => say(
            "period",
            "the call-off is not live yet, so no service can be charged".to_string(),
        ),
        _ => {}
    }
    match kind {
        InvoiceKind::Invoice => {
            let total = standing.invoiced.checked_add(line.value);
            if total.is_none_or(|t| t > ordered.value) {
                say(
                    "value",
                    format!(
                        "{} more takes this line past its value of {} ({} invoiced already)",
                        line.value, ordered.value, standing.invoiced
                    ),
                );
            }
        }
        InvoiceKind::CreditNote => {
            if line.value > standing.invoiced {
                say(
                    "value",
                    format!(
                        "credits {} but only {} was invoiced on this line",
                        line.value, standing.invoiced
                    ),
                );
            }
        }
    }
    found
}

/// An invoice's amounts: the sum of lines, VAT on it per category (all lines are standard
/// rated, so one category), and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
}

impl InvoiceTotals {
    pub fn of(lines: &[InvoiceLine]) -> Result<Self, FieldError> {
        let too_large = || FieldError::new("lines", "the invoice total is too large");
        let net = lines
            .iter()
            .try_fold(Money::ZERO, |sum, l| sum.checked_add(l.value))
            .ok_or_else(too_large)?;
        let vat = net.vat_at(STANDARD_VAT_PERCENT).ok_or_else(too_large)?;
        let gross = net.checked_add(vat).ok_or_else(too_large)?;
        Ok(InvoiceTotals { net, vat, gross })
    }
}

/// How an invoice reached calloff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceSource {
    /// Entered on the page or through the JSON API.
    Entered,
    /// Uploaded as a PEPPOL BIS Billing 3.0 UBL document.
    Ubl,
}

impl InvoiceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entered => "entered",
            Self::Ubl => "ubl",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "entered" => Ok(Self::Entered),
            "ubl" => Ok(Self::Ubl),
            _ => Err(FieldError::new("source", "is not an invoice source")),
        }
    }
}

/// An invoice or credit note as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub kind: InvoiceKind,
    pub number: InvoiceNumber,
    pub call_off_id: CallOffId,
    pub call_off_reference: String,
    pub framework_id: FrameworkId,
    pub buyer_id: OrganisationId,
    pub supplier_id: OrganisationId,
    pub issue_date: NaiveDate,
    /// For a credit note: the number of the invoice it credits, if given.
    pub credits: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub totals: InvoiceTotals,
    pub status: InvoiceStatus,
    pub mismatches: Vec<Mismatch>,
    pub source: InvoiceSource,
    pub received_by: UserId,
    pub received_at: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<String>,
    pub dispute_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_started_month_counts_whole() {
        let months = |a, b| months_started(date(a), date(b));
        assert_eq!(months("2026-11-01", "2026-11-30"), 1);
        assert_eq!(months("2026-11-01", "2026-11-01"), 1);
        assert_eq!(months("2026-11-15", "2026-12-14"), 1);
        assert_eq!(months("2026-11-15", "2026-12-15"), 2);
        assert_eq!(months("2026-01-31", "2026-02-28"), 1);
        assert_eq!(months("2026-01-01", "2026-12-31"), 12);
        assert_eq!(months("2026-12-01", "2027-01-31"), 2);
    }

    #[test]
    fn decisions_follow_the_status() {
        assert_eq!(
            InvoiceStatus::Matched.decide(InvoiceDecision::Approve),
            Ok(InvoiceStatus::Approved)
        );
        assert_eq!(
            InvoiceStatus::Held.decide(InvoiceDecision::Dispute),
            Ok(InvoiceStatus::Disputed)
        );
        assert_eq!(
            InvoiceStatus::Held.decide(InvoiceDecision::Accept),
            Ok(InvoiceStatus::Accepted)
        );
        assert!(InvoiceStatus::Held.decide(InvoiceDecision::Approve).is_err());
        assert!(InvoiceStatus::Matched.decide(InvoiceDecision::Dispute).is_err());
        assert!(InvoiceStatus::Approved.decide(InvoiceDecision::Approve).is_err());
        assert!(!InvoiceStatus::Disputed.counts());
    }

    #[test]
    fn numbers_are_trimmed_and_bounded() {
        assert_eq!(InvoiceNumber::parse("number", " INV-1 ").unwrap().as_str(), "INV-1");
        assert_eq!(InvoiceNumber::parse("number", " ").unwrap_err().field, "number");
        assert!(InvoiceNumber::parse("number", &"9".repeat(41)).is_err());
        assert!(InvoiceNumber::parse("number", "A\u{7}").is_err());
    }

    proptest::proptest! {
        #[test]
        fn months_grow_with_the_end(start in 0i64..20_000, days in 0i64..4_000) {
            let start = date("2000-01-01") + chrono::Duration::days(start);
            let end = start + chrono::Duration::days(days);
            let next = end + chrono::Duration::days(1);
            let m = months_started(start, end);
            proptest::prop_assert!(m >= 1);
            proptest::prop_assert!(months_started(start, next) >= m);
            // Never more than a month per 28 days started.
            proptest::prop_assert!(m <= days / 28 + 1);
        }
    }
}
