//! A program that has not installed the LLVM tier (`wamr_aot::enable_llvm_backend`) and
//! asks for it gets a clear error, not a panic. Its own test binary: the tier, once
//! installed, stays installed for the process.
#![cfg(feature = "llvm")]

use wamr_aot::abi::{Backend, CodegenOptions};
use wamr_aot::{compile, CompileOptions};

#[test]
fn llvm_backend_not_enabled_is_a_clear_error() {
    let wasm =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 7)))"#).unwrap();
    let opts = CompileOptions {
        codegen: CodegenOptions {
            backend: Backend::Llvm,
            ..Default::default()
        },
        ..Default::default()
    };
    let e = compile(&wasm, &opts).unwrap_err().to_string();
    assert!(e.contains("enable_llvm_backend"), "{e}");
    // Cranelift needs nothing installed.
    let opts = CompileOptions::default();
    assert!(!compile(&wasm, &opts).unwrap().is_empty());
}
