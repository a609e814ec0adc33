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
        if ty.limits.min > MAX_TABLE_ELEMS {
            return Err(format!(
                "table of {} elements exceeds the runtime limit",
                ty.limits.min
            ));
        }
        let mut elems = vec![init; ty.limits.min as usize];
        let def = TableDef {
            base: elems.as_mut_ptr(),
            len: elems.len() as u64,
        };
        Ok(Table(Rc::new(TableInner {
            def: UnsafeCell::new(def),
            elems: UnsafeCell::new(elems),
            ty,
        })))
    }

    fn elems(&self) -> &mut Vec<RawRef> {
        // SAFETY: single-threaded runtime; callers never hold two of these at once
        // (every method below takes what it needs and returns).
        unsafe { &mut *self.0.elems.get() }
    }

    fn sync_def(&self) {
        let elems = self.elems();
        // SAFETY: see `elems`.
        unsafe {
            *self.0.def.get() = TableDef {
                base: elems.as_mut_ptr(),
                len: elems.len() as u64,
            };
        }
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
        }
    }

    pub fn size(&self) -> u64 {
        self.elems().len() as u64
    }

    pub fn get(&self, i: u64) -> Result<RawRef, Trap> {
        self.elems()
            .get(i as usize)
            .copied()
            .ok_or(TrapKind::TableOutOfBounds.into())
    }

    pub fn set(&self, i: u64, v: RawRef) -> Result<(), Trap> {
        let slot = self
            .elems()
            .get_mut(i as usize)
            .ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
        *slot = v;
        Ok(())
    }

    /// Grows by `delta` filled with `init`; returns the old size or `None` (wasm's -1).
    pub fn grow(&self, delta: u64, init: RawRef) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        let max = self
            .0
            .ty
            .limits
            .max
            .unwrap_or(u64::from(u32::MAX))
            .min(MAX_TABLE_ELEMS);
        if new > max {
            return None;
        }
        self.elems().resize(new as usize, init);
        self.sync_def();
        Some(old)
    }

    pub fn fill(&self, dst: u64, val: RawRef, len: u64) -> Result<(), Trap> {
        let end = dst
            .checked_add(len)
            .filter(|&e| e <= self.size())
            .ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
        self.elems()[dst as usize..end as usize].fill(val);
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
        if Rc::ptr_eq(&self.0, &src_table.0) {
            self.elems()
                .copy_within(src as usize..src_end as usize, dst as usize);
        } else {
            let from = src_table.elems()[src as usize..src_end as usize].to_vec();
            self.elems()[dst as usize..dst_end as usize].copy_from_slice(&from);
        }
        Ok(())
    }

    /// Writes `items` at `dst` (`table.init`), bounds-checked first.
    pub fn init(&self, dst: u64, items: &[RawRef]) -> Result<(), Trap> {
        let end = dst
            .checked_add(items.len() as u64)
            .filter(|&e| e <= self.size());
        let end = end.ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
        self.elems()[dst as usize..end as usize].copy_from_slice(items);
        Ok(())
    }
}
