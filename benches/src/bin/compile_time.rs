//! `cargo run --release -p benches --bin compile_time [--features peers]`
//!
//! Compile time per MB of wasm: our AOT compiler on one thread and on all cores, and (with
//! the `peers` feature) wasmtime's compile of the same module, measured in this process.
//! Modules: CoreMark, the largest shootout program and the largest WASI test program.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use benches::shared_dir;

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[runs / 2])
}

fn main() -> Result<()> {
    let shared = shared_dir()?;
    let files: Vec<PathBuf> = vec![
        shared.join("wasm/coremark-minimal.wasm"),
        shared.join("wasm/shootout/shootout-ed25519.wasm"),
        shared.join("wasi-testsuite/rust/testsuite/wasm32-wasip1/fd_readdir.wasm"),
    ];
    println!("| module | size | ours, 1 thread | ours, all cores | wasmtime | ours/wasmtime |");
    println!("|---|---:|---:|---:|---:|---:|");
    for path in files {
        let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mb = wasm.len() as f64 / 1e6;
        let ours = |threads| {
            median(3, || {
                let opts = wamr_aot::CompileOptions {
                    threads,
                    ..Default::default()
                };
                wamr_aot::compile(&wasm, &opts)
                    .map(|_| ())
                    .map_err(anyhow::Error::from)
            })
        };
        let one = ours(Some(1))?;
        let all = ours(None)?;
        #[cfg(feature = "peers")]
        let peer = Some(median(3, || {
            let engine = wasmtime::Engine::default();
            wasmtime::Module::new(&engine, &wasm)
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("{e}"))
        })?);
        #[cfg(not(feature = "peers"))]
        let peer: Option<Duration> = None;
        let per_mb = |d: Duration| format!("{:.0} ms/MB", d.as_secs_f64() * 1e3 / mb);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "| {name} | {:.0} KB | {} | {} | {} | {} |",
            wasm.len() as f64 / 1e3,
            per_mb(one),
            per_mb(all),
            peer.map_or("not built (--features peers)".into(), per_mb),
            peer.map_or("-".into(), |p| format!(
                "{:.2}x",
                all.as_secs_f64() / p.as_secs_f64()
            )),
        );
    }
    Ok(())
}
