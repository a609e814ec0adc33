//! Lane functions with SSE2, which every x86-64 CPU has (the generic handler set). Each
//! computes exactly what the function of the same name in `wamr_common::simd` does
//! (`tests/simd_sets.rs` checks it); a lane operation SSE2 has no good instruction for
//! (8-bit multiplies, 64-bit comparisons, rounding, byte shuffles) is left to the
//! portable function. Every function is `#[target_feature(enable = "sse2")]` so the
//! intrinsics are callable; SSE2 is part of the x86-64 baseline, so that holds on every
//! CPU this code runs on.

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

/// Defines lane functions whose body is an expression over the vector operands (already
/// converted with [`v`]); the result is converted back with [`u`].
macro_rules! lanes {
    ($($name:ident($($a:ident),*) = $e:expr;)*) => {$(
        #[inline]
        #[target_feature(enable = "sse2")]
        pub fn $name($($a: u128),*) -> u128 {
            $(let $a = v($a);)*
            u($e)
        }
    )*};
}

#[inline]
#[target_feature(enable = "sse2")]
fn ones() -> __m128i {
    _mm_set1_epi32(-1)
}

#[inline]
#[target_feature(enable = "sse2")]
fn not(x: __m128i) -> __m128i {
    _mm_xor_si128(x, ones())
}

/// Flips each lane's sign bit (unsigned comparisons through signed ones).
#[inline]
#[target_feature(enable = "sse2")]
fn flip8(x: __m128i) -> __m128i {
    _mm_xor_si128(x, _mm_set1_epi8(i8::MIN))
}

#[inline]
#[target_feature(enable = "sse2")]
fn flip16(x: __m128i) -> __m128i {
    _mm_xor_si128(x, _mm_set1_epi16(i16::MIN))
}

#[inline]
#[target_feature(enable = "sse2")]
fn flip32(x: __m128i) -> __m128i {
    _mm_xor_si128(x, _mm_set1_epi32(i32::MIN))
}

/// A shift count as SSE2's shifts take it (the low 64 bits of a register).
#[inline]
#[target_feature(enable = "sse2")]
fn count(n: u32, bits: u32) -> __m128i {
    _mm_cvtsi32_si128((n % bits) as i32)
}

#[inline]
#[target_feature(enable = "sse2")]
fn ps(x: __m128i) -> __m128 {
    _mm_castsi128_ps(x)
}

#[inline]
#[target_feature(enable = "sse2")]
fn pd(x: __m128i) -> __m128d {
    _mm_castsi128_pd(x)
}

#[inline]
#[target_feature(enable = "sse2")]
fn ips(x: __m128) -> __m128i {
    _mm_castps_si128(x)
}

#[inline]
#[target_feature(enable = "sse2")]
fn ipd(x: __m128d) -> __m128i {
    _mm_castpd_si128(x)
}

/// `mask ? a : b`, bit by bit.
#[inline]
#[target_feature(enable = "sse2")]
fn select(mask: __m128i, a: __m128i, b: __m128i) -> __m128i {
    _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b))
}

lanes! {
    v128_not(a) = not(a);
    v128_and(a, b) = _mm_and_si128(a, b);
    v128_andnot(a, b) = _mm_andnot_si128(b, a);
    v128_or(a, b) = _mm_or_si128(a, b);
    v128_xor(a, b) = _mm_xor_si128(a, b);
    v128_bitselect(a, b, c) = select(c, a, b);
    i8x16_relaxed_laneselect(a, b, c) = select(c, a, b);
    i16x8_relaxed_laneselect(a, b, c) = select(c, a, b);
    i32x4_relaxed_laneselect(a, b, c) = select(c, a, b);
    i64x2_relaxed_laneselect(a, b, c) = select(c, a, b);

    i8x16_add(a, b) = _mm_add_epi8(a, b);
    i8x16_sub(a, b) = _mm_sub_epi8(a, b);
    i8x16_add_sat_s(a, b) = _mm_adds_epi8(a, b);
    i8x16_add_sat_u(a, b) = _mm_adds_epu8(a, b);
    i8x16_sub_sat_s(a, b) = _mm_subs_epi8(a, b);
    i8x16_sub_sat_u(a, b) = _mm_subs_epu8(a, b);
    i8x16_min_u(a, b) = _mm_min_epu8(a, b);
    i8x16_max_u(a, b) = _mm_max_epu8(a, b);
    i8x16_avgr_u(a, b) = _mm_avg_epu8(a, b);
    i8x16_neg(a) = _mm_sub_epi8(_mm_setzero_si128(), a);
    i8x16_abs(a) = {
        let m = _mm_cmpgt_epi8(_mm_setzero_si128(), a);
        _mm_sub_epi8(_mm_xor_si128(a, m), m)
    };
    i8x16_eq(a, b) = _mm_cmpeq_epi8(a, b);
    i8x16_ne(a, b) = not(_mm_cmpeq_epi8(a, b));
    i8x16_lt_s(a, b) = _mm_cmplt_epi8(a, b);
    i8x16_gt_s(a, b) = _mm_cmpgt_epi8(a, b);
    i8x16_le_s(a, b) = not(_mm_cmpgt_epi8(a, b));
    i8x16_ge_s(a, b) = not(_mm_cmplt_epi8(a, b));
    i8x16_lt_u(a, b) = _mm_cmplt_epi8(flip8(a), flip8(b));
    i8x16_gt_u(a, b) = _mm_cmpgt_epi8(flip8(a), flip8(b));
    i8x16_le_u(a, b) = _mm_cmpeq_epi8(_mm_min_epu8(a, b), a);
    i8x16_ge_u(a, b) = _mm_cmpeq_epi8(_mm_max_epu8(a, b), a);
    i8x16_narrow_i16x8_s(a, b) = _mm_packs_epi16(a, b);
    i8x16_narrow_i16x8_u(a, b) = _mm_packus_epi16(a, b);

    i16x8_add(a, b) = _mm_add_epi16(a, b);
    i16x8_sub(a, b) = _mm_sub_epi16(a, b);
    i16x8_mul(a, b) = _mm_mullo_epi16(a, b);
    i16x8_add_sat_s(a, b) = _mm_adds_epi16(a, b);
    i16x8_add_sat_u(a, b) = _mm_adds_epu16(a, b);
    i16x8_sub_sat_s(a, b) = _mm_subs_epi16(a, b);
    i16x8_sub_sat_u(a, b) = _mm_subs_epu16(a, b);
    i16x8_min_s(a, b) = _mm_min_epi16(a, b);
    i16x8_max_s(a, b) = _mm_max_epi16(a, b);
    i16x8_avgr_u(a, b) = _mm_avg_epu16(a, b);
    i16x8_neg(a) = _mm_sub_epi16(_mm_setzero_si128(), a);
    i16x8_abs(a) = {
        let m = _mm_srai_epi16(a, 15);
        _mm_sub_epi16(_mm_xor_si128(a, m), m)
    };
    i16x8_eq(a, b) = _mm_cmpeq_epi16(a, b);
    i16x8_ne(a, b) = not(_mm_cmpeq_epi16(a, b));
    i16x8_lt_s(a, b) = _mm_cmplt_epi16(a, b);
    i16x8_gt_s(a, b) = _mm_cmpgt_epi16(a, b);
    i16x8_le_s(a, b) = not(_mm_cmpgt_epi16(a, b));
    i16x8_ge_s(a, b) = not(_mm_cmplt_epi16(a, b));
    i16x8_lt_u(a, b) = _mm_cmplt_epi16(flip16(a), flip16(b));
    i16x8_gt_u(a, b) = _mm_cmpgt_epi16(flip16(a), flip16(b));
    i16x8_le_u(a, b) = not(_mm_cmpgt_epi16(flip16(a), flip16(b)));
    i16x8_ge_u(a, b) = not(_mm_cmplt_epi16(flip16(a), flip16(b)));
    i16x8_narrow_i32x4_s(a, b) = _mm_packs_epi32(a, b);
    i16x8_extend_low_i8x16_s(a) = _mm_srai_epi16(_mm_unpacklo_epi8(a, a), 8);
    i16x8_extend_high_i8x16_s(a) = _mm_srai_epi16(_mm_unpackhi_epi8(a, a), 8);
    i16x8_extend_low_i8x16_u(a) = _mm_unpacklo_epi8(a, _mm_setzero_si128());
    i16x8_extend_high_i8x16_u(a) = _mm_unpackhi_epi8(a, _mm_setzero_si128());
    i16x8_extmul_low_i8x16_s(a, b) = _mm_mullo_epi16(
        _mm_srai_epi16(_mm_unpacklo_epi8(a, a), 8),
        _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8),
    );
    i16x8_extmul_high_i8x16_s(a, b) = _mm_mullo_epi16(
        _mm_srai_epi16(_mm_unpackhi_epi8(a, a), 8),
        _mm_srai_epi16(_mm_unpackhi_epi8(b, b), 8),
    );
    i16x8_extmul_low_i8x16_u(a, b) = _mm_mullo_epi16(
        _mm_unpacklo_epi8(a, _mm_setzero_si128()),
        _mm_unpacklo_epi8(b, _mm_setzero_si128()),
    );
    i16x8_extmul_high_i8x16_u(a, b) = _mm_mullo_epi16(
        _mm_unpackhi_epi8(a, _mm_setzero_si128()),
        _mm_unpackhi_epi8(b, _mm_setzero_si128()),
    );
    i16x8_extadd_pairwise_i8x16_s(a) =
        _mm_add_epi16(_mm_srai_epi16(_mm_slli_epi16(a, 8), 8), _mm_srai_epi16(a, 8));
    i16x8_extadd_pairwise_i8x16_u(a) =
        _mm_add_epi16(_mm_and_si128(a, _mm_set1_epi16(0xff)), _mm_srli_epi16(a, 8));

    i32x4_add(a, b) = _mm_add_epi32(a, b);
    i32x4_sub(a, b) = _mm_sub_epi32(a, b);
    i32x4_neg(a) = _mm_sub_epi32(_mm_setzero_si128(), a);
    i32x4_abs(a) = {
        let m = _mm_srai_epi32(a, 31);
        _mm_sub_epi32(_mm_xor_si128(a, m), m)
    };
    i32x4_eq(a, b) = _mm_cmpeq_epi32(a, b);
    i32x4_ne(a, b) = not(_mm_cmpeq_epi32(a, b));
    i32x4_lt_s(a, b) = _mm_cmplt_epi32(a, b);
    i32x4_gt_s(a, b) = _mm_cmpgt_epi32(a, b);
    i32x4_le_s(a, b) = not(_mm_cmpgt_epi32(a, b));
    i32x4_ge_s(a, b) = not(_mm_cmplt_epi32(a, b));
    i32x4_lt_u(a, b) = _mm_cmplt_epi32(flip32(a), flip32(b));
    i32x4_gt_u(a, b) = _mm_cmpgt_epi32(flip32(a), flip32(b));
    i32x4_le_u(a, b) = not(_mm_cmpgt_epi32(flip32(a), flip32(b)));
    i32x4_ge_u(a, b) = not(_mm_cmplt_epi32(flip32(a), flip32(b)));
    i32x4_dot_i16x8_s(a, b) = _mm_madd_epi16(a, b);
    i32x4_extend_low_i16x8_s(a) = _mm_srai_epi32(_mm_unpacklo_epi16(a, a), 16);
    i32x4_extend_high_i16x8_s(a) = _mm_srai_epi32(_mm_unpackhi_epi16(a, a), 16);
    i32x4_extend_low_i16x8_u(a) = _mm_unpacklo_epi16(a, _mm_setzero_si128());
    i32x4_extend_high_i16x8_u(a) = _mm_unpackhi_epi16(a, _mm_setzero_si128());
    i32x4_extmul_low_i16x8_s(a, b) = _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b));
    i32x4_extmul_high_i16x8_s(a, b) = _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b));
    i32x4_extmul_low_i16x8_u(a, b) = _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b));
    i32x4_extmul_high_i16x8_u(a, b) = _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b));
    i32x4_extadd_pairwise_i16x8_s(a) = _mm_madd_epi16(a, _mm_set1_epi16(1));
    // Biased to signed, summed in pairs, the bias (2 x 32768) added back.
    i32x4_extadd_pairwise_i16x8_u(a) =
        _mm_add_epi32(_mm_madd_epi16(flip16(a), _mm_set1_epi16(1)), _mm_set1_epi32(0x1_0000));
    i32x4_trunc_sat_f32x4_s(a) = {
        let r = _mm_cvttps_epi32(ps(a));
        // Out of range gives 0x8000_0000: flipped to 0x7fff_ffff where the input was
        // too large, and NaN lanes zeroed.
        let over = ips(_mm_cmpge_ps(ps(a), _mm_set1_ps(2_147_483_648.0)));
        _mm_and_si128(_mm_xor_si128(r, over), ips(_mm_cmpord_ps(ps(a), ps(a))))
    };
    i32x4_relaxed_trunc_f32x4_s(a) = {
        let r = _mm_cvttps_epi32(ps(a));
        let over = ips(_mm_cmpge_ps(ps(a), _mm_set1_ps(2_147_483_648.0)));
        _mm_and_si128(_mm_xor_si128(r, over), ips(_mm_cmpord_ps(ps(a), ps(a))))
    };
    i32x4_trunc_sat_f64x2_s_zero(a) = trunc_sat_pd(a);
    i32x4_relaxed_trunc_f64x2_s_zero(a) = trunc_sat_pd(a);

    i64x2_add(a, b) = _mm_add_epi64(a, b);
    i64x2_sub(a, b) = _mm_sub_epi64(a, b);
    i64x2_neg(a) = _mm_sub_epi64(_mm_setzero_si128(), a);
    i64x2_abs(a) = {
        let m = _mm_shuffle_epi32(_mm_srai_epi32(a, 31), 0b11_11_01_01);
        _mm_sub_epi64(_mm_xor_si128(a, m), m)
    };
    // low x low + (high x low + low x high) << 32, each product of 32-bit halves.
    i64x2_mul(a, b) = {
        let low = _mm_mul_epu32(a, b);
        let cross = _mm_add_epi64(
            _mm_mul_epu32(_mm_srli_epi64(a, 32), b),
            _mm_mul_epu32(a, _mm_srli_epi64(b, 32)),
        );
        _mm_add_epi64(low, _mm_slli_epi64(cross, 32))
    };
    i64x2_extend_low_i32x4_s(a) = _mm_unpacklo_epi32(a, _mm_srai_epi32(a, 31));
    i64x2_extend_high_i32x4_s(a) = _mm_unpackhi_epi32(a, _mm_srai_epi32(a, 31));
    i64x2_extend_low_i32x4_u(a) = _mm_unpacklo_epi32(a, _mm_setzero_si128());
    i64x2_extend_high_i32x4_u(a) = _mm_unpackhi_epi32(a, _mm_setzero_si128());
    i64x2_extmul_low_i32x4_u(a, b) = _mm_mul_epu32(
        _mm_shuffle_epi32(a, 0b01_01_00_00),
        _mm_shuffle_epi32(b, 0b01_01_00_00),
    );
    i64x2_extmul_high_i32x4_u(a, b) = _mm_mul_epu32(
        _mm_shuffle_epi32(a, 0b11_11_10_10),
        _mm_shuffle_epi32(b, 0b11_11_10_10),
    );

    f32x4_add(a, b) = ips(_mm_add_ps(ps(a), ps(b)));
    f32x4_sub(a, b) = ips(_mm_sub_ps(ps(a), ps(b)));
    f32x4_mul(a, b) = ips(_mm_mul_ps(ps(a), ps(b)));
    f32x4_div(a, b) = ips(_mm_div_ps(ps(a), ps(b)));
    f32x4_sqrt(a) = ips(_mm_sqrt_ps(ps(a)));
    f32x4_abs(a) = _mm_and_si128(a, _mm_set1_epi32(i32::MAX));
    f32x4_neg(a) = _mm_xor_si128(a, _mm_set1_epi32(i32::MIN));
    f32x4_eq(a, b) = ips(_mm_cmpeq_ps(ps(a), ps(b)));
    f32x4_ne(a, b) = ips(_mm_cmpneq_ps(ps(a), ps(b)));
    f32x4_lt(a, b) = ips(_mm_cmplt_ps(ps(a), ps(b)));
    f32x4_gt(a, b) = ips(_mm_cmpgt_ps(ps(a), ps(b)));
    f32x4_le(a, b) = ips(_mm_cmple_ps(ps(a), ps(b)));
    f32x4_ge(a, b) = ips(_mm_cmpge_ps(ps(a), ps(b)));
    // `b < a ? b : a` and `a < b ? b : a`: `minps x, y` is `x < y ? x : y`.
    f32x4_pmin(a, b) = ips(_mm_min_ps(ps(b), ps(a)));
    f32x4_pmax(a, b) = ips(_mm_max_ps(ps(b), ps(a)));
    f32x4_min(a, b) = fmin_ps(a, b);
    f32x4_max(a, b) = fmax_ps(a, b);
    f32x4_relaxed_min(a, b) = fmin_ps(a, b);
    f32x4_relaxed_max(a, b) = fmax_ps(a, b);
    f32x4_convert_i32x4_s(a) = ips(_mm_cvtepi32_ps(a));
    // The high and low 16 bits converted exactly, then one rounding in the sum.
    f32x4_convert_i32x4_u(a) = {
        let high = _mm_cvtepi32_ps(_mm_srli_epi32(a, 16));
        let low = _mm_cvtepi32_ps(_mm_and_si128(a, _mm_set1_epi32(0xffff)));
        ips(_mm_add_ps(_mm_mul_ps(high, _mm_set1_ps(65536.0)), low))
    };
    f32x4_demote_f64x2_zero(a) = ips(_mm_cvtpd_ps(pd(a)));

    f64x2_add(a, b) = ipd(_mm_add_pd(pd(a), pd(b)));
    f64x2_sub(a, b) = ipd(_mm_sub_pd(pd(a), pd(b)));
    f64x2_mul(a, b) = ipd(_mm_mul_pd(pd(a), pd(b)));
    f64x2_div(a, b) = ipd(_mm_div_pd(pd(a), pd(b)));
    f64x2_sqrt(a) = ipd(_mm_sqrt_pd(pd(a)));
    f64x2_abs(a) = _mm_and_si128(a, _mm_set1_epi64x(i64::MAX));
    f64x2_neg(a) = _mm_xor_si128(a, _mm_set1_epi64x(i64::MIN));
    f64x2_eq(a, b) = ipd(_mm_cmpeq_pd(pd(a), pd(b)));
    f64x2_ne(a, b) = ipd(_mm_cmpneq_pd(pd(a), pd(b)));
    f64x2_lt(a, b) = ipd(_mm_cmplt_pd(pd(a), pd(b)));
    f64x2_gt(a, b) = ipd(_mm_cmpgt_pd(pd(a), pd(b)));
    f64x2_le(a, b) = ipd(_mm_cmple_pd(pd(a), pd(b)));
    f64x2_ge(a, b) = ipd(_mm_cmpge_pd(pd(a), pd(b)));
    f64x2_pmin(a, b) = ipd(_mm_min_pd(pd(b), pd(a)));
    f64x2_pmax(a, b) = ipd(_mm_max_pd(pd(b), pd(a)));
    f64x2_min(a, b) = fmin_pd(a, b);
    f64x2_max(a, b) = fmax_pd(a, b);
    f64x2_relaxed_min(a, b) = fmin_pd(a, b);
    f64x2_relaxed_max(a, b) = fmax_pd(a, b);
    f64x2_convert_low_i32x4_s(a) = ipd(_mm_cvtepi32_pd(a));
    f64x2_promote_low_f32x4(a) = ipd(_mm_cvtps_pd(ps(a)));
}

/// `i32x4.trunc_sat_f64x2_s_zero`: out of range gives 0x8000_0000, flipped where the
/// input was too large; NaN lanes zeroed.
#[inline]
#[target_feature(enable = "sse2")]
fn trunc_sat_pd(a: __m128i) -> __m128i {
    let r = _mm_cvttpd_epi32(pd(a));
    let over = narrow_mask(_mm_cmpge_pd(pd(a), _mm_set1_pd(2_147_483_648.0)));
    _mm_and_si128(
        _mm_xor_si128(r, over),
        narrow_mask(_mm_cmpord_pd(pd(a), pd(a))),
    )
}

/// Two 64-bit lane masks as 32-bit lanes 0 and 1 (lanes 2 and 3 zero).
#[inline]
#[target_feature(enable = "sse2")]
fn narrow_mask(m: __m128d) -> __m128i {
    _mm_move_epi64(_mm_shuffle_epi32(ipd(m), 0b00_00_10_00))
}

/// Shifts: the count is the i32 operand modulo the lane width.
macro_rules! shifts {
    ($($name:ident = $shift:ident, $bits:literal;)*) => {$(
        #[inline]
        #[target_feature(enable = "sse2")]
        pub fn $name(a: u128, n: u32) -> u128 {
            u($shift(v(a), count(n, $bits)))
        }
    )*};
}

shifts! {
    i16x8_shl = _mm_sll_epi16, 16;
    i16x8_shr_s = _mm_sra_epi16, 16;
    i16x8_shr_u = _mm_srl_epi16, 16;
    i32x4_shl = _mm_sll_epi32, 32;
    i32x4_shr_s = _mm_sra_epi32, 32;
    i32x4_shr_u = _mm_srl_epi32, 32;
    i64x2_shl = _mm_sll_epi64, 64;
    i64x2_shr_u = _mm_srl_epi64, 64;
}

/// 8-bit lanes shift as 16-bit ones, the bits that crossed a lane masked off.
#[inline]
#[target_feature(enable = "sse2")]
pub fn i8x16_shl(a: u128, n: u32) -> u128 {
    let n = n % 8;
    let shifted = _mm_sll_epi16(v(a), _mm_cvtsi32_si128(n as i32));
    u(_mm_and_si128(shifted, _mm_set1_epi8((0xffu8 << n) as i8)))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn i8x16_shr_u(a: u128, n: u32) -> u128 {
    let n = n % 8;
    let shifted = _mm_srl_epi16(v(a), _mm_cvtsi32_si128(n as i32));
    u(_mm_and_si128(shifted, _mm_set1_epi8((0xffu8 >> n) as i8)))
}

/// Each byte in the high half of a 16-bit lane, shifted arithmetically, packed back.
#[inline]
#[target_feature(enable = "sse2")]
pub fn i8x16_shr_s(a: u128, n: u32) -> u128 {
    let a = v(a);
    let by = _mm_cvtsi32_si128((n % 8 + 8) as i32);
    let low = _mm_sra_epi16(_mm_unpacklo_epi8(a, a), by);
    let high = _mm_sra_epi16(_mm_unpackhi_epi8(a, a), by);
    u(_mm_packs_epi16(low, high))
}

/// `fmin` of `wamr_common::numeric` per lane: NaN if either is (the second operand's,
/// quieted, when it is one), `-0` below `+0`.
#[inline]
#[target_feature(enable = "sse2")]
fn fmin_ps(a: __m128i, b: __m128i) -> __m128i {
    let (x, y) = (ps(a), ps(b));
    // Either order gives the minimum of ordered lanes; OR-ing them picks -0 of a zero pair.
    let min = _mm_or_ps(_mm_min_ps(x, y), _mm_min_ps(y, x));
    nan_ps(x, y, min)
}

#[inline]
#[target_feature(enable = "sse2")]
fn fmax_ps(a: __m128i, b: __m128i) -> __m128i {
    let (x, y) = (ps(a), ps(b));
    // AND-ing picks +0 of a zero pair.
    let max = _mm_and_ps(_mm_max_ps(x, y), _mm_max_ps(y, x));
    nan_ps(x, y, max)
}

/// `ordered` where neither lane is NaN; else the quieted NaN of `y`, or of `x`.
#[inline]
#[target_feature(enable = "sse2")]
fn nan_ps(x: __m128, y: __m128, ordered: __m128) -> __m128i {
    let y_nan = _mm_cmpunord_ps(y, y);
    let nan = _mm_or_ps(
        _mm_or_ps(_mm_and_ps(y_nan, y), _mm_andnot_ps(y_nan, x)),
        _mm_castsi128_ps(_mm_set1_epi32(0x0040_0000)),
    );
    let either = _mm_cmpunord_ps(x, y);
    ips(_mm_or_ps(
        _mm_and_ps(either, nan),
        _mm_andnot_ps(either, ordered),
    ))
}

#[inline]
#[target_feature(enable = "sse2")]
fn fmin_pd(a: __m128i, b: __m128i) -> __m128i {
    let (x, y) = (pd(a), pd(b));
    let min = _mm_or_pd(_mm_min_pd(x, y), _mm_min_pd(y, x));
    nan_pd(x, y, min)
}

#[inline]
#[target_feature(enable = "sse2")]
fn fmax_pd(a: __m128i, b: __m128i) -> __m128i {
    let (x, y) = (pd(a), pd(b));
    let max = _mm_and_pd(_mm_max_pd(x, y), _mm_max_pd(y, x));
    nan_pd(x, y, max)
}

#[inline]
#[target_feature(enable = "sse2")]
fn nan_pd(x: __m128d, y: __m128d, ordered: __m128d) -> __m128i {
    let y_nan = _mm_cmpunord_pd(y, y);
    let nan = _mm_or_pd(
        _mm_or_pd(_mm_and_pd(y_nan, y), _mm_andnot_pd(y_nan, x)),
        _mm_castsi128_pd(_mm_set1_epi64x(0x0008_0000_0000_0000)),
    );
    let either = _mm_cmpunord_pd(x, y);
    ipd(_mm_or_pd(
        _mm_and_pd(either, nan),
        _mm_andnot_pd(either, ordered),
    ))
}

/// Tests: an i32 from a vector.
macro_rules! tests {
    ($($name:ident($a:ident) = $e:expr;)*) => {$(
        #[inline]
        #[target_feature(enable = "sse2")]
        pub fn $name($a: u128) -> u32 {
            let $a = v($a);
            $e
        }
    )*};
}

tests! {
    v128_any_true(a) = u32::from(_mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_setzero_si128())) != 0xffff);
    i8x16_all_true(a) = u32::from(_mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_setzero_si128())) == 0);
    i16x8_all_true(a) = u32::from(_mm_movemask_epi8(_mm_cmpeq_epi16(a, _mm_setzero_si128())) == 0);
    i32x4_all_true(a) = u32::from(_mm_movemask_epi8(_mm_cmpeq_epi32(a, _mm_setzero_si128())) == 0);
    i8x16_bitmask(a) = _mm_movemask_epi8(a) as u32;
    i16x8_bitmask(a) = (_mm_movemask_epi8(_mm_packs_epi16(a, _mm_setzero_si128())) & 0xff) as u32;
    i32x4_bitmask(a) = _mm_movemask_ps(ps(a)) as u32;
    i64x2_bitmask(a) = _mm_movemask_pd(pd(a)) as u32;
}

/// Splats: every lane the scalar (integers truncated to the lane).
#[inline]
#[target_feature(enable = "sse2")]
pub fn i8x16_splat(x: u32) -> u128 {
    u(_mm_set1_epi8(x as i8))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn i16x8_splat(x: u32) -> u128 {
    u(_mm_set1_epi16(x as i16))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn i32x4_splat(x: u32) -> u128 {
    u(_mm_set1_epi32(x as i32))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn i64x2_splat(x: u64) -> u128 {
    u(_mm_set1_epi64x(x as i64))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn f32x4_splat(x: f32) -> u128 {
    u(ips(_mm_set1_ps(x)))
}

#[inline]
#[target_feature(enable = "sse2")]
pub fn f64x2_splat(x: f64) -> u128 {
    u(ipd(_mm_set1_pd(x)))
}
