//! What the AOT tests share: a private directory for the images they write, and the
//! load of an image a test wrote itself.
// Each test binary uses a part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use wamr_aot::{AotLoadError, Trust};
use wamr_common::Module;

/// Loads an image the calling test compiled and wrote itself.
pub fn load(path: &Path) -> Result<Module, AotLoadError> {
    // SAFETY: the tests load only images they compiled from their own wasm, written
    // into a directory of this test process.
    wamr_aot::load(path, &unsafe { Trust::any_image() })
}

/// A directory of this test process, removed when dropped.
pub struct ImageDir(PathBuf);

impl ImageDir {
    pub fn new(test: &str) -> ImageDir {
        let dir = std::env::temp_dir().join(format!("wamr-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        ImageDir(dir)
    }

    /// Writes `image` as `name` in the directory; returns its path.
    pub fn write(&self, name: &str, image: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        wamr_aot::write_image(&path, image).unwrap();
        path
    }
}

impl Drop for ImageDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
