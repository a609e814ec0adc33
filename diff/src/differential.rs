//! The `differential` target: a generated case run in every engine configuration, each
//! compared with the interpreter's run. On a difference the plan is minimised (calls
//! removed while the same engine still differs) and the reproduction written out.

use std::fmt;
use std::path::PathBuf;

use arbitrary::Unstructured;
use wamr_common::Module;

use crate::compare::{compare, Difference, NanMode};
use crate::gen::{Case, Plan};
use crate::run::{self, EngineId, Observation};

/// A case every engine agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseOutcome {
    /// Every engine agreed; `calls` calls were compared. `wasmi_excused`: only wasmi
    /// disagreed, on a module with a construct it is known to get wrong
    /// ([`known_wasmi_issue`]); our five configurations agreed with each other.
    Agreed {
        calls: usize,
        trapped: usize,
        wasmi_excused: bool,
        /// wasmi did not run the module ([`run::wasmi_cannot_run`]).
        wasmi_skipped: bool,
    },
    /// The fuzz input did not make a module (too short).
    NoModule,
}

/// Engines that disagreed with the interpreter on a case.
#[derive(Debug, Clone)]
pub struct Divergence {
    pub wasm: Vec<u8>,
    /// The minimised plan that still shows the first difference.
    pub plan: Plan,
    /// Each disagreeing engine and its first difference from the interpreter (on the
    /// full plan).
    pub differences: Vec<(EngineId, Difference)>,
    /// The reproduction's `.wasm` (with `.wat` and `.txt` beside it), if writing worked.
    pub dump: Option<PathBuf>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "engines disagree with the interpreter:")?;
        for (e, d) in &self.differences {
            writeln!(f, "  {e}: {d}")?;
        }
        write!(f, "minimised plan:\n{}", self.plan)?;
        match &self.dump {
            Some(p) => write!(
                f,
                "reproduction: {} (and .wat, .txt beside it)",
                p.display()
            ),
            None => write!(f, "(the reproduction could not be written)"),
        }
    }
}

/// A module loaded once for an engine configuration, so a plan can be re-run cheaply.
enum Loaded {
    Ours(Module),
    Wasmi,
    Failed(Observation),
}

fn load(engine: EngineId, wasm: &[u8]) -> Loaded {
    let module = match engine {
        EngineId::Wasmi => return Loaded::Wasmi,
        EngineId::Interp | EngineId::InterpMetered => Module::new(wasm).map_err(|e| e.to_string()),
        EngineId::Aot { .. } | EngineId::AotMetered | EngineId::AotLlvm => {
            run::load_aot(wasm, engine.codegen().expect("AOT"))
        }
    };
    match module {
        Ok(m) => Loaded::Ours(m),
        // The observation of a module that does not load is its load error.
        Err(_) => Loaded::Failed(run::observe(engine, wasm, &Plan::default())),
    }
}

fn observe(engine: EngineId, loaded: &Loaded, wasm: &[u8], plan: &Plan) -> Observation {
    match loaded {
        Loaded::Ours(m) => run::observe_module(engine, m, plan),
        Loaded::Wasmi => run::observe_wasmi(wasm, plan),
        Loaded::Failed(obs) => obs.clone(),
    }
}

/// Runs `case` in the interpreter and in each of `engines`, comparing bit for bit
/// ([`NanMode::Exact`]: generated modules canonicalise NaNs).
pub fn check_case(case: &Case, engines: &[EngineId]) -> Result<CaseOutcome, Box<Divergence>> {
    let reference = load(EngineId::Interp, &case.wasm);
    let expected = observe(EngineId::Interp, &reference, &case.wasm, &case.plan);
    let mut differences = Vec::new();
    let mut first: Option<(EngineId, Loaded)> = None;
    // The metered interpreter's run, against which metered AOT's fuel is compared.
    let mut metered: Option<Observation> = None;
    let wasmi_skipped = run::wasmi_cannot_run(&case.wasm).is_some();
    for &e in engines.iter().filter(|e| **e != EngineId::Interp) {
        if e == EngineId::Wasmi && wasmi_skipped {
            continue;
        }
        let loaded = load(e, &case.wasm);
        let got = observe(e, &loaded, &case.wasm, &case.plan);
        let against = match e {
            EngineId::AotMetered => metered.get_or_insert_with(|| {
                let interp = load(EngineId::InterpMetered, &case.wasm);
                observe(EngineId::InterpMetered, &interp, &case.wasm, &case.plan)
            }),
            _ => &expected,
        };
        let found = compare(&expected, &got, NanMode::Exact)
            .or_else(|| compare(against, &got, NanMode::Exact));
        if e == EngineId::InterpMetered {
            metered = Some(got.clone());
        }
        if let Some(d) = found {
            differences.push((e, d));
            if first.is_none() {
                first = Some((e, loaded));
            }
        }
    }
    let wasmi_excused = !differences.is_empty()
        && differences.iter().all(|(e, _)| *e == EngineId::Wasmi)
        && known_wasmi_issue(&case.wasm).is_some();
    if differences.is_empty() || wasmi_excused {
        let trapped = expected.calls.iter().filter(|c| c.outcome.is_err()).count();
        return Ok(CaseOutcome::Agreed {
            calls: expected.calls.len(),
            trapped,
            wasmi_excused,
            wasmi_skipped,
        });
    }
    let (engine, loaded) = first.expect("a difference was recorded");
    // Minimise the plan: drop calls, last first, while the same engine still differs.
    let mut plan = case.plan.clone();
    for i in (0..plan.calls.len()).rev() {
        let mut shorter = plan.clone();
        shorter.calls.remove(i);
        let a = observe(EngineId::Interp, &reference, &case.wasm, &shorter);
        let b = observe(engine, &loaded, &case.wasm, &shorter);
        if compare(&a, &b, NanMode::Exact).is_some() {
            plan = shorter;
        }
    }
    let mut div = Divergence {
        wasm: case.wasm.clone(),
        plan,
        differences,
        dump: None,
    };
    let report = div.to_string();
    div.dump = crate::repro::dump("diff", &case.wasm, &report).ok();
    Err(Box::new(div))
}

/// Constructs wasmi 2.0.0 (our pinned third opinion) is known to get wrong, so that
/// its lone dissent on a module containing one does not fail a run:
///
/// - `i32.eqz` or `i64.eqz` directly feeding `select`: wasmi 2.0.0 returns the wrong
///   operand of `select(i32.const 1, x, i32.eqz(x))` for `x = 3` (it gives 1). Found by
///   this crate's differential test (seed 37); pinned by the regression test
///   `wasmi_2_0_eqz_select_dissent_is_excused`. wasm-smith emits exactly this pattern to
///   guard divisions when it avoids traps.
pub fn known_wasmi_issue(wasm: &[u8]) -> Option<&'static str> {
    use wasmparser::{Operator, Parser, Payload};
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        let Ok(mut ops) = body.get_operators_reader() else {
            continue;
        };
        let mut prev_eqz = false;
        while !ops.eof() {
            let Ok(op) = ops.read() else { break };
            let is_select = matches!(op, Operator::Select | Operator::TypedSelect { .. });
            if prev_eqz && is_select {
                return Some("eqz feeding select (wasmi 2.0.0 picks the wrong operand)");
            }
            prev_eqz = matches!(op, Operator::I32Eqz | Operator::I64Eqz);
        }
    }
    None
}

/// The `differential` fuzz target: a case from `data`, run in every configuration
/// ([`EngineId::all`]).
pub fn check_differential(data: &[u8]) -> Result<CaseOutcome, Box<Divergence>> {
    check_differential_in(data, &EngineId::all())
}

/// [`check_differential`] over a chosen set of engine configurations.
pub fn check_differential_in(
    data: &[u8],
    engines: &[EngineId],
) -> Result<CaseOutcome, Box<Divergence>> {
    let Ok(case) = crate::gen::arbitrary_case(&mut Unstructured::new(data)) else {
        return Ok(CaseOutcome::NoModule);
    };
    check_case(&case, engines)
}
