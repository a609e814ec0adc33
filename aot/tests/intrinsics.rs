//! Every runtime intrinsic against the inline operation: the same module compiled with
//! all intrinsics (`--xip --enable-builtin-intrinsics=all`) and without, each operator
//! called on random and edge inputs (NaNs with payloads, infinities, signed zeros,
//! subnormals, integer extremes). Results must be bit-identical and traps the same.

mod common;
use common::load;
use std::path::PathBuf;

use proptest::prelude::*;
use wamr_aot::abi::CodegenOptions;
use wamr_aot::intrinsics::IntrinsicSet;
use wamr_common::{Instance, Linker, Val};

/// (export name, wat body over locals 0 and 1, parameter types, result type).
const OPS: &[(&str, &str, &str)] = &[
    ("f32.add", "f32 f32", "f32"),
    ("f32.sub", "f32 f32", "f32"),
    ("f32.mul", "f32 f32", "f32"),
    ("f32.div", "f32 f32", "f32"),
    ("f32.min", "f32 f32", "f32"),
    ("f32.max", "f32 f32", "f32"),
    ("f32.copysign", "f32 f32", "f32"),
    ("f64.add", "f64 f64", "f64"),
    ("f64.sub", "f64 f64", "f64"),
    ("f64.mul", "f64 f64", "f64"),
    ("f64.div", "f64 f64", "f64"),
    ("f64.min", "f64 f64", "f64"),
    ("f64.max", "f64 f64", "f64"),
    ("f64.copysign", "f64 f64", "f64"),
    ("f32.abs", "f32", "f32"),
    ("f32.ceil", "f32", "f32"),
    ("f32.floor", "f32", "f32"),
    ("f32.trunc", "f32", "f32"),
    ("f32.nearest", "f32", "f32"),
    ("f32.sqrt", "f32", "f32"),
    ("f64.abs", "f64", "f64"),
    ("f64.ceil", "f64", "f64"),
    ("f64.floor", "f64", "f64"),
    ("f64.trunc", "f64", "f64"),
    ("f64.nearest", "f64", "f64"),
    ("f64.sqrt", "f64", "f64"),
    ("f32.eq", "f32 f32", "i32"),
    ("f32.ne", "f32 f32", "i32"),
    ("f32.lt", "f32 f32", "i32"),
    ("f32.gt", "f32 f32", "i32"),
    ("f32.le", "f32 f32", "i32"),
    ("f32.ge", "f32 f32", "i32"),
    ("f64.eq", "f64 f64", "i32"),
    ("f64.ne", "f64 f64", "i32"),
    ("f64.lt", "f64 f64", "i32"),
    ("f64.gt", "f64 f64", "i32"),
    ("f64.le", "f64 f64", "i32"),
    ("f64.ge", "f64 f64", "i32"),
    ("i32.clz", "i32", "i32"),
    ("i32.ctz", "i32", "i32"),
    ("i32.popcnt", "i32", "i32"),
    ("i64.clz", "i64", "i64"),
    ("i64.ctz", "i64", "i64"),
    ("i64.popcnt", "i64", "i64"),
    ("i32.div_s", "i32 i32", "i32"),
    ("i32.div_u", "i32 i32", "i32"),
    ("i32.rem_s", "i32 i32", "i32"),
    ("i32.rem_u", "i32 i32", "i32"),
    ("i64.div_s", "i64 i64", "i64"),
    ("i64.div_u", "i64 i64", "i64"),
    ("i64.rem_s", "i64 i64", "i64"),
    ("i64.rem_u", "i64 i64", "i64"),
    ("i64.or", "i64 i64", "i64"),
    ("i64.and", "i64 i64", "i64"),
    ("f32.convert_i32_s", "i32", "f32"),
    ("f32.convert_i32_u", "i32", "f32"),
    ("f32.convert_i64_s", "i64", "f32"),
    ("f32.convert_i64_u", "i64", "f32"),
    ("f64.convert_i32_s", "i32", "f64"),
    ("f64.convert_i32_u", "i32", "f64"),
    ("f64.convert_i64_s", "i64", "f64"),
    ("f64.convert_i64_u", "i64", "f64"),
    ("i32.trunc_f32_s", "f32", "i32"),
    ("i32.trunc_f32_u", "f32", "i32"),
    ("i32.trunc_f64_s", "f64", "i32"),
    ("i32.trunc_f64_u", "f64", "i32"),
    ("i64.trunc_f32_s", "f32", "i64"),
    ("i64.trunc_f32_u", "f32", "i64"),
    ("i64.trunc_f64_s", "f64", "i64"),
    ("i64.trunc_f64_u", "f64", "i64"),
    ("i32.trunc_sat_f32_s", "f32", "i32"),
    ("i32.trunc_sat_f32_u", "f32", "i32"),
    ("i32.trunc_sat_f64_s", "f64", "i32"),
    ("i32.trunc_sat_f64_u", "f64", "i32"),
    ("i64.trunc_sat_f32_s", "f32", "i64"),
    ("i64.trunc_sat_f32_u", "f32", "i64"),
    ("i64.trunc_sat_f64_s", "f64", "i64"),
    ("i64.trunc_sat_f64_u", "f64", "i64"),
    ("f32.demote_f64", "f64", "f32"),
    ("f64.promote_f32", "f32", "f64"),
];

fn module_wat() -> String {
    let mut w = String::from("(module\n");
    for (op, params, result) in OPS {
        let n = params.split(' ').count();
        let gets: String = (0..n).map(|i| format!("(local.get {i}) ")).collect();
        w.push_str(&format!(
            "  (func (export \"{op}\") (param {params}) (result {result}) ({op} {gets}))\n"
        ));
    }
    // Constants through the table: every bit pattern round-trips.
    w.push_str(
        "  (func (export \"consts\") (result f32 f64 i32 i64)\n    (f32.const nan:0x200001) (f64.const -nan:0x4000000000001) (i32.const -2147483648) (i64.const 0x7fffffffffffffff))\n",
    );
    w.push(')');
    w
}

fn instance(set: IntrinsicSet, tag: &str) -> Instance {
    let wasm = wat::parse_str(module_wat()).unwrap();
    let opts = wamr_aot::CompileOptions {
        codegen: CodegenOptions {
            indirect_calls: !set.is_empty(),
            intrinsics: set,
            ..Default::default()
        },
        ..Default::default()
    };
    let image = wamr_aot::compile(&wasm, &opts).unwrap();
    let path: PathBuf =
        std::env::temp_dir().join(format!("wamr-intrinsics-{tag}-{}.aot", std::process::id()));
    wamr_aot::write_image(&path, &image).unwrap();
    let module = load(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    Instance::new(&module, &Linker::new(wamr_aot::Aot::new())).unwrap()
}

fn f32_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        prop::sample::select(vec![
            0x7fc0_0000u32, // canonical NaN
            0xffc0_0000,
            0x7fa0_0000, // signalling NaN with payload
            0xff80_0001,
            0x7f80_0000, // +inf
            0xff80_0000,
            0x0000_0000,
            0x8000_0000,
            0x0000_0001, // smallest subnormal
            0x7f7f_ffff,
            0x3f00_0000, // 0.5
            0x3fc0_0000, // 1.5
            0xbf00_0000,
            0x4f00_0000, // 2^31
            0xcf00_0000,
            0x5f00_0000, // 2^63
            0x4f80_0000, // 2^32
            0xdf00_0000,
        ]),
    ]
}

fn f64_bits() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        prop::sample::select(vec![
            0x7ff8_0000_0000_0000u64,
            0xfff8_0000_0000_0000,
            0x7ff4_0000_0000_0000,
            0xfff0_0000_0000_0001,
            0x7ff0_0000_0000_0000,
            0xfff0_0000_0000_0000,
            0,
            0x8000_0000_0000_0000,
            1,
            0x7fef_ffff_ffff_ffff,
            0x3fe0_0000_0000_0000,
            0x3ff8_0000_0000_0000,
            0xbfe0_0000_0000_0000,
            0x41e0_0000_0000_0000, // 2^31
            0xc1e0_0000_0020_0000, // -2^31 - 1
            0x43e0_0000_0000_0000, // 2^63
            0x41f0_0000_0000_0000, // 2^32
            0xc3e0_0000_0000_0000,
        ]),
    ]
}

fn i32s() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        prop::sample::select(vec![0, 1, -1, 7, i32::MIN, i32::MAX, 0x7fff_ffc0])
    ]
}

fn i64s() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        prop::sample::select(vec![
            0,
            1,
            -1,
            7,
            i64::MIN,
            i64::MAX,
            1 << 53,
            (1 << 53) + 1
        ])
    ]
}

fn arg(ty: &str) -> BoxedStrategy<Val> {
    match ty {
        "i32" => i32s().prop_map(Val::I32).boxed(),
        "i64" => i64s().prop_map(Val::I64).boxed(),
        "f32" => f32_bits().prop_map(Val::F32).boxed(),
        _ => f64_bits().prop_map(Val::F64).boxed(),
    }
}

fn outcome(r: Result<Vec<Val>, wamr_common::Trap>) -> Result<Vec<u128>, wamr_common::TrapKind> {
    r.map(|v| {
        v.iter()
            .map(|x| match x {
                Val::I32(v) => *v as u32 as u128,
                Val::I64(v) => *v as u64 as u128,
                Val::F32(b) => u128::from(*b),
                Val::F64(b) => u128::from(*b),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    })
    .map_err(|t| t.kind())
}

#[test]
fn every_intrinsic_matches_the_inline_operation() {
    let inline = instance(IntrinsicSet::EMPTY, "inline");
    let runtime = instance(IntrinsicSet::all(), "all");
    assert_eq!(
        outcome(inline.invoke("consts", &[])),
        outcome(runtime.invoke("consts", &[]))
    );
    for (op, params, _) in OPS {
        // A runner per operator: a runner's case budget is shared by all its runs.
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let strategy: Vec<BoxedStrategy<Val>> = params.split(' ').map(arg).collect();
        runner
            .run(&strategy, |args| {
                let a = outcome(inline.invoke(op, &args));
                let b = outcome(runtime.invoke(op, &args));
                prop_assert_eq!(&a, &b, "{} {:?}", op, args);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}
