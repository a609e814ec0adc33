//! `spec-tests`: runs a set of the WebAssembly spec suite (`wasm-v2` unless `--set` says
//! otherwise) against an engine, one line per file and a closing `N passed, N failed, N
//! skipped`; exits non-zero when anything failed.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, ValueEnum};
use spec_tests::{run_suite, EngineSpec, Options, TestSet, DEFAULT_NATIVE_STACK_KIB};
use wamr_aot::abi::CodegenOptions;
use wamr_interp::{Dispatch, HandlerSet, InterpConfig};

/// Runs a set of the WebAssembly spec test suite.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The scripts to run: wasm-v2, wasm-v3, or a proposal's set: extended-const,
    /// tail-call, function-references, memory64, multi-memory, exceptions, legacy-exceptions,
    /// simd, relaxed-simd.
    #[arg(long, default_value = "wasm-v2", value_parser = TestSet::parse)]
    set: TestSet,
    /// The engine under test.
    #[arg(long, value_enum, default_value_t = EngineName::Interp)]
    engine: EngineName,
    /// Interpreter dispatch: auto, threaded or loop [default: $WAMR_DISPATCH, else auto].
    #[arg(long)]
    dispatch: Option<Dispatch>,
    /// Interpreter handler set: auto, generic, portable or avx2 [default: $WAMR_HANDLERS, else auto].
    #[arg(long)]
    handlers: Option<HandlerSet>,
    /// Translate every function at instantiation instead of on first call.
    #[arg(long)]
    eager: bool,
    /// AOT: explicit bounds checks on memory accesses (otherwise guard pages).
    #[arg(long)]
    bounds_checks: bool,
    /// AOT: calls between functions go through the function-pointer table.
    #[arg(long)]
    indirect: bool,
    /// AOT: XIP mode (indirect calls and runtime intrinsics); `--intrinsics` picks the set.
    #[arg(long)]
    xip: bool,
    /// AOT with --xip: the intrinsic set (wamr-compile's --enable-builtin-intrinsics).
    #[arg(long, default_value = "all")]
    intrinsics: String,
    /// AOT: the code generator, cranelift or llvm (a build with the `llvm` feature).
    #[arg(long, default_value = "cranelift", value_parser = ["cranelift", "llvm"])]
    backend: String,
    /// Native stack of the thread that runs the scripts, in KiB.
    #[arg(long, default_value_t = DEFAULT_NATIVE_STACK_KIB)]
    native_stack_kib: usize,
    /// List every failure and skip, not only the first few per file.
    #[arg(short, long)]
    verbose: bool,
    /// Run only the files whose name contains one of these (`call`, `i32.wast`).
    filters: Vec<String>,
    /// Leave out the files whose name contains this (repeatable), e.g. `--exclude simd_`.
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
}

/// `--engine` values. A new engine is a variant here mapped to its [`EngineSpec`] in
/// [`Cli::engine_spec`].
#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineName {
    Interp,
    Aot,
}

impl Cli {
    fn engine_spec(&self) -> EngineSpec {
        match self.engine {
            EngineName::Interp => {
                let defaults = InterpConfig::default();
                EngineSpec::Interp(InterpConfig {
                    dispatch: self.dispatch.unwrap_or(defaults.dispatch),
                    handlers: self.handlers.unwrap_or(defaults.handlers),
                    eager: self.eager,
                    ..defaults
                })
            }
            EngineName::Aot => EngineSpec::Aot(CodegenOptions {
                bounds_checks: self.bounds_checks,
                indirect_calls: self.indirect || self.xip,
                intrinsics: if self.xip {
                    wamr_aot::intrinsics::IntrinsicSet::parse(&self.intrinsics)
                        .unwrap_or_else(|e| panic!("--intrinsics: {e}"))
                } else {
                    Default::default()
                },
                backend: if self.backend == "llvm" {
                    wamr_aot::abi::Backend::Llvm
                } else {
                    wamr_aot::abi::Backend::Cranelift
                },
                opt_level: if self.backend == "llvm" { 2 } else { 1 },
                ..CodegenOptions::default()
            }),
        }
    }
}

fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    let opts = Options {
        engine: cli.engine_spec(),
        set: cli.set,
        filters: cli.filters,
        exclude: cli.exclude,
        native_stack_kib: cli.native_stack_kib,
        verbose: cli.verbose,
    };
    let summary = run_suite(&opts)?;
    println!("{summary}");
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
