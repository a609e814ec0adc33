//! Generates the interpreter's instruction set from one table (`isa()` below).
//!
//! Every operator is declared once with its types and semantics; the generator emits
//! one variant per operand shape (slot/slot, slot/immediate, immediate/slot), the
//! `Op` enum the translator emits, and one handler per variant for each dispatcher
//! (threaded, loop) and each handler set (generic, and on x86-64 one compiled with
//! BMI1/BMI2/LZCNT/POPCNT). Handlers never decode operand kinds at run time.
//!
//! Body mini-language (plain Rust with these in scope): `ip`, `sp`, `mem`, `st` (the
//! handler's registers), `w(ip, k)` (operand word k), `get::<T>(sp, slot)`,
//! `set(sp, slot, v)`, `imm::<T>(ip, k)`, and `trap!(Kind)` (raise a `TrapKind`).

use std::fmt::Write as _;
use std::path::PathBuf;

struct OpDef {
    name: String,
    body: String,
}

/// Rust type of a wasm value as handlers read it, and its immediate width in words.
fn words(t: &str) -> usize {
    match t {
        "u64" | "i64" | "f64" => 2,
        _ => 1,
    }
}

fn push(ops: &mut Vec<OpDef>, name: impl Into<String>, body: impl Into<String>) {
    ops.push(OpDef {
        name: name.into(),
        body: body.into(),
    });
}

/// A binary operator in every operand shape it supports.
fn binary(
    ops: &mut Vec<OpDef>,
    name: &str,
    ty: &str,
    out: &str,
    expr: &str,
    imm: bool,
    commutative: bool,
) {
    let shape = |a: &str, b: &str, size: usize| {
        format!(
            "let d = w(ip, 1); let a: {ty} = {a}; let b: {ty} = {b}; let r: {out} = {{ {expr} }}; set(sp, d, r); ip = ip.add({size});"
        )
    };
    push(
        ops,
        format!("{name}_ss"),
        shape("get(sp, w(ip, 2))", "get(sp, w(ip, 3))", 4),
    );
    if imm {
        let n = 3 + words(ty);
        push(
            ops,
            format!("{name}_si"),
            shape("get(sp, w(ip, 2))", "imm(ip, 3)", n),
        );
        if !commutative {
            let b = format!("get(sp, w(ip, {}))", 2 + words(ty));
            push(ops, format!("{name}_is"), shape("imm(ip, 2)", &b, n));
        }
    }
}

fn unary(ops: &mut Vec<OpDef>, name: &str, ty: &str, out: &str, expr: &str) {
    push(
        ops,
        name,
        format!("let d = w(ip, 1); let a: {ty} = get(sp, w(ip, 2)); let r: {out} = {{ {expr} }}; set(sp, d, r); ip = ip.add(3);"),
    );
}

/// Integer comparisons: the value form and the fused compare-and-branch forms.
const INT_CMPS: &[(&str, &str, &str)] = &[
    ("eq", "u", "a == b"),
    ("ne", "u", "a != b"),
    ("lt_s", "s", "a < b"),
    ("lt_u", "u", "a < b"),
    ("gt_s", "s", "a > b"),
    ("gt_u", "u", "a > b"),
    ("le_s", "s", "a <= b"),
    ("le_u", "u", "a <= b"),
    ("ge_s", "s", "a >= b"),
    ("ge_u", "u", "a >= b"),
];

fn int_ops(ops: &mut Vec<OpDef>, p: &str, bits: u32) {
    let u = format!("u{bits}");
    let s = format!("i{bits}");
    let (u, s) = (u.as_str(), s.as_str());
    let bin = |ops: &mut Vec<OpDef>, n: &str, t: &str, e: &str, c: bool| {
        binary(ops, &format!("{p}_{n}"), t, t, e, true, c)
    };
    bin(ops, "add", u, "a.wrapping_add(b)", true);
    bin(ops, "sub", u, "a.wrapping_sub(b)", false);
    bin(ops, "mul", u, "a.wrapping_mul(b)", true);
    bin(ops, "div_s", s, &format!("if b == 0 {{ trap!(IntegerDivideByZero) }} if a == {s}::MIN && b == -1 {{ trap!(IntegerOverflow) }} a.wrapping_div(b)"), false);
    bin(
        ops,
        "div_u",
        u,
        "if b == 0 { trap!(IntegerDivideByZero) } a / b",
        false,
    );
    bin(
        ops,
        "rem_s",
        s,
        "if b == 0 { trap!(IntegerDivideByZero) } a.wrapping_rem(b)",
        false,
    );
    bin(
        ops,
        "rem_u",
        u,
        "if b == 0 { trap!(IntegerDivideByZero) } a % b",
        false,
    );
    bin(ops, "and", u, "a & b", true);
    bin(ops, "or", u, "a | b", true);
    bin(ops, "xor", u, "a ^ b", true);
    bin(ops, "shl", u, "a.wrapping_shl(b as u32)", false);
    bin(ops, "shr_s", s, "a.wrapping_shr(b as u32)", false);
    bin(ops, "shr_u", u, "a.wrapping_shr(b as u32)", false);
    bin(
        ops,
        "rotl",
        u,
        &format!("a.rotate_left((b % {bits}) as u32)"),
        false,
    );
    bin(
        ops,
        "rotr",
        u,
        &format!("a.rotate_right((b % {bits}) as u32)"),
        false,
    );
    for (n, sign, e) in INT_CMPS {
        let t = if *sign == "s" { s } else { u };
        binary(
            ops,
            &format!("{p}_{n}"),
            t,
            "u32",
            &format!("u32::from({e})"),
            true,
            matches!(*n, "eq" | "ne"),
        );
        // Fused compare-and-branch: operands, then the branch offset (from the
        // instruction's start) as the last word.
        push(ops, format!("br_{p}_{n}_ss"), format!(
            "let a: {t} = get(sp, w(ip, 1)); let b: {t} = get(sp, w(ip, 2)); if {e} {{ ip = ip.offset(w(ip, 3) as i32 as isize); }} else {{ ip = ip.add(4); }}"
        ));
        let n_imm = 2 + words(t);
        push(ops, format!("br_{p}_{n}_si"), format!(
            "let a: {t} = get(sp, w(ip, 1)); let b: {t} = imm(ip, 2); if {e} {{ ip = ip.offset(w(ip, {n_imm}) as i32 as isize); }} else {{ ip = ip.add({}); }}", n_imm + 1
        ));
    }
    unary(ops, &format!("{p}_eqz"), u, "u32", "u32::from(a == 0)");
    unary(
        ops,
        &format!("{p}_clz"),
        u,
        u,
        &format!("a.leading_zeros() as {u}"),
    );
    unary(
        ops,
        &format!("{p}_ctz"),
        u,
        u,
        &format!("a.trailing_zeros() as {u}"),
    );
    unary(
        ops,
        &format!("{p}_popcnt"),
        u,
        u,
        &format!("a.count_ones() as {u}"),
    );
    unary(
        ops,
        &format!("{p}_extend8_s"),
        u,
        s,
        &format!("a as i8 as {s}"),
    );
    unary(
        ops,
        &format!("{p}_extend16_s"),
        u,
        s,
        &format!("a as i16 as {s}"),
    );
    push(ops, format!("br_{p}_nez"), format!(
        "let a: {u} = get(sp, w(ip, 1)); if a != 0 {{ ip = ip.offset(w(ip, 2) as i32 as isize); }} else {{ ip = ip.add(3); }}"
    ));
    push(ops, format!("br_{p}_eqz"), format!(
        "let a: {u} = get(sp, w(ip, 1)); if a == 0 {{ ip = ip.offset(w(ip, 2) as i32 as isize); }} else {{ ip = ip.add(3); }}"
    ));
}

fn float_ops(ops: &mut Vec<OpDef>, p: &str, f: &str, u: &str) {
    let sign = if f == "f32" {
        "0x8000_0000u32"
    } else {
        "0x8000_0000_0000_0000u64"
    };
    let bin = |ops: &mut Vec<OpDef>, n: &str, e: &str| {
        binary(ops, &format!("{p}_{n}"), f, f, e, false, true)
    };
    bin(ops, "add", "a + b");
    bin(ops, "sub", "a - b");
    bin(ops, "mul", "a * b");
    bin(ops, "div", "a / b");
    bin(ops, "min", "fmin(a, b)");
    bin(ops, "max", "fmax(a, b)");
    binary(
        ops,
        &format!("{p}_copysign"),
        u,
        u,
        &format!("(a & !{sign}) | (b & {sign})"),
        false,
        true,
    );
    for (n, e) in [
        ("eq", "a == b"),
        ("ne", "a != b"),
        ("lt", "a < b"),
        ("gt", "a > b"),
        ("le", "a <= b"),
        ("ge", "a >= b"),
    ] {
        binary(
            ops,
            &format!("{p}_{n}"),
            f,
            "u32",
            &format!("u32::from({e})"),
            false,
            true,
        );
    }
    // Rounding keeps NaN payloads in Rust; wasm wants them quiet (`a + a` quiets).
    unary(ops, &format!("{p}_abs"), u, u, &format!("a & !{sign}"));
    unary(ops, &format!("{p}_neg"), u, u, &format!("a ^ {sign}"));
    unary(
        ops,
        &format!("{p}_ceil"),
        f,
        f,
        "if a.is_nan() { a + a } else { a.ceil() }",
    );
    unary(
        ops,
        &format!("{p}_floor"),
        f,
        f,
        "if a.is_nan() { a + a } else { a.floor() }",
    );
    unary(
        ops,
        &format!("{p}_trunc"),
        f,
        f,
        "if a.is_nan() { a + a } else { a.trunc() }",
    );
    unary(
        ops,
        &format!("{p}_nearest"),
        f,
        f,
        "if a.is_nan() { a + a } else { a.round_ties_even() }",
    );
    unary(ops, &format!("{p}_sqrt"), f, f, "a.sqrt()");
}

fn conversions(ops: &mut Vec<OpDef>) {
    unary(ops, "i32_wrap_i64", "u64", "u32", "a as u32");
    unary(ops, "i64_extend_i32_s", "i32", "i64", "a as i64");
    unary(ops, "i64_extend_i32_u", "u32", "u64", "a as u64");
    unary(ops, "i64_extend32_s", "u64", "i64", "a as i32 as i64");
    // Trapping float-to-int: NaN is invalid, out-of-range overflows. The bounds are the
    // first values outside the target's range, exactly representable in the source.
    let traps: &[(&str, &str, &str, &str, &str)] = &[
        (
            "i32_trunc_f32_s",
            "f32",
            "i32",
            "-2147483904.0",
            "2147483648.0",
        ),
        ("i32_trunc_f32_u", "f32", "u32", "-1.0", "4294967296.0"),
        (
            "i32_trunc_f64_s",
            "f64",
            "i32",
            "-2147483649.0",
            "2147483648.0",
        ),
        ("i32_trunc_f64_u", "f64", "u32", "-1.0", "4294967296.0"),
        (
            "i64_trunc_f32_s",
            "f32",
            "i64",
            "-9223373136366403584.0",
            "9223372036854775808.0",
        ),
        (
            "i64_trunc_f32_u",
            "f32",
            "u64",
            "-1.0",
            "18446744073709551616.0",
        ),
        (
            "i64_trunc_f64_s",
            "f64",
            "i64",
            "-9223372036854777856.0",
            "9223372036854775808.0",
        ),
        (
            "i64_trunc_f64_u",
            "f64",
            "u64",
            "-1.0",
            "18446744073709551616.0",
        ),
    ];
    for (n, from, to, lo, hi) in traps {
        unary(ops, n, from, to, &format!(
            "if a.is_nan() {{ trap!(InvalidConversionToInteger) }} if !(a > {lo} && a < {hi}) {{ trap!(IntegerOverflow) }} a as {to}"
        ));
        // Saturating forms: Rust's `as` saturates and maps NaN to 0, as wasm requires.
        unary(ops, &format!("{n}_sat"), from, to, &format!("a as {to}"));
    }
    for (n, from, to) in [
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
    ] {
        unary(ops, n, from, to, &format!("a as {to}"));
    }
}

fn memory_ops(ops: &mut Vec<OpDef>) {
    // (name, bytes, raw type, result expression from raw `v`)
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
    for (n, size, raw, out, e) in loads {
        push(ops, *n, format!(
            "let d = w(ip, 1); let addr = get::<u32>(sp, w(ip, 2)) as u64 + w(ip, 3) as u64; \
             if addr + {size} > (*st).mem_size {{ trap!(MemoryOutOfBounds) }} \
             let v: {raw} = mem.add(addr as usize).cast::<{raw}>().read_unaligned(); let r: {out} = {e}; set(sp, d, r); ip = ip.add(4);"
        ));
    }
    for (n, size, raw) in [
        ("store8", 1, "u8"),
        ("store16", 2, "u16"),
        ("store32", 4, "u32"),
        ("store64", 8, "u64"),
    ] {
        let src = if raw == "u64" { "u64" } else { "u32" };
        push(ops, n, format!(
            "let addr = get::<u32>(sp, w(ip, 1)) as u64 + w(ip, 3) as u64; \
             if addr + {size} > (*st).mem_size {{ trap!(MemoryOutOfBounds) }} \
             let v: {src} = get(sp, w(ip, 2)); mem.add(addr as usize).cast::<{raw}>().write_unaligned(v as {raw}); ip = ip.add(4);"
        ));
    }
    // Bulk and growth operations run in the shared runtime (wamr_common::libcalls).
    push(
        ops,
        "memory_size",
        "let d = w(ip, 1); set(sp, d, ((*st).mem_size / 65536) as u32); ip = ip.add(2);",
    );
    push(ops, "memory_grow", "let d = w(ip, 1); let n: u32 = get(sp, w(ip, 2)); let r = slow::memory_grow(st, n); mem = (*st).mem; set(sp, d, r); ip = ip.add(3);");
    push(ops, "memory_fill", "let r = libcalls::memory_fill(instance(st), 0, get(sp, w(ip, 1)), get(sp, w(ip, 2)), get(sp, w(ip, 3))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(4);");
    push(ops, "memory_copy", "let r = libcalls::memory_copy(instance(st), 0, 0, get(sp, w(ip, 1)), get(sp, w(ip, 2)), get(sp, w(ip, 3))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(4);");
    push(ops, "memory_init", "let r = libcalls::memory_init(instance(st), 0, w(ip, 1), get(sp, w(ip, 2)), get(sp, w(ip, 3)), get(sp, w(ip, 4))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(5);");
    push(
        ops,
        "data_drop",
        "libcalls::data_drop(instance(st), w(ip, 1)); ip = ip.add(2);",
    );
}

fn table_ops(ops: &mut Vec<OpDef>) {
    push(ops, "table_get", "let d = w(ip, 1); match libcalls::table_get(instance(st), w(ip, 2), get(sp, w(ip, 3))) { Ok(v) => set(sp, d, v), Err(t) => return raise_trap(st, ip, t) } ip = ip.add(4);");
    push(ops, "table_set", "let r = libcalls::table_set(instance(st), w(ip, 1), get(sp, w(ip, 2)), get(sp, w(ip, 3))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(4);");
    push(ops, "table_size", "let d = w(ip, 1); set(sp, d, libcalls::table_size(instance(st), w(ip, 2))); ip = ip.add(3);");
    push(ops, "table_grow", "let d = w(ip, 1); let r = libcalls::table_grow(instance(st), w(ip, 2), get(sp, w(ip, 3)), get(sp, w(ip, 4))); set(sp, d, r); ip = ip.add(5);");
    push(ops, "table_fill", "let r = libcalls::table_fill(instance(st), w(ip, 1), get(sp, w(ip, 2)), get(sp, w(ip, 3)), get(sp, w(ip, 4))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(5);");
    push(ops, "table_copy", "let r = libcalls::table_copy(instance(st), w(ip, 1), w(ip, 2), get(sp, w(ip, 3)), get(sp, w(ip, 4)), get(sp, w(ip, 5))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(6);");
    push(ops, "table_init", "let r = libcalls::table_init(instance(st), w(ip, 1), w(ip, 2), get(sp, w(ip, 3)), get(sp, w(ip, 4)), get(sp, w(ip, 5))); if let Err(t) = r { return raise_trap(st, ip, t) } ip = ip.add(6);");
    push(
        ops,
        "elem_drop",
        "libcalls::elem_drop(instance(st), w(ip, 1)); ip = ip.add(2);",
    );
    push(ops, "ref_func", "let d = w(ip, 1); set(sp, d, *(*(*st).vmctx).funcs.add(w(ip, 2) as usize) as u64); ip = ip.add(3);");
}

fn control_ops(ops: &mut Vec<OpDef>) {
    push(ops, "halt", "return Exit::Done;");
    push(ops, "unreachable", "trap!(Unreachable)");
    push(ops, "br", "ip = ip.offset(w(ip, 1) as i32 as isize);");
    // br_table idx, n, then n+1 offsets (the last is the default), relative to the start.
    push(ops, "br_table", "let i: u32 = get(sp, w(ip, 1)); let n = w(ip, 2); let k = if i < n { i } else { n }; ip = ip.offset(w(ip, 3 + k as usize) as i32 as isize);");
    push(ops, "ret", "let f = frame_pop(st); ip = f.ret_ip; sp = f.sp; if f.vmctx != (*st).vmctx { switch_instance(st, f.vmctx, f.funcs); } mem = (*st).mem;");
    push(ops, "call", "let callee = &*(*st).funcs.add(w(ip, 1) as usize); let nsp = sp.add(w(ip, 2) as usize); \
        if let Some(e) = frame_push(st, ip.add(3), sp, nsp, callee) { return e; } ip = callee.code.get(); sp = nsp;");
    push(ops, "call_indirect", "let e = slow::call_indirect(st, ip, sp); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;");
    push(ops, "call_imported", "let e = slow::call_imported(st, ip, sp); if e != Exit::Continue { return e; } ip = (*st).ip; sp = (*st).sp; mem = (*st).mem;");
    push(ops, "lazy_compile", "let e = slow::lazy_compile(st, ip, sp); if e != Exit::Continue { return e; } ip = (*st).ip;");
    push(
        ops,
        "copy",
        "let v: u64 = get(sp, w(ip, 2)); set(sp, w(ip, 1), v); ip = ip.add(3);",
    );
    push(
        ops,
        "copy_imm32",
        "set(sp, w(ip, 1), w(ip, 2)); ip = ip.add(3);",
    );
    push(
        ops,
        "copy_imm64",
        "let v: u64 = imm(ip, 2); set(sp, w(ip, 1), v); ip = ip.add(4);",
    );
    push(ops, "select", "let c: u32 = get(sp, w(ip, 2)); let v: u64 = if c != 0 { get(sp, w(ip, 3)) } else { get(sp, w(ip, 4)) }; set(sp, w(ip, 1), v); ip = ip.add(5);");
    push(ops, "global_get", "let g = *(*(*st).vmctx).globals.add(w(ip, 2) as usize); set(sp, w(ip, 1), *g); ip = ip.add(3);");
    push(ops, "global_set", "let g = *(*(*st).vmctx).globals.add(w(ip, 1) as usize); *g = get(sp, w(ip, 2)); ip = ip.add(3);");
}

fn isa() -> Vec<OpDef> {
    let mut ops = Vec::new();
    control_ops(&mut ops);
    int_ops(&mut ops, "i32", 32);
    int_ops(&mut ops, "i64", 64);
    float_ops(&mut ops, "f32", "f32", "u32");
    float_ops(&mut ops, "f64", "f64", "u64");
    conversions(&mut ops);
    memory_ops(&mut ops);
    table_ops(&mut ops);
    ops
}

/// An op's size in words: what its body advances `ip` by on the fall-through path.
fn op_size(op: &OpDef) -> usize {
    match op.name.as_str() {
        "br_table" => 0,
        "halt" | "unreachable" | "ret" => 1,
        "br" | "call_imported" | "lazy_compile" => 2,
        "call" => 3,
        "call_indirect" => 5,
        _ => {
            let sizes = op.body.match_indices("ip.add(").filter_map(|(i, _)| {
                let rest = &op.body[i + 7..];
                rest[..rest.find(')')?].parse::<usize>().ok()
            });
            sizes.max().expect("every fixed-size op advances ip")
        }
    }
}

fn expand(body: &str) -> String {
    body.replace("trap!(", "return raise(st, ip, TrapKind::")
        .replace("TrapKind::Unreachable)", "TrapKind::Unreachable);")
}

fn handler_module(out: &mut String, ops: &[OpDef], module: &str, threaded: bool, attr: &str) {
    writeln!(out, "pub mod {module} {{\n    #![allow(unused_mut, unused_variables, unused_assignments, unused_unsafe, unreachable_code, clippy::all)]\n    use super::*;").unwrap();
    for op in ops {
        let body = expand(&op.body);
        if threaded {
            writeln!(
                out,
                "    {attr}\n    pub unsafe fn {n}(mut ip: Ip, mut sp: Sp, mut mem: Mem, st: St, tbl: Tbl) -> Exit {{\n        unsafe {{ {{ {body} }}\n        let next = *tbl.cast::<ThreadedHandler>().add(*ip as usize);\n        next(ip, sp, mem, st, tbl) }}\n    }}",
                n = op.name
            )
            .unwrap();
        } else {
            writeln!(
                out,
                "    {attr}\n    pub unsafe fn {n}(r: &mut Regs, st: St) -> Exit {{\n        unsafe {{ let mut ip = r.ip; let mut sp = r.sp; let mut mem = r.mem;\n        {{ {body} }}\n        r.ip = ip; r.sp = sp; r.mem = mem; Exit::Continue }}\n    }}",
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
        writeln!(out, "        {},", op.name).unwrap();
    }
    writeln!(out, "    ];\n}}").unwrap();
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Threaded dispatch relies on sibling calls, which only release codegen (one codegen
    // unit, no incremental partitioning) guarantees; `PROFILE` is "release" for the
    // release and bench profiles.
    println!("cargo::rustc-check-cfg=cfg(release_codegen)");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo::rustc-cfg=release_codegen");
    }
    let ops = isa();
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
    writeln!(out, "#[allow(non_camel_case_types, dead_code)]\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\n#[repr(u32)]\npub enum Op {{").unwrap();
    for op in &ops {
        writeln!(out, "    {},", op.name).unwrap();
    }
    writeln!(out, "}}\npub const NUM_OPS: usize = {};", ops.len()).unwrap();
    writeln!(
        out,
        "/// Size in words of each op (0: variable, see `br_table`)."
    )
    .unwrap();
    let sizes: Vec<String> = ops.iter().map(|o| op_size(o).to_string()).collect();
    writeln!(
        out,
        "pub const OP_SIZES: [u8; NUM_OPS] = [{}];",
        sizes.join(", ")
    )
    .unwrap();
    writeln!(
        out,
        "pub const OP_NAMES: [&str; NUM_OPS] = [{}];",
        ops.iter()
            .map(|o| format!("{:?}", o.name))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    handler_module(&mut out, &ops, "threaded_generic", true, "");
    handler_module(&mut out, &ops, "loop_generic", false, "");
    let bmi = "#[cfg_attr(target_arch = \"x86_64\", target_feature(enable = \"bmi1,bmi2,lzcnt,popcnt\"))]";
    handler_module(&mut out, &ops, "threaded_bmi", true, bmi);
    handler_module(&mut out, &ops, "loop_bmi", false, bmi);
    let path = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("isa.rs");
    std::fs::write(path, out).unwrap();
}
