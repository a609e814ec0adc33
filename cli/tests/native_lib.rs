//! `--native-lib`: a small C library built with `cc`, called from wasm in both modes
//! (integers, floats, a `*~` buffer, a `$` string, the attachment); bad libraries and bad
//! pointers give clear errors or traps.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LIB_C: &str = r#"
#include <string.h>
#include "wamr_native.h"

static int32_t add(wasm_exec_env_t env, int32_t a, int32_t b) { return a + b; }
static int32_t sum(wasm_exec_env_t env, uint8_t *buf, int32_t len) {
    int32_t s = 0;
    for (int32_t i = 0; i < len; i++) s += buf[i];
    buf[0] = 0x7f; /* writes land in linear memory */
    return s;
}
static int32_t slen(wasm_exec_env_t env, const char *s) { return (int32_t)strlen(s); }
static double mix(wasm_exec_env_t env, double x, int32_t k, float y) { return x * k + y; }
static int64_t tag(wasm_exec_env_t env) {
    return *(int64_t *)wasm_runtime_get_function_attachment(env);
}
static int64_t the_tag = 1234567890123LL;

static NativeSymbol symbols[] = {
    EXPORT_WASM_API_WITH_SIG(add, "(ii)i"),
    EXPORT_WASM_API_WITH_SIG(sum, "(*~)i"),
    EXPORT_WASM_API_WITH_SIG(slen, "($)i"),
    EXPORT_WASM_API_WITH_SIG(mix, "(Fif)F"),
    EXPORT_WASM_API_WITH_ATT(tag, "()I", &the_tag),
};
static int inited;
uint32_t init_native_lib(void) { inited = 1; return 1; }
uint32_t get_native_lib(char **module_name, NativeSymbol **native_symbols) {
    *module_name = inited ? "demo" : "not-initialised";
    *native_symbols = symbols;
    return sizeof(symbols) / sizeof(symbols[0]);
}
"#;

const BAD_SIG_C: &str = r#"
#include "wamr_native.h"
static int32_t f(wasm_exec_env_t env, int32_t a) { return a; }
static NativeSymbol symbols[] = { EXPORT_WASM_API_WITH_SIG(f, "(q)i") };
uint32_t get_native_lib(char **m, NativeSymbol **s) { *m = "demo"; *s = symbols; return 1; }
"#;

const NO_ENTRY_C: &str = "int nothing_here(void) { return 0; }\n";

const APP: &str = r#"(module
  (import "demo" "add" (func $add (param i32 i32) (result i32)))
  (import "demo" "sum" (func $sum (param i32 i32) (result i32)))
  (import "demo" "slen" (func $slen (param i32) (result i32)))
  (import "demo" "mix" (func $mix (param f64 i32 f32) (result f64)))
  (import "demo" "tag" (func $tag (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04")
  (data (i32.const 32) "hello\00")
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  ;; sum of the 4 bytes at 16, then the byte the library wrote back
  (func (export "sum") (result i32)
    (i32.add (i32.mul (call $sum (i32.const 16) (i32.const 4)) (i32.const 1000))
             (i32.load8_u (i32.const 16))))
  (func (export "sum_at") (param i32 i32) (result i32) (call $sum (local.get 0) (local.get 1)))
  (func (export "slen") (result i32) (call $slen (i32.const 32)))
  (func (export "mix") (result f64) (call $mix (f64.const 1.5) (i32.const 4) (f32.const 0.25)))
  (func (export "tag") (result i64) (call $tag)))"#;

/// A fresh directory per test (tests run in parallel).
fn dir(test: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("native-lib-{test}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Builds a shared library from C source with the system C compiler.
fn build_lib(d: &Path, name: &str, src: &str) -> PathBuf {
    let c = d.join(format!("{name}.c"));
    std::fs::write(&c, src).unwrap();
    let so = d.join(format!("lib{name}.so"));
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let o = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O1", "-I"])
        .arg(&include)
        .arg("-o")
        .arg(&so)
        .arg(&c)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}` (install gcc or clang): {e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    so
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wamr-run"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn native_library_in_both_modes() {
    let d = dir("modes");
    let lib = build_lib(&d, "demo", LIB_C);
    let app = d.join("app.wasm");
    std::fs::write(&app, wat::parse_str(APP).unwrap()).unwrap();
    let lib_arg = format!("--native-lib={}", lib.display());
    let cache = format!("--cache-dir={}", d.join("cache").display());
    for mode in ["--mode=interp", "--mode=aot"] {
        let call = |f: &str, args: &[&str]| {
            let mut a = vec![mode, &cache, &lib_arg, "-f", f, app.to_str().unwrap()];
            a.extend_from_slice(args);
            let o = run(&a);
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).trim().to_string(),
                String::from_utf8_lossy(&o.stderr).to_string(),
            )
        };
        assert_eq!(call("add", &["40", "2"]).1, "0x2a:i32", "{mode}");
        assert_eq!(
            call("sum", &[]).1,
            format!("{:#x}:i32", 10 * 1000 + 0x7f),
            "{mode}"
        );
        assert_eq!(call("slen", &[]).1, "0x5:i32", "{mode}");
        assert_eq!(call("mix", &[]).1, "6.25:f64", "{mode}");
        assert_eq!(
            call("tag", &[]).1,
            format!("{:#x}:i64", 1234567890123i64),
            "{mode}"
        );
        // A buffer reaching past the end of memory traps before the call; the process
        // survives and reports it.
        let (code, _, err) = call("sum_at", &["65530", "100"]);
        assert_eq!(code, Some(1), "{mode}: {err}");
        assert!(err.contains("out of bounds memory access"), "{mode}: {err}");
    }
}

#[test]
fn bad_native_libraries_are_refused_clearly() {
    let d = dir("bad");
    let app = d.join("app.wasm");
    std::fs::write(&app, wat::parse_str(APP).unwrap()).unwrap();
    let bad_sig = build_lib(&d, "badsig", BAD_SIG_C);
    let no_entry = build_lib(&d, "noentry", NO_ENTRY_C);
    // A library whose `add` has another type than the module imports.
    let mismatched = build_lib(&d, "mismatch", &LIB_C.replace("(ii)i", "(iI)i"));
    let cases = [
        (d.join("missing.so"), "cannot load native library"),
        (no_entry, "no `get_native_lib`"),
        (bad_sig, "unknown letter `q`"),
        (mismatched, "but the module imports it as"),
    ];
    for (lib, expect) in cases {
        let o = run(&[
            &format!("--native-lib={}", lib.display()),
            "-f",
            "add",
            app.to_str().unwrap(),
            "1",
            "2",
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", lib.display());
        assert!(err.contains(expect), "{}: {err}", lib.display());
        assert!(!err.contains("panicked"), "{err}");
    }
}
