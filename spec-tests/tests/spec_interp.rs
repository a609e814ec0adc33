//! The whole wasm-v2 spec suite against the interpreter, one test per configuration.
//! Each test takes a while; the harness runs them in parallel.

use spec_tests::{run_suite, EngineSpec, Options, TestSet};
use wamr_interp::{Dispatch, HandlerSet, InterpConfig};

fn interp(dispatch: Dispatch, handlers: HandlerSet) -> EngineSpec {
    EngineSpec::Interp(InterpConfig {
        dispatch,
        handlers,
        ..InterpConfig::default()
    })
}

fn assert_passes(opts: &Options) {
    let summary = run_suite(opts).expect("running the suite");
    println!("{summary}");
    assert!(
        summary.failed == 0,
        "{summary}:\n{}",
        summary.failures.join("\n")
    );
    assert!(summary.passed > 0, "no directive ran");
}

/// The Wasm 3.0 proposal sets both engines pass, and wasm-v3. Extended constants live in
/// the shared runtime; tail calls, typed function references, exceptions and accesses to
/// memories other than memory 0 are handlers of their own (no handler set specialises
/// them), so the sets run under both dispatchers.
#[test]
fn proposal_sets() {
    for set in [
        TestSet::ExtendedConst,
        TestSet::TailCall,
        TestSet::FunctionReferences,
        TestSet::MultiMemory,
        TestSet::Memory64,
        TestSet::Exceptions,
        TestSet::LegacyExceptions,
        // All of WebAssembly 3.0 but GC (what needs GC types is skipped, with the reason).
        TestSet::V3,
    ] {
        for dispatch in [Dispatch::Loop, Dispatch::Threaded] {
            assert_passes(&Options {
                set,
                // The memory64 set's SIMD script waits for SIMD (its own issue).
                exclude: vec!["simd_".into()],
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

/// Whether the CPU can run the BMI handler set; says so when it cannot.
fn bmi_or_note() -> bool {
    let ok = wamr_interp::bmi_supported();
    if !ok {
        println!("not run: this CPU lacks BMI1, BMI2, LZCNT or POPCNT");
    }
    ok
}

#[test]
fn loop_dispatch_bmi_handlers() {
    if bmi_or_note() {
        assert_passes(&Options::new(interp(Dispatch::Loop, HandlerSet::Bmi)));
    }
}

#[test]
fn threaded_dispatch_bmi_handlers() {
    if bmi_or_note() {
        assert_passes(&Options::new(interp(Dispatch::Threaded, HandlerSet::Bmi)));
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
