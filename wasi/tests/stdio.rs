//! A guest's descriptor flags on stdin, stdout and stderr are its own: the host's
//! descriptors, shared with the shell, keep theirs.

mod common;

use wamr_common::{Instance, Val};
use wamr_wasi::WasiConfig;

const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags"
    (func $set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "set_flags") (param $fd i32) (param $flags i32) (result i32)
    (call $set_flags (local.get $fd) (local.get $flags)))
  ;; errno; the fdstat's flags (a u16 at offset 2) are left at 64.
  (func (export "get") (param $fd i32) (result i32)
    (call $fdstat_get (local.get $fd) (i32.const 62))))"#;

const NONBLOCK: i32 = 4;

fn host_flags(fd: i32) -> i32 {
    // SAFETY: F_GETFL reads the status flags of a descriptor and touches no memory.
    unsafe { libc::fcntl(fd, libc::F_GETFL) }
}

fn call(instance: &Instance, name: &str, args: &[Val]) -> i32 {
    match instance.invoke(name, args).unwrap()[..] {
        [Val::I32(v)] => v,
        ref other => panic!("{name} returned {other:?}"),
    }
}

#[test]
fn nonblock_on_stdio_is_the_guests_alone() {
    let instance = common::instantiate(GUEST, &WasiConfig::new());
    let mem = instance.get_memory("memory").unwrap();
    for fd in 0..3 {
        let before = host_flags(fd);
        assert!(before >= 0, "fd {fd} is open in the test process");
        let set = |flags| call(&instance, "set_flags", &[Val::I32(fd), Val::I32(flags)]);
        let guest_flags = || {
            assert_eq!(call(&instance, "get", &[Val::I32(fd)]), 0);
            let mut b = [0u8; 2];
            mem.read(64, &mut b).unwrap();
            i32::from(u16::from_le_bytes(b))
        };
        assert_eq!(set(NONBLOCK), 0, "fd {fd}");
        assert_eq!(host_flags(fd), before, "fd {fd}: the host's flags changed");
        assert_eq!(
            guest_flags() & NONBLOCK,
            NONBLOCK,
            "fd {fd}: the guest sees its flag"
        );
        assert_eq!(set(0), 0);
        assert_eq!(guest_flags() & NONBLOCK, 0, "fd {fd}: cleared");
        assert_eq!(host_flags(fd), before);
    }
}

#[test]
fn captured_output_is_a_stream_of_its_own() {
    // The fdstat's filetype is its first byte (offset 62 here).
    let (stdout, _out) = wamr_wasi::Output::capture();
    let mut config = WasiConfig::new();
    config.stdout = stdout;
    let instance = common::instantiate(GUEST, &config);
    let mem = instance.get_memory("memory").unwrap();
    assert_eq!(call(&instance, "get", &[Val::I32(1)]), 0);
    let mut filetype = [0xffu8];
    mem.read(62, &mut filetype).unwrap();
    assert_eq!(filetype[0], 0, "a capture buffer is UNKNOWN, as a pipe is");
    // Its flags are the guest's alone, with no host descriptor behind them.
    assert_eq!(
        call(&instance, "set_flags", &[Val::I32(1), Val::I32(NONBLOCK)]),
        0
    );
    assert_eq!(call(&instance, "get", &[Val::I32(1)]), 0);
    let mut flags = [0u8; 2];
    mem.read(64, &mut flags).unwrap();
    assert_eq!(i32::from(u16::from_le_bytes(flags)), NONBLOCK);
}
