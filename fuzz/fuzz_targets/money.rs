//! Money parsing: never a panic, and whatever is accepted reads back as itself from its display.
#![no_main]
use calloff_domain::money::{Money, UnitPrice};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    if let Ok(money) = Money::parse_pounds(text) {
        assert!(money.pence() >= 0, "{text} read as a negative amount");
        assert_eq!(Money::parse_pounds(&money.to_string()), Ok(money), "{text}");
    }
    if let Ok(price) = UnitPrice::parse_pounds(text) {
        assert_eq!(UnitPrice::parse_pounds(&price.to_string()).ok(), Some(price), "{text}");
    }
});
