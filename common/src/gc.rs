//! Modules valid only under wasmparser's `gc` feature that use nothing of GC.
//!
//! Wasm 3.0 brought some relaxations in with the GC proposal, and wasmparser gates them on
//! its `gc` feature: a constant expression may read any earlier immutable global, not
//! only an imported one. This runtime implements everything of 3.0 but GC, so a module
//! that fails validation without `gc` and passes with it is accepted when it uses no GC
//! construct. The module model refuses GC types where they are declared (struct and array
//! types, rec groups and subtypes, GC heap types of locals, globals, tables, segments);
//! this module finds what can appear only inside code: GC operators, and GC heap types in
//! block types, `ref.null` and typed `select`.

use wasmparser::{BlockType, Operator, Parser, Payload};

use crate::module::{ref_to_valtype, LoadError};

/// The first GC construct in the code of `bytes` (a module valid with `gc`), if any.
pub(crate) fn gc_in_code(bytes: &[u8]) -> Result<Option<String>, LoadError> {
    for payload in Parser::new(0).parse_all(bytes) {
        let Payload::CodeSectionEntry(body) = payload? else {
            continue;
        };
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            let op = ops.read()?;
            if let Some(what) = gc_operator(&op) {
                return Ok(Some(what));
            }
        }
    }
    Ok(None)
}

/// Whether `op` belongs to the GC proposal or names a GC heap type.
#[allow(unreachable_patterns)]
fn gc_operator(op: &Operator<'_>) -> Option<String> {
    let gc_type = |t: wasmparser::ValType| match t {
        wasmparser::ValType::Ref(r) => ref_to_valtype(r).is_err(),
        _ => false,
    };
    let named = match op {
        Operator::Block { blockty }
        | Operator::Loop { blockty }
        | Operator::If { blockty }
        | Operator::TryTable {
            try_table: wasmparser::TryTable { ty: blockty, .. },
        } => matches!(blockty, BlockType::Type(t) if gc_type(*t)),
        Operator::RefNull { hty } => gc_type(wasmparser::ValType::Ref(wasmparser::RefType::new(
            true, *hty,
        )?)),
        Operator::TypedSelect { ty } => gc_type(*ty),
        Operator::TypedSelectMulti { tys } => tys.iter().any(|t| gc_type(*t)),
        _ => false,
    };
    if named {
        return Some(format!("a GC reference type in `{op:?}`"));
    }
    macro_rules! gc_ops {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            match op {
                $( Operator::$op { .. } => stringify!($proposal) == "gc", )*
                // Operators of features this build of wasmparser leaves out (SIMD).
                _ => false,
            }
        };
    }
    let is_gc = wasmparser::for_each_operator!(gc_ops);
    is_gc.then(|| format!("the GC operator `{op:?}`"))
}

#[cfg(test)]
mod tests {
    use crate::module::{LoadError, Module};

    fn load(wat: &str) -> Result<Module, LoadError> {
        Module::new(&wat::parse_str(wat).unwrap())
    }

    #[test]
    fn a_constant_expression_may_read_an_earlier_defined_global() {
        let m = load(
            r#"(module
              (global $a i32 (i32.const 7))
              (global $b i32 (i32.add (global.get $a) (i32.const 1)))
              (memory 1)
              (data (offset (global.get $b)) "x"))"#,
        )
        .unwrap();
        assert_eq!(m.globals.len(), 2);
    }

    #[test]
    fn gc_constructs_are_refused_by_name() {
        for (wat, what) in [
            (
                r#"(module (func (result i32) (i31.get_s (ref.i31 (i32.const 1)))))"#,
                "GC operator",
            ),
            (r#"(module (rec (type (func)) (type (func))))"#, "rec group"),
            (r#"(module (type (struct (field i32))))"#, "struct or array"),
            (r#"(module (global anyref (ref.null any)))"#, "heap type"),
            (
                r#"(module (func (drop (block (result anyref) (ref.null any)))))"#,
                "GC reference type",
            ),
        ] {
            match load(wat) {
                Err(e @ LoadError::NeedsGc(_)) => {
                    assert!(e.to_string().contains(what), "{wat}: {e}")
                }
                other => panic!("{wat}: expected NeedsGc, got {other:?}"),
            }
        }
        // Invalid even with GC: still invalid.
        assert!(matches!(
            load(r#"(module (func (result i32) (ref.i31 (i32.const 1))))"#),
            Err(LoadError::Invalid { .. })
        ));
    }
}
