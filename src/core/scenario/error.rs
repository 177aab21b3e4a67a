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

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

/// Byte offset of a 1-based line and column.
pub fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + col.saturating_sub(1)).min(src.len());
        }
        offset += l.len();
    }
    src.len()
}
