//! `fd_*` and `path_*`: files and directories. Every path is resolved by cap-std inside
//! the directory descriptor it is relative to, so nothing outside a preopen is reachable.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec,
};

use crate::abi::{
    dirent_bytes, fdflags, fdstat_bytes, filetype, fstflags, oflags, rights, Errno, Filestat,
    WasiResult, LOOKUP_SYMLINK_FOLLOW,
};
use crate::ctx::WasiCtx;
use crate::fd::{Desc, Dirent, Kind};
use crate::guest::Guest;
use crate::sys::{self, TimeSpec};

/// Largest single read or write a guest gets in one call (keeps host buffers bounded);
/// a larger request is a short read or write.
pub const MAX_IO: usize = 16 << 20;

fn validate_fst(fst: u16) -> WasiResult<()> {
    use fstflags::*;
    if fst & !(ATIM | ATIM_NOW | MTIM | MTIM_NOW) != 0
        || (fst & ATIM != 0 && fst & ATIM_NOW != 0)
        || (fst & MTIM != 0 && fst & MTIM_NOW != 0)
    {
        return Err(Errno::Inval);
    }
    Ok(())
}

fn time_spec(fst: u16, set: u16, now: u16, at: u64) -> TimeSpec {
    if fst & now != 0 {
        TimeSpec::Now
    } else if fst & set != 0 {
        TimeSpec::At(at)
    } else {
        TimeSpec::Omit
    }
}

fn cap_time(t: TimeSpec) -> Option<SystemTimeSpec> {
    match t {
        TimeSpec::Omit => None,
        TimeSpec::Now => Some(SystemTimeSpec::SymbolicNow),
        TimeSpec::At(ns) => Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
            ),
        )),
    }
}

fn metadata_filestat(m: &cap_std::fs::Metadata) -> Filestat {
    use cap_std::fs::MetadataExt;
    let ts = |s: i64, ns: i64| {
        (s as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ns as u64)
    };
    Filestat {
        dev: m.dev(),
        ino: m.ino(),
        filetype: sys::filetype_of_mode(m.mode() as libc::mode_t),
        nlink: m.nlink(),
        size: m.len(),
        atim: ts(m.atime(), m.atime_nsec()),
        mtim: ts(m.mtime(), m.mtime_nsec()),
        ctim: ts(m.ctime(), m.ctime_nsec()),
    }
}

/// Entry type as WASI's filetype.
/// A directory's entries, `.` and `..` first, in one pass: the type comes from the
/// entry itself (`d_type`), and is looked up only where the file system gives none.
fn list_dir(dir: &cap_std::fs::Dir) -> WasiResult<Vec<Dirent>> {
    use cap_std::fs::MetadataExt;
    use rustix::fs::DirEntryExt;
    use std::os::unix::ffi::OsStrExt;
    let here = dir.dir_metadata()?.ino();
    let mut entries = vec![
        Dirent {
            ino: here,
            filetype: filetype::DIRECTORY,
            name: b".".to_vec(),
        },
        Dirent {
            ino: here,
            filetype: filetype::DIRECTORY,
            name: b"..".to_vec(),
        },
    ];
    for e in dir.entries()? {
        let e = e?;
        entries.push(Dirent {
            ino: e.ino(),
            filetype: entry_filetype(e.file_type()?),
            name: e.file_name().as_bytes().to_vec(),
        });
    }
    Ok(entries)
}

fn entry_filetype(ft: cap_std::fs::FileType) -> u8 {
    use cap_std::fs::FileTypeExt;
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// A path a guest passed. Empty paths name nothing.
fn guest_path(g: &Guest, ptr: u32, len: u32) -> WasiResult<String> {
    let p = g.str(ptr, len)?;
    if p.is_empty() {
        return Err(Errno::Noent);
    }
    if p.contains('\0') {
        return Err(Errno::Ilseq);
    }
    Ok(p)
}

impl WasiCtx {
    fn read_into(&mut self, fd: u32, buf: &mut [u8]) -> WasiResult<usize> {
        let d = self.fds.get(fd)?;
        match &d.kind {
            Kind::Stdio(0) => {
                d.require(rights::FD_READ)?;
                if d.flags & fdflags::NONBLOCK != 0 {
                    let ready = sys::poll(
                        &[sys::PollFd {
                            fd: 0,
                            write: false,
                        }],
                        Some(0),
                    )?;
                    if !matches!(ready[0], Ok(true)) {
                        return Err(Errno::Again);
                    }
                }
                Ok(std::io::stdin().read(buf)?)
            }
            Kind::Stdio(_) => Err(Errno::Badf),
            Kind::Dir { .. } => Err(Errno::Isdir),
            Kind::File(_) => {
                let mut f = d.file(rights::FD_READ)?;
                Ok(f.read(buf)?)
            }
        }
    }

    pub fn fd_read(&mut self, g: &Guest, fd: u32, iovs: u32, n: u32, nread: u32) -> WasiResult<()> {
        let iovs = g.iovecs(iovs, n)?;
        let cap = g.capacity(&iovs)?.min(MAX_IO);
        let mut buf = vec![0u8; cap];
        let got = self.read_into(fd, &mut buf)?;
        g.scatter(&iovs, &buf[..got])?;
        g.put_u32(nread, got as u32)
    }

    pub fn fd_pread(
        &mut self,
        g: &Guest,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        nread: u32,
    ) -> WasiResult<()> {
        let iovs = g.iovecs(iovs, n)?;
        let cap = g.capacity(&iovs)?.min(MAX_IO);
        let d = self.fds.get(fd)?;
        let f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Isdir),
            Kind::Stdio(_) => return Err(Errno::Spipe),
            Kind::File(_) => d.file(rights::FD_READ | rights::FD_SEEK)?,
        };
        let mut buf = vec![0u8; cap];
        let got = f.read_at(&mut buf, offset)?;
        g.scatter(&iovs, &buf[..got])?;
        g.put_u32(nread, got as u32)
    }

    pub fn fd_write(
        &mut self,
        g: &Guest,
        fd: u32,
        iovs: u32,
        n: u32,
        nwritten: u32,
    ) -> WasiResult<()> {
        let data = g.gather(iovs, n, MAX_IO)?;
        let d = self.fds.get(fd)?;
        let written = match &d.kind {
            Kind::Stdio(n @ (1 | 2)) => {
                d.require(rights::FD_WRITE)?;
                self.emit(*n, &data)?;
                data.len()
            }
            Kind::Stdio(_) => return Err(Errno::Badf),
            Kind::Dir { .. } => return Err(Errno::Isdir),
            Kind::File(_) => {
                let mut f = d.file(rights::FD_WRITE)?;
                f.write_all(&data)?;
                data.len()
            }
        };
        g.put_u32(nwritten, written as u32)
    }

    pub fn fd_pwrite(
        &mut self,
        g: &Guest,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        nwritten: u32,
    ) -> WasiResult<()> {
        let data = g.gather(iovs, n, MAX_IO)?;
        let d = self.fds.get(fd)?;
        let f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Isdir),
            Kind::Stdio(_) => return Err(Errno::Spipe),
            Kind::File(_) => d.file(rights::FD_WRITE | rights::FD_SEEK)?,
        };
        if d.flags & fdflags::APPEND != 0 {
            // POSIX pwrite on an O_APPEND file appends on Linux; WASI means "at offset".
            // Write through a descriptor without O_APPEND.
            let plain = f.try_clone()?;
            let fl = sys::get_status_flags(plain_fd(&plain))?;
            // Clone shares status flags, so write with the flag briefly cleared.
            sys::set_status_flags(plain_fd(&plain), fl & !libc::O_APPEND)?;
            let r = plain.write_all_at(&data, offset);
            sys::set_status_flags(plain_fd(&plain), fl)?;
            r?;
        } else {
            f.write_all_at(&data, offset)?;
        }
        g.put_u32(nwritten, data.len() as u32)
    }

    pub fn fd_seek(
        &mut self,
        g: &Guest,
        fd: u32,
        offset: i64,
        whence: u32,
        out: u32,
    ) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        let needed = if offset == 0 && whence == 1 {
            rights::FD_TELL
        } else {
            rights::FD_SEEK
        };
        let mut f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Badf),
            Kind::Stdio(_) => return Err(Errno::Spipe),
            Kind::File(_) => d.file(needed)?,
        };
        let pos = match whence {
            0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
            1 => SeekFrom::Current(offset),
            2 => SeekFrom::End(offset),
            _ => return Err(Errno::Inval),
        };
        let new = f.seek(pos)?;
        g.put_u64(out, new)
    }

    pub fn fd_tell(&mut self, g: &Guest, fd: u32, out: u32) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        let mut f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Badf),
            Kind::Stdio(_) => return Err(Errno::Spipe),
            Kind::File(_) => d.file(rights::FD_TELL)?,
        };
        let pos = f.stream_position()?;
        g.put_u64(out, pos)
    }

    pub fn fd_close(&mut self, fd: u32) -> WasiResult<()> {
        self.fds.remove(fd).map(drop)
    }

    pub fn fd_renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.fds.renumber(from, to)
    }

    pub fn fd_fdstat_get(&mut self, g: &Guest, fd: u32, out: u32) -> WasiResult<()> {
        let captured = match self.fds.get(fd)?.kind {
            Kind::Stdio(n) => self.is_captured(n),
            _ => false,
        };
        let d = self.fds.get(fd)?;
        let stdio = matches!(d.kind, Kind::Stdio(_));
        // Stdio's NONBLOCK is emulated (see `fd_fdstat_set_flags`), never the host's.
        let emulated = if stdio { fdflags::NONBLOCK } else { 0 };
        let mut flags = d.flags & !(fdflags::APPEND | fdflags::NONBLOCK) | d.flags & emulated;
        // A captured stream has no host descriptor to ask.
        let host_flags = if captured {
            Err(Errno::Badf)
        } else {
            sys::get_status_flags(d.raw_fd())
        };
        if let Ok(host) = host_flags {
            if host & libc::O_APPEND != 0 {
                flags |= fdflags::APPEND;
            }
            if host & libc::O_NONBLOCK != 0 && !stdio {
                flags |= fdflags::NONBLOCK;
            }
        }
        g.write(
            out,
            &fdstat_bytes(d.filetype(), flags, d.base, d.inheriting),
        )
    }

    pub fn fd_fdstat_set_flags(&mut self, fd: u32, flags: u16) -> WasiResult<()> {
        let d = self.fds.get_mut(fd)?;
        d.require(rights::FD_FDSTAT_SET_FLAGS)?;
        if flags
            & !(fdflags::APPEND
                | fdflags::NONBLOCK
                | fdflags::DSYNC
                | fdflags::RSYNC
                | fdflags::SYNC)
            != 0
        {
            return Err(Errno::Inval);
        }
        if flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
            // Linux cannot change these on an open descriptor.
            return Err(Errno::Notsup);
        }
        if let Kind::Stdio(_) = d.kind {
            // The host's stdin, stdout and stderr are shared with the shell (a terminal
            // would stay non-blocking after we exit): the flags are the guest's alone.
            // NONBLOCK on stdin makes a read with no input ready `EAGAIN`; stdout and
            // stderr always accept a write. APPEND means nothing on a stream.
            d.flags = (d.flags & !(fdflags::APPEND | fdflags::NONBLOCK)) | flags;
            return Ok(());
        }
        let fd_raw = d.raw_fd();
        let mut host = sys::get_status_flags(fd_raw)?;
        host &= !(libc::O_APPEND | libc::O_NONBLOCK);
        if flags & fdflags::APPEND != 0 {
            host |= libc::O_APPEND;
        }
        if flags & fdflags::NONBLOCK != 0 {
            host |= libc::O_NONBLOCK;
        }
        sys::set_status_flags(fd_raw, host)?;
        d.flags = (d.flags & !(fdflags::APPEND | fdflags::NONBLOCK)) | flags;
        Ok(())
    }

    pub fn fd_fdstat_set_rights(&mut self, fd: u32, base: u64, inheriting: u64) -> WasiResult<()> {
        let d = self.fds.get_mut(fd)?;
        if base & !d.base != 0 || inheriting & !d.inheriting != 0 {
            return Err(Errno::Notcapable);
        }
        d.base = base;
        d.inheriting = inheriting;
        Ok(())
    }

    pub fn fd_filestat_get(&mut self, g: &Guest, fd: u32, out: u32) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        if !matches!(d.kind, Kind::Stdio(_)) {
            d.require(rights::FD_FILESTAT_GET)?;
        }
        let mut st = sys::fstat(d.raw_fd())?;
        if matches!(d.kind, Kind::Stdio(_)) {
            st.filetype = d.filetype();
        }
        g.write(out, &st.to_bytes())
    }

    pub fn fd_filestat_set_size(&mut self, fd: u32, size: u64) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        let f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Isdir),
            Kind::Stdio(_) => return Err(Errno::Inval),
            Kind::File(_) => d.file(rights::FD_FILESTAT_SET_SIZE)?,
        };
        f.set_len(size)?;
        Ok(())
    }

    pub fn fd_filestat_set_times(
        &mut self,
        fd: u32,
        atim: u64,
        mtim: u64,
        fst: u16,
    ) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        d.require(rights::FD_FILESTAT_SET_TIMES)?;
        validate_fst(fst)?;
        sys::futimens(
            d.raw_fd(),
            time_spec(fst, fstflags::ATIM, fstflags::ATIM_NOW, atim),
            time_spec(fst, fstflags::MTIM, fstflags::MTIM_NOW, mtim),
        )
    }

    pub fn fd_advise(&mut self, fd: u32, offset: u64, len: u64, advice: u8) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        let f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Badf),
            Kind::Stdio(_) => return Err(Errno::Spipe),
            Kind::File(_) => d.file(rights::FD_ADVISE)?,
        };
        let advice = match advice {
            0 => libc::POSIX_FADV_NORMAL,
            1 => libc::POSIX_FADV_SEQUENTIAL,
            2 => libc::POSIX_FADV_RANDOM,
            3 => libc::POSIX_FADV_WILLNEED,
            4 => libc::POSIX_FADV_DONTNEED,
            5 => libc::POSIX_FADV_NOREUSE,
            _ => return Err(Errno::Inval),
        };
        let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
        let len = i64::try_from(len).map_err(|_| Errno::Inval)?;
        sys::fadvise(plain_fd(f), offset, len, advice)
    }

    pub fn fd_allocate(&mut self, fd: u32, offset: u64, len: u64) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        let f = match &d.kind {
            Kind::Dir { .. } => return Err(Errno::Badf),
            Kind::Stdio(_) => return Err(Errno::Badf),
            Kind::File(_) => d.file(rights::FD_ALLOCATE)?,
        };
        let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
        let len = i64::try_from(len).map_err(|_| Errno::Inval)?;
        if len == 0 {
            return Err(Errno::Inval);
        }
        sys::fallocate(plain_fd(f), offset, len)
    }

    pub fn fd_datasync(&mut self, fd: u32) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        d.require(rights::FD_DATASYNC)?;
        sys::fdatasync(d.raw_fd())
    }

    pub fn fd_sync(&mut self, fd: u32) -> WasiResult<()> {
        let d = self.fds.get(fd)?;
        d.require(rights::FD_SYNC)?;
        sys::fsync(d.raw_fd())
    }

    pub fn fd_prestat_get(&mut self, g: &Guest, fd: u32, out: u32) -> WasiResult<()> {
        match &self.fds.get(fd)?.kind {
            Kind::Dir {
                preopen: Some(name),
                ..
            } => {
                let mut b = [0u8; 8];
                b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
                g.write(out, &b)
            }
            _ => Err(Errno::Badf),
        }
    }

    pub fn fd_prestat_dir_name(
        &mut self,
        g: &Guest,
        fd: u32,
        buf: u32,
        len: u32,
    ) -> WasiResult<()> {
        match &self.fds.get(fd)?.kind {
            Kind::Dir {
                preopen: Some(name),
                ..
            } => {
                if (len as usize) < name.len() {
                    return Err(Errno::Nametoolong);
                }
                g.write(buf, name.as_bytes())
            }
            _ => Err(Errno::Badf),
        }
    }

    pub fn fd_readdir(
        &mut self,
        g: &Guest,
        fd: u32,
        buf: u32,
        len: u32,
        cookie: u64,
        used: u32,
    ) -> WasiResult<()> {
        let d = self.fds.get_mut(fd)?;
        d.require(rights::FD_READDIR)?;
        let Kind::Dir { dir, listing, .. } = &mut d.kind else {
            return Err(Errno::Notdir);
        };
        if cookie == 0 || listing.is_none() {
            *listing = Some(list_dir(dir)?);
        }
        let entries = listing.as_deref().unwrap_or_default();
        let mut out = Vec::new();
        let start = cookie.min(entries.len() as u64) as usize;
        for (i, e) in entries.iter().enumerate().skip(start) {
            if out.len() >= len as usize {
                break;
            }
            let next = i as u64 + 1;
            out.extend_from_slice(&dirent_bytes(next, e.ino, e.name.len() as u32, e.filetype));
            out.extend_from_slice(&e.name);
        }
        out.truncate(len as usize);
        g.write(buf, &out)?;
        g.put_u32(used, out.len() as u32)
    }

    fn dir_of(&self, fd: u32, needed: u64) -> WasiResult<&cap_std::fs::Dir> {
        self.fds.get(fd)?.dir(needed)
    }

    pub fn path_create_directory(&mut self, g: &Guest, fd: u32, p: u32, l: u32) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_CREATE_DIRECTORY)?;
        dir.create_dir(path.trim_end_matches('/'))?;
        Ok(())
    }

    pub fn path_remove_directory(&mut self, g: &Guest, fd: u32, p: u32, l: u32) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_REMOVE_DIRECTORY)?;
        dir.remove_dir(&path)?;
        Ok(())
    }

    pub fn path_unlink_file(&mut self, g: &Guest, fd: u32, p: u32, l: u32) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_UNLINK_FILE)?;
        if path.ends_with('/') {
            // A trailing slash names a directory; unlinking one is not allowed.
            let m = dir.symlink_metadata(path.trim_end_matches('/'))?;
            return Err(if m.is_dir() {
                Errno::Isdir
            } else {
                Errno::Notdir
            });
        }
        dir.remove_file_or_symlink(&path)?;
        Ok(())
    }

    pub fn path_filestat_get(
        &mut self,
        g: &Guest,
        fd: u32,
        flags: u32,
        p: u32,
        l: u32,
        out: u32,
    ) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_FILESTAT_GET)?;
        let m = if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            dir.metadata(&path)?
        } else {
            dir.symlink_metadata(&path)?
        };
        g.write(out, &metadata_filestat(&m).to_bytes())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_filestat_set_times(
        &mut self,
        g: &Guest,
        fd: u32,
        flags: u32,
        p: u32,
        l: u32,
        atim: u64,
        mtim: u64,
        fst: u16,
    ) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_FILESTAT_SET_TIMES)?;
        validate_fst(fst)?;
        let a = cap_time(time_spec(fst, fstflags::ATIM, fstflags::ATIM_NOW, atim));
        let m = cap_time(time_spec(fst, fstflags::MTIM, fstflags::MTIM_NOW, mtim));
        if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            dir.set_times(&path, a, m)?;
        } else {
            dir.set_symlink_times(&path, a, m)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_link(
        &mut self,
        g: &Guest,
        old_fd: u32,
        old_flags: u32,
        op: u32,
        ol: u32,
        new_fd: u32,
        np: u32,
        nl: u32,
    ) -> WasiResult<()> {
        let old = guest_path(g, op, ol)?;
        let new = guest_path(g, np, nl)?;
        let src = self.dir_of(old_fd, rights::PATH_LINK_SOURCE)?;
        let dst = self.dir_of(new_fd, rights::PATH_LINK_TARGET)?;
        if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            return Err(Errno::Inval);
        }
        if new.ends_with('/') {
            return Err(if dst.symlink_metadata(new.trim_end_matches('/')).is_ok() {
                Errno::Exist
            } else {
                Errno::Noent
            });
        }
        src.hard_link(&old, dst, &new)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_readlink(
        &mut self,
        g: &Guest,
        fd: u32,
        p: u32,
        l: u32,
        buf: u32,
        len: u32,
        used: u32,
    ) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let dir = self.dir_of(fd, rights::PATH_READLINK)?;
        let target = dir.read_link_contents(&path)?;
        use std::os::unix::ffi::OsStrExt;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(len as usize);
        g.write(buf, &bytes[..n])?;
        g.put_u32(used, n as u32)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_rename(
        &mut self,
        g: &Guest,
        fd: u32,
        op: u32,
        ol: u32,
        new_fd: u32,
        np: u32,
        nl: u32,
    ) -> WasiResult<()> {
        let old = guest_path(g, op, ol)?;
        let new = guest_path(g, np, nl)?;
        let src = self.dir_of(fd, rights::PATH_RENAME_SOURCE)?;
        let dst = self.dir_of(new_fd, rights::PATH_RENAME_TARGET)?;
        // Trailing slashes are only for directories: a file named with one is ENOTDIR.
        if old.ends_with('/') || new.ends_with('/') {
            let m = src.symlink_metadata(old.trim_end_matches('/'))?;
            if !m.is_dir() {
                return Err(Errno::Notdir);
            }
        }
        src.rename(&old, dst, &new)?;
        Ok(())
    }

    pub fn path_symlink(
        &mut self,
        g: &Guest,
        op: u32,
        ol: u32,
        fd: u32,
        np: u32,
        nl: u32,
    ) -> WasiResult<()> {
        let target = g.str(op, ol)?;
        let link = guest_path(g, np, nl)?;
        let dir = self.dir_of(fd, rights::PATH_SYMLINK)?;
        if target.starts_with('/') {
            // An absolute target could only ever point outside the sandbox.
            return Err(Errno::Perm);
        }
        if link.ends_with('/') {
            return Err(
                if dir.symlink_metadata(link.trim_end_matches('/')).is_ok() {
                    Errno::Exist
                } else {
                    Errno::Noent
                },
            );
        }
        dir.symlink_contents(&target, &link)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_open(
        &mut self,
        g: &Guest,
        fd: u32,
        dirflags: u32,
        p: u32,
        l: u32,
        oflags: u16,
        base: u64,
        inheriting: u64,
        fdflags: u16,
        out: u32,
    ) -> WasiResult<()> {
        let path = guest_path(g, p, l)?;
        let parent = self.fds.get(fd)?;
        let dir = parent.dir(rights::PATH_OPEN)?;
        if oflags & oflags::CREAT != 0 {
            parent.require(rights::PATH_CREATE_FILE)?;
        }
        if oflags & oflags::TRUNC != 0 {
            parent.require(rights::PATH_FILESTAT_SET_SIZE)?;
        }
        if oflags & !(oflags::CREAT | oflags::DIRECTORY | oflags::EXCL | oflags::TRUNC) != 0 {
            return Err(Errno::Inval);
        }
        if oflags & oflags::DIRECTORY != 0
            && oflags & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0
        {
            return Err(Errno::Inval);
        }
        let base = base & parent.inheriting;
        let inheriting = inheriting & parent.inheriting;
        let read = base & (rights::FD_READ | rights::FD_READDIR) != 0;
        let write =
            base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0;
        let mut opts = cap_std::fs::OpenOptions::new();
        opts.maybe_dir(true);
        opts.read(read || !write);
        if write || oflags & (oflags::CREAT | oflags::TRUNC) != 0 {
            opts.write(true);
        }
        if oflags & oflags::CREAT != 0 {
            if oflags & oflags::EXCL != 0 {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        if oflags & oflags::TRUNC != 0 {
            opts.truncate(true);
        }
        let mut custom = 0;
        if fdflags & fdflags::APPEND != 0 {
            // As a raw flag: std's `append` refuses to combine with `truncate`, POSIX doesn't.
            custom |= libc::O_APPEND;
            opts.write(true);
        }
        if fdflags & fdflags::NONBLOCK != 0 {
            custom |= libc::O_NONBLOCK;
        }
        if fdflags & fdflags::DSYNC != 0 {
            custom |= libc::O_DSYNC;
        }
        if fdflags & (fdflags::SYNC | fdflags::RSYNC) != 0 {
            custom |= libc::O_SYNC;
        }
        if oflags & oflags::DIRECTORY != 0 {
            custom |= libc::O_DIRECTORY;
        }
        {
            use cap_std::fs::OpenOptionsExt;
            opts.custom_flags(custom);
        }
        opts.follow(if dirflags & LOOKUP_SYMLINK_FOLLOW != 0 {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        let file = match dir.open_with(&path, &opts) {
            Ok(f) => f.into_std(),
            // Opening a directory for writing: report it as a directory.
            Err(e) if e.raw_os_error() == Some(libc::EISDIR) && oflags & oflags::CREAT == 0 => {
                return Err(Errno::Isdir)
            }
            Err(e) => return Err(e.into()),
        };
        let ft = sys::fd_filetype(plain_fd(&file))?;
        let desc = if ft == filetype::DIRECTORY {
            Desc {
                kind: Kind::Dir {
                    dir: cap_std::fs::Dir::from_std_file(file),
                    preopen: None,
                    listing: None,
                },
                filetype: ft,
                base: base & rights::DIR,
                inheriting,
                flags: fdflags,
            }
        } else if oflags & oflags::DIRECTORY != 0 {
            return Err(Errno::Notdir);
        } else {
            if path.ends_with('/') {
                return Err(Errno::Notdir);
            }
            Desc {
                kind: Kind::File(file),
                filetype: ft,
                base: base & rights::FILE,
                inheriting,
                flags: fdflags,
            }
        };
        let new = self.fds.insert(desc)?;
        g.put_u32(out, new)
    }
}

fn plain_fd(f: &std::fs::File) -> i32 {
    use std::os::fd::AsRawFd;
    f.as_raw_fd()
}
