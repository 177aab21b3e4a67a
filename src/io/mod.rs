//! The file layer: every file escalate writes goes through here, once.
//!
//! - [`atomic`]: an output file written to a temporary file beside its target
//!   (a random, hidden name `.NAME.XXXXXXXXXXXX.tmp`, unique across hosts
//!   sharing a file system), synced, then renamed over the target. The rename
//!   never follows a symlink at the final name, the final name is never opened
//!   for writing, and a target that exists and is not a regular file (a
//!   directory, a device, a pipe) is refused. Durable writes also sync the
//!   directory after the rename. A file dropped before commit removes its own
//!   temporary file and nothing else. [`atomic::create_exclusive`] makes a
//!   file appear whole, only if nothing is at its name yet.
//! - [`output`]: an output that is either such a file or standard output
//!   (`-`), for `--json` and `--csv`.
//! - [`envelope`]: the one checksummed file format (a header line with a magic
//!   word, version, SHA-256 and length, then the payload), used by part files
//!   and sweep point files.
//! - [`hex`]: the one lowercase hex encoder.
//!
//! Guarantees against hostile paths, signals and devices belong in this
//! module, so that every writer gets them.

pub mod atomic;
pub mod envelope;
pub mod hex;
pub mod output;

use std::path::{Path, PathBuf};

pub use atomic::{AtomicFile, Created, Durability, create_exclusive, write_atomic, write_durable};
pub use envelope::{Envelope, EnvelopeError};
pub use hex::{hex, sha256_hex};
pub use output::{Output, STDOUT, claim_stdout, is_stdout, write_output};

/// An error writing a file or standard output.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WriteError {
    /// The file could not be created, written, synced or renamed into place.
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(
        code(escalate::io::write),
        help("check that the directory exists, is writable and has space left")
    )]
    Io {
        /// The file (the target, not its temporary name).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The target exists and is not a regular file.
    #[error("cannot write {}: it is {what}, not a regular file", path.display())]
    #[diagnostic(
        code(escalate::io::not_a_file),
        help(
            "name a regular file or a path that does not exist yet (an existing file is replaced whole; \
             directories, devices and pipes are never written to); `-` writes to standard output \
             where the option allows it"
        )
    )]
    NotAFile {
        /// The target.
        path: PathBuf,
        /// What is there, e.g. "a character device".
        what: &'static str,
    },
    /// The target has no file name (`/`, `..`, or empty).
    #[error("cannot write {}: it does not name a file", path.display())]
    #[diagnostic(code(escalate::io::no_name), help("name a file, e.g. out/report.json"))]
    NoFileName {
        /// The path given.
        path: PathBuf,
    },
    /// Standard output could not be written.
    #[error("cannot write standard output: {source}")]
    #[diagnostic(
        code(escalate::io::stdout),
        help("check what standard output is connected to (a closed pipe, a full disk)")
    )]
    Stdout {
        /// Why.
        source: std::io::Error,
    },
    /// Two options both asked for standard output.
    #[error("{first} - and {second} -: only one output can go to standard output")]
    #[diagnostic(
        code(escalate::io::stdout_twice),
        help("write one of them to a file instead")
    )]
    StdoutTwice {
        /// The first option.
        first: String,
        /// The second option.
        second: String,
    },
    /// An option that cannot write to standard output was given `-`.
    #[error("{option} -: this output cannot go to standard output")]
    #[diagnostic(
        code(escalate::io::stdout_unsupported),
        help("name a file; only --json and --csv accept `-`")
    )]
    StdoutUnsupported {
        /// The option.
        option: String,
    },
}

impl WriteError {
    /// An I/O error writing `path`.
    pub fn io(path: &Path, source: std::io::Error) -> WriteError {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
