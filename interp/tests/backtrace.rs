//! Traps carry the wasm backtrace (function names from the name section, innermost
//! first) in every dispatcher.

use wamr_common::{Instance, Linker, Module, Trap};
use wamr_interp::{Dispatch, Interp, InterpConfig};

const WAT: &str = r#"(module
  (memory 1)
  (table 1 funcref)
  (elem declare func $inner)
  (func $outer (export "outer") (call $inner))
  (func $inner unreachable)
  (func $via_indirect (export "via_indirect")
    (table.set (i32.const 0) (ref.func $inner))
    (call_indirect (i32.const 0)))
  (func $load (export "load") (result i32) (call $do_load (i32.const -4)))
  (func $do_load (param i32) (result i32) (i32.load (local.get 0)))
  (func $bad_indirect (export "bad_indirect") (call_indirect (i32.const 5)))
  (func $rec (export "rec") (call $rec))
  (func (export "anon") (call 1))
)"#;

fn trap(name: &str, dispatch: Dispatch, eager: bool) -> Trap {
    let bytes = wat::parse_str(WAT).unwrap();
    let module = Module::new(&bytes).unwrap();
    let linker = Linker::new(Interp::new(InterpConfig {
        dispatch,
        eager,
        ..Default::default()
    }));
    let inst = Instance::new(&module, &linker).unwrap();
    let t = inst.invoke(name, &[]).unwrap_err();
    // The instance stays usable, and a second trap gets a fresh backtrace.
    let again = inst.invoke(name, &[]).unwrap_err();
    assert_eq!(t.backtrace(), again.backtrace());
    t
}

fn names(t: &Trap) -> Vec<&str> {
    t.backtrace().iter().map(String::as_str).collect()
}

#[test]
fn unreachable_backtrace_is_innermost_first() {
    for dispatch in [Dispatch::Auto, Dispatch::Loop, Dispatch::Threaded] {
        for eager in [false, true] {
            let t = trap("outer", dispatch, eager);
            assert_eq!(t.message(), "unreachable");
            assert_eq!(names(&t), ["inner", "outer"], "{dispatch:?} eager={eager}");
            assert_eq!(names(&trap("anon", dispatch, eager)), ["inner", "$f7"]);
        }
    }
}

#[test]
fn backtrace_through_indirect_calls_and_slow_paths() {
    for dispatch in [Dispatch::Loop, Dispatch::Threaded] {
        let t = trap("via_indirect", dispatch, false);
        assert_eq!(names(&t), ["inner", "via_indirect"]);
        let t = trap("load", dispatch, false);
        assert_eq!(t.message(), "out of bounds memory access");
        assert_eq!(names(&t), ["do_load", "load"]);
        let t = trap("bad_indirect", dispatch, false);
        assert_eq!(t.message(), "undefined element");
        assert_eq!(names(&t), ["bad_indirect"]);
    }
}

#[test]
fn stack_exhaustion_backtrace_lists_every_frame() {
    let t = trap("rec", Dispatch::Loop, false);
    assert_eq!(t.message(), "call stack exhausted");
    let n = names(&t);
    assert!(n.len() > 100, "{} frames", n.len());
    assert!(n.iter().all(|f| *f == "rec"));
}
