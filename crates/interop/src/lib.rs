//! Formats other systems speak: the CSV price list and organisation register that seed the demo,
//! and suppliers' price lists (CSV or XLSX) for catalogue imports.

pub mod csv_rows;
pub mod price_list;
