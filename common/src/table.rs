//! Tables of references. Elements are raw refs ([`crate::RawRef`]): 0 is null.

use std::cell::UnsafeCell;
use std::rc::Rc;

use crate::types::{Limits, RawRef, TableType};
use crate::{Trap, TrapKind};

/// What compiled code reads: the elements and their count, updated on growth.
#[repr(C)]
#[derive(Debug)]
pub struct TableDef {
    pub base: *mut RawRef,
    pub len: u64,
}

/// The most elements a table may have (a runtime limit, like wasmtime's default).
pub const MAX_TABLE_ELEMS: u64 = 10_000_000;

struct TableInner {
    def: UnsafeCell<TableDef>,
    elems: UnsafeCell<Vec<RawRef>>,
    ty: TableType,
    /// The most elements it may reach: its declared max, capped by the runtime and the
    /// embedder (`InstanceLimits::max_table_elements`).
    max_elems: u64,
}

/// A table handle. Cloning shares the table.
#[derive(Clone)]
pub struct Table(Rc<TableInner>);

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} elements)", self.size())
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Table {
    pub fn new(ty: TableType, init: RawRef) -> Result<Table, String> {
        Self::with_limit(ty, init, None)
    }

    /// [`Table::new`] capped at `limit` elements (initial size and growth).
    pub fn with_limit(ty: TableType, init: RawRef, limit: Option<u64>) -> Result<Table, String> {
        let cap = limit.unwrap_or(MAX_TABLE_ELEMS).min(MAX_TABLE_ELEMS);
        if ty.limits.min > cap {
            return Err(format!(
                "table of {} elements exceeds the limit of {cap} elements",
                ty.limits.min
            ));
        }
        let max_elems = ty.limits.max.unwrap_or(u64::from(u32::MAX)).min(cap);
        let mut elems = vec![init; ty.limits.min as usize];
        let def = TableDef {
            base: elems.as_mut_ptr(),
            len: elems.len() as u64,
        };
        Ok(Table(Rc::new(TableInner {
            def: UnsafeCell::new(def),
            elems: UnsafeCell::new(elems),
            ty,
            max_elems,
        })))
    }

    /// Runs `f` on the elements. Never re-entered: `f` only touches this vector.
    fn with<R>(&self, f: impl FnOnce(&mut Vec<RawRef>) -> R) -> R {
        // SAFETY: single-threaded runtime (tables are `!Send`), and no closure passed
        // here calls back into the table, so this is the only live reference.
        f(unsafe { &mut *self.0.elems.get() })
    }

    fn sync_def(&self) {
        let def = self.with(|e| TableDef {
            base: e.as_mut_ptr(),
            len: e.len() as u64,
        });
        // SAFETY: as in `with`; compiled code reads the def only between these calls.
        unsafe { *self.0.def.get() = def };
    }

    pub fn def_ptr(&self) -> *mut TableDef {
        self.0.def.get()
    }

    pub fn ty(&self) -> TableType {
        TableType {
            elem: self.0.ty.elem,
            limits: Limits {
                min: self.size(),
                max: self.0.ty.limits.max,
            },
            table64: self.0.ty.table64,
        }
    }

    pub fn size(&self) -> u64 {
        self.with(|e| e.len() as u64)
    }

    pub fn get(&self, i: u64) -> Result<RawRef, Trap> {
        self.with(|e| e.get(i as usize).copied())
            .ok_or(TrapKind::TableOutOfBounds.into())
    }

    pub fn set(&self, i: u64, v: RawRef) -> Result<(), Trap> {
        self.with(|e| match e.get_mut(i as usize) {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(TrapKind::TableOutOfBounds.into()),
        })
    }

    /// Grows by `delta` filled with `init`; returns the old size or `None` (wasm's -1).
    pub fn grow(&self, delta: u64, init: RawRef) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.0.max_elems {
            return None;
        }
        self.with(|e| e.resize(new as usize, init));
        self.sync_def();
        Some(old)
    }

    pub fn fill(&self, dst: u64, val: RawRef, len: u64) -> Result<(), Trap> {
        let end = dst
            .checked_add(len)
            .filter(|&e| e <= self.size())
            .ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
        self.with(|e| e[dst as usize..end as usize].fill(val));
        Ok(())
    }

    /// `table.copy` from `src_table` (possibly this one); overlap-safe.
    pub fn copy_from(&self, src_table: &Table, dst: u64, src: u64, len: u64) -> Result<(), Trap> {
        let oob = || Trap::from(TrapKind::TableOutOfBounds);
        let dst_end = dst
            .checked_add(len)
            .filter(|&e| e <= self.size())
            .ok_or_else(oob)?;
        let src_end = src
            .checked_add(len)
            .filter(|&e| e <= src_table.size())
            .ok_or_else(oob)?;
        let from = src_table.with(|e| e[src as usize..src_end as usize].to_vec());
        self.with(|e| e[dst as usize..dst_end as usize].copy_from_slice(&from));
        Ok(())
    }

    /// Writes `items` at `dst` (`table.init`), bounds-checked first.
    pub fn init(&self, dst: u64, items: &[RawRef]) -> Result<(), Trap> {
        let end = dst
            .checked_add(items.len() as u64)
            .filter(|&e| e <= self.size());
        let end = end.ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
        self.with(|e| e[dst as usize..end as usize].copy_from_slice(items));
        Ok(())
    }
}
