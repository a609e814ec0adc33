//! `cargo run --release -p benches --bin fixed_work -- ENGINE [STEP_MS]`
//!
//! Runs `shared/wasm/coremark-minimal.wasm` once on one engine under a virtual clock
//! (`STEP_MS` per read, default 1000), so every engine does exactly the same CoreMark
//! work: run it under `valgrind --tool=callgrind` to compare the machine instructions
//! each engine spends on it, free of timing noise. ENGINE is one of `wasmi`,
//! `sf-nano-interp`, `ours-interp` (this CPU's default handler set) or
//! `ours-interp-generic`. The score printed is meaningless (the clock is virtual).

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use benches::{
    coremark_minimal, ours_config, use_virtual_clock, OursRunner, Runner, SfNanoRunner, WasmiRunner,
};
use wamr_interp::HandlerSet;

const USAGE: &str =
    "usage: fixed_work wasmi|sf-nano-interp|ours-interp|ours-interp-generic [STEP_MS]";

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let engine = args.next().context(USAGE)?;
    let step: i64 = match args.next() {
        Some(s) => s
            .parse()
            .ok()
            .filter(|&s: &i64| s > 0)
            .with_context(|| format!("STEP_MS must be a positive integer, not `{s}`"))?,
        None => 1000,
    };
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\n{USAGE}");
    }
    let wasm = coremark_minimal()?;
    use_virtual_clock(step);
    let mut runner: Box<dyn Runner> = match engine.as_str() {
        "wasmi" => Box::new(WasmiRunner::new(&wasm)?),
        "sf-nano-interp" => Box::new(SfNanoRunner::new(&wasm, sf_nano_core::Tier::Interp)?),
        "ours-interp" => Box::new(OursRunner::with_config(&wasm, ours_config())?),
        "ours-interp-generic" => {
            let mut config = ours_config();
            config.handlers = HandlerSet::Generic;
            Box::new(OursRunner::with_config(&wasm, config)?)
        }
        other => bail!("unknown engine `{other}`\n{USAGE}"),
    };
    let results = runner.call("run", &[])?;
    println!("{engine}: run returned {results:?} (virtual clock, {step} ms per read)");
    Ok(())
}

fn main() -> ExitCode {
    benches::exit_code(run())
}
