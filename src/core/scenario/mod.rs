//! Scenario files: types, parsing with positions, validation, overrides,
//! policies and the bundled library.
//!
//! The flow is `Source` (text) -> [`parse`] -> [`Scenario`] -> [`validate`] ->
//! [`Validated`]. Overrides and policies are applied to a `Scenario` and the
//! result is validated again, so the compiled model only ever sees checked input.

pub mod error;
pub mod limits;
pub mod locate;
pub mod metrics;
pub mod param;
pub mod paths;
pub mod policy;
pub mod types;
pub mod validate;

use miette::{NamedSource, SourceSpan};

pub use error::{Problem, ScenarioError};

use crate::core::position::LineIndex;
use crate::core::suggest;
pub use param::Param;
pub use policy::apply_policy_rules;
pub use types::*;

/// The text of a scenario and the name to show for it.
#[derive(Debug, Clone)]
pub struct Source {
    /// A path, or `bundled:NAME`.
    pub name: String,
    /// The RON text.
    pub text: String,
}

/// A bundled scenario.
pub struct Bundled {
    /// Short name (`escalate run NAME` or the file name).
    pub name: &'static str,
    /// The stretch of time it simulates, for `escalate list` (a test checks
    /// it against the file's `start_date` and `horizon`).
    pub period: &'static str,
    /// One line for `escalate list`.
    pub summary: &'static str,
    /// The RON text, embedded in the binary.
    pub text: &'static str,
}

/// The scenarios shipped with escalate; the first is the flagship.
pub const BUNDLED: &[Bundled] = &[
    Bundled {
        name: "pak-afghan-2024",
        period: "16 Mar 2024 - 15 Mar 2025",
        summary: "the flagship: strikes, retaliation, the TTP",
        text: include_str!("../../../scenarios/pak-afghan-2024.ron"),
    },
    Bundled {
        name: "pak-afghan-2025",
        period: "24 Dec 2024 - 23 Dec 2025",
        summary: "after Barmal: the NRF, Chabahar, regional pressure",
        text: include_str!("../../../scenarios/pak-afghan-2025.ron"),
    },
    Bundled {
        name: "pak-afghan-2021",
        period: "15 Aug 2021 - 31 Dec 2023",
        summary: "hindcast: the takeover, truces, strikes, closures",
        text: include_str!("../../../scenarios/pak-afghan-2021.ron"),
    },
    Bundled {
        name: "minimal",
        period: "365 days, undated",
        summary: "teaching: two states, one armed group, three levers",
        text: include_str!("../../../scenarios/minimal.ron"),
    },
];

impl Source {
    /// Reads a file (at most [`crate::io::TEXT_LIMIT`] bytes of UTF-8), or a
    /// bundled scenario by name (`pak-afghan-2024`, `minimal`).
    pub fn open(path: &str) -> Result<Source, ScenarioError> {
        match crate::io::read_capped(std::path::Path::new(path), crate::io::TEXT_LIMIT) {
            Ok(bytes) => Source::from_bytes(path, bytes),
            Err(e) => {
                let stem = path
                    .trim_start_matches("scenarios/")
                    .trim_end_matches(".ron");
                match BUNDLED.iter().find(|b| b.name == stem) {
                    Some(b) if e.kind() == std::io::ErrorKind::NotFound => Ok(Source::bundled(b)),
                    _ => Err(ScenarioError::Read {
                        path: path.to_string(),
                        source: e,
                    }),
                }
            }
        }
    }

    /// The source called `name` whose text is `bytes`; bytes that are not
    /// UTF-8 are refused at the first bad one, with its line and column.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Source, ScenarioError> {
        let Some((offset, line, col)) = crate::core::position::first_invalid_utf8(&bytes) else {
            let text = String::from_utf8(bytes).expect("checked to be UTF-8");
            return Ok(Source {
                name: name.to_string(),
                text,
            });
        };
        let byte = bytes[offset];
        // Up to the bad byte the lossy text is the file itself; the byte
        // becomes U+FFFD (three bytes), which the label covers.
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        Err(ScenarioError::NotUtf8 {
            location: format!("{name}:{line}:{col}"),
            offset,
            byte,
            src: NamedSource::new(name, shown),
            span: SourceSpan::from(offset..offset + '\u{fffd}'.len_utf8()),
        })
    }

    /// A bundled scenario's source.
    pub fn bundled(b: &Bundled) -> Source {
        Source {
            name: format!("scenarios/{}.ron", b.name),
            text: b.text.to_string(),
        }
    }

    fn named(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.text.clone())
    }
}

/// A scenario that passed validation (after any policy and overrides).
#[derive(Debug, Clone)]
pub struct Validated {
    scenario: Scenario,
}

impl Validated {
    /// The checked scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

/// Parses RON text into a scenario; syntax and shape errors carry file:line:col.
pub fn parse(src: &Source) -> Result<Scenario, ScenarioError> {
    ron_options()
        .from_str::<Scenario>(&src.text)
        .map_err(|e| syntax_error(src, &e, SYNTAX_HELP))
}

/// The RON dialect of scenario and policy files.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    )
}

/// The help of a syntax error that no more particular line fits.
const SYNTAX_HELP: &str =
    "check brackets, commas and quotes near this point (docs/scenario-format.md shows the syntax)";

/// A RON error in `src` as a diagnostic at its place, with the help line that
/// fits its kind ([`syntax_help`]); `fallback` where none fits better.
pub(crate) fn syntax_error(
    src: &Source,
    e: &ron::error::SpannedError,
    fallback: &str,
) -> ScenarioError {
    // ron counts columns in characters, as `core::position` does.
    let (line, col) = (e.span.start.line, e.span.start.col);
    let index = LineIndex::new(&src.text);
    let start = index.offset(line, col);
    let end = index.offset(e.span.end.line, e.span.end.col).max(start);
    let end = if end > start {
        end
    } else {
        // At least one character, unless at the end of the text.
        src.text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8())
    };
    ScenarioError::Syntax {
        src: src.named(),
        span: SourceSpan::from(start..end),
        message: format!("{}:{line}:{col}: {}", src.name, e.code),
        help: syntax_help(&e.code, &src.text[..start.min(src.text.len())], fallback),
    }
}

/// The help line for a RON error: what goes at that place and how to write
/// it, by the error's kind; `fallback` for errors of punctuation (a missing
/// comma, bracket or quote), which have no better advice. `before` is the
/// text before the error's place.
fn syntax_help(code: &ron::Error, before: &str, fallback: &str) -> String {
    use ron::Error as E;
    const FIELDS: &str = "docs/scenario-format.md lists every field";
    const WHOLE: &str = "a whole number goes here (a day, a number of days or a count), e.g. 14: \
                         no decimals, no sign, no quotes";
    // `horizon: 1.5`: ron reads the integer `1`, then wants a comma at `.5`.
    let after_whole_number = before.ends_with(|c: char| c.is_ascii_digit());
    match code {
        E::ExpectedComma if after_whole_number => WHOLE.into(),
        E::NoSuchStructField {
            expected, found, ..
        } => match suggest::did_you_mean(found, expected) {
            Some(s) => format!("{s} ({FIELDS})"),
            None => format!("remove the field or fix its spelling ({FIELDS})"),
        },
        E::MissingStructField { field, .. } => format!("add the field `{field}: ...`"),
        E::DuplicateStructField { .. } => "keep one of the two".into(),
        E::NoSuchEnumVariant {
            expected, found, ..
        } => suggest::did_you_mean(found, expected)
            .unwrap_or_else(|| "use one of the variants listed".into()),
        E::IntegerOutOfBounds => format!(
            "a whole number from 0 to {} goes here (a day, a number of days or a count): \
             write it without a sign and within that range",
            u32::MAX
        ),
        E::ExpectedInteger | E::InvalidIntegerDigit { .. } => WHOLE.into(),
        E::ExpectedFloat | E::FloatUnderscore => {
            "a number goes here, e.g. 0.5 or 4000 (no quotes, no thousands separators)".into()
        }
        E::ExpectedBoolean => "write `true` or `false` here".into(),
        E::ExpectedString | E::ExpectedStringEnd | E::InvalidEscape(_) => {
            "a string in double quotes goes here, e.g. \"TTP\"".into()
        }
        E::InvalidValueForType { expected, .. } => {
            format!("{expected} goes here ({FIELDS}, with the type of each)")
        }
        E::Message(m) if m.contains(param::PARAM_HELP) => {
            "see docs/scenario-format.md, section Parameters".into()
        }
        E::Eof => "the file ends inside a value: close every `(`, `[` and `{` that is open, \
                   and every string"
            .into(),
        E::UnclosedBlockComment => "close the `/*` comment with `*/`".into(),
        _ => fallback.into(),
    }
}

/// Checks a parsed scenario; `Err` lists every problem with its position.
pub fn validate(scenario: Scenario, src: &Source) -> Result<Validated, ScenarioError> {
    let raw = validate::check(&scenario);
    if raw.is_empty() {
        return Ok(Validated { scenario });
    }
    let problems = place_problems(
        &src.name,
        &src.text,
        raw.into_iter().map(|p| (p.path, p.message, p.help)),
    );
    Err(ScenarioError::Invalid {
        name: src.name.clone(),
        src: src.named(),
        problems,
    })
}

/// Problems given by structural path (path, message, help) placed in the
/// file called `name` with text `text`: each at the value its path names (or
/// the nearest enclosing one found), with its `file:line:col`, in file order
/// (as a reader goes through the file). One scan of the text and one pass
/// over it for the positions, however many problems there are.
pub(crate) fn place_problems(
    name: &str,
    text: &str,
    raw: impl IntoIterator<Item = (String, String, String)>,
) -> Vec<Problem> {
    let map = locate::SourceMap::new(text);
    let mut problems: Vec<Problem> = raw
        .into_iter()
        .map(|(path, message, help)| {
            let span = map.find(&path).map_or(0..0, |l| l.span.clone());
            Problem {
                location: String::new(),
                path,
                message,
                span: SourceSpan::from(span),
                help,
            }
        })
        .collect();
    problems.sort_by_key(|p| p.span.offset());
    let offsets: Vec<usize> = problems.iter().map(|p| p.span.offset()).collect();
    for (p, (line, col)) in problems
        .iter_mut()
        .zip(LineIndex::new(text).line_cols(&offsets))
    {
        p.location = format!("{name}:{line}:{col}");
    }
    problems
}

/// Parses and validates a source.
pub fn load(src: &Source) -> Result<Validated, ScenarioError> {
    validate(parse(src)?, src)
}

/// One `--set PATH=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The override path, e.g. `actors.TTP.fighters`.
    pub path: String,
    /// The new value.
    pub value: Param,
}

impl std::str::FromStr for Override {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |message: String| ScenarioError::Override {
            flag: format!("--set '{s}'"),
            message,
            help: format!(
                "write PATH=VALUE, e.g. actors.TTP.fighters=6000; {}",
                param::PARAM_HELP
            ),
        };
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| bad("no `=` in the override".into()))?;
        let value: Param = ron::from_str(value.trim()).map_err(|e| {
            bad(format!(
                "cannot read the value `{}`: {}",
                value.trim(),
                e.code
            ))
        })?;
        Ok(Override {
            path: path.trim().to_string(),
            value,
        })
    }
}

impl Validated {
    /// Applies the named policy, then the overrides, and validates again.
    pub fn configure(
        &self,
        src: &Source,
        policy: Option<&str>,
        overrides: &[Override],
    ) -> Result<Validated, ScenarioError> {
        let mut s = self.scenario.clone();
        if let Some(name) = policy {
            apply_policy(&mut s, name)?;
        }
        for o in overrides {
            apply_override(
                &mut s,
                &o.path,
                &o.value,
                &format!("--set '{}={}'", o.path, o.value),
            )?;
        }
        s.policies.clear();
        validate(s, src)
    }
}

impl Validated {
    /// The same scenario with another horizon, validated again.
    pub fn with_horizon(&self, horizon: u32, src: &Source) -> Result<Validated, ScenarioError> {
        let mut s = self.scenario.clone();
        s.horizon = horizon;
        validate(s, src)
    }

    /// The same scenario with `periods` in place of its own, validated again
    /// (for periods that come from elsewhere than the file, such as an
    /// observed-data file). Problems with a period the file does not hold are
    /// placed at the start of `src`; their messages name the period.
    pub fn with_periods(
        &self,
        periods: Vec<Period>,
        src: &Source,
    ) -> Result<Validated, ScenarioError> {
        let mut s = self.scenario.clone();
        s.periods = periods;
        validate(s, src)
    }
}

fn apply_override(
    s: &mut Scenario,
    path: &str,
    value: &Param,
    flag: &str,
) -> Result<(), ScenarioError> {
    if let Err(e) = value.check() {
        return Err(ScenarioError::Override {
            flag: flag.to_string(),
            message: e,
            help: value.help(),
        });
    }
    match paths::set_param(s, path, value.clone()) {
        Ok(pp) => {
            if pp.range.admits_param(value) {
                Ok(())
            } else {
                Err(ScenarioError::Override {
                    flag: flag.to_string(),
                    message: pp.range.refusal(value, path),
                    help: pp.range.help(value),
                })
            }
        }
        Err(near) => Err(ScenarioError::Override {
            flag: flag.to_string(),
            message: format!("no parameter at `{path}`"),
            help: format!(
                "nearest valid paths: {} (`escalate params SCENARIO` lists them all)",
                near.join(", ")
            ),
        }),
    }
}

/// Applies a named policy of the scenario: its rules added and disabled, its parameters set.
pub fn apply_policy(s: &mut Scenario, name: &str) -> Result<(), ScenarioError> {
    let Some(p) = s.policies.iter().find(|p| p.name == name).cloned() else {
        let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
        let help = suggest::did_you_mean(name, &names).unwrap_or_else(|| {
            format!(
                "policies here: {} (or `baseline`, or a policy file's path)",
                if names.is_empty() {
                    "none".into()
                } else {
                    suggest::listing(&names)
                }
            )
        });
        return Err(ScenarioError::UnknownPolicy {
            name: name.to_string(),
            scenario: s.name.clone(),
            help,
        });
    };
    apply_policy_rules(s, &p);
    for (path, value) in &p.set {
        apply_override(s, path, value, &format!("policy `{name}`: set {path}"))?;
    }
    Ok(())
}
