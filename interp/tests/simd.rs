//! v128 values where the interpreter's frame layout matters, which the spec suite reaches
//! only in part: mixed v128 and scalar parameters and results (packed at calls, two slots
//! per height inside a wide function), direct, indirect and tail calls, host functions,
//! globals, blocks and `br_table` carrying v128s, and exception payloads with v128s. Each
//! runs under every handler set; expected lanes come from `wamr_common::simd`.

use wamr_common::simd;
use wamr_common::types::{FuncType, ValType};
use wamr_common::{Instance, Linker, Module, Val};
use wamr_interp::{Dispatch, HandlerSet, Interp, InterpConfig};

const WAT: &str = r#"(module
  (import "host" "mix" (func $host_mix (param i32 v128 i64 v128) (result v128 i32)))
  (type $mix_t (func (param i32 v128 i64 v128 f32) (result v128 i32 v128)))
  (table 2 funcref)
  (elem (i32.const 0) $mix)
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (tag $t (param i32 v128 i64))

  ;; (a + splat k, n + 1, b - a), with every parameter read.
  (func $mix (type $mix_t)
    (i32x4.add (local.get 1) (i32x4.splat (i32.wrap_i64 (local.get 2))))
    (i32.add (local.get 0) (i32.trunc_f32_s (local.get 4)))
    (i32x4.sub (local.get 3) (local.get 1)))

  (func (export "direct") (param v128 v128) (result v128 i32 v128)
    (call $mix (i32.const 7) (local.get 0) (i64.const 10) (local.get 1) (f32.const 2)))

  (func (export "indirect") (param v128 v128) (result v128 i32 v128)
    (call_indirect (type $mix_t)
      (i32.const 7) (local.get 0) (i64.const 10) (local.get 1) (f32.const 2) (i32.const 0)))

  (func $tail (param v128 v128) (result v128 i32 v128)
    (return_call $mix (i32.const 7) (local.get 0) (i64.const 10) (local.get 1) (f32.const 2)))
  (func (export "tail") (param v128 v128) (result v128 i32 v128)
    (call $tail (local.get 0) (local.get 1)))

  ;; The host's results, then a scalar kept below them on the stack.
  (func (export "host") (param v128 v128) (result i32 v128 i32)
    (i32.const 99)
    (call $host_mix (i32.const 5) (local.get 0) (i64.const 3) (local.get 1))
    (local.set 0 (v128.const i64x2 0 0))
    (drop (local.get 0))
    (return))

  (func (export "global") (param v128) (result v128)
    (global.set $g (i32x4.mul (global.get $g) (local.get 0)))
    (global.get $g))

  ;; A block with v128 parameters and results, a br_table carrying a v128 and an i32, a
  ;; select of v128s.
  (func (export "blocks") (param i32 v128 v128) (result v128 i32)
    (block $out (result v128 i32)
      (block $two (result v128 i32)
        (block $one (result v128 i32)
          (local.get 1) (i32.const 1)
          (br_table $one $two $out (local.get 0)))
        (drop)
        (return (i32x4.add (local.get 1) (local.get 2)) (i32.const 11)))
      (drop)
      (return (select (local.get 1) (local.get 2) (i32.const 0)) (i32.const 22)))
    (block (param v128 i32) (result v128 i32)
      (i32.add (i32.const 1))))

  ;; Throws (7, v, 9) and catches it with catch, catch_ref and a legacy catch.
  (func $throw (param v128) (throw $t (i32.const 7) (local.get 0) (i64.const 9)))
  (func (export "catch") (param v128) (result i32 v128 i64)
    (block $h (result i32 v128 i64)
      (try_table (catch $t $h) (call $throw (local.get 0)))
      (unreachable)))
  (func (export "catch_ref") (param v128) (result i32 v128 i64)
    (block $h (result i32 v128 i64 exnref)
      (try_table (catch_ref $t $h) (call $throw (local.get 0)))
      (unreachable))
    (drop))
  (func (export "legacy") (param v128) (result i32 v128 i64)
    try (result i32 v128 i64)
      local.get 0
      call $throw
      unreachable
    catch $t
    end)
)"#;

fn v(lanes: [u32; 4]) -> u128 {
    simd::from_u32x4(lanes)
}

fn instance(handlers: HandlerSet, dispatch: Dispatch) -> Instance {
    let module = Module::new(&wat::parse_str(WAT).unwrap()).unwrap();
    let mut linker = Linker::new(Interp::new(InterpConfig {
        handlers,
        dispatch,
        ..Default::default()
    }));
    let ty = FuncType::new(
        [ValType::I32, ValType::V128, ValType::I64, ValType::V128],
        [ValType::V128, ValType::I32],
    );
    linker.func("host", "mix", ty, |_, args, results| {
        let [Val::I32(n), Val::V128(a), Val::I64(k), Val::V128(b)] = args else {
            panic!("argument types: {args:?}");
        };
        results[0] = Val::V128(simd::i32x4_add(
            simd::i32x4_mul(*a, *b),
            simd::i32x4_splat(*k as u32),
        ));
        results[1] = Val::I32(n * 2);
        Ok(())
    });
    Instance::new(&module, &linker).unwrap()
}

fn every_configuration() -> Vec<(HandlerSet, Dispatch)> {
    let mut sets = vec![HandlerSet::Generic, HandlerSet::Portable];
    if wamr_interp::avx2_supported() {
        sets.push(HandlerSet::Avx2);
    }
    sets.into_iter()
        .flat_map(|h| [(h, Dispatch::Loop), (h, Dispatch::Threaded)])
        .collect()
}

#[test]
fn calls_pack_and_unpack_v128_arguments_and_results() {
    let (a, b) = (v([1, 2, 3, 0xffff_ffff]), v([10, 20, 30, 40]));
    let mixed = vec![
        Val::V128(simd::i32x4_add(a, simd::i32x4_splat(10))),
        Val::I32(9),
        Val::V128(simd::i32x4_sub(b, a)),
    ];
    for (handlers, dispatch) in every_configuration() {
        let inst = instance(handlers, dispatch);
        for export in ["direct", "indirect", "tail"] {
            assert_eq!(
                inst.invoke(export, &[Val::V128(a), Val::V128(b)]).unwrap(),
                mixed,
                "{export} {handlers:?} {dispatch:?}"
            );
        }
        let host = simd::i32x4_add(simd::i32x4_mul(a, b), simd::i32x4_splat(3));
        assert_eq!(
            inst.invoke("host", &[Val::V128(a), Val::V128(b)]).unwrap(),
            vec![Val::I32(99), Val::V128(host), Val::I32(10)],
            "host {handlers:?} {dispatch:?}"
        );
    }
}

#[test]
fn globals_blocks_and_branches_carry_v128() {
    let (a, b) = (v([1, 2, 3, 4]), v([5, 6, 7, 8]));
    for (handlers, dispatch) in every_configuration() {
        let inst = instance(handlers, dispatch);
        let g = simd::i32x4_mul(v([1, 2, 3, 4]), b);
        assert_eq!(
            inst.invoke("global", &[Val::V128(b)]).unwrap(),
            vec![Val::V128(g)]
        );
        let g = simd::i32x4_mul(g, b);
        assert_eq!(
            inst.invoke("global", &[Val::V128(b)]).unwrap(),
            vec![Val::V128(g)]
        );
        let blocks = |i: i32| inst.invoke("blocks", &[Val::I32(i), Val::V128(a), Val::V128(b)]);
        assert_eq!(
            blocks(0).unwrap(),
            vec![Val::V128(simd::i32x4_add(a, b)), Val::I32(11)]
        );
        assert_eq!(blocks(1).unwrap(), vec![Val::V128(b), Val::I32(22)]);
        assert_eq!(blocks(2).unwrap(), vec![Val::V128(a), Val::I32(2)]);
        assert_eq!(blocks(7).unwrap(), vec![Val::V128(a), Val::I32(2)]);
    }
}

#[test]
fn exception_payloads_hold_v128() {
    let a = v([0xdead_beef, 1, 2, 0x8000_0000]);
    let payload = vec![Val::I32(7), Val::V128(a), Val::I64(9)];
    for (handlers, dispatch) in every_configuration() {
        let inst = instance(handlers, dispatch);
        for export in ["catch", "catch_ref", "legacy"] {
            assert_eq!(
                inst.invoke(export, &[Val::V128(a)]).unwrap(),
                payload,
                "{export} {handlers:?} {dispatch:?}"
            );
        }
    }
}

#[test]
fn vector_operators_on_constants_are_folded() {
    let wat = r#"(module
      (func (export "f") (result v128)
        (i32x4.mul
          (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))
          (v128.const i32x4 2 2 2 2))))"#;
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let linker = Linker::new(Interp::new(InterpConfig {
        eager: true,
        ..Default::default()
    }));
    let inst = Instance::new(&module, &linker).unwrap();
    let want = simd::i32x4_mul(
        simd::i32x4_add(v([1, 2, 3, 4]), v([10, 20, 30, 40])),
        simd::i32x4_splat(2),
    );
    assert_eq!(inst.invoke("f", &[]).unwrap(), vec![Val::V128(want)]);
    let code = wamr_interp::InterpInstance::of(inst.data())
        .unwrap()
        .translated_code(0)
        .unwrap();
    let listing = wamr_interp::translate::disassemble(&code);
    assert!(!listing.contains("i32x4"), "{listing}");
    assert_eq!(listing.matches("v128_const").count(), 1, "{listing}");
}
