//! MI returns uploaded as CSV or XLSX, read row by row (a CSV is streamed: only the current
//! record is held; an XLSX sheet is read by calamine, as for price lists).
//!
//! Columns (header names, any order, any case): `order_reference` (the call-off's reference),
//! `customer_org_id` (the buyer's org-id, like `GB-LAE-CMD`), `lot`, `sku`, `quantity`,
//! `unit_price_gbp` (excluding VAT, up to six decimal places), `value_gbp` (the line's value
//! excluding VAT), `invoice_number`, `invoice_date` (YYYY-MM-DD), and optionally `cpv` and
//! `vat_gbp`.

use crate::csv_rows::CellError;
use crate::price_list::{cell_text, Format, Progress};
use calamine::{Data, Reader};
use std::io::{Read, Seek};

pub const REQUIRED_COLUMNS: [&str; 9] = [
    "order_reference",
    "customer_org_id",
    "lot",
    "sku",
    "quantity",
    "unit_price_gbp",
    "value_gbp",
    "invoice_number",
    "invoice_date",
];
pub const OPTIONAL_COLUMNS: [&str; 2] = ["cpv", "vat_gbp"];
const ALL_COLUMNS: usize = REQUIRED_COLUMNS.len() + OPTIONAL_COLUMNS.len();

/// One row as written in the file: `row` is its row in the file (the header is row 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MiRow {
    pub row: usize,
    pub order_reference: String,
    pub customer_org_id: String,
    pub lot: String,
    pub sku: String,
    pub quantity: String,
    pub unit_price: String,
    pub value: String,
    pub invoice_number: String,
    pub invoice_date: String,
    pub cpv: String,
    pub vat: String,
}

/// Where each column is, from the header row.
struct Columns([Option<usize>; ALL_COLUMNS]);

impl Columns {
    fn from_header<'a>(names: impl Iterator<Item = &'a str>) -> Result<Columns, Vec<CellError>> {
        let names: Vec<String> = names
            .map(|n| n.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut at = [None; ALL_COLUMNS];
        for (slot, column) in at
            .iter_mut()
            .zip(REQUIRED_COLUMNS.iter().chain(OPTIONAL_COLUMNS.iter()))
        {
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

    fn row(&self, row: usize, cell: impl Fn(usize) -> String) -> MiRow {
        let get = |i: usize| self.0[i].map(&cell).unwrap_or_default();
        MiRow {
            row,
            order_reference: get(0),
            customer_org_id: get(1),
            lot: get(2),
            sku: get(3),
            quantity: get(4),
            unit_price: get(5),
            value: get(6),
            invoice_number: get(7),
            invoice_date: get(8),
            cpv: get(9),
            vat: get(10),
        }
    }
}

/// Reads every row, calling `each` with it and how far reading has got (bytes of a CSV, rows of
/// an XLSX). Problems with the file itself (a missing column, a broken row) are returned by row
/// and column; the rows that can be read are all passed on, so every error shows at once.
pub fn read<R: Read + Seek>(
    format: Format,
    input: R,
    size: u64,
    mut each: impl FnMut(MiRow, Progress),
) -> Result<(), Vec<CellError>> {
    match format {
        Format::Csv => read_csv(input, size, &mut each),
        Format::Xlsx => read_xlsx(input, &mut each),
    }
}

fn read_csv<R: Read>(input: R, size: u64, each: &mut impl FnMut(MiRow, Progress)) -> Result<(), Vec<CellError>> {
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

fn read_xlsx<R: Read + Seek>(input: R, each: &mut impl FnMut(MiRow, Progress)) -> Result<(), Vec<CellError>> {
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
    fn columns_are_found_by_name_and_optional_ones_may_be_missing() {
        let csv =
            "SKU,order_reference,customer_org_id,lot,quantity,unit_price_gbp,value_gbp,invoice_number,invoice_date\n\
                   L1-A,CO-1,GB-LAE-CMD,1,2,1.50,3.00,INV-1,2026-11-03\n";
        let mut rows = Vec::new();
        read(Format::Csv, Cursor::new(csv), csv.len() as u64, |r, _| rows.push(r)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].row, rows[0].sku.as_str(), rows[0].cpv.as_str()),
            (2, "L1-A", "")
        );
        assert_eq!(rows[0].invoice_date, "2026-11-03");
    }

    #[test]
    fn missing_columns_are_named() {
        let errors = read(Format::Csv, Cursor::new("sku,lot\nA,1\n"), 0, |_, _| {}).unwrap_err();
        assert_eq!(errors.len(), 7);
        assert!(errors.iter().all(|e| e.row == 1));
        assert_eq!(errors[0].column, "order_reference");
    }
}
