//! Values as the engines report them, and NaN-aware comparison of whole observations.

use std::fmt;

use wamr_common::TrapKind;

use crate::run::{Fault, FaultKind, Observation};

/// A function reference: the function's index in the module when the engine lets us
/// tell (ours do), or just "some function" (wasmi's handles are opaque).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncId {
    Index(u32),
    Opaque,
}

/// An engine-independent value. Floats are bit patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    FuncRef(Option<FuncId>),
    ExternRef(Option<u32>),
    /// An exception reference: whether it is not null.
    ExnRef(bool),
    /// A vector, lane 0 in the low bits.
    V128(u128),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "{v}:i32"),
            Value::I64(v) => write!(f, "{v}:i64"),
            Value::F32(b) => write!(f, "{}:f32({b:#010x})", f32::from_bits(b)),
            Value::F64(b) => write!(f, "{}:f64({b:#018x})", f64::from_bits(b)),
            Value::FuncRef(None) => f.write_str("null:funcref"),
            Value::FuncRef(Some(FuncId::Index(i))) => write!(f, "func[{i}]:funcref"),
            Value::FuncRef(Some(FuncId::Opaque)) => f.write_str("func:funcref"),
            Value::ExternRef(None) => f.write_str("null:externref"),
            Value::ExternRef(Some(v)) => write!(f, "{v}:externref"),
            Value::ExnRef(false) => f.write_str("null:exnref"),
            Value::ExnRef(true) => f.write_str("exn:exnref"),
            Value::V128(v) => write!(f, "{v:#034x}:v128"),
        }
    }
}

/// How strictly floats are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanMode {
    /// Bit for bit: for modules whose NaNs are canonicalised (generated cases), where
    /// wasm fixes every bit of every result.
    Exact,
    /// Bit for bit, except that two NaNs with the quiet bit set (arithmetic NaNs, which
    /// is all the spec promises for arithmetic results) are equal. For arbitrary modules.
    Arithmetic,
}

fn nan_eq(a: u64, b: u64, quiet: u64, exp: u64, mode: NanMode) -> bool {
    if a == b {
        return true;
    }
    // An arithmetic NaN: exponent all ones and the quiet bit set.
    let arithmetic = |x: u64| x & (exp | quiet) == exp | quiet;
    mode == NanMode::Arithmetic && arithmetic(a) && arithmetic(b)
}

/// Value equality under `mode`. Opaque function references equal any non-null one.
pub fn value_eq(a: &Value, b: &Value, mode: NanMode) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => {
            nan_eq(u64::from(*x), u64::from(*y), 0x0040_0000, 0x7f80_0000, mode)
        }
        (Value::F64(x), Value::F64(y)) => {
            nan_eq(*x, *y, 0x0008_0000_0000_0000, 0x7ff0_0000_0000_0000, mode)
        }
        // The lanes' types are not known: equal if every 32-bit lane is as two f32s, or
        // every 64-bit lane as two f64s (bit for bit in `Exact` mode).
        (Value::V128(x), Value::V128(y)) => {
            let f32s = (0..4).all(|i| {
                let lane = |v: u128| u64::from((v >> (32 * i)) as u32);
                nan_eq(lane(*x), lane(*y), 0x0040_0000, 0x7f80_0000, mode)
            });
            let f64s = (0..2).all(|i| {
                let lane = |v: u128| (v >> (64 * i)) as u64;
                nan_eq(
                    lane(*x),
                    lane(*y),
                    0x0008_0000_0000_0000,
                    0x7ff0_0000_0000_0000,
                    mode,
                )
            });
            f32s || f64s
        }
        (Value::FuncRef(Some(FuncId::Opaque)), Value::FuncRef(Some(_)))
        | (Value::FuncRef(Some(_)), Value::FuncRef(Some(FuncId::Opaque))) => true,
        _ => a == b,
    }
}

fn values_eq(a: &[Value], b: &[Value], mode: NanMode) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| value_eq(x, y, mode))
}

/// Trap kinds both sides must agree on. wasmi reports a `call_indirect` past the table's
/// end as a table access out of bounds; ours say "undefined element" (the spec text).
fn trap_class(k: TrapKind) -> TrapKind {
    match k {
        TrapKind::UndefinedElement => TrapKind::TableOutOfBounds,
        other => other,
    }
}

fn fault_eq(a: &Fault, b: &Fault) -> bool {
    match (&a.kind, &b.kind) {
        (FaultKind::Trap(x), FaultKind::Trap(y)) => {
            if a.exact && b.exact {
                x == y
            } else {
                trap_class(*x) == trap_class(*y)
            }
        }
        // Instantiation refused for a resource or link reason: the wording differs per
        // engine, the verdict must not.
        (FaultKind::Refused, FaultKind::Refused) | (FaultKind::Load, FaultKind::Load) => true,
        // wasmi reports some instantiation traps (segments out of bounds) as plain errors.
        (FaultKind::Refused, FaultKind::Trap(_)) | (FaultKind::Trap(_), FaultKind::Refused) => {
            !a.exact || !b.exact
        }
        _ => false,
    }
}

fn show_outcome(o: &Result<Vec<Value>, Fault>) -> String {
    match o {
        Ok(v) => {
            let v: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            format!("[{}]", v.join(", "))
        }
        Err(f) => f.to_string(),
    }
}

/// The first thing two observations disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What was compared: `instantiation`, `call 3 `f``, `memory `m``...
    pub what: String,
    pub left: String,
    pub right: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} vs {}", self.what, self.left, self.right)
    }
}

/// FNV-1a 64 of a memory's bytes (the "memory digest" reports show).
pub fn digest(bytes: &[u8]) -> u64 {
    wamr_aot::image::hash64(bytes)
}

/// Compares two observations of the same module and plan. Everything is compared up to
/// a call where either engine ran out of stack: the depth at which that happens is the
/// engine's own business, so what follows (and the final state) is not comparable. The
/// same holds where a metered engine ran out of fuel and the other is not metered (fuel
/// bounds only one of them); two metered engines must run out at the same point.
pub fn compare(a: &Observation, b: &Observation, mode: NanMode) -> Option<Difference> {
    let out_of_fuel = |r: &Result<(), Fault>| matches!(r, Err(f) if f.kind == FaultKind::Trap(TrapKind::OutOfFuel));
    let both_metered = a.engine.metered() && b.engine.metered();
    if !both_metered && (out_of_fuel(&a.instantiation) || out_of_fuel(&b.instantiation)) {
        return None;
    }
    let diff = |what: String, l: String, r: String| {
        Some(Difference {
            what,
            left: format!("{} gave {l}", a.engine),
            right: format!("{} gave {r}", b.engine),
        })
    };
    match (&a.instantiation, &b.instantiation) {
        (Ok(()), Ok(())) => {}
        (Err(x), Err(y)) if fault_eq(x, y) && a.init_host_calls == b.init_host_calls => {
            return None
        }
        (Err(x), Err(y)) if fault_eq(x, y) => {}
        (x, y) => {
            let s = |r: &Result<(), Fault>| match r {
                Ok(()) => "an instance".to_string(),
                Err(f) => f.to_string(),
            };
            return diff("instantiation".into(), s(x), s(y));
        }
    }
    if a.init_host_calls != b.init_host_calls {
        return diff(
            "host calls during instantiation".into(),
            format!("{:?}", a.init_host_calls),
            format!("{:?}", b.init_host_calls),
        );
    }
    if a.calls.len() != b.calls.len() {
        return diff(
            "number of calls made".into(),
            a.calls.len().to_string(),
            b.calls.len().to_string(),
        );
    }
    for (i, (x, y)) in a.calls.iter().zip(&b.calls).enumerate() {
        let exhausted = |o: &Result<Vec<Value>, Fault>| matches!(o, Err(f) if f.kind == FaultKind::Trap(TrapKind::CallStackExhausted));
        if exhausted(&x.outcome) || exhausted(&y.outcome) {
            return None;
        }
        // Fuel bounds only the metered side: an unmetered engine would have run on.
        let out_of_fuel = |o: &Result<Vec<Value>, Fault>| matches!(o, Err(f) if f.kind == FaultKind::Trap(TrapKind::OutOfFuel));
        if (x.fuel.is_none() || y.fuel.is_none())
            && (out_of_fuel(&x.outcome) || out_of_fuel(&y.outcome))
        {
            return None;
        }
        let what = format!("call {i} `{}`", x.export);
        let same = match (&x.outcome, &y.outcome) {
            (Ok(p), Ok(q)) => values_eq(p, q, mode),
            (Err(p), Err(q)) => fault_eq(p, q),
            _ => false,
        };
        if !same {
            return diff(
                format!("{what}: result"),
                show_outcome(&x.outcome),
                show_outcome(&y.outcome),
            );
        }
        if let (Some(p), Some(q)) = (x.fuel, y.fuel) {
            if p != q {
                return diff(
                    format!("{what}: fuel consumed"),
                    p.to_string(),
                    q.to_string(),
                );
            }
        }
        if x.host_calls != y.host_calls {
            let n = x
                .host_calls
                .iter()
                .zip(&y.host_calls)
                .position(|(p, q)| p != q)
                .unwrap_or(x.host_calls.len().min(y.host_calls.len()));
            return diff(
                format!("{what}: host call {n}"),
                format!("{:?}", x.host_calls.get(n)),
                format!("{:?}", y.host_calls.get(n)),
            );
        }
    }
    if a.memories.len() != b.memories.len() {
        return diff(
            "memories".into(),
            a.memories.len().to_string(),
            b.memories.len().to_string(),
        );
    }
    for ((name, x), (_, y)) in a.memories.iter().zip(&b.memories) {
        if x.len() != y.len() {
            return diff(
                format!("memory `{name}` size"),
                format!("{} bytes", x.len()),
                format!("{} bytes", y.len()),
            );
        }
        if x != y {
            let at = x.iter().zip(y).position(|(p, q)| p != q).unwrap_or(0);
            return diff(
                format!("memory `{name}` (first difference at byte {at:#x})"),
                format!("digest {:#018x}, byte {:#04x}", digest(x), x[at]),
                format!("digest {:#018x}, byte {:#04x}", digest(y), y[at]),
            );
        }
    }
    for ((name, x), (_, y)) in a.globals.iter().zip(&b.globals) {
        if !value_eq(x, y, mode) {
            return diff(format!("global `{name}`"), x.to_string(), y.to_string());
        }
    }
    for ((name, x), (_, y)) in a.tables.iter().zip(&b.tables) {
        if x.len() != y.len() {
            return diff(
                format!("table `{name}` size"),
                x.len().to_string(),
                y.len().to_string(),
            );
        }
        if let Some(i) = (0..x.len()).find(|&i| !value_eq(&x[i], &y[i], mode)) {
            return diff(
                format!("table `{name}` element {i}"),
                x[i].to_string(),
                y[i].to_string(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_modes() {
        let canon = Value::F32(0x7fc0_0000);
        let quiet_payload = Value::F32(0xffc0_0001);
        let signalling = Value::F32(0x7f80_0001);
        assert!(value_eq(&canon, &canon, NanMode::Exact));
        assert!(!value_eq(&canon, &quiet_payload, NanMode::Exact));
        assert!(value_eq(&canon, &quiet_payload, NanMode::Arithmetic));
        assert!(!value_eq(&canon, &signalling, NanMode::Arithmetic));
        assert!(!value_eq(
            &Value::F64(0x7ff8_0000_0000_0000),
            &Value::F64(0x7ff0_0000_0000_0000),
            NanMode::Arithmetic
        ));
        assert!(value_eq(
            &Value::F64(0x7ff8_0000_0000_0000),
            &Value::F64(0xfff8_0000_0000_0001),
            NanMode::Arithmetic
        ));
        assert!(!value_eq(
            &Value::F32(0),
            &Value::F32(0x8000_0000),
            NanMode::Arithmetic
        ));
    }
}
