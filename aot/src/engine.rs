//! The AOT engine: instances run code from their module's mapped image.

use std::any::Any;
use std::sync::Arc;

use wamr_common::types::{read_vals, slot_offsets, write_vals};
use wamr_common::{
    DefinedFuncIndex, Engine, EngineKind, FuncData, InstanceData, Trap, TrapKind, Val,
};

use crate::builtins::BUILTINS;
use crate::loader::{image_of, AotImage};

/// Per-instance state: the image, kept alive while its code can run (the function
/// entries live in the vmctx).
struct AotInstance {
    _image: Arc<AotImage>,
}

/// The AOT engine. Hand it to a [`wamr_common::Linker`]; load modules with
/// [`crate::load`].
#[derive(Debug, Default)]
pub struct Aot;

impl Aot {
    pub fn new() -> std::rc::Rc<Aot> {
        std::rc::Rc::new(Aot)
    }
}

/// How much native stack AOT code leaves for runtime helpers and host functions.
const STACK_RESERVE: usize = 128 * 1024;

/// The lowest stack address compiled code on this thread may use.
fn stack_limit() -> usize {
    thread_local! {
        static LIMIT: usize = compute_stack_limit();
    }
    LIMIT.with(|l| *l)
}

fn compute_stack_limit() -> usize {
    // SAFETY: querying this thread's attributes into a zeroed, then initialised, struct.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        if !ok {
            return 0;
        }
        let low = addr as usize;
        crate::trap::set_stack_zone(low, STACK_RESERVE.min(size / 2));
        // The main thread's reported size can exceed what is mapped (growth on demand
        // up to the rlimit); the reserve keeps helpers clear of the end either way.
        low + STACK_RESERVE.min(size / 2)
    }
}

impl Engine for Aot {
    fn kind(&self) -> EngineKind {
        EngineKind::Aot
    }

    fn code_kind(&self, instance: &InstanceData) -> EngineKind {
        match image_of(&instance.module).map(|i| i.codegen().backend) {
            Some(crate::abi::Backend::Llvm) => EngineKind::AotLlvm,
            _ => EngineKind::Aot,
        }
    }

    fn prepare(
        &self,
        instance: &mut InstanceData,
    ) -> Result<(Box<dyn Any>, Vec<*const ()>), String> {
        let image = image_of(&instance.module).ok_or_else(|| {
            "module was not loaded from an AOT image (use wamr_aot::load)".to_string()
        })?;
        let m = &instance.module;
        let mut entries = Vec::with_capacity(m.bodies.len());
        for (defined, index) in m.defined_funcs() {
            let code = image
                .func_code(defined.index())
                .ok_or("image has fewer functions than the module")?;
            instance
                .vmctx
                .set_own_func_entry(index.index(), code)
                .ok_or("function index past the vmctx's entries")?;
            entries.push(code as *const ());
        }
        let header = instance.vmctx.header_mut();
        header.builtins = BUILTINS.0.as_ptr();
        header.intrinsics = crate::intrinsics::INTRINSICS.0.as_ptr();
        header.consts = image.consts();
        header.stack_limit = stack_limit();
        Ok((Box::new(AotInstance { _image: image }), entries))
    }

    fn call(&self, func: &FuncData, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        // SAFETY: an AOT FuncData's vmctx belongs to a live instance of this engine.
        let inst = unsafe { &*(*func.vmctx).instance };
        let image = image_of(&inst.module).ok_or_else(|| Trap::host("instance lost its image"))?;
        let ty_index = inst.module.funcs[func.index as usize];
        let tramp = image
            .trampoline(ty_index)
            .ok_or_else(|| Trap::host("missing trampoline"))?;
        let ty = &func.ty;
        let (_, param_slots) = slot_offsets(ty.params());
        let (_, result_slots) = slot_offsets(ty.results());
        let mut values = vec![0u64; param_slots.max(result_slots).max(1)];
        write_vals(args, &mut values);
        // SAFETY: the trampoline and entry are code of this instance's image; `values`
        // holds the parameters and has room for the results, packed as the trampoline
        // reads and writes them (`slot_offsets`).
        let r = unsafe {
            crate::trap::call_trampoline(
                tramp,
                func.vmctx as *mut _,
                func.entry as *const u8,
                values.as_mut_ptr(),
            )
        };
        // An exception no compiled frame caught left the callee through its return (a trap
        // leaves none behind either).
        // SAFETY: the run state lives as long as the store.
        let rs = unsafe { &*(*func.vmctx).run_state };
        let pending = rs.exception.swap(0, std::sync::atomic::Ordering::Relaxed);
        if let Err((trap, pc)) = r {
            return Err(with_backtrace(trap, pc, inst, &image));
        }
        if pending != 0 {
            // SAFETY: compiled code stores only exnrefs of this store here.
            let exn = unsafe { wamr_common::Exception::from_raw(pending) };
            return Err(exn.map_or_else(|| Trap::new(TrapKind::Exception), |e| Trap::throw(&e)));
        }
        // SAFETY: compiled code only produces references that are live in this store.
        let vals = unsafe { read_vals(ty.results(), &values) };
        for (r, v) in results.iter_mut().zip(vals) {
            *r = v;
        }
        Ok(())
    }
}

/// Names the function that trapped: the innermost frame only. Compiled code is built
/// without frame pointers (`preserve_frame_pointers = false`) and images carry no unwind
/// tables, so the frames above it cannot be walked reliably; a wrong caller would be
/// worse than none. `pc` is known for guard-page faults and the `Trap` builtin (every
/// check the compiler emits: `unreachable`, bounds, division, conversions, indirect
/// calls, stack checks); traps raised by other runtime helpers (bulk memory, tables) or
/// by host functions come without it and keep whatever backtrace they already had.
/// Only functions of `inst`'s own image are named (code of another instance reached
/// through an import is not looked up).
#[cold]
fn with_backtrace(trap: Trap, pc: Option<usize>, inst: &InstanceData, image: &AotImage) -> Trap {
    match pc.and_then(|pc| image.func_at(pc)) {
        Some(i) if trap.backtrace().is_empty() => {
            let index = inst.module.func_index(DefinedFuncIndex(i as u32));
            trap.with_backtrace(vec![inst.func_display_name(index.0)])
        }
        _ => trap,
    }
}
