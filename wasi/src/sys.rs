//! The few host calls std and cap-std don't offer, each a thin safe wrapper. This is the
//! only module of the crate with `unsafe`: every block passes a valid descriptor number
//! (the kernel checks it) and pointers to live, correctly sized locals.

use std::io;

use crate::abi::{filetype, Errno, WasiResult};

fn check(r: libc::c_int) -> WasiResult<()> {
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::from(io::Error::last_os_error()))
    }
}

pub fn filetype_of_mode(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFDIR => filetype::DIRECTORY,
        libc::S_IFREG => filetype::REGULAR_FILE,
        libc::S_IFLNK => filetype::SYMBOLIC_LINK,
        libc::S_IFCHR => filetype::CHARACTER_DEVICE,
        libc::S_IFBLK => filetype::BLOCK_DEVICE,
        libc::S_IFSOCK => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

/// `fstat` of any host descriptor, as WASI's filestat.
pub fn fstat(fd: i32) -> WasiResult<crate::abi::Filestat> {
    // SAFETY: `st` is a properly sized out-parameter; fd validity is checked by the kernel.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    check(unsafe { libc::fstat(fd, &mut st) })?;
    let ts = |s: i64, ns: i64| {
        (s as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ns as u64)
    };
    Ok(crate::abi::Filestat {
        dev: st.st_dev,
        ino: st.st_ino,
        filetype: filetype_of_mode(st.st_mode),
        nlink: st.st_nlink,
        size: st.st_size as u64,
        atim: ts(st.st_atime, st.st_atime_nsec),
        mtim: ts(st.st_mtime, st.st_mtime_nsec),
        ctim: ts(st.st_ctime, st.st_ctime_nsec),
    })
}

pub fn fd_filetype(fd: i32) -> WasiResult<u8> {
    Ok(fstat(fd)?.filetype)
}

/// `clock_gettime` in nanoseconds.
pub fn clock_time(id: libc::clockid_t) -> WasiResult<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    check(unsafe { libc::clock_gettime(id, &mut ts) })?;
    Ok((ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64))
}

pub fn clock_res(id: libc::clockid_t) -> WasiResult<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-parameter.
    check(unsafe { libc::clock_getres(id, &mut ts) })?;
    Ok((ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
        .max(1))
}

/// Fills `buf` from the kernel's CSPRNG.
pub fn random(buf: &mut [u8]) -> WasiResult<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: writes at most `buf.len() - done` bytes into `buf[done..]`.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr().cast(), buf.len() - done, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e.into());
        }
        done += n as usize;
    }
    Ok(())
}

pub fn fadvise(fd: i32, offset: i64, len: i64, advice: i32) -> WasiResult<()> {
    // SAFETY: plain syscall on a descriptor number.
    let r = unsafe { libc::posix_fadvise(fd, offset, len, advice) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::from_raw_os(r))
    }
}

pub fn fallocate(fd: i32, offset: i64, len: i64) -> WasiResult<()> {
    // SAFETY: plain syscall on a descriptor number.
    let r = unsafe { libc::posix_fallocate(fd, offset, len) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::from_raw_os(r))
    }
}

/// The host's file status flags (`O_APPEND`, `O_NONBLOCK`, ...).
pub fn get_status_flags(fd: i32) -> WasiResult<i32> {
    // SAFETY: plain syscall on a descriptor number.
    let r = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if r < 0 {
        Err(io::Error::last_os_error().into())
    } else {
        Ok(r)
    }
}

pub fn set_status_flags(fd: i32, flags: i32) -> WasiResult<()> {
    // SAFETY: plain syscall on a descriptor number.
    let r = unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
    if r < 0 {
        Err(io::Error::last_os_error().into())
    } else {
        Ok(())
    }
}

/// A time for `futimens`: set to a value, to now, or left alone.
#[derive(Debug, Clone, Copy)]
pub enum TimeSpec {
    Omit,
    Now,
    At(u64),
}

fn timespec(t: TimeSpec) -> libc::timespec {
    match t {
        TimeSpec::Omit => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        TimeSpec::Now => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
        TimeSpec::At(ns) => libc::timespec {
            tv_sec: (ns / 1_000_000_000) as libc::time_t,
            tv_nsec: (ns % 1_000_000_000) as libc::c_long,
        },
    }
}

pub fn futimens(fd: i32, atime: TimeSpec, mtime: TimeSpec) -> WasiResult<()> {
    let times = [timespec(atime), timespec(mtime)];
    // SAFETY: `times` is a two-element array as futimens requires.
    check(unsafe { libc::futimens(fd, times.as_ptr()) })
}

pub fn fdatasync(fd: i32) -> WasiResult<()> {
    // SAFETY: plain syscall on a descriptor number.
    check(unsafe { libc::fdatasync(fd) })
}

pub fn fsync(fd: i32) -> WasiResult<()> {
    // SAFETY: plain syscall on a descriptor number.
    check(unsafe { libc::fsync(fd) })
}

pub fn sched_yield() {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
}

/// One descriptor to wait on: read or write readiness.
pub struct PollFd {
    pub fd: i32,
    pub write: bool,
}

/// Waits until some descriptor is ready or `timeout_ns` passes; returns per-descriptor
/// readiness (`Ok(true)` ready, `Err(errno)` for a descriptor in error).
pub fn poll(fds: &[PollFd], timeout_ns: Option<u64>) -> WasiResult<Vec<Result<bool, Errno>>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|p| libc::pollfd {
            fd: p.fd,
            events: if p.write { libc::POLLOUT } else { libc::POLLIN },
            revents: 0,
        })
        .collect();
    let timeout_ms: libc::c_int = match timeout_ns {
        None => -1,
        Some(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64) as libc::c_int,
    };
    loop {
        // SAFETY: `pfds` is a live array of `pfds.len()` pollfd structures.
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e.into());
        }
        break;
    }
    Ok(pfds
        .iter()
        .map(|p| {
            if p.revents & libc::POLLNVAL != 0 {
                Err(Errno::Badf)
            } else if p.revents & (libc::POLLIN | libc::POLLOUT | libc::POLLHUP | libc::POLLERR)
                != 0
            {
                Ok(true)
            } else {
                Ok(false)
            }
        })
        .collect())
}

/// Bytes available to read without blocking (FIONREAD), when the host can tell.
pub fn bytes_readable(fd: i32) -> u64 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int to `n`.
    let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if r == 0 && n > 0 {
        n as u64
    } else {
        0
    }
}
