//! Which declared locals a function must zero when it is entered.
//!
//! Wasm gives every declared local the value zero on entry. Most functions write a
//! local before they first read it, so zeroing it is wasted work on every call. The
//! translator therefore zeroes locals in the function's own code (a prologue), and
//! only those this module cannot prove written before any read; the call handlers
//! zero nothing.
//!
//! The proof is deliberately simple: it looks only at the function's *straight-line
//! prefix*, the operators before the first one that opens or closes a structured block
//! (`block`, `loop`, `if`, `else`, `end`, and the exception blocks). Inside that prefix
//! no label but the function's own exists, so any branch there leaves the function:
//! every operator of the prefix that runs was reached by running all those before it.
//! A local whose first access in the prefix is `local.set` or `local.tee` is therefore
//! written before any read; every other declared local is zeroed.

use wasmparser::{BinaryReaderError, OperatorsReader};

/// Slots to zero on entry as `(first slot, count)` runs, in increasing order.
///
/// `nparams` locals (the parameters, slots `0..nparams`) arrive as arguments;
/// `ndeclared` declared locals follow them.
pub fn locals_to_zero(
    mut reader: OperatorsReader<'_>,
    nparams: u32,
    ndeclared: u32,
) -> Result<Vec<(u32, u32)>, BinaryReaderError> {
    use wasmparser::Operator as O;
    if ndeclared == 0 {
        return Ok(Vec::new());
    }
    // `true` once the local's first access in the prefix was a write.
    let mut written = vec![false; ndeclared as usize];
    // `true` once it was read before any write (it must be zeroed).
    let mut read = vec![false; ndeclared as usize];
    let declared = |local: u32| local.checked_sub(nparams).filter(|&i| i < ndeclared);
    while !reader.eof() {
        match reader.read()? {
            O::LocalGet { local_index } => {
                if let Some(i) = declared(local_index) {
                    let i = i as usize;
                    read[i] |= !written[i];
                }
            }
            O::LocalSet { local_index } | O::LocalTee { local_index } => {
                if let Some(i) = declared(local_index) {
                    let i = i as usize;
                    written[i] |= !read[i];
                }
            }
            O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Try { .. }
            | O::TryTable { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. } => break,
            _ => {}
        }
    }
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for i in (0..ndeclared).filter(|&i| !written[i as usize]) {
        let slot = nparams + i;
        match runs.last_mut() {
            Some((first, count)) if *first + *count == slot => *count += 1,
            _ => runs.push((slot, 1)),
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::FunctionBody;

    /// The runs for a function with `nparams` parameters whose body (after its local
    /// declarations) is `body`, given as wat instructions.
    fn runs(nparams: u32, ndeclared: u32, body: &str) -> Vec<(u32, u32)> {
        let params = "(param i32)".repeat(nparams as usize);
        let locals = "(local i64)".repeat(ndeclared as usize);
        let wasm = wat::parse_str(format!("(module (func {params} {locals} {body}))")).unwrap();
        let mut found = None;
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
                found = Some(body);
            }
        }
        let body: FunctionBody = found.expect("one function");
        locals_to_zero(body.get_operators_reader().unwrap(), nparams, ndeclared).unwrap()
    }

    #[test]
    fn locals_written_first_in_the_prefix_are_not_zeroed() {
        // Local 1 and 3 are written first; 2 is read first; 4 is never touched.
        let body = "i64.const 7 local.set 1 local.get 2 local.tee 3 local.set 2";
        assert_eq!(runs(1, 4, body), vec![(2, 1), (4, 1)]);
    }

    #[test]
    fn a_read_before_the_write_needs_the_zero() {
        assert_eq!(
            runs(0, 1, "local.get 0 i64.const 1 i64.add local.set 0"),
            vec![(0, 1)]
        );
    }

    #[test]
    fn writes_after_the_first_block_do_not_count() {
        // The write inside the block may be skipped by `br 0`.
        let body = "block i64.const 1 br 0 local.set 0 end local.get 0 drop";
        assert_eq!(runs(0, 2, body), vec![(0, 2)]);
        let body = "i64.const 1 local.set 1 loop i64.const 1 local.set 0 end";
        assert_eq!(runs(0, 2, body), vec![(0, 1)]);
    }

    #[test]
    fn a_branch_in_the_prefix_leaves_the_function() {
        // `br_if 0` at the top level can only return, so the write after it still
        // precedes every read that runs.
        let body = "local.get 0 i32.wrap_i64 br_if 0 i64.const 2 local.set 1 local.get 1 drop";
        assert_eq!(runs(0, 2, body), vec![(0, 1)]);
    }

    #[test]
    fn parameters_are_never_zeroed_and_runs_merge() {
        assert_eq!(runs(2, 3, "local.get 0 drop"), vec![(2, 3)]);
        assert_eq!(runs(2, 0, "local.get 1 drop"), vec![]);
    }
}
