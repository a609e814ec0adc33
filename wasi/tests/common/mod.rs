//! What the WASI tests share: a guest module in the interpreter with WASI linked.

use std::cell::RefCell;
use std::rc::Rc;

use wamr_common::{Instance, Linker, Module};
use wamr_wasi::{WasiConfig, WasiCtx};

/// An instance of the module `wat` in the interpreter, with WASI configured by `config`.
pub fn instantiate(wat: &str, config: &WasiConfig) -> Instance {
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let mut linker = Linker::new(wamr_interp::Interp::new(Default::default()));
    let ctx = Rc::new(RefCell::new(WasiCtx::new(config).unwrap()));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    Instance::new(&module, &linker).unwrap()
}
