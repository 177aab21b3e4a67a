//! Writing output files atomically: a temporary file beside the target, then
//! a rename, so an interrupted run never leaves a truncated report and an
//! existing file is only ever replaced by a complete one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// An error writing an output file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write {path}: {source}")]
#[diagnostic(
    code(escalate::write),
    help("check that the directory exists and is writable")
)]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// A file being written: bytes go to `PATH.tmp-PID`, and [`AtomicFile::commit`]
/// renames it over `PATH`. Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(name);
        let file = std::fs::File::create(&tmp).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut impl Write {
        self.file.as_mut().expect("open until commit")
    }

    /// Maps an I/O error to this file's [`WriteError`].
    pub fn err(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            source,
        }
    }

    /// Flushes, syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let w = self.file.take().expect("open until commit");
        let f = w.into_inner().map_err(|e| WriteError {
            path: self.path.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(|e| self.err(e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| self.err(e))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut f = AtomicFile::create(path)?;
    f.writer().write_all(bytes).map_err(|e| WriteError {
        path: path.to_path_buf(),
        source: e,
    })?;
    f.commit()
}
