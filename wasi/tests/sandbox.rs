//! The sandbox: a guest reaches only its preopens. `..`, absolute paths and symlinks
//! leading out are refused whatever the lookup flags; paths that stay inside work; rights
//! are enforced.

mod common;

use std::path::Path;

use wamr_common::{Instance, Val};
use wamr_wasi::WasiConfig;

const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; path at 1024, length given; returns errno, the new fd at 0.
  (func (export "open") (param $len i32) (param $follow i32) (param $rights i64) (result i32)
    (call $path_open (i32.const 3) (local.get $follow) (i32.const 1024) (local.get $len)
      (i32.const 0) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 0)))
  (func (export "read") (param $fd i32) (result i32)
    (i32.store (i32.const 8) (i32.const 64))
    (i32.store (i32.const 12) (i32.const 16))
    (call $fd_read (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 4)))
  ;; target at 1024 (length $tl), link name at 2048 (length $ll)
  (func (export "symlink") (param $tl i32) (param $ll i32) (result i32)
    (call $path_symlink (i32.const 1024) (local.get $tl) (i32.const 3) (i32.const 2048) (local.get $ll))))"#;

const NOTCAPABLE: i32 = 76;
const PERM: i32 = 63;
const FD_READ: i64 = 1 << 1;
const FD_SEEK: i64 = 1 << 2;

struct Guest {
    instance: Instance,
}

impl Guest {
    fn new(root: &Path) -> Guest {
        let mut config = WasiConfig::new();
        config.preopen_dir(root, "/");
        Guest {
            instance: common::instantiate(GUEST, &config),
        }
    }

    fn mem(&self) -> wamr_common::Memory {
        self.instance.get_memory("memory").unwrap()
    }

    /// errno of opening `path`, and the descriptor on success.
    fn open(&self, path: &str, follow: bool, rights: i64) -> (i32, u32) {
        self.mem().write(1024, path.as_bytes()).unwrap();
        let r = self
            .instance
            .invoke(
                "open",
                &[
                    Val::I32(path.len() as i32),
                    Val::I32(follow as i32),
                    Val::I64(rights),
                ],
            )
            .unwrap();
        let mut fd = [0u8; 4];
        self.mem().read(0, &mut fd).unwrap();
        (r[0].clone().unwrap_i32(), u32::from_le_bytes(fd))
    }

    fn read(&self, fd: u32) -> i32 {
        self.instance
            .invoke("read", &[Val::I32(fd as i32)])
            .unwrap()[0]
            .clone()
            .unwrap_i32()
    }
}

trait UnwrapI32 {
    fn unwrap_i32(self) -> i32;
}
impl UnwrapI32 for Val {
    fn unwrap_i32(self) -> i32 {
        match self {
            Val::I32(v) => v,
            other => panic!("expected i32, got {other:?}"),
        }
    }
}

#[test]
fn no_path_escapes_a_preopen() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox");
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("inside.txt"), "inside").unwrap();
    std::fs::write(base.join("outside.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(base.join("outside.txt"), root.join("abs_link")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", root.join("rel_link")).unwrap();
    std::os::unix::fs::symlink("sub/../inside.txt", root.join("ok_link")).unwrap();
    let g = Guest::new(&root);
    let rights = FD_READ | FD_SEEK;

    for ok in ["inside.txt", "sub/../inside.txt", "./inside.txt"] {
        let (errno, fd) = g.open(ok, false, rights);
        assert_eq!(errno, 0, "{ok}");
        assert_eq!(g.read(fd), 0, "{ok}: read");
    }
    assert_eq!(
        g.open("ok_link", true, rights).0,
        0,
        "symlink staying inside"
    );

    for escape in [
        "../outside.txt",
        "sub/../../outside.txt",
        "/etc/passwd",
        "/inside.txt",
        "abs_link",
        "rel_link",
    ] {
        for follow in [false, true] {
            let (errno, _) = g.open(escape, follow, rights);
            assert_ne!(errno, 0, "{escape} (follow {follow}) was opened");
        }
    }
    for follow_only in ["abs_link", "rel_link"] {
        let errno = g.open(follow_only, true, rights).0;
        assert!(
            errno == NOTCAPABLE || errno == PERM,
            "{follow_only}: errno {errno}"
        );
    }

    // Rights: a descriptor opened without FD_READ cannot read.
    let (errno, fd) = g.open("inside.txt", false, FD_SEEK);
    assert_eq!(errno, 0);
    assert_eq!(g.read(fd), NOTCAPABLE);

    // Symlinks with absolute targets are refused at creation.
    g.mem().write(1024, b"/etc").unwrap();
    g.mem().write(2048, b"evil").unwrap();
    let r = g
        .instance
        .invoke("symlink", &[Val::I32(4), Val::I32(4)])
        .unwrap()[0]
        .clone()
        .unwrap_i32();
    assert_ne!(r, 0);
    assert!(!root.join("evil").exists());
    assert_eq!(
        std::fs::read_to_string(base.join("outside.txt")).unwrap(),
        "secret"
    );
}
