//! CoreMark (`shared/wasm/coremark-minimal.wasm`) on our interpreter and on wasmi, in one
//! run: first one scored `run` per engine (score and ratio printed), then criterion's
//! time per `run` call. Each call takes seconds, hence ten flat samples.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use benches::{
    bench_engines, coremark_minimal, coremark_score, note_skipped_engines, EngineId, Runner,
};
use criterion::{Criterion, SamplingMode};

const SAMPLES: usize = 10;

/// Whether criterion will really benchmark (`cargo bench`), as opposed to `--list`,
/// `--test`, `--profile-time` or `cargo test --benches` (no `--bench`): only then is
/// the scored pre-run, which takes seconds per engine, worth it.
fn benchmarking() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| {
        args.iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    has("--bench") && !has("--test") && !has("--list") && !has("--profile-time")
}

/// Runs `run` once per engine, prints each score and its ratio to wasmi, and returns the slowest
/// call's duration (to size criterion's measurement time).
fn score_once(wasm: &[u8]) -> Result<Duration> {
    let mut slowest = Duration::ZERO;
    let mut scores = Vec::new();
    for &engine in bench_engines() {
        let mut runner = engine.instantiate(wasm)?;
        let start = Instant::now();
        let score = coremark_score(runner.as_mut())?;
        let took = start.elapsed();
        slowest = slowest.max(took);
        println!("CoreMark {engine:<12} {score:>10.1}  ({took:.1?} per run)");
        scores.push((engine, score));
    }
    // Ratios to wasmi, the in-process peer every build has (absent in debug builds).
    if let Some(&(_, wasmi)) = scores.iter().find(|(e, _)| *e == EngineId::Wasmi) {
        for (engine, score) in &scores {
            if *engine != EngineId::Wasmi {
                println!(
                    "CoreMark {engine}/wasmi: {:.2}x (higher is faster)",
                    score / wasmi
                );
            }
        }
    }
    Ok(slowest)
}

fn coremark(c: &mut Criterion, wasm: &[u8], slowest: Option<Duration>) {
    let mut group = c.benchmark_group("coremark");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        // Any positive warm-up runs `run` exactly once: enough, as both engines compile
        // eagerly and a call lasts seconds.
        .warm_up_time(Duration::from_millis(1))
        // Room for every sample plus slack, so criterion does not warn that it cannot
        // finish; a guess when there was no pre-run.
        .measurement_time(
            slowest.map_or(Duration::from_secs(60), |d| d.mul_f64(SAMPLES as f64 * 1.2)),
        );
    for &engine in bench_engines() {
        // Instantiated in the first sample, so a filter (`-- wasmi`) skips other engines.
        let mut runner: Option<Box<dyn Runner>> = None;
        group.bench_function(engine.id(), |b| {
            let runner = runner.get_or_insert_with(|| {
                engine
                    .instantiate(wasm)
                    .unwrap_or_else(|e| panic!("coremark/{engine}: {e:#}"))
            });
            let mut run = runner
                .export("run")
                .unwrap_or_else(|e| panic!("coremark/{engine}: {e:#}"));
            b.iter(|| run(&[]).expect("coremark trapped"));
        });
    }
    group.finish();
}

fn main() -> ExitCode {
    note_skipped_engines();
    let wasm = match coremark_minimal() {
        Ok(wasm) => wasm,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let slowest = if benchmarking() {
        match score_once(&wasm) {
            Ok(slowest) => Some(slowest),
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let mut c = Criterion::default().configure_from_args();
    coremark(&mut c, &wasm, slowest);
    c.final_summary();
    ExitCode::SUCCESS
}
