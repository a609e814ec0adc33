//! `cargo run --release -p benches --bin coremark [-- --dispatch auto|loop|threaded]`
//!
//! Runs `shared/wasm/coremark-minimal.wasm` once on wasmi 2.0, on Silverfir-nano's
//! interpreter and JIT, on our interpreter with each handler set this CPU supports and on
//! our AOT engine, then prints a Markdown table of the scores and each one's ratios to
//! wasmi and to Silverfir-nano's interpreter, all measured in this one process.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use benches::{
    coremark_minimal, coremark_score, ours_config, supported_handler_sets, OursRunner, Runner,
    SfNanoRunner, WasmiRunner, SFNANO_VERSION,
};
use sf_nano_core::Tier;
use wamr_interp::Dispatch;

const USAGE: &str = "usage: coremark [--dispatch auto|loop|threaded]";

/// `--dispatch X` or `--dispatch=X`; `None` keeps the default (which honours
/// `WAMR_DISPATCH`).
fn parse_args() -> Result<Option<Dispatch>> {
    let mut dispatch = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--dispatch" => args.next().context("--dispatch needs a value")?,
            _ => match arg.strip_prefix("--dispatch=") {
                Some(v) => v.to_string(),
                None => bail!("unexpected argument `{arg}`\n{USAGE}"),
            },
        };
        dispatch = Some(value.parse::<Dispatch>().map_err(anyhow::Error::msg)?);
    }
    Ok(dispatch)
}

/// Scores one engine, telling stderr what runs: each run takes seconds.
fn score(label: &str, mut runner: impl Runner) -> Result<f32> {
    eprintln!("running {label} ...");
    coremark_score(&mut runner).with_context(|| format!("CoreMark on {label}"))
}

fn run() -> Result<()> {
    let dispatch = parse_args()?;
    let wasm = coremark_minimal()?;

    // The interpreter peers first: they are the baselines the ratios divide by. wasmi
    // must run; a Silverfir-nano failure is a row with its reason.
    let wasmi_label = "wasmi 2.0 (eager)".to_string();
    let wasmi = score(&wasmi_label, WasmiRunner::new(&wasm)?)?;
    let mut rows = vec![(wasmi_label, wasmi)];
    let mut sfnano = None;
    let mut failed = Vec::new();
    for (tier, name) in [(Tier::Interp, "interpreter"), (Tier::Jit, "JIT")] {
        let label = format!("sf-nano {SFNANO_VERSION} ({name})");
        match SfNanoRunner::new(&wasm, tier).and_then(|r| score(&label, r)) {
            Ok(s) => {
                if tier == Tier::Interp {
                    sfnano = Some(s);
                }
                rows.push((label, s));
            }
            Err(e) => failed.push((label, format!("{e:#}"))),
        }
    }

    for handlers in supported_handler_sets() {
        let mut config = ours_config();
        config.handlers = handlers;
        if let Some(d) = dispatch {
            config.dispatch = d;
        }
        let label = format!(
            "ours-interp ({} handlers, {} dispatch)",
            format!("{handlers:?}").to_lowercase(),
            format!("{:?}", config.dispatch).to_lowercase()
        );
        let ours = score(&label, OursRunner::with_config(&wasm, config)?)?;
        rows.push((label, ours));
    }

    for (label, codegen) in [
        (
            "ours-aot (direct calls, guard pages)",
            wamr_aot::abi::CodegenOptions::default(),
        ),
        (
            "ours-aot (indirect calls)",
            wamr_aot::abi::CodegenOptions {
                indirect_calls: true,
                ..Default::default()
            },
        ),
        (
            "ours-aot (explicit bounds checks)",
            wamr_aot::abi::CodegenOptions {
                bounds_checks: true,
                ..Default::default()
            },
        ),
        (
            "ours-aot --xip (default intrinsics: f32.const,f64.const)",
            wamr_aot::abi::CodegenOptions {
                indirect_calls: true,
                intrinsics: wamr_aot::intrinsics::IntrinsicSet::default_for(
                    wamr_aot::cpu::host_arch(),
                ),
                ..Default::default()
            },
        ),
        (
            "ours-aot --xip (all intrinsics)",
            wamr_aot::abi::CodegenOptions {
                indirect_calls: true,
                intrinsics: wamr_aot::intrinsics::IntrinsicSet::all(),
                ..Default::default()
            },
        ),
    ] {
        let s = score(label, OursRunner::aot(&wasm, codegen)?)?;
        rows.push((label.to_string(), s));
    }

    #[cfg(feature = "peers")]
    {
        let label = "wasmtime 48 (Cranelift)";
        let s = score(label, benches::WasmtimeRunner::new(&wasm)?)?;
        rows.push((label.to_string(), s));
    }

    println!("| engine | CoreMark | vs wasmi | vs sf-nano-interp |");
    println!("|---|---:|---:|---:|");
    for (label, s) in &rows {
        let vs_sfnano = sfnano.map_or("-".to_string(), |b| format!("{:.2}x", s / b));
        println!("| {label} | {s:.1} | {:.2}x | {vs_sfnano} |", s / wasmi);
    }
    for (label, why) in &failed {
        println!("| {label} | not measured: {} | | |", why.replace('|', "/"));
    }
    Ok(())
}

fn main() -> ExitCode {
    benches::exit_code(run())
}
