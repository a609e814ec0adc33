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
    /// A global of `ty` holding `bits` (a value's slot encoding; all 128 bits for a
    /// v128, the low 64 for anything else).
    pub fn new(ty: GlobalType, bits: u128) -> Global {
        Global(Rc::new(GlobalInner {
            cell: UnsafeCell::new(GlobalCell([bits as u64, (bits >> 64) as u64])),
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
    /// The whole cell: a v128, or a scalar's slot encoding zero-extended.
    pub fn get_bits(&self) -> u128 {
        // SAFETY: single-threaded; the cell is plain data.
        let [lo, hi] = unsafe { (*self.0.cell.get()).0 };
        u128::from(lo) | (u128::from(hi) << 64)
    }
    pub fn set_bits(&self, bits: u128) {
        // SAFETY: single-threaded; the cell is plain data.
        unsafe { (*self.0.cell.get()).0 = [bits as u64, (bits >> 64) as u64] }
    }
}
