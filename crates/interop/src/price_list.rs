//! Supplier price lists for catalogue imports, as CSV or XLSX, read row by row.
//!
//! Columns (header names, any order, any case): `lot`, `sku`, `name`, `description`, `unit`,
//! `price_gbp_ex_vat`, `min_term_months`, `cpv`, and optionally `effective_from` (YYYY-MM-DD;
//! otherwise the import's date), `action` (`withdraw` to withdraw the SKU), `list_price_gbp` (the
//! off-framework price, to show savings), `quantity_tiers` (lower prices from a quantity on a line
//! up, like `100 = 3.50; 1000 = 3.00`) and `source` (ignored).
//! `../shared/data/catalogue.csv` is an example.

use crate::csv_rows::CellError;
use calamine::{Data, Reader};
use std::io::{Read, Seek};

pub const REQUIRED_COLUMNS: [&str; 8] = [
    "lot",
    "sku",
    "name",
    "description",
    "unit",
    "price_gbp_ex_vat",
    "min_term_months",
    "cpv",
];
pub const OPTIONAL_COLUMNS: [&str; 5] = ["effective_from", "action", "source", "list_price_gbp", "quantity_tiers"];

/// One row as written in the file (1-based row numbers; the header is row 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRow {
    pub row: usize,
    pub lot: String,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub unit: String,
    pub price: String,
    pub min_term_months: String,
    pub cpv: String,
    pub effective_from: String,
    pub action: String,
    /// The list (off-framework) price in pounds, if given.
    pub list_price: String,
    /// Quantity tiers as written; `None` when the file has no such column.
    pub quantity_tiers: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// XLSX files are ZIP archives and start with `PK`; anything else is read as CSV.
    pub fn sniff(first_bytes: &[u8]) -> Format {
        if first_bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// How far reading has got: bytes for CSV, rows for XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Where each column is, from the header row.
struct Columns([Option<usize>; 13]);

impl Columns {
    fn from_header<'a>(names: impl Iterator<Item = &'a str>) -> Result<Columns, Vec<CellError>> {
        let names: Vec<String> = names
            .map(|n| n.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let all: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .chain(OPTIONAL_COLUMNS.iter())
            .copied()
            .collect();
        let mut at = [None; 13];
        for (slot, column) in at.iter_mut().zip(&all) {
            *slot = names.iter().position(|n| n == column);
        }
        let missing: Vec<CellError> = REQUIRED_COLUMNS
            .iter()
            .zip(&at)
            .filter(|(_, at)| at.is_none())
            .map(|(column, _)| CellError {
                row: 1,
                column: column.to_string(),
                message: "this column is missing from the header row".into(),
            })
            .collect();
        if missing.is_empty() {
            Ok(Columns(at))
        } else {
            Err(missing)
        }
    }

    fn row(&self, row: usize, cell: impl Fn(usize) -> String) -> RawRow {
        let get = |i: usize| self.0[i].map(&cell).unwrap_or_default();
        RawRow {
            row,
            lot: get(0),
            sku: get(1),
            name: get(2),
            description: get(3),
            unit: get(4),
            price: get(5),
            min_term_months: get(6),
            cpv: get(7),
            effective_from: get(8),
            action: get(9),
            list_price: get(11),
            quantity_tiers: self.0[12].map(&cell),
        }
    }
}

/// Reads every row of a price list, calling `each` with it and how far reading has got.
/// Problems with the file itself (a missing column, a broken row) are returned by row and
/// column; rows that can be read are all passed on, so every error can be reported at once.
pub fn read<R: Read + Seek>(
    format: Format,
    input: R,
    size: u64,
    mut each: impl FnMut(RawRow, Progress),
) -> Result<(), Vec<CellError>> {
    match format {
        Format::Csv => read_csv(input, size, &mut each),
        Format::Xlsx => read_xlsx(input, &mut each),
    }
}

fn read_csv<R: Read>(input: R, size: u64, each: &mut impl FnMut(RawRow, Progress)) -> Result<(), Vec<CellError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = reader.headers().map_err(|e| {
        vec![CellError {
            row: 1,
            column: "header".into(),
            message: e.to_string(),
        }]
    })?;
    let columns = Columns::from_header(header.iter())?;
    let width = header.len();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1;
    loop {
        row += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) if record.len() != width => errors.push(CellError {
                row,
                column: "row".into(),
                message: format!("has {} fields but the header has {width}", record.len()),
            }),
            Ok(true) => {
                let progress = Progress {
                    done: reader.position().byte(),
                    total: size,
                };
                each(
                    columns.row(row, |i| record.get(i).unwrap_or_default().to_string()),
                    progress,
                );
            }
            Err(e) => errors.push(CellError {
                row,
                column: "row".into(),
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A spreadsheet cell as the text a CSV would hold.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel counts days from 30 December 1899.
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(excel_whole_days(d.as_f64())?)))
            .map(|date| date.to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The whole days of an Excel date serial, if it is a plausible one (under 100,000 days, before
/// the year 2173).
fn excel_whole_days(serial: f64) -> Option<i64> {
    const MAX_DAYS: f64 = 100_000.0;
    // In range (checked first), so the cast neither truncates past i64 nor loses a sign.
    #[allow(clippy::cast_possible_truncation)]
    (0.0..MAX_DAYS).contains(&serial).then(|| serial.floor() as i64)
}

fn read_xlsx<R: Read + Seek>(input: R, each: &mut impl FnMut(RawRow, Progress)) -> Result<(), Vec<CellError>> {
    let not_a_workbook = |message: String| {
        vec![CellError {
            row: 1,
            column: "file".into(),
            message,
        }]
    };
    let mut workbook: calamine::Xlsx<R> = calamine::open_workbook_from_rs(input)
        .map_err(|e| not_a_workbook(format!("is not a readable XLSX workbook: {e}")))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| not_a_workbook("has no worksheet".into()))?
        .map_err(|e| not_a_workbook(e.to_string()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let columns = Columns::from_header(header.iter().map(String::as_str))?;
    let total = u64::try_from(range.height()).unwrap_or(u64::MAX);
    for (i, cells) in rows.enumerate() {
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let row = i + 2;
        each(
            columns.row(row, |c| cells.get(c).map(cell_text).unwrap_or_default()),
            Progress {
                done: u64::try_from(row).unwrap_or(u64::MAX),
                total,
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn csv_columns_are_found_by_name_in_any_order() {
        let csv = "SKU,lot,name,description,unit,price_gbp_ex_vat,min_term_months,cpv,effective_from\n\
                   L9-A,9,A,An item,per month,1.50,12,72000000-5,2027-01-01\n";
        let mut rows = Vec::new();
        read(Format::Csv, Cursor::new(csv), csv.len() as u64, |r, p| {
            rows.push((r, p))
        })
        .unwrap();
        assert_eq!(rows.len(), 1);
        let (row, progress) = &rows[0];
        assert_eq!((row.row, row.sku.as_str(), row.lot.as_str()), (2, "L9-A", "9"));
        assert_eq!(row.effective_from, "2027-01-01");
        assert_eq!(progress.done, csv.len() as u64);
    }

    #[test]
    fn missing_columns_and_broken_rows_are_named() {
        let errors = read(Format::Csv, Cursor::new("sku,lot\nA,1\n"), 0, |_, _| {}).unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            columns,
            [
                "name",
                "description",
                "unit",
                "price_gbp_ex_vat",
                "min_term_months",
                "cpv"
            ]
        );
        let csv = "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv\n1,A,B\n";
        let errors = read(Format::Csv, Cursor::new(csv), 0, |_, _| {}).unwrap_err();
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "row"));
    }

    #[test]
    fn xlsx_is_recognised_by_its_signature() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(Format::sniff(b"lot,sku"), Format::Csv);
        let errors = read(
            Format::Xlsx,
            Cursor::new(b"PK\x03\x04not really".to_vec()),
            0,
            |_, _| {},
        )
        .unwrap_err();
        assert_eq!(errors[0].column, "file");
    }
}
