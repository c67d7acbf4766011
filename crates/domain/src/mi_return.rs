//! MI returns: each month, each supplier of a framework tells the managing authority what it
//! invoiced under the framework, line by line, and pays the management charge on it (see
//! [`crate::levy`]). calloff generates the return from the month's invoices and credit notes.

use crate::calendar::nth_working_day_after;
use crate::money::{Money, UnitPrice};
use crate::FieldError;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A return is due on this working day after the end of its month.
pub const DUE_WORKING_DAY: u32 = 5;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first_day: NaiveDate,
}

impl Month {
    /// Exactly `YYYY-MM`, within the dates calloff accepts.
    pub fn parse(field: &str, text: &str) -> Result<Month, FieldError> {
        let text = text.trim();
        let shaped = text.len() == 7
            && text
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 { b == b'-' } else { b.is_ascii_digit() });
        shaped
            .then(|| crate::calendar::parse_date(&format!("{text}-01")).ok())
            .flatten()
            .map(|first_day| Month { first_day })
            .ok_or_else(|| FieldError::new(field, "Enter a month as year-month, like 2026-11"))
    }

    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> Month {
        Month {
            first_day: day.with_day(1).unwrap_or(day),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        self.first_day
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day.pred_opt().unwrap_or(self.first_day)
    }

    pub fn next(self) -> Month {
        Month {
            first_day: self
                .first_day
                .checked_add_months(Months::new(1))
                .unwrap_or(self.first_day),
        }
    }

    pub fn previous(self) -> Month {
        Month {
            first_day: self
                .first_day
                .checked_sub_months(Months::new(1))
                .unwrap_or(self.first_day),
        }
    }

    /// Like "November 2026".
    pub fn label(self) -> String {
        self.first_day.format("%B %Y").to_string()
    }

    /// The day the month's return is due: the [`DUE_WORKING_DAY`]th working day after the
    /// month ends, skipping weekends and `bank_holidays`.
    pub fn return_due_on(self, bank_holidays: &[NaiveDate]) -> NaiveDate {
        nth_working_day_after(self.last_day(), DUE_WORKING_DAY, bank_holidays)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first_day.format("%Y-%m"))
    }
}

/// Where a return stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Not yet submitted.
    Open,
    Submitted,
    /// The supplier declared it did no business under the framework that month.
    NoBusiness,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::Open => "open",
            ReturnStatus::Submitted => "submitted",
            ReturnStatus::NoBusiness => "no_business",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text {
            "open" => Ok(ReturnStatus::Open),
            "submitted" => Ok(ReturnStatus::Submitted),
            "no_business" => Ok(ReturnStatus::NoBusiness),
            other => Err(FieldError::new("status", format!("unknown return status {other}"))),
        }
    }
}

/// Where a return stands as people see it, on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStanding {
    /// Open and past its due date.
    Late,
    /// Open, and not yet due.
    Due,
    Submitted,
    NoBusiness,
}

impl ReturnStanding {
    pub fn of(status: ReturnStatus, due_on: NaiveDate, today: NaiveDate) -> ReturnStanding {
        match status {
            ReturnStatus::Open if today > due_on => ReturnStanding::Late,
            ReturnStatus::Open => ReturnStanding::Due,
            ReturnStatus::Submitted => ReturnStanding::Submitted,
            ReturnStatus::NoBusiness => ReturnStanding::NoBusiness,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStanding::Late => "late",
            ReturnStanding::Due => "due",
            ReturnStanding::Submitted => "submitted",
            ReturnStanding::NoBusiness => "no_business",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReturnStanding::Late => "Late",
            ReturnStanding::Due => "Due",
            ReturnStanding::Submitted => "Submitted",
            ReturnStanding::NoBusiness => "No business",
        }
    }
}

/// What a version of a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// The first submission.
    Submission,
    /// Replaces the version before it.
    Correction,
    NoBusiness,
}

impl VersionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::Submission => "submission",
            VersionKind::Correction => "correction",
            VersionKind::NoBusiness => "no_business",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text {
            "submission" => Ok(VersionKind::Submission),
            "correction" => Ok(VersionKind::Correction),
            "no_business" => Ok(VersionKind::NoBusiness),
            other => Err(FieldError::new("kind", format!("unknown version kind {other}"))),
        }
    }
}

/// One row of a return: one invoice or credit-note line. Credit-note rows carry negative
/// quantities, values, VAT and charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRow {
    pub invoice_id: String,
    pub invoice_number: String,
    /// `invoice` or `credit_note`.
    pub invoice_kind: String,
    pub call_off_reference: String,
    pub customer_name: String,
    /// The customer's org-id, like `GB-LAE-CMD`.
    pub customer_org_id: String,
    /// The customer's kind of body (`local_authority`, …).
    pub customer_kind: String,
    /// Central government or wider public sector.
    pub sector: String,
    pub lot_number: u32,
    pub sku: String,
    pub cpv: String,
    pub quantity: i64,
    pub unit_price: UnitPrice,
    pub value: Money,
    /// The line's share of its invoice's VAT (see [`vat_shares`]).
    pub vat: Money,
    /// The management charge on the line.
    pub charge: Money,
    /// The rate it was charged at, in basis points.
    pub rate_bp: i64,
}

/// A return's rows summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnTotals {
    pub rows: i64,
    pub value: Money,
    pub vat: Money,
    pub charge: Money,
}

impl ReturnTotals {
    pub fn of(rows: &[ReturnRow]) -> ReturnTotals {
        let sum = |f: fn(&ReturnRow) -> Money| {
            Money::from_pence(rows.iter().map(|r| f(r).pence()).fold(0, i64::saturating_add))
        };
        ReturnTotals {
            rows: crate::count(rows.len()),
            value: sum(|r| r.value),
            vat: sum(|r| r.vat),
            charge: sum(|r| r.charge),
        }
    }
}

/// Splits an invoice's VAT over its lines in proportion to their values, so the shares add up
/// to the VAT exactly: each line gets the rounded share of the running total less what the lines
/// before it got (VAT is charged on the sum of lines, so a line has no VAT of its own).
pub fn vat_shares(vat: Money, values: &[Money]) -> Vec<Money> {
    let net: i128 = values.iter().map(|v| i128::from(v.pence())).sum();
    if net == 0 {
        return values.iter().map(|_| Money::ZERO).collect();
    }
    let round = |numerator: i128| -> i128 {
        // Half away from zero, as for money elsewhere.
        let (n, d) = (numerator.abs(), net.abs());
        let q = (2 * n + d) / (2 * d);
        if (numerator < 0) != (net < 0) {
            -q
        } else {
            q
        }
    };
    let mut running = 0i128;
    let mut given = 0i128;
    values
        .iter()
        .map(|v| {
            running += i128::from(v.pence());
            let upto = round(i128::from(vat.pence()) * running);
            let share = upto - given;
            given = upto;
            Money::from_pence(i64::try_from(share).unwrap_or(0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn months_parse_strictly_and_know_their_ends() {
        let november = Month::parse("month", "2026-11").unwrap();
        assert_eq!(november.to_string(), "2026-11");
        assert_eq!(november.label(), "November 2026");
        assert_eq!(november.last_day().to_string(), "2026-11-30");
        assert_eq!(november.next().to_string(), "2026-12");
        assert_eq!(
            Month::parse("month", "2027-02").unwrap().last_day().to_string(),
            "2027-02-28"
        );
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01"] {
            assert_eq!(Month::parse("month", bad).unwrap_err().field, "month", "{bad}");
        }
    }

    #[test]
    fn a_return_is_due_on_the_fifth_working_day() {
        let holidays: Vec<NaiveDate> = ["2026-12-25", "2026-12-28", "2027-01-01"]
            .iter()
            .map(|d| crate::calendar::parse_date(d).unwrap())
            .collect();
        let due = |m: &str| Month::parse("month", m).unwrap().return_due_on(&holidays).to_string();
        assert_eq!(due("2026-11"), "2026-12-07");
        assert_eq!(due("2026-12"), "2027-01-08");
    }

    #[test]
    fn standing_is_late_only_while_open_after_the_due_date() {
        let due = crate::calendar::parse_date("2026-12-07").unwrap();
        let day = |d: &str| crate::calendar::parse_date(d).unwrap();
        assert_eq!(
            ReturnStanding::of(ReturnStatus::Open, due, day("2026-12-07")),
            ReturnStanding::Due
        );
        assert_eq!(
            ReturnStanding::of(ReturnStatus::Open, due, day("2026-12-08")),
            ReturnStanding::Late
        );
        assert_eq!(
            ReturnStanding::of(ReturnStatus::Submitted, due, day("2027-01-08")),
            ReturnStanding::Submitted
        );
    }

    #[test]
    fn vat_shares_add_up_to_the_invoices_vat() {
        let shares = vat_shares(
            Money::from_pence(100),
            &[Money::from_pence(1), Money::from_pence(1), Money::from_pence(1)],
        );
        assert_eq!(shares.iter().map(|m| m.pence()).sum::<i64>(), 100);
        assert_eq!(shares, [33, 34, 33].map(Money::from_pence));
    }

    proptest! {
        #[test]
        fn vat_shares_always_sum_exactly(vat in 0i64..1_000_000_000, values in proptest::collection::vec(0i64..1_000_000_000, 1..30)) {
            let values: Vec<Money> = values.into_iter().map(Money::from_pence).collect();
            let shares = vat_shares(Money::from_pence(vat), &values);
            let net: i64 = values.iter().map(|v| v.pence()).sum();
            let total: i64 = shares.iter().map(|m| m.pence()).sum();
            prop_assert_eq!(total, if net == 0 { 0 } else { vat });
        }
    }
}
