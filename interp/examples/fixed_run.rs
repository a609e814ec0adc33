//! Runs an export of a module with a fixed amount of work, for instruction counting
//! (`valgrind --tool=callgrind`) and the dynamic op-pair profile:
//! `cargo run --release -p wamr-interp --example fixed_run -- coremark-minimal.wasm [STEP_MS]`.
//!
//! The module may import `env.clock_ms: () -> i64`; this clock is virtual and moves
//! `STEP_MS` (default 1000) per read, so CoreMark sizes its run the same way on every
//! machine and under any tool. The export `run` is called once and its result printed.

use std::cell::Cell;
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
    let module = Module::new(&std::fs::read(&path)?)?;
    let mut linker = Linker::new(Interp::new(InterpConfig::default()));
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
