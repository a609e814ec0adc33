//! `wamr-run --mode diff`: one export of a user's module, run in the interpreter and in
//! AOT, reported as equal or as the first difference (results, trap, memory digest).

use std::fmt;

use wamr_common::{Module, Val};

use crate::compare::{compare, digest, NanMode, Value};
use crate::gen::{Plan, PlannedCall};
use crate::run::{self, EngineId, Observation};

/// Why a module cannot be diffed.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("invalid module: {0}")]
    Invalid(#[from] wamr_common::LoadError),
    /// Imports have side effects (WASI: files, clocks, exit) that running the module in
    /// two engines would repeat or that could differ between the runs.
    #[error(
        "the module imports {0}; `--mode diff` runs the module twice (once per engine), so it only takes modules without imports"
    )]
    Imports(String),
    #[error("no exported function named `{0}`")]
    NoSuchExport(String),
    #[error("`{func}` takes {expected}, got {got}")]
    Args {
        func: String,
        expected: String,
        got: String,
    },
}

/// The outcome of running one export in several engines.
#[derive(Debug, Clone)]
pub struct DiffReport {
    pub func: String,
    /// One observation per engine; the first is the interpreter's.
    pub observations: Vec<Observation>,
    /// The first engine that differs from the interpreter, and how.
    pub difference: Option<(EngineId, crate::Difference)>,
}

impl DiffReport {
    pub fn is_equal(&self) -> bool {
        self.difference.is_none()
    }
}

fn describe(o: &Observation) -> String {
    let outcome = match (&o.instantiation, o.calls.first()) {
        (Err(f), _) => format!("instantiation failed: {f}"),
        (Ok(()), Some(c)) => match &c.outcome {
            Ok(v) => {
                let v: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                format!("returned [{}]", v.join(", "))
            }
            Err(f) => format!("{f}"),
        },
        (Ok(()), None) => "no call".into(),
    };
    let mems: Vec<String> = o
        .memories
        .iter()
        .map(|(n, m)| format!("memory `{n}` digest {:#018x}", digest(m)))
        .collect();
    if mems.is_empty() {
        outcome
    } else {
        format!("{outcome}; {}", mems.join("; "))
    }
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .observations
            .iter()
            .map(|o| o.engine.to_string())
            .collect();
        match &self.difference {
            None => write!(
                f,
                "equal: {} agree on `{}`: {}",
                names.join(", "),
                self.func,
                self.observations.first().map(describe).unwrap_or_default()
            ),
            Some((engine, d)) => {
                writeln!(
                    f,
                    "DIFFERENT: {engine} disagrees with interp on `{}`",
                    self.func
                )?;
                writeln!(f, "  first difference: {d}")?;
                for o in &self.observations {
                    writeln!(f, "  {}: {}", o.engine, describe(o))?;
                }
                Ok(())
            }
        }
    }
}

/// Runs export `func` with `args` in the interpreter and in AOT (default code
/// generation), and compares results or trap, exported memories (digest), globals and
/// tables. NaN results compare as the spec allows (any arithmetic NaN equals another).
pub fn diff_export(wasm: &[u8], func: &str, args: &[Val]) -> Result<DiffReport, DiffError> {
    diff_export_in(
        wasm,
        func,
        args,
        &[
            EngineId::Interp,
            EngineId::Aot {
                indirect_calls: false,
                bounds_checks: false,
            },
        ],
    )
}

/// [`diff_export`] over chosen engines (the interpreter always runs first, as reference).
pub fn diff_export_in(
    wasm: &[u8],
    func: &str,
    args: &[Val],
    engines: &[EngineId],
) -> Result<DiffReport, DiffError> {
    let module = Module::new(wasm)?;
    if !module.imports.is_empty() {
        let names: Vec<String> = module
            .imports
            .iter()
            .take(3)
            .map(|i| format!("`{}.{}`", i.module, i.name))
            .collect();
        let wasi = module.imports.iter().any(|i| i.module.starts_with("wasi"));
        let more = if module.imports.len() > 3 {
            ", ..."
        } else {
            ""
        };
        return Err(DiffError::Imports(format!(
            "{}{}{more}",
            if wasi { "WASI functions " } else { "" },
            names.join(", ")
        )));
    }
    let export = module
        .export(func)
        .filter(|e| e.kind == wamr_common::module::ExportKind::Func)
        .ok_or_else(|| DiffError::NoSuchExport(func.to_string()))?;
    let ty = module.func_type(export.index);
    let types: Vec<_> = args.iter().map(Val::ty).collect();
    if types != ty.params() {
        let list = |v: &[wamr_common::ValType]| {
            let s: Vec<String> = v.iter().map(|t| t.to_string()).collect();
            format!("({})", s.join(" "))
        };
        return Err(DiffError::Args {
            func: func.to_string(),
            expected: list(ty.params()),
            got: list(&types),
        });
    }
    let plan = Plan {
        calls: vec![PlannedCall {
            export: func.to_string(),
            args: args.iter().map(value_of).collect(),
        }],
    };
    let mut observations = vec![run::observe_module(EngineId::Interp, &module, &plan)];
    for &e in engines.iter().filter(|e| **e != EngineId::Interp) {
        observations.push(run::observe(e, wasm, &plan));
    }
    let difference = observations[1..]
        .iter()
        .find_map(|o| compare(&observations[0], o, NanMode::Arithmetic).map(|d| (o.engine, d)));
    Ok(DiffReport {
        func: func.to_string(),
        observations,
        difference,
    })
}

fn value_of(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(*x),
        Val::FuncRef(_) => Value::FuncRef(None),
        Val::ExternRef(r) => Value::ExternRef(r.map(|r| r.0)),
        Val::ExnRef(e) => Value::ExnRef(e.is_some()),
    }
}
