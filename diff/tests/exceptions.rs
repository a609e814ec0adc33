//! Exceptions across the host boundary, in both engines: a host function throws a wasm
//! exception that wasm code catches (payload intact), an exception escapes a call to the
//! embedder with its tag and payload, one thrown by wasm passes out through a host
//! function that called back into wasm and is caught on the other side, and traps stay
//! traps (no clause catches them). Also: exceptions caught without being kept are freed
//! (a loop of throws stays within a small store limit), the store's exception limit, and
//! an exception of another store, which no handler may catch and no call may take as an
//! argument.

use std::cell::RefCell;
use std::rc::Rc;

use wamr_aot::abi::CodegenOptions;
use wamr_aot::Aot;
use wamr_common::{
    Exception, Extern, Func, FuncType, Instance, Linker, Module, StoreLimits, Tag, Trap, TrapKind,
    Val, ValType,
};
use wamr_interp::{Dispatch, Interp, InterpConfig};

const WAT: &str = r#"(module
  (tag $e (import "host" "e") (param i32))
  (tag $other (param i64))
  (import "host" "throw" (func $host_throw (param i32)))
  (import "host" "reenter" (func $reenter (param i32)))
  (import "host" "fail" (func $fail))

  ;; A host function's exception, caught here: payload + 1.
  (func (export "catch_host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $host_throw (local.get 0)))
      (i32.const -1))
    (i32.add (i32.const 1)))

  ;; Escapes to the embedder.
  (func $escape (export "escape") (param i32) (throw $e (local.get 0)))

  ;; Thrown here, out through a host function that called back in, caught here (the
  ;; legacy form): payload * 2.
  (func (export "through_host") (param i32) (result i32)
    try (result i32)
      (call $reenter (local.get 0))
      (i32.const -1)
    catch $e
      (i32.mul (i32.const 2))
    end)

  ;; The exception itself, for the host.
  (func (export "catch_ref") (param i32) (result exnref) (local $exn exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (call $escape (local.get 0)))
      (unreachable))
    (local.set $exn)
    (drop)
    (local.get $exn))
  (func (export "rethrow_ref") (param exnref) (throw_ref (local.get 0)))

  ;; Traps and host errors pass every clause.
  (func (export "trap_in_try") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1))
  (func (export "host_error_in_try") (result i32)
    (block $h
      (try_table (catch_all $h) (call $fail)))
    (i32.const 1))

  ;; Catches anything of this store; 0 when nothing was caught.
  (func (export "catch_all_host") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (call $host_throw (local.get 0)))
      (return (i32.const 0)))
    (i32.const 1))

  (func (export "throw_many") (param i32)
    (loop $l
      (block $h (try_table (catch_all $h) (throw $other (i64.const 1))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))

  ;; Throws n exceptions from a callee and catches them without keeping them: the sum of
  ;; their payloads (each read before the exception is freed).
  (func $throw_other (param i64) (throw $other (local.get 0)))
  (func (export "sum_caught") (param i32) (result i64) (local $sum i64)
    (loop $l
      (block $h (result i64)
        (try_table (catch $other $h) (call $throw_other (i64.extend_i32_u (local.get 0))))
        (unreachable))
      (local.set $sum (i64.add (local.get $sum)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get $sum))

  ;; Takes each exception as a value (then drops it): every one lives on.
  (func (export "keep_many") (param i32)
    (loop $l
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (throw $other (i64.const 1)))
        (unreachable))
      (drop)
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
)"#;

fn check(what: &str, linker: impl Fn() -> Linker, load: impl Fn(&[u8]) -> Module) {
    let wasm = wat::parse_str(WAT).unwrap();
    let mut linker = linker();
    let store = linker.store().clone();
    let tag = Tag::new(&store, FuncType::new([ValType::I32], [])).unwrap();
    let escape: Rc<RefCell<Option<Func>>> = Rc::default();
    let thrown_tag = tag.clone();
    linker
        .define("host", "e", Extern::Tag(tag.clone()))
        .func(
            "host",
            "throw",
            FuncType::new([ValType::I32], []),
            move |_, args, _| {
                let exn = Exception::new(&thrown_tag, args)?;
                Err(Trap::throw(&exn))
            },
        )
        .func("host", "fail", FuncType::new([], []), |_, _, _| {
            Err(Trap::host("the host refuses"))
        });
    let reenter_target = escape.clone();
    linker.func(
        "host",
        "reenter",
        FuncType::new([ValType::I32], []),
        move |_, args, _| {
            let f = reenter_target
                .borrow()
                .clone()
                .expect("set after instantiation");
            // The wasm exception comes back as an error; passing it on rethrows it.
            let err = f.call(args).expect_err("escape throws");
            assert_eq!(err.kind(), TrapKind::Exception);
            Err(err)
        },
    );
    let inst = Instance::new(&load(&wasm), &linker).unwrap_or_else(|e| panic!("{what}: {e}"));
    *escape.borrow_mut() = inst.get_func("escape");

    let call = |name: &str, args: &[Val]| inst.invoke(name, args);
    assert_eq!(
        call("catch_host", &[Val::I32(41)]).unwrap(),
        [Val::I32(42)],
        "{what}"
    );
    assert_eq!(
        call("through_host", &[Val::I32(21)]).unwrap(),
        [Val::I32(42)],
        "{what}"
    );

    // Escaping: the embedder gets the exception, its tag and payload.
    let trap = call("escape", &[Val::I32(7)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Exception, "{what}");
    let exn = store.exception(&trap).expect("this store's exception");
    assert_eq!(exn.tag(), tag, "{what}");
    assert_eq!(exn.payload(), [Val::I32(7)], "{what}");

    // An exnref out and back in.
    let out = call("catch_ref", &[Val::I32(9)]).unwrap();
    let [Val::ExnRef(Some(exn))] = &out[..] else {
        panic!("{what}: expected an exception, got {out:?}")
    };
    assert_eq!(exn.payload(), [Val::I32(9)], "{what}");
    let again = call("rethrow_ref", &out).unwrap_err();
    assert_eq!(store.exception(&again).as_ref(), Some(exn), "{what}");

    // Traps stay traps.
    let trap = call("trap_in_try", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Unreachable, "{what}");
    let trap = call("host_error_in_try", &[]).unwrap_err();
    assert_eq!(trap.message(), "the host refuses", "{what}");

    // The instance still works after all of that.
    assert_eq!(
        call("catch_all_host", &[Val::I32(1)]).unwrap(),
        [Val::I32(1)]
    );

    // Exceptions that became values (every one above: each was seen by the host or
    // caught by reference) live as long as the store; those caught by `catch` or
    // `catch_all` are freed there, so throwing in a loop stays within a small limit.
    let held = 5;
    store.set_limits(StoreLimits {
        max_exceptions: Some(held + 3),
        ..Default::default()
    });
    assert_eq!(
        call("throw_many", &[Val::I32(10_000)]).unwrap(),
        [],
        "{what}"
    );
    assert_eq!(
        call("sum_caught", &[Val::I32(10_000)]).unwrap(),
        [Val::I64(50_005_000)],
        "{what}"
    );
    // Past the store's limit a throw traps with a message saying why.
    assert_eq!(call("keep_many", &[Val::I32(2)]).unwrap(), [], "{what}");
    let trap = call("keep_many", &[Val::I32(10)]).unwrap_err();
    assert!(
        trap.message().contains("exceptions, its limit"),
        "{what}: {}",
        trap.message()
    );
}

/// An exception of another store thrown into this one is no exception here: no clause
/// catches it and it leaves as an error this store does not resolve.
fn foreign_exception(what: &str, linker: impl Fn() -> Linker, load: impl Fn(&[u8]) -> Module) {
    let wasm = wat::parse_str(WAT).unwrap();
    let elsewhere = Linker::new(Interp::new(InterpConfig::default()));
    let foreign_tag = Tag::new(elsewhere.store(), FuncType::new([ValType::I32], [])).unwrap();
    let mut linker = linker();
    let store = linker.store().clone();
    let tag = Tag::new(&store, FuncType::new([ValType::I32], [])).unwrap();
    linker
        .define("host", "e", Extern::Tag(tag))
        .func(
            "host",
            "throw",
            FuncType::new([ValType::I32], []),
            move |_, args, _| Err(Trap::throw(&Exception::new(&foreign_tag, args)?)),
        )
        .func(
            "host",
            "reenter",
            FuncType::new([ValType::I32], []),
            |_, _, _| Ok(()),
        )
        .func("host", "fail", FuncType::new([], []), |_, _, _| Ok(()));
    let inst = Instance::new(&load(&wasm), &linker).unwrap_or_else(|e| panic!("{what}: {e}"));
    let trap = inst.invoke("catch_all_host", &[Val::I32(3)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Exception, "{what}");
    assert!(store.exception(&trap).is_none(), "{what}");
    assert!(elsewhere.store().exception(&trap).is_some(), "{what}");
    // Nor may the embedder pass one in as a value.
    let other_tag = Tag::new(elsewhere.store(), FuncType::new([ValType::I32], [])).unwrap();
    let stranger = Exception::new(&other_tag, &[Val::I32(1)]).unwrap();
    let err = inst
        .invoke("rethrow_ref", &[Val::ExnRef(Some(stranger))])
        .unwrap_err();
    assert!(err.message().contains("another store"), "{what}: {err}");
}

fn interp(dispatch: Dispatch) -> impl Fn() -> Linker {
    move || {
        Linker::new(Interp::new(InterpConfig {
            dispatch,
            ..Default::default()
        }))
    }
}

fn aot_load(codegen: CodegenOptions) -> impl Fn(&[u8]) -> Module {
    move |wasm| wamr_diff::run::load_aot(wasm, codegen).unwrap()
}

fn aot_configs() -> [(&'static str, CodegenOptions); 2] {
    [
        ("aot (direct)", CodegenOptions::default()),
        (
            "aot (xip, explicit bounds)",
            CodegenOptions {
                indirect_calls: true,
                bounds_checks: true,
                intrinsics: wamr_aot::intrinsics::IntrinsicSet::all(),
                ..Default::default()
            },
        ),
    ]
}

#[test]
fn interpreter_exceptions_cross_the_host_boundary() {
    let load = |wasm: &[u8]| Module::new(wasm).unwrap();
    for (what, dispatch) in [
        ("interp (loop)", Dispatch::Loop),
        ("interp (auto)", Dispatch::Auto),
    ] {
        check(what, interp(dispatch), load);
        foreign_exception(what, interp(dispatch), load);
    }
}

#[test]
fn aot_exceptions_cross_the_host_boundary() {
    let aot = || Linker::new(Aot::new());
    for (what, codegen) in aot_configs() {
        check(what, aot, aot_load(codegen));
        foreign_exception(what, aot, aot_load(codegen));
    }
}
