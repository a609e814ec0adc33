//! Runs an export of a module with a fixed amount of work, for instruction counting
//! (`valgrind --tool=callgrind`) and the dynamic op-pair profile:
//! `cargo run --release -p wamr-interp --example fixed_run -- coremark-minimal.wasm [STEP_MS]`.
//!
//! The module may import `env.clock_ms: () -> i64`; this clock is virtual and moves
//! `STEP_MS` (default 1000) per read, so CoreMark sizes its run the same way on every
//! machine and under any tool. The export `run` is called once and its result printed.
//!
//! A WASI command (one importing `wasi_snapshot_preview1`, such as the shootout
//! programs) runs `_start` instead, with its directory preopened as `.`, its output
//! discarded and `bench.start`/`bench.end` as no-ops; its exit code is printed. With
//! `FIXED_RUN_REPEAT=N` it runs N times, each with a fresh linker, WASI context and
//! instance (as the benchmark report's programs section does), for profiling start-up.
//!
//! `FIXED_RUN_FIRST_CALL=N` (a module importing `env.clock_ms`) profiles start-up as the
//! report's "time to first instruction" measures it: N times, from the bytes to the first
//! `env.clock_ms` call (parse, validation, instantiation, lazy translation of what runs
//! before it), and prints the time per run.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;

use wamr_common::{FuncType, Instance, Linker, Module, Val, ValType};
use wamr_interp::{Interp, InterpConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: fixed_run FILE.wasm [STEP_MS] [EXPORT]")?;
    let step: i64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let export = args.next().unwrap_or_else(|| "run".into());
    let bytes = std::fs::read(&path)?;
    if let Ok(n) = std::env::var("FIXED_RUN_FIRST_CALL") {
        return first_calls(&bytes, &export, n.parse()?);
    }
    let module = Module::new(&bytes)?;
    let mut linker = Linker::new(Interp::new(InterpConfig::default()));
    if module
        .imports
        .iter()
        .any(|import| import.module == "wasi_snapshot_preview1")
    {
        let repeat: usize = match std::env::var("FIXED_RUN_REPEAT") {
            Ok(n) => n.parse()?,
            Err(_) => 1,
        };
        let start = std::time::Instant::now();
        for _ in 1..repeat {
            let linker = Linker::new(Interp::new(InterpConfig::default()));
            run_wasi_command(&module, linker, Path::new(&path), false)?;
        }
        run_wasi_command(&module, linker, Path::new(&path), true)?;
        if repeat > 1 {
            let per_run = start.elapsed().as_secs_f64() * 1e6 / repeat as f64;
            println!("{repeat} runs, {per_run:.1} us per run");
        }
        return Ok(());
    }
    let now = Rc::new(Cell::new(0i64));
    linker.func(
        "env",
        "clock_ms",
        FuncType::new([], [ValType::I64]),
        move |_caller, _args, results| {
            now.set(now.get() + step);
            results[0] = Val::I64(now.get());
            Ok(())
        },
    );
    let instance = Instance::new(&module, &linker)?;
    let results = instance.invoke(&export, &[])?;
    println!("{export} returned {results:?}");
    wamr_interp::profile::report_if_enabled();
    Ok(())
}

fn run_wasi_command(
    module: &Module,
    mut linker: Linker,
    path: &Path,
    last: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use wamr_wasi::{Output, WasiConfig, WasiCtx};
    let mut config = WasiConfig::new();
    config.arg(path.file_name().unwrap_or_default().to_string_lossy());
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    config.preopen_dir(dir.unwrap_or(Path::new(".")), ".");
    config.stdout = Output::capture().0;
    config.stderr = Output::capture().0;
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&config)?));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    for name in ["start", "end"] {
        linker.func("bench", name, FuncType::new([], []), |_, _, _| Ok(()));
    }
    let instance = Instance::new(module, &linker)?;
    let code = match instance.invoke("_start", &[]) {
        Ok(_) => 0,
        Err(trap) => trap.exit_code().ok_or(trap)?,
    };
    if last {
        println!("_start exited with {code}");
        wamr_interp::profile::report_if_enabled();
    }
    Ok(())
}

/// Runs `export` of `bytes` `runs` times from scratch until its first `env.clock_ms`
/// call, which stops it; prints the mean time per run.
fn first_calls(bytes: &[u8], export: &str, runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    let start = std::time::Instant::now();
    for _ in 0..runs {
        let module = Module::new(bytes)?;
        let mut linker = Linker::new(Interp::new(InterpConfig::default()));
        let called = Rc::new(Cell::new(false));
        let seen = called.clone();
        linker.func(
            "env",
            "clock_ms",
            FuncType::new([], [ValType::I64]),
            move |_caller, _args, _results| {
                seen.set(true);
                Err(wamr_common::Trap::host("stop"))
            },
        );
        let instance = Instance::new(&module, &linker)?;
        let _ = instance.invoke(export, &[]);
        if !called.get() {
            return Err(format!("{export} never called env.clock_ms").into());
        }
    }
    let per_run = start.elapsed().as_secs_f64() * 1e3 / runs.max(1) as f64;
    println!("{runs} runs to the first host call, {per_run:.3} ms per run");
    Ok(())
}
