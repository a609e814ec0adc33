//! The `validate` target: arbitrary bytes into our parser and validator. It must never
//! panic, and its verdict must agree with wasmparser's (for the features we support) and
//! with wasmi's (which supports more: a module we accept, it must accept too).

use std::fmt;

use wamr_common::{LoadError, Module};

/// Our verdict on some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    /// Valid, but using something we do not implement.
    Unsupported,
}

/// Our verdict and another validator's disagree.
#[derive(Debug, Clone)]
pub struct ValidateMismatch {
    pub bytes: Vec<u8>,
    pub ours: String,
    pub theirs: String,
    pub dump: Option<std::path::PathBuf>,
}

impl fmt::Display for ValidateMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "validation verdicts differ: ours {}, {}",
            self.ours, self.theirs
        )?;
        if let Some(p) = &self.dump {
            write!(f, "\nreproduction: {}", p.display())?;
        }
        Ok(())
    }
}

/// Checks `bytes`; `Err` when the verdicts disagree.
pub fn check_validate(bytes: &[u8]) -> Result<Verdict, Box<ValidateMismatch>> {
    let ours = Module::new(bytes);
    let features = wamr_common::module::supported_features();
    let validate = |f| wasmparser::Validator::new_with_features(f).validate_all(bytes);
    // Wasm 3.0 lets constant expressions read earlier defined globals; wasmparser files
    // that under GC, and ours accepts such a module when it uses nothing else of GC.
    let theirs = validate(features).or_else(|e| {
        let mut with_gc = features;
        with_gc.insert(wasmparser::WasmFeatures::GC);
        validate(with_gc).map_err(|_| e)
    });
    let mismatch = |ours: String, theirs: String| {
        let mut m = ValidateMismatch {
            bytes: bytes.to_vec(),
            ours,
            theirs,
            dump: None,
        };
        m.dump = crate::repro::dump("validate", bytes, &m.to_string()).ok();
        Err(Box::new(m))
    };
    let verdict = match (&ours, &theirs) {
        (Ok(_), Ok(_)) => Verdict::Valid,
        (Err(LoadError::Invalid { .. }), Err(_)) => Verdict::Invalid,
        (Err(LoadError::Unsupported(_) | LoadError::NeedsGc(_)), Ok(_)) => Verdict::Unsupported,
        (o, t) => {
            return mismatch(
                match o {
                    Ok(_) => "valid".into(),
                    Err(e) => e.to_string(),
                },
                match t {
                    Ok(_) => "wasmparser: valid".into(),
                    Err(e) => format!("wasmparser: {e}"),
                },
            )
        }
    };
    // wasmi 2.0 runs no typed function references and no exception handling: it is asked
    // only about modules without them.
    let mut wasmi_features = features;
    wasmi_features.remove(wasmparser::WasmFeatures::FUNCTION_REFERENCES);
    wasmi_features.remove(wasmparser::WasmFeatures::EXCEPTIONS);
    wasmi_features.remove(wasmparser::WasmFeatures::LEGACY_EXCEPTIONS);
    if verdict == Verdict::Valid && validate(wasmi_features).is_ok() {
        let engine = wasmi::Engine::default();
        if let Err(e) = wasmi::Module::new(&engine, bytes) {
            return mismatch("valid".into(), format!("wasmi: {e}"));
        }
    }
    Ok(verdict)
}
