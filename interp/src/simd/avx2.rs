//! Lane functions with SSE4.1, SSSE3 and AVX2 (the avx2 handler set, chosen at start-up
//! when the CPU has them). Each computes exactly what the function of the same name in
//! `wamr_common::simd` does.

use std::arch::x86_64::*;

use super::sse2::{u, v};

#[inline]
#[target_feature(enable = "sse4.1")]
pub fn i32x4_mul(a: u128, b: u128) -> u128 {
    u(_mm_mullo_epi32(v(a), v(b)))
}
