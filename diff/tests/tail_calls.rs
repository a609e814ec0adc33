//! Tail calls run in constant stack in both engines: ten million mutual `return_call`s
//! (and a million `return_call_indirect`s) finish on a 256 KiB native stack, where as many
//! ordinary calls would exhaust the call stack. Also: tail calls between frames of
//! different sizes (arguments passed on the native stack in AOT), to a host function, to
//! a function of another instance, and a trap after a chain of them.

use wamr_aot::abi::CodegenOptions;
use wamr_aot::Aot;
use wamr_common::{FuncType, Instance, Linker, Module, TrapKind, Val, ValType};
use wamr_interp::{Dispatch, Interp, InterpConfig};

const WAT: &str = r#"(module
  (type $pair (func (param i64 i64) (result i64)))
  (import "host" "add" (func $host_add (param i64 i64) (result i64)))
  (import "other" "twice" (func $other_twice (param i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $even_indirect $odd_indirect)

  ;; even(n, acc): acc + n, one mutual tail call per step.
  (func $even (export "even") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $odd (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (i64.const 1))))))
  (func $odd (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $even (i64.sub (local.get $n) (i64.const 1))
                               (i64.add (local.get $acc) (i64.const 1))))))

  ;; The same through the table.
  (func $even_indirect (export "even_indirect") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call_indirect (type $pair)
              (i64.sub (local.get $n) (i64.const 1))
              (i64.add (local.get $acc) (i64.const 2))
              (i32.const 1)))))
  (func $odd_indirect (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call_indirect (type $pair)
              (i64.sub (local.get $n) (i64.const 1))
              (i64.add (local.get $acc) (i64.const 2))
              (i32.const 0)))))

  ;; A small frame and a large one (ten parameters: some go on the native stack in
  ;; AOT) calling each other; the arguments swap places on every step.
  (func $narrow (export "narrow") (param $n i32) (result i64)
    (local $scratch i64)
    (if (result i64) (i32.eqz (local.get $n))
      (then (i64.const 0))
      (else (return_call $wide (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
              (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9)
              (i64.extend_i32_u (local.get $n))))))
  (func $wide (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (local $sum i64)
    (local.set $sum (i64.add (i64.add (i64.add (local.get 0) (local.get 1))
                                      (i64.add (local.get 2) (local.get 3)))
                             (i64.add (i64.add (local.get 4) (local.get 5))
                                      (i64.add (local.get 6) (local.get 7)))))
    (if (result i64) (i64.ne (i64.add (local.get $sum) (local.get 8)) (i64.const 45))
      (then (unreachable))
      (else (return_call $narrow (i32.wrap_i64 (i64.sub (local.get 9) (i64.const 1)))))))

  ;; Tail calls that leave the module.
  (func (export "to_host") (param i64 i64) (result i64)
    (return_call $host_add (local.get 1) (local.get 0)))
  (func (export "to_other") (param i64) (result i64)
    (return_call $other_twice (local.get 0)))

  ;; A chain that ends in a trap.
  (func $trap_after (export "trap_after") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.div_u (i32.const 1) (local.get $n)))
      (else (return_call $trap_after (i32.sub (local.get $n) (i32.const 1))))))
)"#;

/// A module of the same engine that `to_other` tail-calls into.
const OTHER: &str = r#"(module
  (func (export "twice") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2))))"#;

/// How each engine configuration loads a module.
type Load = fn(&[u8]) -> Module;

fn interp_linker(dispatch: Dispatch) -> Linker {
    Linker::new(Interp::new(InterpConfig {
        dispatch,
        ..Default::default()
    }))
}

fn aot_load(codegen: CodegenOptions) -> impl Fn(&[u8]) -> Module + Send + 'static {
    move |wasm| wamr_diff::run::load_aot(wasm, codegen).unwrap()
}

/// Runs every check on a 256 KiB native stack with `linker` and modules from `load`.
fn check(
    what: &str,
    linker: impl Fn() -> Linker + Send + 'static,
    load: impl Fn(&[u8]) -> Module + Send + 'static,
) {
    let what = what.to_string();
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            // One linker, so one store: functions link only within their store.
            let mut linker = linker();
            let other = Instance::new(&load(&wat::parse_str(OTHER).unwrap()), &linker).unwrap();
            linker.func(
                "host",
                "add",
                FuncType::new([ValType::I64, ValType::I64], [ValType::I64]),
                |_, args, results| {
                    let (Val::I64(a), Val::I64(b)) = (&args[0], &args[1]) else {
                        unreachable!("typed by the signature")
                    };
                    results[0] = Val::I64(a * 10 + b);
                    Ok(())
                },
            );
            linker.instance("other", &other);
            let module = load(&wat::parse_str(WAT).unwrap());
            let inst = Instance::new(&module, &linker).unwrap();
            let i64s = |name: &str, args: &[Val]| {
                inst.invoke(name, args)
                    .unwrap_or_else(|t| panic!("{what}: {name}: {t}"))
            };

            let n = 10_000_000;
            assert_eq!(
                i64s("even", &[Val::I64(n), Val::I64(0)]),
                [Val::I64(n)],
                "{what}"
            );
            let n = 1_000_000;
            assert_eq!(
                i64s("even_indirect", &[Val::I64(n), Val::I64(5)]),
                [Val::I64(2 * n + 5)],
                "{what}"
            );
            assert_eq!(
                i64s("narrow", &[Val::I32(1_000_000)]),
                [Val::I64(0)],
                "{what}"
            );
            assert_eq!(
                i64s("to_host", &[Val::I64(3), Val::I64(4)]),
                [Val::I64(43)],
                "{what}"
            );
            assert_eq!(i64s("to_other", &[Val::I64(21)]), [Val::I64(42)], "{what}");

            let trap = inst.invoke("trap_after", &[Val::I32(100_000)]).unwrap_err();
            assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero, "{what}: {trap}");
            // The instance goes on after the trap.
            assert_eq!(
                i64s("even", &[Val::I64(3), Val::I64(1)]),
                [Val::I64(4)],
                "{what}"
            );
        })
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("a check failed"));
}

#[test]
fn interpreter_tail_calls_run_in_constant_stack() {
    let load: Load = |wasm| Module::new(wasm).unwrap();
    check("interp (loop)", || interp_linker(Dispatch::Loop), load);
    check("interp (auto)", || interp_linker(Dispatch::Auto), load);
}

#[test]
fn aot_tail_calls_run_in_constant_stack() {
    let aot = || Linker::new(Aot::new());
    check("aot (direct)", aot, aot_load(CodegenOptions::default()));
    check(
        "aot (xip, explicit bounds)",
        aot,
        aot_load(CodegenOptions {
            indirect_calls: true,
            bounds_checks: true,
            intrinsics: wamr_aot::intrinsics::IntrinsicSet::all(),
            ..Default::default()
        }),
    );
}
