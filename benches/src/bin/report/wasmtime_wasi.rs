//! wasmtime running a WASI command on [`MiniWasi`] (only with the `peers` feature).

use std::path::Path;

use anyhow::{anyhow, Result};
use wasmtime::{Caller, Engine, Error, Extern, ExternType, Linker, Module, Store, Val};

use crate::mini_wasi::{for_each_call, MiniWasi, ENOSYS, WASI};

/// `proc_exit`'s unwinding: the error a host call returns to end the guest with a code.
#[derive(Debug)]
struct Exit(i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit with code {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// Runs `call` on the store's [`MiniWasi`] and the caller's exported memory.
fn with_memory(
    caller: &mut Caller<'_, MiniWasi>,
    call: impl FnOnce(&mut MiniWasi, &mut [u8]) -> i32,
) -> wasmtime::Result<i32> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::msg("no exported memory"))?;
    let (mem, wasi) = memory.data_and_store_mut(caller);
    Ok(call(wasi, mem))
}

fn define(linker: &mut Linker<MiniWasi>) -> wasmtime::Result<()> {
    macro_rules! bind {
        ($name:ident($($arg:ident: $ty:ty),*)) => {
            linker.func_wrap(
                WASI,
                stringify!($name),
                |mut caller: Caller<'_, MiniWasi>, $($arg: $ty),*| {
                    with_memory(&mut caller, |wasi, mem| wasi.$name(mem, $($arg),*))
                },
            )?;
        };
    }
    for_each_call!(bind);
    linker.func_wrap(
        WASI,
        "proc_exit",
        |_: Caller<'_, MiniWasi>, code: i32| -> wasmtime::Result<()> {
            Err(Error::new(Exit(code)))
        },
    )?;
    Ok(())
}

/// A wasmtime engine (default configuration: Cranelift, optimised for speed, the host's
/// CPU features) and a compiled module, ready to run as a WASI command many times.
pub struct WasmtimeCommand {
    engine: Engine,
    module: Module,
}

impl WasmtimeCommand {
    pub fn new(wasm: &[u8]) -> Result<Self> {
        let engine = Engine::default();
        let module = Module::new(&engine, wasm).map_err(|e| anyhow!("wasmtime: {e}"))?;
        Ok(WasmtimeCommand { engine, module })
    }

    /// Instantiates and runs `_start` with `dir` preopened as `.` and `bench.start`/
    /// `bench.end` as no-ops; returns (exit code, stdout, stderr).
    pub fn run(&self, argv: &[&str], dir: &Path) -> Result<(i32, Vec<u8>, Vec<u8>)> {
        let wasmtime = |e: Error| anyhow!("wasmtime: {e}");
        let mut store = Store::new(&self.engine, MiniWasi::new(argv, dir));
        let mut linker = Linker::<MiniWasi>::new(&self.engine);
        // Every WASI import starts as an ENOSYS stub, shadowed by the ones implemented.
        linker.allow_shadowing(true);
        for import in self.module.imports() {
            if import.module() != WASI {
                continue;
            }
            if let ExternType::Func(ty) = import.ty() {
                let returns_errno = ty.results().len() == 1;
                linker
                    .func_new(WASI, import.name(), ty, move |_, _, results| {
                        if returns_errno {
                            results[0] = Val::I32(ENOSYS);
                        }
                        Ok(())
                    })
                    .map_err(wasmtime)?;
            }
        }
        define(&mut linker).map_err(wasmtime)?;
        for name in ["start", "end"] {
            linker
                .func_wrap("bench", name, |_: Caller<'_, MiniWasi>| {})
                .map_err(wasmtime)?;
        }
        let instance = linker
            .instantiate(&mut store, &self.module)
            .map_err(|e| anyhow!("wasmtime: instantiating: {e}"))?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| anyhow!("wasmtime: _start: {e}"))?;
        let code = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<Exit>() {
                Some(Exit(code)) => *code,
                None => return Err(anyhow!("wasmtime: trap: {e}")),
            },
        };
        let wasi = store.into_data();
        Ok((code, wasi.stdout, wasi.stderr))
    }
}
