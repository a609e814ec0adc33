//! Script values: `invoke` arguments as [`Val`]s, and results checked against
//! `assert_return` patterns.

use anyhow::{bail, ensure, Result};
use wamr_common::{ExternRef, Val};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

use crate::Unsupported;

/// The NaN bit patterns of one float width.
struct NanBits {
    /// Exponent all ones, quiet bit set, rest of the payload zero.
    canonical: u64,
    /// Every bit but the sign.
    magnitude: u64,
}

const F32_NAN: NanBits = NanBits {
    canonical: 0x7fc0_0000,
    magnitude: 0x7fff_ffff,
};
const F64_NAN: NanBits = NanBits {
    canonical: 0x7ff8_0000_0000_0000,
    magnitude: 0x7fff_ffff_ffff_ffff,
};

pub(crate) fn arg(arg: &WastArg<'_>) -> Result<Val> {
    let WastArg::Core(arg) = arg else {
        bail!(Unsupported("component-model values"));
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::RefNull(ty) => null(ty)?,
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef(*n))),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefHost(_) => bail!(Unsupported("GC host references")),
    })
}

fn null(ty: &HeapType<'_>) -> Result<Val> {
    match ty {
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Func,
        } => Ok(Val::FuncRef(None)),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern,
        } => Ok(Val::ExternRef(None)),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Exn,
        } => Ok(Val::ExnRef(None)),
        _ => bail!(Unsupported("reference types beyond funcref and externref")),
    }
}

/// Checks results against `assert_return` patterns; an [`Unsupported`] error when a pattern
/// cannot be checked.
pub(crate) fn check_results(expected: &[WastRet<'_>], got: &[Val]) -> Result<()> {
    let mut ok = expected.len() == got.len();
    for (pattern, value) in expected.iter().zip(got) {
        ok &= matches(pattern, value)?;
    }
    let expected: Vec<String> = expected.iter().map(show_expected).collect();
    ensure!(
        ok,
        "expected [{}], got {}",
        expected.join(", "),
        show_all(got)
    );
    Ok(())
}

fn matches(pattern: &WastRet<'_>, got: &Val) -> Result<bool> {
    let WastRet::Core(pattern) = pattern else {
        bail!(Unsupported("component-model values"));
    };
    matches_core(pattern, got)
}

fn matches_core(pattern: &WastRetCore<'_>, got: &Val) -> Result<bool> {
    Ok(match (pattern, got) {
        (WastRetCore::I32(e), Val::I32(g)) => e == g,
        (WastRetCore::I64(e), Val::I64(g)) => e == g,
        (WastRetCore::F32(e), Val::F32(g)) => {
            float_matches(bits(e, |f| f.bits.into()), (*g).into(), &F32_NAN)
        }
        (WastRetCore::F64(e), Val::F64(g)) => float_matches(bits(e, |f| f.bits), *g, &F64_NAN),
        (
            WastRetCore::RefNull(None),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None),
        ) => true,
        (WastRetCore::RefNull(Some(ty)), _) => null(ty)? == *got,
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(r)) => *r == Some(ExternRef(*n)),
        // The function's identity is not observable from here; any non-null one will do.
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::Either(alternatives), _) => {
            for alternative in alternatives {
                if matches_core(alternative, got)? {
                    return Ok(true);
                }
            }
            false
        }
        (WastRetCore::V128(pattern), Val::V128(g)) => v128_matches(pattern, *g),
        (
            WastRetCore::RefHost(_)
            | WastRetCore::RefAny
            | WastRetCore::RefEq
            | WastRetCore::RefArray
            | WastRetCore::RefStruct
            | WastRetCore::RefI31
            | WastRetCore::RefI31Shared,
            _,
        ) => bail!(Unsupported("GC references")),
        // A value of another type.
        _ => false,
    })
}

/// Lane by lane: integers exactly, floats as [`float_matches`] does.
fn v128_matches(pattern: &V128Pattern, got: u128) -> bool {
    let lane = |i: usize, bits: u32| (got >> (i as u32 * bits)) & ((1u128 << bits) - 1);
    match pattern {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 8) == u128::from(*v as u8)),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 16) == u128::from(*v as u16)),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 32) == u128::from(*v as u32)),
        V128Pattern::I64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 64) == u128::from(*v as u64)),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| float_matches(bits(p, |f| f.bits.into()), lane(i, 32) as u64, &F32_NAN)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| float_matches(bits(p, |f| f.bits), lane(i, 64) as u64, &F64_NAN)),
    }
}

fn bits<T: Copy>(pattern: &NanPattern<T>, to_bits: impl FnOnce(T) -> u64) -> NanPattern<u64> {
    match *pattern {
        NanPattern::Value(v) => NanPattern::Value(to_bits(v)),
        NanPattern::CanonicalNan => NanPattern::CanonicalNan,
        NanPattern::ArithmeticNan => NanPattern::ArithmeticNan,
    }
}

/// Values compare bit for bit; NaN patterns accept either sign.
fn float_matches(pattern: NanPattern<u64>, got: u64, nan: &NanBits) -> bool {
    match pattern {
        NanPattern::Value(bits) => bits == got,
        NanPattern::CanonicalNan => got & nan.magnitude == nan.canonical,
        // Exponent all ones and the quiet bit set, any payload.
        NanPattern::ArithmeticNan => got & nan.canonical == nan.canonical,
    }
}

fn show_expected(pattern: &WastRet<'_>) -> String {
    match pattern {
        WastRet::Core(pattern) => show_core(pattern),
        _ => "component value".into(),
    }
}

fn show_core(pattern: &WastRetCore<'_>) -> String {
    match pattern {
        WastRetCore::I32(v) => show(&Val::I32(*v)),
        WastRetCore::I64(v) => show(&Val::I64(*v)),
        WastRetCore::F32(NanPattern::Value(v)) => show(&Val::F32(v.bits)),
        WastRetCore::F64(NanPattern::Value(v)) => show(&Val::F64(v.bits)),
        WastRetCore::F32(NanPattern::CanonicalNan) => "nan:canonical:f32".into(),
        WastRetCore::F64(NanPattern::CanonicalNan) => "nan:canonical:f64".into(),
        WastRetCore::F32(NanPattern::ArithmeticNan) => "nan:arithmetic:f32".into(),
        WastRetCore::F64(NanPattern::ArithmeticNan) => "nan:arithmetic:f64".into(),
        WastRetCore::RefNull(_) => "ref.null".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(alternatives) => {
            let alternatives: Vec<String> = alternatives.iter().map(show_core).collect();
            format!("either({})", alternatives.join(" | "))
        }
        other => format!("{other:?}"),
    }
}

pub(crate) fn show_all(values: &[Val]) -> String {
    let values: Vec<String> = values.iter().map(show).collect();
    format!("[{}]", values.join(", "))
}

fn show(value: &Val) -> String {
    match value {
        // The bits too: NaN payloads and the sign of zero matter.
        Val::F32(b) => format!("{}:f32 ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("{}:f64 ({b:#018x})", f64::from_bits(*b)),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        other => format!("{other:?}"),
    }
}
