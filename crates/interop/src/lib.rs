//! Formats other systems speak: the CSV price list and organisation register that seed the demo,
//! suppliers' price lists (CSV or XLSX) for catalogue imports, downloads as CSV or XLSX, and
//! PEPPOL BIS Billing 3.0 invoices and credit notes (UBL 2.1), and OCDS 1.1.5 releases.

pub mod csv_rows;
pub mod export;
pub mod mi_file;
pub mod ocds;
pub mod price_list;
pub mod sheet;
pub mod ubl;
pub mod xlsx;
