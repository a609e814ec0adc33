//! The object cache cannot be poisoned: a private directory, authenticated entries,
//! safe concurrent use and a size cap (`wamr-run --mode aot` on a `.wasm`).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wamr-cache-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A module whose `add` returns `a + b + k`, so modules with different `k` differ.
fn module(d: &Path, k: i32) -> PathBuf {
    let wasm = wat::parse_str(format!(
        r#"(module (func (export "add") (param i32 i32) (result i32)
             (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const {k}))))"#
    ))
    .unwrap();
    let p = d.join(format!("m{k}.wasm"));
    std::fs::write(&p, wasm).unwrap();
    p
}

fn run_aot(cache: &Path, wasm: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .arg("--mode=aot")
        .arg(format!("--cache-dir={}", cache.display()))
        .args(extra)
        .args(["-f", "add"])
        .arg(wasm)
        .args(["2", "40"])
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn files(cache: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().mode() & 0o777
}

#[test]
fn the_cache_is_private_and_refused_when_it_is_not() {
    let d = dir("private");
    let cache = d.join("a").join("cache");
    let wasm = module(&d, 0);
    assert_eq!(ok(&run_aot(&cache, &wasm, &[])), "0x2a:i32");
    assert_eq!(mode(&cache), 0o700, "created private");
    let entries = files(&cache, "aot");
    assert_eq!(entries.len(), 1);
    for f in [
        &entries[0],
        &entries[0].with_extension("mac"),
        &cache.join("secret"),
    ] {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    assert_eq!(std::fs::metadata(cache.join("secret")).unwrap().len(), 32);

    // Writable by others: refused, with the reason and the way out.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = run_aot(&cache, &wasm, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("writable by other users"), "{err}");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();

    // A symlink in place of the directory: refused.
    let link = d.join("link");
    std::os::unix::fs::symlink(&cache, &link).unwrap();
    let o = run_aot(&link, &wasm, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not a directory"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Owned by someone else (only root can arrange that here).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&cache, Some(12345), None).unwrap();
        let o = run_aot(&cache, &wasm, &[]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("owned by user 12345"), "{err}");
        std::os::unix::fs::chown(&cache, Some(0), None).unwrap();
    } else {
        eprintln!("not root: the foreign-owner case needs chown, checked only as root");
    }
    assert_eq!(ok(&run_aot(&cache, &wasm, &[])), "0x2a:i32");
    std::fs::remove_dir_all(&d).unwrap();
}

/// An image of the same wasm, valid and checksummed but not written by this cache (here:
/// other compile options), planted as the entry: rebuilt, never run.
#[test]
fn a_planted_entry_is_rebuilt() {
    let d = dir("planted");
    let cache = d.join("cache");
    let wasm = module(&d, 1);
    assert_eq!(ok(&run_aot(&cache, &wasm, &[])), "0x2b:i32");
    let entry = files(&cache, "aot").remove(0);
    let good = std::fs::read(&entry).unwrap();
    let planted = d.join("planted.aot");
    let c = Command::new(env!("CARGO_BIN_EXE_wamr-compile"))
        .args(["--bounds-checks=1", "-o"])
        .arg(&planted)
        .arg(&wasm)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let planted = std::fs::read(&planted).unwrap();
    assert_ne!(planted, good);
    std::fs::write(&entry, &planted).unwrap();
    assert_eq!(ok(&run_aot(&cache, &wasm, &[])), "0x2b:i32");
    assert_eq!(
        std::fs::read(&entry).unwrap(),
        good,
        "the entry was rebuilt"
    );
    // A deleted tag is a miss too.
    std::fs::remove_file(entry.with_extension("mac")).unwrap();
    assert_eq!(ok(&run_aot(&cache, &wasm, &[])), "0x2b:i32");
    assert!(entry.with_extension("mac").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// Without `$HOME` and `$XDG_CACHE_HOME` there is no cache, and nothing lands in the
/// shared temporary directory but a private file that is removed again.
#[test]
fn no_home_means_no_cache() {
    let d = dir("nohome");
    let tmp = d.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let wasm = module(&d, 2);
    let o = Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env("TMPDIR", &tmp)
        .args(["--mode=aot", "-f", "add"])
        .arg(&wasm)
        .args(["2", "40"])
        .output()
        .unwrap();
    assert_eq!(ok(&o), "0x2c:i32");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Eight processes on one fresh cache, two modules: every run is right, and the cache
/// ends with one authentic entry per module and no temporary files.
#[test]
fn concurrent_processes_share_one_cache() {
    let d = dir("concurrent");
    let cache = d.join("cache");
    let wasms = [module(&d, 3), module(&d, 4)];
    let children: Vec<_> = (0..8)
        .map(|i| {
            let child = Command::new(env!("CARGO_BIN_EXE_wamr-run"))
                .arg("--mode=aot")
                .arg(format!("--cache-dir={}", cache.display()))
                .args(["-f", "add"])
                .arg(&wasms[i % 2])
                .args(["2", "40"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (i, child)
        })
        .collect();
    for (i, child) in children {
        let o = child.wait_with_output().unwrap();
        let expected = if i % 2 == 0 { "0x2d:i32" } else { "0x2e:i32" };
        assert_eq!(ok(&o), expected, "process {i}");
    }
    assert_eq!(files(&cache, "aot").len(), 2);
    assert_eq!(files(&cache, "mac").len(), 2);
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".tmp")), "{names:?}");
    // Every entry verifies: a second round only hits (no entry changes).
    let before: Vec<Vec<u8>> = files(&cache, "aot")
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for wasm in &wasms {
        let o = run_aot(&cache, wasm, &["-v", "4"]);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("cache hit"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let after: Vec<Vec<u8>> = files(&cache, "aot")
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after);
    std::fs::remove_dir_all(&d).unwrap();
}

/// Over its cap, the cache drops its least recently used entries (never the one just
/// written); a hit counts as a use.
#[test]
fn the_cache_is_capped_least_recently_used_first() {
    let d = dir("cap");
    let cache = d.join("cache");
    let wasms: Vec<PathBuf> = (5..8).map(|k| module(&d, k)).collect();
    let entry_size = {
        ok(&run_aot(&cache, &wasms[0], &[]));
        let e = files(&cache, "aot").remove(0);
        std::fs::metadata(&e).unwrap().len() + 32
    };
    // Room for two entries (the cap cleans down to 80% of it, so give 2.6 entries).
    let cap = format!("--cache-max-size={}", entry_size * 26 / 10);
    std::thread::sleep(std::time::Duration::from_millis(20));
    ok(&run_aot(&cache, &wasms[1], &[&cap]));
    assert_eq!(files(&cache, "aot").len(), 2);
    // Use the first again, so the second is now the least recently used.
    std::thread::sleep(std::time::Duration::from_millis(20));
    ok(&run_aot(&cache, &wasms[0], &[&cap]));
    std::thread::sleep(std::time::Duration::from_millis(20));
    ok(&run_aot(&cache, &wasms[2], &[&cap]));
    let left = files(&cache, "aot");
    assert_eq!(left.len(), 2, "{left:?}");
    // Which entries are left: run each with logging and see whether it hits.
    let hits = |w: &Path| {
        let o = run_aot(&cache, w, &[&cap, "-v", "4"]);
        String::from_utf8_lossy(&o.stderr).contains("cache hit")
    };
    assert!(hits(&wasms[2]), "the newest entry stays");
    assert!(hits(&wasms[0]), "the recently used entry stays");
    std::fs::remove_dir_all(&d).unwrap();
}
