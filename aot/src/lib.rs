//! `wamr-aot`: the ahead-of-time compiler (Cranelift, or LLVM with the `llvm` feature)
//! and the execute-in-place loader.
//!
//! [`compile`] turns a `.wasm` into an image (format in `aot/FORMAT.md`); [`load`] maps
//! an image read-only and returns its module; [`Aot`] is the engine that instantiates
//! and runs such modules. [`abi`] is the contract between compiled code and the runtime.
//!
//! An image is native code, so [`load`] takes a [`Trust`]: the Ed25519 keys whose
//! signature it requires ([`Trust::signed_by`]; [`SecretKey::sign_image`] signs), or the
//! caller's word for an unsigned image ([`Trust::any_image`], `unsafe`). See [`trust`].

pub mod abi;
mod builtins;
pub mod compile;
pub mod cpu;
mod engine;
pub mod image;
pub mod intrinsics;
pub mod jitdump;
#[cfg(feature = "llvm")]
mod llvm;
#[cfg(feature = "llvm")]
mod llvm_tier;
pub mod loader;
pub mod translate;
mod trap;
pub mod trust;
#[doc(hidden)]
pub use trap::alt_stack;

pub use compile::{compile, compile_with_progress, CompileError, CompileOptions, Target};
pub use engine::Aot;
#[cfg(feature = "llvm")]
pub use llvm::enable_llvm_backend;
#[cfg(feature = "llvm")]
pub use llvm_tier::llvm_backend_enabled;
pub use loader::{image_of, load, write_image, AotImage, AotLoadError};
pub use trust::{PublicKey, SecretKey, Trust, TrustError};
