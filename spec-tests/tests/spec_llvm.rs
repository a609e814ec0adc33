//! The wasm-v2 spec suite in the AOT engine's LLVM tier: direct calls with guard pages,
//! and `--xip` (indirect calls, the default intrinsic set). Built only with the `llvm`
//! feature (`cargo test --workspace --features llvm`, as CI runs it).
#![cfg(feature = "llvm")]

use spec_tests::{run_suite, EngineSpec, Options, TestSet};
use wamr_aot::abi::{Backend, CodegenOptions};

fn assert_set_passes(codegen: CodegenOptions, set: TestSet) {
    let codegen = CodegenOptions {
        backend: Backend::Llvm,
        opt_level: 2,
        ..codegen
    };
    let opts = Options {
        set,
        ..Options::new(EngineSpec::Aot(codegen))
    };
    let summary = run_suite(&opts).expect("running the suite");
    println!("{} {codegen:?}: {summary}", set.name());
    assert!(
        summary.failed == 0,
        "{summary}:\n{}",
        summary.failures.join("\n")
    );
    assert!(summary.passed > 0, "no directive ran");
}

#[test]
fn llvm_direct_calls_guard_pages() {
    assert_set_passes(CodegenOptions::default(), TestSet::V2);
}

/// What `wamr-compile --backend=llvm --xip` writes.
#[test]
fn llvm_xip() {
    assert_set_passes(
        CodegenOptions {
            indirect_calls: true,
            intrinsics: wamr_aot::intrinsics::IntrinsicSet::default_for(wamr_aot::cpu::host_arch()),
            ..Default::default()
        },
        TestSet::V2,
    );
}
