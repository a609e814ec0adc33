//! A compiled image, mutated: the loader refuses it, or it behaves as the original.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(f) = wamr_diff::aot_image::check_aot_image(data) {
        panic!("{f}");
    }
});
