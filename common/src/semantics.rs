//! The semantics of wasm's scalar operators as plain Rust functions: one definition each,
//! called by the interpreter's generated handlers, the AOT engine's runtime intrinsics
//! (XIP) and anything that folds constants.
//!
//! Integers are taken and returned as the signedness the operator reads (`u32` for
//! `i32.add`, `i32` for `i32.div_s`); floats as `f32`/`f64`. Operators that can trap
//! return `Result<_, TrapKind>`. Everything is `#[inline(always)]`: a handler that calls
//! one compiles to the same code as the expression written in place.

use crate::numeric::{fmax, fmin};
use crate::TrapKind;

macro_rules! int_semantics {
    ($u:ident, $s:ident, $bits:expr, {
        $add:ident $sub:ident $mul:ident $div_s:ident $div_u:ident $rem_s:ident $rem_u:ident
        $and:ident $or:ident $xor:ident $shl:ident $shr_s:ident $shr_u:ident $rotl:ident $rotr:ident
        $clz:ident $ctz:ident $popcnt:ident $eqz:ident $extend8_s:ident $extend16_s:ident
        $eq:ident $ne:ident $lt_s:ident $lt_u:ident $gt_s:ident $gt_u:ident
        $le_s:ident $le_u:ident $ge_s:ident $ge_u:ident
    }) => {
        #[inline(always)]
        pub fn $add(a: $u, b: $u) -> $u {
            a.wrapping_add(b)
        }
        #[inline(always)]
        pub fn $sub(a: $u, b: $u) -> $u {
            a.wrapping_sub(b)
        }
        #[inline(always)]
        pub fn $mul(a: $u, b: $u) -> $u {
            a.wrapping_mul(b)
        }
        /// Traps on a zero divisor and on `MIN / -1`.
        #[inline(always)]
        pub fn $div_s(a: $s, b: $s) -> Result<$s, TrapKind> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            if a == $s::MIN && b == -1 {
                return Err(TrapKind::IntegerOverflow);
            }
            Ok(a.wrapping_div(b))
        }
        #[inline(always)]
        pub fn $div_u(a: $u, b: $u) -> Result<$u, TrapKind> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(a / b)
        }
        /// `MIN rem -1` is 0, not a trap.
        #[inline(always)]
        pub fn $rem_s(a: $s, b: $s) -> Result<$s, TrapKind> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(a.wrapping_rem(b))
        }
        #[inline(always)]
        pub fn $rem_u(a: $u, b: $u) -> Result<$u, TrapKind> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(a % b)
        }
        #[inline(always)]
        pub fn $and(a: $u, b: $u) -> $u {
            a & b
        }
        #[inline(always)]
        pub fn $or(a: $u, b: $u) -> $u {
            a | b
        }
        #[inline(always)]
        pub fn $xor(a: $u, b: $u) -> $u {
            a ^ b
        }
        /// Shift counts are taken modulo the width.
        #[inline(always)]
        pub fn $shl(a: $u, b: $u) -> $u {
            a.wrapping_shl(b as u32)
        }
        #[inline(always)]
        pub fn $shr_s(a: $s, b: $s) -> $s {
            a.wrapping_shr(b as u32)
        }
        #[inline(always)]
        pub fn $shr_u(a: $u, b: $u) -> $u {
            a.wrapping_shr(b as u32)
        }
        #[inline(always)]
        pub fn $rotl(a: $u, b: $u) -> $u {
            a.rotate_left((b % $bits) as u32)
        }
        #[inline(always)]
        pub fn $rotr(a: $u, b: $u) -> $u {
            a.rotate_right((b % $bits) as u32)
        }
        #[inline(always)]
        pub fn $clz(a: $u) -> $u {
            a.leading_zeros() as $u
        }
        #[inline(always)]
        pub fn $ctz(a: $u) -> $u {
            a.trailing_zeros() as $u
        }
        #[inline(always)]
        pub fn $popcnt(a: $u) -> $u {
            a.count_ones() as $u
        }
        #[inline(always)]
        pub fn $eqz(a: $u) -> u32 {
            u32::from(a == 0)
        }
        #[inline(always)]
        pub fn $extend8_s(a: $u) -> $s {
            a as i8 as $s
        }
        #[inline(always)]
        pub fn $extend16_s(a: $u) -> $s {
            a as i16 as $s
        }
        #[inline(always)]
        pub fn $eq(a: $u, b: $u) -> u32 {
            u32::from(a == b)
        }
        #[inline(always)]
        pub fn $ne(a: $u, b: $u) -> u32 {
            u32::from(a != b)
        }
        #[inline(always)]
        pub fn $lt_s(a: $s, b: $s) -> u32 {
            u32::from(a < b)
        }
        #[inline(always)]
        pub fn $lt_u(a: $u, b: $u) -> u32 {
            u32::from(a < b)
        }
        #[inline(always)]
        pub fn $gt_s(a: $s, b: $s) -> u32 {
            u32::from(a > b)
        }
        #[inline(always)]
        pub fn $gt_u(a: $u, b: $u) -> u32 {
            u32::from(a > b)
        }
        #[inline(always)]
        pub fn $le_s(a: $s, b: $s) -> u32 {
            u32::from(a <= b)
        }
        #[inline(always)]
        pub fn $le_u(a: $u, b: $u) -> u32 {
            u32::from(a <= b)
        }
        #[inline(always)]
        pub fn $ge_s(a: $s, b: $s) -> u32 {
            u32::from(a >= b)
        }
        #[inline(always)]
        pub fn $ge_u(a: $u, b: $u) -> u32 {
            u32::from(a >= b)
        }
    };
}

int_semantics!(u32, i32, 32, {
    i32_add i32_sub i32_mul i32_div_s i32_div_u i32_rem_s i32_rem_u
    i32_and i32_or i32_xor i32_shl i32_shr_s i32_shr_u i32_rotl i32_rotr
    i32_clz i32_ctz i32_popcnt i32_eqz i32_extend8_s i32_extend16_s
    i32_eq i32_ne i32_lt_s i32_lt_u i32_gt_s i32_gt_u i32_le_s i32_le_u i32_ge_s i32_ge_u
});

int_semantics!(u64, i64, 64, {
    i64_add i64_sub i64_mul i64_div_s i64_div_u i64_rem_s i64_rem_u
    i64_and i64_or i64_xor i64_shl i64_shr_s i64_shr_u i64_rotl i64_rotr
    i64_clz i64_ctz i64_popcnt i64_eqz i64_extend8_s i64_extend16_s
    i64_eq i64_ne i64_lt_s i64_lt_u i64_gt_s i64_gt_u i64_le_s i64_le_u i64_ge_s i64_ge_u
});

#[inline(always)]
pub fn i64_extend32_s(a: u64) -> i64 {
    a as i32 as i64
}

/// Unsigned 32-bit division and remainder by a constant divisor `d` (at least 2) with
/// multiplications instead of a hardware divide, which takes several times as long: the
/// divisor's magic is `ceil(2^64 / d)`, and both results are exact for every 32-bit
/// dividend (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019).
/// `None` for 0 and 1, which need no magic (0 traps, 1 is trivial).
pub fn u32_divisor_magic(d: u32) -> Option<u64> {
    (d >= 2).then(|| u64::MAX / u64::from(d) + 1)
}

/// `a / d` for the `magic` of `d` ([`u32_divisor_magic`]).
#[inline(always)]
pub fn u32_div_by_magic(a: u32, magic: u64) -> u32 {
    ((u128::from(magic) * u128::from(a)) >> 64) as u32
}

/// `a % d` for `d` and its `magic` ([`u32_divisor_magic`]).
#[inline(always)]
pub fn u32_rem_by_magic(a: u32, d: u32, magic: u64) -> u32 {
    let fraction = magic.wrapping_mul(u64::from(a));
    ((u128::from(fraction) * u128::from(d)) >> 64) as u32
}

/// Rounding instructions return a signalling NaN quieted (payload kept); Rust's
/// rounding functions may pass it through unchanged. The quiet bit is set on the bits:
/// arithmetic such as `a + a` quiets at run time, but the compiler folds it on a
/// constant without quieting, so a release build disagreed with the hardware.
trait QuietNan: Copy {
    fn quieted(self) -> Self;
}

impl QuietNan for f32 {
    #[inline(always)]
    fn quieted(self) -> f32 {
        if self.is_nan() {
            f32::from_bits(self.to_bits() | f32::NAN.to_bits())
        } else {
            self
        }
    }
}

impl QuietNan for f64 {
    #[inline(always)]
    fn quieted(self) -> f64 {
        if self.is_nan() {
            f64::from_bits(self.to_bits() | f64::NAN.to_bits())
        } else {
            self
        }
    }
}

#[inline(always)]
fn quiet_nan<T: QuietNan>(a: T) -> T {
    a.quieted()
}

macro_rules! float_semantics {
    ($f:ident, $bits:ident, $sign:expr, {
        $add:ident $sub:ident $mul:ident $div:ident $min:ident $max:ident $copysign:ident
        $abs:ident $neg:ident $ceil:ident $floor:ident $trunc:ident $nearest:ident $sqrt:ident
        $eq:ident $ne:ident $lt:ident $gt:ident $le:ident $ge:ident
    }) => {
        #[inline(always)]
        pub fn $add(a: $f, b: $f) -> $f {
            a + b
        }
        #[inline(always)]
        pub fn $sub(a: $f, b: $f) -> $f {
            a - b
        }
        #[inline(always)]
        pub fn $mul(a: $f, b: $f) -> $f {
            a * b
        }
        #[inline(always)]
        pub fn $div(a: $f, b: $f) -> $f {
            a / b
        }
        #[inline(always)]
        pub fn $min(a: $f, b: $f) -> $f {
            fmin(a, b)
        }
        #[inline(always)]
        pub fn $max(a: $f, b: $f) -> $f {
            fmax(a, b)
        }
        /// Sign operations work on the bits: NaN payloads pass unchanged.
        #[inline(always)]
        pub fn $copysign(a: $bits, b: $bits) -> $bits {
            (a & !$sign) | (b & $sign)
        }
        #[inline(always)]
        pub fn $abs(a: $bits) -> $bits {
            a & !$sign
        }
        #[inline(always)]
        pub fn $neg(a: $bits) -> $bits {
            a ^ $sign
        }
        #[inline(always)]
        pub fn $ceil(a: $f) -> $f {
            quiet_nan(a).ceil()
        }
        #[inline(always)]
        pub fn $floor(a: $f) -> $f {
            quiet_nan(a).floor()
        }
        #[inline(always)]
        pub fn $trunc(a: $f) -> $f {
            quiet_nan(a).trunc()
        }
        #[inline(always)]
        pub fn $nearest(a: $f) -> $f {
            quiet_nan(a).round_ties_even()
        }
        #[inline(always)]
        pub fn $sqrt(a: $f) -> $f {
            a.sqrt()
        }
        #[inline(always)]
        pub fn $eq(a: $f, b: $f) -> u32 {
            u32::from(a == b)
        }
        #[inline(always)]
        pub fn $ne(a: $f, b: $f) -> u32 {
            u32::from(a != b)
        }
        #[inline(always)]
        pub fn $lt(a: $f, b: $f) -> u32 {
            u32::from(a < b)
        }
        #[inline(always)]
        pub fn $gt(a: $f, b: $f) -> u32 {
            u32::from(a > b)
        }
        #[inline(always)]
        pub fn $le(a: $f, b: $f) -> u32 {
            u32::from(a <= b)
        }
        #[inline(always)]
        pub fn $ge(a: $f, b: $f) -> u32 {
            u32::from(a >= b)
        }
    };
}

float_semantics!(f32, u32, 0x8000_0000u32, {
    f32_add f32_sub f32_mul f32_div f32_min f32_max f32_copysign
    f32_abs f32_neg f32_ceil f32_floor f32_trunc f32_nearest f32_sqrt
    f32_eq f32_ne f32_lt f32_gt f32_le f32_ge
});

float_semantics!(f64, u64, 0x8000_0000_0000_0000u64, {
    f64_add f64_sub f64_mul f64_div f64_min f64_max f64_copysign
    f64_abs f64_neg f64_ceil f64_floor f64_trunc f64_nearest f64_sqrt
    f64_eq f64_ne f64_lt f64_gt f64_le f64_ge
});

#[inline(always)]
pub fn i32_wrap_i64(a: u64) -> u32 {
    a as u32
}
#[inline(always)]
pub fn i64_extend_i32_s(a: i32) -> i64 {
    a as i64
}
#[inline(always)]
pub fn i64_extend_i32_u(a: u32) -> u64 {
    a as u64
}

/// Trapping float-to-int conversions: NaN is an invalid conversion, a value outside the
/// open interval `(lo, hi)` overflows. The bounds are the first values outside the
/// target's range, exactly representable in the source type.
macro_rules! trunc_semantics {
    ($($name:ident $sat:ident: $t:ty => $r:ty, $lo:expr, $hi:expr;)*) => {$(
        #[inline(always)]
        pub fn $name(a: $t) -> Result<$r, TrapKind> {
            if a.is_nan() {
                return Err(TrapKind::InvalidConversionToInteger);
            }
            if !(a > $lo && a < $hi) {
                return Err(TrapKind::IntegerOverflow);
            }
            Ok(a as $r)
        }
        /// Saturating: Rust's `as` saturates and maps NaN to 0, as wasm requires.
        #[inline(always)]
        pub fn $sat(a: $t) -> $r {
            a as $r
        }
    )*};
}

trunc_semantics! {
    i32_trunc_f32_s i32_trunc_sat_f32_s: f32 => i32, -2147483904.0, 2147483648.0;
    i32_trunc_f32_u i32_trunc_sat_f32_u: f32 => u32, -1.0, 4294967296.0;
    i32_trunc_f64_s i32_trunc_sat_f64_s: f64 => i32, -2147483649.0, 2147483648.0;
    i32_trunc_f64_u i32_trunc_sat_f64_u: f64 => u32, -1.0, 4294967296.0;
    i64_trunc_f32_s i64_trunc_sat_f32_s: f32 => i64, -9223373136366403584.0, 9223372036854775808.0;
    i64_trunc_f32_u i64_trunc_sat_f32_u: f32 => u64, -1.0, 18446744073709551616.0;
    i64_trunc_f64_s i64_trunc_sat_f64_s: f64 => i64, -9223372036854777856.0, 9223372036854775808.0;
    i64_trunc_f64_u i64_trunc_sat_f64_u: f64 => u64, -1.0, 18446744073709551616.0;
}

macro_rules! convert_semantics {
    ($($name:ident: $t:ty => $r:ty;)*) => {$(
        #[inline(always)]
        pub fn $name(a: $t) -> $r {
            a as $r
        }
    )*};
}

convert_semantics! {
    f32_convert_i32_s: i32 => f32;
    f32_convert_i32_u: u32 => f32;
    f32_convert_i64_s: i64 => f32;
    f32_convert_i64_u: u64 => f32;
    f64_convert_i32_s: i32 => f64;
    f64_convert_i32_u: u32 => f64;
    f64_convert_i64_s: i64 => f64;
    f64_convert_i64_u: u64 => f64;
    f32_demote_f64: f64 => f32;
    f64_promote_f32: f32 => f64;
}

/// The effective address of an access of `size` bytes at `base + offset`, if it lies
/// inside a memory of `mem_size` bytes. 64-bit arithmetic: a 32-bit base plus a 32-bit
/// offset plus the size cannot wrap.
#[inline(always)]
pub fn effective_address(
    base: u32,
    offset: u32,
    size: u64,
    mem_size: u64,
) -> Result<usize, TrapKind> {
    let addr = u64::from(base) + u64::from(offset);
    if addr + size > mem_size {
        return Err(TrapKind::MemoryOutOfBounds);
    }
    Ok(addr as usize)
}

/// The start of an access of `size` bytes that ends `end_offset` bytes past the 32-bit
/// address `base` (the static offset plus `size`, as the interpreter encodes it), inside
/// a memory of `mem_size` bytes. Same rule as [`effective_address`]; the caller
/// guarantees `end_offset >= size`. One add forms the end, which is both what is checked
/// and, less the constant `size`, the address of the access.
#[inline(always)]
pub fn access_start(
    base: u32,
    end_offset: u32,
    size: u64,
    mem_size: u64,
) -> Result<usize, TrapKind> {
    let end = u64::from(base) + u64::from(end_offset);
    if end > mem_size {
        return Err(TrapKind::MemoryOutOfBounds);
    }
    Ok((end - size) as usize)
}

/// The byte offset of an access of `size` bytes at a 64-bit address plus a 64-bit static
/// `offset` (memory64), inside a memory of `mem_size` bytes: any overflow is out of
/// bounds.
#[inline(always)]
pub fn access_start64(addr: u64, offset: u64, size: u64, mem_size: u64) -> Result<usize, TrapKind> {
    match addr.checked_add(offset) {
        Some(ea) if ea.checked_add(size).is_some_and(|end| end <= mem_size) => Ok(ea as usize),
        _ => Err(TrapKind::MemoryOutOfBounds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_traps_and_edge_cases() {
        assert_eq!(i32_div_s(7, 0), Err(TrapKind::IntegerDivideByZero));
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapKind::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_div_u(u64::MAX, 2), Ok(u64::MAX / 2));
        assert_eq!(i64_rem_u(5, 0), Err(TrapKind::IntegerDivideByZero));
        assert_eq!(i32_div_s(-7, 2), Ok(-3));
        assert_eq!(i32_rem_s(-7, 2), Ok(-1));
    }

    #[test]
    fn shifts_and_rotates_take_counts_modulo_the_width() {
        assert_eq!(i32_shl(1, 33), 2);
        assert_eq!(i64_shr_s(-8, 65), -4);
        assert_eq!(i32_rotl(0x8000_0001, 33), 3);
        assert_eq!(i64_rotr(1, 65), 1 << 63);
    }

    #[test]
    fn conversions_trap_outside_the_range() {
        assert_eq!(
            i32_trunc_f32_s(f32::NAN),
            Err(TrapKind::InvalidConversionToInteger)
        );
        assert_eq!(
            i32_trunc_f32_s(2147483648.0),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(i64_trunc_sat_f64_u(-5.0), 0);
        assert_eq!(i32_trunc_sat_f32_s(f32::NAN), 0);
    }

    #[test]
    fn division_by_a_constant_matches_the_divide() {
        assert_eq!(u32_divisor_magic(0), None);
        assert_eq!(u32_divisor_magic(1), None);
        // Divisors: small, powers of two and their neighbours, CoreMark's and the
        // shootout's moduli, the largest; then a pseudo-random spread of both operands.
        let mut divisors = vec![2u32, 3, 5, 7, 10, 139968, 1 << 31, u32::MAX, u32::MAX - 1];
        divisors.extend((1..32).flat_map(|k| [(1u32 << k) - 1, 1 << k, (1 << k) + 1]));
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        divisors.extend((0..2000).map(|_| (next() as u32).max(2)));
        for d in divisors.into_iter().filter(|&d| d >= 2) {
            let magic = u32_divisor_magic(d).unwrap();
            let near = |m: u32| [m.wrapping_sub(1), m, m.wrapping_add(1)];
            let mut dividends = vec![0, 1, u32::MAX, u32::MAX - 1, d - 1];
            dividends.extend(near(d));
            dividends.extend(near((u32::MAX / d) * d));
            dividends.extend((0..200).map(|_| next() as u32));
            for a in dividends {
                assert_eq!(u32_div_by_magic(a, magic), a / d, "{a} / {d}");
                assert_eq!(u32_rem_by_magic(a, d, magic), a % d, "{a} % {d}");
            }
        }
    }

    #[test]
    fn rounding_quiets_signalling_nans() {
        let snan = f32::from_bits(0x7fa0_0000);
        assert_eq!(f32_ceil(snan).to_bits(), 0x7fe0_0000);
        assert_eq!(f64_nearest(2.5), 2.0);
        assert_eq!(
            f32_copysign(1.0f32.to_bits(), (-0.0f32).to_bits()),
            (-1.0f32).to_bits()
        );
    }

    #[test]
    fn access_start_agrees_with_effective_address() {
        for (base, offset, size, mem) in [
            (10u32, 2u32, 4u64, 16u64),
            (12, 0, 4, 16),
            (13, 0, 4, 16),
            (u32::MAX, 0, 1, 1 << 32),
            (u32::MAX - 7, 0, 8, 1 << 32),
            (0, 65_533, 4, 65_536),
        ] {
            assert_eq!(
                access_start(base, offset + size as u32, size, mem),
                effective_address(base, offset, size, mem),
                "{base}+{offset} size {size} in {mem}"
            );
        }
    }

    #[test]
    fn effective_addresses_are_bounded() {
        assert_eq!(effective_address(10, 2, 4, 16), Ok(12));
        assert_eq!(
            effective_address(u32::MAX, u32::MAX, 8, 1 << 16),
            Err(TrapKind::MemoryOutOfBounds)
        );
        assert_eq!(
            effective_address(13, 0, 4, 16),
            Err(TrapKind::MemoryOutOfBounds)
        );
    }
}
