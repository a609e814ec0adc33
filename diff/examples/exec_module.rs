//! Writes the module an `interp_exec`/`aot_exec` fuzz input generates:
//! `cargo run -p wamr-diff --example exec_module -- INPUT OUT.wasm` (and `OUT.wasm.wat`).

use arbitrary::Unstructured;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out] = args.as_slice() else {
        return Err("usage: exec_module INPUT OUT.wasm".into());
    };
    let data = std::fs::read(input)?;
    let mut u = Unstructured::new(&data);
    let config = wamr_diff::exec::exec_config(&mut u)?;
    let mut module = wasm_smith::Module::new(config, &mut u)?;
    module.ensure_termination(wamr_diff::gen::FUEL)?;
    let wasm = module.to_bytes();
    std::fs::write(out, &wasm)?;
    // The text next to it, for reading.
    std::fs::write(format!("{out}.wat"), wasmprinter::print_bytes(&wasm)?)?;
    Ok(())
}
