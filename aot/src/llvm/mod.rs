//! The LLVM tier: the same CLIF the Cranelift tier compiles, optimised and compiled by
//! LLVM 19 instead (`--backend=llvm`, cargo feature `llvm`).
//!
//! Pipeline: the translator (`crate::translate`) builds each function's CLIF exactly as
//! for Cranelift (bounds checks, traps, vmctx accesses, fuel: one home for the wasm
//! semantics); [`lower`] restates every function and trampoline in one LLVM module;
//! LLVM optimises the whole module (`default<O3>`, so small callees inline across
//! functions) and emits one relocatable object; [`link`] lays its text and read-only data
//! out as the image's text and resolves every reference there, so the image needs no
//! relocation at load time, `--xip` or not.
//!
//! ABI: wasm functions use LLVM's `tailcc` (guaranteed tail calls; it is not
//! Cranelift's `tail`), so only code of this tier calls them directly: their
//! `FuncData.engine` is [`wamr_common::EngineKind::AotLlvm`], and calls from Cranelift
//! images reach them through the runtime (and the other way round). Trampolines are C
//! functions as in the Cranelift tier.
//!
//! LLVM must not call anything outside the image: functions carry `no-builtins` (no
//! `memcpy`/`memset` formed from loops), stack probes are inline, and rounding and
//! conversions have instructions on every supported CPU (SSE4.1 is the baseline). The
//! linker refuses any reference to a symbol the object does not define.
//!
//! `WAMR_LLVM_DUMP=1` prints the optimised module's IR to stderr while compiling;
//! `WAMR_CLIF_DUMP=N` prints function N's CLIF as the LLVM tier receives it (after
//! `translate::versioning`).

mod gep;
mod link;
mod lower;
mod options;

use cranelift_codegen::ir;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::Linkage;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;

use crate::llvm_tier::{Linked, LlvmTarget};

/// Where functions start: at a cache line, so where a hot loop sits in the 64-byte
/// fetch and decoded-µop lines follows from its function alone, not from the sizes of
/// the functions before it (a change elsewhere in a module no longer moves it). Over the
/// shootout programs against 16-byte starts: sieve 17% faster, switch and minicsv 5%
/// slower, the rest within 2%. (Cranelift does not align loops; its tier starts
/// functions at Cranelift's preferred 32 bytes: 64 moved sieve's loop somewhere worse.)
/// The image packs
/// entries at 16-byte boundaries (the loader checks it); `link` counts the padding into
/// the function before.
pub(super) const FUNCTION_ALIGN: u32 = 64;

/// Why LLVM could not compile a function (reported as a compile error of the image).
#[derive(Debug)]
pub(crate) struct LowerError(pub String);

impl From<inkwell::builder::BuilderError> for LowerError {
    fn from(e: inkwell::builder::BuilderError) -> Self {
        LowerError(e.to_string())
    }
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes [`crate::abi::Backend::Llvm`] available to [`crate::compile()`] in this process
/// (idempotent).
///
/// Only a program that calls this links LLVM's code: `compile` reaches the LLVM tier
/// through what this installs (`crate::llvm_tier`), never by name, so a program that
/// only runs images (`wamr-run`) does not load `libLLVM` at start-up (about 15 ms and
/// 40 MiB of resident memory), even in a build with the `llvm` feature.
pub fn enable_llvm_backend() {
    crate::llvm_tier::install(compile);
}

/// Compiles `funcs` (defined functions as (wasm index, CLIF), in index order) and
/// `trampolines` (one per module type) to laid-out machine code.
pub(crate) fn compile(
    funcs: &[(u32, ir::Function)],
    trampolines: &[ir::Function],
    target: &LlvmTarget,
) -> Result<Linked, String> {
    options::set_once();
    if target.triple.starts_with("x86_64") {
        Target::initialize_x86(&InitializationConfig::default());
    } else {
        Target::initialize_aarch64(&InitializationConfig::default());
    }
    let triple = TargetTriple::create(target.triple);
    let llvm_target = Target::from_triple(&triple).map_err(|e| e.to_string())?;
    let base_cpu = if target.triple.starts_with("x86_64") {
        "x86-64"
    } else {
        "generic"
    };
    let machine = llvm_target
        .create_target_machine(
            &triple,
            base_cpu,
            &target.features,
            if target.opt_level == 0 {
                OptimizationLevel::None
            } else {
                OptimizationLevel::Aggressive
            },
            // Position-independent: constants and jump tables are reached PC-relative,
            // which `link` resolves once the layout is known.
            RelocMode::PIC,
            CodeModel::Small,
        )
        .ok_or_else(|| format!("LLVM has no target machine for {}", target.triple))?;

    let context = Context::create();
    let mut cx = lower::ModuleCx::new(&context, "wasm");
    cx.pin_heap_loads = !target.bounds_checks;
    cx.entry_offsets = target.entry_offsets.clone();
    cx.module.set_triple(&triple);
    cx.module
        .set_data_layout(&machine.get_target_data().get_data_layout());

    let attrs = function_attributes(&context, target);
    // Declare everything first: calls may go forward.
    let mut declared = Vec::with_capacity(funcs.len());
    for (index, f) in funcs {
        let (ty, cc) = cx.signature(&f.signature).map_err(|e| e.0)?;
        let llfn = cx
            .module
            .add_function(&link::func_symbol(*index), ty, Some(Linkage::External));
        llfn.set_call_conventions(cc);
        for a in &attrs {
            llfn.add_attribute(AttributeLoc::Function, *a);
        }
        llfn.as_global_value().set_alignment(FUNCTION_ALIGN);
        // Hidden: resolved within the image, so taking a function's address (indirect
        // mode's guarded calls) is PC-relative, never through a GOT.
        llfn.as_global_value()
            .set_visibility(inkwell::GlobalVisibility::Hidden);
        cx.funcs.insert(*index, llfn);
        declared.push(llfn);
    }
    let mut tramp_fns = Vec::with_capacity(trampolines.len());
    for (t, f) in trampolines.iter().enumerate() {
        let (ty, cc) = cx.signature(&f.signature).map_err(|e| e.0)?;
        let llfn = cx.module.add_function(
            &link::trampoline_symbol(t as u32),
            ty,
            Some(Linkage::External),
        );
        llfn.set_call_conventions(cc);
        for a in &attrs {
            llfn.add_attribute(AttributeLoc::Function, *a);
        }
        llfn.as_global_value().set_alignment(16);
        tramp_fns.push(llfn);
    }
    for ((index, f), llfn) in funcs.iter().zip(&declared) {
        lower::lower_function(&cx, f, *llfn).map_err(|e| format!("function {index}: {e}"))?;
    }
    for (t, (f, llfn)) in trampolines.iter().zip(&tramp_fns).enumerate() {
        lower::lower_function(&cx, f, *llfn).map_err(|e| format!("trampoline {t}: {e}"))?;
    }
    cx.module
        .verify()
        .map_err(|e| format!("LLVM rejected the lowered module: {e}"))?;
    if target.opt_level > 0 {
        let pipeline = if target.opt_level >= 2 {
            "default<O3>"
        } else {
            "default<O2>"
        };
        cx.module
            .run_passes(pipeline, &machine, PassBuilderOptions::create())
            .map_err(|e| format!("LLVM optimisation failed: {e}"))?;
    }
    if std::env::var_os("WAMR_LLVM_DUMP").is_some() {
        let _ = cx.module.print_to_file("/dev/stderr");
    }
    let object = machine
        .write_to_memory_buffer(&cx.module, FileType::Object)
        .map_err(|e| format!("LLVM code generation failed: {e}"))?;
    link::link(object.as_slice(), funcs.len(), trampolines.len())
}

/// Attributes of every function: no unwinding (traps unwind by jumping to the host
/// entry, not through frames), inline stack probes, no library calls formed from loops.
fn function_attributes(context: &Context, target: &LlvmTarget) -> Vec<Attribute> {
    let enum_attr =
        |name: &str| context.create_enum_attribute(Attribute::get_named_enum_kind_id(name), 0);
    let mut attrs = vec![
        enum_attr("nounwind"),
        // Wasm's floating point: signalling NaNs quieted by arithmetic (the constrained
        // intrinsics `lower` uses need this on the function).
        enum_attr("strictfp"),
        // Every call takes stack, so runaway recursion exhausts it and traps: LLVM must
        // not turn self-recursion into a loop. (`musttail` calls, wasm's
        // `return_call`, still are tail calls.)
        context.create_string_attribute("disable-tail-calls", "true"),
        context.create_string_attribute("probe-stack", "inline-asm"),
        context.create_string_attribute("no-builtins", ""),
        context.create_string_attribute("frame-pointer", "none"),
    ];
    if target.tune_for_host {
        let host_cpu = TargetMachine::get_host_cpu_name().to_string();
        attrs.push(context.create_string_attribute("tune-cpu", &host_cpu));
    }
    attrs
}
