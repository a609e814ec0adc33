//! Loop versioning in the LLVM tier (`translate::versioning`): counted loops run a fast
//! copy only when every access of every iteration is in bounds, so a loop that runs
//! out of memory, or whose address wraps around 2^32, still traps exactly where the
//! program says, with the stores before the fault done, as Cranelift's precise code
//! does. Each case runs in both tiers and compares results, traps and memory.
#![cfg(feature = "llvm")]

mod common;
use common::{load, ImageDir};

use wamr_aot::abi::{Backend, CodegenOptions};
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, Val};

const LOOPS: &str = r#"(module
  (memory 1)
  ;; Rotated loop (test in the latch), step 4: words at $at .. $at + 4 * $n.
  (func (export "fill32") (param $at i32) (param $n i32) (param $v i32) (local $i i32)
    (loop $next
      (i32.store (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))
                 (i32.add (local.get $v) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))
  ;; Test in the header, latch jumps back; the index escapes the loop.
  (func (export "fill8") (param $at i32) (param $end i32) (param $v i32) (result i32)
    (block $done (loop $next
      (br_if $done (i32.eq (local.get $at) (local.get $end)))
      (i32.store8 offset=3 (local.get $at) (local.get $v))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (br $next)))
    (local.get $at))
  ;; Stepping down by 4 with a signed test: from $at to 0 and, with $at odd, past it.
  (func (export "down") (param $at i32) (param $v i32)
    (loop $next
      (i32.store (local.get $at) (local.get $v))
      (local.set $at (i32.sub (local.get $at) (i32.const 4)))
      (br_if $next (i32.ge_s (local.get $at) (i32.const 0)))))
  ;; A copy whose source and destination overlap: the order of the stores matters.
  (func (export "shift") (param $at i32) (param $n i32) (local $i i32)
    (loop $next
      (i32.store offset=4 (local.get $at) (i32.load (local.get $at)))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.ne (local.get $i) (local.get $n)))))
  ;; Sum of bytes [$at, $at + $n), and of words with a count that never equals $n
  ;; exactly (`!=` with a step of 2 from an odd start: the check must give up).
  (func (export "sum8") (param $at i32) (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $at))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "odd") (param $i i32) (param $n i32) (result i32) (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $next (i32.ne (local.get $i) (local.get $n))))
    (local.get $s))
)"#;

fn instance(backend: Backend, dir: &ImageDir) -> Instance {
    wamr_aot::enable_llvm_backend();
    let options = CompileOptions {
        codegen: CodegenOptions {
            backend,
            opt_level: 3,
            ..Default::default()
        },
        ..Default::default()
    };
    let wasm = wat::parse_str(LOOPS).unwrap();
    let image = compile(&wasm, &options).unwrap();
    let module = load(&dir.write(&format!("{backend:?}.aot"), &image)).unwrap();
    Instance::new(&module, &Linker::new(Aot::new())).unwrap()
}

/// What a call gave: its results, or its trap's message.
fn outcome(inst: &Instance, name: &str, args: &[i32]) -> Result<Vec<Val>, String> {
    let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    inst.invoke(name, &args).map_err(|e| e.to_string())
}

#[test]
fn versioned_loops_trap_and_store_as_the_program_says() {
    let dir = ImageDir::new("llvm-versioning");
    let llvm = instance(Backend::Llvm, &dir);
    let cranelift = instance(Backend::Cranelift, &dir);
    let calls: &[(&str, &[i32])] = &[
        // In bounds: the fast copies.
        ("fill32", &[1000, 300, 7]),
        ("sum8", &[1000, 1200]),
        ("fill8", &[3000, 3500, 9]),
        ("sum8", &[3000, 510]),
        ("down", &[4000, 5]),
        ("sum8", &[0, 4004]),
        ("shift", &[8000, 50]),
        ("sum8", &[8000, 208]),
        ("odd", &[0, 4000]),
        // The last iterations run off the end of memory: trap after the stores before.
        ("fill32", &[65536 - 40, 20, 3]),
        ("sum8", &[65536 - 40, 40]),
        ("fill8", &[65536 - 10, 65536 + 10, 5]),
        ("sum8", &[65536 - 10, 10]),
        // Addresses that wrap around 2^32 (i32 arithmetic): out of bounds, not index 0.
        ("fill32", &[-8, 4, 1]),
        ("sum8", &[0, 16]),
        ("fill8", &[-2, 5, 4]),
        ("sum8", &[0, 16]),
        // Down past 0 from an odd start: the store at -1 traps.
        ("down", &[4001, 6]),
        ("sum8", &[0, 4008]),
        // `!=` never met exactly: the check gives up, the original loop runs and
        // traps at the first byte past memory.
        ("odd", &[1, 0x20000]),
    ];
    let mut traps = 0;
    for (name, args) in calls {
        let fast = outcome(&llvm, name, args);
        let precise = outcome(&cranelift, name, args);
        assert_eq!(fast, precise, "{name}{args:?}");
        if let Err(e) = &fast {
            assert!(e.contains("out of bounds"), "{name}{args:?}: {e}");
            traps += 1;
        }
    }
    assert_eq!(traps, 5, "the five out-of-bounds loops trap");
}
