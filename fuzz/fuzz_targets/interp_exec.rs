//! Arbitrary generated modules run in the interpreter with fuel and a memory cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wamr_diff::EngineId;

fuzz_target!(|data: &[u8]| {
    wamr_diff::exec::check_exec(data, EngineId::Interp);
});
