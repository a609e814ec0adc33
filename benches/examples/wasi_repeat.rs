//! Runs one WASI program in process N times (fresh linker, WASI context and instance each
//! time, as the report's program rows do), for profiling what a short program's run costs
//! beyond its code: `valgrind --tool=callgrind target/release/examples/wasi_repeat
//! ../shared/wasm/shootout/shootout-nestedloop.wasm 1000`.

use std::cell::RefCell;
use std::rc::Rc;

use anyhow::{Context, Result};
use wamr_common::{FuncType, Instance, Linker, Module};
use wamr_interp::{Interp, InterpConfig};
use wamr_wasi::{Output, WasiConfig, WasiCtx};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().context("usage: wasi_repeat FILE.wasm [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    let wasm = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
    let module = Module::new(&wasm)?;
    let dir = std::path::Path::new(&path)
        .parent()
        .context("the program's directory")?;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        let mut linker = Linker::new(Interp::new(InterpConfig::default()));
        let (stdout, _out) = Output::capture();
        let mut config = WasiConfig::new();
        config.arg("program");
        config.preopen_dir(dir, ".");
        config.stdout = stdout;
        let ctx = Rc::new(RefCell::new(WasiCtx::new(&config)?));
        wamr_wasi::add_to_linker(&mut linker, ctx);
        for name in ["start", "end"] {
            linker.func("bench", name, FuncType::new([], []), |_, _, _| Ok(()));
        }
        let instance = Instance::new(&module, &linker)?;
        if let Err(trap) = instance.invoke("_start", &[]) {
            anyhow::ensure!(trap.exit_code() == Some(0), "trap: {trap}");
        }
    }
    let per_run = started.elapsed().as_secs_f64() * 1e6 / runs as f64;
    println!("{runs} runs, {per_run:.1} us per run");
    Ok(())
}
