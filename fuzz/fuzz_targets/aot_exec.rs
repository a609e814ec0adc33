//! Arbitrary generated modules run in AOT (the mode from the first byte) with fuel and a
//! memory cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wamr_diff::EngineId;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    wamr_diff::exec::check_exec(rest, EngineId::AOT_MODES[usize::from(mode % 4)]);
});
