//! Date parsing: never a panic; whatever is accepted is in range and written back as given.
#![no_main]
use calloff_domain::calendar::{parse_date, EARLIEST_DATE, LATEST_DATE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    if let Ok(date) = parse_date(text) {
        assert!((EARLIEST_DATE..=LATEST_DATE).contains(&date), "{text}");
        assert_eq!(date.to_string(), text.trim());
        // Terms and indexation years added to any accepted date stay representable.
        assert!(date.checked_add_months(chrono::Months::new(48)).is_some());
    }
});
