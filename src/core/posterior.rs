//! A calibration posterior as a run reads it: `posterior.csv`, the weighted
//! particles `escalate calibrate` writes, and its binding to a compiled model.
//!
//! The file's header is `particle,<path1>,...,<pathN>,weight,distance`; each
//! record is one particle: its index, one value per path, its weight and its
//! distance. A run with a posterior draws, for each trial, one particle with
//! probability its weight and sets every path's slot to the particle's value
//! (see [`crate::core::engine`] and [`crate::core::streams`]).
//!
//! Checks, each reported at its `file:line:col`: the header's first field is
//! `particle` and its last two `weight,distance`, with at least one path
//! between and no path twice; every record has one field per column; values
//! and distances are numbers, values finite; weights are finite and at least
//! 0; there is at least one particle; the weights sum to 1 within 1e-9. The
//! weights are then divided by their sum (a no-op up to rounding), so the
//! cumulative weights end at 1. A path the scenario has no parameter at is
//! reported at its header field, with the nearest paths.

use std::path::Path;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::core::model::{Model, P, PosteriorM};
use crate::core::scenario::paths;

/// How far the weights' sum may be from 1.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

/// A posterior file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// The file's name, as given.
    pub file: String,
    /// The override path of each value column, in header order.
    pub paths: Vec<String>,
    /// Each particle's values, in `paths` order.
    pub particles: Vec<Vec<f64>>,
    /// Each particle's weight (divided by their sum).
    pub weights: Vec<f64>,
    /// Each particle's distance to the observed records.
    pub distances: Vec<f64>,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's text, for errors found later (a path the model lacks).
    text: String,
    /// Where each path's header field is (bytes).
    spans: Vec<(usize, usize)>,
}

/// What can be wrong with a posterior file.
#[derive(Debug, Error, Diagnostic)]
pub enum PosteriorError {
    /// The file could not be read.
    #[error("cannot read posterior {path}: {source}")]
    #[diagnostic(
        code(escalate::posterior::read),
        help("give the posterior.csv that `escalate calibrate --out DIR` wrote in DIR")
    )]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file breaks the format, or names a path the scenario lacks.
    #[error("{location}: {message}")]
    #[diagnostic(code(escalate::posterior::invalid))]
    Invalid {
        /// `file:line:col` of the offending field.
        location: String,
        /// What is wrong.
        message: String,
        /// The file.
        #[source_code]
        src: NamedSource<String>,
        /// Where, in the file.
        #[label("{message}")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: String,
    },
}

/// One field of a line: its text (unquoted) and its byte range in the file.
struct Field {
    text: String,
    start: usize,
    end: usize,
}

struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn error(&self, start: usize, end: usize, message: String, help: &str) -> PosteriorError {
        let (line, col) = crate::core::position::line_col(self.text, start);
        PosteriorError::Invalid {
            location: format!("{}:{line}:{col}", self.name),
            message,
            src: NamedSource::new(self.name, self.text.to_string()),
            span: SourceSpan::new(start.into(), end.saturating_sub(start)),
            help: help.to_string(),
        }
    }
}

/// Splits one line (no line break) starting at byte `at` into fields; `"`
/// quotes a field, `""` is a quote inside one.
fn split_line(line: &str, at: usize, ctx: &Ctx<'_>) -> Result<Vec<Field>, PosteriorError> {
    let mut fields = Vec::new();
    let mut chars = line.char_indices().peekable();
    loop {
        let start = chars.peek().map_or(line.len(), |&(i, _)| i);
        let mut text = String::new();
        let mut end = start;
        if let Some(&(_, '"')) = chars.peek() {
            chars.next();
            let mut closed = false;
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if let Some(&(_, '"')) = chars.peek() {
                        chars.next();
                        text.push('"');
                    } else {
                        closed = true;
                        end = i + 1;
                        break;
                    }
                } else {
                    text.push(c);
                }
            }
            if !closed {
                return Err(ctx.error(
                    at + start,
                    at + line.len(),
                    "a quote is never closed".into(),
                    "close the field's quote on the same line",
                ));
            }
            if let Some(&(i, c)) = chars.peek()
                && c != ','
            {
                return Err(ctx.error(
                    at + i,
                    at + i + c.len_utf8(),
                    format!("`{c}` after a closing quote"),
                    "put the whole field in quotes, or none of it",
                ));
            }
        } else {
            while let Some(&(i, c)) = chars.peek() {
                if c == ',' {
                    break;
                }
                text.push(c);
                end = i + c.len_utf8();
                chars.next();
            }
        }
        fields.push(Field {
            text,
            start: at + start,
            end: at + end,
        });
        match chars.next() {
            Some((_, ',')) => continue,
            _ => break,
        }
    }
    Ok(fields)
}

impl Posterior {
    /// Reads and checks a posterior file.
    pub fn read(path: &Path) -> Result<Posterior, PosteriorError> {
        let bytes = crate::io::read_capped(path, crate::io::DATA_LIMIT).map_err(|source| {
            PosteriorError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
        let name = path.display().to_string();
        let text = String::from_utf8(bytes.clone()).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            Ctx {
                name: &name,
                text: &lossy,
            }
            .error(
                at,
                at + 1,
                "not UTF-8 text".into(),
                "save the file as UTF-8",
            )
        })?;
        let mut p = Posterior::parse(&name, &text)?;
        p.sha256 = crate::io::sha256_hex(&bytes);
        Ok(p)
    }

    /// Checks a posterior's text (`name` is how errors name the file); its
    /// `sha256` is that of the text.
    pub fn parse(name: &str, text: &str) -> Result<Posterior, PosteriorError> {
        let ctx = Ctx { name, text };
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut offset = text.len() - body.len();
        let mut lines = Vec::new();
        for raw in body.split_inclusive('\n') {
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.trim().is_empty() {
                lines.push((offset, line));
            }
            offset += raw.len();
        }
        let Some(&(at, header)) = lines.first() else {
            return Err(ctx.error(
                0,
                0,
                "the file is empty".into(),
                "start with the header `particle,<path>,...,weight,distance`",
            ));
        };
        let head = split_line(header, at, &ctx)?;
        let header_help = "the header is `particle,<path1>,...,<pathN>,weight,distance`, as `escalate calibrate` writes it";
        if head[0].text.trim() != "particle" {
            return Err(ctx.error(
                head[0].start,
                head[0].end,
                format!("the first column is `{}`, not `particle`", head[0].text),
                header_help,
            ));
        }
        let n = head.len();
        if n < 4 {
            let f = &head[n - 1];
            return Err(ctx.error(
                f.start,
                f.end,
                "the header has no parameter column".into(),
                header_help,
            ));
        }
        for (k, want) in [(n - 2, "weight"), (n - 1, "distance")] {
            if head[k].text.trim() != want {
                return Err(ctx.error(
                    head[k].start,
                    head[k].end,
                    format!("column {} is `{}`, not `{want}`", k + 1, head[k].text),
                    header_help,
                ));
            }
        }
        let mut paths_: Vec<String> = Vec::new();
        let mut spans = Vec::new();
        for f in &head[1..n - 2] {
            let p = f.text.trim().to_string();
            if p.is_empty() {
                return Err(ctx.error(
                    f.start,
                    f.end,
                    "an empty parameter path".into(),
                    header_help,
                ));
            }
            if paths_.contains(&p) {
                return Err(ctx.error(
                    f.start,
                    f.end,
                    format!("`{p}` appears twice"),
                    "keep one column per parameter",
                ));
            }
            paths_.push(p);
            spans.push((f.start, f.end));
        }
        let mut particles = Vec::new();
        let mut weights = Vec::new();
        let mut distances = Vec::new();
        for &(at, line) in &lines[1..] {
            let fields = split_line(line, at, &ctx)?;
            if fields.len() != n {
                let f = &fields[fields.len().min(n) - 1];
                return Err(ctx.error(
                    f.start,
                    at + line.len(),
                    format!(
                        "{} field{} where the header has {n} columns",
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" }
                    ),
                    "give every particle one field per column",
                ));
            }
            let number = |f: &Field, what: &str| -> Result<f64, PosteriorError> {
                f.text.trim().parse::<f64>().map_err(|_| {
                    ctx.error(
                        f.start,
                        f.end,
                        format!("{what} `{}` is not a number", f.text),
                        "write a decimal number such as 0.25 or 1e-3",
                    )
                })
            };
            if fields[0].text.trim().parse::<u64>().is_err() {
                let f = &fields[0];
                return Err(ctx.error(
                    f.start,
                    f.end,
                    format!("particle `{}` is not an index", f.text),
                    "the first field is the particle's index: 0, 1, 2, ...",
                ));
            }
            let mut values = Vec::with_capacity(n - 3);
            for (f, p) in fields[1..n - 2].iter().zip(&paths_) {
                let v = number(f, &format!("the value of `{p}`"))?;
                if !v.is_finite() {
                    return Err(ctx.error(
                        f.start,
                        f.end,
                        format!("the value of `{p}` is {v}"),
                        "every value is a finite number",
                    ));
                }
                values.push(v);
            }
            let wf = &fields[n - 2];
            let w = number(wf, "weight")?;
            if !w.is_finite() || w < 0.0 {
                return Err(ctx.error(
                    wf.start,
                    wf.end,
                    format!(
                        "weight {} is not a finite number at least 0",
                        wf.text.trim()
                    ),
                    "weights are finite, at least 0 and sum to 1",
                ));
            }
            distances.push(number(&fields[n - 1], "distance")?);
            particles.push(values);
            weights.push(w);
        }
        if particles.is_empty() {
            return Err(ctx.error(
                at,
                at + header.len(),
                "no particle after the header".into(),
                "a posterior has at least one particle, one per line",
            ));
        }
        let sum: f64 = weights.iter().sum();
        if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            let wf = &head[n - 2];
            return Err(ctx.error(
                wf.start,
                wf.end,
                format!("the weights sum to {sum}, not 1"),
                "weights sum to 1 (within 1e-9); divide each by their sum",
            ));
        }
        for w in &mut weights {
            *w /= sum;
        }
        Ok(Posterior {
            file: name.to_string(),
            paths: paths_,
            particles,
            weights,
            distances,
            sha256: crate::io::sha256_hex(text.as_bytes()),
            text: text.to_string(),
            spans,
        })
    }

    /// Binds the posterior to `model`: each path's parameter slot, and the
    /// cumulative weights. A path the model has no parameter at is an error
    /// at its header field, naming the nearest paths.
    pub fn bind(&self, model: &Model) -> Result<PosteriorM, PosteriorError> {
        let mut slots = Vec::with_capacity(self.paths.len());
        for (p, &(start, end)) in self.paths.iter().zip(&self.spans) {
            match model.params.iter().position(|s| &s.path == p) {
                Some(k) => {
                    // Every particle's value within the parameter's range, as
                    // validation holds a scenario's own values.
                    let range = model.params[k].range;
                    let col = slots.len();
                    if let Some((i, &x)) = self
                        .particles
                        .iter()
                        .map(|v| &v[col])
                        .enumerate()
                        .find(|(_, x)| !range.admits(**x, **x))
                    {
                        return Err(Ctx {
                            name: &self.file,
                            text: &self.text,
                        }
                        .error(
                            start,
                            end,
                            format!(
                                "the particle on line {} gives `{p}` the value {}, outside its range",
                                i + 2,
                                crate::core::scenario::param::number(x)
                            ),
                            &format!("`{p}` takes {}", range.describe()),
                        ));
                    }
                    slots.push(k as P)
                }
                None => {
                    let all: Vec<String> = model.params.iter().map(|s| s.path.clone()).collect();
                    return Err(Ctx {
                        name: &self.file,
                        text: &self.text,
                    }
                    .error(
                        start,
                        end,
                        format!("no parameter at `{p}` in scenario `{}`", model.name),
                        &format!(
                            "nearest valid paths: {} (`escalate params` lists them all)",
                            paths::nearest(p, &all).join(", ")
                        ),
                    ));
                }
            }
        }
        let mut cumulative = Vec::with_capacity(self.weights.len());
        let mut c = 0.0;
        for &w in &self.weights {
            c += w;
            cumulative.push(c);
        }
        let last = self.weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        for c in &mut cumulative[last..] {
            *c = 1.0;
        }
        Ok(PosteriorM {
            file: self.file.clone(),
            sha256: self.sha256.clone(),
            slots,
            values: self.particles.iter().flatten().copied().collect(),
            cumulative,
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match Posterior::parse("p.csv", text) {
            Err(PosteriorError::Invalid {
                location, message, ..
            }) => format!("{location}: {message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_what_calibrate_writes() {
        let p = Posterior::parse(
            "p.csv",
            "particle,a.b,\"c,d\",weight,distance\r\n0,1,2,0.25,0.5\n\n1,3,4.5e0,0.75,inf\n",
        )
        .unwrap();
        assert_eq!(p.paths, ["a.b", "c,d"]);
        assert_eq!(p.particles, [vec![1.0, 2.0], vec![3.0, 4.5]]);
        assert_eq!(p.weights, [0.25, 0.75]);
    }

    #[test]
    fn problems_are_located() {
        let h = "particle,a,weight,distance\n";
        assert_eq!(
            err("part,a,weight,distance\n0,1,1,0\n"),
            "p.csv:1:1: the first column is `part`, not `particle`"
        );
        assert_eq!(
            err("particle,a,w,distance\n0,1,1,0\n"),
            "p.csv:1:12: column 3 is `w`, not `weight`"
        );
        assert_eq!(
            err("particle,weight,distance\n0,1,0\n"),
            "p.csv:1:17: the header has no parameter column"
        );
        assert_eq!(
            err(&format!("{h}0,1,-0.5,0\n")),
            "p.csv:2:5: weight -0.5 is not a finite number at least 0"
        );
        assert_eq!(
            err(&format!("{h}0,x,1,0\n")),
            "p.csv:2:3: the value of `a` `x` is not a number"
        );
        assert_eq!(
            err(&format!("{h}0,1,1\n")),
            "p.csv:2:5: 3 fields where the header has 4 columns"
        );
        assert_eq!(
            err(&format!("{h}0,1,0.5,0\n1,2,0.4,0\n")),
            "p.csv:1:12: the weights sum to 0.9, not 1"
        );
        assert_eq!(err(h), "p.csv:1:1: no particle after the header");
        assert_eq!(
            err("particle,a,a,weight,distance\n"),
            "p.csv:1:12: `a` appears twice"
        );
    }

    /// Issue 11, item 2: a posterior's particles were used unchecked, so a
    /// file could give a parameter a value its range refuses in a scenario.
    #[test]
    fn regression_a_particle_outside_its_parameters_range_is_refused() {
        use crate::core::scenario::{BUNDLED, Source, parse, validate};
        let src = Source::bundled(BUNDLED.iter().find(|b| b.name == "minimal").unwrap());
        let model = crate::core::model::compile(&validate(parse(&src).unwrap(), &src).unwrap());
        let text = |v: &str| {
            format!("particle,actors.G.fighters,weight,distance\n0,2000,0.5,0\n1,{v},0.5,0\n")
        };
        assert!(
            Posterior::parse("p.csv", &text("3000"))
                .unwrap()
                .bind(&model)
                .is_ok()
        );
        match Posterior::parse("p.csv", &text("1e25"))
            .unwrap()
            .bind(&model)
        {
            Err(PosteriorError::Invalid {
                location,
                message,
                help,
                ..
            }) => {
                assert_eq!(location, "p.csv:1:10");
                assert_eq!(
                    message,
                    "the particle on line 3 gives `actors.G.fighters` the value 1e25, outside its range"
                );
                assert!(help.contains("from 0 to 1e8"), "{help}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn picks_by_inverse_cdf_and_never_a_zero_weight() {
        let p = Posterior::parse(
            "p.csv",
            "particle,a,weight,distance\n0,1,0.25,0\n1,2,0,0\n2,3,0.75,0\n3,4,0,0\n",
        )
        .unwrap();
        let m = PosteriorM {
            file: p.file.clone(),
            sha256: p.sha256.clone(),
            slots: vec![0],
            values: vec![1.0, 2.0, 3.0, 4.0],
            cumulative: vec![0.25, 0.25, 1.0, 1.0],
            last: 2,
        };
        assert_eq!(m.pick(0.0), 0);
        assert_eq!(m.pick(0.2499), 0);
        assert_eq!(m.pick(0.25), 2);
        assert_eq!(m.pick(0.999_999), 2);
        assert_eq!(m.pick(1.0), 2);
        assert_eq!(m.particle(2), [3.0]);
    }
}
