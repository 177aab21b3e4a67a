//! An output named on the command line: a file (written atomically,
//! [`super::atomic`]) or, for `-`, standard output.
//!
//! Standard output is written at commit ([`Output::create`]: the bytes are
//! held until then, so a failed command prints nothing) or as it comes
//! ([`Output::create_streaming`], for per-trial CSV rows, which would not fit
//! in memory). A command that writes an output to standard output prints
//! nothing else there; [`claim_stdout`] checks that at most one output is `-`.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::WriteError;
use super::atomic::AtomicFile;

/// The path that means standard output.
pub const STDOUT: &str = "-";

/// Whether `path` is `-` (standard output).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == STDOUT
}

enum Sink {
    File(AtomicFile),
    Held(Vec<u8>),
    Streamed(BufWriter<std::io::Stdout>),
}

/// An output being written: a file, or standard output for `-`.
pub struct Output {
    sink: Sink,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sink {
            Sink::File(a) => a.fmt(f),
            Sink::Held(_) | Sink::Streamed(_) => f.write_str("Output(standard output)"),
        }
    }
}

impl Output {
    /// Starts writing `path`; for `-`, standard output, written at commit.
    pub fn create(path: &Path) -> Result<Output, WriteError> {
        let sink = if is_stdout(path) {
            Sink::Held(Vec::new())
        } else {
            Sink::File(AtomicFile::create(path)?)
        };
        Ok(Output { sink })
    }

    /// Starts writing `path`; for `-`, standard output, written as it comes.
    pub fn create_streaming(path: &Path) -> Result<Output, WriteError> {
        let sink = if is_stdout(path) {
            Sink::Streamed(BufWriter::new(std::io::stdout()))
        } else {
            Sink::File(AtomicFile::create(path)?)
        };
        Ok(Output { sink })
    }

    /// The file being written, or (`Err`) this output when it is standard output.
    pub(super) fn into_file(self) -> Result<AtomicFile, Output> {
        match self.sink {
            Sink::File(f) => Ok(f),
            sink => Err(Output { sink }),
        }
    }

    /// Whether this output is standard output.
    pub fn is_stdout(&self) -> bool {
        !matches!(self.sink, Sink::File(_))
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::File(f) => f.writer(),
            Sink::Held(v) => v,
            Sink::Streamed(w) => w,
        }
    }

    /// The file's writer, `None` for standard output: for writers that must
    /// be `Send` (the Parquet writer), which a file's is.
    pub fn file_writer(&mut self) -> Option<&mut (impl Write + Send)> {
        match &mut self.sink {
            Sink::File(f) => Some(f.writer()),
            Sink::Held(_) | Sink::Streamed(_) => None,
        }
    }

    /// Maps an I/O error to this output's [`WriteError`].
    pub fn err(&self, source: std::io::Error) -> WriteError {
        match &self.sink {
            Sink::File(f) => f.err(source),
            Sink::Held(_) | Sink::Streamed(_) => WriteError::Stdout { source },
        }
    }

    /// Renames the file into place, or writes and flushes standard output.
    pub fn commit(self) -> Result<(), WriteError> {
        match self.sink {
            Sink::File(f) => f.commit(),
            Sink::Held(v) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&v)
                    .and_then(|()| out.flush())
                    .map_err(|source| WriteError::Stdout { source })
            }
            Sink::Streamed(mut w) => w.flush().map_err(|source| WriteError::Stdout { source }),
        }
    }
}

impl From<AtomicFile> for Output {
    fn from(f: AtomicFile) -> Output {
        Output {
            sink: Sink::File(f),
        }
    }
}

/// Writes `bytes` to `path` atomically, or to standard output for `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut o = Output::create(path)?;
    o.writer().write_all(bytes).map_err(|e| o.err(e))?;
    o.commit()
}

/// Checks a command's outputs, `(option, path)`: only the options in
/// `stdout_ok` may be `-`, and at most one. Returns whether one is `-` (then
/// the command prints nothing else to standard output).
pub fn claim_stdout(
    outputs: &[(&str, Option<&Path>)],
    stdout_ok: &[&str],
) -> Result<bool, WriteError> {
    let mut claimed: Option<&str> = None;
    for &(option, path) in outputs {
        if !path.is_some_and(is_stdout) {
            continue;
        }
        if !stdout_ok.contains(&option) {
            return Err(WriteError::StdoutUnsupported {
                option: option.to_string(),
            });
        }
        if let Some(first) = claimed {
            return Err(WriteError::StdoutTwice {
                first: first.to_string(),
                second: option.to_string(),
            });
        }
        claimed = Some(option);
    }
    Ok(claimed.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lone_dash_is_standard_output() {
        assert!(is_stdout(Path::new("-")));
        for p in ["--", "./-", "-.json", ""] {
            assert!(!is_stdout(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn at_most_one_output_may_be_standard_output() {
        let dash = Some(Path::new("-"));
        let file = Some(Path::new("r.json"));
        let ok = ["--json", "--csv"];
        assert!(!claim_stdout(&[("--json", file), ("--csv", None)], &ok).unwrap());
        assert!(claim_stdout(&[("--json", dash), ("--html", file)], &ok).unwrap());
        assert!(matches!(
            claim_stdout(&[("--json", dash), ("--csv", dash)], &ok),
            Err(WriteError::StdoutTwice { .. })
        ));
        assert!(matches!(
            claim_stdout(&[("--html", dash)], &ok),
            Err(WriteError::StdoutUnsupported { .. })
        ));
    }

    #[test]
    fn a_file_output_is_written_atomically() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.csv");
        let mut o = Output::create_streaming(&p).unwrap();
        assert!(!o.is_stdout());
        o.writer().write_all(b"a,b\n").unwrap();
        assert!(!p.exists());
        o.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"a,b\n");
    }
}
