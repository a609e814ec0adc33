//! The store: owner of every function object, instance and signature id that a group of
//! linked instances share. A `Linker` creates one; every handle keeps it alive.

use foldhash::HashMap;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::instance::InstanceData;
use crate::metering::{InterruptHandle, RunState, UNLIMITED_FUEL};
use crate::types::{FuncType, Val};
use crate::vmctx::VMContext;
use crate::{Memory, Trap};

/// Which engine runs a wasm function; engines take fast paths for their own functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EngineKind {
    Host = 0,
    Interp = 1,
    Aot = 2,
    /// AOT code of the LLVM tier: its own calling convention, so only code of the same
    /// tier calls it directly.
    AotLlvm = 3,
}

/// A host function: arguments in, results written to the given slice.
pub type HostFunc = Rc<dyn Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap>>;

/// Runs host function `host`, as every engine does: a panic in it becomes a trap
/// ("host function panicked: ..."), so it neither unwinds through compiled code (which
/// would abort the process at the `extern "C"` boundary) nor leaves an engine's state
/// half-updated; the instance stays usable, as after any trap. A result that does not
/// match its type `ty` (a function of another type for a typed reference) is a trap too:
/// wasm code relies on the types of the values it receives.
pub fn call_host(
    host: &HostFunc,
    ty: &FuncType,
    caller: &mut Caller<'_>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    // AssertUnwindSafe: after a panic nothing the closure touched is used again except
    // through the trap path, which is exactly what a host function returning a trap takes.
    let run = std::panic::AssertUnwindSafe(|| host(caller, args, results));
    std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string panic payload".into());
        Err(Trap::host(format!("host function panicked: {why}")))
    })?;
    if let Some((v, t)) = results
        .iter()
        .zip(ty.results())
        .find(|(v, t)| !v.matches(**t))
    {
        return Err(Trap::host(format!(
            "host function returned {v:?} for a result of type {t}"
        )));
    }
    if let Some(store) = caller.instance().map(|i| i.store()) {
        if let Some(v) = results.iter().find(|v| !v.belongs_to(&store)) {
            return Err(Trap::host(format!(
                "host function returned {v:?}, a reference of another store"
            )));
        }
    }
    Ok(())
}

/// What a host function sees of its caller.
pub struct Caller<'a> {
    pub(crate) instance: Option<&'a InstanceData>,
}

impl<'a> Caller<'a> {
    /// A caller with no instance (calls made directly by the embedder).
    pub fn none() -> Caller<'static> {
        Caller { instance: None }
    }
    /// # Safety
    /// `instance` must be null or point to a live instance.
    pub unsafe fn from_instance(instance: *const InstanceData) -> Caller<'a> {
        // SAFETY: the caller guarantees `instance` is null (`as_ref` gives `None`) or
        // live for `'a`.
        Caller {
            instance: unsafe { instance.as_ref() },
        }
    }
    /// Memory 0 of the calling instance (what WASI functions read and write).
    pub fn memory(&self) -> Option<&Memory> {
        self.instance.and_then(|i| i.memories.first())
    }
    pub fn instance(&self) -> Option<&InstanceData> {
        self.instance
    }
}

/// One function object. Its address is its `funcref` value.
#[repr(C)]
pub struct FuncData {
    /// Store-wide signature id (equal ids = equal types).
    pub type_id: u32,
    pub engine: EngineKind,
    /// The owning instance's vmctx (null for host functions).
    pub vmctx: *mut VMContext,
    /// Engine-specific entry (interpreter: its function entry; AOT: the code address).
    pub entry: *const (),
    /// Function index within its module (wasm functions).
    pub index: u32,
    pub ty: FuncType,
    pub host: Option<HostFunc>,
    /// The owning store (set by `Store::alloc_func`).
    pub(crate) store: *const StoreInner,
}

impl fmt::Debug for FuncData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuncData({:?} #{} {})", self.engine, self.index, self.ty)
    }
}

/// An engine: what a wasm function needs to run.
pub trait Engine: 'static {
    fn kind(&self) -> EngineKind;
    /// The kind recorded in the `FuncData` of `instance`'s functions, which code checks
    /// before calling one directly: the engine's kind unless its code for this instance
    /// has another calling convention (the AOT engine's LLVM tier).
    fn code_kind(&self, _instance: &InstanceData) -> EngineKind {
        self.kind()
    }
    /// Prepares per-instance code state (and may fill the engine's `VMContext` fields).
    /// Returns the state (kept by the instance) and one entry pointer per defined
    /// function (stored in its [`FuncData::entry`]).
    fn prepare(
        &self,
        instance: &mut InstanceData,
    ) -> Result<(Box<dyn Any>, Vec<*const ()>), String>;
    /// Calls `func` (a wasm function of this engine) with type-checked `args`.
    fn call(&self, func: &FuncData, args: &[Val], results: &mut [Val]) -> Result<(), Trap>;
}

/// Functions and instances are boxed so their addresses (funcrefs, vmctx back-pointers)
/// stay fixed as the vectors grow.
#[allow(clippy::vec_box)]
pub(crate) struct StoreInner {
    /// Function objects, in blocks that never move (a funcref is an address): one per
    /// host function, one per instance for all its defined functions.
    funcs: RefCell<Vec<Box<[FuncData]>>>,
    instances: RefCell<Vec<Box<InstanceData>>>,
    type_ids: RefCell<HashMap<FuncType, u32>>,
    /// Unique among all stores of the process (never reused).
    id: u64,
    /// Tags (host-made and instances' own), boxed: a tag's identity is its address.
    pub(crate) tags: RefCell<Vec<Box<crate::exception::TagData>>>,
    /// Every exception thrown in the store (see `exception` for why they live so long).
    pub(crate) exceptions: RefCell<Vec<Box<crate::exception::ExnData>>>,
    /// Fuel and the interrupt flag; compiled code reaches it through `vmctx.run_state`.
    run_state: Arc<RunState>,
    /// All fuel ever given (set plus added): consumed = given - left.
    fuel_given: Cell<i64>,
    out_of_fuel: RefCell<Option<OutOfFuelHandler>>,
    limits: Cell<StoreLimits>,
    /// Pages left under `limits.max_memory_pages`, shared by the store's memories.
    memory_budget: RefCell<Option<Rc<Cell<u64>>>>,
}

/// Limits on a whole store (`Store::set_limits`); `None` means none beyond the
/// per-instance limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreLimits {
    /// Most instances the store may hold (instantiation past it is refused).
    pub max_instances: Option<usize>,
    /// Most linear-memory pages all memories created from now on may hold together
    /// (instantiation past it is refused; growth past it fails as wasm's `-1`).
    pub max_memory_pages: Option<u64>,
    /// Most exception objects the store may hold; a throw past it traps. Exceptions live
    /// as long as their store (no collector), so this bounds a program that throws
    /// forever.
    pub max_exceptions: Option<u64>,
}

/// Asked when a fuel charge fails: the fuel to add (and go on), or `None` to trap.
pub type OutOfFuelHandler = Box<dyn FnMut() -> Option<u64>>;

impl Default for StoreInner {
    fn default() -> Self {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        StoreInner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            funcs: RefCell::default(),
            instances: RefCell::default(),
            type_ids: RefCell::default(),
            tags: RefCell::default(),
            exceptions: RefCell::default(),
            run_state: Arc::new(RunState::default()),
            fuel_given: Cell::new(UNLIMITED_FUEL),
            out_of_fuel: RefCell::new(None),
            limits: Cell::new(StoreLimits::default()),
            memory_budget: RefCell::new(None),
        }
    }
}

/// The owner of functions and instances. Cheap to clone (a shared handle).
#[derive(Clone, Default)]
pub struct Store(pub(crate) Rc<StoreInner>);

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let funcs: usize = self.0.funcs.borrow().iter().map(|b| b.len()).sum();
        write!(f, "Store({funcs} funcs)")
    }
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Sets the store's limits (they apply to instances and memories created after).
    pub fn set_limits(&self, limits: StoreLimits) {
        self.0.limits.set(limits);
        *self.0.memory_budget.borrow_mut() = limits.max_memory_pages.map(|p| Rc::new(Cell::new(p)));
    }

    /// This store's identity, unique in the process.
    pub fn id(&self) -> u64 {
        self.0.id
    }

    pub fn limits(&self) -> StoreLimits {
        self.0.limits.get()
    }

    /// Refuses one more instance past `max_instances`.
    pub(crate) fn admit_instance(&self) -> Result<(), String> {
        let held = self.0.instances.borrow().len();
        match self.0.limits.get().max_instances {
            Some(max) if held >= max => Err(format!(
                "the store already holds {held} instances, its limit"
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn memory_budget(&self) -> Option<Rc<Cell<u64>>> {
        self.0.memory_budget.borrow().clone()
    }

    /// Sets the fuel left to `fuel` (from unlimited, the default). Only code compiled
    /// with fuel metering consumes it (interpreter `InterpConfig::fuel`, AOT `--fuel`);
    /// both engines consume the same amount for the same run (see `metering`).
    pub fn set_fuel(&self, fuel: u64) {
        let fuel = fuel.min(UNLIMITED_FUEL as u64) as i64;
        self.0.run_state.fuel_left.store(fuel, Ordering::Relaxed);
        self.0.fuel_given.set(fuel);
    }

    /// Adds fuel (saturating at unlimited).
    pub fn add_fuel(&self, fuel: u64) {
        let rs = &self.0.run_state;
        let add = fuel.min(UNLIMITED_FUEL as u64) as i64;
        let left = rs.fuel_left.load(Ordering::Relaxed).saturating_add(add);
        rs.fuel_left.store(left, Ordering::Relaxed);
        self.0
            .fuel_given
            .set(self.0.fuel_given.get().saturating_add(add));
    }

    /// Fuel left, or `None` while unlimited.
    pub fn fuel(&self) -> Option<u64> {
        let left = self.0.run_state.fuel_left.load(Ordering::Relaxed);
        (self.0.fuel_given.get() != UNLIMITED_FUEL).then_some(left.max(0) as u64)
    }

    /// Fuel consumed since the store was made or [`Store::set_fuel`] was last called.
    pub fn fuel_consumed(&self) -> u64 {
        let left = self.0.run_state.fuel_left.load(Ordering::Relaxed);
        self.0.fuel_given.get().saturating_sub(left).max(0) as u64
    }

    /// Sets what happens when fuel runs out: the handler returns fuel to add (the run
    /// goes on) or `None` (the run traps `out of fuel`). Without one, it traps.
    pub fn set_out_of_fuel_handler(&self, handler: impl FnMut() -> Option<u64> + 'static) {
        *self.0.out_of_fuel.borrow_mut() = Some(Box::new(handler));
    }

    /// Asks the out-of-fuel handler for more; `false` when there is none to give (no
    /// handler, it declined or added nothing, or it is already running).
    pub(crate) fn ask_for_fuel(&self) -> bool {
        let more = match self.0.out_of_fuel.try_borrow_mut() {
            Ok(mut h) => h.as_mut().and_then(|h| h()),
            Err(_) => None,
        };
        match more {
            Some(n) if n > 0 => {
                self.add_fuel(n);
                true
            }
            _ => false,
        }
    }

    /// A handle that stops this store's running code from any thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.0.run_state.clone())
    }

    pub(crate) fn run_state(&self) -> &RunState {
        &self.0.run_state
    }

    pub(crate) fn run_state_ptr(&self) -> *const RunState {
        Arc::as_ptr(&self.0.run_state)
    }

    /// Makes room for `more` signature ids (one allocation for a module's types).
    pub(crate) fn reserve_type_ids(&self, more: usize) {
        self.0.type_ids.borrow_mut().reserve(more);
    }

    /// The store-wide id of a signature.
    pub fn type_id(&self, ty: &FuncType) -> u32 {
        let mut ids = self.0.type_ids.borrow_mut();
        // Most lookups hit (every host function and instance asks): clone only to insert.
        if let Some(&id) = ids.get(ty) {
            return id;
        }
        let next = ids.len() as u32;
        ids.insert(ty.clone(), next);
        next
    }

    pub(crate) fn alloc_func(&self, data: FuncData) -> Func {
        let ptr = self.alloc_funcs(vec![data]);
        Func {
            data: ptr,
            store: self.clone(),
        }
    }

    /// Gives `funcs` their store and one allocation that lives as long as the store (an
    /// instance's functions: one allocation, not one each); returns the first's address.
    pub(crate) fn alloc_funcs(&self, funcs: Vec<FuncData>) -> NonNull<FuncData> {
        let mut block = funcs.into_boxed_slice();
        for f in block.iter_mut() {
            f.store = Rc::as_ptr(&self.0);
        }
        let ptr = NonNull::from(&mut block[..]).cast::<FuncData>();
        self.0.funcs.borrow_mut().push(block);
        ptr
    }

    /// Keeps an instance alive as long as the store, and gives its stable address.
    pub(crate) fn adopt_instance(&self, inst: Box<InstanceData>) -> NonNull<InstanceData> {
        let ptr = NonNull::from(&*inst);
        self.0.instances.borrow_mut().push(inst);
        ptr
    }

    /// Creates a host function.
    pub fn host_func(
        &self,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap> + 'static,
    ) -> Func {
        let type_id = self.type_id(&ty);
        self.alloc_func(FuncData {
            type_id,
            engine: EngineKind::Host,
            vmctx: std::ptr::null_mut(),
            entry: std::ptr::null(),
            index: 0,
            ty,
            host: Some(Rc::new(f)),
            store: std::ptr::null(),
        })
    }
}

/// A function handle. Its raw form (`to_raw`) is what tables and `funcref` slots hold.
#[derive(Clone)]
pub struct Func {
    data: NonNull<FuncData>,
    store: Store,
}

impl PartialEq for Func {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.data())
    }
}

impl Func {
    pub fn data(&self) -> &FuncData {
        // SAFETY: FuncData lives in the store, which this handle keeps alive.
        unsafe { self.data.as_ref() }
    }
    pub fn ty(&self) -> &FuncType {
        &self.data().ty
    }
    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn to_raw(&self) -> u64 {
        self.data.as_ptr() as u64
    }

    /// Rebuilds a handle from a raw funcref.
    ///
    /// # Safety
    /// `raw` must be 0 or a value from [`Func::to_raw`] of a function whose store is alive.
    pub unsafe fn from_raw(raw: u64) -> Option<Func> {
        let data = NonNull::new(raw as *mut FuncData)?;
        // SAFETY: by the contract the FuncData is alive.
        let store = unsafe { store_of(data) };
        Some(Func { data, store })
    }

    /// Calls the function from the host.
    pub fn call(&self, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let ty = self.ty();
        if args.len() != ty.params().len()
            || args.iter().zip(ty.params()).any(|(a, t)| !a.matches(*t))
        {
            return Err(Trap::host(format!(
                "argument mismatch: expected {}, got {:?}",
                ty, args
            )));
        }
        if let Some(a) = args.iter().find(|a| !a.belongs_to(&self.store)) {
            return Err(Trap::host(format!(
                "argument {a:?} is a reference of another store"
            )));
        }
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
        call_func_data(self.data(), args, &mut results)?;
        Ok(results)
    }
}

/// Calls any function object: host closure or the owning engine.
pub fn call_func_data(data: &FuncData, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
    match &data.host {
        Some(h) => call_host(h, &data.ty, &mut Caller::none(), args, results),
        None => {
            // SAFETY: a wasm FuncData's vmctx points into its live instance.
            let inst = unsafe { &*(*data.vmctx).instance };
            inst.engine.call(data, args, results)
        }
    }
}

/// The store a live FuncData belongs to.
///
/// # Safety
/// `data` must point to a live FuncData.
unsafe fn store_of(data: NonNull<FuncData>) -> Store {
    // SAFETY: `data` is live (the contract); `store` was set from a live `Rc<StoreInner>` by `alloc_func`,
    // and the store outlives its functions, so bumping its count is sound.
    unsafe {
        let raw = data.as_ref().store;
        Rc::increment_strong_count(raw);
        Store(Rc::from_raw(raw))
    }
}
