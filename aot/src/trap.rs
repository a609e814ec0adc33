//! Traps from compiled code: unwinding to the host entry, and the signal handler that
//! turns faults in guard pages into `MemoryOutOfBounds`.
//!
//! Every host-to-AOT call goes through [`call_trampoline`], which records a jump buffer
//! for this thread. A trap (the `Trap` builtin, a failing runtime helper, or a fault in
//! compiled code) stores its `Trap` in a thread-local and jumps back there.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use wamr_common::{Trap, TrapKind};

unsafe extern "C" {
    fn wamr_aot_call(
        t: *const u8,
        vmctx: *mut c_void,
        callee: *const u8,
        values: *mut u64,
        slot: *mut *mut c_void,
    ) -> i32;
    fn wamr_aot_unwind(buf: *mut c_void) -> !;
    /// The `Trap` builtin (unwind.c): reads its return address and calls
    /// [`wamr_aot_trap_at`].
    pub(crate) fn wamr_aot_trap_builtin(vmctx: *mut c_void, code: i32);
}

thread_local! {
    static JMP: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
    static PENDING: RefCell<Option<Trap>> = const { RefCell::new(None) };
    /// Set by the signal handler (which must not allocate): the trap code of the fault.
    static FAULT: Cell<Option<TrapKind>> = const { Cell::new(None) };
    /// Set by the signal handler instead of `FAULT` for a fault that is no wasm trap
    /// (outside every linear memory and the stack guard): the faulting address.
    static BUG_FAULT: Cell<Option<(i32, usize)>> = const { Cell::new(None) };
    /// An address inside the compiled code that trapped (0: unknown): the faulting
    /// instruction, or the word before the `Trap` builtin's return address.
    static TRAP_PC: Cell<usize> = const { Cell::new(0) };
    /// This thread's stack: (lowest usable address, size of the zone above it where a
    /// fault means the stack ran out).
    static STACK_ZONE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Whether this thread's alternate signal stack was checked, and the one we
    /// installed if it had none (freed when the thread ends).
    static ALT_STACK_CHECKED: Cell<bool> = const { Cell::new(false) };
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
}

/// Records where this thread's stack ends, so a fault there reads as stack exhaustion.
pub fn set_stack_zone(low: usize, reserve: usize) {
    STACK_ZONE.with(|z| z.set((low, reserve)));
}

/// An alternate signal stack we installed: `SIZE` usable bytes above a guard page.
struct AltStack {
    mapping: *mut c_void,
}

impl AltStack {
    const SIZE: usize = 64 * 1024;
    const GUARD: usize = 4096;

    /// Maps a guard page and the stack above it, and installs it for this thread.
    fn install() -> Option<AltStack> {
        let len = Self::GUARD + Self::SIZE;
        // SAFETY: a fresh anonymous mapping; its lowest page becomes inaccessible, so a
        // handler overflowing the stack faults instead of writing over other memory.
        unsafe {
            let mapping = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if mapping == libc::MAP_FAILED {
                return None;
            }
            let stack = AltStack { mapping };
            if libc::mprotect(mapping, Self::GUARD, libc::PROT_NONE) != 0 {
                return None;
            }
            let st = libc::stack_t {
                ss_sp: mapping.cast::<u8>().add(Self::GUARD).cast(),
                ss_flags: 0,
                ss_size: Self::SIZE,
            };
            if libc::sigaltstack(&st, std::ptr::null_mut()) != 0 {
                return None;
            }
            Some(stack)
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: runs when the thread ends (or an install failed): the kernel stops
        // using the stack before it is unmapped. If it is not the current alternate
        // stack (an install failed), disabling is skipped.
        unsafe {
            let mut cur: libc::stack_t = std::mem::zeroed();
            let ours = libc::sigaltstack(std::ptr::null(), &mut cur) == 0
                && cur.ss_sp == self.mapping.cast::<u8>().add(Self::GUARD).cast();
            if ours {
                let off = libc::stack_t {
                    ss_sp: std::ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: 0,
                };
                libc::sigaltstack(&off, std::ptr::null_mut());
            }
            libc::munmap(self.mapping, Self::GUARD + Self::SIZE);
        }
    }
}

/// Makes sure this thread has an alternate signal stack, so a fault caused by running
/// out of stack can still be handled. Rust's runtime installs one on the threads it
/// starts; a thread started elsewhere (an embedder's C thread) gets ours, which has a
/// guard page and is freed when the thread ends.
fn ensure_alt_stack() {
    if ALT_STACK_CHECKED.with(|a| a.replace(true)) {
        return;
    }
    // SAFETY: only queries the current alternate stack.
    let has_one = unsafe {
        let mut old: libc::stack_t = std::mem::zeroed();
        libc::sigaltstack(std::ptr::null(), &mut old) == 0 && old.ss_flags & libc::SS_DISABLE == 0
    };
    if !has_one {
        let stack = AltStack::install();
        // If the thread-local is already gone (thread teardown), the stack is freed now.
        let _ = ALT_STACK.try_with(|a| *a.borrow_mut() = stack);
    }
}

/// This thread's alternate signal stack as (lowest usable address, size), if it has
/// one: for tests.
#[doc(hidden)]
pub fn alt_stack() -> Option<(usize, usize)> {
    // SAFETY: only queries the current alternate stack.
    unsafe {
        let mut cur: libc::stack_t = std::mem::zeroed();
        (libc::sigaltstack(std::ptr::null(), &mut cur) == 0 && cur.ss_flags & libc::SS_DISABLE == 0)
            .then_some((cur.ss_sp as usize, cur.ss_size))
    }
}

/// Calls `trampoline(vmctx, callee, values)`; a trap inside comes back as `Err`, with
/// an address inside the compiled code that trapped when it is known (faults and the
/// `Trap` builtin; not traps raised by other runtime helpers or host functions).
///
/// # Safety
/// `trampoline` and `callee` are code in a live image for `vmctx`'s instance, and
/// `values` has room for the signature's parameters and results.
pub unsafe fn call_trampoline(
    trampoline: *const u8,
    vmctx: *mut c_void,
    callee: *const u8,
    values: *mut u64,
) -> Result<(), (Trap, Option<usize>)> {
    install_signal_handlers();
    ensure_alt_stack();
    let slot = JMP.with(|j| j.as_ptr());
    // SAFETY: the trampoline, callee and values are valid for this call (the contract);
    // `slot` is this thread's jump-buffer cell, and the signal handlers that jump to it
    // are installed above.
    let trapped = unsafe { wamr_aot_call(trampoline, vmctx, callee, values, slot) };
    if trapped == 0 {
        return Ok(());
    }
    let pc = Some(TRAP_PC.with(|p| p.take())).filter(|&pc| pc != 0);
    if let Some(kind) = FAULT.with(|f| f.take()) {
        return Err((Trap::new(kind), pc));
    }
    if let Some((sig, addr)) = BUG_FAULT.with(|f| f.take()) {
        let at = pc.map_or("?".to_string(), |pc| format!("{pc:#x}"));
        let trap = Trap::host(if sig == libc::SIGBUS {
            // Linear memories and stacks are anonymous: only a file mapping, the image,
            // raises SIGBUS, when its file shrank under it.
            format!(
                "the AOT image's file was truncated while in use (compiled code at {at} \
                 could not read {addr:#x}); replace an image by writing a new file and \
                 renaming it over the old one, as wamr-compile and the object cache do"
            )
        } else {
            format!(
                "runtime bug: compiled code at {at} faulted on address {addr:#x}, outside \
                 every linear memory and the stack guard (not a wasm trap; please report it)"
            )
        });
        tracing::error!("{}", trap.message());
        return Err((trap, pc));
    }
    let trap = PENDING
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| Trap::host("trap without a reason"));
    Err((trap, pc))
}

/// Raises `trap` from a runtime helper called by compiled code: never returns.
///
/// Callers must hold nothing that needs dropping (the frames in between are skipped).
pub fn raise(trap: Trap) -> ! {
    raise_from(trap, 0)
}

/// Raises `trap` on behalf of the compiled code at `pc` (0: unknown).
fn raise_from(trap: Trap, pc: usize) -> ! {
    TRAP_PC.with(|p| p.set(pc));
    PENDING.with(|p| *p.borrow_mut() = Some(trap));
    let buf = JMP.with(|j| j.get());
    assert!(!buf.is_null(), "trap raised outside compiled code");
    // SAFETY: `buf` is the innermost live jump buffer on this thread (set by
    // `wamr_aot_call`, which is still on the stack because compiled code called us).
    unsafe { wamr_aot_unwind(buf) }
}

/// Called by the `Trap` builtin in unwind.c with its return address, which follows the
/// builtin's call in the compiled function that trapped (the call is never the
/// function's last instruction: a `trap` terminator follows it), so `pc - 1` lies inside
/// that function.
#[no_mangle]
extern "C" fn wamr_aot_trap_at(code: i32, pc: *const u8) {
    raise_from(
        Trap::new(crate::abi::trap_kind(code)),
        (pc as usize).wrapping_sub(1),
    )
}

// ---- code ranges and the fault handler ----

const MAX_RANGES: usize = 4096;
static RANGES: [(AtomicUsize, AtomicUsize); MAX_RANGES] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; MAX_RANGES];

/// Registers a text mapping so faults inside it become traps. Returns its slot.
pub fn register_code(start: usize, len: usize) -> Option<usize> {
    for (i, (s, l)) in RANGES.iter().enumerate() {
        if s.compare_exchange(0, start, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            l.store(len, Ordering::Release);
            return Some(i);
        }
    }
    None
}

pub fn unregister_code(slot: usize) {
    RANGES[slot].1.store(0, Ordering::Release);
    RANGES[slot].0.store(0, Ordering::Release);
}

fn in_code(pc: usize) -> bool {
    RANGES.iter().any(|(s, l)| {
        let s = s.load(Ordering::Acquire);
        s != 0 && pc >= s && pc - s < l.load(Ordering::Acquire)
    })
}

static mut PREV_SEGV: libc::sigaction = unsafe { std::mem::zeroed() };
static mut PREV_BUS: libc::sigaction = unsafe { std::mem::zeroed() };

fn install_signal_handlers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: installing handlers once; the previous ones are saved for chaining.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fault as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGSEGV, &sa, &raw mut PREV_SEGV);
            libc::sigaction(libc::SIGBUS, &sa, &raw mut PREV_BUS);
        }
    });
}

/// The faulting instruction's address.
///
/// # Safety
/// `ctx` is the `ucontext_t` the kernel passed to the handler.
unsafe fn fault_pc(ctx: *mut c_void) -> usize {
    let uc = ctx as *const libc::ucontext_t;
    // SAFETY: `ctx` is the kernel's `ucontext_t` for this signal (the contract), so its
    // machine context is readable.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        {
            (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize
        }
        #[cfg(target_arch = "aarch64")]
        {
            (*uc).uc_mcontext.pc as usize
        }
    }
}

extern "C" fn on_fault(sig: i32, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    // SAFETY: called by the kernel with a valid context; everything below is
    // async-signal-safe (atomics, thread-locals already initialised, longjmp).
    unsafe {
        let buf = JMP.with(|j| j.get());
        let pc = fault_pc(ctx);
        if !buf.is_null() && in_code(pc) {
            // A fault at or below the end of the stack (its guard page, or a large frame
            // probing past the check's reserve) is exhaustion; one inside a linear
            // memory's reservation is an access outside the memory; anything else is
            // no wasm trap but a bug of the runtime or compiler.
            let addr = (*info).si_addr() as usize;
            let (low, reserve) = STACK_ZONE.with(|z| z.get());
            if low != 0 && addr < low + reserve && addr + (1 << 20) >= low {
                FAULT.with(|f| f.set(Some(TrapKind::CallStackExhausted)));
            } else if wamr_common::reservations::contains(addr) {
                FAULT.with(|f| f.set(Some(TrapKind::MemoryOutOfBounds)));
            } else {
                BUG_FAULT.with(|f| f.set(Some((sig, addr))));
            }
            TRAP_PC.with(|p| p.set(pc));
            wamr_aot_unwind(buf);
        }
        // Not ours: hand it to whoever was there before.
        let prev = if sig == libc::SIGBUS {
            &raw const PREV_BUS
        } else {
            &raw const PREV_SEGV
        };
        let prev = &*prev;
        if prev.sa_flags & libc::SA_SIGINFO != 0 && prev.sa_sigaction > 1 {
            let f: extern "C" fn(i32, *mut libc::siginfo_t, *mut c_void) =
                std::mem::transmute(prev.sa_sigaction);
            f(sig, info, ctx);
        } else if prev.sa_sigaction > 1 {
            let f: extern "C" fn(i32) = std::mem::transmute(prev.sa_sigaction);
            f(sig);
        } else {
            // Default action: restore it and return, so the fault repeats and kills.
            libc::sigaction(sig, prev, std::ptr::null_mut());
        }
    }
}
