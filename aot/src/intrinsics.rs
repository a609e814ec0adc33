//! Runtime intrinsics for XIP images (`--xip`, `--enable-builtin-intrinsics=...`).
//!
//! With intrinsics disabled, an operation in the enabled set is not compiled inline: it
//! becomes an indirect call through `vmctx.intrinsics[index]` to the runtime function
//! here, as WAMR's XIP mode does for cores without an FPU or a 64-bit divider. The names
//! and groups are WAMR's. The `*.const` forms are different: the constant is loaded from
//! the image's constant table (`vmctx.consts`), so no constant pool sits in the text.
//!
//! Every runtime function is bit-identical to the inline operation, NaNs and traps
//! included (checked by `aot/tests/intrinsics.rs` against inline code on random and
//! edge inputs). They take the caller's vmctx first, like the builtins; the trapping ones
//! raise with [`crate::trap::raise`], which is safe because they own nothing.

use std::collections::BTreeMap;

use wamr_common::{Trap, TrapKind, VMContext};

use crate::trap;

macro_rules! intrinsics {
    ($( $variant:ident = $name:literal, $func:ident, ($($p:ident),*) -> ($($r:ident)?) ;)*) => {
        /// One runtime intrinsic. The discriminant is its index in the table and its bit
        /// in an [`IntrinsicSet`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u32)]
        pub enum Intrinsic { $($variant),* }

        impl Intrinsic {
            pub const ALL: &'static [Intrinsic] = &[$(Intrinsic::$variant),*];

            /// WAMR's name (an LLVM intrinsic or a wasm-op form).
            pub fn name(self) -> &'static str {
                match self { $(Intrinsic::$variant => $name),* }
            }

            /// Cranelift parameter and result types (after the vmctx).
            pub fn signature(self) -> (&'static [Ty], &'static [Ty]) {
                match self { $(Intrinsic::$variant => (&[$(Ty::$p),*], &[$(Ty::$r)?])),* }
            }
        }

        /// The runtime table compiled code indexes with `Intrinsic as usize` (const forms
        /// have no function: a null entry).
        pub static INTRINSICS: IntrinsicTable = IntrinsicTable([$( fn_ptr!($func) ),*]);
    };
}

macro_rules! fn_ptr {
    (none) => {
        std::ptr::null()
    };
    ($f:ident) => {
        $f as *const u8
    };
}

/// Value types of intrinsic signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
    /// Vectors, passed in vector registers.
    F32X4,
    F64X2,
}

intrinsics! {
    F32Add = "llvm.experimental.constrained.fadd.f32", f32_add, (F32, F32) -> (F32);
    F64Add = "llvm.experimental.constrained.fadd.f64", f64_add, (F64, F64) -> (F64);
    F32Sub = "llvm.experimental.constrained.fsub.f32", f32_sub, (F32, F32) -> (F32);
    F64Sub = "llvm.experimental.constrained.fsub.f64", f64_sub, (F64, F64) -> (F64);
    F32Mul = "llvm.experimental.constrained.fmul.f32", f32_mul, (F32, F32) -> (F32);
    F64Mul = "llvm.experimental.constrained.fmul.f64", f64_mul, (F64, F64) -> (F64);
    F32Div = "llvm.experimental.constrained.fdiv.f32", f32_div, (F32, F32) -> (F32);
    F64Div = "llvm.experimental.constrained.fdiv.f64", f64_div, (F64, F64) -> (F64);
    F32Abs = "llvm.fabs.f32", f32_abs, (F32) -> (F32);
    F64Abs = "llvm.fabs.f64", f64_abs, (F64) -> (F64);
    F32Ceil = "llvm.ceil.f32", f32_ceil, (F32) -> (F32);
    F64Ceil = "llvm.ceil.f64", f64_ceil, (F64) -> (F64);
    F32Floor = "llvm.floor.f32", f32_floor, (F32) -> (F32);
    F64Floor = "llvm.floor.f64", f64_floor, (F64) -> (F64);
    F32Trunc = "llvm.trunc.f32", f32_trunc, (F32) -> (F32);
    F64Trunc = "llvm.trunc.f64", f64_trunc, (F64) -> (F64);
    F32Rint = "llvm.rint.f32", f32_rint, (F32) -> (F32);
    F64Rint = "llvm.rint.f64", f64_rint, (F64) -> (F64);
    F32Sqrt = "llvm.sqrt.f32", f32_sqrt, (F32) -> (F32);
    F64Sqrt = "llvm.sqrt.f64", f64_sqrt, (F64) -> (F64);
    F32Copysign = "llvm.copysign.f32", f32_copysign, (F32, F32) -> (F32);
    F64Copysign = "llvm.copysign.f64", f64_copysign, (F64, F64) -> (F64);
    F32Min = "llvm.minnum.f32", f32_min, (F32, F32) -> (F32);
    F64Min = "llvm.minnum.f64", f64_min, (F64, F64) -> (F64);
    F32Max = "llvm.maxnum.f32", f32_max, (F32, F32) -> (F32);
    F64Max = "llvm.maxnum.f64", f64_max, (F64, F64) -> (F64);
    I32Ctlz = "llvm.ctlz.i32", i32_ctlz, (I32) -> (I32);
    I64Ctlz = "llvm.ctlz.i64", i64_ctlz, (I64) -> (I64);
    I32Cttz = "llvm.cttz.i32", i32_cttz, (I32) -> (I32);
    I64Cttz = "llvm.cttz.i64", i64_cttz, (I64) -> (I64);
    I32Ctpop = "llvm.ctpop.i32", i32_ctpop, (I32) -> (I32);
    I64Ctpop = "llvm.ctpop.i64", i64_ctpop, (I64) -> (I64);
    F64ConvertI32S = "f64_convert_i32_s", f64_convert_i32_s, (I32) -> (F64);
    F64ConvertI32U = "f64_convert_i32_u", f64_convert_i32_u, (I32) -> (F64);
    F32ConvertI32S = "f32_convert_i32_s", f32_convert_i32_s, (I32) -> (F32);
    F32ConvertI32U = "f32_convert_i32_u", f32_convert_i32_u, (I32) -> (F32);
    F64ConvertI64S = "f64_convert_i64_s", f64_convert_i64_s, (I64) -> (F64);
    F64ConvertI64U = "f64_convert_i64_u", f64_convert_i64_u, (I64) -> (F64);
    F32ConvertI64S = "f32_convert_i64_s", f32_convert_i64_s, (I64) -> (F32);
    F32ConvertI64U = "f32_convert_i64_u", f32_convert_i64_u, (I64) -> (F32);
    I32TruncF32S = "i32_trunc_f32_s", i32_trunc_f32_s, (F32) -> (I32);
    I32TruncF32U = "i32_trunc_f32_u", i32_trunc_f32_u, (F32) -> (I32);
    I32TruncF64S = "i32_trunc_f64_s", i32_trunc_f64_s, (F64) -> (I32);
    I32TruncF64U = "i32_trunc_f64_u", i32_trunc_f64_u, (F64) -> (I32);
    I64TruncF32S = "i64_trunc_f32_s", i64_trunc_f32_s, (F32) -> (I64);
    I64TruncF32U = "i64_trunc_f32_u", i64_trunc_f32_u, (F32) -> (I64);
    I64TruncF64S = "i64_trunc_f64_s", i64_trunc_f64_s, (F64) -> (I64);
    I64TruncF64U = "i64_trunc_f64_u", i64_trunc_f64_u, (F64) -> (I64);
    I32TruncSatF32S = "i32_trunc_sat_f32_s", i32_trunc_sat_f32_s, (F32) -> (I32);
    I32TruncSatF32U = "i32_trunc_sat_f32_u", i32_trunc_sat_f32_u, (F32) -> (I32);
    I32TruncSatF64S = "i32_trunc_sat_f64_s", i32_trunc_sat_f64_s, (F64) -> (I32);
    I32TruncSatF64U = "i32_trunc_sat_f64_u", i32_trunc_sat_f64_u, (F64) -> (I32);
    I64TruncSatF32S = "i64_trunc_sat_f32_s", i64_trunc_sat_f32_s, (F32) -> (I64);
    I64TruncSatF32U = "i64_trunc_sat_f32_u", i64_trunc_sat_f32_u, (F32) -> (I64);
    I64TruncSatF64S = "i64_trunc_sat_f64_s", i64_trunc_sat_f64_s, (F64) -> (I64);
    I64TruncSatF64U = "i64_trunc_sat_f64_u", i64_trunc_sat_f64_u, (F64) -> (I64);
    F32DemoteF64 = "f32_demote_f64", f32_demote_f64, (F64) -> (F32);
    F64PromoteF32 = "f64_promote_f32", f64_promote_f32, (F32) -> (F64);
    F32Cmp = "f32_cmp", f32_cmp, (I32, F32, F32) -> (I32);
    F64Cmp = "f64_cmp", f64_cmp, (I32, F64, F64) -> (I32);
    I32DivS = "i32.div_s", i32_div_s, (I32, I32) -> (I32);
    I32DivU = "i32.div_u", i32_div_u, (I32, I32) -> (I32);
    I32RemS = "i32.rem_s", i32_rem_s, (I32, I32) -> (I32);
    I32RemU = "i32.rem_u", i32_rem_u, (I32, I32) -> (I32);
    I64DivS = "i64.div_s", i64_div_s, (I64, I64) -> (I64);
    I64DivU = "i64.div_u", i64_div_u, (I64, I64) -> (I64);
    I64RemS = "i64.rem_s", i64_rem_s, (I64, I64) -> (I64);
    I64RemU = "i64.rem_u", i64_rem_u, (I64, I64) -> (I64);
    I64Or = "i64.or", i64_or, (I64, I64) -> (I64);
    I64And = "i64.and", i64_and, (I64, I64) -> (I64);
    I32Const = "i32.const", none, () -> ();
    I64Const = "i64.const", none, () -> ();
    F32Const = "f32.const", none, () -> ();
    F64Const = "f64.const", none, () -> ();
    // The fused multiply-adds of relaxed SIMD: as options like the others, and always on a
    // target without FMA, where Cranelift would lower them to calls outside the image.
    F32x4Fma = "llvm.fma.v4f32", f32x4_fma, (F32X4, F32X4, F32X4) -> (F32X4);
    F64x2Fma = "llvm.fma.v2f64", f64x2_fma, (F64X2, F64X2, F64X2) -> (F64X2);
}

/// The table of runtime functions.
pub struct IntrinsicTable(pub [*const u8; Intrinsic::ALL.len()]);

// SAFETY: the table holds addresses of functions (immutable code), never dereferenced
// as data.
unsafe impl Sync for IntrinsicTable {}

/// Float comparison conditions passed to `f32_cmp`/`f64_cmp` (WAMR's order).
pub mod cond {
    pub const EQ: i32 = 0;
    pub const NE: i32 = 1;
    pub const LT: i32 = 2;
    pub const GT: i32 = 3;
    pub const LE: i32 = 4;
    pub const GE: i32 = 5;
}

/// A set of intrinsics (one bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IntrinsicSet(pub u128);

/// WAMR's groups.
pub const GROUPS: &[(&str, &[Intrinsic])] = {
    use Intrinsic::*;
    &[
        ("i32.common", &[I32DivS, I32DivU, I32RemS, I32RemU]),
        (
            "i64.common",
            &[I64DivS, I64DivU, I64RemS, I64RemU, I64Or, I64And],
        ),
        (
            "f32.common",
            &[
                F32Add,
                F32Sub,
                F32Mul,
                F32Div,
                F32Abs,
                F32Sqrt,
                F32Cmp,
                F32Min,
                F32Max,
                F32Copysign,
            ],
        ),
        (
            "f64.common",
            &[
                F64Add,
                F64Sub,
                F64Mul,
                F64Div,
                F64Abs,
                F64Sqrt,
                F64Cmp,
                F64Min,
                F64Max,
                F64Copysign,
            ],
        ),
        (
            "f32xi32",
            &[F32ConvertI32S, F32ConvertI32U, I32TruncF32S, I32TruncF32U],
        ),
        (
            "f64xi32",
            &[F64ConvertI32S, F64ConvertI32U, I32TruncF64S, I32TruncF64U],
        ),
        (
            "f32xi64",
            &[F32ConvertI64S, F32ConvertI64U, I64TruncF32S, I64TruncF32U],
        ),
        (
            "f64xi64",
            &[F64ConvertI64S, F64ConvertI64U, I64TruncF64S, I64TruncF64U],
        ),
        ("constop", &[I32Const, I64Const, F32Const, F64Const]),
    ]
};

/// Groups made of groups.
const META_GROUPS: &[(&str, &[&str])] = &[
    ("fpxint", &["f32xi32", "f64xi32", "f32xi64", "f64xi64"]),
    ("fp.common", &["f32.common", "f64.common"]),
];

impl IntrinsicSet {
    pub const EMPTY: IntrinsicSet = IntrinsicSet(0);

    pub fn all() -> IntrinsicSet {
        Intrinsic::ALL.iter().fold(Self::EMPTY, |s, &i| s.with(i))
    }

    pub fn with(self, i: Intrinsic) -> IntrinsicSet {
        IntrinsicSet(self.0 | (1u128 << i as u32))
    }

    pub fn contains(self, i: Intrinsic) -> bool {
        self.0 & (1u128 << i as u32) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Intrinsic> {
        Intrinsic::ALL
            .iter()
            .copied()
            .filter(move |&i| self.contains(i))
    }

    /// The set `--xip` uses when no list is given: what keeps data out of the text on
    /// this target. Both x86-64 and aarch64 have an FPU and 64-bit division, so only the
    /// float constants: Cranelift would put those in a pool inside each function's code.
    /// Integer constants are immediates in the instructions on both (x86-64 `mov imm`,
    /// aarch64 `movz`/`movk`), never data, and loading them from the table instead costs
    /// a register per hoisted constant (CoreMark and call-heavy code lose 10% and more).
    pub fn default_for(arch: &str) -> IntrinsicSet {
        match arch {
            "x86_64" | "aarch64" => Self::parse("f32.const,f64.const").expect("valid"),
            _ => Self::all(),
        }
    }

    /// Parses a comma-separated list of names and groups (`all` for everything). The
    /// trapping float-to-int names also cover their saturating forms.
    pub fn parse(list: &str) -> Result<IntrinsicSet, String> {
        let mut set = Self::EMPTY;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            set = set.union(Self::one(item)?);
        }
        Ok(set)
    }

    fn union(self, o: IntrinsicSet) -> IntrinsicSet {
        IntrinsicSet(self.0 | o.0)
    }

    fn one(item: &str) -> Result<IntrinsicSet, String> {
        if item == "all" {
            return Ok(Self::all());
        }
        if let Some((_, members)) = GROUPS.iter().find(|(g, _)| *g == item) {
            return Ok(members
                .iter()
                .fold(Self::EMPTY, |s, &i| s.with(i).with_sat_of(i)));
        }
        if let Some((_, groups)) = META_GROUPS.iter().find(|(g, _)| *g == item) {
            return groups
                .iter()
                .try_fold(Self::EMPTY, |s, g| Ok(s.union(Self::one(g)?)));
        }
        match Intrinsic::ALL.iter().find(|i| i.name() == item) {
            Some(&i) => Ok(Self::EMPTY.with(i).with_sat_of(i)),
            None => Err(format!(
                "unknown intrinsic `{item}` (wamr-compile --print-intrinsics lists them)"
            )),
        }
    }

    /// A trapping truncation brings its saturating form along.
    fn with_sat_of(self, i: Intrinsic) -> IntrinsicSet {
        use Intrinsic::*;
        let sat = match i {
            I32TruncF32S => I32TruncSatF32S,
            I32TruncF32U => I32TruncSatF32U,
            I32TruncF64S => I32TruncSatF64S,
            I32TruncF64U => I32TruncSatF64U,
            I64TruncF32S => I64TruncSatF32S,
            I64TruncF32U => I64TruncSatF32U,
            I64TruncF64S => I64TruncSatF64S,
            I64TruncF64U => I64TruncSatF64U,
            _ => return self,
        };
        self.with(sat)
    }

    /// Names, one per line, then the groups (for `--print-intrinsics`).
    pub fn listing() -> String {
        let mut out = String::from("Intrinsics:\n");
        for i in Intrinsic::ALL {
            out.push_str(&format!("  {}\n", i.name()));
        }
        out.push_str("Groups:\n  all\n");
        for (g, members) in GROUPS {
            let names: Vec<&str> = members.iter().map(|i| i.name()).collect();
            out.push_str(&format!("  {g}: {}\n", names.join(", ")));
        }
        for (g, groups) in META_GROUPS {
            out.push_str(&format!("  {g}: {}\n", groups.join(", ")));
        }
        out
    }
}

/// The constants of a module's `*.const` operators, deduplicated, in first-use order:
/// the image's constant table. Each entry is 8 bytes (32-bit values zero-extended).
#[derive(Debug, Default, Clone)]
pub struct ConstPool {
    index: BTreeMap<u64, u32>,
    pub values: Vec<u64>,
}

impl ConstPool {
    /// Collects every constant operator of the enabled kinds in the module's bodies.
    pub fn scan(m: &wamr_common::ModuleData, set: IntrinsicSet) -> ConstPool {
        let mut pool = ConstPool::default();
        if !(set.contains(Intrinsic::I32Const)
            || set.contains(Intrinsic::I64Const)
            || set.contains(Intrinsic::F32Const)
            || set.contains(Intrinsic::F64Const))
        {
            return pool;
        }
        for body in &m.bodies {
            let Some(bytes) = m.bytes.get(body.range.clone()) else {
                continue;
            };
            let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(bytes, 0));
            let Ok(ops) = reader.get_operators_reader() else {
                continue;
            };
            for op in ops.into_iter().flatten() {
                let v = match op {
                    wasmparser::Operator::I32Const { value }
                        if set.contains(Intrinsic::I32Const) =>
                    {
                        u64::from(value as u32)
                    }
                    wasmparser::Operator::I64Const { value }
                        if set.contains(Intrinsic::I64Const) =>
                    {
                        value as u64
                    }
                    wasmparser::Operator::F32Const { value }
                        if set.contains(Intrinsic::F32Const) =>
                    {
                        u64::from(value.bits())
                    }
                    wasmparser::Operator::F64Const { value }
                        if set.contains(Intrinsic::F64Const) =>
                    {
                        value.bits()
                    }
                    _ => continue,
                };
                pool.add(v);
            }
        }
        pool
    }

    fn add(&mut self, v: u64) {
        if !self.index.contains_key(&v) {
            self.index.insert(v, self.values.len() as u32);
            self.values.push(v);
        }
    }

    /// The table index of a constant (by its 64-bit pattern).
    pub fn get(&self, v: u64) -> Option<u32> {
        self.index.get(&v).copied()
    }
}

// ---- the runtime functions ----

/// A v128 as the C calling convention passes it (in a vector register).
#[cfg(target_arch = "x86_64")]
type AbiV128 = std::arch::x86_64::__m128i;
#[cfg(target_arch = "aarch64")]
type AbiV128 = std::arch::aarch64::uint8x16_t;

fn from_abi(v: AbiV128) -> u128 {
    // SAFETY: both are 16 bytes of plain data, any bit pattern valid.
    unsafe { std::mem::transmute::<AbiV128, u128>(v) }
}

fn to_abi(v: u128) -> AbiV128 {
    // SAFETY: as for `from_abi`.
    unsafe { std::mem::transmute::<u128, AbiV128>(v) }
}

/// `a * b + c` per lane, one rounding: the relaxed madd's deterministic result
/// (`wamr_common::simd`); the translator negates `a` first for nmadd. The C calling
/// convention passes a 128-bit vector type in a vector register (SysV: class SSE;
/// AAPCS64: a short vector), as Cranelift passes its `f32x4`/`f64x2` parameters; the
/// lint only says Rust does not promise a layout for it, which is not what is used.
#[allow(improper_ctypes_definitions)]
unsafe extern "C" fn f32x4_fma(
    _vmctx: *mut VMContext,
    a: AbiV128,
    b: AbiV128,
    c: AbiV128,
) -> AbiV128 {
    to_abi(wamr_common::simd::f32x4_relaxed_madd(
        from_abi(a),
        from_abi(b),
        from_abi(c),
    ))
}

#[allow(improper_ctypes_definitions)]
unsafe extern "C" fn f64x2_fma(
    _vmctx: *mut VMContext,
    a: AbiV128,
    b: AbiV128,
    c: AbiV128,
) -> AbiV128 {
    to_abi(wamr_common::simd::f64x2_relaxed_madd(
        from_abi(a),
        from_abi(b),
        from_abi(c),
    ))
}

use wamr_common::semantics as sem;

fn raise(kind: TrapKind) -> ! {
    trap::raise(Trap::new(kind))
}

macro_rules! float_binop {
    ($($name:ident: $t:ty => |$a:ident, $b:ident| $e:expr;)*) => {$(
        unsafe extern "C" fn $name(_vmctx: *mut VMContext, $a: $t, $b: $t) -> $t { $e }
    )*};
}

float_binop! {
    f32_add: f32 => |a, b| a + b;
    f64_add: f64 => |a, b| a + b;
    f32_sub: f32 => |a, b| a - b;
    f64_sub: f64 => |a, b| a - b;
    f32_mul: f32 => |a, b| a * b;
    f64_mul: f64 => |a, b| a * b;
    f32_div: f32 => |a, b| a / b;
    f64_div: f64 => |a, b| a / b;
    f32_copysign: f32 => |a, b| a.copysign(b);
    f64_copysign: f64 => |a, b| a.copysign(b);
    f32_min: f32 => |a, b| wamr_common::numeric::fmin(a, b);
    f64_min: f64 => |a, b| wamr_common::numeric::fmin(a, b);
    f32_max: f32 => |a, b| wamr_common::numeric::fmax(a, b);
    f64_max: f64 => |a, b| wamr_common::numeric::fmax(a, b);
}

macro_rules! unop {
    ($($name:ident: $t:ty => $r:ty, |$a:ident| $e:expr;)*) => {$(
        unsafe extern "C" fn $name(_vmctx: *mut VMContext, $a: $t) -> $r { $e }
    )*};
}

unop! {
    f32_abs: f32 => f32, |a| a.abs();
    f64_abs: f64 => f64, |a| a.abs();
    f32_ceil: f32 => f32, |a| sem::f32_ceil(a);
    f64_ceil: f64 => f64, |a| sem::f64_ceil(a);
    f32_floor: f32 => f32, |a| sem::f32_floor(a);
    f64_floor: f64 => f64, |a| sem::f64_floor(a);
    f32_trunc: f32 => f32, |a| sem::f32_trunc(a);
    f64_trunc: f64 => f64, |a| sem::f64_trunc(a);
    f32_rint: f32 => f32, |a| sem::f32_nearest(a);
    f64_rint: f64 => f64, |a| sem::f64_nearest(a);
    f32_sqrt: f32 => f32, |a| a.sqrt();
    f64_sqrt: f64 => f64, |a| a.sqrt();
    i32_ctlz: u32 => u32, |a| a.leading_zeros();
    i64_ctlz: u64 => u64, |a| u64::from(a.leading_zeros());
    i32_cttz: u32 => u32, |a| a.trailing_zeros();
    i64_cttz: u64 => u64, |a| u64::from(a.trailing_zeros());
    i32_ctpop: u32 => u32, |a| a.count_ones();
    i64_ctpop: u64 => u64, |a| u64::from(a.count_ones());
    f64_convert_i32_s: i32 => f64, |a| f64::from(a);
    f64_convert_i32_u: u32 => f64, |a| f64::from(a);
    f32_convert_i32_s: i32 => f32, |a| a as f32;
    f32_convert_i32_u: u32 => f32, |a| a as f32;
    f64_convert_i64_s: i64 => f64, |a| a as f64;
    f64_convert_i64_u: u64 => f64, |a| a as f64;
    f32_convert_i64_s: i64 => f32, |a| a as f32;
    f32_convert_i64_u: u64 => f32, |a| a as f32;
    i32_trunc_sat_f32_s: f32 => i32, |a| a as i32;
    i32_trunc_sat_f32_u: f32 => u32, |a| a as u32;
    i32_trunc_sat_f64_s: f64 => i32, |a| a as i32;
    i32_trunc_sat_f64_u: f64 => u32, |a| a as u32;
    i64_trunc_sat_f32_s: f32 => i64, |a| a as i64;
    i64_trunc_sat_f32_u: f32 => u64, |a| a as u64;
    i64_trunc_sat_f64_s: f64 => i64, |a| a as i64;
    i64_trunc_sat_f64_u: f64 => u64, |a| a as u64;
    f32_demote_f64: f64 => f32, |a| a as f32;
    f64_promote_f32: f32 => f64, |a| f64::from(a);
}

/// Trapping conversions and division: the semantics (and their traps) live in
/// `wamr_common::semantics`, shared with the interpreter.
macro_rules! fallible_unop {
    ($($name:ident: $t:ty => $r:ty;)*) => {$(
        unsafe extern "C" fn $name(_vmctx: *mut VMContext, a: $t) -> $r {
            sem::$name(a).unwrap_or_else(|k| raise(k))
        }
    )*};
}

fallible_unop! {
    i32_trunc_f32_s: f32 => i32;
    i32_trunc_f32_u: f32 => u32;
    i32_trunc_f64_s: f64 => i32;
    i32_trunc_f64_u: f64 => u32;
    i64_trunc_f32_s: f32 => i64;
    i64_trunc_f32_u: f32 => u64;
    i64_trunc_f64_s: f64 => i64;
    i64_trunc_f64_u: f64 => u64;
}

fn compare<T: PartialOrd>(cond: i32, a: T, b: T) -> u32 {
    u32::from(match cond {
        cond::EQ => a == b,
        cond::NE => a != b,
        cond::LT => a < b,
        cond::GT => a > b,
        cond::LE => a <= b,
        _ => a >= b,
    })
}

unsafe extern "C" fn f32_cmp(_vmctx: *mut VMContext, cond: i32, a: f32, b: f32) -> u32 {
    compare(cond, a, b)
}

unsafe extern "C" fn f64_cmp(_vmctx: *mut VMContext, cond: i32, a: f64, b: f64) -> u32 {
    compare(cond, a, b)
}

macro_rules! divrem {
    ($($name:ident: $t:ty;)*) => {$(
        unsafe extern "C" fn $name(_vmctx: *mut VMContext, a: $t, b: $t) -> $t {
            sem::$name(a, b).unwrap_or_else(|k| raise(k))
        }
    )*};
}

divrem! {
    i32_div_s: i32;
    i32_div_u: u32;
    i32_rem_s: i32;
    i32_rem_u: u32;
    i64_div_s: i64;
    i64_div_u: u64;
    i64_rem_s: i64;
    i64_rem_u: u64;
}

unsafe extern "C" fn i64_or(_vmctx: *mut VMContext, a: u64, b: u64) -> u64 {
    a | b
}

unsafe extern "C" fn i64_and(_vmctx: *mut VMContext, a: u64, b: u64) -> u64 {
    a & b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_groups_and_sets() {
        assert_eq!(Intrinsic::ALL.len(), INTRINSICS.0.len());
        assert!(Intrinsic::ALL.len() <= 128);
        let all = IntrinsicSet::parse("all").unwrap();
        assert_eq!(all.iter().count(), Intrinsic::ALL.len());
        let fp = IntrinsicSet::parse("fp.common").unwrap();
        assert!(fp.contains(Intrinsic::F32Add) && fp.contains(Intrinsic::F64Cmp));
        assert!(!fp.contains(Intrinsic::I64DivS));
        let conv = IntrinsicSet::parse("fpxint").unwrap();
        assert!(
            conv.contains(Intrinsic::I64TruncF64U) && conv.contains(Intrinsic::I64TruncSatF64U)
        );
        let one = IntrinsicSet::parse("llvm.ctpop.i32, i64.div_s").unwrap();
        assert_eq!(
            one.iter().collect::<Vec<_>>(),
            [Intrinsic::I32Ctpop, Intrinsic::I64DivS]
        );
        assert!(IntrinsicSet::parse("llvm.bogus").is_err());
        assert!(IntrinsicSet::listing().contains("f64xi64"));
        for (i, f) in Intrinsic::ALL.iter().zip(INTRINSICS.0.iter()) {
            assert_eq!(f.is_null(), i.name().ends_with(".const"), "{}", i.name());
        }
    }
}
