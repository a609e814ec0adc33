//! Jump threading through a switch on a state slot.
//!
//! A state machine written as a loop around `switch (state)` ends a case with
//! `state = K; continue`: a `copy_imm32 d, #K` and a branch (a `br`, or a conditional
//! one such as "if the next character is a digit") back to the loop's head, whose few
//! instructions (the loop test, reading the next input) lead to a `br_table d`. That
//! table's indirect jump is the dearest instruction to mispredict, and there it depends
//! on nothing but the state the case has just set. This pass gives such a branch its own
//! copy of the path from its target to the table, appended to the function's code, in
//! which the table is a `br` to case K and branches comparing `d` with a constant are
//! decided: the indirect jump is gone, and the path's other branches are predicted per
//! case. (CoreMark's number parser is such a machine: 6% faster with it.)
//!
//! Why the copy does what the original does: given `d == K`, every copied instruction
//! computes what it computes at its original place (none writes `d`, none depends on
//! where it sits but for its branch offset, which is re-aimed at the same target), the
//! decided branches go the way `K` makes them go, and unconditional branches are followed.
//! Nothing moves (copies are appended), and the only instruction changed in place is the
//! case's own `br`, which no other branch lands on. It runs before fusion, which then
//! fuses the copies as it fuses everything else.

use crate::isa::{branch_targets, branch_word, land, size_at, Control, FieldKind, Op};

/// Instructions on one path, at most (followed `br`s included).
const MAX_PATH: usize = 24;
/// Undecided conditional branches on one path, at most: each may be followed either way.
const MAX_FORKS: usize = 4;
/// Words appended to a function, at most: a quarter of its size, or this for a small one.
const MIN_BUDGET: usize = 256;

/// One instruction of a copied path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The instruction at this pc, as it is (a conditional branch re-aimed at its
    /// target); the path goes on with the next instruction.
    Copy(usize),
    /// The conditional branch at this pc, the path going on at its target: copied aimed
    /// just past a `br` to its fall-through, which follows it.
    Flip(usize),
    /// The path ends with a `br` to this pc.
    Jump(usize),
    /// The path ends with a copy of the `br_table` at this pc, its entries re-aimed at
    /// the same targets.
    Table(usize),
}

/// Instructions of the chosen case copied into a path, at most.
const MAX_CASE: usize = 8;

/// Threads every branch taken right after a `copy_imm32 d, #K` whose path leads to a
/// `br_table d` (see the module comment), in a function that holds no v128 value (where every op writes at
/// most the one slot its `Dst` field names). Runs after `switch_to_values` (a table
/// rewritten into values is no longer a jump) and before `branch_over_copy` and fusion.
pub fn thread_switches(code: &mut Vec<u32>) {
    let original = code.len();
    // Most functions have no switch: one pass finds out before any other work.
    let mut copies = Vec::new();
    let mut switch = false;
    let mut pc = 0;
    while pc < original {
        let Some(op) = Op::from_word(code[pc]) else {
            return;
        };
        match op {
            Op::copy_imm32 => copies.push(pc),
            Op::br_table => switch = true,
            _ => {}
        }
        pc += size_at(code, pc, op);
    }
    if !switch || copies.is_empty() {
        return;
    }
    let targets = branch_targets(code);
    let budget = (original / 4).max(MIN_BUDGET);
    let mut sites = Vec::new();
    for pc in copies {
        let next = pc + size_at(code, pc, Op::copy_imm32);
        find_sites(code, &targets, next, code[pc + 1], code[pc + 2], &mut sites);
    }
    for site in sites {
        let mut path = Vec::new();
        if !walk(
            code,
            branch_target(code, site.branch),
            site,
            &mut path,
            0,
            0,
        ) {
            continue;
        }
        let words: usize = path.iter().map(|&step| step_words(code, step)).sum();
        if code.len() + words > original + budget {
            break;
        }
        let start = code.len();
        for step in path {
            emit(code, step);
        }
        let word = Op::from_word(code[site.branch]).and_then(branch_word);
        if let Some(word) = word {
            code[site.branch + word] = offset(site.branch, start);
        }
    }
}

/// A branch taken only with `slot == value`: it follows a `copy_imm32 slot, #value` with
/// no branch target between them and nothing there writing the slot.
#[derive(Debug, Clone, Copy)]
struct Site {
    branch: usize,
    slot: u32,
    value: u32,
}

/// Collects the branches from `pc` on that see `slot == value`: straight-line code up to
/// a `br`, a branch target, or an instruction that writes the slot or leaves otherwise.
fn find_sites(
    code: &[u32],
    targets: &[bool],
    mut pc: usize,
    slot: u32,
    value: u32,
    sites: &mut Vec<Site>,
) {
    let site = |branch| Site {
        branch,
        slot,
        value,
    };
    while !targets.get(pc).copied().unwrap_or(true) {
        let Some(op) = Op::from_word(code[pc]) else {
            return;
        };
        match op.control() {
            _ if op == Op::br => return sites.push(site(pc)),
            Control::CondBranch if !reads(code, pc, op, slot) => sites.push(site(pc)),
            Control::Next if copyable(code, pc, op, slot) => {}
            _ => return,
        }
        pc += size_at(code, pc, op);
    }
}

/// Follows the path from `pc` with `site.slot == site.value`, pushing its steps; `true`
/// if it reaches a decided end (a `br_table` on the slot or a decided branch), else
/// leaves `path` as it found it.
fn walk(
    code: &[u32],
    mut pc: usize,
    site: Site,
    path: &mut Vec<Step>,
    forks: usize,
    mut len: usize,
) -> bool {
    let mark = path.len();
    while len < MAX_PATH {
        len += 1;
        let Some(op) = code.get(pc).and_then(|&word| Op::from_word(word)) else {
            break;
        };
        let size = size_at(code, pc, op);
        if op == Op::br {
            pc = branch_target(code, pc);
            continue;
        }
        if op == Op::br_table {
            if code[pc + 1] != site.slot {
                break;
            }
            let n = code[pc + 2];
            let case = site.value.min(n) as usize;
            let entry = code[pc + op.size() + case];
            enter_case(code, land(pc, entry), path);
            return true;
        }
        match op.control() {
            Control::Next if copyable(code, pc, op, site.slot) => {
                path.push(Step::Copy(pc));
                pc += size;
            }
            Control::CondBranch => match decide(code, pc, op, site) {
                Some(true) => {
                    path.push(Step::Jump(branch_target(code, pc)));
                    return true;
                }
                Some(false) => pc += size,
                None if reads(code, pc, op, site.slot) || forks == MAX_FORKS => break,
                None => {
                    // The fall-through first, else the taken side.
                    let fork = path.len();
                    path.push(Step::Copy(pc));
                    if walk(code, pc + size, site, path, forks + 1, len) {
                        return true;
                    }
                    path.truncate(fork);
                    path.push(Step::Flip(pc));
                    if walk(code, branch_target(code, pc), site, path, forks + 1, len) {
                        return true;
                    }
                    break;
                }
            },
            _ => break,
        }
    }
    path.truncate(mark);
    false
}

/// Ends a path in the case at `pc`: a case whose first block is straight-line code
/// ending in a `br_table` (a switch on the next input, say) is copied in, which saves the
/// jump to it; any other is jumped to. (One ending in a `br` is not: that `br` may be
/// threaded itself, and a copy would go back through the table.)
fn enter_case(code: &[u32], mut pc: usize, path: &mut Vec<Step>) {
    let case = pc;
    let mark = path.len();
    for _ in 0..MAX_CASE {
        let Some(op) = code.get(pc).and_then(|&word| Op::from_word(word)) else {
            break;
        };
        if op == Op::br_table {
            path.push(Step::Table(pc));
            return;
        }
        // The state is no longer needed here: no slot is off limits.
        if op.control() != Control::Next || !copyable(code, pc, op, u32::MAX) {
            break;
        }
        path.push(Step::Copy(pc));
        pc += size_at(code, pc, op);
    }
    path.truncate(mark);
    path.push(Step::Jump(case));
}

/// Whether the fall-through op at `pc` can be copied anywhere on a path where `slot`
/// holds the state: its fields are operands and immediates only (no call base, branch,
/// table of targets, lane or landing-pad role) and it does not write `slot`.
fn copyable(code: &[u32], pc: usize, op: Op, slot: u32) -> bool {
    if matches!(op, Op::zero_slots | Op::landing_pad) {
        return false;
    }
    let mut word = pc + 1;
    for &(_, kind) in op.fields() {
        match kind {
            FieldKind::Dst => {
                if code[word] == slot {
                    return false;
                }
            }
            FieldKind::Src
            | FieldKind::Acc
            | FieldKind::AccDst
            | FieldKind::Imm32
            | FieldKind::Imm64
            | FieldKind::AccessEnd
            | FieldKind::Global
            | FieldKind::Memory => {}
            _ => return false,
        }
        word += kind.words();
    }
    true
}

/// Whether the op at `pc` reads `slot`.
fn reads(code: &[u32], pc: usize, op: Op, slot: u32) -> bool {
    let mut word = pc + 1;
    op.fields().iter().any(|&(_, kind)| {
        let hit = kind == FieldKind::Src && code[word] == slot;
        word += kind.words();
        hit
    })
}

/// Whether the conditional branch at `pc` is taken, if it tests `site.slot` against a
/// constant in a way decided here (`==`, `!=`, zero, non-zero).
fn decide(code: &[u32], pc: usize, op: Op, site: Site) -> Option<bool> {
    if code[pc + 1] != site.slot {
        return None;
    }
    let value = site.value;
    match op {
        Op::br_i32_eqz_s => Some(value == 0),
        Op::br_i32_nez_s => Some(value != 0),
        Op::br_i32_eq_si => Some(value == code[pc + 2]),
        Op::br_i32_ne_si => Some(value != code[pc + 2]),
        _ => None,
    }
}

/// Where the branch at `pc` (a `br` or a conditional branch) lands.
fn branch_target(code: &[u32], pc: usize) -> usize {
    let op = Op::from_word(code[pc]).expect("an instruction");
    let word = branch_word(op).expect("a branch");
    land(pc, code[pc + word])
}

/// The offset word of a branch at `from` to `to`.
fn offset(from: usize, to: usize) -> u32 {
    (to as i64 - from as i64) as i32 as u32
}

/// Words `step` appends.
fn step_words(code: &[u32], step: Step) -> usize {
    let size = |pc: usize| Op::from_word(code[pc]).map_or(0, |op| op.size());
    match step {
        Step::Copy(pc) => size(pc),
        Step::Flip(pc) => size(pc) + Op::br.size(),
        Step::Jump(_) => Op::br.size(),
        Step::Table(pc) => size_at(code, pc, Op::br_table),
    }
}

/// Appends `step` to `code`.
fn emit(code: &mut Vec<u32>, step: Step) {
    let at = code.len();
    match step {
        Step::Copy(pc) | Step::Flip(pc) => {
            let op = Op::from_word(code[pc]).expect("an instruction");
            let size = op.size();
            code.extend_from_within(pc..pc + size);
            if let Some(word) = branch_word(op) {
                let to = match step {
                    Step::Flip(_) => at + size + Op::br.size(),
                    _ => branch_target(code, pc),
                };
                code[at + word] = offset(at, to);
            }
            if let Step::Flip(_) = step {
                crate::isa::enc::br(code, offset(code.len(), pc + size) as i32);
            }
        }
        Step::Jump(to) => {
            crate::isa::enc::br(code, offset(at, to) as i32);
        }
        Step::Table(pc) => {
            // Offsets re-aimed, spare words as they are; the entries' opcodes are filled
            // in after fusion like every table's.
            let size = size_at(code, pc, Op::br_table);
            code.extend_from_within(pc..pc + size);
            let first = Op::br_table.size();
            for k in 0..=code[pc + 2] as usize {
                let to = land(pc, code[pc + first + k]);
                code[at + first + k] = offset(at, to);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{disassemble, enc};

    /// `loop { s1 = load8(s0); if s1 == 0 break; switch (s2) { 0: s2 = 1; 1: s2 = 0 } }`
    /// as bytecode: each case sets the state and jumps back to the head.
    fn state_machine() -> Vec<u32> {
        let mut code = Vec::new();
        let head = enc::i32_load8_u_ss(&mut code, 1, 0, 1);
        let test = enc::br_i32_eqz_s(&mut code, 1, 0);
        let table = enc::br_table(&mut code, 2, 1);
        let entries = code.len();
        code.extend([0; crate::isa::table_words(2)]);
        let case0 = enc::copy_imm32(&mut code, 2, 1);
        let back0 = enc::br(&mut code, 0);
        let case1 = enc::copy_imm32(&mut code, 2, 0);
        let back1 = enc::br(&mut code, 0);
        let exit = enc::ret(&mut code);
        code[test + 2] = offset(test, exit);
        code[entries] = offset(table, case0);
        code[entries + 1] = offset(table, case1);
        code[back0 + 1] = offset(back0, head);
        code[back1 + 1] = offset(back1, head);
        code
    }

    #[test]
    fn each_case_jumps_straight_to_the_next_state() {
        let mut code = state_machine();
        thread_switches(&mut code);
        assert_eq!(
            disassemble(&code),
            "    0: i32_load8_u_ss s1, s0, end+1\n\
            \x20   4: br_i32_eqz_s s1, -> 28\n\
            \x20   7: br_table s2, [1], -> 18, -> 23\n\
            \x20  18: copy_imm32 s2, #1\n\
            \x20  21: br -> 29\n\
            \x20  23: copy_imm32 s2, #0\n\
            \x20  26: br -> 38\n\
            \x20  28: ret \n\
            \x20  29: i32_load8_u_ss s1, s0, end+1\n\
            \x20  33: br_i32_eqz_s s1, -> 28\n\
            \x20  36: br -> 23\n\
            \x20  38: i32_load8_u_ss s1, s0, end+1\n\
            \x20  42: br_i32_eqz_s s1, -> 28\n\
            \x20  45: br -> 18\n"
        );
    }

    #[test]
    fn a_conditional_branch_after_the_state_is_set_is_threaded_too() {
        // head: switch (s2) { 0: goto case0; default: goto exit }
        // case0: s2 = 1; if s1 != 0 goto head; exit: ret
        let mut code = Vec::new();
        let head = enc::br_table(&mut code, 2, 1);
        let entries = code.len();
        code.extend([0; crate::isa::table_words(2)]);
        let case0 = enc::copy_imm32(&mut code, 2, 1);
        let again = enc::br_i32_nez_s(&mut code, 1, 0);
        let exit = enc::ret(&mut code);
        code[entries] = offset(head, case0);
        code[entries + 1] = offset(head, exit);
        code[again + 2] = offset(again, head);
        thread_switches(&mut code);
        // State 1 takes the default: the branch goes to a `br` to the exit.
        assert_eq!(
            disassemble(&code),
            "    0: br_table s2, [1], -> 11, -> 17\n\
            \x20  11: copy_imm32 s2, #1\n\
            \x20  14: br_i32_nez_s s1, -> 18\n\
            \x20  17: ret \n\
            \x20  18: br -> 17\n"
        );
    }

    #[test]
    fn a_case_that_switches_on_the_input_is_copied_in() {
        // head: s1 = load8(s0); switch (s2) { 0: goto case0; default: ret }
        // case0: s3 = s1 - 10; switch (s3) { 0: goto newline; default: goto other }
        // newline: s2 = 0; goto head          other: ret
        let mut code = Vec::new();
        let head = enc::i32_load8_u_ss(&mut code, 1, 0, 1);
        let state = enc::br_table(&mut code, 2, 1);
        let states = code.len();
        code.extend([0; crate::isa::table_words(2)]);
        let case0 = enc::i32_add_ssi(&mut code, 3, 1, -10i32 as u32);
        let input = enc::br_table(&mut code, 3, 1);
        let inputs = code.len();
        code.extend([0; crate::isa::table_words(2)]);
        let newline = enc::copy_imm32(&mut code, 2, 0);
        let back = enc::br(&mut code, 0);
        let other = enc::ret(&mut code);
        code[states] = offset(state, case0);
        code[states + 1] = offset(state, other);
        code[inputs] = offset(input, newline);
        code[inputs + 1] = offset(input, other);
        code[back + 1] = offset(back, head);
        thread_switches(&mut code);
        let listing = disassemble(&code);
        let appended: Vec<&str> = listing.lines().skip(7).collect();
        // State 0's copy ends in case 0's own switch, aimed at the same targets.
        assert_eq!(
            appended,
            [
                "   36: i32_load8_u_ss s1, s0, end+1",
                "   40: i32_add_ssi s3, s1, #-10",
                "   44: br_table s3, [1], -> 30, -> 35",
            ],
            "{listing}"
        );
    }

    #[test]
    fn a_path_that_writes_the_state_is_left_alone() {
        let mut code = state_machine();
        // The head now overwrites the state before the table reads it.
        code[1] = 2;
        let before = code.clone();
        thread_switches(&mut code);
        assert_eq!(code, before);
    }

    #[test]
    fn the_taken_side_of_a_loop_test_is_followed_and_state_tests_are_decided() {
        // head: s1 = load8(s0); if s2 == 1 goto exit; if s1 != 0 goto table; exit: ret
        let mut code = Vec::new();
        let head = enc::i32_load8_u_ss(&mut code, 1, 0, 1);
        let invalid = enc::br_i32_eq_si(&mut code, 2, 1, 0);
        let more = enc::br_i32_nez_s(&mut code, 1, 0);
        let exit = enc::ret(&mut code);
        let table = enc::br_table(&mut code, 2, 1);
        let entries = code.len();
        code.extend([0; crate::isa::table_words(2)]);
        let case0 = enc::copy_imm32(&mut code, 2, 0);
        let back0 = enc::br(&mut code, 0);
        code[invalid + 3] = offset(invalid, exit);
        code[more + 2] = offset(more, table);
        code[entries] = offset(table, case0);
        code[entries + 1] = offset(table, exit);
        code[back0 + 1] = offset(back0, head);
        thread_switches(&mut code);
        let listing = disassemble(&code);
        let appended: Vec<&str> = listing.lines().skip(7).collect();
        // Case 0's copy: the state test is gone (0 != 1), the loop test jumps past a `br`
        // to the exit, and the table is a `br` back to case 0.
        assert_eq!(
            appended,
            [
                "   28: i32_load8_u_ss s1, s0, end+1",
                "   32: br_i32_nez_s s1, -> 37",
                "   35: br -> 11",
                "   37: br -> 23",
            ],
            "{listing}"
        );
    }
}
