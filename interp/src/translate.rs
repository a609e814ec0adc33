//! Translation: a function's wasm stack code to slot bytecode, once per function.
//!
//! Frame layout: slots `0..nlocals` are the parameters and declared locals; slot
//! `nlocals + h` is the temporary for operand-stack height `h`. Every value the
//! translator materialises lands in the temporary of the height it occupies, so blocks
//! merge without moves, and a call's arguments are already the callee's parameters
//! (the callee frame starts at the first argument's slot).
//!
//! The translator keeps a compile-time operand stack of [`Opnd`]s: `local.get` and
//! constants push references instead of emitting copies, and the instruction that uses
//! them reads the local's slot or an immediate directly. Invariants that keep those
//! references valid:
//! - before `local.set`/`local.tee` of `l`, every `Local(l)` on the stack is copied to its
//!   temporary (`preserve`);
//! - at every block entry all `Local` references are materialised, so a later `local.set`
//!   inside a conditional path cannot change a value that lives past the block.
//!
//! Peephole rules: a `local.set` right after the instruction that produced the value
//! retargets that instruction's result to the local; a comparison right before
//! `br_if`/`if` fuses into a compare-and-branch.

use wamr_common::module::ModuleData;
use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator as O};

use crate::exec::Op;

/// The result of translating one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    pub code: Vec<u32>,
    pub frame_slots: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opnd {
    /// In the temporary of its height.
    Temp,
    /// In a local's slot.
    Local(u32),
    /// A constant (raw slot bits).
    Const(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// A branch whose offset word is patched when its label is bound.
#[derive(Debug, Clone, Copy)]
struct Fixup {
    instr: usize,
    word: usize,
}

#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    /// Height of the label's values (results; parameters for a loop).
    height: u32,
    /// Lowest stack height the body may pop to.
    floor: u32,
    nparams: u32,
    nresults: u32,
    /// Loop head.
    start: usize,
    fixups: Vec<Fixup>,
    else_fixup: Option<Fixup>,
}

impl Ctrl {
    fn arity(&self) -> u32 {
        if self.kind == Kind::Loop {
            self.nparams
        } else {
            self.nresults
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cmp {
    fn negate(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            LtU => GeU,
            GtS => LeS,
            GtU => LeU,
            LeS => GtS,
            LeU => GtU,
            GeS => LtS,
            GeU => LtU,
        }
    }
    /// The comparison with its operands swapped.
    fn mirror(self) -> Cmp {
        use Cmp::*;
        match self {
            Eq => Eq,
            Ne => Ne,
            LtS => GtS,
            LtU => GtU,
            GtS => LtS,
            GtU => LtU,
            LeS => GeS,
            LeU => GeU,
            GeS => LeS,
            GeU => LeU,
        }
    }
}

/// Value ops `[ss, si, is]` and fused branch ops `[ss, si]` of an integer comparison.
fn cmp_ops(c: Cmp, wide: bool) -> ([Op; 3], [Op; 2]) {
    use Op::*;
    macro_rules! pick {
        ($($c:ident => $a:ident $b:ident $d:ident $e:ident $f:ident / $a6:ident $b6:ident $d6:ident $e6:ident $f6:ident),*) => {
            match (c, wide) {
                $((Cmp::$c, false) => ([$a, $b, $d], [$e, $f]), (Cmp::$c, true) => ([$a6, $b6, $d6], [$e6, $f6]),)*
            }
        };
    }
    pick!(
        Eq => i32_eq_ss i32_eq_si i32_eq_si br_i32_eq_ss br_i32_eq_si / i64_eq_ss i64_eq_si i64_eq_si br_i64_eq_ss br_i64_eq_si,
        Ne => i32_ne_ss i32_ne_si i32_ne_si br_i32_ne_ss br_i32_ne_si / i64_ne_ss i64_ne_si i64_ne_si br_i64_ne_ss br_i64_ne_si,
        LtS => i32_lt_s_ss i32_lt_s_si i32_lt_s_is br_i32_lt_s_ss br_i32_lt_s_si / i64_lt_s_ss i64_lt_s_si i64_lt_s_is br_i64_lt_s_ss br_i64_lt_s_si,
        LtU => i32_lt_u_ss i32_lt_u_si i32_lt_u_is br_i32_lt_u_ss br_i32_lt_u_si / i64_lt_u_ss i64_lt_u_si i64_lt_u_is br_i64_lt_u_ss br_i64_lt_u_si,
        GtS => i32_gt_s_ss i32_gt_s_si i32_gt_s_is br_i32_gt_s_ss br_i32_gt_s_si / i64_gt_s_ss i64_gt_s_si i64_gt_s_is br_i64_gt_s_ss br_i64_gt_s_si,
        GtU => i32_gt_u_ss i32_gt_u_si i32_gt_u_is br_i32_gt_u_ss br_i32_gt_u_si / i64_gt_u_ss i64_gt_u_si i64_gt_u_is br_i64_gt_u_ss br_i64_gt_u_si,
        LeS => i32_le_s_ss i32_le_s_si i32_le_s_is br_i32_le_s_ss br_i32_le_s_si / i64_le_s_ss i64_le_s_si i64_le_s_is br_i64_le_s_ss br_i64_le_s_si,
        LeU => i32_le_u_ss i32_le_u_si i32_le_u_is br_i32_le_u_ss br_i32_le_u_si / i64_le_u_ss i64_le_u_si i64_le_u_is br_i64_le_u_ss br_i64_le_u_si,
        GeS => i32_ge_s_ss i32_ge_s_si i32_ge_s_is br_i32_ge_s_ss br_i32_ge_s_si / i64_ge_s_ss i64_ge_s_si i64_ge_s_is br_i64_ge_s_ss br_i64_ge_s_si,
        GeU => i32_ge_u_ss i32_ge_u_si i32_ge_u_is br_i32_ge_u_ss br_i32_ge_u_si / i64_ge_u_ss i64_ge_u_si i64_ge_u_is br_i64_ge_u_ss br_i64_ge_u_si
    )
}

/// The second operand of a recorded comparison.
#[derive(Debug, Clone, Copy)]
enum CmpRhs {
    Slot(u32),
    Imm(u64),
}

/// The last instruction emitted, when a peephole rule may still rewrite it.
#[derive(Debug, Clone, Copy)]
enum Last {
    /// A single-result instruction writing the temporary of `height` at word `dst`.
    Result { dst: usize, height: u32 },
    /// An integer comparison starting at `start` (its result is at `height`).
    Cmp {
        start: usize,
        height: u32,
        dst: usize,
        cmp: Cmp,
        wide: bool,
        lhs: u32,
        rhs: CmpRhs,
    },
}

/// A branch condition.
#[derive(Debug, Clone, Copy)]
enum Cond {
    Cmp {
        cmp: Cmp,
        wide: bool,
        lhs: u32,
        rhs: CmpRhs,
    },
    Nez(u32),
}

impl Cond {
    fn negate(self) -> Cond {
        match self {
            Cond::Cmp {
                cmp,
                wide,
                lhs,
                rhs,
            } => Cond::Cmp {
                cmp: cmp.negate(),
                wide,
                lhs,
                rhs,
            },
            Cond::Nez(s) => Cond::Cmp {
                cmp: Cmp::Eq,
                wide: false,
                lhs: s,
                rhs: CmpRhs::Imm(0),
            },
        }
    }
}

struct Tr<'m> {
    m: &'m ModuleData,
    code: Vec<u32>,
    stack: Vec<Opnd>,
    ctrl: Vec<Ctrl>,
    nlocals: u32,
    nresults: u32,
    max_height: u32,
    last: Option<Last>,
    reachable: bool,
    /// Blocks opened inside unreachable code (skipped without translation).
    skipped: u32,
}

/// Why translation failed (only on limits: the module was validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateError(pub String);

impl std::fmt::Display for TranslateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "translation failed: {}", self.0)
    }
}

impl std::error::Error for TranslateError {}

impl From<wasmparser::BinaryReaderError> for TranslateError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        TranslateError(e.to_string())
    }
}

/// Translates defined function `func_index` (an index in the whole function space).
pub fn translate(m: &ModuleData, func_index: u32) -> Result<Translated, TranslateError> {
    let _span = tracing::trace_span!("translate", func = func_index).entered();
    let def = func_index
        .checked_sub(m.num_imported_funcs)
        .and_then(|i| m.bodies.get(i as usize))
        .ok_or_else(|| TranslateError(format!("function {func_index} has no body")))?;
    let ty = m.func_type(func_index);
    let nparams = ty.params().len() as u32;
    let nlocals = nparams + def.locals.len() as u32;
    let nresults = ty.results().len() as u32;
    let bytes = &m.bytes[def.range.clone()];
    let body = FunctionBody::new(BinaryReader::new(bytes, def.range.start as u64));
    let mut reader = body.get_operators_reader()?;
    let mut tr = Tr {
        m,
        code: Vec::with_capacity(bytes.len() * 2),
        stack: Vec::new(),
        ctrl: vec![Ctrl {
            kind: Kind::Func,
            height: 0,
            floor: 0,
            nparams: 0,
            nresults,
            start: 0,
            fixups: Vec::new(),
            else_fixup: None,
        }],
        nlocals,
        nresults,
        max_height: 0,
        last: None,
        reachable: true,
        skipped: 0,
    };
    while !reader.eof() {
        let op = reader.read()?;
        if tr.op(op)? {
            break;
        }
    }
    let frame_slots = (u64::from(nlocals) + u64::from(tr.max_height))
        .max(u64::from(nresults))
        .max(1);
    let frame_slots =
        u32::try_from(frame_slots).map_err(|_| TranslateError("frame too large".into()))?;
    Ok(Translated {
        code: tr.code,
        frame_slots,
    })
}

impl Tr<'_> {
    fn temp(&self, height: u32) -> u32 {
        self.nlocals + height
    }

    fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    fn push(&mut self, o: Opnd) {
        self.stack.push(o);
        self.max_height = self.max_height.max(self.height());
    }

    fn pop(&mut self) -> Opnd {
        self.stack.pop().unwrap_or(Opnd::Temp)
    }

    fn emit(&mut self, words: &[u32]) -> usize {
        self.last = None;
        let at = self.code.len();
        self.code.extend_from_slice(words);
        at
    }

    fn emit_op(&mut self, op: Op, operands: &[u32]) -> usize {
        let at = self.emit(&[op as u32]);
        self.code.extend_from_slice(operands);
        at
    }

    /// Copies a value into slot `dst`.
    fn copy_to(&mut self, dst: u32, src: Opnd, height: u32) {
        match src {
            Opnd::Temp => {
                let s = self.temp(height);
                if s != dst {
                    self.emit_op(Op::copy, &[dst, s]);
                }
            }
            Opnd::Local(l) => {
                if l != dst {
                    self.emit_op(Op::copy, &[dst, l]);
                }
            }
            Opnd::Const(c) => {
                if c >> 32 == 0 {
                    self.emit_op(Op::copy_imm32, &[dst, c as u32]);
                } else {
                    self.emit_op(Op::copy_imm64, &[dst, c as u32, (c >> 32) as u32]);
                }
            }
        }
    }

    /// Puts stack entry `i` in its temporary.
    fn materialize(&mut self, i: usize) {
        let o = self.stack[i];
        if o != Opnd::Temp {
            let dst = self.temp(i as u32);
            self.copy_to(dst, o, i as u32);
            self.stack[i] = Opnd::Temp;
        }
    }

    /// Materialises the top `n` entries.
    fn materialize_top(&mut self, n: u32) {
        let len = self.stack.len();
        for i in len - n as usize..len {
            self.materialize(i);
        }
    }

    /// The slot holding stack entry `i` (constants are materialised).
    fn slot_at(&mut self, i: usize) -> u32 {
        match self.stack[i] {
            Opnd::Temp => self.temp(i as u32),
            Opnd::Local(l) => l,
            Opnd::Const(_) => {
                self.materialize(i);
                self.temp(i as u32)
            }
        }
    }

    /// Pops the top value as a slot.
    fn pop_slot(&mut self) -> u32 {
        let i = self.stack.len() - 1;
        let s = self.slot_at(i);
        self.stack.pop();
        s
    }

    fn preserve_local(&mut self, l: u32) {
        for i in 0..self.stack.len() {
            if self.stack[i] == Opnd::Local(l) {
                self.materialize(i);
            }
        }
    }

    fn preserve_all_locals(&mut self) {
        for i in 0..self.stack.len() {
            if matches!(self.stack[i], Opnd::Local(_)) {
                self.materialize(i);
            }
        }
    }

    /// Emits a single-result instruction whose result goes to the top temporary after
    /// popping `pops` operands; records it for retargeting.
    fn result_op(&mut self, pops: u32, op: Op, operands_after_dst: &[u32]) {
        let h = self.height() - pops;
        self.stack.truncate(h as usize);
        let dst = self.temp(h);
        let at = self.emit_op(op, &[dst]);
        self.code.extend_from_slice(operands_after_dst);
        self.push(Opnd::Temp);
        self.last = Some(Last::Result {
            dst: at + 1,
            height: h,
        });
    }

    fn unary(&mut self, op: Op) {
        let a = self.pop_slot();
        self.push(Opnd::Temp);
        self.result_op(1, op, &[a]);
    }

    /// A binary op. `si`/`is` are the immediate forms (`is` only for non-commutative
    /// ops; a commutative op with a constant left operand uses `si` swapped).
    fn binary(&mut self, ss: Op, si: Option<Op>, is: Option<Op>, wide: bool) {
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        let imm_words = |c: u64| {
            if wide {
                vec![c as u32, (c >> 32) as u32]
            } else {
                vec![c as u32]
            }
        };
        match (a, b, si, is) {
            (_, Opnd::Const(c), Some(si), _) => {
                let sa = self.slot_at(len - 2);
                let mut w = vec![sa];
                w.extend(imm_words(c));
                self.result_op(2, si, &w);
            }
            (Opnd::Const(c), _, _, Some(is)) => {
                let sb = self.slot_at(len - 1);
                let mut w = imm_words(c);
                w.push(sb);
                self.result_op(2, is, &w);
            }
            (Opnd::Const(c), _, Some(si), None) => {
                let sb = self.slot_at(len - 1);
                let mut w = vec![sb];
                w.extend(imm_words(c));
                self.result_op(2, si, &w);
            }
            _ => {
                let sa = self.slot_at(len - 2);
                let sb = self.slot_at(len - 1);
                self.result_op(2, ss, &[sa, sb]);
            }
        }
    }

    /// A plain binary op with slot/slot, slot/imm and (non-commutative) imm/slot forms.
    fn binary3(&mut self, ops: [Op; 3], commutative: bool, wide: bool) {
        let is = (!commutative).then_some(ops[2]);
        self.binary(ops[0], Some(ops[1]), is, wide);
    }

    /// An integer comparison, recorded for compare-and-branch fusion.
    fn compare(&mut self, cmp: Cmp, wide: bool) {
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        // Normalise to (slot, slot) or (slot, imm).
        let (cmp, lhs, rhs) = match (a, b) {
            (_, Opnd::Const(c)) => (cmp, self.slot_at(len - 2), CmpRhs::Imm(c)),
            (Opnd::Const(c), _) => (cmp.mirror(), self.slot_at(len - 1), CmpRhs::Imm(c)),
            _ => {
                let sa = self.slot_at(len - 2);
                let sb = self.slot_at(len - 1);
                (cmp, sa, CmpRhs::Slot(sb))
            }
        };
        let (ops_n, _) = cmp_ops(cmp, wide);
        let start = self.code.len();
        let h = self.height() - 2;
        match rhs {
            CmpRhs::Slot(sb) => self.result_op(2, ops_n[0], &[lhs, sb]),
            CmpRhs::Imm(c) => {
                let w: Vec<u32> = if wide {
                    vec![lhs, c as u32, (c >> 32) as u32]
                } else {
                    vec![lhs, c as u32]
                };
                self.result_op(2, ops_n[1], &w);
            }
        }
        self.last = Some(Last::Cmp {
            start,
            height: h,
            dst: start + 1,
            cmp,
            wide,
            lhs,
            rhs,
        });
    }

    /// `i32.eqz` / `i64.eqz`: a comparison with zero (fusable).
    fn eqz(&mut self, wide: bool) {
        let op = if wide { Op::i64_eqz } else { Op::i32_eqz };
        let a = self.pop_slot();
        self.push(Opnd::Temp);
        let start = self.code.len();
        let h = self.height() - 1;
        self.result_op(1, op, &[a]);
        self.last = Some(Last::Cmp {
            start,
            height: h,
            dst: start + 1,
            cmp: Cmp::Eq,
            wide,
            lhs: a,
            rhs: CmpRhs::Imm(0),
        });
    }

    /// Pops a branch condition, fusing a comparison emitted just before.
    fn pop_cond(&mut self) -> Cond {
        let h = self.height() - 1;
        if let (
            Some(Last::Cmp {
                start,
                height,
                cmp,
                wide,
                lhs,
                rhs,
                ..
            }),
            Opnd::Temp,
        ) = (self.last, self.stack[h as usize])
        {
            if height == h {
                self.code.truncate(start);
                self.last = None;
                self.stack.pop();
                return Cond::Cmp {
                    cmp,
                    wide,
                    lhs,
                    rhs,
                };
            }
        }
        Cond::Nez(self.pop_slot())
    }

    /// Emits a conditional jump; returns the fixup for its target.
    fn cond_jump(&mut self, cond: Cond) -> Fixup {
        let instr = self.code.len();
        match cond {
            Cond::Nez(s) => {
                self.emit_op(Op::br_i32_nez, &[s, 0]);
            }
            Cond::Cmp {
                cmp,
                wide,
                lhs,
                rhs: CmpRhs::Imm(0),
            } if matches!(cmp, Cmp::Eq | Cmp::Ne) => {
                let op = match (cmp, wide) {
                    (Cmp::Eq, false) => Op::br_i32_eqz,
                    (Cmp::Eq, true) => Op::br_i64_eqz,
                    (_, false) => Op::br_i32_nez,
                    (_, true) => Op::br_i64_nez,
                };
                self.emit_op(op, &[lhs, 0]);
            }
            Cond::Cmp {
                cmp,
                wide,
                lhs,
                rhs,
            } => {
                let (_, br) = cmp_ops(cmp, wide);
                match rhs {
                    CmpRhs::Slot(s) => {
                        self.emit_op(br[0], &[lhs, s, 0]);
                    }
                    CmpRhs::Imm(c) if wide => {
                        self.emit_op(br[1], &[lhs, c as u32, (c >> 32) as u32, 0]);
                    }
                    CmpRhs::Imm(c) => {
                        self.emit_op(br[1], &[lhs, c as u32, 0]);
                    }
                }
            }
        }
        Fixup {
            instr,
            word: self.code.len() - 1,
        }
    }

    fn patch(&mut self, f: Fixup, target: usize) {
        self.code[f.word] = (target as i64 - f.instr as i64) as i32 as u32;
    }

    /// Whether branching to `depth` needs value moves.
    fn branch_needs_moves(&self, depth: u32) -> bool {
        let label = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        if label.kind == Kind::Func {
            return true;
        }
        let arity = label.arity();
        let len = self.height();
        (0..arity).any(|i| {
            let src_h = len - arity + i;
            src_h != label.height + i || self.stack[src_h as usize] != Opnd::Temp
        })
    }

    /// Moves the branch values into the label's slots.
    fn branch_moves(&mut self, depth: u32) {
        let label = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        let (arity, height) = (label.arity(), label.height);
        let len = self.height();
        for i in 0..arity {
            let src_h = len - arity + i;
            let dst = self.temp(height + i);
            self.copy_to(dst, self.stack[src_h as usize], src_h);
        }
    }

    /// Unconditional jump to a label (after moves), with its fixup registered.
    fn jump_to(&mut self, depth: u32) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        if self.ctrl[idx].kind == Kind::Func {
            self.emit_return();
            return;
        }
        self.branch_moves(depth);
        let instr = self.emit_op(Op::br, &[0]);
        let f = Fixup {
            instr,
            word: instr + 1,
        };
        self.bind_or_defer(idx, f);
    }

    fn bind_or_defer(&mut self, idx: usize, f: Fixup) {
        if self.ctrl[idx].kind == Kind::Loop {
            let start = self.ctrl[idx].start;
            self.patch(f, start);
        } else {
            self.ctrl[idx].fixups.push(f);
        }
    }

    fn emit_return(&mut self) {
        let n = self.nresults;
        let len = self.height();
        // A result read from a local that an earlier result move overwrites must be
        // copied out first.
        for i in 0..n {
            if let Opnd::Local(l) = self.stack[(len - n + i) as usize] {
                if l < n && l != i {
                    self.materialize((len - n + i) as usize);
                }
            }
        }
        for i in 0..n {
            let src_h = len - n + i;
            self.copy_to(i, self.stack[src_h as usize], src_h);
        }
        self.emit_op(Op::ret, &[]);
    }

    fn set_unreachable(&mut self) {
        self.reachable = false;
        let floor = self.ctrl.last().map_or(0, |c| c.floor);
        self.stack.truncate(floor as usize);
        self.last = None;
    }

    fn block_arity(&self, bt: BlockType) -> (u32, u32) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(t) => {
                let ty = &self.m.types[t as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    fn open(&mut self, kind: Kind, bt: BlockType) {
        let (np, nr) = self.block_arity(bt);
        self.preserve_all_locals();
        self.materialize_top(np);
        let h = self.height() - np;
        self.last = None;
        self.ctrl.push(Ctrl {
            kind,
            height: h,
            floor: h,
            nparams: np,
            nresults: nr,
            start: self.code.len(),
            fixups: Vec::new(),
            else_fixup: None,
        });
    }

    /// Copies an `if`'s parameters above the originals, which the else branch needs.
    fn copy_if_params(&mut self) {
        let c = self.ctrl.last().expect("if frame");
        let (h, np) = (c.height, c.nparams);
        for i in 0..np {
            let (dst, src) = (self.temp(h + np + i), self.temp(h + i));
            self.emit_op(Op::copy, &[dst, src]);
            self.push(Opnd::Temp);
        }
    }

    /// Moves a block's results to its label slots at its end.
    fn end_moves(&mut self) {
        let c = self.ctrl.last().expect("frame");
        let (nr, height) = (c.nresults, c.height);
        let len = self.height();
        for i in 0..nr {
            let src_h = len - nr + i;
            let dst = self.temp(height + i);
            self.copy_to(dst, self.stack[src_h as usize], src_h);
        }
    }

    /// Handles one operator. Returns true at the function's final `end`.
    fn op(&mut self, op: O<'_>) -> Result<bool, TranslateError> {
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.skipped += 1;
                    return Ok(false);
                }
                O::Else if self.skipped == 0 => {}
                O::End if self.skipped == 0 => {}
                O::End => {
                    self.skipped -= 1;
                    return Ok(false);
                }
                _ => return Ok(false),
            }
        }
        use Op::*;
        match op {
            O::Nop => {}
            O::Unreachable => {
                self.emit_op(unreachable, &[]);
                self.set_unreachable();
            }
            O::Block { blockty } => self.open(Kind::Block, blockty),
            O::Loop { blockty } => self.open(Kind::Loop, blockty),
            O::If { blockty } => {
                let cond = self.pop_cond();
                self.open(Kind::If, blockty);
                let f = self.cond_jump(cond.negate());
                let c = self.ctrl.last_mut().expect("if");
                c.else_fixup = Some(f);
                if c.nparams > 0 {
                    c.floor = c.height + c.nparams;
                    self.copy_if_params();
                }
            }
            O::Else => {
                if self.reachable {
                    self.end_moves();
                    let instr = self.emit_op(br, &[0]);
                    let idx = self.ctrl.len() - 1;
                    self.ctrl[idx].fixups.push(Fixup {
                        instr,
                        word: instr + 1,
                    });
                }
                let here = self.code.len();
                let c = self.ctrl.last_mut().expect("if");
                c.kind = Kind::Else;
                let f = c.else_fixup.take();
                let floor = c.floor;
                if let Some(f) = f {
                    self.patch(f, here);
                }
                self.stack.truncate(floor as usize);
                self.reachable = true;
                self.last = None;
                if self.ctrl.last().expect("else").nparams > 0 {
                    self.copy_if_params();
                }
            }
            O::End => {
                if self.ctrl.len() == 1 {
                    if self.reachable {
                        self.emit_return();
                    }
                    return Ok(true);
                }
                if self.reachable {
                    self.end_moves();
                }
                let c = self.ctrl.pop().expect("frame");
                let here = self.code.len();
                let mut reachable = self.reachable || !c.fixups.is_empty();
                if let Some(f) = c.else_fixup {
                    self.patch(f, here);
                    reachable = true;
                }
                for f in &c.fixups {
                    self.patch(*f, here);
                }
                self.stack.truncate(c.height as usize);
                for _ in 0..c.nresults {
                    self.push(Opnd::Temp);
                }
                self.last = None;
                self.reachable = reachable;
            }
            O::Br { relative_depth } => {
                self.jump_to(relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop_cond();
                let idx = self.ctrl.len() - 1 - relative_depth as usize;
                if !self.branch_needs_moves(relative_depth) {
                    let f = self.cond_jump(cond);
                    self.bind_or_defer(idx, f);
                } else {
                    let skip = self.cond_jump(cond.negate());
                    self.jump_to(relative_depth);
                    let here = self.code.len();
                    self.patch(skip, here);
                }
                self.last = None;
            }
            O::BrTable { targets } => {
                let idx = self.pop_slot();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t?);
                }
                depths.push(targets.default());
                let n = depths.len() as u32 - 1;
                let instr = self.emit_op(br_table, &[idx, n]);
                let table_at = self.code.len();
                self.code.extend(std::iter::repeat_n(0u32, depths.len()));
                for (k, &d) in depths.iter().enumerate() {
                    let f = Fixup {
                        instr,
                        word: table_at + k,
                    };
                    if self.branch_needs_moves(d) {
                        let here = self.code.len();
                        self.patch(f, here);
                        self.jump_to(d);
                    } else {
                        let li = self.ctrl.len() - 1 - d as usize;
                        self.bind_or_defer(li, f);
                    }
                }
                self.set_unreachable();
            }
            O::Return => {
                self.emit_return();
                self.set_unreachable();
            }
            O::Call { function_index } => {
                let ty = self.m.func_type(function_index);
                let (np, nr) = (ty.params().len() as u32, ty.results().len() as u32);
                self.call_common(np, nr, |tr, base| {
                    tr.emit_op(call, &[function_index, base]);
                });
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let ty = &self.m.types[type_index as usize];
                let (np, nr) = (ty.params().len() as u32, ty.results().len() as u32);
                let i = self.pop_slot();
                // The index slot may be the temporary right above the arguments; it is
                // read before the callee's frame is entered.
                self.call_common(np, nr, |tr, base| {
                    tr.emit_op(call_indirect, &[table_index, type_index, i, base]);
                });
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop_slot();
                let len = self.stack.len();
                let b = self.slot_at(len - 1);
                let a = self.slot_at(len - 2);
                self.result_op(2, select, &[c, a, b]);
            }
            O::LocalGet { local_index } => self.push(Opnd::Local(local_index)),
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                self.push(Opnd::Temp);
                self.result_op(1, global_get, &[global_index]);
            }
            O::GlobalSet { global_index } => {
                let s = self.pop_slot();
                self.emit_op(global_set, &[global_index, s]);
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load(load32, memarg.offset),
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(load64, memarg.offset),
            O::I32Load8S { memarg } => self.load(i32_load8_s, memarg.offset),
            O::I32Load8U { memarg } => self.load(i32_load8_u, memarg.offset),
            O::I32Load16S { memarg } => self.load(i32_load16_s, memarg.offset),
            O::I32Load16U { memarg } => self.load(i32_load16_u, memarg.offset),
            O::I64Load8S { memarg } => self.load(i64_load8_s, memarg.offset),
            O::I64Load8U { memarg } => self.load(i64_load8_u, memarg.offset),
            O::I64Load16S { memarg } => self.load(i64_load16_s, memarg.offset),
            O::I64Load16U { memarg } => self.load(i64_load16_u, memarg.offset),
            O::I64Load32S { memarg } => self.load(i64_load32_s, memarg.offset),
            O::I64Load32U { memarg } => self.load(i64_load32_u, memarg.offset),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(store32, memarg.offset)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(store64, memarg.offset),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(store8, memarg.offset),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(store16, memarg.offset)
            }
            O::MemorySize { .. } => {
                self.push(Opnd::Temp);
                self.result_op(1, memory_size, &[]);
            }
            O::MemoryGrow { .. } => {
                let d = self.pop_slot();
                self.push(Opnd::Temp);
                self.result_op(1, memory_grow, &[d]);
            }
            O::MemoryFill { .. } => {
                let [d, v, n] = self.pop_slots3();
                self.emit_op(memory_fill, &[d, v, n]);
            }
            O::MemoryCopy { .. } => {
                let [d, s, n] = self.pop_slots3();
                self.emit_op(memory_copy, &[d, s, n]);
            }
            O::MemoryInit { data_index, .. } => {
                let [d, s, n] = self.pop_slots3();
                self.emit_op(memory_init, &[data_index, d, s, n]);
            }
            O::DataDrop { data_index } => {
                self.emit_op(data_drop, &[data_index]);
            }
            O::TableGet { table } => {
                let i = self.pop_slot();
                self.push(Opnd::Temp);
                self.result_op(1, table_get, &[table, i]);
            }
            O::TableSet { table } => {
                let v = self.pop_slot();
                let i = self.pop_slot();
                self.emit_op(table_set, &[table, i, v]);
            }
            O::TableSize { table } => {
                self.push(Opnd::Temp);
                self.result_op(1, table_size, &[table]);
            }
            O::TableGrow { table } => {
                let len = self.stack.len();
                let delta = self.slot_at(len - 1);
                let init = self.slot_at(len - 2);
                self.result_op(2, table_grow, &[table, init, delta]);
            }
            O::TableFill { table } => {
                let [i, v, n] = self.pop_slots3();
                self.emit_op(table_fill, &[table, i, v, n]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let [d, s, n] = self.pop_slots3();
                self.emit_op(table_copy, &[dst_table, src_table, d, s, n]);
            }
            O::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop_slots3();
                self.emit_op(table_init, &[table, elem_index, d, s, n]);
            }
            O::ElemDrop { elem_index } => {
                self.emit_op(elem_drop, &[elem_index]);
            }
            O::RefNull { .. } => self.push(Opnd::Const(0)),
            O::RefIsNull => self.eqz(true),
            O::RefFunc { function_index } => {
                self.push(Opnd::Temp);
                self.result_op(1, ref_func, &[function_index]);
            }
            O::I32Const { value } => self.push(Opnd::Const(u64::from(value as u32))),
            O::I64Const { value } => self.push(Opnd::Const(value as u64)),
            O::F32Const { value } => self.push(Opnd::Const(u64::from(value.bits()))),
            O::F64Const { value } => self.push(Opnd::Const(value.bits())),
            // Reinterpretations keep the bits: nothing to do.
            O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => {}
            O::I32Eqz => self.eqz(false),
            O::I64Eqz => self.eqz(true),
            O::I32Eq => self.compare(Cmp::Eq, false),
            O::I32Ne => self.compare(Cmp::Ne, false),
            O::I32LtS => self.compare(Cmp::LtS, false),
            O::I32LtU => self.compare(Cmp::LtU, false),
            O::I32GtS => self.compare(Cmp::GtS, false),
            O::I32GtU => self.compare(Cmp::GtU, false),
            O::I32LeS => self.compare(Cmp::LeS, false),
            O::I32LeU => self.compare(Cmp::LeU, false),
            O::I32GeS => self.compare(Cmp::GeS, false),
            O::I32GeU => self.compare(Cmp::GeU, false),
            O::I64Eq => self.compare(Cmp::Eq, true),
            O::I64Ne => self.compare(Cmp::Ne, true),
            O::I64LtS => self.compare(Cmp::LtS, true),
            O::I64LtU => self.compare(Cmp::LtU, true),
            O::I64GtS => self.compare(Cmp::GtS, true),
            O::I64GtU => self.compare(Cmp::GtU, true),
            O::I64LeS => self.compare(Cmp::LeS, true),
            O::I64LeU => self.compare(Cmp::LeU, true),
            O::I64GeS => self.compare(Cmp::GeS, true),
            O::I64GeU => self.compare(Cmp::GeU, true),
            O::F32Eq => self.binary(f32_eq_ss, None, None, false),
            O::F32Ne => self.binary(f32_ne_ss, None, None, false),
            O::F32Lt => self.binary(f32_lt_ss, None, None, false),
            O::F32Gt => self.binary(f32_gt_ss, None, None, false),
            O::F32Le => self.binary(f32_le_ss, None, None, false),
            O::F32Ge => self.binary(f32_ge_ss, None, None, false),
            O::F64Eq => self.binary(f64_eq_ss, None, None, false),
            O::F64Ne => self.binary(f64_ne_ss, None, None, false),
            O::F64Lt => self.binary(f64_lt_ss, None, None, false),
            O::F64Gt => self.binary(f64_gt_ss, None, None, false),
            O::F64Le => self.binary(f64_le_ss, None, None, false),
            O::F64Ge => self.binary(f64_ge_ss, None, None, false),
            O::I32Clz => self.unary(i32_clz),
            O::I32Ctz => self.unary(i32_ctz),
            O::I32Popcnt => self.unary(i32_popcnt),
            O::I32Add => self.binary3([i32_add_ss, i32_add_si, i32_add_si], true, false),
            O::I32Sub => self.binary3([i32_sub_ss, i32_sub_si, i32_sub_is], false, false),
            O::I32Mul => self.binary3([i32_mul_ss, i32_mul_si, i32_mul_si], true, false),
            O::I32DivS => self.binary3([i32_div_s_ss, i32_div_s_si, i32_div_s_is], false, false),
            O::I32DivU => self.binary3([i32_div_u_ss, i32_div_u_si, i32_div_u_is], false, false),
            O::I32RemS => self.binary3([i32_rem_s_ss, i32_rem_s_si, i32_rem_s_is], false, false),
            O::I32RemU => self.binary3([i32_rem_u_ss, i32_rem_u_si, i32_rem_u_is], false, false),
            O::I32And => self.binary3([i32_and_ss, i32_and_si, i32_and_si], true, false),
            O::I32Or => self.binary3([i32_or_ss, i32_or_si, i32_or_si], true, false),
            O::I32Xor => self.binary3([i32_xor_ss, i32_xor_si, i32_xor_si], true, false),
            O::I32Shl => self.binary3([i32_shl_ss, i32_shl_si, i32_shl_is], false, false),
            O::I32ShrS => self.binary3([i32_shr_s_ss, i32_shr_s_si, i32_shr_s_is], false, false),
            O::I32ShrU => self.binary3([i32_shr_u_ss, i32_shr_u_si, i32_shr_u_is], false, false),
            O::I32Rotl => self.binary3([i32_rotl_ss, i32_rotl_si, i32_rotl_is], false, false),
            O::I32Rotr => self.binary3([i32_rotr_ss, i32_rotr_si, i32_rotr_is], false, false),
            O::I64Clz => self.unary(i64_clz),
            O::I64Ctz => self.unary(i64_ctz),
            O::I64Popcnt => self.unary(i64_popcnt),
            O::I64Add => self.binary3([i64_add_ss, i64_add_si, i64_add_si], true, true),
            O::I64Sub => self.binary3([i64_sub_ss, i64_sub_si, i64_sub_is], false, true),
            O::I64Mul => self.binary3([i64_mul_ss, i64_mul_si, i64_mul_si], true, true),
            O::I64DivS => self.binary3([i64_div_s_ss, i64_div_s_si, i64_div_s_is], false, true),
            O::I64DivU => self.binary3([i64_div_u_ss, i64_div_u_si, i64_div_u_is], false, true),
            O::I64RemS => self.binary3([i64_rem_s_ss, i64_rem_s_si, i64_rem_s_is], false, true),
            O::I64RemU => self.binary3([i64_rem_u_ss, i64_rem_u_si, i64_rem_u_is], false, true),
            O::I64And => self.binary3([i64_and_ss, i64_and_si, i64_and_si], true, true),
            O::I64Or => self.binary3([i64_or_ss, i64_or_si, i64_or_si], true, true),
            O::I64Xor => self.binary3([i64_xor_ss, i64_xor_si, i64_xor_si], true, true),
            O::I64Shl => self.binary3([i64_shl_ss, i64_shl_si, i64_shl_is], false, true),
            O::I64ShrS => self.binary3([i64_shr_s_ss, i64_shr_s_si, i64_shr_s_is], false, true),
            O::I64ShrU => self.binary3([i64_shr_u_ss, i64_shr_u_si, i64_shr_u_is], false, true),
            O::I64Rotl => self.binary3([i64_rotl_ss, i64_rotl_si, i64_rotl_is], false, true),
            O::I64Rotr => self.binary3([i64_rotr_ss, i64_rotr_si, i64_rotr_is], false, true),
            O::F32Abs => self.unary(f32_abs),
            O::F32Neg => self.unary(f32_neg),
            O::F32Ceil => self.unary(f32_ceil),
            O::F32Floor => self.unary(f32_floor),
            O::F32Trunc => self.unary(f32_trunc),
            O::F32Nearest => self.unary(f32_nearest),
            O::F32Sqrt => self.unary(f32_sqrt),
            O::F32Add => self.binary(f32_add_ss, None, None, false),
            O::F32Sub => self.binary(f32_sub_ss, None, None, false),
            O::F32Mul => self.binary(f32_mul_ss, None, None, false),
            O::F32Div => self.binary(f32_div_ss, None, None, false),
            O::F32Min => self.binary(f32_min_ss, None, None, false),
            O::F32Max => self.binary(f32_max_ss, None, None, false),
            O::F32Copysign => self.binary(f32_copysign_ss, None, None, false),
            O::F64Abs => self.unary(f64_abs),
            O::F64Neg => self.unary(f64_neg),
            O::F64Ceil => self.unary(f64_ceil),
            O::F64Floor => self.unary(f64_floor),
            O::F64Trunc => self.unary(f64_trunc),
            O::F64Nearest => self.unary(f64_nearest),
            O::F64Sqrt => self.unary(f64_sqrt),
            O::F64Add => self.binary(f64_add_ss, None, None, false),
            O::F64Sub => self.binary(f64_sub_ss, None, None, false),
            O::F64Mul => self.binary(f64_mul_ss, None, None, false),
            O::F64Div => self.binary(f64_div_ss, None, None, false),
            O::F64Min => self.binary(f64_min_ss, None, None, false),
            O::F64Max => self.binary(f64_max_ss, None, None, false),
            O::F64Copysign => self.binary(f64_copysign_ss, None, None, false),
            O::I32WrapI64 => self.unary(i32_wrap_i64),
            O::I32TruncF32S => self.unary(i32_trunc_f32_s),
            O::I32TruncF32U => self.unary(i32_trunc_f32_u),
            O::I32TruncF64S => self.unary(i32_trunc_f64_s),
            O::I32TruncF64U => self.unary(i32_trunc_f64_u),
            O::I64ExtendI32S => self.unary(i64_extend_i32_s),
            O::I64ExtendI32U => self.unary(i64_extend_i32_u),
            O::I64TruncF32S => self.unary(i64_trunc_f32_s),
            O::I64TruncF32U => self.unary(i64_trunc_f32_u),
            O::I64TruncF64S => self.unary(i64_trunc_f64_s),
            O::I64TruncF64U => self.unary(i64_trunc_f64_u),
            O::F32ConvertI32S => self.unary(f32_convert_i32_s),
            O::F32ConvertI32U => self.unary(f32_convert_i32_u),
            O::F32ConvertI64S => self.unary(f32_convert_i64_s),
            O::F32ConvertI64U => self.unary(f32_convert_i64_u),
            O::F32DemoteF64 => self.unary(f32_demote_f64),
            O::F64ConvertI32S => self.unary(f64_convert_i32_s),
            O::F64ConvertI32U => self.unary(f64_convert_i32_u),
            O::F64ConvertI64S => self.unary(f64_convert_i64_s),
            O::F64ConvertI64U => self.unary(f64_convert_i64_u),
            O::F64PromoteF32 => self.unary(f64_promote_f32),
            O::I32Extend8S => self.unary(i32_extend8_s),
            O::I32Extend16S => self.unary(i32_extend16_s),
            O::I64Extend8S => self.unary(i64_extend8_s),
            O::I64Extend16S => self.unary(i64_extend16_s),
            O::I64Extend32S => self.unary(i64_extend32_s),
            O::I32TruncSatF32S => self.unary(i32_trunc_f32_s_sat),
            O::I32TruncSatF32U => self.unary(i32_trunc_f32_u_sat),
            O::I32TruncSatF64S => self.unary(i32_trunc_f64_s_sat),
            O::I32TruncSatF64U => self.unary(i32_trunc_f64_u_sat),
            O::I64TruncSatF32S => self.unary(i64_trunc_f32_s_sat),
            O::I64TruncSatF32U => self.unary(i64_trunc_f32_u_sat),
            O::I64TruncSatF64S => self.unary(i64_trunc_f64_s_sat),
            O::I64TruncSatF64U => self.unary(i64_trunc_f64_u_sat),
            other => return Err(TranslateError(format!("unsupported operator {other:?}"))),
        }
        Ok(false)
    }

    fn pop_slots3(&mut self) -> [u32; 3] {
        let len = self.stack.len();
        let c = self.slot_at(len - 1);
        let b = self.slot_at(len - 2);
        let a = self.slot_at(len - 3);
        self.stack.truncate(len - 3);
        [a, b, c]
    }

    fn call_common(&mut self, np: u32, nr: u32, emit: impl FnOnce(&mut Self, u32)) {
        self.materialize_top(np);
        let h = self.height() - np;
        let base = self.temp(h);
        emit(self, base);
        self.stack.truncate(h as usize);
        for _ in 0..nr {
            self.push(Opnd::Temp);
        }
        // The callee's frame starts at `base`; make sure ours covers its results.
        self.max_height = self.max_height.max(h + np.max(nr));
        self.last = None;
    }

    fn load(&mut self, op: Op, offset: u64) {
        let a = self.pop_slot();
        self.push(Opnd::Temp);
        self.result_op(1, op, &[a, offset as u32]);
    }

    fn store(&mut self, op: Op, offset: u64) {
        let len = self.stack.len();
        let v = self.slot_at(len - 1);
        let a = self.slot_at(len - 2);
        self.stack.truncate(len - 2);
        self.emit_op(op, &[a, v, offset as u32]);
    }

    fn local_set(&mut self, l: u32, tee: bool) {
        let h = self.height() - 1;
        let v = self.stack[h as usize];
        let needs_preserve = self.stack[..h as usize].contains(&Opnd::Local(l));
        let retarget = match (v, self.last, needs_preserve) {
            (Opnd::Temp, Some(Last::Result { dst, height }), false) if height == h => Some(dst),
            (Opnd::Temp, Some(Last::Cmp { dst, height, .. }), false) if height == h => Some(dst),
            _ => None,
        };
        if let Some(dst) = retarget {
            self.code[dst] = l;
            self.last = None;
        } else {
            self.stack.pop();
            self.preserve_local(l);
            self.copy_to(l, v, h);
            self.stack.push(v);
        }
        self.stack.pop();
        if tee {
            self.push(Opnd::Local(l));
        }
    }
}

/// A readable listing of translated code, one instruction per line (for debugging and
/// tests).
pub fn disassemble(code: &[u32]) -> String {
    use crate::exec::{NUM_OPS, OP_NAMES, OP_SIZES};
    let mut out = String::new();
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc] as usize;
        if op >= NUM_OPS {
            out.push_str(&format!("{pc:5}: <bad opcode {op}>\n"));
            break;
        }
        let size = match OP_SIZES[op] {
            0 => 4 + code.get(pc + 2).copied().unwrap_or(0) as usize,
            n => n as usize,
        };
        let end = (pc + size).min(code.len());
        let operands: Vec<String> = code[pc + 1..end]
            .iter()
            .map(|w| (*w as i32).to_string())
            .collect();
        out.push_str(&format!(
            "{pc:5}: {} {}\n",
            OP_NAMES[op],
            operands.join(" ")
        ));
        pc += size;
    }
    out
}
