//! Names for the image's code in Linux `perf` profiles, through perf's jitdump format
//! (`tools/perf/Documentation/jitdump-specification.txt` in the kernel sources).
//!
//! The text is mapped from the image file, and perf names samples in a file mapping only
//! from the file's ELF symbols, which an image has none of (its `/tmp/perf-PID.map`
//! support covers anonymous memory only). A jitdump file lists each function's address,
//! size, name and bytes; `perf inject --jit` turns it into per-function ELF objects that
//! `perf report` reads:
//!
//! ```text
//! perf record -k mono -e cpu-clock wamr-run --jitdump app.aot
//! perf inject --jit -i perf.data -o perf.jit.data && perf report -i perf.jit.data
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::loader::AotImage;

const MAGIC: u32 = 0x4A69_5444;
const VERSION: u32 = 1;
const HEADER_BYTES: u32 = 40;
const JIT_CODE_LOAD: u32 = 0;
/// The fixed part of a `JIT_CODE_LOAD` record: its header (16 bytes), then pid, tid,
/// vma, code address, code size and code index.
const CODE_LOAD_FIXED_BYTES: usize = 16 + 4 + 4 + 8 * 4;

/// ELF machine numbers perf expects in the header.
fn elf_machine() -> u32 {
    if cfg!(target_arch = "aarch64") {
        183
    } else {
        62
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock `perf record -k mono` stamps samples with.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

fn thread_id() -> u32 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// The jitdump bytes for `image`'s code: the header, then one `JIT_CODE_LOAD` record per
/// function and trampoline, in address order.
pub fn jitdump(image: &AotImage, module: &wamr_common::ModuleData) -> Vec<u8> {
    let pid = std::process::id();
    let tid = thread_id();
    let mut out = Vec::new();
    out.extend(MAGIC.to_le_bytes());
    out.extend(VERSION.to_le_bytes());
    out.extend(HEADER_BYTES.to_le_bytes());
    out.extend(elf_machine().to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(pid.to_le_bytes());
    out.extend(monotonic_ns().to_le_bytes());
    out.extend(0u64.to_le_bytes());
    let text = image.text();
    let base = text.as_ptr() as usize;
    let mut symbols = image.code_symbols(module);
    symbols.sort_by_key(|s| s.0);
    for (index, (addr, len, name)) in symbols.into_iter().enumerate() {
        let code = &text[addr - base..addr - base + len];
        let total = CODE_LOAD_FIXED_BYTES + name.len() + 1 + code.len();
        out.extend(JIT_CODE_LOAD.to_le_bytes());
        out.extend((total as u32).to_le_bytes());
        out.extend(monotonic_ns().to_le_bytes());
        out.extend(pid.to_le_bytes());
        out.extend(tid.to_le_bytes());
        out.extend((addr as u64).to_le_bytes());
        out.extend((addr as u64).to_le_bytes());
        out.extend((len as u64).to_le_bytes());
        out.extend((index as u64).to_le_bytes());
        out.extend(name.as_bytes());
        out.push(0);
        out.extend(code);
    }
    out
}

/// Writes `jit-PID.dump` for `image` into `dir` and maps it executable, the marker perf
/// records so that `perf inject --jit` finds the file. Returns its path.
pub fn write_jitdump(
    image: &AotImage,
    module: &wamr_common::ModuleData,
    dir: &Path,
) -> std::io::Result<PathBuf> {
    let path = dir.join(format!("jit-{}.dump", std::process::id()));
    // Readable too: the mapping below needs it.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)?;
    file.write_all(&jitdump(image, module))?;
    file.sync_all()?;
    // SAFETY: a private read+exec mapping of a file this process just wrote and nothing
    // else writes; it is never read or executed, only seen by perf as an mmap event, and
    // stays mapped (leaked) for the rest of the process as perf expects.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .len(HEADER_BYTES as usize)
            .map_exec(&file)
    }?;
    std::mem::forget(map);
    Ok(path)
}
