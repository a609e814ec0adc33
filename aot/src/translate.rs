//! Translation of one wasm function body to Cranelift IR, following the contract in
//! [`crate::abi`]: every function takes its vmctx first, reaches all instance state
//! through it, and refers to nothing outside the image except its sibling functions
//! (direct calls, `UserExternalName { namespace: 0, index: func_index }`).
//!
//! The translator walks the operators once, keeping the wasm operand stack as Cranelift
//! SSA values and the control stack as Cranelift blocks: a construct's results are the
//! parameters of the block that follows it (`next`), a loop's parameters those of its
//! header. Locals are `cranelift_frontend` variables. Code after `br`, `return`,
//! `unreachable` and `br_table` is skipped (only its nesting is tracked), so
//! stack-polymorphic sequences never reach the builder.
//!
//! Traps never rely on a hardware fault (guard-page memory accesses aside): every check
//! branches to one cold block per trap kind that calls [`Builtin::Trap`].

mod env;
mod exceptions;
mod intrinsic;
mod numeric;
mod simd;
mod versioning;

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I32, I64, I8X16};
use cranelift_codegen::ir::{
    self, AbiParam, AliasRegion, AliasRegionData, Block, BlockArg, BlockCall, Endianness, FuncRef,
    Function, InstBuilder, JumpTableData, MemFlagsData, SigRef, Signature, StackSlot, TrapCode,
    Type, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wamr_common::metering::FuelPlan;
use wamr_common::module::ModuleData;
use wamr_common::types::{FuncType, ValType};
use wamr_common::vmctx::{LayoutError, VMOffsets};
use wamr_common::FuncIndex;
use wamr_common::TrapKind;
use wasmparser::{BinaryReader, BlockType, FunctionBody, MemArg, Operator as O};

use crate::abi::{self, Builtin, CodegenOptions};
use crate::intrinsics::{ConstPool, Intrinsic};

/// Why a function could not be translated (the module itself was validated).
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    #[error("function {0} has no body")]
    NoBody(u32),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("malformed body: {0}")]
    Reader(#[from] wasmparser::BinaryReaderError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

/// The Cranelift type of a wasm value (refs are raw 64-bit refs, 0 = null).
fn ir_type(t: ValType) -> Type {
    match t {
        ValType::I32 => I32,
        ValType::I64
        | ValType::FuncRef
        | ValType::ExternRef
        | ValType::ExnRef
        | ValType::Ref(_) => I64,
        ValType::F32 => F32,
        ValType::F64 => F64,
        // Whatever its lanes: each SIMD operator bitcasts to the lane type it needs.
        ValType::V128 => I8X16,
    }
}

fn wp_type(t: wasmparser::ValType) -> Type {
    match t {
        wasmparser::ValType::I32 => I32,
        wasmparser::ValType::I64 | wasmparser::ValType::Ref(_) => I64,
        wasmparser::ValType::F32 => F32,
        wasmparser::ValType::F64 => F64,
        wasmparser::ValType::V128 => I8X16,
    }
}

/// The calling convention of every wasm function: Cranelift's `tail` convention, the
/// only one in which `return_call` can run in constant stack (caller and callee must both
/// use it). It passes arguments as the platform's does; the callee pops stack arguments.
pub const WASM_CALL_CONV: CallConv = CallConv::Tail;

/// Cranelift signature of a wasm function type: `(vmctx: i64, params...) -> results`.
pub fn wasm_signature(ty: &FuncType, _isa: &dyn TargetIsa) -> Signature {
    let mut sig = Signature::new(WASM_CALL_CONV);
    sig.params.push(AbiParam::new(I64));
    sig.params
        .extend(ty.params().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns
        .extend(ty.results().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

/// Parameters (after the vmctx) and results of a builtin, as documented on [`Builtin`].
pub(crate) fn builtin_types(b: Builtin) -> (&'static [Type], &'static [Type]) {
    match b {
        Builtin::Trap => (&[I32], &[]),
        Builtin::MemoryGrow => (&[I32, I64], &[I64]),
        Builtin::MemoryFill => (&[I32, I64, I32, I64], &[]),
        Builtin::MemoryCopy => (&[I32, I32, I64, I64, I64], &[]),
        Builtin::MemoryInit => (&[I32, I32, I64, I32, I32], &[]),
        Builtin::DataDrop | Builtin::ElemDrop => (&[I32], &[]),
        Builtin::TableGet => (&[I32, I64], &[I64]),
        Builtin::TableSet => (&[I32, I64, I64], &[]),
        Builtin::TableSize => (&[I32], &[I64]),
        Builtin::TableGrow => (&[I32, I64, I64], &[I64]),
        Builtin::TableFill => (&[I32, I64, I64, I64], &[]),
        Builtin::TableCopy => (&[I32, I32, I64, I64, I64], &[]),
        Builtin::TableInit => (&[I32, I32, I64, I32, I32], &[]),
        Builtin::CallForeign => (&[I64, I64], &[]),
        Builtin::Refuel => (&[I32], &[]),
        Builtin::Interrupt => (&[], &[]),
        Builtin::Throw => (&[I32, I64], &[I64]),
        Builtin::ReleaseCaught => (&[I64], &[]),
    }
}

/// Flags of loads of runtime structures that never change while the instance lives
/// (vmctx fields, the arrays they point to): pure, so Cranelift may share and hoist them.
fn invariant_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// The `trap` terminator after a call of [`Builtin::Trap`]; never executed.
const AFTER_TRAP: TrapCode = TrapCode::unwrap_user(1);

/// Stores `v` (of wasm type `ty`) into an 8-byte value slot so that all 64 bits are
/// defined: 32-bit values are zero-extended, as `Val::to_bits` does.
fn store_slot(b: &mut FunctionBuilder<'_>, v: Value, base: Value, offset: i32) {
    let ty = b.func.dfg.value_type(v);
    let flags = slot_flags(ty);
    let wide = match ty {
        I32 => b.ins().uextend(I64, v),
        F32 => {
            let bits = b.ins().bitcast(I32, MemFlagsData::new(), v);
            b.ins().uextend(I64, bits)
        }
        _ => v,
    };
    b.ins().store(flags, wide, base, offset);
}

/// Loads a value of type `ty` from an 8-byte value slot (32-bit values sit in its low,
/// first, half).
fn load_slot(b: &mut FunctionBuilder<'_>, ty: Type, base: Value, offset: i32) -> Value {
    b.ins().load(ty, slot_flags(ty), base, offset)
}

/// Value slots are 8-byte aligned: naturally aligned for every scalar, not for a v128
/// (so no aligned-only vector instruction may read one).
fn slot_flags(ty: Type) -> MemFlagsData {
    let flags = MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little);
    if ty.bytes() <= 8 {
        flags.with_aligned()
    } else {
        flags
    }
}

/// Where each value of `types` sits in an array of 8-byte slots (bytes), and the slots
/// used in all: `wamr_common::types::slot_offsets` for Cranelift types (a v128 takes two).
fn slot_offsets(types: &[Type]) -> (Vec<i32>, u32) {
    let mut offsets = Vec::with_capacity(types.len());
    let mut slots = 0u32;
    for t in types {
        offsets.push(8 * slots as i32);
        slots += if t.bytes() > 8 { 2 } else { 1 };
    }
    (offsets, slots)
}

/// The array trampoline of a signature: `fn(vmctx, callee, values)` loads the
/// parameters from the 8-byte slots at `values` (packed: [`slot_offsets`]), calls `callee(vmctx, params...)` and
/// stores the results back into the same slots.
pub fn trampoline(ty: &FuncType, isa: &dyn TargetIsa) -> Function {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(I64); 3]);
    let mut func = Function::with_name_signature(UserFuncName::default(), sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (vmctx, callee, values) = {
        let p = b.block_params(entry);
        (p[0], p[1], p[2])
    };
    let mut args = vec![vmctx];
    let params: Vec<Type> = ty.params().iter().map(|t| ir_type(*t)).collect();
    for (t, offset) in params.iter().zip(slot_offsets(&params).0) {
        args.push(load_slot(&mut b, *t, values, offset));
    }
    let sigref = b.import_signature(wasm_signature(ty, isa));
    let call = b.ins().call_indirect(sigref, callee, &args);
    let results = b.inst_results(call).to_vec();
    let result_types: Vec<Type> = ty.results().iter().map(|t| ir_type(*t)).collect();
    for (r, offset) in results.into_iter().zip(slot_offsets(&result_types).0) {
        store_slot(&mut b, r, values, offset);
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// Translates function bodies; keeps the builder's allocations between functions.
pub struct FuncTranslator {
    ctx: FunctionBuilderContext,
    /// `exceptions::may_throw` of the module translated last, with its bytes' address.
    may_throw: Option<(usize, std::rc::Rc<[bool]>)>,
}

impl Default for FuncTranslator {
    fn default() -> Self {
        Self::new()
    }
}

impl FuncTranslator {
    pub fn new() -> Self {
        FuncTranslator {
            ctx: FunctionBuilderContext::new(),
            may_throw: None,
        }
    }

    /// Translates defined function `func_index` (index in the whole function space,
    /// imports first).
    pub fn translate(
        &mut self,
        module: &ModuleData,
        func_index: u32,
        opts: &CodegenOptions,
        isa: &dyn TargetIsa,
    ) -> Result<Function, TranslateError> {
        self.translate_with(module, func_index, opts, isa, &ConstPool::default())
    }

    /// [`Self::translate`] with the module's constant table (`*.const` intrinsics; the
    /// pool must come from [`ConstPool::scan`] with the same intrinsic set).
    pub fn translate_with(
        &mut self,
        module: &ModuleData,
        func_index: u32,
        opts: &CodegenOptions,
        isa: &dyn TargetIsa,
        consts: &ConstPool,
    ) -> Result<Function, TranslateError> {
        let body = module
            .body_of(FuncIndex(func_index))
            .ok_or(TranslateError::NoBody(func_index))?;
        let offsets = VMOffsets::for_module(isa.pointer_bytes(), module)?;
        let bytes = &module.bytes[body.range.clone()];
        let fbody = FunctionBody::new(BinaryReader::new(bytes, body.range.start as u64));
        let key = module.bytes.as_ptr() as usize;
        let may_throw = match &self.may_throw {
            Some((k, m)) if *k == key => m.clone(),
            _ => {
                let m: std::rc::Rc<[bool]> = exceptions::may_throw(module)?.into();
                self.may_throw = Some((key, m.clone()));
                m
            }
        };
        // A small leaf function skips the stack check (see `LEAF_BODY_MAX_BYTES`); should
        // its translation call anything after all, it is translated again with one.
        let leaf = opts.stack_bounds_checks
            && !opts.metering.fuel
            && !opts.metering.interruptible
            && bytes.len() <= LEAF_BODY_MAX_BYTES
            && calls_nothing(fbody.get_operators_reader()?)?;
        let body = BodyInputs {
            module,
            func_index,
            opts,
            isa,
            consts,
            may_throw,
            offsets,
        };
        let (func, made_calls) = self.translate_body(&body, opts.stack_bounds_checks && !leaf)?;
        if leaf && made_calls {
            return Ok(self.translate_body(&body, true)?.0);
        }
        Ok(func)
    }

    /// Translates a body; with `check_stack`, its entry checks the native stack. Also
    /// says whether the code calls anything other than the trap builtin.
    fn translate_body(
        &mut self,
        inputs: &BodyInputs<'_>,
        check_stack: bool,
    ) -> Result<(Function, bool), TranslateError> {
        let BodyInputs {
            module,
            func_index,
            opts,
            isa,
            consts,
            ref may_throw,
            offsets,
        } = *inputs;
        let body = module
            .body_of(FuncIndex(func_index))
            .ok_or(TranslateError::NoBody(func_index))?;
        let ty = module.func_type(func_index);
        let mut func = Function::with_name_signature(
            UserFuncName::user(0, func_index),
            wasm_signature(ty, isa),
        );
        let bytes = &module.bytes[body.range.clone()];
        let fbody = FunctionBody::new(BinaryReader::new(bytes, body.range.start as u64));
        let mut reader = fbody.get_operators_reader()?;
        let b = FunctionBuilder::new(&mut func, &mut self.ctx);
        let mut tr = BodyTranslator::new(module, opts, isa, b, consts, may_throw.clone(), offsets);
        tr.prologue(func_index, ty, &body.locals, check_stack);
        let mut fuel = match opts.metering.fuel {
            true => Some(FuelPlan::new(fbody.get_operators_reader()?)?),
            false => None,
        };
        if opts.metering.interruptible {
            tr.check_interrupt();
        }
        let mut done = false;
        while !done && !reader.eof() {
            let op = reader.read()?;
            if let Some(cost) = fuel.as_mut().and_then(|plan| plan.before(&op)) {
                if tr.reachable {
                    tr.charge_fuel(cost);
                }
            }
            done = tr.op(op)?;
        }
        if !done {
            return Err(TranslateError::Unsupported(
                "function body without a final `end`".into(),
            ));
        }
        let made_calls = tr.makes_calls;
        // The LLVM tier with guard pages keeps linear-memory accesses in place; counted
        // loops whose accesses are proven in bounds before they start get a copy where
        // LLVM may move them (see `versioning`).
        let memory0_is_32bit = module.memories.first().is_some_and(|m| !m.memory64);
        let memory0 = (opts.backend == abi::Backend::Llvm
            && !opts.bounds_checks
            && opts.opt_level > 0
            && memory0_is_32bit)
            .then(|| versioning::Memory0 {
                vmctx: tr.vmctx,
                heap: tr.heap_region,
                base_field: offsets.memory0_base() as i32,
                def_field: offsets.memory(wamr_common::MemoryIndex(0)) as i32,
                def_size: offsets.memory_def_size() as i32,
            });
        tr.finish();
        if let Some(memory0) = memory0 {
            let mut versioned = func.clone();
            if versioning::version_loops(&mut versioned, &memory0) > 0 {
                match cranelift_codegen::verify_function(&versioned, isa) {
                    Ok(()) => func = versioned,
                    Err(e) => tracing::warn!(
                        func = func_index,
                        "loop versioning left invalid code, not used: {e}"
                    ),
                }
            }
        }
        Ok((func, made_calls))
    }
}

/// What translating one body needs besides the translator's own allocations.
struct BodyInputs<'a> {
    module: &'a ModuleData,
    func_index: u32,
    opts: &'a CodegenOptions,
    isa: &'a dyn TargetIsa,
    consts: &'a ConstPool,
    may_throw: std::rc::Rc<[bool]>,
    offsets: VMOffsets<u8>,
}

/// The largest body (bytes of wasm) of a leaf function that skips the stack check, as
/// Cranelift skips it for frameless leaves: such a frame is at most a few dozen KiB (a
/// byte of wasm defines at most a few values, each spilled to 16 bytes at most), well
/// inside the native stack `aot::engine` keeps below `vmctx.stack_limit` for runtime
/// helpers (128 KiB). On a thread with a smaller reserve a large frame probes its pages
/// in order and meets the stack guard, which is reported as stack exhaustion.
const LEAF_BODY_MAX_BYTES: usize = 1024;

/// Whether a body has no operator that calls a function or a runtime helper. Only a
/// hint: the translator notes every call it emits, and a body that got one anyway is
/// translated again with its stack check.
fn calls_nothing(ops: wasmparser::OperatorsReader<'_>) -> Result<bool, TranslateError> {
    for op in ops {
        if matches!(
            op?,
            O::Call { .. }
                | O::CallIndirect { .. }
                | O::CallRef { .. }
                | O::ReturnCall { .. }
                | O::ReturnCallIndirect { .. }
                | O::ReturnCallRef { .. }
                | O::MemoryGrow { .. }
                | O::MemoryFill { .. }
                | O::MemoryCopy { .. }
                | O::MemoryInit { .. }
                | O::TableGet { .. }
                | O::TableSet { .. }
                | O::TableGrow { .. }
                | O::TableFill { .. }
                | O::TableCopy { .. }
                | O::TableInit { .. }
                | O::Throw { .. }
                | O::ThrowRef
                | O::Rethrow { .. }
        ) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[derive(Debug)]
enum Kind {
    /// The function body; `next` is the return block.
    Func,
    Block,
    /// Branches go to the loop header.
    Loop {
        header: Block,
    },
    /// An `if`: the block its `else` starts (or that falls through to `next` when there
    /// is none) and the if's parameters, which the else branch starts from again.
    If {
        else_block: Block,
        params: Vec<Value>,
        has_else: bool,
    },
    /// A `try_table`: raising inside jumps to `dispatch` (which takes the exception).
    TryTable {
        dispatch: Block,
        catches: Vec<wasmparser::Catch>,
        used: bool,
    },
    /// A legacy `try`'s body; `delegate` once its body ended in one.
    Try {
        dispatch: Block,
        used: bool,
        delegate: Option<u32>,
    },
    /// A legacy `try` in a clause: the exception it caught, and the block the next clause
    /// starts in (the tag differed), if this clause has a tag.
    Catch {
        exn: Value,
        next_clause: Option<Block>,
    },
}

#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    /// Where execution continues after the construct; its params are the results.
    next: Block,
    /// Operand stack height below the construct's parameters.
    height: usize,
    nparams: usize,
    nresults: usize,
    /// Whether anything jumps to `next` (otherwise the code after `end` is unreachable).
    next_reached: bool,
}

/// The state of one function's translation: translates one wasm function body into
/// Cranelift IR.
struct BodyTranslator<'a, 'f> {
    module: &'a ModuleData,
    opts: &'a CodegenOptions,
    isa: &'a dyn TargetIsa,
    builder: FunctionBuilder<'f>,
    /// The module's constant table (empty unless `*.const` intrinsics are on).
    consts: &'a ConstPool,
    /// Imported signatures of the intrinsics called so far.
    intrinsic_sigs: HashMap<Intrinsic, SigRef>,
    vmctx: Value,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    /// Blocks opened inside unreachable code (skipped without translation).
    skipped: u32,
    /// Imported signatures, by module type index.
    sigs: HashMap<u32, SigRef>,
    builtin_sigs: [Option<SigRef>; Builtin::COUNT],
    /// Direct callees, by function index.
    callees: HashMap<u32, FuncRef>,
    /// The shared cold block of each trap kind used so far.
    trap_blocks: Vec<(TrapKind, Block)>,
    /// Value slots for calls through [`Builtin::CallForeign`] (one per function, sized
    /// for the largest such call).
    foreign_slot: Option<(StackSlot, u32)>,
    /// Linear memory never overlaps runtime structures: telling Cranelift lets it keep
    /// loaded globals, sizes and table bounds across stores to memory.
    heap_region: AliasRegion,
    /// Which functions may let an exception out (`exceptions::may_throw`).
    may_throw: std::rc::Rc<[bool]>,
    /// The vmctx layout of this module on the target.
    offsets: VMOffsets<u8>,
    /// With explicit bounds checks, memory 0's size in bytes as last loaded: at entry
    /// and after anything that may grow it (calls and `memory.grow`). A loop without
    /// calls then checks against a register instead of loading the size per access.
    memory0_bound: Option<Variable>,
    /// Whether the code calls anything other than the trap builtin (a leaf that does
    /// needs its stack check after all).
    makes_calls: bool,
}

impl<'a, 'f> BodyTranslator<'a, 'f> {
    fn new(
        module: &'a ModuleData,
        opts: &'a CodegenOptions,
        isa: &'a dyn TargetIsa,
        mut b: FunctionBuilder<'f>,
        consts: &'a ConstPool,
        may_throw: std::rc::Rc<[bool]>,
        offsets: VMOffsets<u8>,
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let vmctx = b.block_params(entry)[0];
        let heap_region = b.func.dfg.alias_regions.insert(AliasRegionData {
            user_id: 0,
            description: "heap".into(),
        });
        BodyTranslator {
            module,
            opts,
            isa,
            builder: b,
            consts,
            intrinsic_sigs: HashMap::new(),
            vmctx,
            locals: Vec::new(),
            stack: Vec::new(),
            ctrl: Vec::new(),
            reachable: true,
            skipped: 0,
            sigs: HashMap::new(),
            builtin_sigs: [None; Builtin::COUNT],
            callees: HashMap::new(),
            trap_blocks: Vec::new(),
            foreign_slot: None,
            heap_region,
            may_throw,
            offsets,
            memory0_bound: None,
            makes_calls: false,
        }
    }

    /// Rest of the entry block: parameters and zeroed locals, and the stack check.
    fn prologue(&mut self, func_index: u32, ty: &FuncType, locals: &[ValType], check_stack: bool) {
        let entry = self.builder.current_block().expect("in the entry block");
        let all_params = self.builder.block_params(entry).to_vec();
        if self.opts.entry_checks_func_table() {
            self.honour_func_entry(func_index, &all_params);
        }
        let params = all_params[1..].to_vec();
        for (t, v) in ty.params().iter().zip(params) {
            let var = self.builder.declare_var(ir_type(*t));
            self.builder.def_var(var, v);
            self.locals.push(var);
        }
        // One zero per type serves every declared local.
        let mut zeros: Vec<(Type, Value)> = Vec::new();
        for t in locals {
            let ty = ir_type(*t);
            let zero = match zeros.iter().find(|(t, _)| *t == ty) {
                Some((_, z)) => *z,
                None => {
                    let z = self.zero(ty);
                    zeros.push((ty, z));
                    z
                }
            };
            let var = self.builder.declare_var(ty);
            self.builder.def_var(var, zero);
            self.locals.push(var);
        }
        if self.opts.bounds_checks && !self.module.memories.is_empty() {
            self.memory0_bound = Some(self.builder.declare_var(I64));
            self.reload_memory0_bound();
        }
        if check_stack {
            let sp = self.builder.ins().get_stack_pointer(I64);
            let limit = self.builder.ins().load(
                I64,
                MemFlagsData::trusted(),
                self.vmctx,
                self.offsets.stack_limit() as i32,
            );
            let low = self.builder.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
            self.trap_if(low, TrapKind::CallStackExhausted);
        }
        let results: Vec<Type> = ty.results().iter().map(|t| ir_type(*t)).collect();
        let exit = self.block_with_params(&results);
        self.ctrl.push(Ctrl {
            kind: Kind::Func,
            next: exit,
            height: 0,
            nparams: 0,
            nresults: results.len(),
            next_reached: false,
        });
    }

    /// Emits the trap blocks and finishes the function.
    fn finish(mut self) {
        for (kind, block) in std::mem::take(&mut self.trap_blocks) {
            self.builder.switch_to_block(block);
            let code = self.iconst32(abi::trap_code(kind));
            self.call_builtin(Builtin::Trap, &[code]);
            self.builder.ins().trap(AFTER_TRAP);
        }
        self.builder.seal_all_blocks();
        self.builder.finalize(self.isa.frontend_config());
    }

    // ----- small helpers -----

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            F32 => self.builder.ins().f32const(0.0),
            F64 => self.builder.ins().f64const(0.0),
            I8X16 => {
                let c = self.builder.func.dfg.constants.insert(vec![0u8; 16].into());
                self.builder.ins().vconst(I8X16, c)
            }
            _ => self.builder.ins().iconst(ty, 0),
        }
    }

    fn iconst32(&mut self, v: i32) -> Value {
        // Cranelift wants narrow constants zero-extended in the 64-bit immediate.
        self.builder.ins().iconst(I32, i64::from(v as u32))
    }

    /// A constant of integer type `ty` from its sign-extended value.
    fn int_const(&mut self, ty: Type, v: i64) -> Value {
        if ty == I32 {
            self.iconst32(v as i32)
        } else {
            self.builder.ins().iconst(ty, v)
        }
    }

    /// The constant a value was defined with, if it is an `iconst`.
    fn const_of(&self, v: Value) -> Option<i64> {
        let inst = self.builder.func.dfg.value_def(v).inst()?;
        match self.builder.func.dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    fn block_with_params(&mut self, types: &[Type]) -> Block {
        let block = self.builder.create_block();
        for t in types {
            self.builder.append_block_param(block, *t);
        }
        block
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("operand stack underflow in validated code")
    }

    /// Pops the top `n` values (in stack order).
    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The top `n` values (in stack order), left on the stack.
    fn top_n(&self, n: usize) -> Vec<Value> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    fn args(vals: &[Value]) -> Vec<BlockArg> {
        vals.iter().map(|v| BlockArg::Value(*v)).collect()
    }

    fn jump(&mut self, block: Block, vals: &[Value]) {
        self.builder.ins().jump(block, &Self::args(vals));
    }

    /// The cold block that raises `kind`.
    fn trap_block(&mut self, kind: TrapKind) -> Block {
        if let Some((_, b)) = self.trap_blocks.iter().find(|(k, _)| *k == kind) {
            return *b;
        }
        let block = self.builder.create_block();
        self.builder.set_cold_block(block);
        self.trap_blocks.push((kind, block));
        block
    }

    /// Raises `kind` if `cond` is nonzero.
    fn trap_if(&mut self, cond: Value, kind: TrapKind) {
        let trap = self.trap_block(kind);
        let cont = self.builder.create_block();
        self.builder.ins().brif(cond, trap, &[], cont, &[]);
        self.builder.switch_to_block(cont);
        self.builder.seal_block(cont);
    }

    fn set_unreachable(&mut self) {
        self.reachable = false;
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.stack.truncate(height);
    }

    // ----- memory accesses (their addresses: `env`) -----

    fn load(&mut self, memarg: &MemArg, ty: Type, size: u32, signed: bool) {
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, size);
        let f = self.heap_flags();
        let ins = self.builder.ins();
        let v = match (size, signed) {
            (1, false) => ins.uload8(ty, f, p, off),
            (1, true) => ins.sload8(ty, f, p, off),
            (2, false) => ins.uload16(ty, f, p, off),
            (2, true) => ins.sload16(ty, f, p, off),
            (4, false) if ty == I64 => ins.uload32(f, p, off),
            (4, true) if ty == I64 => ins.sload32(f, p, off),
            _ => ins.load(ty, f, p, off),
        };
        self.push(v);
    }

    fn store(&mut self, memarg: &MemArg, size: u32) {
        let v = self.pop();
        let addr = self.pop();
        let (p, off) = self.heap_addr(addr, memarg, size);
        let f = self.heap_flags();
        let wide = self.builder.func.dfg.value_type(v).bytes();
        let ins = self.builder.ins();
        match size {
            1 => ins.istore8(f, v, p, off),
            2 => ins.istore16(f, v, p, off),
            4 if wide == 8 => ins.istore32(f, v, p, off),
            _ => ins.store(f, v, p, off),
        };
    }

    // ----- control -----

    fn block_types(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![wp_type(t)]),
            BlockType::FuncType(i) => {
                let ty = &self.module.types[i as usize];
                (
                    ty.params().iter().map(|t| ir_type(*t)).collect(),
                    ty.results().iter().map(|t| ir_type(*t)).collect(),
                )
            }
        }
    }

    /// The block a branch to label `depth` jumps to and how many values it carries.
    fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let i = self.ctrl.len() - 1 - depth as usize;
        let c = &mut self.ctrl[i];
        match c.kind {
            Kind::Loop { header } => (header, c.nparams),
            _ => {
                c.next_reached = true;
                (c.next, c.nresults)
            }
        }
    }

    fn push_ctrl(&mut self, kind: Kind, next: Block, nparams: usize, nresults: usize) {
        self.ctrl.push(Ctrl {
            kind,
            next,
            height: self.stack.len() - nparams,
            nparams,
            nresults,
            next_reached: false,
        });
    }

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), TranslateError> {
        let index = self.pop();
        let mut depths = Vec::with_capacity(targets.len() as usize);
        for t in targets.targets() {
            depths.push(t?);
        }
        let (default, arity) = self.branch_target(targets.default());
        let args = Self::args(&self.top_n(arity));
        if depths.iter().all(|d| *d == targets.default()) {
            self.builder.ins().jump(default, &args);
            return Ok(());
        }
        if arity == 0 {
            let pool = &mut self.builder.func.dfg.value_lists;
            let default_call = BlockCall::new(default, [], pool);
            let mut calls = Vec::with_capacity(depths.len());
            for d in depths {
                let (block, _) = self.branch_target(d);
                let pool = &mut self.builder.func.dfg.value_lists;
                calls.push(BlockCall::new(block, [], pool));
            }
            let jt = self
                .builder
                .create_jump_table(JumpTableData::new(default_call, &calls));
            self.builder.ins().br_table(index, jt);
            return Ok(());
        }
        // With values to pass, every distinct target gets one edge block that jumps there
        // with them, and the table names the edge blocks: a table of a million entries
        // is a million words, not a million argument lists and edge moves.
        let mut edges: std::collections::HashMap<u32, Block> = std::collections::HashMap::new();
        let mut edge_of = |tr: &mut Self, depth: u32| -> Block {
            *edges
                .entry(depth)
                .or_insert_with(|| tr.builder.create_block())
        };
        let default_edge = edge_of(self, targets.default());
        let mut calls = Vec::with_capacity(depths.len());
        for &d in &depths {
            let edge = edge_of(self, d);
            let pool = &mut self.builder.func.dfg.value_lists;
            calls.push(BlockCall::new(edge, [], pool));
        }
        let pool = &mut self.builder.func.dfg.value_lists;
        let default_call = BlockCall::new(default_edge, [], pool);
        let jt = self
            .builder
            .create_jump_table(JumpTableData::new(default_call, &calls));
        self.builder.ins().br_table(index, jt);
        let mut edges: Vec<(u32, Block)> = edges.into_iter().collect();
        edges.sort_unstable_by_key(|&(depth, _)| depth);
        for (depth, edge) in edges {
            let (target, _) = self.branch_target(depth);
            self.builder.switch_to_block(edge);
            self.builder.seal_block(edge);
            self.builder.ins().jump(target, &args);
        }
        Ok(())
    }

    /// Translates one operator. Returns true at the function's final `end`.
    fn op(&mut self, op: O<'_>) -> Result<bool, TranslateError> {
        if !self.reachable {
            match op {
                O::Block { .. }
                | O::Loop { .. }
                | O::If { .. }
                | O::TryTable { .. }
                | O::Try { .. } => {
                    self.skipped += 1;
                    return Ok(false);
                }
                O::Else | O::End | O::Catch { .. } | O::CatchAll | O::Delegate { .. }
                    if self.skipped == 0 => {}
                O::End | O::Delegate { .. } => {
                    self.skipped -= 1;
                    return Ok(false);
                }
                _ => return Ok(false),
            }
        }
        match op {
            O::Nop => {}
            O::Unreachable => {
                let trap = self.trap_block(TrapKind::Unreachable);
                self.builder.ins().jump(trap, &[]);
                self.set_unreachable();
            }
            O::Block { blockty } => {
                let (params, results) = self.block_types(blockty);
                let next = self.block_with_params(&results);
                self.push_ctrl(Kind::Block, next, params.len(), results.len());
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_types(blockty);
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let args = self.pop_n(params.len());
                self.jump(header, &args);
                self.builder.switch_to_block(header);
                self.stack
                    .extend_from_slice(self.builder.block_params(header));
                self.push_ctrl(Kind::Loop { header }, next, params.len(), results.len());
                if self.opts.metering.interruptible {
                    self.check_interrupt();
                }
            }
            O::If { blockty } => {
                let cond = self.pop();
                let (params, results) = self.block_types(blockty);
                let next = self.block_with_params(&results);
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(cond, then_block, &[], else_block, &[]);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                // Both branches have the if's block as their only predecessor, so the
                // parameter values stay usable in each.
                let kind = Kind::If {
                    else_block,
                    params: self.top_n(params.len()),
                    has_else: false,
                };
                self.push_ctrl(kind, next, params.len(), results.len());
            }
            O::Else => {
                let reachable = self.reachable;
                let results = self.top_n(if reachable {
                    self.ctrl.last().expect("if").nresults
                } else {
                    0
                });
                let c = self.ctrl.last_mut().expect("if");
                let Kind::If {
                    else_block,
                    ref params,
                    ref mut has_else,
                } = c.kind
                else {
                    unreachable!("validated: else closes an if");
                };
                *has_else = true;
                let params = params.clone();
                let (next, height) = (c.next, c.height);
                if reachable {
                    c.next_reached = true;
                    self.jump(next, &results);
                }
                self.builder.switch_to_block(else_block);
                self.stack.truncate(height);
                self.stack.extend(params);
                self.reachable = true;
            }
            O::End => return Ok(self.end()),
            O::TryTable { try_table } => self.try_table(&try_table),
            O::Throw { tag_index } => self.throw(tag_index),
            O::ThrowRef => self.throw_ref(),
            O::Try { blockty } => self.legacy_try(blockty),
            O::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::Delegate { relative_depth } => return Ok(self.delegate(relative_depth)),
            O::Rethrow { relative_depth } => self.rethrow(relative_depth),
            O::Br { relative_depth } => {
                let (block, arity) = self.branch_target(relative_depth);
                let args = self.top_n(arity);
                self.jump(block, &args);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop();
                let (block, arity) = self.branch_target(relative_depth);
                let args = Self::args(&self.top_n(arity));
                let cont = self.builder.create_block();
                self.builder.ins().brif(cond, block, &args, cont, &[]);
                self.builder.switch_to_block(cont);
                self.builder.seal_block(cont);
            }
            O::BrTable { targets } => {
                self.br_table(&targets)?;
                self.set_unreachable();
            }
            O::Return => {
                let n = self.ctrl[0].nresults;
                let results = self.top_n(n);
                self.builder.ins().return_(&results);
                self.set_unreachable();
            }
            O::Call { function_index } => self.call(function_index, false),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false),
            // A null reference goes to the label without it; anything else stays.
            O::BrOnNull { relative_depth } => {
                let r = self.pop();
                let is_null = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let (block, arity) = self.branch_target(relative_depth);
                let args = Self::args(&self.top_n(arity));
                let cont = self.builder.create_block();
                self.builder.ins().brif(is_null, block, &args, cont, &[]);
                self.builder.switch_to_block(cont);
                self.builder.seal_block(cont);
                self.push(r);
            }
            // A non-null reference goes to the label with it; null is dropped.
            O::BrOnNonNull { relative_depth } => {
                let r = self.top_n(1)[0];
                let non_null = self.builder.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
                let (block, arity) = self.branch_target(relative_depth);
                let args = Self::args(&self.top_n(arity));
                let cont = self.builder.create_block();
                self.builder.ins().brif(non_null, block, &args, cont, &[]);
                self.builder.switch_to_block(cont);
                self.builder.seal_block(cont);
                self.pop();
            }
            O::RefAsNonNull => {
                let r = self.top_n(1)[0];
                let is_null = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
                self.trap_if(is_null, TrapKind::NullReference);
            }
            O::CallRef { type_index } => self.call_ref(type_index, false),
            O::ReturnCallRef { type_index } => self.call_ref(type_index, true),
            O::ReturnCall { function_index } => self.call(function_index, true),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop();
                let y = self.pop();
                let x = self.pop();
                let v = self.builder.ins().select(c, x, y);
                self.push(v);
            }
            O::LocalGet { local_index } => {
                let v = self.builder.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                self.builder.def_var(self.locals[local_index as usize], v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.builder.def_var(self.locals[local_index as usize], v);
            }
            O::GlobalGet { global_index } => self.global_get(global_index),
            O::GlobalSet { global_index } => self.global_set(global_index),

            // Memory.
            O::I32Load { memarg } => self.load(&memarg, I32, 4, false),
            O::I64Load { memarg } => self.load(&memarg, I64, 8, false),
            O::F32Load { memarg } => self.load(&memarg, F32, 4, false),
            O::F64Load { memarg } => self.load(&memarg, F64, 8, false),
            O::I32Load8S { memarg } => self.load(&memarg, I32, 1, true),
            O::I32Load8U { memarg } => self.load(&memarg, I32, 1, false),
            O::I32Load16S { memarg } => self.load(&memarg, I32, 2, true),
            O::I32Load16U { memarg } => self.load(&memarg, I32, 2, false),
            O::I64Load8S { memarg } => self.load(&memarg, I64, 1, true),
            O::I64Load8U { memarg } => self.load(&memarg, I64, 1, false),
            O::I64Load16S { memarg } => self.load(&memarg, I64, 2, true),
            O::I64Load16U { memarg } => self.load(&memarg, I64, 2, false),
            O::I64Load32S { memarg } => self.load(&memarg, I64, 4, true),
            O::I64Load32U { memarg } => self.load(&memarg, I64, 4, false),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(&memarg, 4)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(&memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(&memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(&memarg, 2),
            // Addresses and lengths go to the runtime as i64 (zero-extended from a 32-bit
            // memory's i32); results come back in the memory's index type.
            O::MemorySize { mem } => self.memory_size(mem),
            O::MemoryGrow { mem } => self.memory_grow(mem),
            O::MemoryFill { mem } => self.memory_fill(mem),
            O::MemoryCopy { dst_mem, src_mem } => self.memory_copy(dst_mem, src_mem),
            O::MemoryInit { data_index, mem } => self.memory_init(data_index, mem),
            O::DataDrop { data_index } => self.data_drop(data_index),

            // Tables and references.
            O::TableGet { table } => self.table_get(table),
            O::TableSet { table } => self.table_set(table),
            O::TableSize { table } => self.table_size(table),
            O::TableGrow { table } => self.table_grow(table),
            O::TableFill { table } => self.table_fill(table),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.table_copy(dst_table, src_table),
            O::TableInit { elem_index, table } => self.table_init(elem_index, table),
            O::ElemDrop { elem_index } => self.elem_drop(elem_index),
            O::RefNull { .. } => {
                let v = self.builder.ins().iconst(I64, 0);
                self.push(v);
            }
            O::RefIsNull => {
                let r = self.pop();
                let c = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let c = self.builder.ins().uextend(I32, c);
                self.push(c);
            }
            O::RefFunc { function_index } => self.ref_func(function_index),

            other => {
                let via_intrinsic = !self.opts.intrinsics.is_empty() && self.intrinsic(&other);
                if !via_intrinsic && !self.numeric(&other) && !self.simd(&other) {
                    return Err(TranslateError::Unsupported(format!("operator {other:?}")));
                }
            }
        }
        Ok(false)
    }

    /// `end` of the innermost construct. Returns true at the function's end.
    fn end(&mut self) -> bool {
        let mut c = self.ctrl.pop().expect("validated: end closes a construct");
        if self.reachable {
            let results = self.top_n(c.nresults);
            if matches!(c.kind, Kind::Func) && !c.next_reached {
                self.builder.ins().return_(&results);
            } else {
                self.jump(c.next, &results);
                c.next_reached = true;
            }
        }
        match c.kind {
            Kind::Func => {
                if c.next_reached {
                    self.builder.switch_to_block(c.next);
                    self.builder.seal_block(c.next);
                    let results = self.builder.block_params(c.next).to_vec();
                    self.builder.ins().return_(&results);
                }
                return true;
            }
            Kind::Loop { header } => self.builder.seal_block(header),
            Kind::If {
                else_block,
                params,
                has_else: false,
            } => {
                // No else: the false branch passes the parameters on as the results.
                self.builder.switch_to_block(else_block);
                self.jump(c.next, &params);
                c.next_reached = true;
            }
            Kind::If { .. } | Kind::Block => {}
            kind @ (Kind::TryTable { .. } | Kind::Try { .. } | Kind::Catch { .. }) => {
                self.end_exception_construct(kind)
            }
        }
        self.stack.truncate(c.height);
        self.reachable = c.next_reached;
        if c.next_reached {
            self.builder.switch_to_block(c.next);
            self.builder.seal_block(c.next);
            self.stack
                .extend_from_slice(self.builder.block_params(c.next));
        }
        false
    }
}

#[cfg(test)]
mod tests;
