//! Generates the interpreter's instruction set from one typed table (`isa()` below).
//!
//! Every operator is declared once: its operand fields, each with a [`Kind`] (result
//! slot, input slot, the accumulator, 32/64-bit immediate, branch offset, an index...),
//! and the Rust function of `wamr_common::semantics` that computes it. From that table
//! this script emits, into `$OUT_DIR/isa.rs`:
//! - `Op` (one variant per operand shape), `NUM_OPS`, `OP_NAMES`, `OP_SIZES`, and
//!   `OP_FIELDS` (the kinds and names of every op's fields, which the decoder and the
//!   disassembler read);
//! - `enc`, a typed encoder per op (`enc::i32_add_sss(code, d, a, b)`);
//! - `fam`, the operator families the translator picks shapes from (`fam::i32_add`);
//! - `ACC_TWIN`, each result-to-slot op's result-to-accumulator twin;
//! - one handler per op for each dispatcher (threaded, loop) and handler set (generic;
//!   on x86-64 also BMI1/BMI2/LZCNT/POPCNT for the ops where those instructions help).
//!
//! Operand shapes are named by a suffix, one letter per operand, result first: `s` a
//! frame slot, `a` the accumulator, `i` an immediate. `i32_add_asi` computes
//! `acc = slot + imm`. The accumulator is a machine register that travels from handler
//! to handler; the translator uses it to pass a result straight to the next instruction.
//!
//! A handler's body sees its fields decoded into locals of the field's name, and the
//! registers `ip`, `sp`, `mem`, `st`, `acc`. Bodies of ops with `Flow::Next` fall
//! through to the next instruction (the generator advances `ip`); `{size}` in a body is
//! the op's size in words.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

mod lane_names;
mod simd;

/// What an operand field holds. Field words follow the opcode word in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The slot a result is written to.
    Dst,
    /// A slot read as input.
    Src,
    /// An input read from the accumulator (no word).
    Acc,
    /// A result written to the accumulator (no word).
    AccDst,
    /// A 32-bit immediate.
    Imm32,
    /// A 64-bit immediate, two words, low first.
    Imm64,
    /// A branch offset in words from the instruction's first word (signed).
    Branch,
    Func,
    Table,
    Type,
    Global,
    Data,
    Elem,
    /// Where a memory access ends relative to its address: the static offset plus the
    /// access size (so a handler checks `address + end <= memory size` and reads at
    /// `address + end - size`, with one add). The translator emits an unconditional
    /// out-of-bounds trap where this would not fit 32 bits.
    AccessEnd,
    /// The first slot of a callee's frame (its arguments).
    Base,
    /// `br_table`'s target count `n`; `n + 1` branch words follow (the last is the
    /// default).
    Targets,
    /// How many argument slots a tail call moves from its base to the frame's start.
    Args,
    /// A memory index (memory 0 has ops of its own, which use the cached base and size).
    Memory,
    /// A tag index (exception handling).
    Tag,
    /// A SIMD lane index (validated below the lane count).
    Lane,
    /// A 128-bit immediate, four words, lowest first (`v128.const`, a shuffle's lanes).
    Imm128,
}

impl Kind {
    fn words(self) -> usize {
        match self {
            Kind::Acc | Kind::AccDst => 0,
            Kind::Imm64 => 2,
            Kind::Imm128 => 4,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// Sets `ip` itself (branches, calls, returns) or never continues.
    Custom,
}

#[derive(Clone)]
struct OpDef {
    name: String,
    fields: Vec<(&'static str, Kind)>,
    body: String,
    flow: Flow,
    /// Has a BMI-compiled handler (it would otherwise share the generic one).
    bmi: bool,
    /// A SIMD lane op: the function of `wamr_common::simd` its body calls through `{P}`,
    /// which each handler set may implement its own way.
    lane_fn: Option<&'static str>,
}

impl OpDef {
    fn size(&self) -> usize {
        1 + self.fields.iter().map(|(_, k)| k.words()).sum::<usize>()
    }
}

/// How an input operand is given in a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum In {
    Slot,
    Acc,
    Imm,
}

impl In {
    fn letter(self) -> char {
        match self {
            In::Slot => 's',
            In::Acc => 'a',
            In::Imm => 'i',
        }
    }
    fn index(self) -> usize {
        match self {
            In::Slot => 0,
            In::Acc => 1,
            In::Imm => 2,
        }
    }
}

/// Wasm value types as handlers read them.
fn wide(t: &str) -> bool {
    matches!(t, "u64" | "i64" | "f64")
}

fn input_field(name: &'static str, how: In, ty: &str) -> Option<(&'static str, Kind)> {
    match how {
        In::Slot => Some((name, Kind::Src)),
        In::Acc => Some((name, Kind::Acc)),
        In::Imm if wide(ty) => Some((name, Kind::Imm64)),
        In::Imm => Some((name, Kind::Imm32)),
    }
}

fn read_expr(name: &str, how: In, ty: &str) -> String {
    match how {
        In::Slot => format!("get::<{ty}>(sp, {name})"),
        In::Acc => format!("<{ty} as SlotVal>::from_slot(acc)"),
        In::Imm => format!("<{ty} as SlotVal>::from_slot({name} as u64)"),
    }
}

fn write_stmt(dst_acc: bool, out: &str) -> String {
    if dst_acc {
        format!("acc = <{out} as SlotVal>::to_slot(r);")
    } else {
        "set(sp, d, r);".into()
    }
}

/// The value of a semantics call, trapping on `Err` for fallible operators.
fn call_expr(sem: &str, args: &str, fallible: bool) -> String {
    if fallible {
        format!("match sem::{sem}({args}) {{ Ok(v) => v, Err(k) => return raise(st, ip, k) }}")
    } else {
        format!("sem::{sem}({args})")
    }
}

struct Isa {
    ops: Vec<OpDef>,
    /// Generated family constants (Rust source of `fam`).
    families: String,
    /// Rows of `FUSIONS`.
    fusions: String,
}

impl Isa {
    fn push(
        &mut self,
        name: impl Into<String>,
        fields: &[(&'static str, Kind)],
        body: impl Into<String>,
        flow: Flow,
    ) {
        self.ops.push(OpDef {
            name: name.into(),
            fields: fields.to_vec(),
            body: body.into(),
            flow,
            bmi: false,
            lane_fn: None,
        });
    }

    /// A SIMD lane op whose body calls `{P}::lane_fn` (see [`OpDef::lane_fn`]).
    fn push_lane(
        &mut self,
        name: &str,
        fields: &[(&'static str, Kind)],
        body: impl Into<String>,
        lane_fn: &'static str,
    ) {
        self.push(name, fields, body, Flow::Next);
        self.ops.last_mut().expect("just pushed").lane_fn = Some(lane_fn);
    }

    /// A binary operator in every shape: result slot or accumulator; each input a slot,
    /// the accumulator or an immediate (never both the accumulator, never both
    /// immediates). Commutative operators and comparisons the translator mirrors skip the
    /// mirrored shapes. Float operators have no immediate forms.
    #[allow(clippy::too_many_arguments)]
    fn binary(
        &mut self,
        name: &str,
        sem: &str,
        ty: &str,
        out: &str,
        fallible: bool,
        symmetric: bool,
        bmi: bool,
    ) {
        let imm = !ty.starts_with('f');
        let mut table: [[[Option<String>; 3]; 3]; 2] = Default::default();
        let kinds: &[In] = if imm {
            &[In::Slot, In::Acc, In::Imm]
        } else {
            &[In::Slot, In::Acc]
        };
        for &lhs in kinds {
            for &rhs in kinds {
                if lhs == rhs && lhs != In::Slot {
                    continue;
                }
                if symmetric && (lhs == In::Imm || (lhs == In::Slot && rhs == In::Acc)) {
                    continue;
                }
                for dst_acc in [false, true] {
                    let op = format!(
                        "{name}_{}{}{}",
                        if dst_acc { 'a' } else { 's' },
                        lhs.letter(),
                        rhs.letter()
                    );
                    let mut fields = Vec::new();
                    fields.push(if dst_acc {
                        ("d", Kind::AccDst)
                    } else {
                        ("d", Kind::Dst)
                    });
                    fields.extend(input_field("a", lhs, ty));
                    fields.extend(input_field("b", rhs, ty));
                    let args = format!("{}, {}", read_expr("a", lhs, ty), read_expr("b", rhs, ty));
                    let body = format!(
                        "let r: {out} = {}; {}",
                        call_expr(sem, &args, fallible),
                        write_stmt(dst_acc, out)
                    );
                    table[usize::from(dst_acc)][lhs.index()][rhs.index()] = Some(op.clone());
                    self.ops.push(OpDef {
                        name: op,
                        fields,
                        body,
                        flow: Flow::Next,
                        bmi,
                        lane_fn: None,
                    });
                }
            }
        }
        let table = opt_table3(&table);
        writeln!(
            self.families,
            "    pub const {name}: Binary = Binary {{ wide: {}, ops: {table} }};",
            wide(ty)
        )
        .unwrap();
    }

    /// A unary operator: result slot or accumulator, input slot or accumulator.
    fn unary(&mut self, name: &str, sem: &str, ty: &str, out: &str, fallible: bool, bmi: bool) {
        let mut table = [
            [String::new(), String::new()],
            [String::new(), String::new()],
        ];
        for dst_acc in [false, true] {
            for src in [In::Slot, In::Acc] {
                let op = format!("{name}_{}{}", if dst_acc { 'a' } else { 's' }, src.letter());
                let mut fields = vec![if dst_acc {
                    ("d", Kind::AccDst)
                } else {
                    ("d", Kind::Dst)
                }];
                fields.extend(input_field("a", src, ty));
                let body = format!(
                    "let r: {out} = {}; {}",
                    call_expr(sem, &read_expr("a", src, ty), fallible),
                    write_stmt(dst_acc, out)
                );
                table[usize::from(dst_acc)][src.index()] = format!("Op::{op}");
                self.ops.push(OpDef {
                    name: op,
                    fields,
                    body,
                    flow: Flow::Next,
                    bmi,
                    lane_fn: None,
                });
            }
        }
        writeln!(
            self.families,
            "    pub const {name}: Unary = Unary {{ ops: [[{}, {}], [{}, {}]] }};",
            table[0][0], table[0][1], table[1][0], table[1][1]
        )
        .unwrap();
    }

    /// A fused compare-and-branch: inputs as for comparisons (mirrored shapes skipped),
    /// the branch offset last.
    fn branch_cmp(&mut self, name: &str, sem: &str, ty: &str) {
        let mut table: [[Option<String>; 3]; 3] = Default::default();
        for (lhs, rhs) in [
            (In::Slot, In::Slot),
            (In::Slot, In::Imm),
            (In::Acc, In::Slot),
            (In::Acc, In::Imm),
        ] {
            let op = format!("br_{name}_{}{}", lhs.letter(), rhs.letter());
            let mut fields = Vec::new();
            fields.extend(input_field("a", lhs, ty));
            fields.extend(input_field("b", rhs, ty));
            fields.push(("target", Kind::Branch));
            let body = format!(
                "if sem::{sem}({}, {}) != 0 {{ ip = ip.offset(target); }} else {{ ip = ip.add({{size}}); }}",
                read_expr("a", lhs, ty),
                read_expr("b", rhs, ty)
            );
            table[lhs.index()][rhs.index()] = Some(op.clone());
            self.ops.push(OpDef {
                name: op,
                fields,
                body,
                flow: Flow::Custom,
                bmi: false,
                lane_fn: None,
            });
        }
        writeln!(
            self.families,
            "    pub const br_{name}: BranchCmp = BranchCmp {{ wide: {}, ops: {} }};",
            wide(ty),
            opt_table2(&table)
        )
        .unwrap();
    }
}

fn opt(o: &Option<String>) -> String {
    match o {
        Some(op) => format!("Some(Op::{op})"),
        None => "None".into(),
    }
}

fn opt_table2(t: &[[Option<String>; 3]; 3]) -> String {
    let rows: Vec<String> = t
        .iter()
        .map(|r| format!("[{}]", r.iter().map(opt).collect::<Vec<_>>().join(", ")))
        .collect();
    format!("[{}]", rows.join(", "))
}

fn opt_table3(t: &[[[Option<String>; 3]; 3]; 2]) -> String {
    format!("[{}, {}]", opt_table2(&t[0]), opt_table2(&t[1]))
}

/// Integer comparisons: name, semantics suffix, and whether the translator may mirror
/// it (all of them can be: `a < b` is `b > a`).
const INT_CMPS: &[&str] = &[
    "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
];

fn int_ops(isa: &mut Isa, p: &str) {
    let (u, s) = if p == "i32" {
        ("u32", "i32")
    } else {
        ("u64", "i64")
    };
    // (name, reads signed, fallible, commutative, has a BMI handler)
    let binops: &[(&str, bool, bool, bool, bool)] = &[
        ("add", false, false, true, false),
        ("sub", false, false, false, false),
        ("mul", false, false, true, false),
        ("div_s", true, true, false, false),
        ("div_u", false, true, false, false),
        ("rem_s", true, true, false, false),
        ("rem_u", false, true, false, false),
        ("and", false, false, true, false),
        ("or", false, false, true, false),
        ("xor", false, false, true, false),
        ("shl", false, false, false, true),
        ("shr_s", true, false, false, true),
        ("shr_u", false, false, false, true),
        ("rotl", false, false, false, true),
        ("rotr", false, false, false, true),
    ];
    for &(n, signed, fallible, comm, bmi) in binops {
        let t = if signed { s } else { u };
        isa.binary(
            &format!("{p}_{n}"),
            &format!("{p}_{n}"),
            t,
            t,
            fallible,
            comm,
            bmi,
        );
    }
    if p == "i32" {
        unsigned_by_constant(isa);
    }
    for n in INT_CMPS {
        let t = if n.ends_with("_s") { s } else { u };
        let sem = format!("{p}_{n}");
        isa.binary(&sem, &sem, t, "u32", false, true, false);
        isa.branch_cmp(&sem, &sem, t);
    }
    isa.unary(
        &format!("{p}_eqz"),
        &format!("{p}_eqz"),
        u,
        "u32",
        false,
        false,
    );
    for n in ["clz", "ctz", "popcnt"] {
        isa.unary(&format!("{p}_{n}"), &format!("{p}_{n}"), u, u, false, true);
    }
    for n in ["extend8_s", "extend16_s"] {
        isa.unary(&format!("{p}_{n}"), &format!("{p}_{n}"), u, s, false, false);
    }
    // Branches on zero / non-zero.
    for (n, test) in [("nez", "!="), ("eqz", "==")] {
        let mut ops = Vec::new();
        for src in [In::Slot, In::Acc] {
            let op = format!("br_{p}_{n}_{}", src.letter());
            let mut fields: Vec<(&'static str, Kind)> =
                input_field("a", src, u).into_iter().collect();
            fields.push(("target", Kind::Branch));
            let body = format!(
                "if {} {test} 0 {{ ip = ip.offset(target); }} else {{ ip = ip.add({{size}}); }}",
                read_expr("a", src, u)
            );
            ops.push(format!("Op::{op}"));
            isa.push(op, &fields, body, Flow::Custom);
        }
        writeln!(
            isa.families,
            "    pub const br_{p}_{n}: [Op; 2] = [{}];",
            ops.join(", ")
        )
        .unwrap();
    }
}

/// `i32.div_u` and `i32.rem_u` by a constant of at least 2 (`_k_`): the translator
/// passes the divisor's magic `m` (and the divisor `k` for the remainder), and the
/// handler multiplies instead of dividing (see `semantics::u32_divisor_magic`). Never
/// traps. Shapes: result slot or accumulator, dividend slot or accumulator.
fn unsigned_by_constant(isa: &mut Isa) {
    for (n, constants, expr) in [
        (
            "div_u",
            &[("m", Kind::Imm64)][..],
            "sem::u32_div_by_magic(a, m)",
        ),
        (
            "rem_u",
            &[("k", Kind::Imm32), ("m", Kind::Imm64)][..],
            "sem::u32_rem_by_magic(a, k, m)",
        ),
    ] {
        for dst_acc in [false, true] {
            for src in [In::Slot, In::Acc] {
                let op = format!(
                    "i32_{n}_k_{}{}",
                    if dst_acc { 'a' } else { 's' },
                    src.letter()
                );
                let mut fields = vec![if dst_acc {
                    ("d", Kind::AccDst)
                } else {
                    ("d", Kind::Dst)
                }];
                fields.extend(input_field("a", src, "u32"));
                fields.extend_from_slice(constants);
                let body = format!(
                    "let a: u32 = {}; let r: u32 = {expr}; {}",
                    read_expr("a", src, "u32"),
                    write_stmt(dst_acc, "u32")
                );
                isa.push(op, &fields, body, Flow::Next);
            }
        }
    }
}

fn float_ops(isa: &mut Isa, p: &str) {
    let bits = if p == "f32" { "u32" } else { "u64" };
    // Never mirrored: which NaN a two-NaN operation returns depends on operand order.
    for n in ["add", "sub", "mul", "div", "min", "max"] {
        let name = format!("{p}_{n}");
        isa.binary(&name, &name, p, p, false, false, false);
    }
    let name = format!("{p}_copysign");
    isa.binary(&name, &name, bits, bits, false, false, false);
    for n in ["eq", "ne", "lt", "gt", "le", "ge"] {
        let name = format!("{p}_{n}");
        // Float comparisons are not mirrored by the translator (NaN rules keep them
        // simple, but there is no immediate form to normalise to): all shapes.
        isa.binary(&name, &name, p, "u32", false, false, false);
    }
    for n in ["abs", "neg"] {
        isa.unary(
            &format!("{p}_{n}"),
            &format!("{p}_{n}"),
            bits,
            bits,
            false,
            false,
        );
    }
    for n in ["ceil", "floor", "trunc", "nearest", "sqrt"] {
        isa.unary(&format!("{p}_{n}"), &format!("{p}_{n}"), p, p, false, false);
    }
}

fn conversions(isa: &mut Isa) {
    let plain: &[(&str, &str, &str)] = &[
        ("i32_wrap_i64", "u64", "u32"),
        ("i64_extend_i32_s", "i32", "i64"),
        ("i64_extend_i32_u", "u32", "u64"),
        ("i64_extend32_s", "u64", "i64"),
        ("f32_convert_i32_s", "i32", "f32"),
        ("f32_convert_i32_u", "u32", "f32"),
        ("f32_convert_i64_s", "i64", "f32"),
        ("f32_convert_i64_u", "u64", "f32"),
        ("f64_convert_i32_s", "i32", "f64"),
        ("f64_convert_i32_u", "u32", "f64"),
        ("f64_convert_i64_s", "i64", "f64"),
        ("f64_convert_i64_u", "u64", "f64"),
        ("f32_demote_f64", "f64", "f32"),
        ("f64_promote_f32", "f32", "f64"),
    ];
    for (n, from, to) in plain {
        isa.unary(n, n, from, to, false, false);
    }
    let truncs: &[(&str, &str, &str)] = &[
        ("i32_trunc_f32_s", "f32", "i32"),
        ("i32_trunc_f32_u", "f32", "u32"),
        ("i32_trunc_f64_s", "f64", "i32"),
        ("i32_trunc_f64_u", "f64", "u32"),
        ("i64_trunc_f32_s", "f32", "i64"),
        ("i64_trunc_f32_u", "f32", "u64"),
        ("i64_trunc_f64_s", "f64", "i64"),
        ("i64_trunc_f64_u", "f64", "u64"),
    ];
    for (n, from, to) in truncs {
        isa.unary(n, n, from, to, true, false);
        let sat = n.replacen("_trunc_", "_trunc_sat_", 1);
        isa.unary(&sat, &sat, from, to, false, false);
    }
}

fn memory_ops(isa: &mut Isa) {
    // (name, bytes, raw type read, result type, extension from the raw `v`)
    let loads: &[(&str, usize, &str, &str, &str)] = &[
        ("load32", 4, "u32", "u32", "v"),
        ("load64", 8, "u64", "u64", "v"),
        ("i32_load8_s", 1, "i8", "i32", "v as i32"),
        ("i32_load8_u", 1, "u8", "u32", "v as u32"),
        ("i32_load16_s", 2, "i16", "i32", "v as i32"),
        ("i32_load16_u", 2, "u16", "u32", "v as u32"),
        ("i64_load8_s", 1, "i8", "i64", "v as i64"),
        ("i64_load8_u", 1, "u8", "u64", "v as u64"),
        ("i64_load16_s", 2, "i16", "i64", "v as i64"),
        ("i64_load16_u", 2, "u16", "u64", "v as u64"),
        ("i64_load32_s", 4, "i32", "i64", "v as i64"),
        ("i64_load32_u", 4, "u32", "u64", "v as u64"),
    ];
    for (n, size, raw, out, ext) in loads {
        let mut table = [
            [String::new(), String::new()],
            [String::new(), String::new()],
        ];
        for dst_acc in [false, true] {
            for addr in [In::Slot, In::Acc] {
                let op = format!("{n}_{}{}", if dst_acc { 'a' } else { 's' }, addr.letter());
                let mut fields = vec![if dst_acc {
                    ("d", Kind::AccDst)
                } else {
                    ("d", Kind::Dst)
                }];
                fields.extend(input_field("addr", addr, "u32"));
                fields.push(("end", Kind::AccessEnd));
                let body = format!(
                    "let ea = match sem::access_start({}, end, {size}, (*st).mem_size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
                     let v: {raw} = mem.add(ea).cast::<{raw}>().read_unaligned(); let r: {out} = {ext}; {}",
                    read_expr("addr", addr, "u32"),
                    write_stmt(dst_acc, out)
                );
                table[usize::from(dst_acc)][addr.index()] = format!("Op::{op}");
                isa.push(op, &fields, body, Flow::Next);
            }
        }
        // Any other memory: its base and size come from the instance's memory array at
        // every access.
        let other = format!("{n}_m");
        let body = format!(
            "let def = &**(*st).arrays.memories.add(memory as usize); \
             let ea = match sem::access_start(get::<u32>(sp, addr), end, {size}, def.size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
             let v: {raw} = def.base.add(ea).cast::<{raw}>().read_unaligned(); let r: {out} = {ext}; set(sp, d, r);"
        );
        isa.push(
            other.clone(),
            &[
                ("d", Kind::Dst),
                ("addr", Kind::Src),
                ("end", Kind::AccessEnd),
                ("memory", Kind::Memory),
            ],
            body,
            Flow::Next,
        );
        // A 64-bit memory (any index): a 64-bit address and offset, checked in 64 bits.
        let wide = format!("{n}_m64");
        let body = format!(
            "let def = &**(*st).arrays.memories.add(memory as usize); \
             let ea = match sem::access_start64(get::<u64>(sp, addr), offset, {size}, def.size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
             let v: {raw} = def.base.add(ea).cast::<{raw}>().read_unaligned(); let r: {out} = {ext}; set(sp, d, r);"
        );
        isa.push(
            wide.clone(),
            &[
                ("d", Kind::Dst),
                ("addr", Kind::Src),
                ("offset", Kind::Imm64),
                ("memory", Kind::Memory),
            ],
            body,
            Flow::Next,
        );
        writeln!(
            isa.families,
            "    pub const {n}: Load = Load {{ bytes: {size}, ops: [[{}, {}], [{}, {}]], other_memory: Op::{other}, memory64: Op::{wide} }};",
            table[0][0], table[0][1], table[1][0], table[1][1]
        )
        .unwrap();
    }
    for (n, size, raw) in [
        ("store8", 1, "u8"),
        ("store16", 2, "u16"),
        ("store32", 4, "u32"),
        ("store64", 8, "u64"),
    ] {
        let src = if raw == "u64" { "u64" } else { "u32" };
        let mut table: [[Option<String>; 3]; 3] = Default::default();
        // A constant value is an immediate (a slot write and read fewer than a copy).
        for (addr, val) in [
            (In::Slot, In::Slot),
            (In::Acc, In::Slot),
            (In::Slot, In::Acc),
            (In::Slot, In::Imm),
            (In::Acc, In::Imm),
        ] {
            let op = format!("{n}_{}{}", addr.letter(), val.letter());
            let mut fields = Vec::new();
            fields.extend(input_field("addr", addr, "u32"));
            fields.extend(input_field("val", val, src));
            fields.push(("end", Kind::AccessEnd));
            let body = format!(
                "let ea = match sem::access_start({}, end, {size}, (*st).mem_size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
                 let v: {src} = {}; mem.add(ea).cast::<{raw}>().write_unaligned(v as {raw});",
                read_expr("addr", addr, "u32"),
                read_expr("val", val, src)
            );
            table[addr.index()][val.index()] = Some(op.clone());
            isa.push(op, &fields, body, Flow::Next);
        }
        let other = format!("{n}_m");
        let body = format!(
            "let def = &**(*st).arrays.memories.add(memory as usize); \
             let ea = match sem::access_start(get::<u32>(sp, addr), end, {size}, def.size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
             let v: {src} = get(sp, val); def.base.add(ea).cast::<{raw}>().write_unaligned(v as {raw});"
        );
        isa.push(
            other.clone(),
            &[
                ("addr", Kind::Src),
                ("val", Kind::Src),
                ("end", Kind::AccessEnd),
                ("memory", Kind::Memory),
            ],
            body,
            Flow::Next,
        );
        let wide = format!("{n}_m64");
        let body = format!(
            "let def = &**(*st).arrays.memories.add(memory as usize); \
             let ea = match sem::access_start64(get::<u64>(sp, addr), offset, {size}, def.size) {{ Ok(ea) => ea, Err(k) => return raise(st, ip, k) }}; \
             let v: {src} = get(sp, val); def.base.add(ea).cast::<{raw}>().write_unaligned(v as {raw});"
        );
        isa.push(
            wide.clone(),
            &[
                ("addr", Kind::Src),
                ("val", Kind::Src),
                ("offset", Kind::Imm64),
                ("memory", Kind::Memory),
            ],
            body,
            Flow::Next,
        );
        writeln!(
            isa.families,
            "    pub const {n}: Store = Store {{ bytes: {size}, ops: {}, other_memory: Op::{other}, memory64: Op::{wide} }};",
            opt_table2(&table)
        )
        .unwrap();
    }
    use Kind::*;
    // Bulk and growth operations run in the shared runtime (wamr_common::libcalls).
    // The page count fits 32 bits, so one op serves both index types. The other bulk
    // operations read each address or length operand as its memory's index type says
    // (`wide`: bit 0 the destination, bit 1 the source, bit 2 the length is 64-bit).
    isa.push(
        "memory_size",
        &[("d", Dst), ("memory", Memory)],
        "set(sp, d, (**(*st).arrays.memories.add(memory as usize)).size / 65536);",
        Flow::Next,
    );
    isa.push(
        "memory_grow",
        &[("d", Dst), ("n", Src), ("memory", Memory), ("wide", Imm32)],
        "let r = slow::memory_grow(st, memory, operand(sp, n, wide & 4 != 0)); mem = (*st).mem; set(sp, d, r);",
        Flow::Next,
    );
    isa.push("memory_fill", &[("dst", Src), ("val", Src), ("n", Src), ("memory", Memory), ("wide", Imm32)],
        "if let Err(t) = libcalls::memory_fill(instance(st), memory, operand(sp, dst, wide & 1 != 0), get(sp, val), operand(sp, n, wide & 4 != 0)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push("memory_copy", &[("dst", Src), ("src", Src), ("n", Src), ("dst_mem", Memory), ("src_mem", Memory), ("wide", Imm32)],
        "if let Err(t) = libcalls::memory_copy(instance(st), dst_mem, src_mem, operand(sp, dst, wide & 1 != 0), operand(sp, src, wide & 2 != 0), operand(sp, n, wide & 4 != 0)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push("memory_init", &[("data", Data), ("dst", Src), ("src", Src), ("n", Src), ("memory", Memory), ("wide", Imm32)],
        "if let Err(t) = libcalls::memory_init(instance(st), memory, data, operand(sp, dst, wide & 1 != 0), get(sp, src), get(sp, n)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push(
        "data_drop",
        &[("data", Data)],
        "libcalls::data_drop(instance(st), data);",
        Flow::Next,
    );
}

fn table_ops(isa: &mut Isa) {
    use Kind::*;
    // Index operands are read as their table's index type says (`wide`: bit 0 the index
    // or destination, bit 1 the source, bit 2 the length is 64-bit), as for memories.
    isa.push("table_get", &[("d", Dst), ("table", Table), ("i", Src), ("wide", Imm32)],
        "match libcalls::table_get(instance(st), table, operand(sp, i, wide & 1 != 0)) { Ok(v) => set(sp, d, v), Err(t) => return raise_trap(st, ip, t) }", Flow::Next);
    isa.push("table_set", &[("table", Table), ("i", Src), ("val", Src), ("wide", Imm32)],
        "if let Err(t) = libcalls::table_set(instance(st), table, operand(sp, i, wide & 1 != 0), get(sp, val)) { return raise_trap(st, ip, t) }", Flow::Next);
    // The size fits 32 bits (tables are capped), so one op serves both index types.
    isa.push(
        "table_size",
        &[("d", Dst), ("table", Table)],
        "set(sp, d, libcalls::table_size(instance(st), table));",
        Flow::Next,
    );
    isa.push("table_grow", &[("d", Dst), ("table", Table), ("init", Src), ("n", Src), ("wide", Imm32)],
        "let r = libcalls::table_grow(instance(st), table, get(sp, init), operand(sp, n, wide & 4 != 0)); set(sp, d, r);", Flow::Next);
    isa.push("table_fill", &[("table", Table), ("i", Src), ("val", Src), ("n", Src), ("wide", Imm32)],
        "if let Err(t) = libcalls::table_fill(instance(st), table, operand(sp, i, wide & 1 != 0), get(sp, val), operand(sp, n, wide & 4 != 0)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push("table_copy", &[("dst_table", Table), ("src_table", Table), ("dst", Src), ("src", Src), ("n", Src), ("wide", Imm32)],
        "if let Err(t) = libcalls::table_copy(instance(st), dst_table, src_table, operand(sp, dst, wide & 1 != 0), operand(sp, src, wide & 2 != 0), operand(sp, n, wide & 4 != 0)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push("table_init", &[("table", Table), ("elem", Elem), ("dst", Src), ("src", Src), ("n", Src), ("wide", Imm32)],
        "if let Err(t) = libcalls::table_init(instance(st), table, elem, operand(sp, dst, wide & 1 != 0), get(sp, src), get(sp, n)) { return raise_trap(st, ip, t) }", Flow::Next);
    isa.push(
        "elem_drop",
        &[("elem", Elem)],
        "libcalls::elem_drop(instance(st), elem);",
        Flow::Next,
    );
    isa.push(
        "ref_func",
        &[("d", Dst), ("func", Func)],
        "set(sp, d, *(*st).arrays.funcs.add(func as usize) as u64);",
        Flow::Next,
    );
}

fn control_ops(isa: &mut Isa) {
    use Kind::*;
    // `halt` must stay op 0's neighbour-free first entry: HALT and the stubs use it.
    isa.push("halt", &[], "return Exit::Done;", Flow::Custom);
    isa.push(
        "unreachable",
        &[],
        "return raise(st, ip, TrapKind::Unreachable);",
        Flow::Custom,
    );
    isa.push(
        "trap_out_of_bounds",
        &[],
        "return raise(st, ip, TrapKind::MemoryOutOfBounds);",
        Flow::Custom,
    );
    // Metering (emitted only when configured; see `wamr_common::metering`).
    isa.push("fuel", &[("cost", Imm32)],
        "if !(*(*(*st).vmctx).run_state).charge(cost) { if let Err(t) = libcalls::refuel(instance(st), cost) { return raise_trap(st, ip, t) } }", Flow::Next);
    isa.push("check_interrupt", &[],
        "if (*(*(*st).vmctx).run_state).take_interrupt() { return raise(st, ip, TrapKind::Interrupted) }", Flow::Next);
    isa.push(
        "br",
        &[("target", Branch)],
        "ip = ip.offset(target);",
        Flow::Custom,
    );
    // The targets follow the count: `n` cases, then the default, then four spare words
    // (for `br_table_const`), then the opcode at each target (`isa::fill_table_ops`).
    // Reading the target's opcode beside its offset starts the handler-table load as soon
    // as the index is known, instead of after the jump's `ip` (a load less on the path
    // a mispredicted switch waits for).
    isa.push(
        "br_table",
        &[("i", Src), ("n", Targets)],
        "let i: u32 = get(sp, i); let k = (if i < n { i } else { n }) as usize; \
         let next_op = w(ip, {size} + n as usize + 1 + TABLE_SPARE_WORDS + k); \
         ip = ip.offset(w(ip, {size} + k) as i32 as isize); DISPATCH_WITH(next_op);",
        Flow::Custom,
    );
    // A branch on the accumulator over one `copy` (`if (c) x = y;`), as
    // `isa::branch_over_copy` rewrites it: a conditional move, with no branch to
    // mispredict. The copy stays in place behind it and is stepped over, so a branch to
    // the copy still finds it.
    for (name, test) in [("copy_next_if_a", "!="), ("copy_next_unless_a", "==")] {
        isa.push(name, &[("a", Acc), ("target", Branch)],
            format!("let d = w(ip, {{size}} + 1); let from = if <u32 as SlotVal>::from_slot(acc) {test} 0 {{ w(ip, {{size}} + 2) }} else {{ d }}; \
             let v: u64 = get(sp, from); set(sp, d, v); ip = ip.add({{size}} + 3);"), Flow::Custom);
    }
    // A `br_table` whose cases each set one slot to a constant or leave it and go to
    // one join, or go where the default goes (a switch that computes a value), as
    // `isa::switch_to_values` rewrites it after translation: the case words hold the
    // values, the default word its branch, and the spare words of a `br_table` the slot,
    // the value that means "leave it", the value that means "take the default" and the
    // branch to the join. A case is a load: no indirect jump to mispredict.
    isa.push("br_table_const", &[("i", Src), ("n", Targets)],
        "let i: u32 = get(sp, i); let tail = {size} + n as usize; \
         let v = if i < n { w(ip, {size} + i as usize) } else { w(ip, tail + 3) }; \
         if v == w(ip, tail + 3) { ip = ip.offset(w(ip, tail) as i32 as isize); } \
         else { let d = w(ip, tail + 1); let old: u64 = get(sp, d); \
         set(sp, d, if v == w(ip, tail + 2) { old } else { u64::from(v) }); ip = ip.offset(w(ip, tail + 4) as i32 as isize); }", Flow::Custom);
    isa.push("ret", &[], "let f = frame_pop(st); ip = f.ret_ip; sp = f.sp; if f.vmctx != (*st).vmctx { switch_instance(st, f.vmctx, f.funcs); } mem = (*st).mem;", Flow::Custom);
    // The accumulator is dead across a call (the translator never keeps it live over
    // one): clearing it first frees its register for the handler's temporaries (one
    // callee-saved register spilled instead of two).
    isa.push("call", &[("func", Func), ("base", Base)],
        "acc = 0; let callee = &*(*st).funcs.add(func as usize); let nsp = sp.add(base as usize); \
         if let Some(e) = frame_push(st, ip.add({size}), sp, nsp, callee) { return e; } ip = callee.code.get(); sp = nsp;", Flow::Custom);
    isa.push("call_indirect", &[("table", Table), ("ty", Type), ("i", Src), ("base", Base)],
        "let e = slow::call_indirect(st, ip, sp, table, ty, get(sp, i), base, {size}); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    // Tail calls run the callee in the caller's frame: the arguments move to its start
    // and no frame record is pushed, so the callee's `ret` returns to the caller's
    // caller. Imports and functions of other instances go through their entry stubs
    // (`call_imported`), which see an ordinary call.
    isa.push("return_call", &[("func", Func), ("base", Base), ("n", Args)],
        "acc = 0; let callee = &*(*st).funcs.add(func as usize); \
         if let Some(e) = tail_enter(st, ip, sp, base, n, callee) { return e; } ip = callee.code.get();", Flow::Custom);
    // A 64-bit table's index: past 2^32 it is past any table's end (tables are capped),
    // so it saturates to an index that traps as undefined.
    isa.push("call_indirect64", &[("table", Table), ("ty", Type), ("i", Src), ("base", Base)],
        "let i = u32::try_from(get::<u64>(sp, i)).unwrap_or(u32::MAX); let e = slow::call_indirect(st, ip, sp, table, ty, i, base, {size}); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push("return_call_indirect64", &[("table", Table), ("ty", Type), ("i", Src), ("base", Base)],
        "let i = u32::try_from(get::<u64>(sp, i)).unwrap_or(u32::MAX); let e = slow::return_call_indirect(st, ip, sp, table, ty, i, base); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push("return_call_indirect", &[("table", Table), ("ty", Type), ("i", Src), ("base", Base)],
        "let e = slow::return_call_indirect(st, ip, sp, table, ty, get(sp, i), base); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    // Typed function references: a null reference traps, anything else is a function of
    // the right type (validation), entered as through a table.
    isa.push("call_ref", &[("f", Src), ("base", Base)],
        "let e = slow::call_ref(st, ip, sp, get(sp, f), base, {size}); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push("return_call_ref", &[("f", Src), ("base", Base)],
        "let e = slow::return_call_ref(st, ip, sp, get(sp, f), base); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push(
        "ref_as_non_null",
        &[("s", Src)],
        "if get::<u64>(sp, s) == 0 { return raise(st, ip, TrapKind::NullReference); }",
        Flow::Next,
    );
    // Exception handling. A raising instruction (a call, `throw`, `throw_ref`) covered by
    // a handler of its own function is followed by a `landing_pad` naming the handler's
    // dispatch code and the slot that receives the exception; the unwinder
    // (`slow::unwind`) looks for one at each return point it leaves to. In normal flow
    // the pad is skipped.
    isa.push(
        "landing_pad",
        &[("exn", Dst), ("target", Branch)],
        "",
        Flow::Next,
    );
    isa.push("throw", &[("tag", Tag), ("base", Base)],
        "acc = 0; let e = slow::throw(st, ip, sp, tag, base, {size}); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push("throw_ref", &[("exn", Src)],
        "acc = 0; let e = slow::throw_ref(st, ip, sp, get(sp, exn), {size}); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    // Dispatch: an exception of `tag` writes its payload from slot `d` (`catch_ref`: then
    // the exception itself) and branches; any other falls through to the next clause.
    isa.push("catch", &[("tag", Tag), ("exn", Src), ("d", Base), ("target", Branch)],
        "if slow::catch_tag(st, sp, get(sp, exn), tag, d, false) { ip = ip.offset(target); } else { ip = ip.add({size}); }", Flow::Custom);
    isa.push("catch_ref", &[("tag", Tag), ("exn", Src), ("d", Base), ("target", Branch)],
        "if slow::catch_tag(st, sp, get(sp, exn), tag, d, true) { ip = ip.offset(target); } else { ip = ip.add({size}); }", Flow::Custom);
    // `catch_all` frees the exception it caught (unless exposed); `catch_all_ref` and the
    // legacy clauses expose it, since it may now be held anywhere.
    isa.push(
        "exn_release",
        &[("exn", Src)],
        "slow::release_caught(get(sp, exn));",
        Flow::Next,
    );
    isa.push(
        "exn_expose",
        &[("exn", Src)],
        "slow::expose(get(sp, exn));",
        Flow::Next,
    );
    isa.push("call_imported", &[("func", Func)],
        "let e = slow::call_imported(st, ip, sp, func); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;", Flow::Custom);
    isa.push("lazy_compile", &[("func", Func)],
        "let e = slow::lazy_compile(st, ip, sp, func); if e != Exit::Continue { return e; } ip = (*st).ip;", Flow::Custom);
    isa.push(
        "copy",
        &[("d", Dst), ("s", Src)],
        "let v: u64 = get(sp, s); set(sp, d, v);",
        Flow::Next,
    );
    isa.push(
        "copy_imm32",
        &[("d", Dst), ("v", Imm32)],
        "set(sp, d, v);",
        Flow::Next,
    );
    isa.push(
        "copy_imm64",
        &[("d", Dst), ("v", Imm64)],
        "set(sp, d, v);",
        Flow::Next,
    );
    isa.push("copy_sa", &[("d", Dst)], "set(sp, d, acc);", Flow::Next);
    // A function's prologue: `n` declared locals from `d` start at zero (`src/prologue.rs`
    // says which need it; a single one is a `copy_imm32`).
    isa.push(
        "zero_slots",
        &[("d", Dst), ("n", Imm32)],
        "crate::exec::zero_slots(sp.add(d as usize), n as usize);",
        Flow::Next,
    );
    // Named result first, then the condition: `select_sa` takes its condition from the
    // accumulator.
    for (op, c, cond) in [
        ("select_ss", ("c", Src), "get::<u32>(sp, c)"),
        ("select_sa", ("c", Acc), "acc as u32"),
    ] {
        let mut fields = vec![("d", Dst), c];
        fields.extend([("a", Src), ("b", Src)]);
        isa.push(op, &fields, format!("let v: u64 = if {cond} != 0 {{ get(sp, a) }} else {{ get(sp, b) }}; set(sp, d, v);"), Flow::Next);
    }
    writeln!(
        isa.families,
        "    pub const select: [Op; 2] = [Op::select_ss, Op::select_sa];"
    )
    .unwrap();
    isa.push(
        "global_get_s",
        &[("d", Dst), ("g", Global)],
        "let g = *(*st).arrays.globals.add(g as usize); set(sp, d, *g);",
        Flow::Next,
    );
    isa.push(
        "global_get_a",
        &[("d", AccDst), ("g", Global)],
        "let g = *(*st).arrays.globals.add(g as usize); acc = *g;",
        Flow::Next,
    );
    isa.push(
        "global_set_s",
        &[("g", Global), ("v", Src)],
        "let g = *(*st).arrays.globals.add(g as usize); *g = get(sp, v);",
        Flow::Next,
    );
    isa.push(
        "global_set_a",
        &[("g", Global)],
        "let g = *(*st).arrays.globals.add(g as usize); *g = acc;",
        Flow::Next,
    );
    writeln!(
        isa.families,
        "    pub const global_set: [Op; 2] = [Op::global_set_s, Op::global_set_a];"
    )
    .unwrap();
}

/// Super-instructions: adjacent pairs run by one handler, chosen from the dynamic
/// op-pair profile (`src/profile.rs`) of CoreMark, plus the loop-closing pairs every
/// counted loop ends with (longer runs: [`FUSED_RUNS`]). The translator's last pass
/// rewrites the first op of such a pair to the fused op and leaves the second in place: the fused handler runs both and
/// skips the second, while a branch to the second (or a decoder walking the code)
/// still finds it intact, so fusing never moves code or changes a branch.
const FUSED: &[(&str, &str)] = &[
    ("copy", "br_i32_nez_s"),
    ("copy", "copy"),
    ("copy", "load32_ss"),
    ("copy", "br"),
    ("copy", "i32_shr_u_asi"),
    ("copy_imm32", "i32_add_asi"),
    ("i32_add_ssi", "i32_add_ssi"),
    ("i32_add_ssi", "i32_add_sss"),
    ("i32_add_ssi", "br_i32_nez_s"),
    ("i32_add_ssi", "br_i32_eq_si"),
    ("i32_add_ssi", "br"),
    ("i32_add_ssi", "br_i32_ne_ss"),
    ("i32_add_ssi", "br_i32_ne_si"),
    ("i32_add_ssi", "br_i32_lt_s_ss"),
    ("i32_add_ssi", "br_i32_lt_u_ss"),
    ("i32_add_ssi", "br_i32_lt_s_si"),
    ("i32_add_sss", "i32_add_ssi"),
    ("i32_add_sas", "i32_add_ssi"),
    ("i32_add_asi", "i32_and_aai"),
    ("i32_add_aai", "store32_sa"),
    ("i32_mul_aas", "i32_add_sas"),
    ("i32_mul_sas", "copy"),
    ("i32_shr_u_asi", "i32_and_sai"),
    ("i32_shr_u_asi", "i32_xor_aas"),
    ("i32_shr_u_asi", "i32_and_aai"),
    ("i32_and_sai", "i32_xor_ssi"),
    ("i32_and_sai", "i32_shr_u_asi"),
    ("i32_and_aai", "select_sa"),
    ("i32_xor_aas", "i32_and_aai"),
    ("i32_xor_ssi", "i32_shr_u_asi"),
    ("select_sa", "i32_shr_u_asi"),
    ("store32_ss", "copy"),
    ("load32_ss", "store32_ss"),
    ("load32_ss", "br_i32_nez_s"),
    ("load32_as", "i32_add_aai"),
    ("load32_as", "i32_load16_u_sa"),
    ("i32_load8_u_ss", "copy"),
    ("i32_load16_s_ss", "i32_load16_s_as"),
    ("i32_load16_s_as", "i32_mul_aas"),
    ("i32_load16_u_ss", "i32_load16_u_as"),
    ("i32_load16_u_as", "i32_mul_sas"),
    // From the shootout programs' op-pair profiles (fixed_run --features op-profile):
    // seqhash, xchacha20 (the ChaCha quarter round: add, xor, rotate)
    ("i32_xor_ass", "i32_rotl_sai"),
    ("i32_rotl_sai", "i32_add_sss"),
    ("i32_add_sss", "i32_xor_ass"),
    ("load32_as", "i32_add_aas"),
    ("i32_xor_sas", "store32_ss"),
    ("store32_ss", "load32_ss"),
    ("load32_ss", "load32_as"),
    // xblabla20, ratelimit (the same on i64)
    ("i64_xor_ass", "i64_rotl_sai"),
    ("i64_rotl_sai", "i64_add_sss"),
    ("i64_add_sss", "i64_xor_ass"),
    ("i64_rotl_asi", "i64_xor_sas"),
    // fib2, ackermann, ctype (calls and returns)
    ("copy", "ret"),
    ("copy", "call"),
    ("i32_add_ssi", "call"),
    ("i32_add_ssi", "copy"),
    ("copy_imm32", "br_i32_lt_u_si"),
    // heapsort (index scaling feeding a load or store, float compare-and-branch)
    ("i32_shl_asi", "i32_add_aas"),
    ("i32_add_aas", "load64_sa"),
    ("i32_add_aas", "load64_aa"),
    ("i32_add_aas", "store64_as"),
    ("copy", "i32_shl_asi"),
    ("copy", "i32_shl_ssi"),
    ("load64_sa", "f64_lt_ass"),
    ("load64_aa", "f64_lt_asa"),
    ("f64_lt_ass", "br_i32_nez_a"),
    ("f64_lt_asa", "br_i32_eqz_a"),
    ("f64_lt_asa", "copy_next_if_a"),
    ("i32_or_ssi", "i32_shl_asi"),
    // sieve
    ("i32_add_asi", "store8_ai"),
    ("store8_ai", "i32_add_sss"),
    ("i32_add_sss", "br_i32_lt_u_si"),
    ("i32_add_asi", "i32_load8_u_aa"),
    ("i32_load8_u_aa", "br_i32_eqz_a"),
    // minicsv, switch
    ("i32_load8_u_ss", "br_i32_nez_s"),
    ("i32_add_asi", "i32_and_aas"),
    ("i32_and_aai", "br_i32_eqz_a"),
    ("load32_ss", "i32_xor_ssi"),
    ("i32_xor_ssi", "i32_add_asi"),
    ("i32_and_aas", "i32_and_aai"),
    ("i32_add_sai", "br_table"),
    ("copy_imm32", "load32_ss"),
    ("load32_ss", "br_table"),
    ("load32_ss", "br_table_const"),
    // ctype
    ("i32_add_asi", "i32_lt_u_aai"),
    ("i32_or_asi", "i32_add_aai"),
    ("i32_add_aai", "i32_lt_u_aai"),
    ("i32_lt_u_aai", "i32_add_sas"),
    ("i32_add_sas", "i32_load8_u_ss"),
    ("i32_add_asi", "br_i32_gt_u_ai"),
    // base64
    ("i32_and_aai", "i32_or_sas"),
    ("i32_xor_asi", "i32_add_aai"),
    ("i32_shr_u_sai", "i32_add_asi"),
    ("i32_xor_aai", "i32_shr_u_aai"),
    ("i32_add_ssi", "i32_xor_asi"),
    ("i32_add_aai", "i32_xor_aai"),
    ("i32_shr_u_aai", "i32_and_aai"),
    ("i32_or_sas", "i32_add_asi"),
    ("i32_xor_asi", "i32_and_aas"),
    ("i32_and_aas", "i32_or_sas"),
    // matrix (the inner product's load, load, multiply-add)
    ("i32_add_ass", "load32_sa"),
    ("load32_sa", "load32_as"),
    // random (a linear congruential step: multiply, add, remainder by a constant)
    ("i32_mul_aai", "i32_add_aai"),
    ("i32_add_aai", "i32_rem_u_k_aa"),
    ("i32_rem_u_k_aa", "i32_mul_aai"),
    ("i32_mul_asi", "i32_add_aai"),
    ("i32_add_aai", "i32_rem_u_k_sa"),
    // switch: a case that sets a value and leaves the switch
    ("copy_imm32", "br"),
];

/// The longest run of ops one super-instruction may cover.
const MAX_RUN: usize = 8;

/// The longest run of [`BOUND_RUNS`]: a whole inner loop.
const MAX_BOUND_RUN: usize = 16;

/// Longer super-instructions: runs of 3 to [`MAX_RUN`] ops, every op but the last
/// falling through, chosen from the op-triple and op-quad profile of unfused code
/// (`WAMR_PROFILE_UNFUSED=1`, see `src/profile.rs`). The translator prefers the longest
/// run that matches; like a pair, a run rewrites only its first opcode.
const FUSED_RUNS: &[&[&str]] = &[
    // CoreMark: list reversal (a whole loop), the matrix products' inner loops, the
    // histogram update, the CRC's unrolled bit steps, list search, the state machine.
    &["copy", "load32_ss", "store32_ss", "copy", "br_i32_nez_s"],
    &[
        "i32_load16_s_ss",
        "i32_load16_s_as",
        "i32_mul_aas",
        "i32_add_sas",
    ],
    &["i32_add_ssi", "i32_add_ssi", "i32_add_ssi", "br_i32_nez_s"],
    &[
        "i32_load16_u_ss",
        "i32_load16_u_as",
        "i32_mul_sas",
        "copy",
        "copy",
    ],
    &[
        "i32_shr_u_asi",
        "i32_and_sai",
        "i32_shr_u_asi",
        "i32_and_aai",
        "i32_mul_aas",
    ],
    &[
        "i32_add_sas",
        "i32_add_ssi",
        "i32_add_sss",
        "i32_add_ssi",
        "br_i32_nez_s",
    ],
    &[
        "i32_shl_asi",
        "i32_add_sas",
        "load32_as",
        "i32_add_aai",
        "store32_sa",
    ],
    &["load32_as", "i32_load8_u_aa", "br_i32_nez_a"],
    &["i32_shr_u_asi", "i32_xor_aas", "i32_and_aai", "select_sa"],
    &["i32_shr_u_asi", "i32_and_sai", "i32_xor_ssi"],
    &["i32_xor_ass", "i32_and_aai", "select_sa"],
    &[
        "load32_as",
        "i32_load16_u_sa",
        "i32_and_asi",
        "br_i32_eq_as",
    ],
    &[
        "load32_as",
        "i32_load16_u_sa",
        "i32_shr_u_asi",
        "i32_and_aas",
        "i32_and_aai",
    ],
    &["i32_load8_u_ss", "copy", "br_i32_nez_s"],
    &["copy_imm32", "i32_add_asi", "i32_and_aai", "br_i32_lt_u_ai"],
    &[
        "i32_add_ssi",
        "i32_add_ssi",
        "i32_add_ssi",
        "i32_add_ssi",
        "br_i32_eq_si",
    ],
    // ratelimit: SipHash's round, a cycle of seven ops.
    &["i64_add_sss", "i64_rotl_asi", "i64_add_sas", "i64_xor_sss"],
    &["i64_rotl_ssi", "i64_rotl_asi", "i64_xor_sas"],
    // matrix: the unrolled inner product, a cycle of five ops.
    &[
        "i32_add_ass",
        "load32_sa",
        "load32_as",
        "i32_mul_aas",
        "i32_add_sas",
    ],
    // ctype: the bodies of isalnum, tolower and toupper (each one or two handlers with
    // its return) and the classifying loop around them.
    &[
        "i32_add_asi",
        "i32_lt_u_sai",
        "i32_or_asi",
        "i32_add_aai",
        "i32_lt_u_aai",
    ],
    &["i32_or_sas", "ret"],
    &[
        "i32_or_ssi",
        "i32_add_asi",
        "i32_lt_u_aai",
        "select_sa",
        "ret",
    ],
    &[
        "i32_and_ssi",
        "i32_add_asi",
        "i32_lt_u_aai",
        "select_sa",
        "ret",
    ],
    &["load32_ss", "load32_as", "i32_add_sas", "i32_load8_u_ss"],
    &["i32_or_asi", "i32_add_aai", "i32_lt_u_aai", "i32_add_sas"],
    &[
        "i32_add_sss",
        "i32_add_asi",
        "i32_lt_u_aai",
        "i32_add_sas",
        "i32_load8_u_ss",
    ],
    &[
        "i32_eq_ssi",
        "i32_add_asi",
        "i32_lt_u_aai",
        "i32_or_aas",
        "i32_add_sas",
    ],
    &["i32_add_asi", "i32_lt_u_aai", "i32_add_aas", "store32_sa"],
    &["i32_load8_u_ss", "i32_add_asi", "br_i32_gt_u_ai"],
    // heapsort: sift-down, each step an index scaled into an address that feeds a load
    // (and the compare of what it loads) or a store.
    &["i32_shl_asi", "i32_add_aas", "store64_as"],
    &["copy", "i32_shl_asi", "i32_add_aas", "load64_sa"],
    // random: a linear congruential step whole (`x = (x * a + c) % m`), from and to
    // its variable or chained through the accumulator (the generator unrolled).
    &["i32_mul_asi", "i32_add_aai", "i32_rem_u_k_aa"],
    &["i32_mul_aai", "i32_add_aai", "i32_rem_u_k_aa"],
    &["i32_mul_aai", "i32_add_aai", "i32_rem_u_k_sa"],
    &["i32_mul_asi", "i32_add_aai", "i32_rem_u_k_sa"],
    // fib2: the loop around the recursive call, and the return.
    &["i32_add_sss", "i32_add_ssi", "br_i32_gt_u_si"],
    &["i32_add_ssi", "copy", "ret"],
    // sieve: the marking loop (a whole loop) and the test of the next candidate.
    &["i32_add_asi", "store8_ai", "i32_add_sss", "br_i32_lt_u_si"],
    &["i32_add_asi", "i32_load8_u_aa", "br_i32_eqz_a"],
    // gimli: the permutation's column (two rotations, then three shift-and-combine
    // steps) and the four-way xor of its state.
    &[
        "i32_rotl_ssi",
        "i32_rotl_ssi",
        "i32_or_ass",
        "i32_shl_aai",
        "i32_xor_sas",
    ],
    &[
        "i32_rotl_ssi",
        "i32_rotl_ssi",
        "i32_and_ass",
        "i32_shl_aai",
        "i32_xor_aas",
    ],
    &["i32_shl_ssi", "i32_and_ass", "i32_shl_aai", "i32_xor_sas"],
    &["i32_and_ass", "i32_shl_aai", "i32_xor_aas", "i32_xor_sas"],
    &["i32_or_ass", "i32_shl_aai", "i32_xor_sas"],
    &["i32_xor_sss", "i32_xor_sss", "i32_xor_sss", "i32_xor_sss"],
    // keccak: chi (`a ^ (!b & c)`), the rotations written as two shifts and an or,
    // and theta's five-way xor.
    &["i64_xor_asi", "i64_and_aas", "i64_xor_sas", "i64_xor_sss"],
    &["i64_xor_asi", "i64_and_sas", "i64_xor_ass"],
    &["i64_xor_asi", "i64_and_aas", "i64_xor_sas"],
    &[
        "i64_xor_ass",
        "i64_shl_sai",
        "i64_shr_u_asi",
        "i64_or_aas",
        "i64_and_sai",
    ],
    &["i64_xor_ass", "i64_shl_aai", "i64_and_sai"],
    &["i64_xor_ass", "i64_shr_u_aai", "i64_and_sai"],
    &["i64_xor_ass", "i64_shr_u_sai"],
    &["i64_shl_sai", "i64_shr_u_asi", "i64_or_aas", "i64_and_sai"],
    &["i64_xor_sss", "i64_xor_sss", "i64_xor_ass"],
    &["i64_and_sai", "i64_xor_sss", "i64_xor_sss"],
    // strlen (minicsv), as wasi-libc writes it: the word-at-a-time loop (one handler that
    // loops on itself) and the byte loop after it.
    &[
        "i32_add_ssi",
        "i32_add_ssi",
        "load32_ss",
        "i32_xor_ssi",
        "i32_add_asi",
        "i32_and_aas",
        "i32_and_aai",
        "br_i32_eqz_a",
    ],
    &["i32_add_ssi", "i32_load8_u_as", "br_i32_nez_a"],
    // minicsv's parser: a character's switch, the steps after it.
    &["copy_imm32", "i32_extend8_s_as", "i32_add_sai", "br_table"],
    &["i32_add_ssi", "copy_imm32", "br"],
    &["copy_imm32", "i32_and_asi", "br_i32_ne_ai"],
    // switch: the switch on a loaded value and the loop step after a case.
    &["copy_imm32", "load32_ss", "br_table"],
    &["copy_imm32", "load32_ss", "br_table_const"],
    &["store32_ss", "i32_add_ssi", "i32_add_ssi", "br_i32_lt_u_ss"],
    &["i32_add_ssi", "i32_add_ssi", "br_i32_lt_u_ss"],
    // ratelimit: SipHash's half round (add, rotate, xor on both halves).
    &[
        "i64_add_sss",
        "i64_rotl_asi",
        "i64_add_sas",
        "i64_xor_sss",
        "i64_rotl_ssi",
        "i64_rotl_asi",
        "i64_xor_sas",
    ],
];

/// Super-instructions whose ops read the slot the previous op wrote from a register
/// (`exec::Forward`) instead of reloading it: a dependency chain through locals (the add,
/// xor and rotate chains of ChaCha and SipHash) then pays no store-to-load round trip per
/// step. Each check costs a compare and a branch per slot read, which costs more than it
/// saves where reads rarely hit the last write (measured: CoreMark 1% and gimli 18%
/// slower with every run forwarding; xchacha20 29% and ratelimit 13% faster).
const FORWARDED: &[&str] = &[
    "i32_add_sss__i32_xor_ass",
    "i32_xor_ass__i32_rotl_sai",
    "i32_rotl_sai__i32_add_sss",
    "i64_add_sss__i64_rotl_asi__i64_add_sas__i64_xor_sss__i64_rotl_ssi__i64_rotl_asi__i64_xor_sas",
];

/// Super-instructions whose slot operands are known to alias in one way: each op is
/// written as its name and then a label per slot field (results and inputs, in field
/// order); fields with the same label are the same slot, fields with different labels
/// different slots. The translator fuses a run only when its slot words match the
/// labels exactly. The handler then keeps each slot the run writes in a register (one
/// per label) and writes every result through to the frame as well, so nothing else
/// needs to know. A chain through a local (a loop counter feeding its exit test, a list
/// pointer feeding its next load) pays no store-to-load round trip. A run that loops on
/// itself ([`Pass::Loop`]) carries its registers over from pass to pass; other runs stay
/// small handlers (a register for every slot would cost pushes and pops of callee-saved
/// registers on every entry, measured: more than the reloads saved). Chosen from the op
/// profile's hottest loops (CoreMark: list reversal and list walks, counted loops;
/// sieve: its marking loop).
/// How a run of [`BOUND_RUNS`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Once, then dispatch: its registers start empty, a slot is read from the frame
    /// until the run writes it. Decoding stays per op and the handler stays small.
    Once,
    /// A loop whose whole body is the run: the operand words are decoded and every slot
    /// loaded into its register once, and the registers carry over from pass to pass.
    Loop,
}

const BOUND_RUNS: &[(Pass, &[&str])] = &[
    // CoreMark's list reversal: next = list->next; list->next = rev; rev = list.
    (
        Pass::Loop,
        &[
            "copy x y",
            "load32_ss y x",
            "store32_ss x z",
            "copy z x",
            "br_i32_nez_s y",
        ],
    ),
    // A list walk: p = p->next while p.
    (Pass::Once, &["load32_ss p p", "br_i32_nez_s p"]),
    // Counted loops: step the counter, test it.
    (Pass::Once, &["i32_add_ssi i i", "br_i32_nez_s i"]),
    (Pass::Once, &["i32_add_ssi i i", "br_i32_ne_si i"]),
    (Pass::Once, &["i32_add_ssi i i", "br_i32_lt_u_si i"]),
    (Pass::Once, &["i32_add_ssi i i", "br_i32_lt_s_si i"]),
    (
        Pass::Once,
        &[
            "i32_add_sas a b",
            "i32_add_ssi c c",
            "i32_add_sss e e f",
            "i32_add_ssi i i",
            "br_i32_nez_s i",
        ],
    ),
    // A byte scan whose pointer moves on.
    (
        Pass::Once,
        &["i32_load8_u_ss c p", "copy p q", "br_i32_nez_s c"],
    ),
    // CoreMark's list search by index: while p && p->info->idx != i, p = p->next.
    (
        Pass::Loop,
        &[
            "load32_as p",
            "i32_load16_u_sa x",
            "i32_and_asi k",
            "br_i32_eq_as x",
            "load32_ss p p",
            "br_i32_nez_s p",
        ],
    ),
    // ... and its search by value: while p && (p->info->data16 & 0xff) != k, p = p->next.
    (
        Pass::Loop,
        &[
            "load32_as p",
            "i32_load8_u_sa x",
            "i32_and_asi k",
            "i32_xor_aas x",
            "br_i32_eqz_a",
            "load32_ss p p",
            "br_i32_nez_s p",
        ],
    ),
    // CoreMark's matrix_sum, its inner loop whole: the running sum is clipped and the
    // result counts rises, both as selects against constants.
    (
        Pass::Loop,
        &[
            "load32_ss v p",
            "i32_add_sss c v c",
            "i32_gt_s_sss g c m",
            "copy_imm32 z",
            "select_ss c g z c",
            "i32_gt_s_sss h v q",
            "copy_imm32 z",
            "select_ss z g z h",
            "i32_add_sss r z r",
            "i32_add_ssi p p",
            "copy q v",
            "i32_add_ssi n n",
            "br_i32_nez_s n",
        ],
    ),
    // CoreMark's CRC, one bit step: the shift-and-mask chain feeds the select.
    (
        Pass::Once,
        &[
            "i32_shr_u_asi x",
            "i32_and_sai y",
            "i32_xor_ssi z y",
            "i32_shr_u_asi w",
            "i32_xor_aas x",
            "i32_and_aai",
            "select_sa x z y",
        ],
    ),
    // CoreMark's matrix products, each inner loop whole: sum += a[i] * b[i].
    (
        Pass::Loop,
        &[
            "i32_load16_s_ss t a",
            "i32_load16_s_as b",
            "i32_mul_aas t",
            "i32_add_sas s s",
            "i32_add_ssi a a",
            "i32_add_ssi b b",
            "i32_add_ssi n n",
            "br_i32_nez_s n",
        ],
    ),
    // ... with one pointer stepping by a row (matrix_mul_matrix).
    (
        Pass::Loop,
        &[
            "i32_load16_s_ss t a",
            "i32_load16_s_as b",
            "i32_mul_aas t",
            "i32_add_sas s s",
            "i32_add_ssi b b",
            "i32_add_sss a a c",
            "i32_add_ssi n n",
            "br_i32_nez_s n",
        ],
    ),
    // ... and with the product's bit fields multiplied in (matrix_mul_matrix_bitextract).
    (
        Pass::Loop,
        &[
            "i32_load16_u_ss t a",
            "i32_load16_u_as b",
            "i32_mul_sas t t",
            "copy u v",
            "copy v t",
            "i32_shr_u_asi v",
            "i32_and_sai t",
            "i32_shr_u_asi v",
            "i32_and_aai",
            "i32_mul_aas t",
            "i32_add_sas v u",
            "i32_add_ssi b b",
            "i32_add_sss a a c",
            "i32_add_ssi n n",
            "br_i32_nez_s n",
        ],
    ),
    // sieve's marking loop: flags[k] = 0; k += step while k < n.
    (
        Pass::Loop,
        &[
            "i32_add_asi k",
            "store8_ai",
            "i32_add_sss k k s",
            "br_i32_lt_u_si k",
        ],
    ),
];

/// Adds the super-instructions of [`FUSED`] and [`FUSED_RUNS`]: a fused op's fields
/// (what the decoder reads) are its first op's; its handler decodes and runs every op of
/// its run in turn.
fn fuse(isa: &mut Isa) {
    let pairs = FUSED.iter().map(|(a, b)| vec![*a, *b]);
    let runs = FUSED_RUNS.iter().map(|r| r.to_vec());
    let mut seen = std::collections::HashSet::new();
    for run in pairs.chain(runs) {
        assert!(
            (2..=MAX_RUN).contains(&run.len()),
            "{run:?}: 2 to {MAX_RUN} ops"
        );
        let name = run.join("__");
        assert!(seen.insert(name.clone()), "{name} is listed twice");
        let ops: Vec<&OpDef> = run
            .iter()
            .map(|n| {
                isa.ops
                    .iter()
                    .find(|o| o.name == *n)
                    .unwrap_or_else(|| panic!("fused op {n} does not exist"))
            })
            .collect();
        for op in &ops[..ops.len() - 1] {
            assert_eq!(
                op.flow,
                Flow::Next,
                "{}: {} must fall through to be fused",
                name,
                op.name
            );
        }
        let forward = FORWARDED.contains(&name.as_str());
        assert!(
            !forward || ops.iter().all(|op| forwardable(&op.body)),
            "{name}: an op reaches slots other than through get/set"
        );
        let mut body: String = ops
            .iter()
            .map(|op| {
                let body = body_of(op);
                let body = if forward { forwarding(&body) } else { body };
                format!("{{ {body} }} ")
            })
            .collect();
        if forward {
            body = format!("let mut fwd = Forward::NONE; {body}");
        }
        // A run that ends in a branch may branch back to itself (a loop whose body is
        // the run): run it again here instead of dispatching to the same handler.
        if ops[ops.len() - 1].flow != Flow::Next {
            body = format!("let run_start = ip; loop {{ {body} if ip != run_start {{ break; }} }}");
        }
        let bmi = ops.iter().any(|o| o.bmi);
        let fields = ops[0].fields.clone();
        push_fused(isa, &run, name, fields, body, bmi, &[]);
    }
    for name in FORWARDED {
        assert!(
            seen.contains(*name),
            "forwarded run {name} is not a fused op"
        );
    }
    for &(pass, run) in BOUND_RUNS {
        bound_run(isa, run, pass, &mut seen);
    }
}

/// Adds one super-instruction of [`BOUND_RUNS`].
fn bound_run(
    isa: &mut Isa,
    run: &[&str],
    pass: Pass,
    seen: &mut std::collections::HashSet<String>,
) {
    assert!(
        (2..=MAX_BOUND_RUN).contains(&run.len()),
        "{run:?}: 2 to {MAX_BOUND_RUN} ops"
    );
    let mut names = Vec::new();
    let mut ops: Vec<OpDef> = Vec::new();
    // Per op, its slot fields and the register (label number) each lives in.
    let mut slots: Vec<Vec<(&'static str, usize)>> = Vec::new();
    let mut labels: Vec<&str> = Vec::new();
    // Each slot field's word, counted from the run's first word, with its register.
    let mut partition = Vec::new();
    let mut offset = 0;
    for spec in run {
        let mut words = spec.split_whitespace();
        let name = words.next().expect("an op name");
        let op = isa
            .ops
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("bound run op {name} does not exist"))
            .clone();
        assert!(
            forwardable(&op.body),
            "{spec}: the op reaches slots other than through get/set"
        );
        let mut op_slots = Vec::new();
        let mut k = 1;
        for &(field, kind) in &op.fields {
            if matches!(kind, Kind::Dst | Kind::Src) {
                let label = words
                    .next()
                    .unwrap_or_else(|| panic!("{spec}: no label for slot field {field}"));
                let reg = labels.iter().position(|l| *l == label).unwrap_or_else(|| {
                    labels.push(label);
                    labels.len() - 1
                });
                op_slots.push((field, reg));
                partition.push(format!("({}, {reg})", offset + k));
            }
            k += kind.words();
        }
        assert!(
            words.next().is_none(),
            "{spec}: more labels than slot fields"
        );
        offset += op.size();
        names.push(name);
        slots.push(op_slots);
        ops.push(op);
    }
    for op in &ops[..ops.len() - 1] {
        assert!(
            op.flow == Flow::Next || is_conditional_branch(op),
            "{run:?}: {} must fall through or be a conditional branch",
            op.name
        );
    }
    let base = names.join("__");
    let name = (1..)
        .map(|n| match n {
            1 => format!("{base}__regs"),
            n => format!("{base}__regs{n}"),
        })
        .find(|n| !seen.contains(n))
        .unwrap();
    seen.insert(name.clone());

    let body = match pass {
        Pass::Once => bound_once(&ops, &slots, labels.len()),
        Pass::Loop => bound_loop(&ops, &slots, labels.len()),
    };
    let bmi = ops.iter().any(|o| o.bmi);
    push_fused(
        isa,
        &names,
        name,
        ops[0].fields.clone(),
        body,
        bmi,
        &partition,
    );
}

/// Adds a super-instruction for the run of ops `run` and its row of `FUSIONS` (with the
/// `(word, register)` pairs of a run with slot registers, none otherwise). Its fields
/// (what the decoder reads) are its first op's.
fn push_fused(
    isa: &mut Isa,
    run: &[&str],
    name: String,
    fields: Vec<(&'static str, Kind)>,
    body: String,
    bmi: bool,
    partition: &[String],
) {
    let list: Vec<String> = run.iter().map(|n| format!("Op::{n}")).collect();
    writeln!(
        isa.fusions,
        "    (&[{}], Op::{name}, &[{}]),",
        list.join(", "),
        partition.join(", ")
    )
    .unwrap();
    isa.ops.push(OpDef {
        name,
        fields,
        body,
        flow: Flow::Custom,
        bmi,
        lane_fn: None,
    });
}

/// Whether `op` branches or falls through, as a compare-and-branch does: inside a run
/// of [`BOUND_RUNS`] a taken branch leaves the run.
fn is_conditional_branch(op: &OpDef) -> bool {
    op.name.starts_with("br_")
        && op.fields.iter().any(|&(_, k)| k == Kind::Branch)
        && op.body.contains("ip = ip.add({size})")
}

/// The handler body of a [`Pass::Once`] run: each op decodes its own fields; a slot is
/// read from its register once an earlier op of the run has written it.
fn bound_once(ops: &[OpDef], slots: &[Vec<(&'static str, usize)>], registers: usize) -> String {
    let mut body = String::new();
    for reg in 0..registers {
        write!(body, "let mut r{reg}: u64 = 0; ").unwrap();
    }
    body.push_str("'run: { ");
    let mut written = vec![false; registers];
    for (j, (op, op_slots)) in ops.iter().zip(slots).enumerate() {
        let op_body = op.body.replace("{size}", &op.size().to_string());
        let op_body = in_registers(&op_body, op_slots, &written);
        write!(body, "let op_start = ip; {{ {}{op_body}", prelude(op)).unwrap();
        if op.flow == Flow::Next {
            write!(body, " ip = ip.add({});", op.size()).unwrap();
        }
        body.push_str(" } ");
        if j + 1 < ops.len() && op.flow != Flow::Next {
            // A branch taken in the middle leaves the run.
            write!(
                body,
                "if ip != op_start.add({}) {{ break 'run; }} ",
                op.size()
            )
            .unwrap();
        }
        for &(field, reg) in op_slots {
            if op.fields.iter().any(|&(f, k)| f == field && k == Kind::Dst) {
                written[reg] = true;
            }
        }
    }
    body.push_str("} ");
    body
}

/// The handler body of a [`Pass::Loop`] run: every field decoded and every register
/// loaded once at the run's start, then the run again while it branches to its start.
fn bound_loop(ops: &[OpDef], slots: &[Vec<(&'static str, usize)>], registers: usize) -> String {
    let mut body = String::from("let run_start = ip; ");
    let mut offset = 0;
    for (j, op) in ops.iter().enumerate() {
        body.push_str(&decode_fields(op, "run_start", offset, &format!("f{j}_")));
        offset += op.size();
    }
    for reg in 0..registers {
        let (j, field) = slots
            .iter()
            .enumerate()
            .find_map(|(j, s)| s.iter().find(|(_, r)| *r == reg).map(|(f, _)| (j, *f)))
            .unwrap();
        write!(body, "let mut r{reg}: u64 = get(sp, f{j}_{field}); ").unwrap();
    }
    // No op of such a run can grow a memory (`forwardable`), so its size is read once.
    if ops.iter().any(|op| op.body.contains("(*st).mem_size")) {
        body.push_str("let run_mem_size = (*st).mem_size; ");
    }
    let every_register = vec![true; registers];
    let mut steps = String::new();
    let mut offset = 0;
    for (j, op) in ops.iter().enumerate() {
        offset += op.size();
        let mut step = String::new();
        for &(field, kind) in &op.fields {
            if !matches!(kind, Kind::Acc | Kind::AccDst) {
                write!(step, "let {field} = f{j}_{field}; ").unwrap();
            }
        }
        let op_body = op
            .body
            .replace("{size}", &op.size().to_string())
            .replace("(*st).mem_size", "run_mem_size");
        step.push_str(&in_registers(&op_body, &slots[j], &every_register));
        if op.flow == Flow::Next {
            write!(step, " ip = ip.add({});", op.size()).unwrap();
        }
        write!(steps, "{{ {step} }} ").unwrap();
        if j + 1 < ops.len() && op.flow != Flow::Next {
            // A branch taken in the middle leaves the loop.
            write!(steps, "if ip != run_start.add({offset}) {{ break 'run; }} ").unwrap();
        }
    }
    assert_ne!(
        ops[ops.len() - 1].flow,
        Flow::Next,
        "a looping run ends in a branch"
    );
    write!(
        body,
        "'run: loop {{ {steps} if ip != run_start {{ break; }} }}"
    )
    .unwrap();
    body
}

/// `body` with every read of a slot field whose register is `live` taken from it (the
/// others from the frame) and every write of one stored to its register as well as to
/// the frame.
fn in_registers(body: &str, slots: &[(&str, usize)], live: &[bool]) -> String {
    let reg_of = |field: &str| {
        slots
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("slot access through {field}, which is no slot field"))
    };
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = find_call(rest, &["get::<", "get(sp, ", "set(sp, "]) {
        out.push_str(&rest[..at]);
        let call = &rest[at..];
        let open = call.find('(').unwrap();
        let close = open + matching_paren(&call[open..]);
        let args: Vec<&str> = split_args(&call[open + 1..close]);
        assert_eq!(args[0].trim(), "sp", "{call}: slot access off the frame");
        let reg = reg_of(args[1].trim());
        if call.starts_with("set(") {
            let value = args[2..].join(",");
            write!(
                out,
                "{{ let bound_v = {value}; r{reg} = SlotVal::to_slot(bound_v); set(sp, {}, bound_v) }}",
                args[1].trim()
            )
            .unwrap();
        } else if !live[reg] {
            out.push_str(&call[..=close]);
        } else if let Some(ty) = call.strip_prefix("get::<") {
            let ty = &ty[..ty.find(">(").unwrap()];
            write!(out, "<{ty} as SlotVal>::from_slot(r{reg})").unwrap();
        } else {
            write!(out, "SlotVal::from_slot(r{reg})").unwrap();
        }
        rest = &call[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the first of `calls` starts in `text` as a call of its own (not the tail of a
/// longer name such as `run_get`).
fn find_call(text: &str, calls: &[&str]) -> Option<usize> {
    calls
        .iter()
        .filter_map(|c| {
            text.match_indices(c).map(|(at, _)| at).find(|&at| {
                text[..at]
                    .chars()
                    .last()
                    .is_none_or(|ch| !(ch.is_alphanumeric() || ch == '_'))
            })
        })
        .min()
}

/// The index of the parenthesis closing the one `text` starts with.
fn matching_paren(text: &str) -> usize {
    let mut depth = 0;
    for (i, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in {text}")
}

/// A call's arguments, split at top-level commas.
fn split_args(text: &str) -> Vec<&str> {
    let mut args = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in text.char_indices() {
        match ch {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                args.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(&text[start..]);
    args
}

/// Whether an op's body reaches frame slots only through `get(sp, ..)` and
/// `set(sp, ..)` and never moves `sp`, so a run of such ops may forward its last write.
fn forwardable(body: &str) -> bool {
    [
        "sp.add",
        "sp =",
        "slow::",
        "libcalls::",
        "frame_",
        "zero_slots",
    ]
    .iter()
    .all(|p| !body.contains(p))
}

/// `body` with its slot reads and writes going through the run's `fwd`.
fn forwarding(body: &str) -> String {
    body.replace("set(sp, ", "run_set(&mut fwd, sp, ")
        .replace("get(sp, ", "run_get(&fwd, sp, ")
        .replace(">(sp, ", ">(&fwd, sp, ")
        .replace("get::<", "run_get::<")
}

fn isa() -> Isa {
    let mut isa = Isa {
        ops: Vec::new(),
        families: String::new(),
        fusions: String::new(),
    };
    control_ops(&mut isa);
    int_ops(&mut isa, "i32");
    int_ops(&mut isa, "i64");
    float_ops(&mut isa, "f32");
    float_ops(&mut isa, "f64");
    conversions(&mut isa);
    memory_ops(&mut isa);
    table_ops(&mut isa);
    simd::simd_ops(&mut isa);
    fuse(&mut isa);
    isa
}

/// Rust type of a decoded field.
fn field_type(k: Kind) -> &'static str {
    match k {
        Kind::Imm64 => "u64",
        Kind::Imm128 => "u128",
        Kind::Branch => "isize",
        _ => "u32",
    }
}

/// Statements binding each field of `op` to a local of its name.
fn prelude(op: &OpDef) -> String {
    decode_fields(op, "ip", 0, "")
}

/// Statements binding each field of `op`, whose first word is `offset` words past
/// `base`, to a local named `{prefix}{field}`.
fn decode_fields(op: &OpDef, base: &str, offset: usize, prefix: &str) -> String {
    let mut out = String::new();
    let mut k = offset + 1;
    for (name, kind) in &op.fields {
        let name = format!("{prefix}{name}");
        match kind {
            Kind::Acc | Kind::AccDst => {}
            Kind::Imm64 => write!(out, "let {name}: u64 = imm64({base}, {k}); ").unwrap(),
            Kind::Imm128 => write!(out, "let {name}: u128 = imm128({base}, {k}); ").unwrap(),
            Kind::Branch => {
                write!(out, "let {name}: isize = w({base}, {k}) as i32 as isize; ").unwrap()
            }
            _ => write!(out, "let {name}: u32 = w({base}, {k}); ").unwrap(),
        }
        k += kind.words();
    }
    out
}

fn body_of(op: &OpDef) -> String {
    if op.name.contains("__") {
        return op.body.clone();
    }
    let mut body = format!(
        "{}{}",
        prelude(op),
        op.body.replace("{size}", &op.size().to_string())
    );
    if op.flow == Flow::Next {
        write!(body, " ip = ip.add({});", op.size()).unwrap();
    }
    body
}

/// The handler sets. Each has a module per dispatcher; a set's table takes the handlers
/// it does not compile itself from another set (see [`owner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    /// Plain code for the target; SIMD lane ops through the baseline module
    /// (`crate::simd::baseline`: SSE2 on x86-64, the portable functions elsewhere).
    Generic,
    /// SIMD lane ops through `wamr_common::simd`, written for no CPU in particular.
    Portable,
    /// x86-64-v3: BMI1/BMI2/LZCNT/POPCNT for scalar ops, SSE4.1/AVX2 for SIMD lane ops.
    Avx2,
}

impl Set {
    fn name(self) -> &'static str {
        match self {
            Set::Generic => "generic",
            Set::Portable => "portable",
            Set::Avx2 => "avx2",
        }
    }
    /// The module a lane op's `{P}` names in this set.
    fn lanes(self) -> &'static str {
        match self {
            Set::Generic => "crate::simd::baseline",
            Set::Portable => "wamr_common::simd",
            Set::Avx2 => "crate::simd::avx2",
        }
    }
}

/// The lane functions `src/simd/sse2.rs` and `src/simd/avx2.rs` implement themselves.
struct Specialised {
    sse2: HashSet<String>,
    avx2: HashSet<String>,
}

impl Specialised {
    /// Reads the lane functions each module defines (`lane_names.rs`).
    fn read() -> Specialised {
        let names = |file: &str| -> HashSet<String> {
            let path = format!("src/simd/{file}");
            println!("cargo:rerun-if-changed={path}");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            lane_names::lane_functions(&text).into_iter().collect()
        };
        Specialised {
            sse2: names("sse2.rs"),
            avx2: names("avx2.rs"),
        }
    }
}

/// Which set's module holds the handler that set `set`'s table runs for `op`.
fn owner(op: &OpDef, set: Set, spec: &Specialised) -> Set {
    match (set, op.lane_fn) {
        (Set::Generic, Some(f)) if !spec.sse2.contains(f) => Set::Portable,
        (Set::Generic, _) => Set::Generic,
        (Set::Portable, Some(_)) => Set::Portable,
        (Set::Portable, None) => Set::Generic,
        (Set::Avx2, Some(f)) if spec.avx2.contains(f) => Set::Avx2,
        (Set::Avx2, Some(f)) if spec.sse2.contains(f) => Set::Generic,
        (Set::Avx2, Some(_)) => Set::Portable,
        (Set::Avx2, None) if op.bmi => Set::Avx2,
        (Set::Avx2, None) => Set::Generic,
    }
}

fn handler_module(
    out: &mut String,
    ops: &[OpDef],
    threaded: bool,
    attr: &str,
    set: Set,
    spec: &Specialised,
) {
    let prefix = if threaded { "threaded" } else { "loop" };
    writeln!(out, "pub mod {prefix}_{} {{\n    #![allow(unused_mut, unused_variables, unused_assignments, unused_unsafe, unused_labels, unreachable_code, non_snake_case, clippy::all)]\n    use super::*;", set.name()).unwrap();
    for op in ops.iter().filter(|o| owner(o, set, spec) == set) {
        // `DISPATCH_WITH(next_op);` ends a body that knows the next opcode before `ip`
        // points at it: the threaded handler jumps through it, the loop reads `ip` anyway.
        let dispatch_with = if threaded {
            "return (*tbl.cast::<ThreadedHandler>().add(next_op as usize))(ip, sp, mem, st, tbl, acc);"
        } else {
            "let _ = next_op;"
        };
        let body = body_of(op)
            .replace("{P}", set.lanes())
            .replace("DISPATCH_WITH(next_op);", dispatch_with);
        if threaded {
            writeln!(
                out,
                "    {attr}\n    pub unsafe fn {n}(mut ip: Ip, mut sp: Sp, mut mem: Mem, st: St, tbl: Tbl, mut acc: u64) -> Exit {{\n        unsafe {{ {{ {body} }}\n        let next = *tbl.cast::<ThreadedHandler>().add(*ip as usize);\n        next(ip, sp, mem, st, tbl, acc) }}\n    }}",
                n = op.name
            )
            .unwrap();
        } else {
            writeln!(
                out,
                "    {attr}\n    pub unsafe fn {n}(r: &mut Regs, st: St) -> Exit {{\n        unsafe {{ let mut ip = r.ip; let mut sp = r.sp; let mut mem = r.mem; let mut acc = r.acc;\n        {{ {body} }}\n        r.ip = ip; r.sp = sp; r.mem = mem; r.acc = acc; Exit::Continue }}\n    }}",
                n = op.name
            )
            .unwrap();
        }
    }
    let ty = if threaded {
        "ThreadedHandler"
    } else {
        "LoopHandler"
    };
    writeln!(out, "    pub static TABLE: [{ty}; NUM_OPS] = [").unwrap();
    for op in ops {
        let from = owner(op, set, spec);
        if from == set {
            writeln!(out, "        {},", op.name).unwrap();
        } else {
            writeln!(out, "        super::{prefix}_{}::{},", from.name(), op.name).unwrap();
        }
    }
    writeln!(out, "    ];\n}}").unwrap();
}

fn main() {
    println!("cargo:rerun-if-changed=build");
    // Threaded dispatch relies on sibling calls, which only release codegen (one codegen
    // unit, no incremental partitioning) guarantees; `PROFILE` is "release" for the
    // release and bench profiles.
    println!("cargo::rustc-check-cfg=cfg(release_codegen)");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo::rustc-cfg=release_codegen");
    }
    let isa = isa();
    let ops = &isa.ops;
    assert!(ops.len() < u16::MAX as usize, "opcodes must fit 16 bits");
    let mut out = String::new();
    writeln!(
        out,
        "// Generated by interp/build.rs from its instruction table. Do not edit.\n"
    )
    .unwrap();
    writeln!(
        out,
        "/// Every bytecode operation; the discriminant is the handler-table index."
    )
    .unwrap();
    writeln!(out, "#[allow(non_camel_case_types, dead_code)]\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr(u32)]\npub enum Op {{").unwrap();
    for op in ops {
        writeln!(out, "    {},", op.name).unwrap();
    }
    writeln!(out, "}}\npub const NUM_OPS: usize = {};", ops.len()).unwrap();
    writeln!(
        out,
        "/// Every op, indexed by opcode.\npub static ALL_OPS: [Op; NUM_OPS] = [{}];",
        ops.iter()
            .map(|o| format!("Op::{}", o.name))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    writeln!(
        out,
        "/// Size in words of each op (for `br_table`, without its targets)."
    )
    .unwrap();
    let sizes: Vec<String> = ops.iter().map(|o| o.size().to_string()).collect();
    writeln!(
        out,
        "pub const OP_SIZES: [u8; NUM_OPS] = [{}];",
        sizes.join(", ")
    )
    .unwrap();
    writeln!(
        out,
        "pub static OP_NAMES: [&str; NUM_OPS] = [{}];",
        ops.iter()
            .map(|o| format!("{:?}", o.name))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    writeln!(out, "/// The fields of each op, in word order.\npub static OP_FIELDS: [&[(&str, FieldKind)]; NUM_OPS] = [").unwrap();
    for op in ops {
        let fs: Vec<String> = op
            .fields
            .iter()
            .map(|(n, k)| format!("({n:?}, FieldKind::{k:?})"))
            .collect();
        writeln!(out, "    &[{}],", fs.join(", ")).unwrap();
    }
    writeln!(out, "];").unwrap();
    // Where each op's branch offset sits: the translator's passes ask this of every
    // instruction, and computing it from `OP_FIELDS` at run time would read the field
    // lists of every op (pages of read-only data a run need not touch).
    let branch_words: Vec<String> = ops
        .iter()
        .map(|o| {
            let mut word = 1;
            for &(_, kind) in &o.fields {
                if kind == Kind::Branch {
                    assert!(word < 256, "{}: branch word past 255", o.name);
                    return word.to_string();
                }
                word += kind.words();
            }
            "0".into()
        })
        .collect();
    writeln!(
        out,
        "/// Per op, the word of its branch offset counted from its opcode word (0: none).\npub static BRANCH_WORD: [u8; NUM_OPS] = [{}];",
        branch_words.join(", ")
    )
    .unwrap();
    writeln!(
        out,
        "/// How each op leaves: falls through, branches or falls through, or anything else.\npub static OP_CONTROL: [Control; NUM_OPS] = [{}];",
        ops.iter()
            .map(|o| match o.flow {
                Flow::Next => "Control::Next",
                Flow::Custom if is_conditional_branch(o) => "Control::CondBranch",
                Flow::Custom => "Control::Other",
            })
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    // Result-to-accumulator twins: `x_s..` -> `x_a..` with the same inputs.
    let names: std::collections::HashMap<&str, usize> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (o.name.as_str(), i))
        .collect();
    let twins: Vec<String> = ops
        .iter()
        .map(|o| {
            let twin = o
                .fields
                .first()
                .filter(|f| f.1 == Kind::Dst && f.0 == "d")
                // A fused op (`x__y`) has no twin: its name's last shape is `y`'s.
                .filter(|_| !o.name.contains("__"))
                .and_then(|_| {
                    let (base, shape) = o.name.rsplit_once('_')?;
                    let rest = shape.strip_prefix('s')?;
                    names
                        .get(format!("{base}_a{rest}").as_str())
                        .map(|&i| &ops[i].name)
                });
            match twin {
                Some(t) => format!("Some(Op::{t})"),
                None => "None".into(),
            }
        })
        .collect();
    writeln!(out, "/// For an op writing its result to slot field `d` (the first field), the op that\n/// computes the same from the same inputs into the accumulator.\npub static ACC_TWIN: [Option<Op>; NUM_OPS] = [{}];", twins.join(", ")).unwrap();
    // Typed encoders.
    writeln!(out, "/// A typed encoder per op: appends the instruction, returns where it starts.\n#[allow(non_snake_case, dead_code, clippy::too_many_arguments)]\npub mod enc {{\n    use super::Op;").unwrap();
    for op in ops {
        let params: Vec<String> = op
            .fields
            .iter()
            .filter(|(_, k)| k.words() > 0)
            .map(|(n, k)| {
                format!(
                    "{n}: {}",
                    if *k == Kind::Branch {
                        "i32"
                    } else {
                        field_type(*k)
                    }
                )
            })
            .collect();
        let mut words = vec![format!("Op::{} as u32", op.name)];
        for (n, k) in &op.fields {
            match k {
                Kind::Acc | Kind::AccDst => {}
                Kind::Imm64 => {
                    words.push(format!("{n} as u32"));
                    words.push(format!("({n} >> 32) as u32"));
                }
                Kind::Imm128 => {
                    words.push(format!("{n} as u32"));
                    for shift in [32, 64, 96] {
                        words.push(format!("({n} >> {shift}) as u32"));
                    }
                }
                Kind::Branch => words.push(format!("{n} as u32")),
                _ => words.push(n.to_string()),
            }
        }
        let sep = if params.is_empty() { "" } else { ", " };
        writeln!(
            out,
            "    #[inline]\n    pub fn {}(code: &mut Vec<u32>{sep}{}) -> usize {{ let at = code.len(); code.extend_from_slice(&[{}]); at }}",
            op.name,
            params.join(", "),
            words.join(", ")
        )
        .unwrap();
    }
    writeln!(out, "}}").unwrap();
    writeln!(out, "/// Super-instructions: `(run, fused, slots)`, where `slots` pairs the word (from the run's\n/// first) of each slot field with its register for a run of `BOUND_RUNS` (fields with the same\n/// register hold the same slot, others different ones) and is empty otherwise; see `build.rs`.\npub type Fusion = (&'static [Op], Op, &'static [(u8, u8)]);\npub static FUSIONS: &[Fusion] = &[\n{}];", isa.fusions).unwrap();
    writeln!(out, "/// Operator families: the op of each operand shape.\n#[allow(non_upper_case_globals, dead_code)]\npub mod fam {{\n    use super::*;\n{}}}", isa.families).unwrap();
    let spec = Specialised::read();
    for name in spec.sse2.iter().chain(&spec.avx2) {
        assert!(
            ops.iter().any(|o| o.lane_fn == Some(name.as_str())),
            "src/simd/ defines {name}, which is no lane op of the table"
        );
    }
    let avx2 = "#[cfg_attr(target_arch = \"x86_64\", target_feature(enable = \"bmi1,bmi2,lzcnt,popcnt,ssse3,sse4.1,sse4.2,avx,avx2\"))]";
    for threaded in [true, false] {
        handler_module(&mut out, ops, threaded, "", Set::Generic, &spec);
        handler_module(&mut out, ops, threaded, "", Set::Portable, &spec);
        handler_module(&mut out, ops, threaded, avx2, Set::Avx2, &spec);
    }
    let path = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("isa.rs");
    std::fs::write(path, out).unwrap();
}
