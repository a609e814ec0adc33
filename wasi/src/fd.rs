//! The guest's file-descriptor table: what each number refers to and the rights it
//! carries. Rights only ever shrink (`fd_fdstat_set_rights`, `path_open` inheritance).

use std::collections::BTreeMap;
use std::fs::File;

use crate::abi::{filetype, rights, Errno, WasiResult};

/// What a descriptor refers to.
#[derive(Debug)]
pub enum Kind {
    /// The host's stdin/stdout/stderr (0, 1, 2), shared, never closed on the host.
    Stdio(i32),
    File(File),
    /// A directory; `preopen` is the guest name it was preopened under.
    Dir {
        dir: cap_std::fs::Dir,
        preopen: Option<String>,
        /// The listing `fd_readdir` pages through: read once when a guest starts at
        /// cookie 0 (a rewind), so later pages neither re-read nor re-stat the directory
        /// and a cookie always means the same entry.
        listing: Option<Vec<Dirent>>,
    },
}

/// One directory entry as `fd_readdir` reports it.
#[derive(Debug, Clone)]
pub struct Dirent {
    pub ino: u64,
    pub filetype: u8,
    pub name: Vec<u8>,
}

#[derive(Debug)]
pub struct Desc {
    pub kind: Kind,
    /// WASI's filetype; [`ASK_HOST`] for a host stdio stream (see [`Desc::filetype`]).
    pub filetype: u8,
    pub base: u64,
    pub inheriting: u64,
    /// `fdflags` as last set (APPEND is also in the host file's status flags).
    pub flags: u16,
}

/// The filetype of a stdio stream the host provides: asked of the host when the guest
/// asks (an `fstat`), not when the context is made, since most programs never ask.
pub const ASK_HOST: u8 = u8::MAX;

impl Desc {
    /// The descriptor's WASI filetype.
    pub fn filetype(&self) -> u8 {
        match self.kind {
            Kind::Stdio(fd) if self.filetype == ASK_HOST => stdio_filetype(fd),
            _ => self.filetype,
        }
    }

    /// Checks that the descriptor holds every right in `needed`.
    pub fn require(&self, needed: u64) -> WasiResult<()> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The file behind a descriptor for file operations; a directory is `EBADF`.
    pub fn file(&self, needed: u64) -> WasiResult<&File> {
        match &self.kind {
            Kind::File(f) => {
                self.require(needed)?;
                Ok(f)
            }
            Kind::Dir { .. } => Err(Errno::Badf),
            Kind::Stdio(_) => Err(Errno::Badf),
        }
    }

    pub fn dir(&self, needed: u64) -> WasiResult<&cap_std::fs::Dir> {
        match &self.kind {
            Kind::Dir { dir, .. } => {
                self.require(needed)?;
                Ok(dir)
            }
            _ => Err(Errno::Notdir),
        }
    }

    /// The host file descriptor, for calls that work on any kind.
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match &self.kind {
            Kind::Stdio(fd) => *fd,
            Kind::File(f) => f.as_raw_fd(),
            Kind::Dir { dir, .. } => dir.as_raw_fd(),
        }
    }
}

/// Descriptors by number; new ones take the lowest free number (as POSIX does).
#[derive(Debug, Default)]
pub struct FdTable {
    fds: BTreeMap<u32, Desc>,
}

impl FdTable {
    pub fn get(&self, fd: u32) -> WasiResult<&Desc> {
        self.fds.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Desc> {
        self.fds.get_mut(&fd).ok_or(Errno::Badf)
    }

    pub fn insert(&mut self, desc: Desc) -> WasiResult<u32> {
        let mut n = 0u32;
        for &k in self.fds.keys() {
            if k != n {
                break;
            }
            n = n.checked_add(1).ok_or(Errno::Mfile)?;
        }
        self.fds.insert(n, desc);
        Ok(n)
    }

    pub fn remove(&mut self, fd: u32) -> WasiResult<Desc> {
        self.fds.remove(&fd).ok_or(Errno::Badf)
    }

    /// `fd_renumber`: `to` is closed and replaced by `from`; both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        if !self.fds.contains_key(&from) || !self.fds.contains_key(&to) {
            return Err(Errno::Badf);
        }
        if from != to {
            let d = self.fds.remove(&from).expect("checked above");
            self.fds.insert(to, d);
        }
        Ok(())
    }

    /// Descriptors 0, 1 and 2; `captured[fd]` says the stream is an in-memory buffer, not
    /// the host's descriptor (its type is then `UNKNOWN`, as a pipe's, and the host is not
    /// asked).
    pub fn stdio(&mut self, captured: [bool; 3]) {
        for fd in 0..3 {
            let filetype = if captured[fd as usize] {
                filetype::UNKNOWN
            } else {
                ASK_HOST
            };
            self.fds.insert(
                fd,
                Desc {
                    kind: Kind::Stdio(fd as i32),
                    filetype,
                    base: rights::TTY,
                    inheriting: 0,
                    flags: 0,
                },
            );
        }
    }
}

/// A terminal is a character device; pipes and files keep their own type.
fn stdio_filetype(fd: i32) -> u8 {
    crate::sys::fd_filetype(fd).unwrap_or(filetype::CHARACTER_DEVICE)
}
