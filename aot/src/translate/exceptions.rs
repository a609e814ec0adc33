//! Exception handling in compiled code, without unwind tables or anything else in the
//! text that a loader would have to relocate (XIP images stay as they are).
//!
//! An exception leaves a compiled frame by returning: a function that raises with no
//! handler of its own stores the `exnref` in the store's `RunState::exception` and
//! returns (results are zeros nobody reads). After every call that may throw, the caller
//! loads that word; when set, it takes the exception into its own handler's dispatch
//! block or returns in turn. The host entry (`engine.rs`) takes what reaches it, and
//! `Builtin::CallForeign` stores what a host function throws. Which calls may throw is
//! decided per module ([`may_throw`]): calls to imports, through tables and references,
//! and to defined functions that raise or make such calls; the rest, CoreMark's hot
//! calls among them, carry no check.
//!
//! Handlers: a `try_table` or legacy `try` is a dispatch block taking the exception;
//! raising inside jumps there. A `try_table`'s dispatch compares the exception's tag
//! with each clause's (`vmctx.tags`), loads the payload from the exception object and
//! branches to the clause's label; a legacy `try`'s clauses are chained blocks whose
//! bodies start with the payload on the stack and keep the exception value for
//! `rethrow`. No match: on to the next handler out, or out of the function.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I64, I8};
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Type, Value};
use wamr_common::module::ModuleData;
use wamr_common::TrapKind;
use wamr_common::{FuncIndex, TagIndex};
use wasmparser::{BinaryReader, BlockType, Catch, FunctionBody, Operator as O, TryTable};

use super::{ir_type, slot_offsets, store_slot, BodyTranslator, Kind, TranslateError};
use crate::abi::Builtin;

/// Whether each function (imports first) may let an exception out to its caller: every
/// import does (a host function may throw); a defined function does if it raises
/// (`throw`, `throw_ref`, `rethrow`), calls through a table or a reference, or calls
/// (or tail-calls) a function that may.
pub(crate) fn may_throw(m: &ModuleData) -> Result<Vec<bool>, TranslateError> {
    let n = m.funcs.len();
    let mut throws: Vec<bool> = (0..n as u32)
        .map(|f| m.is_imported_func(FuncIndex(f)))
        .collect();
    let mut callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for ((_, index), body) in m.defined_funcs().zip(&m.bodies) {
        let f = index.index();
        let bytes = &m.bytes[body.range.clone()];
        let body = FunctionBody::new(BinaryReader::new(bytes, body.range.start as u64));
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            match reader.read()? {
                O::Throw { .. }
                | O::ThrowRef
                | O::Rethrow { .. }
                | O::CallIndirect { .. }
                | O::ReturnCallIndirect { .. }
                | O::CallRef { .. }
                | O::ReturnCallRef { .. } => throws[f] = true,
                O::Call { function_index } | O::ReturnCall { function_index } => {
                    if let Some(c) = callers.get_mut(function_index as usize) {
                        c.push(f as u32);
                    }
                }
                _ => {}
            }
        }
    }
    let mut work: Vec<usize> = (0..n).filter(|&f| throws[f]).collect();
    while let Some(f) = work.pop() {
        for &caller in &callers[f] {
            if !throws[caller as usize] {
                throws[caller as usize] = true;
                work.push(caller as usize);
            }
        }
    }
    Ok(throws)
}

impl BodyTranslator<'_, '_> {
    /// The control frame of the handler covering code directly inside frame `idx`.
    fn handler_at(&self, idx: usize) -> Option<usize> {
        (0..=idx)
            .rev()
            .find(|&i| matches!(self.ctrl[i].kind, Kind::TryTable { .. } | Kind::Try { .. }))
    }

    fn current_handler(&self) -> Option<usize> {
        self.handler_at(self.ctrl.len() - 1)
    }

    fn pending_exception_addr(&mut self) -> Value {
        self.vmctx_field(self.offsets.run_state())
    }

    /// Ends the current block by raising `exn`: into handler `handler` (a control frame
    /// index), or out of the function.
    fn raise(&mut self, exn: Value, handler: Option<usize>) {
        match handler {
            Some(i) => {
                let dispatch = match &mut self.ctrl[i].kind {
                    Kind::TryTable { dispatch, used, .. } | Kind::Try { dispatch, used, .. } => {
                        *used = true;
                        *dispatch
                    }
                    _ => unreachable!("handler frames are try blocks"),
                };
                self.jump(dispatch, &[exn]);
            }
            None => {
                let rs = self.pending_exception_addr();
                self.builder.ins().store(
                    MemFlagsData::trusted(),
                    exn,
                    rs,
                    self.offsets.run_state_exception() as i32,
                );
                self.return_zeros();
            }
        }
    }

    /// Returns from the function with zero results (an exception is pending).
    fn return_zeros(&mut self) {
        let types: Vec<_> = self
            .builder
            .func
            .signature
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        let zeros: Vec<Value> = types.into_iter().map(|t| self.zero(t)).collect();
        self.builder.ins().return_(&zeros);
    }

    /// After a call that may throw: a pending exception goes to this function's handler
    /// or on out of it.
    pub(super) fn check_exception(&mut self, may_throw: bool) {
        if !may_throw {
            return;
        }
        let rs = self.pending_exception_addr();
        let exn = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            rs,
            self.offsets.run_state_exception() as i32,
        );
        let raised = self.builder.create_block();
        let cont = self.builder.create_block();
        self.builder.set_cold_block(raised);
        self.builder.ins().brif(exn, raised, &[], cont, &[]);
        self.builder.seal_block(raised);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(raised);
        match self.current_handler() {
            Some(h) => {
                let zero = self.builder.ins().iconst(I64, 0);
                self.builder.ins().store(
                    MemFlagsData::trusted(),
                    zero,
                    rs,
                    self.offsets.run_state_exception() as i32,
                );
                self.raise(exn, Some(h));
            }
            // The exception stays pending for our caller.
            None => self.return_zeros(),
        }
        self.builder.switch_to_block(cont);
    }

    pub(super) fn throw(&mut self, tag: u32) {
        let ty = self.module.tags[tag as usize];
        let n = self.module.types[ty as usize].params().len();
        let args = self.pop_n(n);
        let types: Vec<Type> = args
            .iter()
            .map(|a| self.builder.func.dfg.value_type(*a))
            .collect();
        let (offsets, slots) = slot_offsets(&types);
        let values = self.foreign_slots(slots);
        for (a, offset) in args.iter().zip(offsets) {
            store_slot(&mut self.builder, *a, values, offset);
        }
        let tag = self.iconst32(tag as i32);
        let exn = self
            .call_builtin(Builtin::Throw, &[tag, values])
            .expect("Throw returns the exception");
        let h = self.current_handler();
        self.raise(exn, h);
        self.set_unreachable();
    }

    pub(super) fn throw_ref(&mut self) {
        let exn = self.pop();
        let null = self.builder.ins().icmp_imm_u(IntCC::Equal, exn, 0);
        self.trap_if(null, TrapKind::NullExceptionReference);
        let h = self.current_handler();
        self.raise(exn, h);
        self.set_unreachable();
    }

    pub(super) fn rethrow(&mut self, depth: u32) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let Kind::Catch { exn, .. } = self.ctrl[idx].kind else {
            unreachable!("validated: rethrow names a catch clause");
        };
        let h = self.current_handler();
        self.raise(exn, h);
        self.set_unreachable();
    }

    /// Marks `exn` as possibly held anywhere from now on (`ExnData::expose`).
    fn expose(&mut self, exn: Value) {
        let one = self.builder.ins().iconst(I8, 1);
        let at = self.offsets.exn_exposed() as i32;
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), one, exn, at);
    }

    /// Whether `exn` was thrown with the instance's tag `tag` (an i8 truth value).
    fn tag_matches(&mut self, exn: Value, tag: u32) -> Value {
        let have = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            exn,
            self.offsets.exn_tag() as i32,
        );
        let want = self.vmctx_field(self.offsets.tag(TagIndex(tag)));
        self.builder.ins().icmp(IntCC::Equal, have, want)
    }

    /// Continues in a new block when `exn` has the instance's tag `tag`; returns the
    /// (unsealed) block where it has another.
    fn branch_on_tag(&mut self, exn: Value, tag: u32) -> Block {
        let matched = self.builder.create_block();
        let other = self.builder.create_block();
        let m = self.tag_matches(exn, tag);
        self.builder.ins().brif(m, matched, &[], other, &[]);
        self.builder.seal_block(matched);
        self.builder.switch_to_block(matched);
        other
    }

    /// The payload of `exn`, a tag `tag` exception.
    fn payload(&mut self, exn: Value, tag: u32) -> Vec<Value> {
        let ty = self.module.tags[tag as usize];
        let params = self.module.types[ty as usize].params().to_vec();
        let values = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            exn,
            self.offsets.exn_values() as i32,
        );
        let types: Vec<Type> = params.iter().map(|t| ir_type(*t)).collect();
        let offsets = slot_offsets(&types).0;
        types
            .iter()
            .zip(offsets)
            .map(|(t, offset)| {
                // The payload is 8-byte aligned, a v128 in it not necessarily 16.
                let flags = MemFlagsData::new().with_notrap();
                self.builder.ins().load(*t, flags, values, offset)
            })
            .collect()
    }

    pub(super) fn try_table(&mut self, t: &TryTable) {
        let (params, results) = self.block_types(t.ty);
        let next = self.block_with_params(&results);
        let dispatch = self.block_with_params(&[I64]);
        let kind = Kind::TryTable {
            dispatch,
            catches: t.catches.clone(),
            used: false,
        };
        self.push_ctrl(kind, next, params.len(), results.len());
    }

    /// A `try_table`'s dispatch code, after its frame was popped (so its clauses' labels
    /// count from the top of the control stack).
    pub(super) fn dispatch_try_table(&mut self, dispatch: Block, catches: &[Catch]) {
        self.builder.switch_to_block(dispatch);
        self.builder.seal_block(dispatch);
        let exn = self.builder.block_params(dispatch)[0];
        for c in catches {
            match *c {
                Catch::One { tag, label } | Catch::OneRef { tag, label } => {
                    let with_ref = matches!(c, Catch::OneRef { .. });
                    let other = self.branch_on_tag(exn, tag);
                    self.builder.seal_block(other);
                    let mut values = self.payload(exn, tag);
                    if with_ref {
                        self.expose(exn);
                        values.push(exn);
                    } else {
                        self.call_builtin(Builtin::ReleaseCaught, &[exn]);
                    }
                    let (target, _) = self.branch_target(label);
                    self.jump(target, &values);
                    self.builder.switch_to_block(other);
                }
                Catch::All { label } | Catch::AllRef { label } => {
                    let values: Vec<Value> = match c {
                        Catch::AllRef { .. } => {
                            self.expose(exn);
                            vec![exn]
                        }
                        _ => {
                            self.call_builtin(Builtin::ReleaseCaught, &[exn]);
                            Vec::new()
                        }
                    };
                    let (target, _) = self.branch_target(label);
                    self.jump(target, &values);
                    // Clauses after a catch-all are never reached.
                    let dead = self.builder.create_block();
                    self.builder.seal_block(dead);
                    self.builder.switch_to_block(dead);
                }
            }
        }
        let outer = self.current_handler();
        self.raise(exn, outer);
    }

    pub(super) fn legacy_try(&mut self, bt: BlockType) {
        let (params, results) = self.block_types(bt);
        let next = self.block_with_params(&results);
        let dispatch = self.block_with_params(&[I64]);
        let kind = Kind::Try {
            dispatch,
            used: false,
            delegate: None,
        };
        self.push_ctrl(kind, next, params.len(), results.len());
    }

    /// `catch tag` (`Some`) or `catch_all`: ends the body or the previous clause and
    /// starts a clause.
    pub(super) fn legacy_catch(&mut self, tag: Option<u32>) {
        let idx = self.ctrl.len() - 1;
        if self.reachable {
            let results = self.top_n(self.ctrl[idx].nresults);
            self.ctrl[idx].next_reached = true;
            let next = self.ctrl[idx].next;
            self.jump(next, &results);
        }
        let exn = match self.ctrl[idx].kind {
            Kind::Try { dispatch, .. } => {
                self.builder.switch_to_block(dispatch);
                self.builder.seal_block(dispatch);
                let exn = self.builder.block_params(dispatch)[0];
                // `rethrow` may raise it again from any clause: keep it.
                self.expose(exn);
                exn
            }
            Kind::Catch {
                exn,
                next_clause: Some(clause),
            } => {
                self.builder.switch_to_block(clause);
                self.builder.seal_block(clause);
                exn
            }
            _ => unreachable!("validated: catch follows a try body or a tagged clause"),
        };
        let height = self.ctrl[idx].height;
        self.stack.truncate(height);
        self.reachable = true;
        let next_clause = tag.map(|tag| {
            let other = self.branch_on_tag(exn, tag);
            let values = self.payload(exn, tag);
            self.stack.extend(values);
            other
        });
        self.ctrl[idx].kind = Kind::Catch { exn, next_clause };
    }

    /// `delegate depth`: the `try`'s body ends and its exceptions go to the handler
    /// around label `depth` (counted outside the `try`).
    pub(super) fn delegate(&mut self, depth: u32) -> bool {
        if let Some(c) = self.ctrl.last_mut() {
            if let Kind::Try { delegate, .. } = &mut c.kind {
                *delegate = Some(depth);
            }
        }
        self.end()
    }

    /// The exception side of an `end` of an exception construct, after its frame was
    /// popped: dispatch code, forwarding, or the no-match path of the last clause.
    pub(super) fn end_exception_construct(&mut self, kind: Kind) {
        match kind {
            Kind::TryTable {
                dispatch,
                catches,
                used: true,
            } => self.dispatch_try_table(dispatch, &catches),
            Kind::Try {
                dispatch,
                used: true,
                delegate,
            } => {
                self.builder.switch_to_block(dispatch);
                self.builder.seal_block(dispatch);
                let exn = self.builder.block_params(dispatch)[0];
                let to = match delegate {
                    Some(depth) => (self.ctrl.len())
                        .checked_sub(1 + depth as usize)
                        .and_then(|i| self.handler_at(i)),
                    None => self.current_handler(),
                };
                self.raise(exn, to);
            }
            Kind::Catch {
                exn,
                next_clause: Some(clause),
            } => {
                self.builder.switch_to_block(clause);
                self.builder.seal_block(clause);
                let outer = self.current_handler();
                self.raise(exn, outer);
            }
            _ => {}
        }
    }
}
