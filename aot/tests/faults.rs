//! A fault in compiled code is a wasm trap only inside a linear memory's reservation or
//! the stack guard; any other fault is reported as a runtime bug, never as a wasm trap.

#![cfg(target_arch = "x86_64")]

mod common;
use common::load;

use wamr_aot::{compile, Aot, CompileOptions};
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

/// Whoever can write an image can change the code that runs, so an image others can
/// write is refused before it is mapped, and one written with `write_image` is not.
#[test]
fn images_others_can_write_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let wasm = wat::parse_str(WAT).unwrap();
    let image = compile(&wasm, &CompileOptions::default()).unwrap();
    let dir = common::ImageDir::new("writable");
    let path = dir.write("w.aot", &image);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&path) & 0o022,
        0,
        "write_image leaves no group/other write"
    );
    load(&path).unwrap();
    for bad in [0o664, 0o646, 0o666] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("w.aot") && err.contains("writable by its group or others"),
            "{bad:o}: {err}"
        );
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A file of another user (only root can make one here).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("belongs to uid 65534"), "{err}");
    } else {
        eprintln!("not root: the other-owner case needs chown and is not run");
    }
}
