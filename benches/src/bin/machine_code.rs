//! Our machine code and wasmtime's for the same wasm function, one after the other, to
//! find what costs cycles (issue: "compare the machine code").
//!
//! ```text
//! cargo run --release -p benches --features peers --bin machine_code -- PROG.wasm FUNC [OUT_DIR]
//! ```
//!
//! FUNC is a function index (imports included, as `wamr-run --inspect` and wasmtime's
//! `wasm[0]::function[N]` symbols count them). Both compilers run with their default
//! options for this host; the files stay in OUT_DIR (default `target/machine-code`):
//! `ours.aot` and `wasmtime.elf` (wasmtime's serialized module, an ELF object with a
//! symbol per function), and `objdump` disassembles both.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [wasm_path, func, rest @ ..] = args.as_slice() else {
        bail!("usage: machine_code PROG.wasm FUNC_INDEX [OUT_DIR]");
    };
    let func: u32 = func
        .parse()
        .with_context(|| format!("FUNC_INDEX: `{func}` is not a function index"))?;
    let out = PathBuf::from(rest.first().map_or("target/machine-code", String::as_str));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let wasm = std::fs::read(wasm_path).with_context(|| format!("reading {wasm_path}"))?;

    let ours = ours_disassembly(&wasm, func, &out)?;
    println!("==== ours ({} instructions)\n{ours}", count(&ours));
    let theirs = wasmtime_disassembly(&wasm, func, &out)?;
    println!(
        "==== wasmtime 48 ({} instructions)\n{theirs}",
        count(&theirs)
    );
    Ok(())
}

/// Instruction lines of an `objdump` listing (those with an address).
fn count(listing: &str) -> usize {
    listing
        .lines()
        .filter(|l| l.trim_start().split(':').next().is_some_and(is_hex) && l.contains('\t'))
        .count()
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn ours_disassembly(wasm: &[u8], func: u32, out: &Path) -> Result<String> {
    let image = wamr_aot::compile(wasm, &wamr_aot::CompileOptions::default())?;
    let path = out.join("ours.aot");
    std::fs::write(&path, &image)?;
    let layout = wamr_aot::image::parse(&image, 4096)?;
    let module = wamr_common::Module::new(wasm)?;
    let defined = func
        .checked_sub(module.num_imported_funcs)
        .context("FUNC_INDEX names an imported function: it has no code")?;
    let &(start, len) = layout
        .funcs
        .get(defined as usize)
        .with_context(|| format!("the module has no function {func}"))?;
    let start = layout.text.start + start as usize;
    objdump(&[
        "-D",
        "-b",
        "binary",
        "-mi386:x86-64",
        "--no-show-raw-insn",
        &format!("--start-address={start:#x}"),
        &format!("--stop-address={:#x}", start + len as usize),
        path.to_str().context("non-UTF-8 output path")?,
    ])
}

#[cfg(feature = "peers")]
fn wasmtime_disassembly(wasm: &[u8], func: u32, out: &Path) -> Result<String> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow::anyhow!("{e}"))?;
    let elf = module.serialize().map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = out.join("wasmtime.elf");
    std::fs::write(&path, elf)?;
    let listing = objdump(&[
        "-d",
        "--no-show-raw-insn",
        path.to_str().context("non-UTF-8 output path")?,
    ])?;
    // Keep the one function's block: from its symbol line to the next blank line.
    let symbol = format!("<wasm[0]::function[{func}]>:");
    let Some(at) = listing.find(&symbol) else {
        bail!("wasmtime's object has no symbol {symbol}");
    };
    let block = &listing[at..];
    Ok(block.split("\n\n").next().unwrap_or(block).to_string())
}

#[cfg(not(feature = "peers"))]
fn wasmtime_disassembly(_: &[u8], _: u32, _: &Path) -> Result<String> {
    bail!("wasmtime is not built in: rerun with --features peers")
}

fn objdump(args: &[&str]) -> Result<String> {
    let o = Command::new("objdump")
        .args(args)
        .output()
        .context("running objdump (Debian package binutils)")?;
    ensure!(
        o.status.success(),
        "objdump failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}
