//! Shared pieces of the benchmarks: where the shared wasm files live, the clock behind
//! `env.clock_ms`, and [`Runner`], one face over our engines and the in-process peers
//! (wasmi 2.0, Silverfir-nano's interpreter and JIT, wasmtime with `peers`) so every
//! workload runs the same way on every engine, in the same process and the same run.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Once, OnceLock};
use std::time::Instant;

use anyhow::{anyhow, bail, ensure, Context, Result};
use wamr_interp::{HandlerSet, Interp, InterpConfig};

/// Overrides where `shared/` is looked for.
pub const SHARED_DIR_ENV: &str = "WAMR_SHARED_DIR";

/// The project's shared data directory: `$WAMR_SHARED_DIR`, else `shared/` beside the
/// workspace root.
/// Loads an `.aot` image the benchmarks compiled themselves.
pub fn load_own_image(path: &Path) -> Result<wamr_common::Module, wamr_aot::AotLoadError> {
    // SAFETY: every image the benchmarks load was compiled by them, from the shared
    // benchmark modules, into this machine's temporary or target directory.
    wamr_aot::load(path, &unsafe { wamr_aot::Trust::any_image() })
}

pub fn shared_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(SHARED_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        // The path is fixed at compile time; the variable covers binaries run elsewhere.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    if !dir.join("wasm").is_dir() {
        bail!(
            "the shared data directory was not found at {}: the benchmarks read \
             `shared/wasm/` beside the workspace root (`../shared` from the root), which \
             every project machine and CI checkout has. Put a copy of the project's \
             `shared/` there, or set {SHARED_DIR_ENV}=/path/to/shared",
            dir.display()
        );
    }
    Ok(dir)
}

/// A binary's exit status for the result of its `run`: an error is printed on stderr
/// with its causes, and the status is then a failure.
pub fn exit_code(result: Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Reads `shared/wasm/<name>`.
pub fn shared_wasm(name: &str) -> Result<Vec<u8>> {
    let path = shared_dir()?.join("wasm").join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// CoreMark with a single import, `env.clock_ms`, exporting `run: () -> f32`.
pub fn coremark_minimal() -> Result<Vec<u8>> {
    shared_wasm("coremark-minimal.wasm")
}

static VIRTUAL_STEP_MS: AtomicI64 = AtomicI64::new(0);
static VIRTUAL_NOW_MS: AtomicI64 = AtomicI64::new(0);

/// Makes [`clock_ms`] virtual for the rest of the process: each read advances it by
/// `step_ms` (> 0), so the guest does a fixed amount of work whatever the engine's speed
/// (for exact instruction counts, e.g. under callgrind).
pub fn use_virtual_clock(step_ms: i64) {
    assert!(step_ms > 0, "the virtual clock must move");
    VIRTUAL_STEP_MS.store(step_ms, Ordering::Relaxed);
}

/// Milliseconds on a monotonic clock. CoreMark only takes differences, so the epoch
/// (first call) does not matter, and a monotonic clock cannot jump mid-run.
/// Under [`use_virtual_clock`], a virtual clock instead: it moves a fixed step per read,
/// so CoreMark sizes its run the same way on every engine and under any tool.
pub fn clock_ms() -> i64 {
    let step = VIRTUAL_STEP_MS.load(Ordering::Relaxed);
    if step > 0 {
        return VIRTUAL_NOW_MS.fetch_add(step, Ordering::Relaxed) + step;
    }
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as i64
}

/// A wasm number crossing the host boundary, independent of either engine's value type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

/// A resolved export: call it with arguments, get its results.
pub type ExportFn<'a> = Box<dyn FnMut(&[Value]) -> Result<Vec<Value>> + 'a>;

/// One instantiated module on one engine.
pub trait Runner {
    /// The engine's short name (the criterion id).
    fn engine(&self) -> &'static str;

    /// Resolves export `name` once, so timed loops pay no by-name lookup per call.
    fn export(&mut self, name: &str) -> Result<ExportFn<'_>>;

    /// Calls export `name` once.
    fn call(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>> {
        self.export(name)?(args)
    }
}

/// The engines every benchmark compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineId {
    /// Our interpreter with [`ours_config`].
    Ours,
    /// Our AOT compiler with default options (direct calls, guard pages).
    OursAot,
    /// wasmi 2.0 with its default config and eager compilation.
    Wasmi,
    /// Silverfir-nano 0.6 (`sf-nano-core`), its interpreter tier, default config.
    SfNano,
    /// Silverfir-nano 0.6, its JIT tier, default config (guard pages on).
    SfNanoJit,
    /// wasmtime 48 (Cranelift) with its default config; only with the `peers` feature.
    #[cfg(feature = "peers")]
    Wasmtime,
}

impl EngineId {
    /// Ours first: criterion reports them in this order.
    #[cfg(not(feature = "peers"))]
    pub const ALL: &[EngineId] = &[
        EngineId::Ours,
        EngineId::OursAot,
        EngineId::Wasmi,
        EngineId::SfNano,
        EngineId::SfNanoJit,
    ];
    #[cfg(feature = "peers")]
    pub const ALL: &[EngineId] = &[
        EngineId::Ours,
        EngineId::OursAot,
        EngineId::Wasmi,
        EngineId::SfNano,
        EngineId::SfNanoJit,
        EngineId::Wasmtime,
    ];

    pub fn id(self) -> &'static str {
        match self {
            EngineId::Ours => "ours-interp",
            EngineId::OursAot => "ours-aot",
            EngineId::Wasmi => "wasmi",
            EngineId::SfNano => "sf-nano-interp",
            EngineId::SfNanoJit => "sf-nano-jit",
            #[cfg(feature = "peers")]
            EngineId::Wasmtime => "wasmtime",
        }
    }

    /// Whether this is one of our engines (not a peer).
    pub fn is_ours(self) -> bool {
        matches!(self, EngineId::Ours | EngineId::OursAot)
    }

    /// Instantiates `wasm` (with `env.clock_ms` available) on this engine.
    pub fn instantiate(self, wasm: &[u8]) -> Result<Box<dyn Runner>> {
        Ok(match self {
            EngineId::Ours => Box::new(OursRunner::new(wasm)?),
            EngineId::OursAot => Box::new(OursRunner::aot(wasm, Default::default())?),
            EngineId::Wasmi => Box::new(WasmiRunner::new(wasm)?),
            EngineId::SfNano => Box::new(SfNanoRunner::new(wasm, sf_nano_core::Tier::Interp)?),
            EngineId::SfNanoJit => Box::new(SfNanoRunner::new(wasm, sf_nano_core::Tier::Jit)?),
            #[cfg(feature = "peers")]
            EngineId::Wasmtime => Box::new(WasmtimeRunner::new(wasm)?),
        })
    }
}

/// The engines the benchmark binaries run: all of them in optimised builds (wasmtime with
/// the `peers` feature), ours alone in debug builds (`cargo test --benches` / `--all-targets`). wasmi's threaded dispatch
/// relies on sibling calls that the dev profile's many codegen units do not provide, so
/// there any real workload overflows the native stack; a peer's figures from a debug
/// build would mean nothing anyway.
pub fn bench_engines() -> &'static [EngineId] {
    if cfg!(debug_assertions) {
        let ours = EngineId::ALL.iter().take_while(|e| e.is_ours()).count();
        &EngineId::ALL[..ours]
    } else {
        EngineId::ALL
    }
}

/// Says on stderr which engines [`bench_engines`] leaves out, if any.
pub fn note_skipped_engines() {
    if bench_engines().len() < EngineId::ALL.len() {
        eprintln!("note: debug build: the peers (wasmi, sf-nano, wasmtime) are skipped; they need the optimised bench profile");
    }
}

/// The Silverfir-nano release the benches pin (`=0.6.0` in the workspace Cargo.toml).
pub const SFNANO_VERSION: &str = "0.6.0";

/// Silverfir-nano's JIT (with guard pages) installs its SIGSEGV/SIGBUS handler on its
/// first call, without keeping the previous one: from then on a fault outside its code
/// aborts the process, including our AOT engine's guard-page traps (and wasmtime's).
/// Our handler, installed later, chains to whatever was there before. So this makes the
/// JIT install its handler first (one empty call, once per process); call it before our
/// AOT engine or wasmtime runs anything. Harmless if the JIT cannot run here.
pub fn install_sfnano_signal_handler_first() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let run = || -> Result<()> {
            let wasm = wat::parse_str(r#"(module (func (export "f")))"#)?;
            SfNanoRunner::new(&wasm, sf_nano_core::Tier::Jit)?.call("f", &[])?;
            Ok(())
        };
        if let Err(e) = run() {
            eprintln!("note: sf-nano-jit did not run ({e:#}); its signal handler is not installed");
        }
    });
}

impl fmt::Display for EngineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// Our interpreter's benchmark configuration: eager translation, to match wasmi's eager
/// compilation, so neither engine translates inside a timed call. Dispatch and handler
/// set stay `Default`, which honours `WAMR_DISPATCH` and `WAMR_HANDLERS`.
pub fn ours_config() -> InterpConfig {
    InterpConfig {
        eager: true,
        ..InterpConfig::default()
    }
}

/// The handler sets this CPU can run, generic first.
pub fn supported_handler_sets() -> Vec<HandlerSet> {
    std::iter::once(HandlerSet::Generic)
        .chain(wamr_interp::avx2_supported().then_some(HandlerSet::Avx2))
        .collect()
}

/// Runs CoreMark's `run` once and returns its score (iterations per second).
pub fn coremark_score(runner: &mut dyn Runner) -> Result<f32> {
    match runner.call("run", &[])?.as_slice() {
        [Value::F32(score)] if score.is_finite() && *score > 0.0 => Ok(*score),
        other => bail!(
            "{}: `run` returned {other:?}, expected one positive f32",
            runner.engine()
        ),
    }
}

/// Checks that `export(args)` returns `expected` (run before timing, so a fast wrong
/// answer never becomes a benchmark figure).
pub fn check_call(
    runner: &mut dyn Runner,
    export: &str,
    args: &[Value],
    expected: &[Value],
) -> Result<()> {
    let got = runner.call(export, args)?;
    ensure!(
        got == expected,
        "{}: {export}({args:?}) returned {got:?}, expected {expected:?}",
        runner.engine()
    );
    Ok(())
}

/// Our interpreter through the `wamr-common` embedding API.
pub struct OursRunner {
    instance: wamr_common::Instance,
    id: &'static str,
}

impl OursRunner {
    /// Instantiates with [`ours_config`].
    pub fn new(wasm: &[u8]) -> Result<Self> {
        Self::with_config(wasm, ours_config())
    }

    pub fn with_config(wasm: &[u8], config: InterpConfig) -> Result<Self> {
        let module = wamr_common::Module::new(wasm).context("ours: loading the module")?;
        Self::instantiate(&module, Interp::new(config), EngineId::Ours)
    }

    /// Compiles `wasm` to an image file (in the system temp directory), maps it and
    /// instantiates it on the AOT engine.
    pub fn aot(wasm: &[u8], codegen: wamr_aot::abi::CodegenOptions) -> Result<Self> {
        install_sfnano_signal_handler_first();
        let opts = wamr_aot::CompileOptions {
            codegen,
            ..Default::default()
        };
        let image = wamr_aot::compile(wasm, &opts).context("ours-aot: compiling")?;
        let path = std::env::temp_dir().join(format!(
            "wamr-bench-{}-{:x}.aot",
            std::process::id(),
            wamr_aot::image::hash64(&image)
        ));
        wamr_aot::write_image(&path, &image).context("ours-aot: writing the image")?;
        let module = load_own_image(&path).context("ours-aot: loading the image")?;
        // The mapping keeps the file's pages; the name is no longer needed.
        let _ = std::fs::remove_file(&path);
        Self::instantiate(&module, wamr_aot::Aot::new(), EngineId::OursAot)
    }

    fn instantiate(
        module: &wamr_common::Module,
        engine: std::rc::Rc<dyn wamr_common::Engine>,
        id: EngineId,
    ) -> Result<Self> {
        use wamr_common::{FuncType, Instance, Linker, Val, ValType};

        let mut linker = Linker::new(engine);
        linker.func(
            "env",
            "clock_ms",
            FuncType::new([], [ValType::I64]),
            |_caller, _args, results| {
                results[0] = Val::I64(clock_ms());
                Ok(())
            },
        );
        // The instance keeps the store (and so the host function) alive.
        let instance = Instance::new(module, &linker).context("ours: instantiating")?;
        Ok(OursRunner {
            instance,
            id: id.id(),
        })
    }
}

impl Runner for OursRunner {
    fn engine(&self) -> &'static str {
        self.id
    }

    fn export(&mut self, name: &str) -> Result<ExportFn<'_>> {
        use wamr_common::Val;

        let func = self
            .instance
            .get_func(name)
            .ok_or_else(|| anyhow!("ours: no exported function `{name}`"))?;
        let mut params = Vec::new();
        Ok(Box::new(move |args| {
            params.clear();
            params.extend(args.iter().map(|v| match *v {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v.to_bits()),
                Value::F64(v) => Val::F64(v.to_bits()),
            }));
            let results = func.call(&params).context("ours: trap")?;
            results
                .iter()
                .map(|v| match *v {
                    Val::I32(v) => Ok(Value::I32(v)),
                    Val::I64(v) => Ok(Value::I64(v)),
                    Val::F32(bits) => Ok(Value::F32(f32::from_bits(bits))),
                    Val::F64(bits) => Ok(Value::F64(f64::from_bits(bits))),
                    ref other => bail!("ours: unsupported result {other}"),
                })
                .collect()
        }))
    }
}

/// wasmi 2.0 with its default config except eager compilation (its default translates
/// lazily, on first call, which would land translation inside the first timed call).
pub struct WasmiRunner {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

impl WasmiRunner {
    pub fn new(wasm: &[u8]) -> Result<Self> {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).context("wasmi: loading the module")?;
        let mut store = wasmi::Store::new(&engine, ());
        let mut linker = wasmi::Linker::<()>::new(&engine);
        linker.func_wrap("env", "clock_ms", clock_ms)?;
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .context("wasmi: instantiating")?;
        Ok(WasmiRunner { store, instance })
    }
}

impl Runner for WasmiRunner {
    fn engine(&self) -> &'static str {
        EngineId::Wasmi.id()
    }

    fn export(&mut self, name: &str) -> Result<ExportFn<'_>> {
        use wasmi::Val;

        let func = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| anyhow!("wasmi: no exported function `{name}`"))?;
        let mut outputs: Vec<Val> = func
            .ty(&self.store)
            .results()
            .iter()
            .map(|&ty| Val::default_for_ty(ty))
            .collect();
        let mut inputs = Vec::new();
        let store = &mut self.store;
        Ok(Box::new(move |args| {
            inputs.clear();
            inputs.extend(args.iter().map(|v| match *v {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v.into()),
                Value::F64(v) => Val::F64(v.into()),
            }));
            func.call(&mut *store, &inputs, &mut outputs)
                .context("wasmi: trap")?;
            outputs
                .iter()
                .map(|v| match v {
                    Val::I32(v) => Ok(Value::I32(*v)),
                    Val::I64(v) => Ok(Value::I64(*v)),
                    Val::F32(v) => Ok(Value::F32(v.to_float())),
                    Val::F64(v) => Ok(Value::F64(v.to_float())),
                    other => bail!("wasmi: unsupported result {other:?}"),
                })
                .collect()
        }))
    }
}

/// `sf-nano-core`'s engine configuration for `tier`: its defaults (2 MiB wasm stack;
/// the interpreter also caps calls at 4096 frames; parallel JIT compilation), so the
/// figures are what an embedder gets out of the box.
pub fn sfnano_engine(tier: sf_nano_core::Tier) -> Result<sf_nano_core::Engine> {
    sf_nano_core::Engine::new(sf_nano_core::Config::new().tier(tier))
        .map_err(|e| anyhow!("{}: {e}", sfnano_id(tier)))
}

/// The engine id of a Silverfir-nano tier.
pub fn sfnano_id(tier: sf_nano_core::Tier) -> &'static str {
    match tier {
        sf_nano_core::Tier::Interp => EngineId::SfNano.id(),
        sf_nano_core::Tier::Jit => EngineId::SfNanoJit.id(),
    }
}

/// `env.clock_ms` for Silverfir-nano, with its signature checked at link time.
pub fn sfnano_clock_import(
    f: impl Fn() -> std::result::Result<i64, sf_nano_core::WasmError> + 'static,
) -> sf_nano_core::Import {
    use sf_nano_core::value_type::ValueType;
    sf_nano_core::Import::func_typed(
        "env",
        "clock_ms",
        move |_caller, _args, results| {
            results[0] = sf_nano_core::Value::I64(f()?);
            Ok(())
        },
        sf_nano_core::FunctionType::new(vec![], vec![ValueType::I64]),
    )
}

/// Silverfir-nano (`sf-nano-core` 0.6) on one tier: both compile eagerly at
/// instantiation (the interpreter predecodes every function, the JIT compiles them).
pub struct SfNanoRunner {
    instance: sf_nano_core::Instance,
    id: &'static str,
}

impl SfNanoRunner {
    pub fn new(wasm: &[u8], tier: sf_nano_core::Tier) -> Result<Self> {
        let id = sfnano_id(tier);
        let engine = sfnano_engine(tier)?;
        // A module that does not import `env.clock_ms` ignores it.
        let imports = [sfnano_clock_import(|| Ok(clock_ms()))];
        let instance = sf_nano_core::Instance::new(&engine, wasm, &imports)
            .map_err(|e| anyhow!("{id}: instantiating: {e}"))?;
        Ok(SfNanoRunner { instance, id })
    }
}

impl Runner for SfNanoRunner {
    fn engine(&self) -> &'static str {
        self.id
    }

    fn export(&mut self, name: &str) -> Result<ExportFn<'_>> {
        use sf_nano_core::Value as V;

        let id = self.id;
        let func = self
            .instance
            .get_func(name)
            .ok_or_else(|| anyhow!("{id}: no exported function `{name}`"))?;
        let mut results = vec![V::Unknown; func.arity().1];
        let mut params = Vec::new();
        let instance = &mut self.instance;
        Ok(Box::new(move |args| {
            params.clear();
            params.extend(args.iter().map(|v| match *v {
                Value::I32(v) => V::I32(v),
                Value::I64(v) => V::I64(v),
                Value::F32(v) => V::F32(v),
                Value::F64(v) => V::F64(v),
            }));
            instance
                .call(&func, &params, &mut results)
                .map_err(|e| anyhow!("{id}: {e}"))?;
            results
                .iter()
                .map(|v| match *v {
                    V::I32(v) => Ok(Value::I32(v)),
                    V::I64(v) => Ok(Value::I64(v)),
                    V::F32(v) => Ok(Value::F32(v)),
                    V::F64(v) => Ok(Value::F64(v)),
                    ref other => bail!("{id}: unsupported result {other:?}"),
                })
                .collect()
        }))
    }
}

/// wasmtime (Cranelift) with its default configuration; behind the `peers` feature.
#[cfg(feature = "peers")]
pub struct WasmtimeRunner {
    store: wasmtime::Store<()>,
    instance: wasmtime::Instance,
}

#[cfg(feature = "peers")]
impl WasmtimeRunner {
    pub fn new(wasm: &[u8]) -> Result<Self> {
        install_sfnano_signal_handler_first();
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("wasmtime: {e}"))?;
        let mut store = wasmtime::Store::new(&engine, ());
        let mut linker = wasmtime::Linker::<()>::new(&engine);
        linker
            .func_wrap("env", "clock_ms", clock_ms)
            .map_err(|e| anyhow!("wasmtime: {e}"))?;
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| anyhow!("wasmtime: {e}"))?;
        Ok(WasmtimeRunner { store, instance })
    }
}

#[cfg(feature = "peers")]
impl Runner for WasmtimeRunner {
    fn engine(&self) -> &'static str {
        "wasmtime"
    }

    fn export(&mut self, name: &str) -> Result<ExportFn<'_>> {
        use wasmtime::Val;

        let func = self
            .instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| anyhow!("wasmtime: no exported function `{name}`"))?;
        let n = func.ty(&self.store).results().len();
        let mut outputs = vec![Val::I32(0); n];
        let mut inputs = Vec::new();
        let store = &mut self.store;
        Ok(Box::new(move |args| {
            inputs.clear();
            inputs.extend(args.iter().map(|v| match *v {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v.to_bits()),
                Value::F64(v) => Val::F64(v.to_bits()),
            }));
            func.call(&mut *store, &inputs, &mut outputs)
                .map_err(|e| anyhow!("wasmtime: {e}"))?;
            outputs
                .iter()
                .map(|v| match *v {
                    Val::I32(v) => Ok(Value::I32(v)),
                    Val::I64(v) => Ok(Value::I64(v)),
                    Val::F32(bits) => Ok(Value::F32(f32::from_bits(bits))),
                    Val::F64(bits) => Ok(Value::F64(f64::from_bits(bits))),
                    _ => bail!("wasmtime: unsupported result"),
                })
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small on purpose: wasmi's threaded dispatch needs the release profile's single
    /// codegen unit, and in a debug build every executed instruction costs a native frame.
    const WAT: &str = r#"
    (module
      (import "env" "clock_ms" (func $clock (result i64)))
      (func $fib (export "fib") (param $n i32) (result i32)
        (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
          (then (local.get $n))
          (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                         (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
      (func (export "half") (param f32) (result f32)
        (f32.mul (local.get 0) (f32.const 0.5)))
      (func (export "widen") (param i64 f64) (result f64)
        (f64.add (f64.convert_i64_s (local.get 0)) (local.get 1)))
      (func (export "clock") (result i64) (call $clock)))
    "#;

    #[test]
    fn all_engines_agree_through_runner() {
        let wasm = wat::parse_str(WAT).unwrap();
        for engine in EngineId::ALL {
            let mut r = engine.instantiate(&wasm).unwrap();
            assert_eq!(r.engine(), engine.id());
            check_call(r.as_mut(), "fib", &[Value::I32(10)], &[Value::I32(55)]).unwrap();
            check_call(r.as_mut(), "half", &[Value::F32(3.0)], &[Value::F32(1.5)]).unwrap();
            let args = [Value::I64(-2), Value::F64(0.25)];
            check_call(r.as_mut(), "widen", &args, &[Value::F64(-1.75)]).unwrap();
            // A resolved export can be called repeatedly.
            let mut fib = r.export("fib").unwrap();
            for _ in 0..3 {
                assert_eq!(fib(&[Value::I32(7)]).unwrap(), [Value::I32(13)]);
            }
            drop(fib);
            assert!(matches!(r.call("clock", &[]).unwrap()[..], [Value::I64(ms)] if ms >= 0));
            assert!(r.export("missing").is_err());
        }
    }

    /// Our AOT engine's guard-page trap still comes back as an error after sf-nano's JIT
    /// first runs (its signal handler, installed then, does not chain to ours), and the
    /// JIT's own trap still works through ours.
    #[test]
    fn aot_traps_survive_sf_nano_jit() {
        let wasm = wat::parse_str(
            r#"(module (memory 1)
                 (func (export "oob") (result i32) (i32.load (i32.const -4))))"#,
        )
        .unwrap();
        let mut aot = OursRunner::aot(&wasm, Default::default()).unwrap();
        assert!(aot.call("oob", &[]).is_err());
        let mut jit = SfNanoRunner::new(&wasm, sf_nano_core::Tier::Jit).unwrap();
        assert!(jit.call("oob", &[]).is_err());
        assert!(aot.call("oob", &[]).is_err());
    }

    #[test]
    fn generic_handlers_always_supported() {
        assert_eq!(supported_handler_sets()[0], HandlerSet::Generic);
    }
}
