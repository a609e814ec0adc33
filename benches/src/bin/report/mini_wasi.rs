//! A minimal WASI preview1, just enough for the shootout, CoreMark and SIMD programs, that
//! any in-process peer can bind: arguments, captured stdout/stderr, one read-only
//! preopened directory (`.`, whole files read into memory), clocks, random bytes and
//! `proc_exit`. Every other WASI import answers `ENOSYS`. The calls here see guest memory
//! as a byte slice and know nothing of the engine; `wasmi_wasi` and `wasmtime_wasi` bind
//! them, each in a few lines, from the one list in [`for_each_call`]. (The peers' own WASI
//! crates would pull a second and third WASI implementation into the benches' build.)
//! Output is checked against the expected files before any run is timed, so a gap here
//! shows as an error, never as a fast time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) const WASI: &str = "wasi_snapshot_preview1";
pub(crate) const EBADF: i32 = 8;
pub(crate) const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOENT: i32 = 44;
pub(crate) const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;
const PREOPEN_FD: i32 = 3;

/// The calls [`MiniWasi`] implements, with their wasm parameters (all `i32` or `i64`, and
/// an `i32` errno result), handed to `$bind!` once each. `proc_exit` is not listed: it
/// unwinds the guest, which each engine does its own way.
macro_rules! for_each_call {
    ($bind:ident) => {
        $bind!(fd_write(fd: i32, iovs: i32, n: i32, nwritten: i32));
        $bind!(fd_read(fd: i32, iovs: i32, n: i32, nread: i32));
        $bind!(fd_close(fd: i32));
        $bind!(fd_fdstat_get(fd: i32, buf: i32));
        $bind!(fd_seek(fd: i32, offset: i64, whence: i32, out: i32));
        $bind!(fd_prestat_get(fd: i32, buf: i32));
        $bind!(fd_prestat_dir_name(fd: i32, path: i32, len: i32));
        $bind!(path_open(
            dirfd: i32,
            dirflags: i32,
            path: i32,
            path_len: i32,
            oflags: i32,
            rights: i64,
            inheriting: i64,
            fdflags: i32,
            out: i32
        ));
        $bind!(args_sizes_get(argc: i32, size: i32));
        $bind!(args_get(argv: i32, buf: i32));
        $bind!(environ_sizes_get(count: i32, size: i32));
        $bind!(environ_get(env: i32, buf: i32));
        $bind!(clock_time_get(id: i32, precision: i64, out: i32));
        $bind!(random_get(buf: i32, len: i32));
    };
}
pub(crate) use for_each_call;

/// One command's WASI state: its arguments, the preopened directory, what it wrote.
pub(crate) struct MiniWasi {
    args: Vec<String>,
    dir: PathBuf,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Open files: contents and read position.
    files: HashMap<i32, (Vec<u8>, usize)>,
    next_fd: i32,
    rng: u64,
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

/// Writes `bytes` at `ptr`: errno 0, or `EFAULT` when out of bounds.
fn write_guest(mem: &mut [u8], ptr: i32, bytes: &[u8]) -> i32 {
    if put(mem, ptr, bytes) {
        0
    } else {
        EFAULT
    }
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

impl MiniWasi {
    /// A command run as `argv` with `dir` preopened as `.`.
    pub fn new(argv: &[&str], dir: &Path) -> Self {
        MiniWasi {
            args: argv.iter().map(|a| a.to_string()).collect(),
            dir: dir.to_path_buf(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            files: HashMap::new(),
            next_fd: PREOPEN_FD + 1,
            rng: 0x9e37_79b9_7f4a_7c15,
        }
    }

    pub fn fd_write(&mut self, mem: &mut [u8], fd: i32, iovs: i32, n: i32, nwritten: i32) -> i32 {
        let Some(list) = iovecs(mem, iovs, n) else {
            return EFAULT;
        };
        let out = match fd {
            1 => &mut self.stdout,
            2 => &mut self.stderr,
            _ => return EBADF,
        };
        let mut total = 0u32;
        for (ptr, len) in list {
            let Some(r) = range(mem, ptr, len) else {
                return EFAULT;
            };
            out.extend_from_slice(&mem[r]);
            total += len as u32;
        }
        write_guest(mem, nwritten, &total.to_le_bytes())
    }

    pub fn fd_read(&mut self, mem: &mut [u8], fd: i32, iovs: i32, n: i32, nread: i32) -> i32 {
        let Some(list) = iovecs(mem, iovs, n) else {
            return EFAULT;
        };
        let Some((data, pos)) = self.files.get_mut(&fd) else {
            return if fd == 0 { 0 } else { EBADF };
        };
        let mut total = 0usize;
        for (ptr, len) in list {
            let take = len.min(data.len() - *pos);
            if !put(mem, ptr, &data[*pos..*pos + take]) {
                return EFAULT;
            }
            *pos += take;
            total += take;
        }
        write_guest(mem, nread, &(total as u32).to_le_bytes())
    }

    pub fn fd_close(&mut self, _mem: &mut [u8], fd: i32) -> i32 {
        match self.files.remove(&fd) {
            Some(_) => 0,
            None if (0..=PREOPEN_FD).contains(&fd) => 0,
            None => EBADF,
        }
    }

    pub fn fd_fdstat_get(&mut self, mem: &mut [u8], fd: i32, buf: i32) -> i32 {
        let filetype: u8 = match fd {
            0..=2 => 2,
            PREOPEN_FD => 3,
            _ if self.files.contains_key(&fd) => 4,
            _ => return EBADF,
        };
        let mut stat = [0u8; 24];
        stat[0] = filetype;
        stat[8..24].fill(0xff); // every right
        write_guest(mem, buf, &stat)
    }

    pub fn fd_seek(&mut self, mem: &mut [u8], fd: i32, offset: i64, whence: i32, out: i32) -> i32 {
        let Some((data, pos)) = self.files.get_mut(&fd) else {
            return if (0..=2).contains(&fd) { ESPIPE } else { EBADF };
        };
        let base = match whence {
            0 => 0,
            1 => *pos as i64,
            2 => data.len() as i64,
            _ => return EINVAL,
        };
        let Some(new) = base.checked_add(offset).filter(|n| *n >= 0) else {
            return EINVAL;
        };
        *pos = (new as u64).min(data.len() as u64) as usize;
        write_guest(mem, out, &(new as u64).to_le_bytes())
    }

    pub fn fd_prestat_get(&mut self, mem: &mut [u8], fd: i32, buf: i32) -> i32 {
        if fd != PREOPEN_FD {
            return EBADF;
        }
        let mut stat = [0u8; 8];
        stat[4] = 1; // tag 0 (directory), name length 1: "."
        write_guest(mem, buf, &stat)
    }

    pub fn fd_prestat_dir_name(&mut self, mem: &mut [u8], fd: i32, path: i32, len: i32) -> i32 {
        if fd != PREOPEN_FD {
            return EBADF;
        }
        if len < 1 {
            return EINVAL;
        }
        write_guest(mem, path, b".")
    }

    #[allow(clippy::too_many_arguments)] // WASI's own signature
    pub fn path_open(
        &mut self,
        mem: &mut [u8],
        dirfd: i32,
        _dirflags: i32,
        path: i32,
        path_len: i32,
        oflags: i32,
        _rights: i64,
        _inheriting: i64,
        _fdflags: i32,
        out: i32,
    ) -> i32 {
        if dirfd != PREOPEN_FD {
            return EBADF;
        }
        if oflags != 0 {
            return ENOSYS; // read-only: no create, truncate or directory opens
        }
        let Some(r) = range(mem, path, path_len as u32 as usize) else {
            return EFAULT;
        };
        let name = String::from_utf8_lossy(&mem[r]).into_owned();
        let rel = Path::new(&name);
        if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
            return ENOENT;
        }
        let Ok(data) = std::fs::read(self.dir.join(rel)) else {
            return ENOENT;
        };
        let fd = self.next_fd;
        self.next_fd += 1;
        self.files.insert(fd, (data, 0));
        write_guest(mem, out, &(fd as u32).to_le_bytes())
    }

    pub fn args_sizes_get(&mut self, mem: &mut [u8], argc: i32, size: i32) -> i32 {
        let n = self.args.len() as u32;
        let bytes: usize = self.args.iter().map(|a| a.len() + 1).sum();
        if put(mem, argc, &n.to_le_bytes()) && put(mem, size, &(bytes as u32).to_le_bytes()) {
            0
        } else {
            EFAULT
        }
    }

    pub fn args_get(&mut self, mem: &mut [u8], argv: i32, buf: i32) -> i32 {
        let mut at = buf;
        for (i, a) in self.args.iter().enumerate() {
            let mut s = a.as_bytes().to_vec();
            s.push(0);
            let slot = argv.wrapping_add(4 * i as i32);
            if !put(mem, slot, &(at as u32).to_le_bytes()) || !put(mem, at, &s) {
                return EFAULT;
            }
            at = at.wrapping_add(s.len() as i32);
        }
        0
    }

    pub fn environ_sizes_get(&mut self, mem: &mut [u8], count: i32, size: i32) -> i32 {
        if put(mem, count, &[0; 4]) && put(mem, size, &[0; 4]) {
            0
        } else {
            EFAULT
        }
    }

    pub fn environ_get(&mut self, _mem: &mut [u8], _env: i32, _buf: i32) -> i32 {
        0
    }

    pub fn clock_time_get(&mut self, mem: &mut [u8], id: i32, _precision: i64, out: i32) -> i32 {
        let ns = match id {
            0 => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            _ => benches::clock_ms() as u64 * 1_000_000,
        };
        write_guest(mem, out, &ns.to_le_bytes())
    }

    pub fn random_get(&mut self, mem: &mut [u8], buf: i32, len: i32) -> i32 {
        let Some(r) = range(mem, buf, len as u32 as usize) else {
            return EFAULT;
        };
        for b in &mut mem[r] {
            // xorshift64: the programs only need bytes, not secrecy.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            *b = self.rng as u8;
        }
        0
    }
}
