//! Host work for a guest request is bounded: a guest's vector counts and lengths never
//! size a host allocation beyond what one call may move.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use wamr_common::{Instance, Val};
use wamr_wasi::{Output, WasiConfig};

/// `write(fd, iovs, count)` returns fd_write's errno and leaves `nwritten` at 0.
/// 40 pages: 2.5 MiB, room for 131,072 iovecs (1 MiB) after the first 64 KiB.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 40)
  (func (export "write") (param $fd i32) (param $iovs i32) (param $count i32) (result i32)
    (call $fd_write (local.get $fd) (local.get $iovs) (local.get $count) (i32.const 0))))"#;

const EINVAL: i32 = 28;
const IOVS: u32 = 64 * 1024;
const MIB: u32 = 1 << 20;

struct Guest {
    instance: Instance,
    stdout: Rc<RefCell<Vec<u8>>>,
}

impl Guest {
    fn new() -> Guest {
        let mut config = WasiConfig::new();
        let (out, stdout) = Output::capture();
        config.stdout = out;
        Guest {
            instance: common::instantiate(GUEST, &config),
            stdout,
        }
    }

    /// Writes `count` iovecs at [`IOVS`], each (`ptr`, `len`).
    fn iovecs(&self, count: u32, ptr: u32, len: u32) {
        self.iovec_list(&vec![(ptr, len); count as usize]);
    }

    /// Writes the iovecs `list` at [`IOVS`].
    fn iovec_list(&self, list: &[(u32, u32)]) {
        let mut raw = Vec::with_capacity(list.len() * 8);
        for (ptr, len) in list {
            raw.extend_from_slice(&ptr.to_le_bytes());
            raw.extend_from_slice(&len.to_le_bytes());
        }
        let mem = self.instance.get_memory("memory").unwrap();
        mem.write(u64::from(IOVS), &raw).unwrap();
    }

    /// fd_write's errno and `nwritten`.
    fn write(&self, fd: i32, count: u32) -> (i32, u32) {
        let r = self
            .instance
            .invoke(
                "write",
                &[Val::I32(fd), Val::I32(IOVS as i32), Val::I32(count as i32)],
            )
            .unwrap();
        let Val::I32(errno) = r[0] else {
            panic!("fd_write returned {r:?}")
        };
        let mut n = [0u8; 4];
        let mem = self.instance.get_memory("memory").unwrap();
        mem.read(0, &mut n).unwrap();
        (errno, u32::from_le_bytes(n))
    }
}

/// 131,072 vectors of 1 MiB each (128 GiB named) once made the host allocate them all and
/// abort; more vectors than `IOV_MAX` is `EINVAL`, as for POSIX `writev`.
#[test]
fn too_many_iovecs_is_einval() {
    let guest = Guest::new();
    guest.iovecs(131_072, 0, MIB);
    assert_eq!(guest.write(1, 131_072).0, EINVAL);
    assert!(guest.stdout.borrow().is_empty());
    // IOV_MAX itself is accepted.
    guest.iovecs(wamr_wasi::IOV_MAX, 0, 1);
    assert_eq!(guest.write(1, wamr_wasi::IOV_MAX), (0, wamr_wasi::IOV_MAX));
}

/// 1,024 vectors of 1 MiB (1 GiB in all) make one short write of the per-call cap, not a
/// 1 GiB host buffer; the bytes written are the guest's, in order.
#[test]
fn a_huge_gather_is_a_short_write() {
    let guest = Guest::new();
    let mem = guest.instance.get_memory("memory").unwrap();
    let pattern: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
    // The bytes at 1 MiB, above the iovec array.
    mem.write(u64::from(MIB), &pattern).unwrap();
    guest.iovecs(1024, MIB, MIB);
    let (errno, written) = guest.write(1, 1024);
    assert_eq!(errno, 0);
    assert_eq!(written as usize, wamr_wasi::MAX_IO);
    let out = guest.stdout.borrow();
    assert_eq!(out.len(), wamr_wasi::MAX_IO);
    for chunk in out.chunks(MIB as usize) {
        assert_eq!(chunk, &pattern[..chunk.len()]);
    }
}

/// Empty vectors are skipped, wherever they are. libc's stdio writes (its buffer, the
/// new data) and its buffer is often empty: a gather that stopped at the first empty
/// vector wrote nothing, and a program printing to `/dev/null` or a terminal retried
/// forever.
#[test]
fn empty_vectors_do_not_end_a_write() {
    let guest = Guest::new();
    let mem = guest.instance.get_memory("memory").unwrap();
    mem.write(u64::from(MIB), b"hello, world\n").unwrap();
    guest.iovec_list(&[(0, 0), (MIB, 7), (0, 0), (MIB + 7, 6), (0, 0)]);
    assert_eq!(guest.write(1, 5), (0, 13));
    assert_eq!(guest.stdout.borrow().as_slice(), b"hello, world\n");
    // Only empty vectors: nothing written, and no error.
    guest.iovec_list(&[(0, 0), (5, 0)]);
    assert_eq!(guest.write(1, 2), (0, 0));
    assert_eq!(guest.stdout.borrow().len(), 13);
}

/// A vector past the end of memory faults before anything is written, even one that
/// lies beyond the per-call cap.
#[test]
fn a_bad_vector_writes_nothing() {
    let guest = Guest::new();
    guest.iovecs(20, 0, MIB);
    let mem = guest.instance.get_memory("memory").unwrap();
    let last = IOVS + 19 * 8;
    mem.write(u64::from(last), &(39 * 64 * 1024 + 1u32).to_le_bytes())
        .unwrap();
    assert_eq!(guest.write(1, 20).0, 21, "EFAULT");
    assert!(guest.stdout.borrow().is_empty());
}
