//! The spec suite in the AOT engine's LLVM tier: wasm-v2 and every proposal set both
//! engines pass, with direct calls and guard pages; wasm-v2 again with explicit bounds
//! checks and indirect calls, and as `--xip` (with the SIMD set, whose constants the
//! intrinsic set moves out of the code). Built only with the `llvm` feature (`cargo test
//! --workspace --features llvm`, as CI runs it).
#![cfg(feature = "llvm")]

use spec_tests::{assert_suite_passes, EngineSpec, Options, TestSet};
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
    assert_suite_passes(&opts, &format!("{} {codegen:?}", set.name()));
}

#[test]
fn llvm_direct_calls_guard_pages() {
    for set in std::iter::once(TestSet::V2).chain(TestSet::BEYOND_V2) {
        assert_set_passes(CodegenOptions::default(), set);
    }
}

#[test]
fn llvm_indirect_calls_explicit_bounds_checks() {
    assert_set_passes(
        CodegenOptions {
            bounds_checks: true,
            indirect_calls: true,
            ..Default::default()
        },
        TestSet::V2,
    );
}

/// What `wamr-compile --backend=llvm --xip` writes.
#[test]
fn llvm_xip() {
    for set in [TestSet::V2, TestSet::Simd] {
        assert_set_passes(
            CodegenOptions {
                indirect_calls: true,
                intrinsics: wamr_aot::intrinsics::IntrinsicSet::default_for(
                    wamr_aot::cpu::host_arch(),
                ),
                ..Default::default()
            },
            set,
        );
    }
}
