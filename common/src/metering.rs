//! Fuel and interruption: the rules both engines follow, kept in one place so a program
//! consumes exactly the same fuel in the interpreter and in AOT code.
//!
//! **Fuel.** A function body is cut into *segments*: a segment starts at the body's first
//! operator and right after every operator for which [`ends_segment`] holds (every
//! control operator and call), so every branch target and every return point starts
//! one. A segment costs one unit per wasm operator in it, and is charged in full when
//! it starts: if fewer units are left, the charge fails and the embedder's
//! out-of-fuel handler may add more (execution then goes on) or the run ends in an
//! `out of fuel` trap, with the remaining fuel unchanged. A trap inside a segment has
//! already paid for all of it, in both engines alike. Both translators ask a
//! [`FuelPlan`] at every operator whether to emit a charge before it, and emit it where
//! their code is reachable; unreachable charges never run, so they cannot differ.
//!
//! **Interruption.** An [`InterruptHandle`] (any thread) sets a flag that code compiled
//! for it checks at every function entry and loop header; the check that sees it
//! clears it and traps `interrupted`.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use wasmparser::{BinaryReaderError, Operator, OperatorsReader};

/// What compiled code reads and writes for fuel and interruption: one per store, at a
/// fixed address (`vmctx.run_state`), shared with interrupt handles on other threads.
///
/// Compiled code accesses the fields with plain aligned loads and stores, which are
/// atomic on every supported target; Rust accesses them through the atomics.
#[repr(C)]
#[derive(Debug)]
pub struct RunState {
    /// Fuel left. Unlimited (`i64::MAX`) until an embedder sets an amount; a charge
    /// subtracts first and takes the slow path when the result is negative.
    pub fuel_left: AtomicI64,
    /// Non-zero when an interruption was requested.
    pub interrupt: AtomicU32,
    /// AOT code: the raw `exnref` of an exception on its way out of compiled frames (0:
    /// none). A function that raises and has no handler of its own stores it here and
    /// returns; callers check it after calls that may throw, and the host entry takes it.
    pub exception: AtomicU64,
}

/// Fuel when nobody set an amount: no real run can consume it.
pub const UNLIMITED_FUEL: i64 = i64::MAX;

impl Default for RunState {
    fn default() -> Self {
        RunState {
            fuel_left: AtomicI64::new(UNLIMITED_FUEL),
            interrupt: AtomicU32::new(0),
            exception: AtomicU64::new(0),
        }
    }
}

impl RunState {
    /// The fast path both engines inline: subtracts `cost`; `false` when the result is
    /// negative, and then [`crate::libcalls::refuel`] must run before going on.
    #[inline(always)]
    pub fn charge(&self, cost: u32) -> bool {
        let left = self.fuel_left.load(Ordering::Relaxed) - i64::from(cost);
        self.fuel_left.store(left, Ordering::Relaxed);
        left >= 0
    }

    /// Whether an interruption is pending; the check that sees one clears it.
    #[inline(always)]
    pub fn take_interrupt(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed) != 0
            && self.interrupt.swap(0, Ordering::Relaxed) != 0
    }
}

/// Stops a running instance of its store from any thread (`Store::interrupt_handle`).
#[derive(Debug, Clone)]
pub struct InterruptHandle(pub(crate) Arc<RunState>);

impl InterruptHandle {
    /// Requests an interruption: code compiled for interruption (interpreter
    /// `InterpConfig::interruptible`, AOT `--interruptible`) traps `interrupted` at its
    /// next function entry or loop header. A request made while nothing runs stops the
    /// next run at its first check.
    pub fn interrupt(&self) {
        self.0.interrupt.store(1, Ordering::Relaxed);
    }
}

/// What code is compiled to count and check: part of an engine's configuration (the
/// interpreter's `InterpConfig`, AOT's codegen options, recorded in the image).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Metering {
    /// Charge fuel per segment (see the module docs).
    pub fuel: bool,
    /// Check for interruption at every function entry and loop header.
    pub interruptible: bool,
}

/// Whether `op` is the last operator of its fuel segment: control flow and calls.
pub fn ends_segment(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Unreachable
            | O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::Return
            | O::Call { .. }
            | O::CallIndirect { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::CallRef { .. }
            | O::ReturnCallRef { .. }
            | O::BrOnNull { .. }
            | O::BrOnNonNull { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Rethrow { .. }
            | O::TryTable { .. }
            | O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
    )
}

/// The fuel segments of one function body, consumed operator by operator by a
/// translator.
#[derive(Debug, Clone)]
pub struct FuelPlan {
    costs: Vec<u32>,
    next: usize,
    at_start: bool,
}

impl FuelPlan {
    /// Cuts a body into segments (see the module docs).
    pub fn new(mut ops: OperatorsReader<'_>) -> Result<FuelPlan, BinaryReaderError> {
        let mut costs = Vec::new();
        let mut cost = 0u32;
        while !ops.eof() {
            let op = ops.read()?;
            cost = cost.saturating_add(1);
            if ends_segment(&op) {
                costs.push(cost);
                cost = 0;
            }
        }
        if cost > 0 {
            costs.push(cost);
        }
        Ok(FuelPlan {
            costs,
            next: 0,
            at_start: true,
        })
    }

    /// Call for every operator of the body, in order, before translating it: the fuel
    /// to charge before `op` when a segment starts there.
    pub fn before(&mut self, op: &Operator<'_>) -> Option<u32> {
        let charge = if self.at_start {
            self.at_start = false;
            let cost = self.costs.get(self.next).copied();
            self.next += 1;
            cost
        } else {
            None
        };
        if ends_segment(op) {
            self.at_start = true;
        }
        charge
    }

    /// Every segment's cost, in order.
    pub fn costs(&self) -> &[u32] {
        &self.costs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(wat: &str) -> (FuelPlan, Vec<Option<u32>>) {
        let wasm = wat::parse_str(wat).unwrap();
        let module = crate::Module::new(&wasm).unwrap();
        let body = &module.bodies[0];
        let bytes = &module.bytes[body.range.clone()];
        let reader = || {
            wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
                bytes,
                body.range.start as u64,
            ))
            .get_operators_reader()
            .unwrap()
        };
        let mut p = FuelPlan::new(reader()).unwrap();
        let mut charges = Vec::new();
        let mut ops = reader();
        while !ops.eof() {
            charges.push(p.before(&ops.read().unwrap()));
        }
        (p, charges)
    }

    #[test]
    fn segments_end_at_control_and_calls_and_cost_one_per_operator() {
        let (p, charges) = plan(
            r#"(module (func $f (param i32) (result i32)
                (loop $l                                   ;; loop
                  (br_if $l (i32.eqz (local.get 0))))      ;; local.get eqz br_if | end
                (call $f (i32.const 1))                    ;; i32.const call
                (i32.add (i32.const 2)))                   ;; i32.const add end
            )"#,
        );
        // [loop] [local.get, eqz, br_if] [end] [i32.const, call] [i32.const, add, end]
        assert_eq!(p.costs(), [1, 3, 1, 2, 3]);
        let starts: Vec<u32> = charges.iter().flatten().copied().collect();
        assert_eq!(
            starts,
            p.costs(),
            "each segment is charged once, at its start"
        );
        assert_eq!(
            charges[0],
            Some(1),
            "the body's first operator starts a segment"
        );
        assert_eq!(charges.len(), 10);
    }

    #[test]
    fn a_charge_fails_only_past_zero_and_interrupts_are_taken_once() {
        let rs = RunState::default();
        rs.fuel_left.store(5, Ordering::Relaxed);
        assert!(rs.charge(5));
        assert!(!rs.charge(1));
        assert_eq!(rs.fuel_left.load(Ordering::Relaxed), -1);
        assert!(!rs.take_interrupt());
        InterruptHandle(Arc::new(RunState::default())).interrupt();
        rs.interrupt.store(1, Ordering::Relaxed);
        assert!(rs.take_interrupt());
        assert!(!rs.take_interrupt());
    }
}
