//! `wamr-interp`: the fast interpreter.
//!
//! Two halves: [`translate`] turns a function's wasm stack code into slot bytecode
//! (once, on its first call), and [`exec`] runs that bytecode with handlers generated
//! from one instruction table (`build.rs`). [`engine`] ties them to the shared runtime.

mod config;
pub mod engine;
pub mod exec;
pub mod isa;
pub mod profile;
mod prologue;
pub mod simd;
mod threading;
pub mod translate;

pub use config::{Dispatch, HandlerSet, InterpConfig};
pub use engine::{avx2_supported, threaded_by_default, Interp, InterpInstance};
pub use exec::Handlers;
