//! A panic in a host function is a trap in both engines: the host process and the
//! instance survive it (from AOT code it once aborted the process at the `extern "C"`
//! boundary).

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::load;
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Engine, FuncType, Instance, Linker, Module, Val, ValType};

const WAT: &str = r#"(module
  (import "env" "check" (func $check (param i32) (result i32)))
  (func (export "call") (param i32) (result i32)
    (i32.add (call $check (local.get 0)) (i32.const 1))))"#;

/// Runs the module in `engine`: `check(n)` panics for negative `n`.
fn exercise(engine: Rc<dyn Engine>, module: &Module, label: &str) {
    let calls = Rc::new(Cell::new(0));
    let mut linker = Linker::new(engine);
    let counted = calls.clone();
    linker.func(
        "env",
        "check",
        FuncType::new([ValType::I32], [ValType::I32]),
        move |_, args, results| {
            counted.set(counted.get() + 1);
            let Val::I32(n) = args[0] else {
                unreachable!("typed by the signature")
            };
            if n < 0 {
                panic!("negative input {n}");
            }
            results[0] = Val::I32(n * 2);
            Ok(())
        },
    );
    let instance = Instance::new(module, &linker).unwrap();
    assert_eq!(
        instance.invoke("call", &[Val::I32(20)]).unwrap(),
        [Val::I32(41)]
    );
    let trap = instance
        .invoke("call", &[Val::I32(-3)])
        .expect_err("a panicking host function traps");
    assert!(
        trap.message()
            .contains("host function panicked: negative input -3"),
        "{label}: {trap}"
    );
    // The instance is still usable, again and again.
    for _ in 0..3 {
        assert!(instance.invoke("call", &[Val::I32(-1)]).is_err());
        assert_eq!(
            instance.invoke("call", &[Val::I32(1)]).unwrap(),
            [Val::I32(3)]
        );
    }
    assert_eq!(calls.get(), 8, "{label}");
}

#[test]
fn a_host_panic_is_a_trap_in_both_engines() {
    let wasm = wat::parse_str(WAT).unwrap();
    exercise(
        wamr_interp::Interp::new(Default::default()),
        &Module::new(&wasm).unwrap(),
        "interp",
    );
    let dir = common::ImageDir::new("host-panic");
    let path = dir.write(
        "m.aot",
        &compile(&wasm, &CompileOptions::default()).unwrap(),
    );
    exercise(Aot::new(), &load(&path).unwrap(), "aot");
}
