//! Formats other systems speak. For now: the CSV price list and organisation register that seed
//! the demo (and, later, bulk import).

pub mod csv_rows;
