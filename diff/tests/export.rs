//! `diff_export`, the check behind `wamr-run --mode diff`.

use wamr_common::Val;
use wamr_diff::{diff_export, DiffError};

const MODULE: &str = r#"(module
  (memory (export "mem") 1)
  (func (export "store_sum") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (i32.add (local.get 0) (local.get 1)))
    (i32.load (i32.const 16)))
  (func (export "nan") (result f32)
    (f32.div (f32.const 0) (f32.const 0)))
  (func (export "oob") (result i32)
    (i32.load (i32.const 65535))))"#;

#[test]
fn equal_results_and_memory_are_reported_equal() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let report = diff_export(&wasm, "store_sum", &[Val::I32(40), Val::I32(2)]).unwrap();
    assert!(report.is_equal(), "{report}");
    let text = report.to_string();
    assert!(text.starts_with("equal:"), "{text}");
    assert!(text.contains("42:i32"), "{text}");
    assert!(text.contains("memory `mem` digest"), "{text}");
}

#[test]
fn nan_results_and_traps_compare_equal() {
    let wasm = wat::parse_str(MODULE).unwrap();
    assert!(diff_export(&wasm, "nan", &[]).unwrap().is_equal());
    let report = diff_export(&wasm, "oob", &[]).unwrap();
    assert!(report.is_equal(), "{report}");
    assert!(report.to_string().contains("MemoryOutOfBounds"), "{report}");
}

#[test]
fn wasi_imports_are_refused_with_a_clear_error() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "fd_write"
             (func (param i32 i32 i32 i32) (result i32)))
           (func (export "_start")))"#,
    )
    .unwrap();
    let err = diff_export(&wasm, "_start", &[]).unwrap_err();
    assert!(matches!(err, DiffError::Imports(_)));
    let msg = err.to_string();
    assert!(msg.contains("WASI") && msg.contains("fd_write"), "{msg}");
}

#[test]
fn unknown_export_and_wrong_arguments_are_errors() {
    let wasm = wat::parse_str(MODULE).unwrap();
    assert!(matches!(
        diff_export(&wasm, "nope", &[]),
        Err(DiffError::NoSuchExport(_))
    ));
    let err = diff_export(&wasm, "store_sum", &[Val::I32(1)]).unwrap_err();
    assert!(err.to_string().contains("(i32 i32)"), "{err}");
    assert!(matches!(
        diff_export(b"not wasm", "f", &[]),
        Err(DiffError::Invalid(_))
    ));
}
