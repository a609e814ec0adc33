//! Runs one export of a module (`.wasm` or `.wat`) in every engine configuration and
//! prints each one's observation and the first difference from the interpreter.
//!
//! `cargo run -p wamr-diff --example replay -- FILE EXPORT [i32:N|i64:N|f32:BITS|f64:BITS]...`

use wamr_diff::compare::{compare, NanMode, Value};
use wamr_diff::gen::{Plan, PlannedCall};
use wamr_diff::run::{observe, EngineId};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: replay FILE EXPORT [type:value]...");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&args[0]).expect("reading the module");
    let wasm = wat::parse_bytes(&bytes).expect("wasm or wat").into_owned();
    let vals = args[2..]
        .iter()
        .map(|a| {
            let (t, v) = a.split_once(':').expect("type:value");
            match t {
                "i32" => Value::I32(v.parse().expect("i32")),
                "i64" => Value::I64(v.parse().expect("i64")),
                "f32" => Value::F32(v.parse().expect("f32 bits")),
                "f64" => Value::F64(v.parse().expect("f64 bits")),
                _ => panic!("unknown type {t}"),
            }
        })
        .collect();
    let plan = Plan {
        calls: vec![PlannedCall {
            export: args[1].clone(),
            args: vals,
        }],
    };
    let reference = observe(EngineId::Interp, &wasm, &plan);
    for e in EngineId::all() {
        let o = observe(e, &wasm, &plan);
        println!("{e}: {:?} {:?}", o.instantiation, o.calls);
        if let Some(d) = compare(&reference, &o, NanMode::Exact) {
            println!("  differs: {d}");
        }
    }
}
