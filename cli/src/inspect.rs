//! `wamr-run --inspect app.aot`: what an image holds, without running or mapping it
//! executable (works for images of any target).

use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};
use wamr_aot::image::{self, SectionKind};
use wamr_aot::intrinsics::IntrinsicSet;

/// The report, as text.
pub fn inspect(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let layout = image::parse(&bytes, 4096)
        .or_else(|_| image::parse(&bytes, 16384))
        .or_else(|_| image::parse(&bytes, 65536))
        .with_context(|| format!("{} is not a valid AOT image", path.display()))?;
    let h = &layout.header;
    let module = wamr_common::Module::new(&bytes[layout.wasm.clone()])
        .context("the image's module metadata is invalid")?;
    let mut out = String::new();
    let flag = |f: u32| if h.flags & f != 0 { "yes" } else { "no" };
    writeln!(
        out,
        "image:        {} ({} bytes)",
        path.display(),
        bytes.len()
    )?;
    writeln!(out, "format:       version {}", h.version)?;
    writeln!(out, "target:       {}", layout.target)?;
    writeln!(
        out,
        "cpu features: {}",
        wamr_aot::cpu::image_feature_names(h.arch, h.cpu_features).join(",")
    )?;
    writeln!(
        out,
        "compiler:     {}",
        if h.flags & image::FLAG_LLVM != 0 {
            "llvm"
        } else {
            "cranelift"
        }
    )?;
    writeln!(
        out,
        "options:      opt-level {}, bounds checks {}, stack checks {}, indirect calls {}",
        h.opt_level,
        flag(image::FLAG_BOUNDS_CHECKS),
        flag(image::FLAG_STACK_CHECKS),
        flag(image::FLAG_INDIRECT_CALLS)
    )?;
    writeln!(out, "wasm hash:    {:#018x}", h.wasm_hash)?;
    match &layout.signature {
        Some(sig) => writeln!(
            out,
            "signature:    Ed25519 by key {} (verified only when loaded with trusted keys)",
            wamr_aot::trust::fingerprint(&sig.public_key)
        )?,
        None => writeln!(out, "signature:    none (unsigned)")?,
    }
    writeln!(out, "sections:")?;
    for (kind, r) in &layout.sections {
        let name = SectionKind::from_u32(*kind).map_or("?".into(), |k| format!("{k:?}"));
        writeln!(
            out,
            "  {name:<12} offset {:#10x}  size {:>10}",
            r.start,
            r.len()
        )?;
    }
    let set = IntrinsicSet(layout.intrinsics);
    let names: Vec<&str> = set.iter().map(|i| i.name()).collect();
    writeln!(
        out,
        "intrinsics:   {} ({})",
        names.len(),
        if names.is_empty() {
            "none: operations inline".to_string()
        } else {
            names.join(", ")
        }
    )?;
    writeln!(
        out,
        "constants:    {} table entries",
        layout.consts.len() / 8
    )?;
    writeln!(
        out,
        "function-pointer table: {} entries{}",
        module.funcs.len(),
        if h.flags & image::FLAG_INDIRECT_CALLS != 0 {
            ", every call goes through it"
        } else {
            ""
        }
    )?;
    // Any relocation other than a call inside the text fails compilation, and calls are
    // resolved when the image is written: the format has no relocation table at all.
    writeln!(out, "relocations:  0")?;
    writeln!(
        out,
        "functions:    {} defined, {} imported, {} trampolines",
        layout.funcs.len(),
        module.num_imported_funcs,
        layout.trampolines.len()
    )?;
    for (i, (off, size)) in layout.funcs.iter().enumerate() {
        let index = module.func_index(wamr_common::DefinedFuncIndex(i as u32)).0;
        let name = module.func_display_name(index);
        writeln!(
            out,
            "  [{index:>5}] text+{off:#08x} {size:>7} bytes  {name}"
        )?;
    }
    Ok(out)
}
