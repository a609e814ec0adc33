//! Arbitrary bytes into our parser and validator: no panic, same verdict as wasmparser
//! (and wasmi accepts what we accept).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = wamr_diff::validate::check_validate(data) {
        panic!("{m}");
    }
});
