//! Running one module and plan on one engine, and recording everything observable.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use wamr_aot::abi::CodegenOptions;
use wamr_common::{
    Engine, ExternRef, Instance, InstanceLimits, InstantiationError, Module, TrapKind, Val, ValType,
};
use wamr_interp::{Interp, InterpConfig};
use wasmparser::ExternalKind;

use crate::compare::{FuncId, Value};
use crate::gen::{Plan, MEMORY_CAP_PAGES};
use crate::host::{self, HostCall, HostLog, WasmiHost};

/// An engine configuration a module can be run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineId {
    /// Our interpreter (default configuration: lazy translation, best dispatch).
    Interp,
    /// Our AOT compiler: the module is compiled, written to an image file and mapped.
    Aot {
        indirect_calls: bool,
        bounds_checks: bool,
    },
    /// wasmi 2.0: the independent third opinion.
    Wasmi,
    /// Our interpreter with fuel charges and interruption checks: the fuel reference.
    InterpMetered,
    /// AOT (direct calls, guard pages) with fuel charges and interruption checks: must
    /// consume exactly the fuel [`EngineId::InterpMetered`] does.
    AotMetered,
    /// The AOT engine's LLVM tier (direct calls, guard pages, `default<O3>`): the same
    /// translated code, optimised by LLVM. In [`EngineId::all`] with the `llvm` feature.
    AotLlvm,
}

/// The fuel each call of a plan gets in the metered configurations: small enough that
/// generated loops run out of it now and then, so both engines' out-of-fuel points are
/// compared too.
pub const CALL_FUEL: u64 = 20_000;

fn metering() -> wamr_common::metering::Metering {
    wamr_common::metering::Metering {
        fuel: true,
        interruptible: true,
    }
}

impl EngineId {
    /// The four AOT code generation modes.
    pub const AOT_MODES: [EngineId; 4] = [
        EngineId::Aot {
            indirect_calls: false,
            bounds_checks: false,
        },
        EngineId::Aot {
            indirect_calls: false,
            bounds_checks: true,
        },
        EngineId::Aot {
            indirect_calls: true,
            bounds_checks: false,
        },
        EngineId::Aot {
            indirect_calls: true,
            bounds_checks: true,
        },
    ];

    /// Every configuration: the interpreter (the reference), AOT in four modes, wasmi,
    /// and the metered pair; and the LLVM tier in a build with it whose program has
    /// enabled it (`wamr_aot::enable_llvm_backend`: the differential tests do, `wamr-run`
    /// does not, so it never loads libLLVM).
    pub fn all() -> Vec<EngineId> {
        let mut v = vec![EngineId::Interp];
        v.extend(EngineId::AOT_MODES);
        v.push(EngineId::Wasmi);
        v.extend([EngineId::InterpMetered, EngineId::AotMetered]);
        #[cfg(feature = "llvm")]
        if wamr_aot::llvm_backend_enabled() {
            v.push(EngineId::AotLlvm);
        }
        v
    }

    /// Whether this configuration charges fuel (its calls record fuel consumed).
    pub fn metered(self) -> bool {
        matches!(self, EngineId::InterpMetered | EngineId::AotMetered)
    }

    /// The AOT code generation options of an AOT configuration.
    pub fn codegen(self) -> Option<CodegenOptions> {
        match self {
            EngineId::Aot {
                indirect_calls,
                bounds_checks,
            } => Some(CodegenOptions {
                bounds_checks,
                indirect_calls,
                ..Default::default()
            }),
            EngineId::AotMetered => Some(CodegenOptions {
                metering: metering(),
                ..Default::default()
            }),
            EngineId::AotLlvm => Some(CodegenOptions {
                backend: wamr_aot::abi::Backend::Llvm,
                opt_level: 2,
                ..Default::default()
            }),
            _ => None,
        }
    }
}

impl fmt::Display for EngineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineId::Interp => f.write_str("interp"),
            EngineId::Aot {
                indirect_calls,
                bounds_checks,
            } => write!(
                f,
                "aot({} calls, {} bounds)",
                if *indirect_calls {
                    "indirect"
                } else {
                    "direct"
                },
                if *bounds_checks { "explicit" } else { "guard" }
            ),
            EngineId::Wasmi => f.write_str("wasmi"),
            EngineId::InterpMetered => f.write_str("interp(fuel)"),
            EngineId::AotMetered => f.write_str("aot(fuel)"),
            EngineId::AotLlvm => f.write_str("aot(llvm)"),
        }
    }
}

/// How something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The module was refused (validation, compilation or image loading).
    Load,
    /// Instantiation refused for a link or resource reason.
    Refused,
    /// A trap (during a call, or during instantiation: segments, start function).
    Trap(TrapKind),
}

/// A failure with the engine's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub message: String,
    /// Whether `kind` is the engine's own verdict (ours) or mapped from another engine's
    /// vocabulary (wasmi), in which case close kinds compare equal.
    pub exact: bool,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FaultKind::Load => write!(f, "load error ({})", self.message),
            FaultKind::Refused => write!(f, "instantiation refused ({})", self.message),
            FaultKind::Trap(k) => write!(f, "trap {k:?} ({})", self.message),
        }
    }
}

/// One call of the plan as an engine ran it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub export: String,
    pub outcome: Result<Vec<Value>, Fault>,
    /// Host imports the call made, in order.
    pub host_calls: Vec<HostCall>,
    /// Fuel the call consumed (metered configurations only).
    pub fuel: Option<u64>,
}

/// Everything observable about one run of a module and plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub engine: EngineId,
    pub instantiation: Result<(), Fault>,
    /// Host imports called during instantiation (the start function).
    pub init_host_calls: Vec<HostCall>,
    pub calls: Vec<CallRecord>,
    /// Every exported memory's final bytes, in export order.
    pub memories: Vec<(String, Vec<u8>)>,
    /// Every exported global's final value.
    pub globals: Vec<(String, Value)>,
    /// Every exported table's final elements.
    pub tables: Vec<(String, Vec<Value>)>,
}

impl Observation {
    fn failed(engine: EngineId, fault: Fault) -> Observation {
        Observation {
            engine,
            instantiation: Err(fault),
            init_host_calls: Vec::new(),
            calls: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            tables: Vec::new(),
        }
    }
}

/// The module's exports (name and kind) in order, as wasmparser reads them, with each
/// memory exported under several names listed once (under its first name): a memory
/// exported a hundred times would otherwise be copied a hundred times into the
/// observation (found by `interp_exec`: 2.2 GB for one 16 MiB memory).
pub fn exports(wasm: &[u8]) -> Vec<(String, ExternalKind)> {
    let mut out = Vec::new();
    let mut memories = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ExportSection(r)) = payload {
            for e in r.into_iter().flatten() {
                if e.kind == ExternalKind::Memory {
                    if memories.contains(&e.index) {
                        continue;
                    }
                    memories.push(e.index);
                }
                out.push((e.name.to_string(), e.kind));
            }
        }
    }
    out
}

/// Runs `plan` on `wasm` in `engine`.
pub fn observe(engine: EngineId, wasm: &[u8], plan: &Plan) -> Observation {
    match engine {
        EngineId::Wasmi => observe_wasmi(wasm, plan),
        EngineId::Interp | EngineId::InterpMetered => match Module::new(wasm) {
            Ok(m) => observe_module(engine, &m, plan),
            Err(e) => Observation::failed(engine, load_fault(e.to_string())),
        },
        EngineId::Aot { .. } | EngineId::AotMetered | EngineId::AotLlvm => {
            let codegen = engine.codegen().expect("an AOT configuration");
            match load_aot(wasm, codegen) {
                Ok(m) => observe_module(engine, &m, plan),
                Err(e) => Observation::failed(engine, load_fault(e)),
            }
        }
    }
}

fn load_fault(message: String) -> Fault {
    Fault {
        kind: FaultKind::Load,
        message,
        exact: true,
    }
}

/// Where image files are written: a directory per process, removed by nobody (each file
/// is unlinked right after it is mapped, so the directory stays empty).
fn image_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wamr-diff-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
}

/// Writes `image` to a fresh file, loads it with the AOT loader and unlinks the file
/// (the mapping keeps the contents).
pub fn load_image(image: &[u8]) -> Result<Module, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path = image_dir().join(format!("{}.aot", NEXT.fetch_add(1, Ordering::Relaxed)));
    wamr_aot::write_image(&path, image).map_err(|e| format!("writing {}: {e}", path.display()))?;
    // SAFETY: the differential harness loads images compiled in this process from the
    // module under test, and the loader-robustness checks' mutations of them, from its
    // own private directory: loading such bytes is what it exists to test.
    let trust = unsafe { wamr_aot::Trust::any_image() };
    let module = wamr_aot::load(&path, &trust).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&path);
    module
}

/// Compiles `wasm` into an image with `codegen` (one thread: deterministic and cheap).
pub fn compile_image(wasm: &[u8], codegen: CodegenOptions) -> Result<Vec<u8>, String> {
    let opts = wamr_aot::CompileOptions {
        codegen,
        threads: Some(1),
        ..Default::default()
    };
    wamr_aot::compile(wasm, &opts).map_err(|e| e.to_string())
}

/// Compiles and loads `wasm` for the AOT engine.
pub fn load_aot(wasm: &[u8], codegen: CodegenOptions) -> Result<Module, String> {
    load_image(&compile_image(wasm, codegen)?)
}

fn engine_of(id: EngineId) -> Rc<dyn Engine> {
    match id {
        EngineId::Interp => Interp::new(InterpConfig::default()),
        EngineId::InterpMetered => Interp::new(InterpConfig {
            metering: metering(),
            ..Default::default()
        }),
        _ => wamr_aot::Aot::new(),
    }
}

fn to_wamr(v: &Value) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::FuncRef(_) => Val::FuncRef(None),
        Value::ExternRef(r) => Val::ExternRef(r.map(ExternRef)),
        Value::ExnRef(_) => Val::ExnRef(None),
        Value::V128(x) => Val::V128(x),
    }
}

fn from_wamr(v: &Val, funcs: &HashMap<u64, u32>) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(*x),
        Val::FuncRef(f) => Value::FuncRef(f.as_ref().map(|f| func_id(f.to_raw(), funcs))),
        Val::ExternRef(r) => Value::ExternRef(r.map(|r| r.0)),
        Val::ExnRef(e) => Value::ExnRef(e.is_some()),
    }
}

fn func_id(raw: u64, funcs: &HashMap<u64, u32>) -> FuncId {
    funcs
        .get(&raw)
        .map_or(FuncId::Opaque, |i| FuncId::Index(*i))
}

fn trap_fault(t: &wamr_common::Trap) -> Fault {
    Fault {
        kind: FaultKind::Trap(t.kind()),
        message: t.message().to_string(),
        exact: true,
    }
}

/// Runs `plan` on an already loaded module of ours (`engine` must match how it was
/// loaded: an AOT module needs an AOT configuration).
pub fn observe_module(engine: EngineId, module: &Module, plan: &Plan) -> Observation {
    let log: HostLog = HostLog::default();
    let mut linker = host::wamr_linker(engine_of(engine), &log);
    linker.set_limits(InstanceLimits {
        max_memory_pages: Some(MEMORY_CAP_PAGES),
        ..Default::default()
    });
    let store = linker.store().clone();
    if engine.metered() {
        store.set_fuel(CALL_FUEL);
    }
    let instance = match Instance::new(module, &linker) {
        Ok(i) => i,
        Err(e) => {
            let fault = match &e {
                InstantiationError::Trap(t) => trap_fault(t),
                other => Fault {
                    kind: FaultKind::Refused,
                    message: other.to_string(),
                    exact: true,
                },
            };
            let mut obs = Observation::failed(engine, fault);
            obs.init_host_calls = log.take();
            return obs;
        }
    };
    let mut obs = Observation::failed(engine, load_fault(String::new()));
    obs.instantiation = Ok(());
    obs.init_host_calls = log.take();
    let funcs: HashMap<u64, u32> = instance
        .data()
        .vmctx
        .funcs()
        .iter()
        .enumerate()
        .map(|(i, p)| (*p as u64, i as u32))
        .collect();
    for call in &plan.calls {
        if engine.metered() {
            store.set_fuel(CALL_FUEL);
        }
        let outcome = match instance.get_func(&call.export) {
            None => Err(Fault {
                kind: FaultKind::Refused,
                message: format!("no exported function `{}`", call.export),
                exact: true,
            }),
            Some(f) => {
                let args: Vec<Val> = call.args.iter().map(to_wamr).collect();
                f.call(&args)
                    .map(|vals| vals.iter().map(|v| from_wamr(v, &funcs)).collect())
                    .map_err(|t| trap_fault(&t))
            }
        };
        obs.calls.push(CallRecord {
            export: call.export.clone(),
            outcome,
            host_calls: log.take(),
            fuel: engine.metered().then(|| store.fuel_consumed()),
        });
    }
    for (name, kind) in exports(&module.bytes) {
        match kind {
            ExternalKind::Memory => {
                if let Some(m) = instance.get_memory(&name) {
                    obs.memories.push((name, m.to_vec()));
                }
            }
            ExternalKind::Global => {
                if let Some(v) = instance.global_value(&name) {
                    obs.globals.push((name, from_wamr(&v, &funcs)));
                }
            }
            ExternalKind::Table => {
                if let Some(t) = instance.get_table(&name) {
                    let elem = t.ty().elem;
                    let items = (0..t.size())
                        .map(|i| {
                            let raw = t.get(i).unwrap_or(0);
                            match elem {
                                ValType::ExternRef => {
                                    Value::ExternRef(ExternRef::from_raw(raw).map(|r| r.0))
                                }
                                _ => Value::FuncRef((raw != 0).then(|| func_id(raw, &funcs))),
                            }
                        })
                        .collect();
                    obs.tables.push((name, items));
                }
            }
            _ => {}
        }
    }
    obs
}

fn from_wasmi(v: &wasmi::Val, store: &wasmi::Store<WasmiHost>) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::FuncRef(f) => Value::FuncRef(f.val().map(|_| FuncId::Opaque)),
        wasmi::Val::ExternRef(r) => Value::ExternRef(r.val().map(|r| {
            r.data(store)
                .downcast_ref::<u32>()
                .copied()
                .unwrap_or(u32::MAX)
        })),
        wasmi::Val::V128(v) => Value::V128(v.as_u128()),
    }
}

fn to_wasmi(v: &Value) -> wasmi::Val {
    match *v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        Value::FuncRef(_) => wasmi::Val::FuncRef(wasmi::Nullable::Null),
        Value::ExternRef(_) | Value::ExnRef(_) => wasmi::Val::ExternRef(wasmi::Nullable::Null),
        Value::V128(x) => wasmi::Val::V128(x.into()),
    }
}

fn wasmi_fault(e: &wasmi::Error) -> Fault {
    use wasmi::TrapCode as C;
    let kind = match e.as_trap_code() {
        Some(C::UnreachableCodeReached) => FaultKind::Trap(TrapKind::Unreachable),
        Some(C::MemoryOutOfBounds) => FaultKind::Trap(TrapKind::MemoryOutOfBounds),
        Some(C::TableOutOfBounds) => FaultKind::Trap(TrapKind::TableOutOfBounds),
        Some(C::IndirectCallToNull) => FaultKind::Trap(TrapKind::UninitializedElement),
        Some(C::IntegerDivisionByZero) => FaultKind::Trap(TrapKind::IntegerDivideByZero),
        Some(C::IntegerOverflow) => FaultKind::Trap(TrapKind::IntegerOverflow),
        Some(C::BadConversionToInteger) => FaultKind::Trap(TrapKind::InvalidConversionToInteger),
        Some(C::StackOverflow) => FaultKind::Trap(TrapKind::CallStackExhausted),
        Some(C::BadSignature) => FaultKind::Trap(TrapKind::IndirectCallTypeMismatch),
        Some(_) => FaultKind::Refused,
        None if matches!(e.kind(), wasmi::errors::ErrorKind::Host(_))
            || e.to_string().contains("host function") =>
        {
            FaultKind::Trap(TrapKind::Host)
        }
        None => FaultKind::Refused,
    };
    Fault {
        kind,
        message: e.to_string(),
        exact: false,
    }
}

/// wasmi's recursion limit: as deep as our interpreter's default, so neither runs out
/// first on the depths fuel allows.
const WASMI_MAX_RECURSION: usize = 20_000;

/// Why wasmi 2.0.0 must not run `wasm`, if it must not: a tail call that enters a host
/// function corrupts its stacks and crashes the process (found by the differential
/// test, seed 1291; `tests/regressions.rs` keeps the smallest such module). So modules
/// that `return_call` an imported function, or make indirect tail calls while importing
/// functions, are left to our two engines, as are modules using exception handling,
/// which wasmi 2.0.0 does not implement.
pub fn wasmi_cannot_run(wasm: &[u8]) -> Option<&'static str> {
    use wasmparser::{Operator, Parser, Payload, TypeRef};
    const WHY: &str = "wasmi 2.0.0 crashes on tail calls into host functions";
    const NO_EXCEPTIONS: &str = "wasmi 2.0.0 does not implement exception handling";
    const RELAXED: &str = "relaxed SIMD: wasmi may choose another of the results the spec \
        allows (ours give the deterministic one)";
    // Anything of exception handling (tags, exnref types, the instructions) makes a
    // module invalid without it.
    let without = wamr_common::Features::all().without(wamr_common::Proposal::Exceptions);
    if wasmparser::Validator::new_with_features(without.wasm_features())
        .validate_all(wasm)
        .is_err()
    {
        return Some(NO_EXCEPTIONS);
    }
    let without = wamr_common::Features::all().without(wamr_common::Proposal::RelaxedSimd);
    if wasmparser::Validator::new_with_features(without.wasm_features())
        .validate_all(wasm)
        .is_err()
    {
        return Some(RELAXED);
    }
    let mut imported_funcs = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(imports)) => {
                for import in imports.into_imports().flatten() {
                    if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported_funcs += 1;
                    }
                }
            }
            Ok(Payload::CodeSectionEntry(body)) => {
                let Ok(mut ops) = body.get_operators_reader() else {
                    continue;
                };
                while !ops.eof() {
                    match ops.read() {
                        Ok(Operator::ReturnCall { function_index })
                            if function_index < imported_funcs =>
                        {
                            return Some(WHY)
                        }
                        Ok(
                            Operator::ReturnCallIndirect { .. } | Operator::ReturnCallRef { .. },
                        ) if imported_funcs > 0 => return Some(WHY),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Runs `plan` on `wasm` in wasmi, with the same imports and limits (a module it cannot
/// run safely, [`wasmi_cannot_run`], is a load failure saying why).
pub fn observe_wasmi(wasm: &[u8], plan: &Plan) -> Observation {
    let id = EngineId::Wasmi;
    if let Some(why) = wasmi_cannot_run(wasm) {
        return Observation::failed(id, load_fault(format!("not run in wasmi: {why}")));
    }
    let mut config = wasmi::Config::default();
    config.set_max_recursion_depth(WASMI_MAX_RECURSION);
    let engine = wasmi::Engine::new(&config);
    let module = match wasmi::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => return Observation::failed(id, load_fault(e.to_string())),
    };
    let limits = wasmi::StoreLimitsBuilder::new()
        .memory_size((MEMORY_CAP_PAGES << 16) as usize)
        .table_elements(wamr_common::table::MAX_TABLE_ELEMS as usize)
        .build();
    let mut store = wasmi::Store::new(
        &engine,
        WasmiHost {
            log: Vec::new(),
            limits,
        },
    );
    store.limiter(|h| &mut h.limits);
    let linker = host::wasmi_linker(&engine, &mut store);
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            let mut obs = Observation::failed(id, wasmi_fault(&e));
            obs.init_host_calls = std::mem::take(&mut store.data_mut().log);
            return obs;
        }
    };
    let mut obs = Observation::failed(id, load_fault(String::new()));
    obs.instantiation = Ok(());
    obs.init_host_calls = std::mem::take(&mut store.data_mut().log);
    for call in &plan.calls {
        let outcome = match instance.get_func(&store, &call.export) {
            None => Err(Fault {
                kind: FaultKind::Refused,
                message: format!("no exported function `{}`", call.export),
                exact: false,
            }),
            Some(f) => {
                let args: Vec<wasmi::Val> = call.args.iter().map(to_wasmi).collect();
                let mut results: Vec<wasmi::Val> = f
                    .ty(&store)
                    .results()
                    .iter()
                    .map(|t| wasmi::Val::default_for_ty(*t))
                    .collect();
                match f.call(&mut store, &args, &mut results) {
                    Ok(()) => Ok(results.iter().map(|v| from_wasmi(v, &store)).collect()),
                    Err(e) => Err(wasmi_fault(&e)),
                }
            }
        };
        obs.calls.push(CallRecord {
            export: call.export.clone(),
            outcome,
            host_calls: std::mem::take(&mut store.data_mut().log),
            fuel: None,
        });
    }
    for (name, kind) in exports(wasm) {
        match kind {
            ExternalKind::Memory => {
                if let Some(m) = instance.get_memory(&store, &name) {
                    obs.memories.push((name, m.data(&store).to_vec()));
                }
            }
            ExternalKind::Global => {
                if let Some(g) = instance.get_global(&store, &name) {
                    let v = g.get(&store);
                    obs.globals.push((name, from_wasmi(&v, &store)));
                }
            }
            ExternalKind::Table => {
                if let Some(t) = instance.get_table(&store, &name) {
                    let items = (0..t.size(&store))
                        .map(|i| match t.get(&store, i) {
                            Some(wasmi::Ref::Func(f)) => {
                                Value::FuncRef(f.val().map(|_| FuncId::Opaque))
                            }
                            Some(wasmi::Ref::Extern(r)) => {
                                from_wasmi(&wasmi::Val::ExternRef(r), &store)
                            }
                            None => Value::FuncRef(None),
                        })
                        .collect();
                    obs.tables.push((name, items));
                }
            }
            _ => {}
        }
    }
    obs
}
