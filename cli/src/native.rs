//! `--native-lib`: WAMR-style native libraries (`cli/include/wamr_native.h`).
//!
//! A library exports `uint32_t get_native_lib(char **module_name, NativeSymbol **symbols)`;
//! each symbol becomes a host function `module_name.symbol` whose wasm type comes from its
//! WAMR signature string (`"(ii)i"`, letters `i I f F r`, `*` pointer, `~` its length, `$`
//! string). Pointers are checked against linear memory and converted to native pointers
//! before the call; each function receives an exec_env pointer first.
//!
//! Calling a C function whose signature is only known at run time: on x86-64 (SysV) and
//! aarch64 (AAPCS64) integer and floating-point arguments travel in two independent
//! register files, assigned in order within each class. So every native function is
//! called through one fixed prototype with all integer argument registers and eight
//! floating-point ones; the callee reads the ones its real prototype names and ignores
//! the rest. That is what WAMR's own `invokeNative` assembly does. Signatures needing
//! stack-passed arguments are refused when the library loads.

use std::ffi::{c_char, c_void, CStr};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use wamr_common::{Caller, ExternRef, FuncType, Linker, Memory, Trap, TrapKind, Val, ValType};

/// Integer argument registers usable for wasm arguments (the first carries exec_env).
#[cfg(target_arch = "x86_64")]
const INT_REGS: usize = 6;
#[cfg(target_arch = "aarch64")]
const INT_REGS: usize = 8;
const FLOAT_REGS: usize = 8;

/// Why a native library was refused.
#[derive(Debug, thiserror::Error)]
pub enum NativeLibError {
    #[error("cannot load native library {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error(
        "native library {path} has no `get_native_lib` function (is it a WAMR native library?)"
    )]
    NoEntry { path: PathBuf },
    #[error("native library {path}: {message}")]
    Bad { path: PathBuf, message: String },
}

/// One symbol's signature, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// WAMR letters of the parameters.
    pub params: Vec<u8>,
    pub result: Option<u8>,
}

impl Signature {
    /// Parses `"(ii*~$)i"`; `~` must follow `*`.
    pub fn parse(s: &str) -> Result<Signature, String> {
        let inner = s
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .ok_or_else(|| format!("malformed signature `{s}`: expected `(params)result`"))?;
        let (params, result) = inner;
        let params = params.as_bytes().to_vec();
        for (i, &c) in params.iter().enumerate() {
            match c {
                b'i' | b'I' | b'f' | b'F' | b'r' | b'*' | b'$' => {}
                b'~' if i > 0 && params[i - 1] == b'*' => {}
                b'~' => return Err(format!("malformed signature `{s}`: `~` must follow `*`")),
                other => {
                    return Err(format!(
                        "malformed signature `{s}`: unknown letter `{}`",
                        other as char
                    ))
                }
            }
        }
        let result = match result.as_bytes() {
            [] => None,
            [c @ (b'i' | b'I' | b'f' | b'F' | b'r')] => Some(*c),
            _ => return Err(format!("malformed signature `{s}`: bad result `{result}`")),
        };
        let ints = 1 + params.iter().filter(|c| !matches!(c, b'f' | b'F')).count();
        let floats = params.iter().filter(|c| matches!(c, b'f' | b'F')).count();
        if ints > INT_REGS || floats > FLOAT_REGS {
            return Err(format!(
                "signature `{s}` needs more than {} integer or {FLOAT_REGS} float arguments",
                INT_REGS - 1
            ));
        }
        Ok(Signature { params, result })
    }

    fn val_type(c: u8) -> ValType {
        match c {
            b'I' => ValType::I64,
            b'f' => ValType::F32,
            b'F' => ValType::F64,
            b'r' => ValType::ExternRef,
            _ => ValType::I32,
        }
    }

    /// The wasm type an import of this function must have.
    pub fn func_type(&self) -> FuncType {
        FuncType::new(
            self.params.iter().map(|&c| Self::val_type(c)),
            self.result.map(Self::val_type),
        )
    }
}

/// What native code gets as its first argument (see `wamr_native.h`).
#[repr(C)]
struct ExecEnv {
    attachment: *mut c_void,
    memory_base: *mut u8,
    memory_size: u64,
}

#[repr(C)]
struct NativeSymbol {
    symbol: *const c_char,
    func_ptr: *mut c_void,
    signature: *const c_char,
    attachment: *mut c_void,
}

/// A loaded library: kept alive as long as functions registered from it may run.
pub struct NativeLib {
    lib: libloading::Library,
    pub module: String,
    pub funcs: Vec<(String, Signature)>,
}

impl Drop for NativeLib {
    fn drop(&mut self) {
        // SAFETY: `deinit_native_lib`, when present, is `void deinit_native_lib(void)` by
        // the WAMR convention; nothing from the library runs after this.
        unsafe {
            if let Ok(f) = self
                .lib
                .get::<unsafe extern "C" fn()>(b"deinit_native_lib\0")
            {
                f();
            }
        }
    }
}

/// Checks `[ptr, ptr + len)` against memory and returns the native address.
fn native_ptr(mem: Option<&Memory>, ptr: u32, len: u64) -> Result<u64, Trap> {
    let mem = mem.ok_or_else(|| Trap::host("native function needs a linear memory"))?;
    if u64::from(ptr) + len > mem.size_bytes() {
        return Err(TrapKind::MemoryOutOfBounds.into());
    }
    Ok(mem.base().as_ptr() as u64 + u64::from(ptr))
}

/// Checks that a NUL-terminated string starts at `ptr` inside memory.
fn native_str(mem: Option<&Memory>, ptr: u32) -> Result<u64, Trap> {
    let m = mem.ok_or_else(|| Trap::host("native function needs a linear memory"))?;
    let size = m.size_bytes();
    let mut at = u64::from(ptr);
    let mut byte = [0u8; 1];
    loop {
        if at >= size {
            return Err(TrapKind::MemoryOutOfBounds.into());
        }
        m.read(at, &mut byte)?;
        if byte[0] == 0 {
            break;
        }
        at += 1;
    }
    native_ptr(mem, ptr, 0)
}

#[cfg(target_arch = "x86_64")]
type IntRet = unsafe extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> u64;
#[cfg(target_arch = "x86_64")]
type FloatRet = unsafe extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> f64;
#[cfg(target_arch = "aarch64")]
type IntRet = unsafe extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> u64;
#[cfg(target_arch = "aarch64")]
type FloatRet = unsafe extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> f64;

/// Calls `func` with the register images `ints` and `floats`; returns the integer and
/// float result registers' contents (one of them is meaningful).
///
/// # Safety
/// `func` must be a C function whose parameters, classified per the platform ABI, fit the
/// registers given (checked by [`Signature::parse`]), and whose pointer arguments point to
/// memory valid for what it accesses.
unsafe fn invoke(
    func: *mut c_void,
    ints: &[u64; INT_REGS],
    f: &[f64; FLOAT_REGS],
    float_ret: bool,
) -> (u64, f64) {
    let i = ints;
    // SAFETY: the caller guarantees `func`'s parameters fit these registers and its
    // pointers are valid; see the module comment for why one prototype with every
    // argument register serves any fitting signature.
    unsafe {
        if float_ret {
            let g: FloatRet = std::mem::transmute::<*mut c_void, FloatRet>(func);
            #[cfg(target_arch = "x86_64")]
            let r = g(
                i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
            );
            #[cfg(target_arch = "aarch64")]
            let r = g(
                i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5],
                f[6], f[7],
            );
            (0, r)
        } else {
            let g: IntRet = std::mem::transmute::<*mut c_void, IntRet>(func);
            #[cfg(target_arch = "x86_64")]
            let r = g(
                i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
            );
            #[cfg(target_arch = "aarch64")]
            let r = g(
                i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5],
                f[6], f[7],
            );
            (r, 0.0)
        }
    }
}

/// One registered native function.
struct NativeFunc {
    func: usize,
    attachment: usize,
    sig: Signature,
    _lib: Rc<NativeLib>,
}

impl NativeFunc {
    fn call(&self, caller: &mut Caller<'_>, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        let mem = caller.memory();
        let mut env = ExecEnv {
            attachment: self.attachment as *mut c_void,
            memory_base: mem.map_or(std::ptr::null_mut(), |m| m.base().as_ptr()),
            memory_size: mem.map_or(0, |m| m.size_bytes()),
        };
        let mut ints = [0u64; INT_REGS];
        let mut floats = [0f64; FLOAT_REGS];
        let (mut ni, mut nf) = (1, 0);
        ints[0] = &mut env as *mut ExecEnv as u64;
        let p = &self.sig.params;
        for (k, a) in args.iter().enumerate() {
            let int = match (p[k], a) {
                (b'f', Val::F32(b)) => {
                    floats[nf] = f64::from_bits(u64::from(*b));
                    nf += 1;
                    continue;
                }
                (b'F', Val::F64(b)) => {
                    floats[nf] = f64::from_bits(*b);
                    nf += 1;
                    continue;
                }
                (b'*', Val::I32(ptr)) => {
                    // With a `~` next, the buffer's whole length is checked; else one byte.
                    let len = match (p.get(k + 1), args.get(k + 1)) {
                        (Some(b'~'), Some(Val::I32(l))) => u64::from(*l as u32),
                        _ => 1,
                    };
                    native_ptr(mem, *ptr as u32, len)?
                }
                (b'$', Val::I32(ptr)) => native_str(mem, *ptr as u32)?,
                (_, Val::I32(v)) => u64::from(*v as u32),
                (_, Val::I64(v)) => *v as u64,
                (_, Val::ExternRef(r)) => r.map_or(u64::from(u32::MAX), |r| u64::from(r.0)),
                (c, v) => {
                    return Err(Trap::host(format!(
                        "native argument {v:?} does not match signature letter `{}`",
                        c as char
                    )))
                }
            };
            ints[ni] = int;
            ni += 1;
        }
        let float_ret = matches!(self.sig.result, Some(b'f' | b'F'));
        // SAFETY: the signature was parsed and fits the registers; pointer arguments were
        // checked against linear memory, which cannot move or shrink during the call.
        let (ri, rf) = unsafe { invoke(self.func as *mut c_void, &ints, &floats, float_ret) };
        if let Some(c) = self.sig.result {
            results[0] = match c {
                b'i' => Val::I32(ri as u32 as i32),
                b'I' => Val::I64(ri as i64),
                b'f' => Val::F32(rf.to_bits() as u32),
                b'F' => Val::F64(rf.to_bits()),
                _ => Val::ExternRef((ri as u32 != u32::MAX).then_some(ExternRef(ri as u32))),
            };
        }
        Ok(())
    }
}

/// Loads `path`, runs its `init_native_lib` if any, and defines its functions in `linker`.
pub fn load(path: &Path, linker: &mut Linker) -> Result<Rc<NativeLib>, NativeLibError> {
    let bad = |message: String| NativeLibError::Bad {
        path: path.to_path_buf(),
        message,
    };
    // SAFETY: loading a library runs its initialisers: the user asked for this library
    // to be trusted with the process (as iwasm does).
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| NativeLibError::Load {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    type GetNativeLib = unsafe extern "C" fn(*mut *const c_char, *mut *const NativeSymbol) -> u32;
    // SAFETY: the symbol has the documented WAMR prototype.
    let get = unsafe { lib.get::<GetNativeLib>(b"get_native_lib\0") }.map_err(|_| {
        NativeLibError::NoEntry {
            path: path.to_path_buf(),
        }
    })?;
    if let Ok(init) = unsafe {
        // SAFETY: `init_native_lib` is `uint32_t init_native_lib(void)` by convention.
        lib.get::<unsafe extern "C" fn() -> u32>(b"init_native_lib\0")
    } {
        // SAFETY: as above; a zero result means the library failed to initialise.
        if unsafe { init() } == 0 {
            return Err(bad("`init_native_lib` failed".into()));
        }
    }
    let mut module: *const c_char = std::ptr::null();
    let mut symbols: *const NativeSymbol = std::ptr::null();
    // SAFETY: both out-pointers are valid locals.
    let n = unsafe { get(&mut module, &mut symbols) } as usize;
    if module.is_null() || (n > 0 && symbols.is_null()) {
        return Err(bad(
            "`get_native_lib` returned no module name or no symbols".into(),
        ));
    }
    if n > 100_000 {
        return Err(bad(format!("`get_native_lib` claims {n} symbols")));
    }
    let text = |p: *const c_char, what: &str| -> Result<String, NativeLibError> {
        if p.is_null() {
            return Err(bad(format!("null {what}")));
        }
        // SAFETY: the library promises NUL-terminated strings that live as long as it.
        unsafe { CStr::from_ptr(p) }
            .to_str()
            .map(String::from)
            .map_err(|_| bad(format!("{what} is not UTF-8")))
    };
    let module = text(module, "module name")?;
    let mut funcs = Vec::with_capacity(n);
    let mut raw = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: `symbols` points to `n` NativeSymbol entries owned by the library.
        let s = unsafe { &*symbols.add(i) };
        let name = text(s.symbol, "symbol name")?;
        let sig_text = text(s.signature, &format!("signature of `{name}`"))?;
        let sig = Signature::parse(&sig_text).map_err(|e| bad(format!("`{name}`: {e}")))?;
        if s.func_ptr.is_null() {
            return Err(bad(format!("`{name}` has a null function pointer")));
        }
        funcs.push((name, sig));
        raw.push((s.func_ptr as usize, s.attachment as usize));
    }
    tracing::info!(
        "native library {}: module `{module}`, {n} functions",
        path.display()
    );
    let lib = Rc::new(NativeLib { lib, module, funcs });
    for ((name, sig), (func, attachment)) in lib.funcs.iter().zip(raw) {
        let f = NativeFunc {
            func,
            attachment,
            sig: sig.clone(),
            _lib: lib.clone(),
        };
        linker.func(&lib.module, name, sig.func_type(), move |c, a, r| {
            f.call(c, a, r)
        });
    }
    Ok(lib)
}

/// Imports of `module` that a native library defines with a different type.
pub fn check_imports(module: &wamr_common::Module, libs: &[Rc<NativeLib>]) -> Result<(), String> {
    for imp in &module.imports {
        let wamr_common::module::ImportKind::Func(ty) = imp.kind else {
            continue;
        };
        for lib in libs.iter().filter(|l| l.module == imp.module) {
            if let Some((_, sig)) = lib.funcs.iter().find(|(n, _)| *n == imp.name) {
                let want = &module.types[ty as usize];
                if sig.func_type() != *want {
                    return Err(format!(
                        "native function {}.{} has type {} (signature {}), but the module imports it as {want}",
                        imp.module,
                        imp.name,
                        sig.func_type(),
                        String::from_utf8_lossy(&sig.params)
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        let s = Signature::parse("(i*~$F)I").unwrap();
        assert_eq!(
            s.func_type(),
            FuncType::new(
                [
                    ValType::I32,
                    ValType::I32,
                    ValType::I32,
                    ValType::I32,
                    ValType::F64
                ],
                [ValType::I64]
            )
        );
        assert_eq!(
            Signature::parse("()").unwrap().func_type(),
            FuncType::new([], [])
        );
        for bad in ["ii)i", "(q)i", "(~)", "(i)ii", "(iiiiii)", "(ffffffffff)"] {
            assert!(Signature::parse(bad).is_err(), "{bad}");
        }
    }
}
