//! Value types, function types and runtime values.

use std::fmt;
use std::sync::Arc;

/// A WebAssembly value type.
///
/// `V128` is reserved for the SIMD issue: the engines reject it at validation for now,
/// but everything that sizes storage asks [`ValType::slots`] so a 128-bit value can take
/// two 8-byte slots without changing the frame layout.
///
/// Reference types have one spelling each: `funcref` (`ref null func`) and `externref`
/// (`ref null extern`) are [`ValType::FuncRef`] and [`ValType::ExternRef`], every other
/// reference type (typed function references) is [`ValType::Ref`]. At run time a
/// reference is a function reference or an extern reference ([`ValType::ref_kind`]),
/// whatever its static type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// `(ref null exn)`: an exception (exception handling).
    ExnRef,
    Ref(RefType),
}

/// A reference type other than `funcref` and `externref`.
///
/// [`HeapType::Concrete`] names a function type: in a module's types (everything in
/// [`crate::ModuleData`]) by the module's type index; in the types of runtime objects
/// (a `FuncData`'s signature, an instance's tables and globals) by the store's type id
/// ([`crate::Store::type_id`]), so that types of different modules compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

/// What a reference points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any extern reference.
    Extern,
    /// No function (the bottom of the function types: only null).
    NoFunc,
    /// No extern reference (only null).
    NoExtern,
    /// A function of one type (see [`RefType`] for what the index means).
    Concrete(u32),
    /// Any exception.
    Exn,
    /// No exception (only null).
    NoExn,
}

/// What a reference is at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Func,
    Extern,
    Exn,
}

impl HeapType {
    fn kind(self) -> RefKind {
        match self {
            HeapType::Extern | HeapType::NoExtern => RefKind::Extern,
            HeapType::Exn | HeapType::NoExn => RefKind::Exn,
            HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_) => RefKind::Func,
        }
    }

    /// Subtyping of heap types (function types are final: a concrete type matches only
    /// itself, `func` and what `nofunc` matches).
    pub fn matches(self, required: HeapType) -> bool {
        self == required
            || matches!(
                (self, required),
                (HeapType::NoFunc, HeapType::Func | HeapType::Concrete(_))
                    | (HeapType::Concrete(_), HeapType::Func)
                    | (HeapType::NoExtern, HeapType::Extern)
                    | (HeapType::NoExn, HeapType::Exn)
            )
    }
}

impl RefType {
    /// Subtyping: a value of type `self` may be used where `required` is expected.
    pub fn matches(self, required: RefType) -> bool {
        (!self.nullable || required.nullable) && self.heap.matches(required.heap)
    }
}

/// Where each of `types` starts in an array of 8-byte slots, and how many slots they
/// take in all: values are packed in order, a v128 taking two.
pub fn slot_offsets(types: &[ValType]) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(types.len());
    let mut end = 0;
    for t in types {
        offsets.push(end);
        end += t.slots() as usize;
    }
    (offsets, end)
}

/// Writes `vals` packed into 8-byte slots (see [`slot_offsets`]); `slots` holds them all.
pub fn write_vals(vals: &[Val], slots: &mut [u64]) {
    let mut at = 0;
    for v in vals {
        v.write_slots(&mut slots[at..]);
        at += v.ty().slots() as usize;
    }
}

/// Reads values of `types` packed in 8-byte slots (see [`slot_offsets`]).
///
/// # Safety
/// As for [`Val::from_bits`], for every reference among them.
pub unsafe fn read_vals(types: &[ValType], slots: &[u64]) -> Vec<Val> {
    let mut at = 0;
    types
        .iter()
        .map(|t| {
            // SAFETY: the caller's guarantee.
            let v = unsafe { Val::read_slots(*t, &slots[at..]) };
            at += t.slots() as usize;
            v
        })
        .collect()
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
        self.ref_type().is_some()
    }

    /// A reference type in its general form (`funcref` is `ref null func`).
    pub fn ref_type(self) -> Option<RefType> {
        let r = |heap| RefType {
            nullable: true,
            heap,
        };
        match self {
            ValType::FuncRef => Some(r(HeapType::Func)),
            ValType::ExternRef => Some(r(HeapType::Extern)),
            ValType::ExnRef => Some(r(HeapType::Exn)),
            ValType::Ref(rt) => Some(rt),
            _ => None,
        }
    }

    /// The one spelling of a reference type.
    pub fn from_ref_type(rt: RefType) -> ValType {
        match (rt.nullable, rt.heap) {
            (true, HeapType::Func) => ValType::FuncRef,
            (true, HeapType::Extern) => ValType::ExternRef,
            (true, HeapType::Exn) => ValType::ExnRef,
            _ => ValType::Ref(rt),
        }
    }

    /// What a value of this type is at run time, for a reference type.
    pub fn ref_kind(self) -> Option<RefKind> {
        self.ref_type().map(|rt| rt.heap.kind())
    }

    /// The representation of this type's values: `funcref` or `externref` for reference
    /// types, the type itself otherwise.
    pub fn representation(self) -> ValType {
        match self.ref_kind() {
            Some(RefKind::Func) => ValType::FuncRef,
            Some(RefKind::Extern) => ValType::ExternRef,
            Some(RefKind::Exn) => ValType::ExnRef,
            None => self,
        }
    }

    /// Subtyping: a value of type `self` may be used where `required` is expected (both
    /// in the same terms: module type indices or store type ids).
    pub fn matches(self, required: ValType) -> bool {
        match (self.ref_type(), required.ref_type()) {
            (Some(a), Some(b)) => a.matches(b),
            _ => self == required,
        }
    }

    /// Whether the type has a default value (non-nullable references have none).
    pub fn defaultable(self) -> bool {
        self.ref_type().is_none_or(|rt| rt.nullable)
    }

    /// Whether this is a reference to a concrete (indexed) type.
    pub fn names_a_type(self) -> bool {
        matches!(
            self,
            ValType::Ref(RefType {
                heap: HeapType::Concrete(_),
                ..
            })
        )
    }

    /// This type with its concrete type index mapped by `f` (module index to store id).
    pub fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> ValType {
        match self {
            ValType::Ref(RefType {
                nullable,
                heap: HeapType::Concrete(i),
            }) => ValType::Ref(RefType {
                nullable,
                heap: HeapType::Concrete(f(i)),
            }),
            other => other,
        }
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
            ValType::ExnRef => "exnref",
            ValType::Ref(rt) => return write!(f, "{rt}"),
        })
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let null = if self.nullable { "null " } else { "" };
        match self.heap {
            HeapType::Func => write!(f, "(ref {null}func)"),
            HeapType::Extern => write!(f, "(ref {null}extern)"),
            HeapType::NoFunc => write!(f, "(ref {null}nofunc)"),
            HeapType::NoExtern => write!(f, "(ref {null}noextern)"),
            HeapType::Concrete(i) => write!(f, "(ref {null}{i})"),
            HeapType::Exn => write!(f, "(ref {null}exn)"),
            HeapType::NoExn => write!(f, "(ref {null}noexn)"),
        }
    }
}

/// A function signature.
#[derive(Clone)]
pub struct FuncType {
    params: Arc<[ValType]>,
    results: Arc<[ValType]>,
    /// A hash of both lists, computed once: every instantiation looks its types up in
    /// the store's signature ids, and hashing the lists each time was a tenth of a
    /// short program's run.
    fingerprint: u64,
}

impl PartialEq for FuncType {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.params == other.params
            && self.results == other.results
    }
}

impl Eq for FuncType {}

impl std::hash::Hash for FuncType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint);
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuncType")
            .field("params", &self.params)
            .field("results", &self.results)
            .finish()
    }
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        use std::hash::BuildHasher;
        let params: Arc<[ValType]> = params.into_iter().collect();
        let results: Arc<[ValType]> = results.into_iter().collect();
        // A fixed seed: equal types get equal fingerprints in every store and thread.
        let fingerprint =
            foldhash::fast::FixedState::with_seed(0).hash_one((&params[..], &results[..]));
        FuncType {
            params,
            results,
            fingerprint,
        }
    }
    pub fn params(&self) -> &[ValType] {
        &self.params
    }
    pub fn results(&self) -> &[ValType] {
        &self.results
    }
    /// How many 8-byte slots the parameters take packed (see [`slot_offsets`]).
    pub fn param_slots(&self) -> u32 {
        self.params.iter().map(|t| t.slots()).sum()
    }
    /// How many 8-byte slots the results take packed.
    pub fn result_slots(&self) -> u32 {
        self.results.iter().map(|t| t.slots()).sum()
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
    /// Addressed with i64 (memory64); its size is capped by the runtime like any other.
    pub memory64: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableType {
    pub elem: ValType,
    pub limits: Limits,
    /// Indexed with i64 (memory64's 64-bit tables); capped like any other table.
    pub table64: bool,
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
    ExnRef(Option<crate::Exception>),
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
            Val::ExnRef(_) => ValType::ExnRef,
        }
    }

    /// Whether a reference in the value belongs to `store` (numbers and nulls always do).
    /// A function or exception of another store must never reach wasm code: signature
    /// ids are per store, and that store may be dropped while wasm holds the reference.
    pub fn belongs_to(&self, store: &crate::Store) -> bool {
        match self {
            Val::FuncRef(Some(f)) => f.store().id() == store.id(),
            Val::ExnRef(Some(e)) => e.store().id() == store.id(),
            _ => true,
        }
    }

    /// Whether the value may be used where `ty` (in store terms) is expected: the type
    /// for numbers; for references their kind, non-nullness where required, and a
    /// concrete function type's store id.
    pub fn matches(&self, ty: ValType) -> bool {
        let Some(rt) = ty.ref_type() else {
            return self.ty() == ty;
        };
        match (self, rt.heap) {
            (Val::FuncRef(None), h) | (Val::ExternRef(None), h) | (Val::ExnRef(None), h) => {
                rt.nullable && h.kind() == self.ty().ref_kind().expect("a reference")
            }
            (Val::FuncRef(Some(_)), HeapType::Func) => true,
            (Val::FuncRef(Some(f)), HeapType::Concrete(id)) => f.data().type_id == id,
            (Val::ExternRef(Some(_)), HeapType::Extern) => true,
            (Val::ExnRef(Some(_)), HeapType::Exn) => true,
            _ => false,
        }
    }

    /// The zero / null value of a type (what locals and new table slots start as; the
    /// null of a non-nullable reference type is only a placeholder).
    pub fn default_of(ty: ValType) -> Val {
        match ty.representation() {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::ExternRef => Val::ExternRef(None),
            ValType::ExnRef => Val::ExnRef(None),
            _ => Val::FuncRef(None),
        }
    }

    /// Writes the value into `slots` (one 8-byte slot, two for a v128, low half first):
    /// how values cross the host boundary in both engines (see [`slot_offsets`]).
    pub fn write_slots(&self, slots: &mut [u64]) {
        match self {
            Val::V128(v) => {
                slots[0] = *v as u64;
                slots[1] = (*v >> 64) as u64;
            }
            other => slots[0] = other.to_bits(),
        }
    }

    /// Reads a value of type `ty` from `slots` (as [`Val::write_slots`] wrote it).
    ///
    /// # Safety
    /// As for [`Val::from_bits`].
    pub unsafe fn read_slots(ty: ValType, slots: &[u64]) -> Val {
        match ty {
            ValType::V128 => Val::V128(u128::from(slots[0]) | (u128::from(slots[1]) << 64)),
            // SAFETY: the caller's guarantee.
            _ => unsafe { Val::from_bits(ty, slots[0]) },
        }
    }

    /// The value's 64-bit slot encoding: the low half of a v128 (use
    /// [`Val::write_slots`] for all of it).
    pub fn to_bits(&self) -> u64 {
        match self {
            Val::I32(v) => *v as u32 as u64,
            Val::I64(v) => *v as u64,
            Val::F32(v) => u64::from(*v),
            Val::F64(v) => *v,
            Val::V128(v) => *v as u64,
            Val::FuncRef(f) => f.as_ref().map_or(0, |f| f.to_raw()),
            Val::ExternRef(r) => ExternRef::to_raw(*r),
            Val::ExnRef(e) => e.as_ref().map_or(0, |e| e.to_raw()),
        }
    }

    /// Decodes a slot of the given type.
    ///
    /// # Safety
    /// For `FuncRef` and `ExnRef`, `bits` must be 0 or a raw reference produced by this
    /// runtime whose store is still alive.
    pub unsafe fn from_bits(ty: ValType, bits: u64) -> Val {
        match ty.representation() {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits),
            ValType::V128 => Val::V128(u128::from(bits)),
            ValType::ExternRef => Val::ExternRef(ExternRef::from_raw(bits)),
            // SAFETY: an exception reference's bits are 0 or a live exnref (caller).
            ValType::ExnRef => Val::ExnRef(unsafe { crate::Exception::from_raw(bits) }),
            // SAFETY: a function reference's bits are 0 or a live raw funcref (caller).
            _ => Val::FuncRef(unsafe { crate::Func::from_raw(bits) }),
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
            Val::ExnRef(None) => write!(f, "null:exnref"),
            Val::ExnRef(Some(e)) => write!(f, "{e:?}"),
        }
    }
}

impl fmt::Display for Val {
    /// iwasm's format: `1:i32`, `2.5:f64`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
