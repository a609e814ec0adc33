//! The compile driver: validate, translate and compile every function in parallel with
//! Cranelift, lay the code out in one text section, resolve the calls between functions,
//! and write the image. The result depends only on the input and the options, never on
//! thread scheduling: functions are placed in index order.

use std::sync::{Mutex, OnceLock};

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName};
use cranelift_codegen::isa::{self, OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use wamr_common::module::ModuleData;
use wamr_common::{DefinedFuncIndex, FuncIndex, LoadError, Module};

use crate::abi::{Backend, CodegenOptions};
use crate::cpu;
use crate::image::{self, Header, Writer};
use crate::intrinsics::ConstPool;
use crate::translate::{trampoline, FuncTranslator};

/// Target selection: architecture and CPU features.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// `x86_64` or `aarch64`; `None` is the host.
    pub arch: Option<String>,
    /// `native` (detect this CPU, the default for the host) or `generic` (the baseline
    /// the runtime requires).
    pub cpu: Option<String>,
    /// Comma-separated `+feature`/`-feature` list applied after `cpu`.
    pub cpu_features: Option<String>,
}

/// Everything that shapes an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    pub codegen: CodegenOptions,
    pub target: Target,
    /// Compile on this many threads (`None`: all cores).
    pub threads: Option<usize>,
    /// The proposals the module may use (all by default); a module using one turned off
    /// is refused.
    pub features: wamr_common::Features,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("unsupported target: {0}")]
    Target(String),
    #[error("cannot compile function {func}: {message}")]
    Function { func: u32, message: String },
    #[error("unexpected relocation {0} in function {1}")]
    Relocation(String, u32),
    #[error("the compiled code would exceed {} MiB (the image's limit)", MAX_TEXT_BYTES >> 20)]
    TooLarge,
    #[error("LLVM: {0}")]
    Llvm(String),
}

/// The most machine code one image may hold: offsets in the image are 32-bit, and calls
/// between functions must stay within a PC-relative reach on every target.
pub const MAX_TEXT_BYTES: usize = 1 << 30;

/// Builds the Cranelift ISA for `target` and `codegen`.
pub fn build_isa(
    target: &Target,
    codegen: &CodegenOptions,
) -> Result<OwnedTargetIsa, CompileError> {
    build_isa_with(target, codegen, false)
}

/// [`build_isa`], with frame pointers in every function when `frame_pointers`: Cranelift's
/// tail calls need them, so functions that make one are compiled with this ISA.
fn build_isa_with(
    target: &Target,
    codegen: &CodegenOptions,
    frame_pointers: bool,
) -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| CompileError::Target(format!("{k}={v}: {e}")))
    };
    set(
        &mut flags,
        "opt_level",
        match codegen.opt_level {
            0 => "none",
            1 => "speed",
            _ => "speed_and_size",
        },
    )?;
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    // Large frames probe the stack inline: no call to a probestack symbol.
    set(&mut flags, "enable_probestack", "true")?;
    set(&mut flags, "probestack_strategy", "inline")?;
    set(
        &mut flags,
        "preserve_frame_pointers",
        if frame_pointers { "true" } else { "false" },
    )?;
    let host = cpu::host_arch();
    let arch = target.arch.as_deref().unwrap_or(host);
    let triple = cpu::triple_for(arch)
        .ok_or_else(|| CompileError::Target(format!("`{arch}` (expected x86_64 or aarch64)")))?;
    if arch != host && target.cpu.as_deref() == Some("native") {
        return Err(CompileError::Target(format!(
            "--cpu native describes this {host} host; it cannot be combined with --target {arch}"
        )));
    }
    let native = arch == host && target.cpu.as_deref().unwrap_or("native") == "native";
    let mut isa_builder = if native {
        cranelift_native::builder_with_options(true)
            .map_err(|e| CompileError::Target(e.to_string()))?
    } else {
        match target.cpu.as_deref() {
            None | Some("generic") | Some("native") => {}
            Some(other) => {
                return Err(CompileError::Target(format!(
                    "unknown --cpu `{other}` (expected native or generic)"
                )))
            }
        }
        isa::lookup(
            triple
                .parse()
                .map_err(|e| CompileError::Target(format!("{e}")))?,
        )
        .map_err(|e| CompileError::Target(e.to_string()))?
    };
    for (name, on) in cpu::parse_feature_list(arch, target.cpu_features.as_deref().unwrap_or(""))
        .map_err(CompileError::Target)?
    {
        isa_builder
            .set(name, if on { "true" } else { "false" })
            .map_err(|e| CompileError::Target(format!("{name}: {e}")))?;
    }
    // Rounding must not become libcalls: the image's code refers to nothing outside it.
    if arch == "x86_64" {
        isa_builder
            .enable("has_sse41")
            .map_err(|e| CompileError::Target(e.to_string()))?;
    }
    isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Target(e.to_string()))
}

/// Whether `f` contains a `return_call` or `return_call_indirect`.
fn makes_tail_calls(f: &ir::Function) -> bool {
    f.layout.blocks().any(|b| {
        f.layout.block_insts(b).any(|i| {
            matches!(
                f.dfg.insts[i].opcode(),
                ir::Opcode::ReturnCall | ir::Opcode::ReturnCallIndirect
            )
        })
    })
}

/// Machine code of one function and its calls to patch.
struct Compiled {
    code: Vec<u8>,
    /// (offset in code, kind, callee function index, addend)
    calls: Vec<(u32, Reloc, u32, i64)>,
}

fn compile_one(
    ctx: &mut Context,
    func: ir::Function,
    isa: &dyn TargetIsa,
    index: u32,
) -> Result<Compiled, CompileError> {
    ctx.clear();
    ctx.func = func;
    let compiled = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| CompileError::Function {
            func: index,
            message: format!("{:?}", e.inner),
        })?;
    let code = compiled.code_buffer().to_vec();
    let relocs = compiled.buffer.relocs().to_vec();
    let mut calls = Vec::new();
    for r in relocs {
        match &r.target {
            FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                let callee = ctx.func.params.user_named_funcs()[*name].index;
                calls.push((r.offset, r.kind, callee, r.addend));
            }
            other => {
                return Err(CompileError::Relocation(
                    format!("{:?} -> {other:?}", r.kind),
                    index,
                ))
            }
        }
    }
    Ok(Compiled { code, calls })
}

/// Compiles `wasm` to an image.
pub fn compile(wasm: &[u8], opts: &CompileOptions) -> Result<Vec<u8>, CompileError> {
    compile_with_progress(wasm, opts, &|_, _| {})
}

/// [`compile`], calling `progress(done, total)` (from the worker threads) as functions
/// finish, for progress displays.
pub fn compile_with_progress(
    wasm: &[u8],
    opts: &CompileOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<u8>, CompileError> {
    let module = Module::with_features(wasm, opts.features)?;
    let isa = build_isa(&opts.target, &opts.codegen)?;
    // Built the first time a function makes a tail call.
    let tail_isa = OnceLock::new();
    let isa_for = |f: &ir::Function| -> Result<&dyn TargetIsa, CompileError> {
        if !makes_tail_calls(f) {
            return Ok(&*isa);
        }
        let built = tail_isa.get_or_init(|| {
            build_isa_with(&opts.target, &opts.codegen, true).map_err(|e| e.to_string())
        });
        match built {
            Ok(isa) => Ok(&**isa),
            Err(e) => Err(CompileError::Target(e.clone())),
        }
    };
    let _span = tracing::info_span!("compile", funcs = module.bodies.len()).entered();
    let m: &ModuleData = &module;
    let n = m.bodies.len();
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, n.max(1));
    // Work is handed out one function at a time; results land in their own slot.
    let results: Vec<Mutex<Option<Result<Unit, CompileError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    // Constants of `*.const` intrinsics get their table indices before compiling starts,
    // so parallel compilation stays deterministic.
    let consts = ConstPool::scan(m, opts.codegen.intrinsics);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut tr = FuncTranslator::new();
                let mut ctx = Context::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let index = m.func_index(DefinedFuncIndex(i as u32)).0;
                    let r = tr
                        .translate_with(m, index, &opts.codegen, &*isa, &consts)
                        .map_err(|e| CompileError::Function {
                            func: index,
                            message: e.to_string(),
                        })
                        .and_then(|f| {
                            if opts.codegen.backend == Backend::Llvm {
                                if std::env::var("WAMR_CLIF_DUMP").ok() == Some(index.to_string()) {
                                    eprintln!("{}", f.display());
                                }
                                return Ok(Unit::Clif(index, Box::new(f)));
                            }
                            let isa = isa_for(&f)?;
                            compile_one(&mut ctx, f, isa, index).map(Unit::Machine)
                        });
                    *results[i].lock().expect("no panics while holding") = Some(r);
                    progress(
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                        n,
                    );
                }
            });
        }
    });
    let mut units = Vec::with_capacity(n);
    for r in results {
        units.push(
            r.into_inner()
                .expect("no panics")
                .expect("every function compiled")?,
        );
    }
    let (text, offsets, tramp_offsets) = if opts.codegen.backend == Backend::Llvm {
        link_llvm(m, units, opts, &*isa)?
    } else {
        let funcs = units
            .into_iter()
            .map(|u| match u {
                Unit::Machine(c) => c,
                Unit::Clif(..) => unreachable!("Cranelift compiled every function"),
            })
            .collect();
        link_cranelift(m, funcs, &*isa)?
    };
    write_image(wasm, opts, &*isa, &consts, text, offsets, tramp_offsets)
}

/// A compiled function, or for the LLVM tier its CLIF (wasm index, function).
enum Unit {
    Machine(Compiled),
    // Read only by the LLVM tier.
    #[cfg_attr(not(feature = "llvm"), allow(dead_code))]
    Clif(u32, Box<ir::Function>),
}

type Layout = (Vec<u8>, Vec<(u32, u32)>, Vec<u32>);

/// Compiles the trampolines with Cranelift and lays out the text: functions in index
/// order at the ISA's preferred alignment, then trampolines, each 16-byte aligned; calls
/// between functions resolved.
fn link_cranelift(
    m: &ModuleData,
    funcs: Vec<Compiled>,
    isa: &dyn TargetIsa,
) -> Result<Layout, CompileError> {
    let n = funcs.len();
    let mut ctx = Context::new();
    let mut tramps = Vec::with_capacity(m.types.len());
    for (t, ty) in m.types.iter().enumerate() {
        tramps.push(compile_one(
            &mut ctx,
            trampoline(ty, isa),
            isa,
            u32::MAX - t as u32,
        )?);
    }

    // Layout: functions in index order, each at Cranelift's preferred alignment (32
    // bytes on both targets; the image packs entries at 16-byte boundaries, so padding
    // beyond that is counted into the function before), then trampolines, each 16-byte
    // aligned. Against 16-byte starts (whole processes, x86-64): CoreMark 5% faster,
    // sieve 1.2x slower (the same loop at another address; Cranelift cannot align
    // loops), memmove and fib2 within 2%; the programs' geometric mean did not move.
    let align = usize::try_from(isa.function_alignment().preferred)
        .unwrap_or(16)
        .clamp(16, 64);
    let mut text = Vec::new();
    let mut offsets: Vec<(u32, u32)> = Vec::with_capacity(n);
    for f in &funcs {
        let start = text.len().next_multiple_of(align);
        if let Some(prev) = offsets.last_mut() {
            prev.1 = (start - prev.0 as usize) as u32;
        }
        text.resize(start, 0);
        if text.len() + f.code.len() > MAX_TEXT_BYTES {
            return Err(CompileError::TooLarge);
        }
        offsets.push((text.len() as u32, f.code.len() as u32));
        text.extend_from_slice(&f.code);
    }
    let mut tramp_offsets = Vec::with_capacity(tramps.len());
    for t in &tramps {
        text.resize(text.len().next_multiple_of(16), 0);
        tramp_offsets.push(text.len() as u32);
        text.extend_from_slice(&t.code);
        if !t.calls.is_empty() {
            return Err(CompileError::Relocation(
                "call in a trampoline".into(),
                u32::MAX,
            ));
        }
    }
    // Resolve calls between functions now: the text needs no patching at load time.
    for (i, f) in funcs.iter().enumerate() {
        let base = offsets[i].0 as i64;
        let caller = m.func_index(DefinedFuncIndex(i as u32)).0;
        for &(off, kind, callee, addend) in &f.calls {
            let target = m
                .defined_func_index(FuncIndex(callee))
                .and_then(|c| offsets.get(c.index()))
                .ok_or_else(|| {
                    CompileError::Relocation(format!("call to function {callee}"), caller)
                })?
                .0 as i64;
            let site = base + i64::from(off);
            patch_pc_relative(&mut text, site, target + addend, kind)
                .map_err(|e| CompileError::Relocation(e, caller))?;
        }
    }

    Ok((text, offsets, tramp_offsets))
}

/// Writes the text offset `target` into the instruction at text offset `site` that
/// reaches it relative to the PC (a call, or an address formed for a comparison). The
/// text is mapped at a page-aligned address, so page-relative forms hold too.
pub(crate) fn patch_pc_relative(
    text: &mut [u8],
    site: i64,
    target: i64,
    kind: Reloc,
) -> Result<(), String> {
    let at = usize::try_from(site).map_err(|_| format!("{kind:?} before the text"))?;
    let word = text
        .get_mut(at..at + 4)
        .ok_or_else(|| format!("{kind:?} past the text"))?;
    let insn = u32::from_le_bytes((&*word).try_into().expect("4 bytes"));
    let out_of_range = || format!("{kind:?} out of range");
    let patched = match kind {
        Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
            i32::try_from(target - site).map_err(|_| out_of_range())? as u32
        }
        Reloc::Arm64Call => {
            let delta = (target - site) >> 2;
            if !(-(1 << 25)..(1 << 25)).contains(&delta) {
                return Err(out_of_range());
            }
            (insn & 0xfc00_0000) | (delta as u32 & 0x03ff_ffff)
        }
        // `adrp`: the 4 KiB page distance, as immlo (bits 29-30) and immhi (bits 5-23).
        Reloc::Aarch64AdrPrelPgHi21 => {
            let pages = (target >> 12) - (site >> 12);
            if !(-(1 << 20)..(1 << 20)).contains(&pages) {
                return Err(out_of_range());
            }
            let pages = pages as u32;
            (insn & 0x9f00_001f) | ((pages & 0x3) << 29) | (((pages >> 2) & 0x7_ffff) << 5)
        }
        // `add rd, rn, #lo12`: the offset within the page (bits 10-21).
        Reloc::Aarch64AddAbsLo12Nc => (insn & 0xffc0_03ff) | (((target as u32) & 0xfff) << 10),
        other => return Err(format!("{other:?}")),
    };
    word.copy_from_slice(&patched.to_le_bytes());
    Ok(())
}

/// The LLVM tier: the translated functions and the trampolines, compiled together by
/// LLVM and laid out by `llvm::link`.
#[cfg(feature = "llvm")]
fn link_llvm(
    m: &ModuleData,
    units: Vec<Unit>,
    opts: &CompileOptions,
    isa: &dyn TargetIsa,
) -> Result<Layout, CompileError> {
    let arch = isa.triple().architecture.to_string();
    let triple = cpu::triple_for(&arch)
        .ok_or_else(|| CompileError::Target(format!("`{arch}` (expected x86_64 or aarch64)")))?;
    let funcs: Vec<(u32, ir::Function)> = units
        .into_iter()
        .map(|u| match u {
            Unit::Clif(index, f) => (index, *f),
            Unit::Machine(_) => unreachable!("the LLVM tier compiles nothing with Cranelift"),
        })
        .collect();
    let tramps: Vec<ir::Function> = m.types.iter().map(|ty| trampoline(ty, isa)).collect();
    let native = opts
        .target
        .arch
        .as_deref()
        .is_none_or(|a| a == cpu::host_arch())
        && opts.target.cpu.as_deref().unwrap_or("native") == "native";
    let target = crate::llvm_tier::LlvmTarget {
        triple,
        features: cpu::llvm_features(isa),
        tune_for_host: native,
        opt_level: opts.codegen.opt_level,
        bounds_checks: opts.codegen.bounds_checks,
        entry_offsets: if opts.codegen.indirect_calls {
            let offsets = wamr_common::vmctx::VMOffsets::for_module(isa.pointer_bytes(), m)
                .map_err(|e| CompileError::Target(e.to_string()))?;
            m.defined_funcs()
                .map(|(_, index)| (offsets.func_entry(index) as i32, index.0))
                .collect()
        } else {
            Default::default()
        },
    };
    let _span = tracing::info_span!("llvm", funcs = funcs.len()).entered();
    let linked = crate::llvm_tier::call(&funcs, &tramps, &target).map_err(CompileError::Llvm)?;
    if linked.text.len() > MAX_TEXT_BYTES {
        return Err(CompileError::TooLarge);
    }
    Ok((linked.text, linked.funcs, linked.trampolines))
}

#[cfg(not(feature = "llvm"))]
fn link_llvm(
    _m: &ModuleData,
    _units: Vec<Unit>,
    _opts: &CompileOptions,
    _isa: &dyn TargetIsa,
) -> Result<Layout, CompileError> {
    Err(CompileError::Target(
        "this build has no LLVM backend (build with the cargo feature `llvm`)".into(),
    ))
}

/// Writes the image: header, the wasm, the laid-out text and the tables.
fn write_image(
    wasm: &[u8],
    opts: &CompileOptions,
    isa: &dyn TargetIsa,
    consts: &ConstPool,
    text: Vec<u8>,
    offsets: Vec<(u32, u32)>,
    tramp_offsets: Vec<u32>,
) -> Result<Vec<u8>, CompileError> {
    let c = &opts.codegen;
    let flags = (if c.backend == Backend::Llvm {
        image::FLAG_LLVM
    } else {
        0
    }) | (if c.bounds_checks {
        image::FLAG_BOUNDS_CHECKS
    } else {
        0
    }) | (if c.stack_bounds_checks {
        image::FLAG_STACK_CHECKS
    } else {
        0
    }) | (if c.indirect_calls {
        image::FLAG_INDIRECT_CALLS
    } else {
        0
    }) | (if c.metering.fuel { image::FLAG_FUEL } else { 0 })
        | (if c.metering.interruptible {
            image::FLAG_INTERRUPTIBLE
        } else {
            0
        });
    let arch = isa.triple().architecture.to_string();
    let writer = Writer {
        header: Header {
            version: image::VERSION,
            arch: cpu::arch_code(&arch),
            flags,
            opt_level: u32::from(c.opt_level),
            cpu_features: cpu::features_of(isa),
            wasm_hash: image::hash64(wasm),
        },
        wasm: wasm.to_vec(),
        target: isa.triple().to_string(),
        funcs: offsets,
        trampolines: tramp_offsets,
        text,
        consts: consts.values.clone(),
        intrinsics: opts.codegen.intrinsics.0,
        page_align: cpu::page_align(&arch),
    };
    Ok(writer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(text[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn pc_relative_forms_are_patched_as_each_architecture_encodes_them() {
        let mut text = vec![0u8; 0x6000];
        // x86-64: a 32-bit displacement from the site, the addend already in `target`.
        patch_pc_relative(&mut text, 0x10, 0x4000 - 4, Reloc::X86PCRel4).unwrap();
        assert_eq!(word(&text, 0x10) as i32, 0x4000 - 4 - 0x10);
        patch_pc_relative(&mut text, 0x4000, 0x20, Reloc::X86CallPCRel4).unwrap();
        assert_eq!(word(&text, 0x4000) as i32, 0x20 - 0x4000);
        // aarch64 `bl`: a 26-bit word offset beside the opcode.
        text[0x100..0x104].copy_from_slice(&0x9400_0000u32.to_le_bytes());
        patch_pc_relative(&mut text, 0x100, 0x80, Reloc::Arm64Call).unwrap();
        assert_eq!(
            word(&text, 0x100),
            0x9400_0000 | (((0x80 - 0x100) >> 2) as u32 & 0x03ff_ffff)
        );
        // `adrp x0` four pages ahead and three behind, then `add x0, x0, #0x234`.
        text[0x1000..0x1004].copy_from_slice(&0x9000_0000u32.to_le_bytes());
        patch_pc_relative(&mut text, 0x1000, 0x5234, Reloc::Aarch64AdrPrelPgHi21).unwrap();
        assert_eq!(word(&text, 0x1000), 0x9000_0020);
        text[0x3008..0x300c].copy_from_slice(&0x9000_0000u32.to_le_bytes());
        patch_pc_relative(&mut text, 0x3008, 0x10, Reloc::Aarch64AdrPrelPgHi21).unwrap();
        assert_eq!(word(&text, 0x3008), 0xb0ff_ffe0);
        text[0x1004..0x1008].copy_from_slice(&0x9100_0000u32.to_le_bytes());
        patch_pc_relative(&mut text, 0x1004, 0x5234, Reloc::Aarch64AddAbsLo12Nc).unwrap();
        assert_eq!(word(&text, 0x1004), 0x9108_d000);
        // Out of the text or out of reach: an error, no write.
        assert!(patch_pc_relative(&mut text, 0x5ffe, 0, Reloc::X86PCRel4).is_err());
        assert!(patch_pc_relative(&mut text, -4, 0, Reloc::X86PCRel4).is_err());
        assert!(patch_pc_relative(&mut text, 0, 1 << 33, Reloc::X86PCRel4).is_err());
        assert!(patch_pc_relative(&mut text, 0, 1 << 28, Reloc::Arm64Call).is_err());
        assert!(patch_pc_relative(&mut text, 0, 1 << 33, Reloc::Aarch64AdrPrelPgHi21).is_err());
        assert!(patch_pc_relative(&mut text, 0, 0, Reloc::Abs8).is_err());
    }

    #[test]
    fn indirect_mode_images_build_for_every_target() {
        let wasm = wat::parse_str(
            r#"(module
              (func $f (param i32) (result i32)
                (if (result i32) (local.get 0)
                  (then (call $f (i32.sub (local.get 0) (i32.const 1))))
                  (else (i32.const 7))))
              (func (export "g") (result i32) (return_call $f (i32.const 3))))"#,
        )
        .unwrap();
        for arch in ["x86_64", "aarch64"] {
            let opts = CompileOptions {
                target: Target {
                    arch: Some(arch.into()),
                    ..Default::default()
                },
                codegen: CodegenOptions {
                    indirect_calls: true,
                    ..Default::default()
                },
                ..Default::default()
            };
            let image = compile(&wasm, &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
            assert!(!image.is_empty());
        }
    }

    /// Functions start at Cranelift's preferred 32 bytes on both targets, and the image
    /// still satisfies the loader's packing rule (entries at the first 16-byte boundary
    /// after the previous function, whose size covers the padding).
    #[test]
    fn functions_start_at_32_byte_boundaries() {
        // Bodies of different lengths, so some would end mid-block.
        let mut wat = String::from("(module");
        for n in 0..6 {
            wat.push_str("(func (param i32) (result i32) (local.get 0)");
            for k in 0..n * 3 {
                wat.push_str(&format!(" (i32.mul (i32.const {}))", k + 3));
            }
            wat.push(')');
        }
        wat.push(')');
        let wasm = wat::parse_str(&wat).unwrap();
        for arch in ["x86_64", "aarch64"] {
            let opts = CompileOptions {
                target: Target {
                    arch: Some(arch.into()),
                    ..Default::default()
                },
                ..Default::default()
            };
            let image = compile(&wasm, &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
            let layout = image::parse(&image, cpu::page_align(arch))
                .unwrap_or_else(|e| panic!("{arch}: {e}"));
            assert_eq!(layout.funcs.len(), 6);
            for (i, &(at, _)) in layout.funcs.iter().enumerate() {
                assert_eq!(at % 32, 0, "{arch}: function {i} at {at:#x}");
            }
        }
    }
}
