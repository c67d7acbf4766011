//! The UBL reader on any bytes: never a panic, and whatever it accepts the writer sends on and
//! reads back as itself.
#![no_main]
use calloff_interop::ubl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(document) = ubl::parse(bytes) {
        let xml = ubl::write(&document).unwrap_or_else(|e| panic!("read but not writable: {e:?}"));
        assert_eq!(ubl::parse(xml.as_bytes()).as_ref(), Ok(&document), "{xml}");
    }
});
