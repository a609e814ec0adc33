//! Reproductions: a failing module written out as `.wasm`, `.wat` and a `.txt` report
//! (what differed, and the call plan that shows it).

use std::path::PathBuf;

/// Where reproductions go: `$WAMR_DIFF_OUT`, or `wamr-diff-repro` in the temp directory.
pub fn repro_dir() -> PathBuf {
    std::env::var_os("WAMR_DIFF_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("wamr-diff-repro"))
}

/// Writes `<dir>/<kind>-<hash>.{wasm,wat,txt}` and returns the `.wasm` path.
pub fn dump(kind: &str, bytes: &[u8], report: &str) -> std::io::Result<PathBuf> {
    let dir = repro_dir();
    std::fs::create_dir_all(&dir)?;
    let stem = format!("{kind}-{:016x}", wamr_aot::image::hash64(bytes));
    let wasm = dir.join(format!("{stem}.wasm"));
    std::fs::write(&wasm, bytes)?;
    let wat =
        wasmprinter::print_bytes(bytes).unwrap_or_else(|e| format!(";; not printable: {e}\n"));
    std::fs::write(dir.join(format!("{stem}.wat")), wat)?;
    std::fs::write(dir.join(format!("{stem}.txt")), report)?;
    Ok(wasm)
}
