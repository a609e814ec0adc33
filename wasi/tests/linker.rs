//! WASI's functions are defined lazily in the linker: each on its first lookup, once,
//! and an explicit definition or an unknown name behaves as with eager definitions.

use std::cell::RefCell;
use std::rc::Rc;

use wamr_common::{Extern, FuncType, Instance, Linker, Module, Val, ValType};
use wamr_wasi::{WasiConfig, WasiCtx, MODULE};

fn linker() -> Linker {
    let mut linker = Linker::new(wamr_interp::Interp::new(Default::default()));
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&WasiConfig::new()).unwrap()));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    linker
}

fn func(linker: &Linker, name: &str) -> wamr_common::Func {
    match linker.get(MODULE, name) {
        Some(Extern::Func(f)) => f,
        other => panic!("{MODULE}.{name}: {other:?}"),
    }
}

#[test]
fn a_name_is_defined_once_with_its_signature() {
    let linker = linker();
    let first = func(&linker, "fd_write");
    assert_eq!(
        first.ty(),
        &FuncType::new([ValType::I32; 4], [ValType::I32])
    );
    assert!(
        first == func(&linker, "fd_write"),
        "the same function each time"
    );
    assert_eq!(
        func(&linker, "proc_exit").ty(),
        &FuncType::new([ValType::I32], [])
    );
    assert!(linker.get(MODULE, "no_such_call").is_none());
    assert!(linker.get("wasi_unstable", "fd_write").is_none());
}

#[test]
fn an_explicit_definition_shadows_the_lazy_one() {
    let mut linker = linker();
    linker.func(
        MODULE,
        "random_get",
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |_, _, results| {
            results[0] = Val::I32(77);
            Ok(())
        },
    );
    let wat = format!(
        r#"(module
          (import "{MODULE}" "random_get" (func $r (param i32 i32) (result i32)))
          (memory 1)
          (func (export "go") (result i32) (call $r (i32.const 0) (i32.const 4))))"#
    );
    let module = Module::new(&wat::parse_str(&wat).unwrap()).unwrap();
    let instance = Instance::new(&module, &linker).unwrap();
    assert_eq!(instance.invoke("go", &[]).unwrap(), [Val::I32(77)]);
}

#[test]
fn an_unknown_wasi_import_is_reported_by_name() {
    let wat = format!(r#"(module (import "{MODULE}" "fd_teleport" (func)))"#);
    let module = Module::new(&wat::parse_str(&wat).unwrap()).unwrap();
    let err = Instance::new(&module, &linker()).unwrap_err().to_string();
    assert!(
        err.contains("unknown import") && err.contains("fd_teleport"),
        "{err}"
    );
}
