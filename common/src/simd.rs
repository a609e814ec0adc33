//! The semantics of wasm's 128-bit SIMD operators (the `simd` proposal, Wasm 2.0) and of
//! the relaxed-SIMD operators (Wasm 3.0) as plain Rust functions: one definition each,
//! for the interpreter's portable handlers, the AOT engine's runtime intrinsics, constant
//! folding, and as the reference that architecture-specific handlers are tested against.
//!
//! # Representation
//!
//! A `v128` is a `u128` with little-endian lanes: lane 0 is the low bits, as
//! [`Val::V128`](crate::Val::V128) holds it. `lanes_*` views a vector as an array of
//! lanes and `from_*` builds one back (`lanes_i16x8`/`from_i16x8`, `lanes_f32x4`/...).
//! Scalar operands and results use the types [`semantics`](crate::semantics) uses:
//! `u32`/`u64` for integers, `f32`/`f64` for floats; lane indices are `u8`.
//!
//! Every operator is named after its wasm instruction with `.` replaced by `_`
//! (`i16x8.add_sat_s` is [`i16x8_add_sat_s`]). The generated ones are listed by name in
//! the macro invocations below, so `grep` finds each.
//!
//! # Lane indices
//!
//! The lane immediates of `extract_lane`, `replace_lane` and `i8x16.shuffle` are checked by
//! the validator (`< lane count`, `< 32` for shuffle). These functions `debug_assert!` it
//! and mask the index in release builds: no input makes them panic.
//!
//! # Floats
//!
//! Each float lane is computed by the scalar operator of [`semantics`](crate::semantics),
//! so a vector lane and the scalar operator agree bit for bit, with one latitude:
//! arithmetic (`add`, `sub`, `mul`, `div`, `sqrt`) gives the host's NaN, and which input's
//! payload a two-NaN operation keeps is the compiler's choice (it may swap the operands
//! of a commutative operation when it vectorises): some arithmetic NaN, as the spec
//! allows, which the engines' differential tests compare as such. `min`/`max` follow
//! [`numeric::fmin`](crate::numeric::fmin)/[`fmax`](crate::numeric::fmax), rounding
//! quiets a signalling NaN and keeps its payload. `abs` and `neg` work on the sign bit
//! (payloads pass unchanged). `pmin(a, b)` is `b < a ? b : a` and `pmax(a, b)` is
//! `a < b ? b : a`: one input is returned unchanged, NaN or not. Float-to-integer
//! conversions saturate and map NaN to 0.
//!
//! # Memory operators
//!
//! Memory access belongs to the engines; the lane parts of the SIMD loads are here:
//! [`v128_load8x8_s`] and friends extend the 8 loaded bytes, [`v128_load32_zero`] and
//! [`v128_load64_zero`] zero-extend; `v128.loadN_splat` is the `splat` of the loaded
//! scalar, `v128.loadN_lane` its `replace_lane` and `v128.storeN_lane` stores an
//! `extract_lane` (the unsigned form for 8 and 16 bits).
//!
//! # Relaxed SIMD: the deterministic choice
//!
//! Each relaxed operator gives the one result the spec's *deterministic profile* defines
//! (Wasm 3.0, `exec/numerics.rst`, "Relaxed operations": the rule without the
//! non-deterministic marker; `exec/instructions.rst` for the dot products):
//!
//! | operator | result |
//! | --- | --- |
//! | `i8x16.relaxed_swizzle` | [`i8x16_swizzle`]: an index `>= 16` gives 0 |
//! | `i32x4.relaxed_trunc_f32x4_s` | [`i32x4_trunc_sat_f32x4_s`] |
//! | `i32x4.relaxed_trunc_f32x4_u` | [`i32x4_trunc_sat_f32x4_u`] |
//! | `i32x4.relaxed_trunc_f64x2_s_zero` | [`i32x4_trunc_sat_f64x2_s_zero`] |
//! | `i32x4.relaxed_trunc_f64x2_u_zero` | [`i32x4_trunc_sat_f64x2_u_zero`] |
//! | `f32x4.relaxed_madd`, `f64x2.relaxed_madd` | fused `a * b + c`, one rounding (`mul_add`) |
//! | `f32x4.relaxed_nmadd`, `f64x2.relaxed_nmadd` | fused `(-a) * b + c`, one rounding |
//! | `i8x16/i16x8/i32x4/i64x2.relaxed_laneselect` | [`v128_bitselect`] |
//! | `f32x4.relaxed_min`, `f64x2.relaxed_min` | [`f32x4_min`], [`f64x2_min`] |
//! | `f32x4.relaxed_max`, `f64x2.relaxed_max` | [`f32x4_max`], [`f64x2_max`] |
//! | `i16x8.relaxed_q15mulr_s` | [`i16x8_q15mulr_sat_s`] |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s` | both operands signed `i8`; each pair of products summed and saturated to `i16` |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s` | the `i16` sums above, sign-extended, added in pairs, plus `c` (wrapping) |

use crate::semantics as s;

// ---------------------------------------------------------------------------------------
// Lane views
// ---------------------------------------------------------------------------------------

macro_rules! int_views {
    ($($lanes:ident $from:ident: [$t:ty; $n:literal];)*) => {$(
        #[doc = concat!("The lanes of `v` as `[", stringify!($t), "; ", stringify!($n), "]`, lane 0 first (the low bits).")]
        #[inline(always)]
        pub fn $lanes(v: u128) -> [$t; $n] {
            // Through little-endian bytes: on a little-endian target this is a plain
            // reinterpretation, which the compiler sees (a loop of shifts it did not).
            const W: usize = 16 / $n;
            let bytes = v.to_le_bytes();
            std::array::from_fn(|i| {
                let mut lane = [0u8; W];
                lane.copy_from_slice(&bytes[i * W..(i + 1) * W]);
                <$t>::from_le_bytes(lane)
            })
        }
        #[doc = concat!("The vector whose lanes are `l` (the inverse of [`", stringify!($lanes), "`]).")]
        #[inline(always)]
        pub fn $from(l: [$t; $n]) -> u128 {
            const W: usize = 16 / $n;
            let mut bytes = [0u8; 16];
            for (i, x) in l.iter().enumerate() {
                bytes[i * W..(i + 1) * W].copy_from_slice(&x.to_le_bytes());
            }
            u128::from_le_bytes(bytes)
        }
    )*};
}

int_views! {
    lanes_i8x16 from_i8x16: [i8; 16];
    lanes_u8x16 from_u8x16: [u8; 16];
    lanes_i16x8 from_i16x8: [i16; 8];
    lanes_u16x8 from_u16x8: [u16; 8];
    lanes_i32x4 from_i32x4: [i32; 4];
    lanes_u32x4 from_u32x4: [u32; 4];
    lanes_i64x2 from_i64x2: [i64; 2];
    lanes_u64x2 from_u64x2: [u64; 2];
}

macro_rules! float_views {
    ($($lanes:ident $from:ident: [$t:ty; $n:literal] via $bits:ident $from_bits:ident;)*) => {$(
        #[doc = concat!("The lanes of `v` as `[", stringify!($t), "; ", stringify!($n), "]` (bit patterns kept, NaN payloads included).")]
        #[inline(always)]
        pub fn $lanes(v: u128) -> [$t; $n] {
            $bits(v).map(<$t>::from_bits)
        }
        #[doc = concat!("The vector whose lanes are `l` (the inverse of [`", stringify!($lanes), "`]).")]
        #[inline(always)]
        pub fn $from(l: [$t; $n]) -> u128 {
            $from_bits(l.map(<$t>::to_bits))
        }
    )*};
}

float_views! {
    lanes_f32x4 from_f32x4: [f32; 4] via lanes_u32x4 from_u32x4;
    lanes_f64x2 from_f64x2: [f64; 2] via lanes_u64x2 from_u64x2;
}

/// A comparison's lane result: all ones for true, zero for false.
#[inline(always)]
fn mask<T: Default + std::ops::Not<Output = T>>(c: bool) -> T {
    if c {
        !T::default()
    } else {
        T::default()
    }
}

/// Lane-wise unary operators: `name(a) = expr` computes each lane of the result from the
/// lane `a` of the operand seen through `view`, and `build` assembles the result.
macro_rules! unary {
    ($view:ident => $build:ident { $($(#[$m:meta])* $name:ident($a:ident) = $e:expr;)* }) => {$(
        $(#[$m])*
        #[inline(always)]
        pub fn $name(v: u128) -> u128 {
            let v = $view(v);
            $build(std::array::from_fn(|i| {
                let $a = v[i];
                $e
            }))
        }
    )*};
}

/// Lane-wise binary operators, as [`unary!`] with the lanes `a` and `b` of both operands.
macro_rules! binary {
    ($view:ident => $build:ident { $($(#[$m:meta])* $name:ident($a:ident, $b:ident) = $e:expr;)* }) => {$(
        $(#[$m])*
        #[inline(always)]
        pub fn $name(x: u128, y: u128) -> u128 {
            let (x, y) = ($view(x), $view(y));
            $build(std::array::from_fn(|i| {
                let ($a, $b) = (x[i], y[i]);
                $e
            }))
        }
    )*};
}

// ---------------------------------------------------------------------------------------
// v128 bitwise
// ---------------------------------------------------------------------------------------

#[inline(always)]
pub fn v128_not(a: u128) -> u128 {
    !a
}
#[inline(always)]
pub fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}
/// `a & !b`.
#[inline(always)]
pub fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}
#[inline(always)]
pub fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}
#[inline(always)]
pub fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}
/// The bits of `a` where `c` is 1, those of `b` where it is 0.
#[inline(always)]
pub fn v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
    (a & c) | (b & !c)
}
/// 1 if any bit is set.
#[inline(always)]
pub fn v128_any_true(a: u128) -> u32 {
    u32::from(a != 0)
}

// ---------------------------------------------------------------------------------------
// splat, extract_lane, replace_lane
// ---------------------------------------------------------------------------------------

macro_rules! lane_access {
    ($($splat:ident $replace:ident($x:ty): $t:ty, $n:literal, $from:ident, $bits:expr;)*) => {$(
        /// Every lane set to the scalar (an integer operand is truncated to the lane width).
        #[inline(always)]
        pub fn $splat(x: $x) -> u128 {
            $from([x as $t; $n])
        }
        /// Lane `lane` set to the scalar (validated `< lane count`; masked in release).
        /// Shifts and masks rather than an array of lanes: the index is a run-time value.
        #[inline(always)]
        pub fn $replace(v: u128, lane: u8, x: $x) -> u128 {
            debug_assert!(usize::from(lane) < $n, "lane {lane} out of range");
            let width = 128 / $n;
            let shift = (u32::from(lane) & ($n - 1)) * width;
            let mask = u128::MAX >> (128 - width);
            let bits: u128 = $bits(x);
            (v & !(mask << shift)) | ((bits & mask) << shift)
        }
    )*};
}

lane_access! {
    i8x16_splat i8x16_replace_lane(u32): u8, 16, from_u8x16, u128::from;
    i16x8_splat i16x8_replace_lane(u32): u16, 8, from_u16x8, u128::from;
    i32x4_splat i32x4_replace_lane(u32): u32, 4, from_u32x4, u128::from;
    i64x2_splat i64x2_replace_lane(u64): u64, 2, from_u64x2, u128::from;
    f32x4_splat f32x4_replace_lane(f32): f32, 4, from_f32x4, |x: f32| u128::from(x.to_bits());
    f64x2_splat f64x2_replace_lane(f64): f64, 2, from_f64x2, |x: f64| u128::from(x.to_bits());
}

macro_rules! extract_lane {
    ($($name:ident -> $r:ty: $lane:ty, $n:literal;)*) => {$(
        /// Lane `lane` (validated `< lane count`; masked in release), extended to the result.
        #[inline(always)]
        pub fn $name(v: u128, lane: u8) -> $r {
            debug_assert!(usize::from(lane) < $n, "lane {lane} out of range");
            let shift = (u32::from(lane) & ($n - 1)) * (128 / $n);
            <$lane>::from_lane_bits(v >> shift) as $r
        }
    )*};
}

/// A lane's value from the low bits of a `u128`.
trait FromLaneBits {
    fn from_lane_bits(bits: u128) -> Self;
}

macro_rules! from_lane_bits {
    ($($t:ty => |$b:ident| $e:expr;)*) => {$(
        impl FromLaneBits for $t {
            #[inline(always)]
            fn from_lane_bits($b: u128) -> Self {
                $e
            }
        }
    )*};
}

from_lane_bits! {
    i8 => |b| b as i8;
    u8 => |b| b as u8;
    i16 => |b| b as i16;
    u16 => |b| b as u16;
    u32 => |b| b as u32;
    u64 => |b| b as u64;
    f32 => |b| f32::from_bits(b as u32);
    f64 => |b| f64::from_bits(b as u64);
}

extract_lane! {
    i8x16_extract_lane_s -> i32: i8, 16;
    i8x16_extract_lane_u -> u32: u8, 16;
    i16x8_extract_lane_s -> i32: i16, 8;
    i16x8_extract_lane_u -> u32: u16, 8;
    i32x4_extract_lane -> u32: u32, 4;
    i64x2_extract_lane -> u64: u64, 2;
    f32x4_extract_lane -> f32: f32, 4;
    f64x2_extract_lane -> f64: f64, 2;
}

// ---------------------------------------------------------------------------------------
// shuffle, swizzle
// ---------------------------------------------------------------------------------------

/// Lane `i` of the result is byte `lanes[i]` of the 32 bytes `a` then `b` (indices are
/// validated `< 32`; masked in release).
#[inline(always)]
pub fn i8x16_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    debug_assert!(lanes.iter().all(|&i| i < 32), "shuffle lanes {lanes:?}");
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&a.to_le_bytes());
    bytes[16..].copy_from_slice(&b.to_le_bytes());
    u128::from_le_bytes(lanes.map(|i| bytes[usize::from(i & 31)]))
}

/// Lane `i` of the result is lane `s[i]` of `a`, or 0 where `s[i] >= 16`.
#[inline(always)]
pub fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    let a = lanes_u8x16(a);
    from_u8x16(lanes_u8x16(s).map(|j| a.get(usize::from(j)).copied().unwrap_or(0)))
}

// ---------------------------------------------------------------------------------------
// Integer arithmetic
// ---------------------------------------------------------------------------------------

binary!(lanes_u8x16 => from_u8x16 {
    i8x16_add(a, b) = a.wrapping_add(b);
    i8x16_sub(a, b) = a.wrapping_sub(b);
    i8x16_add_sat_u(a, b) = a.saturating_add(b);
    i8x16_sub_sat_u(a, b) = a.saturating_sub(b);
    i8x16_min_u(a, b) = a.min(b);
    i8x16_max_u(a, b) = a.max(b);
    /// `(a + b + 1) / 2`, without overflow.
    i8x16_avgr_u(a, b) = ((u16::from(a) + u16::from(b) + 1) >> 1) as u8;
    i8x16_eq(a, b) = mask(a == b);
    i8x16_ne(a, b) = mask(a != b);
    i8x16_lt_u(a, b) = mask(a < b);
    i8x16_gt_u(a, b) = mask(a > b);
    i8x16_le_u(a, b) = mask(a <= b);
    i8x16_ge_u(a, b) = mask(a >= b);
});

binary!(lanes_i8x16 => from_i8x16 {
    i8x16_add_sat_s(a, b) = a.saturating_add(b);
    i8x16_sub_sat_s(a, b) = a.saturating_sub(b);
    i8x16_min_s(a, b) = a.min(b);
    i8x16_max_s(a, b) = a.max(b);
    i8x16_lt_s(a, b) = mask(a < b);
    i8x16_gt_s(a, b) = mask(a > b);
    i8x16_le_s(a, b) = mask(a <= b);
    i8x16_ge_s(a, b) = mask(a >= b);
});

unary!(lanes_i8x16 => from_i8x16 {
    /// `abs(-128)` is -128.
    i8x16_abs(a) = a.wrapping_abs();
    i8x16_neg(a) = a.wrapping_neg();
});

unary!(lanes_u8x16 => from_u8x16 {
    i8x16_popcnt(a) = a.count_ones() as u8;
});

binary!(lanes_u16x8 => from_u16x8 {
    i16x8_add(a, b) = a.wrapping_add(b);
    i16x8_sub(a, b) = a.wrapping_sub(b);
    i16x8_mul(a, b) = a.wrapping_mul(b);
    i16x8_add_sat_u(a, b) = a.saturating_add(b);
    i16x8_sub_sat_u(a, b) = a.saturating_sub(b);
    i16x8_min_u(a, b) = a.min(b);
    i16x8_max_u(a, b) = a.max(b);
    /// `(a + b + 1) / 2`, without overflow.
    i16x8_avgr_u(a, b) = ((u32::from(a) + u32::from(b) + 1) >> 1) as u16;
    i16x8_eq(a, b) = mask(a == b);
    i16x8_ne(a, b) = mask(a != b);
    i16x8_lt_u(a, b) = mask(a < b);
    i16x8_gt_u(a, b) = mask(a > b);
    i16x8_le_u(a, b) = mask(a <= b);
    i16x8_ge_u(a, b) = mask(a >= b);
});

binary!(lanes_i16x8 => from_i16x8 {
    i16x8_add_sat_s(a, b) = a.saturating_add(b);
    i16x8_sub_sat_s(a, b) = a.saturating_sub(b);
    i16x8_min_s(a, b) = a.min(b);
    i16x8_max_s(a, b) = a.max(b);
    i16x8_lt_s(a, b) = mask(a < b);
    i16x8_gt_s(a, b) = mask(a > b);
    i16x8_le_s(a, b) = mask(a <= b);
    i16x8_ge_s(a, b) = mask(a >= b);
    /// Q15 multiplication, rounded: `(a * b + 0x4000) >> 15`, saturated (only
    /// `-0x8000 * -0x8000` overflows, to `0x7fff`).
    i16x8_q15mulr_sat_s(a, b) =
        ((i32::from(a) * i32::from(b) + 0x4000) >> 15).clamp(i16::MIN.into(), i16::MAX.into()) as i16;
});

unary!(lanes_i16x8 => from_i16x8 {
    /// `abs(-32768)` is -32768.
    i16x8_abs(a) = a.wrapping_abs();
    i16x8_neg(a) = a.wrapping_neg();
});

binary!(lanes_u32x4 => from_u32x4 {
    i32x4_add(a, b) = s::i32_add(a, b);
    i32x4_sub(a, b) = s::i32_sub(a, b);
    i32x4_mul(a, b) = s::i32_mul(a, b);
    i32x4_min_u(a, b) = a.min(b);
    i32x4_max_u(a, b) = a.max(b);
    i32x4_eq(a, b) = mask(a == b);
    i32x4_ne(a, b) = mask(a != b);
    i32x4_lt_u(a, b) = mask(a < b);
    i32x4_gt_u(a, b) = mask(a > b);
    i32x4_le_u(a, b) = mask(a <= b);
    i32x4_ge_u(a, b) = mask(a >= b);
});

binary!(lanes_i32x4 => from_i32x4 {
    i32x4_min_s(a, b) = a.min(b);
    i32x4_max_s(a, b) = a.max(b);
    i32x4_lt_s(a, b) = mask(a < b);
    i32x4_gt_s(a, b) = mask(a > b);
    i32x4_le_s(a, b) = mask(a <= b);
    i32x4_ge_s(a, b) = mask(a >= b);
});

unary!(lanes_i32x4 => from_i32x4 {
    /// `abs(i32::MIN)` is `i32::MIN`.
    i32x4_abs(a) = a.wrapping_abs();
    i32x4_neg(a) = a.wrapping_neg();
});

binary!(lanes_u64x2 => from_u64x2 {
    i64x2_add(a, b) = s::i64_add(a, b);
    i64x2_sub(a, b) = s::i64_sub(a, b);
    i64x2_mul(a, b) = s::i64_mul(a, b);
    i64x2_eq(a, b) = mask(a == b);
    i64x2_ne(a, b) = mask(a != b);
});

binary!(lanes_i64x2 => from_i64x2 {
    i64x2_lt_s(a, b) = mask(a < b);
    i64x2_gt_s(a, b) = mask(a > b);
    i64x2_le_s(a, b) = mask(a <= b);
    i64x2_ge_s(a, b) = mask(a >= b);
});

unary!(lanes_i64x2 => from_i64x2 {
    /// `abs(i64::MIN)` is `i64::MIN`.
    i64x2_abs(a) = a.wrapping_abs();
    i64x2_neg(a) = a.wrapping_neg();
});

// ---------------------------------------------------------------------------------------
// Shifts: the count is the i32 operand taken modulo the lane width
// ---------------------------------------------------------------------------------------

macro_rules! shifts {
    ($($shl:ident $shr_s:ident $shr_u:ident: $bits:literal, $lu:ident $fu:ident $ls:ident $fs:ident;)*) => {$(
        /// Shift left; the count is taken modulo the lane width.
        #[inline(always)]
        pub fn $shl(v: u128, n: u32) -> u128 {
            $fu($lu(v).map(|a| a << (n % $bits)))
        }
        /// Arithmetic shift right; the count is taken modulo the lane width.
        #[inline(always)]
        pub fn $shr_s(v: u128, n: u32) -> u128 {
            $fs($ls(v).map(|a| a >> (n % $bits)))
        }
        /// Logical shift right; the count is taken modulo the lane width.
        #[inline(always)]
        pub fn $shr_u(v: u128, n: u32) -> u128 {
            $fu($lu(v).map(|a| a >> (n % $bits)))
        }
    )*};
}

shifts! {
    i8x16_shl i8x16_shr_s i8x16_shr_u: 8, lanes_u8x16 from_u8x16 lanes_i8x16 from_i8x16;
    i16x8_shl i16x8_shr_s i16x8_shr_u: 16, lanes_u16x8 from_u16x8 lanes_i16x8 from_i16x8;
    i32x4_shl i32x4_shr_s i32x4_shr_u: 32, lanes_u32x4 from_u32x4 lanes_i32x4 from_i32x4;
    i64x2_shl i64x2_shr_s i64x2_shr_u: 64, lanes_u64x2 from_u64x2 lanes_i64x2 from_i64x2;
}

// ---------------------------------------------------------------------------------------
// all_true, bitmask
// ---------------------------------------------------------------------------------------

macro_rules! reductions {
    ($($all_true:ident $bitmask:ident: $lanes:ident;)*) => {$(
        /// 1 if every lane is non-zero.
        #[inline(always)]
        pub fn $all_true(v: u128) -> u32 {
            u32::from($lanes(v).iter().all(|&x| x != 0))
        }
        /// Bit `i` of the result is the sign bit of lane `i`.
        #[inline(always)]
        pub fn $bitmask(v: u128) -> u32 {
            $lanes(v)
                .iter()
                .enumerate()
                .fold(0, |m, (i, &x)| m | (u32::from(x < 0) << i))
        }
    )*};
}

reductions! {
    i8x16_all_true i8x16_bitmask: lanes_i8x16;
    i16x8_all_true i16x8_bitmask: lanes_i16x8;
    i32x4_all_true i32x4_bitmask: lanes_i32x4;
    i64x2_all_true i64x2_bitmask: lanes_i64x2;
}

// ---------------------------------------------------------------------------------------
// Lane width changes: narrow, extend, extadd_pairwise, extmul, dot
// ---------------------------------------------------------------------------------------

macro_rules! narrow {
    ($($name:ident: $lanes:ident, $n:literal => $from:ident as $t:ty, $lo:expr, $hi:expr;)*) => {$(
        /// The signed lanes of `a` then `b`, saturated to the narrower lane.
        #[inline(always)]
        pub fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($lanes(a), $lanes(b));
            $from(std::array::from_fn(|i| {
                let x = if i < $n { a[i] } else { b[i - $n] };
                x.clamp($lo, $hi) as $t
            }))
        }
    )*};
}

narrow! {
    i8x16_narrow_i16x8_s: lanes_i16x8, 8 => from_i8x16 as i8, i8::MIN.into(), i8::MAX.into();
    i8x16_narrow_i16x8_u: lanes_i16x8, 8 => from_u8x16 as u8, 0, u8::MAX.into();
    i16x8_narrow_i32x4_s: lanes_i32x4, 4 => from_i16x8 as i16, i16::MIN.into(), i16::MAX.into();
    i16x8_narrow_i32x4_u: lanes_i32x4, 4 => from_u16x8 as u16, 0, u16::MAX.into();
}

macro_rules! extend {
    ($($name:ident: $lanes:ident, $first:literal => $from:ident as $t:ty;)*) => {$(
        /// Half of the lanes (from lane `first`), sign- or zero-extended to twice the width.
        #[inline(always)]
        pub fn $name(v: u128) -> u128 {
            let v = $lanes(v);
            $from(std::array::from_fn(|i| <$t>::from(v[$first + i])))
        }
    )*};
}

extend! {
    i16x8_extend_low_i8x16_s: lanes_i8x16, 0 => from_i16x8 as i16;
    i16x8_extend_high_i8x16_s: lanes_i8x16, 8 => from_i16x8 as i16;
    i16x8_extend_low_i8x16_u: lanes_u8x16, 0 => from_u16x8 as u16;
    i16x8_extend_high_i8x16_u: lanes_u8x16, 8 => from_u16x8 as u16;
    i32x4_extend_low_i16x8_s: lanes_i16x8, 0 => from_i32x4 as i32;
    i32x4_extend_high_i16x8_s: lanes_i16x8, 4 => from_i32x4 as i32;
    i32x4_extend_low_i16x8_u: lanes_u16x8, 0 => from_u32x4 as u32;
    i32x4_extend_high_i16x8_u: lanes_u16x8, 4 => from_u32x4 as u32;
    i64x2_extend_low_i32x4_s: lanes_i32x4, 0 => from_i64x2 as i64;
    i64x2_extend_high_i32x4_s: lanes_i32x4, 2 => from_i64x2 as i64;
    i64x2_extend_low_i32x4_u: lanes_u32x4, 0 => from_u64x2 as u64;
    i64x2_extend_high_i32x4_u: lanes_u32x4, 2 => from_u64x2 as u64;
}

macro_rules! extmul {
    ($($name:ident: $lanes:ident, $first:literal => $from:ident as $t:ty;)*) => {$(
        /// Half of the lanes of `a` and `b` (from lane `first`), extended to twice the
        /// width and multiplied (the product cannot overflow the wider lane).
        #[inline(always)]
        pub fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($lanes(a), $lanes(b));
            $from(std::array::from_fn(|i| {
                <$t>::from(a[$first + i]).wrapping_mul(<$t>::from(b[$first + i]))
            }))
        }
    )*};
}

extmul! {
    i16x8_extmul_low_i8x16_s: lanes_i8x16, 0 => from_i16x8 as i16;
    i16x8_extmul_high_i8x16_s: lanes_i8x16, 8 => from_i16x8 as i16;
    i16x8_extmul_low_i8x16_u: lanes_u8x16, 0 => from_u16x8 as u16;
    i16x8_extmul_high_i8x16_u: lanes_u8x16, 8 => from_u16x8 as u16;
    i32x4_extmul_low_i16x8_s: lanes_i16x8, 0 => from_i32x4 as i32;
    i32x4_extmul_high_i16x8_s: lanes_i16x8, 4 => from_i32x4 as i32;
    i32x4_extmul_low_i16x8_u: lanes_u16x8, 0 => from_u32x4 as u32;
    i32x4_extmul_high_i16x8_u: lanes_u16x8, 4 => from_u32x4 as u32;
    i64x2_extmul_low_i32x4_s: lanes_i32x4, 0 => from_i64x2 as i64;
    i64x2_extmul_high_i32x4_s: lanes_i32x4, 2 => from_i64x2 as i64;
    i64x2_extmul_low_i32x4_u: lanes_u32x4, 0 => from_u64x2 as u64;
    i64x2_extmul_high_i32x4_u: lanes_u32x4, 2 => from_u64x2 as u64;
}

macro_rules! extadd_pairwise {
    ($($name:ident: $lanes:ident => $from:ident as $t:ty;)*) => {$(
        /// Adjacent lane pairs, extended to twice the width and added (cannot overflow).
        #[inline(always)]
        pub fn $name(v: u128) -> u128 {
            let v = $lanes(v);
            $from(std::array::from_fn(|i| <$t>::from(v[2 * i]) + <$t>::from(v[2 * i + 1])))
        }
    )*};
}

extadd_pairwise! {
    i16x8_extadd_pairwise_i8x16_s: lanes_i8x16 => from_i16x8 as i16;
    i16x8_extadd_pairwise_i8x16_u: lanes_u8x16 => from_u16x8 as u16;
    i32x4_extadd_pairwise_i16x8_s: lanes_i16x8 => from_i32x4 as i32;
    i32x4_extadd_pairwise_i16x8_u: lanes_u16x8 => from_u32x4 as u32;
}

/// The signed products of adjacent `i16` lanes, added in pairs: only
/// `2 * (-0x8000 * -0x8000)` overflows, and it wraps to `i32::MIN`.
#[inline(always)]
pub fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (lanes_i16x8(a), lanes_i16x8(b));
    let p = |j: usize| i32::from(a[j]) * i32::from(b[j]);
    from_i32x4(std::array::from_fn(|i| p(2 * i).wrapping_add(p(2 * i + 1))))
}

// ---------------------------------------------------------------------------------------
// Float arithmetic (each lane is the scalar operator of `semantics`)
// ---------------------------------------------------------------------------------------

binary!(lanes_f32x4 => from_f32x4 {
    f32x4_add(a, b) = s::f32_add(a, b);
    f32x4_sub(a, b) = s::f32_sub(a, b);
    f32x4_mul(a, b) = s::f32_mul(a, b);
    f32x4_div(a, b) = s::f32_div(a, b);
    /// NaN if either is NaN; `-0 < +0` ([`numeric::fmin`](crate::numeric::fmin)).
    f32x4_min(a, b) = s::f32_min(a, b);
    /// NaN if either is NaN; `-0 < +0` ([`numeric::fmax`](crate::numeric::fmax)).
    f32x4_max(a, b) = s::f32_max(a, b);
    /// `b < a ? b : a`: returns `a` unless `b` is strictly less (NaN never is).
    f32x4_pmin(a, b) = if b < a { b } else { a };
    /// `a < b ? b : a`: returns `a` unless `b` is strictly greater (NaN never is).
    f32x4_pmax(a, b) = if a < b { b } else { a };
});

unary!(lanes_f32x4 => from_f32x4 {
    f32x4_sqrt(a) = s::f32_sqrt(a);
    f32x4_ceil(a) = s::f32_ceil(a);
    f32x4_floor(a) = s::f32_floor(a);
    f32x4_trunc(a) = s::f32_trunc(a);
    /// Round to nearest, ties to even.
    f32x4_nearest(a) = s::f32_nearest(a);
});

unary!(lanes_u32x4 => from_u32x4 {
    /// Clears the sign bits (NaN payloads unchanged).
    f32x4_abs(a) = s::f32_abs(a);
    /// Flips the sign bits (NaN payloads unchanged).
    f32x4_neg(a) = s::f32_neg(a);
});

binary!(lanes_f64x2 => from_f64x2 {
    f64x2_add(a, b) = s::f64_add(a, b);
    f64x2_sub(a, b) = s::f64_sub(a, b);
    f64x2_mul(a, b) = s::f64_mul(a, b);
    f64x2_div(a, b) = s::f64_div(a, b);
    /// NaN if either is NaN; `-0 < +0` ([`numeric::fmin`](crate::numeric::fmin)).
    f64x2_min(a, b) = s::f64_min(a, b);
    /// NaN if either is NaN; `-0 < +0` ([`numeric::fmax`](crate::numeric::fmax)).
    f64x2_max(a, b) = s::f64_max(a, b);
    /// `b < a ? b : a`: returns `a` unless `b` is strictly less (NaN never is).
    f64x2_pmin(a, b) = if b < a { b } else { a };
    /// `a < b ? b : a`: returns `a` unless `b` is strictly greater (NaN never is).
    f64x2_pmax(a, b) = if a < b { b } else { a };
});

unary!(lanes_f64x2 => from_f64x2 {
    f64x2_sqrt(a) = s::f64_sqrt(a);
    f64x2_ceil(a) = s::f64_ceil(a);
    f64x2_floor(a) = s::f64_floor(a);
    f64x2_trunc(a) = s::f64_trunc(a);
    /// Round to nearest, ties to even.
    f64x2_nearest(a) = s::f64_nearest(a);
});

unary!(lanes_u64x2 => from_u64x2 {
    /// Clears the sign bits (NaN payloads unchanged).
    f64x2_abs(a) = s::f64_abs(a);
    /// Flips the sign bits (NaN payloads unchanged).
    f64x2_neg(a) = s::f64_neg(a);
});

// ---------------------------------------------------------------------------------------
// Float comparisons: all-ones lanes for true (any comparison with NaN is false, but `ne`)
// ---------------------------------------------------------------------------------------

macro_rules! float_compare {
    ($($name:ident: $lanes:ident => $from:ident, $scalar:path;)*) => {$(
        /// All ones in the lanes where the scalar comparison gives 1.
        #[inline(always)]
        pub fn $name(x: u128, y: u128) -> u128 {
            let (x, y) = ($lanes(x), $lanes(y));
            $from(std::array::from_fn(|i| mask($scalar(x[i], y[i]) != 0)))
        }
    )*};
}

float_compare! {
    f32x4_eq: lanes_f32x4 => from_u32x4, s::f32_eq;
    f32x4_ne: lanes_f32x4 => from_u32x4, s::f32_ne;
    f32x4_lt: lanes_f32x4 => from_u32x4, s::f32_lt;
    f32x4_gt: lanes_f32x4 => from_u32x4, s::f32_gt;
    f32x4_le: lanes_f32x4 => from_u32x4, s::f32_le;
    f32x4_ge: lanes_f32x4 => from_u32x4, s::f32_ge;
    f64x2_eq: lanes_f64x2 => from_u64x2, s::f64_eq;
    f64x2_ne: lanes_f64x2 => from_u64x2, s::f64_ne;
    f64x2_lt: lanes_f64x2 => from_u64x2, s::f64_lt;
    f64x2_gt: lanes_f64x2 => from_u64x2, s::f64_gt;
    f64x2_le: lanes_f64x2 => from_u64x2, s::f64_le;
    f64x2_ge: lanes_f64x2 => from_u64x2, s::f64_ge;
}

// ---------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------

unary!(lanes_f32x4 => from_i32x4 {
    /// Saturating; NaN is 0.
    i32x4_trunc_sat_f32x4_s(a) = s::i32_trunc_sat_f32_s(a);
});
unary!(lanes_f32x4 => from_u32x4 {
    /// Saturating; NaN and negatives are 0.
    i32x4_trunc_sat_f32x4_u(a) = s::i32_trunc_sat_f32_u(a);
});
unary!(lanes_i32x4 => from_f32x4 {
    /// Rounded to nearest, ties to even.
    f32x4_convert_i32x4_s(a) = s::f32_convert_i32_s(a);
});
unary!(lanes_u32x4 => from_f32x4 {
    /// Rounded to nearest, ties to even.
    f32x4_convert_i32x4_u(a) = s::f32_convert_i32_u(a);
});

/// The two `f64` lanes truncated to `i32` (saturating, NaN is 0) in lanes 0 and 1;
/// lanes 2 and 3 are 0.
#[inline(always)]
pub fn i32x4_trunc_sat_f64x2_s_zero(v: u128) -> u128 {
    let [a, b] = lanes_f64x2(v).map(s::i32_trunc_sat_f64_s);
    from_i32x4([a, b, 0, 0])
}

/// The two `f64` lanes truncated to `u32` (saturating, NaN is 0) in lanes 0 and 1;
/// lanes 2 and 3 are 0.
#[inline(always)]
pub fn i32x4_trunc_sat_f64x2_u_zero(v: u128) -> u128 {
    let [a, b] = lanes_f64x2(v).map(s::i32_trunc_sat_f64_u);
    from_u32x4([a, b, 0, 0])
}

/// Lanes 0 and 1, as signed `i32`, converted exactly to `f64`.
#[inline(always)]
pub fn f64x2_convert_low_i32x4_s(v: u128) -> u128 {
    let l = lanes_i32x4(v);
    from_f64x2([s::f64_convert_i32_s(l[0]), s::f64_convert_i32_s(l[1])])
}

/// Lanes 0 and 1, as unsigned `i32`, converted exactly to `f64`.
#[inline(always)]
pub fn f64x2_convert_low_i32x4_u(v: u128) -> u128 {
    let l = lanes_u32x4(v);
    from_f64x2([s::f64_convert_i32_u(l[0]), s::f64_convert_i32_u(l[1])])
}

/// The two `f64` lanes demoted (as `f32.demote_f64`) into lanes 0 and 1; lanes 2 and 3
/// are `+0.0`.
#[inline(always)]
pub fn f32x4_demote_f64x2_zero(v: u128) -> u128 {
    let [a, b] = lanes_f64x2(v).map(s::f32_demote_f64);
    from_f32x4([a, b, 0.0, 0.0])
}

/// Lanes 0 and 1 promoted (as `f64.promote_f32`).
#[inline(always)]
pub fn f64x2_promote_low_f32x4(v: u128) -> u128 {
    let l = lanes_f32x4(v);
    from_f64x2([s::f64_promote_f32(l[0]), s::f64_promote_f32(l[1])])
}

// ---------------------------------------------------------------------------------------
// Loads: the lane part (the engines read the memory)
// ---------------------------------------------------------------------------------------

/// `v128.load8x8_s` of the 8 loaded bytes (little-endian in `bytes`).
#[inline(always)]
pub fn v128_load8x8_s(bytes: u64) -> u128 {
    i16x8_extend_low_i8x16_s(u128::from(bytes))
}
/// `v128.load8x8_u` of the 8 loaded bytes.
#[inline(always)]
pub fn v128_load8x8_u(bytes: u64) -> u128 {
    i16x8_extend_low_i8x16_u(u128::from(bytes))
}
/// `v128.load16x4_s` of the 8 loaded bytes.
#[inline(always)]
pub fn v128_load16x4_s(bytes: u64) -> u128 {
    i32x4_extend_low_i16x8_s(u128::from(bytes))
}
/// `v128.load16x4_u` of the 8 loaded bytes.
#[inline(always)]
pub fn v128_load16x4_u(bytes: u64) -> u128 {
    i32x4_extend_low_i16x8_u(u128::from(bytes))
}
/// `v128.load32x2_s` of the 8 loaded bytes.
#[inline(always)]
pub fn v128_load32x2_s(bytes: u64) -> u128 {
    i64x2_extend_low_i32x4_s(u128::from(bytes))
}
/// `v128.load32x2_u` of the 8 loaded bytes.
#[inline(always)]
pub fn v128_load32x2_u(bytes: u64) -> u128 {
    i64x2_extend_low_i32x4_u(u128::from(bytes))
}
/// `v128.load32_zero`: the loaded 32 bits in lane 0, the rest zero.
#[inline(always)]
pub fn v128_load32_zero(x: u32) -> u128 {
    u128::from(x)
}
/// `v128.load64_zero`: the loaded 64 bits in lane 0, the rest zero.
#[inline(always)]
pub fn v128_load64_zero(x: u64) -> u128 {
    u128::from(x)
}

// ---------------------------------------------------------------------------------------
// Relaxed SIMD: the deterministic profile (see the table in the module documentation)
// ---------------------------------------------------------------------------------------

/// Deterministic: [`i8x16_swizzle`] (an index `>= 16` gives 0).
#[inline(always)]
pub fn i8x16_relaxed_swizzle(a: u128, s: u128) -> u128 {
    i8x16_swizzle(a, s)
}
/// Deterministic: [`i32x4_trunc_sat_f32x4_s`].
#[inline(always)]
pub fn i32x4_relaxed_trunc_f32x4_s(v: u128) -> u128 {
    i32x4_trunc_sat_f32x4_s(v)
}
/// Deterministic: [`i32x4_trunc_sat_f32x4_u`].
#[inline(always)]
pub fn i32x4_relaxed_trunc_f32x4_u(v: u128) -> u128 {
    i32x4_trunc_sat_f32x4_u(v)
}
/// Deterministic: [`i32x4_trunc_sat_f64x2_s_zero`].
#[inline(always)]
pub fn i32x4_relaxed_trunc_f64x2_s_zero(v: u128) -> u128 {
    i32x4_trunc_sat_f64x2_s_zero(v)
}
/// Deterministic: [`i32x4_trunc_sat_f64x2_u_zero`].
#[inline(always)]
pub fn i32x4_relaxed_trunc_f64x2_u_zero(v: u128) -> u128 {
    i32x4_trunc_sat_f64x2_u_zero(v)
}

macro_rules! relaxed_madd {
    ($($madd:ident $nmadd:ident: $lanes:ident $from:ident;)*) => {$(
        /// Deterministic: fused `a * b + c`, rounded once.
        #[inline(always)]
        pub fn $madd(a: u128, b: u128, c: u128) -> u128 {
            let (a, b, c) = ($lanes(a), $lanes(b), $lanes(c));
            $from(std::array::from_fn(|i| a[i].mul_add(b[i], c[i])))
        }
        /// Deterministic: fused `(-a) * b + c`, rounded once.
        #[inline(always)]
        pub fn $nmadd(a: u128, b: u128, c: u128) -> u128 {
            let (a, b, c) = ($lanes(a), $lanes(b), $lanes(c));
            $from(std::array::from_fn(|i| (-a[i]).mul_add(b[i], c[i])))
        }
    )*};
}

relaxed_madd! {
    f32x4_relaxed_madd f32x4_relaxed_nmadd: lanes_f32x4 from_f32x4;
    f64x2_relaxed_madd f64x2_relaxed_nmadd: lanes_f64x2 from_f64x2;
}

macro_rules! relaxed_laneselect {
    ($($name:ident)*) => {$(
        /// Deterministic: [`v128_bitselect`] (bits of `a` where `m` is 1, of `b` where 0).
        #[inline(always)]
        pub fn $name(a: u128, b: u128, m: u128) -> u128 {
            v128_bitselect(a, b, m)
        }
    )*};
}

relaxed_laneselect! {
    i8x16_relaxed_laneselect i16x8_relaxed_laneselect i32x4_relaxed_laneselect i64x2_relaxed_laneselect
}

/// Deterministic: [`f32x4_min`].
#[inline(always)]
pub fn f32x4_relaxed_min(a: u128, b: u128) -> u128 {
    f32x4_min(a, b)
}
/// Deterministic: [`f32x4_max`].
#[inline(always)]
pub fn f32x4_relaxed_max(a: u128, b: u128) -> u128 {
    f32x4_max(a, b)
}
/// Deterministic: [`f64x2_min`].
#[inline(always)]
pub fn f64x2_relaxed_min(a: u128, b: u128) -> u128 {
    f64x2_min(a, b)
}
/// Deterministic: [`f64x2_max`].
#[inline(always)]
pub fn f64x2_relaxed_max(a: u128, b: u128) -> u128 {
    f64x2_max(a, b)
}
/// Deterministic: [`i16x8_q15mulr_sat_s`].
#[inline(always)]
pub fn i16x8_relaxed_q15mulr_s(a: u128, b: u128) -> u128 {
    i16x8_q15mulr_sat_s(a, b)
}

/// Deterministic: both operands' lanes are signed `i8`; adjacent products are added and
/// the sum saturated to `i16` (only `2 * (-128 * -128)` saturates, to `0x7fff`).
#[inline(always)]
pub fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    let (a, b) = (lanes_i8x16(a), lanes_i8x16(b));
    let p = |j: usize| i32::from(a[j]) * i32::from(b[j]);
    from_i16x8(std::array::from_fn(|i| {
        (p(2 * i) + p(2 * i + 1)).clamp(i16::MIN.into(), i16::MAX.into()) as i16
    }))
}

/// Deterministic: the `i16` lanes of [`i16x8_relaxed_dot_i8x16_i7x16_s`], sign-extended
/// and added in pairs, plus the lanes of `c` (wrapping).
#[inline(always)]
pub fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let d = lanes_i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b));
    let c = lanes_i32x4(c);
    from_i32x4(std::array::from_fn(|i| {
        (i32::from(d[2 * i]) + i32::from(d[2 * i + 1])).wrapping_add(c[i])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // -----------------------------------------------------------------------------------
    // Value generation: lanes drawn from tables of edge cases, or random bits
    // -----------------------------------------------------------------------------------

    /// splitmix64: deterministic, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    const INTS: &[u64] = &[
        0,
        1,
        2,
        3,
        0x40,
        0x55,
        0x7e,
        0x7f,
        0x80,
        0x81,
        0xfe,
        0xff,
        0x7fff,
        0x8000,
        0x8001,
        0xffff,
        0x4000,
        0x7fff_ffff,
        0x8000_0000,
        0x8000_0001,
        0xffff_ffff,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0001,
        u64::MAX,
        u64::MAX - 1,
    ];

    fn f32_table() -> Vec<u64> {
        let mut t: Vec<u64> = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            3.5,
            0.49999997,
            8388607.5,
            f32::MIN,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
            2147483520.0,
            2147483648.0,
            -2147483648.0,
            -2147483904.0,
            4294967040.0,
            4294967296.0,
            1e10,
            -1e10,
        ]
        .iter()
        .map(|x| u64::from(x.to_bits()))
        .collect();
        // NaNs (canonical, negative, signalling, with payloads) and subnormals.
        t.extend([
            0x7fc0_0000,
            0xffc0_0000,
            0x7fa0_0000,
            0xffa0_0001,
            0x7fc1_2345,
            0x7f80_0001,
            0x0000_0001,
            0x8000_0001,
            0x007f_ffff,
            0x807f_ffff,
        ]);
        t
    }

    fn f64_table() -> Vec<u64> {
        let mut t: Vec<u64> = [
            0.0f64,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            3.5,
            0.49999999999999994,
            4503599627370495.5,
            f64::MIN,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2147483647.0,
            2147483647.9,
            2147483648.0,
            -2147483648.0,
            -2147483648.9,
            -2147483649.0,
            4294967295.0,
            4294967295.5,
            4294967296.0,
            -0.9,
            1e300,
            3.4028235677973366e38, // rounds to f32::MAX or overflows when demoted
            1.401298464324817e-45,
        ]
        .iter()
        .map(|x| x.to_bits())
        .collect();
        t.extend([
            0x7ff8_0000_0000_0000,
            0xfff8_0000_0000_0000,
            0x7ff4_0000_0000_0000,
            0xfff0_0000_0000_0001,
            0x7ff8_1234_5678_9abc,
            0x0000_0000_0000_0001,
            0x800f_ffff_ffff_ffff,
        ]);
        t
    }

    /// A vector of `128 / bits` lanes, each from `table` (truncated) or random.
    fn gen(rng: &mut Rng, bits: u32, table: &[u64]) -> u128 {
        let mut v = 0u128;
        for i in 0..128 / bits {
            let r = rng.next();
            let x = if r.is_multiple_of(4) {
                rng.next()
            } else {
                table[(r >> 8) as usize % table.len()]
            };
            v |= u128::from(x & lane_mask(bits)) << (i * bits);
        }
        v
    }

    fn lane_mask(bits: u32) -> u64 {
        u64::MAX >> (64 - bits)
    }

    fn lane(v: u128, bits: u32, i: u32) -> u64 {
        (v >> (i * bits)) as u64 & lane_mask(bits)
    }

    const ROUNDS: usize = 2000;

    /// `op` agrees, lane by lane, with `reference` on lane values (zero-extended bits).
    /// Whether lane result `got` stands for `want`: equal, or, for the float arithmetic
    /// operators (`add`, `sub`, `mul`, `div`, `sqrt`) where `want` is a NaN, any
    /// arithmetic (quiet) NaN: which input's payload a two-NaN operation keeps is the
    /// compiler's choice (it may swap the operands of a commutative operation), as the
    /// spec leaves it open.
    fn lane_matches(name: &str, bits: u32, got: u64, want: u64) -> bool {
        let arithmetic = ["_add", "_sub", "_mul", "_div", "_sqrt"]
            .iter()
            .any(|op| name.ends_with(op))
            && (name.starts_with("f32x4") || name.starts_with("f64x2"));
        let (exp, mantissa, quiet) = if bits == 32 {
            (0x7f80_0000, 0x007f_ffff, 0x0040_0000)
        } else {
            (
                0x7ff0_0000_0000_0000,
                0x000f_ffff_ffff_ffff,
                0x0008_0000_0000_0000,
            )
        };
        let nan = |x: u64| x & exp == exp && x & mantissa != 0;
        got == want || (arithmetic && nan(want) && nan(got) && got & quiet != 0)
    }

    fn check1(
        name: &str,
        bits: u32,
        table: &[u64],
        op: fn(u128) -> u128,
        reference: impl Fn(u64) -> u64,
    ) {
        let mut rng = Rng(bits.into());
        for _ in 0..ROUNDS {
            let a = gen(&mut rng, bits, table);
            let r = op(a);
            for i in 0..128 / bits {
                let want = reference(lane(a, bits, i)) & lane_mask(bits);
                let got = lane(r, bits, i);
                assert!(
                    lane_matches(name, bits, got, want),
                    "{name}({a:#034x}) lane {i}: {got:#x}, want {want:#x}"
                );
            }
        }
    }

    fn check2(
        name: &str,
        bits: u32,
        table: &[u64],
        op: fn(u128, u128) -> u128,
        reference: impl Fn(u64, u64) -> u64,
    ) {
        let mut rng = Rng(u64::from(bits) << 8);
        for _ in 0..ROUNDS {
            let (a, b) = (gen(&mut rng, bits, table), gen(&mut rng, bits, table));
            let r = op(a, b);
            for i in 0..128 / bits {
                let want = reference(lane(a, bits, i), lane(b, bits, i)) & lane_mask(bits);
                let got = lane(r, bits, i);
                assert!(
                    lane_matches(name, bits, got, want),
                    "{name}({a:#034x}, {b:#034x}) lane {i}: {got:#x}, want {want:#x}"
                );
            }
        }
    }

    fn check_shift(
        name: &str,
        bits: u32,
        op: fn(u128, u32) -> u128,
        reference: impl Fn(u64, u32) -> u64,
    ) {
        let mut rng = Rng(u64::from(bits) << 16);
        for round in 0..ROUNDS {
            let a = gen(&mut rng, bits, INTS);
            // Every count up to 2 * 64 + 1, then random ones.
            let n = if round < 130 {
                round as u32
            } else {
                rng.next() as u32
            };
            let r = op(a, n);
            for i in 0..128 / bits {
                let want = reference(lane(a, bits, i), n % bits) & lane_mask(bits);
                assert_eq!(lane(r, bits, i), want, "{name}({a:#034x}, {n}) lane {i}");
            }
        }
    }

    fn m(c: u32) -> u64 {
        if c == 1 {
            u64::MAX
        } else {
            assert_eq!(c, 0);
            0
        }
    }
    fn sx(x: u64, bits: u32) -> i64 {
        ((x << (64 - bits)) as i64) >> (64 - bits)
    }
    fn f32of(x: u64) -> f32 {
        f32::from_bits(x as u32)
    }
    fn f64of(x: u64) -> f64 {
        f64::from_bits(x)
    }
    fn b32(x: f32) -> u64 {
        x.to_bits().into()
    }

    // -----------------------------------------------------------------------------------
    // Cross-checks against the scalar semantics, lane by lane
    // -----------------------------------------------------------------------------------

    #[test]
    fn i32x4_and_i64x2_agree_with_the_scalar_operators() {
        let (a32, s32) = (|x: u64| x as u32, |x: u64| x as i32);
        check2("i32x4_add", 32, INTS, i32x4_add, |a, b| {
            s::i32_add(a32(a), a32(b)).into()
        });
        check2("i32x4_sub", 32, INTS, i32x4_sub, |a, b| {
            s::i32_sub(a32(a), a32(b)).into()
        });
        check2("i32x4_mul", 32, INTS, i32x4_mul, |a, b| {
            s::i32_mul(a32(a), a32(b)).into()
        });
        check1("i32x4_neg", 32, INTS, i32x4_neg, |a| {
            s::i32_sub(0, a32(a)).into()
        });
        check1("i32x4_abs", 32, INTS, i32x4_abs, |a| {
            if s::i32_lt_s(s32(a), 0) == 1 {
                s::i32_sub(0, a32(a)).into()
            } else {
                a
            }
        });
        check2("i32x4_eq", 32, INTS, i32x4_eq, |a, b| {
            m(s::i32_eq(a32(a), a32(b)))
        });
        check2("i32x4_ne", 32, INTS, i32x4_ne, |a, b| {
            m(s::i32_ne(a32(a), a32(b)))
        });
        check2("i32x4_lt_s", 32, INTS, i32x4_lt_s, |a, b| {
            m(s::i32_lt_s(s32(a), s32(b)))
        });
        check2("i32x4_lt_u", 32, INTS, i32x4_lt_u, |a, b| {
            m(s::i32_lt_u(a32(a), a32(b)))
        });
        check2("i32x4_gt_s", 32, INTS, i32x4_gt_s, |a, b| {
            m(s::i32_gt_s(s32(a), s32(b)))
        });
        check2("i32x4_gt_u", 32, INTS, i32x4_gt_u, |a, b| {
            m(s::i32_gt_u(a32(a), a32(b)))
        });
        check2("i32x4_le_s", 32, INTS, i32x4_le_s, |a, b| {
            m(s::i32_le_s(s32(a), s32(b)))
        });
        check2("i32x4_le_u", 32, INTS, i32x4_le_u, |a, b| {
            m(s::i32_le_u(a32(a), a32(b)))
        });
        check2("i32x4_ge_s", 32, INTS, i32x4_ge_s, |a, b| {
            m(s::i32_ge_s(s32(a), s32(b)))
        });
        check2("i32x4_ge_u", 32, INTS, i32x4_ge_u, |a, b| {
            m(s::i32_ge_u(a32(a), a32(b)))
        });
        check2("i32x4_min_s", 32, INTS, i32x4_min_s, |a, b| {
            if s::i32_lt_s(s32(a), s32(b)) == 1 {
                a
            } else {
                b
            }
        });
        check2("i32x4_max_s", 32, INTS, i32x4_max_s, |a, b| {
            if s::i32_gt_s(s32(a), s32(b)) == 1 {
                a
            } else {
                b
            }
        });
        check2("i32x4_min_u", 32, INTS, i32x4_min_u, |a, b| {
            if s::i32_lt_u(a32(a), a32(b)) == 1 {
                a
            } else {
                b
            }
        });
        check2("i32x4_max_u", 32, INTS, i32x4_max_u, |a, b| {
            if s::i32_gt_u(a32(a), a32(b)) == 1 {
                a
            } else {
                b
            }
        });
        check_shift("i32x4_shl", 32, i32x4_shl, |a, n| {
            s::i32_shl(a32(a), n).into()
        });
        check_shift("i32x4_shr_s", 32, i32x4_shr_s, |a, n| {
            s::i32_shr_s(s32(a), n as i32) as u64
        });
        check_shift("i32x4_shr_u", 32, i32x4_shr_u, |a, n| {
            s::i32_shr_u(a32(a), n).into()
        });

        let s64 = |x: u64| x as i64;
        check2("i64x2_add", 64, INTS, i64x2_add, s::i64_add);
        check2("i64x2_sub", 64, INTS, i64x2_sub, s::i64_sub);
        check2("i64x2_mul", 64, INTS, i64x2_mul, s::i64_mul);
        check1("i64x2_neg", 64, INTS, i64x2_neg, |a| s::i64_sub(0, a));
        check1("i64x2_abs", 64, INTS, i64x2_abs, |a| {
            if s::i64_lt_s(s64(a), 0) == 1 {
                s::i64_sub(0, a)
            } else {
                a
            }
        });
        check2("i64x2_eq", 64, INTS, i64x2_eq, |a, b| m(s::i64_eq(a, b)));
        check2("i64x2_ne", 64, INTS, i64x2_ne, |a, b| m(s::i64_ne(a, b)));
        check2("i64x2_lt_s", 64, INTS, i64x2_lt_s, |a, b| {
            m(s::i64_lt_s(s64(a), s64(b)))
        });
        check2("i64x2_gt_s", 64, INTS, i64x2_gt_s, |a, b| {
            m(s::i64_gt_s(s64(a), s64(b)))
        });
        check2("i64x2_le_s", 64, INTS, i64x2_le_s, |a, b| {
            m(s::i64_le_s(s64(a), s64(b)))
        });
        check2("i64x2_ge_s", 64, INTS, i64x2_ge_s, |a, b| {
            m(s::i64_ge_s(s64(a), s64(b)))
        });
        check_shift("i64x2_shl", 64, i64x2_shl, |a, n| s::i64_shl(a, n.into()));
        check_shift("i64x2_shr_s", 64, i64x2_shr_s, |a, n| {
            s::i64_shr_s(s64(a), n.into()) as u64
        });
        check_shift("i64x2_shr_u", 64, i64x2_shr_u, |a, n| {
            s::i64_shr_u(a, n.into())
        });
    }

    /// The 8- and 16-bit lane operators against the 32-bit scalar operators on the
    /// sign- or zero-extended lanes, the result truncated (or saturated) to the lane.
    #[test]
    fn narrow_integer_lanes_agree_with_the_scalar_operators() {
        type Bin = fn(u128, u128) -> u128;
        type Shift = fn(u128, u32) -> u128;
        type CmpS = (Bin, fn(i32, i32) -> u32);
        type CmpU = (Bin, fn(u32, u32) -> u32);
        struct Shape {
            bits: u32,
            add: Bin,
            sub: Bin,
            add_sat_s: Bin,
            add_sat_u: Bin,
            sub_sat_s: Bin,
            sub_sat_u: Bin,
            min_s: Bin,
            min_u: Bin,
            max_s: Bin,
            max_u: Bin,
            avgr_u: Bin,
            cmp_s: [CmpS; 4],
            cmp_u: [CmpU; 4],
            eq: Bin,
            ne: Bin,
            shl: Shift,
            shr_s: Shift,
            shr_u: Shift,
            abs: fn(u128) -> u128,
            neg: fn(u128) -> u128,
        }
        let shapes = [
            Shape {
                bits: 8,
                add: i8x16_add,
                sub: i8x16_sub,
                add_sat_s: i8x16_add_sat_s,
                add_sat_u: i8x16_add_sat_u,
                sub_sat_s: i8x16_sub_sat_s,
                sub_sat_u: i8x16_sub_sat_u,
                min_s: i8x16_min_s,
                min_u: i8x16_min_u,
                max_s: i8x16_max_s,
                max_u: i8x16_max_u,
                avgr_u: i8x16_avgr_u,
                cmp_s: [
                    (i8x16_lt_s, s::i32_lt_s),
                    (i8x16_gt_s, s::i32_gt_s),
                    (i8x16_le_s, s::i32_le_s),
                    (i8x16_ge_s, s::i32_ge_s),
                ],
                cmp_u: [
                    (i8x16_lt_u, s::i32_lt_u),
                    (i8x16_gt_u, s::i32_gt_u),
                    (i8x16_le_u, s::i32_le_u),
                    (i8x16_ge_u, s::i32_ge_u),
                ],
                eq: i8x16_eq,
                ne: i8x16_ne,
                shl: i8x16_shl,
                shr_s: i8x16_shr_s,
                shr_u: i8x16_shr_u,
                abs: i8x16_abs,
                neg: i8x16_neg,
            },
            Shape {
                bits: 16,
                add: i16x8_add,
                sub: i16x8_sub,
                add_sat_s: i16x8_add_sat_s,
                add_sat_u: i16x8_add_sat_u,
                sub_sat_s: i16x8_sub_sat_s,
                sub_sat_u: i16x8_sub_sat_u,
                min_s: i16x8_min_s,
                min_u: i16x8_min_u,
                max_s: i16x8_max_s,
                max_u: i16x8_max_u,
                avgr_u: i16x8_avgr_u,
                cmp_s: [
                    (i16x8_lt_s, s::i32_lt_s),
                    (i16x8_gt_s, s::i32_gt_s),
                    (i16x8_le_s, s::i32_le_s),
                    (i16x8_ge_s, s::i32_ge_s),
                ],
                cmp_u: [
                    (i16x8_lt_u, s::i32_lt_u),
                    (i16x8_gt_u, s::i32_gt_u),
                    (i16x8_le_u, s::i32_le_u),
                    (i16x8_ge_u, s::i32_ge_u),
                ],
                eq: i16x8_eq,
                ne: i16x8_ne,
                shl: i16x8_shl,
                shr_s: i16x8_shr_s,
                shr_u: i16x8_shr_u,
                abs: i16x8_abs,
                neg: i16x8_neg,
            },
        ];
        for sh in &shapes {
            let bits = sh.bits;
            let (smin, smax) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
            let umax = i64::from(lane_mask(bits) as u32);
            let si = move |x: u64| sx(x, bits) as i32;
            let ui = |x: u64| x as u32;
            let sat_s = move |x: u32| i64::from(x as i32).clamp(smin, smax) as u64;
            let sat_u = move |x: u32| i64::from(x as i32).clamp(0, umax) as u64;
            check2("add", bits, INTS, sh.add, |a, b| {
                s::i32_add(ui(a), ui(b)).into()
            });
            check2("sub", bits, INTS, sh.sub, |a, b| {
                s::i32_sub(ui(a), ui(b)).into()
            });
            check2("add_sat_s", bits, INTS, sh.add_sat_s, |a, b| {
                sat_s(s::i32_add(si(a) as u32, si(b) as u32))
            });
            check2("sub_sat_s", bits, INTS, sh.sub_sat_s, |a, b| {
                sat_s(s::i32_sub(si(a) as u32, si(b) as u32))
            });
            check2("add_sat_u", bits, INTS, sh.add_sat_u, |a, b| {
                sat_u(s::i32_add(ui(a), ui(b)))
            });
            check2("sub_sat_u", bits, INTS, sh.sub_sat_u, |a, b| {
                sat_u(s::i32_sub(ui(a), ui(b)))
            });
            check2("min_s", bits, INTS, sh.min_s, |a, b| {
                if s::i32_lt_s(si(a), si(b)) == 1 {
                    a
                } else {
                    b
                }
            });
            check2("max_s", bits, INTS, sh.max_s, |a, b| {
                if s::i32_gt_s(si(a), si(b)) == 1 {
                    a
                } else {
                    b
                }
            });
            check2("min_u", bits, INTS, sh.min_u, |a, b| {
                if s::i32_lt_u(ui(a), ui(b)) == 1 {
                    a
                } else {
                    b
                }
            });
            check2("max_u", bits, INTS, sh.max_u, |a, b| {
                if s::i32_gt_u(ui(a), ui(b)) == 1 {
                    a
                } else {
                    b
                }
            });
            check2("avgr_u", bits, INTS, sh.avgr_u, |a, b| {
                s::i32_shr_u(s::i32_add(s::i32_add(ui(a), ui(b)), 1), 1).into()
            });
            for (op, scalar) in sh.cmp_s {
                check2("cmp_s", bits, INTS, op, |a, b| m(scalar(si(a), si(b))));
            }
            for (op, scalar) in sh.cmp_u {
                check2("cmp_u", bits, INTS, op, |a, b| m(scalar(ui(a), ui(b))));
            }
            check2("eq", bits, INTS, sh.eq, |a, b| m(s::i32_eq(ui(a), ui(b))));
            check2("ne", bits, INTS, sh.ne, |a, b| m(s::i32_ne(ui(a), ui(b))));
            check_shift("shl", bits, sh.shl, |a, n| s::i32_shl(ui(a), n).into());
            check_shift("shr_s", bits, sh.shr_s, |a, n| {
                s::i32_shr_s(si(a), n as i32) as u64
            });
            check_shift("shr_u", bits, sh.shr_u, |a, n| {
                s::i32_shr_u(ui(a), n).into()
            });
            check1("abs", bits, INTS, sh.abs, |a| {
                if si(a) < 0 {
                    s::i32_sub(0, ui(a)).into()
                } else {
                    a
                }
            });
            check1("neg", bits, INTS, sh.neg, |a| s::i32_sub(0, ui(a)).into());
        }
        check1("i8x16_popcnt", 8, INTS, i8x16_popcnt, |a| {
            s::i32_popcnt(a as u32).into()
        });
        check2("i16x8_mul", 16, INTS, i16x8_mul, |a, b| {
            s::i32_mul(a as u32, b as u32).into()
        });
        check2(
            "i16x8_q15mulr_sat_s",
            16,
            INTS,
            i16x8_q15mulr_sat_s,
            |a, b| {
                let p = s::i32_mul(sx(a, 16) as u32, sx(b, 16) as u32);
                let r = s::i32_shr_s(s::i32_add(p, 0x4000) as i32, 15);
                i64::from(r).clamp(-0x8000, 0x7fff) as u64
            },
        );
    }

    #[test]
    fn float_lanes_agree_with_the_scalar_operators() {
        let t = f32_table();
        let (f, b) = (f32of, b32);
        check2("f32x4_add", 32, &t, f32x4_add, |x, y| {
            b(s::f32_add(f(x), f(y)))
        });
        check2("f32x4_sub", 32, &t, f32x4_sub, |x, y| {
            b(s::f32_sub(f(x), f(y)))
        });
        check2("f32x4_mul", 32, &t, f32x4_mul, |x, y| {
            b(s::f32_mul(f(x), f(y)))
        });
        check2("f32x4_div", 32, &t, f32x4_div, |x, y| {
            b(s::f32_div(f(x), f(y)))
        });
        check2("f32x4_min", 32, &t, f32x4_min, |x, y| {
            b(s::f32_min(f(x), f(y)))
        });
        check2("f32x4_max", 32, &t, f32x4_max, |x, y| {
            b(s::f32_max(f(x), f(y)))
        });
        check2("f32x4_pmin", 32, &t, f32x4_pmin, |x, y| {
            if s::f32_lt(f(y), f(x)) == 1 {
                y
            } else {
                x
            }
        });
        check2("f32x4_pmax", 32, &t, f32x4_pmax, |x, y| {
            if s::f32_lt(f(x), f(y)) == 1 {
                y
            } else {
                x
            }
        });
        check1("f32x4_sqrt", 32, &t, f32x4_sqrt, |x| b(s::f32_sqrt(f(x))));
        check1("f32x4_ceil", 32, &t, f32x4_ceil, |x| b(s::f32_ceil(f(x))));
        check1("f32x4_floor", 32, &t, f32x4_floor, |x| {
            b(s::f32_floor(f(x)))
        });
        check1("f32x4_trunc", 32, &t, f32x4_trunc, |x| {
            b(s::f32_trunc(f(x)))
        });
        check1("f32x4_nearest", 32, &t, f32x4_nearest, |x| {
            b(s::f32_nearest(f(x)))
        });
        check1("f32x4_abs", 32, &t, f32x4_abs, |x| {
            s::f32_abs(x as u32).into()
        });
        check1("f32x4_neg", 32, &t, f32x4_neg, |x| {
            s::f32_neg(x as u32).into()
        });
        check2("f32x4_eq", 32, &t, f32x4_eq, |x, y| {
            m(s::f32_eq(f(x), f(y)))
        });
        check2("f32x4_ne", 32, &t, f32x4_ne, |x, y| {
            m(s::f32_ne(f(x), f(y)))
        });
        check2("f32x4_lt", 32, &t, f32x4_lt, |x, y| {
            m(s::f32_lt(f(x), f(y)))
        });
        check2("f32x4_gt", 32, &t, f32x4_gt, |x, y| {
            m(s::f32_gt(f(x), f(y)))
        });
        check2("f32x4_le", 32, &t, f32x4_le, |x, y| {
            m(s::f32_le(f(x), f(y)))
        });
        check2("f32x4_ge", 32, &t, f32x4_ge, |x, y| {
            m(s::f32_ge(f(x), f(y)))
        });
        check1(
            "i32x4_trunc_sat_f32x4_s",
            32,
            &t,
            i32x4_trunc_sat_f32x4_s,
            |x| s::i32_trunc_sat_f32_s(f(x)) as u64,
        );
        check1(
            "i32x4_trunc_sat_f32x4_u",
            32,
            &t,
            i32x4_trunc_sat_f32x4_u,
            |x| s::i32_trunc_sat_f32_u(f(x)).into(),
        );
        check1(
            "f32x4_convert_i32x4_s",
            32,
            INTS,
            f32x4_convert_i32x4_s,
            |x| b(s::f32_convert_i32_s(x as i32)),
        );
        check1(
            "f32x4_convert_i32x4_u",
            32,
            INTS,
            f32x4_convert_i32x4_u,
            |x| b(s::f32_convert_i32_u(x as u32)),
        );

        let t = f64_table();
        let (f, b) = (f64of, f64::to_bits);
        check2("f64x2_add", 64, &t, f64x2_add, |x, y| {
            b(s::f64_add(f(x), f(y)))
        });
        check2("f64x2_sub", 64, &t, f64x2_sub, |x, y| {
            b(s::f64_sub(f(x), f(y)))
        });
        check2("f64x2_mul", 64, &t, f64x2_mul, |x, y| {
            b(s::f64_mul(f(x), f(y)))
        });
        check2("f64x2_div", 64, &t, f64x2_div, |x, y| {
            b(s::f64_div(f(x), f(y)))
        });
        check2("f64x2_min", 64, &t, f64x2_min, |x, y| {
            b(s::f64_min(f(x), f(y)))
        });
        check2("f64x2_max", 64, &t, f64x2_max, |x, y| {
            b(s::f64_max(f(x), f(y)))
        });
        check2("f64x2_pmin", 64, &t, f64x2_pmin, |x, y| {
            if s::f64_lt(f(y), f(x)) == 1 {
                y
            } else {
                x
            }
        });
        check2("f64x2_pmax", 64, &t, f64x2_pmax, |x, y| {
            if s::f64_lt(f(x), f(y)) == 1 {
                y
            } else {
                x
            }
        });
        check1("f64x2_sqrt", 64, &t, f64x2_sqrt, |x| b(s::f64_sqrt(f(x))));
        check1("f64x2_ceil", 64, &t, f64x2_ceil, |x| b(s::f64_ceil(f(x))));
        check1("f64x2_floor", 64, &t, f64x2_floor, |x| {
            b(s::f64_floor(f(x)))
        });
        check1("f64x2_trunc", 64, &t, f64x2_trunc, |x| {
            b(s::f64_trunc(f(x)))
        });
        check1("f64x2_nearest", 64, &t, f64x2_nearest, |x| {
            b(s::f64_nearest(f(x)))
        });
        check1("f64x2_abs", 64, &t, f64x2_abs, s::f64_abs);
        check1("f64x2_neg", 64, &t, f64x2_neg, s::f64_neg);
        check2("f64x2_eq", 64, &t, f64x2_eq, |x, y| {
            m(s::f64_eq(f(x), f(y)))
        });
        check2("f64x2_ne", 64, &t, f64x2_ne, |x, y| {
            m(s::f64_ne(f(x), f(y)))
        });
        check2("f64x2_lt", 64, &t, f64x2_lt, |x, y| {
            m(s::f64_lt(f(x), f(y)))
        });
        check2("f64x2_gt", 64, &t, f64x2_gt, |x, y| {
            m(s::f64_gt(f(x), f(y)))
        });
        check2("f64x2_le", 64, &t, f64x2_le, |x, y| {
            m(s::f64_le(f(x), f(y)))
        });
        check2("f64x2_ge", 64, &t, f64x2_ge, |x, y| {
            m(s::f64_ge(f(x), f(y)))
        });
    }

    /// The conversions between `f32x4` and `f64x2` shapes, and the `_zero` truncations,
    /// against the scalar conversions on the lanes they read.
    #[test]
    fn shape_changing_conversions_agree_with_the_scalar_operators() {
        let mut rng = Rng(7);
        let (t32, t64) = (f32_table(), f64_table());
        for _ in 0..ROUNDS {
            let d = gen(&mut rng, 64, &t64);
            let [d0, d1] = lanes_f64x2(d);
            assert_eq!(
                lanes_i32x4(i32x4_trunc_sat_f64x2_s_zero(d)),
                [s::i32_trunc_sat_f64_s(d0), s::i32_trunc_sat_f64_s(d1), 0, 0]
            );
            assert_eq!(
                lanes_u32x4(i32x4_trunc_sat_f64x2_u_zero(d)),
                [s::i32_trunc_sat_f64_u(d0), s::i32_trunc_sat_f64_u(d1), 0, 0]
            );
            assert_eq!(
                lanes_u32x4(f32x4_demote_f64x2_zero(d)),
                [
                    s::f32_demote_f64(d0).to_bits(),
                    s::f32_demote_f64(d1).to_bits(),
                    0,
                    0
                ]
            );
            let f = gen(&mut rng, 32, &t32);
            let l = lanes_f32x4(f);
            assert_eq!(
                lanes_u64x2(f64x2_promote_low_f32x4(f)),
                [
                    s::f64_promote_f32(l[0]).to_bits(),
                    s::f64_promote_f32(l[1]).to_bits()
                ]
            );
            let i = gen(&mut rng, 32, INTS);
            let l = lanes_i32x4(i);
            assert_eq!(
                lanes_f64x2(f64x2_convert_low_i32x4_s(i)),
                [s::f64_convert_i32_s(l[0]), s::f64_convert_i32_s(l[1])]
            );
            assert_eq!(
                lanes_f64x2(f64x2_convert_low_i32x4_u(i)),
                [
                    s::f64_convert_i32_u(l[0] as u32),
                    s::f64_convert_i32_u(l[1] as u32)
                ]
            );
        }
    }

    /// Extend, extmul and extadd against their lane definitions, read through
    /// `extract_lane` (a second path to the lanes).
    #[test]
    fn widening_operators_agree_with_their_lane_definitions() {
        let mut rng = Rng(11);
        for _ in 0..ROUNDS {
            let a = gen(&mut rng, 8, INTS);
            let b = gen(&mut rng, 8, INTS);
            let s8 = |v, i: usize| i8x16_extract_lane_s(v, i as u8);
            let u8_ = |v, i: usize| i8x16_extract_lane_u(v, i as u8);
            for (i, hi) in (0..8).zip(8..16) {
                let l = i as u8;
                assert_eq!(
                    i16x8_extract_lane_s(i16x8_extend_low_i8x16_s(a), l),
                    s8(a, i)
                );
                assert_eq!(
                    i16x8_extract_lane_s(i16x8_extend_high_i8x16_s(a), l),
                    s8(a, hi)
                );
                assert_eq!(
                    i16x8_extract_lane_u(i16x8_extend_low_i8x16_u(a), l),
                    u8_(a, i)
                );
                assert_eq!(
                    i16x8_extract_lane_u(i16x8_extend_high_i8x16_u(a), l),
                    u8_(a, hi)
                );
                assert_eq!(
                    i16x8_extract_lane_s(i16x8_extmul_low_i8x16_s(a, b), l),
                    s8(a, i) * s8(b, i)
                );
                assert_eq!(
                    i16x8_extract_lane_s(i16x8_extmul_high_i8x16_s(a, b), l),
                    s8(a, hi) * s8(b, hi)
                );
                assert_eq!(
                    i16x8_extract_lane_u(i16x8_extmul_low_i8x16_u(a, b), l),
                    u8_(a, i) * u8_(b, i)
                );
                assert_eq!(
                    i16x8_extract_lane_u(i16x8_extmul_high_i8x16_u(a, b), l),
                    u8_(a, hi) * u8_(b, hi)
                );
                assert_eq!(
                    i16x8_extract_lane_s(i16x8_extadd_pairwise_i8x16_s(a), l),
                    s8(a, 2 * i) + s8(a, 2 * i + 1)
                );
                assert_eq!(
                    i16x8_extract_lane_u(i16x8_extadd_pairwise_i8x16_u(a), l),
                    u8_(a, 2 * i) + u8_(a, 2 * i + 1)
                );
                // Narrowing back what was widened gives the lanes again.
                let n = |v: u128, i: usize| i8x16_extract_lane_s(v, i as u8);
                let w =
                    i8x16_narrow_i16x8_s(i16x8_extend_low_i8x16_s(a), i16x8_extend_high_i8x16_s(a));
                assert_eq!(n(w, i), s8(a, i));
                assert_eq!(n(w, hi), s8(a, hi));
            }

            let a = gen(&mut rng, 16, INTS);
            let b = gen(&mut rng, 16, INTS);
            let s16 = |v, i: usize| i64::from(i16x8_extract_lane_s(v, i as u8));
            let u16_ = |v, i: usize| i64::from(i16x8_extract_lane_u(v, i as u8));
            let i32l = |v, i: usize| i64::from(i32x4_extract_lane(v, i as u8) as i32);
            let u32l = |v, i: usize| i64::from(i32x4_extract_lane(v, i as u8));
            for (i, hi) in (0..4).zip(4..8) {
                assert_eq!(i32l(i32x4_extend_low_i16x8_s(a), i), s16(a, i));
                assert_eq!(i32l(i32x4_extend_high_i16x8_s(a), i), s16(a, hi));
                assert_eq!(u32l(i32x4_extend_low_i16x8_u(a), i), u16_(a, i));
                assert_eq!(u32l(i32x4_extend_high_i16x8_u(a), i), u16_(a, hi));
                assert_eq!(
                    i32l(i32x4_extmul_low_i16x8_s(a, b), i),
                    s16(a, i) * s16(b, i)
                );
                assert_eq!(
                    i32l(i32x4_extmul_high_i16x8_s(a, b), i),
                    s16(a, hi) * s16(b, hi)
                );
                assert_eq!(
                    u32l(i32x4_extmul_low_i16x8_u(a, b), i),
                    u16_(a, i) * u16_(b, i)
                );
                assert_eq!(
                    u32l(i32x4_extmul_high_i16x8_u(a, b), i),
                    u16_(a, hi) * u16_(b, hi)
                );
                assert_eq!(
                    i32l(i32x4_extadd_pairwise_i16x8_s(a), i),
                    s16(a, 2 * i) + s16(a, 2 * i + 1)
                );
                assert_eq!(
                    u32l(i32x4_extadd_pairwise_i16x8_u(a), i),
                    u16_(a, 2 * i) + u16_(a, 2 * i + 1)
                );
                let dot = s16(a, 2 * i) * s16(b, 2 * i) + s16(a, 2 * i + 1) * s16(b, 2 * i + 1);
                assert_eq!(i32l(i32x4_dot_i16x8_s(a, b), i), i64::from(dot as i32));
            }

            let a = gen(&mut rng, 32, INTS);
            let b = gen(&mut rng, 32, INTS);
            let s32 = |v, i: usize| i128::from(i32x4_extract_lane(v, i as u8) as i32);
            let u32_ = |v, i: usize| i128::from(i32x4_extract_lane(v, i as u8));
            let i64l = |v, i: usize| i128::from(i64x2_extract_lane(v, i as u8) as i64);
            let u64l = |v, i: usize| i128::from(i64x2_extract_lane(v, i as u8));
            for (i, hi) in (0..2).zip(2..4) {
                assert_eq!(i64l(i64x2_extend_low_i32x4_s(a), i), s32(a, i));
                assert_eq!(i64l(i64x2_extend_high_i32x4_s(a), i), s32(a, hi));
                assert_eq!(u64l(i64x2_extend_low_i32x4_u(a), i), u32_(a, i));
                assert_eq!(u64l(i64x2_extend_high_i32x4_u(a), i), u32_(a, hi));
                assert_eq!(
                    i64l(i64x2_extmul_low_i32x4_s(a, b), i),
                    s32(a, i) * s32(b, i)
                );
                assert_eq!(
                    i64l(i64x2_extmul_high_i32x4_s(a, b), i),
                    s32(a, hi) * s32(b, hi)
                );
                assert_eq!(
                    u64l(i64x2_extmul_low_i32x4_u(a, b), i),
                    u32_(a, i) * u32_(b, i)
                );
                assert_eq!(
                    u64l(i64x2_extmul_high_i32x4_u(a, b), i),
                    u32_(a, hi) * u32_(b, hi)
                );
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Known answers
    // -----------------------------------------------------------------------------------

    #[test]
    fn lane_views_are_little_endian_and_round_trip() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(lanes_u8x16(v), std::array::from_fn(|i| i as u8));
        assert_eq!(lanes_u16x8(v)[0], 0x0100);
        assert_eq!(lanes_u16x8(v)[7], 0x0f0e);
        assert_eq!(
            lanes_u32x4(v),
            [0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c]
        );
        assert_eq!(
            lanes_u64x2(v),
            [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]
        );
        assert_eq!(lanes_i8x16(0xff), {
            let mut l = [0i8; 16];
            l[0] = -1;
            l
        });
        let mut rng = Rng(3);
        for _ in 0..ROUNDS {
            let v = u128::from(rng.next()) << 64 | u128::from(rng.next());
            assert_eq!(from_i8x16(lanes_i8x16(v)), v);
            assert_eq!(from_u8x16(lanes_u8x16(v)), v);
            assert_eq!(from_i16x8(lanes_i16x8(v)), v);
            assert_eq!(from_u16x8(lanes_u16x8(v)), v);
            assert_eq!(from_i32x4(lanes_i32x4(v)), v);
            assert_eq!(from_u32x4(lanes_u32x4(v)), v);
            assert_eq!(from_i64x2(lanes_i64x2(v)), v);
            assert_eq!(from_u64x2(lanes_u64x2(v)), v);
            // Float views keep every bit pattern, signalling NaNs included.
            assert_eq!(from_f32x4(lanes_f32x4(v)), v);
            assert_eq!(from_f64x2(lanes_f64x2(v)), v);
        }
    }

    #[test]
    fn bitwise_operators() {
        let (a, b) = (0xff00_ff00u128 << 96 | 0x1234, 0x0ff0_0ff0u128 << 96 | 0xff);
        assert_eq!(v128_not(0), u128::MAX);
        assert_eq!(v128_and(a, b), 0x0f00_0f00u128 << 96 | 0x34);
        assert_eq!(v128_andnot(a, b), 0xf000_f000u128 << 96 | 0x1200);
        assert_eq!(v128_or(a, b), 0xfff0_fff0u128 << 96 | 0x12ff);
        assert_eq!(v128_xor(a, b), 0xf0f0_f0f0u128 << 96 | 0x12cb);
        assert_eq!(v128_bitselect(u128::MAX, 0, 0xf0f0), 0xf0f0);
        assert_eq!(v128_bitselect(0xaaaa, 0x5555, 0xff00), 0xaa55);
        assert_eq!(v128_any_true(0), 0);
        assert_eq!(v128_any_true(1 << 127), 1);
    }

    #[test]
    fn splat_extract_and_replace() {
        assert_eq!(i8x16_splat(0x1ff), u128::from_le_bytes([0xff; 16]));
        assert_eq!(i16x8_splat(0xabcd_1234), from_u16x8([0x1234; 8]));
        assert_eq!(i32x4_splat(7), from_u32x4([7; 4]));
        assert_eq!(i64x2_splat(u64::MAX), u128::MAX);
        assert_eq!(f32x4_splat(-0.0), from_u32x4([0x8000_0000; 4]));
        assert_eq!(f64x2_splat(1.0), from_u64x2([0x3ff0_0000_0000_0000; 2]));
        let snan = f32::from_bits(0x7fa0_0001);
        assert_eq!(f32x4_splat(snan), from_u32x4([0x7fa0_0001; 4]));

        let v = from_u8x16(std::array::from_fn(|i| 0x70 + i as u8 * 2));
        assert_eq!(i8x16_extract_lane_u(v, 5), 0x7a);
        assert_eq!(i8x16_extract_lane_s(v, 8), -128);
        assert_eq!(i8x16_extract_lane_u(v, 8), 0x80);
        assert_eq!(i16x8_extract_lane_s(v, 7), 0x8e8c_u16 as i16 as i32);
        assert_eq!(i16x8_extract_lane_u(v, 7), 0x8e8c);
        assert_eq!(i32x4_extract_lane(v, 1), 0x7e7c_7a78);
        assert_eq!(i64x2_extract_lane(v, 1), 0x8e8c_8a88_8684_8280);
        assert_eq!(
            f32x4_extract_lane(f32x4_splat(snan), 3).to_bits(),
            0x7fa0_0001
        );
        assert_eq!(f64x2_extract_lane(from_f64x2([1.0, -2.5]), 1), -2.5);

        assert_eq!(i8x16_replace_lane(0, 15, 0x1ab), 0xab << 120);
        assert_eq!(i16x8_replace_lane(u128::MAX, 1, 0x5_0000), !(0xffff << 16));
        assert_eq!(i32x4_replace_lane(0, 2, 0xdead_beef), 0xdead_beef << 64);
        assert_eq!(i64x2_replace_lane(1, 1, 2), 2 << 64 | 1);
        assert_eq!(
            f32x4_replace_lane(0, 0, f32::from_bits(0xff80_0001)),
            0xff80_0001
        );
        assert_eq!(
            lanes_f64x2(f64x2_replace_lane(f64x2_splat(3.0), 0, -0.0))[0].to_bits(),
            (-0.0f64).to_bits()
        );
    }

    #[test]
    fn shuffle_and_swizzle() {
        let a = from_u8x16(std::array::from_fn(|i| i as u8));
        let b = from_u8x16(std::array::from_fn(|i| 0x10 + i as u8));
        let lanes = [31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 30, 14];
        assert_eq!(i8x16_shuffle(a, b, lanes), from_u8x16(lanes));
        assert_eq!(i8x16_shuffle(a, b, [3; 16]), i8x16_splat(3));

        let a = from_u8x16(std::array::from_fn(|i| 0xa0 + i as u8));
        let s = from_u8x16([0, 15, 16, 17, 0x7f, 0x80, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 31]);
        assert_eq!(
            lanes_u8x16(i8x16_swizzle(a, s)),
            [0xa0, 0xaf, 0, 0, 0, 0, 0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0]
        );
    }

    #[test]
    fn saturating_arithmetic_at_the_bounds() {
        let i8v = |l: [i8; 2]| from_i8x16([l[0], l[1], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let lo2 = |v: u128| [lanes_i8x16(v)[0], lanes_i8x16(v)[1]];
        assert_eq!(
            lo2(i8x16_add_sat_s(i8v([127, -128]), i8v([1, -1]))),
            [127, -128]
        );
        assert_eq!(
            lo2(i8x16_sub_sat_s(i8v([-128, 127]), i8v([1, -1]))),
            [-128, 127]
        );
        assert_eq!(
            lo2(i8x16_add_sat_s(i8v([100, -100]), i8v([-1, 1]))),
            [99, -99]
        );
        assert_eq!(
            lanes_u8x16(i8x16_add_sat_u(i8x16_splat(255), i8x16_splat(1)))[0],
            255
        );
        assert_eq!(
            lanes_u8x16(i8x16_add_sat_u(i8x16_splat(200), i8x16_splat(55)))[0],
            255
        );
        assert_eq!(
            lanes_u8x16(i8x16_sub_sat_u(i8x16_splat(0), i8x16_splat(1)))[0],
            0
        );
        assert_eq!(
            lanes_u8x16(i8x16_sub_sat_u(i8x16_splat(5), i8x16_splat(3)))[0],
            2
        );
        assert_eq!(
            lanes_i16x8(i16x8_add_sat_s(i16x8_splat(0x7fff), i16x8_splat(0x7fff)))[0],
            i16::MAX
        );
        assert_eq!(
            lanes_i16x8(i16x8_sub_sat_s(i16x8_splat(0x8000), i16x8_splat(1)))[0],
            i16::MIN
        );
        assert_eq!(
            lanes_u16x8(i16x8_add_sat_u(i16x8_splat(0xffff), i16x8_splat(2)))[0],
            u16::MAX
        );
        assert_eq!(
            lanes_u16x8(i16x8_sub_sat_u(i16x8_splat(1), i16x8_splat(2)))[0],
            0
        );
    }

    #[test]
    fn integer_lane_edge_cases() {
        // avgr_u rounds up, without overflow.
        assert_eq!(
            lanes_u8x16(i8x16_avgr_u(i8x16_splat(1), i8x16_splat(2)))[0],
            2
        );
        assert_eq!(
            lanes_u8x16(i8x16_avgr_u(i8x16_splat(0), i8x16_splat(1)))[0],
            1
        );
        assert_eq!(
            lanes_u8x16(i8x16_avgr_u(i8x16_splat(254), i8x16_splat(255)))[0],
            255
        );
        assert_eq!(
            lanes_u8x16(i8x16_avgr_u(i8x16_splat(255), i8x16_splat(255)))[0],
            255
        );
        assert_eq!(
            lanes_u16x8(i16x8_avgr_u(i16x8_splat(0xffff), i16x8_splat(0xfffe)))[0],
            0xffff
        );
        // abs of the minimum is the minimum; neg wraps.
        assert_eq!(lanes_i8x16(i8x16_abs(i8x16_splat(0x80)))[0], i8::MIN);
        assert_eq!(lanes_i8x16(i8x16_abs(i8x16_splat(0xff)))[0], 1);
        assert_eq!(lanes_i16x8(i16x8_abs(i16x8_splat(0x8000)))[0], i16::MIN);
        assert_eq!(
            lanes_i32x4(i32x4_abs(i32x4_splat(0x8000_0000)))[0],
            i32::MIN
        );
        assert_eq!(
            lanes_i64x2(i64x2_abs(from_i64x2([i64::MIN, -5]))),
            [i64::MIN, 5]
        );
        assert_eq!(
            lanes_i64x2(i64x2_neg(from_i64x2([i64::MIN, 5]))),
            [i64::MIN, -5]
        );
        // popcnt
        assert_eq!(
            lanes_u8x16(i8x16_popcnt(from_u8x16([
                0, 1, 0xff, 0x80, 0x55, 0x0f, 0x7f, 3, 0, 0, 0, 0, 0, 0, 0, 0xfe
            ]))),
            [0, 1, 8, 1, 4, 4, 7, 2, 0, 0, 0, 0, 0, 0, 0, 7]
        );
        // min/max signedness
        assert_eq!(
            lanes_u8x16(i8x16_min_s(i8x16_splat(0x80), i8x16_splat(1)))[0],
            0x80
        );
        assert_eq!(
            lanes_u8x16(i8x16_min_u(i8x16_splat(0x80), i8x16_splat(1)))[0],
            1
        );
        assert_eq!(
            lanes_u32x4(i32x4_max_s(i32x4_splat(u32::MAX), i32x4_splat(0)))[0],
            0
        );
        assert_eq!(
            lanes_u32x4(i32x4_max_u(i32x4_splat(u32::MAX), i32x4_splat(0)))[0],
            u32::MAX
        );
        // i64x2 comparisons are signed; results are all-ones lanes.
        let (a, b) = (from_i64x2([-1, 5]), from_i64x2([0, 5]));
        assert_eq!(i64x2_lt_s(a, b), from_u64x2([u64::MAX, 0]));
        assert_eq!(i64x2_le_s(a, b), u128::MAX);
        assert_eq!(i64x2_gt_s(a, b), 0);
        assert_eq!(i64x2_ge_s(a, b), from_u64x2([0, u64::MAX]));
        assert_eq!(i64x2_eq(a, b), from_u64x2([0, u64::MAX]));
        assert_eq!(i64x2_ne(a, b), from_u64x2([u64::MAX, 0]));
        assert_eq!(i8x16_lt_s(i8x16_splat(0xff), 0), u128::MAX);
        assert_eq!(i8x16_lt_u(i8x16_splat(0xff), 0), 0);
        // i16x8.mul wraps.
        assert_eq!(
            lanes_u16x8(i16x8_mul(i16x8_splat(0x100), i16x8_splat(0x101)))[0],
            0x100
        );
    }

    #[test]
    fn shifts_take_counts_modulo_the_lane_width() {
        assert_eq!(i8x16_shl(i8x16_splat(1), 9), i8x16_splat(2));
        assert_eq!(i8x16_shl(i8x16_splat(0x81), 1), i8x16_splat(2));
        assert_eq!(i8x16_shr_s(i8x16_splat(0x80), 7), u128::MAX);
        assert_eq!(i8x16_shr_s(i8x16_splat(0x80), 8), i8x16_splat(0x80));
        assert_eq!(i8x16_shr_u(i8x16_splat(0x80), 15), i8x16_splat(1));
        assert_eq!(i16x8_shr_s(i16x8_splat(0x8000), 17), i16x8_splat(0xc000));
        assert_eq!(i16x8_shr_u(i16x8_splat(0x8000), 17), i16x8_splat(0x4000));
        assert_eq!(i32x4_shl(i32x4_splat(1), 32), i32x4_splat(1));
        assert_eq!(
            i32x4_shr_u(i32x4_splat(u32::MAX), 0xffff_ffff),
            i32x4_splat(1)
        );
        assert_eq!(
            i64x2_shr_s(i64x2_splat(-8i64 as u64), 65),
            i64x2_splat(-4i64 as u64)
        );
        assert_eq!(i64x2_shl(i64x2_splat(1), 127), i64x2_splat(1 << 63));
    }

    #[test]
    fn all_true_and_bitmask() {
        assert_eq!(i8x16_all_true(i8x16_splat(1)), 1);
        assert_eq!(i8x16_all_true(i8x16_splat(1) & !(0xff << 64)), 0);
        assert_eq!(i16x8_all_true(i8x16_splat(1)), 1);
        assert_eq!(i16x8_all_true(0xffff_0000u128 << 96 | u128::MAX >> 32), 0);
        assert_eq!(
            i32x4_all_true(from_u32x4([1, 0x100, 0x1_0000, 0x8000_0000])),
            1
        );
        assert_eq!(i32x4_all_true(from_u32x4([1, 0, 1, 1])), 0);
        assert_eq!(i64x2_all_true(from_u64x2([1 << 63, 1])), 1);
        assert_eq!(i64x2_all_true(from_u64x2([0, 1])), 0);

        let mut l = [0u8; 16];
        l[0] = 0x80;
        l[3] = 0xff;
        l[7] = 0x7f;
        l[15] = 0x81;
        assert_eq!(i8x16_bitmask(from_u8x16(l)), 0x8009);
        assert_eq!(i8x16_bitmask(u128::MAX), 0xffff);
        assert_eq!(
            i16x8_bitmask(from_u16x8([0x8000, 0x7fff, 0, 0xffff, 0, 0, 0, 0x8001])),
            0x89
        );
        assert_eq!(
            i32x4_bitmask(from_u32x4([0, 0x8000_0000, 0x7fff_ffff, u32::MAX])),
            0b1010
        );
        assert_eq!(i64x2_bitmask(from_u64x2([1 << 63, 1])), 1);
        assert_eq!(i64x2_bitmask(from_u64x2([1, 1 << 63])), 2);
    }

    #[test]
    fn narrowing_saturates_and_takes_a_then_b() {
        let a = from_i16x8([0, 1, -1, 127, 128, -128, -129, 300]);
        let b = from_i16x8([i16::MAX, i16::MIN, 255, 256, -300, 5, -5, 0x7f]);
        assert_eq!(
            lanes_i8x16(i8x16_narrow_i16x8_s(a, b)),
            [0, 1, -1, 127, 127, -128, -128, 127, 127, -128, 127, 127, -128, 5, -5, 127]
        );
        assert_eq!(
            lanes_u8x16(i8x16_narrow_i16x8_u(a, b)),
            [0, 1, 0, 127, 128, 0, 0, 255, 255, 0, 255, 255, 0, 5, 0, 127]
        );
        let a = from_i32x4([65535, -1, 32768, -32769]);
        let b = from_i32x4([i32::MAX, i32::MIN, 32767, 65536]);
        assert_eq!(
            lanes_i16x8(i16x8_narrow_i32x4_s(a, b)),
            [32767, -1, 32767, -32768, 32767, -32768, 32767, 32767]
        );
        assert_eq!(
            lanes_u16x8(i16x8_narrow_i32x4_u(a, b)),
            [65535, 0, 32768, 0, 65535, 0, 32767, 65535]
        );
    }

    #[test]
    fn widening_known_answers() {
        let v = from_i8x16([-1, 2, -128, 127, 0, 0, 0, 0, 5, -5, 0, 0, 0, 0, 0, -128]);
        assert_eq!(
            lanes_i16x8(i16x8_extend_low_i8x16_s(v))[..4],
            [-1, 2, -128, 127]
        );
        assert_eq!(
            lanes_u16x8(i16x8_extend_low_i8x16_u(v))[..4],
            [255, 2, 128, 127]
        );
        assert_eq!(lanes_i16x8(i16x8_extend_high_i8x16_s(v))[..2], [5, -5]);
        assert_eq!(lanes_i16x8(i16x8_extend_high_i8x16_s(v))[7], -128);
        assert_eq!(lanes_i16x8(i16x8_extadd_pairwise_i8x16_s(v))[..2], [1, -1]);
        assert_eq!(
            lanes_u16x8(i16x8_extadd_pairwise_i8x16_u(v))[..2],
            [257, 255]
        );
        assert_eq!(
            lanes_i16x8(i16x8_extmul_low_i8x16_s(v, v))[..4],
            [1, 4, 16384, 16129]
        );
        assert_eq!(
            lanes_u16x8(i16x8_extmul_low_i8x16_u(v, v))[..4],
            [65025, 4, 16384, 16129]
        );
        let w = from_i32x4([-1, i32::MIN, 3, 4]);
        assert_eq!(lanes_i64x2(i64x2_extmul_low_i32x4_s(w, w)), [1, 1 << 62]);
        assert_eq!(
            lanes_u64x2(i64x2_extmul_low_i32x4_u(w, w)),
            [0xffff_fffe_0000_0001, 1 << 62]
        );
        assert_eq!(
            lanes_i64x2(i64x2_extend_low_i32x4_s(w)),
            [-1, i32::MIN.into()]
        );
        assert_eq!(
            lanes_u64x2(i64x2_extend_low_i32x4_u(w)),
            [0xffff_ffff, 0x8000_0000]
        );
        assert_eq!(lanes_i64x2(i64x2_extend_high_i32x4_s(w)), [3, 4]);
        // dot: only MIN*MIN + MIN*MIN overflows, and wraps.
        let a = from_i16x8([i16::MIN, i16::MIN, 1, 2, -3, 4, 0x7fff, 0x7fff]);
        assert_eq!(
            lanes_i32x4(i32x4_dot_i16x8_s(a, a)),
            [i32::MIN, 5, 25, 2 * 0x7fff * 0x7fff]
        );
    }

    #[test]
    fn q15mulr_rounds_and_saturates() {
        let q = |a: i16, b: i16| {
            lanes_i16x8(i16x8_q15mulr_sat_s(
                i16x8_splat(a as u16 as u32),
                i16x8_splat(b as u16 as u32),
            ))[0]
        };
        assert_eq!(q(i16::MIN, i16::MIN), 0x7fff);
        assert_eq!(q(0x4000, 0x4000), 0x2000);
        assert_eq!(q(1, 0x4000), 1); // 0.5 rounds up
        assert_eq!(q(-1, 0x4000), 0); // -0.5 rounds up to 0
        assert_eq!(q(-1, 0x4001), -1);
        assert_eq!(q(i16::MIN, 0x7fff), -0x7fff);
        assert_eq!(q(i16::MIN, 1), -1);
        assert_eq!(q(0x7fff, 0x7fff), 0x7ffe);
    }

    #[test]
    fn float_known_answers() {
        let f = |l: [f32; 4]| from_f32x4(l);
        // nearest rounds half to even.
        assert_eq!(
            lanes_f32x4(f32x4_nearest(f([2.5, 3.5, -2.5, 0.5]))),
            [2.0, 4.0, -2.0, 0.0]
        );
        assert_eq!(
            lanes_f32x4(f32x4_nearest(f([-0.5; 4])))[0].to_bits(),
            0x8000_0000
        );
        assert_eq!(
            lanes_f64x2(f64x2_nearest(from_f64x2([2.5, -1.5]))),
            [2.0, -2.0]
        );
        assert_eq!(
            lanes_f32x4(f32x4_ceil(f([1.1, -1.1, -0.5, 2.0]))),
            [2.0, -1.0, -0.0, 2.0]
        );
        assert_eq!(
            lanes_f32x4(f32x4_ceil(f([-0.5; 4])))[0].to_bits(),
            0x8000_0000
        );
        assert_eq!(
            lanes_f64x2(f64x2_floor(from_f64x2([-1.1, 1.9]))),
            [-2.0, 1.0]
        );
        assert_eq!(
            lanes_f64x2(f64x2_trunc(from_f64x2([-1.9, 1.9]))),
            [-1.0, 1.0]
        );
        // Rounding quiets a signalling NaN and keeps its payload, like the scalar form.
        assert_eq!(
            f32x4_floor(from_u32x4([0x7fa0_0000; 4])),
            from_u32x4([0x7fe0_0000; 4])
        );
        // min/max order the zeros; a NaN operand gives a NaN.
        let z = f([-0.0, 0.0, -0.0, 0.0]);
        let z2 = f([0.0, -0.0, -0.0, 0.0]);
        assert_eq!(
            lanes_u32x4(f32x4_min(z, z2)),
            [0x8000_0000, 0x8000_0000, 0x8000_0000, 0]
        );
        assert_eq!(lanes_u32x4(f32x4_max(z, z2)), [0, 0, 0x8000_0000, 0]);
        assert_eq!(
            lanes_u64x2(f64x2_min(from_f64x2([-0.0, 0.0]), from_f64x2([0.0, -0.0]))),
            [1 << 63, 1 << 63]
        );
        let nan = f32::NAN;
        assert!(
            lanes_f32x4(f32x4_min(f([nan, 1.0, 1.0, 1.0]), f([1.0, nan, 2.0, 0.5])))[..2]
                .iter()
                .all(|x| x.is_nan())
        );
        assert_eq!(
            lanes_f32x4(f32x4_max(f([1.0; 4]), f([2.0, 0.5, -3.0, 1.0]))),
            [2.0, 1.0, 1.0, 1.0]
        );
        // pmin/pmax: `b < a ? b : a` and `a < b ? b : a`, NaNs and zeros unchanged.
        let a = from_u32x4([0x7fc0_1234, 0x3f80_0000, 0x8000_0000, 0]);
        let b = from_u32x4([0x3f80_0000, 0xffc0_0001, 0, 0x8000_0000]);
        assert_eq!(f32x4_pmin(a, b), a);
        assert_eq!(f32x4_pmax(a, b), a);
        assert_eq!(f32x4_pmin(b, a), b);
        assert_eq!(
            lanes_f32x4(f32x4_pmin(
                f([1.0, 3.0, -1.0, 0.0]),
                f([2.0, 2.0, -2.0, 0.0])
            )),
            [1.0, 2.0, -2.0, 0.0]
        );
        assert_eq!(
            lanes_f32x4(f32x4_pmax(
                f([1.0, 3.0, -1.0, 0.0]),
                f([2.0, 2.0, -2.0, 0.0])
            )),
            [2.0, 3.0, -1.0, 0.0]
        );
        let d = from_u64x2([0x7ff8_0000_0000_0001, 0x3ff0_0000_0000_0000]);
        let e = from_u64x2([0x3ff0_0000_0000_0000, 0x7ff8_0000_0000_0001]);
        assert_eq!(f64x2_pmin(d, e), d);
        assert_eq!(f64x2_pmax(d, e), d);
        // abs/neg: sign bit only, payloads (and signalling NaNs) kept.
        let n = from_u32x4([0xffa0_0001, 0x7fc0_0002, 0x8000_0000, 0x3f80_0000]);
        assert_eq!(
            f32x4_abs(n),
            from_u32x4([0x7fa0_0001, 0x7fc0_0002, 0, 0x3f80_0000])
        );
        assert_eq!(
            f32x4_neg(n),
            from_u32x4([0x7fa0_0001, 0xffc0_0002, 0, 0xbf80_0000])
        );
        assert_eq!(
            f64x2_neg(from_u64x2([0x7ff4_0000_0000_0000, 0])),
            from_u64x2([0xfff4_0000_0000_0000, 1 << 63])
        );
        assert_eq!(
            f64x2_abs(from_u64x2([0xfff4_0000_0000_0000, 1 << 63])),
            from_u64x2([0x7ff4_0000_0000_0000, 0])
        );
        // Arithmetic and comparisons.
        assert_eq!(
            lanes_f32x4(f32x4_add(
                f([1.0, 0.1, f32::MAX, -0.0]),
                f([2.0, 0.2, f32::MAX, -0.0])
            )),
            [3.0, 0.1 + 0.2, f32::INFINITY, -0.0]
        );
        assert_eq!(
            lanes_f64x2(f64x2_div(from_f64x2([1.0, -1.0]), from_f64x2([0.0, 0.0]))),
            [f64::INFINITY, f64::NEG_INFINITY]
        );
        assert_eq!(
            lanes_f64x2(f64x2_sqrt(from_f64x2([4.0, 2.0]))),
            [2.0, 2f64.sqrt()]
        );
        let x = f([nan, 1.0, -0.0, 2.0]);
        let y = f([nan, 1.0, 0.0, 1.0]);
        assert_eq!(lanes_u32x4(f32x4_eq(x, y)), [0, !0, !0, 0]);
        assert_eq!(lanes_u32x4(f32x4_ne(x, y)), [!0, 0, 0, !0]);
        assert_eq!(lanes_u32x4(f32x4_lt(x, y)), [0, 0, 0, 0]);
        assert_eq!(lanes_u32x4(f32x4_le(x, y)), [0, !0, !0, 0]);
        assert_eq!(lanes_u32x4(f32x4_gt(x, y)), [0, 0, 0, !0]);
        assert_eq!(lanes_u32x4(f32x4_ge(x, y)), [0, !0, !0, !0]);
        let (x, y) = (from_f64x2([f64::NAN, 1.0]), from_f64x2([1.0, 2.0]));
        assert_eq!(f64x2_lt(x, y), from_u64x2([0, !0]));
        assert_eq!(f64x2_ne(x, y), u128::MAX);
    }

    #[test]
    fn conversion_known_answers() {
        let inf = f32::INFINITY;
        let v = from_f32x4([f32::NAN, inf, -inf, -2147483904.0]);
        assert_eq!(
            lanes_i32x4(i32x4_trunc_sat_f32x4_s(v)),
            [0, i32::MAX, i32::MIN, i32::MIN]
        );
        assert_eq!(lanes_u32x4(i32x4_trunc_sat_f32x4_u(v)), [0, u32::MAX, 0, 0]);
        let v = from_f32x4([-0.9, -1.5, 2147483520.0, 4294967040.0]);
        assert_eq!(
            lanes_i32x4(i32x4_trunc_sat_f32x4_s(v)),
            [0, -1, 2147483520, i32::MAX]
        );
        assert_eq!(
            lanes_u32x4(i32x4_trunc_sat_f32x4_u(v)),
            [0, 0, 2147483520, 4294967040]
        );
        let v = from_f64x2([f64::NAN, -2147483648.9]);
        assert_eq!(
            lanes_i32x4(i32x4_trunc_sat_f64x2_s_zero(v)),
            [0, i32::MIN, 0, 0]
        );
        let v = from_f64x2([4294967295.9, -0.9]);
        assert_eq!(
            lanes_u32x4(i32x4_trunc_sat_f64x2_u_zero(v)),
            [u32::MAX, 0, 0, 0]
        );
        assert_eq!(
            lanes_i32x4(i32x4_trunc_sat_f64x2_s_zero(from_f64x2([
                2147483647.9,
                1e300
            ]))),
            [i32::MAX, i32::MAX, 0, 0]
        );

        let v = from_u32x4([u32::MAX, 0x8000_0000, 16777217, 1]);
        assert_eq!(
            lanes_f32x4(f32x4_convert_i32x4_s(v)),
            [-1.0, -2147483648.0, 16777216.0, 1.0]
        );
        assert_eq!(
            lanes_f32x4(f32x4_convert_i32x4_u(v)),
            [4294967296.0, 2147483648.0, 16777216.0, 1.0]
        );
        // 16777219 is halfway between two floats: ties to even (16777220).
        assert_eq!(
            lanes_f32x4(f32x4_convert_i32x4_u(i32x4_splat(16777219)))[0],
            16777220.0
        );
        assert_eq!(
            lanes_f64x2(f64x2_convert_low_i32x4_u(from_u32x4([
                u32::MAX,
                0x8000_0000,
                9,
                9
            ]))),
            [4294967295.0, 2147483648.0]
        );
        assert_eq!(
            lanes_f64x2(f64x2_convert_low_i32x4_s(from_u32x4([
                u32::MAX,
                0x8000_0000,
                9,
                9
            ]))),
            [-1.0, -2147483648.0]
        );

        let d = f32x4_demote_f64x2_zero(from_f64x2([0.1, 1e300]));
        assert_eq!(lanes_f32x4(d), [0.1f32, f32::INFINITY, 0.0, 0.0]);
        assert_eq!(lanes_u32x4(d)[2..], [0, 0]);
        let d = f32x4_demote_f64x2_zero(from_f64x2([-1e-300, f64::NAN]));
        assert_eq!(lanes_u32x4(d)[0], 0x8000_0000);
        assert!(lanes_f32x4(d)[1].is_nan());
        let p = f64x2_promote_low_f32x4(from_f32x4([0.1, -inf, 7.0, 7.0]));
        assert_eq!(lanes_f64x2(p), [f64::from(0.1f32), f64::NEG_INFINITY]);
    }

    #[test]
    fn load_lane_helpers() {
        let bytes = 0x8081_7f01_ff00_0280u64;
        assert_eq!(
            lanes_i16x8(v128_load8x8_s(bytes)),
            [-128, 2, 0, -1, 1, 127, -127, -128]
        );
        assert_eq!(
            lanes_u16x8(v128_load8x8_u(bytes)),
            [0x80, 2, 0, 0xff, 1, 0x7f, 0x81, 0x80]
        );
        assert_eq!(
            lanes_i32x4(v128_load16x4_s(bytes)),
            [0x0280, -256, 0x7f01, -32639]
        );
        assert_eq!(
            lanes_u32x4(v128_load16x4_u(bytes)),
            [0x0280, 0xff00, 0x7f01, 0x8081]
        );
        assert_eq!(
            lanes_i64x2(v128_load32x2_s(bytes)),
            [0xff00_0280u32 as i32 as i64, 0x8081_7f01u32 as i32 as i64]
        );
        assert_eq!(
            lanes_u64x2(v128_load32x2_u(bytes)),
            [0xff00_0280, 0x8081_7f01]
        );
        assert_eq!(v128_load32_zero(u32::MAX), 0xffff_ffff);
        assert_eq!(v128_load64_zero(u64::MAX), u128::from(u64::MAX));
    }

    // -----------------------------------------------------------------------------------
    // Relaxed SIMD: the deterministic results
    // -----------------------------------------------------------------------------------

    #[test]
    fn relaxed_operators_give_the_deterministic_results() {
        let mut rng = Rng(99);
        let (t32, t64) = (f32_table(), f64_table());
        for _ in 0..ROUNDS {
            let (a, b, c) = (
                gen(&mut rng, 8, INTS),
                gen(&mut rng, 8, INTS),
                gen(&mut rng, 8, INTS),
            );
            assert_eq!(i8x16_relaxed_swizzle(a, b), i8x16_swizzle(a, b));
            assert_eq!(i8x16_relaxed_laneselect(a, b, c), v128_bitselect(a, b, c));
            assert_eq!(i16x8_relaxed_laneselect(a, b, c), v128_bitselect(a, b, c));
            assert_eq!(i32x4_relaxed_laneselect(a, b, c), v128_bitselect(a, b, c));
            assert_eq!(i64x2_relaxed_laneselect(a, b, c), v128_bitselect(a, b, c));
            let (p, q) = (gen(&mut rng, 16, INTS), gen(&mut rng, 16, INTS));
            assert_eq!(i16x8_relaxed_q15mulr_s(p, q), i16x8_q15mulr_sat_s(p, q));
            let (x, y) = (gen(&mut rng, 32, &t32), gen(&mut rng, 32, &t32));
            assert_eq!(i32x4_relaxed_trunc_f32x4_s(x), i32x4_trunc_sat_f32x4_s(x));
            assert_eq!(i32x4_relaxed_trunc_f32x4_u(x), i32x4_trunc_sat_f32x4_u(x));
            assert_eq!(f32x4_relaxed_min(x, y), f32x4_min(x, y));
            assert_eq!(f32x4_relaxed_max(x, y), f32x4_max(x, y));
            let (x, y) = (gen(&mut rng, 64, &t64), gen(&mut rng, 64, &t64));
            assert_eq!(
                i32x4_relaxed_trunc_f64x2_s_zero(x),
                i32x4_trunc_sat_f64x2_s_zero(x)
            );
            assert_eq!(
                i32x4_relaxed_trunc_f64x2_u_zero(x),
                i32x4_trunc_sat_f64x2_u_zero(x)
            );
            assert_eq!(f64x2_relaxed_min(x, y), f64x2_min(x, y));
            assert_eq!(f64x2_relaxed_max(x, y), f64x2_max(x, y));

            // Dot products: both operands signed, pair sums saturated to i16.
            let (la, lb) = (lanes_i8x16(a), lanes_i8x16(b));
            let pair = |i: usize| {
                let p = |j: usize| i32::from(la[j]) * i32::from(lb[j]);
                (p(2 * i) + p(2 * i + 1)).clamp(-32768, 32767)
            };
            let dot = lanes_i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b));
            assert_eq!(dot, std::array::from_fn(|i| pair(i) as i16));
            let lc = lanes_i32x4(c);
            let acc = lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, c));
            assert_eq!(
                acc,
                std::array::from_fn(|i| (pair(2 * i) + pair(2 * i + 1)).wrapping_add(lc[i]))
            );
        }

        // The dot products where the second operand's top bit is set: signed, -128.
        let m128 = i8x16_splat(0x80);
        assert_eq!(
            i16x8_relaxed_dot_i8x16_i7x16_s(m128, m128),
            i16x8_splat(0x7fff)
        );
        assert_eq!(
            i16x8_relaxed_dot_i8x16_i7x16_s(i8x16_splat(1), m128),
            i16x8_splat(-256i32 as u32)
        );
        assert_eq!(
            i16x8_relaxed_dot_i8x16_i7x16_s(i8x16_splat(0x7f), i8x16_splat(0x7f)),
            i16x8_splat(2 * 127 * 127)
        );
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                m128,
                m128,
                i32x4_splat(1)
            )),
            [65535; 4]
        );
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                m128,
                m128,
                i32x4_splat(i32::MAX as u32)
            )),
            [i32::MAX.wrapping_add(65534); 4]
        );
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                from_i8x16([1, 2, 3, 4, -1, -2, -3, -4, 0, 0, 0, 0, 5, 0, 0, 0]),
                from_i8x16([5, 6, 7, 8, 5, 6, 7, 8, 0, 0, 0, 0, 0x7f, 0, 0, 0]),
                from_i32x4([100, 0, 0, -1])
            )),
            [100 + 70, -70, 0, 635 - 1]
        );

        // Relaxed swizzle: out-of-range indices give 0 (deterministic profile).
        let a = from_u8x16(std::array::from_fn(|i| i as u8 + 1));
        let s = from_u8x16([16, 17, 31, 0x7f, 0x80, 0xff, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            lanes_u8x16(i8x16_relaxed_swizzle(a, s))[..8],
            [0, 0, 0, 0, 0, 0, 1, 16]
        );
        // Relaxed laneselect with masks that are not all-ones/all-zeros: a bit select.
        assert_eq!(
            i32x4_relaxed_laneselect(u128::MAX, 0, from_u32x4([0x8000_0000, 1, 0x00ff_ff00, !0])),
            from_u32x4([0x8000_0000, 1, 0x00ff_ff00, !0])
        );
        // Relaxed truncation: NaN 0, saturating out of range.
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_trunc_f32x4_s(from_f32x4([
                f32::NAN,
                3e9,
                -3e9,
                -1.5
            ]))),
            [0, i32::MAX, i32::MIN, -1]
        );
        assert_eq!(
            lanes_u32x4(i32x4_relaxed_trunc_f32x4_u(from_f32x4([
                f32::NAN,
                5e9,
                -1.0,
                1.5
            ]))),
            [0, u32::MAX, 0, 1]
        );
        assert_eq!(
            lanes_u32x4(i32x4_relaxed_trunc_f64x2_u_zero(from_f64x2([
                f64::NAN,
                -5.0
            ]))),
            [0, 0, 0, 0]
        );
        // Relaxed min/max: fmin/fmax (ordered zeros).
        assert_eq!(
            f32x4_relaxed_min(f32x4_splat(0.0), f32x4_splat(-0.0)),
            f32x4_splat(-0.0)
        );
        assert_eq!(
            f64x2_relaxed_max(f64x2_splat(-0.0), f64x2_splat(0.0)),
            f64x2_splat(0.0)
        );
        // Relaxed q15mulr saturates.
        assert_eq!(
            i16x8_relaxed_q15mulr_s(i16x8_splat(0x8000), i16x8_splat(0x8000)),
            i16x8_splat(0x7fff)
        );
    }

    /// Vectors of the relaxed-simd proposal's test suite (`test/core/relaxed-simd`), with
    /// the deterministic member of each `either` set.
    #[test]
    fn relaxed_spec_suite_vectors() {
        // relaxed_madd_nmadd.wast: FLT_MAX * 2 - FLT_MAX is FLT_MAX when fused.
        assert_eq!(
            f32x4_relaxed_madd(
                f32x4_splat(f32::MAX),
                f32x4_splat(2.0),
                f32x4_splat(-f32::MAX)
            ),
            f32x4_splat(f32::MAX)
        );
        // (1 + 2^-22) * (1 + 2^-15) - 0x1.000204p+0 is 2^-37 when fused.
        let (x, y, z) = (
            f32::from_bits(0x3f80_0002),
            f32::from_bits(0x3f80_0100),
            -f32::from_bits(0x3f80_0102),
        );
        let want = f32x4_splat(2f32.powi(-37));
        assert_eq!(
            f32x4_relaxed_madd(f32x4_splat(x), f32x4_splat(y), f32x4_splat(z)),
            want
        );
        assert_eq!(
            f32x4_relaxed_nmadd(f32x4_splat(-x), f32x4_splat(y), f32x4_splat(z)),
            want
        );
        assert_eq!(
            f32x4_relaxed_nmadd(f32x4_splat(x), f32x4_splat(-y), f32x4_splat(z)),
            want
        );
        // relaxed_dot_product.wast
        let a = from_i8x16([-128, -128, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = from_i8x16([127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            lanes_i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b)),
            [-32512, 32258, 0, 0, 0, 0, 0, 0]
        );
        let b = from_i8x16([-127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lanes_i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b))[0], 32512);
        let a = from_i8x16([
            -128, -128, -128, -128, 127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        let b = from_i8x16([
            127, 127, 127, 127, 127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                a,
                b,
                from_i32x4([1, 2, 3, 4])
            )),
            [-65023, 64518, 3, 4]
        );
        let a = from_i8x16([-128, -128, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = from_i8x16([-127, -127, -127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                a,
                b,
                from_i32x4([1, 2, 3, 4])
            )),
            [65025, 2, 3, 4]
        );
        // i32x4_relaxed_trunc.wast
        assert_eq!(
            lanes_i32x4(i32x4_relaxed_trunc_f32x4_s(from_f32x4([
                -2147483648.0,
                -2147483904.0,
                2.0,
                2147483904.0
            ]))),
            [i32::MIN, i32::MIN, 2, i32::MAX]
        );
        assert_eq!(
            lanes_u32x4(i32x4_relaxed_trunc_f32x4_u(from_f32x4([
                0.0,
                -1.0,
                4294967040.0,
                4294967296.0
            ]))),
            [0, 0, 4294967040, u32::MAX]
        );
        assert_eq!(
            i32x4_relaxed_trunc_f32x4_s(from_u32x4([
                0x7fc0_0000,
                0xffc0_0000,
                0x7fc4_4444,
                0xffc4_4444
            ])),
            0
        );
        assert_eq!(
            lanes_u32x4(i32x4_relaxed_trunc_f64x2_u_zero(from_f64x2([
                -1.0,
                4294967296.0
            ]))),
            [0, u32::MAX, 0, 0]
        );
        // i16x8_relaxed_q15mulr_s.wast
        let r = i16x8_relaxed_q15mulr_s(
            from_i16x8([-32768, -32767, 32767, 0, 0, 0, 0, 0]),
            from_i16x8([-32768, -32768, 32767, 0, 0, 0, 0, 0]),
        );
        assert_eq!(lanes_i16x8(r), [32767, 32767, 32766, 0, 0, 0, 0, 0]);
        // relaxed_laneselect.wast (the bitselect member)
        let r = i16x8_relaxed_laneselect(
            from_u16x8([0, 1, 0x1234, 0x1234, 4, 5, 6, 7]),
            from_u16x8([8, 9, 0x5678, 0x5678, 12, 13, 14, 15]),
            from_u16x8([0xffff, 0, 0xff00, 0x0080, 0, 0, 0, 0]),
        );
        assert_eq!(lanes_u16x8(r), [0, 9, 0x1278, 0x5678, 12, 13, 14, 15]);
        // i8x16_relaxed_swizzle.wast (the zero member)
        let a = from_u8x16(std::array::from_fn(|i| i as u8));
        let s = from_u8x16(std::array::from_fn(|i| 16 + i as u8));
        assert_eq!(i8x16_relaxed_swizzle(a, s), 0);
    }

    #[test]
    fn relaxed_madd_is_fused() {
        // a * b = 1 + 2^-22 + 2^-46: the unfused product rounds 2^-46 away.
        let a = f32::from_bits(0x3f80_0001); // 1 + 2^-23
        let c = -f32::from_bits(0x3f80_0002); // -(1 + 2^-22)
        let r = f32x4_relaxed_madd(f32x4_splat(a), f32x4_splat(a), f32x4_splat(c));
        assert_eq!(lanes_f32x4(r), [2f32.powi(-46); 4]);
        assert_ne!(a * a + c, 2f32.powi(-46));
        let r = f32x4_relaxed_nmadd(f32x4_splat(a), f32x4_splat(a), f32x4_splat(-c));
        assert_eq!(lanes_f32x4(r), [-(2f32.powi(-46)); 4]);

        let a = f64::from_bits(0x3ff0_0000_0000_0001); // 1 + 2^-52
        let c = -f64::from_bits(0x3ff0_0000_0000_0002); // -(1 + 2^-51)
        let r = f64x2_relaxed_madd(f64x2_splat(a), f64x2_splat(a), f64x2_splat(c));
        assert_eq!(lanes_f64x2(r), [2f64.powi(-104); 2]);
        let r = f64x2_relaxed_nmadd(f64x2_splat(a), f64x2_splat(a), f64x2_splat(-c));
        assert_eq!(lanes_f64x2(r), [-(2f64.powi(-104)); 2]);

        // Plain values, infinities, and the spec's invalid cases.
        let f = |l: [f32; 4]| from_f32x4(l);
        let r = f32x4_relaxed_madd(
            f([2.0, f32::INFINITY, 0.0, f32::MAX]),
            f([3.0, 0.0, -1.0, 2.0]),
            f([1.0, 1.0, 0.0, -f32::INFINITY]),
        );
        let r = lanes_f32x4(r);
        assert_eq!(r[0], 7.0);
        assert!(r[1].is_nan());
        assert_eq!(r[2].to_bits(), 0); // -0 + +0 = +0
        assert_eq!(r[3], f32::NEG_INFINITY);
        let r = lanes_f64x2(f64x2_relaxed_nmadd(
            from_f64x2([2.0, 0.0]),
            from_f64x2([3.0, 1.0]),
            from_f64x2([1.0, -0.0]),
        ));
        assert_eq!(r[0], -5.0);
        assert_eq!(r[1].to_bits(), (-0.0f64).to_bits()); // -(+0) + -0 = -0
    }
}
