//! The whole wasm-v2 spec suite against the interpreter, one test per configuration, and
//! the proposal and SIMD sets.
//! Each test takes a while; the harness runs them in parallel.

use spec_tests::{assert_suite_passes, EngineSpec, Options, TestSet};
use wamr_interp::{Dispatch, HandlerSet, InterpConfig};

fn interp(dispatch: Dispatch, handlers: HandlerSet) -> EngineSpec {
    EngineSpec::Interp(InterpConfig {
        dispatch,
        handlers,
        ..InterpConfig::default()
    })
}

fn assert_passes(opts: &Options) {
    assert_suite_passes(opts, opts.set.name());
}

/// The Wasm 3.0 proposal sets both engines pass, and wasm-v3. Extended constants live in
/// the shared runtime; tail calls, typed function references, exceptions and accesses to
/// memories other than memory 0 are handlers of their own (no handler set specialises
/// them), so the sets run under both dispatchers.
#[test]
fn proposal_sets() {
    // SIMD runs per handler set below, so not here.
    for set in TestSet::BEYOND_V2
        .into_iter()
        .filter(|s| !matches!(s, TestSet::Simd | TestSet::RelaxedSimd))
    {
        for dispatch in [Dispatch::Loop, Dispatch::Threaded] {
            assert_passes(&Options {
                set,
                ..Options::new(interp(dispatch, HandlerSet::Generic))
            });
        }
    }
}

#[test]
fn loop_dispatch_generic_handlers() {
    assert_passes(&Options::new(interp(Dispatch::Loop, HandlerSet::Generic)));
}

#[test]
fn threaded_dispatch_generic_handlers() {
    assert_passes(&Options::new(interp(
        Dispatch::Threaded,
        HandlerSet::Generic,
    )));
}

/// The SIMD sets under every dispatcher and every handler set: the sets differ exactly
/// in their SIMD lane handlers (and the avx2 set in a few scalar ones, which the whole
/// suite runs below), and each must give the same results.
#[test]
fn simd_sets_every_handler_set() {
    let mut sets = vec![HandlerSet::Generic, HandlerSet::Portable];
    if avx2_or_note() {
        sets.push(HandlerSet::Avx2);
    }
    for handlers in sets {
        for dispatch in [Dispatch::Loop, Dispatch::Threaded] {
            for set in [TestSet::Simd, TestSet::RelaxedSimd] {
                assert_passes(&Options {
                    set,
                    ..Options::new(interp(dispatch, handlers))
                });
            }
        }
    }
}

/// Whether the CPU can run the avx2 handler set; says so when it cannot.
fn avx2_or_note() -> bool {
    let ok = wamr_interp::avx2_supported();
    if !ok {
        println!("not run: this CPU lacks AVX2, SSE4.1, BMI1, BMI2, LZCNT or POPCNT");
    }
    ok
}

#[test]
fn loop_dispatch_avx2_handlers() {
    if avx2_or_note() {
        assert_passes(&Options::new(interp(Dispatch::Loop, HandlerSet::Avx2)));
    }
}

#[test]
fn threaded_dispatch_avx2_handlers() {
    if avx2_or_note() {
        assert_passes(&Options::new(interp(Dispatch::Threaded, HandlerSet::Avx2)));
    }
}

/// The default configuration (`Dispatch::Auto`, `HandlerSet::Auto`) and eager translation.
#[test]
fn auto_configuration_eager() {
    let config = InterpConfig {
        eager: true,
        ..InterpConfig::default()
    };
    assert_passes(&Options::new(EngineSpec::Interp(config)));
}

/// Threaded dispatch must not use native stack per wasm call or instruction, so the
/// call-heavy scripts have to pass on a 256 KiB thread. Handlers end in sibling calls that
/// LLVM turns into jumps from opt-level 1 up, which the workspace's dev profile sets, so
/// this holds under `cargo test` as well as in release builds: it runs in both.
#[test]
fn threaded_dispatch_on_small_native_stack() {
    const CALL_HEAVY: [&str; 6] = [
        "call.wast",
        "call_indirect.wast",
        "fac.wast",
        "func_ptrs.wast",
        "left-to-right.wast",
        "skip-stack-guard-page.wast",
    ];
    let mut opts = Options::new(interp(Dispatch::Threaded, HandlerSet::Auto));
    opts.filters = CALL_HEAVY.iter().map(|name| name.to_string()).collect();
    opts.native_stack_kib = 256;
    assert_passes(&opts);
}
