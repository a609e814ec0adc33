//! Traps from compiled code name the function that trapped (the innermost frame; AOT
//! code has no frame pointers, so outer frames are not recorded).

mod common;
use common::load;
use std::path::PathBuf;

use wamr_aot::abi::CodegenOptions;
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, Trap, Val};

const WAT: &str = r#"(module
  (memory 1)
  (func $outer (export "outer") (call $inner))
  (func $inner unreachable)
  (func $load (export "load") (param i32) (result i32) (call $do_load (local.get 0)))
  (func $do_load (param i32) (result i32) (i32.load (local.get 0)))
  (func $div (export "div") (param i32 i32) (result i32)
    (call $do_div (local.get 0) (local.get 1)))
  (func $do_div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "anon") (call 1))
  (func $fill (export "fill") (memory.fill (i32.const 65530) (i32.const 0) (i32.const 100)))
)"#;

fn instance(name: &str, codegen: CodegenOptions) -> (Instance, PathBuf) {
    let dir = std::env::temp_dir().join(format!("wamr-bt-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = compile(
        &wat::parse_str(WAT).unwrap(),
        &CompileOptions {
            codegen,
            ..Default::default()
        },
    )
    .unwrap();
    let path = dir.join("bt.aot");
    wamr_aot::write_image(&path, &image).unwrap();
    let module = load(&path).unwrap();
    let linker = Linker::new(Aot::new());
    (Instance::new(&module, &linker).unwrap(), dir)
}

fn trap(i: &Instance, name: &str, args: &[Val]) -> Trap {
    i.invoke(name, args).unwrap_err()
}

fn innermost(t: &Trap) -> Option<&str> {
    t.backtrace().first().map(String::as_str)
}

#[test]
fn unreachable_names_the_trapping_function() {
    let (i, dir) = instance("unreachable", CodegenOptions::default());
    let t = trap(&i, "outer", &[]);
    assert_eq!(t.message(), "unreachable");
    assert_eq!(innermost(&t), Some("inner"));
    assert_eq!(innermost(&trap(&i, "anon", &[])), Some("inner"));
    let t = trap(&i, "div", &[Val::I32(1), Val::I32(0)]);
    assert_eq!(t.message(), "integer divide by zero");
    assert_eq!(innermost(&t), Some("do_div"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn guard_page_fault_names_the_trapping_function() {
    let (i, dir) = instance("guard", CodegenOptions::default());
    for addr in [-1, 65534] {
        let t = trap(&i, "load", &[Val::I32(addr)]);
        assert_eq!(t.message(), "out of bounds memory access");
        assert_eq!(innermost(&t), Some("do_load"), "address {addr}");
    }
    // The next call is clean, and a later trap does not reuse the earlier address.
    assert_eq!(i.invoke("load", &[Val::I32(0)]).unwrap(), vec![Val::I32(0)]);
    assert_eq!(innermost(&trap(&i, "outer", &[])), Some("inner"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explicit_bounds_check_names_the_trapping_function() {
    let codegen = CodegenOptions {
        bounds_checks: true,
        ..Default::default()
    };
    let (i, dir) = instance("checks", codegen);
    let t = trap(&i, "load", &[Val::I32(-1)]);
    assert_eq!(t.message(), "out of bounds memory access");
    assert_eq!(innermost(&t), Some("do_load"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn helper_traps_have_no_backtrace() {
    // memory.fill fails inside a runtime helper, whose caller is not known.
    let (i, dir) = instance("helper", CodegenOptions::default());
    let t = trap(&i, "fill", &[]);
    assert_eq!(t.message(), "out of bounds memory access");
    assert!(t.backtrace().is_empty(), "{:?}", t.backtrace());
    std::fs::remove_dir_all(&dir).unwrap();
}
