//! Explicit bounds checks keep memory 0's size in a variable, loaded at entry and again
//! after every call and `memory.grow`: growth by a callee (direct, indirect, through a
//! table or in a loop) is seen by the very next access, and the old end still traps
//! once past the new one.

mod common;
use common::load;

use wamr_aot::abi::CodegenOptions;
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, TrapKind, Val};

const GROWING: &str = r#"(module
  (memory 1)
  (table funcref (elem $grow))
  (type $grow_t (func (param i32) (result i32)))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  ;; Reads memory (the bound is live), grows it through a direct call, then uses the
  ;; new page.
  (func (export "direct") (result i32)
    (i32.store (i32.const 0) (i32.const 1))
    (drop (call $grow (i32.const 1)))
    (i32.store (i32.const 65536) (i32.const 42))
    (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 65536))))
  (func (export "indirect") (result i32)
    (i32.store (i32.const 0) (i32.const 2))
    (drop (call_indirect (type $grow_t) (i32.const 1) (i32.const 0)))
    (i32.store (i32.const 131072) (i32.const 40))
    (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 131072))))
  ;; A loop that grows by a page through a call on each turn and uses the new page
  ;; at once: the bound must be fresh inside the loop.
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $sum i32) (local $page i32)
    (loop $l
      (local.set $page (i32.mul (call $grow (i32.const 1)) (i32.const 65536)))
      (i32.store (local.get $page) (local.get $i))
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $page))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
  ;; memory.grow in the same function, then the new page.
  (func (export "inline") (result i32)
    (local $page i32)
    (i32.store (i32.const 8) (i32.const 5))
    (local.set $page (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)))
    (i32.store offset=4 (local.get $page) (i32.const 6))
    (i32.add (i32.load (i32.const 8)) (i32.load offset=4 (local.get $page))))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;

fn instance(indirect_calls: bool, dir: &common::ImageDir) -> Instance {
    let opts = CompileOptions {
        codegen: CodegenOptions {
            bounds_checks: true,
            indirect_calls,
            ..Default::default()
        },
        ..Default::default()
    };
    let image = compile(&wat::parse_str(GROWING).unwrap(), &opts).unwrap();
    let path = dir.write(&format!("grow-{indirect_calls}.aot"), &image);
    let module = load(&path).unwrap();
    Instance::new(&module, &Linker::new(Aot::new())).unwrap()
}

fn call(i: &Instance, name: &str, args: &[Val]) -> Val {
    i.invoke(name, args).unwrap()[0].clone()
}

#[test]
fn growth_by_a_callee_is_seen_by_the_next_access() {
    let dir = common::ImageDir::new("bounds");
    for indirect_calls in [false, true] {
        let i = instance(indirect_calls, &dir);
        assert_eq!(call(&i, "direct", &[]), Val::I32(43));
        assert_eq!(call(&i, "size", &[]), Val::I32(2));
        // The end of the second page traps; growth through the table moves it.
        let past = Val::I32(2 * 65536);
        let err = i.invoke("load", std::slice::from_ref(&past)).unwrap_err();
        assert_eq!(err.kind(), TrapKind::MemoryOutOfBounds);
        assert_eq!(call(&i, "indirect", &[]), Val::I32(42));
        assert_eq!(call(&i, "size", &[]), Val::I32(3));
        assert_eq!(call(&i, "load", &[past]), Val::I32(40));
        assert_eq!(call(&i, "inline", &[]), Val::I32(11));
        // Pages 4..=9 come one per turn; the loop writes into each right after.
        assert_eq!(call(&i, "loop", &[Val::I32(6)]), Val::I32(15));
        assert_eq!(call(&i, "size", &[]), Val::I32(10));
        let err = i.invoke("load", &[Val::I32(10 * 65536 - 3)]).unwrap_err();
        assert_eq!(err.kind(), TrapKind::MemoryOutOfBounds, "{err}");
    }
}
