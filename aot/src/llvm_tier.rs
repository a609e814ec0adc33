//! What the compiler and the LLVM tier agree on: the target LLVM is given, the laid-out
//! code it hands back, and the tier's entry, installed at run time.
//!
//! `compile` calls the tier only through the entry [`install`] stores, which
//! `wamr_aot::enable_llvm_backend` (in `llvm/`) does. So the code that references LLVM
//! lives apart from everything `compile` reaches by name (this module holds no call into
//! it): a program that never enables the tier (`wamr-run`) links none of it and does not
//! load libLLVM.

use std::sync::OnceLock;

use cranelift_codegen::ir;

/// What LLVM is asked to target: a baseline CPU plus exactly the features the image
/// records (so the loader's feature check covers everything the code may use), tuned
/// for this host's CPU when `tune_for_host`.
pub(crate) struct LlvmTarget {
    pub triple: &'static str,
    pub features: String,
    pub tune_for_host: bool,
    /// 1 or 2 optimise (`default<O2>` / `default<O3>`); 0 does not.
    pub opt_level: u8,
    /// Explicit bounds checks guard every linear-memory access (else guard pages do).
    pub bounds_checks: bool,
    /// Indirect mode: where each defined function's entry sits in the vmctx (offset to
    /// wasm index), so a call through one becomes a guarded direct call (see `lower`).
    pub entry_offsets: std::collections::HashMap<i32, u32>,
}

/// Laid-out machine code: the text, each defined function's (offset, length) in index
/// order, each trampoline's offset.
pub(crate) struct Linked {
    pub text: Vec<u8>,
    pub funcs: Vec<(u32, u32)>,
    pub trampolines: Vec<u32>,
}

/// The tier: compiles `funcs` (wasm index, CLIF) and `trampolines` for `target`.
pub(crate) type Tier =
    fn(&[(u32, ir::Function)], &[ir::Function], &LlvmTarget) -> Result<Linked, String>;

static TIER: OnceLock<Tier> = OnceLock::new();

/// Installs the tier (the first installation stays).
pub(crate) fn install(tier: Tier) {
    TIER.get_or_init(|| tier);
}

/// Whether this program has enabled the LLVM tier (`wamr_aot::enable_llvm_backend`).
pub fn llvm_backend_enabled() -> bool {
    TIER.get().is_some()
}

/// Calls the installed tier, or says that the program has not enabled it.
pub(crate) fn call(
    funcs: &[(u32, ir::Function)],
    trampolines: &[ir::Function],
    target: &LlvmTarget,
) -> Result<Linked, String> {
    let tier = TIER.get().ok_or_else(|| {
        "this program has not enabled the LLVM backend (it calls \
         wamr_aot::enable_llvm_backend() before compiling)"
            .to_string()
    })?;
    tier(funcs, trampolines, target)
}
