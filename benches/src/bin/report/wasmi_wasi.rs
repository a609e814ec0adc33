//! wasmi running a WASI command on [`MiniWasi`].

use std::path::Path;

use anyhow::{anyhow, Result};
use wasmi::{Caller, Engine, Error, Extern, Func, Linker, Module, Store, Val};

use crate::mini_wasi::{for_each_call, MiniWasi, ENOSYS, WASI};

/// Runs `call` on the store's [`MiniWasi`] and the caller's exported memory.
fn with_memory(
    caller: &mut Caller<'_, MiniWasi>,
    call: impl FnOnce(&mut MiniWasi, &mut [u8]) -> i32,
) -> Result<i32, Error> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("no exported memory"))?;
    let (mem, wasi) = memory.data_and_store_mut(caller);
    Ok(call(wasi, mem))
}

fn define(linker: &mut Linker<MiniWasi>) -> Result<()> {
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
        |_: Caller<'_, MiniWasi>, code: i32| -> Result<(), Error> { Err(Error::i32_exit(code)) },
    )?;
    Ok(())
}

/// A wasmi engine and module ready to run as a WASI command, many times.
pub struct WasmiCommand {
    engine: Engine,
    module: Module,
}

impl WasmiCommand {
    pub fn new(wasm: &[u8]) -> Result<Self> {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        // The same depth and value-stack limits as our interpreter's defaults, so a deep
        // program (shootout-ackermann) runs in both instead of exhausting wasmi's default
        // 1000 frames.
        let ours = wamr_interp::InterpConfig::default();
        config.set_max_recursion_depth(ours.max_call_depth);
        config.set_max_stack_height(ours.stack_slots * 8);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm).map_err(|e| anyhow!("wasmi: {e}"))?;
        Ok(WasmiCommand { engine, module })
    }

    /// Instantiates and runs `_start` with `dir` preopened as `.` and `bench.start`/
    /// `bench.end` as no-ops; returns (exit code, stdout, stderr).
    pub fn run(&self, argv: &[&str], dir: &Path) -> Result<(i32, Vec<u8>, Vec<u8>)> {
        let mut store = Store::new(&self.engine, MiniWasi::new(argv, dir));
        let mut linker = Linker::<MiniWasi>::new(&self.engine);
        // Every WASI import starts as an ENOSYS stub; `define` then shadows the ones
        // implemented here. (wasmi's `Linker::get` does not see host functions defined
        // with `func_wrap`, so asking it what is missing found nothing.)
        linker.allow_shadowing(true);
        for import in self.module.imports() {
            if import.module() != WASI {
                continue;
            }
            if let wasmi::ExternType::Func(ty) = import.ty() {
                let returns_errno = ty.results().len() == 1;
                let f = Func::new(&mut store, ty.clone(), move |_c, _args, results| {
                    if returns_errno {
                        results[0] = Val::I32(ENOSYS);
                    }
                    Ok(())
                });
                linker.define(WASI, import.name(), f)?;
            }
        }
        define(&mut linker)?;
        for name in ["start", "end"] {
            linker.func_wrap("bench", name, |_c: Caller<'_, MiniWasi>| {})?;
        }
        let instance = linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| anyhow!("wasmi: instantiating: {e}"))?;
        let start = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| anyhow!("wasmi: _start: {e}"))?;
        let code = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.i32_exit_status() {
                Some(code) => code,
                None => return Err(anyhow!("wasmi: trap: {e}")),
            },
        };
        let wasi = store.into_data();
        Ok((code, wasi.stdout, wasi.stderr))
    }
}
