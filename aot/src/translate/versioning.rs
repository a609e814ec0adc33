//! Loop versioning for the LLVM tier with guard pages: a counted innermost loop
//! whose linear-memory accesses all step by a constant per iteration gets a second,
//! fast copy, entered when a check before the loop proves that no access of any
//! iteration can leave memory 0.
//!
//! Why: with guard pages an access may fault, and a fault must leave memory exactly
//! as the interpreter would (a trap is precise), so the LLVM lowering keeps every
//! linear-memory access in place (volatile). That forbids LLVM to hoist, combine or
//! vectorise them. In the fast copy the accesses are marked `notrap` (the lowering
//! then emits plain loads and stores) and address memory as
//! `base + zext(a0) + d * t` in 64 bits, `t` counting iterations from 0, so that LLVM's scalar evolution
//! sees them as affine and the loop's trip count as `t == trips - 1` at the exit
//! test. When the check fails (an access would go out of bounds or an address would
//! wrap around 2^32) the original loop runs, and traps where the program says.
//!
//! The check, computed in 64 bits before the loop: - `trips`, an upper bound of the
//! number of times the header runs, from the exit test's (the latch's, or the
//! header's when the latch jumps back) comparison of an affine value `q` (stepping
//! by a power of two) with an invariant `n`: `!=` (exact multiple, wrap-around
//! modelled), `<`/`<=` signed or unsigned (with no wrap before the exit), mirrored
//! for steps down; - per group of accesses sharing an index value `x` (an affine
//! i32 value, stepping by `d` bytes): `zext(x0) + d * (trips - 1)` stays in `[0,
//! 2^32)`, so the i32 address never wraps, and both ends plus the largest `offset +
//! size` fit in memory 0's current size (a memory never shrinks, and the loop calls
//! nothing).
//!
//! Affine values are described by their step per iteration (modulo 2^32): an
//! induction variable (a header parameter the back edge passes plus a constant),
//! sums, differences, products and shifts by constants of affine values; anything
//! computed only from invariants has step 0 and is invariant. Values a check needs
//! are evaluated at iteration 0 by cloning their (pure) definitions before the
//! loop.
//!
//! Loops qualify when they are innermost, have a single back edge (a `brif` latch,
//! or a jump back with the exit test in the header), call nothing, have no other
//! trapping instruction than explicitly guarded divisions and conversions, and
//! every linear-memory access in them is an affine memory-0 access. A value of the
//! loop used after it needs a single exit block reached only from the loop, where a
//! new parameter merges the two copies.

use std::collections::{HashMap, HashSet};

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    AliasRegion, Block, BlockArg, BlockCall, Function, Inst, InstBuilder, InstructionData,
    MemFlagsData, Opcode, Value, ValueDef,
};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

/// Where memory 0 is found, as the translator emitted it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Memory0 {
    /// The function's vmctx parameter.
    pub vmctx: Value,
    /// The alias region of linear-memory accesses.
    pub heap: AliasRegion,
    /// vmctx offset of memory 0's base address.
    pub base_field: i32,
    /// vmctx offset of the pointer to memory 0's `MemoryDef`.
    pub def_field: i32,
    /// Offset of the current size (bytes, 64-bit) in a `MemoryDef`.
    pub def_size: i32,
}

/// Loops larger than this (instructions) are not copied: code size.
const MAX_LOOP_INSTS: usize = 400;
/// At most this many distinct (index, step) groups are checked before a loop.
const MAX_GROUPS: usize = 24;
/// Steps larger than this (bytes per iteration) are not versioned: `d * (trips - 1)`
/// must stay far from overflowing 64 bits (trips <= 2^32).
const MAX_STEP: i64 = 1 << 20;

/// Versions every qualifying innermost loop of `func`; returns how many.
pub(crate) fn version_loops(func: &mut Function, memory0: &Memory0) -> usize {
    let mut done: HashSet<Block> = HashSet::new();
    let mut count = 0;
    loop {
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let mut loops = LoopAnalysis::new();
        loops.compute(func, &cfg, &domtree);
        let parents: HashSet<Loop> = loops.loops().filter_map(|l| loops.loop_parent(l)).collect();
        let candidates: Vec<Loop> = loops
            .loops()
            .filter(|l| !parents.contains(l) && !done.contains(&loops.loop_header(*l)))
            .collect();
        let mut plan = None;
        for l in candidates {
            done.insert(loops.loop_header(l));
            plan = Plan::analyse(func, &cfg, &loops, l, memory0);
            if plan.is_some() {
                break;
            }
        }
        let Some(plan) = plan else {
            return count;
        };
        let fast_header = plan.apply(func, memory0);
        done.insert(fast_header);
        count += 1;
    }
}

/// How the latch decides to go round again: `q cc n`, `q` affine with a nonzero step.
#[derive(Clone, Copy, Debug)]
struct ExitTest {
    q: Value,
    /// `None`: compared with zero (`brif` on the value itself).
    n: Option<Value>,
    /// Normalised so that the loop continues while `q cc n` holds.
    cc: IntCC,
    /// Step of `q` per iteration, as a signed 32-bit value.
    step: i64,
}

/// A linear-memory access of the loop and its affine index.
#[derive(Clone, Copy, Debug)]
struct Access {
    inst: Inst,
    /// The memory base value the address adds to.
    base: Value,
    /// The i32 wasm address (before the immediate offset).
    index: Value,
    /// Bytes per iteration.
    step: i64,
}

/// A loop found fit for versioning and what its check needs.
struct Plan {
    header: Block,
    /// The back edge's branch.
    latch_inst: Inst,
    /// The exit test's `brif` (the latch's or the header's), and whether the loop goes
    /// on when its condition holds.
    test_inst: Inst,
    continue_on_true: bool,
    /// The loop's blocks in layout order.
    blocks: Vec<Block>,
    exit_test: ExitTest,
    accesses: Vec<Access>,
    /// Per (index, step): the largest `offset + size` of its accesses.
    groups: Vec<(Value, i64, u64)>,
    /// Values of the loop used after it, and the one exit block where they merge.
    escaping: Vec<Value>,
    exit: Option<Block>,
}

fn resolve(func: &Function, v: Value) -> Value {
    func.dfg.resolve_aliases(v)
}

fn defining_inst(func: &Function, v: Value) -> Option<Inst> {
    match func.dfg.value_def(resolve(func, v)) {
        ValueDef::Result(inst, _) => Some(inst),
        _ => None,
    }
}

fn iconst_of(func: &Function, v: Value) -> Option<i64> {
    let inst = defining_inst(func, v)?;
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// Bytes a plain load or store opcode moves; `None` for anything else.
fn access_size(func: &Function, inst: Inst) -> Option<u32> {
    let dfg = &func.dfg;
    Some(match dfg.insts[inst].opcode() {
        Opcode::Load => dfg.value_type(dfg.first_result(inst)).bytes(),
        Opcode::Store => dfg.value_type(dfg.inst_args(inst)[0]).bytes(),
        Opcode::Uload8 | Opcode::Sload8 | Opcode::Istore8 => 1,
        Opcode::Uload16 | Opcode::Sload16 | Opcode::Istore16 => 2,
        Opcode::Uload32 | Opcode::Sload32 | Opcode::Istore32 => 4,
        Opcode::Uload8x8
        | Opcode::Sload8x8
        | Opcode::Uload16x4
        | Opcode::Sload16x4
        | Opcode::Uload32x2
        | Opcode::Sload32x2 => 8,
        _ => return None,
    })
}

/// An instruction without effects whose result depends only on its arguments (or an
/// invariant runtime field: a `readonly`, `notrap` load), so it can be evaluated
/// anywhere its arguments are available.
fn is_pure(func: &Function, inst: Inst) -> bool {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    if func.dfg.inst_results(inst).len() != 1 {
        return false;
    }
    if let InstructionData::Load { flags, .. } = *data {
        let flags = func.dfg.mem_flags[flags];
        return op == Opcode::Load && flags.readonly() && flags.notrap();
    }
    !(op.can_trap()
        || op.can_load()
        || op.can_store()
        || op.other_side_effects()
        || op.is_call()
        || op.is_branch()
        || op.is_terminator())
}

/// Affine analysis of one loop: steps per iteration of its values, modulo 2^32.
struct Steps<'a> {
    func: &'a Function,
    in_loop: &'a HashSet<Block>,
    header: Block,
    /// Step of each header parameter that is an induction variable (0: invariant).
    params: HashMap<Value, u32>,
    memo: HashMap<Value, Option<u32>>,
}

impl Steps<'_> {
    fn defined_in_loop(&self, v: Value) -> bool {
        let block = match self.func.dfg.value_def(v) {
            ValueDef::Result(inst, _) => self.func.layout.inst_block(inst),
            ValueDef::Param(block, _) => Some(block),
            _ => None,
        };
        block.is_some_and(|b| self.in_loop.contains(&b))
    }

    /// The step of `v` per iteration, or `None` when `v` is not affine in the loop.
    fn of(&mut self, v: Value) -> Option<u32> {
        let v = resolve(self.func, v);
        if !self.defined_in_loop(v) {
            return Some(0);
        }
        if let Some(&s) = self.memo.get(&v) {
            return s;
        }
        let s = self.compute(v);
        self.memo.insert(v, s);
        s
    }

    fn compute(&mut self, v: Value) -> Option<u32> {
        let func = self.func;
        let inst = match func.dfg.value_def(v) {
            ValueDef::Param(block, _) if block == self.header => {
                return self.params.get(&v).copied();
            }
            ValueDef::Result(inst, 0) => inst,
            _ => return None,
        };
        if !is_pure(func, inst) {
            return None;
        }
        let i32_value = func.dfg.value_type(v) == I32;
        let args = func.dfg.inst_args(inst);
        match func.dfg.insts[inst] {
            InstructionData::Binary {
                opcode,
                args: [x, y],
            } if i32_value => {
                let (sx, sy) = (self.of(x)?, self.of(y)?);
                match opcode {
                    Opcode::Iadd => return Some(sx.wrapping_add(sy)),
                    Opcode::Isub => return Some(sx.wrapping_sub(sy)),
                    Opcode::Imul => {
                        if let (Some(c), 0) = (iconst_of(func, y), sy) {
                            return Some(sx.wrapping_mul(c as u32));
                        }
                        if let (Some(c), 0) = (iconst_of(func, x), sx) {
                            return Some(sy.wrapping_mul(c as u32));
                        }
                    }
                    Opcode::Ishl => {
                        if let (Some(c), 0) = (iconst_of(func, y), sy) {
                            return Some(sx.wrapping_shl(c as u32 & 31));
                        }
                    }
                    _ => {}
                }
                return (sx == 0 && sy == 0).then_some(0);
            }
            InstructionData::Unary {
                opcode: Opcode::Ineg,
                arg,
            } if i32_value => return Some(self.of(arg)?.wrapping_neg()),
            _ => {}
        }
        // Anything else is invariant when all its arguments are.
        for &a in args {
            if self.of(a)? != 0 {
                return None;
            }
        }
        Some(0)
    }
}

/// The signed value of a 32-bit step.
fn signed(step: u32) -> i64 {
    i64::from(step as i32)
}

impl Plan {
    fn analyse(
        func: &Function,
        cfg: &ControlFlowGraph,
        loops: &LoopAnalysis,
        lp: Loop,
        memory0: &Memory0,
    ) -> Option<Plan> {
        let header = loops.loop_header(lp);
        if func.layout.entry_block() == Some(header) {
            return None;
        }
        let blocks: Vec<Block> = func
            .layout
            .blocks()
            .filter(|&b| loops.innermost_loop(b) == Some(lp))
            .collect();
        let in_loop: HashSet<Block> = blocks.iter().copied().collect();
        // One back edge, from a `brif` whose other arm leaves the loop.
        let mut back = cfg.pred_iter(header).filter(|p| in_loop.contains(&p.block));
        let latch_pred = back.next()?;
        if back.next().is_some() {
            return None;
        }
        let latch_inst = latch_pred.inst;
        let pool = &func.dfg.value_lists;
        // The one exit test the count comes from: the latch's `brif` (one arm back, the
        // other out), or where the latch jumps back, the header's (one arm out).
        let leaving = |arms: &[BlockCall; 2], stay: &dyn Fn(Block) -> bool| {
            let (then_block, else_block) = (arms[0].block(pool), arms[1].block(pool));
            match (stay(then_block), stay(else_block)) {
                (true, false) if !in_loop.contains(&else_block) => Some(true),
                (false, true) if !in_loop.contains(&then_block) => Some(false),
                _ => None,
            }
        };
        let (back_call, test_inst, cond, continue_on_true) = match func.dfg.insts[latch_inst] {
            InstructionData::Brif {
                arg, blocks: arms, ..
            } => {
                let on_true = leaving(&arms, &|b| b == header)?;
                let back = arms[usize::from(!on_true)];
                (back, latch_inst, arg, on_true)
            }
            InstructionData::Jump { destination, .. } => {
                let test_inst = func.layout.last_inst(header)?;
                let InstructionData::Brif {
                    arg, blocks: arms, ..
                } = func.dfg.insts[test_inst]
                else {
                    return None;
                };
                let on_true = leaving(&arms, &|b| in_loop.contains(&b))?;
                (destination, test_inst, arg, on_true)
            }
            _ => return None,
        };

        // Everything in the loop: no calls, no traps but guarded arithmetic, accesses
        // collected.
        let mut heap_accesses = Vec::new();
        let mut insts = 0;
        for &b in &blocks {
            for inst in func.layout.block_insts(b) {
                insts += 1;
                let data = &func.dfg.insts[inst];
                let op = data.opcode();
                match *data {
                    InstructionData::Load { flags, .. } | InstructionData::Store { flags, .. } => {
                        let flags = func.dfg.mem_flags[flags];
                        if flags.alias_region() == Some(memory0.heap) {
                            heap_accesses.push(inst);
                        } else if flags.alias_region().is_some() || !flags.notrap() {
                            return None;
                        }
                        continue;
                    }
                    _ => {}
                }
                let allowed_trap = matches!(
                    op,
                    Opcode::Udiv
                        | Opcode::Sdiv
                        | Opcode::Urem
                        | Opcode::Srem
                        | Opcode::FcvtToUint
                        | Opcode::FcvtToSint
                );
                if op.is_call()
                    || op.other_side_effects()
                    || (op.can_trap() && !allowed_trap)
                    || (op.is_terminator() && !matches!(op, Opcode::Jump | Opcode::Brif))
                {
                    return None;
                }
            }
        }
        if insts > MAX_LOOP_INSTS || heap_accesses.is_empty() {
            return None;
        }

        // Induction variables: header parameters the back edge passes on plus a constant.
        let mut params = HashMap::new();
        for (i, arg) in back_call.args(pool).enumerate() {
            let param = func.dfg.block_params(header)[i];
            let BlockArg::Value(next) = arg else {
                return None;
            };
            let next = resolve(func, next);
            if next == param {
                params.insert(param, 0u32);
                continue;
            }
            if func.dfg.value_type(param) != I32 {
                continue;
            }
            let Some(inst) = defining_inst(func, next) else {
                continue;
            };
            let step = match func.dfg.insts[inst] {
                InstructionData::Binary {
                    opcode: Opcode::Iadd,
                    args: [x, y],
                } if resolve(func, x) == param => iconst_of(func, y),
                InstructionData::Binary {
                    opcode: Opcode::Iadd,
                    args: [x, y],
                } if resolve(func, y) == param => iconst_of(func, x),
                InstructionData::Binary {
                    opcode: Opcode::Isub,
                    args: [x, y],
                } if resolve(func, x) == param => iconst_of(func, y).map(i64::wrapping_neg),
                _ => None,
            };
            if let Some(step) = step {
                params.insert(param, step as u32);
            }
        }
        let mut steps = Steps {
            func,
            in_loop: &in_loop,
            header,
            params,
            memo: HashMap::new(),
        };

        let exit_test = exit_test(func, &mut steps, cond, continue_on_true)?;

        // Every linear-memory access: memory 0's base plus an affine i32 index.
        let mut accesses = Vec::new();
        let mut groups: Vec<(Value, i64, u64)> = Vec::new();
        for inst in heap_accesses {
            let (addr, offset) = match func.dfg.insts[inst] {
                InstructionData::Load { arg, offset, .. } => (arg, offset),
                InstructionData::Store {
                    args: [_, addr],
                    offset,
                    ..
                } => (addr, offset),
                _ => return None,
            };
            let size = access_size(func, inst)?;
            let offset = u64::try_from(i64::from(i32::from(offset))).ok()?;
            let (base, index) = memory0_address(func, memory0, addr)?;
            let step = signed(steps.of(index)?);
            if step.abs() > MAX_STEP {
                return None;
            }
            accesses.push(Access {
                inst,
                base,
                index,
                step,
            });
            let end = offset + u64::from(size);
            match groups.iter_mut().find(|g| g.0 == index && g.1 == step) {
                Some(g) => g.2 = g.2.max(end),
                None => groups.push((index, step, end)),
            }
        }
        if groups.len() > MAX_GROUPS {
            return None;
        }

        // Values of the loop used after it.
        let defined_here = |v: Value| steps.defined_in_loop(resolve(func, v));
        let mut escaping = Vec::new();
        for b in func.layout.blocks().filter(|b| !in_loop.contains(b)) {
            for inst in func.layout.block_insts(b) {
                for v in func.dfg.inst_values(inst) {
                    let v = resolve(func, v);
                    if defined_here(v) && !escaping.contains(&v) {
                        escaping.push(v);
                    }
                }
            }
        }
        let mut exit = None;
        if !escaping.is_empty() {
            // They merge in the loop's one exit block, reached from nowhere else.
            let mut exits = HashSet::new();
            for &b in &blocks {
                for succ in cfg.succ_iter(b) {
                    if !in_loop.contains(&succ) {
                        exits.insert(succ);
                    }
                }
            }
            if exits.len() != 1 {
                return None;
            }
            let e = *exits.iter().next()?;
            if cfg.pred_iter(e).any(|p| !in_loop.contains(&p.block)) {
                return None;
            }
            exit = Some(e);
        }

        Some(Plan {
            header,
            latch_inst,
            test_inst,
            continue_on_true,
            blocks,
            exit_test,
            accesses,
            groups,
            escaping,
            exit,
        })
    }

    /// Builds the check block and the fast copy; returns the fast copy's header.
    fn apply(self, func: &mut Function, memory0: &Memory0) -> Block {
        let in_loop: HashSet<Block> = self.blocks.iter().copied().collect();

        // The check block takes the header's parameters; every edge from outside the loop
        // goes there instead.
        let check = func.dfg.make_block();
        func.layout.insert_block(check, self.header);
        let header_params = func.dfg.block_params(self.header).to_vec();
        let mut at_entry: HashMap<Value, Value> = HashMap::new();
        for &p in &header_params {
            let ty = func.dfg.value_type(p);
            let q = func.dfg.append_block_param(check, ty);
            at_entry.insert(p, q);
        }
        let entering: HashSet<Inst> = ControlFlowGraph::with_function(func)
            .pred_iter(self.header)
            .filter(|p| !in_loop.contains(&p.block))
            .map(|p| p.inst)
            .collect();
        for inst in entering {
            retarget(func, inst, self.header, check);
        }

        // The check.
        let trips_minus_one;
        let mut ok;
        {
            let q0 = evaluate_at_entry(func, &in_loop, &mut at_entry, check, self.exit_test.q);
            let n = self
                .exit_test
                .n
                .map(|n| evaluate_at_entry(func, &in_loop, &mut at_entry, check, n));
            let mut pos = FuncCursor::new(func).at_bottom(check);
            let n = n.unwrap_or_else(|| pos.ins().iconst(I32, 0));
            let (tm1, valid) = trip_count(&mut pos, self.exit_test, q0, n);
            trips_minus_one = tm1;
            ok = valid;
        }
        let memory_size = {
            let mut pos = FuncCursor::new(func).at_bottom(check);
            // As `BodyTranslator::memory_def` and `load_memory_size` load them.
            let def = pos.ins().load(
                I64,
                super::invariant_flags(),
                memory0.vmctx,
                memory0.def_field,
            );
            pos.ins()
                .load(I64, MemFlagsData::trusted(), def, memory0.def_size)
        };
        let mut start_of: HashMap<Value, Value> = HashMap::new();
        for &(index, step, end) in &self.groups {
            let x0 = evaluate_at_entry(func, &in_loop, &mut at_entry, check, index);
            let mut pos = FuncCursor::new(func).at_bottom(check);
            let start = pos.ins().uextend(I64, x0);
            start_of.insert(index, start);
            let end = end as i64;
            let first_end = pos.ins().iadd_imm_s(start, end);
            let fits_first = pos
                .ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, first_end, memory_size);
            ok = pos.ins().band(ok, fits_first);
            if step == 0 {
                continue;
            }
            let span = pos.ins().imul_imm_s(trips_minus_one, step);
            let last = pos.ins().iadd(start, span);
            let fits = if step > 0 {
                // `last + end <= size <= 2^32` also keeps `last` below 2^32.
                let last_end = pos.ins().iadd_imm_s(last, end);
                pos.ins()
                    .icmp(IntCC::UnsignedLessThanOrEqual, last_end, memory_size)
            } else {
                pos.ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, last, 0)
            };
            ok = pos.ins().band(ok, fits);
        }

        // The fast copy.
        let mut value_map: HashMap<Value, Value> = HashMap::new();
        let mut block_map: HashMap<Block, Block> = HashMap::new();
        let mut after = *self.blocks.last().expect("a loop has blocks");
        for &b in &self.blocks {
            let nb = func.dfg.make_block();
            func.layout.insert_block_after(nb, after);
            after = nb;
            block_map.insert(b, nb);
            for p in func.dfg.block_params(b).to_vec() {
                let ty = func.dfg.value_type(p);
                let np = func.dfg.append_block_param(nb, ty);
                value_map.insert(p, np);
            }
        }
        let counter = func.dfg.append_block_param(block_map[&self.header], I64);
        let mut inst_map: HashMap<Inst, Inst> = HashMap::new();
        for &b in &self.blocks {
            let insts: Vec<Inst> = func.layout.block_insts(b).collect();
            for inst in insts {
                let ni = func.dfg.clone_inst(inst);
                func.layout.append_inst(ni, block_map[&b]);
                let old = func.dfg.inst_results(inst).to_vec();
                let new = func.dfg.inst_results(ni).to_vec();
                for (o, n) in old.into_iter().zip(new) {
                    value_map.insert(o, n);
                }
                inst_map.insert(inst, ni);
            }
        }
        for &ni in inst_map.values() {
            remap_values(func, ni, &value_map);
            let dfg = &mut func.dfg;
            let calls = dfg.insts[ni]
                .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
            for call in calls {
                if let Some(&target) = block_map.get(&call.block(&dfg.value_lists)) {
                    call.set_block(target, &mut dfg.value_lists);
                }
            }
        }
        let fast_header = block_map[&self.header];

        // The fast copy counts iterations and leaves at the last, `trips - 1`.
        let fast_latch_inst = inst_map[&self.latch_inst];
        let fast_test_inst = inst_map[&self.test_inst];
        let mut pos = FuncCursor::new(func).at_inst(fast_latch_inst);
        let next = pos.ins().iadd_imm_s(counter, 1);
        let dfg = &mut func.dfg;
        for call in dfg.insts[fast_latch_inst]
            .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
        {
            if call.block(&dfg.value_lists) == fast_header {
                call.append_argument(next, &mut dfg.value_lists);
            }
        }
        let mut pos = FuncCursor::new(func).at_inst(fast_test_inst);
        let cc = if self.continue_on_true {
            IntCC::NotEqual
        } else {
            IntCC::Equal
        };
        let cond = pos.ins().icmp(cc, counter, trips_minus_one);
        if let InstructionData::Brif { arg, .. } = &mut func.dfg.insts[fast_test_inst] {
            *arg = cond;
        }

        // Fast accesses: in bounds (no trap), addressed as base + start + step * counter.
        for access in &self.accesses {
            let ni = inst_map[&access.inst];
            let start = start_of[&access.index];
            let base = value_map.get(&access.base).copied().unwrap_or(access.base);
            let mut pos = FuncCursor::new(func).at_inst(ni);
            let index = if access.step == 0 {
                start
            } else {
                let moved = pos.ins().imul_imm_s(counter, access.step);
                pos.ins().iadd(start, moved)
            };
            let addr = pos.ins().iadd(base, index);
            let dfg = &mut func.dfg;
            let (flags, slot) = match &mut dfg.insts[ni] {
                InstructionData::Load { flags, arg, .. } => (flags, arg),
                InstructionData::Store { flags, args, .. } => (flags, &mut args[1]),
                _ => unreachable!("accesses are loads and stores"),
            };
            *slot = addr;
            // Should the set of flags be full, the access keeps its flags: still
            // correct, only kept in place.
            if let Ok(notrap) = dfg.mem_flags.insert(dfg.mem_flags[*flags].with_notrap()) {
                *flags = notrap;
            }
        }

        // Values used after the loop merge in its exit block.
        if let Some(exit) = self.exit {
            let branches: Vec<(Inst, bool)> = self
                .blocks
                .iter()
                .flat_map(|b| func.layout.last_inst(*b))
                .map(|i| (i, false))
                .chain(
                    self.blocks
                        .iter()
                        .flat_map(|b| func.layout.last_inst(block_map[b]))
                        .map(|i| (i, true)),
                )
                .collect();
            let mut merged = HashMap::new();
            for &v in &self.escaping {
                let ty = func.dfg.value_type(v);
                let param = func.dfg.append_block_param(exit, ty);
                merged.insert(v, param);
                for &(inst, fast) in &branches {
                    let arg = if fast { value_map[&v] } else { v };
                    let dfg = &mut func.dfg;
                    for call in dfg.insts[inst]
                        .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
                    {
                        if call.block(&dfg.value_lists) == exit {
                            call.append_argument(arg, &mut dfg.value_lists);
                        }
                    }
                }
            }
            let copies: HashSet<Block> = block_map.values().copied().collect();
            let outside: Vec<Block> = func
                .layout
                .blocks()
                .filter(|b| !in_loop.contains(b) && !copies.contains(b) && *b != check)
                .collect();
            for b in outside {
                let insts: Vec<Inst> = func.layout.block_insts(b).collect();
                for inst in insts {
                    remap_values(func, inst, &merged);
                }
            }
        }

        // Enter the fast copy when the check holds.
        let mut pos = FuncCursor::new(func).at_bottom(check);
        let zero = pos.ins().iconst(I64, 0);
        let mut fast_args: Vec<BlockArg> = Vec::new();
        let mut slow_args: Vec<BlockArg> = Vec::new();
        for p in &header_params {
            fast_args.push(BlockArg::Value(at_entry[p]));
            slow_args.push(BlockArg::Value(at_entry[p]));
        }
        fast_args.push(BlockArg::Value(zero));
        pos.ins()
            .brif(ok, fast_header, &fast_args, self.header, &slow_args);
        fast_header
    }
}

/// Replaces the values `inst` uses (aliases resolved) by their images in `map`.
fn remap_values(func: &mut Function, inst: Inst, map: &HashMap<Value, Value>) {
    let used: HashMap<Value, Value> = func
        .dfg
        .inst_values(inst)
        .filter_map(|v| map.get(&resolve(func, v)).map(|&n| (v, n)))
        .collect();
    if !used.is_empty() {
        func.dfg
            .map_inst_values(inst, |v| used.get(&v).copied().unwrap_or(v));
    }
}

/// Points `inst`'s branches to `from` at `to` instead, arguments unchanged.
fn retarget(func: &mut Function, inst: Inst, from: Block, to: Block) {
    let dfg = &mut func.dfg;
    for call in
        dfg.insts[inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
    {
        if call.block(&dfg.value_lists) == from {
            call.set_block(to, &mut dfg.value_lists);
        }
    }
}

/// `v` as it is when the loop starts, computed at the end of `block` (before the
/// loop): header parameters are their entry values (`at_entry`), pure definitions in the
/// loop are cloned, anything from before the loop is itself.
fn evaluate_at_entry(
    func: &mut Function,
    in_loop: &HashSet<Block>,
    at_entry: &mut HashMap<Value, Value>,
    block: Block,
    v: Value,
) -> Value {
    let v = resolve(func, v);
    if let Some(&known) = at_entry.get(&v) {
        return known;
    }
    let inst = match func.dfg.value_def(v) {
        ValueDef::Result(inst, _)
            if func
                .layout
                .inst_block(inst)
                .is_some_and(|b| in_loop.contains(&b)) =>
        {
            inst
        }
        _ => return v,
    };
    debug_assert!(is_pure(func, inst), "only pure values are evaluated");
    let args: Vec<Value> = func.dfg.inst_values(inst).collect();
    let mut map = HashMap::new();
    for a in args {
        let at = evaluate_at_entry(func, in_loop, at_entry, block, a);
        map.insert(a, at);
    }
    let copy = func.dfg.clone_inst(inst);
    func.dfg
        .map_inst_values(copy, |a| map.get(&a).copied().unwrap_or(a));
    func.layout.append_inst(copy, block);
    let result = func.dfg.first_result(copy);
    at_entry.insert(v, result);
    result
}

/// `base + uextend(index)` with `base` memory 0's base (loaded from the vmctx) and
/// `index` an i32: (base, index).
fn memory0_address(func: &Function, memory0: &Memory0, addr: Value) -> Option<(Value, Value)> {
    let InstructionData::Binary {
        opcode: Opcode::Iadd,
        args: [x, y],
    } = func.dfg.insts[defining_inst(func, addr)?]
    else {
        return None;
    };
    let is_base = |v: Value| {
        let Some(inst) = defining_inst(func, v) else {
            return false;
        };
        matches!(func.dfg.insts[inst], InstructionData::Load {
            opcode: Opcode::Load,
            arg,
            offset,
            ..
        } if resolve(func, arg) == memory0.vmctx && i32::from(offset) == memory0.base_field)
    };
    let index_of = |v: Value| match func.dfg.insts[defining_inst(func, v)?] {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } if func.dfg.value_type(arg) == I32 => Some(resolve(func, arg)),
        _ => None,
    };
    if is_base(x) {
        Some((resolve(func, x), index_of(y)?))
    } else if is_base(y) {
        Some((resolve(func, y), index_of(x)?))
    } else {
        None
    }
}

/// The latch's test as `q cc n` (continue while it holds) with `q` affine and `n`
/// invariant; `None` if it is not of a shape [`trip_count`] handles.
fn exit_test(
    func: &Function,
    steps: &mut Steps<'_>,
    cond: Value,
    continue_on_true: bool,
) -> Option<ExitTest> {
    let mut c = resolve(func, cond);
    if let Some(inst) = defining_inst(func, c) {
        if let InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } = func.dfg.insts[inst]
        {
            c = resolve(func, arg);
        }
    }
    let (cc, a, b) = match defining_inst(func, c).map(|i| func.dfg.insts[i]) {
        Some(InstructionData::IntCompare { cond, args, .. }) => (cond, args[0], Some(args[1])),
        _ => (IntCC::NotEqual, c, None),
    };
    if func.dfg.value_type(a) != I32 {
        return None;
    }
    let step_a = steps.of(a)?;
    let step_b = match b {
        Some(b) => steps.of(b)?,
        None => 0,
    };
    let (q, n, mut cc, step) = match (step_a, step_b, b) {
        (s, 0, _) if s != 0 => (a, b, cc, s),
        (0, s, Some(b)) if s != 0 => (b, Some(a), cc.swap_args(), s),
        _ => return None,
    };
    if !continue_on_true {
        cc = cc.complement();
    }
    let step = signed(step);
    if !step.unsigned_abs().is_power_of_two() || step.abs() > MAX_STEP {
        return None;
    }
    use IntCC::*;
    let fits = match cc {
        NotEqual => true,
        UnsignedLessThan | UnsignedLessThanOrEqual | SignedLessThan | SignedLessThanOrEqual => {
            step > 0
        }
        UnsignedGreaterThan
        | UnsignedGreaterThanOrEqual
        | SignedGreaterThan
        | SignedGreaterThanOrEqual => step < 0,
        _ => false,
    };
    fits.then_some(ExitTest { q, n, cc, step })
}

/// `(trips - 1, valid)` for a loop that goes round while `q cc n`, with `q` starting at
/// `q0` (i32) and stepping by `test.step`: all arithmetic in 64 bits on the unsigned
/// values. A step down is mirrored (`!q` steps up), a signed test biased by 2^31.
fn trip_count(pos: &mut FuncCursor<'_>, test: ExitTest, q0: Value, n: Value) -> (Value, Value) {
    use IntCC::*;
    const ALL: i64 = 0xffff_ffff;
    let mut q = pos.ins().uextend(I64, q0);
    let mut n = pos.ins().uextend(I64, n);
    let mut cc = test.cc;
    if test.step < 0 {
        let all = pos.ins().iconst(I64, ALL);
        q = pos.ins().isub(all, q);
        n = pos.ins().isub(all, n);
        cc = cc.swap_args();
    }
    if matches!(cc, SignedLessThan | SignedLessThanOrEqual) {
        q = pos.ins().bxor_imm_u(q, 1 << 31);
        n = pos.ins().bxor_imm_u(n, 1 << 31);
        cc = cc.unsigned();
    }
    let step = test.step.abs();
    let shift = i64::from(step.trailing_zeros());
    let distance = pos.ins().isub(n, q);
    if cc == NotEqual {
        // Exits when q + step * t == n (mod 2^32): an exact multiple, or the guard
        // fails (the loop would wrap around many times).
        let d = pos.ins().band_imm_u(distance, ALL);
        let rest = pos.ins().band_imm_u(d, step - 1);
        let exact = pos.ins().icmp_imm_s(Equal, rest, 0);
        let t = pos.ins().ushr_imm_u(d, shift);
        return (t, exact);
    }
    let zero = pos.ins().iconst(I64, 0);
    let (enters, t) = if cc == UnsignedLessThan {
        let enters = pos.ins().icmp(UnsignedLessThan, q, n);
        let rounded = pos.ins().iadd_imm_s(distance, step - 1);
        (enters, pos.ins().ushr_imm_u(rounded, shift))
    } else {
        let enters = pos.ins().icmp(UnsignedLessThanOrEqual, q, n);
        let t = pos.ins().ushr_imm_u(distance, shift);
        (enters, pos.ins().iadd_imm_s(t, 1))
    };
    let t = pos.ins().select(enters, t, zero);
    // q must not wrap around 2^32 before it reaches n.
    let moved = pos.ins().ishl_imm_u(t, shift);
    let last = pos.ins().iadd(q, moved);
    let no_wrap = pos.ins().icmp_imm_u(UnsignedLessThanOrEqual, last, ALL);
    (t, no_wrap)
}
