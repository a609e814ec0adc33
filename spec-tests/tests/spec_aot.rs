//! The whole wasm-v2 spec suite in AOT mode: every module compiled to an image file and
//! run from its read-only mapping, in both call modes and both bounds-check modes; the
//! Wasm 3.0 proposal sets and the SIMD sets, in both call modes.

use spec_tests::{assert_suite_passes, EngineSpec, Options, TestSet};
use wamr_aot::abi::CodegenOptions;

fn assert_passes(codegen: CodegenOptions) {
    assert_set_passes(codegen, TestSet::V2);
}

fn assert_set_passes(codegen: CodegenOptions, set: TestSet) {
    let opts = Options {
        set,
        ..Options::new(EngineSpec::Aot(codegen))
    };
    assert_suite_passes(&opts, &format!("{} {codegen:?}", set.name()));
}

/// The Wasm 3.0 proposal sets both engines pass, in two configurations that between
/// them cover both call modes (tail calls and function references compile differently)
/// and both bounds-check modes (accesses to every memory).
#[test]
fn proposal_sets() {
    for set in TestSet::BEYOND_V2 {
        for (indirect_calls, bounds_checks) in [(false, false), (true, true)] {
            assert_set_passes(
                CodegenOptions {
                    indirect_calls,
                    bounds_checks,
                    ..Default::default()
                },
                set,
            );
        }
    }
}

#[test]
fn direct_calls_guard_pages() {
    assert_passes(CodegenOptions::default());
}

#[test]
fn direct_calls_explicit_bounds_checks() {
    assert_passes(CodegenOptions {
        bounds_checks: true,
        ..Default::default()
    });
}

#[test]
fn indirect_calls_guard_pages() {
    assert_passes(CodegenOptions {
        indirect_calls: true,
        ..Default::default()
    });
}

#[test]
fn indirect_calls_explicit_bounds_checks() {
    assert_passes(CodegenOptions {
        bounds_checks: true,
        indirect_calls: true,
        ..Default::default()
    });
}

/// `--xip --enable-builtin-intrinsics=all`: every operation in the intrinsic table goes
/// through the runtime, and constants come from the image's constant table.
#[test]
fn xip_all_intrinsics() {
    assert_passes(CodegenOptions {
        indirect_calls: true,
        intrinsics: wamr_aot::intrinsics::IntrinsicSet::all(),
        ..Default::default()
    });
}
