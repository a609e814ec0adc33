//! SIMD lane functions per handler set. Each module implements, with the instructions of
//! its CPU level, some of the lane functions of `wamr_common::simd` under the same names
//! and signatures; the build script reads which (`pub fn` names) and compiles a set's
//! handler only for those, taking the others from the set below it. The bytecode never
//! changes: a set is only a different table of handlers.
//!
//! - `sse2`: baseline x86-64 (every x86-64 CPU has SSE2); the generic set's lanes.
//! - `avx2`: x86-64-v3 (SSE4.1, SSSE3, AVX2), chosen at start-up when the CPU has it.
//! - the portable set calls `wamr_common::simd` itself, on every target.
//!
//! An aarch64 NEON module would be one more file here and one more set in the build
//! script's `Set`; nothing else changes. Every function is checked against
//! `wamr_common::simd` by `tests/simd_sets.rs` (proptest).

// # Safety (every function of both modules)
//
// Each is `#[target_feature]`: calling it is sound only on a CPU with its module's
// features, SSE2 (every x86-64 CPU) or those `crate::avx2_supported` checks. The
// handlers of a set run only where the set was chosen for the CPU, so the contract is
// stated here once rather than on some 200 functions.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::missing_safety_doc)]
pub mod avx2;
#[cfg(target_arch = "x86_64")]
#[allow(clippy::missing_safety_doc)]
pub mod sse2;

/// The generic set's lane functions.
#[cfg(target_arch = "x86_64")]
pub use sse2 as baseline;

#[cfg(not(target_arch = "x86_64"))]
pub mod baseline {
    pub use wamr_common::simd::*;
}

#[cfg(not(target_arch = "x86_64"))]
pub mod avx2 {
    pub use wamr_common::simd::*;
}
