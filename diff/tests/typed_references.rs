//! Typed function references at the host boundary, in both engines: wasm code relies on
//! the static type of every reference it receives (`call_ref` checks only for null), so
//! a reference the host passes in or a host function returns must be a function of the
//! right type, non-null where required; anything else is refused before wasm sees it.
//! Also: typed globals and tables import by subtyping across modules.

use wamr_aot::abi::CodegenOptions;
use wamr_aot::Aot;
use wamr_common::{
    Extern, FuncType, HeapType, Instance, InstantiationError, Linker, Module, RefType, Val, ValType,
};
use wamr_interp::{Interp, InterpConfig};

const WAT: &str = r#"(module
  (type $unop (func (param i32) (result i32)))
  (import "host" "pick" (func $pick (param i32) (result (ref null $unop))))
  (func $inc (export "inc") (type $unop) (i32.add (local.get 0) (i32.const 1)))
  (func (export "apply") (param $f (ref $unop)) (param $x i32) (result i32)
    (call_ref $unop (local.get $x) (local.get $f)))
  (func (export "apply_picked") (param $which i32) (param $x i32) (result i32)
    (call_ref $unop (local.get $x) (call $pick (local.get $which))))
  (global (export "g") (ref $unop) (ref.func $inc))
  (table (export "t") 2 (ref null $unop) (ref.func $inc))
)"#;

/// Imports the first module's typed global and table: as exact types, as supertypes, and
/// (unlinkable) as a different function type.
const IMPORTER: &str = r#"(module
  (type $unop (func (param i32) (result i32)))
  (import "m" "g" (global (ref null $unop)))
  (import "m" "g" (global funcref))
  (import "m" "t" (table 2 (ref null $unop)))
  (func (export "via_table") (param i32) (result i32)
    (call_indirect (type $unop) (local.get 0) (i32.const 1))))"#;

const WRONG_TYPE: &str = r#"(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "m" "g" (global (ref null $binop))))"#;

const WRONG_TABLE: &str = r#"(module
  (import "m" "t" (table 2 funcref)))"#;

fn check(what: &str, linker: impl Fn() -> Linker, load: impl Fn(&str) -> Module) {
    let mut linker = linker();
    let store = linker.store().clone();
    let unop = FuncType::new([ValType::I32], [ValType::I32]);
    let unop_ref = |nullable| {
        ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(store.type_id(&unop)),
        })
    };
    // A host function of another type: passing it as `(ref $unop)` must be refused.
    let other = store.host_func(FuncType::new([ValType::I64], [ValType::I64]), |_, a, r| {
        r[0] = a[0].clone();
        Ok(())
    });
    let host_double = store.host_func(unop.clone(), |_, a, r| {
        let Val::I32(x) = a[0] else {
            unreachable!("typed")
        };
        r[0] = Val::I32(x * 2);
        Ok(())
    });
    // `pick` returns: 0 the right function, 1 null, 2 a function of another type.
    let (good, wrong) = (host_double.clone(), other.clone());
    linker.func(
        "host",
        "pick",
        FuncType::new([ValType::I32], [unop_ref(true)]),
        move |_, a, r| {
            r[0] = match a[0] {
                Val::I32(0) => Val::FuncRef(Some(good.clone())),
                Val::I32(1) => Val::FuncRef(None),
                _ => Val::FuncRef(Some(wrong.clone())),
            };
            Ok(())
        },
    );
    let inst = Instance::new(&load(WAT), &linker).unwrap_or_else(|e| panic!("{what}: {e}"));
    let inc = inst.get_func("inc").unwrap();

    let apply = |f: Val, x: i32| inst.invoke("apply", &[f, Val::I32(x)]);
    assert_eq!(
        apply(Val::FuncRef(Some(inc.clone())), 41).unwrap(),
        [Val::I32(42)],
        "{what}"
    );
    assert_eq!(
        apply(Val::FuncRef(Some(host_double.clone())), 21).unwrap(),
        [Val::I32(42)],
        "{what}"
    );
    for bad in [
        Val::FuncRef(Some(other.clone())),
        Val::FuncRef(None),
        Val::I32(0),
    ] {
        let e = apply(bad.clone(), 1).unwrap_err();
        assert!(
            e.to_string().contains("argument mismatch"),
            "{what}: {bad:?}: {e}"
        );
    }

    let picked = |which: i32| inst.invoke("apply_picked", &[Val::I32(which), Val::I32(5)]);
    assert_eq!(picked(0).unwrap(), [Val::I32(10)], "{what}");
    assert_eq!(
        picked(1).unwrap_err().to_string(),
        "null function reference",
        "{what}"
    );
    let e = picked(2).unwrap_err().to_string();
    assert!(e.contains("host function returned"), "{what}: {e}");
    // The instance goes on.
    assert_eq!(picked(0).unwrap(), [Val::I32(10)], "{what}");

    let mut importer_linker = linker;
    importer_linker.instance("m", &inst);
    let importer =
        Instance::new(&load(IMPORTER), &importer_linker).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        importer.invoke("via_table", &[Val::I32(1)]).unwrap(),
        [Val::I32(2)],
        "{what}"
    );
    for unlinkable in [WRONG_TYPE, WRONG_TABLE] {
        match Instance::new(&load(unlinkable), &importer_linker) {
            Err(InstantiationError::Unlinkable(m)) => {
                assert!(m.contains("incompatible import type"), "{what}: {m}")
            }
            other => panic!("{what}: expected unlinkable, got {:?}", other.map(|_| ())),
        }
    }
    assert!(matches!(
        importer_linker.get("m", "t"),
        Some(Extern::Table(_))
    ));
}

#[test]
fn interpreter_checks_references_at_the_boundary() {
    check(
        "interp",
        || Linker::new(Interp::new(InterpConfig::default())),
        |wat| Module::new(&wat::parse_str(wat).unwrap()).unwrap(),
    );
}

#[test]
fn aot_checks_references_at_the_boundary() {
    check(
        "aot",
        || Linker::new(Aot::new()),
        |wat| {
            wamr_diff::run::load_aot(&wat::parse_str(wat).unwrap(), CodegenOptions::default())
                .unwrap()
        },
    );
}
