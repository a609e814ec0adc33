//! Value types, function types and runtime values.

use std::fmt;
use std::sync::Arc;

/// A WebAssembly value type.
///
/// `V128` is reserved for the SIMD issue: the engines reject it at validation for now,
/// but everything that sizes storage asks [`ValType::slots`] so a 128-bit value can take
/// two 8-byte slots without changing the frame layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    /// Number of 8-byte slots a value of this type occupies.
    pub fn slots(self) -> u32 {
        match self {
            ValType::V128 => 2,
            _ => 1,
        }
    }

    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: Arc<[ValType]>,
    results: Arc<[ValType]>,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
    pub fn params(&self) -> &[ValType] {
        &self.params
    }
    pub fn results(&self) -> &[ValType] {
        &self.results
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(f, "[{}] -> [{}]", list(&self.params), list(&self.results))
    }
}

/// Limits of a memory (in 64 KiB pages) or table (in elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

impl Limits {
    /// Import subtyping: `self` (the provided entity) matches `required`.
    pub fn matches(&self, required: &Limits) -> bool {
        self.min >= required.min
            && match (self.max, required.max) {
                (_, None) => true,
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
            }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryType {
    pub limits: Limits,
    pub shared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableType {
    pub elem: ValType,
    pub limits: Limits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalType {
    pub ty: ValType,
    pub mutable: bool,
}

/// A reference value as it sits in a slot, a table or a global: 0 is null.
///
/// For `funcref` the non-null value is the address of a [`crate::FuncData`] owned by the
/// store; for `externref` it is the host's 32-bit payload plus one.
pub type RawRef = u64;

/// A host-visible `externref` payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub u32);

impl ExternRef {
    pub fn to_raw(r: Option<ExternRef>) -> RawRef {
        r.map_or(0, |ExternRef(v)| u64::from(v) + 1)
    }
    pub fn from_raw(raw: RawRef) -> Option<ExternRef> {
        (raw != 0).then(|| ExternRef((raw - 1) as u32))
    }
}

/// A runtime value. Floats are kept as bit patterns so NaN payloads survive.
#[derive(Clone, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(Option<crate::Func>),
    ExternRef(Option<ExternRef>),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero / null value of a type (what locals and new table slots start as).
    pub fn default_of(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    /// The value's 64-bit slot encoding. V128 does not fit one slot; use two.
    pub fn to_bits(&self) -> u64 {
        match self {
            Val::I32(v) => *v as u32 as u64,
            Val::I64(v) => *v as u64,
            Val::F32(v) => u64::from(*v),
            Val::F64(v) => *v,
            Val::V128(v) => *v as u64,
            Val::FuncRef(f) => f.as_ref().map_or(0, |f| f.to_raw()),
            Val::ExternRef(r) => ExternRef::to_raw(*r),
        }
    }

    /// Decodes a slot of the given type.
    ///
    /// # Safety
    /// For `FuncRef`, `bits` must be 0 or a raw funcref produced by this runtime whose
    /// store is still alive.
    pub unsafe fn from_bits(ty: ValType, bits: u64) -> Val {
        match ty {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits),
            ValType::V128 => Val::V128(u128::from(bits)),
            // SAFETY: forwarded from the caller.
            ValType::FuncRef => Val::FuncRef(unsafe { crate::Func::from_raw(bits) }),
            ValType::ExternRef => Val::ExternRef(ExternRef::from_raw(bits)),
        }
    }
}

impl fmt::Debug for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}:i32"),
            Val::I64(v) => write!(f, "{v}:i64"),
            Val::F32(v) => write!(f, "{}:f32", f32::from_bits(*v)),
            Val::F64(v) => write!(f, "{}:f64", f64::from_bits(*v)),
            Val::V128(v) => write!(f, "{v:#034x}:v128"),
            Val::FuncRef(None) => write!(f, "null:funcref"),
            Val::FuncRef(Some(func)) => write!(f, "{:?}", func),
            Val::ExternRef(None) => write!(f, "null:externref"),
            Val::ExternRef(Some(r)) => write!(f, "{}:externref", r.0),
        }
    }
}

impl fmt::Display for Val {
    /// iwasm's format: `1:i32`, `2.5:f64`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
