//! Translation: a function's wasm stack code to slot bytecode, once per function.
//!
//! Frame layout: the parameters and declared locals come first, packed (a `v128` takes
//! two 8-byte slots, everything else one; `wamr_common::types::slot_offsets`); after
//! them, at `T`, slot `T + h` is the temporary for operand-stack height `h`. Every value
//! the translator materialises lands in the temporary of the height it occupies, so
//! blocks merge without moves, and a call's arguments are already the callee's
//! parameters (the callee frame starts at the first argument's slot).
//!
//! A function that can hold a v128 anywhere (*wide*: a v128 local, parameter or result,
//! a SIMD operator, a call, global or tag with a v128) gives every height two slots
//! (`T + 2h`), so a temporary holds any value and moves between temporaries copy 16
//! bytes without knowing the type. Its calls, throws and catches pack values the
//! calling convention's way (as the callee's locals and the host see them) with
//! copies before and after, unless one value each way makes the two layouts agree. A
//! function without v128 is translated as before, with one slot per height.
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
//! Peephole rules, all on the instruction just emitted (`Last`), so nothing can jump
//! between it and the instruction that rewrites it:
//! - *retargeting*: a `local.set` (or a function's single-result return) right after the
//!   instruction that produced the value makes that instruction write the local (or
//!   result slot 0) directly;
//! - *accumulator passing*: when the next instruction consumes the value the last one
//!   produced, the producer becomes its accumulator twin (`Op::acc_twin`, no result
//!   word) and the consumer reads the accumulator. Only ops that never touch the
//!   accumulator (copies) may be emitted between the two, and the value is dead after
//!   the consumer, so the accumulator never needs saving;
//! - *fusion*: a comparison right before `br_if`/`if` becomes a compare-and-branch;
//! - *extension*: `shl k; shr_s k` with `k` 24 or 16 (32-bit) is `extend8_s`/`extend16_s`.
//! - *constant folding*: integer operators on two constants that cannot trap are folded
//!   with `wamr_common::semantics`, SIMD vector operators on `v128.const`s with
//!   `wamr_common::simd` (a v128 constant stays an operand until something needs it in
//!   a slot).
//!
//! A last pass fuses adjacent pairs into super-instructions (`isa::fuse_runs`).

use std::collections::HashMap;

use wamr_common::metering::{FuelPlan, Metering};
use wamr_common::module::ModuleData;
use wamr_common::semantics as sem;
use wamr_common::FuncIndex;
use wasmparser::{BinaryReader, BlockType, FunctionBody, MemArg, Operator as O};

use wamr_common::types::{slot_offsets, FuncType, ValType};

use crate::isa::{
    access_end, enc, fam, Binary, BranchCmp, In, LaneShape, Load, Op, Out, Store, Unary, VAccess,
    VMem, VMemory,
};

mod exceptions;

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
    /// A v128 constant: index into `Translator::v128_consts` (kept out of line so an
    /// operand stays two words).
    ConstV128(u32),
}

/// The compile-time operand stack, with an index of which entries are locals, so that
/// `local.set`/`local.tee` and the preservation of locals never scan the whole stack
/// (a long chain of them on a deep stack was quadratic). Reads go through the slice;
/// every change goes through a method that keeps the index.
#[derive(Default)]
struct OperandStack {
    items: Vec<Opnd>,
    /// How many entries are `Local(l)`, by local (grown on demand).
    counts: Vec<u32>,
    /// Positions pushed as `Local(l)`, by local; an entry may be stale (popped or
    /// materialised since), so each is checked against `items` when used.
    positions: Vec<Vec<u32>>,
    /// Positions pushed as any local (checked the same way).
    all: Vec<u32>,
    /// How many entries are locals.
    locals: u32,
}

impl std::ops::Deref for OperandStack {
    type Target = [Opnd];
    fn deref(&self) -> &[Opnd] {
        &self.items
    }
}

impl OperandStack {
    const SHALLOW: usize = 32;

    /// An empty stack for a function with `nlocals` locals.
    fn new(nlocals: u32) -> OperandStack {
        OperandStack {
            counts: vec![0; nlocals as usize],
            ..Default::default()
        }
    }

    #[inline]
    fn push(&mut self, o: Opnd) {
        if let Opnd::Local(l) = o {
            // Validated: `l` is one of the function's locals.
            self.counts[l as usize] += 1;
            self.locals += 1;
            // The first `SHALLOW` entries are scanned, never indexed: most functions
            // never get deeper, and so never allocate an index.
            let at = self.items.len();
            if at >= Self::SHALLOW {
                self.index(l as usize, at as u32);
            }
        }
        self.items.push(o);
    }

    #[cold]
    fn index(&mut self, l: usize, at: u32) {
        if l >= self.positions.len() {
            self.positions.resize_with(l + 1, Vec::new);
        }
        self.positions[l].push(at);
        self.all.push(at);
    }

    #[inline]
    fn forget(&mut self, o: Opnd) {
        if let Opnd::Local(l) = o {
            // Pushed through `push`, so counted.
            self.counts[l as usize] -= 1;
            self.locals -= 1;
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Opnd> {
        let o = self.items.pop()?;
        self.forget(o);
        Some(o)
    }

    fn truncate(&mut self, len: usize) {
        if self.locals == 0 {
            self.items.truncate(len);
            return;
        }
        while self.items.len() > len {
            self.pop();
        }
    }

    /// Overwrites entry `i`.
    fn set(&mut self, i: usize, o: Opnd) {
        let old = std::mem::replace(&mut self.items[i], o);
        self.forget(old);
        // The new value is never a local (only materialisation overwrites entries);
        // `push` would be needed to index one.
        debug_assert!(!matches!(o, Opnd::Local(_)), "set only materialises");
    }

    /// Whether an entry below the top is `Local(l)`.
    fn holds_local_below_top(&self, l: u32) -> bool {
        let on_top = self.items.last() == Some(&Opnd::Local(l));
        self.counts.get(l as usize).copied().unwrap_or(0) > u32::from(on_top)
    }

    /// Puts the positions of the entries that are `Local(l)` in `out`, ascending, and
    /// empties the index of `l` (the caller materialises them all).
    fn take_local(&mut self, l: u32, out: &mut Vec<usize>) {
        out.clear();
        if self.counts.get(l as usize).copied().unwrap_or(0) == 0 {
            return;
        }
        let mut listed = std::mem::take(
            self.positions
                .get_mut(l as usize)
                .unwrap_or(&mut Vec::new()),
        );
        self.live(&listed, out, |o| o == Opnd::Local(l));
        listed.clear();
        if let Some(p) = self.positions.get_mut(l as usize) {
            *p = listed;
        }
    }

    /// Puts the positions of every entry that is a local in `out`, ascending, and empties
    /// the index.
    fn take_all_locals(&mut self, out: &mut Vec<usize>) {
        out.clear();
        if self.locals == 0 {
            return;
        }
        let listed = std::mem::take(&mut self.all);
        self.live(&listed, out, |o| matches!(o, Opnd::Local(_)));
        self.all = listed;
        self.all.clear();
    }

    /// The positions that hold what `is` accepts, ascending: the shallow part scanned,
    /// the deeper part from `listed` (its index entries, checked, sorted, unique).
    fn live(&self, listed: &[u32], out: &mut Vec<usize>, is: impl Fn(Opnd) -> bool) {
        let len = self.items.len();
        let shallow = len.min(Self::SHALLOW);
        out.extend((0..shallow).filter(|&p| is(self.items[p])));
        let deep_from = out.len();
        out.extend(
            listed
                .iter()
                .map(|&p| p as usize)
                .filter(|&p| p < len && is(self.items[p])),
        );
        out[deep_from..].sort_unstable();
        out.dedup();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
    /// A `try_table` block (its handler covers the body).
    TryTable,
    /// A legacy `try` block's body (its handler covers it).
    Try,
    /// A legacy `try` block in a `catch` or `catch_all` clause (no longer a handler).
    Catch,
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
    /// The handler of a `try_table` or legacy `try` (index into `Translator::handlers`).
    handler: Option<usize>,
    /// A legacy `catch` clause's jump to the next clause when the tag differs.
    next_catch: Option<Fixup>,
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

    /// The value family and the fused-branch family of this comparison.
    fn families(self, wide: bool) -> (&'static Binary, &'static BranchCmp) {
        use Cmp::*;
        match (self, wide) {
            (Eq, false) => (&fam::i32_eq, &fam::br_i32_eq),
            (Ne, false) => (&fam::i32_ne, &fam::br_i32_ne),
            (LtS, false) => (&fam::i32_lt_s, &fam::br_i32_lt_s),
            (LtU, false) => (&fam::i32_lt_u, &fam::br_i32_lt_u),
            (GtS, false) => (&fam::i32_gt_s, &fam::br_i32_gt_s),
            (GtU, false) => (&fam::i32_gt_u, &fam::br_i32_gt_u),
            (LeS, false) => (&fam::i32_le_s, &fam::br_i32_le_s),
            (LeU, false) => (&fam::i32_le_u, &fam::br_i32_le_u),
            (GeS, false) => (&fam::i32_ge_s, &fam::br_i32_ge_s),
            (GeU, false) => (&fam::i32_ge_u, &fam::br_i32_ge_u),
            (Eq, true) => (&fam::i64_eq, &fam::br_i64_eq),
            (Ne, true) => (&fam::i64_ne, &fam::br_i64_ne),
            (LtS, true) => (&fam::i64_lt_s, &fam::br_i64_lt_s),
            (LtU, true) => (&fam::i64_lt_u, &fam::br_i64_lt_u),
            (GtS, true) => (&fam::i64_gt_s, &fam::br_i64_gt_s),
            (GtU, true) => (&fam::i64_gt_u, &fam::br_i64_gt_u),
            (LeS, true) => (&fam::i64_le_s, &fam::br_i64_le_s),
            (LeU, true) => (&fam::i64_le_u, &fam::br_i64_le_u),
            (GeS, true) => (&fam::i64_ge_s, &fam::br_i64_ge_s),
            (GeU, true) => (&fam::i64_ge_u, &fam::br_i64_ge_u),
        }
    }
}

/// What the last instruction was, when a peephole rule may still rewrite it. Its
/// result field `d` is the word after its opcode.
#[derive(Debug, Clone, Copy)]
struct Last {
    /// Where the instruction starts.
    start: usize,
    /// Stack height of its result.
    height: u32,
    /// Set for integer comparisons (and `eqz`), which may fuse with a branch.
    cmp: Option<CmpRecord>,
    /// Set for `shl` by a constant (for the extension rule).
    shl_by: Option<(u64, In, bool)>,
}

#[derive(Debug, Clone, Copy)]
struct CmpRecord {
    cmp: Cmp,
    wide: bool,
    lhs: In,
    rhs: In,
}

/// A branch condition.
#[derive(Debug, Clone, Copy)]
enum Cond {
    Cmp(CmpRecord),
    /// Non-zero (32-bit).
    Nez(In),
}

impl Cond {
    fn negate(self) -> Cond {
        match self {
            Cond::Cmp(c) => Cond::Cmp(CmpRecord {
                cmp: c.cmp.negate(),
                ..c
            }),
            Cond::Nez(s) => Cond::Cmp(CmpRecord {
                cmp: Cmp::Eq,
                wide: false,
                lhs: s,
                rhs: In::Imm(0),
            }),
        }
    }
}

/// The test of a reference in slot `r` against null (`Cmp::Eq`: is null).
fn null_test(r: u32, cmp: Cmp) -> Cond {
    Cond::Cmp(CmpRecord {
        cmp,
        wide: true,
        lhs: In::Slot(r),
        rhs: In::Imm(0),
    })
}

/// A constant folder for a non-trapping integer operator of `wamr_common::semantics`,
/// over raw slot bits.
macro_rules! fold {
    ($f:path, u32) => {
        Some((|a: u64, b: u64| u64::from($f(a as u32, b as u32))) as fn(u64, u64) -> u64)
    };
    ($f:path, i32) => {
        Some(
            (|a: u64, b: u64| u64::from($f(a as u32 as i32, b as u32 as i32) as u32))
                as fn(u64, u64) -> u64,
        )
    };
    ($f:path, u64) => {
        Some((|a: u64, b: u64| $f(a, b)) as fn(u64, u64) -> u64)
    };
    ($f:path, i64) => {
        Some((|a: u64, b: u64| $f(a as i64, b as i64) as u64) as fn(u64, u64) -> u64)
    };
}

fn int_opts(commutative: bool, fold: Option<fn(u64, u64) -> u64>) -> BinOpts {
    BinOpts { commutative, fold }
}

/// Float operators: never mirrored (see `build.rs`), never folded.
const FLOAT: BinOpts = BinOpts {
    commutative: false,
    fold: None,
};

/// What a binary operator allows.
#[derive(Debug, Clone, Copy)]
struct BinOpts {
    commutative: bool,
    /// Folds two constants (operators that cannot trap).
    fold: Option<fn(u64, u64) -> u64>,
}

struct Translator<'m> {
    module: &'m ModuleData,
    code: Vec<u32>,
    stack: OperandStack,
    /// Reused by `preserve_local`/`preserve_all_locals`.
    scratch: Vec<usize>,
    ctrl: Vec<Ctrl>,
    /// Slots the parameters and declared locals take (the first temporary's slot).
    nlocal_slots: u32,
    /// Each local's slot.
    local_slots: Vec<u32>,
    /// Each local's type.
    local_types: Vec<ValType>,
    /// Slots per stack height: 2 in a wide function (see the module comment), else 1.
    stride: u32,
    /// The function's result types, and where each goes in the frame (packed from slot 0).
    results: &'m [ValType],
    result_offsets: Vec<u32>,
    nresults: u32,
    max_height: u32,
    last: Option<Last>,
    reachable: bool,
    /// Blocks opened inside unreachable code (skipped without translation).
    skipped: u32,
    /// The values of the `Opnd::ConstV128` operands.
    v128_consts: Vec<u128>,
    /// Emit an interruption check at every loop header (and the entry).
    interruptible: bool,
    /// Exception handlers of the function (`exceptions`), indexed by `Ctrl::handler`.
    handlers: Vec<exceptions::Handler>,
    /// Frame slots past the temporaries that hold the exception a legacy `catch` caught
    /// (for `rethrow`), one per nesting level; patched in at the end (`exceptions`).
    caught: exceptions::CaughtSlots,
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

pub use crate::isa::disassemble;

/// The most bytecode one function may translate to (words of 4 bytes): translation is
/// linear, so only a body near wasmparser's size limit that expands unusually could
/// reach it, and it ends in a clear error rather than unbounded memory.
pub const MAX_FUNCTION_WORDS: usize = 64 << 20;

/// Translates defined function `func_index` (an index in the whole function space).
pub fn translate(m: &ModuleData, func_index: u32) -> Result<Translated, TranslateError> {
    translate_with(m, func_index, Metering::default())
}

/// [`translate`] with fuel charges and interruption checks as `metering` asks
/// (`wamr_common::metering` says where they go; both engines place them alike).
pub fn translate_with(
    m: &ModuleData,
    func_index: u32,
    metering: Metering,
) -> Result<Translated, TranslateError> {
    let _span = tracing::trace_span!("translate", func = func_index).entered();
    let def = m
        .body_of(FuncIndex(func_index))
        .ok_or_else(|| TranslateError(format!("function {func_index} has no body")))?;
    let ty = m.func_type(func_index);
    let nparams = ty.params().len() as u32;
    let nresults = ty.results().len() as u32;
    let local_types: Vec<ValType> = ty
        .params()
        .iter()
        .chain(def.locals.iter())
        .copied()
        .collect();
    let (local_offsets, nlocal_slots) = slot_offsets(&local_types);
    let local_slots: Vec<u32> = local_offsets.iter().map(|&o| o as u32).collect();
    let nlocal_slots =
        u32::try_from(nlocal_slots).map_err(|_| TranslateError("too many locals".into()))?;
    let bytes = &m.bytes[def.range.clone()];
    let body = FunctionBody::new(BinaryReader::new(bytes, def.range.start as u64));
    let mut reader = body.get_operators_reader()?;
    // Wide slots only where a v128 can reach the operand stack. Without a v128 in the
    // module's types, only a SIMD operator brings one in, and its 0xFD prefix is then
    // somewhere in the body's bytes: most bodies skip the operator scan.
    let wide = local_types.contains(&ValType::V128)
        || ty.results().contains(&ValType::V128)
        || ((m.v128_in_types || bytes.contains(&0xFD))
            && body_touches_v128(m, body.get_operators_reader()?)?);
    let mut fuel = match metering.fuel {
        true => Some(FuelPlan::new(body.get_operators_reader()?)?),
        false => None,
    };
    let mut tr = Translator {
        module: m,
        code: Vec::with_capacity(bytes.len() * 2),
        stack: OperandStack::new(nlocal_slots),
        scratch: Vec::new(),
        ctrl: vec![Ctrl {
            kind: Kind::Func,
            height: 0,
            floor: 0,
            nparams: 0,
            nresults,
            start: 0,
            fixups: Vec::new(),
            else_fixup: None,
            handler: None,
            next_catch: None,
        }],
        nlocal_slots,
        local_slots,
        local_types,
        stride: if wide { 2 } else { 1 },
        results: ty.results(),
        result_offsets: slot_offsets(ty.results())
            .0
            .into_iter()
            .map(|o| o as u32)
            .collect(),
        nresults,
        max_height: 0,
        last: None,
        reachable: true,
        skipped: 0,
        v128_consts: Vec::new(),
        interruptible: metering.interruptible,
        handlers: Vec::new(),
        caught: exceptions::CaughtSlots::default(),
    };
    if tr.interruptible {
        enc::check_interrupt(&mut tr.code);
    }
    // Declared locals start at zero; the call handlers leave that to the callee.
    let zeroed = crate::prologue::locals_to_zero(
        body.get_operators_reader()?,
        nparams,
        def.locals.len() as u32,
    )?;
    for (first, count) in zeroed {
        // Runs of locals, as slots (a v128 local takes two).
        let last = (first + count - 1) as usize;
        let start = tr.local_slots[first as usize];
        let end = tr.local_slots[last] + tr.local_types[last].slots();
        match end - start {
            1 => enc::copy_imm32(&mut tr.code, start, 0),
            n => enc::zero_slots(&mut tr.code, start, n),
        };
    }
    while !reader.eof() {
        if tr.code.len() > MAX_FUNCTION_WORDS {
            return Err(TranslateError(format!(
                "function {func_index}'s bytecode would exceed {} MiB",
                (MAX_FUNCTION_WORDS * 4) >> 20
            )));
        }
        let op = reader.read()?;
        if let Some(cost) = fuel.as_mut().and_then(|plan| plan.before(&op)) {
            if tr.reachable {
                tr.begin();
                enc::fuel(&mut tr.code, cost);
            }
        }
        if tr.op(op)? {
            break;
        }
    }
    // The caught-exception slots sit above every temporary.
    let caught_base = u64::from(nlocal_slots) + u64::from(tr.stride) * u64::from(tr.max_height);
    let caught_base =
        u32::try_from(caught_base).map_err(|_| TranslateError("frame too large".into()))?;
    tr.caught.patch(&mut tr.code, caught_base);
    crate::isa::switch_to_values(&mut tr.code);
    if !tr.wide() {
        crate::threading::thread_switches(&mut tr.code);
    }
    crate::isa::branch_over_copy(&mut tr.code);
    if !crate::profile::unfused() {
        crate::isa::fuse_runs(&mut tr.code);
    }
    crate::isa::fill_table_ops(&mut tr.code);
    let frame_slots = (u64::from(caught_base) + u64::from(tr.caught.count()))
        .max(u64::from(ty.result_slots()))
        .max(1);
    let frame_slots =
        u32::try_from(frame_slots).map_err(|_| TranslateError("frame too large".into()))?;
    Ok(Translated {
        code: tr.code,
        frame_slots,
    })
}

impl Translator<'_> {
    fn temp(&self, height: u32) -> u32 {
        self.nlocal_slots + self.stride * height
    }

    /// Whether temporaries are two slots wide (see the module comment).
    fn wide(&self) -> bool {
        self.stride == 2
    }

    /// A copy of one slot, or of two (`wide`: a v128, or any value between temporaries
    /// of a wide function).
    fn emit_copy(&mut self, dst: u32, src: u32, wide: bool) {
        self.begin();
        if wide {
            enc::copy128(&mut self.code, dst, src);
        } else {
            enc::copy(&mut self.code, dst, src);
        }
    }

    /// Moves the values of `types` from the temporaries from height `h` (two slots each)
    /// to their packed places from `temp(h)`, lowest first: each lands at or below its
    /// source and above every earlier value, so no copy overwrites a source still to be
    /// read.
    fn pack(&mut self, h: u32, types: &[ValType]) {
        let (offsets, _) = slot_offsets(types);
        let base = self.temp(h);
        for (i, (t, off)) in types.iter().zip(offsets).enumerate() {
            let (dst, src) = (base + off as u32, self.temp(h + i as u32));
            if dst != src {
                self.emit_copy(dst, src, *t == ValType::V128);
            }
        }
    }

    /// The inverse of [`Self::pack`], highest first (each value moves up).
    fn unpack(&mut self, h: u32, types: &[ValType]) {
        let (offsets, _) = slot_offsets(types);
        let base = self.temp(h);
        for (i, (t, off)) in types.iter().zip(offsets).enumerate().rev() {
            let (dst, src) = (self.temp(h + i as u32), base + off as u32);
            if dst != src {
                self.emit_copy(dst, src, *t == ValType::V128);
            }
        }
    }

    /// Whether values of `types` at the temporaries from some height need [`Self::pack`]
    /// to be where the packed layout puts them.
    fn needs_packing(&self, types: &[ValType]) -> bool {
        self.wide() && types.len() > 1
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

    /// Starts a new instruction: no peephole rule may rewrite the previous one after it.
    fn begin(&mut self) {
        self.last = None;
    }

    /// Copies a value into slot `dst` (two slots if `wide`). Copies never touch the
    /// accumulator.
    fn copy_to(&mut self, dst: u32, src: Opnd, height: u32, wide: bool) {
        match src {
            Opnd::Temp => {
                let s = self.temp(height);
                if s != dst {
                    self.emit_copy(dst, s, wide);
                }
            }
            Opnd::Local(l) => {
                if l != dst {
                    self.emit_copy(dst, l, wide);
                }
            }
            Opnd::Const(c) => {
                self.begin();
                if c >> 32 == 0 {
                    enc::copy_imm32(&mut self.code, dst, c as u32);
                } else {
                    enc::copy_imm64(&mut self.code, dst, c);
                }
            }
            Opnd::ConstV128(k) => {
                self.begin();
                enc::v128_const(&mut self.code, dst, self.v128_consts[k as usize]);
            }
        }
    }

    /// Puts stack entry `i` in its temporary.
    fn materialize(&mut self, i: usize) {
        let o = self.stack[i];
        if o != Opnd::Temp {
            let dst = self.temp(i as u32);
            self.copy_to(dst, o, i as u32, self.wide());
            self.stack.set(i, Opnd::Temp);
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
            Opnd::Const(_) | Opnd::ConstV128(_) => {
                self.materialize(i);
                self.temp(i as u32)
            }
        }
    }

    /// A v128 constant operand.
    fn push_v128(&mut self, v: u128) {
        let k = self.v128_consts.len() as u32;
        self.v128_consts.push(v);
        self.push(Opnd::ConstV128(k));
    }

    /// Whether stack entry `i` is the result of the last instruction, which can still be
    /// turned into its accumulator twin.
    fn acc_candidate(&self, i: usize) -> bool {
        let Some(last) = self.last else {
            return false;
        };
        self.stack[i] == Opnd::Temp
            && last.height as usize == i
            && Op::from_word(self.code[last.start]).is_some_and(|op| {
                op.acc_twin().is_some() && last.start + op.size() == self.code.len()
            })
    }

    /// Turns the last instruction into its accumulator twin (see [`Self::acc_candidate`]).
    fn take_acc(&mut self) {
        let last = self.last.take().expect("an accumulator candidate");
        let op = Op::from_word(self.code[last.start]).expect("an op");
        let twin = op.acc_twin().expect("an accumulator twin");
        self.code[last.start] = twin as u32;
        self.code.remove(last.start + 1);
    }

    /// Stack entry `i` as an input: the accumulator if it is the last result, otherwise
    /// its slot (materialising constants when `imm` is false). Call for the entry the
    /// accumulator may serve first: materialising others emits copies.
    fn input(&mut self, i: usize, imm: bool) -> In {
        if self.acc_candidate(i) {
            self.take_acc();
            return In::Acc;
        }
        match self.stack[i] {
            Opnd::Const(c) if imm => In::Imm(c),
            _ => In::Slot(self.slot_at(i)),
        }
    }

    /// Pops the top value as a slot.
    fn pop_slot(&mut self) -> u32 {
        let i = self.stack.len() - 1;
        let s = self.slot_at(i);
        self.stack.pop();
        s
    }

    /// Pops the top value as a slot or the accumulator.
    fn pop_input(&mut self) -> In {
        let i = self.stack.len() - 1;
        let v = self.input(i, false);
        self.stack.pop();
        v
    }

    fn preserve_local(&mut self, l: u32) {
        let mut at = std::mem::take(&mut self.scratch);
        self.stack.take_local(l, &mut at);
        for &i in &at {
            self.materialize(i);
        }
        self.scratch = at;
    }

    fn preserve_all_locals(&mut self) {
        let mut at = std::mem::take(&mut self.scratch);
        self.stack.take_all_locals(&mut at);
        for &i in &at {
            self.materialize(i);
        }
        self.scratch = at;
    }

    /// After popping the inputs: the result goes to the temporary of the current height.
    /// Returns that slot.
    fn result_slot(&self) -> u32 {
        self.temp(self.height())
    }

    /// Records the instruction at `start` as a single-result op whose result is pushed
    /// now.
    fn pushed_result(&mut self, start: usize) {
        let height = self.height();
        self.push(Opnd::Temp);
        self.last = Some(Last {
            start,
            height,
            cmp: None,
            shl_by: None,
        });
    }

    fn unary(&mut self, family: &Unary) {
        let a = self.pop_input();
        self.begin();
        let d = self.result_slot();
        let at = family.emit(&mut self.code, Out::Slot(d), a);
        self.pushed_result(at);
    }

    /// A binary operator: picks the shape from the operands (immediates where the family
    /// has them, the accumulator for the last result), folding two constants if allowed.
    fn binary(&mut self, family: &Binary, opts: BinOpts) {
        let len = self.stack.len();
        if let (Opnd::Const(x), Opnd::Const(y), Some(fold)) =
            (self.stack[len - 2], self.stack[len - 1], opts.fold)
        {
            self.stack.truncate(len - 2);
            self.push(Opnd::Const(fold(x, y)));
            return;
        }
        let has_imm = family.ops[0][0][2].is_some();
        // The accumulator first (the candidate is the top, or the one below it when the
        // top is a local or a constant).
        let (a, b) = if self.acc_candidate(len - 1) {
            let b = self.input(len - 1, false);
            (self.input(len - 2, has_imm), b)
        } else {
            let a = self.input(len - 2, has_imm);
            (a, self.input(len - 1, has_imm))
        };
        let (a, b) = match (a, b) {
            (In::Imm(_), In::Imm(_)) => {
                // Two constants that do not fold: the left one goes to its slot.
                (In::Slot(self.slot_at(len - 2)), b)
            }
            _ => (a, b),
        };
        self.stack.truncate(len - 2);
        self.begin();
        let d = Out::Slot(self.result_slot());
        let at = match family.emit(&mut self.code, d, a, b) {
            Some(at) => at,
            None if opts.commutative => family
                .emit(&mut self.code, d, b, a)
                .expect("a commutative family has the mirrored shape"),
            None => unreachable!("every non-commutative shape exists"),
        };
        self.pushed_result(at);
    }

    /// `i32.rem_u` (`rem`) or `i32.div_u` by a constant divisor of at least 2 as
    /// multiplications by the divisor's magic (a divide takes several times as long);
    /// otherwise the plain operator.
    fn unsigned_by_constant(&mut self, rem: bool) {
        let len = self.stack.len();
        let magic = match (self.stack[len - 2], self.stack[len - 1]) {
            (Opnd::Const(_), _) => None,
            (_, Opnd::Const(k)) => sem::u32_divisor_magic(k as u32).map(|magic| (k as u32, magic)),
            _ => None,
        };
        let Some((k, magic)) = magic else {
            let family = if rem {
                &fam::i32_rem_u
            } else {
                &fam::i32_div_u
            };
            return self.binary(family, int_opts(false, None));
        };
        self.stack.pop();
        let a = self.pop_input();
        self.begin();
        let d = self.result_slot();
        let code = &mut self.code;
        let at = match (rem, a) {
            (true, In::Slot(a)) => enc::i32_rem_u_k_ss(code, d, a, k, magic),
            (true, _) => enc::i32_rem_u_k_sa(code, d, k, magic),
            (false, In::Slot(a)) => enc::i32_div_u_k_ss(code, d, a, magic),
            (false, _) => enc::i32_div_u_k_sa(code, d, magic),
        };
        self.pushed_result(at);
    }

    /// An integer comparison, recorded for compare-and-branch fusion. Shapes are
    /// normalised to (slot or accumulator) op (slot or immediate), mirroring as needed.
    fn compare(&mut self, cmp: Cmp, wide: bool) {
        let len = self.stack.len();
        // Inputs never emit here (immediates allowed), so either may take the accumulator.
        let b = self.input(len - 1, true);
        let a = self.input(len - 2, true);
        let (cmp, lhs, rhs) = match (a, b) {
            (In::Imm(_), In::Imm(_)) => (cmp, In::Slot(self.slot_at(len - 2)), b),
            (In::Imm(_), _) | (In::Slot(_), In::Acc) => (cmp.mirror(), b, a),
            _ => (cmp, a, b),
        };
        self.stack.truncate(len - 2);
        self.begin();
        let (values, _) = cmp.families(wide);
        let d = Out::Slot(self.result_slot());
        let at = values
            .emit(&mut self.code, d, lhs, rhs)
            .expect("normalised comparison shapes exist");
        self.pushed_result(at);
        if let Some(last) = &mut self.last {
            last.cmp = Some(CmpRecord {
                cmp,
                wide,
                lhs,
                rhs,
            });
        }
    }

    /// `i32.eqz` / `i64.eqz`: a comparison with zero (fusable).
    fn eqz(&mut self, wide: bool) {
        let family = if wide { &fam::i64_eqz } else { &fam::i32_eqz };
        let a = self.pop_input();
        self.begin();
        let d = Out::Slot(self.result_slot());
        let at = family.emit(&mut self.code, d, a);
        self.pushed_result(at);
        if let Some(last) = &mut self.last {
            last.cmp = Some(CmpRecord {
                cmp: Cmp::Eq,
                wide,
                lhs: a,
                rhs: In::Imm(0),
            });
        }
    }

    /// `shl` by a constant, recorded for the extension rule.
    fn shift_left(&mut self, wide: bool) {
        let len = self.stack.len();
        let by = match self.stack[len - 1] {
            Opnd::Const(c) => Some(c),
            _ => None,
        };
        let family = if wide { &fam::i64_shl } else { &fam::i32_shl };
        let fold = if wide {
            fold!(sem::i64_shl, u64)
        } else {
            fold!(sem::i32_shl, u32)
        };
        self.binary(family, int_opts(false, fold));
        if let (Some(by), Some(last)) = (by, &mut self.last) {
            let code = &self.code[last.start..];
            let input = match crate::isa::decode(code, 0).map(|i| i.fields) {
                Some(f) if f.len() == 3 => match f[1].kind {
                    crate::isa::FieldKind::Src => Some(In::Slot(f[1].value as u32)),
                    crate::isa::FieldKind::Acc => Some(In::Acc),
                    _ => None,
                },
                _ => None,
            };
            if let Some(input) = input {
                last.shl_by = Some((by, input, wide));
            }
        }
    }

    /// `shr_s` by a constant right after `shl` by the same constant of 24 or 16 (32-bit)
    /// or 56, 48 or 32 (64-bit) is a sign extension: the pair becomes one `extend`.
    fn shift_right_signed(&mut self, wide: bool) {
        let len = self.stack.len();
        if let (Opnd::Const(by), Some(last)) = (self.stack[len - 1], self.last) {
            if let Some((shl, input, w)) = last.shl_by {
                let family = match (wide, by) {
                    (false, 24) => Some(&fam::i32_extend8_s),
                    (false, 16) => Some(&fam::i32_extend16_s),
                    (true, 56) => Some(&fam::i64_extend8_s),
                    (true, 48) => Some(&fam::i64_extend16_s),
                    (true, 32) => Some(&fam::i64_extend32_s),
                    _ => None,
                };
                // The shift is dropped before it ever runs, so its input is intact.
                if let (Some(family), true, true) = (
                    family,
                    shl == by,
                    w == wide && last.height as usize == len - 2,
                ) {
                    if last.start + Op::from_word(self.code[last.start]).map_or(0, Op::size)
                        == self.code.len()
                    {
                        // Replace the shift with the extension of its input.
                        self.code.truncate(last.start);
                        self.stack.truncate(len - 2);
                        self.begin();
                        let d = Out::Slot(self.result_slot());
                        let at = family.emit(&mut self.code, d, input);
                        self.pushed_result(at);
                        return;
                    }
                }
            }
        }
        let family = if wide {
            &fam::i64_shr_s
        } else {
            &fam::i32_shr_s
        };
        let fold = if wide {
            fold!(sem::i64_shr_s, i64)
        } else {
            fold!(sem::i32_shr_s, i32)
        };
        self.binary(family, int_opts(false, fold));
    }

    /// Pops a branch condition, fusing a comparison emitted just before.
    fn pop_cond(&mut self) -> Cond {
        let h = self.height() - 1;
        if let (Some(last), Opnd::Temp) = (self.last, self.stack[h as usize]) {
            if let (Some(rec), true) = (last.cmp, last.height == h) {
                self.code.truncate(last.start);
                self.last = None;
                self.stack.pop();
                return Cond::Cmp(rec);
            }
        }
        Cond::Nez(self.pop_input())
    }

    /// Emits a conditional jump; returns the fixup for its target.
    fn cond_jump(&mut self, cond: Cond) -> Fixup {
        self.begin();
        let instr = self.code.len();
        match cond {
            Cond::Nez(a) => {
                self.emit_zero_branch(fam::br_i32_nez, a);
            }
            Cond::Cmp(CmpRecord {
                cmp,
                wide,
                lhs,
                rhs: In::Imm(0),
            }) if matches!(cmp, Cmp::Eq | Cmp::Ne) => {
                let family = match (cmp, wide) {
                    (Cmp::Eq, false) => fam::br_i32_eqz,
                    (Cmp::Eq, true) => fam::br_i64_eqz,
                    (_, false) => fam::br_i32_nez,
                    (_, true) => fam::br_i64_nez,
                };
                self.emit_zero_branch(family, lhs);
            }
            Cond::Cmp(CmpRecord {
                cmp,
                wide,
                lhs,
                rhs,
            }) => {
                let (_, branches) = cmp.families(wide);
                branches
                    .emit(&mut self.code, lhs, rhs)
                    .expect("normalised comparison shapes exist");
            }
        }
        Fixup {
            instr,
            word: self.code.len() - 1,
        }
    }

    /// `br_*_nez`/`br_*_eqz` on a slot or the accumulator, offset to be patched.
    fn emit_zero_branch(&mut self, family: [Op; 2], a: In) {
        match a {
            In::Slot(s) => {
                self.code.extend_from_slice(&[family[0] as u32, s, 0]);
            }
            In::Acc => {
                self.code.extend_from_slice(&[family[1] as u32, 0]);
            }
            In::Imm(_) => unreachable!("conditions are slots or the accumulator"),
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
            self.copy_to(dst, self.stack[src_h as usize], src_h, self.wide());
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
        self.begin();
        let instr = enc::br(&mut self.code, 0);
        let f = Fixup {
            instr,
            word: instr + 1,
        };
        self.bind_or_defer(idx, f);
    }

    /// `br_if`: jumps to label `relative_depth` when `cond` holds.
    fn branch_if(&mut self, cond: Cond, relative_depth: u32) {
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
        self.begin();
    }

    /// The slot of the top of the stack, which stays on the stack: a local's own slot
    /// (nothing here writes it), else its temporary (a constant is materialised).
    fn top_in_slot(&mut self) -> u32 {
        let top = self.stack.len() - 1;
        if let Opnd::Local(l) = self.stack[top] {
            return l;
        }
        self.materialize(top);
        self.temp(top as u32)
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
        let total = self.results.iter().map(|t| t.slots()).sum::<u32>();
        // A single result just computed: the producer writes result slot 0 directly.
        if let (1, Some(last)) = (n, self.last) {
            if self.stack[(len - 1) as usize] == Opnd::Temp && last.height == len - 1 {
                self.code[last.start + 1] = 0;
                self.begin();
                enc::ret(&mut self.code);
                return;
            }
        }
        // A result read from a local that an earlier result move overwrites must be
        // copied out first.
        for i in 0..n {
            if let Opnd::Local(l) = self.stack[(len - n + i) as usize] {
                if l < total && l != self.result_offsets[i as usize] {
                    self.materialize((len - n + i) as usize);
                }
            }
        }
        for i in 0..n {
            let src_h = len - n + i;
            let wide = self.results[i as usize] == ValType::V128;
            let dst = self.result_offsets[i as usize];
            self.copy_to(dst, self.stack[src_h as usize], src_h, wide);
        }
        self.begin();
        enc::ret(&mut self.code);
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
                let ty = &self.module.types[t as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    fn open(&mut self, kind: Kind, bt: BlockType) {
        let (np, nr) = self.block_arity(bt);
        self.preserve_all_locals();
        self.materialize_top(np);
        let h = self.height() - np;
        self.begin();
        self.ctrl.push(Ctrl {
            kind,
            height: h,
            floor: h,
            nparams: np,
            nresults: nr,
            start: self.code.len(),
            fixups: Vec::new(),
            else_fixup: None,
            handler: None,
            next_catch: None,
        });
    }

    /// Copies an `if`'s parameters above the originals, which the else branch needs.
    fn copy_if_params(&mut self) {
        let c = self.ctrl.last().expect("if frame");
        let (h, np) = (c.height, c.nparams);
        for i in 0..np {
            let (dst, src) = (self.temp(h + np + i), self.temp(h + i));
            self.emit_copy(dst, src, self.wide());
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
            self.copy_to(dst, self.stack[src_h as usize], src_h, self.wide());
        }
    }

    /// Handles one operator. Returns true at the function's final `end`.
    fn op(&mut self, op: O<'_>) -> Result<bool, TranslateError> {
        if !self.reachable {
            match op {
                O::Block { .. }
                | O::Loop { .. }
                | O::If { .. }
                | O::TryTable { .. }
                | O::Try { .. } => {
                    self.skipped += 1;
                    return Ok(false);
                }
                O::Else | O::Catch { .. } | O::CatchAll if self.skipped == 0 => {}
                O::End | O::Delegate { .. } if self.skipped == 0 => {}
                O::End | O::Delegate { .. } => {
                    self.skipped -= 1;
                    return Ok(false);
                }
                _ => return Ok(false),
            }
        }
        if self.wide() {
            if let Some((shape, lane_op)) = fam::simd_lane_op(&op) {
                self.lane_op(shape, lane_op);
                return Ok(false);
            }
            if let Some((family, memarg, lane)) = fam::simd_memory_op(&op) {
                self.simd_memory(family, &memarg, lane);
                return Ok(false);
            }
        }
        match op {
            O::Nop => {}
            O::V128Const { value } => self.push_v128(value.i128() as u128),
            O::I8x16Shuffle { lanes } => {
                let b = self.pop_slot();
                let a = self.pop_slot();
                self.begin();
                let d = self.result_slot();
                let at = enc::i8x16_shuffle(&mut self.code, d, a, b, u128::from_le_bytes(lanes));
                self.pushed_result(at);
            }
            O::Unreachable => {
                self.begin();
                enc::unreachable(&mut self.code);
                self.set_unreachable();
            }
            O::Block { blockty } => self.open(Kind::Block, blockty),
            O::Loop { blockty } => {
                self.open(Kind::Loop, blockty);
                if self.interruptible {
                    enc::check_interrupt(&mut self.code);
                }
            }
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
                    self.begin();
                    let instr = enc::br(&mut self.code, 0);
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
                self.begin();
                if self.ctrl.last().expect("else").nparams > 0 {
                    self.copy_if_params();
                }
            }
            O::End
                if self
                    .ctrl
                    .last()
                    .is_some_and(|c| matches!(c.kind, Kind::Try | Kind::Catch)) =>
            {
                return self.end_try(None)
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
                self.begin();
                self.reachable = reachable;
            }
            O::Br { relative_depth } => {
                self.jump_to(relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop_cond();
                self.branch_if(cond, relative_depth);
            }
            // The reference stays in its slot: the branch reads it, the path that keeps it
            // finds it there (the label's moves write only slots below it).
            O::BrOnNull { relative_depth } => {
                let r = self.top_in_slot();
                let kept = self.pop();
                self.branch_if(null_test(r, Cmp::Eq), relative_depth);
                self.push(kept);
            }
            O::BrOnNonNull { relative_depth } => {
                let r = self.top_in_slot();
                self.branch_if(null_test(r, Cmp::Ne), relative_depth);
                self.stack.pop();
            }
            O::RefAsNonNull => {
                let r = self.top_in_slot();
                self.begin();
                enc::ref_as_non_null(&mut self.code, r);
                self.begin();
            }
            O::CallRef { type_index } => {
                let ty = &self.module.types[type_index as usize];
                let f = self.pop_slot();
                // The reference's slot may be right above the arguments; it is read
                // before the callee's frame is entered.
                self.call_common(ty, |tr, base| {
                    enc::call_ref(&mut tr.code, f, base);
                });
            }
            O::ReturnCallRef { type_index } => {
                let ty = &self.module.types[type_index as usize];
                let f = self.pop_slot();
                self.tail_call(ty, |tr, base| {
                    enc::return_call_ref(&mut tr.code, f, base);
                });
            }
            O::BrTable { targets } => {
                let idx = self.pop_slot();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t?);
                }
                depths.push(targets.default());
                let n = depths.len() as u32 - 1;
                self.begin();
                let instr = enc::br_table(&mut self.code, idx, n);
                let table_at = self.code.len();
                self.code.extend(std::iter::repeat_n(
                    0u32,
                    crate::isa::table_words(depths.len()),
                ));
                // One move-and-jump stub per distinct target that needs moves, shared by
                // every entry naming it: the moves depend only on the target, so a
                // table of a million entries costs a million words, not a million stubs
                // (and the check runs once per target, not once per entry).
                let mut stubs: HashMap<u32, Option<usize>> = HashMap::new();
                for (k, &d) in depths.iter().enumerate() {
                    let f = Fixup {
                        instr,
                        word: table_at + k,
                    };
                    let stub = match stubs.get(&d) {
                        Some(&stub) => stub,
                        None => {
                            let stub = self.branch_needs_moves(d).then(|| {
                                let here = self.code.len();
                                self.jump_to(d);
                                here
                            });
                            stubs.insert(d, stub);
                            stub
                        }
                    };
                    match stub {
                        Some(at) => self.patch(f, at),
                        None => {
                            let li = self.ctrl.len() - 1 - d as usize;
                            self.bind_or_defer(li, f);
                        }
                    }
                }
                self.set_unreachable();
            }
            O::Return => {
                self.emit_return();
                self.set_unreachable();
            }
            O::Call { function_index } => {
                let ty = self.module.func_type(function_index);
                self.call_common(ty, |tr, base| {
                    enc::call(&mut tr.code, function_index, base);
                });
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let ty = &self.module.types[type_index as usize];
                let i = self.pop_slot();
                let table64 = self.table64(table_index);
                // The index slot may be the temporary right above the arguments; it is
                // read before the callee's frame is entered.
                self.call_common(ty, |tr, base| {
                    let call = if table64 {
                        enc::call_indirect64
                    } else {
                        enc::call_indirect
                    };
                    call(&mut tr.code, table_index, type_index, i, base);
                });
            }
            O::ReturnCall { function_index } => {
                let ty = self.module.func_type(function_index);
                let n = ty.param_slots();
                self.tail_call(ty, |tr, base| {
                    enc::return_call(&mut tr.code, function_index, base, n);
                });
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let ty = &self.module.types[type_index as usize];
                let i = self.pop_slot();
                let table64 = self.table64(table_index);
                self.tail_call(ty, |tr, base| {
                    let call = if table64 {
                        enc::return_call_indirect64
                    } else {
                        enc::return_call_indirect
                    };
                    call(&mut tr.code, table_index, type_index, i, base);
                });
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop_input();
                let len = self.stack.len();
                let b = self.slot_at(len - 1);
                let a = self.slot_at(len - 2);
                self.stack.truncate(len - 2);
                self.begin();
                let d = self.result_slot();
                // A wide function's operands may be v128s: its temporaries take any value.
                let at = match (c, self.wide()) {
                    (In::Slot(c), false) => enc::select_ss(&mut self.code, d, c, a, b),
                    (_, false) => enc::select_sa(&mut self.code, d, a, b),
                    (In::Slot(c), true) => enc::select128_ss(&mut self.code, d, c, a, b),
                    (_, true) => enc::select128_sa(&mut self.code, d, a, b),
                };
                self.pushed_result(at);
                if self.wide() {
                    // Its 16-byte write may not be retargeted to a narrower local.
                    self.begin();
                }
            }
            O::LocalGet { local_index } => {
                self.push(Opnd::Local(self.local_slots[local_index as usize]))
            }
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                self.begin();
                let d = self.result_slot();
                let at = if self.global_is_v128(global_index) {
                    enc::global_get128(&mut self.code, d, global_index)
                } else {
                    enc::global_get_s(&mut self.code, d, global_index)
                };
                self.pushed_result(at);
            }
            O::GlobalSet { global_index } if self.global_is_v128(global_index) => {
                let v = self.pop_slot();
                self.begin();
                enc::global_set128(&mut self.code, global_index, v);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop_input();
                self.begin();
                match v {
                    In::Slot(s) => enc::global_set_s(&mut self.code, global_index, s),
                    _ => enc::global_set_a(&mut self.code, global_index),
                };
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load(&fam::load32, &memarg),
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(&fam::load64, &memarg),
            O::I32Load8S { memarg } => self.load(&fam::i32_load8_s, &memarg),
            O::I32Load8U { memarg } => self.load(&fam::i32_load8_u, &memarg),
            O::I32Load16S { memarg } => self.load(&fam::i32_load16_s, &memarg),
            O::I32Load16U { memarg } => self.load(&fam::i32_load16_u, &memarg),
            O::I64Load8S { memarg } => self.load(&fam::i64_load8_s, &memarg),
            O::I64Load8U { memarg } => self.load(&fam::i64_load8_u, &memarg),
            O::I64Load16S { memarg } => self.load(&fam::i64_load16_s, &memarg),
            O::I64Load16U { memarg } => self.load(&fam::i64_load16_u, &memarg),
            O::I64Load32S { memarg } => self.load(&fam::i64_load32_s, &memarg),
            O::I64Load32U { memarg } => self.load(&fam::i64_load32_u, &memarg),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(&fam::store32, &memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(&fam::store64, &memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(&fam::store8, &memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(&fam::store16, &memarg)
            }
            O::MemorySize { mem } => {
                self.begin();
                let d = self.result_slot();
                let at = enc::memory_size(&mut self.code, d, mem);
                self.pushed_result(at);
            }
            O::MemoryGrow { mem } => {
                let n = self.pop_slot();
                self.begin();
                let d = self.result_slot();
                let wide = Self::wide_bits(false, false, self.memory64(mem));
                let at = enc::memory_grow(&mut self.code, d, n, mem, wide);
                self.pushed_result(at);
            }
            O::MemoryFill { mem } => {
                let [d, v, n] = self.pop_slots3();
                self.begin();
                let m64 = self.memory64(mem);
                let wide = Self::wide_bits(m64, false, m64);
                enc::memory_fill(&mut self.code, d, v, n, mem, wide);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let [d, s, n] = self.pop_slots3();
                self.begin();
                let (dst64, src64) = (self.memory64(dst_mem), self.memory64(src_mem));
                // The length has the narrower of the two index types.
                let wide = Self::wide_bits(dst64, src64, dst64 && src64);
                enc::memory_copy(&mut self.code, d, s, n, dst_mem, src_mem, wide);
            }
            O::MemoryInit { data_index, mem } => {
                let [d, s, n] = self.pop_slots3();
                self.begin();
                let wide = Self::wide_bits(self.memory64(mem), false, false);
                enc::memory_init(&mut self.code, data_index, d, s, n, mem, wide);
            }
            O::DataDrop { data_index } => {
                self.begin();
                enc::data_drop(&mut self.code, data_index);
            }
            O::TableGet { table } => {
                let i = self.pop_slot();
                self.begin();
                let d = self.result_slot();
                let wide = Self::wide_bits(self.table64(table), false, false);
                let at = enc::table_get(&mut self.code, d, table, i, wide);
                self.pushed_result(at);
            }
            O::TableSet { table } => {
                let v = self.pop_slot();
                let i = self.pop_slot();
                self.begin();
                let wide = Self::wide_bits(self.table64(table), false, false);
                enc::table_set(&mut self.code, table, i, v, wide);
            }
            O::TableSize { table } => {
                self.begin();
                let d = self.result_slot();
                let at = enc::table_size(&mut self.code, d, table);
                self.pushed_result(at);
            }
            O::TableGrow { table } => {
                let len = self.stack.len();
                let delta = self.slot_at(len - 1);
                let init = self.slot_at(len - 2);
                self.stack.truncate(len - 2);
                self.begin();
                let d = self.result_slot();
                let wide = Self::wide_bits(false, false, self.table64(table));
                let at = enc::table_grow(&mut self.code, d, table, init, delta, wide);
                self.pushed_result(at);
            }
            O::TableFill { table } => {
                let [i, v, n] = self.pop_slots3();
                self.begin();
                let t64 = self.table64(table);
                let wide = Self::wide_bits(t64, false, t64);
                enc::table_fill(&mut self.code, table, i, v, n, wide);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let [d, s, n] = self.pop_slots3();
                self.begin();
                let (dst64, src64) = (self.table64(dst_table), self.table64(src_table));
                let wide = Self::wide_bits(dst64, src64, dst64 && src64);
                enc::table_copy(&mut self.code, dst_table, src_table, d, s, n, wide);
            }
            O::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop_slots3();
                self.begin();
                let wide = Self::wide_bits(self.table64(table), false, false);
                enc::table_init(&mut self.code, table, elem_index, d, s, n, wide);
            }
            O::ElemDrop { elem_index } => {
                self.begin();
                enc::elem_drop(&mut self.code, elem_index);
            }
            O::RefNull { .. } => self.push(Opnd::Const(0)),
            O::RefIsNull => self.eqz(true),
            O::RefFunc { function_index } => {
                self.begin();
                let d = self.result_slot();
                let at = enc::ref_func(&mut self.code, d, function_index);
                self.pushed_result(at);
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
            O::F32Eq => self.binary(&fam::f32_eq, FLOAT),
            O::F32Ne => self.binary(&fam::f32_ne, FLOAT),
            O::F32Lt => self.binary(&fam::f32_lt, FLOAT),
            O::F32Gt => self.binary(&fam::f32_gt, FLOAT),
            O::F32Le => self.binary(&fam::f32_le, FLOAT),
            O::F32Ge => self.binary(&fam::f32_ge, FLOAT),
            O::F64Eq => self.binary(&fam::f64_eq, FLOAT),
            O::F64Ne => self.binary(&fam::f64_ne, FLOAT),
            O::F64Lt => self.binary(&fam::f64_lt, FLOAT),
            O::F64Gt => self.binary(&fam::f64_gt, FLOAT),
            O::F64Le => self.binary(&fam::f64_le, FLOAT),
            O::F64Ge => self.binary(&fam::f64_ge, FLOAT),
            O::I32Clz => self.unary(&fam::i32_clz),
            O::I32Ctz => self.unary(&fam::i32_ctz),
            O::I32Popcnt => self.unary(&fam::i32_popcnt),
            O::I32Add => self.binary(&fam::i32_add, int_opts(true, fold!(sem::i32_add, u32))),
            O::I32Sub => self.binary(&fam::i32_sub, int_opts(false, fold!(sem::i32_sub, u32))),
            O::I32Mul => self.binary(&fam::i32_mul, int_opts(true, fold!(sem::i32_mul, u32))),
            O::I32DivS => self.binary(&fam::i32_div_s, int_opts(false, None)),
            O::I32DivU => self.unsigned_by_constant(false),
            O::I32RemS => self.binary(&fam::i32_rem_s, int_opts(false, None)),
            O::I32RemU => self.unsigned_by_constant(true),
            O::I32And => self.binary(&fam::i32_and, int_opts(true, fold!(sem::i32_and, u32))),
            O::I32Or => self.binary(&fam::i32_or, int_opts(true, fold!(sem::i32_or, u32))),
            O::I32Xor => self.binary(&fam::i32_xor, int_opts(true, fold!(sem::i32_xor, u32))),
            O::I32Shl => self.shift_left(false),
            O::I32ShrS => self.shift_right_signed(false),
            O::I32ShrU => self.binary(&fam::i32_shr_u, int_opts(false, fold!(sem::i32_shr_u, u32))),
            O::I32Rotl => self.binary(&fam::i32_rotl, int_opts(false, fold!(sem::i32_rotl, u32))),
            O::I32Rotr => self.binary(&fam::i32_rotr, int_opts(false, fold!(sem::i32_rotr, u32))),
            O::I64Clz => self.unary(&fam::i64_clz),
            O::I64Ctz => self.unary(&fam::i64_ctz),
            O::I64Popcnt => self.unary(&fam::i64_popcnt),
            O::I64Add => self.binary(&fam::i64_add, int_opts(true, fold!(sem::i64_add, u64))),
            O::I64Sub => self.binary(&fam::i64_sub, int_opts(false, fold!(sem::i64_sub, u64))),
            O::I64Mul => self.binary(&fam::i64_mul, int_opts(true, fold!(sem::i64_mul, u64))),
            O::I64DivS => self.binary(&fam::i64_div_s, int_opts(false, None)),
            O::I64DivU => self.binary(&fam::i64_div_u, int_opts(false, None)),
            O::I64RemS => self.binary(&fam::i64_rem_s, int_opts(false, None)),
            O::I64RemU => self.binary(&fam::i64_rem_u, int_opts(false, None)),
            O::I64And => self.binary(&fam::i64_and, int_opts(true, fold!(sem::i64_and, u64))),
            O::I64Or => self.binary(&fam::i64_or, int_opts(true, fold!(sem::i64_or, u64))),
            O::I64Xor => self.binary(&fam::i64_xor, int_opts(true, fold!(sem::i64_xor, u64))),
            O::I64Shl => self.shift_left(true),
            O::I64ShrS => self.shift_right_signed(true),
            O::I64ShrU => self.binary(&fam::i64_shr_u, int_opts(false, fold!(sem::i64_shr_u, u64))),
            O::I64Rotl => self.binary(&fam::i64_rotl, int_opts(false, fold!(sem::i64_rotl, u64))),
            O::I64Rotr => self.binary(&fam::i64_rotr, int_opts(false, fold!(sem::i64_rotr, u64))),
            O::F32Abs => self.unary(&fam::f32_abs),
            O::F32Neg => self.unary(&fam::f32_neg),
            O::F32Ceil => self.unary(&fam::f32_ceil),
            O::F32Floor => self.unary(&fam::f32_floor),
            O::F32Trunc => self.unary(&fam::f32_trunc),
            O::F32Nearest => self.unary(&fam::f32_nearest),
            O::F32Sqrt => self.unary(&fam::f32_sqrt),
            O::F32Add => self.binary(&fam::f32_add, FLOAT),
            O::F32Sub => self.binary(&fam::f32_sub, FLOAT),
            O::F32Mul => self.binary(&fam::f32_mul, FLOAT),
            O::F32Div => self.binary(&fam::f32_div, FLOAT),
            O::F32Min => self.binary(&fam::f32_min, FLOAT),
            O::F32Max => self.binary(&fam::f32_max, FLOAT),
            O::F32Copysign => self.binary(&fam::f32_copysign, FLOAT),
            O::F64Abs => self.unary(&fam::f64_abs),
            O::F64Neg => self.unary(&fam::f64_neg),
            O::F64Ceil => self.unary(&fam::f64_ceil),
            O::F64Floor => self.unary(&fam::f64_floor),
            O::F64Trunc => self.unary(&fam::f64_trunc),
            O::F64Nearest => self.unary(&fam::f64_nearest),
            O::F64Sqrt => self.unary(&fam::f64_sqrt),
            O::F64Add => self.binary(&fam::f64_add, FLOAT),
            O::F64Sub => self.binary(&fam::f64_sub, FLOAT),
            O::F64Mul => self.binary(&fam::f64_mul, FLOAT),
            O::F64Div => self.binary(&fam::f64_div, FLOAT),
            O::F64Min => self.binary(&fam::f64_min, FLOAT),
            O::F64Max => self.binary(&fam::f64_max, FLOAT),
            O::F64Copysign => self.binary(&fam::f64_copysign, FLOAT),
            O::I32WrapI64 => self.unary(&fam::i32_wrap_i64),
            O::I32TruncF32S => self.unary(&fam::i32_trunc_f32_s),
            O::I32TruncF32U => self.unary(&fam::i32_trunc_f32_u),
            O::I32TruncF64S => self.unary(&fam::i32_trunc_f64_s),
            O::I32TruncF64U => self.unary(&fam::i32_trunc_f64_u),
            O::I64ExtendI32S => self.unary(&fam::i64_extend_i32_s),
            O::I64ExtendI32U => self.unary(&fam::i64_extend_i32_u),
            O::I64TruncF32S => self.unary(&fam::i64_trunc_f32_s),
            O::I64TruncF32U => self.unary(&fam::i64_trunc_f32_u),
            O::I64TruncF64S => self.unary(&fam::i64_trunc_f64_s),
            O::I64TruncF64U => self.unary(&fam::i64_trunc_f64_u),
            O::F32ConvertI32S => self.unary(&fam::f32_convert_i32_s),
            O::F32ConvertI32U => self.unary(&fam::f32_convert_i32_u),
            O::F32ConvertI64S => self.unary(&fam::f32_convert_i64_s),
            O::F32ConvertI64U => self.unary(&fam::f32_convert_i64_u),
            O::F32DemoteF64 => self.unary(&fam::f32_demote_f64),
            O::F64ConvertI32S => self.unary(&fam::f64_convert_i32_s),
            O::F64ConvertI32U => self.unary(&fam::f64_convert_i32_u),
            O::F64ConvertI64S => self.unary(&fam::f64_convert_i64_s),
            O::F64ConvertI64U => self.unary(&fam::f64_convert_i64_u),
            O::F64PromoteF32 => self.unary(&fam::f64_promote_f32),
            O::I32Extend8S => self.unary(&fam::i32_extend8_s),
            O::I32Extend16S => self.unary(&fam::i32_extend16_s),
            O::I64Extend8S => self.unary(&fam::i64_extend8_s),
            O::I64Extend16S => self.unary(&fam::i64_extend16_s),
            O::I64Extend32S => self.unary(&fam::i64_extend32_s),
            O::I32TruncSatF32S => self.unary(&fam::i32_trunc_sat_f32_s),
            O::I32TruncSatF32U => self.unary(&fam::i32_trunc_sat_f32_u),
            O::I32TruncSatF64S => self.unary(&fam::i32_trunc_sat_f64_s),
            O::I32TruncSatF64U => self.unary(&fam::i32_trunc_sat_f64_u),
            O::I64TruncSatF32S => self.unary(&fam::i64_trunc_sat_f32_s),
            O::I64TruncSatF32U => self.unary(&fam::i64_trunc_sat_f32_u),
            O::I64TruncSatF64S => self.unary(&fam::i64_trunc_sat_f64_s),
            O::I64TruncSatF64U => self.unary(&fam::i64_trunc_sat_f64_u),
            O::TryTable { try_table } => self.try_table(&try_table)?,
            O::Throw { tag_index } => self.throw(tag_index),
            O::ThrowRef => self.throw_ref(),
            O::Try { blockty } => self.legacy_try(blockty),
            O::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::Delegate { relative_depth } => return self.end_try(Some(relative_depth)),
            O::Rethrow { relative_depth } => self.rethrow(relative_depth),
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

    fn call_common(&mut self, ty: &FuncType, emit: impl FnOnce(&mut Self, u32)) {
        let (np, nr) = (ty.params().len() as u32, ty.results().len() as u32);
        self.materialize_top(np);
        let h = self.height() - np;
        let base = self.temp(h);
        if self.needs_packing(ty.params()) {
            self.pack(h, ty.params());
        }
        self.begin();
        emit(self, base);
        self.landing_pad();
        if self.needs_packing(ty.results()) {
            self.unpack(h, ty.results());
        }
        self.stack.truncate(h as usize);
        for _ in 0..nr {
            self.push(Opnd::Temp);
        }
        // The callee's frame starts at `base`; make sure ours covers its results.
        self.max_height = self.max_height.max(h + np.max(nr));
        self.begin();
    }

    /// A tail call: its `np` arguments go to temporaries (so that moving them to the
    /// frame's start cannot overwrite a local another argument still reads) and `emit`
    /// writes the call with their first slot; nothing after it runs.
    fn tail_call(&mut self, ty: &FuncType, emit: impl FnOnce(&mut Self, u32)) {
        let np = ty.params().len() as u32;
        self.materialize_top(np);
        let h = self.height() - np;
        let base = self.temp(h);
        if self.needs_packing(ty.params()) {
            self.pack(h, ty.params());
        }
        self.begin();
        emit(self, base);
        self.max_height = self.max_height.max(h + np);
        self.set_unreachable();
    }

    /// An access whose offset puts it past any 32-bit memory traps whenever it runs:
    /// its operands are already computed, so only the trap is left to emit.
    fn always_out_of_bounds(&mut self) {
        self.begin();
        enc::trap_out_of_bounds(&mut self.code);
        self.set_unreachable();
    }

    fn load(&mut self, family: &Load, memarg: &MemArg) {
        let offset = memarg.offset;
        let memory = wamr_common::module::memory_index(memarg);
        if self.memory64(memory) {
            let addr = self.pop_slot();
            self.begin();
            let d = self.result_slot();
            let at = family.emit_memory64(&mut self.code, memory, d, addr, offset);
            self.pushed_result(at);
            return;
        }
        if access_end(offset, family.bytes).is_none() {
            self.always_out_of_bounds();
            return;
        }
        if memory != 0 {
            let addr = self.pop_slot();
            self.begin();
            let d = self.result_slot();
            let at = family
                .emit_other(&mut self.code, memory, d, addr, offset)
                .expect("the offset fits (checked above)");
            self.pushed_result(at);
            return;
        }
        let addr = self.pop_input();
        self.begin();
        let d = self.result_slot();
        let at = family
            .emit(&mut self.code, Out::Slot(d), addr, offset)
            .expect("the offset fits (checked above)");
        self.pushed_result(at);
    }

    fn store(&mut self, family: &Store, memarg: &MemArg) {
        let offset = memarg.offset;
        let memory = wamr_common::module::memory_index(memarg);
        if self.memory64(memory) {
            let val = self.pop_slot();
            let addr = self.pop_slot();
            self.begin();
            family.emit_memory64(&mut self.code, memory, addr, val, offset);
            return;
        }
        if !family.fits(offset) {
            self.always_out_of_bounds();
            return;
        }
        if memory != 0 {
            let val = self.pop_slot();
            let addr = self.pop_slot();
            self.begin();
            family
                .emit_other(&mut self.code, memory, addr, val, offset)
                .expect("the offset fits (checked above)");
            return;
        }
        let len = self.stack.len();
        // The value is usually computed last; otherwise the address may be. A constant
        // value is stored as an immediate.
        let (addr, val) = if let Opnd::Const(c) = self.stack[len - 1] {
            (self.input(len - 2, false), In::Imm(c))
        } else if self.acc_candidate(len - 1) {
            let val = self.input(len - 1, false);
            (In::Slot(self.slot_at(len - 2)), val)
        } else {
            let addr = self.input(len - 2, false);
            (addr, In::Slot(self.slot_at(len - 1)))
        };
        self.stack.truncate(len - 2);
        self.begin();
        family.emit(&mut self.code, addr, val, offset).expect(
            "store shapes: a slot or the accumulator, then any value but the accumulator twice",
        );
    }

    /// Whether global `global` holds a v128.
    fn global_is_v128(&self, global: u32) -> bool {
        self.module.global_types[global as usize].ty == ValType::V128
    }

    /// A SIMD lane operator: every operand from its slot, the result to the temporary.
    /// Vector operators on constants are folded with `wamr_common::simd`.
    fn lane_op(&mut self, shape: LaneShape, op: Op) {
        if let LaneShape::Unary | LaneShape::Binary | LaneShape::Ternary = shape {
            let n = match shape {
                LaneShape::Unary => 1,
                LaneShape::Binary => 2,
                _ => 3,
            };
            let len = self.stack.len();
            let inputs: Vec<u128> = self.stack[len - n..]
                .iter()
                .filter_map(|o| match *o {
                    Opnd::ConstV128(k) => Some(self.v128_consts[k as usize]),
                    _ => None,
                })
                .collect();
            if inputs.len() == n {
                if let Some(v) = fam::fold_lane_op(op, &inputs) {
                    self.stack.truncate(len - n);
                    self.push_v128(v);
                    return;
                }
            }
        }
        let n = match shape {
            LaneShape::Unary | LaneShape::Test | LaneShape::Extract(_) | LaneShape::Splat => 1,
            LaneShape::Binary | LaneShape::Replace(_) | LaneShape::Shift => 2,
            LaneShape::Ternary => 3,
        };
        let len = self.stack.len();
        let mut inputs = [0u32; 3];
        for (i, input) in inputs.iter_mut().enumerate().take(n) {
            *input = self.slot_at(len - n + i);
        }
        self.stack.truncate(len - n);
        self.begin();
        let d = self.result_slot();
        let at = self.code.len();
        self.code.push(op as u32);
        self.code.push(d);
        self.code.extend_from_slice(&inputs[..n]);
        if let LaneShape::Extract(lane) | LaneShape::Replace(lane) = shape {
            self.code.push(u32::from(lane));
        }
        debug_assert_eq!(self.code.len() - at, op.size(), "{}", op.name());
        self.pushed_result(at);
    }

    /// A SIMD load or store (`lane`: of one lane).
    fn simd_memory(&mut self, family: &VMem, memarg: &MemArg, lane: Option<u8>) {
        let memory = wamr_common::module::memory_index(memarg);
        let vector = (family.store || family.lane).then(|| self.pop_slot());
        let addr = self.pop_slot();
        let place = if self.memory64(memory) {
            VMemory::Wide(memory)
        } else if memory != 0 {
            VMemory::Other(memory)
        } else {
            VMemory::Zero
        };
        self.begin();
        let d = (!family.store).then(|| self.result_slot());
        let access = VAccess {
            memory: place,
            offset: memarg.offset,
            lane,
        };
        match family.emit(&mut self.code, access, d, addr, vector) {
            Some(at) if !family.store => self.pushed_result(at),
            Some(_) => {}
            None => self.always_out_of_bounds(),
        }
    }

    /// Whether memory `memory` is addressed with i64.
    fn memory64(&self, memory: u32) -> bool {
        self.module.memories[memory as usize].memory64
    }

    /// Whether table `table` is indexed with i64.
    fn table64(&self, table: u32) -> bool {
        self.module.tables[table as usize].table64
    }

    /// The `wide` bits of a bulk memory or table op: which of destination (1), source (2) and
    /// length (4) are 64-bit.
    fn wide_bits(dst: bool, src: bool, len: bool) -> u32 {
        u32::from(dst) | u32::from(src) << 1 | u32::from(len) << 2
    }

    fn local_set(&mut self, local: u32, tee: bool) {
        let l = self.local_slots[local as usize];
        let wide = self.local_types[local as usize] == ValType::V128;
        let h = self.height() - 1;
        let v = self.stack[h as usize];
        let needs_preserve = self.stack.holds_local_below_top(l);
        let retarget = match (v, self.last, needs_preserve) {
            (Opnd::Temp, Some(last), false) if last.height == h => Some(last.start + 1),
            _ => None,
        };
        if let Some(dst) = retarget {
            self.code[dst] = l;
            self.begin();
        } else {
            self.stack.pop();
            self.preserve_local(l);
            self.copy_to(l, v, h, wide);
            self.stack.push(v);
        }
        self.stack.pop();
        if tee {
            self.push(Opnd::Local(l));
        }
    }
}

/// Whether a function body (of a module that uses SIMD) can hold a v128 on its operand
/// stack: a SIMD operator, or a call, global, tag, block or typed `select` with a v128.
/// Its locals and signature are checked by the caller.
fn body_touches_v128(
    m: &ModuleData,
    mut ops: wasmparser::OperatorsReader<'_>,
) -> Result<bool, TranslateError> {
    use wasmparser::ValType as W;
    let has = |ty: &FuncType| {
        ty.params()
            .iter()
            .chain(ty.results())
            .any(|t| *t == ValType::V128)
    };
    let tag = |t: u32| has(&m.types[m.tags[t as usize] as usize]);
    let block = |bt: &BlockType| match bt {
        BlockType::Empty => false,
        BlockType::Type(t) => *t == W::V128,
        BlockType::FuncType(t) => has(&m.types[*t as usize]),
    };
    while !ops.eof() {
        let touches = match ops.read()? {
            O::Call { function_index } | O::ReturnCall { function_index } => {
                has(m.func_type(function_index))
            }
            O::CallIndirect { type_index, .. }
            | O::ReturnCallIndirect { type_index, .. }
            | O::CallRef { type_index }
            | O::ReturnCallRef { type_index } => has(&m.types[type_index as usize]),
            O::GlobalGet { global_index } | O::GlobalSet { global_index } => {
                m.global_types[global_index as usize].ty == ValType::V128
            }
            O::Throw { tag_index } | O::Catch { tag_index } => tag(tag_index),
            O::TryTable { try_table } => {
                block(&try_table.ty)
                    || try_table.catches.iter().any(|c| match *c {
                        wasmparser::Catch::One { tag: t, .. }
                        | wasmparser::Catch::OneRef { tag: t, .. } => tag(t),
                        _ => false,
                    })
            }
            O::Block { blockty } | O::Loop { blockty } | O::If { blockty } | O::Try { blockty } => {
                block(&blockty)
            }
            O::TypedSelect { ty } => ty == W::V128,
            other => wamr_common::simd_use::is_simd_operator(&other),
        };
        if touches {
            return Ok(true);
        }
    }
    Ok(false)
}
