//! The linker: names (module, field) bound to host functions and to other instances'
//! exports, against which imports are resolved.

use std::cell::RefCell;
use std::rc::Rc;

use foldhash::HashMap;

use crate::instance::InstanceLimits;
use crate::store::{Caller, Engine, Store};
use crate::types::{FuncType, Val};
use crate::{Func, Global, Instance, Memory, Table, Trap};

/// Something an import can be bound to.
#[derive(Debug, Clone)]
pub enum Extern {
    Func(Func),
    Memory(Memory),
    Table(Table),
    Global(Global),
    Tag(crate::Tag),
}

/// Defines a name of a lazily defined module on first use (see [`Linker::define_lazy`]).
pub type LazyDefiner = Box<dyn Fn(&Store, &str) -> Option<Extern>>;

/// Items by module name, then field name: lookups borrow the names, no allocation.
type Names = HashMap<Box<str>, HashMap<Box<str>, Extern>>;

/// Import resolver; owns the [`Store`] the instances it creates live in and names the
/// engine that runs them, so `Instance::new(&module, &linker)` is the same call for both
/// engines.
pub struct Linker {
    store: Store,
    engine: Rc<dyn Engine>,
    limits: InstanceLimits,
    defs: Names,
    /// Modules whose names are defined when first looked up, and what they defined so
    /// far (so every lookup of a name gives the same item).
    lazy: HashMap<Box<str>, LazyDefiner>,
    lazily_defined: RefCell<Names>,
}

impl std::fmt::Debug for Linker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Linker({:?}, {} names)",
            self.engine.kind(),
            self.defs.values().map(HashMap::len).sum::<usize>()
        )
    }
}

impl Linker {
    pub fn new(engine: Rc<dyn Engine>) -> Linker {
        Linker {
            store: Store::new(),
            engine,
            limits: InstanceLimits::default(),
            defs: HashMap::default(),
            lazy: HashMap::default(),
            lazily_defined: RefCell::default(),
        }
    }

    pub fn engine(&self) -> &Rc<dyn Engine> {
        &self.engine
    }

    pub fn limits(&self) -> InstanceLimits {
        self.limits
    }

    /// Limits applied to instances created from now on.
    pub fn set_limits(&mut self, limits: InstanceLimits) -> &mut Self {
        self.limits = limits;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Binds `module.name` to `ext` (replacing an earlier binding).
    pub fn define(&mut self, module: &str, name: &str, ext: Extern) -> &mut Self {
        let fields = match self.defs.get_mut(module) {
            Some(fields) => fields,
            None => self.defs.entry(module.into()).or_default(),
        };
        fields.insert(name.into(), ext);
        self
    }

    /// Binds `module.name` to a host function.
    pub fn func(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap> + 'static,
    ) -> &mut Self {
        let func = self.store.host_func(ty, f);
        self.define(module, name, Extern::Func(func))
    }

    /// Makes every export of `instance` importable as `module.<export>`.
    pub fn instance(&mut self, module: &str, instance: &Instance) -> &mut Self {
        for (name, ext) in instance.exports() {
            self.define(module, &name, ext);
        }
        self
    }

    /// Lets `define` provide the names of `module` on demand: the first lookup of a name
    /// there that [`Linker::define`] did not bind calls `define(store, name)`, and its
    /// answer (an item, or `None` for an unknown name) is kept for later lookups. A
    /// module with many host functions (WASI has 46) then costs a linker only the ones
    /// its instances import. Replaces an earlier lazy definition of `module`.
    pub fn define_lazy(
        &mut self,
        module: &str,
        define: impl Fn(&Store, &str) -> Option<Extern> + 'static,
    ) -> &mut Self {
        self.lazy.insert(module.into(), Box::new(define));
        self.lazily_defined.get_mut().remove(module);
        self
    }

    /// What `module.name` is bound to: an explicit binding, else what a lazy definition
    /// of `module` gives.
    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        if let Some(ext) = self.defs.get(module).and_then(|fields| fields.get(name)) {
            return Some(ext.clone());
        }
        let define = self.lazy.get(module)?;
        if let Some(ext) = self
            .lazily_defined
            .borrow()
            .get(module)
            .and_then(|fields| fields.get(name))
        {
            return Some(ext.clone());
        }
        let ext = define(&self.store, name)?;
        self.lazily_defined
            .borrow_mut()
            .entry(module.into())
            .or_default()
            .insert(name.into(), ext.clone());
        Some(ext)
    }
}
