//! Bounds-checked access to the calling instance's memory 0. Every pointer a guest passes
//! goes through here; an out-of-range one is `EFAULT`, never a host fault.

use wamr_common::Memory;

use crate::abi::{Errno, WasiResult};

/// The most `iovec`s one call takes (Linux's `IOV_MAX`).
pub const IOV_MAX: u32 = 1024;

pub struct Guest<'a> {
    mem: &'a Memory,
}

impl<'a> Guest<'a> {
    pub fn new(mem: &'a Memory) -> Self {
        Guest { mem }
    }

    pub fn read(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        // Checked before allocating: a guest length must not size a host buffer beyond
        // the guest's own memory.
        if u64::from(ptr) + u64::from(len) > self.mem.size_bytes() {
            return Err(Errno::Fault);
        }
        let mut v = vec![0u8; len as usize];
        self.mem
            .read(u64::from(ptr), &mut v)
            .map_err(|_| Errno::Fault)?;
        Ok(v)
    }

    pub fn write(&self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        self.mem
            .write(u64::from(ptr), data)
            .map_err(|_| Errno::Fault)
    }

    pub fn u32(&self, ptr: u32) -> WasiResult<u32> {
        let mut b = [0u8; 4];
        self.mem
            .read(u64::from(ptr), &mut b)
            .map_err(|_| Errno::Fault)?;
        Ok(u32::from_le_bytes(b))
    }

    pub fn u64(&self, ptr: u32) -> WasiResult<u64> {
        let mut b = [0u8; 8];
        self.mem
            .read(u64::from(ptr), &mut b)
            .map_err(|_| Errno::Fault)?;
        Ok(u64::from_le_bytes(b))
    }

    pub fn put_u32(&self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn put_u64(&self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A path argument: UTF-8 (WASI paths are strings), else `EILSEQ`.
    pub fn str(&self, ptr: u32, len: u32) -> WasiResult<String> {
        String::from_utf8(self.read(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    /// An `iovec`/`ciovec` array: (pointer, length) pairs; more than [`IOV_MAX`] entries
    /// is `EINVAL`, as for POSIX `readv`/`writev`.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        if count > IOV_MAX {
            return Err(Errno::Inval);
        }
        let raw = self.read(ptr, count.checked_mul(8).ok_or(Errno::Fault)?)?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| {
                (
                    u32::from_le_bytes(c[0..4].try_into().expect("4 bytes")),
                    u32::from_le_bytes(c[4..8].try_into().expect("4 bytes")),
                )
            })
            .collect())
    }

    /// The bytes a `ciovec` array points to, concatenated, at most `limit` of them (a
    /// caller writes what it gets: a short write). Every vector is checked first, so a
    /// bad one writes nothing.
    pub fn gather(&self, ptr: u32, count: u32, limit: usize) -> WasiResult<Vec<u8>> {
        let iovs = self.iovecs(ptr, count)?;
        let total = self.capacity(&iovs)?;
        let mut out = Vec::with_capacity(total.min(limit));
        for (p, l) in iovs {
            // An empty vector is skipped, not the end: libc's buffered streams write
            // (empty buffer, data) when their buffer holds nothing yet.
            let take = (l as usize).min(limit - out.len());
            if take > 0 {
                out.extend_from_slice(&self.read(p, take as u32)?);
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// Total capacity of an `iovec` array (checked first, so a bad vector reads nothing).
    pub fn capacity(&self, iovs: &[(u32, u32)]) -> WasiResult<usize> {
        let mut total = 0usize;
        for &(p, l) in iovs {
            if u64::from(p) + u64::from(l) > self.mem.size_bytes() {
                return Err(Errno::Fault);
            }
            total += l as usize;
        }
        Ok(total)
    }

    /// Spreads `data` over an `iovec` array.
    pub fn scatter(&self, iovs: &[(u32, u32)], mut data: &[u8]) -> WasiResult<()> {
        for &(p, l) in iovs {
            if data.is_empty() {
                break;
            }
            let n = (l as usize).min(data.len());
            self.write(p, &data[..n])?;
            data = &data[n..];
        }
        Ok(())
    }
}
