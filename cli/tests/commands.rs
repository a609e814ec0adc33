//! `wamr-compile` and `wamr-run` as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wamr-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wasm_file(d: &std::path::Path) -> PathBuf {
    let wasm = wat::parse_str(
        r#"(module
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "fdiv") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
          (func (export "boom") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))"#,
    )
    .unwrap();
    let p = d.join("app.wasm");
    std::fs::write(&p, wasm).unwrap();
    p
}

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn compile_then_run_in_both_modes() {
    let d = dir("modes");
    let wasm = wasm_file(&d);
    let aot = d.join("app.aot");
    let c = run(
        env!("CARGO_BIN_EXE_wamr-compile"),
        &["-o", aot.to_str().unwrap(), wasm.to_str().unwrap()],
    );
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));

    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    for (mode, file) in [
        ("aot", &aot),
        ("auto", &aot),
        ("interp", &wasm),
        ("auto", &wasm),
    ] {
        let o = run(
            run_bin,
            &[
                "--mode",
                mode,
                file.to_str().unwrap(),
                "-f",
                "add",
                "2",
                "40",
            ],
        );
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(stdout(&o), "0x2a:i32", "{mode}");
        let o = run(
            run_bin,
            &[
                "--mode",
                mode,
                file.to_str().unwrap(),
                "-f",
                "fdiv",
                "1",
                "4",
            ],
        );
        assert_eq!(stdout(&o), "0.25:f64", "{mode}");
        let o = run(
            run_bin,
            &["--mode", mode, file.to_str().unwrap(), "-f", "boom"],
        );
        assert!(!o.status.success());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("Exception: integer divide by zero"),
            "{mode}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_input_gets_a_clear_error() {
    let d = dir("bad");
    let wasm = wasm_file(&d);
    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    let compile_bin = env!("CARGO_BIN_EXE_wamr-compile");
    let garbage = d.join("garbage.wasm");
    std::fs::write(&garbage, b"not wasm at all").unwrap();
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            run_bin,
            vec![
                "--mode",
                "aot",
                wasm.to_str().unwrap(),
                "-f",
                "add",
                "1",
                "2",
            ],
            "not an AOT image",
        ),
        (
            run_bin,
            vec![garbage.to_str().unwrap(), "-f", "add"],
            "cannot load",
        ),
        (
            run_bin,
            vec![wasm.to_str().unwrap(), "-f", "add", "1"],
            "takes 2 argument(s)",
        ),
        (
            run_bin,
            vec![wasm.to_str().unwrap(), "-f", "add", "x", "1"],
            "not an integer",
        ),
        (
            run_bin,
            vec![wasm.to_str().unwrap(), "-f", "nope"],
            "no exported function",
        ),
        (
            run_bin,
            vec!["/nonexistent.wasm", "-f", "add"],
            "cannot open",
        ),
        (
            compile_bin,
            vec!["-o", "/tmp/x.aot", garbage.to_str().unwrap()],
            "cannot compile",
        ),
        (
            compile_bin,
            vec![
                "--target",
                "mips",
                "-o",
                "/tmp/x.aot",
                wasm.to_str().unwrap(),
            ],
            "unsupported target",
        ),
        (
            compile_bin,
            vec![
                "--bounds-checks=7",
                "-o",
                "/tmp/x.aot",
                wasm.to_str().unwrap(),
            ],
            "bounds-checks",
        ),
    ];
    for (bin, args, expect) in cases {
        let o = run(bin, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn version_and_aarch64_cross_compile() {
    let o = run(env!("CARGO_BIN_EXE_wamr-run"), &["--version"]);
    assert!(stdout(&o).starts_with("wamr-run "), "{}", stdout(&o));
    let d = dir("cross");
    let wasm = wasm_file(&d);
    let out = d.join("arm.aot");
    let other = if cfg!(target_arch = "x86_64") {
        "aarch64"
    } else {
        "x86_64"
    };
    let c = run(
        env!("CARGO_BIN_EXE_wamr-compile"),
        &[
            "--target",
            other,
            "-o",
            out.to_str().unwrap(),
            wasm.to_str().unwrap(),
        ],
    );
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    // The foreign image is refused at load, with the reason.
    let o = run(
        env!("CARGO_BIN_EXE_wamr-run"),
        &[out.to_str().unwrap(), "-f", "add", "1", "2"],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("this host is"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}
