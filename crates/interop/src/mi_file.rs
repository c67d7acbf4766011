//! MI returns uploaded as CSV or XLSX, read row by row (a CSV is streamed: only the current
//! record is held; an XLSX sheet is read by calamine), as `sheet` reads every spreadsheet.
//!
//! Columns (header names, any order, any case): `order_reference` (the call-off's reference),
//! `customer_org_id` (the buyer's org-id, like `GB-LAE-CMD`), `lot`, `sku`, `quantity`,
//! `unit_price_gbp` (excluding VAT, up to six decimal places), `value_gbp` (the line's value
//! excluding VAT), `invoice_number`, `invoice_date` (YYYY-MM-DD), and optionally `cpv` and
//! `vat_gbp`.

use crate::csv_rows::CellError;
use crate::sheet::{self, Format, Progress};
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

/// Reads every row, calling `each` with it and how far reading has got (bytes of a CSV, rows of
/// an XLSX). Problems with the file itself (a missing column, a broken row) are returned by row
/// and column; the rows that can be read are all passed on, so every error shows at once.
pub fn read<R: Read + Seek>(
    format: Format,
    input: R,
    size: u64,
    mut each: impl FnMut(MiRow, Progress),
) -> Result<(), Vec<CellError>> {
    sheet::read(format, input, size, (&REQUIRED_COLUMNS, &OPTIONAL_COLUMNS), |r, at| {
        each(
            MiRow {
                row: r.row,
                order_reference: r.text(0),
                customer_org_id: r.text(1),
                lot: r.text(2),
                sku: r.text(3),
                quantity: r.text(4),
                unit_price: r.text(5),
                value: r.text(6),
                invoice_number: r.text(7),
                invoice_date: r.text(8),
                cpv: r.text(9),
                vat: r.text(10),
            },
            at,
        )
    })
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
