//! Instances: the runtime state of one instantiated module, built the same way for every
//! engine, and the handle embedders use.

use std::any::Any;
use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::index::{DefinedFuncIndex, FuncIndex, TagIndex};
use crate::linker::{Extern, Linker};
use crate::module::{ConstExpr, ConstOp, DataMode, ElemMode, ExportKind, ImportKind, Module};
use crate::store::{Engine, FuncData, Store};
use crate::types::{ExternRef, FuncType, GlobalType, RawRef, TableType, Val, ValType};
use crate::vmctx::{HostPtr, OwnedVMContext, VMContext, VMOffsets};
use crate::{Func, Global, Memory, Table, Tag, Trap, TrapKind};

/// Why instantiation failed.
#[derive(Debug, thiserror::Error)]
pub enum InstantiationError {
    /// An import is missing or has the wrong type ("unknown import", "incompatible import type").
    #[error("{0}")]
    Unlinkable(String),
    /// Initialisation trapped (a segment out of bounds, or the start function).
    #[error("{0}")]
    Trap(#[from] Trap),
    /// The runtime could not allocate what the module needs.
    #[error("resource limit: {0}")]
    Resource(String),
    /// The engine cannot run this module (say, the interpreter and a SIMD module).
    #[error("{0}")]
    Engine(String),
}

/// Runtime limits an embedder may set per instance (`Linker::set_limits`). `None` means
/// the runtime's own maxima: 65,536 pages per memory, 10,000,000 elements per table, and
/// no cap on counts beyond what validation allows. Exceeding one at instantiation is an
/// `InstantiationError::Resource`; growth past one fails as wasm's `-1`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstanceLimits {
    /// Cap on every memory's size in pages (`--max-memory`).
    pub max_memory_pages: Option<u64>,
    /// Cap on every table's size in elements, initial and grown.
    pub max_table_elements: Option<u64>,
    /// Most tables an instance may define (imports not counted).
    pub max_tables: Option<u32>,
    /// Most memories an instance may define (imports not counted).
    pub max_memories: Option<u32>,
}

/// The state of one instance. Its `vmctx` holds what compiled code reads (the memories,
/// tables, globals, tags and functions of every index); it never moves (boxed in the
/// store).
pub struct InstanceData {
    pub module: Module,
    /// The owning store. Not a counted reference: the store owns the instance, and a
    /// counted one would keep both alive forever.
    store: *const crate::store::StoreInner,
    pub engine: Rc<dyn Engine>,
    pub vmctx: OwnedVMContext,
    pub memories: Vec<Memory>,
    pub tables: Vec<Table>,
    pub globals: Vec<Global>,
    /// Element segments' evaluated items; emptied by `elem.drop`.
    pub elem_segments: RefCell<Vec<Rc<[RawRef]>>>,
    /// Whether each data segment was dropped.
    pub data_dropped: RefCell<Vec<bool>>,
    /// The engine's per-instance state.
    pub engine_state: Option<Box<dyn Any>>,
}

impl std::fmt::Debug for InstanceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InstanceData({:?})", self.module.name)
    }
}

impl InstanceData {
    pub fn func(&self, index: u32) -> Func {
        // SAFETY: every entry of the vmctx's functions is a live FuncData of this store
        // once instantiation filled them (before any handle to the instance exists).
        unsafe { Func::from_raw(self.vmctx.funcs()[index as usize] as u64) }.expect("non-null")
    }

    /// The raw function object (funcref) of function `index`.
    pub fn func_ptr(&self, index: FuncIndex) -> *const FuncData {
        self.vmctx.funcs()[index.index()]
    }

    /// Tag `index` (imports first).
    pub fn tag(&self, index: u32) -> Tag {
        let data = std::ptr::NonNull::new(self.vmctx.tags()[index as usize] as *mut _)
            .expect("tags are never null");
        Tag::from_data(data, self.store())
    }

    /// Tag `index`'s runtime object.
    pub fn tag_data(&self, index: TagIndex) -> &crate::exception::TagData {
        // SAFETY: tags live in the store (raw pointers: a counted handle here would keep
        // the store, and so this instance, alive forever), which outlives this instance.
        unsafe { &*self.vmctx.tags()[index.index()] }
    }

    /// The store-wide signature id of module type `index`.
    pub fn type_id(&self, index: u32) -> u32 {
        self.vmctx.type_ids()[index as usize]
    }

    /// Bytes of data segment `seg`, or empty once dropped.
    pub fn data_segment(&self, seg: u32) -> &[u8] {
        if self.data_dropped.borrow()[seg as usize] {
            return &[];
        }
        &self.module.bytes[self.module.datas[seg as usize].range.clone()]
    }

    /// A function's display name for backtraces.
    pub fn func_display_name(&self, index: u32) -> String {
        match self.module.func_name(index) {
            Some(n) => n.to_string(),
            None => format!("$f{index}"),
        }
    }

    /// The store this instance lives in.
    pub fn store(&self) -> Store {
        // SAFETY: the store owns this instance, so it is alive while `self` is; bumping
        // its count before `from_raw` keeps the count balanced.
        unsafe {
            Rc::increment_strong_count(self.store);
            Store(Rc::from_raw(self.store))
        }
    }

    /// The value of a constant expression (a v128, or a scalar's slot encoding).
    fn eval_const(&self, expr: &ConstExpr) -> u128 {
        let mut stack: Vec<u128> = Vec::with_capacity(2);
        for op in expr.0.iter() {
            let v: u128 = match *op {
                ConstOp::I32(v) => u128::from(v as u32),
                ConstOp::I64(v) => u128::from(v as u64),
                ConstOp::F32(v) => u128::from(v),
                ConstOp::F64(v) => u128::from(v),
                ConstOp::V128(v) => v,
                ConstOp::RefNull(_) => 0,
                ConstOp::RefFunc(f) => self.func_ptr(FuncIndex(f)) as u128,
                ConstOp::GlobalGet(g) => self.globals[g as usize].get_bits(),
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap_or(0) as u32;
                    let a = stack.pop().unwrap_or(0) as u32;
                    u128::from(match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap_or(0) as u64;
                    let a = stack.pop().unwrap_or(0) as u64;
                    u128::from(match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(0)
    }
}

/// An instantiated module: the handle embedders use, whatever the engine.
#[derive(Clone)]
pub struct Instance {
    data: NonNull<InstanceData>,
    store: Store,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.data())
    }
}

impl Instance {
    /// Instantiates `module` with imports from `linker`, with the linker's engine.
    pub fn new(module: &Module, linker: &Linker) -> Result<Instance, InstantiationError> {
        Instance::with_engine(module, linker, linker.engine().clone(), linker.limits())
    }

    /// Instantiates `module` with imports from `linker`, running code with `engine`.
    pub fn with_engine(
        module: &Module,
        linker: &Linker,
        engine: Rc<dyn Engine>,
        limits: InstanceLimits,
    ) -> Result<Instance, InstantiationError> {
        let _span = tracing::debug_span!("instantiate", module = ?module.name).entered();
        let store = linker.store().clone();
        let m = module;
        let unlinkable = InstantiationError::Unlinkable;
        let resource = InstantiationError::Resource;

        // 1. The module's types in store terms (a concrete type index becomes the store's
        //    id of that type), then imports resolved against them.
        let (type_ids, store_types) = store_types(&store, &m.types);
        let canon = |t: ValType| t.map_concrete(|i| type_ids[i as usize]);
        let mut funcs: Vec<*const FuncData> = Vec::with_capacity(m.funcs.len());
        let offsets = VMOffsets::for_module(HostPtr, m).map_err(|e| resource(e.to_string()))?;
        let mut memories = Vec::new();
        let mut tables = Vec::new();
        let mut globals = Vec::new();
        let mut tag_ptrs: Vec<*const crate::exception::TagData> = Vec::with_capacity(m.tags.len());
        for imp in &m.imports {
            let ext = linker.get(&imp.module, &imp.name).ok_or_else(|| {
                unlinkable(format!("unknown import: {}.{}", imp.module, imp.name))
            })?;
            let incompatible = || {
                unlinkable(format!(
                    "incompatible import type: {}.{}",
                    imp.module, imp.name
                ))
            };
            match (&imp.kind, &ext) {
                (ImportKind::Func(t), Extern::Func(f)) => {
                    // Signature ids, and so type checks, hold within one store.
                    if !Rc::ptr_eq(&f.store().0, &store.0) {
                        return Err(unlinkable(format!(
                            "import {}.{}: the function belongs to another store",
                            imp.module, imp.name
                        )));
                    }
                    if f.data().type_id != type_ids[*t as usize] {
                        return Err(incompatible());
                    }
                    funcs.push(f.to_raw() as *const FuncData);
                }
                (ImportKind::Memory(t), Extern::Memory(mem)) => {
                    let have = mem.ty();
                    if !have.limits.matches(&t.limits)
                        || have.shared != t.shared
                        || have.memory64 != t.memory64
                    {
                        return Err(incompatible());
                    }
                    memories.push(mem.clone());
                }
                (ImportKind::Table(t), Extern::Table(tab)) => {
                    let have = tab.ty();
                    if have.elem != canon(t.elem)
                        || have.table64 != t.table64
                        || !have.limits.matches(&t.limits)
                    {
                        return Err(incompatible());
                    }
                    tables.push(tab.clone());
                }
                (ImportKind::Global(t), Extern::Global(g)) => {
                    // Mutable globals must match exactly, immutable ones by subtyping.
                    let (have, want) = (g.ty(), canon(t.ty));
                    let fits = if t.mutable {
                        have.mutable && have.ty == want
                    } else {
                        !have.mutable && have.ty.matches(want)
                    };
                    if !fits {
                        return Err(incompatible());
                    }
                    globals.push(g.clone());
                }
                (ImportKind::Tag(t), Extern::Tag(tag)) => {
                    if !Rc::ptr_eq(&tag.store().0, &store.0) {
                        return Err(unlinkable(format!(
                            "import {}.{}: the tag belongs to another store",
                            imp.module, imp.name
                        )));
                    }
                    // Tag types match exactly (they are function types without results).
                    if store.type_id(tag.ty()) != type_ids[*t as usize] {
                        return Err(incompatible());
                    }
                    tag_ptrs.push(tag.as_ptr());
                }
                _ => return Err(incompatible()),
            }
        }

        // 2. Allocate what the module defines, within the limits.
        let defined_memories = m.defined_memory_types();
        let defined_tables = m.defined_table_types();
        let over = |n: usize, cap: Option<u32>| cap.is_some_and(|c| n > c as usize);
        if over(defined_memories.len(), limits.max_memories) {
            return Err(resource(format!(
                "{} memories exceed the limit of {}",
                defined_memories.len(),
                limits.max_memories.unwrap_or(0)
            )));
        }
        if over(defined_tables.len(), limits.max_tables) {
            return Err(resource(format!(
                "{} tables exceed the limit of {}",
                defined_tables.len(),
                limits.max_tables.unwrap_or(0)
            )));
        }
        store.admit_instance().map_err(resource)?;
        let budget = store.memory_budget();
        for ty in defined_memories {
            let mem = Memory::with_budget(*ty, limits.max_memory_pages, budget.clone());
            memories.push(mem.map_err(resource)?);
        }
        for ty in defined_tables {
            let ty = TableType {
                elem: canon(ty.elem),
                ..*ty
            };
            let table = Table::with_limit(ty, 0, limits.max_table_elements);
            tables.push(table.map_err(resource)?);
        }
        for g in &m.globals {
            let ty = GlobalType {
                ty: canon(g.ty.ty),
                ..g.ty
            };
            globals.push(Global::new(ty, 0));
        }

        for &t in m.defined_tag_types() {
            tag_ptrs.push(store.alloc_tag(store_types[t as usize].clone()).as_ptr());
        }
        let mut vmctx = OwnedVMContext::new(offsets);
        vmctx.header_mut().run_state = store.run_state_ptr();
        vmctx.set_memories(
            memories
                .iter()
                .map(|mem| (mem.def_ptr(), mem.base().as_ptr())),
        );
        for (slot, table) in vmctx.tables_mut().iter_mut().zip(&tables) {
            *slot = table.def_ptr();
        }
        for (slot, global) in vmctx.globals_mut().iter_mut().zip(&globals) {
            *slot = global.cell_ptr();
        }
        vmctx.tags_mut().copy_from_slice(&tag_ptrs);
        vmctx.type_ids_mut().copy_from_slice(&type_ids);
        // Imports now; the defined functions once their objects exist (below).
        vmctx.funcs_mut()[..funcs.len()].copy_from_slice(&funcs);
        let mut inst = Box::new(InstanceData {
            module: m.clone(),
            store: Rc::as_ptr(&store.0),
            engine: engine.clone(),
            vmctx,
            memories,
            tables,
            globals,
            elem_segments: RefCell::new(Vec::new()),
            data_dropped: RefCell::new(vec![false; m.datas.len()]),
            engine_state: None,
        });

        // 3. Engine state and function objects for the defined functions.
        let (state, entries) = engine
            .prepare(&mut inst)
            .map_err(InstantiationError::Engine)?;
        inst.engine_state = Some(state);
        if entries.len() != m.bodies.len() {
            return Err(resource(format!(
                "the engine prepared {} of the module's {} functions",
                entries.len(),
                m.bodies.len()
            )));
        }
        let vmctx_ptr: *mut VMContext = inst.vmctx.as_ptr();
        let code_kind = engine.code_kind(&inst);
        let defined: Vec<FuncData> = entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let index = m.func_index(DefinedFuncIndex(i as u32)).0;
                let type_index = m.funcs[index as usize] as usize;
                FuncData {
                    // Looked up once per module type above, not once per function.
                    type_id: type_ids[type_index],
                    engine: code_kind,
                    vmctx: vmctx_ptr,
                    entry,
                    index,
                    ty: store_types[type_index].clone(),
                    host: None,
                    store: std::ptr::null(),
                }
            })
            .collect();
        let count = defined.len();
        let first = store.alloc_funcs(defined).as_ptr();
        for (defined, index) in m.defined_funcs().take(count) {
            // SAFETY: `first` starts a block of `count` FuncData that the store keeps
            // alive and never moves.
            inst.vmctx.funcs_mut()[index.index()] = unsafe { first.add(defined.index()) };
        }
        let inst_ptr: *const InstanceData = &*inst;
        inst.vmctx.header_mut().instance = inst_ptr;
        let data = store.adopt_instance(inst);
        let instance = Instance { data, store };
        let inst = instance.data();

        // 4. Globals, table initialisers, then element and data segments in order, then
        //    start.
        for ((_, index), g) in m.defined_globals().zip(&m.globals) {
            let v = inst.eval_const(&g.init);
            inst.globals[index.index()].set_bits(v);
        }
        for ((_, index), init) in m.defined_tables().zip(&m.table_inits) {
            let v = inst.eval_const(init) as u64;
            if v != 0 {
                let table = &inst.tables[index.index()];
                table.fill(0, v, table.size())?;
            }
        }
        {
            let mut segs = Vec::with_capacity(m.elems.len());
            for e in &m.elems {
                let items: Rc<[RawRef]> =
                    e.items.iter().map(|x| inst.eval_const(x) as u64).collect();
                segs.push(items);
            }
            *inst.elem_segments.borrow_mut() = segs;
        }
        for (i, e) in m.elems.iter().enumerate() {
            match &e.mode {
                ElemMode::Active { table, offset } => {
                    let t = &inst.tables[*table as usize];
                    let dst = address(t.ty().table64, inst.eval_const(offset) as u64);
                    let items = inst.elem_segments.borrow()[i].clone();
                    t.init(dst, &items)?;
                    inst.elem_segments.borrow_mut()[i] = Rc::from([]);
                }
                ElemMode::Declared => inst.elem_segments.borrow_mut()[i] = Rc::from([]),
                ElemMode::Passive => {}
            }
        }
        for (i, d) in m.datas.iter().enumerate() {
            if let DataMode::Active { memory, offset } = &d.mode {
                let mem = &inst.memories[*memory as usize];
                let dst = address(mem.ty().memory64, inst.eval_const(offset) as u64);
                let bytes = &m.bytes[d.range.clone()];
                mem.write(dst, bytes)?;
                inst.data_dropped.borrow_mut()[i] = true;
            }
        }
        if let Some(start) = m.start {
            inst.func(start).call(&[])?;
        }
        Ok(instance)
    }

    pub fn data(&self) -> &InstanceData {
        // SAFETY: the store owns the instance and this handle keeps the store alive.
        unsafe { self.data.as_ref() }
    }

    pub fn module(&self) -> &Module {
        &self.data().module
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// An export by name.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let inst = self.data();
        let e = inst.module.export(name)?;
        Some(match e.kind {
            ExportKind::Func => Extern::Func(inst.func(e.index)),
            ExportKind::Memory => Extern::Memory(inst.memories[e.index as usize].clone()),
            ExportKind::Table => Extern::Table(inst.tables[e.index as usize].clone()),
            ExportKind::Global => Extern::Global(inst.globals[e.index as usize].clone()),
            ExportKind::Tag => Extern::Tag(inst.tag(e.index)),
        })
    }

    /// Every export, in module order.
    pub fn exports(&self) -> Vec<(String, Extern)> {
        let m = &self.data().module;
        m.exports
            .iter()
            .filter_map(|e| Some((e.name.clone(), self.get_export(&e.name)?)))
            .collect()
    }

    pub fn get_func(&self, name: &str) -> Option<Func> {
        match self.get_export(name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    pub fn get_memory(&self, name: &str) -> Option<Memory> {
        match self.get_export(name)? {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    pub fn get_global(&self, name: &str) -> Option<Global> {
        match self.get_export(name)? {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    pub fn get_table(&self, name: &str) -> Option<Table> {
        match self.get_export(name)? {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Calls an exported function.
    pub fn invoke(&self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let f = self
            .get_func(name)
            .ok_or_else(|| Trap::host(format!("no exported function named `{name}`")))?;
        f.call(args)
    }

    /// Reads an exported global as a value.
    pub fn global_value(&self, name: &str) -> Option<Val> {
        let g = self.get_global(name)?;
        // SAFETY: a funcref global holds 0 or a live FuncData of this store.
        let bits = g.get_bits();
        Some(unsafe { Val::read_slots(g.ty().ty, &[bits as u64, (bits >> 64) as u64]) })
    }
}

/// An address (or table index) operand as a memory (table) of that index type reads it:
/// a 32-bit one's is the low half of the slot.
pub fn address(memory64: bool, bits: u64) -> u64 {
    if memory64 {
        bits
    } else {
        u64::from(bits as u32)
    }
}

/// The store's ids of a module's types, and the types in store terms (concrete type
/// indices replaced by store ids). A type names only earlier ones (the module model
/// refuses anything else), so one pass in order finds every id it needs.
fn store_types(store: &Store, types: &[FuncType]) -> (Vec<u32>, Vec<FuncType>) {
    let mut ids = Vec::with_capacity(types.len());
    let mut canonical = Vec::with_capacity(types.len());
    store.reserve_type_ids(types.len());
    for ty in types {
        let map =
            |t: &ValType| t.map_concrete(|i| ids.get(i as usize).copied().unwrap_or(u32::MAX));
        // Most types name no other type: share them as they are (no allocation).
        let c = if ty
            .params()
            .iter()
            .chain(ty.results())
            .any(|t| t.names_a_type())
        {
            FuncType::new(ty.params().iter().map(map), ty.results().iter().map(map))
        } else {
            ty.clone()
        };
        ids.push(store.type_id(&c));
        canonical.push(c);
    }
    (ids, canonical)
}

/// Raw ref for a host value (used by tables and globals set from the host).
pub fn val_to_raw(v: &Val) -> RawRef {
    match v {
        Val::FuncRef(f) => f.as_ref().map_or(0, |f| f.to_raw()),
        Val::ExternRef(r) => ExternRef::to_raw(*r),
        Val::ExnRef(e) => e.as_ref().map_or(0, |e| e.to_raw()),
        other => other.to_bits(),
    }
}

pub fn is_ref_type(t: ValType) -> bool {
    t.is_ref()
}

impl From<TrapKind> for InstantiationError {
    fn from(k: TrapKind) -> Self {
        InstantiationError::Trap(k.into())
    }
}
