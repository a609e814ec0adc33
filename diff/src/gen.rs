//! Module generation (wasm-smith) and call plans.
//!
//! A *case* is a module plus a *plan*: the exported functions to call, in order, with
//! their arguments. Every engine runs the same plan, so state carried from one call to the
//! next (memory, globals, tables, the fuel global) is exercised too.

use arbitrary::{Result, Unstructured};

use crate::compare::Value;

/// wasm-smith's fuel (`Module::ensure_termination`): every loop iteration and function
/// entry takes one unit from a global; at zero the module traps (`unreachable`). The
/// global is per instance, so this bounds a whole plan, not one call.
pub const FUEL: u32 = 1_000;

/// Memory cap given to every engine (pages), so growth fails the same way everywhere.
pub const MEMORY_CAP_PAGES: u64 = 256;

/// Largest table wasm-smith may declare.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000;

/// Most calls in a plan.
pub const MAX_CALLS: usize = 24;

/// The wasm-smith configuration for differential cases: the features both engines (and
/// wasmi) implement, our host imports, small memories and tables, everything exported and
/// NaNs canonicalised so float results are bit-for-bit deterministic. Sizes and shapes
/// come from `u` (wasm-smith's own `Arbitrary` config), features never do, except that
/// one case in three uses exception handling: wasmi, the third opinion, has none, so the
/// rest stay comparable with it.
pub fn differential_config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut c: wasm_smith::Config = u.arbitrary()?;
    restrict_features(&mut c);
    c.exceptions_enabled = u.ratio(1u8, 3u8)?;
    c.available_imports = Some(crate::host::available_imports());
    c.max_imports = c.max_imports.min(16);
    c.export_everything = true;
    c.canonicalize_nans = true;
    c.max_funcs = c.max_funcs.clamp(1, 30);
    c.min_funcs = c.min_funcs.min(c.max_funcs).max(1);
    c.max_instructions = c.max_instructions.min(200);
    c.max_memory32_bytes = c.max_memory32_bytes.min(MEMORY_CAP_PAGES << 16);
    c.max_table_elements = c.max_table_elements.min(MAX_TABLE_ELEMENTS);
    c.max_tables = c.max_tables.min(4);
    c.max_globals = c.max_globals.min(40);
    c.max_data_segments = c.max_data_segments.min(20);
    c.max_element_segments = c.max_element_segments.min(20);
    c.max_elements = c.max_elements.min(100);
    c.max_types = c.max_types.min(40);
    clamp_minimums(&mut c);
    Ok(c)
}

/// wasm-smith asserts every `min_*` is at most its `max_*`; lowering a maximum must lower
/// the minimum too.
pub fn clamp_minimums(c: &mut wasm_smith::Config) {
    c.min_funcs = c.min_funcs.min(c.max_funcs);
    c.min_exports = c.min_exports.min(c.max_exports);
    c.min_imports = c.min_imports.min(c.max_imports);
    c.min_globals = c.min_globals.min(c.max_globals);
    c.min_types = c.min_types.min(c.max_types);
    c.min_data_segments = c.min_data_segments.min(c.max_data_segments);
    c.min_element_segments = c.min_element_segments.min(c.max_element_segments);
    c.min_elements = c.min_elements.min(c.max_elements);
    c.min_tables = c.min_tables.min(c.max_tables as u32);
    c.min_memories = c.min_memories.min(c.max_memories as u32);
    c.min_tags = c.min_tags.min(c.max_tags);
}

/// Turns off everything outside Wasm 2.0 (SIMD included) plus relaxed SIMD,
/// extended-const, tail calls, several memories, 64-bit memories and tables, and
/// exceptions: what
/// `wamr_common::module::supported_features` accepts that wasm-smith can generate (its
/// typed function references come only with GC).
pub fn restrict_features(c: &mut wasm_smith::Config) {
    c.simd_enabled = true;
    c.relaxed_simd_enabled = true;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.gc_enabled = false;
    c.exceptions_enabled = true;
    c.tail_call_enabled = true;
    c.memory64_enabled = true;
    c.custom_page_sizes_enabled = false;
    c.custom_descriptors_enabled = false;
    c.compact_imports_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.acquire_release_atomics_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.allow_invalid_funcs = false;
    // Each memory reserves its address space: a few are enough to exercise indices.
    c.max_memories = c.max_memories.min(3);
    c.min_memories = c.min_memories.min(c.max_memories as u32);
    c.min_tables = c.min_tables.min(c.max_tables as u32);
}

/// One call of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub export: String,
    pub args: Vec<Value>,
}

/// The calls every engine makes after instantiation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub calls: Vec<PlannedCall>,
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in &self.calls {
            let args: Vec<String> = c.args.iter().map(|a| a.to_string()).collect();
            writeln!(f, "call {} ({})", c.export, args.join(", "))?;
        }
        Ok(())
    }
}

/// A generated module with its plan.
#[derive(Debug, Clone)]
pub struct Case {
    pub wasm: Vec<u8>,
    pub plan: Plan,
}

/// The module's exported functions: name and parameter types (wasmparser's view, so it
/// does not depend on either engine).
pub fn exported_funcs(wasm: &[u8]) -> Vec<(String, Vec<wasmparser::ValType>)> {
    use wasmparser::{Parser, Payload, TypeRef};
    let mut types: Vec<Vec<wasmparser::ValType>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::TypeSection(r) => {
                for rec in r.into_iter().flatten() {
                    for st in rec.into_types() {
                        match st.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => {
                                types.push(f.params().to_vec())
                            }
                            _ => types.push(Vec::new()),
                        }
                    }
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports().flatten() {
                    if let TypeRef::Func(t) = imp.ty {
                        funcs.push(t);
                    }
                }
            }
            Payload::FunctionSection(r) => funcs.extend(r.into_iter().flatten()),
            Payload::ExportSection(r) => {
                for e in r.into_iter().flatten() {
                    if e.kind == wasmparser::ExternalKind::Func {
                        let params = funcs
                            .get(e.index as usize)
                            .and_then(|t| types.get(*t as usize))
                            .cloned()
                            .unwrap_or_default();
                        out.push((e.name.to_string(), params));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An argument of type `t`: often a boundary value, otherwise arbitrary bits. References
/// are null (the host cannot name the module's functions before it is instantiated).
pub fn arbitrary_arg(u: &mut Unstructured<'_>, t: wasmparser::ValType) -> Result<Value> {
    use wasmparser::ValType as T;
    let special: bool = u.ratio(1, 2)?;
    Ok(match t {
        T::I32 => Value::I32(if special {
            *u.choose(&[0, 1, -1, i32::MIN, i32::MAX, 0x1_0000, 65535])?
        } else {
            u.arbitrary()?
        }),
        T::I64 => Value::I64(if special {
            *u.choose(&[0, 1, -1, i64::MIN, i64::MAX, 1 << 32, 0xffff_ffff])?
        } else {
            u.arbitrary()?
        }),
        T::F32 => Value::F32(if special {
            *u.choose(&[
                0,
                0x8000_0000,
                0x3f80_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0x4f00_0000,
                0xcf00_0000,
                0x0000_0001,
            ])?
        } else {
            u.arbitrary()?
        }),
        T::F64 => Value::F64(if special {
            *u.choose(&[
                0,
                1 << 63,
                0x3ff0_0000_0000_0000,
                0x7ff0_0000_0000_0000,
                0xfff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0x43e0_0000_0000_0000,
                0xc3e0_0000_0000_0000,
                0x41e0_0000_0000_0000,
            ])?
        } else {
            u.arbitrary()?
        }),
        T::Ref(r) if r.is_func_ref() => Value::FuncRef(None),
        T::Ref(r)
            if matches!(
                r.heap_type(),
                wasmparser::HeapType::Abstract {
                    ty: wasmparser::AbstractHeapType::Exn | wasmparser::AbstractHeapType::NoExn,
                    ..
                }
            ) =>
        {
            Value::ExnRef(false)
        }
        T::Ref(_) => Value::ExternRef(None),
        T::V128 => Value::V128(u.arbitrary()?),
    })
}

/// A plan over the module's exported functions: each export once in order, then some
/// more calls chosen by `u` (repeats see the state earlier calls left).
pub fn arbitrary_plan(u: &mut Unstructured<'_>, wasm: &[u8]) -> Result<Plan> {
    let funcs = exported_funcs(wasm);
    let mut plan = Plan::default();
    if funcs.is_empty() {
        return Ok(plan);
    }
    let mut push = |u: &mut Unstructured<'_>, i: usize| -> Result<()> {
        let (name, params) = &funcs[i];
        let args = params
            .iter()
            .map(|t| arbitrary_arg(u, *t))
            .collect::<Result<Vec<_>>>()?;
        plan.calls.push(PlannedCall {
            export: name.clone(),
            args,
        });
        Ok(())
    };
    for i in 0..funcs.len().min(MAX_CALLS) {
        push(u, i)?;
    }
    let extra = u.int_in_range(0..=MAX_CALLS / 3)?;
    for _ in 0..extra {
        let i = u.choose_index(funcs.len())?;
        push(u, i)?;
    }
    Ok(plan)
}

/// A differential case from fuzz input: module (with fuel), then its plan. When `u` runs
/// dry the plan is built from zeros, so every input that yields a module yields a case.
pub fn arbitrary_case(u: &mut Unstructured<'_>) -> Result<Case> {
    let config = differential_config(u)?;
    let mut module = wasm_smith::Module::new(config, u)?;
    module
        .ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let wasm = module.to_bytes();
    let plan = match arbitrary_plan(u, &wasm) {
        Ok(p) => p,
        Err(_) => arbitrary_plan(&mut Unstructured::new(&[]), &wasm)?,
    };
    Ok(Case { wasm, plan })
}

/// The case of a seed (CI runs): [`arbitrary_case`] over [`crate::seed_bytes`].
pub fn seeded_case(seed: u64) -> Option<Case> {
    let data = crate::seed_bytes(seed, 24 << 10);
    arbitrary_case(&mut Unstructured::new(&data)).ok()
}
