//! Every JSON body (and query string) of the API through its input contract: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    calloff_web::api::parse_as_every_body(bytes);
});
