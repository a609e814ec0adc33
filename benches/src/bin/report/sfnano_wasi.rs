//! Silverfir-nano's own WASI preview1 (`sf-nano-core`'s `wasi` feature) running a command
//! in this process, with one change: its `fd_write` prints straight to this process's
//! stdout and stderr, so the output could not be checked, and here a capturing
//! `fd_write` takes its place (stdout and stderr only; the programs write no files). All
//! other calls (arguments, the preopened directory, clocks, `proc_exit`) are its own.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use anyhow::{anyhow, Result};
use sf_nano_core::value_type::ValueType;
use sf_nano_core::wasi::{wasi_imports, WasiContextBuilder, WASI_SNAPSHOT_PREVIEW1, WASI_UNSTABLE};
use sf_nano_core::{Engine, FunctionType, Import, Instance, Module, Tier, Value, WasmError};

use crate::mini_wasi::{iovecs, put, range, EBADF, EFAULT};

type Sink = Rc<RefCell<Vec<u8>>>;

/// `fd_write` into `out` (fd 1) and `err` (fd 2); `EBADF` for any other descriptor.
fn capture_fd_write(module: &str, out: Sink, err: Sink) -> Import {
    Import::func_typed(
        module,
        "fd_write",
        move |caller, args, results| {
            let [Value::I32(fd), Value::I32(iovs), Value::I32(n), Value::I32(nwritten)] = *args
            else {
                return Err(WasmError::trap("fd_write: mistyped arguments"));
            };
            let sink = match fd {
                1 => &out,
                2 => &err,
                _ => {
                    results[0] = Value::I32(EBADF);
                    return Ok(());
                }
            };
            let mem = caller
                .memory_mut()
                .ok_or(WasmError::trap("fd_write: no memory"))?;
            let errno = (|| {
                let mut sink = sink.borrow_mut();
                let mut total = 0u32;
                for (ptr, len) in iovecs(mem, iovs, n)? {
                    sink.extend_from_slice(&mem[range(mem, ptr, len)?]);
                    total += len as u32;
                }
                put(mem, nwritten, &total.to_le_bytes()).then_some(0)
            })()
            .unwrap_or(EFAULT);
            results[0] = Value::I32(errno);
            Ok(())
        },
        FunctionType::new(vec![ValueType::I32; 4], vec![ValueType::I32]),
    )
}

/// A Silverfir-nano engine and a validated module, ready to run as a WASI command many
/// times.
pub struct SfNanoCommand {
    engine: Engine,
    wasm: Vec<u8>,
}

impl SfNanoCommand {
    pub fn new(wasm: &[u8], tier: Tier) -> Result<Self> {
        let engine = benches::sfnano_engine(tier)?;
        // Validated once here, as wasmi and ours validate outside the timed runs.
        Module::new("main", wasm).map_err(|e| anyhow!("{}: {e}", benches::sfnano_id(tier)))?;
        Ok(SfNanoCommand {
            engine,
            wasm: wasm.to_vec(),
        })
    }

    /// Instantiates and runs `_start` with `dir` preopened as `.` and `bench.start`/
    /// `bench.end` as no-ops; returns (exit code, stdout, stderr).
    pub fn run(&self, arg0: &str, dir: &Path) -> Result<(i32, Vec<u8>, Vec<u8>)> {
        let id = benches::sfnano_id(self.engine.tier());
        let ctx = WasiContextBuilder::new()
            .args([arg0])
            .preopen_dir(".", dir)
            .build();
        let (out, err) = (Sink::default(), Sink::default());
        let mut imports = wasi_imports(ctx);
        imports.retain(|i| i.name() != "fd_write");
        for module in [WASI_SNAPSHOT_PREVIEW1, WASI_UNSTABLE] {
            imports.push(capture_fd_write(module, out.clone(), err.clone()));
        }
        for name in ["start", "end"] {
            imports.push(Import::func_typed(
                "bench",
                name,
                |_, _, _| Ok(()),
                FunctionType::new(vec![], vec![]),
            ));
        }
        // SAFETY: `new` validated these very bytes with `Module::new`, which is the
        // semantic validity `new_unchecked` requires; this only skips validating again.
        let module = unsafe { Module::new_unchecked("main", &self.wasm) }
            .map_err(|e| anyhow!("{id}: {e}"))?;
        let mut instance = Instance::from_module(&self.engine, module, &imports)
            .map_err(|e| anyhow!("{id}: instantiating: {e}"))?;
        let code = match instance.invoke("_start", &[]) {
            Ok(_) => 0,
            Err(e) => e.exit_code().ok_or_else(|| anyhow!("{id}: trap: {e}"))?,
        };
        // The instance and the imports hold the sinks' other references.
        drop((instance, imports));
        let take =
            |s: Sink| Rc::try_unwrap(s).map_or_else(|s| s.borrow().clone(), RefCell::into_inner);
        Ok((code, take(out), take(err)))
    }
}
