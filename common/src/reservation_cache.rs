//! Released linear-memory reservations, kept per thread for the next memory.
//!
//! A program that runs for a millisecond spends most of its instantiation in the kernel:
//! mapping the 8 GiB reservation, faulting in its first pages and unmapping it again.
//! A small memory's reservation is therefore zeroed when it is dropped and kept, with its
//! committed pages resident, for the next memory created on the thread. Only the pages
//! that are resident (`mincore`) are zeroed: a short program touches a few pages of its
//! memory, and the rest were never faulted in and still read as zero. Zeroing keeps the
//! touched pages resident, so the next instance does not fault them in again.
//!
//! Invariant of a cached reservation: the first `committed` bytes are readable, writable
//! and all zero; the rest is `PROT_NONE` with no pages behind it (it reads as zero once
//! committed again). A reservation taken from here is therefore indistinguishable from a
//! fresh `mmap` with `committed` bytes already committed.

use std::cell::RefCell;

use crate::memory::RESERVATION;

/// At most this many reservations are kept per thread.
const KEEP: usize = 4;
/// Memories with more committed bytes than this are unmapped: zeroing them would cost
/// more than the kernel's fresh pages (and could fault in pages never touched).
const ZERO_LIMIT: usize = 1 << 20;

struct Cached {
    base: *mut u8,
    committed: usize,
}

struct Cache(Vec<Cached>);

impl Drop for Cache {
    fn drop(&mut self) {
        for cached in self.0.drain(..) {
            // SAFETY: a reservation handed to `give` belongs to the cache alone; nothing
            // references it any more.
            unsafe { libc::munmap(cached.base.cast(), RESERVATION) };
        }
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = const { RefCell::new(Cache(Vec::new())) };
}

/// Keeps the reservation at `base` (of which the first `committed` bytes are readable and
/// writable) for a later [`take`]; `false` if it is not kept, and the caller unmaps it.
pub(crate) fn give(base: *mut u8, committed: usize) -> bool {
    if committed > ZERO_LIMIT {
        return false;
    }
    CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0.len() >= KEEP {
                return false;
            }
            zero_resident(base, committed);
            cache.0.push(Cached { base, committed });
            true
        })
        .unwrap_or(false)
}

/// Zeroes the resident pages of `[base, base + len)` (mapped read-write, owned by the
/// caller); pages that are not resident read as zero already. Zeroes everything if the
/// kernel cannot say which pages are resident.
fn zero_resident(base: *mut u8, len: usize) {
    let page = page_size();
    let pages = len.div_ceil(page);
    // One byte per page, on the stack: `give` keeps only memories of at most
    // `ZERO_LIMIT` bytes, so pages of 4 KiB or more fit.
    let mut resident = [0u8; ZERO_LIMIT / 4096];
    // SAFETY: `base` is page-aligned (an mmap result) and the range is mapped; `resident`
    // holds at least one byte per page of it (checked first), as mincore requires.
    let known = pages <= resident.len()
        && unsafe { libc::mincore(base.cast(), len, resident.as_mut_ptr()) } == 0;
    if !known {
        // SAFETY: the caller owns the range and it is mapped read-write.
        unsafe { std::ptr::write_bytes(base, 0, len) };
        return;
    }
    let mut index = 0;
    while index < pages {
        if resident[index] & 1 == 0 {
            index += 1;
            continue;
        }
        // Zero each run of resident pages with one call.
        let start = index;
        while index < pages && resident[index] & 1 != 0 {
            index += 1;
        }
        let from = start * page;
        let to = (index * page).min(len);
        // SAFETY: [from, to) lies inside the caller's read-write range.
        unsafe { std::ptr::write_bytes(base.add(from), 0, to - from) };
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// A kept reservation and how many of its first bytes are committed (readable, writable
/// and zero; at most `need`, a multiple of the page size), the rest being inaccessible;
/// or `None`. The caller commits the rest of `need` itself.
pub(crate) fn take(need: usize) -> Option<(*mut u8, usize)> {
    let cached = CACHE
        .try_with(|cache| {
            let kept = &mut cache.borrow_mut().0;
            let best = best_fit(kept.iter().map(|cached| cached.committed), need)?;
            Some(kept.swap_remove(best))
        })
        .ok()
        .flatten()?;
    if cached.committed > need {
        let tail = cached.committed - need;
        // SAFETY: [base+need, base+committed) is inside the reservation we now own;
        // dropping its access and its (zero) pages restores the fresh-reservation state.
        let ok = unsafe {
            let start = cached.base.add(need).cast();
            libc::mprotect(start, tail, libc::PROT_NONE) == 0
                && libc::madvise(start, tail, libc::MADV_DONTNEED) == 0
        };
        if !ok {
            // SAFETY: our own reservation, referenced by nothing.
            unsafe { libc::munmap(cached.base.cast(), RESERVATION) };
            return None;
        }
    }
    Some((cached.base, cached.committed.min(need)))
}

/// Which of the kept reservations (by committed bytes) suits a memory of `need` bytes
/// best: an exact fit; else the largest that is smaller (its pages are reused, the rest
/// faults in as usual); else the smallest that is larger (its tail is released).
fn best_fit(committed: impl Iterator<Item = usize>, need: usize) -> Option<usize> {
    let rank = |c: usize| {
        if c <= need {
            (0, need - c)
        } else {
            (1, c - need)
        }
    };
    committed
        .enumerate()
        .min_by_key(|&(_, c)| rank(c))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::best_fit;

    #[test]
    fn best_fit_prefers_exact_then_smaller_then_larger() {
        let fit = |kept: &[usize], need| best_fit(kept.iter().copied(), need);
        assert_eq!(fit(&[], 4), None);
        assert_eq!(fit(&[8, 4, 0], 4), Some(1));
        assert_eq!(fit(&[8, 0, 2], 4), Some(2));
        assert_eq!(fit(&[8, 16], 4), Some(0));
        assert_eq!(fit(&[131072, 0], 0), Some(1));
    }
}

#[cfg(test)]
mod reuse_tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use crate::memory::{Memory, WASM_PAGE};
    use crate::types::{Limits, MemoryType};

    fn memory(min: u64) -> Memory {
        let ty = MemoryType {
            limits: Limits { min, max: None },
            shared: false,
            memory64: false,
        };
        Memory::new(ty, None).expect("memory")
    }

    fn dirty(mem: &Memory) {
        let bytes = vec![0xa5; mem.size_bytes() as usize];
        mem.write(0, &bytes).unwrap();
    }

    #[test]
    fn a_reused_reservation_reads_as_fresh_memory() {
        // A dirtied memory of 4 pages comes back as a 1-page memory: zero, 1 page long,
        // and its old tail zero again when the memory grows over it.
        let big = memory(4);
        dirty(&big);
        drop(big);
        let small = memory(1);
        assert_eq!(small.size_bytes(), WASM_PAGE);
        assert!(small.to_vec().iter().all(|&b| b == 0));
        assert_eq!(small.grow(3), Some(1));
        assert!(small.to_vec().iter().all(|&b| b == 0));
        // And the other way: a smaller reservation grows to a larger memory.
        dirty(&small);
        drop(small);
        let larger = memory(6);
        assert_eq!(larger.size_bytes(), 6 * WASM_PAGE);
        assert!(larger.to_vec().iter().all(|&b| b == 0));
    }

    #[test]
    fn sparsely_written_memories_come_back_zero() {
        // Only some host pages of each memory are written (resident): the ones zeroed on
        // release. Every round must still read as zero everywhere.
        for round in 0..3u64 {
            let mem = memory(3);
            assert!(mem.to_vec().iter().all(|&b| b == 0), "round {round}");
            let size = mem.size_bytes();
            for offset in [0, 4096 * 3 + 17, WASM_PAGE + 5, size - 1 - round * 9000] {
                mem.write(offset, &[0xa5]).unwrap();
            }
        }
    }

    #[test]
    fn many_memories_at_once_each_get_their_own_reservation() {
        let first: Vec<Memory> = (0..6).map(|_| memory(1)).collect();
        first.iter().for_each(dirty);
        drop(first);
        let second: Vec<Memory> = (0..6).map(|_| memory(2)).collect();
        for (i, mem) in second.iter().enumerate() {
            assert!(mem.to_vec().iter().all(|&b| b == 0));
            mem.write(0, &[i as u8]).unwrap();
        }
        for (i, mem) in second.iter().enumerate() {
            let mut byte = [0];
            mem.read(0, &mut byte).unwrap();
            assert_eq!(byte[0], i as u8, "memories share no pages");
        }
    }

    #[test]
    fn a_reused_reservation_keeps_the_store_budget_exact() {
        drop(memory(3));
        let budget = Rc::new(Cell::new(10));
        let ty = MemoryType {
            limits: Limits { min: 2, max: None },
            shared: false,
            memory64: false,
        };
        let mem = Memory::with_budget(ty, None, Some(budget.clone())).unwrap();
        assert_eq!(budget.get(), 8);
        drop(mem);
        assert_eq!(budget.get(), 10);
    }
}
