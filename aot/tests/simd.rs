//! Compiled SIMD agrees with the shared lane semantics (`wamr_common::simd`) on the
//! relaxed operators whose deterministic result is ours to choose, at the inputs where
//! the choices differ (saturating pair sums, out-of-range swizzle lanes, NaN min/max,
//! fused multiply-add), and v128 values cross the host boundary whole.

mod common;
use common::load;

use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::features::Features;
use wamr_common::simd;
use wamr_common::{Instance, Linker, Proposal, Val};

const WAT: &str = r#"(module
  (func (export "dot") (param v128 v128) (result v128)
    (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "swizzle") (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "madd") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "min") (param v128 v128) (result v128)
    (f64x2.relaxed_min (local.get 0) (local.get 1)))
  (func (export "q15") (param v128 v128) (result v128)
    (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
)"#;

fn instance() -> Instance {
    let dir = std::env::temp_dir().join(format!("wamr-simd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let features = Features::all()
        .with(Proposal::Simd)
        .with(Proposal::RelaxedSimd);
    let image = compile(
        &wat::parse_str(WAT).unwrap(),
        &CompileOptions {
            features,
            ..Default::default()
        },
    )
    .unwrap();
    let path = dir.join("simd.aot");
    wamr_aot::write_image(&path, &image).unwrap();
    let module = load(&path).unwrap();
    let instance = Instance::new(&module, &Linker::new(Aot::new())).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    instance
}

fn call(inst: &Instance, name: &str, args: &[u128]) -> u128 {
    let args: Vec<Val> = args.iter().map(|a| Val::V128(*a)).collect();
    match inst.invoke(name, &args).unwrap()[..] {
        [Val::V128(v)] => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

fn f32x4(l: [f32; 4]) -> u128 {
    simd::from_f32x4(l)
}

#[test]
fn relaxed_operators_match_the_shared_semantics() {
    let inst = instance();
    let i8s = |l: [i8; 16]| simd::from_i8x16(l);
    let extremes = [
        i8s([-128; 16]),
        i8s([127; 16]),
        i8s([
            -128, 127, 1, -1, 0, 5, -7, 64, -64, 100, -100, 3, 2, 1, 0, -128,
        ]),
        0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10,
    ];
    for &a in &extremes {
        for &b in &extremes {
            assert_eq!(
                call(&inst, "dot", &[a, b]),
                simd::i16x8_relaxed_dot_i8x16_i7x16_s(a, b),
                "dot {a:#x} {b:#x}"
            );
            let c = 0x7fff_ffff_0000_0001_8000_0000_ffff_ffff;
            assert_eq!(
                call(&inst, "dot_add", &[a, b, c]),
                simd::i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, c),
                "dot_add {a:#x} {b:#x}"
            );
            assert_eq!(
                call(&inst, "swizzle", &[a, b]),
                simd::i8x16_relaxed_swizzle(a, b),
                "swizzle {a:#x} {b:#x}"
            );
            assert_eq!(
                call(&inst, "q15", &[a, b]),
                simd::i16x8_relaxed_q15mulr_s(a, b),
                "q15 {a:#x} {b:#x}"
            );
        }
    }
    // Fused: 1 + 2^-24 squared loses its last bit when rounded twice.
    let x = f32x4([1.0 + f32::EPSILON / 2.0; 4]);
    let c = f32x4([-1.0; 4]);
    assert_eq!(
        call(&inst, "madd", &[x, x, c]),
        simd::f32x4_relaxed_madd(x, x, c)
    );
    let min_in = simd::from_f64x2([-0.0, 1.0]);
    let min_other = simd::from_f64x2([0.0, f64::NAN]);
    let got = simd::lanes_f64x2(call(&inst, "min", &[min_in, min_other]));
    let want = simd::lanes_f64x2(simd::f64x2_relaxed_min(min_in, min_other));
    assert_eq!(got[0].to_bits(), want[0].to_bits());
    assert!(got[1].is_nan() && want[1].is_nan());
}
