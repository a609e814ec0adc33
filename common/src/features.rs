//! Which WebAssembly proposals a module may use. Everything both engines implement is on
//! by default; an embedder (or wamrc's `--disable-NAME` switches on the command line) can
//! turn a proposal off, and a module that uses it is then refused with an error naming
//! the proposal and how it was turned off.

use wasmparser::WasmFeatures;

/// A proposal beyond WebAssembly 2.0 that both engines implement and that can be turned
/// off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proposal {
    TailCall,
    ExtendedConst,
    FunctionReferences,
    MultiMemory,
    Memory64,
    Exceptions,
    /// Fixed-width 128-bit SIMD (part of WebAssembly 2.0, switchable as in wamrc).
    Simd,
    /// Relaxed SIMD (WebAssembly 3.0), with one deterministic result per operation.
    RelaxedSimd,
}

impl Proposal {
    pub const ALL: [Proposal; 8] = [
        Proposal::TailCall,
        Proposal::ExtendedConst,
        Proposal::FunctionReferences,
        Proposal::MultiMemory,
        Proposal::Memory64,
        Proposal::Exceptions,
        Proposal::Simd,
        Proposal::RelaxedSimd,
    ];

    /// Proposals implemented but not yet on by default (`Features::with` turns them on):
    /// none at present. A proposal one engine does not run yet waits here.
    pub const OFF_BY_DEFAULT: [Proposal; 0] = [];

    /// The proposal this one builds on, if any (relaxed SIMD extends SIMD).
    pub fn requires(self) -> Option<Proposal> {
        match self {
            Proposal::RelaxedSimd => Some(Proposal::Simd),
            _ => None,
        }
    }

    /// wamrc's name for it (`--enable-NAME`, `--disable-NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Proposal::TailCall => "tail-call",
            Proposal::ExtendedConst => "extended-const",
            Proposal::FunctionReferences => "function-references",
            Proposal::MultiMemory => "multi-memory",
            Proposal::Memory64 => "memory64",
            Proposal::Exceptions => "exception-handling",
            Proposal::Simd => "simd",
            Proposal::RelaxedSimd => "relaxed-simd",
        }
    }

    /// What it is, for messages.
    pub fn description(self) -> &'static str {
        match self {
            Proposal::TailCall => "tail calls",
            Proposal::ExtendedConst => "extended constant expressions",
            Proposal::FunctionReferences => "typed function references",
            Proposal::MultiMemory => "several memories",
            Proposal::Memory64 => "64-bit memories",
            Proposal::Exceptions => "exception handling",
            Proposal::Simd => "128-bit SIMD",
            Proposal::RelaxedSimd => "relaxed SIMD",
        }
    }

    /// The proposal named `name` (wamrc's spelling).
    pub fn from_name(name: &str) -> Option<Proposal> {
        Proposal::ALL.into_iter().find(|p| p.name() == name)
    }

    fn flags(self) -> WasmFeatures {
        match self {
            Proposal::TailCall => WasmFeatures::TAIL_CALL,
            Proposal::ExtendedConst => WasmFeatures::EXTENDED_CONST,
            Proposal::FunctionReferences => WasmFeatures::FUNCTION_REFERENCES,
            Proposal::MultiMemory => WasmFeatures::MULTI_MEMORY,
            Proposal::Memory64 => WasmFeatures::MEMORY64,
            // Both forms: `try_table` and exnref, and the legacy `try`/`catch`/`rethrow`/
            // `delegate` that toolchains still emit.
            Proposal::Exceptions => WasmFeatures::EXCEPTIONS.union(WasmFeatures::LEGACY_EXCEPTIONS),
            Proposal::Simd => WasmFeatures::SIMD,
            Proposal::RelaxedSimd => WasmFeatures::RELAXED_SIMD,
        }
    }
}

/// The proposals a module may use: all that the runtime implements unless turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features {
    /// Bit `i` set: `Proposal::ALL[i]` is off.
    disabled: u32,
    /// WebAssembly 3.0's other relaxations, which no proposal switch names (constant
    /// expressions may read earlier defined globals); off only in [`Features::wasm2`].
    wasm3: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features::all()
    }
}

impl Features {
    /// Everything the runtime implements and turns on by default (all but
    /// [`Proposal::OFF_BY_DEFAULT`]).
    pub fn all() -> Features {
        let disabled = Proposal::OFF_BY_DEFAULT
            .iter()
            .fold(0, |bits, p| bits | Self::bit(*p));
        Features {
            disabled,
            wasm3: true,
        }
    }

    /// Every proposal the runtime implements, those off by default included (what a
    /// compiled artifact may have been built with).
    pub fn implemented() -> Features {
        Features {
            disabled: 0,
            wasm3: true,
        }
    }

    /// WebAssembly 2.0 alone, without SIMD (its own switch and its own test set): no
    /// proposal, no 3.0 relaxation (what the 2.0 spec suite expects of a validator).
    pub fn wasm2() -> Features {
        Features {
            disabled: (1 << Proposal::ALL.len()) - 1,
            wasm3: false,
        }
    }

    /// Whether WebAssembly 3.0's relaxations that no proposal names apply.
    pub fn wasm3_relaxations(self) -> bool {
        self.wasm3
    }

    fn bit(p: Proposal) -> u32 {
        let i = Proposal::ALL
            .iter()
            .position(|q| *q == p)
            .expect("every proposal is in ALL");
        1 << i
    }

    /// These features with `p` turned off.
    pub fn without(self, p: Proposal) -> Features {
        Features {
            disabled: self.disabled | Self::bit(p),
            ..self
        }
    }

    /// These features with `p` turned on.
    pub fn with(self, p: Proposal) -> Features {
        Features {
            disabled: self.disabled & !Self::bit(p),
            ..self
        }
    }

    pub fn enabled(self, p: Proposal) -> bool {
        self.disabled & Self::bit(p) == 0
    }

    /// The proposals turned off.
    pub fn disabled(self) -> impl Iterator<Item = Proposal> {
        Proposal::ALL.into_iter().filter(move |p| !self.enabled(*p))
    }

    /// What the validator accepts.
    pub fn wasm_features(self) -> WasmFeatures {
        let mut f = supported_features();
        for p in self.disabled() {
            f.remove(p.flags());
        }
        f
    }
}

/// The WebAssembly features this runtime can accept: Wasm 2.0 plus the proposals of
/// [`Proposal`] (each switchable through [`Features`]).
pub fn supported_features() -> WasmFeatures {
    let mut f = WasmFeatures::WASM2;
    for p in Proposal::ALL {
        f.insert(p.flags());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_turn_off_one_at_a_time() {
        let all = Features::all();
        for p in Proposal::ALL {
            assert_eq!(
                all.enabled(p),
                !Proposal::OFF_BY_DEFAULT.contains(&p),
                "{p:?}"
            );
        }
        let everything = Proposal::OFF_BY_DEFAULT
            .into_iter()
            .fold(all, |f, p| f.with(p));
        assert_eq!(everything, Features::implemented());
        assert_eq!(everything.wasm_features(), supported_features());
        assert!(all.wasm_features().contains(WasmFeatures::SIMD));
        assert!(all.wasm_features().contains(WasmFeatures::RELAXED_SIMD));
        let no_tail = all.without(Proposal::TailCall);
        assert!(!no_tail.enabled(Proposal::TailCall));
        assert!(no_tail.enabled(Proposal::ExtendedConst));
        assert!(!no_tail.wasm_features().contains(WasmFeatures::TAIL_CALL));
        assert!(no_tail
            .wasm_features()
            .contains(WasmFeatures::EXTENDED_CONST));
        assert_eq!(no_tail.disabled().collect::<Vec<_>>(), [Proposal::TailCall]);
    }

    #[test]
    fn wasm2_turns_everything_off() {
        let v2 = Features::wasm2();
        assert_eq!(v2.disabled().count(), Proposal::ALL.len());
        assert!(!v2.wasm3_relaxations());
        assert!(v2.with(Proposal::TailCall).enabled(Proposal::TailCall));
        assert!(Features::all()
            .without(Proposal::TailCall)
            .wasm3_relaxations());
    }

    #[test]
    fn names_round_trip() {
        for p in Proposal::ALL {
            assert_eq!(Proposal::from_name(p.name()), Some(p));
        }
        assert_eq!(Proposal::from_name("gc"), None);
    }
}
