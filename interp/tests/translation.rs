//! Properties of translation that the spec suite does not show: laziness, and bytecode
//! that does not depend on the handler set.

use std::path::Path;

use wamr_common::{Instance, Linker, Module, Val};
use wamr_interp::{Dispatch, HandlerSet, Interp, InterpConfig, InterpInstance};

/// A module with many functions where `main` calls only a few of them.
fn many_functions(n: usize) -> Vec<u8> {
    let mut wat = String::from("(module\n");
    for i in 0..n {
        wat.push_str(&format!(
            "(func $f{i} (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))\n"
        ));
    }
    wat.push_str("(func (export \"main\") (result i32) (call $f1 (call $f2 (i32.const 10))))\n)");
    wat::parse_str(&wat).unwrap()
}

#[test]
fn translation_is_lazy_and_eager_on_request() {
    let module = Module::new(&many_functions(2000)).unwrap();
    let lazy = Linker::new(Interp::new(InterpConfig::default()));
    let inst = Instance::new(&module, &lazy).unwrap();
    let state = InterpInstance::of(inst.data()).unwrap();
    assert_eq!(
        state.translated_count(),
        0,
        "nothing runs before the first call"
    );
    assert_eq!(inst.invoke("main", &[]).unwrap(), vec![Val::I32(13)]);
    assert_eq!(state.translated_count(), 3, "main, $f1 and $f2 only");

    let eager = Linker::new(Interp::new(InterpConfig {
        eager: true,
        ..Default::default()
    }));
    let inst = Instance::new(&module, &eager).unwrap();
    assert_eq!(
        InterpInstance::of(inst.data()).unwrap().translated_count(),
        2001
    );
}

#[test]
fn bytecode_is_identical_under_every_handler_set() {
    // Scalar ops some sets specialise (BMI), SIMD lane ops every set implements its own
    // way, and SIMD memory ops.
    let wat = r#"(module (memory 1)
      (func (export "f") (param i32 i64) (result i64) (local i32)
        (local.set 2 (i32.clz (local.get 0)))
        (if (i32.lt_u (local.get 2) (i32.const 5)) (then (i32.store (i32.const 8) (local.get 2))))
        (i64.add (i64.popcnt (local.get 1)) (i64.ctz (local.get 1))))
      (func (export "g") (param v128 i32) (result i32) (local v128)
        (local.set 2 (i8x16.swizzle (local.get 0) (v128.load offset=16 (local.get 1))))
        (v128.store (i32.const 32) (i32x4.mul (local.get 2) (i32x4.splat (local.get 1))))
        (i32.add (i8x16.bitmask (local.get 2)) (i32x4.extract_lane 3 (f32x4.ceil (local.get 0))))))"#;
    let bytes = wat::parse_str(wat).unwrap();
    // A fresh module each time: translated code is cached in the module.
    let code_with = |handlers| {
        let module = Module::new(&bytes).unwrap();
        let linker = Linker::new(Interp::new(InterpConfig {
            handlers,
            eager: true,
            ..Default::default()
        }));
        let inst = Instance::new(&module, &linker).unwrap();
        let out = inst.invoke("f", &[Val::I32(1), Val::I64(0xf0)]).unwrap();
        assert_eq!(out, vec![Val::I64(8)]);
        let out = inst
            .invoke("g", &[Val::V128(0x3f80_0000 << 96), Val::I32(2)])
            .unwrap();
        assert_eq!(out, vec![Val::I32(0x3f80_0000)], "{handlers:?}");
        let state = InterpInstance::of(inst.data()).unwrap();
        [
            state.translated_code(0).unwrap(),
            state.translated_code(1).unwrap(),
        ]
    };
    let generic = code_with(HandlerSet::Generic);
    assert!(generic.iter().all(|code| !code.is_empty()));
    assert_eq!(generic, code_with(HandlerSet::Portable));
    if wamr_interp::avx2_supported() {
        assert_eq!(generic, code_with(HandlerSet::Avx2));
    }
    assert_eq!(generic, code_with(HandlerSet::Auto));
}

/// An instance of `wat` with every function translated, and function 0's bytecode.
fn translated(wat: &str) -> (Instance, Vec<u32>) {
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let linker = Linker::new(Interp::new(InterpConfig {
        eager: true,
        ..Default::default()
    }));
    let inst = Instance::new(&module, &linker).unwrap();
    let code = InterpInstance::of(inst.data())
        .unwrap()
        .translated_code(0)
        .unwrap()
        .to_vec();
    (inst, code)
}

fn listing(wat: &str) -> String {
    wamr_interp::translate::disassemble(&translated(wat).1)
}

#[test]
fn locals_and_constants_fold_and_compares_fuse() {
    let text = listing(
        r#"(module (func (param i32) (result i32) (local i32)
            (loop
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br_if 0 (i32.gt_u (local.get 0) (i32.const 10))))
            (local.get 1)))"#,
    );
    // local.get and constants are operands; local.set retargets the producer.
    assert!(text.contains("i32_add_sss s1, s1, s0"), "{text}");
    assert!(text.contains("i32_sub_ssi s0, s0, #1"), "{text}");
    // The comparison fuses into the branch, which jumps back to the loop head.
    // The loop head follows the prologue that zeroes local 1 (read before written).
    assert!(text.starts_with("    0: copy_imm32 s1, #0"), "{text}");
    assert!(text.contains("br_i32_gt_u_si s0, #10, -> 3"), "{text}");
    assert!(!text.contains(": i32_gt_u"), "{text}");
    // Only the result move and the return remain (one super-instruction).
    assert!(
        text.contains("copy__ret s0, s1") && text.trim_end().ends_with("ret"),
        "{text}"
    );
}

#[test]
fn translated_code_belongs_to_the_module() {
    let module = Module::new(&many_functions(50)).unwrap();
    let linker = Linker::new(Interp::new(InterpConfig::default()));
    let first = Instance::new(&module, &linker).unwrap();
    assert_eq!(first.invoke("main", &[]).unwrap(), vec![Val::I32(13)]);
    let state = InterpInstance::of(first.data()).unwrap();
    assert_eq!(state.module_code().translations(), 3);

    // A second instance, even under another handler set, translates nothing: its
    // entries install the module's code on their first call.
    let other = Linker::new(Interp::new(InterpConfig {
        handlers: HandlerSet::Generic,
        ..Default::default()
    }));
    let second = Instance::new(&module, &other).unwrap();
    let state2 = InterpInstance::of(second.data()).unwrap();
    assert_eq!(state2.translated_count(), 0, "installed lazily");
    assert_eq!(second.invoke("main", &[]).unwrap(), vec![Val::I32(13)]);
    assert_eq!(state2.translated_count(), 3);
    assert_eq!(
        state2.module_code().translations(),
        3,
        "nothing translated again"
    );
    assert_eq!(
        state.translated_code(1),
        state2.translated_code(1),
        "one copy of the code"
    );
}

/// A `br_table` whose entries all name a target that needs moves (here: two results
/// that are not yet in the label's slots) shares one move-and-jump stub: the code grows
/// by two words per entry (its offset and its target's opcode), not by a stub per entry.
#[test]
fn br_table_entries_share_their_move_stubs() {
    let code_words = |entries: usize| {
        let targets = "0 ".repeat(entries);
        let wat = format!(
            r#"(module (func (export "f") (param i32) (result i32 i32)
                (block (result i32 i32)
                  (i32.const 7) (local.get 0)
                  (br_table {targets} 0 (local.get 0)))))"#
        );
        let (inst, code) = translated(&wat);
        let results = inst.invoke("f", &[Val::I32(3)]).unwrap();
        assert_eq!(results, [Val::I32(7), Val::I32(3)]);
        code.len()
    };
    assert_eq!(
        code_words(10_010) - code_words(10),
        20_000,
        "two table words per extra entry"
    );
}

/// `local.set` on a deep operand stack costs the same as on a shallow one: translation
/// stays linear in the function's size (it once scanned the whole stack per `local.set`,
/// 4e10 steps here). The bound is a guard against that blow-up, not a measurement.
#[test]
fn local_set_on_a_deep_stack_is_linear() {
    const N: usize = 200_000;
    let mut body = String::with_capacity(N * 40);
    for i in 0..N {
        body.push_str(&format!("(i32.const {i})\n"));
    }
    for _ in 0..N {
        body.push_str("(local.set 0 (i32.const 5))\n");
    }
    body.push_str(&"drop\n".repeat(N));
    // A copy of local 0 already on the stack each time it is set: that copy is
    // materialised (found through the index, not by a scan).
    let mut again = String::with_capacity(N * 60);
    for i in 0..N {
        again.push_str(&format!("(i32.const {i})\n"));
    }
    for _ in 0..N {
        again.push_str("(local.get 0) (local.set 0 (i32.add (local.get 0) (i32.const 1)))\n");
    }
    again.push_str(&"drop\n".repeat(2 * N));
    let wat = format!(
        "(module (func (export \"f\") (result i32) (local i32)\n{body} (local.get 0))
           (func (export \"g\") (result i32) (local i32)\n{again} (local.get 0)))"
    );
    let wasm = wat::parse_str(wat).unwrap();
    let started = std::time::Instant::now();
    let module = Module::new(&wasm).unwrap();
    let linker = Linker::new(Interp::new(InterpConfig::default()));
    let inst = Instance::new(&module, &linker).unwrap();
    assert_eq!(inst.invoke("f", &[]).unwrap(), [Val::I32(5)]);
    assert_eq!(inst.invoke("g", &[]).unwrap(), [Val::I32(N as i32)]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "translation took {:?}",
        started.elapsed()
    );
}

/// The state machine of `golden/threading.wat`, whose cases the translator threads
/// (each jumps straight to the next state's case), counts the runs of digits of any
/// string as a plain reading of the string does, under both dispatchers.
#[test]
fn a_threaded_state_machine_counts_what_the_string_holds() {
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/threading.wat");
    let module = Module::new(&wat::parse_file(&wat).unwrap()).unwrap();
    let strings: [&[u8]; 6] = [
        b"",
        b"7",
        b"12 ab 345 c6",
        b"no digits here",
        b"0a1b2c3d4e5f",
        b"9999999999 x 8888888888888888",
    ];
    for dispatch in [Dispatch::Threaded, Dispatch::Loop] {
        let linker = Linker::new(Interp::new(InterpConfig {
            dispatch,
            ..Default::default()
        }));
        let instance = Instance::new(&module, &linker).unwrap();
        let memory = instance.get_memory("memory").unwrap();
        for s in strings {
            let expected = s
                .split(|b| !b.is_ascii_digit())
                .filter(|run| !run.is_empty())
                .count() as i32;
            let mut text = s.to_vec();
            text.push(0);
            memory.write(100, &text).unwrap();
            let got = instance.invoke("numbers", &[Val::I32(100)]).unwrap();
            assert_eq!(got, [Val::I32(expected)], "{dispatch:?} on {s:?}");
        }
    }
}
