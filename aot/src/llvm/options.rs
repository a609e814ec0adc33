//! Process-wide LLVM options, set once before the tier's first compile. LLVM keeps
//! these in global state (`cl::opt`), shared with anything else in the process that
//! uses LLVM.

use std::ffi::{c_char, CString};
use std::sync::Once;

/// - `-vectorizer-min-trip-count=8` (LLVM: 16): a loop LLVM knows runs 8 to 15 times
///   may be vectorised with run-time alias checks and a scalar remainder when the cost
///   model finds it pays. The loops `translate::versioning` frees of trapping accesses
///   often have such small constant counts (matrix's inner product runs 10 times).
const OPTIONS: &[&str] = &["wamr-compile", "-vectorizer-min-trip-count=8"];

pub(super) fn set_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let args: Vec<CString> = OPTIONS
            .iter()
            .map(|a| CString::new(*a).expect("no NUL in the options"))
            .collect();
        let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let overview = CString::new("wamr-rs LLVM tier").expect("no NUL");
        // SAFETY: `argv` holds `argv.len()` pointers to NUL-terminated strings that
        // live (in `args`) until the call returns, and LLVM copies what it keeps. Every
        // option exists in LLVM 19 (an unknown one would make LLVM exit the process)
        // and `Once` makes this the process's only parse (LLVM rejects an option given
        // twice).
        unsafe {
            inkwell::llvm_sys::support::LLVMParseCommandLineOptions(
                argv.len() as i32,
                argv.as_ptr(),
                overview.as_ptr(),
            );
        }
    });
}
