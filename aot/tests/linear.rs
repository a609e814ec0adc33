//! A huge `br_table` passing values compiles to a table entry per target (one edge
//! block per distinct target carries the values) and runs right.

mod common;
use common::load;

use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, Val};

fn module(entries: usize) -> Vec<u8> {
    let targets = "0 1 ".repeat(entries / 2);
    wat::parse_str(format!(
        r#"(module (func (export "f") (param i32) (result i32 i32)
             (block (result i32 i32)
               (block (result i32 i32)
                 (i32.const 7) (local.get 0)
                 (br_table {targets} 1 (local.get 0)))
               (i32.add) (i32.const 100))))"#
    ))
    .unwrap()
}

#[test]
fn a_huge_br_table_with_values_stays_small_and_right() {
    let small = compile(&module(10), &CompileOptions::default()).unwrap();
    let large = compile(&module(10_010), &CompileOptions::default()).unwrap();
    let per_entry = (large.len() - small.len()) as f64 / 10_000.0;
    // A jump-table entry is 4 bytes (8 with padding and the wasm bytes of the entry).
    assert!(per_entry < 12.0, "{per_entry} bytes per br_table entry");

    let dir = common::ImageDir::new("linear");
    let path = dir.write("large.aot", &large);
    let m = load(&path).unwrap();
    let inst = Instance::new(&m, &Linker::new(Aot::new())).unwrap();
    // Even index: the inner block's end (7 + i, 100); odd: the outer's (7, i).
    assert_eq!(
        inst.invoke("f", &[Val::I32(4)]).unwrap(),
        [Val::I32(11), Val::I32(100)]
    );
    assert_eq!(
        inst.invoke("f", &[Val::I32(5)]).unwrap(),
        [Val::I32(7), Val::I32(5)]
    );
    assert_eq!(
        inst.invoke("f", &[Val::I32(1_000_000)]).unwrap(),
        [Val::I32(7), Val::I32(1_000_000)]
    );
}
