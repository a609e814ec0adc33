//! A thread that Rust's runtime did not start (an embedder's C thread) gets an alternate
//! signal stack from the AOT engine on its first call: with a guard page below it, and
//! unmapped again when the thread ends.

mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::load;
use wamr_aot::{compile, Aot, CompileOptions};
use wamr_common::{Instance, Linker, Val};

static STACK_LOW: AtomicUsize = AtomicUsize::new(0);
static GUARDED: AtomicUsize = AtomicUsize::new(0);

/// The mapping of `/proc/self/maps` that contains `addr`: (start, end, permissions).
fn mapping_of(addr: usize) -> Option<(usize, usize, String)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        let (range, perms) = (parts.next()?, parts.next()?);
        let (lo, hi) = range.split_once('-')?;
        let (lo, hi) = (
            usize::from_str_radix(lo, 16).ok()?,
            usize::from_str_radix(hi, 16).ok()?,
        );
        (lo <= addr && addr < hi).then(|| (lo, hi, perms.to_string()))
    })
}

extern "C" fn foreign_thread(image: *mut c_void) -> *mut c_void {
    // SAFETY: `image` is the path the test passed, alive until the thread is joined.
    let path = unsafe { &*(image as *const std::path::PathBuf) };
    assert!(
        wamr_aot::alt_stack().is_none(),
        "a C thread starts without one"
    );
    let module = load(path).unwrap();
    let instance = Instance::new(&module, &Linker::new(Aot::new())).unwrap();
    assert_eq!(
        instance.invoke("id", &[Val::I32(7)]).unwrap(),
        [Val::I32(7)]
    );
    let (low, size) = wamr_aot::alt_stack().expect("installed by the first call");
    assert!(size >= 16 * 1024);
    STACK_LOW.store(low, Ordering::SeqCst);
    let guard = mapping_of(low - 1);
    if guard.is_some_and(|(_, hi, perms)| hi == low && perms.starts_with("---")) {
        GUARDED.store(1, Ordering::SeqCst);
    }
    std::ptr::null_mut()
}

#[test]
fn a_foreign_thread_gets_a_guarded_alt_stack_that_is_freed() {
    let wasm =
        wat::parse_str(r#"(module (func (export "id") (param i32) (result i32) local.get 0))"#)
            .unwrap();
    let dir = common::ImageDir::new("alt-stack");
    let path = dir.write(
        "id.aot",
        &compile(&wasm, &CompileOptions::default()).unwrap(),
    );
    // SAFETY: a plain pthread running `foreign_thread` with a pointer to `path`, which
    // outlives it (joined below).
    unsafe {
        let mut thread: libc::pthread_t = std::mem::zeroed();
        let arg = &path as *const std::path::PathBuf as *mut c_void;
        assert_eq!(
            libc::pthread_create(&mut thread, std::ptr::null(), foreign_thread, arg),
            0
        );
        assert_eq!(libc::pthread_join(thread, std::ptr::null_mut()), 0);
    }
    let low = STACK_LOW.load(Ordering::SeqCst);
    assert_ne!(low, 0, "the thread ran");
    assert_eq!(
        GUARDED.load(Ordering::SeqCst),
        1,
        "a guard page lies below it"
    );
    assert!(
        mapping_of(low).is_none_or(|(_, _, perms)| !perms.starts_with("rw")),
        "unmapped when the thread ended"
    );
}
