//! Registers every `wasi_snapshot_preview1` function in a [`Linker`]. Each entry names the
//! function, its wasm signature and the [`WasiCtx`] method that implements it.

use std::cell::RefCell;
use std::rc::Rc;

use wamr_common::{Caller, Extern, Func, FuncType, Linker, Store, Trap, Val, ValType};

use crate::abi::{Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::guest::Guest;

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Argument `i` as an unsigned 32-bit value (pointers, lengths, descriptors, flags).
fn u(a: &[Val], i: usize) -> u32 {
    match a[i] {
        Val::I32(v) => v as u32,
        _ => 0,
    }
}

/// Argument `i` as a 64-bit value.
fn w(a: &[Val], i: usize) -> u64 {
    match a[i] {
        Val::I64(v) => v as u64,
        _ => 0,
    }
}

type Body = fn(&mut WasiCtx, &Guest, &[Val]) -> WasiResult<()>;

/// (name, parameter signature: `i` = i32, `I` = i64, body). Every one returns an errno.
const FUNCS: &[(&str, &str, Body)] = &[
    ("args_get", "ii", |c, g, a| c.args_get(g, u(a, 0), u(a, 1))),
    ("args_sizes_get", "ii", |c, g, a| {
        c.args_sizes_get(g, u(a, 0), u(a, 1))
    }),
    ("environ_get", "ii", |c, g, a| {
        c.environ_get(g, u(a, 0), u(a, 1))
    }),
    ("environ_sizes_get", "ii", |c, g, a| {
        c.environ_sizes_get(g, u(a, 0), u(a, 1))
    }),
    ("clock_res_get", "ii", |c, g, a| {
        c.clock_res_get(g, u(a, 0), u(a, 1))
    }),
    ("clock_time_get", "iIi", |c, g, a| {
        c.clock_time_get(g, u(a, 0), w(a, 1), u(a, 2))
    }),
    ("fd_advise", "iIIi", |c, _, a| {
        c.fd_advise(u(a, 0), w(a, 1), w(a, 2), u(a, 3) as u8)
    }),
    ("fd_allocate", "iII", |c, _, a| {
        c.fd_allocate(u(a, 0), w(a, 1), w(a, 2))
    }),
    ("fd_close", "i", |c, _, a| c.fd_close(u(a, 0))),
    ("fd_datasync", "i", |c, _, a| c.fd_datasync(u(a, 0))),
    ("fd_fdstat_get", "ii", |c, g, a| {
        c.fd_fdstat_get(g, u(a, 0), u(a, 1))
    }),
    ("fd_fdstat_set_flags", "ii", |c, _, a| {
        c.fd_fdstat_set_flags(u(a, 0), u(a, 1) as u16)
    }),
    ("fd_fdstat_set_rights", "iII", |c, _, a| {
        c.fd_fdstat_set_rights(u(a, 0), w(a, 1), w(a, 2))
    }),
    ("fd_filestat_get", "ii", |c, g, a| {
        c.fd_filestat_get(g, u(a, 0), u(a, 1))
    }),
    ("fd_filestat_set_size", "iI", |c, _, a| {
        c.fd_filestat_set_size(u(a, 0), w(a, 1))
    }),
    ("fd_filestat_set_times", "iIIi", |c, _, a| {
        c.fd_filestat_set_times(u(a, 0), w(a, 1), w(a, 2), u(a, 3) as u16)
    }),
    ("fd_pread", "iiiIi", |c, g, a| {
        c.fd_pread(g, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))
    }),
    ("fd_prestat_get", "ii", |c, g, a| {
        c.fd_prestat_get(g, u(a, 0), u(a, 1))
    }),
    ("fd_prestat_dir_name", "iii", |c, g, a| {
        c.fd_prestat_dir_name(g, u(a, 0), u(a, 1), u(a, 2))
    }),
    ("fd_pwrite", "iiiIi", |c, g, a| {
        c.fd_pwrite(g, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))
    }),
    ("fd_read", "iiii", |c, g, a| {
        c.fd_read(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3))
    }),
    ("fd_readdir", "iiiIi", |c, g, a| {
        c.fd_readdir(g, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))
    }),
    ("fd_renumber", "ii", |c, _, a| {
        c.fd_renumber(u(a, 0), u(a, 1))
    }),
    ("fd_seek", "iIii", |c, g, a| {
        c.fd_seek(g, u(a, 0), w(a, 1) as i64, u(a, 2), u(a, 3))
    }),
    ("fd_sync", "i", |c, _, a| c.fd_sync(u(a, 0))),
    ("fd_tell", "ii", |c, g, a| c.fd_tell(g, u(a, 0), u(a, 1))),
    ("fd_write", "iiii", |c, g, a| {
        c.fd_write(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3))
    }),
    ("path_create_directory", "iii", |c, g, a| {
        c.path_create_directory(g, u(a, 0), u(a, 1), u(a, 2))
    }),
    ("path_filestat_get", "iiiii", |c, g, a| {
        c.path_filestat_get(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4))
    }),
    ("path_filestat_set_times", "iiiiIIi", |c, g, a| {
        c.path_filestat_set_times(
            g,
            u(a, 0),
            u(a, 1),
            u(a, 2),
            u(a, 3),
            w(a, 4),
            w(a, 5),
            u(a, 6) as u16,
        )
    }),
    ("path_link", "iiiiiii", |c, g, a| {
        c.path_link(
            g,
            u(a, 0),
            u(a, 1),
            u(a, 2),
            u(a, 3),
            u(a, 4),
            u(a, 5),
            u(a, 6),
        )
    }),
    ("path_open", "iiiiiIIii", |c, g, a| {
        c.path_open(
            g,
            u(a, 0),
            u(a, 1),
            u(a, 2),
            u(a, 3),
            u(a, 4) as u16,
            w(a, 5),
            w(a, 6),
            u(a, 7) as u16,
            u(a, 8),
        )
    }),
    ("path_readlink", "iiiiii", |c, g, a| {
        c.path_readlink(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5))
    }),
    ("path_remove_directory", "iii", |c, g, a| {
        c.path_remove_directory(g, u(a, 0), u(a, 1), u(a, 2))
    }),
    ("path_rename", "iiiiii", |c, g, a| {
        c.path_rename(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5))
    }),
    ("path_symlink", "iiiii", |c, g, a| {
        c.path_symlink(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4))
    }),
    ("path_unlink_file", "iii", |c, g, a| {
        c.path_unlink_file(g, u(a, 0), u(a, 1), u(a, 2))
    }),
    ("poll_oneoff", "iiii", |c, g, a| {
        c.poll_oneoff(g, u(a, 0), u(a, 1), u(a, 2), u(a, 3))
    }),
    ("proc_raise", "i", |c, _, a| c.proc_raise(u(a, 0))),
    ("sched_yield", "", |c, _, _| c.sched_yield()),
    ("random_get", "ii", |c, g, a| {
        c.random_get(g, u(a, 0), u(a, 1))
    }),
    ("sock_accept", "iii", |c, _, a| c.sock_call(u(a, 0))),
    ("sock_recv", "iiiiii", |c, _, a| c.sock_call(u(a, 0))),
    ("sock_send", "iiiii", |c, _, a| c.sock_call(u(a, 0))),
    ("sock_shutdown", "ii", |c, _, a| c.sock_call(u(a, 0))),
];

fn params(sig: &str) -> Vec<ValType> {
    sig.chars()
        .map(|ch| {
            if ch == 'I' {
                ValType::I64
            } else {
                ValType::I32
            }
        })
        .collect()
}

/// Makes every `wasi_snapshot_preview1` function available in `linker`, all sharing
/// `ctx`. They are defined lazily ([`Linker::define_lazy`]): each the first time an
/// instance imports it, so a linker made for one short run costs only what it imports.
pub fn add_to_linker(linker: &mut Linker, ctx: Rc<RefCell<WasiCtx>>) {
    linker.define_lazy(MODULE, move |store, name| {
        let func = host_func(store, &ctx, name)?;
        Some(Extern::Func(func))
    });
}

thread_local! {
    /// `FUNCS`' signatures, made once per thread.
    static SIGNATURES: Vec<FuncType> = FUNCS
        .iter()
        .map(|&(_, sig, _)| FuncType::new(params(sig), [ValType::I32]))
        .collect();
}

/// The host function `name` of WASI in `store`, or `None` if WASI has no such function.
fn host_func(store: &Store, ctx: &Rc<RefCell<WasiCtx>>, name: &str) -> Option<Func> {
    let ctx = ctx.clone();
    if name == "proc_exit" {
        return Some(store.host_func(
            FuncType::new([ValType::I32], []),
            move |_caller: &mut Caller<'_>, args, _results| {
                Err(ctx.borrow_mut().proc_exit(u(args, 0)))
            },
        ));
    }
    let index = FUNCS.iter().position(|&(n, _, _)| n == name)?;
    let (name, _, body) = FUNCS[index];
    let ty = SIGNATURES.with(|signatures| signatures[index].clone());
    Some(
        store.host_func(ty, move |caller: &mut Caller<'_>, args, results| {
            let mut c = ctx
                .try_borrow_mut()
                .map_err(|_| Trap::host("WASI re-entered"))?;
            let c = &mut *c;
            let mem = match caller.memory() {
                Some(mem) => mem.clone(),
                None => c.no_memory()?.clone(),
            };
            let g = Guest::new(&mem);
            let errno = match body(c, &g, args) {
                Ok(()) => Errno::Success,
                Err(e) => e,
            };
            tracing::trace!(target: "wasi", "{name}{args:?} -> {errno:?}");
            results[0] = Val::I32(errno as i32);
            Ok(())
        }),
    )
}
