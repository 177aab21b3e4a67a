//! The file layer: every file escalate writes goes through here, once.
//!
//! - [`temporary`]: temporary files beside their targets (a random, hidden
//!   name `.NAME.XXXXXXXXXXXX.tmp`, unique across hosts sharing a file
//!   system, cut to fit the file-name limit), listed process-wide so that a
//!   signal handler removes them all ([`remove_temporaries`]).
//! - [`atomic`]: an output file written to such a temporary file, synced,
//!   then renamed over the target. The rename
//!   never follows a symlink at the final name, the final name is never opened
//!   for writing, and a target that exists and is not a regular file (a
//!   directory, a device, a pipe) is refused. Durable writes also sync the
//!   directory after the rename. A file dropped before commit removes its own
//!   temporary file and nothing else. [`atomic::create_exclusive`] makes a
//!   file appear whole, only if nothing is at its name yet.
//! - [`output`]: an output that is either such a file or standard output
//!   (`-`), for `--json` and `--csv`.
//! - [`commit`]: every output of one command committed together or not at
//!   all ([`commit_all`]), and what a crash between renames leaves; the
//!   outputs a command's options name, checked, opened, written and
//!   committed as one set ([`OutputSet`]).
//! - [`overlap`]: outputs refused before any work when they are an input of
//!   the command or another output, however spelt ([`refuse_overlaps`]).
//! - [`envelope`]: the one checksummed file format (a header line with a magic
//!   word, version, SHA-256 and length, then the payload), used by part files
//!   and sweep point files.
//! - [`hex`]: the one lowercase hex encoder.
//! - [`read`]: the one reader of input files read whole, capped in size
//!   ([`read_capped`]: [`TEXT_LIMIT`] for files written by hand,
//!   [`DATA_LIMIT`] for files escalate wrote).
//!
//! Guarantees against hostile paths, signals and devices belong in this
//! module, so that every writer (and every reader of a whole file) gets them.

pub mod atomic;
pub mod commit;
pub mod envelope;
pub mod hex;
pub mod output;
pub mod overlap;
pub mod read;
pub mod temporary;

use std::path::{Path, PathBuf};

pub use atomic::{AtomicFile, Created, Durability, create_exclusive, write_atomic, write_durable};
pub use commit::{OpenOutputs, OutputSet, commit_all, write_all_atomic};
pub use envelope::{Envelope, EnvelopeError};
pub use hex::{hex, sha256_hex};
pub use output::{Output, STDOUT, claim_stdout, is_stdout, write_output};
pub use overlap::{InputFiles, refuse_overlaps};
pub use read::{DATA_LIMIT, TEXT_LIMIT, read_capped};
pub use temporary::{TemporariesRemoved, remove_temporaries};

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
    /// A rename of a set of outputs failed and some outputs already renamed
    /// could not be put back (no hard links on this file system).
    #[error(
        "cannot write {}: {source}; already replaced, and not restored: {}",
        path.display(),
        not_restored.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    #[diagnostic(
        code(escalate::io::not_restored),
        help(
            "the files named were replaced by this command's new outputs; run the command again \
             once the cause is fixed to get a consistent set"
        )
    )]
    NotRestored {
        /// The output whose rename failed.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
        /// Outputs already renamed whose previous version could not be put back.
        not_restored: Vec<PathBuf>,
    },
    /// An output that is a file the command reads.
    #[error(
        "{option} {}: this command reads that file as {input} ({}); writing it would destroy it",
        path.display(),
        input_path.display()
    )]
    #[diagnostic(
        code(escalate::io::output_is_input),
        help("write {option} to another file; nothing was written")
    )]
    OutputIsInput {
        /// The output option.
        option: String,
        /// The output as given.
        path: PathBuf,
        /// What the input is, e.g. "the scenario".
        input: String,
        /// The input as given.
        input_path: PathBuf,
    },
    /// Two outputs that are one file.
    #[error(
        "{first} and {second} both name {}{}",
        first_path.display(),
        if first_path == second_path { String::new() } else { format!(" (as {})", second_path.display()) }
    )]
    #[diagnostic(
        code(escalate::io::same_output),
        help("give each output its own file; nothing was written")
    )]
    SameOutput {
        /// The first output option.
        first: String,
        /// Its path.
        first_path: PathBuf,
        /// The second.
        second: String,
        /// Its path.
        second_path: PathBuf,
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
