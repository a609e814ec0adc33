//! Runtime helpers for the operations both engines delegate instead of inlining:
//! growth, bulk memory and table operations, segment drops. One implementation, so the
//! interpreter and AOT code trap identically.

use crate::instance::InstanceData;
use crate::types::RawRef;
use crate::{Trap, TrapKind};

/// `memory.grow`: the old size in pages, or all ones (-1 of the memory's index type).
pub fn memory_grow(inst: &InstanceData, mem: u32, delta: u64) -> u64 {
    let memory = &inst.memories[mem as usize];
    let failed = if memory.ty().memory64 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    memory.grow(delta).unwrap_or(failed)
}

// Addresses and lengths are u64 for every memory: a 32-bit memory's come zero-extended
// (`instance::address`), and every bound is checked in 64 bits.

pub fn memory_fill(
    inst: &InstanceData,
    mem: u32,
    dst: u64,
    val: u32,
    len: u64,
) -> Result<(), Trap> {
    inst.memories[mem as usize].fill(dst, val as u8, len)
}

pub fn memory_copy(
    inst: &InstanceData,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), Trap> {
    let d = &inst.memories[dst_mem as usize];
    let s = &inst.memories[src_mem as usize];
    d.copy_from(s, dst, src, len)
}

pub fn memory_init(
    inst: &InstanceData,
    mem: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> Result<(), Trap> {
    let data = inst.data_segment(seg);
    let end = (src as usize)
        .checked_add(len as usize)
        .filter(|&e| e <= data.len());
    let end = end.ok_or(Trap::from(TrapKind::MemoryOutOfBounds))?;
    inst.memories[mem as usize].write(dst, &data[src as usize..end])
}

pub fn data_drop(inst: &InstanceData, seg: u32) {
    inst.data_dropped.borrow_mut()[seg as usize] = true;
}

// Table indices and lengths are u64 for every table, as for memories.

pub fn table_init(
    inst: &InstanceData,
    table: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> Result<(), Trap> {
    let items = inst.elem_segments.borrow()[seg as usize].clone();
    let end = (src as usize)
        .checked_add(len as usize)
        .filter(|&e| e <= items.len());
    let end = end.ok_or(Trap::from(TrapKind::TableOutOfBounds))?;
    inst.tables[table as usize].init(dst, &items[src as usize..end])
}

pub fn elem_drop(inst: &InstanceData, seg: u32) {
    inst.elem_segments.borrow_mut()[seg as usize] = std::rc::Rc::from([]);
}

pub fn table_copy(
    inst: &InstanceData,
    dst_t: u32,
    src_t: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), Trap> {
    let d = &inst.tables[dst_t as usize];
    let s = &inst.tables[src_t as usize];
    d.copy_from(s, dst, src, len)
}

pub fn table_fill(
    inst: &InstanceData,
    table: u32,
    dst: u64,
    val: RawRef,
    len: u64,
) -> Result<(), Trap> {
    inst.tables[table as usize].fill(dst, val, len)
}

/// `table.grow`: the old size, or all ones (-1 of the table's index type).
pub fn table_grow(inst: &InstanceData, table: u32, init: RawRef, delta: u64) -> u64 {
    let t = &inst.tables[table as usize];
    let failed = if t.ty().table64 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    t.grow(delta, init).unwrap_or(failed)
}

pub fn table_size(inst: &InstanceData, table: u32) -> u64 {
    inst.tables[table as usize].size()
}

pub fn table_get(inst: &InstanceData, table: u32, i: u64) -> Result<RawRef, Trap> {
    inst.tables[table as usize].get(i)
}

pub fn table_set(inst: &InstanceData, table: u32, i: u64, v: RawRef) -> Result<(), Trap> {
    inst.tables[table as usize].set(i, v)
}

/// The slow path of a fuel charge of `cost` that went below zero (the fast path,
/// [`crate::metering::RunState::charge`], already subtracted it): undoes it, asks the
/// store's out-of-fuel handler until the charge fits, and charges it; else the trap,
/// with the fuel left as it was before the charge.
pub fn refuel(inst: &InstanceData, cost: u32) -> Result<(), Trap> {
    use std::sync::atomic::Ordering::Relaxed;
    let store = inst.store();
    let rs = store.run_state();
    let undone = rs.fuel_left.load(Relaxed).saturating_add(i64::from(cost));
    rs.fuel_left.store(undone, Relaxed);
    while rs.fuel_left.load(Relaxed) < i64::from(cost) {
        if !store.ask_for_fuel() {
            return Err(Trap::new(TrapKind::OutOfFuel));
        }
    }
    rs.fuel_left.fetch_sub(i64::from(cost), Relaxed);
    Ok(())
}
