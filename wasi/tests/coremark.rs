//! CoreMark through WASI in both engines, to "Correct operation validated.".
//!
//! CoreMark sizes its run from the clock (it scales the iteration count until the run
//! lasts ten seconds, and calls a shorter run an error), so on a real clock the verdict
//! depends on the machine's load: a busy CI core once measured 9.9 s and failed. The
//! test gives it a virtual clock instead, overriding WASI's `clock_time_get`: every read
//! is `STEP_NS` later than the last. CoreMark then settles on the same iteration count on
//! every machine, its own CRC checks decide, and both engines must print the same report.
//!
//! Its own test binary on purpose: it keeps CoreMark's long run out of other test binaries.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;

use wamr_common::{FuncType, Instance, Linker, Module, Val, ValType};
use wamr_wasi::{Output, WasiConfig, WasiCtx};

/// How far the virtual clock moves per read: 10.5 s. CoreMark's calibration (10
/// iterations, "10.5 s") then picks 10 * (1 + 10/10) = 20 iterations, and the measured
/// run ("10.5 s") is long enough to count as valid.
const STEP_NS: u64 = 10_500_000_000;
const ITERATIONS: &str = "20";

fn run(mode: &str) -> String {
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasm/coremark.wasm");
    let bytes = std::fs::read(&wasm)
        .unwrap_or_else(|_| panic!("{} is missing; see ../shared/README.md", wasm.display()));
    let (module, mut linker) = if mode == "aot" {
        let image = wamr_aot::compile(&bytes, &Default::default()).unwrap();
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("coremark-test.aot");
        wamr_aot::write_image(&path, &image).unwrap();
        (
            // SAFETY: the test compiled this image itself, into its target directory.
            wamr_aot::load(&path, &unsafe { wamr_aot::Trust::any_image() }).unwrap(),
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
    let now = Cell::new(0u64);
    linker.func(
        "wasi_snapshot_preview1",
        "clock_time_get",
        FuncType::new([ValType::I32, ValType::I64, ValType::I32], [ValType::I32]),
        move |caller, args, results| {
            let t = now.get() + STEP_NS;
            now.set(t);
            let Val::I32(out) = args[2] else {
                unreachable!("the linker checked the signature")
            };
            let memory = caller.memory().expect("coremark exports its memory");
            memory.write(out as u32 as u64, &t.to_le_bytes())?;
            results[0] = Val::I32(0);
            Ok(())
        },
    );
    let instance = Instance::new(&module, &linker).unwrap();
    if let Err(t) = instance.invoke("_start", &[]) {
        assert_eq!(t.exit_code(), Some(0), "{mode}: {t}");
    }
    let text = String::from_utf8_lossy(&out.borrow()).into_owned();
    text
}

/// The value CoreMark printed for `key` (`key : value`).
fn field<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.trim_start().strip_prefix(':'))
        .map(str::trim)
}

#[test]
fn coremark_validates_in_both_modes() {
    let mut reports = Vec::new();
    for mode in ["interp", "aot"] {
        let out = run(mode);
        assert!(
            out.contains("Correct operation validated."),
            "{mode}:\n{out}"
        );
        assert_eq!(
            field(&out, "Iterations"),
            Some(ITERATIONS),
            "{mode}:\n{out}"
        );
        // The performance run's seeds, recognised by CoreMark (it then checks the list,
        // matrix and state CRCs against its reference values itself).
        assert_eq!(field(&out, "seedcrc"), Some("0xe9f5"), "{mode}:\n{out}");
        let crcs: Vec<String> = out
            .lines()
            .filter(|l| l.contains("crc"))
            .map(String::from)
            .collect();
        reports.push(crcs);
    }
    assert_eq!(reports[0], reports[1], "the engines' CRCs differ");
}
