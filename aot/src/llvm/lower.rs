//! Lowering of one Cranelift function (as the wasm translator built it) to LLVM IR.
//!
//! The wasm semantics live in one place, the translator (`crate::translate`): it decides
//! bounds checks, traps, calls through the vmctx, fuel, exceptions. This module only
//! restates its CLIF in LLVM IR, opcode by opcode, keeping CLIF's meaning where LLVM's
//! differs:
//! - shift amounts are taken modulo the lane width (LLVM: poison past it);
//! - `icmp`/`fcmp` give 0/1 in an `i8` (vectors: all-ones lanes);
//! - `fmin`/`fmax` propagate NaN and order -0 below +0 (`llvm.minimum`/`llvm.maximum`);
//! - a linear-memory load whose result nobody uses is volatile, so LLVM keeps it and an
//!   out-of-bounds access still faults in the guard pages.
//!
//! Block parameters become phis; an edge that needs its own phi inputs (both arms of a
//! `brif` to one block, a `br_table` entry with arguments) goes through an edge block.

use std::collections::HashMap;

use cranelift_codegen::ir::{
    self, condcodes::FloatCC, condcodes::IntCC, types, BlockArg, BlockCall, InstructionData,
    Opcode, Type, Value,
};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Module;
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType};
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue, IntValue, PhiValue,
    VectorValue,
};
use inkwell::{FloatPredicate, IntPredicate};

use super::LowerError;

/// LLVM's number for the `tailcc` calling convention (guaranteed tail calls).
pub(super) const TAILCC: u32 = 18;
/// LLVM's number for the C calling convention.
const CCC: u32 = 0;

/// What every function of the module shares while lowering.
pub(super) struct ModuleCx<'ctx> {
    pub context: &'ctx Context,
    pub module: Module<'ctx>,
    /// Defined function (wasm index) to its LLVM function.
    pub funcs: HashMap<u32, FunctionValue<'ctx>>,
    /// TBAA access tags: linear memory, and the runtime's own structures. Nothing the
    /// translator loads from the runtime lies in linear memory, so the two never alias.
    pub tbaa_heap: inkwell::values::MetadataValue<'ctx>,
    pub tbaa_runtime: inkwell::values::MetadataValue<'ctx>,
    pub tbaa_kind: u32,
    pub invariant_kind: u32,
    pub empty_md: inkwell::values::MetadataValue<'ctx>,
    /// The `strictfp` attribute, on every function and every constrained FP call.
    pub strictfp: inkwell::attributes::Attribute,
    /// Linear-memory loads may fault (guard pages): keep each where it is (volatile).
    pub pin_heap_loads: bool,
    /// Indirect mode: vmctx offset of each defined function's entry, to its wasm index.
    pub entry_offsets: HashMap<i32, u32>,
}

impl<'ctx> ModuleCx<'ctx> {
    pub fn new(context: &'ctx Context, name: &str) -> Self {
        let module = context.create_module(name);
        let s = |t: &str| context.metadata_string(t).into();
        let root = context.metadata_node(&[s("wamr tbaa")]);
        let i64_0 = context.i64_type().const_zero().into();
        let heap_ty = context.metadata_node(&[s("wasm linear memory"), root.into(), i64_0]);
        let rt_ty = context.metadata_node(&[s("runtime"), root.into(), i64_0]);
        let tag = |t: inkwell::values::MetadataValue<'ctx>| {
            context.metadata_node(&[t.into(), t.into(), i64_0])
        };
        ModuleCx {
            tbaa_heap: tag(heap_ty),
            tbaa_runtime: tag(rt_ty),
            tbaa_kind: context.get_kind_id("tbaa"),
            invariant_kind: context.get_kind_id("invariant.load"),
            empty_md: context.metadata_node(&[]),
            strictfp: context.create_enum_attribute(
                inkwell::attributes::Attribute::get_named_enum_kind_id("strictfp"),
                0,
            ),
            pin_heap_loads: true,
            entry_offsets: HashMap::new(),
            context,
            module,
            funcs: HashMap::new(),
        }
    }

    /// The LLVM type of a CLIF value type.
    pub fn ty(&self, t: Type) -> Result<BasicTypeEnum<'ctx>, LowerError> {
        let c = self.context;
        if t.is_vector() {
            let lane = self.ty(t.lane_type())?;
            let n = t.lane_count();
            return Ok(match lane {
                BasicTypeEnum::IntType(i) => i.vec_type(n).into(),
                BasicTypeEnum::FloatType(f) => f.vec_type(n).into(),
                _ => return Err(LowerError(format!("vector type {t}"))),
            });
        }
        Ok(match t {
            types::I8 => c.i8_type().into(),
            types::I16 => c.i16_type().into(),
            types::I32 => c.i32_type().into(),
            types::I64 => c.i64_type().into(),
            types::I128 => c.i128_type().into(),
            types::F32 => c.f32_type().into(),
            types::F64 => c.f64_type().into(),
            _ => return Err(LowerError(format!("type {t}"))),
        })
    }

    /// The LLVM function type and calling convention of a CLIF signature.
    ///
    /// A wasm function with several results returns them through a return area, a
    /// pointer its caller passes last: LLVM would demote a large aggregate return to
    /// an `sret` of its own, which a `musttail` call (`return_call`) cannot pass on.
    /// With the area the caller of a tail call hands its own area down.
    pub fn signature(&self, sig: &ir::Signature) -> Result<(FunctionType<'ctx>, u32), LowerError> {
        let mut params = sig
            .params
            .iter()
            .map(|p| self.ty(p.value_type).map(BasicMetadataTypeEnum::from))
            .collect::<Result<Vec<_>, _>>()?;
        if uses_return_area(sig) {
            params.push(self.context.ptr_type(Default::default()).into());
            let cc = TAILCC;
            return Ok((self.context.void_type().fn_type(&params, false), cc));
        }
        let returns = sig
            .returns
            .iter()
            .map(|p| self.ty(p.value_type))
            .collect::<Result<Vec<_>, _>>()?;
        let fn_ty = match returns.as_slice() {
            [] => self.context.void_type().fn_type(&params, false),
            [one] => one.fn_type(&params, false),
            many => self
                .context
                .struct_type(many, false)
                .fn_type(&params, false),
        };
        let cc = match sig.call_conv {
            cranelift_codegen::isa::CallConv::Tail => TAILCC,
            cranelift_codegen::isa::CallConv::SystemV => CCC,
            other => return Err(LowerError(format!("calling convention {other}"))),
        };
        Ok((fn_ty, cc))
    }
}

/// Whether a signature's results go through a return area (see [`ModuleCx::signature`]).
pub(super) fn uses_return_area(sig: &ir::Signature) -> bool {
    sig.call_conv == cranelift_codegen::isa::CallConv::Tail && sig.returns.len() > 1
}

/// Bytes per result in a return area: room for any value type, v128 included.
const RETURN_SLOT: u32 = 16;

/// Lowers `func` into the (already declared) LLVM function `llfn`.
pub(super) fn lower_function<'ctx>(
    cx: &ModuleCx<'ctx>,
    func: &ir::Function,
    llfn: FunctionValue<'ctx>,
) -> Result<(), LowerError> {
    let builder = cx.context.create_builder();
    let mut l = Lowering {
        cx,
        func,
        llfn,
        b: builder,
        values: HashMap::new(),
        blocks: HashMap::new(),
        phis: HashMap::new(),
        pending: Vec::new(),
        slots: HashMap::new(),
        used: used_values(func),
        return_area: uses_return_area(&func.signature)
            .then(|| llfn.get_last_param().map(|p| p.into_pointer_value()))
            .flatten(),
        entry: None,
    };
    l.run()
}

/// Values some instruction or branch reads (after alias resolution).
fn used_values(func: &ir::Function) -> std::collections::HashSet<Value> {
    let dfg = &func.dfg;
    let mut used = std::collections::HashSet::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for &v in dfg.inst_args(inst) {
                used.insert(dfg.resolve_aliases(v));
            }
            for dest in dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)
            {
                for arg in dest.args(&dfg.value_lists) {
                    if let BlockArg::Value(v) = arg {
                        used.insert(dfg.resolve_aliases(v));
                    }
                }
            }
        }
    }
    used
}

struct Lowering<'a, 'ctx> {
    cx: &'a ModuleCx<'ctx>,
    func: &'a ir::Function,
    llfn: FunctionValue<'ctx>,
    b: Builder<'ctx>,
    values: HashMap<Value, BasicValueEnum<'ctx>>,
    blocks: HashMap<ir::Block, BasicBlock<'ctx>>,
    phis: HashMap<ir::Block, Vec<PhiValue<'ctx>>>,
    /// Phi inputs to add once every value exists: (phi, value, predecessor).
    pending: Vec<(PhiValue<'ctx>, Value, BasicBlock<'ctx>)>,
    slots: HashMap<ir::StackSlot, inkwell::values::PointerValue<'ctx>>,
    used: std::collections::HashSet<Value>,
    /// This function's return area (several results), the last parameter.
    return_area: Option<inkwell::values::PointerValue<'ctx>>,
    /// The LLVM entry block, where allocas go.
    entry: Option<BasicBlock<'ctx>>,
}

fn err(what: impl std::fmt::Display) -> LowerError {
    LowerError(what.to_string())
}

impl<'a, 'ctx> Lowering<'a, 'ctx> {
    fn run(&mut self) -> Result<(), LowerError> {
        let f = self.func;
        let c = self.cx.context;
        let entry_ll = c.append_basic_block(self.llfn, "entry");
        self.entry = Some(entry_ll);
        let order = reverse_postorder(f);
        for &block in &order {
            let bb = c.append_basic_block(self.llfn, &format!("{block}"));
            self.blocks.insert(block, bb);
        }
        // Stack slots: allocas in the entry block.
        self.b.position_at_end(entry_ll);
        for (slot, data) in f.sized_stack_slots.iter() {
            let ty = c.i8_type().array_type(data.size.max(1));
            let a = self.b.build_alloca(ty, "slot")?;
            let align = 1u32 << data.align_shift;
            a.as_instruction()
                .ok_or_else(|| err("alloca"))?
                .set_alignment(align.max(16))
                .map_err(err)?;
            self.slots.insert(slot, a);
        }
        let first = f
            .layout
            .entry_block()
            .ok_or_else(|| err("no entry block"))?;
        // Phis for every block's parameters (the entry's take the function's parameters).
        for &block in &order {
            let bb = self.blocks[&block];
            self.b.position_at_end(bb);
            let mut list = Vec::new();
            for &p in f.dfg.block_params(block) {
                let phi = self.b.build_phi(self.cx.ty(f.dfg.value_type(p))?, "")?;
                self.values.insert(p, phi.as_basic_value());
                list.push(phi);
            }
            self.phis.insert(block, list);
        }
        for (i, phi) in self.phis[&first].clone().into_iter().enumerate() {
            let arg = self
                .llfn
                .get_nth_param(i as u32)
                .ok_or_else(|| err("entry parameters"))?;
            phi.add_incoming(&[(&arg, entry_ll)]);
        }
        self.b.position_at_end(entry_ll);
        self.b.build_unconditional_branch(self.blocks[&first])?;

        for &block in &order {
            self.b.position_at_end(self.blocks[&block]);
            for inst in f.layout.block_insts(block) {
                self.inst(inst)?;
            }
        }
        for (phi, v, pred) in std::mem::take(&mut self.pending) {
            let value = self.val(v)?;
            phi.add_incoming(&[(&value, pred)]);
        }
        Ok(())
    }

    fn val(&self, v: Value) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let v = self.func.dfg.resolve_aliases(v);
        self.values
            .get(&v)
            .copied()
            .ok_or_else(|| err(format!("{v} used before its definition")))
    }

    fn int(&self, v: Value) -> Result<IntValue<'ctx>, LowerError> {
        match self.val(v)? {
            BasicValueEnum::IntValue(i) => Ok(i),
            other => Err(err(format!("{v} is not an integer: {other:?}"))),
        }
    }

    fn vector(&self, v: Value) -> Result<VectorValue<'ctx>, LowerError> {
        match self.val(v)? {
            BasicValueEnum::VectorValue(x) => Ok(x),
            other => Err(err(format!("{v} is not a vector: {other:?}"))),
        }
    }

    /// Whether `addr` is the address of one of this function's stack slots.
    fn is_stack_address(&self, addr: Value) -> bool {
        let dfg = &self.func.dfg;
        match dfg.value_def(dfg.resolve_aliases(addr)) {
            ir::ValueDef::Result(inst, _) => dfg.insts[inst].opcode() == Opcode::StackAddr,
            _ => false,
        }
    }

    fn ty_of(&self, v: Value) -> Type {
        self.func.dfg.value_type(v)
    }

    fn set(&mut self, inst: ir::Inst, value: impl BasicValue<'ctx>) {
        let r = self.func.dfg.inst_results(inst)[0];
        self.values.insert(r, value.as_basic_value_enum());
    }

    /// Calls intrinsic `name` overloaded on `types`.
    fn intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let i = Intrinsic::find(name).ok_or_else(|| err(format!("no intrinsic {name}")))?;
        let decl = i
            .get_declaration(&self.cx.module, types)
            .ok_or_else(|| err(format!("cannot declare {name}")))?;
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|a| (*a).into()).collect();
        let call = self.b.build_call(decl, &args, "")?;
        call.try_as_basic_value()
            .basic()
            .ok_or_else(|| err(format!("{name} returns nothing")))
    }

    /// The constrained (strict) form of an FP operation: LLVM's ordinary `fadd x, 0.0`
    /// and the like fold to `x`, which hands a signalling NaN back unquieted where wasm
    /// wants a quiet one. `rounded` ops take a rounding-mode operand (to nearest).
    fn strict(
        &self,
        op: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
        rounded: bool,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let name = format!("llvm.experimental.constrained.{op}");
        let i = Intrinsic::find(&name).ok_or_else(|| err(format!("no intrinsic {name}")))?;
        let decl = i
            .get_declaration(&self.cx.module, types)
            .ok_or_else(|| err(format!("cannot declare {name}")))?;
        let mut all: Vec<BasicMetadataValueEnum> = args.iter().map(|a| (*a).into()).collect();
        let c = self.cx.context;
        if rounded {
            all.push(c.metadata_string("round.tonearest").into());
        }
        all.push(c.metadata_string("fpexcept.strict").into());
        let call = self.b.build_call(decl, &all, "")?;
        call.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            self.cx.strictfp,
        );
        call.try_as_basic_value()
            .basic()
            .ok_or_else(|| err(format!("{name} returns nothing")))
    }

    /// A vector of `ty` with every lane `x` (an integer of the lane type).
    fn splat_to(
        &self,
        x: BasicValueEnum<'ctx>,
        ty: Type,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let vty = self.cx.ty(ty)?.into_vector_type();
        let i32t = self.cx.context.i32_type();
        let one = self
            .b
            .build_insert_element(vty.get_poison(), x, i32t.const_zero(), "")?;
        let mask = zero_mask(self.cx.context, ty.lane_count());
        Ok(self
            .b
            .build_shuffle_vector(one, vty.get_poison(), mask, "")?
            .into())
    }

    /// `x` as an integer value of the same width as the lanes (or scalar) of `ty`:
    /// shift amounts may come in any integer type.
    fn shift_amount(&self, amount: Value, ty: Type) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let lane = ty.lane_type();
        let lane_ty = self.cx.ty(lane)?.into_int_type();
        let a = self.int(amount)?;
        let a = if a.get_type().get_bit_width() > lane.bits() {
            self.b.build_int_truncate(a, lane_ty, "")?
        } else if a.get_type().get_bit_width() < lane.bits() {
            self.b.build_int_z_extend(a, lane_ty, "")?
        } else {
            a
        };
        let masked =
            self.b
                .build_and(a, lane_ty.const_int(u64::from(lane.bits() - 1), false), "")?;
        if ty.is_vector() {
            self.splat_to(masked.into(), ty)
        } else {
            Ok(masked.into())
        }
    }

    /// `icmp` of two integers or two integer vectors.
    fn int_compare(
        &self,
        pred: IntPredicate,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        Ok(match (a, b) {
            (BasicValueEnum::IntValue(a), BasicValueEnum::IntValue(b)) => {
                self.b.build_int_compare(pred, a, b, "")?.into()
            }
            (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(b)) => {
                self.b.build_int_compare(pred, a, b, "")?.into()
            }
            _ => return Err(err("icmp operands")),
        })
    }

    /// `fcmp` of two floats or two float vectors.
    fn float_compare(
        &self,
        pred: FloatPredicate,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        Ok(match (a, b) {
            (BasicValueEnum::FloatValue(a), BasicValueEnum::FloatValue(b)) => {
                self.b.build_float_compare(pred, a, b, "")?.into()
            }
            (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(b)) => {
                self.b.build_float_compare(pred, a, b, "")?.into()
            }
            _ => return Err(err("fcmp operands")),
        })
    }

    /// An integer (or integer vector) widened to `to`, sign- or zero-extending.
    fn extend(
        &self,
        v: BasicValueEnum<'ctx>,
        to: Type,
        signed: bool,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let to = self.cx.ty(to)?;
        Ok(match v {
            BasicValueEnum::VectorValue(x) => {
                let to = to.into_vector_type();
                if signed {
                    self.b.build_int_s_extend(x, to, "")?.into()
                } else {
                    self.b.build_int_z_extend(x, to, "")?.into()
                }
            }
            BasicValueEnum::IntValue(x) => {
                let to = to.into_int_type();
                if signed {
                    self.b.build_int_s_extend(x, to, "")?.into()
                } else {
                    self.b.build_int_z_extend(x, to, "")?.into()
                }
            }
            other => return Err(err(format!("extending {other:?}"))),
        })
    }

    /// A 0/1 condition (any integer width) as an `i1`.
    fn truth(&self, v: Value) -> Result<IntValue<'ctx>, LowerError> {
        let x = self.int(v)?;
        Ok(self
            .b
            .build_int_compare(IntPredicate::NE, x, x.get_type().const_zero(), "")?)
    }

    /// An `i1` (or vector of) widened as CLIF's compare results are: 0/1 in an `i8` for
    /// scalars, all-ones lanes for vectors.
    fn widen_bool(
        &self,
        b: BasicValueEnum<'ctx>,
        result: Type,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let ty = self.cx.ty(result)?;
        Ok(match b {
            BasicValueEnum::IntValue(i) => {
                self.b.build_int_z_extend(i, ty.into_int_type(), "")?.into()
            }
            BasicValueEnum::VectorValue(v) => self
                .b
                .build_int_s_extend(v, ty.into_vector_type(), "")?
                .into(),
            other => return Err(err(format!("compare result {other:?}"))),
        })
    }

    fn mem_address(
        &self,
        addr: Value,
        offset: i32,
    ) -> Result<inkwell::values::PointerValue<'ctx>, LowerError> {
        let i64t = self.cx.context.i64_type();
        let ptr_ty = self.cx.context.ptr_type(Default::default());
        // A pointer loaded from memory plus an index (`heap_base + uextend(address)`, a
        // table's or the vmctx's base plus a scaled index) becomes a `getelementptr` from
        // that pointer, not integer arithmetic cast back to a pointer: LLVM then sees
        // accesses from one base at known distances (alias analysis, consecutive loads
        // for the vectorisers, gathers).
        let (base, index) = match self.loaded_base_plus_index(addr) {
            Some((base, index)) => (
                self.b.build_int_to_ptr(self.int(base)?, ptr_ty, "")?,
                Some(self.int(index)?),
            ),
            None => (self.b.build_int_to_ptr(self.int(addr)?, ptr_ty, "")?, None),
        };
        let mut ptr = base;
        for step in [
            index,
            (offset != 0).then(|| i64t.const_int(offset as i64 as u64, true)),
        ]
        .into_iter()
        .flatten()
        {
            ptr = super::gep::byte_offset(&self.b, ptr, step)?;
        }
        Ok(ptr)
    }

    /// `addr = iadd(base, index)` where `base` was loaded from memory (a pointer the
    /// runtime keeps: a linear memory's or table's base): (base, index).
    fn loaded_base_plus_index(&self, addr: Value) -> Option<(Value, Value)> {
        let dfg = &self.func.dfg;
        let ir::ValueDef::Result(inst, _) = dfg.value_def(dfg.resolve_aliases(addr)) else {
            return None;
        };
        let InstructionData::Binary {
            opcode: Opcode::Iadd,
            args: [x, y],
        } = dfg.insts[inst]
        else {
            return None;
        };
        let loaded = |v: Value| match dfg.value_def(dfg.resolve_aliases(v)) {
            ir::ValueDef::Result(i, _) => dfg.insts[i].opcode() == Opcode::Load,
            _ => false,
        };
        if dfg.value_type(x) != types::I64 || dfg.value_type(y) != types::I64 {
            None
        } else if loaded(x) {
            Some((x, y))
        } else if loaded(y) {
            Some((y, x))
        } else {
            None
        }
    }

    /// Alignment, aliasing and invariance of a memory access from its CLIF flags.
    fn annotate(
        &self,
        inst: inkwell::values::InstructionValue<'ctx>,
        flags: ir::MemFlagsData,
        size: u32,
        is_load: bool,
    ) -> Result<(), LowerError> {
        let align = if flags.aligned() { size.min(16) } else { 1 };
        inst.set_alignment(align.max(1)).map_err(err)?;
        let heap = flags.alias_region().is_some();
        let tag = if heap {
            self.cx.tbaa_heap
        } else {
            self.cx.tbaa_runtime
        };
        inst.set_metadata(tag, self.cx.tbaa_kind).map_err(err)?;
        if is_load && flags.readonly() && flags.notrap() {
            inst.set_metadata(self.cx.empty_md, self.cx.invariant_kind)
                .map_err(err)?;
        }
        Ok(())
    }

    /// Branches to `dest`, feeding its phis; returns nothing. `from` is the LLVM block
    /// the branch leaves from.
    fn edge_inputs(&mut self, dest: BlockCall, from: BasicBlock<'ctx>) -> Result<(), LowerError> {
        let dfg = &self.func.dfg;
        let block = dest.block(&dfg.value_lists);
        let phis = self.phis[&block].clone();
        for (phi, arg) in phis.into_iter().zip(dest.args(&dfg.value_lists)) {
            match arg {
                BlockArg::Value(v) => self.pending.push((phi, v, from)),
                other => return Err(err(format!("block argument {other:?}"))),
            }
        }
        Ok(())
    }

    /// The LLVM block a branch to `dest` jumps to: the block itself, or when `own_edge`
    /// and it takes arguments, a new edge block that jumps there.
    fn target(&mut self, dest: BlockCall, own_edge: bool) -> Result<BasicBlock<'ctx>, LowerError> {
        let dfg = &self.func.dfg;
        let block = dest.block(&dfg.value_lists);
        let bb = self.blocks[&block];
        if own_edge && dest.len(&dfg.value_lists) > 0 {
            let here = self.b.get_insert_block().ok_or_else(|| err("no block"))?;
            let edge = self.cx.context.insert_basic_block_after(here, "edge");
            self.b.position_at_end(edge);
            self.b.build_unconditional_branch(bb)?;
            self.edge_inputs(dest, edge)?;
            self.b.position_at_end(here);
            Ok(edge)
        } else {
            let here = self.b.get_insert_block().ok_or_else(|| err("no block"))?;
            self.edge_inputs(dest, here)?;
            Ok(bb)
        }
    }

    fn inst(&mut self, inst: ir::Inst) -> Result<(), LowerError> {
        let dfg = &self.func.dfg;
        let data = dfg.insts[inst];
        let op = data.opcode();
        let result_ty = dfg.inst_results(inst).first().map(|&r| dfg.value_type(r));
        let c = self.cx.context;
        match data {
            InstructionData::UnaryImm { imm, .. } => {
                let ty = self.cx.ty(result_ty.ok_or_else(|| err("iconst"))?)?;
                let v = ty.into_int_type().const_int(imm.bits() as u64, false);
                self.set(inst, v);
            }
            InstructionData::UnaryIeee32 { imm, .. } => {
                let bits = c.i32_type().const_int(u64::from(imm.bits()), false);
                let v = self.b.build_bit_cast(bits, c.f32_type(), "")?;
                self.set(inst, v);
            }
            InstructionData::UnaryIeee64 { imm, .. } => {
                let bits = c.i64_type().const_int(imm.bits(), false);
                let v = self.b.build_bit_cast(bits, c.f64_type(), "")?;
                self.set(inst, v);
            }
            InstructionData::UnaryConst {
                constant_handle, ..
            } => {
                let bytes = dfg.constants.get(constant_handle).as_slice();
                let lanes: Vec<IntValue> = bytes
                    .iter()
                    .map(|&b| c.i8_type().const_int(u64::from(b), false))
                    .collect();
                let v = inkwell::types::VectorType::const_vector(&lanes);
                let ty = self.cx.ty(result_ty.ok_or_else(|| err("vconst"))?)?;
                let v = self.b.build_bit_cast(v, ty, "")?;
                self.set(inst, v);
            }
            InstructionData::Binary { args: [x, y], .. } => self.binary(inst, op, x, y)?,
            InstructionData::Unary { arg, .. } => self.unary(inst, op, arg)?,
            // `bitcast` carries memory flags (for the byte order of vector lanes: always
            // little-endian here).
            InstructionData::LoadNoOffset { arg, .. } if op == Opcode::Bitcast => {
                self.unary(inst, op, arg)?
            }
            InstructionData::Ternary {
                args: [a, x, y], ..
            } => {
                let v: BasicValueEnum = match op {
                    Opcode::Select => {
                        let cond = self.truth(a)?;
                        self.b.build_select(cond, self.val(x)?, self.val(y)?, "")?
                    }
                    Opcode::Bitselect => {
                        let ty = self.cx.ty(self.ty_of(x))?;
                        let as_int =
                            |v: BasicValueEnum<'ctx>| -> Result<VectorValue<'ctx>, LowerError> {
                                Ok(self
                                    .b
                                    .build_bit_cast(v, c.i8_type().vec_type(16), "")?
                                    .into_vector_value())
                            };
                        let (m, xv, yv) = (
                            as_int(self.val(a)?)?,
                            as_int(self.val(x)?)?,
                            as_int(self.val(y)?)?,
                        );
                        let t = self.b.build_and(m, xv, "")?;
                        let nm = self.b.build_not(m, "")?;
                        let e = self.b.build_and(nm, yv, "")?;
                        let r = self.b.build_or(t, e, "")?;
                        self.b.build_bit_cast(r, ty, "")?
                    }
                    Opcode::Fma => {
                        let ty = self.cx.ty(self.ty_of(a))?;
                        self.intrinsic(
                            "llvm.fma",
                            &[ty],
                            &[self.val(a)?, self.val(x)?, self.val(y)?],
                        )?
                    }
                    _ => return Err(err(format!("ternary {op}"))),
                };
                self.set(inst, v);
            }
            InstructionData::BinaryImm8 { arg, imm, .. } => {
                // extractlane
                let v = self.vector(arg)?;
                let i = c.i32_type().const_int(u64::from(imm), false);
                let r = self.b.build_extract_element(v, i, "")?;
                self.set(inst, r);
            }
            InstructionData::TernaryImm8 {
                args: [v, x], imm, ..
            } => {
                // insertlane
                let v = self.vector(v)?;
                let i = c.i32_type().const_int(u64::from(imm), false);
                let r = self.b.build_insert_element(v, self.val(x)?, i, "")?;
                self.set(inst, r);
            }
            InstructionData::Shuffle {
                args: [x, y], imm, ..
            } => {
                let mask_bytes = dfg.immediates.get(imm).ok_or_else(|| err("shuffle mask"))?;
                let lanes: Vec<IntValue> = mask_bytes
                    .as_slice()
                    .iter()
                    .map(|&b| c.i32_type().const_int(u64::from(b), false))
                    .collect();
                let mask = inkwell::types::VectorType::const_vector(&lanes);
                let r = self
                    .b
                    .build_shuffle_vector(self.vector(x)?, self.vector(y)?, mask, "")?;
                self.set(inst, r);
            }
            InstructionData::IntCompare {
                args: [x, y], cond, ..
            } => {
                let b = self.int_compare(int_predicate(cond), self.val(x)?, self.val(y)?)?;
                let r = self.widen_bool(b, result_ty.ok_or_else(|| err("icmp"))?)?;
                self.set(inst, r);
            }
            InstructionData::FloatCompare {
                args: [x, y], cond, ..
            } => {
                let b = self.float_compare(float_predicate(cond), self.val(x)?, self.val(y)?)?;
                let r = self.widen_bool(b, result_ty.ok_or_else(|| err("fcmp"))?)?;
                self.set(inst, r);
            }
            InstructionData::Load {
                arg, flags, offset, ..
            } => {
                let flags = dfg.mem_flags[flags];
                let result = dfg.inst_results(inst)[0];
                let rty = dfg.value_type(result);
                let (mem_ty, extend) = match op {
                    Opcode::Load => (rty, None),
                    Opcode::Uload8 => (types::I8, Some(false)),
                    Opcode::Sload8 => (types::I8, Some(true)),
                    Opcode::Uload16 => (types::I16, Some(false)),
                    Opcode::Sload16 => (types::I16, Some(true)),
                    Opcode::Uload32 => (types::I32, Some(false)),
                    Opcode::Sload32 => (types::I32, Some(true)),
                    // 64 bits of narrow lanes, each extended: `v128.load8x8_s` and kin.
                    Opcode::Uload8x8 | Opcode::Uload16x4 | Opcode::Uload32x2 => {
                        (narrow_lanes(rty)?, Some(false))
                    }
                    Opcode::Sload8x8 | Opcode::Sload16x4 | Opcode::Sload32x2 => {
                        (narrow_lanes(rty)?, Some(true))
                    }
                    _ => return Err(err(format!("load {op}"))),
                };
                let ptr = self.mem_address(arg, offset.into())?;
                let loaded = self.b.build_load(self.cx.ty(mem_ty)?, ptr, "")?;
                let li = loaded
                    .as_instruction_value()
                    .ok_or_else(|| err("load instruction"))?;
                self.annotate(li, flags, mem_ty.bytes(), true)?;
                // A linear-memory load that may fault (guard pages, no check before it)
                // stays where the program put it: LLVM would otherwise sink it past a
                // later trap check or store, or drop it when unused, and another trap
                // (or none) would win. After an explicit check it cannot fault, nor
                // where the translator proved it in bounds (`notrap`, see
                // `translate::versioning`).
                if flags.alias_region().is_some()
                    && !flags.notrap()
                    && (self.cx.pin_heap_loads || !self.used.contains(&result))
                {
                    li.set_volatile(true).map_err(err)?;
                }
                let v: BasicValueEnum = match extend {
                    None => loaded,
                    Some(signed) => self.extend(loaded, rty, signed)?,
                };
                self.set(inst, v);
            }
            InstructionData::Store {
                args: [x, addr],
                flags,
                offset,
                ..
            } => {
                let flags = dfg.mem_flags[flags];
                let value = self.val(x)?;
                let (value, size) = match op {
                    Opcode::Store => (value, self.ty_of(x).bytes()),
                    Opcode::Istore8 | Opcode::Istore16 | Opcode::Istore32 => {
                        let bits = match op {
                            Opcode::Istore8 => 8,
                            Opcode::Istore16 => 16,
                            _ => 32,
                        };
                        let narrow = self.b.build_int_truncate(
                            value.into_int_value(),
                            int_type(c, bits),
                            "",
                        )?;
                        (narrow.into(), bits / 8)
                    }
                    _ => return Err(err(format!("store {op}"))),
                };
                let ptr = self.mem_address(addr, offset.into())?;
                let si = self.b.build_store(ptr, value)?;
                self.annotate(si, flags, size, false)?;
                // With faulting heap accesses (volatile, see loads), every store the
                // host can see after a trap (linear memory, globals, tables, the run
                // state) keeps its place among them: a trap leaves exactly the stores
                // before it done. Stores to this frame's own slots are nobody else's;
                // a linear-memory store proven in bounds (`notrap`) runs in a loop
                // that cannot trap before its end.
                let proven = flags.alias_region().is_some() && flags.notrap();
                if self.cx.pin_heap_loads && !proven && !self.is_stack_address(addr) {
                    si.set_volatile(true).map_err(err)?;
                }
            }
            InstructionData::StackAddr {
                stack_slot, offset, ..
            } => {
                let base = *self
                    .slots
                    .get(&stack_slot)
                    .ok_or_else(|| err("stack slot"))?;
                let i64t = c.i64_type();
                let a = self.b.build_ptr_to_int(base, i64t, "")?;
                let off: i32 = offset.into();
                let a = self
                    .b
                    .build_int_add(a, i64t.const_int(off as i64 as u64, true), "")?;
                self.set(inst, a);
            }
            InstructionData::NullAry { .. } => match op {
                Opcode::GetStackPointer => {
                    let sp = self.intrinsic(
                        "llvm.stacksave",
                        &[c.ptr_type(Default::default()).into()],
                        &[],
                    )?;
                    let v = self
                        .b
                        .build_ptr_to_int(sp.into_pointer_value(), c.i64_type(), "")?;
                    self.set(inst, v);
                }
                Opcode::Nop => {}
                _ => return Err(err(format!("nullary {op}"))),
            },
            InstructionData::Jump { destination, .. } => {
                let bb = self.target(destination, false)?;
                self.b.build_unconditional_branch(bb)?;
            }
            InstructionData::Brif {
                arg,
                blocks: [then, otherwise],
                ..
            } => {
                let cond = self.truth(arg)?;
                let same = then.block(&dfg.value_lists) == otherwise.block(&dfg.value_lists);
                let t = self.target(then, same)?;
                let e = self.target(otherwise, same)?;
                self.b.build_conditional_branch(cond, t, e)?;
            }
            InstructionData::BranchTable { arg, table, .. } => {
                let jt = &dfg.jump_tables[table];
                let index = self.int(arg)?;
                let default = self.target(jt.default_block(), true)?;
                let mut cases = Vec::with_capacity(jt.as_slice().len());
                for (i, &dest) in jt.as_slice().iter().enumerate() {
                    let bb = self.target(dest, true)?;
                    cases.push((index.get_type().const_int(i as u64, false), bb));
                }
                self.b.build_switch(index, default, &cases)?;
            }
            InstructionData::Trap { .. } => {
                self.b.build_unreachable()?;
            }
            InstructionData::MultiAry { .. } if op == Opcode::Return => {
                let args: Vec<BasicValueEnum> = dfg
                    .inst_args(inst)
                    .iter()
                    .map(|&v| self.val(v))
                    .collect::<Result<_, _>>()?;
                if let Some(area) = self.return_area {
                    for (i, v) in args.iter().enumerate() {
                        let at = self.offset_ptr(area, i as u32 * RETURN_SLOT)?;
                        self.b.build_store(at, *v)?;
                    }
                    self.b.build_return(None)?;
                    return Ok(());
                }
                match args.as_slice() {
                    [] => self.b.build_return(None)?,
                    [one] => self.b.build_return(Some(one))?,
                    many => self.b.build_aggregate_return(many)?,
                };
            }
            InstructionData::Call { func_ref, .. } => {
                let ext = &dfg.ext_funcs[func_ref];
                let index = match &ext.name {
                    ir::ExternalName::User(name) => {
                        self.func.params.user_named_funcs()[*name].index
                    }
                    other => return Err(err(format!("call to {other:?}"))),
                };
                let callee =
                    *self.cx.funcs.get(&index).ok_or_else(|| {
                        err(format!("call to function {index}, not defined here"))
                    })?;
                let mut args: Vec<BasicMetadataValueEnum> = dfg
                    .inst_args(inst)
                    .iter()
                    .map(|&v| self.val(v).map(Into::into))
                    .collect::<Result<_, _>>()?;
                let sig = &dfg.signatures[ext.signature];
                let tail = op == Opcode::ReturnCall;
                let area = self.call_return_area(sig, tail)?;
                if let Some(a) = area {
                    args.push(a.into());
                }
                let call = self.b.build_call(callee, &args, "")?;
                call.set_call_convention(callee.get_call_conventions());
                self.call_results(inst, call, tail, area)?;
            }
            InstructionData::CallIndirect { sig_ref, .. } => {
                let sig = &dfg.signatures[sig_ref];
                let (fn_ty, cc) = self.cx.signature(sig)?;
                let all = dfg.inst_args(inst);
                let ptr = self.b.build_int_to_ptr(
                    self.int(all[0])?,
                    c.ptr_type(Default::default()),
                    "",
                )?;
                let mut args: Vec<BasicMetadataValueEnum> = all[1..]
                    .iter()
                    .map(|&v| self.val(v).map(Into::into))
                    .collect::<Result<_, _>>()?;
                let tail = op == Opcode::ReturnCallIndirect;
                let area = self.call_return_area(sig, tail)?;
                if let Some(a) = area {
                    args.push(a.into());
                }
                match self.entry_callee(all[0]).filter(|f| f.get_type() == fn_ty) {
                    Some(callee) => self.guarded_call(inst, callee, ptr, &args, tail, area)?,
                    None => {
                        let call = self.b.build_indirect_call(fn_ty, ptr, &args, "")?;
                        call.set_call_convention(cc);
                        self.call_results(inst, call, tail, area)?;
                    }
                }
            }
            _ => {
                return Err(err(format!(
                    "instruction {op} is not supported by the LLVM tier"
                )))
            }
        }
        Ok(())
    }

    /// In indirect mode, the defined function whose function-table entry `ptr` is: the
    /// translator loads a callee's entry from the vmctx parameter at the offset
    /// `VMOffsets::func_entry` gives, and calls what it loaded.
    fn entry_callee(&self, ptr: Value) -> Option<FunctionValue<'ctx>> {
        let dfg = &self.func.dfg;
        let ir::ValueDef::Result(load, _) = dfg.value_def(dfg.resolve_aliases(ptr)) else {
            return None;
        };
        let InstructionData::Load {
            opcode: Opcode::Load,
            arg,
            offset,
            ..
        } = dfg.insts[load]
        else {
            return None;
        };
        let entry = self.func.layout.entry_block()?;
        let vmctx = *dfg.block_params(entry).first()?;
        if dfg.resolve_aliases(arg) != vmctx {
            return None;
        }
        let index = self.cx.entry_offsets.get(&i32::from(offset))?;
        self.cx.funcs.get(index).copied()
    }

    /// A call through the function-pointer table whose entry holds `callee`, this
    /// image's own function (the loader puts it there): compare the entry with
    /// `callee`'s address and call `callee` directly when they are equal, which LLVM
    /// can inline, else through the entry. The table still decides where the call goes,
    /// and the comparison is PC-relative, so `--xip` images stay free of relocations.
    fn guarded_call(
        &mut self,
        inst: ir::Inst,
        callee: FunctionValue<'ctx>,
        ptr: inkwell::values::PointerValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        tail: bool,
        area: Option<inkwell::values::PointerValue<'ctx>>,
    ) -> Result<(), LowerError> {
        let c = self.cx.context;
        let own = callee.as_global_value().as_pointer_value();
        let same = self.b.build_int_compare(IntPredicate::EQ, ptr, own, "")?;
        let here = self.b.get_insert_block().ok_or_else(|| err("no block"))?;
        let direct_bb = c.insert_basic_block_after(here, "direct");
        let table_bb = c.insert_basic_block_after(direct_bb, "through_table");
        self.b.build_conditional_branch(same, direct_bb, table_bb)?;
        let cc = callee.get_call_conventions();
        self.b.position_at_end(direct_bb);
        let direct = self.b.build_call(callee, args, "")?;
        direct.set_call_convention(cc);
        self.b.position_at_end(table_bb);
        let through = self
            .b
            .build_indirect_call(callee.get_type(), ptr, args, "")?;
        through.set_call_convention(cc);
        if tail {
            // Each arm returns what its `musttail` call returns.
            self.call_results(inst, through, true, area)?;
            self.b.position_at_end(direct_bb);
            return self.call_results(inst, direct, true, area);
        }
        let merge = c.insert_basic_block_after(table_bb, "called");
        self.b.build_unconditional_branch(merge)?;
        self.b.position_at_end(direct_bb);
        self.b.build_unconditional_branch(merge)?;
        self.b.position_at_end(merge);
        let value = match (
            direct.try_as_basic_value().basic(),
            through.try_as_basic_value().basic(),
        ) {
            (Some(d), Some(t)) => {
                let phi = self.b.build_phi(d.get_type(), "")?;
                phi.add_incoming(&[(&d, direct_bb), (&t, table_bb)]);
                Some(phi.as_basic_value())
            }
            _ => None,
        };
        self.results_of(inst, value, area)
    }

    /// The return area a call to `sig` passes: none for a signature without one; for a
    /// tail call this function's own (wasm typing gives both the same results); else a
    /// new slot of this frame.
    fn call_return_area(
        &mut self,
        sig: &ir::Signature,
        tail: bool,
    ) -> Result<Option<inkwell::values::PointerValue<'ctx>>, LowerError> {
        if !uses_return_area(sig) {
            return Ok(None);
        }
        if tail {
            return self.return_area.map(Some).ok_or_else(|| {
                err("a tail call with several results from a function without them")
            });
        }
        let entry = self.entry.ok_or_else(|| err("no entry block"))?;
        let here = self.b.get_insert_block().ok_or_else(|| err("no block"))?;
        match entry.get_terminator() {
            Some(t) => self.b.position_before(&t),
            None => self.b.position_at_end(entry),
        }
        let bytes = RETURN_SLOT * sig.returns.len() as u32;
        let area = self
            .b
            .build_alloca(self.cx.context.i8_type().array_type(bytes), "results")?;
        area.as_instruction()
            .ok_or_else(|| err("alloca"))?
            .set_alignment(16)
            .map_err(err)?;
        self.b.position_at_end(here);
        Ok(Some(area))
    }

    /// `base + offset` as a pointer.
    fn offset_ptr(
        &self,
        base: inkwell::values::PointerValue<'ctx>,
        offset: u32,
    ) -> Result<inkwell::values::PointerValue<'ctx>, LowerError> {
        let c = self.cx.context;
        let i64t = c.i64_type();
        let a = self.b.build_ptr_to_int(base, i64t, "")?;
        let a = self
            .b
            .build_int_add(a, i64t.const_int(u64::from(offset), false), "")?;
        Ok(self
            .b
            .build_int_to_ptr(a, c.ptr_type(Default::default()), "")?)
    }

    /// Binds a call's results (from its return area, if any), or for a tail call returns
    /// them (`musttail`).
    fn call_results(
        &mut self,
        inst: ir::Inst,
        call: inkwell::values::CallSiteValue<'ctx>,
        tail: bool,
        area: Option<inkwell::values::PointerValue<'ctx>>,
    ) -> Result<(), LowerError> {
        let value = call.try_as_basic_value().basic();
        if tail {
            call.set_tail_call_kind(inkwell::values::LLVMTailCallKind::LLVMTailCallKindMustTail);
            match value {
                None => self.b.build_return(None)?,
                Some(v) => self.b.build_return(Some(&v))?,
            };
            return Ok(());
        }
        self.results_of(inst, value, area)
    }

    /// Binds `inst`'s results: read from the return area when the call used one, else
    /// the call's value (`value`: one result, or a struct of several).
    fn results_of(
        &mut self,
        inst: ir::Inst,
        value: Option<BasicValueEnum<'ctx>>,
        area: Option<inkwell::values::PointerValue<'ctx>>,
    ) -> Result<(), LowerError> {
        if let Some(area) = area {
            let results = self.func.dfg.inst_results(inst).to_vec();
            for (i, r) in results.iter().enumerate() {
                let ty = self.cx.ty(self.ty_of(*r))?;
                let at = self.offset_ptr(area, i as u32 * RETURN_SLOT)?;
                let v = self.b.build_load(ty, at, "")?;
                self.values.insert(*r, v);
            }
            return Ok(());
        }
        let results = self.func.dfg.inst_results(inst).to_vec();
        match (results.as_slice(), value) {
            ([], _) => {}
            ([one], Some(v)) => {
                self.values.insert(*one, v);
            }
            (many, Some(BasicValueEnum::StructValue(s))) => {
                for (i, r) in many.iter().enumerate() {
                    let x = self.b.build_extract_value(s, i as u32, "")?;
                    self.values.insert(*r, x);
                }
            }
            _ => return Err(err("call results")),
        }
        Ok(())
    }

    fn binary(&mut self, inst: ir::Inst, op: Opcode, x: Value, y: Value) -> Result<(), LowerError> {
        let ty = self.ty_of(x);
        let operand_ll = self.cx.ty(ty)?;
        let (a, b) = (self.val(x)?, self.val(y)?);
        macro_rules! int_op {
            ($m:ident) => {
                match (a, b) {
                    (BasicValueEnum::IntValue(a), BasicValueEnum::IntValue(b)) => {
                        self.b.$m(a, b, "")?.as_basic_value_enum()
                    }
                    (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(b)) => {
                        self.b.$m(a, b, "")?.as_basic_value_enum()
                    }
                    _ => return Err(err(format!("{op} operands"))),
                }
            };
        }
        let v: BasicValueEnum = match op {
            Opcode::Iadd => int_op!(build_int_add),
            Opcode::Isub => int_op!(build_int_sub),
            Opcode::Imul => int_op!(build_int_mul),
            Opcode::Band => int_op!(build_and),
            Opcode::Bor => int_op!(build_or),
            Opcode::Bxor => int_op!(build_xor),
            Opcode::Udiv => int_op!(build_int_unsigned_div),
            Opcode::Sdiv => int_op!(build_int_signed_div),
            Opcode::Urem => int_op!(build_int_unsigned_rem),
            Opcode::Srem => int_op!(build_int_signed_rem),
            Opcode::Ishl | Opcode::Ushr | Opcode::Sshr => {
                let amount = self.shift_amount(y, ty)?;
                match (a, amount) {
                    (BasicValueEnum::IntValue(a), BasicValueEnum::IntValue(s)) => match op {
                        Opcode::Ishl => self.b.build_left_shift(a, s, "")?.into(),
                        Opcode::Ushr => self.b.build_right_shift(a, s, false, "")?.into(),
                        _ => self.b.build_right_shift(a, s, true, "")?.into(),
                    },
                    (BasicValueEnum::VectorValue(a), BasicValueEnum::VectorValue(s)) => match op {
                        Opcode::Ishl => self.b.build_left_shift(a, s, "")?.into(),
                        Opcode::Ushr => self.b.build_right_shift(a, s, false, "")?.into(),
                        _ => self.b.build_right_shift(a, s, true, "")?.into(),
                    },
                    _ => return Err(err("shift operands")),
                }
            }
            Opcode::Rotl | Opcode::Rotr => {
                let amount = self.shift_amount(y, ty)?;
                let name = if op == Opcode::Rotl {
                    "llvm.fshl"
                } else {
                    "llvm.fshr"
                };
                self.intrinsic(name, &[operand_ll], &[a, a, amount])?
            }
            Opcode::Umin => self.intrinsic("llvm.umin", &[operand_ll], &[a, b])?,
            Opcode::Umax => self.intrinsic("llvm.umax", &[operand_ll], &[a, b])?,
            Opcode::Smin => self.intrinsic("llvm.smin", &[operand_ll], &[a, b])?,
            Opcode::Smax => self.intrinsic("llvm.smax", &[operand_ll], &[a, b])?,
            Opcode::UaddSat => self.intrinsic("llvm.uadd.sat", &[operand_ll], &[a, b])?,
            Opcode::SaddSat => self.intrinsic("llvm.sadd.sat", &[operand_ll], &[a, b])?,
            Opcode::UsubSat => self.intrinsic("llvm.usub.sat", &[operand_ll], &[a, b])?,
            Opcode::SsubSat => self.intrinsic("llvm.ssub.sat", &[operand_ll], &[a, b])?,
            Opcode::Fadd => self.strict("fadd", &[operand_ll], &[a, b], true)?,
            Opcode::Fsub => self.strict("fsub", &[operand_ll], &[a, b], true)?,
            Opcode::Fmul => self.strict("fmul", &[operand_ll], &[a, b], true)?,
            Opcode::Fdiv => self.strict("fdiv", &[operand_ll], &[a, b], true)?,
            Opcode::Fmin | Opcode::Fmax => {
                // llvm.minimum/maximum pass a NaN operand through as it is; wasm wants
                // a quiet NaN, which a (strict) addition of the operands gives.
                let name = if op == Opcode::Fmin {
                    "llvm.minimum"
                } else {
                    "llvm.maximum"
                };
                let m = self.intrinsic(name, &[operand_ll], &[a, b])?;
                let nan = self.float_compare(FloatPredicate::UNO, a, b)?;
                let quiet = self.strict("fadd", &[operand_ll], &[a, b], true)?;
                match nan {
                    BasicValueEnum::IntValue(c) => self.b.build_select(c, quiet, m, "")?,
                    BasicValueEnum::VectorValue(c) => self.b.build_select(
                        c,
                        quiet.into_vector_value(),
                        m.into_vector_value(),
                        "",
                    )?,
                    _ => return Err(err("fmin/fmax")),
                }
            }
            Opcode::Fcopysign => self.intrinsic("llvm.copysign", &[operand_ll], &[a, b])?,
            Opcode::UaddOverflow => {
                let pair = self.intrinsic("llvm.uadd.with.overflow", &[operand_ll], &[a, b])?;
                let s = pair.into_struct_value();
                let sum = self.b.build_extract_value(s, 0, "")?;
                let carry = self.b.build_extract_value(s, 1, "")?;
                let carry = self.widen_bool(carry, types::I8)?;
                let rs = self.func.dfg.inst_results(inst).to_vec();
                self.values.insert(rs[0], sum);
                self.values.insert(rs[1], carry);
                return Ok(());
            }
            Opcode::AvgRound => {
                // (a + b + 1) >> 1 without overflow: in lanes twice as wide.
                let vty = operand_ll.into_vector_type();
                let lane_bits = ty.lane_bits();
                let wide = int_type(self.cx.context, lane_bits * 2).vec_type(ty.lane_count());
                let wa = self.b.build_int_z_extend(a.into_vector_value(), wide, "")?;
                let wb = self.b.build_int_z_extend(b.into_vector_value(), wide, "")?;
                let sum = self.b.build_int_add(wa, wb, "")?;
                let one = self.splat_const(wide, 1)?;
                let sum = self.b.build_int_add(sum, one, "")?;
                let half = self.b.build_right_shift(sum, one, false, "")?;
                self.b.build_int_truncate(half, vty, "")?.into()
            }
            Opcode::IaddPairwise => {
                // Lanes of x then lanes of y, each the sum of a neighbouring pair.
                let n = ty.lane_count();
                let i32t = self.cx.context.i32_type();
                let evens: Vec<IntValue> = (0..n)
                    .map(|i| i32t.const_int(u64::from(2 * i), false))
                    .collect();
                let odds: Vec<IntValue> = (0..n)
                    .map(|i| i32t.const_int(u64::from(2 * i + 1), false))
                    .collect();
                let (xa, xb) = (a.into_vector_value(), b.into_vector_value());
                let e = self.b.build_shuffle_vector(
                    xa,
                    xb,
                    inkwell::types::VectorType::const_vector(&evens),
                    "",
                )?;
                let o = self.b.build_shuffle_vector(
                    xa,
                    xb,
                    inkwell::types::VectorType::const_vector(&odds),
                    "",
                )?;
                self.b.build_int_add(e, o, "")?.into()
            }
            Opcode::Snarrow | Opcode::Unarrow | Opcode::Uunarrow => {
                // Both inputs' lanes saturated to half width, x's lanes first.
                let rty = self.ty_of(self.func.dfg.inst_results(inst)[0]);
                let n = ty.lane_count();
                let i32t = self.cx.context.i32_type();
                let idx: Vec<IntValue> = (0..2 * n)
                    .map(|i| i32t.const_int(u64::from(i), false))
                    .collect();
                let both = self.b.build_shuffle_vector(
                    a.into_vector_value(),
                    b.into_vector_value(),
                    inkwell::types::VectorType::const_vector(&idx),
                    "",
                )?;
                let wide_ty = both.get_type();
                let half = rty.lane_bits();
                let (lo, hi): (i64, i64) = match op {
                    Opcode::Snarrow => (-(1i64 << (half - 1)), (1i64 << (half - 1)) - 1),
                    _ => (0, (1i64 << half) - 1),
                };
                let clamped = if op == Opcode::Uunarrow {
                    let hiv = self.splat_const(wide_ty, hi as u64)?;
                    self.intrinsic("llvm.umin", &[wide_ty.into()], &[both.into(), hiv.into()])?
                } else {
                    let lov = self.splat_const(wide_ty, lo as u64)?;
                    let hiv = self.splat_const(wide_ty, hi as u64)?;
                    let m =
                        self.intrinsic("llvm.smax", &[wide_ty.into()], &[both.into(), lov.into()])?;
                    self.intrinsic("llvm.smin", &[wide_ty.into()], &[m, hiv.into()])?
                };
                let result_ll = self.cx.ty(rty)?.into_vector_type();
                self.b
                    .build_int_truncate(clamped.into_vector_value(), result_ll, "")?
                    .into()
            }
            Opcode::SqmulRoundSat => {
                // (a * b + 2^(w-2)) >> (w-1), saturated, in lanes twice as wide.
                let vty = operand_ll.into_vector_type();
                let w = ty.lane_bits();
                let wide = int_type(self.cx.context, w * 2).vec_type(ty.lane_count());
                let wa = self.b.build_int_s_extend(a.into_vector_value(), wide, "")?;
                let wb = self.b.build_int_s_extend(b.into_vector_value(), wide, "")?;
                let p = self.b.build_int_mul(wa, wb, "")?;
                let round = self.splat_const(wide, 1u64 << (w - 2))?;
                let p = self.b.build_int_add(p, round, "")?;
                let sh = self.splat_const(wide, u64::from(w - 1))?;
                let p = self.b.build_right_shift(p, sh, true, "")?;
                let max = self.splat_const(wide, (1u64 << (w - 1)) - 1)?;
                let p = self.intrinsic("llvm.smin", &[wide.into()], &[p.into(), max.into()])?;
                self.b
                    .build_int_truncate(p.into_vector_value(), vty, "")?
                    .into()
            }
            Opcode::Swizzle => self.swizzle(a.into_vector_value(), b.into_vector_value())?,
            _ => {
                return Err(err(format!(
                    "binary {op} is not supported by the LLVM tier"
                )))
            }
        };
        self.set(inst, v);
        Ok(())
    }

    /// A vector of type `ty` with every lane `value`.
    fn splat_const(
        &self,
        ty: inkwell::types::VectorType<'ctx>,
        value: u64,
    ) -> Result<VectorValue<'ctx>, LowerError> {
        let lane = ty.get_element_type().into_int_type();
        let lanes: Vec<IntValue> = (0..ty.get_size())
            .map(|_| lane.const_int(value, false))
            .collect();
        Ok(inkwell::types::VectorType::const_vector(&lanes))
    }

    /// `i8x16.swizzle`: lane i is x[y[i]], or 0 when y[i] > 15.
    fn swizzle(
        &self,
        x: VectorValue<'ctx>,
        y: VectorValue<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>, LowerError> {
        let c = self.cx.context;
        let i8t = c.i8_type();
        let mut out = c.i8_type().vec_type(16).const_zero();
        let zero = i8t.const_zero();
        let fifteen = i8t.const_int(15, false);
        for i in 0..16u64 {
            let at = c.i32_type().const_int(i, false);
            let idx = self.b.build_extract_element(y, at, "")?.into_int_value();
            let in_range = self
                .b
                .build_int_compare(IntPredicate::ULE, idx, fifteen, "")?;
            let clamped = self.b.build_and(idx, fifteen, "")?;
            let lane = self.b.build_extract_element(x, clamped, "")?;
            let lane = self.b.build_select(in_range, lane, zero.into(), "")?;
            out = self.b.build_insert_element(out, lane, at, "")?;
        }
        Ok(out.into())
    }

    fn unary(&mut self, inst: ir::Inst, op: Opcode, x: Value) -> Result<(), LowerError> {
        let c = self.cx.context;
        let ty = self.ty_of(x);
        let operand_ll = self.cx.ty(ty)?;
        let rty = self.ty_of(self.func.dfg.inst_results(inst)[0]);
        let result_ll = self.cx.ty(rty)?;
        let a = self.val(x)?;
        // `is_zero_poison`/`is_int_min_poison` false: wasm defines those inputs.
        let defined = c.bool_type().const_zero();
        let v: BasicValueEnum = match op {
            Opcode::Ineg => match a {
                BasicValueEnum::IntValue(i) => self.b.build_int_neg(i, "")?.into(),
                BasicValueEnum::VectorValue(v) => self.b.build_int_neg(v, "")?.into(),
                _ => return Err(err("ineg")),
            },
            Opcode::Bnot => match a {
                BasicValueEnum::IntValue(i) => self.b.build_not(i, "")?.into(),
                BasicValueEnum::VectorValue(v) => self.b.build_not(v, "")?.into(),
                _ => return Err(err("bnot")),
            },
            Opcode::Clz => self.intrinsic("llvm.ctlz", &[operand_ll], &[a, defined.into()])?,
            Opcode::Ctz => self.intrinsic("llvm.cttz", &[operand_ll], &[a, defined.into()])?,
            Opcode::Popcnt => self.intrinsic("llvm.ctpop", &[operand_ll], &[a])?,
            Opcode::Iabs => self.intrinsic("llvm.abs", &[operand_ll], &[a, defined.into()])?,
            Opcode::Fneg => match a {
                BasicValueEnum::FloatValue(v) => self.b.build_float_neg(v, "")?.into(),
                BasicValueEnum::VectorValue(v) => self.b.build_float_neg(v, "")?.into(),
                _ => return Err(err("fneg")),
            },
            Opcode::Fabs => self.intrinsic("llvm.fabs", &[operand_ll], &[a])?,
            Opcode::Sqrt => self.strict("sqrt", &[operand_ll], &[a], true)?,
            Opcode::Ceil => self.intrinsic("llvm.ceil", &[operand_ll], &[a])?,
            Opcode::Floor => self.intrinsic("llvm.floor", &[operand_ll], &[a])?,
            Opcode::Trunc => self.intrinsic("llvm.trunc", &[operand_ll], &[a])?,
            Opcode::Nearest => self.intrinsic("llvm.roundeven", &[operand_ll], &[a])?,
            Opcode::Uextend => self.extend(a, rty, false)?,
            Opcode::Sextend => self.extend(a, rty, true)?,
            Opcode::Ireduce => self
                .b
                .build_int_truncate(a.into_int_value(), result_ll.into_int_type(), "")?
                .into(),
            Opcode::Fpromote => self.strict("fpext", &[result_ll, operand_ll], &[a], false)?,
            Opcode::Fdemote => self.strict("fptrunc", &[result_ll, operand_ll], &[a], true)?,
            Opcode::FcvtFromUint | Opcode::FcvtFromSint => {
                let signed = op == Opcode::FcvtFromSint;
                match a {
                    BasicValueEnum::IntValue(i) => {
                        let to = result_ll.into_float_type();
                        if signed {
                            self.b.build_signed_int_to_float(i, to, "")?.into()
                        } else {
                            self.b.build_unsigned_int_to_float(i, to, "")?.into()
                        }
                    }
                    BasicValueEnum::VectorValue(v) => {
                        let to = result_ll.into_vector_type();
                        if signed {
                            self.b.build_signed_int_to_float(v, to, "")?.into()
                        } else {
                            self.b.build_unsigned_int_to_float(v, to, "")?.into()
                        }
                    }
                    _ => return Err(err("fcvt_from")),
                }
            }
            Opcode::FcvtToUintSat => {
                self.intrinsic("llvm.fptoui.sat", &[result_ll, operand_ll], &[a])?
            }
            Opcode::FcvtToSintSat => {
                self.intrinsic("llvm.fptosi.sat", &[result_ll, operand_ll], &[a])?
            }
            Opcode::Bitcast => self.b.build_bit_cast(a, result_ll, "")?,
            Opcode::Splat => self.splat_to(a, rty)?,
            Opcode::ScalarToVector => {
                let vty = result_ll.into_vector_type();
                self.b
                    .build_insert_element(vty.const_zero(), a, c.i32_type().const_zero(), "")?
                    .into()
            }
            Opcode::SwidenLow | Opcode::SwidenHigh | Opcode::UwidenLow | Opcode::UwidenHigh => {
                let n = rty.lane_count();
                let start = if matches!(op, Opcode::SwidenHigh | Opcode::UwidenHigh) {
                    n
                } else {
                    0
                };
                let half = self.half(a.into_vector_value(), start, n)?;
                let signed = matches!(op, Opcode::SwidenLow | Opcode::SwidenHigh);
                self.extend(half.into(), rty, signed)?
            }
            Opcode::FvpromoteLow => {
                let half = self.half(a.into_vector_value(), 0, 2)?;
                self.strict(
                    "fpext",
                    &[result_ll, half.get_type().into()],
                    &[half.into()],
                    false,
                )?
            }
            Opcode::Fvdemote => {
                let two_ty = c.f32_type().vec_type(2);
                let two = self
                    .strict("fptrunc", &[two_ty.into(), operand_ll], &[a], true)?
                    .into_vector_value();
                let i32t = c.i32_type();
                let idx: Vec<IntValue> = (0..4).map(|i| i32t.const_int(i, false)).collect();
                self.b
                    .build_shuffle_vector(
                        two,
                        c.f32_type().vec_type(2).const_zero(),
                        inkwell::types::VectorType::const_vector(&idx),
                        "",
                    )?
                    .into()
            }
            Opcode::VanyTrue => {
                let wide = self
                    .b
                    .build_bit_cast(a, c.i128_type(), "")?
                    .into_int_value();
                let any = self.b.build_int_compare(
                    IntPredicate::NE,
                    wide,
                    c.i128_type().const_zero(),
                    "",
                )?;
                self.widen_bool(any.into(), rty)?
            }
            Opcode::VallTrue => {
                let v = a.into_vector_value();
                let zero = v.get_type().const_zero();
                let lanes = self.b.build_int_compare(IntPredicate::NE, v, zero, "")?;
                let all = self.intrinsic(
                    "llvm.vector.reduce.and",
                    &[lanes.get_type().into()],
                    &[lanes.into()],
                )?;
                self.widen_bool(all, rty)?
            }
            Opcode::VhighBits => {
                let v = a.into_vector_value();
                let zero = v.get_type().const_zero();
                let neg = self.b.build_int_compare(IntPredicate::SLT, v, zero, "")?;
                let n = ty.lane_count();
                let bits = self
                    .b
                    .build_bit_cast(neg, int_type(c, n), "")?
                    .into_int_value();
                self.b
                    .build_int_z_extend(bits, result_ll.into_int_type(), "")?
                    .into()
            }
            _ => return Err(err(format!("unary {op} is not supported by the LLVM tier"))),
        };
        self.set(inst, v);
        Ok(())
    }

    /// Lanes `start..start+n` of `v`.
    fn half(
        &self,
        v: VectorValue<'ctx>,
        start: u32,
        n: u32,
    ) -> Result<VectorValue<'ctx>, LowerError> {
        let i32t = self.cx.context.i32_type();
        let idx: Vec<IntValue> = (start..start + n)
            .map(|i| i32t.const_int(u64::from(i), false))
            .collect();
        Ok(self.b.build_shuffle_vector(
            v,
            v.get_type().get_poison(),
            inkwell::types::VectorType::const_vector(&idx),
            "",
        )?)
    }
}

/// The shuffle mask of `n` zero indices (a splat of lane 0).
fn zero_mask(c: &Context, n: u32) -> VectorValue<'_> {
    let zero = c.i32_type().const_zero();
    inkwell::types::VectorType::const_vector(&vec![zero; n as usize])
}

/// The vector of half-width lanes a widening load reads: i8x8 for an i16x8 result.
fn narrow_lanes(wide: Type) -> Result<Type, LowerError> {
    wide.half_width()
        .ok_or_else(|| err(format!("a widening load to {wide}")))
}

/// The integer type of `bits` bits (lane widths and lane counts here: 2 to 128).
fn int_type(c: &Context, bits: u32) -> inkwell::types::IntType<'_> {
    match bits {
        8 => c.i8_type(),
        16 => c.i16_type(),
        32 => c.i32_type(),
        64 => c.i64_type(),
        128 => c.i128_type(),
        other => std::num::NonZeroU32::new(other)
            .and_then(|b| c.custom_width_int_type(b).ok())
            .unwrap_or_else(|| c.bool_type()),
    }
}

fn int_predicate(cc: IntCC) -> IntPredicate {
    match cc {
        IntCC::Equal => IntPredicate::EQ,
        IntCC::NotEqual => IntPredicate::NE,
        IntCC::SignedLessThan => IntPredicate::SLT,
        IntCC::SignedGreaterThanOrEqual => IntPredicate::SGE,
        IntCC::SignedGreaterThan => IntPredicate::SGT,
        IntCC::SignedLessThanOrEqual => IntPredicate::SLE,
        IntCC::UnsignedLessThan => IntPredicate::ULT,
        IntCC::UnsignedGreaterThanOrEqual => IntPredicate::UGE,
        IntCC::UnsignedGreaterThan => IntPredicate::UGT,
        IntCC::UnsignedLessThanOrEqual => IntPredicate::ULE,
    }
}

fn float_predicate(cc: FloatCC) -> FloatPredicate {
    match cc {
        FloatCC::Ordered => FloatPredicate::ORD,
        FloatCC::Unordered => FloatPredicate::UNO,
        FloatCC::Equal => FloatPredicate::OEQ,
        FloatCC::NotEqual => FloatPredicate::UNE,
        FloatCC::OrderedNotEqual => FloatPredicate::ONE,
        FloatCC::UnorderedOrEqual => FloatPredicate::UEQ,
        FloatCC::LessThan => FloatPredicate::OLT,
        FloatCC::LessThanOrEqual => FloatPredicate::OLE,
        FloatCC::GreaterThan => FloatPredicate::OGT,
        FloatCC::GreaterThanOrEqual => FloatPredicate::OGE,
        FloatCC::UnorderedOrLessThan => FloatPredicate::ULT,
        FloatCC::UnorderedOrLessThanOrEqual => FloatPredicate::ULE,
        FloatCC::UnorderedOrGreaterThan => FloatPredicate::UGT,
        FloatCC::UnorderedOrGreaterThanOrEqual => FloatPredicate::UGE,
    }
}

/// The blocks reachable from the entry in reverse postorder: every block after the
/// blocks that dominate it, so values are lowered before their uses.
fn reverse_postorder(func: &ir::Function) -> Vec<ir::Block> {
    let dfg = &func.dfg;
    let Some(entry) = func.layout.entry_block() else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut post = Vec::new();
    // (block, successors left to visit)
    let mut stack: Vec<(ir::Block, Vec<ir::Block>)> = Vec::new();
    let succs = |b: ir::Block| -> Vec<ir::Block> {
        let mut out = Vec::new();
        if let Some(last) = func.layout.last_inst(b) {
            for d in dfg.insts[last].branch_destination(&dfg.jump_tables, &dfg.exception_tables) {
                out.push(d.block(&dfg.value_lists));
            }
        }
        out.reverse();
        out
    };
    seen.insert(entry);
    stack.push((entry, succs(entry)));
    while let Some((b, rest)) = stack.last_mut() {
        if let Some(next) = rest.pop() {
            if seen.insert(next) {
                let s = succs(next);
                stack.push((next, s));
            }
        } else {
            post.push(*b);
            stack.pop();
        }
    }
    post.reverse();
    post
}
