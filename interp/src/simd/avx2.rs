//! Lane functions with SSSE3, SSE4.1 and SSE4.2 in their AVX (VEX) encodings: the avx2
//! handler set's, chosen at start-up when the CPU is x86-64-v3 (`avx2_supported`). Each
//! computes exactly what the function of the same name in `wamr_common::simd` does
//! (`tests/simd_sets.rs` checks it); what this module leaves out the set takes from the
//! SSE2 module, then from the portable functions.

use std::arch::x86_64::*;

use super::sse2::{u, v};

/// Defines lane functions whose body is an expression over the vector operands.
macro_rules! lanes {
    ($($name:ident($($a:ident),*) = $e:expr;)*) => {$(
        #[inline]
        #[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
        pub fn $name($($a: u128),*) -> u128 {
            $(let $a = v($a);)*
            u($e)
        }
    )*};
}

#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
fn not(x: __m128i) -> __m128i {
    _mm_xor_si128(x, _mm_set1_epi32(-1))
}

/// Byte indices `< 16` pick a byte; larger ones get the top bit set, which `pshufb`
/// turns into a zero byte.
#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
fn swizzle(a: __m128i, s: __m128i) -> __m128i {
    _mm_shuffle_epi8(a, _mm_adds_epu8(s, _mm_set1_epi8(0x70)))
}

/// `pmulhrsw` rounds as `q15mulr` does but gives 0x8000 for -1 x -1, the one product
/// out of range, which saturates to 0x7fff.
#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
fn q15mulr(a: __m128i, b: __m128i) -> __m128i {
    let r = _mm_mulhrs_epi16(a, b);
    _mm_xor_si128(r, _mm_cmpeq_epi16(r, _mm_set1_epi16(i16::MIN)))
}

/// Rounding: NaN lanes come out quiet with their payload, as the scalar operators'.
macro_rules! round {
    ($($ps:ident $pd:ident = $mode:expr;)*) => {$(
        #[inline]
        #[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
        pub fn $ps(a: u128) -> u128 {
            u(_mm_castps_si128(_mm_round_ps::<{ $mode | _MM_FROUND_NO_EXC }>(_mm_castsi128_ps(v(a)))))
        }
        #[inline]
        #[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
        pub fn $pd(a: u128) -> u128 {
            u(_mm_castpd_si128(_mm_round_pd::<{ $mode | _MM_FROUND_NO_EXC }>(_mm_castsi128_pd(v(a)))))
        }
    )*};
}

round! {
    f32x4_ceil f64x2_ceil = _MM_FROUND_TO_POS_INF;
    f32x4_floor f64x2_floor = _MM_FROUND_TO_NEG_INF;
    f32x4_trunc f64x2_trunc = _MM_FROUND_TO_ZERO;
    f32x4_nearest f64x2_nearest = _MM_FROUND_TO_NEAREST_INT;
}

lanes! {
    i8x16_swizzle(a, s) = swizzle(a, s);
    i8x16_relaxed_swizzle(a, s) = swizzle(a, s);
    i8x16_min_s(a, b) = _mm_min_epi8(a, b);
    i8x16_max_s(a, b) = _mm_max_epi8(a, b);
    i8x16_abs(a) = _mm_abs_epi8(a);
    // Bit counts of the low and high nibbles, looked up with `pshufb`.
    i8x16_popcnt(a) = {
        let table = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        let nibble = _mm_set1_epi8(0x0f);
        let low = _mm_shuffle_epi8(table, _mm_and_si128(a, nibble));
        let high = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(a, 4), nibble));
        _mm_add_epi8(low, high)
    };

    i16x8_min_u(a, b) = _mm_min_epu16(a, b);
    i16x8_max_u(a, b) = _mm_max_epu16(a, b);
    i16x8_abs(a) = _mm_abs_epi16(a);
    i16x8_q15mulr_sat_s(a, b) = q15mulr(a, b);
    i16x8_relaxed_q15mulr_s(a, b) = q15mulr(a, b);
    i16x8_narrow_i32x4_u(a, b) = _mm_packus_epi32(a, b);
    i16x8_extend_low_i8x16_s(a) = _mm_cvtepi8_epi16(a);
    i16x8_extend_high_i8x16_s(a) = _mm_cvtepi8_epi16(_mm_srli_si128(a, 8));
    i16x8_extend_low_i8x16_u(a) = _mm_cvtepu8_epi16(a);
    i16x8_extend_high_i8x16_u(a) = _mm_cvtepu8_epi16(_mm_srli_si128(a, 8));
    // `pmaddubsw` multiplies unsigned bytes of its first operand by signed bytes of its
    // second and adds pairs; with ones on one side nothing saturates.
    i16x8_extadd_pairwise_i8x16_u(a) = _mm_maddubs_epi16(a, _mm_set1_epi8(1));
    i16x8_extadd_pairwise_i8x16_s(a) = _mm_maddubs_epi16(_mm_set1_epi8(1), a);

    i32x4_mul(a, b) = _mm_mullo_epi32(a, b);
    i32x4_min_s(a, b) = _mm_min_epi32(a, b);
    i32x4_max_s(a, b) = _mm_max_epi32(a, b);
    i32x4_min_u(a, b) = _mm_min_epu32(a, b);
    i32x4_max_u(a, b) = _mm_max_epu32(a, b);
    i32x4_abs(a) = _mm_abs_epi32(a);
    i32x4_extend_low_i16x8_s(a) = _mm_cvtepi16_epi32(a);
    i32x4_extend_high_i16x8_s(a) = _mm_cvtepi16_epi32(_mm_srli_si128(a, 8));
    i32x4_extend_low_i16x8_u(a) = _mm_cvtepu16_epi32(a);
    i32x4_extend_high_i16x8_u(a) = _mm_cvtepu16_epi32(_mm_srli_si128(a, 8));

    i64x2_eq(a, b) = _mm_cmpeq_epi64(a, b);
    i64x2_ne(a, b) = not(_mm_cmpeq_epi64(a, b));
    i64x2_gt_s(a, b) = _mm_cmpgt_epi64(a, b);
    i64x2_lt_s(a, b) = _mm_cmpgt_epi64(b, a);
    i64x2_le_s(a, b) = not(_mm_cmpgt_epi64(a, b));
    i64x2_ge_s(a, b) = not(_mm_cmpgt_epi64(b, a));
    i64x2_extend_low_i32x4_s(a) = _mm_cvtepi32_epi64(a);
    i64x2_extend_high_i32x4_s(a) = _mm_cvtepi32_epi64(_mm_srli_si128(a, 8));
    i64x2_extend_low_i32x4_u(a) = _mm_cvtepu32_epi64(a);
    i64x2_extend_high_i32x4_u(a) = _mm_cvtepu32_epi64(_mm_srli_si128(a, 8));
    // `pmuldq` multiplies the signed low halves of the 64-bit lanes.
    i64x2_extmul_low_i32x4_s(a, b) = _mm_mul_epi32(
        _mm_shuffle_epi32(a, 0b01_01_00_00),
        _mm_shuffle_epi32(b, 0b01_01_00_00),
    );
    i64x2_extmul_high_i32x4_s(a, b) = _mm_mul_epi32(
        _mm_shuffle_epi32(a, 0b11_11_10_10),
        _mm_shuffle_epi32(b, 0b11_11_10_10),
    );
}

/// Lane `i` is byte `lanes[i]` of `a` then `b` (validated `< 32`): one `pshufb` per
/// operand, each zeroing the bytes the other supplies.
#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
pub fn i8x16_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let (a, b) = (v(a), v(b));
    let m = v(u128::from_le_bytes(lanes));
    let from_a = _mm_shuffle_epi8(a, _mm_adds_epu8(m, _mm_set1_epi8(0x70)));
    let from_b = _mm_shuffle_epi8(b, _mm_sub_epi8(m, _mm_set1_epi8(16)));
    u(_mm_or_si128(from_a, from_b))
}

#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
pub fn v128_any_true(a: u128) -> u32 {
    let a = v(a);
    u32::from(_mm_testz_si128(a, a) == 0)
}

#[inline]
#[target_feature(enable = "ssse3,sse4.1,sse4.2,avx,avx2")]
pub fn i64x2_all_true(a: u128) -> u32 {
    u32::from(_mm_movemask_epi8(_mm_cmpeq_epi64(v(a), _mm_setzero_si128())) == 0)
}
