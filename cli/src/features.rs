//! wamrc's proposal switches (`--enable-NAME`, `--disable-NAME`), shared by both tools.
//! Every proposal the runtime implements is on by default: `--enable-*` is accepted so
//! that wamrc command lines work unchanged, `--disable-*` refuses modules that use it.

use wamr_common::{Features, Proposal};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct FeatureArgs {
    /// Accept tail calls (on by default; wamrc's switch).
    #[arg(long = "enable-tail-call")]
    enable_tail_call: bool,
    /// Refuse modules that use tail calls (`return_call`, `return_call_indirect`).
    #[arg(long = "disable-tail-call", conflicts_with = "enable_tail_call")]
    disable_tail_call: bool,
    /// Accept extended constant expressions (on by default; wamrc's switch).
    #[arg(long = "enable-extended-const")]
    enable_extended_const: bool,
    /// Refuse modules whose constant expressions use `add`, `sub` or `mul`.
    #[arg(
        long = "disable-extended-const",
        conflicts_with = "enable_extended_const"
    )]
    disable_extended_const: bool,
    /// Refuse modules that use typed function references (`call_ref`, `(ref $t)`, ...).
    #[arg(long = "disable-function-references")]
    disable_function_references: bool,
    /// Accept exception handling (on by default; wamrc's switch).
    #[arg(long = "enable-exception-handling")]
    enable_exception_handling: bool,
    /// Refuse modules that use exception handling (tags, `throw`, `try_table`, the legacy
    /// `try`).
    #[arg(
        long = "disable-exception-handling",
        conflicts_with = "enable_exception_handling"
    )]
    disable_exception_handling: bool,
    /// Accept several memories (on by default; wamrc's switch).
    #[arg(long = "enable-multi-memory")]
    enable_multi_memory: bool,
    /// Refuse modules with more than one memory.
    #[arg(long = "disable-multi-memory", conflicts_with = "enable_multi_memory")]
    disable_multi_memory: bool,
    /// Accept 64-bit memories (on by default; wamrc's switch).
    #[arg(long = "enable-memory64")]
    enable_memory64: bool,
    /// Refuse modules with a 64-bit memory.
    #[arg(long = "disable-memory64", conflicts_with = "enable_memory64")]
    disable_memory64: bool,
    /// Accept 128-bit SIMD (on by default; wamrc's switch). The interpreter does not run
    /// SIMD yet and says so; AOT does.
    #[arg(long = "enable-simd")]
    enable_simd: bool,
    /// Refuse modules that use SIMD (v128 values or operators), relaxed SIMD included.
    #[arg(long = "disable-simd", conflicts_with = "enable_simd")]
    disable_simd: bool,
    /// Accept relaxed SIMD (on by default, with one deterministic result per operation).
    #[arg(long = "enable-relaxed-simd")]
    enable_relaxed_simd: bool,
    /// Refuse modules that use relaxed SIMD.
    #[arg(long = "disable-relaxed-simd", conflicts_with = "enable_relaxed_simd")]
    disable_relaxed_simd: bool,
}

impl FeatureArgs {
    /// The proposals a module may use: everything the runtime implements (SIMD too, as
    /// wamrc does) unless turned off.
    pub fn features(&self) -> Features {
        let mut f = Features::implemented();
        for (p, off) in [
            (Proposal::TailCall, self.disable_tail_call),
            (Proposal::ExtendedConst, self.disable_extended_const),
            (
                Proposal::FunctionReferences,
                self.disable_function_references,
            ),
            (Proposal::Exceptions, self.disable_exception_handling),
            (Proposal::MultiMemory, self.disable_multi_memory),
            (Proposal::Memory64, self.disable_memory64),
            (Proposal::Simd, self.disable_simd),
            // Relaxed SIMD builds on SIMD.
            (
                Proposal::RelaxedSimd,
                self.disable_relaxed_simd || self.disable_simd,
            ),
        ] {
            if off {
                f = f.without(p);
            }
        }
        f
    }
}
