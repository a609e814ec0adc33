//! The instance layout both engines agree on: the `VMContext` (WAMR calls it exec_env).
//!
//! Every engine reaches instance state through one pointer to it: the interpreter keeps
//! it in its execution state, AOT code receives it as its first argument. It is a fixed
//! header followed by the instance's arrays, sized by the module's counts, so compiled
//! code reaches a global, table, memory, tag or function in one load at a constant
//! offset. [`VMOffsets`] is the one place that computes the layout: from the counts and
//! a pointer size (the host's at run time, the target's when compiling), with checked
//! arithmetic. [`OwnedVMContext`] allocates one and gives typed access to its arrays.
//!
//! ```text
//!  header (pointer-sized fields; offsets for 8-byte pointers)
//!  +0   memory0     *mut MemoryDef       memory 0 again (null without memories): the
//!                                        most frequent load, with the shortest encoding
//!  +8   memory0_base *mut u8             memory 0's base (a memory never moves): one
//!                                        load from the vmctx instead of two
//!  +16  instance    *const InstanceData  the owning instance (runtime helpers use it)
//!  +24  stack_limit usize                lowest native stack address AOT code may use
//!  +32  builtins    *const *const u8     AOT: runtime helper table
//!  +40  intrinsics  *const *const u8     AOT: runtime intrinsic table (XIP images)
//!  +48  consts      *const u64           AOT: the image's constant table (XIP images)
//!  +56  run_state   *const RunState      the store's fuel, interrupt flag, exception
//!  +64  func_entries_redirected usize    AOT: nonzero once some defined function's entry
//!                                        is not its own code (indirect mode checks it)
//!  arrays, one entry per index (imports first), in this order:
//!  +72  memories    [*mut MemoryDef]     { base, size in bytes }
//!       tables      [*mut TableDef]      { base, len }
//!       globals     [*mut u64]           the global's 16-byte cell
//!       tags        [*const TagData]     the tag's identity
//!       funcs       [*const FuncData]    the function object (its funcref)
//!       func_entries [*const u8]         AOT: a defined function's code (indirect
//!                                        mode honours it: see `redirect_func_entry`)
//!       type_ids    [u32]                per module type: the store-wide signature id
//! ```
//!
//! Array entries are pointers, not the objects: imported memories, tables, globals and
//! tags belong to other instances or the host, and a defined one may be exported and
//! outlive nothing here but must stay at one address.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::exception::TagData;
use crate::index::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TagIndex, TypeIndex};
use crate::instance::InstanceData;
use crate::memory::MemoryDef;
use crate::metering::RunState;
use crate::module::ModuleData;
use crate::store::FuncData;
use crate::table::TableDef;

/// The vmctx header. The arrays follow it in the same allocation (see the module docs);
/// reach them through [`OwnedVMContext`] or, from generated code, [`VMOffsets`].
#[repr(C)]
#[derive(Debug)]
pub struct VMContext {
    /// A copy of `memories[0]`, set with it by [`OwnedVMContext::set_memories`]:
    /// compiled code reads memory 0 at offset 0, an x86-64 load one byte shorter than
    /// any other, in every function that touches memory.
    pub memory0: *mut MemoryDef,
    /// Memory 0's `MemoryDef::base`, set with `memory0`: a memory never moves (it is
    /// one reservation from creation to drop), so compiled code reads its base here.
    pub memory0_base: *mut u8,
    pub instance: *const InstanceData,
    pub stack_limit: usize,
    pub builtins: *const *const u8,
    pub intrinsics: *const *const u8,
    pub consts: *const u64,
    pub run_state: *const RunState,
    /// Nonzero once [`OwnedVMContext::redirect_func_entry`] pointed a defined function's
    /// entry at code other than its own. AOT code in indirect mode calls functions
    /// directly and each checks this at its start: one load of the header's cache line
    /// while it is zero, a comparison of its entry with itself (and a jump to the
    /// entry when they differ) otherwise.
    pub func_entries_redirected: usize,
}

/// Pointer-sized fields in the header.
const HEADER_FIELDS: u32 = 9;

/// A pointer width to lay things out for.
pub trait PtrSize: Copy {
    /// Bytes per pointer.
    fn size(self) -> u8;
}

/// The host's pointer width: what the runtime uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostPtr;

impl PtrSize for HostPtr {
    fn size(self) -> u8 {
        std::mem::size_of::<usize>() as u8
    }
}

/// An explicit pointer width in bytes (a compiler's target).
impl PtrSize for u8 {
    fn size(self) -> u8 {
        self
    }
}

/// How many entries each vmctx array has: a module's index-space sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VMCounts {
    pub memories: u32,
    pub tables: u32,
    pub globals: u32,
    pub tags: u32,
    pub funcs: u32,
    pub types: u32,
}

impl VMCounts {
    /// The counts of `module` (imports included).
    pub fn of(module: &ModuleData) -> VMCounts {
        // Validation bounds every index space far below 2^32.
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        VMCounts {
            memories: count(module.memories.len()),
            tables: count(module.tables.len()),
            globals: count(module.global_types.len()),
            tags: count(module.tags.len()),
            funcs: count(module.funcs.len()),
            types: count(module.types.len()),
        }
    }
}

/// The most bytes a vmctx may have: every offset fits a signed 32-bit displacement.
pub const MAX_VMCTX_SIZE: u32 = i32::MAX as u32;

/// The module's vmctx would not fit in the 32-bit displacements compiled code uses.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the instance's vmctx would exceed 2 GiB (at its {0} array)")]
pub struct LayoutError(&'static str);

/// Offsets of everything in a vmctx and in the runtime structures compiled code reads,
/// for one module's counts and one pointer width. All offsets are bytes from the start
/// of the vmctx (or of the structure named), at most [`MAX_VMCTX_SIZE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets<P> {
    ptr: u8,
    counts: VMCounts,
    memories: u32,
    tables: u32,
    globals: u32,
    tags: u32,
    funcs: u32,
    func_entries: u32,
    type_ids: u32,
    size: u32,
    width: PhantomData<P>,
}

fn align_up(offset: u32, align: u32) -> u32 {
    offset.div_ceil(align) * align
}

impl<P: PtrSize> VMOffsets<P> {
    /// The layout for `counts` with pointers of `ptr`'s width.
    pub fn new(ptr: P, counts: VMCounts) -> Result<Self, LayoutError> {
        let p = u32::from(ptr.size());
        let mut end = HEADER_FIELDS * p;
        let mut array = |len: u32, entry: u32, name: &'static str| {
            let start = end;
            end = len
                .checked_mul(entry)
                .and_then(|bytes| start.checked_add(bytes))
                .filter(|end| *end <= MAX_VMCTX_SIZE)
                .ok_or(LayoutError(name))?;
            Ok::<u32, LayoutError>(start)
        };
        let memories = array(counts.memories, p, "memories")?;
        let tables = array(counts.tables, p, "tables")?;
        let globals = array(counts.globals, p, "globals")?;
        let tags = array(counts.tags, p, "tags")?;
        let funcs = array(counts.funcs, p, "funcs")?;
        let func_entries = array(counts.funcs, p, "func_entries")?;
        let type_ids = array(counts.types, 4, "type_ids")?;
        let size = end
            .checked_next_multiple_of(p)
            .filter(|size| *size <= MAX_VMCTX_SIZE)
            .ok_or(LayoutError("type_ids"))?;
        Ok(VMOffsets {
            ptr: ptr.size(),
            counts,
            memories,
            tables,
            globals,
            tags,
            funcs,
            func_entries,
            type_ids,
            size,
            width: PhantomData,
        })
    }

    /// The layout for `module`.
    pub fn for_module(ptr: P, module: &ModuleData) -> Result<Self, LayoutError> {
        Self::new(ptr, VMCounts::of(module))
    }

    /// Bytes per pointer.
    pub fn ptr_size(&self) -> u8 {
        self.ptr
    }

    /// The counts this layout was computed for.
    pub fn counts(&self) -> VMCounts {
        self.counts
    }

    /// Bytes of the whole vmctx, header and arrays.
    pub fn size(&self) -> u32 {
        self.size
    }

    fn p(&self) -> u32 {
        u32::from(self.ptr)
    }

    /// Entry `index` of the array at `start` with `len` entries of `entry` bytes.
    fn entry(&self, start: u32, index: u32, len: u32, entry: u32, what: &str) -> u32 {
        assert!(index < len, "{what} index {index} out of range ({len})");
        // Cannot overflow: `new` checked `start + len * entry`.
        start + index * entry
    }

    // ----- header -----

    pub fn memory0(&self) -> u32 {
        0
    }
    pub fn memory0_base(&self) -> u32 {
        self.p()
    }
    pub fn instance(&self) -> u32 {
        2 * self.p()
    }
    pub fn stack_limit(&self) -> u32 {
        3 * self.p()
    }
    pub fn builtins(&self) -> u32 {
        4 * self.p()
    }
    pub fn intrinsics(&self) -> u32 {
        5 * self.p()
    }
    pub fn consts(&self) -> u32 {
        6 * self.p()
    }
    pub fn run_state(&self) -> u32 {
        7 * self.p()
    }
    pub fn func_entries_redirected(&self) -> u32 {
        8 * self.p()
    }

    // ----- arrays -----

    /// Where compiled code reads memory `index`'s `MemoryDef` pointer: memory 0 from
    /// the header's copy, the others from the array.
    pub fn memory(&self, index: MemoryIndex) -> u32 {
        let n = self.counts.memories;
        let entry = self.entry(self.memories, index.0, n, self.p(), "memory");
        if index.0 == 0 {
            self.memory0()
        } else {
            entry
        }
    }
    /// Where table `index`'s `TableDef` pointer is.
    pub fn table(&self, index: TableIndex) -> u32 {
        let n = self.counts.tables;
        self.entry(self.tables, index.0, n, self.p(), "table")
    }
    /// Where global `index`'s cell pointer is.
    pub fn global(&self, index: GlobalIndex) -> u32 {
        let n = self.counts.globals;
        self.entry(self.globals, index.0, n, self.p(), "global")
    }
    /// Where tag `index`'s `TagData` pointer is.
    pub fn tag(&self, index: TagIndex) -> u32 {
        let n = self.counts.tags;
        self.entry(self.tags, index.0, n, self.p(), "tag")
    }
    /// Where function `index`'s `FuncData` pointer is.
    pub fn func(&self, index: FuncIndex) -> u32 {
        let n = self.counts.funcs;
        self.entry(self.funcs, index.0, n, self.p(), "function")
    }
    /// Where function `index`'s code address is (AOT; null for imports).
    pub fn func_entry(&self, index: FuncIndex) -> u32 {
        let n = self.counts.funcs;
        self.entry(self.func_entries, index.0, n, self.p(), "function entry")
    }
    /// Where type `index`'s signature id (u32) is.
    pub fn type_id(&self, index: TypeIndex) -> u32 {
        let n = self.counts.types;
        self.entry(self.type_ids, index.0, n, 4, "type")
    }

    // ----- runtime structures (offsets within each) -----

    /// `MemoryDef::base` and `MemoryDef::size` (u64).
    pub fn memory_def_base(&self) -> u32 {
        0
    }
    pub fn memory_def_size(&self) -> u32 {
        align_up(self.p(), 8)
    }
    /// `TableDef::base` and `TableDef::len` (u64).
    pub fn table_def_base(&self) -> u32 {
        0
    }
    pub fn table_def_len(&self) -> u32 {
        align_up(self.p(), 8)
    }
    /// `FuncData` fields a compiled call site reads: the signature id (u32), the engine
    /// (u8, see `EngineKind`), the callee's vmctx and its entry (AOT: code address).
    pub fn func_data_type_id(&self) -> u32 {
        0
    }
    pub fn func_data_engine(&self) -> u32 {
        4
    }
    pub fn func_data_vmctx(&self) -> u32 {
        align_up(5, self.p())
    }
    pub fn func_data_entry(&self) -> u32 {
        self.func_data_vmctx() + self.p()
    }
    /// `RunState` fields: fuel left (i64), interrupt flag (u32), pending exception (u64).
    pub fn run_state_fuel_left(&self) -> u32 {
        0
    }
    pub fn run_state_interrupt(&self) -> u32 {
        8
    }
    pub fn run_state_exception(&self) -> u32 {
        16
    }
    /// An exception object's tag (its identity) and payload pointer.
    pub fn exn_tag(&self) -> u32 {
        0
    }
    pub fn exn_values(&self) -> u32 {
        self.p()
    }
    /// The exception's `exposed` byte (see `ExnData::expose`).
    pub fn exn_exposed(&self) -> u32 {
        align_up(2 * self.p(), 8) + 8
    }
}

/// The raw addresses of one vmctx's arrays, for an interpreter that caches them.
#[derive(Clone, Copy, Debug)]
pub struct VMArrays {
    pub memories: *const *mut MemoryDef,
    pub tables: *const *mut TableDef,
    pub globals: *const *mut u64,
    pub tags: *const *const TagData,
    pub funcs: *const *const FuncData,
    pub type_ids: *const u32,
}

/// A vmctx allocation: header and arrays, zeroed at first (every field a null pointer,
/// every id 0), freed on drop. It never moves, so its address can be handed out.
pub struct OwnedVMContext {
    ptr: NonNull<VMContext>,
    offsets: VMOffsets<HostPtr>,
}

impl std::fmt::Debug for OwnedVMContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedVMContext")
            .field("header", self.header())
            .field("offsets", &self.offsets)
            .finish()
    }
}

impl OwnedVMContext {
    fn layout(offsets: &VMOffsets<HostPtr>) -> std::alloc::Layout {
        let size = (offsets.size() as usize).max(std::mem::size_of::<VMContext>());
        std::alloc::Layout::from_size_align(size, std::mem::align_of::<VMContext>())
            .expect("a size below 4 GiB with pointer alignment is a valid layout")
    }

    /// A zeroed vmctx with `offsets`' layout.
    pub fn new(offsets: VMOffsets<HostPtr>) -> OwnedVMContext {
        let layout = Self::layout(&offsets);
        // SAFETY: the layout's size is at least the header's, so non-zero.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw as *mut VMContext) else {
            std::alloc::handle_alloc_error(layout)
        };
        OwnedVMContext { ptr, offsets }
    }

    /// The vmctx pointer engines and `FuncData` hold.
    pub fn as_ptr(&self) -> *mut VMContext {
        self.ptr.as_ptr()
    }

    pub fn offsets(&self) -> &VMOffsets<HostPtr> {
        &self.offsets
    }

    pub fn header(&self) -> &VMContext {
        // SAFETY: the allocation starts with a header, zero-initialised (valid for its
        // raw-pointer and integer fields) or written since.
        unsafe { self.ptr.as_ref() }
    }

    pub fn header_mut(&mut self) -> &mut VMContext {
        // SAFETY: as for `header`; `&mut self` makes this the only reference.
        unsafe { self.ptr.as_mut() }
    }

    /// The array of `len` entries of `T` at byte `start`.
    fn array<T>(&self, start: u32, len: u32) -> *mut T {
        debug_assert_eq!(start as usize % std::mem::align_of::<T>(), 0);
        debug_assert!(
            start as usize + len as usize * std::mem::size_of::<T>() <= {
                Self::layout(&self.offsets).size()
            }
        );
        // SAFETY: `VMOffsets::new` placed the array inside the allocation's size.
        unsafe { (self.ptr.as_ptr() as *mut u8).add(start as usize) as *mut T }
    }

    fn slice<T>(&self, start: u32, len: u32) -> &[T] {
        // SAFETY: the array lies inside the allocation, is aligned for `T` (pointer-sized
        // entries start at pointer multiples, `type_ids` at a multiple of 4), and holds
        // zeroes or values written through `&mut self`; nothing writes it while `&self`
        // is borrowed (compiled code only reads the arrays).
        unsafe { std::slice::from_raw_parts(self.array::<T>(start, len), len as usize) }
    }

    fn slice_mut<T>(&mut self, start: u32, len: u32) -> &mut [T] {
        // SAFETY: as for `slice`; `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.array::<T>(start, len), len as usize) }
    }

    pub fn memories(&self) -> &[*mut MemoryDef] {
        self.slice(self.offsets.memories, self.offsets.counts.memories)
    }
    /// Fills the memories array in index order from each memory's `MemoryDef` and base
    /// (the same as `MemoryDef::base`), and the header's copies of memory 0's.
    pub fn set_memories(&mut self, memories: impl IntoIterator<Item = (*mut MemoryDef, *mut u8)>) {
        let slots = self.slice_mut(self.offsets.memories, self.offsets.counts.memories);
        let mut first = None;
        for (slot, (def, base)) in slots.iter_mut().zip(memories) {
            *slot = def;
            first.get_or_insert((def, base));
        }
        let (def, base) = first.unwrap_or((std::ptr::null_mut(), std::ptr::null_mut()));
        let header = self.header_mut();
        header.memory0 = def;
        header.memory0_base = base;
    }
    pub fn tables(&self) -> &[*mut TableDef] {
        self.slice(self.offsets.tables, self.offsets.counts.tables)
    }
    pub fn tables_mut(&mut self) -> &mut [*mut TableDef] {
        self.slice_mut(self.offsets.tables, self.offsets.counts.tables)
    }
    pub fn globals(&self) -> &[*mut u64] {
        self.slice(self.offsets.globals, self.offsets.counts.globals)
    }
    pub fn globals_mut(&mut self) -> &mut [*mut u64] {
        self.slice_mut(self.offsets.globals, self.offsets.counts.globals)
    }
    pub fn tags(&self) -> &[*const TagData] {
        self.slice(self.offsets.tags, self.offsets.counts.tags)
    }
    pub fn tags_mut(&mut self) -> &mut [*const TagData] {
        self.slice_mut(self.offsets.tags, self.offsets.counts.tags)
    }
    pub fn funcs(&self) -> &[*const FuncData] {
        self.slice(self.offsets.funcs, self.offsets.counts.funcs)
    }
    pub fn funcs_mut(&mut self) -> &mut [*const FuncData] {
        self.slice_mut(self.offsets.funcs, self.offsets.counts.funcs)
    }
    pub fn func_entries(&self) -> &[*const u8] {
        self.slice(self.offsets.func_entries, self.offsets.counts.funcs)
    }
    /// Sets function `index`'s entry to `code`, the code compiled for it (the engine
    /// filling in an instance). `None` when `index` is out of range.
    pub fn set_own_func_entry(&mut self, index: usize, code: *const u8) -> Option<()> {
        let slot = self.func_entries_mut().get_mut(index)?;
        *slot = code;
        Some(())
    }
    /// Points function `index`'s entry at `code`, which is not the code compiled for it
    /// (a hook, another function with the same signature): from then on every call of
    /// the function runs `code`, whether the caller was compiled in indirect mode
    /// (which checks `func_entries_redirected`) or reaches it by its `FuncData`. `None`
    /// when `index` is out of range.
    pub fn redirect_func_entry(&mut self, index: usize, code: *const u8) -> Option<()> {
        self.set_own_func_entry(index, code)?;
        self.header_mut().func_entries_redirected = 1;
        Some(())
    }
    fn func_entries_mut(&mut self) -> &mut [*const u8] {
        self.slice_mut(self.offsets.func_entries, self.offsets.counts.funcs)
    }
    pub fn type_ids(&self) -> &[u32] {
        self.slice(self.offsets.type_ids, self.offsets.counts.types)
    }
    pub fn type_ids_mut(&mut self) -> &mut [u32] {
        self.slice_mut(self.offsets.type_ids, self.offsets.counts.types)
    }

    /// The arrays' addresses (stable: the allocation never moves).
    pub fn arrays(&self) -> VMArrays {
        let o = &self.offsets;
        VMArrays {
            memories: self.array(o.memories, o.counts.memories),
            tables: self.array(o.tables, o.counts.tables),
            globals: self.array(o.globals, o.counts.globals),
            tags: self.array(o.tags, o.counts.tags),
            funcs: self.array(o.funcs, o.counts.funcs),
            type_ids: self.array(o.type_ids, o.counts.types),
        }
    }
}

impl Drop for OwnedVMContext {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this same layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr() as *mut u8, Self::layout(&self.offsets)) }
    }
}

#[cfg(test)]
mod tests {
    use std::mem::offset_of;

    use super::*;
    use crate::exception::ExnData;

    fn counts() -> VMCounts {
        VMCounts {
            memories: 2,
            tables: 3,
            globals: 5,
            tags: 1,
            funcs: 7,
            types: 3,
        }
    }

    #[test]
    fn header_offsets_match_the_host_struct() {
        let o = VMOffsets::new(HostPtr, counts()).unwrap();
        assert_eq!(o.memory0() as usize, offset_of!(VMContext, memory0));
        assert_eq!(
            o.memory0_base() as usize,
            offset_of!(VMContext, memory0_base)
        );
        assert_eq!(o.instance() as usize, offset_of!(VMContext, instance));
        assert_eq!(o.stack_limit() as usize, offset_of!(VMContext, stack_limit));
        assert_eq!(o.builtins() as usize, offset_of!(VMContext, builtins));
        assert_eq!(o.intrinsics() as usize, offset_of!(VMContext, intrinsics));
        assert_eq!(o.consts() as usize, offset_of!(VMContext, consts));
        assert_eq!(o.run_state() as usize, offset_of!(VMContext, run_state));
        assert_eq!(
            o.func_entries_redirected() as usize,
            offset_of!(VMContext, func_entries_redirected)
        );
        assert_eq!(o.memory(MemoryIndex(0)), o.memory0());
        assert_eq!(
            o.memory(MemoryIndex(1)) as usize,
            std::mem::size_of::<VMContext>() + std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn runtime_structure_offsets_match_the_host_structs() {
        let o = VMOffsets::new(HostPtr, counts()).unwrap();
        assert_eq!(o.memory_def_base() as usize, offset_of!(MemoryDef, base));
        assert_eq!(o.memory_def_size() as usize, offset_of!(MemoryDef, size));
        assert_eq!(o.table_def_base() as usize, offset_of!(TableDef, base));
        assert_eq!(o.table_def_len() as usize, offset_of!(TableDef, len));
        assert_eq!(
            o.func_data_type_id() as usize,
            offset_of!(FuncData, type_id)
        );
        assert_eq!(o.func_data_engine() as usize, offset_of!(FuncData, engine));
        assert_eq!(o.func_data_vmctx() as usize, offset_of!(FuncData, vmctx));
        assert_eq!(o.func_data_entry() as usize, offset_of!(FuncData, entry));
        assert_eq!(
            o.run_state_fuel_left() as usize,
            offset_of!(RunState, fuel_left)
        );
        assert_eq!(
            o.run_state_interrupt() as usize,
            offset_of!(RunState, interrupt)
        );
        assert_eq!(
            o.run_state_exception() as usize,
            offset_of!(RunState, exception)
        );
        assert_eq!(o.exn_tag() as usize, offset_of!(ExnData, tag));
        assert_eq!(o.exn_values() as usize, offset_of!(ExnData, values));
        assert_eq!(o.exn_exposed() as usize, offset_of!(ExnData, exposed));
    }

    #[test]
    fn arrays_follow_the_header_in_order_for_any_pointer_width() {
        for ptr in [4u8, 8] {
            let o = VMOffsets::new(ptr, counts()).unwrap();
            let p = u32::from(ptr);
            let header = 9 * p;
            assert_eq!(o.memory(MemoryIndex(0)), 0);
            assert_eq!(o.memory(MemoryIndex(1)), header + p);
            assert_eq!(o.table(TableIndex(0)), header + 2 * p);
            assert_eq!(o.global(GlobalIndex(0)), header + 5 * p);
            assert_eq!(o.tag(TagIndex(0)), header + 10 * p);
            assert_eq!(o.func(FuncIndex(6)), header + 17 * p);
            assert_eq!(o.func_entry(FuncIndex(0)), header + 18 * p);
            assert_eq!(o.func_entry(FuncIndex(6)), header + 24 * p);
            assert_eq!(o.type_id(TypeIndex(0)), header + 25 * p);
            assert_eq!(o.type_id(TypeIndex(2)), header + 25 * p + 8);
            assert_eq!(o.size(), align_up(header + 25 * p + 12, p));
        }
        let empty = VMOffsets::new(8u8, VMCounts::default()).unwrap();
        assert_eq!(empty.size(), 72);
    }

    #[test]
    fn function_entries_are_set_in_range_and_redirection_is_recorded() {
        let mut vmctx = OwnedVMContext::new(VMOffsets::new(HostPtr, counts()).unwrap());
        let n = counts().funcs as usize;
        let code = [0u8; 2];
        assert_eq!(vmctx.set_own_func_entry(n, code.as_ptr()), None);
        assert_eq!(vmctx.redirect_func_entry(n, code.as_ptr()), None);
        assert_eq!(vmctx.header().func_entries_redirected, 0);
        vmctx.set_own_func_entry(n - 1, code.as_ptr()).unwrap();
        assert_eq!(vmctx.func_entries()[n - 1], code.as_ptr());
        assert_eq!(vmctx.header().func_entries_redirected, 0);
        vmctx.redirect_func_entry(0, code[1..].as_ptr()).unwrap();
        assert_eq!(vmctx.func_entries()[0], code[1..].as_ptr());
        assert_ne!(vmctx.header().func_entries_redirected, 0);
    }

    #[test]
    #[should_panic(expected = "global index 5 out of range")]
    fn an_index_past_its_array_is_refused() {
        VMOffsets::new(8u8, counts())
            .unwrap()
            .global(GlobalIndex(5));
    }

    #[test]
    fn a_layout_past_2_gib_is_an_error() {
        // 300M globals: 2.4 GB, within u32 but past a signed displacement.
        let big = VMCounts {
            globals: 300_000_000,
            ..counts()
        };
        let err = VMOffsets::new(8u8, big).unwrap_err();
        assert!(err.to_string().contains("globals"), "{err}");
        // Past u32 itself: the multiplication overflows.
        let huge = VMCounts {
            funcs: u32::MAX / 4,
            ..counts()
        };
        let err = VMOffsets::new(8u8, huge).unwrap_err();
        assert!(err.to_string().contains("funcs"), "{err}");
    }

    #[test]
    fn owned_vmctx_arrays_are_where_the_offsets_say() {
        let offsets = VMOffsets::new(HostPtr, counts()).unwrap();
        let mut vmctx = OwnedVMContext::new(offsets);
        assert!(vmctx.funcs().iter().all(|f| f.is_null()));
        vmctx.type_ids_mut()[2] = 0xabcd;
        let cell = Box::into_raw(Box::new([7u64, 0]));
        vmctx.globals_mut()[4] = cell as *mut u64;
        let base = vmctx.as_ptr() as *const u8;
        // SAFETY: both offsets lie inside the allocation and are aligned for their type.
        unsafe {
            let id = base.add(offsets.type_id(TypeIndex(2)) as usize) as *const u32;
            assert_eq!(*id, 0xabcd);
            let g = base.add(offsets.global(GlobalIndex(4)) as usize) as *const *mut u64;
            assert_eq!(*g, cell as *mut u64);
            assert_eq!(vmctx.arrays().type_ids.add(2).read(), 0xabcd);
            drop(Box::from_raw(cell));
        }
    }

    #[test]
    fn memory_0_is_in_the_array_and_in_the_header() {
        let offsets = VMOffsets::new(HostPtr, counts()).unwrap();
        let mut vmctx = OwnedVMContext::new(offsets);
        let def = || MemoryDef {
            base: std::ptr::null_mut(),
            size: 0,
        };
        let mut defs = [def(), def()];
        let [first, second] = defs.each_mut().map(|d| d as *mut MemoryDef);
        let base = 0x1000 as *mut u8;
        vmctx.set_memories([(first, base), (second, std::ptr::null_mut())]);
        assert_eq!(vmctx.memories(), &[first, second]);
        assert_eq!(vmctx.header().memory0, first);
        assert_eq!(vmctx.header().memory0_base, base);
        let base = vmctx.as_ptr() as *const u8;
        // SAFETY: both offsets lie inside the allocation and are pointer-aligned.
        unsafe {
            let at = |index| {
                *(base.add(offsets.memory(MemoryIndex(index)) as usize) as *const *mut MemoryDef)
            };
            assert_eq!(at(0), first);
            assert_eq!(at(1), second);
        }
        let none = VMOffsets::new(HostPtr, VMCounts::default()).unwrap();
        let mut empty = OwnedVMContext::new(none);
        empty.set_memories([]);
        assert!(empty.header().memory0.is_null());
        assert!(empty.header().memory0_base.is_null());
    }
}
