//! The runtime helpers compiled code calls through `vmctx.builtins` (see `abi::Builtin`).
//!
//! Each is `extern "C"` and takes the caller's vmctx first. A helper that fails raises
//! its trap with [`trap::raise`] only after everything it owns has been dropped, because
//! raising skips the frames in between.

use wamr_common::libcalls;
use wamr_common::store::call_func_data;
use wamr_common::types::{read_vals, slot_offsets, write_vals};
use wamr_common::{Caller, FuncData, InstanceData, Trap, VMContext, Val};

use crate::abi::Builtin;
use crate::trap;

/// # Safety
/// `vmctx` is the live vmctx of the calling instance.
unsafe fn inst<'a>(vmctx: *mut VMContext) -> &'a InstanceData {
    // SAFETY: `vmctx` is live (the contract), and a live vmctx's `instance` points to
    // its instance, which outlives every call into its code.
    unsafe { &*(*vmctx).instance }
}

fn check<T>(r: Result<T, Trap>) -> T {
    match r {
        Ok(v) => v,
        Err(t) => trap::raise(t),
    }
}

unsafe extern "C" fn memory_grow(vmctx: *mut VMContext, mem: u32, delta: u64) -> u64 {
    // SAFETY: compiled code passes its own vmctx.
    libcalls::memory_grow(unsafe { inst(vmctx) }, mem, delta)
}

unsafe extern "C" fn memory_fill(vmctx: *mut VMContext, mem: u32, dst: u64, val: u32, len: u64) {
    // SAFETY: as above.
    check(libcalls::memory_fill(
        unsafe { inst(vmctx) },
        mem,
        dst,
        val,
        len,
    ))
}

unsafe extern "C" fn memory_copy(
    vmctx: *mut VMContext,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: as above.
    check(libcalls::memory_copy(
        unsafe { inst(vmctx) },
        dst_mem,
        src_mem,
        dst,
        src,
        len,
    ))
}

unsafe extern "C" fn memory_init(
    vmctx: *mut VMContext,
    mem: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) {
    // SAFETY: as above.
    check(libcalls::memory_init(
        unsafe { inst(vmctx) },
        mem,
        seg,
        dst,
        src,
        len,
    ))
}

unsafe extern "C" fn data_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    libcalls::data_drop(unsafe { inst(vmctx) }, seg)
}

unsafe extern "C" fn table_get(vmctx: *mut VMContext, table: u32, i: u64) -> u64 {
    // SAFETY: as above.
    check(libcalls::table_get(unsafe { inst(vmctx) }, table, i))
}

unsafe extern "C" fn table_set(vmctx: *mut VMContext, table: u32, i: u64, v: u64) {
    // SAFETY: as above.
    check(libcalls::table_set(unsafe { inst(vmctx) }, table, i, v))
}

unsafe extern "C" fn table_size(vmctx: *mut VMContext, table: u32) -> u64 {
    // SAFETY: as above.
    libcalls::table_size(unsafe { inst(vmctx) }, table)
}

unsafe extern "C" fn table_grow(vmctx: *mut VMContext, table: u32, init: u64, delta: u64) -> u64 {
    // SAFETY: as above.
    libcalls::table_grow(unsafe { inst(vmctx) }, table, init, delta)
}

unsafe extern "C" fn table_fill(vmctx: *mut VMContext, table: u32, dst: u64, v: u64, len: u64) {
    // SAFETY: as above.
    check(libcalls::table_fill(
        unsafe { inst(vmctx) },
        table,
        dst,
        v,
        len,
    ))
}

unsafe extern "C" fn table_copy(
    vmctx: *mut VMContext,
    dt: u32,
    st: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: as above.
    check(libcalls::table_copy(
        unsafe { inst(vmctx) },
        dt,
        st,
        dst,
        src,
        len,
    ))
}

unsafe extern "C" fn table_init(
    vmctx: *mut VMContext,
    table: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) {
    // SAFETY: as above.
    check(libcalls::table_init(
        unsafe { inst(vmctx) },
        table,
        seg,
        dst,
        src,
        len,
    ))
}

unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    libcalls::elem_drop(unsafe { inst(vmctx) }, seg)
}

/// Calls a host function or another engine's function for compiled code.
/// A wasm exception the callee throws (one of this store's) is left in
/// `RunState::exception` for the compiled caller, which checks it after the call; any
/// other error is a trap.
unsafe extern "C" fn call_foreign(vmctx: *mut VMContext, func: *const FuncData, values: *mut u64) {
    // SAFETY: `func` came from a table or the funcs array (a live FuncData); `values`
    // has room for the parameters and for the results, packed by `slot_offsets` (the
    // compiler sized and filled them).
    let r = unsafe { call_foreign_inner(vmctx, &*func, values) };
    if let Err(t) = &r {
        // SAFETY: compiled code passes its own vmctx.
        let inst = unsafe { inst(vmctx) };
        if let Some(raw) = t.thrown().and_then(|e| e.raw_in(&inst.store())) {
            // SAFETY: the run state lives as long as the store.
            let rs = unsafe { &*(*vmctx).run_state };
            rs.exception
                .store(raw, std::sync::atomic::Ordering::Relaxed);
            return;
        }
    }
    // Everything `call_foreign_inner` owned is dropped by now.
    check(r)
}

/// `throw`: a new exception of tag `tag` with its payload in the slots at `values`.
unsafe extern "C" fn throw(vmctx: *mut VMContext, tag: u32, values: *const u64) -> u64 {
    let r = {
        // SAFETY: compiled code passes its own vmctx, a validated tag index and the tag's
        // parameters packed in slots (`slot_offsets`).
        let inst = unsafe { inst(vmctx) };
        let tag = inst.tag_data(wamr_common::TagIndex(tag));
        let (_, n) = slot_offsets(tag.ty.params());
        let payload = unsafe { std::slice::from_raw_parts(values, n) }.to_vec();
        inst.store().alloc_exception(tag, payload)
    };
    check(r)
}

/// `catch`/`catch_all`: the exception `exn` was caught and its payload read.
unsafe extern "C" fn release_caught(_vmctx: *mut VMContext, exn: u64) {
    // SAFETY: compiled code calls this from a clause's matched path with the exception it
    // was dispatching, which nothing else holds unless exposed, and uses it no more.
    unsafe { wamr_common::exception::ExnData::release_caught(exn) }
}

/// # Safety
/// As for `call_foreign`.
unsafe fn call_foreign_inner(
    vmctx: *mut VMContext,
    fd: &FuncData,
    values: *mut u64,
) -> Result<(), Trap> {
    // SAFETY: as `call_foreign` requires, `vmctx` is the caller's live vmctx, `fd` a live
    // function object and `values` has room for the packed parameters and results.
    unsafe {
        let ty = &fd.ty;
        let (_, param_slots) = slot_offsets(ty.params());
        let (_, result_slots) = slot_offsets(ty.results());
        let slots = std::slice::from_raw_parts_mut(values, param_slots.max(result_slots));
        let args: Vec<Val> = read_vals(ty.params(), slots);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
        match &fd.host {
            Some(h) => wamr_common::store::call_host(
                h,
                ty,
                &mut Caller::from_instance((*vmctx).instance),
                &args,
                &mut results,
            )?,
            None => call_func_data(fd, &args, &mut results)?,
        }
        write_vals(&results, slots);
        Ok(())
    }
}

unsafe extern "C" fn refuel(vmctx: *mut VMContext, cost: u32) {
    // SAFETY: as above.
    check(libcalls::refuel(unsafe { inst(vmctx) }, cost))
}

unsafe extern "C" fn interrupt(vmctx: *mut VMContext) {
    // SAFETY: compiled code passes its own vmctx, whose run state the store keeps alive.
    if unsafe { &*(*vmctx).run_state }.take_interrupt() {
        trap::raise(Trap::new(wamr_common::TrapKind::Interrupted))
    }
}

/// The table compiled code indexes with `Builtin as usize`.
pub struct BuiltinTable(pub [*const u8; Builtin::COUNT]);

// SAFETY: the table holds addresses of functions (immutable code), never dereferenced
// as data.
unsafe impl Sync for BuiltinTable {}

pub static BUILTINS: BuiltinTable = BuiltinTable([
    // In unwind.c, so the trap records where in compiled code it was raised.
    trap::wamr_aot_trap_builtin as *const u8,
    memory_grow as *const u8,
    memory_fill as *const u8,
    memory_copy as *const u8,
    memory_init as *const u8,
    data_drop as *const u8,
    table_get as *const u8,
    table_set as *const u8,
    table_size as *const u8,
    table_grow as *const u8,
    table_fill as *const u8,
    table_copy as *const u8,
    table_init as *const u8,
    elem_drop as *const u8,
    call_foreign as *const u8,
    refuel as *const u8,
    interrupt as *const u8,
    throw as *const u8,
    release_caught as *const u8,
]);
