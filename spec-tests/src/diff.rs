//! Differential execution: one module, both engines, everything observable compared.
//!
//! Modules come from `wasm-smith` with the features both engines support, no imports, NaNs
//! canonicalised (so float results are deterministic) and fuel so that every call ends.

use std::rc::Rc;

use arbitrary::Unstructured;
use wamr_aot::abi::CodegenOptions;
use wamr_common::{Engine, Extern, Instance, Linker, Module, Val};

/// What a run of a module showed: each export call's outcome, then the final state.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub instantiation: Result<(), String>,
    pub calls: Vec<(String, Result<Vec<String>, String>)>,
    pub memories: Vec<(String, u64)>,
    pub globals: Vec<(String, String)>,
    pub tables: Vec<(String, u64)>,
}

/// A generated module: bytes from a seed.
pub fn generate(seed: u64) -> Option<Vec<u8>> {
    let mut data = vec![0u8; 16 << 10];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in data.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let mut u = Unstructured::new(&data);
    let config = wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 1,
        // Small memories and tables keep a case fast (memories are hashed whole).
        max_memory32_bytes: 16 << 20,
        max_table_elements: 10_000,
        max_tables: 2,
        max_imports: 0,
        min_funcs: 2,
        max_funcs: 20,
        export_everything: true,
        canonicalize_nans: true,
        allow_start_export: false,
        ..wasm_smith::Config::default()
    };
    let mut module = wasm_smith::Module::new(config, &mut u).ok()?;
    module.ensure_termination(1_000).ok()?;
    Some(module.to_bytes())
}

fn show(v: &Val) -> String {
    match v {
        Val::FuncRef(f) => format!("funcref({})", f.is_some()),
        other => format!("{other:?}"),
    }
}

/// Runs every exported function once (zero arguments), then reads the exported state.
pub fn observe(module: &Module, engine: Rc<dyn Engine>) -> Observed {
    let linker = Linker::new(engine);
    let mut obs = Observed {
        instantiation: Ok(()),
        calls: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        tables: Vec::new(),
    };
    let instance = match Instance::new(module, &linker) {
        Ok(i) => i,
        Err(e) => {
            obs.instantiation = Err(e.to_string());
            return obs;
        }
    };
    for (name, ext) in instance.exports() {
        if let Extern::Func(f) = ext {
            let args: Vec<Val> = f
                .ty()
                .params()
                .iter()
                .map(|t| Val::default_of(*t))
                .collect();
            let r = f
                .call(&args)
                .map(|vals| vals.iter().map(show).collect())
                .map_err(|t| t.message().to_string());
            obs.calls.push((name, r));
        }
    }
    for (name, ext) in instance.exports() {
        match ext {
            Extern::Memory(m) => obs
                .memories
                .push((name, wamr_aot::image::fnv1a(&m.to_vec()))),
            Extern::Global(_) => obs.globals.push((
                name.clone(),
                instance
                    .global_value(&name)
                    .map(|v| show(&v))
                    .unwrap_or_default(),
            )),
            Extern::Table(t) => obs.tables.push((name, t.size())),
            Extern::Func(_) => {}
        }
    }
    obs
}

/// Compiles `wasm` with `codegen` into an image file under `dir` and loads it.
pub fn load_aot(
    wasm: &[u8],
    codegen: CodegenOptions,
    dir: &std::path::Path,
    name: &str,
) -> Result<Module, String> {
    let opts = wamr_aot::CompileOptions {
        codegen,
        threads: Some(1),
        ..Default::default()
    };
    let image = wamr_aot::compile(wasm, &opts).map_err(|e| e.to_string())?;
    let path = dir.join(name);
    std::fs::write(&path, image).map_err(|e| e.to_string())?;
    wamr_aot::load(&path).map_err(|e| e.to_string())
}
