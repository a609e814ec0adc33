//! The object cache behind `wamr-run --mode aot app.wasm`: a module is compiled once, its
//! image written to the cache directory, and later runs map that image straight away.
//!
//! An entry is machine code that will run as the user, so the cache trusts nothing it
//! did not write itself:
//! - The directory is the user's own: created mode 0700, and refused when it is a
//!   symlink, owned by someone else or writable by group or others. There is no shared
//!   fallback: without `$XDG_CACHE_HOME` or `$HOME` the cache is off.
//! - Files are created fresh (`O_EXCL`, mode 0600, never through a symlink) under a
//!   random name and renamed into place, so concurrent processes only see whole files.
//! - Each entry `NAME.aot` has a tag `NAME.mac`: a keyed BLAKE3 hash of the entry's name
//!   and bytes under a per-user secret (the file `secret`, 32 random bytes, 0600). An
//!   entry whose tag does not verify (planted, edited, half-written) is rebuilt, never run.
//! - `NAME` is the BLAKE3 hash of everything that determines the image: the wasm bytes,
//!   the compile options, the target, this compiler's version and the image format.
//! - The cache is capped in size (default [`DEFAULT_MAX_BYTES`]): after a write, the
//!   least recently used entries (by modification time, which a hit refreshes) are removed
//!   until it is below 80% of the cap. A process that has an entry mapped keeps running
//!   if another removes it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use wamr_aot::CompileOptions;
use wamr_common::Module;

/// Default cap on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The per-user secret's file name inside the cache directory.
const SECRET: &str = "secret";

/// Where entries live by default: `$XDG_CACHE_HOME/wamr-rs`, else `~/.cache/wamr-rs`;
/// `None` (no cache) when neither variable is set.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("wamr-rs"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("wamr-rs"))
}

/// An opened cache directory: checked to be private, with its secret loaded.
pub struct Cache {
    dir: PathBuf,
    secret: [u8; 32],
    max_bytes: u64,
}

impl Cache {
    /// Opens the cache in `dir`, creating it (mode 0700) if needed. Fails, saying why,
    /// when the directory is not private to this user.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Cache> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create cache directory {}", dir.display()))?;
        check_private(dir, true)?;
        let secret = load_or_create_secret(dir)?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            secret,
            max_bytes,
        })
    }

    /// Loads `wasm` compiled with `opts` from a verified entry, or compiles it and
    /// writes the entry.
    pub fn load_or_compile(&self, wasm: &[u8], opts: &CompileOptions) -> Result<Module> {
        let name = entry_name(wasm, opts);
        let path = self.dir.join(format!("{name}.aot"));
        if let Some(module) = self.hit(&name, &path, wasm) {
            return Ok(module);
        }
        let image = compile(wasm, opts)?;
        self.write(&name, &path, &image)?;
        self.evict(&path);
        Ok(load_own(&path)?)
    }

    /// The entry at `path`, if its tag verifies and it holds these wasm bytes.
    fn hit(&self, name: &str, path: &Path, wasm: &[u8]) -> Option<Module> {
        let bytes = read_private(path).ok()?;
        let tag = read_private(&path.with_extension("mac")).ok()?;
        if tag.as_slice() != self.tag(name, &bytes).as_bytes() {
            tracing::warn!(
                "cache entry {} is not authentic: rebuilding",
                path.display()
            );
            return None;
        }
        match load_own(path) {
            Ok(m) if image_matches(&m, wasm) => {
                tracing::debug!("cache hit {}", path.display());
                // The modification time is the entry's last use, for eviction.
                if let Ok(f) = File::open(path) {
                    let _ = f.set_modified(SystemTime::now());
                }
                Some(m)
            }
            Ok(_) => {
                tracing::warn!("stale cache entry {}: rebuilding", path.display());
                None
            }
            Err(e) => {
                tracing::warn!("bad cache entry {}: {e}; rebuilding", path.display());
                None
            }
        }
    }

    /// The keyed hash that authenticates entry `name` holding `bytes`.
    fn tag(&self, name: &str, bytes: &[u8]) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.secret);
        h.update(name.as_bytes()).update(&[0]).update(bytes);
        h.finalize()
    }

    /// Writes the image, then its tag, each to a fresh private file renamed into place.
    /// A reader between the two renames sees a tag that does not verify and rebuilds.
    fn write(&self, name: &str, path: &Path, image: &[u8]) -> Result<()> {
        let tag = self.tag(name, image);
        for (target, bytes) in [
            (path.to_path_buf(), image),
            (path.with_extension("mac"), tag.as_bytes().as_slice()),
        ] {
            let mut tmp = private_tempfile(&self.dir)?;
            tmp.write_all(bytes)
                .with_context(|| format!("cannot write {}", tmp.path().display()))?;
            tmp.persist(&target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        Ok(())
    }

    /// Removes the least recently used entries while the cache is over its cap (down
    /// to 80% of it), never `keep`; also temporary files left by a crash an hour ago.
    fn evict(&self, keep: &Path) {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        let mut total = 0u64;
        for e in dir.flatten() {
            let (path, Ok(meta)) = (e.path(), e.metadata()) else {
                continue;
            };
            let modified = meta.modified().unwrap_or(now);
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                if now.duration_since(modified).unwrap_or_default() > Duration::from_secs(3600) {
                    let _ = fs::remove_file(&path);
                }
                continue;
            }
            if path.extension().is_some_and(|x| x == "aot") {
                let tag_len = fs::metadata(path.with_extension("mac")).map_or(0, |m| m.len());
                total += meta.len() + tag_len;
                entries.push((modified, meta.len() + tag_len, path));
            }
        }
        if total <= self.max_bytes {
            return;
        }
        entries.sort();
        let target = self.max_bytes / 5 * 4;
        for (_, size, path) in entries {
            if total <= target {
                break;
            }
            if path == keep {
                continue;
            }
            tracing::debug!("cache full: removing {}", path.display());
            if fs::remove_file(&path).is_ok() {
                let _ = fs::remove_file(path.with_extension("mac"));
                total -= size;
            }
        }
    }
}

/// Compiles `wasm` into a private temporary file (random name, 0600, removed again; the
/// mapping keeps the code alive): AOT without a cache.
pub fn compile_uncached(wasm: &[u8], opts: &CompileOptions) -> Result<Module> {
    let image = compile(wasm, opts)?;
    let mut tmp = tempfile::Builder::new()
        .prefix("wamr-run-")
        .suffix(".aot")
        .tempfile()
        .context("cannot create a temporary file for the image")?;
    tmp.write_all(&image)
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    Ok(load_own(tmp.path())?)
}

/// Loads an image this process compiled, or a cache entry whose tag verified.
fn load_own(path: &Path) -> Result<Module, wamr_aot::AotLoadError> {
    // SAFETY: the image is one this process just compiled and wrote (a fresh 0600 file
    // in the user's private cache directory or a private temporary file), or an entry
    // whose keyed tag verified under the user's secret, which only this user can have
    // written; the directory is checked to be the user's and closed to others.
    wamr_aot::load(path, &unsafe { wamr_aot::Trust::any_image() })
}

fn compile(wasm: &[u8], opts: &CompileOptions) -> Result<Vec<u8>> {
    let _span = tracing::info_span!("compile").entered();
    wamr_aot::compile(wasm, opts).context("cannot compile the module")
}

/// The entry's name: a hash of everything that determines the image.
fn entry_name(wasm: &[u8], opts: &CompileOptions) -> String {
    let ident = format!(
        "wamr-rs {}|{:?}|{:?}|{:?}|image {}",
        env!("CARGO_PKG_VERSION"),
        opts.codegen,
        opts.target,
        // A module refused under these features must not be found compiled.
        opts.features,
        wamr_aot::image::VERSION
    );
    let mut h = blake3::Hasher::new();
    h.update(ident.as_bytes()).update(&[0]).update(wasm);
    h.finalize().to_hex()[..32].to_string()
}

/// Refuses `path` unless it is ours and nobody else can write it: a directory (or, with
/// `dir == false`, a regular file), not a symlink, owned by this user, not writable by
/// group or others.
fn check_private(path: &Path, dir: bool) -> Result<()> {
    let meta =
        fs::symlink_metadata(path).with_context(|| format!("cannot inspect {}", path.display()))?;
    let kind_ok = if dir {
        meta.file_type().is_dir()
    } else {
        meta.file_type().is_file()
    };
    if !kind_ok {
        bail!(
            "cache {} {} is not a {} (a symlink or another kind of file); remove it or pass another --cache-dir",
            if dir { "directory" } else { "file" },
            path.display(),
            if dir { "directory" } else { "regular file" }
        );
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        bail!(
            "cache {} is owned by user {}, not by you (user {me}); refusing to run code from it (pass another --cache-dir or --no-cache)",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "cache {} is writable by other users (mode {:o}); refusing to run code from it (chmod go-w it, or pass --no-cache)",
            path.display(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

/// A fresh file in `dir` (`O_EXCL`, a random `.tmp-` name, mode 0600), to be renamed
/// into place.
fn private_tempfile(dir: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))
}

/// Reads a file of the cache without following a symlink, after checking it is private.
fn read_private(path: &Path) -> Result<Vec<u8>> {
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    check_private(path, false)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// The cache's secret, created (32 random bytes) by the first process that needs it;
/// concurrent creators agree on one (the first to link it into place).
fn load_or_create_secret(dir: &Path) -> Result<[u8; 32]> {
    let path = dir.join(SECRET);
    if !path.exists() {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).context("cannot get random bytes for the cache's secret")?;
        let mut tmp = private_tempfile(dir)?;
        tmp.write_all(&key)
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        if let Err(e) = tmp.persist_noclobber(&path) {
            if e.error.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(e.error).with_context(|| format!("cannot write {}", path.display()));
            }
        }
    }
    let bytes = read_private(&path)?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        anyhow::anyhow!(
            "cache secret {} is {} bytes, not 32; remove it to make a new one",
            path.display(),
            b.len()
        )
    })
}

/// The entry was built from these very bytes (the image embeds its source module).
fn image_matches(m: &Module, wasm: &[u8]) -> bool {
    wamr_aot::loader::image_of(m).is_some_and(|img| {
        img.layout().header.wasm_hash == wamr_aot::image::hash64(wasm)
            && img.bytes().get(img.layout().wasm.clone()) == Some(wasm)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_depend_on_bytes_and_options() {
        let opts = CompileOptions::default();
        let a = entry_name(b"\0asm\x01\0\0\0", &opts);
        assert_eq!(a.len(), 32);
        assert_eq!(a, entry_name(b"\0asm\x01\0\0\0", &opts));
        assert_ne!(a, entry_name(b"\0asm\x01\0\0\0\0", &opts));
        let mut other = CompileOptions::default();
        other.codegen.bounds_checks = !other.codegen.bounds_checks;
        assert_ne!(a, entry_name(b"\0asm\x01\0\0\0", &other));
    }
}
