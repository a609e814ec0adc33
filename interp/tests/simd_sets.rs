//! Every architecture-specific SIMD lane function (`src/simd/sse2.rs`, `src/simd/avx2.rs`)
//! gives the bits `wamr_common::simd` gives, on random vectors and on vectors made of the
//! lanes where implementations go wrong (NaNs with payloads, signed zeros, infinities,
//! the ends of integer ranges, values at the edges of conversions). A function added to
//! either module and not listed here fails `every_specialised_function_is_checked`.

#![cfg(target_arch = "x86_64")]

use proptest::prelude::*;
use wamr_common::simd as reference;
use wamr_interp::simd::{avx2, sse2};

/// Lanes that exercise edge cases, as 32-bit and 64-bit patterns.
const SPECIAL32: &[u32] = &[
    0,
    1,
    0x8000_0000, // -0.0, i32::MIN
    0x7fff_ffff, // i32::MAX, a NaN
    0xffff_ffff, // -1, a NaN
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_0000, // quiet NaN
    0x7f80_0001, // signalling NaN
    0xffa0_1234, // negative signalling NaN with a payload
    0x3f80_0000, // 1.0
    0xbf00_0000, // -0.5
    0x4f00_0000, // 2^31
    0xcf00_0000, // -2^31
    0x4f80_0000, // 2^32
    0x3fc0_0000, // 1.5
    0x4020_0000, // 2.5
    0x8000_7fff,
    0x0000_8000,
    0x0080_ff7f,
];

const SPECIAL64: &[u64] = &[
    0,
    1,
    0x8000_0000_0000_0000, // -0.0, i64::MIN
    0x7fff_ffff_ffff_ffff,
    0xffff_ffff_ffff_ffff,
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // quiet NaN
    0x7ff0_0000_0000_0001, // signalling NaN
    0xfff4_0000_dead_beef, // negative signalling NaN with a payload
    0x3ff0_0000_0000_0000, // 1.0
    0x41e0_0000_0000_0000, // 2^31
    0xc1e0_0000_0000_0000, // -2^31
    0x41df_ffff_ffc0_0000, // 2^31 - 1
    0xc1e0_0000_0020_0000, // just below -2^31
    0x4004_0000_0000_0000, // 2.5
];

fn vector() -> impl Strategy<Value = u128> {
    let lane32 = prop_oneof![any::<u32>(), proptest::sample::select(SPECIAL32)];
    let lane64 = prop_oneof![any::<u64>(), proptest::sample::select(SPECIAL64)];
    prop_oneof![
        any::<u128>(),
        proptest::array::uniform4(lane32).prop_map(reference::from_u32x4),
        proptest::array::uniform2(lane64).prop_map(reference::from_u64x2),
        // Small lanes: shuffle indices, shift counts, bytes near their ends.
        proptest::array::uniform16(prop_oneof![0u8..40, 120u8..=255])
            .prop_map(reference::from_u8x16),
    ]
}

/// Whether `got` stands for `want`: equal, or for the float arithmetic operators (`add`,
/// `sub`, `mul`, `div`, `sqrt`) equal but in lanes where both are quiet NaNs: which
/// input's payload a two-NaN operation keeps is the compiler's choice (LLVM may swap the
/// operands of a commutative operation), as the spec leaves it open.
fn same(name: &str, got: u128, want: u128) -> bool {
    let arithmetic = ["_add", "_sub", "_mul", "_div", "_sqrt"]
        .iter()
        .any(|op| name.ends_with(op));
    let (bits, exp, mantissa, quiet): (u32, u128, u128, u128) = if name.starts_with("f32x4") {
        (32, 0x7f80_0000, 0x007f_ffff, 0x0040_0000)
    } else if name.starts_with("f64x2") {
        (
            64,
            0x7ff0_0000_0000_0000,
            0x000f_ffff_ffff_ffff,
            0x0008_0000_0000_0000,
        )
    } else {
        return got == want;
    };
    if !arithmetic {
        return got == want;
    }
    let mask = u128::MAX >> (128 - bits);
    let nan = |x: u128| x & exp == exp && x & mantissa != 0;
    (0..128 / bits).all(|i| {
        let (g, w) = ((got >> (i * bits)) & mask, (want >> (i * bits)) & mask);
        g == w || (nan(g) && nan(w) && g & quiet != 0)
    })
}

/// The names checked below, to compare with what the modules define.
static CHECKED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

macro_rules! check {
    ($test_module:ident, $module:ident, $guard:expr, {
        unary: [$($un:ident),* $(,)?],
        binary: [$($bin:ident),* $(,)?],
        ternary: [$($ter:ident),* $(,)?],
        test: [$($test:ident),* $(,)?],
        shift: [$($shift:ident),* $(,)?],
        splat32: [$($s32:ident),* $(,)?],
        splat64: [$($s64:ident),* $(,)?],
        splatf32: [$($sf32:ident),* $(,)?],
        splatf64: [$($sf64:ident),* $(,)?],
        shuffle: [$($shuf:ident),* $(,)?],
    }) => {
        mod $test_module {
            use super::*;

            fn runs() -> bool {
                let ok = $guard;
                if !ok {
                    println!("not run: this CPU lacks the set's features");
                }
                ok
            }

            #[test]
            pub fn names() {
                CHECKED.lock().unwrap().extend([
                    $(concat!(stringify!($module), "::", stringify!($un)),)*
                    $(concat!(stringify!($module), "::", stringify!($bin)),)*
                    $(concat!(stringify!($module), "::", stringify!($ter)),)*
                    $(concat!(stringify!($module), "::", stringify!($test)),)*
                    $(concat!(stringify!($module), "::", stringify!($shift)),)*
                    $(concat!(stringify!($module), "::", stringify!($s32)),)*
                    $(concat!(stringify!($module), "::", stringify!($s64)),)*
                    $(concat!(stringify!($module), "::", stringify!($sf32)),)*
                    $(concat!(stringify!($module), "::", stringify!($sf64)),)*
                    $(concat!(stringify!($module), "::", stringify!($shuf)),)*
                ]);
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(512))]

                #[test]
                #[allow(unused_variables)]
                fn lanes_match(a in vector(), b in vector(), c in vector(), n in any::<u32>(), x in any::<u64>()) {
                    if !runs() {
                        return Ok(());
                    }
                    // SAFETY: `runs` checked the module's target features on this CPU.
                    unsafe {
                        $(prop_assert!(same(stringify!($un), $module::$un(a), reference::$un(a)), "{} {:#x}", stringify!($un), a);)*
                        $(prop_assert!(same(stringify!($bin), $module::$bin(a, b), reference::$bin(a, b)), "{} {:#x} {:#x}", stringify!($bin), a, b);)*
                        $(prop_assert_eq!($module::$ter(a, b, c), reference::$ter(a, b, c), "{} {:#x} {:#x} {:#x}", stringify!($ter), a, b, c);)*
                        $(prop_assert_eq!($module::$test(a), reference::$test(a), "{} {:#x}", stringify!($test), a);)*
                        $(for n in [n, n % 70, 0, 7, 8, 15, 16, 31, 32, 63, 64] {
                            prop_assert_eq!($module::$shift(a, n), reference::$shift(a, n), "{} {:#x} {}", stringify!($shift), a, n);
                        })*
                        $(prop_assert_eq!($module::$s32(x as u32), reference::$s32(x as u32), "{} {:#x}", stringify!($s32), x);)*
                        $(prop_assert_eq!($module::$s64(x), reference::$s64(x), "{} {:#x}", stringify!($s64), x);)*
                        $(prop_assert_eq!($module::$sf32(f32::from_bits(a as u32)), reference::$sf32(f32::from_bits(a as u32)));)*
                        $(prop_assert_eq!($module::$sf64(f64::from_bits(a as u64)), reference::$sf64(f64::from_bits(a as u64)));)*
                        $({
                            let lanes = (c.to_le_bytes()).map(|i| i % 32);
                            prop_assert_eq!($module::$shuf(a, b, lanes), reference::$shuf(a, b, lanes), "{:?}", lanes);
                        })*
                    }
                }
            }
        }
    };
}

check!(check_sse2, sse2, true, {
    unary: [
        v128_not, i8x16_neg, i8x16_abs, i16x8_neg, i16x8_abs, i16x8_extend_low_i8x16_s,
        i16x8_extend_high_i8x16_s, i16x8_extend_low_i8x16_u, i16x8_extend_high_i8x16_u,
        i16x8_extadd_pairwise_i8x16_s, i16x8_extadd_pairwise_i8x16_u, i32x4_neg, i32x4_abs,
        i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s, i32x4_extend_low_i16x8_u,
        i32x4_extend_high_i16x8_u, i32x4_extadd_pairwise_i16x8_s,
        i32x4_extadd_pairwise_i16x8_u, i32x4_trunc_sat_f32x4_s, i32x4_relaxed_trunc_f32x4_s,
        i32x4_trunc_sat_f64x2_s_zero, i32x4_relaxed_trunc_f64x2_s_zero, i64x2_neg, i64x2_abs,
        i64x2_extend_low_i32x4_s, i64x2_extend_high_i32x4_s, i64x2_extend_low_i32x4_u,
        i64x2_extend_high_i32x4_u, f32x4_sqrt, f32x4_abs, f32x4_neg, f32x4_convert_i32x4_s,
        f32x4_convert_i32x4_u, f32x4_demote_f64x2_zero, f64x2_sqrt, f64x2_abs, f64x2_neg,
        f64x2_convert_low_i32x4_s, f64x2_promote_low_f32x4,
    ],
    binary: [
        v128_and, v128_andnot, v128_or, v128_xor, i8x16_add, i8x16_sub, i8x16_add_sat_s,
        i8x16_add_sat_u, i8x16_sub_sat_s, i8x16_sub_sat_u, i8x16_min_u, i8x16_max_u,
        i8x16_avgr_u, i8x16_eq, i8x16_ne, i8x16_lt_s, i8x16_gt_s, i8x16_le_s, i8x16_ge_s,
        i8x16_lt_u, i8x16_gt_u, i8x16_le_u, i8x16_ge_u, i8x16_narrow_i16x8_s,
        i8x16_narrow_i16x8_u, i16x8_add, i16x8_sub, i16x8_mul, i16x8_add_sat_s,
        i16x8_add_sat_u, i16x8_sub_sat_s, i16x8_sub_sat_u, i16x8_min_s, i16x8_max_s,
        i16x8_avgr_u, i16x8_eq, i16x8_ne, i16x8_lt_s, i16x8_gt_s, i16x8_le_s, i16x8_ge_s,
        i16x8_lt_u, i16x8_gt_u, i16x8_le_u, i16x8_ge_u, i16x8_narrow_i32x4_s,
        i16x8_extmul_low_i8x16_s, i16x8_extmul_high_i8x16_s, i16x8_extmul_low_i8x16_u,
        i16x8_extmul_high_i8x16_u, i32x4_add, i32x4_sub, i32x4_eq, i32x4_ne, i32x4_lt_s,
        i32x4_gt_s, i32x4_le_s, i32x4_ge_s, i32x4_lt_u, i32x4_gt_u, i32x4_le_u, i32x4_ge_u,
        i32x4_dot_i16x8_s, i32x4_extmul_low_i16x8_s, i32x4_extmul_high_i16x8_s,
        i32x4_extmul_low_i16x8_u, i32x4_extmul_high_i16x8_u, i64x2_add, i64x2_sub, i64x2_mul,
        i64x2_extmul_low_i32x4_u, i64x2_extmul_high_i32x4_u, f32x4_add, f32x4_sub, f32x4_mul,
        f32x4_div, f32x4_eq, f32x4_ne, f32x4_lt, f32x4_gt, f32x4_le, f32x4_ge, f32x4_pmin,
        f32x4_pmax, f32x4_min, f32x4_max, f32x4_relaxed_min, f32x4_relaxed_max, f64x2_add,
        f64x2_sub, f64x2_mul, f64x2_div, f64x2_eq, f64x2_ne, f64x2_lt, f64x2_gt, f64x2_le,
        f64x2_ge, f64x2_pmin, f64x2_pmax, f64x2_min, f64x2_max, f64x2_relaxed_min,
        f64x2_relaxed_max,
    ],
    ternary: [
        v128_bitselect, i8x16_relaxed_laneselect, i16x8_relaxed_laneselect,
        i32x4_relaxed_laneselect, i64x2_relaxed_laneselect,
    ],
    test: [
        v128_any_true, i8x16_all_true, i16x8_all_true, i32x4_all_true, i8x16_bitmask,
        i16x8_bitmask, i32x4_bitmask, i64x2_bitmask,
    ],
    shift: [
        i8x16_shl, i8x16_shr_s, i8x16_shr_u, i16x8_shl, i16x8_shr_s, i16x8_shr_u, i32x4_shl,
        i32x4_shr_s, i32x4_shr_u, i64x2_shl, i64x2_shr_u,
    ],
    splat32: [i8x16_splat, i16x8_splat, i32x4_splat],
    splat64: [i64x2_splat],
    splatf32: [f32x4_splat],
    splatf64: [f64x2_splat],
    shuffle: [],
});

check!(check_avx2, avx2, wamr_interp::avx2_supported(), {
    unary: [
        i8x16_abs, i8x16_popcnt, i16x8_abs, i16x8_extend_low_i8x16_s,
        i16x8_extend_high_i8x16_s, i16x8_extend_low_i8x16_u, i16x8_extend_high_i8x16_u,
        i16x8_extadd_pairwise_i8x16_u, i16x8_extadd_pairwise_i8x16_s, i32x4_abs,
        i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s, i32x4_extend_low_i16x8_u,
        i32x4_extend_high_i16x8_u, i64x2_extend_low_i32x4_s, i64x2_extend_high_i32x4_s,
        i64x2_extend_low_i32x4_u, i64x2_extend_high_i32x4_u, f32x4_ceil, f64x2_ceil,
        f32x4_floor, f64x2_floor, f32x4_trunc, f64x2_trunc, f32x4_nearest, f64x2_nearest,
    ],
    binary: [
        i8x16_swizzle, i8x16_relaxed_swizzle, i8x16_min_s, i8x16_max_s, i16x8_min_u,
        i16x8_max_u, i16x8_q15mulr_sat_s, i16x8_relaxed_q15mulr_s, i16x8_narrow_i32x4_u,
        i32x4_mul, i32x4_min_s, i32x4_max_s, i32x4_min_u, i32x4_max_u, i64x2_eq, i64x2_ne,
        i64x2_gt_s, i64x2_lt_s, i64x2_le_s, i64x2_ge_s, i64x2_extmul_low_i32x4_s,
        i64x2_extmul_high_i32x4_s,
    ],
    ternary: [],
    test: [v128_any_true, i64x2_all_true],
    shift: [],
    splat32: [],
    splat64: [],
    splatf32: [],
    splatf64: [],
    shuffle: [i8x16_shuffle],
});

#[path = "../build/lane_names.rs"]
mod lane_names;

/// The lane functions `src/simd/{file}` defines, as the build script reads them.
fn defined(file: &str) -> Vec<String> {
    let path = format!("{}/src/simd/{file}", env!("CARGO_MANIFEST_DIR"));
    lane_names::lane_functions(&std::fs::read_to_string(&path).unwrap())
}

#[test]
fn every_specialised_function_is_checked() {
    // The `names` tests of both modules run in this process too; run them here as well
    // so the list is complete whatever the order.
    check_sse2::names();
    check_avx2::names();
    let checked = CHECKED.lock().unwrap().clone();
    for (module, file) in [("sse2", "sse2.rs"), ("avx2", "avx2.rs")] {
        let names = defined(file);
        assert!(names.len() > 10, "{file}: {names:?}");
        for name in names {
            let full = format!("{module}::{name}");
            assert!(
                checked.contains(&full.as_str()),
                "{full} is not checked against wamr_common::simd"
            );
        }
    }
}
