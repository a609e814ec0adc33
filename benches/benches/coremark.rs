//! CoreMark (`shared/wasm/coremark-minimal.wasm`) on our engines and the in-process peers
//! (wasmi, Silverfir-nano's interpreter and JIT), in one run: first one scored `run` per
//! engine (score and ratios printed), then criterion's time per `run` call. Each call
//! takes seconds, hence ten flat samples.

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

/// Runs `run` once per engine, prints each score and its ratios to wasmi and to
/// Silverfir-nano's interpreter, and returns the slowest call's duration (to size
/// criterion's measurement time) and the peers that failed, which the group leaves out
/// (their reason is printed; a failure of ours is an error).
fn score_once(wasm: &[u8]) -> Result<(Duration, Vec<EngineId>)> {
    let mut slowest = Duration::ZERO;
    let mut scores = Vec::new();
    let mut failed = Vec::new();
    for &engine in bench_engines() {
        let scored = engine.instantiate(wasm).and_then(|mut runner| {
            let start = Instant::now();
            let score = coremark_score(runner.as_mut())?;
            Ok((score, start.elapsed()))
        });
        match scored {
            Ok((score, took)) => {
                slowest = slowest.max(took);
                println!("CoreMark {engine:<14} {score:>10.1}  ({took:.1?} per run)");
                scores.push((engine, score));
            }
            Err(e) if !engine.is_ours() => {
                println!("CoreMark {engine:<14} not measured: {e:#}");
                failed.push(engine);
            }
            Err(e) => return Err(e),
        }
    }
    // Ratios to the in-process interpreter peers every build has (absent in debug builds).
    for base in [EngineId::Wasmi, EngineId::SfNano] {
        let Some(&(_, b)) = scores.iter().find(|(e, _)| *e == base) else {
            continue;
        };
        for (engine, score) in &scores {
            if *engine != base {
                println!(
                    "CoreMark {engine}/{base}: {:.2}x (higher is faster)",
                    score / b
                );
            }
        }
    }
    Ok((slowest, failed))
}

fn coremark(c: &mut Criterion, wasm: &[u8], slowest: Option<Duration>, failed: &[EngineId]) {
    let mut group = c.benchmark_group("coremark");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        // Any positive warm-up runs `run` exactly once: enough, as every engine compiles
        // eagerly and a call lasts seconds.
        .warm_up_time(Duration::from_millis(1))
        // Room for every sample plus slack, so criterion does not warn that it cannot
        // finish; a guess when there was no pre-run.
        .measurement_time(
            slowest.map_or(Duration::from_secs(60), |d| d.mul_f64(SAMPLES as f64 * 1.2)),
        );
    for &engine in bench_engines().iter().filter(|e| !failed.contains(e)) {
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
    let (slowest, failed) = if benchmarking() {
        match score_once(&wasm) {
            Ok((slowest, failed)) => (Some(slowest), failed),
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        (None, Vec::new())
    };
    let mut c = Criterion::default().configure_from_args();
    coremark(&mut c, &wasm, slowest, &failed);
    c.final_summary();
    ExitCode::SUCCESS
}
