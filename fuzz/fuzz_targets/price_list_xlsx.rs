//! The price-list importer on any bytes read as an XLSX workbook: never a panic.
#![no_main]
use calloff_interop::price_list::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    calloff_app::imports::check_offline(Format::Xlsx, bytes, today);
});
