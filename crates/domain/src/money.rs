//! Exact money: integer pence for amounts, integer millionths of a pound for unit prices.
//!
//! Unit prices carry fractions of a penny (0.85p per minute is 8,500 millionths of a pound).
//! A line total is rounded half-up to the penny once, at the line; VAT is computed on the sum of
//! the lines of one VAT category and rounded half-up to the penny (PEPPOL BIS 3).

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Millionths of a pound in one penny.
const MICROS_PER_PENNY: i128 = 10_000;
/// Digits after the pound's decimal point that a unit price may carry.
const UNIT_PRICE_DECIMALS: usize = 6;
/// The UK standard VAT rate, in percent.
pub const STANDARD_VAT_PERCENT: i64 = 20;

/// An amount of money in pence (GBP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_pence(pence: i64) -> Self {
        Money(pence)
    }

    pub const fn from_pounds(pounds: i64) -> Self {
        Money(pounds * 100)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    /// VAT at `percent`, rounded half-up to the penny (amounts here are never negative).
    pub fn vat_at(self, percent: i64) -> Option<Money> {
        let scaled = (self.0 as i128) * (percent as i128);
        let rounded = div_round_half_up(scaled, 100);
        i64::try_from(rounded).ok().map(Money)
    }

    /// Parses "1234.56", "1,234.56", "£1,234.56" or "1234" into pence.
    pub fn parse_pounds(input: &str) -> Result<Money, String> {
        let micros = parse_decimal_pounds(input, 2)?;
        i64::try_from(micros / MICROS_PER_PENNY)
            .map(Money)
            .map_err(|_| "is too large".to_string())
    }

    /// Share of `whole` in basis points (hundredths of a percent), rounded down; 0 of nothing.
    pub fn basis_points_of(self, whole: Money) -> i64 {
        if whole.0 <= 0 {
            return 0;
        }
        i64::try_from(self.0 as i128 * 10_000 / whole.0 as i128).unwrap_or(i64::MAX)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}£{}.{:02}", group_thousands(abs / 100), abs % 100)
    }
}

/// A price per unit in millionths of a pound, so sub-penny tariffs are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPrice(i64);

impl UnitPrice {
    /// The highest unit price accepted: £10m.
    pub const MAX_MICROS: i64 = 10_000_000 * 1_000_000;

    pub fn from_micros(micros: i64) -> Result<Self, FieldError> {
        if !(0..=Self::MAX_MICROS).contains(&micros) {
            return Err(FieldError::new(
                "unit_price",
                "Unit price must be between £0 and £10,000,000",
            ));
        }
        Ok(UnitPrice(micros))
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// Parses a price in pounds with up to six decimal places ("0.0085", "£1,650.00").
    pub fn parse_pounds(input: &str) -> Result<Self, FieldError> {
        let micros = parse_decimal_pounds(input, UNIT_PRICE_DECIMALS)
            .map_err(|message| FieldError::new("unit_price", message))?;
        let micros = i64::try_from(micros)
            .map_err(|_| FieldError::new("unit_price", "Unit price must be between £0 and £10,000,000"))?;
        Self::from_micros(micros)
    }

    /// `self × count`, rounded half-up to the penny once.
    pub fn total_for(self, count: u128) -> Option<Money> {
        let micros = (self.0 as i128).checked_mul(i128::try_from(count).ok()?)?;
        i64::try_from(div_round_half_up(micros, MICROS_PER_PENNY))
            .ok()
            .map(Money)
    }
}

impl fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pounds = self.0 / 1_000_000;
        let fraction = self.0 % 1_000_000;
        if fraction % 10_000 == 0 {
            write!(
                f,
                "£{}.{:02}",
                group_thousands(pounds.unsigned_abs()),
                fraction / 10_000
            )
        } else {
            let digits = format!("{fraction:06}");
            write!(
                f,
                "£{}.{}",
                group_thousands(pounds.unsigned_abs()),
                digits.trim_end_matches('0')
            )
        }
    }
}

/// Integer division rounding half away from zero, for non-negative and negative numerators.
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// Parses a non-negative decimal amount of pounds into millionths, allowing `max_decimals`.
///
/// Strict, because money is never guessed. Accepted: digits with an optional `£` before them,
/// commas only as thousands separators between groups of three (`1,250`, `12,345,678`), and an
/// optional `.` followed by 1 to `max_decimals` digits. Refused: `1,00` (a decimal comma),
/// `12,5`, `,100`, `1.`, `.5`, signs, spaces inside, exponents and anything else.
fn parse_decimal_pounds(input: &str, max_decimals: usize) -> Result<i128, String> {
    let text = input.trim();
    let text = text.strip_prefix('£').unwrap_or(text);
    if text.is_empty() {
        return Err("Enter an amount in pounds".into());
    }
    let malformed = || format!("Enter an amount in pounds, like 12.50 or 1,250.00 (not \"{input}\")");
    let (whole, fraction) = match text.split_once('.') {
        Some((_, "")) => return Err(malformed()),
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !fraction.is_empty() && !digits_only(fraction) {
        return Err(malformed());
    }
    // Thousands separators only between groups of three: "1,250" but never "1,00" or "12,5".
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = whole.contains(',');
    if !digits_only(first) || (grouped && first.len() > 3) || groups.any(|g| g.len() != 3 || !digits_only(g)) {
        return Err(malformed());
    }
    let whole: String = whole.chars().filter(|c| *c != ',').collect();
    if fraction.len() > max_decimals {
        return Err(format!("can have at most {max_decimals} decimal places"));
    }
    if whole.len() > 15 {
        return Err("is too large".into());
    }
    let whole: i128 = whole.parse().map_err(|_| "is too large".to_string())?;
    let fraction_micros: i128 = format!("{fraction:0<6}").parse().unwrap_or(0);
    Ok(whole * 1_000_000 + fraction_micros)
}

/// 5000 → "5,000".
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sub_penny_tariffs_are_exact() {
        let per_minute = UnitPrice::parse_pounds("0.0085").unwrap();
        assert_eq!(per_minute.micros(), 8_500);
        assert_eq!(per_minute.to_string(), "£0.0085");
        // 1,000 minutes at 0.85p is exactly £8.50.
        assert_eq!(per_minute.total_for(1_000), Some(Money::from_pence(850)));
        // 1 minute is 0.85p, which rounds half-up to 1p; 0.5p rounds up, 0.49p down.
        assert_eq!(per_minute.total_for(1), Some(Money::from_pence(1)));
        assert_eq!(
            UnitPrice::from_micros(5_000).unwrap().total_for(1),
            Some(Money::from_pence(1))
        );
        assert_eq!(UnitPrice::from_micros(4_999).unwrap().total_for(1), Some(Money::ZERO));
    }

    #[test]
    fn vat_is_rounded_half_up_to_the_penny() {
        assert_eq!(Money::from_pence(1_000).vat_at(20), Some(Money::from_pence(200)));
        assert_eq!(Money::from_pence(3).vat_at(20), Some(Money::from_pence(1))); // 0.6p
        assert_eq!(Money::from_pence(2).vat_at(20), Some(Money::ZERO)); // 0.4p
        assert_eq!(Money::from_pence(5).vat_at(10), Some(Money::from_pence(1)));
        // 0.5p
    }

    #[test]
    fn money_displays_in_pounds_with_grouping() {
        assert_eq!(Money::from_pounds(200_000_000).to_string(), "£200,000,000.00");
        assert_eq!(Money::from_pence(-1_05).to_string(), "-£1.05");
        assert_eq!(Money::from_pence(7).to_string(), "£0.07");
    }

    #[test]
    fn bad_prices_are_refused_with_the_field_named() {
        for bad in ["", "abc", "-1", "1.0000001", "1e5", "12.5.0"] {
            let err = UnitPrice::parse_pounds(bad).unwrap_err();
            assert_eq!(err.field, "unit_price", "{bad}");
        }
        assert!(UnitPrice::parse_pounds("10000000.01").is_err());
        assert_eq!(Money::parse_pounds("£1,234.56"), Ok(Money::from_pence(123_456)));
        assert!(Money::parse_pounds("1.234").is_err());
    }

    #[test]
    fn money_is_never_guessed() {
        for refused in [
            "1,00", "12,5", "1,0000", ",100", "1,", "1.", ".5", "-1", "+1", "1 000", "1e3", "£", "1.2.3", "1,000,00",
            "1234,567",
        ] {
            assert!(Money::parse_pounds(refused).is_err(), "{refused} was accepted");
            assert!(UnitPrice::parse_pounds(refused).is_err(), "{refused} was accepted");
        }
        for (accepted, pence) in [
            ("1,000", 100_000),
            ("£1,234.56", 123_456),
            ("12,345,678.9", 1_234_567_890),
            ("0.5", 50),
            ("100", 10_000),
        ] {
            assert_eq!(Money::parse_pounds(accepted).unwrap().pence(), pence, "{accepted}");
        }
    }

    proptest! {
        /// Any amount written with or without thousands separators reads back as itself.
        #[test]
        fn written_amounts_read_back_exactly(pence in 0i64..1_000_000_000_000) {
            let plain = format!("{}.{:02}", pence / 100, pence % 100);
            prop_assert_eq!(Money::parse_pounds(&plain).unwrap().pence(), pence);
            let display = Money::from_pence(pence).to_string();
            prop_assert_eq!(Money::parse_pounds(&display).unwrap().pence(), pence);
        }

        /// A comma anywhere but between groups of three digits is refused, never read as a
        /// decimal point or dropped.
        #[test]
        fn misplaced_commas_are_refused(whole in 1u32..1_000_000, digits in 1usize..=2) {
            let text = format!("{whole},{}", "0".repeat(digits));
            prop_assert!(Money::parse_pounds(&text).is_err());
        }


        #[test]
        fn parsing_a_displayed_price_gives_it_back(micros in 0i64..=UnitPrice::MAX_MICROS) {
            let price = UnitPrice::from_micros(micros).unwrap();
            prop_assert_eq!(UnitPrice::parse_pounds(&price.to_string()).unwrap(), price);
        }

        #[test]
        fn line_total_is_within_half_a_penny_of_the_exact_value(
            micros in 0i64..=UnitPrice::MAX_MICROS, count in 0u128..10_000_000,
        ) {
            let price = UnitPrice::from_micros(micros).unwrap();
            let exact = i128::from(micros) * i128::try_from(count).unwrap(); // millionths of a pound
            let total = price.total_for(count).unwrap().pence() as i128 * MICROS_PER_PENNY;
            // Half-up: the error lies in (-half a penny, +half a penny].
            prop_assert!(total - exact > -(MICROS_PER_PENNY / 2));
            prop_assert!(total - exact <= MICROS_PER_PENNY / 2);
        }

        #[test]
        fn rounding_once_never_loses_more_than_a_penny_per_line(
            a in 0i64..1_000_000_000, b in 0i64..1_000_000_000,
        ) {
            let sum = Money::from_pence(a).checked_add(Money::from_pence(b)).unwrap();
            prop_assert_eq!(sum.checked_sub(Money::from_pence(b)), Some(Money::from_pence(a)));
            let vat = sum.vat_at(STANDARD_VAT_PERCENT).unwrap().pence() as i128;
            let exact_times_100 = sum.pence() as i128 * 20;
            prop_assert!((vat * 100 - exact_times_100).abs() <= 50);
        }

        #[test]
        fn parsing_any_text_never_panics(text in "\\PC{0,30}") {
            let _ = UnitPrice::parse_pounds(&text);
            let _ = Money::parse_pounds(&text);
        }

        #[test]
        fn checked_arithmetic_reports_overflow(a in any::<i64>(), b in any::<i64>()) {
            let expected = a.checked_add(b);
            prop_assert_eq!(Money::from_pence(a).checked_add(Money::from_pence(b)).map(Money::pence), expected);
            prop_assert_eq!(Money::from_pence(a).checked_mul(b).map(Money::pence), a.checked_mul(b));
        }
    }
}
