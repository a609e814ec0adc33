//! `wamr-diff`: the engines check each other.
//!
//! One module, run the same way in the interpreter, in AOT in all four code generation
//! modes (direct/indirect calls × guard-page/explicit bounds checks) and in `wasmi` as a
//! third, independent opinion; everything observable is compared. This crate is the
//! single home of that logic: the `cargo test` runs in `diff/tests/`, the cargo-fuzz
//! targets in `fuzz/` and `wamr-run --mode diff` all call into it.
//!
//! - [`gen`]: wasm-smith configuration (features both engines support, the host imports
//!   of [`host`], fuel so every call ends) and the call plan (which exports, which
//!   arguments).
//! - [`run`]: running a module and its plan on one engine into an [`run::Observation`].
//! - [`compare`]: NaN-aware comparison of observations.
//! - [`differential`]: the `differential` target: generate, run everywhere, compare,
//!   minimise the plan and dump a reproduction on a difference.
//! - [`aot_image`]: the `aot_image` target: mutated images are refused or behave the same.
//! - [`validate`] and [`exec`]: the `validate`, `interp_exec` and `aot_exec` targets.
//! - [`export`]: [`export::diff_export`], the user-facing check behind `--mode diff`.

pub mod aot_image;
pub mod compare;
pub mod differential;
pub mod exec;
pub mod export;
pub mod gen;
pub mod host;
pub mod repro;
pub mod run;
pub mod validate;

pub use compare::{Difference, Value};
pub use differential::{check_differential, CaseOutcome, Divergence};
pub use export::{diff_export, DiffError, DiffReport};
pub use run::{EngineId, Observation};

/// A deterministic byte stream for seeded runs (xorshift64*): the CI tests feed the
/// fuzz targets' logic from this instead of libFuzzer.
pub fn seed_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    if x == 0 {
        x = 1;
    }
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}
