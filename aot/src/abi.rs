//! What compiled code and the runtime agree on, beyond the `VMContext` layout
//! (`wamr_common::vmctx`): the calling convention, the runtime helper ("builtin") table,
//! trap codes and compile options.
//!
//! # Calling convention
//! Every wasm function compiles to Cranelift's `tail` convention
//! ([`crate::translate::WASM_CALL_CONV`]: the platform's argument registers, the callee
//! pops stack arguments, so `return_call` runs in constant stack) with signature
//! `(vmctx: i64, params...) -> (results...)`; only compiled code and the trampolines
//! call it.
//! i32/i64/f32/f64 map to the Cranelift types of the same name; `funcref` and
//! `externref` are i64 raw refs (0 = null). Several results use Cranelift's implicit
//! return area (`enable_multi_ret_implicit_sret`).
//!
//! For each signature the image also holds an *array trampoline* in the host's
//! convention, `extern "C" fn(vmctx: i64, callee: i64, values: i64)`: it loads the parameters from
//! the 8-byte slots at `values`, calls `callee(vmctx, params...)` and stores the results
//! back into the same slots. The host calls wasm only through trampolines.
//!
//! # Calls from compiled code
//! - to a function defined in the module: a direct PC-relative call. In indirect mode
//!   the call honours `vmctx.func_entries[index]`: Cranelift code checks it at the
//!   callee's start (see `VMContext::func_entries_redirected`), LLVM code loads it at
//!   the call and calls the callee directly when the entry is the callee;
//! - to an import or through a table: the callee's `FuncData` (`vmctx.funcs[index]` or the
//!   table element). If its engine byte is [`ENGINE_AOT`], call `FuncData.entry` with
//!   `FuncData.vmctx` as the first argument; otherwise spill the arguments into 8-byte
//!   slots and call the builtin [`Builtin::CallForeign`], which writes the results back.
//!
//! # Traps
//! Compiled code never executes a hardware trap instruction on purpose: every check
//! branches to a call of [`Builtin::Trap`] with a [`trap_code`], which does not return
//! (it unwinds to the host entry). In guard-page mode an out-of-bounds access faults
//! inside the reservation and the signal handler does the same.

use wamr_common::TrapKind;

/// `FuncData.engine` value of AOT functions (`EngineKind::Aot as u8`).
pub const ENGINE_AOT: u8 = wamr_common::EngineKind::Aot as u8;
/// `FuncData.engine` value of functions of the LLVM tier (their own calling convention).
pub const ENGINE_AOT_LLVM: u8 = wamr_common::EngineKind::AotLlvm as u8;

/// Which compiler turns the translated code into machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// Cranelift: fast compiles; the default.
    #[default]
    Cranelift,
    /// LLVM 19 (cargo feature `llvm`): slower compiles, faster code.
    Llvm,
}

impl Backend {
    /// The `FuncData.engine` byte of functions this backend compiles: code calls a
    /// function directly only when the callee's byte equals its own.
    pub fn engine_byte(self) -> u8 {
        match self {
            Backend::Cranelift => ENGINE_AOT,
            Backend::Llvm => ENGINE_AOT_LLVM,
        }
    }

    /// The name `--backend` takes.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cranelift => "cranelift",
            Backend::Llvm => "llvm",
        }
    }
}

/// The runtime helpers compiled code calls through `vmctx.builtins[index]`. All take the
/// caller's vmctx first; integers are i32 unless noted, refs are i64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Builtin {
    /// `(vmctx, code: i32) -> !` raise a trap; never returns.
    Trap,
    /// `(vmctx, mem, delta: i64) -> old pages or -1: i64` (addresses, lengths and page
    /// counts are i64 for every memory, zero-extended from a 32-bit memory's i32)
    MemoryGrow,
    /// `(vmctx, mem, dst: i64, val, len: i64)`
    MemoryFill,
    /// `(vmctx, dst_mem, src_mem, dst: i64, src: i64, len: i64)`
    MemoryCopy,
    /// `(vmctx, mem, seg, dst: i64, src, len)`
    MemoryInit,
    /// `(vmctx, seg)`
    DataDrop,
    /// `(vmctx, table, index: i64) -> ref: i64` (table indices and lengths are i64 for
    /// every table, zero-extended from a 32-bit table's i32, as for memories)
    TableGet,
    /// `(vmctx, table, index: i64, ref: i64)`
    TableSet,
    /// `(vmctx, table) -> size: i64`
    TableSize,
    /// `(vmctx, table, init: i64, delta: i64) -> old size or -1: i64`
    TableGrow,
    /// `(vmctx, table, dst: i64, ref: i64, len: i64)`
    TableFill,
    /// `(vmctx, dst_table, src_table, dst: i64, src: i64, len: i64)`
    TableCopy,
    /// `(vmctx, table, seg, dst: i64, src, len)`
    TableInit,
    /// `(vmctx, seg)`
    ElemDrop,
    /// `(vmctx, func_data: i64, values: i64)` call a non-AOT function; arguments in and
    /// results out through the 8-byte slots at `values`.
    CallForeign,
    /// `(vmctx, cost)` a fuel charge went below zero: refuel or trap (see
    /// `wamr_common::metering`).
    Refuel,
    /// `(vmctx)` an interruption is pending: clears it and traps.
    Interrupt,
    /// `(vmctx, tag, values: i64) -> exnref: i64` a new exception of the instance's tag
    /// `tag` with its payload in the 8-byte slots at `values`.
    Throw,
    /// `(vmctx, exnref: i64)` a `catch`/`catch_all` clause caught the exception and read
    /// its payload: free it unless it is exposed (see `wamr_common::exception`).
    ReleaseCaught,
}

impl Builtin {
    pub const COUNT: usize = Builtin::ReleaseCaught as usize + 1;
    pub const ALL: [Builtin; Builtin::COUNT] = [
        Builtin::Trap,
        Builtin::MemoryGrow,
        Builtin::MemoryFill,
        Builtin::MemoryCopy,
        Builtin::MemoryInit,
        Builtin::DataDrop,
        Builtin::TableGet,
        Builtin::TableSet,
        Builtin::TableSize,
        Builtin::TableGrow,
        Builtin::TableFill,
        Builtin::TableCopy,
        Builtin::TableInit,
        Builtin::ElemDrop,
        Builtin::CallForeign,
        Builtin::Refuel,
        Builtin::Interrupt,
        Builtin::Throw,
        Builtin::ReleaseCaught,
    ];
}

/// A fingerprint of everything compiled code assumes of the runtime beyond the image
/// format: the builtins' order and signatures, the vmctx and runtime-structure offsets,
/// trap codes and the calling convention. Images carry the fingerprint of the compiler
/// that wrote them and the loader refuses any other, so an image from a build of the
/// same format version with a different interface (a stale cache entry in development,
/// say) is rebuilt rather than run against the wrong layout.
pub fn fingerprint() -> u64 {
    static FINGERPRINT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *FINGERPRINT.get_or_init(|| {
        use std::fmt::Write as _;
        use wamr_common::vmctx::{HostPtr, VMCounts, VMOffsets};
        use wamr_common::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TagIndex, TypeIndex};
        let mut d = String::new();
        for b in Builtin::ALL {
            let _ = write!(d, "{b:?}{:?};", crate::translate::builtin_types(b));
        }
        // The layout rule, sampled at counts that tell every array apart.
        let counts = VMCounts {
            memories: 2,
            tables: 3,
            globals: 5,
            tags: 7,
            funcs: 11,
            types: 13,
        };
        let o = VMOffsets::new(HostPtr, counts).expect("a small layout fits");
        let offsets = [
            o.memory0_base(),
            o.instance(),
            o.stack_limit(),
            o.builtins(),
            o.intrinsics(),
            o.consts(),
            o.run_state(),
            o.func_entries_redirected(),
            o.memory(MemoryIndex(1)),
            o.table(TableIndex(2)),
            o.global(GlobalIndex(4)),
            o.tag(TagIndex(6)),
            o.func(FuncIndex(10)),
            o.func_entry(FuncIndex(10)),
            o.type_id(TypeIndex(12)),
            o.size(),
            o.exn_tag(),
            o.exn_values(),
            o.exn_exposed(),
            o.run_state_fuel_left(),
            o.run_state_interrupt(),
            o.run_state_exception(),
            o.memory_def_base(),
            o.memory_def_size(),
            o.table_def_base(),
            o.table_def_len(),
            o.func_data_type_id(),
            o.func_data_engine(),
            o.func_data_vmctx(),
            o.func_data_entry(),
        ];
        let _ = write!(
            d,
            "{offsets:?};{TRAP_KINDS:?};{:?};{ENGINE_AOT};{ENGINE_AOT_LLVM}",
            crate::translate::WASM_CALL_CONV
        );
        crate::image::hash64(d.as_bytes())
    })
}

/// Trap codes passed to [`Builtin::Trap`].
pub fn trap_code(kind: TrapKind) -> i32 {
    TRAP_KINDS
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i32)
}

/// The trap kind of a code (unknown codes are `Unreachable`).
pub fn trap_kind(code: i32) -> TrapKind {
    TRAP_KINDS
        .get(code as usize)
        .copied()
        .unwrap_or(TrapKind::Unreachable)
}

const TRAP_KINDS: [TrapKind; 15] = [
    TrapKind::Unreachable,
    TrapKind::MemoryOutOfBounds,
    TrapKind::TableOutOfBounds,
    TrapKind::UndefinedElement,
    TrapKind::UninitializedElement,
    TrapKind::IndirectCallTypeMismatch,
    TrapKind::IntegerOverflow,
    TrapKind::IntegerDivideByZero,
    TrapKind::InvalidConversionToInteger,
    TrapKind::CallStackExhausted,
    TrapKind::OutOfFuel,
    TrapKind::Interrupted,
    TrapKind::NullFunctionReference,
    TrapKind::NullReference,
    TrapKind::NullExceptionReference,
];

/// Options that change the generated code (recorded in the image).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodegenOptions {
    /// Explicit bounds checks on every memory access (otherwise guard pages).
    pub bounds_checks: bool,
    /// Check the native stack pointer against `vmctx.stack_limit` in every prologue.
    pub stack_bounds_checks: bool,
    /// Calls between the module's functions honour `vmctx.func_entries` (an embedder
    /// may redirect an entry with `OwnedVMContext::redirect_func_entry`).
    pub indirect_calls: bool,
    /// Optimisation: 0 none, 1 speed (default), 2 speed and size (Cranelift) or
    /// `default<O3>` (LLVM).
    pub opt_level: u8,
    /// The compiler of the machine code.
    pub backend: Backend,
    /// Operations compiled as calls to runtime intrinsics (`--xip`; empty by default).
    pub intrinsics: crate::intrinsics::IntrinsicSet,
    /// Fuel charges and interruption checks (`--fuel`, `--interruptible`; none by
    /// default), placed as the interpreter places them.
    pub metering: wamr_common::metering::Metering,
}

impl CodegenOptions {
    /// Whether each function honours the function table at its start (indirect mode
    /// compiled by Cranelift: calls stay direct) rather than each call at its site
    /// (indirect mode compiled by LLVM, which compares the entry with the callee there
    /// and can still inline).
    pub fn entry_checks_func_table(&self) -> bool {
        self.indirect_calls && self.backend == Backend::Cranelift
    }
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            bounds_checks: false,
            stack_bounds_checks: true,
            indirect_calls: false,
            opt_level: 1,
            backend: Backend::Cranelift,
            intrinsics: crate::intrinsics::IntrinsicSet::EMPTY,
            metering: Default::default(),
        }
    }
}
