//! The interpreter as a [`wamr_common::Engine`]: per-instance function entries and the
//! handler table chosen at start-up.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use wamr_common::metering::Metering;
use wamr_common::module::ModuleData;
use wamr_common::{Engine, EngineKind, FuncData, FuncIndex, InstanceData, Trap, Val};

use crate::exec::{self, FuncEntry, Handlers};
use crate::isa::Op;
use crate::translate::translate_with;
use crate::{Dispatch, HandlerSet, InterpConfig};

/// Code ranges of an instance, `(start, end, function)` sorted by start (for backtraces).
pub type CodeMap = Vec<(usize, usize, Option<u32>)>;

/// One translated function, owned by its module.
#[derive(Debug)]
pub struct TranslatedFunc {
    pub code: Box<[u32]>,
    pub frame_slots: u32,
}

/// The translated code of a module, shared by every instance of it with the same
/// metering (the bytecode does not depend on the handler set or dispatcher). Each
/// function is translated at most once per metering, by the first instance that calls
/// it.
#[derive(Debug)]
pub struct ModuleCode {
    /// Fuel charges and interruption checks in this code.
    metering: Metering,
    /// Indexed by function index minus the imported count.
    funcs: Box<[OnceLock<TranslatedFunc>]>,
    /// Translations performed (a racing duplicate on another thread counts too).
    translations: AtomicUsize,
    /// Per function (imports first): its entry stub's opcode and its frame size before
    /// translation, the same for every instance.
    entry_shapes: Box<[(Op, u32)]>,
}

impl ModuleCode {
    /// The module's shared code with `metering`, created on first use.
    pub fn of(m: &ModuleData, metering: Metering) -> Arc<ModuleCode> {
        let any = m
            .engine_code
            .get_or_init(|| Arc::new(ModuleCodes::default()));
        let codes = any
            .downcast_ref::<ModuleCodes>()
            .expect("only the interpreter stores code in ModuleData::engine_code");
        let slot = usize::from(metering.fuel) | usize::from(metering.interruptible) << 1;
        codes.0[slot]
            .get_or_init(|| {
                let n = m.bodies.len();
                Arc::new(ModuleCode {
                    metering,
                    funcs: (0..n).map(|_| OnceLock::new()).collect(),
                    translations: AtomicUsize::new(0),
                    entry_shapes: entry_shapes(m),
                })
            })
            .clone()
    }

    /// Defined function `index` (in the whole function space), translating it on first
    /// use.
    pub fn get_or_translate(&self, m: &ModuleData, index: u32) -> Result<&TranslatedFunc, Trap> {
        let cell = m
            .defined_func_index(FuncIndex(index))
            .and_then(|i| self.funcs.get(i.index()))
            .ok_or_else(|| Trap::host(format!("function {index} has no body")))?;
        if let Some(t) = cell.get() {
            return Ok(t);
        }
        let _span = tracing::trace_span!("translate", func = index).entered();
        let t =
            translate_with(m, index, self.metering).map_err(|err| Trap::host(err.to_string()))?;
        self.translations.fetch_add(1, Ordering::Relaxed);
        let _ = cell.set(TranslatedFunc {
            code: t.code.into_boxed_slice(),
            frame_slots: t.frame_slots,
        });
        Ok(cell.get().expect("just set"))
    }

    /// How many functions have been translated for this module so far.
    pub fn translations(&self) -> usize {
        self.translations.load(Ordering::Relaxed)
    }

    /// Translated function `index`, if it has been.
    fn translated(&self, m: &ModuleData, index: u32) -> Option<&TranslatedFunc> {
        self.funcs
            .get(m.defined_func_index(FuncIndex(index))?.index())?
            .get()
    }
}

/// Each function's entry stub opcode and frame size (slots, not values: a v128 takes
/// two) until it is translated.
fn entry_shapes(m: &ModuleData) -> Box<[(Op, u32)]> {
    (0..m.funcs.len() as u32)
        .map(|i| {
            let ty = m.func_type(i);
            let (params, results) = (ty.param_slots(), ty.result_slots());
            let (op, locals) = match m.body_of(FuncIndex(i)) {
                None => (Op::call_imported, 0),
                Some(body) => (
                    Op::lazy_compile,
                    body.locals.iter().map(|t| t.slots()).sum::<u32>(),
                ),
            };
            (op, (params + locals).max(results))
        })
        .collect()
}

/// A module's code for each metering (indexed by fuel | interruptible << 1).
#[derive(Debug, Default)]
struct ModuleCodes([OnceLock<Arc<ModuleCode>>; 4]);

/// Per-instance interpreter state: one entry per function (imports first), pointing at
/// its entry stub or at the module's shared code.
#[derive(Debug)]
pub struct InterpInstance {
    pub entries: Box<[FuncEntry]>,
    /// Keeps the code the entries point to alive (the module holds it too).
    code: Arc<ModuleCode>,
    module: wamr_common::Module,
}

impl InterpInstance {
    pub fn new(module: &wamr_common::Module, metering: Metering) -> Box<InterpInstance> {
        let code = ModuleCode::of(module, metering);
        let entries: Box<[FuncEntry]> = code
            .entry_shapes
            .iter()
            .zip(0u32..)
            .map(|(&(op, frame_slots), i)| FuncEntry {
                code: Cell::new(std::ptr::null()),
                frame_slots: Cell::new(frame_slots),
                stub: [op as u32, i],
                funcs_base: Cell::new(std::ptr::null()),
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
            code,
            module: module.clone(),
        })
    }

    /// The bytecode of function `index`, if this instance has installed it.
    pub fn translated_code(&self, index: u32) -> Option<Vec<u32>> {
        let e = self.entries.get(index as usize)?;
        if e.code.get() == e.stub.as_ptr() {
            return None;
        }
        self.code
            .translated(&self.module, index)
            .map(|t| t.code.to_vec())
    }

    /// Every code range of this instance as `(start, end, function)`, sorted by start:
    /// installed code and entry stubs (`None` for imports' stubs, which are not wasm
    /// code). For backtraces; built on the trap path only.
    pub fn code_map(&self) -> CodeMap {
        let word = std::mem::size_of::<u32>();
        let mut map: CodeMap = Vec::with_capacity(self.entries.len() * 2);
        for (i, e) in self.entries.iter().enumerate() {
            let start = e.stub.as_ptr() as usize;
            let defined = e.stub[0] == Op::lazy_compile as u32;
            map.push((
                start,
                start + e.stub.len() * word,
                defined.then_some(i as u32),
            ));
            if e.code.get() != e.stub.as_ptr() {
                if let Some(t) = self.code.translated(&self.module, i as u32) {
                    let start = t.code.as_ptr() as usize;
                    map.push((start, start + t.code.len() * word, Some(i as u32)));
                }
            }
        }
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

    /// How many functions this instance has installed (translated here or by an
    /// earlier instance of its module).
    pub fn translated_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.stub[0] == Op::lazy_compile as u32 && e.code.get() != e.stub.as_ptr())
            .count()
    }

    /// The module's shared code.
    pub fn module_code(&self) -> &ModuleCode {
        &self.code
    }

    /// The interpreter state of an instance run by the interpreter.
    pub fn of(instance: &InstanceData) -> Option<&InterpInstance> {
        instance.engine_state.as_ref()?.downcast_ref()
    }

    /// Points function `index` at its code (translating it if no instance has) if it
    /// still runs its stub.
    pub fn ensure_translated(&self, index: u32) -> Result<(), Trap> {
        let e = &self.entries[index as usize];
        if e.code.get() != e.stub.as_ptr() || e.stub[0] != Op::lazy_compile as u32 {
            return Ok(());
        }
        let t = self.code.get_or_translate(&self.module, index)?;
        e.frame_slots.set(t.frame_slots.max(e.frame_slots.get()));
        e.code.set(t.code.as_ptr());
        Ok(())
    }
}

/// The interpreter engine. Hand it to a [`wamr_common::Linker`].
#[derive(Debug)]
pub struct Interp {
    config: InterpConfig,
    handlers: Handlers,
}

/// Whether this CPU can run the avx2 handler set (x86-64-v3: BMI1/BMI2/LZCNT/POPCNT for
/// scalar ops, SSSE3/SSE4.1/AVX2 for SIMD).
pub fn avx2_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1")
            && std::arch::is_x86_feature_detected!("sse4.2")
            && std::arch::is_x86_feature_detected!("avx")
            && std::arch::is_x86_feature_detected!("avx2")
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
            // The op profile counts in the loop dispatcher only.
            _ if crate::profile::enabled() => false,
            Dispatch::Auto => threaded_by_default(),
            Dispatch::Threaded => true,
            Dispatch::Loop => false,
        };
        let set = match config.handlers {
            HandlerSet::Auto if avx2_supported() => HandlerSet::Avx2,
            HandlerSet::Auto => HandlerSet::Generic,
            HandlerSet::Avx2 if !avx2_supported() => {
                tracing::warn!("avx2 handler set requested but this CPU lacks AVX2/SSE4.1/BMI1/BMI2/LZCNT/POPCNT; using the generic set");
                HandlerSet::Generic
            }
            other => other,
        };
        let handlers = match (threaded, set) {
            (true, HandlerSet::Portable) => Handlers::ThreadedPortable,
            (true, HandlerSet::Avx2) => Handlers::ThreadedAvx2,
            (true, _) => Handlers::ThreadedGeneric,
            (false, HandlerSet::Portable) => Handlers::LoopPortable,
            (false, HandlerSet::Avx2) => Handlers::LoopAvx2,
            (false, _) => Handlers::LoopGeneric,
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
        let state = InterpInstance::new(&instance.module, self.config.metering);
        if self.config.eager {
            for (_, index) in m.defined_funcs() {
                state
                    .ensure_translated(index.0)
                    .map_err(|t| t.to_string())?;
            }
        }
        let entries = m
            .defined_funcs()
            .map(|(_, index)| &state.entries[index.index()] as *const FuncEntry as *const ())
            .collect();
        Ok((state, entries))
    }

    fn call(&self, func: &FuncData, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        exec::call(self.handlers, &self.config, func, args, results)
    }
}
