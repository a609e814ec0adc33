//! Real WASI programs through the library API, in both engines: CoreMark validates
//! itself, and every `../shared/wasm/shootout` program's stdout and stderr must equal its
//! expected files. `bench.start`/`bench.end` are provided as no-ops here. Metered, both
//! engines consume exactly the same fuel for every program.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use std::cell::RefCell;
use wamr_common::metering::Metering;
use wamr_common::{FuncType, Instance, Linker, Module};
use wamr_wasi::{Output, WasiConfig, WasiCtx};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/wasm")
        .canonicalize()
        .unwrap_or_else(|_| {
            panic!("../shared/wasm (beside the workspace root) is missing; see ../shared/README.md")
        })
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Interp,
    Aot,
    /// The AOT engine's LLVM tier (a build with the `llvm` feature).
    #[cfg_attr(not(feature = "llvm"), allow(dead_code))]
    AotLlvm,
}

/// What one run gave: exit code, stdout, stderr, fuel consumed.
type Ran = (i32, Vec<u8>, Vec<u8>, u64);

/// Runs `wasm` as a WASI command with `dir` preopened as `.`.
fn run(wasm: &Path, dir: &Path, mode: Mode, scratch: &Path, metering: Metering) -> Ran {
    let bytes = std::fs::read(wasm).unwrap();
    let (module, mut linker) = match mode {
        Mode::Interp => (
            Module::new(&bytes).unwrap(),
            Linker::new(wamr_interp::Interp::new(wamr_interp::InterpConfig {
                metering,
                ..Default::default()
            })),
        ),
        Mode::Aot | Mode::AotLlvm => {
            let llvm = matches!(mode, Mode::AotLlvm);
            #[cfg(feature = "llvm")]
            wamr_aot::enable_llvm_backend();
            let opts = wamr_aot::CompileOptions {
                codegen: wamr_aot::abi::CodegenOptions {
                    metering,
                    backend: if llvm {
                        wamr_aot::abi::Backend::Llvm
                    } else {
                        wamr_aot::abi::Backend::Cranelift
                    },
                    opt_level: if llvm { 2 } else { 1 },
                    ..Default::default()
                },
                ..Default::default()
            };
            let image = wamr_aot::compile(&bytes, &opts).unwrap();
            let path = scratch
                .join(wasm.file_name().unwrap())
                .with_extension("aot");
            wamr_aot::write_image(&path, &image).unwrap();
            (
                // SAFETY: the test compiled this image itself, into its scratch directory.
                wamr_aot::load(&path, &unsafe { wamr_aot::Trust::any_image() }).unwrap(),
                Linker::new(wamr_aot::Aot::new()),
            )
        }
    };
    let (stdout, out) = Output::capture();
    let (stderr, err) = Output::capture();
    let mut config = WasiConfig::new();
    config.arg(wasm.file_name().unwrap().to_string_lossy());
    config.preopen_dir(dir, ".");
    config.stdout = stdout;
    config.stderr = stderr;
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&config).unwrap()));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    for name in ["start", "end"] {
        linker.func("bench", name, FuncType::new([], []), |_, _, _| Ok(()));
    }
    let instance = Instance::new(&module, &linker).unwrap();
    let code = match instance.invoke("_start", &[]) {
        Ok(_) => 0,
        Err(t) => t
            .exit_code()
            .unwrap_or_else(|| panic!("{} trapped in {mode:?}: {t}", wasm.display())),
    };
    let (o, e) = (out.borrow().clone(), err.borrow().clone());
    (code, o, e, linker.store().fuel_consumed())
}

fn programs() -> (PathBuf, Vec<PathBuf>) {
    let dir = shared().join("shootout");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    programs.sort();
    assert!(
        programs.len() >= 10,
        "expected the shootout programs in {}",
        dir.display()
    );
    (dir, programs)
}

/// Runs `each` on every program on two workers (CI has two cores); each builds its own
/// engines and instances. Returns the failures it reported.
fn for_each_program(each: impl Fn(&Path, &Path, &str) -> Vec<String> + Sync) -> Vec<String> {
    let (dir, programs) = programs();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(wasm) = programs.get(i) else { break };
                let stem = wasm.file_stem().unwrap().to_string_lossy().to_string();
                let found = each(wasm, &dir, &stem);
                failures.lock().unwrap().extend(found);
            });
        }
    });
    failures.into_inner().unwrap()
}

fn check_shootout(mode: Mode) {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("shootout-{mode:?}"));
    std::fs::create_dir_all(&scratch).unwrap();
    let failures = for_each_program(|wasm, dir, stem| {
        let started = std::time::Instant::now();
        let (code, out, err, _) = run(wasm, dir, mode, &scratch, Metering::default());
        eprintln!("{stem} {mode:?}: {:.1?}", started.elapsed());
        let expect = |ext: &str| {
            std::fs::read(dir.join(format!("{stem}.{ext}.expected"))).unwrap_or_default()
        };
        let mut f = Vec::new();
        if code != 0 {
            f.push(format!("{stem}: exit code {code}"));
        }
        if out != expect("stdout") {
            f.push(format!(
                "{stem}: stdout differs: {:?}",
                String::from_utf8_lossy(&out)
            ));
        }
        if err != expect("stderr") {
            f.push(format!(
                "{stem}: stderr differs: {:?}",
                String::from_utf8_lossy(&err)
            ));
        }
        f
    });
    assert!(failures.is_empty(), "{mode:?}:\n{}", failures.join("\n"));
}

#[test]
fn shootout_interp() {
    check_shootout(Mode::Interp);
}

#[test]
fn shootout_aot() {
    check_shootout(Mode::Aot);
}

#[cfg(feature = "llvm")]
#[test]
fn shootout_aot_llvm() {
    check_shootout(Mode::AotLlvm);
}

/// Fuel is counted identically in both engines: every program, metered, consumes the
/// same fuel in the interpreter and in AOT code, with the same output.
#[test]
fn shootout_fuel_is_the_same_in_both_engines() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shootout-fuel");
    std::fs::create_dir_all(&scratch).unwrap();
    let metering = Metering {
        fuel: true,
        interruptible: true,
    };
    let failures = for_each_program(|wasm, dir, stem| {
        let interp = run(wasm, dir, Mode::Interp, &scratch, metering);
        let aot = run(wasm, dir, Mode::Aot, &scratch, metering);
        eprintln!("{stem}: {} fuel", interp.3);
        let mut f = Vec::new();
        if interp.3 == 0 {
            f.push(format!("{stem}: the metered interpreter consumed no fuel"));
        }
        if interp != aot {
            f.push(format!(
                "{stem}: interpreter exit {} fuel {}, AOT exit {} fuel {} (outputs equal: {})",
                interp.0,
                interp.3,
                aot.0,
                aot.3,
                interp.1 == aot.1 && interp.2 == aot.2
            ));
        }
        f
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
