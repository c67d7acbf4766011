//! The sums a BIS document carries: line amounts, the VAT breakdown and the document totals, and
//! how amounts and prices are written as `xs:decimal` and read back.

use super::{Document, Line, VatCategory};
use calloff_domain::catalogue::Unit;
use calloff_domain::money::{Money, UnitPrice};
use std::collections::BTreeMap;

/// Digits a unit price may carry after the point (millionths of a pound).
const PRICE_DECIMALS: u32 = 6;

/// One VAT breakdown (BG-23): the lines of one category and rate, summed, and their VAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatSubtotal {
    pub category: VatCategory,
    /// BT-116: the sum of the category's line amounts.
    pub taxable: Money,
    /// BT-117: VAT on `taxable`, rounded half-up to the penny once (BR-CO-17).
    pub tax: Money,
}

/// Per VAT category and rate, on the sum of its lines, rounded once; ordered standard rates
/// (lowest first), zero-rated, exempt. Sums that would not fit in pence saturate; [`super::write`]
/// and [`super::parse`] bound line amounts so that accepted documents never get there.
pub fn vat_breakdown(lines: &[Line]) -> Vec<VatSubtotal> {
    let mut taxable: BTreeMap<&VatCategory, i128> = BTreeMap::new();
    for line in lines {
        *taxable.entry(&line.vat).or_default() += i128::from(line.value.pence());
    }
    taxable
        .into_iter()
        .map(|(category, sum)| {
            let taxable = saturate(sum);
            let tax = taxable
                .vat_at(i64::from(category.percent()))
                .unwrap_or_else(|| saturate(sum * i128::from(category.percent()) / 100));
            VatSubtotal {
                category: category.clone(),
                taxable,
                tax,
            }
        })
        .collect()
}

/// The document totals (BG-22). Without allowances, charges or prepayments the amount without
/// VAT is the sum of the lines, and the amount due is the amount with VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// BT-106.
    pub line_extension: Money,
    /// BT-109.
    pub tax_exclusive: Money,
    /// BT-110.
    pub tax: Money,
    /// BT-112.
    pub tax_inclusive: Money,
    /// BT-115.
    pub payable: Money,
}

impl Totals {
    pub fn of(document: &Document) -> Totals {
        let lines: i128 = document.lines.iter().map(|l| i128::from(l.value.pence())).sum();
        let tax: i128 = vat_breakdown(&document.lines)
            .iter()
            .map(|s| i128::from(s.tax.pence()))
            .sum();
        let line_extension = saturate(lines);
        let tax_inclusive = saturate(lines + tax);
        Totals {
            line_extension,
            tax_exclusive: line_extension,
            tax: saturate(tax),
            tax_inclusive,
            payable: tax_inclusive,
        }
    }
}

/// `quantity × price`, rounded half-up (away from zero) to the penny once, as the domain rounds
/// a line; `None` if it does not fit.
pub fn line_value(quantity: i64, price: UnitPrice) -> Option<Money> {
    let magnitude = price.total_for(u128::from(quantity.unsigned_abs()))?;
    if quantity < 0 {
        Money::ZERO.checked_sub(magnitude)
    } else {
        Some(magnitude)
    }
}

/// UN/ECE Recommendation 20 code for a catalogue unit. A recurring line charges months (of one
/// service, or of one user's service), so both per-month units are months.
pub fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::PerMonth | Unit::PerUserPerMonth => "MON",
        Unit::OneOff => "C62",
        Unit::PerMinute => "MIN",
        Unit::PerGb => "E34",
    }
}

fn saturate(value: i128) -> Money {
    Money::from_pence(i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX }))
}

/// An amount as `xs:decimal` with two decimals: "-1234.50".
pub(super) fn format_amount(money: Money) -> String {
    let pence = money.pence();
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A unit price with at least two decimals and at most the six it holds: "0.0085", "1650.00".
pub(super) fn format_price(price: UnitPrice) -> String {
    let micros = price.micros();
    let fraction = format!("{:06}", micros % 1_000_000);
    let fraction = fraction.trim_end_matches('0');
    format!("{}.{fraction:0<2}", micros / 1_000_000)
}

/// Digits an `xs:decimal` may have before we call it too large: more than any amount here.
const MAX_DECIMAL_DIGITS: usize = 24;

/// Reads an `xs:decimal` ("-12.5", "+3", "1200.00") as an integer count of `10^-decimals`,
/// refusing more decimals than that (non-zero ones included) rather than rounding.
pub(super) fn parse_decimal(text: &str, decimals: u32) -> Result<i128, String> {
    let malformed = || format!("\"{text}\" is not a decimal number");
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(malformed());
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(format!("\"{text}\" has more than {decimals} decimal places"));
    }
    if whole.len() > MAX_DECIMAL_DIGITS {
        return Err(format!("\"{text}\" is too large"));
    }
    let scale = 10i128.pow(decimals);
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| malformed())?
    };
    let fraction: i128 = match fraction {
        "" => 0,
        digits => format!("{digits:0<width$}", width = decimals as usize)
            .parse()
            .map_err(|_| malformed())?,
    };
    let value = whole.checked_mul(scale).and_then(|w| w.checked_add(fraction));
    let value = value.ok_or_else(|| format!("\"{text}\" is too large"))?;
    Ok(if negative { -value } else { value })
}

/// An amount in pence from an `xs:decimal` with at most two decimals, within `MAX_LINE_PENCE`
/// times `MAX_LINES` (larger than any sum an accepted document holds).
pub(super) fn parse_amount(text: &str) -> Result<Money, String> {
    let pence = parse_decimal(text, 2)?;
    let limit = i128::from(super::MAX_LINE_PENCE) * super::MAX_LINES as i128;
    if pence.abs() > limit {
        return Err(format!("\"{text}\" is too large"));
    }
    i64::try_from(pence)
        .map(Money::from_pence)
        .map_err(|_| format!("\"{text}\" is too large"))
}

/// A unit price from an `xs:decimal` with at most six decimals, not negative (BR-27).
pub(super) fn parse_price(text: &str) -> Result<UnitPrice, String> {
    let micros = parse_decimal(text, PRICE_DECIMALS)?;
    if micros < 0 {
        return Err(format!("\"{text}\" is negative; a net price may not be (BR-27)"));
    }
    let micros = i64::try_from(micros).map_err(|_| format!("\"{text}\" is too large"))?;
    UnitPrice::from_micros(micros).map_err(|e| format!("\"{text}\" {}", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_exactly_or_not_at_all() {
        assert_eq!(parse_decimal("1200", 2), Ok(120_000));
        assert_eq!(parse_decimal("-12.5", 2), Ok(-1_250));
        assert_eq!(parse_decimal("+0.10", 2), Ok(10));
        assert_eq!(parse_decimal("3.1400", 2), Ok(314));
        assert_eq!(parse_decimal("20", 0), Ok(20));
        assert_eq!(parse_decimal("20.000", 0), Ok(20));
        assert!(parse_decimal("12.5", 0).is_err());
        assert!(parse_decimal("1.005", 2).is_err());
        for bad in ["", "-", ".", "1e3", "1,000", "--1", "1.2.3", " 1 2"] {
            assert!(parse_decimal(bad, 2).is_err(), "{bad}");
        }
        assert_eq!(parse_decimal(".5", 2), Ok(50));
    }

    #[test]
    fn prices_keep_their_precision() {
        let price = |m| UnitPrice::from_micros(m).unwrap();
        assert_eq!(format_price(price(8_500)), "0.0085");
        assert_eq!(format_price(price(1_650_000_000)), "1650.00");
        assert_eq!(format_price(price(1_500_000)), "1.50");
        assert_eq!(format_price(price(1_234_567)), "1.234567");
        assert_eq!(parse_price("0.0085"), Ok(price(8_500)));
        assert!(parse_price("0.0000001").is_err());
        assert_eq!(format_amount(Money::from_pence(-5)), "-0.05");
    }

    #[test]
    fn a_line_rounds_half_up_once_either_side_of_zero() {
        let half_penny = UnitPrice::from_micros(5_000).unwrap();
        assert_eq!(line_value(1, half_penny), Some(Money::from_pence(1)));
        assert_eq!(line_value(-1, half_penny), Some(Money::from_pence(-1)));
        assert_eq!(line_value(3, half_penny), Some(Money::from_pence(2)));
    }
}
