//! A wasm-smith module and call plan, run in the interpreter, AOT (4 modes) and wasmi;
//! any difference panics with the report and the reproduction's path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(d) = wamr_diff::check_differential(data) {
        panic!("{d}");
    }
});
