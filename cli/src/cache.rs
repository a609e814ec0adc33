//! The object cache behind `wamr-run --mode aot app.wasm`: a module is compiled once, its
//! image written to the cache directory, and later runs map that image straight away.
//!
//! Entries are named by a hash of everything that determines the image: the wasm bytes,
//! the compile options, the target and this compiler's version. A corrupt or stale entry
//! fails the loader's checks (checksum, format version, wasm hash) and is rebuilt, never
//! trusted. Writers write a private temporary file and rename it into place, so
//! concurrent processes only ever see whole images.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use wamr_aot::CompileOptions;
use wamr_common::Module;

/// Where entries live: `--cache-dir`, else `$XDG_CACHE_HOME/wamr-rs`, else
/// `~/.cache/wamr-rs`, else the system temporary directory.
pub fn default_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("wamr-rs");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".cache").join("wamr-rs");
    }
    std::env::temp_dir().join("wamr-rs-cache")
}

/// 128-bit key from two 64-bit FNV-1a variants. Not cryptographic, and it need not be:
/// a hit is used only if the image embeds exactly these wasm bytes, so a collision is a
/// rebuild, never the wrong code.
fn key(wasm: &[u8], opts: &CompileOptions) -> String {
    let ident = format!(
        "{}|{:?}|{:?}|{}",
        env!("CARGO_PKG_VERSION"),
        opts.codegen,
        opts.target,
        wamr_aot::image::VERSION
    );
    let h = |seed: u64| {
        let mut x = seed;
        for b in ident.as_bytes().iter().chain(wasm) {
            x ^= u64::from(*b);
            x = x.wrapping_mul(0x0000_0100_0000_01b3);
        }
        x
    };
    format!(
        "{:016x}{:016x}",
        h(0xcbf2_9ce4_8422_2325),
        h(0x6c62_272e_07bb_0142)
    )
}

/// Loads `wasm` compiled with `opts`, from the cache when a valid entry exists.
/// `cache_dir: None` compiles into a private temporary file that is removed afterwards
/// (the mapping keeps the code alive).
pub fn load_or_compile(
    wasm: &[u8],
    opts: &CompileOptions,
    cache_dir: Option<&Path>,
) -> Result<Module> {
    let Some(dir) = cache_dir else {
        let _span = tracing::info_span!("compile").entered();
        let image = wamr_aot::compile(wasm, opts).context("cannot compile the module")?;
        let tmp = std::env::temp_dir().join(format!(
            "wamr-run-{}-{}.aot",
            std::process::id(),
            key(wasm, opts)
        ));
        std::fs::write(&tmp, &image).with_context(|| format!("cannot write {}", tmp.display()))?;
        let module = wamr_aot::load(&tmp);
        let _ = std::fs::remove_file(&tmp);
        return Ok(module?);
    };
    let path = dir.join(format!("{}.aot", key(wasm, opts)));
    if path.exists() {
        match wamr_aot::load(&path) {
            Ok(m) if image_matches(&m, wasm) => {
                tracing::debug!("cache hit {}", path.display());
                return Ok(m);
            }
            Ok(_) => tracing::warn!("stale cache entry {}: rebuilding", path.display()),
            Err(e) => tracing::warn!("bad cache entry {}: {e}; rebuilding", path.display()),
        }
    }
    let image = {
        let _span = tracing::info_span!("compile").entered();
        wamr_aot::compile(wasm, opts).context("cannot compile the module")?
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create cache directory {}", dir.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", key(wasm, opts), std::process::id()));
    std::fs::write(&tmp, &image).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(wamr_aot::load(&path)?)
}

/// The entry was built from these very bytes (the image embeds its source module).
fn image_matches(m: &Module, wasm: &[u8]) -> bool {
    wamr_aot::loader::image_of(m).is_some_and(|img| {
        img.layout().header.wasm_hash == wamr_aot::image::hash64(wasm)
            && img.bytes().get(img.layout().wasm.clone()) == Some(wasm)
    })
}
