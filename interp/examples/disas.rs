//! Prints the interpreter's bytecode for a module's functions:
//! `cargo run -p wamr-interp --example disas -- app.wasm [NAME|INDEX ...]`.
//! Without names, every defined function; a static op histogram ends the output.

use std::collections::BTreeMap;

use wamr_common::Module;
use wamr_interp::translate::{disassemble, translate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: disas FILE.wasm [NAME|INDEX ...]")?;
    let module = Module::new(&std::fs::read(&path)?)?;
    let wanted: Vec<String> = args.collect();
    let mut histogram: BTreeMap<String, usize> = BTreeMap::new();
    for (_, index) in module.defined_funcs() {
        let index = index.0;
        let name = module.func_names.get(&index).cloned().unwrap_or_default();
        if !wanted.is_empty() && !wanted.iter().any(|w| *w == name || *w == index.to_string()) {
            continue;
        }
        let t = translate(&module, index)?;
        let text = disassemble(&t.code);
        println!(
            "func {index} {name} ({} words, {} slots)\n{text}",
            t.code.len(),
            t.frame_slots
        );
        for line in text.lines() {
            if let Some(op) = line.split_whitespace().nth(1) {
                *histogram.entry(op.to_string()).or_default() += 1;
            }
        }
    }
    let mut ops: Vec<_> = histogram.into_iter().collect();
    ops.sort_by_key(|op| std::cmp::Reverse(op.1));
    println!("static op counts:");
    for (op, n) in ops {
        println!("{n:8} {op}");
    }
    Ok(())
}
