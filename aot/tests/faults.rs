//! A fault in compiled code is a wasm trap only inside a linear memory's reservation or
//! the stack guard; any other fault is reported as a runtime bug, never as a wasm trap.

#![cfg(target_arch = "x86_64")]

mod common;

use wamr_aot::{compile, load, Aot, CompileOptions};
use wamr_common::{Instance, Linker, TrapKind, Val};

const WAT: &str = r#"(module
  (memory 1)
  (func (export "oob") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "wild") (result i32) (i32.const 1)))"#;

#[test]
fn only_guard_region_faults_are_wasm_traps() {
    let wasm = wat::parse_str(WAT).unwrap();
    let mut image = compile(&wasm, &CompileOptions::default()).unwrap();
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let layout = wamr_aot::image::parse(&image, page).unwrap();
    // Rewrite `wild` to load from address 0x10 (`mov eax, [0x10]`), as a miscompiled
    // access would, and give the image a correct checksum again.
    let at = layout.text.start + layout.funcs[1].0 as usize;
    image[at..at + 7].copy_from_slice(&[0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00]);
    let n = image.len() - 8;
    let sum = wamr_aot::image::hash64(&image[..n]);
    image[n..].copy_from_slice(&sum.to_le_bytes());
    let dir = common::ImageDir::new("faults");
    let path = dir.write("wild.aot", &image);

    let module = load(&path).unwrap();
    let instance = Instance::new(&module, &Linker::new(Aot::new())).unwrap();
    // Past the end of the memory, inside its reservation: a wasm trap.
    let trap = instance.invoke("oob", &[Val::I32(-4)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::MemoryOutOfBounds, "{trap}");
    // Anywhere else: a runtime bug, said so, and the process lives on.
    let bug = instance.invoke("wild", &[]).unwrap_err();
    assert_ne!(bug.kind(), TrapKind::MemoryOutOfBounds, "{bug}");
    assert!(
        bug.message().contains("runtime bug") && bug.message().contains("0x10"),
        "{bug}"
    );
    assert_eq!(
        instance.invoke("oob", &[Val::I32(0)]).unwrap(),
        [Val::I32(0)],
        "the instance still runs"
    );
}

/// An image replaced by rename while it runs keeps running (the mapping holds the old
/// file); one truncated in place makes the next call a clear error, never a crash.
#[test]
fn a_truncated_running_image_is_an_error_not_a_crash() {
    let wasm = wat::parse_str(WAT).unwrap();
    let image = compile(&wasm, &CompileOptions::default()).unwrap();
    let dir = common::ImageDir::new("truncated");
    let path = dir.write("m.aot", &image);
    let module = load(&path).unwrap();
    let instance = Instance::new(&module, &Linker::new(Aot::new())).unwrap();
    assert_eq!(instance.invoke("wild", &[]).unwrap(), [Val::I32(1)]);

    // Replaced by rename (what wamr-compile and the cache do): the old code runs on.
    let tmp = dir.write("m.aot.new", b"something else entirely");
    std::fs::rename(&tmp, &path).unwrap();
    assert_eq!(instance.invoke("wild", &[]).unwrap(), [Val::I32(1)]);

    // Truncated in place: the next call is an error that says so.
    let inplace = dir.write("n.aot", &image);
    let module = load(&inplace).unwrap();
    let instance = Instance::new(&module, &Linker::new(Aot::new())).unwrap();
    assert_eq!(instance.invoke("wild", &[]).unwrap(), [Val::I32(1)]);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&inplace)
        .unwrap()
        .set_len(0)
        .unwrap();
    let err = instance.invoke("wild", &[]).unwrap_err();
    assert!(err.message().contains("truncated while in use"), "{err}");
}
