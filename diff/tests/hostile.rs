//! Modules built to make a translator or compiler blow up: each must translate (every
//! function, eagerly) and compile in time and space linear in its size, and run the same
//! in both engines. The bounds are guards against a blow-up (the quadratic cases once took
//! hours or gigabytes), generous enough for a slow machine, not measurements.

use std::rc::Rc;
use std::time::{Duration, Instant};

use wamr_common::{Engine, Instance, Linker, Module, Val};
use wamr_interp::{Interp, InterpConfig, InterpInstance};

/// Bytecode words per wasm byte, at most (typical code is under 2).
const WORDS_PER_WASM_BYTE: usize = 8;
/// Image bytes per wasm byte, at most.
const IMAGE_BYTES_PER_WASM_BYTE: usize = 64;
/// Per module and engine; the blow-ups this guards against took minutes to hours.
const TIME_GUARD: Duration = Duration::from_secs(120);

struct Case {
    name: &'static str,
    wat: String,
    /// An export to run and its arguments (its result is compared across engines).
    call: (&'static str, Vec<Val>),
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    // A br_table of 200,000 entries whose targets both need their two results moved.
    let targets = "0 1 ".repeat(100_000);
    cases.push(Case {
        name: "br_table with values",
        wat: format!(
            r#"(module (func (export "f") (param i32) (result i32)
                 (block (result i32 i32) (block (result i32 i32)
                   (i32.const 7) (local.get 0) (br_table {targets} 1 (local.get 0)))
                   (drop) (drop) (i32.const 1) (i32.const 1))
                 (i32.add)))"#
        ),
        call: ("f", vec![Val::I32(1)]),
    });
    // 100,000 `local.tee`s on a 1,000-deep operand stack.
    let pushes = "(local.get 0) ".repeat(1_000);
    let tees = "(local.tee 1 (local.get 0)) (drop) ".repeat(100_000);
    let drops = "(drop) ".repeat(1_000);
    cases.push(Case {
        name: "local.tee chain on a deep stack",
        wat: format!(
            r#"(module (func (export "f") (param i32) (result i32) (local i32)
                 {pushes} {tees} {drops} (local.get 1)))"#
        ),
        call: ("f", vec![Val::I32(5)]),
    });
    // 5,000 nested blocks, each passing a value out.
    let open = "(block (result i32) ".repeat(5_000);
    let close = ")".repeat(5_000);
    cases.push(Case {
        name: "deeply nested blocks",
        wat: format!(
            r#"(module (func (export "f") (param i32) (result i32)
                 {open} (br_if 0 (local.get 0) (local.get 0)) {close}))"#
        ),
        call: ("f", vec![Val::I32(9)]),
    });
    // The most locals a function may declare, a spread of them touched.
    let touch: String = (0..50_000)
        .step_by(997)
        .map(|l| format!("(local.set {l} (i64.add (local.get {l}) (i64.const {l}))) "))
        .collect();
    cases.push(Case {
        name: "50,000 locals",
        wat: format!(
            r#"(module (func (export "f") (result i64) (local {}) {touch} (local.get 49850)))"#,
            "i64 ".repeat(50_000)
        ),
        call: ("f", vec![]),
    });
    // 20,000 functions, each calling the next.
    let funcs: String = (0..20_000)
        .map(|i| {
            if i == 19_999 {
                format!("(func $f{i} (result i32) (i32.const {i}))")
            } else {
                format!("(func $f{i} (result i32) (call $f{}))", i + 1)
            }
        })
        .collect();
    cases.push(Case {
        name: "a chain of 20,000 functions",
        wat: format!(r#"(module {funcs} (export "f" (func $f0)))"#),
        call: ("f", vec![]),
    });
    cases
}

fn engines() -> Vec<(&'static str, Rc<dyn Engine>)> {
    vec![
        (
            "interp",
            Interp::new(InterpConfig {
                eager: true,
                ..Default::default()
            }),
        ),
        ("aot", wamr_aot::Aot::new()),
    ]
}

#[test]
fn hostile_modules_translate_and_compile_in_linear_time_and_space() {
    for case in corpus() {
        let wasm = wat::parse_str(&case.wat).unwrap();
        let mut results = Vec::new();
        for (engine_name, engine) in engines() {
            let started = Instant::now();
            let module = match engine_name {
                "interp" => Module::new(&wasm).unwrap(),
                _ => {
                    let image = wamr_aot::compile(&wasm, &Default::default()).unwrap();
                    assert!(
                        image.len() <= IMAGE_BYTES_PER_WASM_BYTE * wasm.len() + (1 << 20),
                        "{}: a {} byte image from {} bytes of wasm",
                        case.name,
                        image.len(),
                        wasm.len()
                    );
                    wamr_diff::run::load_image(&image).unwrap()
                }
            };
            let instance = Instance::new(&module, &Linker::new(engine)).unwrap();
            if let Some(interp) = InterpInstance::of(instance.data()) {
                let words: usize = (0..module.funcs.len() as u32)
                    .filter_map(|f| interp.translated_code(f))
                    .map(|code| code.len())
                    .sum();
                assert!(
                    words <= WORDS_PER_WASM_BYTE * wasm.len(),
                    "{}: {words} bytecode words from {} bytes of wasm",
                    case.name,
                    wasm.len()
                );
            }
            let (export, args) = &case.call;
            results.push(instance.invoke(export, args).map_err(|t| t.to_string()));
            let took = started.elapsed();
            eprintln!("{} in {engine_name}: {took:.1?}", case.name);
            assert!(
                took < TIME_GUARD,
                "{} in {engine_name}: {took:?}",
                case.name
            );
        }
        assert_eq!(
            results[0], results[1],
            "{}: the engines disagree",
            case.name
        );
        assert!(results[0].is_ok(), "{}: {:?}", case.name, results[0]);
    }
}
