//! Whether a module uses SIMD: a v128 anywhere in its types, globals or locals, or a
//! SIMD or relaxed-SIMD operator in its code. Engines that do not run SIMD yet refuse
//! such a module up front, with a clear error, instead of failing at a first call.

use wasmparser::{Operator, Parser, Payload, ValType};

/// Whether `bytes` (a valid module) uses SIMD. Scans the code only when the types,
/// globals and locals did not already tell.
pub(crate) fn uses_simd(bytes: &[u8]) -> Result<bool, wasmparser::BinaryReaderError> {
    let v128 = |t: &ValType| *t == ValType::V128;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(types) => {
                for ty in types.into_iter_err_on_gc_types() {
                    let ty = ty?;
                    if ty.params().iter().chain(ty.results()).any(v128) {
                        return Ok(true);
                    }
                }
            }
            Payload::GlobalSection(globals) => {
                for g in globals {
                    if v128(&g?.ty.content_type) {
                        return Ok(true);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for local in body.get_locals_reader()? {
                    if v128(&local?.1) {
                        return Ok(true);
                    }
                }
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if is_simd_operator(&ops.read()?) {
                        return Ok(true);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(false)
}

/// Whether `op` belongs to the SIMD or relaxed-SIMD proposal (typed `select` of a v128
/// aside, which only a v128 local, parameter or SIMD operator can feed).
pub fn is_simd_operator(op: &Operator<'_>) -> bool {
    macro_rules! simd_ops {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            match op {
                $( Operator::$op { .. } => matches!(stringify!($proposal), "simd" | "relaxed_simd"), )*
                #[allow(unreachable_patterns)]
                _ => false,
            }
        };
    }
    wasmparser::for_each_operator!(simd_ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).expect("valid wat")
    }

    #[test]
    fn finds_v128_wherever_it_hides() {
        let plain = wasm("(module (func (result i32) i32.const 1))");
        assert!(!uses_simd(&plain).unwrap());
        for wat in [
            "(module (func (param v128)))",
            "(module (global v128 (v128.const i64x2 0 0)))",
            "(module (func (local v128)))",
            "(module (func (result i32) (v128.any_true (v128.const i64x2 1 0))))",
            "(module (func (result f32) (f32x4.relaxed_madd (v128.const i64x2 1 0) \
                (v128.const i64x2 1 0) (v128.const i64x2 1 0)) f32x4.extract_lane 0))",
        ] {
            assert!(uses_simd(&wasm(wat)).unwrap(), "{wat}");
        }
    }
}
