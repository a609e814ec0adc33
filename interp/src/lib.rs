//! `wamr-interp`: the fast interpreter.
//!
//! Two halves: [`translate`] turns a function's wasm stack code into slot bytecode
//! (once, on first call), and [`exec`] runs that bytecode with threaded handlers.

mod config;

pub use config::{Dispatch, HandlerSet, InterpConfig};

use std::any::Any;
use std::rc::Rc;

use wamr_common::{Engine, EngineKind, FuncData, InstanceData, Trap, Val};

/// The interpreter engine. Hand it to a [`wamr_common::Linker`].
#[derive(Debug)]
pub struct Interp {
    config: InterpConfig,
}

impl Interp {
    pub fn new(config: InterpConfig) -> Rc<Interp> {
        Rc::new(Interp { config })
    }
    pub fn config(&self) -> &InterpConfig {
        &self.config
    }
}

impl Engine for Interp {
    fn kind(&self) -> EngineKind {
        EngineKind::Interp
    }
    fn prepare(&self, _instance: &InstanceData) -> Result<(Box<dyn Any>, Vec<*const ()>), String> {
        todo!()
    }
    fn call(&self, _func: &FuncData, _args: &[Val], _results: &mut [Val]) -> Result<(), Trap> {
        todo!()
    }
}
