//! Constants and numeric operators: arithmetic, comparisons, conversions.
//!
//! Everything maps to one Cranelift instruction except the trapping operators, which
//! check their operands first (see the module docs of `translate`): results are
//! bit-identical to the interpreter's (`interp/build.rs`).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wamr_common::TrapKind;
use wasmparser::Operator as O;

use super::BodyTranslator;

/// The first values outside an integer type's range, exactly representable in the
/// source float type (`lo < x < hi` converts; same bounds as the interpreter).
fn trunc_bounds(from: Type, to: Type, signed: bool) -> (f64, f64) {
    match (from, to, signed) {
        (F32, I32, true) => (-2147483904.0, 2147483648.0),
        (F64, I32, true) => (-2147483649.0, 2147483648.0),
        (_, I32, false) => (-1.0, 4294967296.0),
        (F32, I64, true) => (-9223373136366403584.0, 9223372036854775808.0),
        (F64, I64, true) => (-9223372036854777856.0, 9223372036854775808.0),
        _ => (-1.0, 18446744073709551616.0),
    }
}

impl BodyTranslator<'_, '_> {
    fn unop(&mut self, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let x = self.pop();
        let v = f(&mut self.builder, x);
        self.push(v);
    }

    fn binop(&mut self, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let y = self.pop();
        let x = self.pop();
        let v = f(&mut self.builder, x, y);
        self.push(v);
    }

    fn icmp_op(&mut self, cc: IntCC) {
        self.binop(|b, x, y| {
            let c = b.ins().icmp(cc, x, y);
            b.ins().uextend(I32, c)
        });
    }

    fn fcmp_op(&mut self, cc: FloatCC) {
        self.binop(|b, x, y| {
            let c = b.ins().fcmp(cc, x, y);
            b.ins().uextend(I32, c)
        });
    }

    /// Narrows to `narrow` and sign-extends back (the `extendN_s` operators).
    fn sign_extend(&mut self, narrow: Type) {
        self.unop(|b, x| {
            let ty = b.func.dfg.value_type(x);
            let n = b.ins().ireduce(narrow, x);
            b.ins().sextend(ty, n)
        });
    }

    fn fconst(&mut self, ty: Type, v: f64) -> Value {
        if ty == F32 {
            self.builder.ins().f32const(v as f32)
        } else {
            self.builder.ins().f64const(v)
        }
    }

    /// Integer division and remainder with wasm's traps: division by zero, and
    /// `MIN / -1` for signed division (`MIN rem -1` is 0). Checks a constant divisor
    /// makes impossible are left out.
    fn div_rem(&mut self, signed: bool, rem: bool) {
        let y = self.pop();
        let x = self.pop();
        let ty = self.builder.func.dfg.value_type(x);
        let mask = if ty == I32 { u32::MAX as i64 } else { -1 };
        let divisor = self.const_of(y);
        if divisor.is_none_or(|d| d & mask == 0) {
            let zero = self.builder.ins().icmp_imm_u(IntCC::Equal, y, 0);
            self.trap_if(zero, TrapKind::IntegerDivideByZero);
        }
        let maybe_minus_one = divisor.is_none_or(|d| d & mask == mask);
        let v = match (signed, rem) {
            (false, false) => self.builder.ins().udiv(x, y),
            (false, true) => self.builder.ins().urem(x, y),
            (true, false) => {
                if maybe_minus_one {
                    let min =
                        self.int_const(ty, if ty == I32 { i32::MIN.into() } else { i64::MIN });
                    let minus_one = self.int_const(ty, -1);
                    let x_min = self.builder.ins().icmp(IntCC::Equal, x, min);
                    let y_m1 = self.builder.ins().icmp(IntCC::Equal, y, minus_one);
                    let overflow = self.builder.ins().band(x_min, y_m1);
                    self.trap_if(overflow, TrapKind::IntegerOverflow);
                }
                self.builder.ins().sdiv(x, y)
            }
            (true, true) => {
                // x rem -1 = x rem 1 = 0, without the division that would fault on MIN.
                let y = if maybe_minus_one {
                    let minus_one = self.int_const(ty, -1);
                    let one = self.int_const(ty, 1);
                    let is_m1 = self.builder.ins().icmp(IntCC::Equal, y, minus_one);
                    self.builder.ins().select(is_m1, one, y)
                } else {
                    y
                };
                self.builder.ins().srem(x, y)
            }
        };
        self.push(v);
    }

    /// Trapping float-to-int conversion: NaN is invalid, out of range overflows; the
    /// saturating conversion then computes the (in-range) result.
    fn trunc_checked(&mut self, to: Type, signed: bool) {
        let x = self.pop();
        let from = self.builder.func.dfg.value_type(x);
        let nan = self.builder.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, TrapKind::InvalidConversionToInteger);
        let (lo, hi) = trunc_bounds(from, to, signed);
        let lo = self.fconst(from, lo);
        let hi = self.fconst(from, hi);
        let low = self.builder.ins().fcmp(FloatCC::LessThanOrEqual, x, lo);
        let high = self.builder.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.builder.ins().bor(low, high);
        self.trap_if(out, TrapKind::IntegerOverflow);
        let v = if signed {
            self.builder.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.builder.ins().fcvt_to_uint_sat(to, x)
        };
        self.push(v);
    }

    /// Translates a constant or numeric operator; false if `op` is neither.
    pub(super) fn numeric(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::I32Const { value } => {
                let v = self.iconst32(value);
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.builder.ins().iconst(I64, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.builder.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.builder.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            // Integer comparisons.
            O::I32Eqz | O::I64Eqz => self.unop(|b, x| {
                let c = b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                b.ins().uextend(I32, c)
            }),
            O::I32Eq | O::I64Eq => self.icmp_op(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp_op(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp_op(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp_op(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp_op(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp_op(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp_op(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp_op(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp_op(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp_op(IntCC::UnsignedGreaterThanOrEqual),

            // Integer arithmetic. Cranelift's shifts and rotates take the amount modulo
            // the width, as wasm does.
            O::I32Clz | O::I64Clz => self.unop(|b, x| b.ins().clz(x)),
            O::I32Ctz | O::I64Ctz => self.unop(|b, x| b.ins().ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unop(|b, x| b.ins().popcnt(x)),
            O::I32Add | O::I64Add => self.binop(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binop(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binop(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.div_rem(true, false),
            O::I32DivU | O::I64DivU => self.div_rem(false, false),
            O::I32RemS | O::I64RemS => self.div_rem(true, true),
            O::I32RemU | O::I64RemU => self.div_rem(false, true),
            O::I32And | O::I64And => self.binop(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binop(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binop(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binop(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binop(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binop(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binop(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binop(|b, x, y| b.ins().rotr(x, y)),

            // Float comparisons (`ne` is true on NaN, the others false).
            O::F32Eq | O::F64Eq => self.fcmp_op(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp_op(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp_op(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp_op(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp_op(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp_op(FloatCC::GreaterThanOrEqual),

            // Float arithmetic. abs/neg/copysign are bit operations; fmin/fmax have
            // wasm's NaN and signed-zero semantics.
            O::F32Abs | O::F64Abs => self.unop(|b, x| b.ins().fabs(x)),
            O::F32Neg | O::F64Neg => self.unop(|b, x| b.ins().fneg(x)),
            O::F32Ceil | O::F64Ceil => self.unop(|b, x| b.ins().ceil(x)),
            O::F32Floor | O::F64Floor => self.unop(|b, x| b.ins().floor(x)),
            O::F32Trunc | O::F64Trunc => self.unop(|b, x| b.ins().trunc(x)),
            O::F32Nearest | O::F64Nearest => self.unop(|b, x| b.ins().nearest(x)),
            O::F32Sqrt | O::F64Sqrt => self.unop(|b, x| b.ins().sqrt(x)),
            O::F32Add | O::F64Add => self.binop(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binop(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binop(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binop(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binop(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binop(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binop(|b, x, y| b.ins().fcopysign(x, y)),

            // Conversions.
            O::I32WrapI64 => self.unop(|b, x| b.ins().ireduce(I32, x)),
            O::I64ExtendI32S => self.unop(|b, x| b.ins().sextend(I64, x)),
            O::I64ExtendI32U => self.unop(|b, x| b.ins().uextend(I64, x)),
            O::I32Extend8S | O::I64Extend8S => self.sign_extend(I8),
            O::I32Extend16S | O::I64Extend16S => self.sign_extend(I16),
            O::I64Extend32S => self.sign_extend(I32),
            O::I32TruncF32S | O::I32TruncF64S => self.trunc_checked(I32, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc_checked(I32, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc_checked(I64, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc_checked(I64, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unop(|b, x| b.ins().fcvt_to_sint_sat(I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unop(|b, x| b.ins().fcvt_to_uint_sat(I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unop(|b, x| b.ins().fcvt_to_sint_sat(I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unop(|b, x| b.ins().fcvt_to_uint_sat(I64, x))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unop(|b, x| b.ins().fcvt_from_sint(F32, x))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unop(|b, x| b.ins().fcvt_from_uint(F32, x))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unop(|b, x| b.ins().fcvt_from_sint(F64, x))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unop(|b, x| b.ins().fcvt_from_uint(F64, x))
            }
            O::F32DemoteF64 => self.unop(|b, x| b.ins().fdemote(F32, x)),
            O::F64PromoteF32 => self.unop(|b, x| b.ins().fpromote(F64, x)),
            O::I32ReinterpretF32 => self.unop(|b, x| b.ins().bitcast(I32, MemFlagsData::new(), x)),
            O::I64ReinterpretF64 => self.unop(|b, x| b.ins().bitcast(I64, MemFlagsData::new(), x)),
            O::F32ReinterpretI32 => self.unop(|b, x| b.ins().bitcast(F32, MemFlagsData::new(), x)),
            O::F64ReinterpretI64 => self.unop(|b, x| b.ins().bitcast(F64, MemFlagsData::new(), x)),
            _ => return false,
        }
        true
    }
}
