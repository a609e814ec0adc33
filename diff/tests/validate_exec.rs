//! The `validate`, `interp_exec` and `aot_exec` targets' logic on seeded inputs.

use wamr_diff::exec::check_exec;
use wamr_diff::validate::{check_validate, Verdict};
use wamr_diff::{seed_bytes, EngineId};

/// Seeded bytes, and the same bytes behind a valid wasm header (so the parser gets
/// past the preamble), plus wasm-smith modules: no panic, verdicts agree.
#[test]
fn validator_agrees_with_wasmparser_and_wasmi() {
    let (mut valid, mut invalid) = (0, 0);
    for seed in 0..600u64 {
        let mut bytes = seed_bytes(seed, (seed % 200) as usize);
        if seed % 2 == 0 {
            let mut with_header = b"\0asm\x01\0\0\0".to_vec();
            with_header.append(&mut bytes);
            bytes = with_header;
        }
        match check_validate(&bytes).unwrap_or_else(|m| panic!("seed {seed}: {m}")) {
            Verdict::Valid => valid += 1,
            _ => invalid += 1,
        }
    }
    for seed in 0..200u64 {
        let case = wamr_diff::gen::seeded_case(seed).expect("a module");
        assert_eq!(
            check_validate(&case.wasm).unwrap_or_else(|m| panic!("seed {seed}: {m}")),
            Verdict::Valid
        );
        valid += 1;
    }
    println!("{valid} valid, {invalid} invalid");
    assert!(invalid > 500 && valid >= 200);
}

fn exec_seeds(engine: EngineId) {
    let (mut modules, mut calls, mut traps) = (0, 0, 0);
    for seed in 0..150u64 {
        let stats = check_exec(&seed_bytes(seed ^ 0xe7ec, 16 << 10), engine);
        modules += usize::from(stats.loaded);
        calls += stats.calls;
        traps += stats.traps;
    }
    println!("{engine}: {modules} modules, {calls} calls, {traps} traps");
    assert!(modules >= 100, "only {modules} modules generated");
}

#[test]
fn interp_runs_arbitrary_modules_within_limits() {
    exec_seeds(EngineId::Interp);
}

#[test]
fn aot_runs_arbitrary_modules_within_limits() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| exec_seeds(EngineId::AOT_MODES[3]))
        .unwrap()
        .join()
        .unwrap();
}
