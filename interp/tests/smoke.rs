use wamr_common::{FuncType, Instance, Linker, Module, Val, ValType};
use wamr_interp::{Dispatch, Interp, InterpConfig};

fn run(
    wat: &str,
    name: &str,
    args: &[Val],
    dispatch: Dispatch,
) -> Result<Vec<Val>, wamr_common::Trap> {
    let bytes = wat::parse_str(wat).unwrap();
    let module = Module::new(&bytes).unwrap();
    let mut linker = Linker::new(Interp::new(InterpConfig {
        dispatch,
        ..Default::default()
    }));
    linker.func(
        "env",
        "twice",
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, a, r| {
            let Val::I32(x) = a[0] else { unreachable!() };
            r[0] = Val::I32(x * 2);
            Ok(())
        },
    );
    let inst = Instance::new(&module, &linker).unwrap();
    inst.invoke(name, args)
}

const FIB: &str = r#"(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "loop") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "host") (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $inf (export "inf") (call $inf))
)"#;

#[test]
fn smoke_both_dispatchers() {
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        assert_eq!(
            run(FIB, "fib", &[Val::I32(20)], d).unwrap(),
            vec![Val::I32(6765)]
        );
        assert_eq!(
            run(FIB, "loop", &[Val::I32(100)], d).unwrap(),
            vec![Val::I32(5050)]
        );
        assert_eq!(
            run(FIB, "host", &[Val::I32(21)], d).unwrap(),
            vec![Val::I32(42)]
        );
        let t = run(FIB, "div", &[Val::I32(1), Val::I32(0)], d).unwrap_err();
        assert_eq!(t.message(), "integer divide by zero");
        let t = run(FIB, "inf", &[], d).unwrap_err();
        assert_eq!(t.message(), "call stack exhausted");
    }
}
