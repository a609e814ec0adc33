//! Lane functions with SSE2, which every x86-64 CPU has (the generic handler set). Each
//! computes exactly what the function of the same name in `wamr_common::simd` does.

use std::arch::x86_64::*;

/// A `u128` as a vector register value (lane 0 in the low bits in both).
#[inline(always)]
pub(crate) fn v(x: u128) -> __m128i {
    // SAFETY: both are 16 bytes of plain data with no invalid bit patterns.
    unsafe { std::mem::transmute::<u128, __m128i>(x) }
}

/// A vector register value as a `u128`.
#[inline(always)]
pub(crate) fn u(x: __m128i) -> u128 {
    // SAFETY: as for `v`.
    unsafe { std::mem::transmute::<__m128i, u128>(x) }
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn i8x16_add(a: u128, b: u128) -> u128 {
    u(_mm_add_epi8(v(a), v(b)))
}
