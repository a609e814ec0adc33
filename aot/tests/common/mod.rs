//! What the AOT tests share: a private directory for the images they write.

use std::path::PathBuf;

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
        std::fs::write(&path, image).unwrap();
        path
    }
}

impl Drop for ImageDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
