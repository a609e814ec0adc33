//! 64-bit memories and tables in both engines, at the edges the spec suite leaves out
//! (it has no 64-bit table scripts): an index past 2^32 is out of bounds, never wrapped
//! to a small one; growth failures are -1 of the index type; bulk operations take 64-bit
//! operands. Every engine configuration must give the same observations.

use wamr_diff::gen::{Plan, PlannedCall};
use wamr_diff::run::{observe, EngineId, FaultKind};
use wamr_diff::Value;

const WAT: &str = r#"(module
  (type $t (func (result i32)))
  (table $t64 i64 4 funcref)
  (table $t32 2 funcref)
  (memory $m64 i64 1 3)
  (func $a (result i32) (i32.const 10))
  (func $b (result i32) (i32.const 20))
  (elem (table $t64) (i64.const 1) func $a $b)
  (elem (table $t32) (i32.const 0) func $b)

  (func (export "call") (param i64) (result i32) (call_indirect $t64 (type $t) (local.get 0)))
  (func (export "tail") (param i64) (result i32)
    (return_call_indirect $t64 (type $t) (local.get 0)))
  (func (export "size") (result i64) (table.size $t64))
  (func (export "grow") (param i64) (result i64) (table.grow $t64 (ref.null func) (local.get 0)))
  (func (export "grow32") (param i32) (result i32) (table.grow $t32 (ref.null func) (local.get 0)))
  (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t64 (local.get 0))))
  (func (export "set") (param i64) (table.set $t64 (local.get 0) (ref.func $b)))
  (func (export "fill") (param i64 i64) (table.fill $t64 (local.get 0) (ref.func $a) (local.get 1)))
  (func (export "copy") (param i64 i64 i64)
    (table.copy $t64 $t64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_from32") (param i64 i32 i32)
    (table.copy $t64 $t32 (local.get 0) (local.get 1) (local.get 2)))

  (func (export "load") (param i64) (result i32) (i32.load8_u $m64 (local.get 0)))
  (func (export "load_far") (param i64) (result i32)
    (i32.load $m64 offset=0x100000000 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store $m64 (local.get 0) (local.get 1)))
  (func (export "mem_size") (result i64) (memory.size $m64))
  (func (export "mem_grow") (param i64) (result i64) (memory.grow $m64 (local.get 0)))
  (func (export "mem_fill") (param i64 i32 i64) (memory.fill $m64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "mem_copy") (param i64 i64 i64) (memory.copy $m64 $m64 (local.get 0) (local.get 1) (local.get 2)))
)"#;

fn call(export: &str, args: Vec<Value>) -> PlannedCall {
    PlannedCall {
        export: export.into(),
        args,
    }
}

#[test]
fn indices_past_four_gib_trap_in_every_engine() {
    use Value::{I32, I64};
    let wasm = wat::parse_str(WAT).unwrap();
    let far = 1i64 << 32;
    let plan = Plan {
        calls: vec![
            call("call", vec![I64(1)]),
            call("call", vec![I64(2)]),
            call("call", vec![I64(0)]),
            call("call", vec![I64(4)]),
            call("call", vec![I64(far + 1)]),
            call("tail", vec![I64(far + 2)]),
            call("tail", vec![I64(2)]),
            call("size", vec![]),
            call("grow", vec![I64(2)]),
            call("grow", vec![I64(1 << 40)]),
            call("grow32", vec![I32(-1)]),
            call("size", vec![]),
            call("is_null", vec![I64(far)]),
            call("is_null", vec![I64(5)]),
            call("set", vec![I64(far << 1)]),
            call("set", vec![I64(5)]),
            call("fill", vec![I64(0), I64(1)]),
            call("fill", vec![I64(far), I64(1)]),
            call("copy", vec![I64(3), I64(1), I64(1)]),
            call("copy", vec![I64(0), I64(far), I64(1)]),
            call("copy_from32", vec![I64(4), I32(0), I32(1)]),
            call("call", vec![I64(0)]),
            call("call", vec![I64(3)]),
            call("call", vec![I64(4)]),
            call("call", vec![I64(5)]),
            call("store", vec![I64(65532), I32(0x0102_0304)]),
            call("load", vec![I64(65532)]),
            call("load", vec![I64(65536)]),
            call("load", vec![I64(far)]),
            call("load", vec![I64(-1)]),
            call("load_far", vec![I64(0)]),
            call("mem_size", vec![]),
            call("mem_grow", vec![I64(1)]),
            call("mem_grow", vec![I64(far)]),
            call("mem_size", vec![]),
            call("load", vec![I64(65536)]),
            call("mem_fill", vec![I64(70000), I32(7), I64(3)]),
            call("load", vec![I64(70002)]),
            call("mem_fill", vec![I64(far), I32(7), I64(1)]),
            call("mem_copy", vec![I64(0), I64(70000), I64(3)]),
            call("load", vec![I64(1)]),
            call("mem_copy", vec![I64(0), I64(-1), I64(2)]),
        ],
    };
    let reference = observe(EngineId::Interp, &wasm, &plan);
    assert!(
        reference.instantiation.is_ok(),
        "{:?}",
        reference.instantiation
    );
    let outcomes: Vec<_> = reference.calls.iter().map(|c| c.outcome.clone()).collect();
    // Spot checks of the reference itself: the wide index does not wrap.
    let ok = |i: usize| outcomes[i].clone().unwrap();
    let trap = |i: usize| outcomes[i].clone().unwrap_err();
    assert_eq!(ok(0), [I32(10)]);
    assert_eq!(ok(1), [I32(20)]);
    assert!(
        trap(4).message.contains("undefined element"),
        "{:?}",
        trap(4)
    );
    assert!(trap(5).message.contains("undefined element"));
    assert_eq!(ok(6), [I32(20)]);
    assert_eq!(ok(8), [I64(4)]);
    assert_eq!(ok(9), [I64(-1)]);
    assert_eq!(ok(10), [I32(-1)]);
    assert_eq!(ok(11), [I64(6)]);
    assert_eq!(
        trap(12).kind,
        FaultKind::Trap(wamr_common::TrapKind::TableOutOfBounds)
    );
    assert_eq!(ok(21), [I32(10)]);
    assert_eq!(ok(23), [I32(20)]);
    assert_eq!(ok(26), [I32(4)]);
    assert!(trap(28).message.contains("out of bounds memory access"));
    assert!(trap(29).message.contains("out of bounds memory access"));
    assert!(trap(30).message.contains("out of bounds memory access"));
    assert_eq!(ok(32), [I64(1)]);
    assert_eq!(ok(33), [I64(-1)]);
    assert_eq!(ok(37), [I32(7)]);
    assert_eq!(ok(40), [I32(7)]);
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    for engine in EngineId::all() {
        let got = observe(engine, &wasm, &plan);
        if let Some(d) =
            wamr_diff::compare::compare(&reference, &got, wamr_diff::compare::NanMode::Exact)
        {
            panic!("{engine} differs from the interpreter: {d}");
        }
    }
}
