//! Globals: a cell each, shared by every instance that imports it.

use std::cell::UnsafeCell;
use std::rc::Rc;

use crate::types::GlobalType;

/// A global's storage: 16 bytes so a v128 fits; scalars use the first word.
#[repr(C, align(16))]
#[derive(Debug, Default)]
pub struct GlobalCell(pub [u64; 2]);

struct GlobalInner {
    cell: UnsafeCell<GlobalCell>,
    ty: GlobalType,
}

#[derive(Clone)]
pub struct Global(Rc<GlobalInner>);

impl std::fmt::Debug for Global {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Global({:?}, {:#x})", self.0.ty, self.get_bits())
    }
}

impl PartialEq for Global {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Global {
    pub fn new(ty: GlobalType, bits: u64) -> Global {
        Global(Rc::new(GlobalInner {
            cell: UnsafeCell::new(GlobalCell([bits, 0])),
            ty,
        }))
    }
    pub fn ty(&self) -> GlobalType {
        self.0.ty
    }
    /// The cell compiled code reads and writes.
    pub fn cell_ptr(&self) -> *mut u64 {
        self.0.cell.get().cast()
    }
    pub fn get_bits(&self) -> u64 {
        // SAFETY: single-threaded; the cell is plain data.
        unsafe { *self.cell_ptr() }
    }
    pub fn set_bits(&self, bits: u64) {
        // SAFETY: single-threaded; the cell is plain data.
        unsafe { *self.cell_ptr() = bits }
    }
}
