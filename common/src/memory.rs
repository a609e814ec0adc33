//! Linear memory: one virtual reservation per memory, committed in place as it grows.
//!
//! The reservation covers every address a 32-bit index plus a 32-bit offset plus the
//! widest access can form (8 GiB + a guard), so the base never moves and code that skips
//! explicit bounds checks (AOT guard-page mode) can only fault, never escape.

use std::cell::{Cell, UnsafeCell};
use std::ptr::NonNull;
use std::rc::Rc;

use crate::types::MemoryType;

pub const WASM_PAGE: u64 = 65536;
/// The most pages a 32-bit memory can have.
pub const MAX_PAGES: u64 = 65536;
/// Bytes reserved per memory: 4 GiB of index space, 4 GiB of offset, and a guard.
pub const RESERVATION: usize = (8 << 30) + (64 << 10);

/// What compiled code reads: where the memory starts and how many bytes are accessible.
/// Shared by every instance that uses the memory, updated in place on growth.
#[repr(C)]
#[derive(Debug)]
pub struct MemoryDef {
    pub base: *mut u8,
    pub size: u64,
}

struct MemoryInner {
    def: UnsafeCell<MemoryDef>,
    ty: MemoryType,
    /// The most pages this memory may reach (its declared max, capped by the runtime).
    max_pages: u64,
    /// Pages the owning store may still give out (`StoreLimits::max_memory_pages`),
    /// shared by its memories; this one's pages go back when it is dropped.
    budget: Option<Rc<Cell<u64>>>,
}

impl Drop for MemoryInner {
    fn drop(&mut self) {
        let def = self.def.get_mut();
        if let Some(b) = &self.budget {
            b.set(b.get() + def.size / WASM_PAGE);
        }
        let base = def.base;
        crate::reservations::unregister(base as usize);
        if crate::reservation_cache::give(base, def.size as usize) {
            return;
        }
        // SAFETY: `base` came from our own mmap of RESERVATION bytes and nothing else
        // references the memory once the last handle is gone.
        unsafe {
            libc::munmap(base.cast(), RESERVATION);
        }
    }
}

/// A fresh reservation of RESERVATION bytes, all inaccessible (`MAP_FAILED` if refused).
fn reserve() -> *mut libc::c_void {
    // SAFETY: an anonymous PROT_NONE reservation; no existing memory is affected.
    unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVATION,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    }
}

/// A linear memory handle. Cloning shares the memory.
#[derive(Clone)]
pub struct Memory(Rc<MemoryInner>);

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} pages)", self.pages())
    }
}

impl PartialEq for Memory {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Memory {
    /// Reserves and commits a memory of `ty.limits.min` pages; `limit_pages` caps growth.
    pub fn new(ty: MemoryType, limit_pages: Option<u64>) -> Result<Memory, String> {
        Self::with_budget(ty, limit_pages, None)
    }

    /// [`Memory::new`] drawing its pages, now and on growth, from a budget shared with
    /// other memories (a store's total).
    pub fn with_budget(
        ty: MemoryType,
        limit_pages: Option<u64>,
        budget: Option<Rc<Cell<u64>>>,
    ) -> Result<Memory, String> {
        if let Some(b) = &budget {
            if ty.limits.min > b.get() {
                return Err(format!(
                    "memory of {} pages exceeds what the store may still allocate ({} pages)",
                    ty.limits.min,
                    b.get()
                ));
            }
        }
        let cap = limit_pages.unwrap_or(MAX_PAGES).min(MAX_PAGES);
        let max_pages = ty.limits.max.unwrap_or(MAX_PAGES).min(cap);
        if ty.limits.min > max_pages {
            return Err(format!(
                "memory of {} pages exceeds the limit of {max_pages} pages",
                ty.limits.min
            ));
        }
        let need = (ty.limits.min * WASM_PAGE) as usize;
        let (base, committed) = match crate::reservation_cache::take(need) {
            Some((base, committed)) => (base.cast(), committed),
            None => (reserve(), 0),
        };
        if base == libc::MAP_FAILED {
            return Err("cannot reserve address space for a linear memory".into());
        }
        if !crate::reservations::register(base as usize) {
            // SAFETY: our own reservation, not yet shared.
            unsafe { libc::munmap(base, RESERVATION) };
            return Err("too many linear memories at once".into());
        }
        // No budget yet: dropping `mem` before its pages are taken from the budget must
        // not give them back to it.
        let mut mem = Memory(Rc::new(MemoryInner {
            def: UnsafeCell::new(MemoryDef {
                base: base.cast(),
                size: committed as u64,
            }),
            ty,
            max_pages,
            budget: None,
        }));
        if !mem.commit(need as u64) {
            return Err("cannot commit linear memory".into());
        }
        if let Some(b) = &budget {
            b.set(b.get() - ty.limits.min);
        }
        if let Some(inner) = Rc::get_mut(&mut mem.0) {
            inner.budget = budget;
        }
        Ok(mem)
    }

    fn commit(&self, new_size: u64) -> bool {
        let def = self.def();
        if new_size == def.size {
            return true;
        }
        // SAFETY: [base, base+new_size) lies within our reservation (new_size <= 4 GiB).
        let rc = unsafe {
            libc::mprotect(
                def.base.cast(),
                new_size as usize,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if rc != 0 {
            return false;
        }
        // SAFETY: single-threaded runtime; no reference into `def` is held across this.
        unsafe { (*self.0.def.get()).size = new_size };
        true
    }

    fn def(&self) -> &MemoryDef {
        // SAFETY: the def is only written by `commit`, which holds no reference.
        unsafe { &*self.0.def.get() }
    }

    /// The definition compiled code reads (stable address for the memory's life).
    pub fn def_ptr(&self) -> *mut MemoryDef {
        self.0.def.get()
    }

    pub fn ty(&self) -> MemoryType {
        MemoryType {
            limits: crate::types::Limits {
                min: self.pages(),
                max: self.0.ty.limits.max,
            },
            shared: self.0.ty.shared,
            memory64: self.0.ty.memory64,
        }
    }

    pub fn pages(&self) -> u64 {
        self.def().size / WASM_PAGE
    }

    pub fn size_bytes(&self) -> u64 {
        self.def().size
    }

    pub fn base(&self) -> NonNull<u8> {
        NonNull::new(self.def().base).expect("mmap never returns null")
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` (wasm's -1).
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.0.max_pages {
            return None;
        }
        if delta == 0 {
            return Some(old);
        }
        if let Some(b) = &self.0.budget {
            if delta > b.get() {
                return None;
            }
        }
        let grown = self.commit(new * WASM_PAGE);
        if let (true, Some(b)) = (grown, &self.0.budget) {
            b.set(b.get() - delta);
        }
        grown.then_some(old)
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), crate::Trap> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|e| e > self.size_bytes()) {
            return Err(crate::TrapKind::MemoryOutOfBounds.into());
        }
        // SAFETY: bounds checked above; the range is committed and readable.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.def().base.add(offset as usize),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        Ok(())
    }

    /// Writes `data` at `offset`.
    pub fn write(&self, offset: u64, data: &[u8]) -> Result<(), crate::Trap> {
        let end = offset.checked_add(data.len() as u64);
        if end.is_none_or(|e| e > self.size_bytes()) {
            return Err(crate::TrapKind::MemoryOutOfBounds.into());
        }
        // SAFETY: bounds checked above; the range is committed and writable.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.def().base.add(offset as usize),
                data.len(),
            )
        };
        Ok(())
    }

    /// A copy of the whole accessible memory (for tests and differential checks).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0; self.size_bytes() as usize];
        self.read(0, &mut v).expect("in bounds");
        v
    }

    /// `memory.fill`: bounds-checked as the spec requires (trap before any write).
    pub fn fill(&self, dst: u64, val: u8, len: u64) -> Result<(), crate::Trap> {
        if dst.checked_add(len).is_none_or(|e| e > self.size_bytes()) {
            return Err(crate::TrapKind::MemoryOutOfBounds.into());
        }
        // SAFETY: bounds checked above.
        unsafe { std::ptr::write_bytes(self.def().base.add(dst as usize), val, len as usize) };
        Ok(())
    }

    /// `memory.copy` from `src` (possibly another memory) into this one; overlap-safe.
    pub fn copy_from(
        &self,
        src_mem: &Memory,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), crate::Trap> {
        if dst.checked_add(len).is_none_or(|e| e > self.size_bytes())
            || src
                .checked_add(len)
                .is_none_or(|e| e > src_mem.size_bytes())
        {
            return Err(crate::TrapKind::MemoryOutOfBounds.into());
        }
        // SAFETY: both ranges bounds-checked; `copy` handles overlap.
        unsafe {
            std::ptr::copy(
                src_mem.def().base.add(src as usize),
                self.def().base.add(dst as usize),
                len as usize,
            )
        };
        Ok(())
    }
}
