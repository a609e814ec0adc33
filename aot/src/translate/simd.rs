//! Fixed-width and relaxed SIMD: every v128 operator as Cranelift vector IR.
//!
//! A v128 travels on the operand stack, in locals, block parameters and calls as `I8X16`;
//! each operator bitcasts its operands to the lane type it works on and its result back
//! (free: the bits stay in the same register). Lane semantics follow the spec and
//! `wamr_common::simd`, which the interpreter uses; relaxed operators take the one
//! deterministic result documented there (swizzle and saturating truncation as the
//! non-relaxed forms, fused multiply-add, `bitselect`, wasm's `min`/`max`, the saturating
//! `q15mulr`, signed dot products), so both engines agree on every CPU.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator as O};

use super::BodyTranslator;
use crate::intrinsics::Intrinsic;

/// The flags of a bitcast between vector types: lanes keep their little-endian order.
fn lanes() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

fn cast(b: &mut FunctionBuilder<'_>, ty: Type, v: Value) -> Value {
    if b.func.dfg.value_type(v) == ty {
        v
    } else {
        b.ins().bitcast(ty, lanes(), v)
    }
}

fn lane_type(ty: Type) -> Type {
    ty.lane_type()
}

impl BodyTranslator<'_, '_> {
    /// Pops a v128 as a vector of `ty`.
    fn vpop(&mut self, ty: Type) -> Value {
        let v = self.pop();
        cast(&mut self.builder, ty, v)
    }

    /// Pushes a vector of any lane type as the canonical `I8X16`.
    fn vpush(&mut self, v: Value) {
        let v = cast(&mut self.builder, I8X16, v);
        self.push(v);
    }

    fn vunop(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let x = self.vpop(ty);
        let v = f(&mut self.builder, x);
        self.vpush(v);
    }

    fn vbinop(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let y = self.vpop(ty);
        let x = self.vpop(ty);
        let v = f(&mut self.builder, x, y);
        self.vpush(v);
    }

    fn vternop(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value, Value) -> Value,
    ) {
        let z = self.vpop(ty);
        let y = self.vpop(ty);
        let x = self.vpop(ty);
        let v = f(&mut self.builder, x, y, z);
        self.vpush(v);
    }

    fn vicmp(&mut self, ty: Type, cc: IntCC) {
        self.vbinop(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    /// A float comparison: all-ones lanes where it holds (the mask has the integer type
    /// of the same lane width).
    fn vfcmp(&mut self, ty: Type, cc: FloatCC) {
        self.vbinop(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// A shift by a scalar amount, taken modulo the lane width as wasm does.
    fn vshift(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let amount = self.pop();
        let bits = i64::from(ty.lane_bits());
        let amount = self.builder.ins().band_imm_u(amount, bits - 1);
        let x = self.vpop(ty);
        let v = f(&mut self.builder, x, amount);
        self.vpush(v);
    }

    fn vconst(&mut self, ty: Type, bytes: [u8; 16]) -> Value {
        let c = self
            .builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        self.builder.ins().vconst(ty, c)
    }

    fn splat(&mut self, ty: Type) {
        let x = self.pop();
        let lane = lane_type(ty);
        let x = if lane == I8 || lane == I16 {
            self.builder.ins().ireduce(lane, x)
        } else {
            x
        };
        let v = self.builder.ins().splat(ty, x);
        self.vpush(v);
    }

    fn extract_lane(&mut self, ty: Type, lane: u8, signed: Option<bool>) {
        let v = self.vpop(ty);
        let x = self.builder.ins().extractlane(v, lane);
        let x = match signed {
            Some(true) => self.builder.ins().sextend(I32, x),
            Some(false) => self.builder.ins().uextend(I32, x),
            None => x,
        };
        self.push(x);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.pop();
        let lane_ty = lane_type(ty);
        let x = if lane_ty == I8 || lane_ty == I16 {
            self.builder.ins().ireduce(lane_ty, x)
        } else {
            x
        };
        let v = self.vpop(ty);
        let v = self.builder.ins().insertlane(v, x, lane);
        self.vpush(v);
    }

    // ----- memory -----

    fn v128_load(&mut self, memarg: &MemArg) {
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, 16);
        let f = self.heap_flags();
        let v = self.builder.ins().load(I8X16, f, p, off);
        self.push(v);
    }

    fn v128_store(&mut self, memarg: &MemArg) {
        let v = self.vpop(I8X16);
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, 16);
        let f = self.heap_flags();
        self.builder.ins().store(f, v, p, off);
    }

    /// `v128.loadNxM_s/u`: 8 bytes widened to the lanes of `ty`.
    fn load_extend(&mut self, memarg: &MemArg, ty: Type, signed: bool) {
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, 8);
        let f = self.heap_flags();
        let ins = self.builder.ins();
        let v = match (ty, signed) {
            (I16X8, true) => ins.sload8x8(f, p, off),
            (I16X8, false) => ins.uload8x8(f, p, off),
            (I32X4, true) => ins.sload16x4(f, p, off),
            (I32X4, false) => ins.uload16x4(f, p, off),
            (_, true) => ins.sload32x2(f, p, off),
            (_, false) => ins.uload32x2(f, p, off),
        };
        self.vpush(v);
    }

    /// Loads a scalar of `lane` (its size) for the splat, zero and lane loads.
    fn load_scalar(&mut self, memarg: &MemArg, lane: Type) -> Value {
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, lane.bytes());
        let f = self.heap_flags();
        self.builder.ins().load(lane, f, p, off)
    }

    fn load_splat(&mut self, memarg: &MemArg, ty: Type) {
        let x = self.load_scalar(memarg, lane_type(ty));
        let v = self.builder.ins().splat(ty, x);
        self.vpush(v);
    }

    /// `v128.load32_zero`/`load64_zero`: the scalar in lane 0, zeros above.
    fn load_zero(&mut self, memarg: &MemArg, ty: Type) {
        let x = self.load_scalar(memarg, lane_type(ty));
        let v = self.builder.ins().scalar_to_vector(ty, x);
        self.vpush(v);
    }

    fn load_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) {
        let v = self.vpop(ty);
        let x = self.load_scalar(memarg, lane_type(ty));
        let v = self.builder.ins().insertlane(v, x, lane);
        self.vpush(v);
    }

    fn store_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) {
        let v = self.vpop(ty);
        let x = self.builder.ins().extractlane(v, lane);
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, lane_type(ty).bytes());
        let f = self.heap_flags();
        self.builder.ins().store(f, x, p, off);
    }

    // ----- composite operations -----

    /// `extadd_pairwise`: widen both halves, add neighbours.
    fn extadd_pairwise(&mut self, from: Type, signed: bool) {
        self.vunop(from, |b, x| {
            let (lo, hi) = if signed {
                (b.ins().swiden_low(x), b.ins().swiden_high(x))
            } else {
                (b.ins().uwiden_low(x), b.ins().uwiden_high(x))
            };
            b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// `extmul_low/high`: widen one half of each, multiply.
    fn extmul(&mut self, from: Type, high: bool, signed: bool) {
        self.vbinop(from, |b, x, y| {
            let widen = |b: &mut FunctionBuilder<'_>, v| match (high, signed) {
                (false, true) => b.ins().swiden_low(v),
                (true, true) => b.ins().swiden_high(v),
                (false, false) => b.ins().uwiden_low(v),
                (true, false) => b.ins().uwiden_high(v),
            };
            let (x, y) = (widen(b, x), widen(b, y));
            b.ins().imul(x, y)
        });
    }

    fn extend(&mut self, from: Type, high: bool, signed: bool) {
        self.vunop(from, |b, x| match (high, signed) {
            (false, true) => b.ins().swiden_low(x),
            (true, true) => b.ins().swiden_high(x),
            (false, false) => b.ins().uwiden_low(x),
            (true, false) => b.ins().uwiden_high(x),
        });
    }

    /// Signed products of neighbouring lanes, summed pairwise into lanes twice as wide,
    /// wrapping (`i32x4.dot_i16x8_s`).
    fn dot(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
        let lo = {
            let (x, y) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
            b.ins().imul(x, y)
        };
        let hi = {
            let (x, y) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
            b.ins().imul(x, y)
        };
        b.ins().iadd_pairwise(lo, hi)
    }

    /// The relaxed i8 dot product, both inputs signed: products of neighbouring lanes
    /// summed pairwise into i16 lanes with saturation (the spec's deterministic result,
    /// as `wamr_common::simd::i16x8_relaxed_dot_i8x16_i7x16_s`): the pair sums are made
    /// exactly in i32 and narrowed with saturation.
    fn relaxed_dot_i8(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
        let mut sums = Vec::with_capacity(2);
        for high in [false, true] {
            let (x, y) = if high {
                (b.ins().swiden_high(x), b.ins().swiden_high(y))
            } else {
                (b.ins().swiden_low(x), b.ins().swiden_low(y))
            };
            // i8 × i8 fits i16 exactly.
            let products = b.ins().imul(x, y);
            let (lo, hi) = (b.ins().swiden_low(products), b.ins().swiden_high(products));
            sums.push(b.ins().iadd_pairwise(lo, hi));
        }
        b.ins().snarrow(sums[0], sums[1])
    }

    /// `pmin` (`b < a ? b : a`) and `pmax` (`a < b ? b : a`): no NaN rules of their own.
    fn pseudo_min_max(&mut self, ty: Type, max: bool) {
        let int = ty.as_int();
        self.vbinop(ty, |b, x, y| {
            let take_y = if max {
                b.ins().fcmp(FloatCC::LessThan, x, y)
            } else {
                b.ins().fcmp(FloatCC::LessThan, y, x)
            };
            let (x, y) = (cast(b, int, x), cast(b, int, y));
            b.ins().bitselect(take_y, y, x)
        });
    }

    /// `trunc_sat_f64x2_s/u_zero` (and their relaxed forms): two results, zeros above.
    fn trunc_sat_zero(&mut self, signed: bool) {
        let zero = self.vconst(I64X2, [0; 16]);
        self.vunop(F64X2, |b, x| {
            if signed {
                let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
                b.ins().snarrow(wide, zero)
            } else {
                let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
                b.ins().uunarrow(wide, zero)
            }
        });
    }

    /// Relaxed multiply-add, fused: `a * b + c`, or `-(a * b) + c` with `negate`.
    ///
    /// Through the runtime intrinsic when it is enabled, and always on a target without
    /// FMA (x86-64 before Haswell, `--cpu generic`), which would otherwise get a libcall,
    /// a call outside the image.
    fn madd(&mut self, ty: Type, negate: bool) {
        let which = if ty == F32X4 {
            Intrinsic::F32x4Fma
        } else {
            Intrinsic::F64x2Fma
        };
        if self.opts.intrinsics.contains(which) || crate::cpu::needs_fma_intrinsic(self.isa) {
            let z = self.vpop(ty);
            let y = self.vpop(ty);
            let x = self.vpop(ty);
            let x = if negate {
                self.builder.ins().fneg(x)
            } else {
                x
            };
            let r = self.call_intrinsic(which, &[x, y, z]);
            self.vpush(r);
            return;
        }
        self.vternop(ty, |b, x, y, z| {
            let x = if negate { b.ins().fneg(x) } else { x };
            b.ins().fma(x, y, z)
        });
    }

    /// Translates `op` if it is a SIMD operator.
    pub(super) fn simd(&mut self, op: &O<'_>) -> bool {
        use FloatCC as F;
        use IntCC as C;
        match *op {
            // Memory.
            O::V128Load { ref memarg } => self.v128_load(memarg),
            O::V128Store { ref memarg } => self.v128_store(memarg),
            O::V128Load8x8S { ref memarg } => self.load_extend(memarg, I16X8, true),
            O::V128Load8x8U { ref memarg } => self.load_extend(memarg, I16X8, false),
            O::V128Load16x4S { ref memarg } => self.load_extend(memarg, I32X4, true),
            O::V128Load16x4U { ref memarg } => self.load_extend(memarg, I32X4, false),
            O::V128Load32x2S { ref memarg } => self.load_extend(memarg, I64X2, true),
            O::V128Load32x2U { ref memarg } => self.load_extend(memarg, I64X2, false),
            O::V128Load8Splat { ref memarg } => self.load_splat(memarg, I8X16),
            O::V128Load16Splat { ref memarg } => self.load_splat(memarg, I16X8),
            O::V128Load32Splat { ref memarg } => self.load_splat(memarg, I32X4),
            O::V128Load64Splat { ref memarg } => self.load_splat(memarg, I64X2),
            O::V128Load32Zero { ref memarg } => self.load_zero(memarg, I32X4),
            O::V128Load64Zero { ref memarg } => self.load_zero(memarg, I64X2),
            O::V128Load8Lane { ref memarg, lane } => self.load_lane(memarg, I8X16, lane),
            O::V128Load16Lane { ref memarg, lane } => self.load_lane(memarg, I16X8, lane),
            O::V128Load32Lane { ref memarg, lane } => self.load_lane(memarg, I32X4, lane),
            O::V128Load64Lane { ref memarg, lane } => self.load_lane(memarg, I64X2, lane),
            O::V128Store8Lane { ref memarg, lane } => self.store_lane(memarg, I8X16, lane),
            O::V128Store16Lane { ref memarg, lane } => self.store_lane(memarg, I16X8, lane),
            O::V128Store32Lane { ref memarg, lane } => self.store_lane(memarg, I32X4, lane),
            O::V128Store64Lane { ref memarg, lane } => self.store_lane(memarg, I64X2, lane),

            // Constants, lanes, shuffles.
            O::V128Const { ref value } => {
                let v = self.vconst(I8X16, *value.bytes());
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let y = self.vpop(I8X16);
                let x = self.vpop(I8X16);
                let mask = self
                    .builder
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(lanes.to_vec()));
                let v = self.builder.ins().shuffle(x, y, mask);
                self.push(v);
            }
            // Out-of-range indices give 0, as Cranelift's `swizzle` defines.
            O::I8x16Swizzle | O::I8x16RelaxedSwizzle => {
                self.vbinop(I8X16, |b, x, y| b.ins().swizzle(x, y))
            }
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane),

            // Bitwise.
            O::V128Not => self.vunop(I8X16, |b, x| b.ins().bnot(x)),
            O::V128And => self.vbinop(I8X16, |b, x, y| b.ins().band(x, y)),
            O::V128AndNot => self.vbinop(I8X16, |b, x, y| b.ins().band_not(x, y)),
            O::V128Or => self.vbinop(I8X16, |b, x, y| b.ins().bor(x, y)),
            O::V128Xor => self.vbinop(I8X16, |b, x, y| b.ins().bxor(x, y)),
            O::V128Bitselect
            | O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => {
                self.vternop(I8X16, |b, x, y, mask| b.ins().bitselect(mask, x, y))
            }
            O::V128AnyTrue => {
                let v = self.vpop(I8X16);
                let t = self.builder.ins().vany_true(v);
                let t = self.builder.ins().uextend(I32, t);
                self.push(t);
            }
            O::I8x16AllTrue | O::I16x8AllTrue | O::I32x4AllTrue | O::I64x2AllTrue => {
                let ty = match op {
                    O::I8x16AllTrue => I8X16,
                    O::I16x8AllTrue => I16X8,
                    O::I32x4AllTrue => I32X4,
                    _ => I64X2,
                };
                let v = self.vpop(ty);
                let t = self.builder.ins().vall_true(v);
                let t = self.builder.ins().uextend(I32, t);
                self.push(t);
            }
            O::I8x16Bitmask | O::I16x8Bitmask | O::I32x4Bitmask | O::I64x2Bitmask => {
                let ty = match op {
                    O::I8x16Bitmask => I8X16,
                    O::I16x8Bitmask => I16X8,
                    O::I32x4Bitmask => I32X4,
                    _ => I64X2,
                };
                let v = self.vpop(ty);
                let m = self.builder.ins().vhigh_bits(I32, v);
                self.push(m);
            }

            // Integer comparisons.
            O::I8x16Eq => self.vicmp(I8X16, C::Equal),
            O::I8x16Ne => self.vicmp(I8X16, C::NotEqual),
            O::I8x16LtS => self.vicmp(I8X16, C::SignedLessThan),
            O::I8x16LtU => self.vicmp(I8X16, C::UnsignedLessThan),
            O::I8x16GtS => self.vicmp(I8X16, C::SignedGreaterThan),
            O::I8x16GtU => self.vicmp(I8X16, C::UnsignedGreaterThan),
            O::I8x16LeS => self.vicmp(I8X16, C::SignedLessThanOrEqual),
            O::I8x16LeU => self.vicmp(I8X16, C::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.vicmp(I8X16, C::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.vicmp(I8X16, C::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.vicmp(I16X8, C::Equal),
            O::I16x8Ne => self.vicmp(I16X8, C::NotEqual),
            O::I16x8LtS => self.vicmp(I16X8, C::SignedLessThan),
            O::I16x8LtU => self.vicmp(I16X8, C::UnsignedLessThan),
            O::I16x8GtS => self.vicmp(I16X8, C::SignedGreaterThan),
            O::I16x8GtU => self.vicmp(I16X8, C::UnsignedGreaterThan),
            O::I16x8LeS => self.vicmp(I16X8, C::SignedLessThanOrEqual),
            O::I16x8LeU => self.vicmp(I16X8, C::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.vicmp(I16X8, C::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.vicmp(I16X8, C::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.vicmp(I32X4, C::Equal),
            O::I32x4Ne => self.vicmp(I32X4, C::NotEqual),
            O::I32x4LtS => self.vicmp(I32X4, C::SignedLessThan),
            O::I32x4LtU => self.vicmp(I32X4, C::UnsignedLessThan),
            O::I32x4GtS => self.vicmp(I32X4, C::SignedGreaterThan),
            O::I32x4GtU => self.vicmp(I32X4, C::UnsignedGreaterThan),
            O::I32x4LeS => self.vicmp(I32X4, C::SignedLessThanOrEqual),
            O::I32x4LeU => self.vicmp(I32X4, C::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.vicmp(I32X4, C::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.vicmp(I32X4, C::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.vicmp(I64X2, C::Equal),
            O::I64x2Ne => self.vicmp(I64X2, C::NotEqual),
            O::I64x2LtS => self.vicmp(I64X2, C::SignedLessThan),
            O::I64x2GtS => self.vicmp(I64X2, C::SignedGreaterThan),
            O::I64x2LeS => self.vicmp(I64X2, C::SignedLessThanOrEqual),
            O::I64x2GeS => self.vicmp(I64X2, C::SignedGreaterThanOrEqual),

            // Float comparisons (`ne` holds on NaN, the others do not).
            O::F32x4Eq => self.vfcmp(F32X4, F::Equal),
            O::F32x4Ne => self.vfcmp(F32X4, F::NotEqual),
            O::F32x4Lt => self.vfcmp(F32X4, F::LessThan),
            O::F32x4Gt => self.vfcmp(F32X4, F::GreaterThan),
            O::F32x4Le => self.vfcmp(F32X4, F::LessThanOrEqual),
            O::F32x4Ge => self.vfcmp(F32X4, F::GreaterThanOrEqual),
            O::F64x2Eq => self.vfcmp(F64X2, F::Equal),
            O::F64x2Ne => self.vfcmp(F64X2, F::NotEqual),
            O::F64x2Lt => self.vfcmp(F64X2, F::LessThan),
            O::F64x2Gt => self.vfcmp(F64X2, F::GreaterThan),
            O::F64x2Le => self.vfcmp(F64X2, F::LessThanOrEqual),
            O::F64x2Ge => self.vfcmp(F64X2, F::GreaterThanOrEqual),

            // Integer arithmetic.
            O::I8x16Abs => self.vunop(I8X16, |b, x| b.ins().iabs(x)),
            O::I16x8Abs => self.vunop(I16X8, |b, x| b.ins().iabs(x)),
            O::I32x4Abs => self.vunop(I32X4, |b, x| b.ins().iabs(x)),
            O::I64x2Abs => self.vunop(I64X2, |b, x| b.ins().iabs(x)),
            O::I8x16Neg => self.vunop(I8X16, |b, x| b.ins().ineg(x)),
            O::I16x8Neg => self.vunop(I16X8, |b, x| b.ins().ineg(x)),
            O::I32x4Neg => self.vunop(I32X4, |b, x| b.ins().ineg(x)),
            O::I64x2Neg => self.vunop(I64X2, |b, x| b.ins().ineg(x)),
            O::I8x16Popcnt => self.vunop(I8X16, |b, x| b.ins().popcnt(x)),
            O::I8x16Add => self.vbinop(I8X16, |b, x, y| b.ins().iadd(x, y)),
            O::I16x8Add => self.vbinop(I16X8, |b, x, y| b.ins().iadd(x, y)),
            O::I32x4Add => self.vbinop(I32X4, |b, x, y| b.ins().iadd(x, y)),
            O::I64x2Add => self.vbinop(I64X2, |b, x, y| b.ins().iadd(x, y)),
            O::I8x16Sub => self.vbinop(I8X16, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Sub => self.vbinop(I16X8, |b, x, y| b.ins().isub(x, y)),
            O::I32x4Sub => self.vbinop(I32X4, |b, x, y| b.ins().isub(x, y)),
            O::I64x2Sub => self.vbinop(I64X2, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Mul => self.vbinop(I16X8, |b, x, y| b.ins().imul(x, y)),
            O::I32x4Mul => self.vbinop(I32X4, |b, x, y| b.ins().imul(x, y)),
            O::I64x2Mul => self.vbinop(I64X2, |b, x, y| b.ins().imul(x, y)),
            O::I8x16AddSatS => self.vbinop(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I8x16AddSatU => self.vbinop(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I8x16SubSatS => self.vbinop(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I8x16SubSatU => self.vbinop(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            O::I16x8AddSatS => self.vbinop(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I16x8AddSatU => self.vbinop(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I16x8SubSatS => self.vbinop(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I16x8SubSatU => self.vbinop(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            O::I8x16MinS => self.vbinop(I8X16, |b, x, y| b.ins().smin(x, y)),
            O::I8x16MinU => self.vbinop(I8X16, |b, x, y| b.ins().umin(x, y)),
            O::I8x16MaxS => self.vbinop(I8X16, |b, x, y| b.ins().smax(x, y)),
            O::I8x16MaxU => self.vbinop(I8X16, |b, x, y| b.ins().umax(x, y)),
            O::I16x8MinS => self.vbinop(I16X8, |b, x, y| b.ins().smin(x, y)),
            O::I16x8MinU => self.vbinop(I16X8, |b, x, y| b.ins().umin(x, y)),
            O::I16x8MaxS => self.vbinop(I16X8, |b, x, y| b.ins().smax(x, y)),
            O::I16x8MaxU => self.vbinop(I16X8, |b, x, y| b.ins().umax(x, y)),
            O::I32x4MinS => self.vbinop(I32X4, |b, x, y| b.ins().smin(x, y)),
            O::I32x4MinU => self.vbinop(I32X4, |b, x, y| b.ins().umin(x, y)),
            O::I32x4MaxS => self.vbinop(I32X4, |b, x, y| b.ins().smax(x, y)),
            O::I32x4MaxU => self.vbinop(I32X4, |b, x, y| b.ins().umax(x, y)),
            O::I8x16AvgrU => self.vbinop(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8AvgrU => self.vbinop(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => {
                self.vbinop(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
            }
            O::I32x4DotI16x8S => self.vbinop(I16X8, Self::dot),
            O::I16x8RelaxedDotI8x16I7x16S => self.vbinop(I8X16, Self::relaxed_dot_i8),
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let acc = self.vpop(I32X4);
                let y = self.vpop(I8X16);
                let x = self.vpop(I8X16);
                let pairs = Self::relaxed_dot_i8(&mut self.builder, x, y);
                let lo = self.builder.ins().swiden_low(pairs);
                let hi = self.builder.ins().swiden_high(pairs);
                let quads = self.builder.ins().iadd_pairwise(lo, hi);
                let v = self.builder.ins().iadd(quads, acc);
                self.vpush(v);
            }

            // Shifts.
            O::I8x16Shl => self.vshift(I8X16, |b, x, n| b.ins().ishl(x, n)),
            O::I16x8Shl => self.vshift(I16X8, |b, x, n| b.ins().ishl(x, n)),
            O::I32x4Shl => self.vshift(I32X4, |b, x, n| b.ins().ishl(x, n)),
            O::I64x2Shl => self.vshift(I64X2, |b, x, n| b.ins().ishl(x, n)),
            O::I8x16ShrS => self.vshift(I8X16, |b, x, n| b.ins().sshr(x, n)),
            O::I16x8ShrS => self.vshift(I16X8, |b, x, n| b.ins().sshr(x, n)),
            O::I32x4ShrS => self.vshift(I32X4, |b, x, n| b.ins().sshr(x, n)),
            O::I64x2ShrS => self.vshift(I64X2, |b, x, n| b.ins().sshr(x, n)),
            O::I8x16ShrU => self.vshift(I8X16, |b, x, n| b.ins().ushr(x, n)),
            O::I16x8ShrU => self.vshift(I16X8, |b, x, n| b.ins().ushr(x, n)),
            O::I32x4ShrU => self.vshift(I32X4, |b, x, n| b.ins().ushr(x, n)),
            O::I64x2ShrU => self.vshift(I64X2, |b, x, n| b.ins().ushr(x, n)),

            // Narrowing, widening, pairwise sums, extending multiplies.
            O::I8x16NarrowI16x8S => self.vbinop(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            O::I8x16NarrowI16x8U => self.vbinop(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8NarrowI32x4S => self.vbinop(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            O::I16x8NarrowI32x4U => self.vbinop(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8ExtendLowI8x16S => self.extend(I8X16, false, true),
            O::I16x8ExtendHighI8x16S => self.extend(I8X16, true, true),
            O::I16x8ExtendLowI8x16U => self.extend(I8X16, false, false),
            O::I16x8ExtendHighI8x16U => self.extend(I8X16, true, false),
            O::I32x4ExtendLowI16x8S => self.extend(I16X8, false, true),
            O::I32x4ExtendHighI16x8S => self.extend(I16X8, true, true),
            O::I32x4ExtendLowI16x8U => self.extend(I16X8, false, false),
            O::I32x4ExtendHighI16x8U => self.extend(I16X8, true, false),
            O::I64x2ExtendLowI32x4S => self.extend(I32X4, false, true),
            O::I64x2ExtendHighI32x4S => self.extend(I32X4, true, true),
            O::I64x2ExtendLowI32x4U => self.extend(I32X4, false, false),
            O::I64x2ExtendHighI32x4U => self.extend(I32X4, true, false),
            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I16X8, false),
            O::I16x8ExtMulLowI8x16S => self.extmul(I8X16, false, true),
            O::I16x8ExtMulHighI8x16S => self.extmul(I8X16, true, true),
            O::I16x8ExtMulLowI8x16U => self.extmul(I8X16, false, false),
            O::I16x8ExtMulHighI8x16U => self.extmul(I8X16, true, false),
            O::I32x4ExtMulLowI16x8S => self.extmul(I16X8, false, true),
            O::I32x4ExtMulHighI16x8S => self.extmul(I16X8, true, true),
            O::I32x4ExtMulLowI16x8U => self.extmul(I16X8, false, false),
            O::I32x4ExtMulHighI16x8U => self.extmul(I16X8, true, false),
            O::I64x2ExtMulLowI32x4S => self.extmul(I32X4, false, true),
            O::I64x2ExtMulHighI32x4S => self.extmul(I32X4, true, true),
            O::I64x2ExtMulLowI32x4U => self.extmul(I32X4, false, false),
            O::I64x2ExtMulHighI32x4U => self.extmul(I32X4, true, false),

            // Float arithmetic. abs/neg are bit operations; min/max have wasm's NaN and
            // signed-zero rules.
            O::F32x4Abs => self.vunop(F32X4, |b, x| b.ins().fabs(x)),
            O::F64x2Abs => self.vunop(F64X2, |b, x| b.ins().fabs(x)),
            O::F32x4Neg => self.vunop(F32X4, |b, x| b.ins().fneg(x)),
            O::F64x2Neg => self.vunop(F64X2, |b, x| b.ins().fneg(x)),
            O::F32x4Sqrt => self.vunop(F32X4, |b, x| b.ins().sqrt(x)),
            O::F64x2Sqrt => self.vunop(F64X2, |b, x| b.ins().sqrt(x)),
            O::F32x4Ceil => self.vunop(F32X4, |b, x| b.ins().ceil(x)),
            O::F64x2Ceil => self.vunop(F64X2, |b, x| b.ins().ceil(x)),
            O::F32x4Floor => self.vunop(F32X4, |b, x| b.ins().floor(x)),
            O::F64x2Floor => self.vunop(F64X2, |b, x| b.ins().floor(x)),
            O::F32x4Trunc => self.vunop(F32X4, |b, x| b.ins().trunc(x)),
            O::F64x2Trunc => self.vunop(F64X2, |b, x| b.ins().trunc(x)),
            O::F32x4Nearest => self.vunop(F32X4, |b, x| b.ins().nearest(x)),
            O::F64x2Nearest => self.vunop(F64X2, |b, x| b.ins().nearest(x)),
            O::F32x4Add => self.vbinop(F32X4, |b, x, y| b.ins().fadd(x, y)),
            O::F64x2Add => self.vbinop(F64X2, |b, x, y| b.ins().fadd(x, y)),
            O::F32x4Sub => self.vbinop(F32X4, |b, x, y| b.ins().fsub(x, y)),
            O::F64x2Sub => self.vbinop(F64X2, |b, x, y| b.ins().fsub(x, y)),
            O::F32x4Mul => self.vbinop(F32X4, |b, x, y| b.ins().fmul(x, y)),
            O::F64x2Mul => self.vbinop(F64X2, |b, x, y| b.ins().fmul(x, y)),
            O::F32x4Div => self.vbinop(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            O::F64x2Div => self.vbinop(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            O::F32x4Min | O::F32x4RelaxedMin => self.vbinop(F32X4, |b, x, y| b.ins().fmin(x, y)),
            O::F64x2Min | O::F64x2RelaxedMin => self.vbinop(F64X2, |b, x, y| b.ins().fmin(x, y)),
            O::F32x4Max | O::F32x4RelaxedMax => self.vbinop(F32X4, |b, x, y| b.ins().fmax(x, y)),
            O::F64x2Max | O::F64x2RelaxedMax => self.vbinop(F64X2, |b, x, y| b.ins().fmax(x, y)),
            O::F32x4PMin => self.pseudo_min_max(F32X4, false),
            O::F64x2PMin => self.pseudo_min_max(F64X2, false),
            O::F32x4PMax => self.pseudo_min_max(F32X4, true),
            O::F64x2PMax => self.pseudo_min_max(F64X2, true),
            O::F32x4RelaxedMadd => self.madd(F32X4, false),
            O::F32x4RelaxedNmadd => self.madd(F32X4, true),
            O::F64x2RelaxedMadd => self.madd(F64X2, false),
            O::F64x2RelaxedNmadd => self.madd(F64X2, true),

            // Conversions (float to integer saturates, NaN gives 0).
            O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
                self.vunop(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
                self.vunop(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => {
                self.trunc_sat_zero(true)
            }
            O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
                self.trunc_sat_zero(false)
            }
            O::F32x4ConvertI32x4S => self.vunop(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
            O::F32x4ConvertI32x4U => self.vunop(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
            O::F64x2ConvertLowI32x4S => self.vunop(I32X4, |b, x| {
                let wide = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.vunop(I32X4, |b, x| {
                let wide = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.vunop(F64X2, |b, x| b.ins().fvdemote(x)),
            O::F64x2PromoteLowF32x4 => self.vunop(F32X4, |b, x| b.ins().fvpromote_low(x)),

            _ => return false,
        }
        true
    }
}
