//! Every divergence or crash the differential tools found, as a test named after it.

use wamr_diff::differential::known_wasmi_issue;
use wamr_diff::gen::{Plan, PlannedCall};
use wamr_diff::run::{self, observe, EngineId};
use wamr_diff::Value;

fn call(export: &str, args: Vec<Value>) -> Plan {
    Plan {
        calls: vec![PlannedCall {
            export: export.into(),
            args,
        }],
    }
}

/// Found by the differential test (seed 37, then seed 1000): wasmi 2.0.0 returns the
/// wrong operand of `select(i32.const 1, x, i32.eqz(x))` (1 for x = 3), so divisions that
/// wasm-smith guards this way trapped or differed in wasmi only. Our engines are right;
/// the differential check excuses wasmi's lone dissent on modules with `eqz` feeding
/// `select` (`known_wasmi_issue`). If this test starts failing on the wasmi line, wasmi
/// was fixed: drop the excuse.
#[test]
fn wasmi_2_0_eqz_select_dissent_is_excused() {
    let wasm = wat::parse_str(
        r#"(module
          (func (export "sel") (param i32) (result i32)
            i32.const 1
            local.get 0
            local.get 0
            i32.eqz
            select))"#,
    )
    .unwrap();
    let plan = call("sel", vec![Value::I32(3)]);
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    for e in EngineId::all() {
        let o = observe(e, &wasm, &plan);
        let got = o.calls[0].outcome.clone().unwrap();
        if e == EngineId::Wasmi {
            assert_eq!(got, vec![Value::I32(1)], "wasmi 2.0.0's known wrong answer");
        } else {
            assert_eq!(got, vec![Value::I32(3)], "{e}");
        }
    }
    assert!(known_wasmi_issue(&wasm).is_some());
    let plain = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
             local.get 0 i32.eqz i32.const 1 i32.add))"#,
    )
    .unwrap();
    assert!(known_wasmi_issue(&plain).is_none());
}

/// Seed 1291 of the differential test, once tail calls were generated: wasmi 2.0.0 crashed
/// the process (SIGSEGV) on a function that tail-calls a host function with fewer
/// parameters than its own, called twice. Such modules are not given to wasmi
/// (`wasmi_cannot_run`); our engines run them and agree. Tail calls between wasm
/// functions still go to wasmi.
#[test]
fn tail_calls_into_host_functions_are_not_given_to_wasmi_2_0() {
    let wasm = wat::parse_str(
        r#"(module
          (import "env" "nop" (func $nop))
          (func $h (param i64) return_call $nop)
          (func (export "twice") (i64.const 5) (call $h) (i64.const 6) (call $h)))"#,
    )
    .unwrap();
    assert!(run::wasmi_cannot_run(&wasm).is_some());
    let plan = call("twice", vec![]);
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    for e in EngineId::all()
        .into_iter()
        .filter(|e| *e != EngineId::Wasmi)
    {
        let o = observe(e, &wasm, &plan);
        assert_eq!(o.calls[0].outcome, Ok(vec![]), "{e}");
        assert_eq!(o.calls[0].host_calls.len(), 2, "{e}");
    }
    let refused = observe(EngineId::Wasmi, &wasm, &plan);
    assert!(format!("{:?}", refused.instantiation).contains("not run in wasmi"));

    let between_wasm_functions = wat::parse_str(
        r#"(module
          (import "env" "nop" (func $nop))
          (func $h (param i64) (result i64) (local.get 0))
          (func (export "f") (result i64) (return_call $h (i64.const 7))))"#,
    )
    .unwrap();
    assert!(run::wasmi_cannot_run(&between_wasm_functions).is_none());
    let o = observe(EngineId::Wasmi, &between_wasm_functions, &call("f", vec![]));
    assert_eq!(o.calls[0].outcome, Ok(vec![Value::I64(7)]));
}

/// Found by the `interp_exec` and `aot_exec` fuzz targets in their first second (the
/// empty input): the exec configuration raised `min_exports` above a `max_exports` of 0
/// and wasm-smith asserted. A harness bug, not an engine bug; minimums are now clamped
/// to maximums in every configuration (`gen::clamp_minimums`).
#[test]
fn exec_config_with_zero_max_exports_does_not_panic() {
    for engine in [EngineId::Interp, EngineId::AOT_MODES[0]] {
        let stats = wamr_diff::exec::check_exec(&[], engine);
        assert_eq!(
            stats.calls, 0,
            "{engine}: nothing to call in an empty input"
        );
        let stats = wamr_diff::exec::check_exec(&[0; 64], engine);
        assert!(stats.calls <= wamr_diff::gen::MAX_CALLS * 2, "{engine}");
    }
}

/// Found by the `differential` fuzz target (its first 5-minute run, after 17,787 inputs):
/// the process died of a native stack overflow inside wasmi, whose `f32_nearest_rr`
/// handler does not end in a sibling call once cargo-fuzz's coverage instrumentation is
/// in, so its tail-call dispatch recursed until the stack ran out on a loop of
/// `f32.nearest`. Not our engines: the fuzz crate now builds wasmi with its
/// `portable-dispatch` (loop) backend. The input itself must run to agreement in every
/// engine of a normal build.
#[test]
fn differential_wasmi_f32_nearest_native_stack_overflow_input_agrees() {
    let input = include_bytes!("found/differential-wasmi-f32-nearest-native-stack-overflow.bin");
    if let Err(d) = wamr_diff::check_differential(input) {
        panic!("{d}");
    }
}

/// Found by the `interp_exec` fuzz target (out of memory after 152,279 inputs): a module
/// exporting its 16 MiB memory 140 times made every observation copy it 140 times
/// (2.2 GB). Memories exported under several names are now observed once.
#[test]
fn memory_exported_under_many_names_is_observed_once() {
    let names: String = (0..200)
        .map(|i| format!(r#"(export "m{i}" (memory 0))"#))
        .collect();
    let wasm = wat::parse_str(format!("(module (memory 256 256) {names})")).unwrap();
    let exports = wamr_diff::run::exports(&wasm);
    assert_eq!(exports.len(), 1, "{exports:?}");
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    for e in EngineId::all() {
        let o = observe(e, &wasm, &Plan::default());
        assert_eq!(o.memories.len(), 1, "{e}");
        assert_eq!(o.memories[0].0, "m0", "{e}");
        assert_eq!(o.memories[0].1.len(), 256 << 16, "{e}");
    }
}

/// Found by the `differential` fuzz target (after 34,786 inputs, and by seeds 300 and
/// 1025 of the seeded run) right after the metered pair joined: a start function that
/// runs out of our fuel in the metered engines but out of wasm-smith's in-module fuel
/// (`unreachable`) in the unmetered reference. Fuel bounds only the metered side, so
/// instantiation that runs out of fuel is compared only between the metered pair.
#[test]
fn start_function_out_of_fuel_is_compared_between_metered_engines_only() {
    let input = include_bytes!("found/differential-start-out-of-fuel.bin");
    if let Err(d) = wamr_diff::check_differential(input) {
        panic!("{d}");
    }
}

/// Found by the `aot_image` fuzz target: one bit flipped in the funcs section's offset
/// (byte 121), checksum recomputed, moved the function table onto zero padding; every
/// entry then read "offset 0, size 0", which passed the order check, so every function
/// ran function 0's code. The loader now requires the canonical layout (each section at
/// its one possible offset, zero padding) and packed, non-empty function entries.
#[test]
fn resealed_image_with_a_moved_section_is_refused() {
    let input = include_bytes!("found/aot-image-resealed-funcs-section-moved.bin");
    match wamr_diff::aot_image::check_aot_image(input) {
        Ok(wamr_diff::aot_image::ImageVerdict::Refused(why)) => {
            assert!(why.contains("Funcs section at"), "{why}")
        }
        Ok(other) => panic!("loaded: {other:?}"),
        Err(f) => panic!("{f}"),
    }
}
