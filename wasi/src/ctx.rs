//! The WASI context (descriptor table, arguments, environment) and the calls that are
//! not about files: args, environ, clocks, random, process, scheduling, sockets.

use wamr_common::{MemoryType, Trap};

use crate::abi::{clock, rights, Errno, WasiResult};
use crate::fd::{Desc, FdTable, Kind};
use crate::guest::Guest;
use crate::{sys, Output, WasiConfig, WasiError};

/// One program's WASI state. The host functions share it through `Rc<RefCell<_>>`.
pub struct WasiCtx {
    pub(crate) fds: FdTable,
    args: Vec<String>,
    env: Vec<String>,
    /// Memory handed to calls made from a module without one: every access is `EFAULT`.
    /// Made on first need (almost every module has a memory).
    no_memory: std::cell::OnceCell<wamr_common::Memory>,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("fds", &self.fds)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

/// Opens a host directory for a preopen with one `openat` (`O_DIRECTORY`, so anything
/// else is refused). cap-std's `open_ambient_dir` also stats it three times and sets its
/// flags again; on a program that runs for microseconds those calls were a fifth of the
/// run.
fn open_dir(host: &std::path::Path) -> std::io::Result<cap_std::fs::Dir> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(host)?;
    Ok(cap_std::fs::Dir::from_std_file(file))
}

impl WasiCtx {
    /// Opens the preopened directories (descriptors 3, 4, ... in order).
    pub fn new(config: &WasiConfig) -> Result<WasiCtx, WasiError> {
        let mut fds = FdTable::default();
        let captured = |out: &Output| matches!(out, Output::Capture(_));
        fds.stdio([false, captured(&config.stdout), captured(&config.stderr)]);
        for (guest, host) in &config.preopens {
            let dir = open_dir(host).map_err(|source| WasiError::Preopen {
                host: host.clone(),
                guest: guest.clone(),
                source,
            })?;
            fds.insert(Desc {
                kind: Kind::Dir {
                    dir,
                    preopen: Some(guest.clone()),
                    listing: None,
                },
                filetype: crate::abi::filetype::DIRECTORY,
                base: rights::DIR,
                inheriting: rights::DIR | rights::FILE,
                flags: 0,
            })
            .expect("few preopens");
        }
        Ok(WasiCtx {
            fds,
            args: config.args.clone(),
            env: config.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            no_memory: std::cell::OnceCell::new(),
            stdout: config.stdout.clone(),
            stderr: config.stderr.clone(),
        })
    }

    /// The empty memory for a caller without one.
    pub(crate) fn no_memory(&self) -> Result<&wamr_common::Memory, Trap> {
        if let Some(mem) = self.no_memory.get() {
            return Ok(mem);
        }
        let ty = MemoryType {
            limits: wamr_common::Limits {
                min: 0,
                max: Some(0),
            },
            shared: false,
            memory64: false,
        };
        let mem = wamr_common::Memory::new(ty, Some(0))
            .map_err(|e| Trap::host(format!("WASI: no memory to work on: {e}")))?;
        Ok(self.no_memory.get_or_init(|| mem))
    }

    /// Whether `fd` (1 or 2) writes to an in-memory buffer rather than the host's stream.
    pub(crate) fn is_captured(&self, fd: i32) -> bool {
        match fd {
            1 => matches!(self.stdout, Output::Capture(_)),
            2 => matches!(self.stderr, Output::Capture(_)),
            _ => false,
        }
    }

    /// Writes guest output to stdout (`fd` 1) or stderr (2).
    pub(crate) fn emit(&self, fd: i32, data: &[u8]) -> WasiResult<()> {
        use std::io::Write;
        let sink = if fd == 1 { &self.stdout } else { &self.stderr };
        match sink {
            Output::Capture(buf) => buf.borrow_mut().extend_from_slice(data),
            Output::Inherit if fd == 1 => {
                let mut out = std::io::stdout().lock();
                out.write_all(data)?;
                out.flush()?;
            }
            Output::Inherit => std::io::stderr().write_all(data)?,
        }
        Ok(())
    }

    fn sizes(list: &[String]) -> (u32, u32) {
        let bytes: usize = list.iter().map(|s| s.len() + 1).sum();
        (list.len() as u32, bytes as u32)
    }

    /// Writes `list` as NUL-terminated strings into `buf` and their addresses to `ptrs`.
    fn put_strings(g: &Guest, list: &[String], ptrs: u32, buf: u32) -> WasiResult<()> {
        let mut at = buf;
        for (i, s) in list.iter().enumerate() {
            g.put_u32(ptrs.wrapping_add(4 * i as u32), at)?;
            let mut bytes = s.as_bytes().to_vec();
            bytes.push(0);
            g.write(at, &bytes)?;
            at = at.checked_add(bytes.len() as u32).ok_or(Errno::Fault)?;
        }
        Ok(())
    }

    pub fn args_sizes_get(&mut self, g: &Guest, argc: u32, size: u32) -> WasiResult<()> {
        let (n, bytes) = Self::sizes(&self.args);
        g.put_u32(argc, n)?;
        g.put_u32(size, bytes)
    }

    pub fn args_get(&mut self, g: &Guest, argv: u32, buf: u32) -> WasiResult<()> {
        Self::put_strings(g, &self.args, argv, buf)
    }

    pub fn environ_sizes_get(&mut self, g: &Guest, count: u32, size: u32) -> WasiResult<()> {
        let (n, bytes) = Self::sizes(&self.env);
        g.put_u32(count, n)?;
        g.put_u32(size, bytes)
    }

    pub fn environ_get(&mut self, g: &Guest, environ: u32, buf: u32) -> WasiResult<()> {
        Self::put_strings(g, &self.env, environ, buf)
    }

    fn host_clock(id: u32) -> WasiResult<libc::clockid_t> {
        Ok(match id {
            clock::REALTIME => libc::CLOCK_REALTIME,
            clock::MONOTONIC => libc::CLOCK_MONOTONIC,
            clock::PROCESS_CPUTIME => libc::CLOCK_PROCESS_CPUTIME_ID,
            clock::THREAD_CPUTIME => libc::CLOCK_THREAD_CPUTIME_ID,
            _ => return Err(Errno::Inval),
        })
    }

    pub fn clock_res_get(&mut self, g: &Guest, id: u32, out: u32) -> WasiResult<()> {
        g.put_u64(out, sys::clock_res(Self::host_clock(id)?)?)
    }

    pub fn clock_time_get(
        &mut self,
        g: &Guest,
        id: u32,
        _precision: u64,
        out: u32,
    ) -> WasiResult<()> {
        g.put_u64(out, Self::now(id)?)
    }

    pub(crate) fn now(id: u32) -> WasiResult<u64> {
        sys::clock_time(Self::host_clock(id)?)
    }

    pub fn random_get(&mut self, g: &Guest, buf: u32, len: u32) -> WasiResult<()> {
        // Check the whole range first, then fill it in chunks.
        g.capacity(&[(buf, len)])?;
        let mut chunk = vec![0u8; (len as usize).min(64 * 1024)];
        let mut done = 0u32;
        while done < len {
            let n = ((len - done) as usize).min(chunk.len());
            sys::random(&mut chunk[..n])?;
            g.write(buf + done, &chunk[..n])?;
            done += n as u32;
        }
        Ok(())
    }

    /// `proc_exit`: unwinds the guest with an exit trap carrying the status.
    pub fn proc_exit(&mut self, code: u32) -> Trap {
        Trap::exit(code as i32)
    }

    /// `proc_raise`: a hosted runtime does not let a guest signal its host process.
    pub fn proc_raise(&mut self, _sig: u32) -> WasiResult<()> {
        Err(Errno::Nosys)
    }

    pub fn sched_yield(&mut self) -> WasiResult<()> {
        sys::sched_yield();
        Ok(())
    }

    /// Sockets: without networking no descriptor is a socket, so every call on an open
    /// descriptor is `ENOTSOCK` and on a closed one `EBADF`.
    pub fn sock_call(&mut self, fd: u32) -> WasiResult<()> {
        self.fds.get(fd)?;
        Err(Errno::Notsock)
    }
}
