//! `fd_readdir` pages through one listing per descriptor: a cookie means the same entry
//! however the directory changes between pages, and cookie 0 starts a fresh listing.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use wamr_common::{Instance, Val};
use wamr_wasi::WasiConfig;

const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Reads into 1024 (at most $len bytes) from $cookie; errno, bytes used at 0.
  (func (export "readdir") (param $len i32) (param $cookie i64) (result i32)
    (call $fd_readdir (i32.const 3) (i32.const 1024) (local.get $len) (local.get $cookie)
      (i32.const 0))))"#;

const DIRENT: usize = 24;

struct Guest(Instance);

impl Guest {
    fn new(root: &Path) -> Guest {
        let mut config = WasiConfig::new();
        config.preopen_dir(root, "/");
        Guest(common::instantiate(GUEST, &config))
    }

    /// One page: the whole entries in it, each with its cookie (`d_next`).
    fn page(&self, len: u32, cookie: u64) -> Vec<(u64, String)> {
        let r = self
            .0
            .invoke("readdir", &[Val::I32(len as i32), Val::I64(cookie as i64)])
            .unwrap();
        assert!(matches!(r[..], [Val::I32(0)]), "fd_readdir failed: {r:?}");
        let mem = self.0.get_memory("memory").unwrap();
        let mut used = [0u8; 4];
        mem.read(0, &mut used).unwrap();
        let used = u32::from_le_bytes(used) as usize;
        let mut buf = vec![0u8; used];
        mem.read(1024, &mut buf).unwrap();
        let mut entries = Vec::new();
        let mut at = 0;
        while at + DIRENT <= used {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + DIRENT + namlen > used {
                break;
            }
            let name = &buf[at + DIRENT..at + DIRENT + namlen];
            entries.push((next, String::from_utf8(name.to_vec()).unwrap()));
            at += DIRENT + namlen;
        }
        entries
    }
}

#[test]
fn cookies_are_stable_while_the_directory_changes() {
    let root = std::env::temp_dir().join(format!("wamr-readdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir(&root).unwrap();
    let mut all: BTreeSet<String> = [".", ".."].iter().map(|s| s.to_string()).collect();
    for i in 0..20 {
        let name = format!("file{i:02}");
        std::fs::write(root.join(&name), b"x").unwrap();
        all.insert(name);
    }
    let guest = Guest::new(&root);
    // About five entries a page.
    let len = 5 * (DIRENT as u32 + 6) + 10;
    let first = guest.page(len, 0);
    assert!(first.len() >= 3 && first.len() < all.len(), "{first:?}");
    let mut seen: Vec<String> = first.iter().map(|e| e.1.clone()).collect();
    // Remove an entry already listed: the rest of the listing must not shift under the
    // cookie (a re-read listing would skip an entry here).
    let listed = seen.iter().find(|n| n.starts_with("file")).unwrap().clone();
    std::fs::remove_file(root.join(&listed)).unwrap();
    std::fs::write(root.join("added-later"), b"y").unwrap();
    let mut cookie = first.last().unwrap().0;
    loop {
        let page = guest.page(len, cookie);
        let Some(last) = page.last() else { break };
        cookie = last.0;
        seen.extend(page.into_iter().map(|e| e.1));
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an entry came twice: {seen:?}");
    assert_eq!(unique, all, "the listing as of cookie 0");
    // Cookie 0 starts again: the directory as it is now.
    let mut now = BTreeSet::new();
    let mut cookie = 0;
    loop {
        let page = guest.page(len, cookie);
        let Some(last) = page.last() else { break };
        cookie = last.0;
        now.extend(page.into_iter().map(|e| e.1));
    }
    assert!(
        now.contains("added-later") && !now.contains(&listed),
        "{now:?}"
    );
    assert_eq!(now.len(), all.len());
    std::fs::remove_dir_all(&root).unwrap();
}
