//! The LLVM tier (`--backend=llvm`): deterministic images, loops LLVM would like to turn
//! into `memset`/`memcpy` calls compiled without any symbol, and calls between an LLVM
//! image and a Cranelift image in one store (different calling conventions, so through
//! the runtime). Built only with the `llvm` feature.
#![cfg(feature = "llvm")]

mod common;
use common::{load, ImageDir};

use wamr_aot::abi::{Backend, CodegenOptions};
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, Val};

fn options(backend: Backend) -> CompileOptions {
    wamr_aot::enable_llvm_backend();
    CompileOptions {
        codegen: CodegenOptions {
            backend,
            opt_level: 2,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Byte loops: a fill, a copy and a sum, the shapes LLVM recognises as library calls.
const LOOPS: &str = r#"(module
  (memory (export "mem") 1)
  (func (export "fill") (param $at i32) (param $n i32) (param $byte i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func (export "copy") (param $to i32) (param $from i32) (param $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (local.get $to) (i32.load8_u (local.get $from)))
      (local.set $to (i32.add (local.get $to) (i32.const 1)))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func (export "sum") (param $at i32) (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $at))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s))
)"#;

#[test]
fn same_input_same_image() {
    let wasm = wat::parse_str(LOOPS).unwrap();
    let one = compile(&wasm, &options(Backend::Llvm)).unwrap();
    let two = compile(&wasm, &options(Backend::Llvm)).unwrap();
    assert_eq!(one, two);
    assert_ne!(one, compile(&wasm, &options(Backend::Cranelift)).unwrap());
}

#[test]
fn byte_loops_compile_to_code_without_library_calls_and_run() {
    let wasm = wat::parse_str(LOOPS).unwrap();
    // The linker refuses any reference outside the image, so compiling is the check.
    let image = compile(&wasm, &options(Backend::Llvm)).unwrap();
    let dir = ImageDir::new("llvm-loops");
    let module = load(&dir.write("loops.aot", &image)).unwrap();
    let linker = Linker::new(Aot::new());
    let inst = Instance::new(&module, &linker).unwrap();
    let call = |name: &str, args: &[i32]| {
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        inst.invoke(name, &args).unwrap()
    };
    call("fill", &[100, 1000, 7]);
    call("copy", &[5000, 100, 1000]);
    let expected: i32 = 7 * 1000;
    assert_eq!(call("sum", &[5000, 1000]), vec![Val::I32(expected)]);
    assert_eq!(call("sum", &[5000, 1001]), vec![Val::I32(expected)]);
    // Past the end of memory: the fill traps (guard pages) rather than writing elsewhere.
    let err = inst
        .invoke("fill", &[Val::I32(65530), Val::I32(100), Val::I32(1)])
        .unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
    // The bytes before the fault were written, as in the other engines.
    assert_eq!(call("sum", &[65530, 6]), vec![Val::I32(6)]);
}

/// Calls both ways between an LLVM image and a Cranelift image instantiated in one store:
/// direct calls would mix two calling conventions, so each tier calls the other through
/// the runtime.
#[test]
fn calls_between_tiers_go_through_the_runtime() {
    let callee = r#"(module
      (func (export "mix") (param i32 i64 f64) (result i64 i32)
        (i64.add (local.get 1) (i64.trunc_f64_s (local.get 2)))
        (i32.mul (local.get 0) (i32.const 3)))
      (func $fib (export "fib") (param i32) (result i32)
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
          (then (local.get 0))
          (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;
    let caller = r#"(module
      (import "lib" "mix" (func $mix (param i32 i64 f64) (result i64 i32)))
      (import "lib" "fib" (func $fib (param i32) (result i32)))
      (table 1 funcref) (elem (i32.const 0) $fib)
      (type $t (func (param i32) (result i32)))
      (func (export "direct") (param i32) (result i64 i32)
        (call $mix (local.get 0) (i64.const 40) (f64.const 2.5)))
      (func (export "indirect") (param i32) (result i32)
        (call_indirect (type $t) (local.get 0) (i32.const 0))))"#;
    let dir = ImageDir::new("llvm-tiers");
    for (callee_tier, caller_tier) in [
        (Backend::Llvm, Backend::Cranelift),
        (Backend::Cranelift, Backend::Llvm),
        (Backend::Llvm, Backend::Llvm),
    ] {
        let image = |wat: &str, tier: Backend, name: &str| {
            let wasm = wat::parse_str(wat).unwrap();
            let image = compile(&wasm, &options(tier)).unwrap();
            load(&dir.write(name, &image)).unwrap()
        };
        let lib = image(callee, callee_tier, "lib.aot");
        let app = image(caller, caller_tier, "app.aot");
        let mut linker = Linker::new(Aot::new());
        let lib = Instance::new(&lib, &linker).unwrap();
        linker.instance("lib", &lib);
        let app = Instance::new(&app, &linker).unwrap();
        let tiers = format!("{callee_tier:?} callee, {caller_tier:?} caller");
        assert_eq!(
            app.invoke("direct", &[Val::I32(5)]).unwrap(),
            vec![Val::I64(42), Val::I32(15)],
            "{tiers}"
        );
        assert_eq!(
            app.invoke("indirect", &[Val::I32(20)]).unwrap(),
            vec![Val::I32(6765)],
            "{tiers}"
        );
    }
}

/// Several results (through the return area) across calls and a million `return_call`s,
/// which run in constant stack, with direct calls and in indirect mode.
#[test]
fn many_results_and_tail_calls() {
    let wat = r#"(module
      (func $six (param i64) (result i64 i64 i64 i64 i64 i64)
        (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5))
      (func $count (export "count") (param i64 i64) (result i64 i64 i64 i64 i64 i64)
        (if (i64.eqz (local.get 0)) (then (return_call $six (local.get 1))))
        (return_call $count (i64.sub (local.get 0) (i64.const 1))
                            (i64.add (local.get 1) (i64.const 2))))
      (func (export "sum") (param i64) (result i64)
        (call $count (local.get 0) (i64.const 0))
        (i64.add) (i64.add) (i64.add) (i64.add) (i64.add)))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let dir = ImageDir::new("llvm-results");
    // Direct calls, and indirect mode, whose calls compare the table's entry with the
    // image's own function and call that directly (tail calls in both arms).
    for indirect_calls in [false, true] {
        let mut opts = options(Backend::Llvm);
        opts.codegen.indirect_calls = indirect_calls;
        let image = compile(&wasm, &opts).unwrap();
        let module = load(&dir.write("results.aot", &image)).unwrap();
        let linker = Linker::new(Aot::new());
        let inst = Instance::new(&module, &linker).unwrap();
        let n: i64 = 1_000_000;
        assert_eq!(
            inst.invoke("sum", &[Val::I64(n)]).unwrap(),
            vec![Val::I64(2 * n + 15)],
            "indirect calls: {indirect_calls}"
        );
        assert_eq!(
            inst.invoke("count", &[Val::I64(3), Val::I64(10)]).unwrap(),
            [16, 1, 2, 3, 4, 5].map(Val::I64).to_vec(),
            "indirect calls: {indirect_calls}"
        );
    }
}
