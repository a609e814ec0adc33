//! Interpreter options.

use std::str::FromStr;

/// How control passes from one handler to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Threaded where the compiler guarantees sibling calls (optimised builds on x86-64
    /// and aarch64), the loop elsewhere.
    Auto,
    /// Each handler ends by calling the next one (a jump after sibling-call optimisation).
    Threaded,
    /// A portable loop calls each handler and takes back the next instruction.
    Loop,
}

/// Which handler table runs the bytecode; the bytecode is the same for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerSet {
    /// The best set this CPU supports.
    Auto,
    /// Plain code for the target (x86-64's SIMD lanes with SSE2, which every x86-64 has).
    Generic,
    /// SIMD lanes through `wamr_common::simd`, code written for no CPU in particular (the
    /// set every target builds; on x86-64 the tests run it too).
    Portable,
    /// x86-64-v3: BMI1/BMI2/LZCNT/POPCNT for scalar ops (`tzcnt`, `lzcnt`, `popcnt`,
    /// `shlx`...) and SSSE3/SSE4.1/AVX2 for SIMD lanes. `bmi` names it too.
    Avx2,
}

impl FromStr for Dispatch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Dispatch::Auto),
            "threaded" => Ok(Dispatch::Threaded),
            "loop" => Ok(Dispatch::Loop),
            _ => Err(format!(
                "unknown dispatch `{s}` (expected auto, threaded or loop)"
            )),
        }
    }
}

impl FromStr for HandlerSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(HandlerSet::Auto),
            "generic" => Ok(HandlerSet::Generic),
            "portable" => Ok(HandlerSet::Portable),
            // `bmi` was this set's name before it held SIMD handlers.
            "avx2" | "bmi" => Ok(HandlerSet::Avx2),
            _ => Err(format!(
                "unknown handler set `{s}` (expected auto, generic, portable or avx2)"
            )),
        }
    }
}

/// Interpreter configuration. `Default` reads `WAMR_DISPATCH` and `WAMR_HANDLERS` from the
/// environment so users and tests can force a dispatcher or handler set.
#[derive(Debug, Clone)]
pub struct InterpConfig {
    pub dispatch: Dispatch,
    pub handlers: HandlerSet,
    /// Translate every function at instantiation instead of on first call.
    pub eager: bool,
    /// Deepest wasm call nesting before "call stack exhausted".
    pub max_call_depth: usize,
    /// Size of the value stack in 8-byte slots.
    pub stack_slots: usize,
    /// Fuel charges and interruption checks in the bytecode (none by default: code
    /// without them runs at full speed and ignores the store's fuel).
    pub metering: wamr_common::metering::Metering,
}

impl Default for InterpConfig {
    fn default() -> Self {
        let env = |k: &str| std::env::var(k).ok();
        InterpConfig {
            dispatch: env("WAMR_DISPATCH")
                .and_then(|v| v.parse().ok())
                .unwrap_or(Dispatch::Auto),
            handlers: env("WAMR_HANDLERS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(HandlerSet::Auto),
            eager: false,
            max_call_depth: 20_000,
            stack_slots: 4 << 20,
            metering: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_sets_and_dispatchers_parse_or_say_what_is_expected() {
        for (text, set) in [
            ("auto", HandlerSet::Auto),
            ("generic", HandlerSet::Generic),
            ("portable", HandlerSet::Portable),
            ("avx2", HandlerSet::Avx2),
            // The avx2 set's former name.
            ("bmi", HandlerSet::Avx2),
        ] {
            assert_eq!(text.parse::<HandlerSet>(), Ok(set));
        }
        for bad in ["", "AVX2", "sse2", "neon"] {
            let err = bad.parse::<HandlerSet>().unwrap_err();
            assert!(
                err.contains("expected auto, generic, portable or avx2"),
                "{err}"
            );
        }
        assert_eq!("loop".parse::<Dispatch>(), Ok(Dispatch::Loop));
        assert!("jit"
            .parse::<Dispatch>()
            .unwrap_err()
            .contains("expected auto"));
    }
}
