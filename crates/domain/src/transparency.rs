//! The Local Government Transparency Code 2015: what English councils publish each quarter
//! about contracts over £5,000 (paragraph 36) and spending over £500 (paragraph 23), and the
//! quarters they publish by (ADR 0018).

use crate::calendar::{in_range, uk_day_start};
use crate::money::Money;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The Code lists every contract whose value exceeds £5,000.
pub const CONTRACT_THRESHOLD: Money = Money::from_pence(500_000);
/// The Code lists every item of expenditure that exceeds £500.
pub const SPEND_THRESHOLD: Money = Money::from_pence(50_000);

/// The contracts register's columns, named as the Code names each item it requires
/// (paragraph 36), in its order.
pub const CONTRACT_COLUMNS: [&str; 14] = [
    "Reference Number",
    "Title of Agreement",
    "Local Authority Department Responsible",
    "Description of the Goods and/or Services Being Provided",
    "Supplier Name",
    "Sum to be Paid Over the Length of the Contract",
    "Value Added Tax that Cannot be Recovered",
    "Start Date",
    "End Date",
    "Review Date",
    "Result of an Invitation to Quote or a Published Invitation to Tender",
    "Small or Medium Sized Enterprise",
    "Voluntary or Community Sector Organisation",
    "Supplier Registration Number",
];

/// The spending register's columns, named as the Code names each item it requires (paragraph
/// 23), in its order; with the practitioners' guide's body name, transaction number and expense
/// type besides.
pub const SPEND_COLUMNS: [&str; 10] = [
    "Body Name",
    "Date the Expenditure was Incurred",
    "Transaction Number",
    "Local Authority Department",
    "Beneficiary",
    "Summary of the Purpose of the Expenditure",
    "Amount",
    "Value Added Tax that Cannot be Recovered",
    "Expense Type",
    "Merchant Category",
];

/// A calendar quarter: Q1 is January to March. Written `2026-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    number: u32,
}

impl Quarter {
    /// Reads `YYYY-QN` (`q` in either case), N from 1 to 4, within the dates calloff accepts.
    pub fn parse(text: &str) -> Result<Quarter, String> {
        let refuse = || "Enter a quarter as year and quarter, like 2026-Q3".to_string();
        let text = text.trim();
        let (year, number) = text.split_once(['-']).ok_or_else(refuse)?;
        let number = number.strip_prefix(['Q', 'q']).ok_or_else(refuse)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) || number.len() != 1 {
            return Err(refuse());
        }
        let year: i32 = year.parse().map_err(|_| refuse())?;
        let number: u32 = number.parse().map_err(|_| refuse())?;
        if !(1..=4).contains(&number) {
            return Err(refuse());
        }
        let quarter = Quarter { year, number };
        in_range(quarter.first_day()).map_err(|e| e.replace("date", "quarter"))?;
        Ok(quarter)
    }

    /// The quarter a date falls in.
    pub fn containing(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            number: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.number - 1) * 3 + 1, 1).expect("a quarter starts on a real day")
    }

    /// The first day of the next quarter.
    fn next_first_day(self) -> NaiveDate {
        self.next().first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next_first_day().pred_opt().expect("a quarter ends on a real day")
    }

    pub fn next(self) -> Quarter {
        if self.number == 4 {
            Quarter {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    pub fn previous(self) -> Quarter {
        if self.number == 1 {
            Quarter {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    /// The instants the quarter starts and the next starts, as London's clocks say.
    pub fn uk_bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (uk_day_start(self.first_day()), uk_day_start(self.next_first_day()))
    }

    /// "July to September 2026".
    pub fn label(self) -> String {
        format!(
            "{} to {}",
            self.first_day().format("%B"),
            self.last_day().format("%B %Y")
        )
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_read_and_bound() {
        let q3 = Quarter::parse("2026-Q3").unwrap();
        assert_eq!(q3.to_string(), "2026-Q3");
        assert_eq!(q3.first_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(q3.last_day(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(q3.label(), "July to September 2026");
        assert_eq!(Quarter::parse("2026-q4").unwrap().next().to_string(), "2027-Q1");
        assert_eq!(Quarter::parse("2027-Q1").unwrap().previous().to_string(), "2026-Q4");
        // In summer time the quarter starts at 23:00 UTC the evening before.
        let (start, end) = q3.uk_bounds();
        assert_eq!(start.to_rfc3339(), "2026-06-30T23:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-09-30T23:00:00+00:00");
        let (start, _) = Quarter::parse("2027-Q1").unwrap().uk_bounds();
        assert_eq!(start.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        for bad in [
            "2026-Q5", "2026-Q0", "2026Q3", "26-Q3", "2026-3", "1999-Q4", "2026-Q3x", "", "2026-Q+3",
        ] {
            assert!(Quarter::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Quarter::containing(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()).to_string(),
            "2026-Q4"
        );
    }
}
