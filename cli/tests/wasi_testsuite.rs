//! The official WASI preview1 test suite (`../shared/wasi-testsuite`), run through
//! `wamr-run` in both modes, following the suite's `specification.md`: each test's JSON
//! gives args, env, a root directory preopened as `/`, and the expected exit code,
//! stdout and stderr. Every test runs on a fresh copy of its directory.

use std::path::{Path, PathBuf};
use std::process::Command;

fn suite_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/wasi-testsuite")
        .canonicalize()
        .unwrap_or_else(|_| {
            panic!(
                "../shared/wasi-testsuite (beside the workspace root) is missing: it holds the \
                 prebuilt WebAssembly/wasi-testsuite wasm32-wasip1 tests; see ../shared/README.md"
            )
        });
    root
}

struct Case {
    wasm: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<PathBuf>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for lang in ["assemblyscript", "c", "rust"] {
        let dir = suite_root().join(lang).join("testsuite/wasm32-wasip1");
        let mut wasms: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        wasms.sort();
        for wasm in wasms {
            let spec = wasm.with_extension("json");
            let json: serde_json::Value = match std::fs::read_to_string(&spec) {
                Ok(text) => serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", spec.display())),
                Err(_) => serde_json::json!({}),
            };
            assert!(
                json.get("operations").is_none(),
                "{}: operation-based specs are not used by wasip1 tests",
                spec.display()
            );
            let str_list = |v: Option<&serde_json::Value>| -> Vec<String> {
                v.and_then(|a| a.as_array())
                    .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default()
            };
            out.push(Case {
                args: str_list(json.get("args")),
                env: json
                    .get("env")
                    .and_then(|e| e.as_object())
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
                root: json
                    .get("root")
                    .and_then(|r| r.as_str())
                    .map(|r| dir.join(r)),
                exit_code: json.get("exit_code").and_then(|c| c.as_i64()).unwrap_or(0) as i32,
                // Streams are checked only when the spec names them (as the official
                // runner does).
                stdout: json
                    .get("stdout")
                    .and_then(|s| s.as_str())
                    .map(String::from),
                stderr: json
                    .get("stderr")
                    .and_then(|s| s.as_str())
                    .map(String::from),
                wasm,
            });
        }
    }
    out
}

/// Copies `src` to `dst` recursively, writable (the suite's files may be read-only) and
/// without the `*.cleanup` artifacts of earlier runs.
fn copy_tree(src: &Path, dst: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dst).unwrap();
    std::fs::set_permissions(dst, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().ends_with(".cleanup") {
            continue;
        }
        let ty = e.file_type().unwrap();
        let to = dst.join(&name);
        if ty.is_dir() {
            copy_tree(&e.path(), &to);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// Runs one case; `Err` says what differed.
fn run_case(case: &Case, mode: &str, scratch: &Path, cache: &Path) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wamr-run"));
    cmd.arg(format!("--mode={mode}"))
        .arg(format!("--cache-dir={}", cache.display()));
    for (k, v) in &case.env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    if let Some(root) = &case.root {
        let copy = scratch.join(root.file_name().unwrap());
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(root, &copy);
        cmd.arg(format!("--map-dir=/::{}", copy.display()));
    }
    cmd.arg(&case.wasm).args(&case.args).current_dir(scratch);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run wamr-run: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if code != case.exit_code {
        problems.push(format!("exit code {code}, expected {}", case.exit_code));
    }
    if let Some(s) = &case.stdout {
        if *s != stdout {
            problems.push(format!("stdout {stdout:?}, expected {s:?}"));
        }
    }
    if let Some(s) = &case.stderr {
        if *s != stderr {
            problems.push(format!("stderr {stderr:?}, expected {s:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn run_suite(mode: &str) {
    let cases = cases();
    assert_eq!(cases.len(), 72, "the wasm32-wasip1 suite has 72 tests");
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("wasi-testsuite-{mode}"));
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-testsuite-cache");
    let _ = std::fs::remove_dir_all(&base);
    // Two workers: the machine this runs on in CI has two cores.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for w in 0..2 {
            let (cases, next, failures, base, cache) = (&cases, &next, &failures, &base, &cache);
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let scratch = base.join(format!("w{w}-{i}"));
                std::fs::create_dir_all(&scratch).unwrap();
                let name = case
                    .wasm
                    .strip_prefix(suite_root())
                    .unwrap()
                    .display()
                    .to_string();
                match run_case(case, mode, &scratch, cache) {
                    Ok(()) => eprintln!("ok   {name}"),
                    Err(e) => {
                        eprintln!("FAIL {name}: {e}");
                        failures.lock().unwrap().push(format!("{name}: {e}"));
                    }
                }
                let _ = std::fs::remove_dir_all(&scratch);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} WASI tests failed in {mode} mode:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn wasi_testsuite_interp() {
    run_suite("interp");
}

#[test]
fn wasi_testsuite_aot() {
    run_suite("aot");
}
