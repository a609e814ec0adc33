//! C programs built with `clang -O3 -msimd128` for WASI (`simd-programs/`: auto-vectorised
//! kernels, a SIMD hash written with `wasm_simd128.h`, with and without relaxed SIMD, and
//! image filters) print what the same sources built natively print
//! (`NAME.stdout.expected`, recorded by `simd-programs/build.sh`), in the interpreter under
//! every handler set and in AOT.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use wamr_common::{Instance, Linker, Module};
use wamr_interp::{HandlerSet, Interp, InterpConfig};
use wamr_wasi::{Output, WasiConfig, WasiCtx};

const PROGRAMS: [&str; 4] = ["kernels", "hash", "hash-relaxed", "blur"];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/simd-programs")
}

/// Runs program `name` with its arguments in `linker`'s engine; its stdout.
fn run(name: &str, module: &Module, mut linker: Linker) -> String {
    let args = std::fs::read_to_string(dir().join(format!("{name}.args"))).unwrap();
    let (stdout, out) = Output::capture();
    let mut config = WasiConfig::new();
    config.arg(name);
    for a in args.split_whitespace() {
        config.arg(a);
    }
    config.stdout = stdout;
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&config).unwrap()));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    let instance = Instance::new(module, &linker).unwrap();
    if let Err(t) = instance.invoke("_start", &[]) {
        assert_eq!(t.exit_code(), Some(0), "{name}: {t}");
    }
    let bytes = out.borrow().clone();
    String::from_utf8(bytes).unwrap()
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(dir().join(format!("{name}.stdout.expected"))).unwrap()
}

fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(format!("{name}.wasm"))).unwrap()
}

#[test]
fn simd_programs_interp_every_handler_set() {
    let mut sets = vec![HandlerSet::Generic, HandlerSet::Portable];
    if wamr_interp::avx2_supported() {
        sets.push(HandlerSet::Avx2);
    }
    for name in PROGRAMS {
        // One module: its translation is shared by every set, as in production.
        let module = Module::new(&wasm(name)).unwrap();
        assert!(module.uses_simd(), "{name} was built without SIMD");
        for &handlers in &sets {
            let linker = Linker::new(Interp::new(InterpConfig {
                handlers,
                ..Default::default()
            }));
            assert_eq!(
                run(name, &module, linker),
                expected(name),
                "{name} {handlers:?}"
            );
        }
    }
}

#[test]
fn simd_programs_aot() {
    let scratch = std::env::temp_dir().join(format!("wamr-simd-programs-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    for name in PROGRAMS {
        let image = wamr_aot::compile(&wasm(name), &Default::default()).unwrap();
        let path = scratch.join(format!("{name}.aot"));
        wamr_aot::write_image(&path, &image).unwrap();
        // SAFETY: the test compiled this image itself, into its own directory.
        let module = wamr_aot::load(&path, &unsafe { wamr_aot::Trust::any_image() }).unwrap();
        let linker = Linker::new(wamr_aot::Aot::new());
        assert_eq!(run(name, &module, linker), expected(name), "{name} aot");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
