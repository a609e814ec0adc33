//! The SIMD part of the instruction table: every fixed-width and relaxed SIMD operator,
//! its operand fields and the lane function of `wamr_common::simd` that computes it.
//!
//! A v128 occupies two adjacent frame slots (low half first) and handlers move it with
//! unaligned 16-byte loads and stores (`get128`/`set128`). Scalar operands and results
//! (lanes extracted, splatted, shift counts) are ordinary slots; no SIMD op reads or
//! writes the accumulator, so the translator never passes a v128 through it.
//!
//! Lane operators call their function through the placeholder `{P}`, which each handler
//! set resolves to its own module (`wamr_common::simd` for the portable set, the SSE2 or
//! AVX2 modules of `src/simd/` for the x86-64 sets; see `main.rs`'s `handler_module`).
//! Memory operators and moves do not depend on the CPU and exist once.

use std::fmt::Write as _;

use super::{Flow, Isa, Kind};

/// How a lane operator takes its operands (all vectors and scalars are slots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `v128 -> v128`
    Unary,
    /// `v128, v128 -> v128`
    Binary,
    /// `v128, v128, v128 -> v128`
    Ternary,
    /// `v128 -> i32` (`any_true`, `all_true`, `bitmask`)
    Test,
    /// `v128 -> scalar`, with a lane immediate
    Extract,
    /// `v128, scalar -> v128`, with a lane immediate
    Replace,
    /// `scalar -> v128`
    Splat,
    /// `v128, i32 -> v128`
    Shift,
}

use Shape::*;

/// Every SIMD lane operator: wasmparser's `Operator` variant, the name (the wasm name with
/// `.` as `_`, which is also its function in `wamr_common::simd`) and its shape. Memory
/// operators, `v128.const` and `i8x16.shuffle` have their own ops below.
const LANE_OPS: &[(&str, &str, Shape)] = &[
    ("I8x16ExtractLaneS", "i8x16_extract_lane_s", Extract),
    ("I8x16ExtractLaneU", "i8x16_extract_lane_u", Extract),
    ("I8x16ReplaceLane", "i8x16_replace_lane", Replace),
    ("I16x8ExtractLaneS", "i16x8_extract_lane_s", Extract),
    ("I16x8ExtractLaneU", "i16x8_extract_lane_u", Extract),
    ("I16x8ReplaceLane", "i16x8_replace_lane", Replace),
    ("I32x4ExtractLane", "i32x4_extract_lane", Extract),
    ("I32x4ReplaceLane", "i32x4_replace_lane", Replace),
    ("I64x2ExtractLane", "i64x2_extract_lane", Extract),
    ("I64x2ReplaceLane", "i64x2_replace_lane", Replace),
    ("F32x4ExtractLane", "f32x4_extract_lane", Extract),
    ("F32x4ReplaceLane", "f32x4_replace_lane", Replace),
    ("F64x2ExtractLane", "f64x2_extract_lane", Extract),
    ("F64x2ReplaceLane", "f64x2_replace_lane", Replace),
    ("I8x16Swizzle", "i8x16_swizzle", Binary),
    ("I8x16Splat", "i8x16_splat", Splat),
    ("I16x8Splat", "i16x8_splat", Splat),
    ("I32x4Splat", "i32x4_splat", Splat),
    ("I64x2Splat", "i64x2_splat", Splat),
    ("F32x4Splat", "f32x4_splat", Splat),
    ("F64x2Splat", "f64x2_splat", Splat),
    ("I8x16Eq", "i8x16_eq", Binary),
    ("I8x16Ne", "i8x16_ne", Binary),
    ("I8x16LtS", "i8x16_lt_s", Binary),
    ("I8x16LtU", "i8x16_lt_u", Binary),
    ("I8x16GtS", "i8x16_gt_s", Binary),
    ("I8x16GtU", "i8x16_gt_u", Binary),
    ("I8x16LeS", "i8x16_le_s", Binary),
    ("I8x16LeU", "i8x16_le_u", Binary),
    ("I8x16GeS", "i8x16_ge_s", Binary),
    ("I8x16GeU", "i8x16_ge_u", Binary),
    ("I16x8Eq", "i16x8_eq", Binary),
    ("I16x8Ne", "i16x8_ne", Binary),
    ("I16x8LtS", "i16x8_lt_s", Binary),
    ("I16x8LtU", "i16x8_lt_u", Binary),
    ("I16x8GtS", "i16x8_gt_s", Binary),
    ("I16x8GtU", "i16x8_gt_u", Binary),
    ("I16x8LeS", "i16x8_le_s", Binary),
    ("I16x8LeU", "i16x8_le_u", Binary),
    ("I16x8GeS", "i16x8_ge_s", Binary),
    ("I16x8GeU", "i16x8_ge_u", Binary),
    ("I32x4Eq", "i32x4_eq", Binary),
    ("I32x4Ne", "i32x4_ne", Binary),
    ("I32x4LtS", "i32x4_lt_s", Binary),
    ("I32x4LtU", "i32x4_lt_u", Binary),
    ("I32x4GtS", "i32x4_gt_s", Binary),
    ("I32x4GtU", "i32x4_gt_u", Binary),
    ("I32x4LeS", "i32x4_le_s", Binary),
    ("I32x4LeU", "i32x4_le_u", Binary),
    ("I32x4GeS", "i32x4_ge_s", Binary),
    ("I32x4GeU", "i32x4_ge_u", Binary),
    ("I64x2Eq", "i64x2_eq", Binary),
    ("I64x2Ne", "i64x2_ne", Binary),
    ("I64x2LtS", "i64x2_lt_s", Binary),
    ("I64x2GtS", "i64x2_gt_s", Binary),
    ("I64x2LeS", "i64x2_le_s", Binary),
    ("I64x2GeS", "i64x2_ge_s", Binary),
    ("F32x4Eq", "f32x4_eq", Binary),
    ("F32x4Ne", "f32x4_ne", Binary),
    ("F32x4Lt", "f32x4_lt", Binary),
    ("F32x4Gt", "f32x4_gt", Binary),
    ("F32x4Le", "f32x4_le", Binary),
    ("F32x4Ge", "f32x4_ge", Binary),
    ("F64x2Eq", "f64x2_eq", Binary),
    ("F64x2Ne", "f64x2_ne", Binary),
    ("F64x2Lt", "f64x2_lt", Binary),
    ("F64x2Gt", "f64x2_gt", Binary),
    ("F64x2Le", "f64x2_le", Binary),
    ("F64x2Ge", "f64x2_ge", Binary),
    ("V128Not", "v128_not", Unary),
    ("V128And", "v128_and", Binary),
    ("V128AndNot", "v128_andnot", Binary),
    ("V128Or", "v128_or", Binary),
    ("V128Xor", "v128_xor", Binary),
    ("V128Bitselect", "v128_bitselect", Ternary),
    ("V128AnyTrue", "v128_any_true", Test),
    ("I8x16Abs", "i8x16_abs", Unary),
    ("I8x16Neg", "i8x16_neg", Unary),
    ("I8x16Popcnt", "i8x16_popcnt", Unary),
    ("I8x16AllTrue", "i8x16_all_true", Test),
    ("I8x16Bitmask", "i8x16_bitmask", Test),
    ("I8x16NarrowI16x8S", "i8x16_narrow_i16x8_s", Binary),
    ("I8x16NarrowI16x8U", "i8x16_narrow_i16x8_u", Binary),
    ("I8x16Shl", "i8x16_shl", Shift),
    ("I8x16ShrS", "i8x16_shr_s", Shift),
    ("I8x16ShrU", "i8x16_shr_u", Shift),
    ("I8x16Add", "i8x16_add", Binary),
    ("I8x16AddSatS", "i8x16_add_sat_s", Binary),
    ("I8x16AddSatU", "i8x16_add_sat_u", Binary),
    ("I8x16Sub", "i8x16_sub", Binary),
    ("I8x16SubSatS", "i8x16_sub_sat_s", Binary),
    ("I8x16SubSatU", "i8x16_sub_sat_u", Binary),
    ("I8x16MinS", "i8x16_min_s", Binary),
    ("I8x16MinU", "i8x16_min_u", Binary),
    ("I8x16MaxS", "i8x16_max_s", Binary),
    ("I8x16MaxU", "i8x16_max_u", Binary),
    ("I8x16AvgrU", "i8x16_avgr_u", Binary),
    (
        "I16x8ExtAddPairwiseI8x16S",
        "i16x8_extadd_pairwise_i8x16_s",
        Unary,
    ),
    (
        "I16x8ExtAddPairwiseI8x16U",
        "i16x8_extadd_pairwise_i8x16_u",
        Unary,
    ),
    ("I16x8Abs", "i16x8_abs", Unary),
    ("I16x8Neg", "i16x8_neg", Unary),
    ("I16x8Q15MulrSatS", "i16x8_q15mulr_sat_s", Binary),
    ("I16x8AllTrue", "i16x8_all_true", Test),
    ("I16x8Bitmask", "i16x8_bitmask", Test),
    ("I16x8NarrowI32x4S", "i16x8_narrow_i32x4_s", Binary),
    ("I16x8NarrowI32x4U", "i16x8_narrow_i32x4_u", Binary),
    ("I16x8ExtendLowI8x16S", "i16x8_extend_low_i8x16_s", Unary),
    ("I16x8ExtendHighI8x16S", "i16x8_extend_high_i8x16_s", Unary),
    ("I16x8ExtendLowI8x16U", "i16x8_extend_low_i8x16_u", Unary),
    ("I16x8ExtendHighI8x16U", "i16x8_extend_high_i8x16_u", Unary),
    ("I16x8Shl", "i16x8_shl", Shift),
    ("I16x8ShrS", "i16x8_shr_s", Shift),
    ("I16x8ShrU", "i16x8_shr_u", Shift),
    ("I16x8Add", "i16x8_add", Binary),
    ("I16x8AddSatS", "i16x8_add_sat_s", Binary),
    ("I16x8AddSatU", "i16x8_add_sat_u", Binary),
    ("I16x8Sub", "i16x8_sub", Binary),
    ("I16x8SubSatS", "i16x8_sub_sat_s", Binary),
    ("I16x8SubSatU", "i16x8_sub_sat_u", Binary),
    ("I16x8Mul", "i16x8_mul", Binary),
    ("I16x8MinS", "i16x8_min_s", Binary),
    ("I16x8MinU", "i16x8_min_u", Binary),
    ("I16x8MaxS", "i16x8_max_s", Binary),
    ("I16x8MaxU", "i16x8_max_u", Binary),
    ("I16x8AvgrU", "i16x8_avgr_u", Binary),
    ("I16x8ExtMulLowI8x16S", "i16x8_extmul_low_i8x16_s", Binary),
    ("I16x8ExtMulHighI8x16S", "i16x8_extmul_high_i8x16_s", Binary),
    ("I16x8ExtMulLowI8x16U", "i16x8_extmul_low_i8x16_u", Binary),
    ("I16x8ExtMulHighI8x16U", "i16x8_extmul_high_i8x16_u", Binary),
    (
        "I32x4ExtAddPairwiseI16x8S",
        "i32x4_extadd_pairwise_i16x8_s",
        Unary,
    ),
    (
        "I32x4ExtAddPairwiseI16x8U",
        "i32x4_extadd_pairwise_i16x8_u",
        Unary,
    ),
    ("I32x4Abs", "i32x4_abs", Unary),
    ("I32x4Neg", "i32x4_neg", Unary),
    ("I32x4AllTrue", "i32x4_all_true", Test),
    ("I32x4Bitmask", "i32x4_bitmask", Test),
    ("I32x4ExtendLowI16x8S", "i32x4_extend_low_i16x8_s", Unary),
    ("I32x4ExtendHighI16x8S", "i32x4_extend_high_i16x8_s", Unary),
    ("I32x4ExtendLowI16x8U", "i32x4_extend_low_i16x8_u", Unary),
    ("I32x4ExtendHighI16x8U", "i32x4_extend_high_i16x8_u", Unary),
    ("I32x4Shl", "i32x4_shl", Shift),
    ("I32x4ShrS", "i32x4_shr_s", Shift),
    ("I32x4ShrU", "i32x4_shr_u", Shift),
    ("I32x4Add", "i32x4_add", Binary),
    ("I32x4Sub", "i32x4_sub", Binary),
    ("I32x4Mul", "i32x4_mul", Binary),
    ("I32x4MinS", "i32x4_min_s", Binary),
    ("I32x4MinU", "i32x4_min_u", Binary),
    ("I32x4MaxS", "i32x4_max_s", Binary),
    ("I32x4MaxU", "i32x4_max_u", Binary),
    ("I32x4DotI16x8S", "i32x4_dot_i16x8_s", Binary),
    ("I32x4ExtMulLowI16x8S", "i32x4_extmul_low_i16x8_s", Binary),
    ("I32x4ExtMulHighI16x8S", "i32x4_extmul_high_i16x8_s", Binary),
    ("I32x4ExtMulLowI16x8U", "i32x4_extmul_low_i16x8_u", Binary),
    ("I32x4ExtMulHighI16x8U", "i32x4_extmul_high_i16x8_u", Binary),
    ("I64x2Abs", "i64x2_abs", Unary),
    ("I64x2Neg", "i64x2_neg", Unary),
    ("I64x2AllTrue", "i64x2_all_true", Test),
    ("I64x2Bitmask", "i64x2_bitmask", Test),
    ("I64x2ExtendLowI32x4S", "i64x2_extend_low_i32x4_s", Unary),
    ("I64x2ExtendHighI32x4S", "i64x2_extend_high_i32x4_s", Unary),
    ("I64x2ExtendLowI32x4U", "i64x2_extend_low_i32x4_u", Unary),
    ("I64x2ExtendHighI32x4U", "i64x2_extend_high_i32x4_u", Unary),
    ("I64x2Shl", "i64x2_shl", Shift),
    ("I64x2ShrS", "i64x2_shr_s", Shift),
    ("I64x2ShrU", "i64x2_shr_u", Shift),
    ("I64x2Add", "i64x2_add", Binary),
    ("I64x2Sub", "i64x2_sub", Binary),
    ("I64x2Mul", "i64x2_mul", Binary),
    ("I64x2ExtMulLowI32x4S", "i64x2_extmul_low_i32x4_s", Binary),
    ("I64x2ExtMulHighI32x4S", "i64x2_extmul_high_i32x4_s", Binary),
    ("I64x2ExtMulLowI32x4U", "i64x2_extmul_low_i32x4_u", Binary),
    ("I64x2ExtMulHighI32x4U", "i64x2_extmul_high_i32x4_u", Binary),
    ("F32x4Ceil", "f32x4_ceil", Unary),
    ("F32x4Floor", "f32x4_floor", Unary),
    ("F32x4Trunc", "f32x4_trunc", Unary),
    ("F32x4Nearest", "f32x4_nearest", Unary),
    ("F32x4Abs", "f32x4_abs", Unary),
    ("F32x4Neg", "f32x4_neg", Unary),
    ("F32x4Sqrt", "f32x4_sqrt", Unary),
    ("F32x4Add", "f32x4_add", Binary),
    ("F32x4Sub", "f32x4_sub", Binary),
    ("F32x4Mul", "f32x4_mul", Binary),
    ("F32x4Div", "f32x4_div", Binary),
    ("F32x4Min", "f32x4_min", Binary),
    ("F32x4Max", "f32x4_max", Binary),
    ("F32x4PMin", "f32x4_pmin", Binary),
    ("F32x4PMax", "f32x4_pmax", Binary),
    ("F64x2Ceil", "f64x2_ceil", Unary),
    ("F64x2Floor", "f64x2_floor", Unary),
    ("F64x2Trunc", "f64x2_trunc", Unary),
    ("F64x2Nearest", "f64x2_nearest", Unary),
    ("F64x2Abs", "f64x2_abs", Unary),
    ("F64x2Neg", "f64x2_neg", Unary),
    ("F64x2Sqrt", "f64x2_sqrt", Unary),
    ("F64x2Add", "f64x2_add", Binary),
    ("F64x2Sub", "f64x2_sub", Binary),
    ("F64x2Mul", "f64x2_mul", Binary),
    ("F64x2Div", "f64x2_div", Binary),
    ("F64x2Min", "f64x2_min", Binary),
    ("F64x2Max", "f64x2_max", Binary),
    ("F64x2PMin", "f64x2_pmin", Binary),
    ("F64x2PMax", "f64x2_pmax", Binary),
    ("I32x4TruncSatF32x4S", "i32x4_trunc_sat_f32x4_s", Unary),
    ("I32x4TruncSatF32x4U", "i32x4_trunc_sat_f32x4_u", Unary),
    ("F32x4ConvertI32x4S", "f32x4_convert_i32x4_s", Unary),
    ("F32x4ConvertI32x4U", "f32x4_convert_i32x4_u", Unary),
    (
        "I32x4TruncSatF64x2SZero",
        "i32x4_trunc_sat_f64x2_s_zero",
        Unary,
    ),
    (
        "I32x4TruncSatF64x2UZero",
        "i32x4_trunc_sat_f64x2_u_zero",
        Unary,
    ),
    ("F64x2ConvertLowI32x4S", "f64x2_convert_low_i32x4_s", Unary),
    ("F64x2ConvertLowI32x4U", "f64x2_convert_low_i32x4_u", Unary),
    ("F32x4DemoteF64x2Zero", "f32x4_demote_f64x2_zero", Unary),
    ("F64x2PromoteLowF32x4", "f64x2_promote_low_f32x4", Unary),
    ("I8x16RelaxedSwizzle", "i8x16_relaxed_swizzle", Binary),
    (
        "I32x4RelaxedTruncF32x4S",
        "i32x4_relaxed_trunc_f32x4_s",
        Unary,
    ),
    (
        "I32x4RelaxedTruncF32x4U",
        "i32x4_relaxed_trunc_f32x4_u",
        Unary,
    ),
    (
        "I32x4RelaxedTruncF64x2SZero",
        "i32x4_relaxed_trunc_f64x2_s_zero",
        Unary,
    ),
    (
        "I32x4RelaxedTruncF64x2UZero",
        "i32x4_relaxed_trunc_f64x2_u_zero",
        Unary,
    ),
    ("F32x4RelaxedMadd", "f32x4_relaxed_madd", Ternary),
    ("F32x4RelaxedNmadd", "f32x4_relaxed_nmadd", Ternary),
    ("F64x2RelaxedMadd", "f64x2_relaxed_madd", Ternary),
    ("F64x2RelaxedNmadd", "f64x2_relaxed_nmadd", Ternary),
    (
        "I8x16RelaxedLaneselect",
        "i8x16_relaxed_laneselect",
        Ternary,
    ),
    (
        "I16x8RelaxedLaneselect",
        "i16x8_relaxed_laneselect",
        Ternary,
    ),
    (
        "I32x4RelaxedLaneselect",
        "i32x4_relaxed_laneselect",
        Ternary,
    ),
    (
        "I64x2RelaxedLaneselect",
        "i64x2_relaxed_laneselect",
        Ternary,
    ),
    ("F32x4RelaxedMin", "f32x4_relaxed_min", Binary),
    ("F32x4RelaxedMax", "f32x4_relaxed_max", Binary),
    ("F64x2RelaxedMin", "f64x2_relaxed_min", Binary),
    ("F64x2RelaxedMax", "f64x2_relaxed_max", Binary),
    ("I16x8RelaxedQ15mulrS", "i16x8_relaxed_q15mulr_s", Binary),
    (
        "I16x8RelaxedDotI8x16I7x16S",
        "i16x8_relaxed_dot_i8x16_i7x16_s",
        Binary,
    ),
    (
        "I32x4RelaxedDotI8x16I7x16AddS",
        "i32x4_relaxed_dot_i8x16_i7x16_add_s",
        Ternary,
    ),
];

/// Adds every SIMD op to `isa`, and to `isa.families` the lookups the translator uses
/// (`simd_lane_op`, `simd_memory_op`).
pub fn simd_ops(isa: &mut Isa) {
    use Kind::*;
    let mut lookup = String::new();
    let mut folds = String::new();
    for &(variant, name, shape) in LANE_OPS {
        match shape {
            Unary => writeln!(folds, "            (Op::{name}, &[a]) => simd::{name}(a),").unwrap(),
            Binary => writeln!(
                folds,
                "            (Op::{name}, &[a, b]) => simd::{name}(a, b),"
            )
            .unwrap(),
            Ternary => writeln!(
                folds,
                "            (Op::{name}, &[a, b, c]) => simd::{name}(a, b, c),"
            )
            .unwrap(),
            _ => {}
        }
        let (fields, body, pattern, shape_value): (
            &[(&'static str, Kind)],
            String,
            String,
            String,
        ) = match shape {
            Unary => (
                &[("d", Dst), ("a", Src)],
                format!("set128(sp, d, {{P}}::{name}(get128(sp, a)));"),
                format!("O::{variant}"),
                "LaneShape::Unary".into(),
            ),
            Binary => (
                &[("d", Dst), ("a", Src), ("b", Src)],
                format!("set128(sp, d, {{P}}::{name}(get128(sp, a), get128(sp, b)));"),
                format!("O::{variant}"),
                "LaneShape::Binary".into(),
            ),
            Ternary => (
                &[("d", Dst), ("a", Src), ("b", Src), ("c", Src)],
                format!(
                    "set128(sp, d, {{P}}::{name}(get128(sp, a), get128(sp, b), get128(sp, c)));"
                ),
                format!("O::{variant}"),
                "LaneShape::Ternary".into(),
            ),
            Test => (
                &[("d", Dst), ("a", Src)],
                format!("let r: u32 = {{P}}::{name}(get128(sp, a)); set(sp, d, r);"),
                format!("O::{variant}"),
                "LaneShape::Test".into(),
            ),
            Extract => (
                &[("d", Dst), ("a", Src), ("lane", Lane)],
                format!("let r = {{P}}::{name}(get128(sp, a), lane as u8); set(sp, d, r);"),
                format!("O::{variant} {{ lane }}"),
                "LaneShape::Extract(*lane)".into(),
            ),
            Replace => (
                &[("d", Dst), ("a", Src), ("x", Src), ("lane", Lane)],
                format!("set128(sp, d, {{P}}::{name}(get128(sp, a), lane as u8, get(sp, x)));"),
                format!("O::{variant} {{ lane }}"),
                "LaneShape::Replace(*lane)".into(),
            ),
            Splat => (
                &[("d", Dst), ("x", Src)],
                format!("set128(sp, d, {{P}}::{name}(get(sp, x)));"),
                format!("O::{variant}"),
                "LaneShape::Splat".into(),
            ),
            Shift => (
                &[("d", Dst), ("a", Src), ("n", Src)],
                format!("set128(sp, d, {{P}}::{name}(get128(sp, a), get(sp, n)));"),
                format!("O::{variant}"),
                "LaneShape::Shift".into(),
            ),
        };
        isa.push_lane(name, fields, body, name);
        writeln!(lookup, "        {pattern} => ({shape_value}, Op::{name}),").unwrap();
    }
    writeln!(
        isa.families,
        "    /// The op of a SIMD lane operator and how it takes its operands.\n    pub fn simd_lane_op(op: &wasmparser::Operator<'_>) -> Option<(LaneShape, Op)> {{\n        use wasmparser::Operator as O;\n        Some(match op {{\n{lookup}        _ => return None,\n        }})\n    }}"
    )
    .unwrap();

    writeln!(
        isa.families,
        "    /// A vector lane op on constant vectors, computed (constant folding).\n    pub fn fold_lane_op(op: Op, inputs: &[u128]) -> Option<u128> {{\n        Some(match (op, inputs) {{\n{folds}            _ => return None,\n        }})\n    }}"
    )
    .unwrap();
    isa.push(
        "v128_const",
        &[("d", Dst), ("v", Imm128)],
        "set128(sp, d, v);",
        Flow::Next,
    );
    isa.push_lane(
        "i8x16_shuffle",
        &[("d", Dst), ("a", Src), ("b", Src), ("lanes", Imm128)],
        "set128(sp, d, {P}::i8x16_shuffle(get128(sp, a), get128(sp, b), lanes.to_le_bytes()));",
        "i8x16_shuffle",
    );
    isa.push(
        "copy128",
        &[("d", Dst), ("s", Src)],
        "let v = get128(sp, s); set128(sp, d, v);",
        Flow::Next,
    );
    for (op, c, cond) in [
        ("select128_ss", ("c", Src), "get::<u32>(sp, c)"),
        ("select128_sa", ("c", Acc), "acc as u32"),
    ] {
        let fields = [("d", Dst), c, ("a", Src), ("b", Src)];
        isa.push(
            op,
            &fields,
            format!("let v = if {cond} != 0 {{ get128(sp, a) }} else {{ get128(sp, b) }}; set128(sp, d, v);"),
            Flow::Next,
        );
    }
    // A global's cell holds 16 bytes (`wamr_common::global`), low half first.
    isa.push(
        "global_get128",
        &[("d", Dst), ("g", Global)],
        "let g = *(*st).arrays.globals.add(g as usize); set128(sp, d, g.cast::<u128>().read_unaligned());",
        Flow::Next,
    );
    isa.push(
        "global_set128",
        &[("g", Global), ("v", Src)],
        "let g = *(*st).arrays.globals.add(g as usize); g.cast::<u128>().write_unaligned(get128(sp, v));",
        Flow::Next,
    );
    memory_ops(isa);
}

/// A SIMD memory operator: how many bytes it accesses, the raw type read or written, and
/// what it does with them.
struct MemOp {
    variant: &'static str,
    name: &'static str,
    bytes: u32,
    raw: &'static str,
    /// A load: the result from the raw value `v` (and `vec`, `lane` for a lane load).
    /// A store: the raw value to write, from the vector `val` (and `lane`).
    expr: &'static str,
    store: bool,
    lane: bool,
}

const MEM_OPS: &[MemOp] = &[
    MemOp {
        variant: "V128Load",
        name: "v128_load",
        bytes: 16,
        raw: "u128",
        expr: "v",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load8x8S",
        name: "v128_load8x8_s",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load8x8_s(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load8x8U",
        name: "v128_load8x8_u",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load8x8_u(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load16x4S",
        name: "v128_load16x4_s",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load16x4_s(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load16x4U",
        name: "v128_load16x4_u",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load16x4_u(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load32x2S",
        name: "v128_load32x2_s",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load32x2_s(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load32x2U",
        name: "v128_load32x2_u",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load32x2_u(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load8Splat",
        name: "v128_load8_splat",
        bytes: 1,
        raw: "u8",
        expr: "simd::i8x16_splat(u32::from(v))",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load16Splat",
        name: "v128_load16_splat",
        bytes: 2,
        raw: "u16",
        expr: "simd::i16x8_splat(u32::from(v))",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load32Splat",
        name: "v128_load32_splat",
        bytes: 4,
        raw: "u32",
        expr: "simd::i32x4_splat(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load64Splat",
        name: "v128_load64_splat",
        bytes: 8,
        raw: "u64",
        expr: "simd::i64x2_splat(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load32Zero",
        name: "v128_load32_zero",
        bytes: 4,
        raw: "u32",
        expr: "simd::v128_load32_zero(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load64Zero",
        name: "v128_load64_zero",
        bytes: 8,
        raw: "u64",
        expr: "simd::v128_load64_zero(v)",
        store: false,
        lane: false,
    },
    MemOp {
        variant: "V128Load8Lane",
        name: "v128_load8_lane",
        bytes: 1,
        raw: "u8",
        expr: "simd::i8x16_replace_lane(get128(sp, vec), lane as u8, u32::from(v))",
        store: false,
        lane: true,
    },
    MemOp {
        variant: "V128Load16Lane",
        name: "v128_load16_lane",
        bytes: 2,
        raw: "u16",
        expr: "simd::i16x8_replace_lane(get128(sp, vec), lane as u8, u32::from(v))",
        store: false,
        lane: true,
    },
    MemOp {
        variant: "V128Load32Lane",
        name: "v128_load32_lane",
        bytes: 4,
        raw: "u32",
        expr: "simd::i32x4_replace_lane(get128(sp, vec), lane as u8, v)",
        store: false,
        lane: true,
    },
    MemOp {
        variant: "V128Load64Lane",
        name: "v128_load64_lane",
        bytes: 8,
        raw: "u64",
        expr: "simd::i64x2_replace_lane(get128(sp, vec), lane as u8, v)",
        store: false,
        lane: true,
    },
    MemOp {
        variant: "V128Store",
        name: "v128_store",
        bytes: 16,
        raw: "u128",
        expr: "get128(sp, val)",
        store: true,
        lane: false,
    },
    MemOp {
        variant: "V128Store8Lane",
        name: "v128_store8_lane",
        bytes: 1,
        raw: "u8",
        expr: "simd::i8x16_extract_lane_u(get128(sp, val), lane as u8) as u8",
        store: true,
        lane: true,
    },
    MemOp {
        variant: "V128Store16Lane",
        name: "v128_store16_lane",
        bytes: 2,
        raw: "u16",
        expr: "simd::i16x8_extract_lane_u(get128(sp, val), lane as u8) as u16",
        store: true,
        lane: true,
    },
    MemOp {
        variant: "V128Store32Lane",
        name: "v128_store32_lane",
        bytes: 4,
        raw: "u32",
        expr: "simd::i32x4_extract_lane(get128(sp, val), lane as u8)",
        store: true,
        lane: true,
    },
    MemOp {
        variant: "V128Store64Lane",
        name: "v128_store64_lane",
        bytes: 8,
        raw: "u64",
        expr: "simd::i64x2_extract_lane(get128(sp, val), lane as u8)",
        store: true,
        lane: true,
    },
];

/// Each memory operator in three ops, as the scalar ones: memory 0 (the cached base and
/// size, `end` = offset + size), any other 32-bit memory (`_m`, its `MemoryDef` read from
/// the instance) and any 64-bit memory (`_m64`, a 64-bit address and offset). Fields in
/// order: the result (loads), the address, the vector (lane loads) or the value (stores),
/// `end` or `offset`, the lane, the memory.
fn memory_ops(isa: &mut Isa) {
    use Kind::*;
    let mut lookup = String::new();
    for m in MEM_OPS {
        let MemOp {
            variant,
            name,
            bytes,
            raw,
            expr,
            store,
            lane,
        } = *m;
        for (suffix, wide, other) in [
            ("", false, false),
            ("_m", false, true),
            ("_m64", true, true),
        ] {
            let mut fields: Vec<(&'static str, Kind)> = Vec::new();
            if !store {
                fields.push(("d", Dst));
            }
            fields.push(("addr", Src));
            if store {
                fields.push(("val", Src));
            } else if lane {
                fields.push(("vec", Src));
            }
            fields.push(if wide {
                ("offset", Imm64)
            } else {
                ("end", AccessEnd)
            });
            if lane {
                fields.push(("lane", Lane));
            }
            if other {
                fields.push(("memory", Memory));
            }
            let (base, start) = match (wide, other) {
                (false, false) => (
                    "mem",
                    format!(
                        "sem::access_start(get::<u32>(sp, addr), end, {bytes}, (*st).mem_size)"
                    ),
                ),
                (false, true) => (
                    "def.base",
                    format!("sem::access_start(get::<u32>(sp, addr), end, {bytes}, def.size)"),
                ),
                (true, _) => (
                    "def.base",
                    format!("sem::access_start64(get::<u64>(sp, addr), offset, {bytes}, def.size)"),
                ),
            };
            let def = if other {
                "let def = &**(*st).arrays.memories.add(memory as usize); "
            } else {
                ""
            };
            let access = if store {
                format!("let v: {raw} = {expr}; {base}.add(ea).cast::<{raw}>().write_unaligned(v);")
            } else {
                format!("let v: {raw} = {base}.add(ea).cast::<{raw}>().read_unaligned(); set128(sp, d, {expr});")
            };
            let body = format!(
                "{def}let ea = match {start} {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; {access}"
            );
            isa.push(format!("{name}{suffix}"), &fields, body, Flow::Next);
        }
        writeln!(
            isa.families,
            "    pub const {name}: VMem = VMem {{ bytes: {bytes}, store: {store}, lane: {lane}, ops: [Op::{name}, Op::{name}_m, Op::{name}_m64] }};"
        )
        .unwrap();
        let (pattern, lane_value) = if lane {
            (format!("O::{variant} {{ memarg, lane }}"), "Some(*lane)")
        } else {
            (format!("O::{variant} {{ memarg }}"), "None")
        };
        writeln!(
            lookup,
            "        {pattern} => (&{name}, *memarg, {lane_value}),"
        )
        .unwrap();
    }
    writeln!(
        isa.families,
        "    /// The ops of a SIMD memory operator, its memory argument and lane.\n    pub fn simd_memory_op(op: &wasmparser::Operator<'_>) -> Option<(&'static VMem, wasmparser::MemArg, Option<u8>)> {{\n        use wasmparser::Operator as O;\n        Some(match op {{\n{lookup}        _ => return None,\n        }})\n    }}"
    )
    .unwrap();
}
