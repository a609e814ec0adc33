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
                "-f",
                "add",
                file.to_str().unwrap(),
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
                "-f",
                "fdiv",
                file.to_str().unwrap(),
                "1",
                "4",
            ],
        );
        assert_eq!(stdout(&o), "0.25:f64", "{mode}");
        let o = run(
            run_bin,
            &["--mode", mode, "-f", "boom", file.to_str().unwrap()],
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
            vec!["-f", "add", garbage.to_str().unwrap()],
            "cannot load",
        ),
        (
            run_bin,
            vec!["-f", "add", wasm.to_str().unwrap(), "1"],
            "takes 2 argument(s)",
        ),
        (
            run_bin,
            vec!["-f", "add", wasm.to_str().unwrap(), "x", "1"],
            "not an integer",
        ),
        (
            run_bin,
            vec!["-f", "nope", wasm.to_str().unwrap()],
            "no exported function",
        ),
        (
            run_bin,
            vec!["-f", "add", "/nonexistent.wasm"],
            "cannot open",
        ),
        (
            run_bin,
            vec![
                "--mode=aot",
                "--cache-max-size=lots",
                "-f",
                "add",
                wasm.to_str().unwrap(),
            ],
            "is not a size",
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
                "--target",
                if cfg!(target_arch = "x86_64") {
                    "aarch64"
                } else {
                    "x86_64"
                },
                "--cpu",
                "native",
                "-o",
                "/tmp/x.aot",
                wasm.to_str().unwrap(),
            ],
            "cannot be combined",
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
        (
            compile_bin,
            vec!["--backend=gcc", "-o", "/tmp/x.aot", wasm.to_str().unwrap()],
            "invalid value 'gcc'",
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
        &["-f", "add", out.to_str().unwrap(), "1", "2"],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("this host is"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// A WASI command: prints "hello <argc> <first env var>\n" and exits with status 3.
const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello ")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $write (i32.const 100) (i32.const 6))
    ;; argc as one digit
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.load (i32.const 16))))
    (i32.store8 (i32.const 201) (i32.const 32))
    (call $write (i32.const 200) (i32.const 2))
    ;; the first environment entry, "K=V"
    (drop (call $environ_get (i32.const 300) (i32.const 400)))
    (call $write (i32.load (i32.const 300)) (i32.const 3))
    (i32.store8 (i32.const 202) (i32.const 10))
    (call $write (i32.const 202) (i32.const 1))
    (call $exit (i32.const 3))))"#;

#[test]
fn wasi_command_in_both_modes_with_the_object_cache() {
    let d = dir("wasi");
    let wasm = d.join("hello.wasm");
    std::fs::write(&wasm, wat::parse_str(HELLO).unwrap()).unwrap();
    let cache = d.join("cache");
    let cache_arg = format!("--cache-dir={}", cache.display());
    let bin = env!("CARGO_BIN_EXE_wamr-run");
    for mode in ["--mode=interp", "--mode=aot", "--mode=aot"] {
        let o = run(
            bin,
            &[
                mode,
                &cache_arg,
                "--env",
                "K=V",
                wasm.to_str().unwrap(),
                "a",
                "b",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(3),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "hello 3 K=V\n",
            "{mode}"
        );
    }
    // One cache entry, written once; a corrupted entry is rebuilt, never trusted.
    let entries: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "aot"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let good = bytes.clone();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&entries[0], &bytes).unwrap();
    let o = run(bin, &["--mode=aot", &cache_arg, wasm.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&entries[0]).unwrap(), good, "entry rebuilt");
    // --no-cache compiles privately and leaves the cache alone.
    std::fs::remove_dir_all(&cache).unwrap();
    let o = run(
        bin,
        &[
            "--mode=aot",
            "--no-cache",
            &cache_arg,
            wasm.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(!cache.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn diff_mode_compares_both_engines() {
    let d = dir("diffmode");
    let wasm = wasm_file(&d);
    let bin = env!("CARGO_BIN_EXE_wamr-run");
    let o = run(
        bin,
        &[
            "--mode=diff",
            "-f",
            "add",
            wasm.to_str().unwrap(),
            "40",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).starts_with("equal"), "{}", stdout(&o));
    let o = run(bin, &["--mode=diff", "-f", "boom", wasm.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("integer divide by zero"),
        "{}",
        stdout(&o)
    );
    // A module with WASI side effects cannot be run twice and is refused.
    let hello = d.join("hello.wasm");
    std::fs::write(&hello, wat::parse_str(HELLO).unwrap()).unwrap();
    let o = run(
        bin,
        &["--mode=diff", "-f", "_start", hello.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("WASI"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn repl_and_max_memory() {
    let d = dir("repl");
    let wasm = wasm_file(&d);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .args(["--repl", wasm.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"add 1 2\nboom\nnope\nadd 20 22\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("0x3:i32") && out.contains("0x2a:i32"), "{out}");
    assert!(err.contains("Exception: integer divide by zero"), "{err}");
    assert!(err.contains("no exported function `nope`"), "{err}");

    // --max-memory caps growth in both engines: 1 + 3 pages fails under 2, succeeds under 16.
    let big = d.join("big.wasm");
    std::fs::write(
        &big,
        wat::parse_str(
            r#"(module (memory 1) (func (export "grow") (result i32) (memory.grow (i32.const 3))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    for (limit, expect) in [
        ("--max-memory=2", "0xffffffff:i32"),
        ("--max-memory=16", "0x1:i32"),
    ] {
        for mode in ["--mode=interp", "--mode=aot"] {
            let o = run(
                env!("CARGO_BIN_EXE_wamr-run"),
                &[
                    mode,
                    "--no-cache",
                    limit,
                    "-f",
                    "grow",
                    big.to_str().unwrap(),
                ],
            );
            assert_eq!(
                stdout(&o),
                expect,
                "{mode} {limit}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    let o = run(
        env!("CARGO_BIN_EXE_wamr-run"),
        &["--max-memory=lots", big.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a size"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Floats, constants, divisions and conversions: everything the intrinsic table covers.
const NUMERIC: &str = r#"(module
  (func $inner (param f64 i64) (result f64)
    (f64.add
      (f64.mul (local.get 0) (f64.const 1.5))
      (f64.convert_i64_s (i64.div_s (local.get 1) (i64.const 7)))))
  (func $calc (export "calc") (param f64 i64) (result f64) (call $inner (local.get 0) (local.get 1)))
  (func $crash (export "crash") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))"#;

#[test]
fn xip_images_inspected_and_run() {
    let d = dir("xip");
    let wasm = d.join("num.wasm");
    std::fs::write(&wasm, wat::parse_str(NUMERIC).unwrap()).unwrap();
    let compile = env!("CARGO_BIN_EXE_wamr-compile");
    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    let other = if cfg!(target_arch = "x86_64") {
        "aarch64"
    } else {
        "x86_64"
    };
    let host = if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else {
        "aarch64"
    };
    for (target, list, expect_count) in [
        (host, None, 2),
        (host, Some("all"), 76),
        (other, Some("all"), 76),
        (host, Some("fp.common,i64.div_s"), 21),
    ] {
        let out = d.join(format!("num-{target}-{}.aot", list.unwrap_or("default")));
        let mut args = vec!["--target", target, "--xip", "-o", out.to_str().unwrap()];
        let list_arg = list.map(|l| format!("--enable-builtin-intrinsics={l}"));
        if let Some(l) = &list_arg {
            args.push(l);
        }
        args.push(wasm.to_str().unwrap());
        let c = run(compile, &args);
        assert!(
            c.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&c.stderr)
        );
        let i = run(run_bin, &["--inspect", out.to_str().unwrap()]);
        let report = stdout(&i);
        assert!(report.contains("relocations:  0"), "{report}");
        assert!(report.contains("indirect calls yes"), "{report}");
        assert!(
            report.contains(&format!("intrinsics:   {expect_count} ")),
            "{list:?}: {report}"
        );
        assert!(
            report.contains("calc") && report.contains("Text"),
            "{report}"
        );
        if target == host {
            let o = run(run_bin, &["-f", "calc", out.to_str().unwrap(), "2", "100"]);
            assert_eq!(
                stdout(&o),
                "17:f64",
                "{list:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            // A trap inside an intrinsic is the same trap, named after its function.
            let o = run(run_bin, &["-f", "crash", out.to_str().unwrap(), "0"]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("Exception: integer divide by zero"), "{err}");
        }
    }
    let o = run(
        compile,
        &[
            "--xip",
            "--enable-builtin-intrinsics=llvm.bogus",
            "-o",
            "/tmp/x.aot",
            wasm.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown intrinsic `llvm.bogus`"));
    let o = run(
        compile,
        &[
            "--enable-builtin-intrinsics=all",
            "-o",
            "/tmp/x.aot",
            wasm.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("applies only with"));
    let o = run(compile, &["--print-intrinsics"]);
    assert!(stdout(&o).contains("llvm.ctpop.i64") && stdout(&o).contains("fpxint"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn traps_print_a_backtrace_of_wasm_names() {
    let d = dir("backtrace");
    let wasm = d.join("num.wasm");
    std::fs::write(&wasm, wat::parse_str(NUMERIC).unwrap()).unwrap();
    for mode in ["--mode=interp", "--mode=aot"] {
        let o = run(
            env!("CARGO_BIN_EXE_wamr-run"),
            &[
                mode,
                "--no-cache",
                "-f",
                "crash",
                wasm.to_str().unwrap(),
                "0",
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{mode}: {err}");
        assert!(
            err.contains("Exception: integer divide by zero"),
            "{mode}: {err}"
        );
        assert!(err.contains("#00 crash"), "{mode}: {err}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn jitdump_names_the_compiled_functions() {
    let d = dir("jitdump");
    let wasm = d.join("num.wasm");
    std::fs::write(&wasm, wat::parse_str(NUMERIC).unwrap()).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .env("TMPDIR", &d)
        .args(["--mode=aot", "--no-cache", "--jitdump", "-f", "calc"])
        .args([wasm.to_str().unwrap(), "2", "100"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let dump = d.join(format!("jit-{}.dump", child.id()));
    let o = child.wait_with_output().unwrap();
    assert_eq!(stdout(&o), "17:f64");
    let bytes = std::fs::read(&dump).unwrap();
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    // Header: magic, version 1, its own size (40), the ELF machine, the writer's pid.
    assert_eq!(u32_at(0), 0x4A69_5444);
    assert_eq!(u32_at(4), 1);
    assert_eq!(u32_at(8), 40);
    assert_eq!(u32_at(20), pid_of_dump(&dump));
    // Code-load records (id 0): address, size, name, then the code bytes themselves.
    let mut names = Vec::new();
    let mut at = 40;
    while at < bytes.len() {
        let (id, size) = (u32_at(at), u32_at(at + 4) as usize);
        assert_eq!(id, 0, "record at {at}");
        let (vma, code_addr, code_size) = (u64_at(at + 24), u64_at(at + 32), u64_at(at + 40));
        assert!(vma != 0 && vma == code_addr && code_size > 0);
        let name_start = at + 56;
        let name_end = name_start + bytes[name_start..].iter().position(|&b| b == 0).unwrap();
        names.push(String::from_utf8(bytes[name_start..name_end].to_vec()).unwrap());
        assert_eq!(
            size,
            56 + names.last().unwrap().len() + 1 + code_size as usize
        );
        at += size;
    }
    assert_eq!(at, bytes.len());
    for name in ["wasm[0] inner", "wasm[1] calc", "wasm[2] crash"] {
        assert!(names.iter().any(|n| n == name), "{names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with("wasm trampoline")),
        "{names:?}"
    );
    // The interpreter has no machine code to name.
    let o = run(
        env!("CARGO_BIN_EXE_wamr-run"),
        &["--mode=interp", "--jitdump", wasm.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--jitdump needs AOT mode"));
    // A directory it cannot write into is an error that names it, before anything runs.
    let image = d.join("num.aot");
    let c = run(
        env!("CARGO_BIN_EXE_wamr-compile"),
        &["-o", image.to_str().unwrap(), wasm.to_str().unwrap()],
    );
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .env("TMPDIR", d.join("missing"))
        .args([
            "--jitdump",
            "-f",
            "calc",
            image.to_str().unwrap(),
            "2",
            "100",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--jitdump: cannot write into") && err.contains("missing"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    std::fs::remove_dir_all(&d).unwrap();
}

/// The pid a `jit-PID.dump` file is named after.
fn pid_of_dump(dump: &std::path::Path) -> u32 {
    let name = dump.file_name().unwrap().to_str().unwrap();
    name["jit-".len()..name.len() - ".dump".len()]
        .parse()
        .unwrap()
}

/// Prints each argument after the program name on a line of its own.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\n")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $end (loop $next
      (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func (export "_start") (local $i i32) (local $arg i32)
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1000) (i32.const 2000)))
    (local.set $i (i32.const 1))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 16))))
      (local.set $arg (i32.load (i32.add (i32.const 1000) (i32.shl (local.get $i) (i32.const 2)))))
      (call $write (local.get $arg) (call $strlen (local.get $arg)))
      (call $write (i32.const 100) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each)))))"#;

/// Everything after the file is the program's, options of wamr-run's own included
/// (`-f`, `--version`, `--`), in both modes; options before the file stay wamr-run's.
#[test]
fn arguments_after_the_file_belong_to_the_program() {
    let d = dir("args");
    let wasm = d.join("echo.wasm");
    std::fs::write(&wasm, wat::parse_str(ECHO).unwrap()).unwrap();
    let cache_arg = format!("--cache-dir={}", d.join("cache").display());
    let bin = env!("CARGO_BIN_EXE_wamr-run");
    let program_args = [
        "-f",
        "prog.awk",
        "--version",
        "-v",
        "5",
        "--mode=aot",
        "--",
        "data.txt",
    ];
    for mode in ["--mode=interp", "--mode=aot"] {
        let mut args = vec![mode, &cache_arg, "-v", "0", wasm.to_str().unwrap()];
        args.extend(program_args);
        let o = run(bin, &args);
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let expected: String = program_args.iter().map(|a| format!("{a}\n")).collect();
        assert_eq!(String::from_utf8_lossy(&o.stdout), expected, "{mode}");
    }
    // `--` ends wamr-run's options, so a file named like an option runs too.
    let dashed = d.join("-echo.wasm");
    std::fs::copy(&wasm, &dashed).unwrap();
    let o = Command::new(bin)
        .current_dir(&d)
        .args(["--mode=interp", "--", "-echo.wasm", "-x"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "-x\n");
    // Without a file, wamr-run says what is missing.
    let o = run(bin, &["--mode=interp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("FILE"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// `wamr-compile --sign` and `wamr-run --trust`: a signed image runs under its key and
/// nothing else does, each refusal saying why.
#[test]
fn signed_images_and_trusted_keys() {
    let d = dir("sign");
    let wasm = wasm_file(&d);
    let (compile, run_bin) = (
        env!("CARGO_BIN_EXE_wamr-compile"),
        env!("CARGO_BIN_EXE_wamr-run"),
    );
    let p = |name: &str| d.join(name).to_str().unwrap().to_string();
    for key in ["alice", "mallory"] {
        let o = run(compile, &["--generate-key", &p(key)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            stdout(&o).contains(&format!("{}.pub", p(key))),
            "{}",
            stdout(&o)
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p("alice")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key is the user's alone");
    let again = run(compile, &["--generate-key", &p("alice")]);
    assert!(
        !again.status.success(),
        "an existing key is never overwritten"
    );

    let w = wasm.to_str().unwrap();
    let signed = run(compile, &["--sign", &p("alice"), "-o", &p("signed.aot"), w]);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let unsigned = run(compile, &["-o", &p("plain.aot"), w]);
    assert!(unsigned.status.success());
    let bad_key = run(compile, &["--sign", &p("alice.pub"), "-o", &p("x.aot"), w]);
    assert!(!bad_key.status.success());
    assert!(
        String::from_utf8_lossy(&bad_key.stderr).contains("not an Ed25519 private key"),
        "{}",
        String::from_utf8_lossy(&bad_key.stderr)
    );

    let add = |image: &str, trust: &[&str]| {
        let mut args = Vec::new();
        for t in trust {
            args.extend(["--trust".to_string(), p(t)]);
        }
        args.extend(["-f", "add", image, "2", "40"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(run_bin, &args)
    };
    let refused = |o: &Output, why: &str| {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(why), "expected `{why}` in: {err}");
    };
    let ok = add(&p("signed.aot"), &["alice.pub"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(stdout(&ok), "0x2a:i32");
    // Any of several trusted keys will do.
    assert_eq!(
        stdout(&add(&p("signed.aot"), &["mallory.pub", "alice.pub"])),
        "0x2a:i32"
    );
    // Without --trust, a named image runs as with iwasm, signed or not.
    assert_eq!(stdout(&add(&p("plain.aot"), &[])), "0x2a:i32");
    assert_eq!(stdout(&add(&p("signed.aot"), &[])), "0x2a:i32");
    refused(&add(&p("plain.aot"), &["alice.pub"]), "not signed");
    refused(&add(&p("signed.aot"), &["mallory.pub"]), "not trusted");
    refused(&add(&p("signed.aot"), &["missing.pub"]), "cannot read key");

    // A forger who edits the code and fixes the checksum still fails the signature.
    let mut forged = std::fs::read(p("signed.aot")).unwrap();
    let trailer = forged.len() - 96;
    let text = wamr_aot::image::parse(&forged, 4096).unwrap().text.start + 1;
    forged[text] ^= 0x01;
    let sum = wamr_aot::image::hash64(&forged[..trailer - 8]);
    forged[trailer - 8..trailer].copy_from_slice(&sum.to_le_bytes());
    wamr_aot::write_image(&d.join("forged.aot"), &forged).unwrap();
    refused(&add(&p("forged.aot"), &["alice.pub"]), "does not verify");

    // --inspect says who signed.
    let o = run(run_bin, &["--inspect", &p("signed.aot")]);
    assert!(
        stdout(&o).contains("signature:    Ed25519 by key"),
        "{}",
        stdout(&o)
    );
    let o = run(run_bin, &["--inspect", &p("plain.aot")]);
    assert!(stdout(&o).contains("signature:    none"), "{}", stdout(&o));

    // Keys from openssl work as well, where it is installed.
    let openssl = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out", &p("ossl")])
        .output();
    if openssl.is_ok_and(|o| o.status.success()) {
        let o = Command::new("openssl")
            .args(["pkey", "-in", &p("ossl"), "-pubout", "-out", &p("ossl.pub")])
            .output()
            .unwrap();
        assert!(o.status.success());
        let s = run(compile, &["--sign", &p("ossl"), "-o", &p("ossl.aot"), w]);
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        assert_eq!(stdout(&add(&p("ossl.aot"), &["ossl.pub"])), "0x2a:i32");
    } else {
        eprintln!("openssl not found: its key format is not checked");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// libc's stdio writes (its buffer, the new data) with `fd_write`, and its buffer is
/// often empty: an empty first vector once made the whole write count 0 bytes, so a C
/// program printing to `/dev/null` or a terminal retried forever. Here the guest exits
/// with the count `fd_write` reports, with stdout a pipe and `/dev/null`, in both modes.
const EMPTY_FIRST_IOVEC: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; iovecs: (100, 0) then (100, 6); the text at 100
  (data (i32.const 0) "\64\00\00\00\00\00\00\00\64\00\00\00\06\00\00\00")
  (data (i32.const 100) "hello\n")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 50)))
    (call $exit (i32.load (i32.const 50)))))"#;

#[test]
fn an_empty_first_iovec_still_writes_to_a_pipe_and_dev_null() {
    let d = dir("iovec");
    let wasm = d.join("write.wasm");
    std::fs::write(&wasm, wat::parse_str(EMPTY_FIRST_IOVEC).unwrap()).unwrap();
    let w = wasm.to_str().unwrap();
    let bin = env!("CARGO_BIN_EXE_wamr-run");
    for mode in ["interp", "aot"] {
        let piped = run(bin, &["--mode", mode, "--no-cache", w]);
        assert_eq!(
            piped.status.code(),
            Some(6),
            "{mode}: {}",
            String::from_utf8_lossy(&piped.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&piped.stdout), "hello\n", "{mode}");
        let to_null = Command::new(bin)
            .args(["--mode", mode, "--no-cache", w])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(to_null.code(), Some(6), "{mode}, stdout /dev/null");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// `--fuel` and `--timeout` stop a program that would never end, in both modes, and an
/// image compiled without the checks they need is refused with the flag to add.
#[test]
fn fuel_and_timeout_stop_endless_programs() {
    let d = dir("metering");
    let wasm = d.join("spin.wasm");
    std::fs::write(
        &wasm,
        wat::parse_str(
            r#"(module (func (export "spin") (loop $l (br $l)))
                 (func (export "ten") (result i32) (i32.const 10)))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let (compile, run_bin) = (
        env!("CARGO_BIN_EXE_wamr-compile"),
        env!("CARGO_BIN_EXE_wamr-run"),
    );
    let w = wasm.to_str().unwrap();
    let stopped = |o: &Output, why: &str| {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("Exception: {why}")), "{err}");
    };
    for mode in ["interp", "aot"] {
        let base = ["--mode", mode, "--no-cache"];
        let with = |extra: &[&str], f: &str| {
            let mut args: Vec<&str> = base.to_vec();
            args.extend_from_slice(extra);
            args.extend(["-f", f, w]);
            run(run_bin, &args)
        };
        stopped(&with(&["--fuel=100000"], "spin"), "out of fuel");
        stopped(&with(&["--timeout=300"], "spin"), "interrupted");
        let ok = with(&["--fuel=100", "--timeout=60000"], "ten");
        assert_eq!(stdout(&ok), "0xa:i32", "{mode}");
    }
    let aot = d.join("plain.aot");
    let a = aot.to_str().unwrap();
    assert!(run(compile, &["-o", a, w]).status.success());
    for (flag, needs) in [("--fuel=10", "--fuel"), ("--timeout=10", "--interruptible")] {
        let o = run(run_bin, &[flag, "-f", "spin", a]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("wamr-compile {needs}")), "{err}");
    }
    let metered = d.join("metered.aot");
    let m = metered.to_str().unwrap();
    let c = run(compile, &["--fuel", "--interruptible", "-o", m, w]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    stopped(
        &run(run_bin, &["--fuel=5000", "-f", "spin", m]),
        "out of fuel",
    );
    stopped(
        &run(run_bin, &["--timeout=200", "-f", "spin", m]),
        "interrupted",
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// wamrc's proposal switches: on by default (`--enable-*` accepted), `--disable-*`
/// refuses a module that uses the proposal, naming it, in both tools and both modes.
#[test]
fn proposal_switches_refuse_modules_that_use_them() {
    let d = dir("features");
    let wasm = wat::parse_str(
        r#"(module
          (func $id (param i32) (result i32) (local.get 0))
          (func (export "tail") (param i32) (result i32) (return_call $id (local.get 0))))"#,
    )
    .unwrap();
    let tail = d.join("tail.wasm");
    std::fs::write(&tail, wasm).unwrap();
    let tail = tail.to_str().unwrap();
    let aot = d.join("tail.aot");
    let aot = aot.to_str().unwrap();
    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    let compile_bin = env!("CARGO_BIN_EXE_wamr-compile");

    let c = run(compile_bin, &["--enable-tail-call", "-o", aot, tail]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    for mode in ["interp", "aot"] {
        let o = run(
            run_bin,
            &["--mode", mode, "--no-cache", "-f", "tail", tail, "7"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(stdout(&o), "0x7:i32");
    }

    let refused = |o: Output| {
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("uses tail calls (proposal `tail-call`), which is disabled"),
            "{err}"
        );
    };
    refused(run(compile_bin, &["--disable-tail-call", "-o", aot, tail]));
    for mode in ["interp", "aot"] {
        refused(run(
            run_bin,
            &[
                "--mode",
                mode,
                "--disable-tail-call",
                "-f",
                "tail",
                tail,
                "7",
            ],
        ));
    }
    // A module that does not use the proposal is unaffected.
    let plain = wasm_file(&d);
    let o = run(
        run_bin,
        &[
            "--disable-tail-call",
            "--disable-extended-const",
            "-f",
            "add",
            plain.to_str().unwrap(),
            "2",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Exception handling: caught in both modes; refused when turned off; an uncaught one
    // ends the run with a message.
    let exn = wat::parse_str(
        r#"(module
          (tag $e (param i32))
          (func (export "caught") (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) (throw $e (i32.const 7)))
              (i32.const 0)))
          (func (export "uncaught") (throw $e (i32.const 1))))"#,
    )
    .unwrap();
    let exn_path = d.join("exn.wasm");
    std::fs::write(&exn_path, exn).unwrap();
    let exn_path = exn_path.to_str().unwrap();
    for mode in ["interp", "aot"] {
        let o = run(
            run_bin,
            &["--mode", mode, "--no-cache", "-f", "caught", exn_path],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(stdout(&o), "0x7:i32");
        let o = run(
            run_bin,
            &["--mode", mode, "--no-cache", "-f", "uncaught", exn_path],
        );
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("uncaught exception"), "{err}");
        let o = run(
            run_bin,
            &[
                "--mode",
                mode,
                "--disable-exception-handling",
                "-f",
                "caught",
                exn_path,
            ],
        );
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("(proposal `exception-handling`), which is disabled"),
            "{err}"
        );
    }
    let both = run(
        compile_bin,
        &["--enable-tail-call", "--disable-tail-call", "-o", aot, tail],
    );
    assert!(!both.status.success());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn simd_runs_in_both_modes_and_is_refused_when_disabled() {
    let d = dir("simd");
    let wasm = wat::parse_str(
        r#"(module
          (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
          (func (export "madd") (param f32 f32 f32) (result f32)
            (f32x4.extract_lane 2 (f32x4.relaxed_madd
              (f32x4.splat (local.get 0)) (f32x4.splat (local.get 1)) (f32x4.splat (local.get 2))))))"#,
    )
    .unwrap();
    let file = d.join("simd.wasm");
    std::fs::write(&file, wasm).unwrap();
    let file = file.to_str().unwrap();
    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    let compile_bin = env!("CARGO_BIN_EXE_wamr-compile");
    let (a, b) = ("0x00000004000000030000000200000001", "0x10000000ffffffff");
    for mode in ["interp", "aot"] {
        let o = run(
            run_bin,
            &["--mode", mode, "--no-cache", "-f", "add", file, a, b],
        );
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            stdout(&o),
            "0x00000004000000031000000200000000:v128",
            "{mode}"
        );
        // 3 x 1/3 + 1 fused (one rounding), as both engines compute it.
        let o = run(
            run_bin,
            &[
                "--mode",
                mode,
                "--no-cache",
                "-f",
                "madd",
                file,
                "3",
                "0.33333334",
                "1",
            ],
        );
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let fused = 3f32.mul_add(0.333_333_34, 1.0);
        assert_eq!(stdout(&o), format!("{fused}:f32"), "{mode}");
        // A malformed v128 argument is a clear error.
        let o = run(
            run_bin,
            &["--mode", mode, "--no-cache", "-f", "add", file, "0xzz", b],
        );
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("`0xzz` is not a v128"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Without FMA (`--cpu generic`) the relaxed madd calls the runtime intrinsic: the
    // image still compiles, needs no CPU feature beyond SSE4.1 and gives the fused result.
    let generic = d.join("generic.aot");
    let generic = generic.to_str().unwrap();
    let c = run(compile_bin, &["--cpu", "generic", "-o", generic, file]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let o = run(run_bin, &["-f", "madd", generic, "3", "0.33333334", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout(&o),
        format!("{}:f32", 3f32.mul_add(0.333_333_34, 1.0))
    );
    let inspect = run(run_bin, &["--inspect", generic]);
    assert!(!stdout(&inspect).contains("fma"), "{}", stdout(&inspect));
    // wamrc's switch: compiled without SIMD, a SIMD module is refused clearly.
    let out = d.join("refused.aot");
    for args in [
        vec!["--disable-simd", "-o", out.to_str().unwrap(), file],
        vec!["--disable-relaxed-simd", "-o", out.to_str().unwrap(), file],
    ] {
        let o = run(compile_bin, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("SIMD (proposal `"), "{args:?}: {err}");
        assert!(err.contains("which is disabled"), "{err}");
    }
    for mode in ["interp", "aot"] {
        let o = run(
            run_bin,
            &["--mode", mode, "--disable-simd", "-f", "add", file, a, b],
        );
        assert!(!o.status.success(), "{mode}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("128-bit SIMD (proposal `simd`), which is disabled"),
            "{mode}: {err}"
        );
    }
}

/// `--backend=llvm --xip`: the image says which compiler wrote it, holds no relocation,
/// and runs; so do CoreMark's and the shootout programs' images (from `../shared`).
#[cfg(feature = "llvm")]
#[test]
fn llvm_xip_images_have_no_relocations() {
    let d = dir("llvm-xip");
    let wasm = d.join("num.wasm");
    std::fs::write(&wasm, wat::parse_str(NUMERIC).unwrap()).unwrap();
    let compile = env!("CARGO_BIN_EXE_wamr-compile");
    let run_bin = env!("CARGO_BIN_EXE_wamr-run");
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasm");
    assert!(
        shared.is_dir(),
        "../shared/wasm (beside the workspace root) is missing; see ../shared/README.md"
    );
    let mut inputs = vec![wasm.clone(), shared.join("coremark.wasm")];
    let mut programs: Vec<PathBuf> = std::fs::read_dir(shared.join("shootout"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    inputs.extend(programs);
    for input in &inputs {
        let out = d.join("out.aot");
        let args = [
            "--backend=llvm",
            "--xip",
            "-o",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ];
        let c = run(compile, &args);
        assert!(
            c.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&c.stderr)
        );
        let report = stdout(&run(run_bin, &["--inspect", out.to_str().unwrap()]));
        assert!(report.contains("compiler:     llvm"), "{report}");
        assert!(report.contains("relocations:  0"), "{input:?}: {report}");
        assert!(report.contains("indirect calls yes"), "{report}");
        if input == &wasm {
            let o = run(run_bin, &["-f", "calc", out.to_str().unwrap(), "2", "100"]);
            assert_eq!(
                stdout(&o),
                "17:f64",
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            let o = run(run_bin, &["-f", "crash", out.to_str().unwrap(), "0"]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("Exception: integer divide by zero"), "{err}");
        }
    }
    // Cross-compiled for aarch64 (this host cannot run it): the same properties.
    let out = d.join("num-aarch64.aot");
    let c = run(
        compile,
        &[
            "--backend=llvm",
            "--target",
            "aarch64",
            "--xip",
            "-o",
            out.to_str().unwrap(),
            wasm.to_str().unwrap(),
        ],
    );
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let report = stdout(&run(run_bin, &["--inspect", out.to_str().unwrap()]));
    assert!(
        report.contains("aarch64") && report.contains("compiler:     llvm"),
        "{report}"
    );
    assert!(report.contains("relocations:  0"), "{report}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// A build without the `llvm` feature says so when asked for the LLVM backend.
#[cfg(not(feature = "llvm"))]
#[test]
fn llvm_backend_without_the_feature_is_a_clear_error() {
    let d = dir("no-llvm");
    let wasm = wasm_file(&d);
    let out = d.join("app.aot");
    let o = run(
        env!("CARGO_BIN_EXE_wamr-compile"),
        &[
            "--backend=llvm",
            "-o",
            out.to_str().unwrap(),
            wasm.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("no LLVM backend"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// Only `wamr-compile` loads libLLVM: `wamr-run` reaches no LLVM code (the tier is
/// installed by the program that offers it), so running an image costs no libLLVM
/// start-up. The dynamic loader lists what each binary loads
/// (`LD_TRACE_LOADED_OBJECTS`, what `ldd` uses).
#[cfg(feature = "llvm")]
#[test]
fn only_wamr_compile_loads_libllvm() {
    let loaded = |bin: &str| {
        let o = Command::new(bin)
            .env("LD_TRACE_LOADED_OBJECTS", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let compile = loaded(env!("CARGO_BIN_EXE_wamr-compile"));
    assert!(compile.contains("libLLVM"), "{compile}");
    let run_libs = loaded(env!("CARGO_BIN_EXE_wamr-run"));
    assert!(run_libs.contains("libc.so"), "{run_libs}");
    assert!(!run_libs.contains("libLLVM"), "{run_libs}");
}
