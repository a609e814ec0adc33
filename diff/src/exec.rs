//! The `interp_exec` and `aot_exec` targets: arbitrary generated modules (wider
//! configurations than the differential cases: NaNs not canonicalised, bigger bodies,
//! deeper nesting) run with limits in one engine. Nothing is compared; no engine may
//! panic, crash or hang. Fuel (wasm-smith's) bounds every call, the memory cap bounds
//! growth.

use arbitrary::{Result, Unstructured};

use crate::gen::{arbitrary_plan, restrict_features, FUEL, MAX_TABLE_ELEMENTS, MEMORY_CAP_PAGES};
use crate::run::{self, EngineId, FaultKind};

/// What a run did (for statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecStats {
    pub loaded: bool,
    pub calls: usize,
    pub traps: usize,
}

/// The wasm-smith configuration for exec cases.
pub fn exec_config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut c: wasm_smith::Config = u.arbitrary()?;
    restrict_features(&mut c);
    c.available_imports = Some(crate::host::available_imports());
    c.max_imports = c.max_imports.min(16);
    c.export_everything = u.arbitrary()?;
    c.max_exports = c.max_exports.max(1);
    c.min_exports = c.min_exports.max(1);
    c.max_funcs = c.max_funcs.clamp(1, 60);
    c.max_instructions = c.max_instructions.min(1_000);
    c.max_memory32_bytes = c.max_memory32_bytes.min(MEMORY_CAP_PAGES << 16);
    c.max_table_elements = c.max_table_elements.min(MAX_TABLE_ELEMENTS);
    c.max_tables = c.max_tables.min(8);
    crate::gen::clamp_minimums(&mut c);
    Ok(c)
}

/// Generates a module from `data`, runs it in `engine` with an arbitrary plan.
pub fn check_exec(data: &[u8], engine: EngineId) -> ExecStats {
    let mut u = Unstructured::new(data);
    let Ok(config) = exec_config(&mut u) else {
        return ExecStats::default();
    };
    let Ok(mut module) = wasm_smith::Module::new(config, &mut u) else {
        return ExecStats::default();
    };
    if module.ensure_termination(FUEL).is_err() {
        return ExecStats::default();
    }
    let wasm = module.to_bytes();
    let plan = arbitrary_plan(&mut u, &wasm)
        .or_else(|_| arbitrary_plan(&mut Unstructured::new(&[]), &wasm))
        .unwrap_or_default();
    let obs = run::observe(engine, &wasm, &plan);
    let loaded = !matches!(&obs.instantiation, Err(f) if f.kind == FaultKind::Load);
    if !loaded && engine != EngineId::Wasmi {
        let report = format!(
            "{engine} refused a generated module: {:?}",
            obs.instantiation
        );
        let dump = crate::repro::dump("exec", &wasm, &report);
        panic!("{report}; reproduction: {dump:?}");
    }
    ExecStats {
        loaded,
        calls: obs.calls.len(),
        traps: obs.calls.iter().filter(|c| c.outcome.is_err()).count(),
    }
}
