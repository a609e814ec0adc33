//! Process-wide LLVM options, set once before the tier's first compile. LLVM keeps
//! these in global state (`cl::opt`), shared with anything else in the process that
//! uses LLVM.

use std::ffi::{c_char, CString};
use std::sync::Once;

/// - `-vectorizer-min-trip-count=8` (LLVM: 16): a loop LLVM knows runs 8 to 15 times
///   may be vectorised with run-time alias checks and a scalar remainder when the cost
///   model finds it pays. The loops `translate::versioning` frees of trapping accesses
///   often have such small constant counts (matrix's inner product runs 10 times).
/// - `-x86-experimental-pref-innermost-loop-alignment=6`: innermost loops start at a
///   64-byte boundary (LLVM: 16), so a hot loop's place in the fetch and decoded-µop
///   lines no longer depends on the code before it in its function (functions already
///   start at 64, `super::FUNCTION_ALIGN`). Whole processes against 16: minicsv 15% and
///   sieve 6% faster, matrix and ctype unchanged. (`-align-loops`, llc's spelling, is
///   not an option of libLLVM itself; the x86 option for all loops is gone in LLVM 19.)
///
/// LLVM's C entry point parses with its error stream set to nothing: an option it does
/// not know is dropped without a word. Each of these was checked by parsing it and then
/// `-help-hidden` through that same entry point against Debian's libLLVM 19.
const OPTIONS: &[&str] = &[
    "wamr-compile",
    "-vectorizer-min-trip-count=8",
    "-x86-experimental-pref-innermost-loop-alignment=6",
];

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
        // live (in `args`) until the call returns, and LLVM copies what it keeps.
        // `Once` makes this the process's only parse (a second would give each option
        // twice, which LLVM rejects).
        unsafe {
            inkwell::llvm_sys::support::LLVMParseCommandLineOptions(
                argv.len() as i32,
                argv.as_ptr(),
                overview.as_ptr(),
            );
        }
    });
}
