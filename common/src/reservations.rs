//! Every linear memory's address reservation, in a table a signal handler can read: the
//! AOT engine's fault handler turns a fault into a wasm trap only when its address lies
//! in one of these (or in the stack guard); any other fault in compiled code is a
//! runtime bug and is reported as one.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::memory::RESERVATION;

/// One slot per possible reservation: each takes 8 GiB of a 128 TiB user address space,
/// so no more than 16,384 can exist at once.
const SLOTS: usize = 16 * 1024;

static BASES: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
/// One past the highest slot ever used: lookups scan no further.
static HIGH: AtomicUsize = AtomicUsize::new(0);

/// Records the reservation starting at `base`; `false` if the table is full.
pub fn register(base: usize) -> bool {
    for (i, slot) in BASES.iter().enumerate() {
        if slot
            .compare_exchange(0, base, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            HIGH.fetch_max(i + 1, Ordering::AcqRel);
            return true;
        }
    }
    false
}

/// Forgets the reservation starting at `base` (before it is unmapped).
pub fn unregister(base: usize) {
    let high = HIGH.load(Ordering::Acquire);
    for slot in &BASES[..high] {
        if slot
            .compare_exchange(base, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
    }
}

/// Whether `addr` lies in a registered reservation. Async-signal-safe: atomic loads only.
pub fn contains(addr: usize) -> bool {
    let high = HIGH.load(Ordering::Acquire);
    BASES[..high].iter().any(|slot| {
        let base = slot.load(Ordering::Acquire);
        base != 0 && addr >= base && addr - base < RESERVATION
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_ranges_are_found_until_unregistered() {
        let base = 0x7000_0000_0000usize;
        assert!(!contains(base + 5));
        assert!(register(base));
        assert!(contains(base) && contains(base + RESERVATION - 1));
        assert!(!contains(base + RESERVATION) && !contains(base - 1));
        unregister(base);
        assert!(!contains(base + 5));
    }
}
