//! `wamr-wasi`: WASI preview1 (`wasi_snapshot_preview1`) for both engines.
//!
//! One set of host functions, registered in a [`Linker`], serves the interpreter and the
//! AOT engine alike: they see only the calling instance's memory 0 through
//! [`wamr_common::Caller`]. The file system is sandboxed with `cap-std`: a guest reaches
//! only the directories preopened with [`WasiConfig::preopen_dir`], and no path (`..`,
//! absolute, or a symlink pointing out) resolves outside them.
//!
//! Start at [`WasiConfig`] and [`add_to_linker`]; [`ctx`] holds the calls that are not
//! about files, [`fs`] the `fd_*`/`path_*` ones.

pub mod abi;
pub mod ctx;
mod fd;
pub mod fs;
mod guest;
mod linker;
mod poll;
mod sys;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

pub use ctx::WasiCtx;
pub use fs::MAX_IO;
pub use guest::IOV_MAX;
pub use linker::{add_to_linker, MODULE};

/// Why a WASI context could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WasiError {
    #[error("cannot preopen directory {host} as `{guest}`: {source}")]
    Preopen {
        host: PathBuf,
        guest: String,
        source: std::io::Error,
    },
    #[error("invalid --map-dir `{0}`: expected GUEST::HOST")]
    MapDir(String),
}

/// Where a guest's stdout or stderr goes.
#[derive(Debug, Clone, Default)]
pub enum Output {
    /// The host process's own stream.
    #[default]
    Inherit,
    /// An in-memory buffer the embedder reads afterwards.
    Capture(Rc<RefCell<Vec<u8>>>),
}

impl Output {
    /// A fresh capture buffer, and the output that fills it.
    pub fn capture() -> (Output, Rc<RefCell<Vec<u8>>>) {
        let buf = Rc::new(RefCell::new(Vec::new()));
        (Output::Capture(buf.clone()), buf)
    }
}

/// What a WASI program sees: its arguments, environment, preopened directories and where
/// its output goes (stdin is always the host's).
#[derive(Debug, Clone, Default)]
pub struct WasiConfig {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// (guest name, host path), in the order they get descriptors 3, 4, ...
    pub preopens: Vec<(String, PathBuf)>,
    pub stdout: Output,
    pub stderr: Output,
}

impl WasiConfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one argument (the first is conventionally the program name).
    pub fn arg(&mut self, a: impl Into<String>) -> &mut Self {
        self.args.push(a.into());
        self
    }

    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Makes host directory `host` reachable by the guest under the name `guest`.
    pub fn preopen_dir(&mut self, host: impl Into<PathBuf>, guest: impl Into<String>) -> &mut Self {
        self.preopens.push((guest.into(), host.into()));
        self
    }

    /// iwasm's `--map-dir=GUEST::HOST`.
    pub fn map_dir(&mut self, spec: &str) -> Result<&mut Self, WasiError> {
        let (guest, host) = spec
            .split_once("::")
            .filter(|(g, h)| !g.is_empty() && !h.is_empty())
            .ok_or_else(|| WasiError::MapDir(spec.to_string()))?;
        Ok(self.preopen_dir(host, guest))
    }
}
