//! Personio record parsing under arbitrary JSON: it never panics, and whatever it accepts is a
//! well-formed employee.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    match connector_personio::parse_record(&value) {
        Ok(e) => assert!(!e.id.as_str().is_empty()),
        Err(rejected) => assert!(!rejected.reason.is_empty()),
    }
});
