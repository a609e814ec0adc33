//! `wamr-common`: the module model and the runtime state shared by the interpreter and
//! the AOT engine. Start at [`Module::new`] (bytes to model) and [`Instance::with_engine`]
//! (model to running state); [`vmctx`] documents the layout both engines read.

pub mod exception;
pub mod features;
mod gc;
pub mod global;
pub mod index;
pub mod instance;
pub mod libcalls;
pub mod linker;
pub mod memory;
pub mod metering;
pub mod module;
pub mod numeric;
mod reservation_cache;
pub mod reservations;
pub mod semantics;
pub mod simd;
pub mod simd_use;
pub mod store;
pub mod table;
pub mod trap;
pub mod types;
pub mod vmctx;

pub use exception::{Exception, Tag, Thrown};
pub use features::{Features, Proposal};
pub use global::Global;
pub use index::{
    DefinedFuncIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex, DefinedTagIndex,
    FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TagIndex, TypeIndex,
};
pub use instance::{Instance, InstanceData, InstanceLimits, InstantiationError};
pub use linker::{Extern, Linker};
pub use memory::Memory;
pub use metering::InterruptHandle;
pub use module::{LoadError, Module, ModuleData};
pub use store::{Caller, Engine, EngineKind, Func, FuncData, Store, StoreLimits};
pub use table::Table;
pub use trap::{Trap, TrapKind};
pub use types::{
    ExternRef, FuncType, GlobalType, HeapType, Limits, MemoryType, RefKind, RefType, TableType,
    Val, ValType,
};
pub use vmctx::{HostPtr, OwnedVMContext, VMContext, VMCounts, VMOffsets};
