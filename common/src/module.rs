//! The owned module model: a validated `.wasm` parsed once into plain data that both
//! engines (and the AOT image writer) read.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use wasmparser::{Parser, Payload, Validator};

use crate::features::{Features, Proposal};

use crate::types::{
    FuncType, GlobalType, HeapType, Limits, MemoryType, RefType, TableType, ValType,
};

/// Why a module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a well-formed or valid module (wasmparser's verdict).
    #[error("invalid module at offset {offset:#x}: {message}")]
    Invalid { offset: usize, message: String },
    /// The module is valid but uses something this runtime does not support yet.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The module uses a proposal that was turned off ([`Features`]).
    #[error("the module uses {} (proposal `{}`), which is disabled", .0.description(), .0.name())]
    Disabled(Proposal),
    /// The module uses the GC proposal (struct and array types, rec groups, GC heap
    /// types or operators), which this runtime does not implement.
    #[error("unsupported: the module uses {0}, which needs the GC proposal")]
    NeedsGc(String),
}

impl From<wasmparser::BinaryReaderError> for LoadError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        // wasmparser appends multi-line byte dumps to some messages (bad magic); the
        // first clause says it all.
        let message = e.message();
        let message = message.split(" - expected=").next().unwrap_or(message);
        LoadError::Invalid {
            offset: e.offset() as usize,
            message: message.to_string(),
        }
    }
}

pub use crate::features::supported_features;

/// One operation of a constant expression (global initialisers, segment offsets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull(ValType),
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A constant expression as a small stack program.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr(pub Box<[ConstOp]>);

impl ConstExpr {
    fn parse(expr: &wasmparser::ConstExpr<'_>) -> Result<Self, LoadError> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = match reader.read()? {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { hty } => ConstOp::RefNull(null_type(hty)?),
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::End => continue,
                other => {
                    return Err(LoadError::Unsupported(format!(
                        "constant expression operator {other:?}"
                    )))
                }
            };
            ops.push(op);
        }
        Ok(ConstExpr(ops.into()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// A tag of this type index (exception handling).
    Tag(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub ty: GlobalType,
    pub init: ConstExpr,
}

/// A defined function's body: where its code sits in the module bytes and its locals.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncBody {
    /// The whole body (locals declaration and code) within [`Module::bytes`].
    pub range: Range<usize>,
    /// Declared locals, after the parameters, one entry per local.
    pub locals: Box<[ValType]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ElemMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElemSegment {
    pub mode: ElemMode,
    pub ty: ValType,
    pub items: Box<[ConstExpr]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataSegment {
    pub mode: DataMode,
    /// The segment's bytes within [`Module::bytes`].
    pub range: Range<usize>,
}

/// A parsed and validated module; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Module(Arc<ModuleData>);

impl std::ops::Deref for Module {
    type Target = ModuleData;
    fn deref(&self) -> &ModuleData {
        &self.0
    }
}

/// The module's contents. Index spaces follow the spec: imports first.
#[derive(Debug)]
pub struct ModuleData {
    pub bytes: Arc<[u8]>,
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    /// Bodies of the defined functions (index = func index - imported count).
    pub bodies: Vec<FuncBody>,
    /// Every table, imported ones first.
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    /// The value every element of a defined table starts as (index = table index -
    /// imported count): `ref.null` unless the table declares an initialiser.
    pub table_inits: Vec<ConstExpr>,
    /// Every memory, imported ones first.
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    /// Types of every global, imported ones first.
    pub global_types: Vec<GlobalType>,
    pub num_imported_globals: u32,
    /// Initialisers of the defined globals.
    pub globals: Vec<Global>,
    /// The type index of every tag, imported ones first (a tag's type has no results).
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub exports: Vec<Export>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    pub start: Option<u32>,
    pub name: Option<String>,
    pub func_names: HashMap<u32, String>,
    /// Engine-specific artifact bound to this module (the AOT loader attaches its
    /// mapped image here).
    pub attachment: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Code an engine derives from this module once and shares between all its
    /// instances (the interpreter's translated functions), created on first use.
    pub engine_code: std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>,
    /// Whether the instructions of the function bodies were validated here (always,
    /// except for [`ModuleData::precompiled`]). The interpreter runs only validated code.
    pub code_validated: bool,
    /// Whether a v128 appears in a type (of a function, block or tag) or a global. Without
    /// one, only a v128 local or a SIMD operator (a 0xFD prefix byte in the body) can
    /// bring a v128 into a function.
    pub v128_in_types: bool,
    /// See [`ModuleData::uses_simd`]: a scan of all the code, made on first ask rather
    /// than by every load (it cost a fifth of CoreMark's start-up).
    uses_simd: std::sync::OnceLock<bool>,
}

fn convert_heap_type(h: wasmparser::HeapType) -> Result<HeapType, LoadError> {
    use wasmparser::{AbstractHeapType as A, HeapType as H};
    Ok(match h {
        H::Abstract { shared: false, ty } => match ty {
            A::Func => HeapType::Func,
            A::Extern => HeapType::Extern,
            A::NoFunc => HeapType::NoFunc,
            A::NoExtern => HeapType::NoExtern,
            A::Exn => HeapType::Exn,
            A::NoExn => HeapType::NoExn,
            other => return Err(LoadError::NeedsGc(format!("the heap type {other:?}"))),
        },
        H::Concrete(idx) | H::Exact(idx) => match idx.as_module_index() {
            Some(i) => HeapType::Concrete(i),
            None => return Err(LoadError::NeedsGc("a recursive type".into())),
        },
        other => return Err(LoadError::NeedsGc(format!("the heap type {other:?}"))),
    })
}

/// The null reference of heap type `h` (`ref.null`), as the value type it has.
fn null_type(h: wasmparser::HeapType) -> Result<ValType, LoadError> {
    Ok(ValType::from_ref_type(RefType {
        nullable: true,
        heap: convert_heap_type(h)?,
    }))
}

pub(crate) fn ref_to_valtype(r: wasmparser::RefType) -> Result<ValType, LoadError> {
    Ok(ValType::from_ref_type(RefType {
        nullable: r.is_nullable(),
        heap: convert_heap_type(r.heap_type())?,
    }))
}

pub fn convert_valtype(t: wasmparser::ValType) -> Result<ValType, LoadError> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ref_to_valtype(r)?,
    })
}

fn convert_functype(t: &wasmparser::FuncType) -> Result<FuncType, LoadError> {
    let params = t
        .params()
        .iter()
        .map(|t| convert_valtype(*t))
        .collect::<Result<Vec<_>, _>>()?;
    let results = t
        .results()
        .iter()
        .map(|t| convert_valtype(*t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FuncType::new(params, results))
}

fn convert_table(t: &wasmparser::TableType) -> Result<TableType, LoadError> {
    if t.shared {
        return Err(LoadError::Unsupported("shared tables".into()));
    }
    Ok(TableType {
        elem: ref_to_valtype(t.element_type)?,
        limits: Limits {
            min: t.initial,
            max: t.maximum,
        },
        table64: t.table64,
    })
}

fn convert_memory(m: &wasmparser::MemoryType) -> Result<MemoryType, LoadError> {
    if m.page_size_log2.is_some() {
        return Err(LoadError::Unsupported("custom page sizes".into()));
    }
    Ok(MemoryType {
        limits: Limits {
            min: m.initial,
            max: m.maximum,
        },
        shared: m.shared,
        memory64: m.memory64,
    })
}

fn convert_global(g: &wasmparser::GlobalType) -> Result<GlobalType, LoadError> {
    Ok(GlobalType {
        ty: convert_valtype(g.content_type)?,
        mutable: g.mutable,
    })
}

impl Module {
    /// Validates `bytes` and builds the module model. Never panics on any input.
    pub fn new(bytes: &[u8]) -> Result<Module, LoadError> {
        Module::with_features(bytes, Features::all())
    }

    /// [`Module::new`], accepting only the proposals `features` enables; a module that
    /// uses one turned off is refused with [`LoadError::Disabled`].
    pub fn with_features(bytes: &[u8], features: Features) -> Result<Module, LoadError> {
        let _span = tracing::debug_span!("load", size = bytes.len()).entered();
        {
            let _v = tracing::debug_span!("validate").entered();
            validate(bytes, features, |f| {
                Validator::new_with_features(f)
                    .validate_all(bytes)
                    .map(drop)
            })?;
        }
        let data = ModuleData::parse_validated(Arc::from(bytes))?;
        Ok(Module(Arc::new(data)))
    }
}

/// The memory a load or store accesses. (An array target belongs to a GC proposal that
/// validation refuses here; it never reaches an engine.)
pub fn memory_index(memarg: &wasmparser::MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(i) => i,
        wasmparser::MemArgTarget::Array(_) => 0,
    }
}

/// Validates `bytes` under `features` with `check` (the whole module, or all but the
/// code of an image's module). A module refused there is refused naming a disabled
/// proposal that would make it valid, if one does; one valid only with the constant
/// expressions wasmparser files under GC (Wasm 3.0's, unless `features` is 2.0) is
/// accepted when it uses nothing else of GC (see `gc`).
fn validate(
    bytes: &[u8],
    features: Features,
    check: impl Fn(wasmparser::WasmFeatures) -> Result<(), wasmparser::BinaryReaderError>,
) -> Result<(), LoadError> {
    let Err(e) = check(features.wasm_features()) else {
        return Ok(());
    };
    // The disabled proposal that makes the module valid: alone, or with the disabled
    // proposals that build on it (a module with relaxed SIMD operators needs SIMD and
    // relaxed SIMD; with both off, SIMD is the one to name).
    let with_dependents = |p: Proposal| {
        features
            .disabled()
            .filter(|q| q.requires() == Some(p))
            .fold(features.with(p), |f, q| f.with(q))
    };
    if let Some(p) = features
        .disabled()
        .find(|p| check(features.with(*p).wasm_features()).is_ok())
        .or_else(|| {
            features
                .disabled()
                .find(|p| check(with_dependents(*p).wasm_features()).is_ok())
        })
    {
        return Err(LoadError::Disabled(p));
    }
    let mut with_gc = features.wasm_features();
    with_gc.insert(wasmparser::WasmFeatures::GC);
    if !features.wasm3_relaxations() || check(with_gc).is_err() {
        return Err(e.into());
    }
    match crate::gc::gc_in_code(bytes)? {
        Some(what) => Err(LoadError::NeedsGc(what)),
        None => Ok(()),
    }
}

impl From<ModuleData> for Module {
    fn from(data: ModuleData) -> Module {
        Module(Arc::new(data))
    }
}

impl ModuleData {
    /// The model of a module that was compiled earlier by an engine whose artifact vouches
    /// for these exact bytes (an AOT image checks its checksum and its hash of the wasm
    /// before this is called). Everything [`Module::new`] validates is validated, except
    /// the instructions inside function bodies: the compiler validated those, and
    /// validating them again would make loading an image cost time in proportion to its
    /// code. The model says so ([`ModuleData::code_validated`] is false), and engines that
    /// execute the bodies themselves (the interpreter) refuse it. Never panics.
    pub fn precompiled(bytes: &[u8]) -> Result<ModuleData, LoadError> {
        let _span = tracing::debug_span!("load_precompiled", size = bytes.len()).entered();
        // The compiler applied the embedder's feature choice; the image may use anything
        // the runtime implements.
        validate(bytes, Features::implemented(), |features| {
            let mut validator = Validator::new_with_features(features);
            for payload in Parser::new(0).parse_all(bytes) {
                // `payload` hands back each function body to validate; it is dropped unread.
                validator.payload(&payload?)?;
            }
            Ok(())
        })?;
        let mut data = ModuleData::parse_validated(Arc::from(bytes))?;
        data.code_validated = false;
        Ok(data)
    }

    fn parse_validated(bytes: Arc<[u8]>) -> Result<ModuleData, LoadError> {
        let mut m = ModuleData {
            bytes: bytes.clone(),
            types: Vec::new(),
            imports: Vec::new(),
            funcs: Vec::new(),
            num_imported_funcs: 0,
            bodies: Vec::new(),
            tables: Vec::new(),
            num_imported_tables: 0,
            memories: Vec::new(),
            num_imported_memories: 0,
            global_types: Vec::new(),
            num_imported_globals: 0,
            globals: Vec::new(),
            tags: Vec::new(),
            num_imported_tags: 0,
            exports: Vec::new(),
            table_inits: Vec::new(),
            elems: Vec::new(),
            datas: Vec::new(),
            start: None,
            name: None,
            func_names: HashMap::new(),
            attachment: None,
            engine_code: std::sync::OnceLock::new(),
            code_validated: true,
            v128_in_types: false,
            uses_simd: std::sync::OnceLock::new(),
        };
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload? {
                Payload::TypeSection(r) => {
                    for group in r {
                        let group = group?;
                        if group.is_explicit_rec_group() {
                            return Err(LoadError::NeedsGc("a rec group".into()));
                        }
                        for sub in group.types() {
                            if !sub.is_final || !sub.supertype_idxs.is_empty() {
                                return Err(LoadError::NeedsGc("a subtype declaration".into()));
                            }
                            match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    let ty = convert_functype(f)?;
                                    // Without rec groups (GC) a type names only earlier
                                    // ones; the store canonicalises types in that order.
                                    let own = m.types.len() as u32;
                                    let later = ty.params().iter().chain(ty.results()).any(|t| {
                                        matches!(t.ref_type(), Some(RefType { heap: HeapType::Concrete(i), .. }) if i >= own)
                                    });
                                    if later {
                                        return Err(LoadError::NeedsGc("a recursive type".into()));
                                    }
                                    m.types.push(ty)
                                }
                                _ => {
                                    return Err(LoadError::NeedsGc("struct or array types".into()))
                                }
                            }
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        let imp = imp?;
                        let kind = match imp.ty {
                            wasmparser::TypeRef::Func(t) => {
                                m.funcs.push(t);
                                m.num_imported_funcs += 1;
                                ImportKind::Func(t)
                            }
                            wasmparser::TypeRef::Table(t) => {
                                let t = convert_table(&t)?;
                                m.tables.push(t);
                                m.num_imported_tables += 1;
                                ImportKind::Table(t)
                            }
                            wasmparser::TypeRef::Memory(mt) => {
                                let mt = convert_memory(&mt)?;
                                m.memories.push(mt);
                                m.num_imported_memories += 1;
                                ImportKind::Memory(mt)
                            }
                            wasmparser::TypeRef::Global(g) => {
                                let g = convert_global(&g)?;
                                m.global_types.push(g);
                                m.num_imported_globals += 1;
                                ImportKind::Global(g)
                            }
                            wasmparser::TypeRef::Tag(t) => {
                                m.tags.push(t.func_type_idx);
                                m.num_imported_tags += 1;
                                ImportKind::Tag(t.func_type_idx)
                            }
                            other => {
                                return Err(LoadError::Unsupported(format!("import {other:?}")))
                            }
                        };
                        m.imports.push(Import {
                            module: imp.module.to_string(),
                            name: imp.name.to_string(),
                            kind,
                        });
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        m.funcs.push(t?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        let t = t?;
                        let ty = convert_table(&t.ty)?;
                        m.table_inits.push(match t.init {
                            wasmparser::TableInit::RefNull => {
                                ConstExpr(Box::new([ConstOp::RefNull(ty.elem)]))
                            }
                            wasmparser::TableInit::Expr(e) => ConstExpr::parse(&e)?,
                        });
                        m.tables.push(ty);
                    }
                }
                Payload::MemorySection(r) => {
                    for mt in r {
                        m.memories.push(convert_memory(&mt?)?);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        let g = g?;
                        let ty = convert_global(&g.ty)?;
                        m.global_types.push(ty);
                        m.globals.push(Global {
                            ty,
                            init: ConstExpr::parse(&g.init_expr)?,
                        });
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e?;
                        let kind = match e.kind {
                            wasmparser::ExternalKind::Func
                            | wasmparser::ExternalKind::FuncExact => ExportKind::Func,
                            wasmparser::ExternalKind::Table => ExportKind::Table,
                            wasmparser::ExternalKind::Memory => ExportKind::Memory,
                            wasmparser::ExternalKind::Global => ExportKind::Global,
                            wasmparser::ExternalKind::Tag => ExportKind::Tag,
                        };
                        m.exports.push(Export {
                            name: e.name.to_string(),
                            kind,
                            index: e.index,
                        });
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::TagSection(r) => {
                    for t in r {
                        m.tags.push(t?.func_type_idx);
                    }
                }
                Payload::ElementSection(r) => {
                    for e in r {
                        let e = e?;
                        let mode = match e.kind {
                            wasmparser::ElementKind::Passive => ElemMode::Passive,
                            wasmparser::ElementKind::Declared => ElemMode::Declared,
                            wasmparser::ElementKind::Active {
                                table_index,
                                offset_expr,
                            } => ElemMode::Active {
                                table: table_index.unwrap_or(0),
                                offset: ConstExpr::parse(&offset_expr)?,
                            },
                        };
                        let (ty, items) = match e.items {
                            wasmparser::ElementItems::Functions(r) => {
                                let mut items = Vec::new();
                                for f in r {
                                    items.push(ConstExpr(Box::new([ConstOp::RefFunc(f?)])));
                                }
                                (ValType::FuncRef, items)
                            }
                            wasmparser::ElementItems::Expressions(rt, r) => {
                                let mut items = Vec::new();
                                for x in r {
                                    items.push(ConstExpr::parse(&x?)?);
                                }
                                (ref_to_valtype(rt)?, items)
                            }
                        };
                        m.elems.push(ElemSegment {
                            mode,
                            ty,
                            items: items.into(),
                        });
                    }
                }
                Payload::DataSection(r) => {
                    for d in r {
                        let d = d?;
                        let mode = match d.kind {
                            wasmparser::DataKind::Passive => DataMode::Passive,
                            wasmparser::DataKind::Active {
                                memory_index,
                                offset_expr,
                            } => DataMode::Active {
                                memory: memory_index,
                                offset: ConstExpr::parse(&offset_expr)?,
                            },
                        };
                        let end = d.range.end as usize;
                        let start = end - d.data.len();
                        m.datas.push(DataSegment {
                            mode,
                            range: start..end,
                        });
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let r = body.range();
                    let range = r.start as usize..r.end as usize;
                    let mut locals = Vec::new();
                    for l in body.get_locals_reader()? {
                        let (n, t) = l?;
                        let t = convert_valtype(t)?;
                        if locals.len() + n as usize > 50_000 {
                            return Err(LoadError::Unsupported("more than 50000 locals".into()));
                        }
                        locals.extend(std::iter::repeat_n(t, n as usize));
                    }
                    m.bodies.push(FuncBody {
                        range,
                        locals: locals.into(),
                    });
                }
                Payload::CustomSection(c) => {
                    if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                        // Names are best effort: a malformed name section is ignored,
                        // as the spec requires for custom sections.
                        let _ = read_names(names, &mut m);
                    }
                }
                _ => {}
            }
        }
        let v128 = |t: &ValType| *t == ValType::V128;
        m.v128_in_types = m
            .types
            .iter()
            .any(|ty| ty.params().iter().chain(ty.results()).any(v128))
            || m.global_types.iter().any(|g| v128(&g.ty));
        Ok(m)
    }

    /// Whether the module uses SIMD: a v128 type or a SIMD operator (scanned for on first
    /// ask). False for a model whose code was not validated here.
    pub fn uses_simd(&self) -> bool {
        *self.uses_simd.get_or_init(|| {
            // The code was validated, so the scan cannot fail; if it did, saying "yes"
            // only costs an engine its fast path.
            self.code_validated && crate::simd_use::uses_simd(&self.bytes).unwrap_or(true)
        })
    }

    /// The signature of function `index` (imports included).
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// A function's name from the name section, if present.
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.func_names.get(&index).map(String::as_str)
    }

    /// What listings and profiles call a function: its name-section name, or `$funcN`
    /// (the text format's implicit name) without one.
    pub fn func_display_name(&self, index: u32) -> std::borrow::Cow<'_, str> {
        match self.func_name(index) {
            Some(name) => name.into(),
            None => format!("$func{index}").into(),
        }
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// Number of functions defined (not imported) by the module.
    pub fn num_defined_funcs(&self) -> u32 {
        self.bodies.len() as u32
    }
}

fn read_names(
    names: wasmparser::NameSectionReader<'_>,
    m: &mut ModuleData,
) -> Result<(), LoadError> {
    for n in names {
        match n? {
            wasmparser::Name::Module { name, .. } => m.name = Some(name.to_string()),
            wasmparser::Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    m.func_names.insert(naming.index, naming.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(())
}
