//! The host imports generated modules may use: pure, deterministic functions (so a
//! module can be run any number of times, in any engine) that log every call, and a few
//! globals. wasm-smith picks from them through [`available_imports`]; [`wamr_linker`]
//! and [`wasmi_linker`] provide the same set to each engine.

use std::cell::RefCell;
use std::rc::Rc;

use wamr_common::{FuncType, Global, GlobalType, Linker, Trap, Val, ValType};

/// One call a module made to the host: the import's name and its arguments' bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCall {
    pub name: &'static str,
    pub args: Vec<u64>,
}

/// A host function over raw 64-bit values (the slot encoding of i32/i64/f32/f64).
pub struct HostFn {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
    /// Results, or the host error's message.
    pub run: fn(&[u64]) -> Result<Vec<u64>, &'static str>,
}

use ValType::{F32, F64, I32, I64};

/// Every host function, in the order of [`IMPORTS_WAT`].
pub const HOST_FUNCS: &[HostFn] = &[
    HostFn {
        name: "add_i32",
        params: &[I32, I32],
        results: &[I32],
        run: |a| {
            Ok(vec![u64::from(
                (a[0] as u32).wrapping_add(a[1] as u32) ^ 0x5a5a,
            )])
        },
    },
    HostFn {
        name: "mix_i64",
        params: &[I64, I32],
        results: &[I64],
        run: |a| Ok(vec![a[0].rotate_left(a[1] as u32 & 63) ^ a[1]]),
    },
    HostFn {
        name: "id_f32",
        params: &[F32],
        results: &[F32],
        run: |a| Ok(vec![a[0] & 0xffff_ffff]),
    },
    HostFn {
        name: "neg_f64",
        params: &[F64],
        results: &[F64],
        run: |a| Ok(vec![a[0] ^ (1 << 63)]),
    },
    HostFn {
        name: "log_i32",
        params: &[I32],
        results: &[],
        run: |_| Ok(vec![]),
    },
    HostFn {
        name: "log_i64",
        params: &[I64],
        results: &[],
        run: |_| Ok(vec![]),
    },
    HostFn {
        name: "pair",
        params: &[I32],
        results: &[I32, I64],
        run: |a| {
            let x = a[0] as u32;
            Ok(vec![
                u64::from(x.wrapping_add(1)),
                (i64::from(x as i32).wrapping_mul(3)) as u64,
            ])
        },
    },
    HostFn {
        name: "nop",
        params: &[],
        results: &[],
        run: |_| Ok(vec![]),
    },
    HostFn {
        name: "fail",
        params: &[I32],
        results: &[],
        run: |a| {
            if a[0] & 1 == 1 {
                Err("host function `fail` called with an odd argument")
            } else {
                Ok(vec![])
            }
        },
    },
];

/// The imported globals: name, type, mutability, initial bits.
pub const HOST_GLOBALS: &[(&str, ValType, bool, u64)] = &[
    ("g_i32", I32, false, 42),
    ("g_i64", I64, true, (-7i64) as u64),
    ("g_f64", F64, false, 0x3ff8_0000_0000_0000),
];

/// The module whose imports wasm-smith may choose from (`Config::available_imports`).
pub const IMPORTS_WAT: &str = r#"(module
  (import "env" "add_i32" (func (param i32 i32) (result i32)))
  (import "env" "mix_i64" (func (param i64 i32) (result i64)))
  (import "env" "id_f32" (func (param f32) (result f32)))
  (import "env" "neg_f64" (func (param f64) (result f64)))
  (import "env" "log_i32" (func (param i32)))
  (import "env" "log_i64" (func (param i64)))
  (import "env" "pair" (func (param i32) (result i32 i64)))
  (import "env" "nop" (func))
  (import "env" "fail" (func (param i32)))
  (import "env" "g_i32" (global i32))
  (import "env" "g_i64" (global (mut i64)))
  (import "env" "g_f64" (global f64))
)"#;

/// The binary of [`IMPORTS_WAT`].
pub fn available_imports() -> Vec<u8> {
    wat::parse_str(IMPORTS_WAT).expect("the imports module is valid text")
}

/// The module and name all host imports live under.
pub const HOST_MODULE: &str = "env";

/// Whether `module.name` is one of ours, of a matching kind (checked by the linkers).
pub fn provides(module: &str, name: &str) -> bool {
    module == HOST_MODULE
        && (HOST_FUNCS.iter().any(|f| f.name == name) || HOST_GLOBALS.iter().any(|g| g.0 == name))
}

/// The calls made so far (shared by the host functions of one run).
pub type HostLog = Rc<RefCell<Vec<HostCall>>>;

/// A linker for our engines with every host import defined; calls go to `log`.
pub fn wamr_linker(engine: Rc<dyn wamr_common::Engine>, log: &HostLog) -> Linker {
    let mut linker = Linker::new(engine);
    for f in HOST_FUNCS {
        let log = log.clone();
        let run = f.run;
        let name = f.name;
        let ty = FuncType::new(f.params.iter().copied(), f.results.iter().copied());
        linker.func(HOST_MODULE, name, ty, move |_caller, args, results| {
            let bits: Vec<u64> = args.iter().map(Val::to_bits).collect();
            log.borrow_mut().push(HostCall {
                name,
                args: bits.clone(),
            });
            let out = run(&bits).map_err(Trap::host)?;
            for (r, b) in results.iter_mut().zip(out) {
                let ty = r.ty();
                // SAFETY: host functions only have numeric results.
                *r = unsafe { Val::from_bits(ty, b) };
            }
            Ok(())
        });
    }
    for &(name, ty, mutable, bits) in HOST_GLOBALS {
        let g = Global::new(GlobalType { ty, mutable }, u128::from(bits));
        linker.define(HOST_MODULE, name, wamr_common::Extern::Global(g));
    }
    linker
}

/// What a wasmi store carries: the call log and the resource limits.
pub struct WasmiHost {
    pub log: Vec<HostCall>,
    pub limits: wasmi::StoreLimits,
}

fn wasmi_ty(t: ValType) -> wasmi::ValType {
    match t.representation() {
        I32 => wasmi::ValType::I32,
        I64 => wasmi::ValType::I64,
        F32 => wasmi::ValType::F32,
        F64 => wasmi::ValType::F64,
        ValType::V128 => wasmi::ValType::V128,
        ValType::ExternRef => wasmi::ValType::ExternRef,
        _ => wasmi::ValType::FuncRef,
    }
}

pub(crate) fn wasmi_bits(v: &wasmi::Val) -> u64 {
    match v {
        wasmi::Val::I32(x) => u64::from(*x as u32),
        wasmi::Val::I64(x) => *x as u64,
        wasmi::Val::F32(x) => u64::from(x.to_bits()),
        wasmi::Val::F64(x) => x.to_bits(),
        _ => 0,
    }
}

pub(crate) fn wasmi_from_bits(t: ValType, b: u64) -> wasmi::Val {
    match t {
        I32 => wasmi::Val::I32(b as u32 as i32),
        I64 => wasmi::Val::I64(b as i64),
        F32 => wasmi::Val::F32(wasmi::F32::from_bits(b as u32)),
        F64 => wasmi::Val::F64(wasmi::F64::from_bits(b)),
        other => wasmi::Val::default_for_ty(wasmi_ty(other)),
    }
}

/// The same host imports for wasmi.
pub fn wasmi_linker(
    engine: &wasmi::Engine,
    store: &mut wasmi::Store<WasmiHost>,
) -> wasmi::Linker<WasmiHost> {
    let mut linker = wasmi::Linker::new(engine);
    for f in HOST_FUNCS {
        let run = f.run;
        let name = f.name;
        let results = f.results;
        let ty = wasmi::FuncType::new(
            f.params.iter().map(|t| wasmi_ty(*t)),
            f.results.iter().map(|t| wasmi_ty(*t)),
        );
        linker
            .func_new(
                HOST_MODULE,
                name,
                ty,
                move |mut caller: wasmi::Caller<'_, WasmiHost>, args, out| {
                    let bits: Vec<u64> = args.iter().map(wasmi_bits).collect();
                    caller.data_mut().log.push(HostCall {
                        name,
                        args: bits.clone(),
                    });
                    let r = run(&bits).map_err(wasmi::Error::new)?;
                    for ((o, b), t) in out.iter_mut().zip(r).zip(results) {
                        *o = wasmi_from_bits(*t, b);
                    }
                    Ok(())
                },
            )
            .expect("host names are unique");
    }
    for &(name, ty, mutable, bits) in HOST_GLOBALS {
        let g = wasmi::Global::new(
            &mut *store,
            wasmi_from_bits(ty, bits),
            if mutable {
                wasmi::Mutability::Var
            } else {
                wasmi::Mutability::Const
            },
        );
        linker
            .define(HOST_MODULE, name, g)
            .expect("host names are unique");
    }
    linker
}
