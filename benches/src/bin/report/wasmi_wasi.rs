//! A minimal WASI preview1 for wasmi, just enough for the shootout programs: arguments,
//! captured stdout/stderr, one read-only preopened directory (`.`, whole files read into
//! memory), clocks, random bytes and `proc_exit`. Every other WASI import answers
//! `ENOSYS`. wasmi's own WASI crate pulls in a second WASI implementation and its
//! dependencies; this keeps the benches' build lean. Output is checked against the
//! expected files before any run is timed, so a gap here shows as an error, never as a
//! fast time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use wasmi::{Caller, Engine, Error, Extern, Func, Linker, Module, Store, Val};

const WASI: &str = "wasi_snapshot_preview1";
pub(crate) const EBADF: i32 = 8;
pub(crate) const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOENT: i32 = 44;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;
const PREOPEN_FD: i32 = 3;

struct Ctx {
    args: Vec<String>,
    dir: PathBuf,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Open files: contents and read position.
    files: HashMap<i32, (Vec<u8>, usize)>,
    next_fd: i32,
    rng: u64,
}

type Res = Result<i32, Error>;

fn memory(caller: &Caller<'_, Ctx>) -> Result<wasmi::Memory, Error> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("no exported memory"))
}

pub(crate) fn range(mem: &[u8], ptr: i32, len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len)?;
    (end <= mem.len()).then_some(start..end)
}

pub(crate) fn put(mem: &mut [u8], ptr: i32, bytes: &[u8]) -> bool {
    match range(mem, ptr, bytes.len()) {
        Some(r) => {
            mem[r].copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

fn get_u32(mem: &[u8], ptr: i32) -> Option<u32> {
    range(mem, ptr, 4).map(|r| u32::from_le_bytes(mem[r].try_into().unwrap()))
}

/// Writes `bytes` to guest memory at `ptr`: errno 0, or `EFAULT` when out of bounds.
fn write_guest(c: &mut Caller<'_, Ctx>, ptr: i32, bytes: &[u8]) -> Res {
    let m = memory(c)?;
    Ok(if put(m.data_mut(c), ptr, bytes) {
        0
    } else {
        EFAULT
    })
}

/// The (ptr, len) pairs of an iovec array.
pub(crate) fn iovecs(mem: &[u8], iovs: i32, n: i32) -> Option<Vec<(i32, usize)>> {
    (0..n)
        .map(|i| {
            let at = iovs.wrapping_add(i * 8);
            Some((
                get_u32(mem, at)? as i32,
                get_u32(mem, at.wrapping_add(4))? as usize,
            ))
        })
        .collect()
}

fn define(linker: &mut Linker<Ctx>) -> Result<()> {
    let l = linker;
    l.func_wrap(
        WASI,
        "fd_write",
        |mut c: Caller<'_, Ctx>, fd: i32, iovs: i32, n: i32, nwritten: i32| -> Res {
            let m = memory(&c)?;
            let (mem, ctx) = m.data_and_store_mut(&mut c);
            let Some(list) = iovecs(mem, iovs, n) else {
                return Ok(EFAULT);
            };
            let out = match fd {
                1 => &mut ctx.stdout,
                2 => &mut ctx.stderr,
                _ => return Ok(EBADF),
            };
            let mut total = 0u32;
            for (ptr, len) in list {
                let Some(r) = range(mem, ptr, len) else {
                    return Ok(EFAULT);
                };
                out.extend_from_slice(&mem[r]);
                total += len as u32;
            }
            Ok(if put(mem, nwritten, &total.to_le_bytes()) {
                0
            } else {
                EFAULT
            })
        },
    )?;
    l.func_wrap(
        WASI,
        "fd_read",
        |mut c: Caller<'_, Ctx>, fd: i32, iovs: i32, n: i32, nread: i32| -> Res {
            let m = memory(&c)?;
            let (mem, ctx) = m.data_and_store_mut(&mut c);
            let Some(list) = iovecs(mem, iovs, n) else {
                return Ok(EFAULT);
            };
            let Some((data, pos)) = ctx.files.get_mut(&fd) else {
                return Ok(if fd == 0 { 0 } else { EBADF });
            };
            let mut total = 0usize;
            for (ptr, len) in list {
                let take = len.min(data.len() - *pos);
                if !put(mem, ptr, &data[*pos..*pos + take]) {
                    return Ok(EFAULT);
                }
                *pos += take;
                total += take;
            }
            Ok(if put(mem, nread, &(total as u32).to_le_bytes()) {
                0
            } else {
                EFAULT
            })
        },
    )?;
    l.func_wrap(WASI, "fd_close", |mut c: Caller<'_, Ctx>, fd: i32| -> Res {
        Ok(match c.data_mut().files.remove(&fd) {
            Some(_) => 0,
            None if (0..=PREOPEN_FD).contains(&fd) => 0,
            None => EBADF,
        })
    })?;
    l.func_wrap(
        WASI,
        "fd_fdstat_get",
        |mut c: Caller<'_, Ctx>, fd: i32, buf: i32| -> Res {
            let filetype: u8 = match fd {
                0..=2 => 2,
                PREOPEN_FD => 3,
                _ if c.data().files.contains_key(&fd) => 4,
                _ => return Ok(EBADF),
            };
            let mut stat = [0u8; 24];
            stat[0] = filetype;
            stat[8..24].fill(0xff); // every right
            write_guest(&mut c, buf, &stat)
        },
    )?;
    l.func_wrap(
        WASI,
        "fd_seek",
        |mut c: Caller<'_, Ctx>, fd: i32, offset: i64, whence: i32, out: i32| -> Res {
            let Some((data, pos)) = c.data_mut().files.get_mut(&fd) else {
                return Ok(if (0..=2).contains(&fd) { ESPIPE } else { EBADF });
            };
            let base = match whence {
                0 => 0,
                1 => *pos as i64,
                2 => data.len() as i64,
                _ => return Ok(EINVAL),
            };
            let new = base + offset;
            if new < 0 {
                return Ok(EINVAL);
            }
            *pos = (new as usize).min(data.len());
            write_guest(&mut c, out, &(new as u64).to_le_bytes())
        },
    )?;
    l.func_wrap(
        WASI,
        "fd_prestat_get",
        |mut c: Caller<'_, Ctx>, fd: i32, buf: i32| -> Res {
            if fd != PREOPEN_FD {
                return Ok(EBADF);
            }
            let mut stat = [0u8; 8];
            stat[4] = 1; // tag 0 (directory), name length 1: "."
            write_guest(&mut c, buf, &stat)
        },
    )?;
    l.func_wrap(
        WASI,
        "fd_prestat_dir_name",
        |mut c: Caller<'_, Ctx>, fd: i32, path: i32, len: i32| -> Res {
            if fd != PREOPEN_FD {
                return Ok(EBADF);
            }
            if len < 1 {
                return Ok(EINVAL);
            }
            write_guest(&mut c, path, b".")
        },
    )?;
    l.func_wrap(
        WASI,
        "path_open",
        |mut c: Caller<'_, Ctx>,
         dirfd: i32,
         _dirflags: i32,
         path: i32,
         path_len: i32,
         oflags: i32,
         _rights: i64,
         _inheriting: i64,
         _fdflags: i32,
         out: i32|
         -> Res {
            if dirfd != PREOPEN_FD {
                return Ok(EBADF);
            }
            if oflags != 0 {
                return Ok(ENOSYS); // read-only: no create, truncate or directory opens
            }
            let m = memory(&c)?;
            let (mem, ctx) = m.data_and_store_mut(&mut c);
            let Some(r) = range(mem, path, path_len as u32 as usize) else {
                return Ok(EFAULT);
            };
            let name = String::from_utf8_lossy(&mem[r]).into_owned();
            let rel = Path::new(&name);
            if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
                return Ok(ENOENT);
            }
            let Ok(data) = std::fs::read(ctx.dir.join(rel)) else {
                return Ok(ENOENT);
            };
            let fd = ctx.next_fd;
            ctx.next_fd += 1;
            ctx.files.insert(fd, (data, 0));
            Ok(if put(mem, out, &(fd as u32).to_le_bytes()) {
                0
            } else {
                EFAULT
            })
        },
    )?;
    l.func_wrap(
        WASI,
        "proc_exit",
        |_c: Caller<'_, Ctx>, code: i32| -> Result<(), Error> { Err(Error::i32_exit(code)) },
    )?;
    l.func_wrap(
        WASI,
        "args_sizes_get",
        |mut c: Caller<'_, Ctx>, argc: i32, size: i32| -> Res {
            let n = c.data().args.len() as u32;
            let bytes: usize = c.data().args.iter().map(|a| a.len() + 1).sum();
            let m = memory(&c)?;
            let mem = m.data_mut(&mut c);
            Ok(
                if put(mem, argc, &n.to_le_bytes()) && put(mem, size, &(bytes as u32).to_le_bytes())
                {
                    0
                } else {
                    EFAULT
                },
            )
        },
    )?;
    l.func_wrap(
        WASI,
        "args_get",
        |mut c: Caller<'_, Ctx>, argv: i32, buf: i32| -> Res {
            let m = memory(&c)?;
            let (mem, ctx) = m.data_and_store_mut(&mut c);
            let mut at = buf;
            for (i, a) in ctx.args.iter().enumerate() {
                let mut s = a.as_bytes().to_vec();
                s.push(0);
                if !put(
                    mem,
                    argv.wrapping_add(4 * i as i32),
                    &(at as u32).to_le_bytes(),
                ) || !put(mem, at, &s)
                {
                    return Ok(EFAULT);
                }
                at = at.wrapping_add(s.len() as i32);
            }
            Ok(0)
        },
    )?;
    l.func_wrap(
        WASI,
        "environ_sizes_get",
        |mut c: Caller<'_, Ctx>, count: i32, size: i32| -> Res {
            let m = memory(&c)?;
            let mem = m.data_mut(&mut c);
            Ok(if put(mem, count, &[0; 4]) && put(mem, size, &[0; 4]) {
                0
            } else {
                EFAULT
            })
        },
    )?;
    l.func_wrap(
        WASI,
        "environ_get",
        |_c: Caller<'_, Ctx>, _env: i32, _buf: i32| -> Res { Ok(0) },
    )?;
    l.func_wrap(
        WASI,
        "clock_time_get",
        |mut c: Caller<'_, Ctx>, id: i32, _precision: i64, out: i32| -> Res {
            let ns = match id {
                0 => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64),
                _ => benches::clock_ms() as u64 * 1_000_000,
            };
            write_guest(&mut c, out, &ns.to_le_bytes())
        },
    )?;
    l.func_wrap(
        WASI,
        "random_get",
        |mut c: Caller<'_, Ctx>, buf: i32, len: i32| -> Res {
            let m = memory(&c)?;
            let (mem, ctx) = m.data_and_store_mut(&mut c);
            let Some(r) = range(mem, buf, len as u32 as usize) else {
                return Ok(EFAULT);
            };
            for b in &mut mem[r] {
                // xorshift64: the programs only need bytes, not secrecy.
                ctx.rng ^= ctx.rng << 13;
                ctx.rng ^= ctx.rng >> 7;
                ctx.rng ^= ctx.rng << 17;
                *b = ctx.rng as u8;
            }
            Ok(0)
        },
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
        let ctx = Ctx {
            args: argv.iter().map(|a| a.to_string()).collect(),
            dir: dir.to_path_buf(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            files: HashMap::new(),
            next_fd: PREOPEN_FD + 1,
            rng: 0x9e37_79b9_7f4a_7c15,
        };
        let mut store = Store::new(&self.engine, ctx);
        let mut linker = Linker::<Ctx>::new(&self.engine);
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
            linker.func_wrap("bench", name, |_c: Caller<'_, Ctx>| {})?;
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
        let ctx = store.into_data();
        Ok((code, ctx.stdout, ctx.stderr))
    }
}
