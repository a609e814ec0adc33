//! The instance layout both engines agree on: the `VMContext` (WAMR calls it exec_env).
//!
//! Every engine reaches instance state through one pointer to this struct: the
//! interpreter keeps it in its execution state, AOT code receives it as its first
//! argument. Its fields are fixed and `#[repr(C)]`; [`VMOffsets`] gives their offsets,
//! computed from the struct itself, so nothing is hard-coded twice.
//!
//! ```text
//!  VMContext (all fields pointer-sized)
//!  +0   memory      *mut MemoryDef       memory 0: { base, size in bytes } or null
//!  +8   globals     *const *mut u64      per global index: its 16-byte cell
//!  +16  tables      *const *mut TableDef per table index: { base, len }
//!  +24  funcs       *const *const FuncData per function index (imports first)
//!  +32  type_ids    *const u32           per module type index: store-wide signature id
//!  +40  instance    *const InstanceData  the owning instance (runtime helpers use it)
//!  +48  stack_limit usize                lowest native stack address AOT code may use
//!  +56  func_ptrs   *const *const u8     AOT: entry of every function (indirect mode)
//!  +64  builtins    *const *const u8     AOT: runtime helper table
//!  +72  intrinsics  *const *const u8     AOT: runtime intrinsic table (XIP images)
//!  +80  consts      *const u64           AOT: the image's constant table (XIP images)
//!  +88  run_state   *const RunState      the store's fuel and interrupt flag
//!  +96  memories    *const *mut MemoryDef per memory index (imports first); memory 0
//!                                        also sits in `memory`, the fast path
//! +104 tags        *const *const TagData per tag index (imports first): its identity
//! ```

use crate::exception::{ExnData, TagData};
use crate::instance::InstanceData;
use crate::memory::MemoryDef;
use crate::metering::RunState;
use crate::store::FuncData;
use crate::table::TableDef;

#[repr(C)]
#[derive(Debug)]
pub struct VMContext {
    pub memory: *mut MemoryDef,
    pub globals: *const *mut u64,
    pub tables: *const *mut TableDef,
    pub funcs: *const *const FuncData,
    pub type_ids: *const u32,
    pub instance: *const InstanceData,
    pub stack_limit: usize,
    pub func_ptrs: *const *const u8,
    pub builtins: *const *const u8,
    pub intrinsics: *const *const u8,
    pub consts: *const u64,
    pub run_state: *const RunState,
    pub memories: *const *mut MemoryDef,
    pub tags: *const *const TagData,
}

/// Field offsets of [`VMContext`], for code generators.
pub struct VMOffsets;

impl VMOffsets {
    pub const MEMORY: usize = std::mem::offset_of!(VMContext, memory);
    pub const GLOBALS: usize = std::mem::offset_of!(VMContext, globals);
    pub const TABLES: usize = std::mem::offset_of!(VMContext, tables);
    pub const FUNCS: usize = std::mem::offset_of!(VMContext, funcs);
    pub const TYPE_IDS: usize = std::mem::offset_of!(VMContext, type_ids);
    pub const INSTANCE: usize = std::mem::offset_of!(VMContext, instance);
    pub const STACK_LIMIT: usize = std::mem::offset_of!(VMContext, stack_limit);
    pub const FUNC_PTRS: usize = std::mem::offset_of!(VMContext, func_ptrs);
    pub const BUILTINS: usize = std::mem::offset_of!(VMContext, builtins);
    pub const INTRINSICS: usize = std::mem::offset_of!(VMContext, intrinsics);
    pub const CONSTS: usize = std::mem::offset_of!(VMContext, consts);
    pub const RUN_STATE: usize = std::mem::offset_of!(VMContext, run_state);
    pub const MEMORIES: usize = std::mem::offset_of!(VMContext, memories);
    pub const TAGS: usize = std::mem::offset_of!(VMContext, tags);
    /// An exception object's tag (its identity) and payload slots.
    pub const EXN_TAG: usize = std::mem::offset_of!(ExnData, tag);
    pub const EXN_VALUES: usize = std::mem::offset_of!(ExnData, values);
    pub const RUN_STATE_FUEL_LEFT: usize = std::mem::offset_of!(RunState, fuel_left);
    pub const RUN_STATE_INTERRUPT: usize = std::mem::offset_of!(RunState, interrupt);
    pub const RUN_STATE_EXCEPTION: usize = std::mem::offset_of!(RunState, exception);
    pub const MEMORY_DEF_BASE: usize = std::mem::offset_of!(MemoryDef, base);
    pub const MEMORY_DEF_SIZE: usize = std::mem::offset_of!(MemoryDef, size);
    pub const TABLE_DEF_BASE: usize = std::mem::offset_of!(TableDef, base);
    pub const TABLE_DEF_LEN: usize = std::mem::offset_of!(TableDef, len);
    /// `FuncData` fields a compiled call site reads: the signature id (u32), the engine
    /// (u8, see `EngineKind`), the callee's vmctx and its entry (AOT: code address).
    pub const FUNC_DATA_TYPE_ID: usize = std::mem::offset_of!(FuncData, type_id);
    pub const FUNC_DATA_ENGINE: usize = std::mem::offset_of!(FuncData, engine);
    pub const FUNC_DATA_VMCTX: usize = std::mem::offset_of!(FuncData, vmctx);
    pub const FUNC_DATA_ENTRY: usize = std::mem::offset_of!(FuncData, entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_documented_diagram() {
        let p = std::mem::size_of::<usize>();
        let offsets = [
            VMOffsets::MEMORY,
            VMOffsets::GLOBALS,
            VMOffsets::TABLES,
            VMOffsets::FUNCS,
            VMOffsets::TYPE_IDS,
            VMOffsets::INSTANCE,
            VMOffsets::STACK_LIMIT,
            VMOffsets::FUNC_PTRS,
            VMOffsets::BUILTINS,
            VMOffsets::INTRINSICS,
            VMOffsets::CONSTS,
            VMOffsets::RUN_STATE,
            VMOffsets::MEMORIES,
            VMOffsets::TAGS,
        ];
        for (i, off) in offsets.iter().enumerate() {
            assert_eq!(*off, i * p, "field {i}");
        }
        assert_eq!(std::mem::size_of::<VMContext>(), offsets.len() * p);
    }
}
