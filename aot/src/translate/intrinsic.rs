//! XIP intrinsics in the translator: an operation in the enabled set becomes a call
//! through `vmctx.intrinsics[index]`, and a `*.const` a load from `vmctx.consts` (see
//! `crate::intrinsics`).

use cranelift_codegen::ir::types::{F32, F32X4, F64, F64X2, I32, I64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, Type, Value};
use wasmparser::Operator as O;

use super::{invariant_flags, BodyTranslator};
use crate::intrinsics::{cond, Intrinsic, Ty};

fn ir(t: Ty) -> Type {
    match t {
        Ty::I32 => I32,
        Ty::I64 => I64,
        Ty::F32 => F32,
        Ty::F64 => F64,
        Ty::F32X4 => F32X4,
        Ty::F64X2 => F64X2,
    }
}

/// The intrinsic an operator maps to, and for comparisons the condition argument.
fn intrinsic_of(op: &O<'_>) -> Option<(Intrinsic, Option<i32>)> {
    use Intrinsic as I;
    let cmp = |i, c| Some((i, Some(c)));
    Some(match *op {
        O::I32Const { .. } => (I::I32Const, None),
        O::I64Const { .. } => (I::I64Const, None),
        O::F32Const { .. } => (I::F32Const, None),
        O::F64Const { .. } => (I::F64Const, None),
        O::F32Add => (I::F32Add, None),
        O::F64Add => (I::F64Add, None),
        O::F32Sub => (I::F32Sub, None),
        O::F64Sub => (I::F64Sub, None),
        O::F32Mul => (I::F32Mul, None),
        O::F64Mul => (I::F64Mul, None),
        O::F32Div => (I::F32Div, None),
        O::F64Div => (I::F64Div, None),
        O::F32Abs => (I::F32Abs, None),
        O::F64Abs => (I::F64Abs, None),
        O::F32Ceil => (I::F32Ceil, None),
        O::F64Ceil => (I::F64Ceil, None),
        O::F32Floor => (I::F32Floor, None),
        O::F64Floor => (I::F64Floor, None),
        O::F32Trunc => (I::F32Trunc, None),
        O::F64Trunc => (I::F64Trunc, None),
        O::F32Nearest => (I::F32Rint, None),
        O::F64Nearest => (I::F64Rint, None),
        O::F32Sqrt => (I::F32Sqrt, None),
        O::F64Sqrt => (I::F64Sqrt, None),
        O::F32Copysign => (I::F32Copysign, None),
        O::F64Copysign => (I::F64Copysign, None),
        O::F32Min => (I::F32Min, None),
        O::F64Min => (I::F64Min, None),
        O::F32Max => (I::F32Max, None),
        O::F64Max => (I::F64Max, None),
        O::I32Clz => (I::I32Ctlz, None),
        O::I64Clz => (I::I64Ctlz, None),
        O::I32Ctz => (I::I32Cttz, None),
        O::I64Ctz => (I::I64Cttz, None),
        O::I32Popcnt => (I::I32Ctpop, None),
        O::I64Popcnt => (I::I64Ctpop, None),
        O::F64ConvertI32S => (I::F64ConvertI32S, None),
        O::F64ConvertI32U => (I::F64ConvertI32U, None),
        O::F32ConvertI32S => (I::F32ConvertI32S, None),
        O::F32ConvertI32U => (I::F32ConvertI32U, None),
        O::F64ConvertI64S => (I::F64ConvertI64S, None),
        O::F64ConvertI64U => (I::F64ConvertI64U, None),
        O::F32ConvertI64S => (I::F32ConvertI64S, None),
        O::F32ConvertI64U => (I::F32ConvertI64U, None),
        O::I32TruncF32S => (I::I32TruncF32S, None),
        O::I32TruncF32U => (I::I32TruncF32U, None),
        O::I32TruncF64S => (I::I32TruncF64S, None),
        O::I32TruncF64U => (I::I32TruncF64U, None),
        O::I64TruncF32S => (I::I64TruncF32S, None),
        O::I64TruncF32U => (I::I64TruncF32U, None),
        O::I64TruncF64S => (I::I64TruncF64S, None),
        O::I64TruncF64U => (I::I64TruncF64U, None),
        O::I32TruncSatF32S => (I::I32TruncSatF32S, None),
        O::I32TruncSatF32U => (I::I32TruncSatF32U, None),
        O::I32TruncSatF64S => (I::I32TruncSatF64S, None),
        O::I32TruncSatF64U => (I::I32TruncSatF64U, None),
        O::I64TruncSatF32S => (I::I64TruncSatF32S, None),
        O::I64TruncSatF32U => (I::I64TruncSatF32U, None),
        O::I64TruncSatF64S => (I::I64TruncSatF64S, None),
        O::I64TruncSatF64U => (I::I64TruncSatF64U, None),
        O::F32DemoteF64 => (I::F32DemoteF64, None),
        O::F64PromoteF32 => (I::F64PromoteF32, None),
        O::F32Eq => return cmp(I::F32Cmp, cond::EQ),
        O::F32Ne => return cmp(I::F32Cmp, cond::NE),
        O::F32Lt => return cmp(I::F32Cmp, cond::LT),
        O::F32Gt => return cmp(I::F32Cmp, cond::GT),
        O::F32Le => return cmp(I::F32Cmp, cond::LE),
        O::F32Ge => return cmp(I::F32Cmp, cond::GE),
        O::F64Eq => return cmp(I::F64Cmp, cond::EQ),
        O::F64Ne => return cmp(I::F64Cmp, cond::NE),
        O::F64Lt => return cmp(I::F64Cmp, cond::LT),
        O::F64Gt => return cmp(I::F64Cmp, cond::GT),
        O::F64Le => return cmp(I::F64Cmp, cond::LE),
        O::F64Ge => return cmp(I::F64Cmp, cond::GE),
        O::I32DivS => (I::I32DivS, None),
        O::I32DivU => (I::I32DivU, None),
        O::I32RemS => (I::I32RemS, None),
        O::I32RemU => (I::I32RemU, None),
        O::I64DivS => (I::I64DivS, None),
        O::I64DivU => (I::I64DivU, None),
        O::I64RemS => (I::I64RemS, None),
        O::I64RemU => (I::I64RemU, None),
        O::I64Or => (I::I64Or, None),
        O::I64And => (I::I64And, None),
        _ => return None,
    })
}

impl BodyTranslator<'_, '_> {
    /// Translates `op` through an enabled intrinsic; false if it has none or it is off.
    pub(super) fn intrinsic(&mut self, op: &O<'_>) -> bool {
        let Some((which, cond)) = intrinsic_of(op) else {
            return false;
        };
        if !self.opts.intrinsics.contains(which) {
            return false;
        }
        let constant = match *op {
            O::I32Const { value } => Some((I32, u64::from(value as u32))),
            O::I64Const { value } => Some((I64, value as u64)),
            O::F32Const { value } => Some((F32, u64::from(value.bits()))),
            O::F64Const { value } => Some((F64, value.bits())),
            _ => None,
        };
        if let Some((ty, bits)) = constant {
            let Some(index) = self.consts.get(bits) else {
                // The pre-scan saw every constant; a miss means it was not enabled then.
                return false;
            };
            let table = self.vmctx_field(self.offsets.consts());
            let offset = i32::try_from(u64::from(index) * 8).expect("constant table below 2^28");
            let v = self
                .builder
                .ins()
                .load(ty, invariant_flags(), table, offset);
            self.push(v);
            return true;
        }
        let operands = which.signature().0.len() - usize::from(cond.is_some());
        let at = self.stack.len() - operands;
        let popped: Vec<Value> = self.stack.drain(at..).collect();
        let mut args = Vec::with_capacity(popped.len() + 1);
        if let Some(c) = cond {
            args.push(self.builder.ins().iconst(I32, i64::from(c)));
        }
        args.extend(popped);
        let r = self.call_intrinsic(which, &args);
        self.push(r);
        true
    }

    /// Calls runtime intrinsic `which` through `vmctx.intrinsics` with `args` (the vmctx
    /// is added first); its result.
    pub(super) fn call_intrinsic(&mut self, which: Intrinsic, args: &[Value]) -> Value {
        self.makes_calls = true;
        let (params, results) = which.signature();
        let mut all: Vec<Value> = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let sig = match self.intrinsic_sigs.get(&which) {
            Some(s) => *s,
            None => {
                let mut sig = Signature::new(self.isa.default_call_conv());
                sig.params.push(AbiParam::new(I64));
                sig.params
                    .extend(params.iter().map(|t| AbiParam::new(ir(*t))));
                sig.returns
                    .extend(results.iter().map(|t| AbiParam::new(ir(*t))));
                let s = self.builder.import_signature(sig);
                self.intrinsic_sigs.insert(which, s);
                s
            }
        };
        let callee = self.header_table_entry(self.offsets.intrinsics(), which as u32);
        let call = self.builder.ins().call_indirect(sig, callee, &all);
        self.builder.inst_results(call)[0]
    }
}
