//! The lane functions a module of `src/simd/` defines, read from its source: shared by the
//! build script (which compiles a set's handler only for them) and by
//! `tests/simd_sets.rs` (which checks each against `wamr_common::simd`), so the two can
//! never disagree on what a module implements.
//!
//! A lane function is declared by a line `pub fn NAME(` (or `pub fn NAME<`), or by an
//! entry of a macro invocation written `name! {` at the start of a line and closed by `}`
//! at the start of a line: an entry starts four spaces in with the names it defines,
//! before its first `(` or `=` (`    i8x16_add(a, b) = ...;`, `    f32x4_ceil f64x2_ceil
//! = ...;`). Lines indented further continue an entry. Names start with a lane shape
//! (`i8x16_`, `f64x2_`...) or `v128_`; macro variables (`$name`) are not names.
#[allow(dead_code)]
pub fn lane_functions(source: &str) -> Vec<String> {
    let is_lane_name = |n: &str| {
        n.starts_with("v128_")
            || ["i8x16_", "i16x8_", "i32x4_", "i64x2_", "f32x4_", "f64x2_"]
                .iter()
                .any(|p| n.starts_with(p))
    };
    let mut names = Vec::new();
    let mut in_invocation = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("pub fn ") {
            let name = rest.split(['(', '<']).next().unwrap_or("");
            if is_lane_name(name) {
                names.push(name.to_string());
            }
            continue;
        }
        if !line.starts_with(' ') && line.ends_with("! {") && !line.starts_with("macro_rules") {
            in_invocation = true;
            continue;
        }
        if line.starts_with('}') {
            in_invocation = false;
            continue;
        }
        let entry = line.strip_prefix("    ").filter(|e| !e.starts_with(' '));
        if let (true, Some(entry)) = (in_invocation, entry) {
            let head = entry.split(['(', '=']).next().unwrap_or("");
            names.extend(
                head.split_whitespace()
                    .filter(|n| is_lane_name(n))
                    .map(String::from),
            );
        }
    }
    names
}
