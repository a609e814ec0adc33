//! 500 generated modules per run, each in the interpreter and in AOT (alternating call
//! and bounds-check modes); every observable must agree.

use spec_tests::diff::{generate, load_aot, observe};
use wamr_aot::abi::CodegenOptions;
use wamr_common::Module;
use wamr_interp::{Interp, InterpConfig};

#[test]
fn interpreter_and_aot_agree_on_generated_modules() {
    let dir = std::env::temp_dir().join(format!("wamr-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut ran, mut calls) = (0, 0);
    for seed in 0..500u64 {
        let Some(wasm) = generate(seed) else { continue };
        let module = Module::new(&wasm)
            .unwrap_or_else(|e| panic!("seed {seed}: generated module invalid: {e}"));
        let codegen = CodegenOptions {
            bounds_checks: seed % 2 == 1,
            indirect_calls: seed % 4 >= 2,
            ..Default::default()
        };
        let aot = load_aot(&wasm, codegen, &dir, &format!("{seed}.aot"))
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let a = observe(&module, Interp::new(InterpConfig::default()));
        let b = observe(&aot, wamr_aot::Aot::new());
        assert_eq!(a, b, "seed {seed} ({codegen:?}) diverges");
        ran += 1;
        calls += a.calls.len();
        let _ = std::fs::remove_file(dir.join(format!("{seed}.aot")));
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("{ran} modules, {calls} calls agreed");
    assert!(ran >= 450, "only {ran} modules generated");
}
