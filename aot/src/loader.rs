//! Loading an image for execution in place: the file is mapped read-only, its text
//! section mapped read+execute straight from the file (never writable, never copied,
//! never patched), after every check has passed.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};
use wamr_common::Module;

use crate::abi::CodegenOptions;
use crate::cpu;
use crate::image::{self, ImageError, Layout};
use crate::trust::Trust;

#[derive(Debug, thiserror::Error)]
pub enum AotLoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Image { path: String, source: ImageError },
    #[error("{path}: built for {image}, but this host is {host}")]
    ForeignTarget {
        path: String,
        image: String,
        host: String,
    },
    #[error("{path}: needs CPU features this host lacks: {missing}")]
    MissingFeatures { path: String, missing: String },
    #[error("{path}: embedded module: {source}")]
    Module {
        path: String,
        source: wamr_common::LoadError,
    },
    #[error("{path}: embedded module does not match the image's hash")]
    HashMismatch { path: String },
    #[error("{path}: too many images loaded at once")]
    TooManyImages { path: String },
    #[error("{path}: {source}")]
    Untrusted {
        path: String,
        source: crate::trust::TrustError,
    },
    #[error("{path}: refused: {reason}; anyone who can write an image can change the code that runs (chmod go-w, or compile your own)")]
    Writable { path: String, reason: String },
}

/// A mapped image: what an instance's compiled code runs from.
#[derive(Debug)]
pub struct AotImage {
    path: String,
    map: Mmap,
    text: Mmap,
    layout: Layout,
    code_slot: usize,
}

impl Drop for AotImage {
    fn drop(&mut self) {
        crate::trap::unregister_code(self.code_slot);
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

impl AotImage {
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The compile options recorded in the header.
    pub fn codegen(&self) -> CodegenOptions {
        let f = self.layout.header.flags;
        CodegenOptions {
            bounds_checks: f & image::FLAG_BOUNDS_CHECKS != 0,
            stack_bounds_checks: f & image::FLAG_STACK_CHECKS != 0,
            indirect_calls: f & image::FLAG_INDIRECT_CALLS != 0,
            opt_level: self.layout.header.opt_level as u8,
            backend: if f & image::FLAG_LLVM != 0 {
                crate::abi::Backend::Llvm
            } else {
                crate::abi::Backend::Cranelift
            },
            intrinsics: crate::intrinsics::IntrinsicSet(self.layout.intrinsics),
            metering: wamr_common::metering::Metering {
                fuel: f & image::FLAG_FUEL != 0,
                interruptible: f & image::FLAG_INTERRUPTIBLE != 0,
            },
        }
    }

    /// The constant table compiled code reads through `vmctx.consts` (8-byte aligned:
    /// the parser checked its offset, and the mapping is page-aligned).
    pub fn consts(&self) -> *const u64 {
        self.map[self.layout.consts.clone()].as_ptr().cast()
    }

    /// Start of the executable text.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// Entry of defined function `i` (0 = first non-imported function).
    pub fn func_code(&self, i: usize) -> Option<*const u8> {
        let (off, _) = *self.layout.funcs.get(i)?;
        // SAFETY: the parser checked every function lies inside the text section.
        Some(unsafe { self.text.as_ptr().add(off as usize) })
    }

    /// The defined function (0 = first non-imported) whose code holds the address `pc`.
    pub fn func_at(&self, pc: usize) -> Option<usize> {
        let off = pc.checked_sub(self.text.as_ptr() as usize)?;
        if off >= self.text.len() {
            return None;
        }
        self.layout.funcs.iter().position(|&(start, len)| {
            off >= start as usize && off - (start as usize) < len as usize
        })
    }

    /// Every piece of code in the text with a name for profilers: each function (its
    /// name-section name, or `$funcN`) and each trampoline, as (address, bytes, name).
    pub fn code_symbols(&self, module: &wamr_common::ModuleData) -> Vec<(usize, usize, String)> {
        let base = self.text.as_ptr() as usize;
        let mut symbols =
            Vec::with_capacity(self.layout.funcs.len() + self.layout.trampolines.len());
        for (i, &(off, len)) in self.layout.funcs.iter().enumerate() {
            let index = module.func_index(wamr_common::DefinedFuncIndex(i as u32)).0;
            let name = format!("wasm[{index}] {}", module.func_display_name(index));
            symbols.push((base + off as usize, len as usize, name));
        }
        // A trampoline's length is not recorded: it runs to the next piece of code (or
        // the end of the text).
        let mut starts: Vec<u32> = self.layout.funcs.iter().map(|&(off, _)| off).collect();
        starts.extend(&self.layout.trampolines);
        starts.sort_unstable();
        for (t, &off) in self.layout.trampolines.iter().enumerate() {
            let next = starts
                .iter()
                .find(|&&s| s > off)
                .map_or(self.text.len(), |&s| s as usize);
            let name = format!("wasm trampoline (type {t})");
            symbols.push((base + off as usize, next - off as usize, name));
        }
        symbols
    }

    /// The array trampoline of module type `t`.
    pub fn trampoline(&self, t: u32) -> Option<*const u8> {
        let off = *self.layout.trampolines.get(t as usize)?;
        // SAFETY: checked by the parser, as above.
        Some(unsafe { self.text.as_ptr().add(off as usize) })
    }

    /// The whole file as mapped (read-only).
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}

/// Refuses an image file that someone other than this user (or root) could rewrite
/// while it runs: the text is mapped from the file, so such a writer could change the
/// code after every check has passed.
fn check_writers(file: &File, path: &str) -> Result<(), AotLoadError> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().map_err(|source| AotLoadError::Io {
        path: path.into(),
        source,
    })?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let refuse = |reason: String| {
        Err(AotLoadError::Writable {
            path: path.into(),
            reason,
        })
    };
    if meta.uid() != me && meta.uid() != 0 {
        return refuse(format!(
            "the file belongs to uid {}, not to you or root",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return refuse(format!(
            "the file is writable by its group or others (mode {:o})",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

/// Maps and checks an image file, and returns its module (with the image attached).
///
/// `trust` says who may vouch for the code (see [`crate::trust`]); the file must not be
/// writable by anyone but its owner, who must be this user or root.
pub fn load(path: &Path, trust: &Trust) -> Result<Module, AotLoadError> {
    let p = path.display().to_string();
    let _span = tracing::info_span!("load_aot", path = %p).entered();
    let io = |source| AotLoadError::Io {
        path: p.clone(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    check_writers(&file, &p)?;
    // SAFETY: a read-only private mapping; the loader tolerates any content (it is all
    // checked below). The file is writable only by this user or root (checked above);
    // a truncation while in use surfaces as SIGBUS, which the trap handler reports.
    let map = unsafe { MmapOptions::new().map(&file) }.map_err(io)?;
    let layout = image::parse(&map, page_size()).map_err(|source| AotLoadError::Image {
        path: p.clone(),
        source,
    })?;
    trust
        .check(&map, &layout)
        .map_err(|source| AotLoadError::Untrusted {
            path: p.clone(),
            source,
        })?;
    let host = cpu::host_arch();
    let arch = cpu::arch_name(layout.header.arch).unwrap_or("unknown");
    if arch != host {
        return Err(AotLoadError::ForeignTarget {
            path: p,
            image: layout.target.clone(),
            host: host.into(),
        });
    }
    let missing = cpu::missing_on_host(arch, layout.header.cpu_features);
    if !missing.is_empty() {
        return Err(AotLoadError::MissingFeatures {
            path: p,
            missing: missing.join(", "),
        });
    }
    let wasm = &map[layout.wasm.clone()];
    if image::hash64(wasm) != layout.header.wasm_hash {
        return Err(AotLoadError::HashMismatch { path: p });
    }
    // The checksum and the wasm hash vouch for the bytes the compiler validated, so the
    // bodies' instructions are not validated again (that would cost time in proportion
    // to the code); everything else is.
    let mut data =
        wamr_common::ModuleData::precompiled(wasm).map_err(|source| AotLoadError::Module {
            path: p.clone(),
            source,
        })?;
    if data.bodies.len() != layout.funcs.len() || data.types.len() != layout.trampolines.len() {
        return Err(AotLoadError::Image {
            path: p,
            source: ImageError::Corrupt("function or type count differs from the module".into()),
        });
    }
    // Only now is anything mapped executable.
    // SAFETY: maps the checked, page-aligned text range of the same file read+execute.
    let text = unsafe {
        MmapOptions::new()
            .offset(layout.text.start as u64)
            .len(layout.text.len().max(1))
            .map_exec(&file)
    }
    .map_err(io)?;
    let code_slot = crate::trap::register_code(text.as_ptr() as usize, text.len())
        .ok_or_else(|| AotLoadError::TooManyImages { path: p.clone() })?;
    data.attachment = Some(Arc::new(AotImage {
        path: p,
        map,
        text,
        layout,
        code_slot,
    }));
    Ok(Module::from(data))
}

/// The image a module was loaded from, if any.
pub fn image_of(module: &Module) -> Option<Arc<AotImage>> {
    module.attachment.clone()?.downcast::<AotImage>().ok()
}

/// Writes an image file the way [`load`] expects to find one: complete before it
/// appears (written beside `path`, then renamed over it, so a reader never sees half an
/// image and a running image is never rewritten in place), and writable by its owner
/// only (mode 0644 at most, whatever the umask would allow).
pub fn write_image(path: &Path, image: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    // Unique per process and per call: two threads may write the same path.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(
        ".tmp{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = path.with_file_name(name);
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)
        .and_then(|mut f| f.write_all(image));
    let result = written.and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
