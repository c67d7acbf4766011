//! Supplier price lists for catalogue imports, as CSV or XLSX, read row by row.
//!
//! Columns (header names, any order, any case): `lot`, `sku`, `name`, `description`, `unit`,
//! `price_gbp_ex_vat`, `min_term_months`, `cpv`, and optionally `effective_from` (YYYY-MM-DD;
//! otherwise the import's date), `action` (`withdraw` to withdraw the SKU), `list_price_gbp` (the
//! off-framework price, to show savings), `quantity_tiers` (lower prices from a quantity on a line
//! up, like `100 = 3.50; 1000 = 3.00`) and `source` (ignored).
//! `../shared/data/catalogue.csv` is an example.

use crate::csv_rows::CellError;
use crate::sheet;
pub use crate::sheet::{Format, Progress};
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

/// Reads every row of a price list, calling `each` with it and how far reading has got.
/// Problems with the file itself (a missing column, a broken row) are returned by row and
/// column; rows that can be read are all passed on, so every error can be reported at once.
pub fn read<R: Read + Seek>(
    format: Format,
    input: R,
    size: u64,
    mut each: impl FnMut(RawRow, Progress),
) -> Result<(), Vec<CellError>> {
    sheet::read(format, input, size, (&REQUIRED_COLUMNS, &OPTIONAL_COLUMNS), |r, at| {
        each(
            RawRow {
                row: r.row,
                lot: r.text(0),
                sku: r.text(1),
                name: r.text(2),
                description: r.text(3),
                unit: r.text(4),
                price: r.text(5),
                min_term_months: r.text(6),
                cpv: r.text(7),
                effective_from: r.text(8),
                action: r.text(9),
                list_price: r.text(11),
                quantity_tiers: r.get(12),
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
