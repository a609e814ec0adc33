//! Execute-in-place properties of AOT images: deterministic output, a read-only text
//! mapping backed by the file, untouched files, images refused when damaged or foreign,
//! and traps that leave the host and the instance intact.

mod common;
use common::load;
use std::path::{Path, PathBuf};

use wamr_aot::abi::CodegenOptions;
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{FuncType, Instance, Linker, Val, ValType};

const WAT: &str = r#"(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "mem") 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "host") (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $inf (export "inf") (param i32) (result i32) (i32.add (call $inf (local.get 0)) (i32.const 1)))
)"#;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wamr-xip-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn build(dir: &Path, codegen: CodegenOptions) -> PathBuf {
    let wasm = wat::parse_str(WAT).unwrap();
    let image = compile(
        &wasm,
        &CompileOptions {
            codegen,
            ..Default::default()
        },
    )
    .unwrap();
    let path = dir.join("app.aot");
    wamr_aot::write_image(&path, &image).unwrap();
    path
}

fn linker() -> Linker {
    linker_for(Aot::new())
}

/// A linker for `engine` with the module's one import, `env.twice`.
fn linker_for(engine: std::rc::Rc<dyn wamr_common::Engine>) -> Linker {
    let mut linker = Linker::new(engine);
    linker.func(
        "env",
        "twice",
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, a, r| {
            let Val::I32(x) = a[0] else { unreachable!() };
            r[0] = Val::I32(x * 2);
            Ok(())
        },
    );
    linker
}

#[test]
fn same_input_same_image_whatever_the_threads() {
    let wasm = wat::parse_str(WAT).unwrap();
    let one = compile(
        &wasm,
        &CompileOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let many = compile(
        &wasm,
        &CompileOptions {
            threads: Some(4),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(one, many);
    assert_eq!(one, compile(&wasm, &CompileOptions::default()).unwrap());
}

#[test]
fn runs_in_place_from_a_read_only_file() {
    let dir = temp_dir("ro");
    let path = build(&dir, CodegenOptions::default());
    let before = std::fs::read(&path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true); // mode 0444
    std::fs::set_permissions(&path, perms).unwrap();

    let module = load(&path).unwrap();
    let linker = linker();
    let a = Instance::new(&module, &linker).unwrap();
    let b = Instance::new(&module, &linker).unwrap();
    assert_eq!(
        a.invoke("fib", &[Val::I32(20)]).unwrap(),
        vec![Val::I32(6765)]
    );
    assert_eq!(
        b.invoke("host", &[Val::I32(21)]).unwrap(),
        vec![Val::I32(42)]
    );

    // The text is one r-x mapping of the image file, shared by both instances.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let canonical = std::fs::canonicalize(&path).unwrap();
    let lines: Vec<&str> = maps
        .lines()
        .filter(|l| l.ends_with(canonical.to_str().unwrap()))
        .collect();
    // (Shared mappings: page-cache pages are shared by every process running the image.)
    let perms = |l: &&str| l.split_whitespace().nth(1).unwrap_or("").to_string();
    assert_eq!(
        lines.iter().filter(|l| perms(l).starts_with("r-x")).count(),
        1,
        "{lines:#?}"
    );
    assert!(lines.iter().all(|l| !perms(l).contains('w')), "{lines:#?}");

    drop((a, b, module, linker));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "running must not change the file"
    );
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn position_independent_code_runs_from_two_mappings() {
    let dir = temp_dir("pic");
    let path = build(&dir, CodegenOptions::default());
    let copy = dir.join("copy.aot");
    std::fs::copy(&path, &copy).unwrap();
    let (m1, m2) = (load(&path).unwrap(), load(&copy).unwrap());
    let t1 = wamr_aot::image_of(&m1).unwrap().text().as_ptr();
    let t2 = wamr_aot::image_of(&m2).unwrap().text().as_ptr();
    assert_ne!(t1, t2);
    let linker = linker();
    for m in [&m1, &m2] {
        let i = Instance::new(m, &linker).unwrap();
        assert_eq!(
            i.invoke("fib", &[Val::I32(15)]).unwrap(),
            vec![Val::I32(610)]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn traps_leave_the_instance_usable_in_every_mode() {
    for (name, codegen) in [
        ("guard", CodegenOptions::default()),
        (
            "checks",
            CodegenOptions {
                bounds_checks: true,
                ..Default::default()
            },
        ),
        (
            "indirect",
            CodegenOptions {
                indirect_calls: true,
                ..Default::default()
            },
        ),
    ] {
        let dir = temp_dir(name);
        let module = load(&build(&dir, codegen)).unwrap();
        let linker = linker();
        let i = Instance::new(&module, &linker).unwrap();
        let err = i.invoke("div", &[Val::I32(1), Val::I32(0)]).unwrap_err();
        assert_eq!(err.message(), "integer divide by zero", "{name}");
        let err = i.invoke("load", &[Val::I32(65534)]).unwrap_err();
        assert_eq!(err.message(), "out of bounds memory access", "{name}");
        let err = i.invoke("load", &[Val::I32(-1)]).unwrap_err();
        assert_eq!(err.message(), "out of bounds memory access", "{name}");
        let err = i.invoke("inf", &[Val::I32(0)]).unwrap_err();
        assert_eq!(err.message(), "call stack exhausted", "{name}");
        assert_eq!(
            i.invoke("div", &[Val::I32(7), Val::I32(2)]).unwrap(),
            vec![Val::I32(3)],
            "{name}"
        );
        assert_eq!(
            i.invoke("load", &[Val::I32(0)]).unwrap(),
            vec![Val::I32(0)],
            "{name}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn damaged_foreign_and_unknown_images_are_refused() {
    let dir = temp_dir("bad");
    let path = build(&dir, CodegenOptions::default());
    let good = std::fs::read(&path).unwrap();
    let bad = dir.join("bad.aot");
    let refuse = |bytes: &[u8], what: &str| {
        wamr_aot::write_image(&bad, bytes).unwrap();
        let err = load(&bad).expect_err(what).to_string();
        assert!(err.contains("bad.aot"), "{what}: {err}");
        err
    };
    refuse(&good[..good.len() / 2], "truncated");
    refuse(&good[..10], "header only");
    refuse(b"", "empty");
    refuse(&wat::parse_str(WAT).unwrap(), "a wasm file");
    for at in [9, 17, 40, 100, good.len() / 2, good.len() - 1] {
        let mut b = good.clone();
        b[at] ^= 0x01;
        refuse(&b, "bit flip");
    }
    // A well-formed image for another architecture, as a cross compiler writes it.
    let other = if cfg!(target_arch = "x86_64") {
        "aarch64"
    } else {
        "x86_64"
    };
    let foreign = compile(
        &wat::parse_str(WAT).unwrap(),
        &CompileOptions {
            target: wamr_aot::Target {
                arch: Some(other.into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert!(refuse(&foreign, "foreign").contains("this host is"));
    // This host's image with only the architecture field changed (checksum recomputed):
    // laid out for the wrong page size, so the layout check refuses it.
    let mut relabelled = good.clone();
    let other_id = if cfg!(target_arch = "x86_64") {
        2u32
    } else {
        1u32
    };
    relabelled[16..20].copy_from_slice(&other_id.to_le_bytes());
    let n = relabelled.len() - 8;
    let sum = wamr_aot::image::hash64(&relabelled[..n]);
    relabelled[n..].copy_from_slice(&sum.to_le_bytes());
    assert!(refuse(&relabelled, "relabelled").contains("layout puts it"));
    // An image that needs a CPU feature this host does not have (an unknown one here).
    let mut needs = good.clone();
    needs[32 + 7] |= 0x80;
    let sum = wamr_aot::image::hash64(&needs[..n]);
    needs[n..].copy_from_slice(&sum.to_le_bytes());
    assert!(refuse(&needs, "features").contains("CPU features this host lacks"));
    let mut version = good.clone();
    version[8] = 99;
    assert!(refuse(&version, "version").contains("version"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The host calls wasm, which calls the host, which calls wasm again; a trap deep inside
/// comes back out as a value and everything stays usable.
#[test]
fn host_and_wasm_call_each_other_reentrantly() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let wat = r#"(module
      (import "env" "back" (func $back (param i32) (result i32)))
      (func (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 100))
          (else (i32.add (i32.const 1) (call $back (i32.sub (local.get 0) (i32.const 1)))))))
      (func (export "trap_at") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (unreachable))
          (else (call $back (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let dir = temp_dir("reent");
    let path = dir.join("r.aot");
    wamr_aot::write_image(
        &path,
        &compile(&wat::parse_str(wat).unwrap(), &CompileOptions::default()).unwrap(),
    )
    .unwrap();
    let module = load(&path).unwrap();
    let target: Rc<RefCell<Option<wamr_common::Func>>> = Rc::new(RefCell::new(None));
    let mut linker = Linker::new(Aot::new());
    let t = target.clone();
    linker.func(
        "env",
        "back",
        FuncType::new([ValType::I32], [ValType::I32]),
        move |_, a, r| {
            let f = t.borrow().clone().expect("set");
            r[0] = f.call(a)?[0].clone();
            Ok(())
        },
    );
    let inst = Instance::new(&module, &linker).unwrap();
    *target.borrow_mut() = inst.get_func("down");
    assert_eq!(
        inst.invoke("down", &[Val::I32(50)]).unwrap(),
        vec![Val::I32(150)]
    );
    *target.borrow_mut() = inst.get_func("trap_at");
    let err = inst.invoke("trap_at", &[Val::I32(10)]).unwrap_err();
    assert_eq!(err.message(), "unreachable");
    *target.borrow_mut() = inst.get_func("down");
    assert_eq!(
        inst.invoke("down", &[Val::I32(3)]).unwrap(),
        vec![Val::I32(103)]
    );
    *target.borrow_mut() = None; // break the func -> closure -> func cycle
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without prologue checks, runaway recursion runs into the thread's guard page: the
/// fault in compiled code becomes a "call stack exhausted" trap, not a crash.
#[test]
fn stack_overflow_without_checks_is_a_trap() {
    let dir = temp_dir("nocheck");
    let path = build(
        &dir,
        CodegenOptions {
            stack_bounds_checks: false,
            ..Default::default()
        },
    );
    // A thread of its own with a small stack, so the overflow comes quickly.
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let module = load(&path).unwrap();
            let linker = linker();
            let i = Instance::new(&module, &linker).unwrap();
            let err = i.invoke("inf", &[Val::I32(0)]).unwrap_err();
            assert_eq!(err.message(), "call stack exhausted");
            assert_eq!(
                i.invoke("fib", &[Val::I32(10)]).unwrap(),
                vec![Val::I32(55)]
            );
        })
        .unwrap()
        .join()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The loader does not validate function bodies again (the image vouches for them), so
/// the module it returns is marked, and the interpreter refuses it rather than trust it.
#[test]
fn the_interpreter_refuses_a_module_loaded_from_an_image() {
    let dir = temp_dir("interp");
    let module = load(&build(&dir, CodegenOptions::default())).unwrap();
    assert!(!module.code_validated);
    let linker = linker_for(wamr_interp::Interp::new(Default::default()));
    let Err(err) = Instance::new(&module, &linker) else {
        panic!("the interpreter accepted a module loaded from an image")
    };
    assert!(err.to_string().contains("AOT image"), "{err}");
    // The same bytes, validated, run in the interpreter.
    let wasm = wamr_common::Module::new(&wat::parse_str(WAT).unwrap()).unwrap();
    assert!(wasm.code_validated);
    let instance = Instance::new(&wasm, &linker).unwrap();
    assert_eq!(
        instance.invoke("fib", &[Val::I32(10)]).unwrap(),
        [Val::I32(55)]
    );
    std::fs::remove_dir_all(dir).ok();
}
