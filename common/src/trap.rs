//! Traps: the ways guest code can stop abnormally.

use std::fmt;

use crate::exception::Thrown;

/// What went wrong. `message()` is the text the spec's test suite expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    /// `call_indirect` with an index past the table's end.
    UndefinedElement,
    /// `call_indirect` to a null table entry.
    UninitializedElement,
    IndirectCallTypeMismatch,
    /// `call_ref` or `return_call_ref` of a null reference.
    NullFunctionReference,
    /// `ref.as_non_null` of a null reference.
    NullReference,
    /// `throw_ref` of a null reference.
    NullExceptionReference,
    /// A wasm exception no handler caught ([`Trap::exception`] has it).
    Exception,
    IntegerOverflow,
    IntegerDivideByZero,
    InvalidConversionToInteger,
    CallStackExhausted,
    /// A host function returned an error.
    Host,
    /// The guest asked to exit (WASI `proc_exit`) with this status.
    Exit,
    /// A fuel charge failed and the out-of-fuel handler added none (see `metering`).
    OutOfFuel,
    /// An `InterruptHandle` stopped the run.
    Interrupted,
}

impl TrapKind {
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::NullReference => "null reference",
            TrapKind::NullExceptionReference => "null exception reference",
            TrapKind::Exception => "uncaught exception",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::CallStackExhausted => "call stack exhausted",
            TrapKind::Host => "host error",
            TrapKind::Exit => "exit",
            TrapKind::OutOfFuel => "out of fuel",
            TrapKind::Interrupted => "interrupted",
        }
    }
}

/// A trap: a kind, an optional detail, and the wasm backtrace when one was captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    kind: TrapKind,
    detail: Option<String>,
    exit_code: i32,
    backtrace: Vec<String>,
    exception: Option<Thrown>,
}

impl Trap {
    pub fn new(kind: TrapKind) -> Self {
        Trap {
            kind,
            detail: None,
            exit_code: 0,
            backtrace: Vec::new(),
            exception: None,
        }
    }
    /// A trap raised by a host function, with its message.
    pub fn host(msg: impl Into<String>) -> Self {
        Trap {
            kind: TrapKind::Host,
            detail: Some(msg.into()),
            exit_code: 0,
            backtrace: Vec::new(),
            exception: None,
        }
    }
    /// A request to end the program with `code` (WASI `proc_exit`).
    pub fn exit(code: i32) -> Self {
        Trap {
            kind: TrapKind::Exit,
            detail: None,
            exit_code: code,
            backtrace: Vec::new(),
            exception: None,
        }
    }
    pub fn kind(&self) -> TrapKind {
        self.kind
    }
    pub fn exit_code(&self) -> Option<i32> {
        (self.kind == TrapKind::Exit).then_some(self.exit_code)
    }
    /// The message: the spec's text, or the host's.
    pub fn message(&self) -> &str {
        self.detail.as_deref().unwrap_or(self.kind.message())
    }
    /// Wasm function names, innermost first, when the engine recorded them.
    pub fn backtrace(&self) -> &[String] {
        &self.backtrace
    }
    /// The exception in flight, for a trap of kind [`TrapKind::Exception`]
    /// ([`crate::Store::exception`] gives its handle).
    pub fn thrown(&self) -> Option<Thrown> {
        self.exception
    }
    pub(crate) fn with_exception(mut self, exn: Thrown) -> Self {
        self.exception = Some(exn);
        self
    }
    pub fn with_backtrace(mut self, frames: Vec<String>) -> Self {
        self.backtrace = frames;
        self
    }
}

impl From<TrapKind> for Trap {
    fn from(kind: TrapKind) -> Self {
        Trap::new(kind)
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Trap {}
