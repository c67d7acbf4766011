//! Formats other systems speak: the CSV price list and organisation register that seed the demo,
//! suppliers' price lists (CSV or XLSX) for catalogue imports, and downloads as CSV or XLSX.

pub mod csv_rows;
pub mod export;
pub mod price_list;
pub mod xlsx;
