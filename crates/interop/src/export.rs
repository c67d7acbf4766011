//! Tables people download: cells, and CSV written so that a spreadsheet cannot mistake a cell
//! for a formula.

use calloff_domain::money::Money;

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// An amount, written in pounds with two decimals (`1234.50`): a number in XLSX.
    Pounds(Money),
    Empty,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    /// The cell as plain text, as CSV carries it (before formula protection).
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Pounds(money) => pounds(*money),
            Cell::Empty => String::new(),
        }
    }
}

/// An amount in pounds with two decimals and no symbol or separators: `-1234.05`.
pub fn pounds(money: Money) -> String {
    let pence = money.pence();
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, shift it into one) when they come first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text safe to open in a spreadsheet: a leading apostrophe when it would start a formula
/// (OWASP's advice on CSV injection). Amounts are written by us, so they are left as numbers.
pub fn formula_safe(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A CSV file (RFC 4180, UTF-8 without a byte-order mark) of `rows`, the first being the
/// header. Text cells are protected against formula injection.
pub fn csv(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        let record: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => formula_safe(text),
                other => other.plain(),
            })
            .collect();
        // Writing to a Vec cannot fail, and every row is written with its own length.
        let _ = writer.write_record(&record);
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_get_an_apostrophe() {
        for (given, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+44 20", "'+44 20"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Camden", "Camden"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(formula_safe(given), written, "{given:?}");
        }
    }

    #[test]
    fn csv_quotes_and_protects_text_but_not_amounts() {
        let rows = vec![
            vec![Cell::text("reference"), Cell::text("value")],
            vec![
                Cell::text("=1+1, \"quoted\""),
                Cell::Pounds(Money::from_pence(-123_405)),
            ],
            vec![Cell::Empty, Cell::Pounds(Money::from_pence(5))],
        ];
        let text = String::from_utf8(csv(&rows)).unwrap();
        assert_eq!(
            text,
            "reference,value\r\n\"'=1+1, \"\"quoted\"\"\",-1234.05\r\n,0.05\r\n"
        );
    }
}
