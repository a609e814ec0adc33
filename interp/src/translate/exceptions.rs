//! Exception handling in the translator: `try_table`, `throw`, `throw_ref`, and the legacy
//! `try`/`catch`/`catch_all`/`rethrow`/`delegate`.
//!
//! A handler is dispatch code plus the slot its landing pads write the exception to. Every
//! instruction that can raise (a call, `throw`, `throw_ref`, `rethrow`) inside a handler's
//! scope is followed by a `landing_pad` naming the handler; the executor's unwinder finds
//! it at the return point it leaves to (`exec::slow::unwind`). A pad whose target is 0
//! names no handler (the exception goes on to the caller): raising instructions outside
//! every handler get one too, so the unwinder never reads past the end of the code.
//!
//! - `try_table`: its dispatch code is emitted before its body (jumped over), one `catch`
//!   or `catch_ref` op per tagged clause, which writes the payload where the clause's
//!   label expects its values (moves and the branch follow when the label needs them);
//!   a clause without a tag is a plain jump. No match: `throw_ref` to the next handler.
//!   The exception's slot is the temporary at the block's base height, which no clause
//!   overwrites before reading it.
//! - Legacy `try`: its clauses come after its body, so its pads are bound when the first
//!   `catch` (or `catch_all`) arrives, or re-aimed at the enclosing handler by `delegate`
//!   or an `end` without clauses. Clauses are chained: a `catch` op whose match falls
//!   into the clause's body, a jump to the next clause otherwise; after the last, the
//!   exception is thrown on. The caught exception is also copied to a slot above every
//!   temporary (one per legacy nesting level, [`CaughtSlots`]) that `rethrow` reads.
//! - Freeing: `catch` frees the exception it matched once the payload is copied, and a
//!   clause without a tag does the same (`exn_release`), unless the exception is
//!   exposed; `catch_ref`, a `catch_all_ref` clause (`exn_expose`) and every legacy
//!   dispatch expose it, since it may then be held anywhere (see
//!   `wamr_common::exception`).

use wamr_common::types::ValType;
use wasmparser::{BlockType, Catch, TryTable};

use super::{Fixup, Kind, Opnd, TranslateError, Translator};
use crate::isa::enc;

/// An exception handler of the function being translated.
#[derive(Debug)]
pub(super) struct Handler {
    /// Where its dispatch code starts, once emitted.
    at: Option<usize>,
    /// The slot its landing pads write the exception to.
    exn_slot: u32,
    /// Landing pads (their first word) waiting for `at`.
    pads: Vec<usize>,
    /// A legacy `try`'s level among the caught-exception slots.
    caught_level: u32,
}

/// The slots that hold what legacy `catch` clauses caught, above the temporaries: their
/// number is known only at the end of the function, so the words naming them are
/// patched then.
#[derive(Debug, Default)]
pub(super) struct CaughtSlots {
    /// Words holding a slot number, with their nesting level.
    words: Vec<(usize, u32)>,
    depth: u32,
    max: u32,
}

impl CaughtSlots {
    fn enter(&mut self) -> u32 {
        self.depth += 1;
        self.max = self.max.max(self.depth);
        self.depth - 1
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn refer(&mut self, word: usize, level: u32) {
        self.words.push((word, level));
    }

    /// Writes the slot numbers, the first level's slot being `base`.
    pub(super) fn patch(&self, code: &mut [u32], base: u32) {
        for &(word, level) in &self.words {
            code[word] = base + level;
        }
    }

    /// Slots needed.
    pub(super) fn count(&self) -> u32 {
        self.max
    }
}

impl Translator<'_> {
    /// The handler covering code directly inside control frame `idx`.
    fn handler_at(&self, idx: usize) -> Option<usize> {
        if self.handlers.is_empty() {
            return None;
        }
        self.ctrl[..=idx]
            .iter()
            .rev()
            .find(|c| matches!(c.kind, Kind::TryTable | Kind::Try))
            .and_then(|c| c.handler)
    }

    fn current_handler(&self) -> Option<usize> {
        self.handler_at(self.ctrl.len() - 1)
    }

    /// Aims the pad at `pad` at handler `h`, now or when its dispatch code is emitted.
    fn bind_pad(&mut self, h: usize, pad: usize) {
        let handler = &mut self.handlers[h];
        match handler.at {
            Some(at) => {
                self.code[pad + 1] = handler.exn_slot;
                self.code[pad + 2] = (at as i64 - pad as i64) as i32 as u32;
            }
            None => handler.pads.push(pad),
        }
    }

    /// A landing pad for `handler` (none: the exception goes on to the caller).
    fn pad_for(&mut self, handler: Option<usize>) {
        self.begin();
        let pad = enc::landing_pad(&mut self.code, 0, 0);
        if let Some(h) = handler {
            self.bind_pad(h, pad);
        }
        self.begin();
    }

    /// After a call: a landing pad if a handler of this function covers it.
    pub(super) fn landing_pad(&mut self) {
        if let Some(h) = self.current_handler() {
            self.pad_for(Some(h));
        }
    }

    /// After an instruction that always raises.
    fn raised(&mut self) {
        let h = self.current_handler();
        self.pad_for(h);
        self.set_unreachable();
    }

    /// Sends the pads waiting for handler `h` to handler `to` (none: to the caller).
    fn forward_pads(&mut self, h: usize, to: Option<usize>) {
        let pads = std::mem::take(&mut self.handlers[h].pads);
        if let Some(to) = to {
            for pad in pads {
                self.bind_pad(to, pad);
            }
        }
    }

    pub(super) fn throw(&mut self, tag: u32) {
        let ty = &self.module.types[self.module.tags[tag as usize] as usize];
        let n = ty.params().len() as u32;
        self.materialize_top(n);
        let h = self.height() - n;
        let base = self.temp(h);
        // The payload is packed, as the exception holds it.
        if self.needs_packing(ty.params()) {
            self.pack(h, ty.params());
        }
        self.begin();
        enc::throw(&mut self.code, tag, base);
        self.raised();
    }

    /// What a `catch` of `tag` writes from its slot, packed: the payload, then (with
    /// `with_ref`) the exception.
    fn caught_values(&self, tag: u32, with_ref: bool) -> Vec<ValType> {
        let ty = &self.module.types[self.module.tags[tag as usize] as usize];
        let mut values = ty.params().to_vec();
        if with_ref {
            values.push(ValType::ExnRef);
        }
        values
    }

    pub(super) fn throw_ref(&mut self) {
        let exn = self.pop_slot();
        self.begin();
        enc::throw_ref(&mut self.code, exn);
        self.raised();
    }

    pub(super) fn try_table(&mut self, t: &TryTable) -> Result<(), TranslateError> {
        let (np, _) = self.block_arity(t.ty);
        self.preserve_all_locals();
        self.materialize_top(np);
        let h = self.height() - np;
        let exn = self.temp(h);
        let outer = self.current_handler();
        // The dispatch code comes first; the body's pads branch back to it.
        self.begin();
        let skip = enc::br(&mut self.code, 0);
        let at = self.code.len();
        let params: Vec<Opnd> = self.stack[h as usize..].to_vec();
        for c in &t.catches {
            self.stack.truncate(h as usize);
            match *c {
                Catch::One { tag, label } => self.catch_clause(tag, false, label, exn),
                Catch::OneRef { tag, label } => self.catch_clause(tag, true, label, exn),
                Catch::All { label } => {
                    self.begin();
                    enc::exn_release(&mut self.code, exn);
                    self.jump_to(label);
                }
                Catch::AllRef { label } => {
                    self.begin();
                    enc::exn_expose(&mut self.code, exn);
                    // The exception is already in the temporary the label reads.
                    self.push(Opnd::Temp);
                    self.jump_to(label);
                }
            }
        }
        // No clause matched: on to the next handler out.
        self.stack.truncate(h as usize);
        self.begin();
        enc::throw_ref(&mut self.code, exn);
        self.pad_for(outer);
        let here = self.code.len();
        self.patch(
            Fixup {
                instr: skip,
                word: skip + 1,
            },
            here,
        );
        for o in params {
            self.push(o);
        }
        self.max_height = self.max_height.max(h + 1);
        self.open(Kind::TryTable, t.ty);
        self.handlers.push(Handler {
            at: Some(at),
            exn_slot: exn,
            pads: Vec::new(),
            caught_level: 0,
        });
        let index = self.handlers.len() - 1;
        self.ctrl.last_mut().expect("try_table").handler = Some(index);
        Ok(())
    }

    /// A tagged `try_table` clause: the payload (and with `with_ref` the exception) goes
    /// to the temporaries from the stack's current height, then to label `label`.
    fn catch_clause(&mut self, tag: u32, with_ref: bool, label: u32, exn: u32) {
        let values = self.caught_values(tag, with_ref);
        let h = self.height();
        let d = self.temp(h);
        for _ in 0..values.len() {
            self.push(Opnd::Temp);
        }
        let unpack = self.needs_packing(&values);
        let emit = if with_ref { enc::catch_ref } else { enc::catch };
        self.begin();
        let instr = emit(&mut self.code, tag, exn, d, 0);
        let matched = Fixup {
            instr,
            word: instr + 4,
        };
        if !unpack && !self.branch_needs_moves(label) {
            let idx = self.ctrl.len() - 1 - label as usize;
            self.bind_or_defer(idx, matched);
        } else {
            self.begin();
            let next = enc::br(&mut self.code, 0);
            let here = self.code.len();
            self.patch(matched, here);
            if unpack {
                self.unpack(h, &values);
            }
            self.jump_to(label);
            let here = self.code.len();
            self.patch(
                Fixup {
                    instr: next,
                    word: next + 1,
                },
                here,
            );
        }
        self.begin();
    }

    pub(super) fn legacy_try(&mut self, bt: BlockType) {
        self.open(Kind::Try, bt);
        let h = self.ctrl.last().expect("try").height;
        self.max_height = self.max_height.max(h + 1);
        let caught_level = self.caught.enter();
        self.handlers.push(Handler {
            at: None,
            exn_slot: self.temp(h),
            pads: Vec::new(),
            caught_level,
        });
        let index = self.handlers.len() - 1;
        self.ctrl.last_mut().expect("try").handler = Some(index);
    }

    /// Ends a legacy `try`'s body or clause (frame `idx`): its results go to the block's
    /// end, if it is reachable.
    fn leave_clause(&mut self, idx: usize) {
        if self.reachable {
            self.end_moves();
            self.begin();
            let instr = enc::br(&mut self.code, 0);
            self.ctrl[idx].fixups.push(Fixup {
                instr,
                word: instr + 1,
            });
        }
    }

    /// `catch tag` (`Some`) or `catch_all`: ends the body or the previous clause and
    /// starts a clause.
    pub(super) fn legacy_catch(&mut self, tag: Option<u32>) {
        let idx = self.ctrl.len() - 1;
        self.leave_clause(idx);
        let here = self.code.len();
        let h = self.ctrl[idx].height;
        let hi = self.ctrl[idx].handler.expect("a try's handler");
        let exn = self.handlers[hi].exn_slot;
        if self.ctrl[idx].kind == Kind::Try {
            // The first clause: the dispatch code starts here.
            self.handlers[hi].at = Some(here);
            for pad in std::mem::take(&mut self.handlers[hi].pads) {
                self.bind_pad(hi, pad);
            }
            self.begin();
            // `rethrow` may raise it again from any clause: keep it.
            enc::exn_expose(&mut self.code, exn);
            self.begin();
            let copy = enc::copy(&mut self.code, 0, exn);
            self.caught.refer(copy + 1, self.handlers[hi].caught_level);
        } else if let Some(f) = self.ctrl[idx].next_catch.take() {
            self.patch(f, here);
        }
        self.ctrl[idx].kind = Kind::Catch;
        self.stack.truncate(h as usize);
        self.reachable = true;
        self.begin();
        if let Some(tag) = tag {
            let values = self.caught_values(tag, false);
            let n = values.len() as u32;
            let d = self.temp(h);
            let instr = enc::catch(&mut self.code, tag, exn, d, 0);
            let next = enc::br(&mut self.code, 0);
            let body = self.code.len();
            self.patch(
                Fixup {
                    instr,
                    word: instr + 4,
                },
                body,
            );
            self.ctrl[idx].next_catch = Some(Fixup {
                instr: next,
                word: next + 1,
            });
            if self.needs_packing(&values) {
                self.unpack(h, &values);
            }
            for _ in 0..n {
                self.push(Opnd::Temp);
            }
        }
        self.begin();
    }

    /// The `end` of a legacy `try`, or its `delegate` to the handler around label `depth`
    /// (counted outside the `try`).
    pub(super) fn end_try(&mut self, delegate: Option<u32>) -> Result<bool, TranslateError> {
        let idx = self.ctrl.len() - 1;
        let hi = self.ctrl[idx].handler.expect("a try's handler");
        match self.ctrl[idx].kind {
            Kind::Try => {
                // No clause: exceptions go on to the handler outside.
                let around = match delegate {
                    Some(depth) => (idx - 1).checked_sub(depth as usize),
                    None => Some(idx - 1),
                };
                let to = around.and_then(|i| self.handler_at(i));
                self.forward_pads(hi, to);
            }
            Kind::Catch => {
                if let Some(f) = self.ctrl[idx].next_catch.take() {
                    // After the last clause's body, the no-match path throws on.
                    self.leave_clause(idx);
                    let here = self.code.len();
                    self.patch(f, here);
                    let exn = self.handlers[hi].exn_slot;
                    self.begin();
                    enc::throw_ref(&mut self.code, exn);
                    let outer = self.handler_at(idx - 1);
                    self.pad_for(outer);
                    self.reachable = false;
                }
            }
            _ => {}
        }
        self.caught.leave();
        // The rest is an ordinary block's end.
        self.ctrl[idx].kind = Kind::Block;
        self.ctrl[idx].handler = None;
        self.op(wasmparser::Operator::End)
    }

    pub(super) fn rethrow(&mut self, depth: u32) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let hi = self.ctrl[idx]
            .handler
            .expect("rethrow names a catch clause");
        let level = self.handlers[hi].caught_level;
        self.begin();
        let at = enc::throw_ref(&mut self.code, 0);
        self.caught.refer(at + 1, level);
        self.raised();
    }
}
