//! Errors about scenario input, as typed `miette` diagnostics: every problem
//! carries where it is (file:line:col), what is wrong and how to fix it.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Everything that can be wrong with a scenario or an override of it.
#[derive(Debug, Error, Diagnostic)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    #[diagnostic(
        code(escalate::read),
        help("check the path; `escalate list` names the bundled scenarios")
    )]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text: placed at its first bad byte.
    #[error("{location}: not UTF-8 text (byte {offset} is 0x{byte:02x})")]
    #[diagnostic(
        code(escalate::utf8),
        help("save the file as UTF-8 (scenario and policy files are UTF-8 text)")
    )]
    NotUtf8 {
        /// `file:line:col` of the first bad byte (column in characters).
        location: String,
        /// Byte offset of the first bad byte.
        offset: usize,
        /// That byte.
        byte: u8,
        /// The file, its bad bytes shown as U+FFFD.
        #[source_code]
        src: NamedSource<String>,
        /// The first bad byte.
        #[label("not UTF-8")]
        span: SourceSpan,
    },
    /// The RON text does not parse into a scenario.
    #[error("{message}")]
    #[diagnostic(code(escalate::syntax))]
    Syntax {
        /// The file.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
        /// What is wrong, with `file:line:col`.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// The scenario parsed but breaks rules: every problem is listed.
    #[error("{name}: {} problem{} found", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    #[diagnostic(
        code(escalate::invalid),
        help("fix each problem listed; `escalate validate FILE` re-checks")
    )]
    Invalid {
        /// The file's name.
        name: String,
        /// The file.
        #[source_code]
        src: NamedSource<String>,
        /// Each problem.
        #[related]
        problems: Vec<Problem>,
    },
    /// An override (`--set PATH=VALUE` or a policy's `set`) is wrong.
    #[error("{flag}: {message}")]
    #[diagnostic(code(escalate::set))]
    Override {
        /// The override as given.
        flag: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A named policy does not exist.
    #[error("no policy named `{name}` in {scenario}")]
    #[diagnostic(code(escalate::policy))]
    UnknownPolicy {
        /// The name asked for.
        name: String,
        /// The scenario's name.
        scenario: String,
        /// The names it has.
        #[help]
        help: String,
    },
}

/// One problem in a scenario file.
#[derive(Debug, Error, Diagnostic)]
#[error("{location}: {message}")]
pub struct Problem {
    /// `file:line:col` of the offending value.
    pub location: String,
    /// The structural path of the value, e.g. `actors[2].kind.fighters`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Where, in the file.
    #[label("{message}")]
    pub span: SourceSpan,
    /// How to fix it.
    #[help]
    pub help: String,
}
