//! The Procurement Act notices each call-off needs (`domain::notices`), judged by the dated
//! thresholds kept in `data/procurement_thresholds.csv`.

use calloff_domain::notices::Thresholds;
use std::sync::OnceLock;

const THRESHOLDS_CSV: &str = include_str!("../data/procurement_thresholds.csv");

/// The thresholds file, read once. It is checked by the tests, so it always reads.
pub fn thresholds() -> &'static Thresholds {
    static THRESHOLDS: OnceLock<Thresholds> = OnceLock::new();
    THRESHOLDS.get_or_init(|| {
        Thresholds::parse(THRESHOLDS_CSV).unwrap_or_else(|errors| {
            tracing::error!(?errors, "the procurement thresholds file does not read");
            Thresholds::default()
        })
    })
}

/// The file's faults, if any (for the tests).
pub fn check_thresholds_file() -> Result<(), Vec<String>> {
    Thresholds::parse(THRESHOLDS_CSV).map(|_| ())
}
