//! The interpreter as a [`wamr_common::Engine`]: per-instance function entries and the
//! handler table chosen at start-up.

use std::any::Any;
use std::cell::{Cell, RefCell};

use wamr_common::module::ModuleData;
use wamr_common::{Engine, EngineKind, FuncData, InstanceData, Trap, Val};

use crate::exec::{self, FuncEntry, Handlers, Op};
use crate::translate::translate;
use crate::{Dispatch, HandlerSet, InterpConfig};

/// Code ranges of an instance, `(start, end, function)` sorted by start (for backtraces).
pub type CodeMap = Vec<(usize, usize, Option<u32>)>;

/// Per-instance interpreter state: one entry per function (imports first) and the
/// translated code they point to.
#[derive(Debug)]
pub struct InterpInstance {
    pub entries: Box<[FuncEntry]>,
    /// Translated code, with the index of the function it belongs to.
    code: RefCell<Vec<(u32, Box<[u32]>)>>,
}

impl InterpInstance {
    pub fn new(m: &ModuleData) -> Box<InterpInstance> {
        let entries: Box<[FuncEntry]> = (0..m.funcs.len() as u32)
            .map(|i| {
                let ty = m.func_type(i);
                let (np, nr) = (ty.params().len() as u32, ty.results().len() as u32);
                let (op, nl) = match i.checked_sub(m.num_imported_funcs) {
                    None => (Op::call_imported, 0),
                    Some(d) => (Op::lazy_compile, m.bodies[d as usize].locals.len() as u32),
                };
                FuncEntry {
                    code: Cell::new(std::ptr::null()),
                    frame_slots: Cell::new((np + nl).max(nr)),
                    num_params: np,
                    num_locals: nl,
                    stub: [op as u32, i],
                    funcs_base: Cell::new(std::ptr::null()),
                }
            })
            .collect();
        // The entries never move from here on: point each at its stub and its siblings.
        let base = entries.as_ptr();
        for e in entries.iter() {
            e.code.set(e.stub.as_ptr());
            e.funcs_base.set(base);
        }
        Box::new(InterpInstance {
            entries,
            code: RefCell::new(Vec::new()),
        })
    }

    /// The bytecode of function `index`, if it has been translated.
    pub fn translated_code(&self, index: u32) -> Option<Vec<u32>> {
        let e = self.entries.get(index as usize)?;
        if e.code.get() == e.stub.as_ptr() {
            return None;
        }
        let code = self.code.borrow();
        code.iter()
            .find(|(_, c)| c.as_ptr() == e.code.get())
            .map(|(_, c)| c.to_vec())
    }

    /// Every code range of this instance as `(start, end, function)`, sorted by start:
    /// translated code and entry stubs (`None` for imports' stubs, which are not wasm
    /// code). For backtraces; built on the trap path only.
    pub fn code_map(&self) -> CodeMap {
        let word = std::mem::size_of::<u32>();
        let mut map: CodeMap = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let start = e.stub.as_ptr() as usize;
                let defined = e.stub[0] == Op::lazy_compile as u32;
                (
                    start,
                    start + e.stub.len() * word,
                    defined.then_some(i as u32),
                )
            })
            .collect();
        map.extend(self.code.borrow().iter().map(|(i, c)| {
            let start = c.as_ptr() as usize;
            (start, start + c.len() * word, Some(*i))
        }));
        map.sort_unstable_by_key(|r| r.0);
        map
    }

    /// The function whose code in `map` (from [`Self::code_map`]) holds `addr`.
    pub fn lookup(map: &[(usize, usize, Option<u32>)], addr: usize) -> Option<u32> {
        let i = map.partition_point(|r| r.0 <= addr).checked_sub(1)?;
        let (start, end, index) = map[i];
        if addr >= start && addr < end {
            index
        } else {
            None
        }
    }

    /// How many functions have been translated so far.
    pub fn translated_count(&self) -> usize {
        self.code.borrow().len()
    }

    /// The interpreter state of an instance run by the interpreter.
    pub fn of(instance: &InstanceData) -> Option<&InterpInstance> {
        instance.engine_state.as_ref()?.downcast_ref()
    }

    /// Translates function `index` if it still runs its stub.
    pub fn ensure_translated(&self, m: &ModuleData, index: u32) -> Result<(), Trap> {
        let e = &self.entries[index as usize];
        if e.code.get() != e.stub.as_ptr() || e.stub[0] != Op::lazy_compile as u32 {
            return Ok(());
        }
        let _span = tracing::trace_span!("translate", func = index).entered();
        let t = translate(m, index).map_err(|err| Trap::host(err.to_string()))?;
        let code: Box<[u32]> = t.code.into_boxed_slice();
        e.code.set(code.as_ptr());
        e.frame_slots.set(t.frame_slots.max(e.frame_slots.get()));
        self.code.borrow_mut().push((index, code));
        Ok(())
    }
}

/// The interpreter engine. Hand it to a [`wamr_common::Linker`].
#[derive(Debug)]
pub struct Interp {
    config: InterpConfig,
    handlers: Handlers,
}

/// Whether this CPU can run the BMI handler set.
pub fn bmi_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether threaded dispatch is safe by default: optimised builds on targets where
/// LLVM turns the handlers' tail calls into jumps.
pub fn threaded_by_default() -> bool {
    cfg!(all(
        release_codegen,
        not(debug_assertions),
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))
}

impl Interp {
    pub fn new(config: InterpConfig) -> std::rc::Rc<Interp> {
        let threaded = match config.dispatch {
            Dispatch::Auto => threaded_by_default(),
            Dispatch::Threaded => true,
            Dispatch::Loop => false,
        };
        let bmi = match config.handlers {
            HandlerSet::Auto => bmi_supported(),
            HandlerSet::Generic => false,
            HandlerSet::Bmi => {
                if !bmi_supported() {
                    tracing::warn!("BMI handler set requested but this CPU lacks BMI1/BMI2/LZCNT/POPCNT; using the generic set");
                }
                bmi_supported()
            }
        };
        let handlers = match (threaded, bmi) {
            (true, false) => Handlers::ThreadedGeneric,
            (true, true) => Handlers::ThreadedBmi,
            (false, false) => Handlers::LoopGeneric,
            (false, true) => Handlers::LoopBmi,
        };
        tracing::debug!(?handlers, "interpreter handlers chosen");
        std::rc::Rc::new(Interp { config, handlers })
    }

    pub fn config(&self) -> &InterpConfig {
        &self.config
    }

    /// The handler table in use (dispatcher and CPU-specific set).
    pub fn handlers(&self) -> Handlers {
        self.handlers
    }
}

impl Engine for Interp {
    fn kind(&self) -> EngineKind {
        EngineKind::Interp
    }

    fn prepare(
        &self,
        instance: &mut InstanceData,
    ) -> Result<(Box<dyn Any>, Vec<*const ()>), String> {
        let m = &instance.module;
        // The translator trusts validated code (stack heights, indices): a module whose
        // bodies were not validated (one loaded from an AOT image) is refused.
        if !m.code_validated {
            return Err("the interpreter needs a module whose code was validated \
                 (this one was loaded from an AOT image; load the .wasm with Module::new)"
                .into());
        }
        let state = InterpInstance::new(m);
        if self.config.eager {
            for i in m.num_imported_funcs..m.funcs.len() as u32 {
                state.ensure_translated(m, i).map_err(|t| t.to_string())?;
            }
        }
        let entries = state.entries[m.num_imported_funcs as usize..]
            .iter()
            .map(|e| e as *const FuncEntry as *const ())
            .collect();
        Ok((state, entries))
    }

    fn call(&self, func: &FuncData, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        exec::call(self.handlers, &self.config, func, args, results)
    }
}
