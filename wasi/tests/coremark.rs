//! CoreMark through WASI in both engines, to "Correct operation validated.".
//!
//! Its own test binary, and both modes in one test, on purpose: CoreMark times itself with
//! the process CPU clock, which other tests running in the same process would advance.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use wamr_common::{Instance, Linker, Module};
use wamr_wasi::{Output, WasiConfig, WasiCtx};

fn run(mode: &str) -> String {
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasm/coremark.wasm");
    let bytes = std::fs::read(&wasm)
        .unwrap_or_else(|_| panic!("{} is missing; see ../shared/README.md", wasm.display()));
    let (module, mut linker) = if mode == "aot" {
        let image = wamr_aot::compile(&bytes, &Default::default()).unwrap();
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("coremark-test.aot");
        std::fs::write(&path, image).unwrap();
        (
            wamr_aot::load(&path).unwrap(),
            Linker::new(wamr_aot::Aot::new()),
        )
    } else {
        (
            Module::new(&bytes).unwrap(),
            Linker::new(wamr_interp::Interp::new(Default::default())),
        )
    };
    let (stdout, out) = Output::capture();
    let mut config = WasiConfig::new();
    config.arg("coremark.wasm");
    config.stdout = stdout;
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&config).unwrap()));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    let instance = Instance::new(&module, &linker).unwrap();
    if let Err(t) = instance.invoke("_start", &[]) {
        assert_eq!(t.exit_code(), Some(0), "{mode}: {t}");
    }
    let text = String::from_utf8_lossy(&out.borrow()).into_owned();
    text
}

#[test]
fn coremark_validates_in_both_modes() {
    for mode in ["interp", "aot"] {
        let out = run(mode);
        assert!(
            out.contains("Correct operation validated."),
            "{mode}:\n{out}"
        );
    }
}
