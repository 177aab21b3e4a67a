//! What `escalate discover` reads: a run's per-trial CSV, a sweep directory
//! or a calibration posterior, turned into a [`Dataset`] (inputs, weights,
//! hits) under a [`Condition`].
//!
//! - **A run's CSV** (`escalate run ... --csv FILE`, [`crate::report::csv`]):
//!   one row per trial. Inputs are its parameter columns (headed by override
//!   paths, [`crate::core::scenario::paths::is_override_path`]), by default
//!   all of them; the condition reads `outcome` (as `class`) and the metric
//!   columns. Every trial weighs 1. The file is read as a stream, one record
//!   buffer reused: memory holds only the chosen inputs and each trial's hit.
//!   This is the existing CSV, not a file of its own: it already has every
//!   sampled parameter at full precision, streams as trials finish, and reads
//!   at about 1 µs a trial (docs/discovery.md has the figures), well under
//!   the cost of running the trial.
//! - **A sweep directory** (`escalate sweep ... --out DIR`): one row per
//!   design point of `points.csv`, its inputs the sweep's factors
//!   (`sweep.json`; `policy` is categorical). With a class in the condition a
//!   point weighs its trials and its hits are the trials of the classes for
//!   which the condition holds (`prob_CLASS` times trials); without one the
//!   condition is a threshold on the point's own columns (`prob_border_war >
//!   0.4`, `deaths_mean > 1800`) and a point weighs 1.
//! - **A posterior** (`posterior.csv` of `escalate calibrate`): one row per
//!   particle, its inputs the calibrated paths, weighing its weight times the
//!   number of particles (so weights average 1); the condition is on
//!   `distance`.
//!
//! Every problem is reported at `file:line:col` where it has one, with how to
//! fix it; nothing is read past the first.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::DiscoverError;
use super::condition::{Condition, ConditionError, Span};
use super::data::{Column, Dataset, Input, MAX_LEVELS};
use crate::core::posterior::Posterior;
use crate::core::scenario::paths::{is_override_path, nearest};

/// Which kind of source a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A run's per-trial CSV.
    Run,
    /// A sweep directory.
    Sweep,
    /// A calibration posterior.
    Posterior,
}

impl SourceKind {
    /// What one row is, in words: `trial`, `design point`, `particle`.
    pub fn row(self) -> &'static str {
        match self {
            SourceKind::Run => "trial",
            SourceKind::Sweep => "design point",
            SourceKind::Posterior => "particle",
        }
    }
}

/// A source, read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its kind.
    pub kind: SourceKind,
    /// The path, as given.
    pub path: String,
    /// Its rows.
    pub data: Dataset,
    /// What a unit of weight is: `trials`, `particle weight`, `design points`.
    pub unit: &'static str,
}

const HELP_SOURCE: &str = "give a run's per-trial CSV (`escalate run ... --csv trials.csv`), \
a sweep directory (`escalate sweep ... --out DIR`) or a posterior.csv (`escalate calibrate ... --out DIR`)";

fn source_error(location: String, message: String, help: impl Into<String>) -> DiscoverError {
    DiscoverError::Source {
        location,
        message,
        help: help.into(),
    }
}

fn read_error(path: &Path, source: std::io::Error) -> DiscoverError {
    DiscoverError::Read {
        path: path.display().to_string(),
        source,
    }
}

/// A condition error at a name, as a [`DiscoverError`].
fn condition_error(cond: &Condition, span: Span, message: String, help: String) -> DiscoverError {
    DiscoverError::condition(
        &cond.text,
        ConditionError {
            message,
            help,
            span,
        },
    )
}

/// Reads `path` (its kind decided by what it is), the inputs `inputs` (empty:
/// all of the source's), with the cases of interest those where `cond` holds
/// (its names are resolved against the source's columns here).
pub fn read(path: &Path, cond: &mut Condition, inputs: &[String]) -> Result<Source, DiscoverError> {
    if path.is_dir() {
        return read_sweep(path, cond, inputs);
    }
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    let mut rdr = csv_reader(file);
    let mut header = ::csv::ByteRecord::new();
    let name = path.display().to_string();
    let got = rdr
        .read_byte_record(&mut header)
        .map_err(|e| csv_error(&name, e))?;
    let first = |k: usize| header.get(k).map(String::from_utf8_lossy);
    if !got {
        return Err(source_error(
            format!("{name}:1:1"),
            "the file is empty".into(),
            HELP_SOURCE,
        ));
    }
    match (first(0).as_deref(), first(1).as_deref()) {
        (Some("trial"), Some("outcome")) => read_run(&name, rdr, &header, cond, inputs),
        (Some("particle"), _) => read_posterior(path, cond, inputs),
        (Some(other), _) => Err(source_error(
            format!("{name}:1:1"),
            format!(
                "the header starts with `{other}`: not a run's per-trial CSV (`trial,outcome,...`) \
                 nor a posterior (`particle,...`)"
            ),
            HELP_SOURCE,
        )),
        (None, _) => unreachable!("a record has a field"),
    }
}

fn csv_reader<R: std::io::Read>(r: R) -> ::csv::Reader<BufReader<R>> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, r))
}

fn csv_error(name: &str, e: ::csv::Error) -> DiscoverError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        ::csv::ErrorKind::Io(io) => io.to_string(),
        ::csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 text ({err})"),
        other => format!("{other:?}"),
    };
    source_error(format!("{name}:{line}:1"), message, HELP_SOURCE)
}

/// The 1-based column of field `k` of a record (fields as written, unquoted).
fn field_column(rec: &::csv::ByteRecord, k: usize) -> usize {
    1 + (0..k)
        .map(|i| String::from_utf8_lossy(&rec[i]).chars().count() + 1)
        .sum::<usize>()
}

/// Where field `k` of `rec` is.
fn at(name: &str, rec: &::csv::ByteRecord, k: usize) -> String {
    let line = rec.position().map_or(0, |p| p.line());
    format!("{name}:{line}:{}", field_column(rec, k))
}

/// A cell as a number: `None` when empty, an error when not a finite number.
fn number(
    name: &str,
    rec: &::csv::ByteRecord,
    k: usize,
    column: &str,
) -> Result<Option<f64>, DiscoverError> {
    let Some(cell) = rec.get(k) else {
        return Err(source_error(
            at(name, rec, rec.len().saturating_sub(1)),
            format!("{} fields: there is no `{column}`", rec.len()),
            "every row has one field per column of the header",
        ));
    };
    if cell.is_empty() {
        return Ok(None);
    }
    match std::str::from_utf8(cell)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        Some(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(source_error(
            at(name, rec, k),
            format!(
                "`{column}` is `{}`, not a finite number",
                String::from_utf8_lossy(cell)
            ),
            "the file is as `escalate` wrote it: every value of this column a finite number",
        )),
    }
}

/// The chosen inputs among `candidates` (column index, name): all of them, or
/// those named by `--inputs`, in that order.
fn choose<'a>(
    candidates: &'a [(usize, String)],
    inputs: &[String],
    what: &str,
    others: &[String],
) -> Result<Vec<&'a (usize, String)>, DiscoverError> {
    if inputs.is_empty() {
        return Ok(candidates.iter().collect());
    }
    let mut out: Vec<&(usize, String)> = Vec::new();
    for name in inputs {
        let Some(c) = candidates.iter().find(|(_, n)| n == name) else {
            let names: Vec<String> = candidates.iter().map(|(_, n)| n.clone()).collect();
            let message = if others.contains(name) {
                format!("`{name}` is not one of the source's {what}: it is an output")
            } else {
                format!("the source has no input `{name}`")
            };
            return Err(DiscoverError::Options {
                flag: "--inputs".into(),
                message,
                help: format!(
                    "inputs are the source's {what}; nearest: {}",
                    nearest(name, &names).join(", ")
                ),
            });
        };
        if out.iter().any(|o| o.1 == *name) {
            return Err(DiscoverError::Options {
                flag: "--inputs".into(),
                message: format!("`{name}` is named twice"),
                help: "name each input once".into(),
            });
        }
        out.push(c);
    }
    Ok(out)
}

/// The message and help for a condition name that is not a column.
fn unknown_name(name: &str, columns: &[String], what: &str) -> (String, String) {
    (
        format!("no {what} `{name}` in the source"),
        format!(
            "nearest: {}; or write `class = NAME` for an outcome class",
            nearest(name, columns).join(", ")
        ),
    )
}

fn read_run(
    name: &str,
    mut rdr: ::csv::Reader<BufReader<File>>,
    header: &::csv::ByteRecord,
    cond: &mut Condition,
    inputs: &[String],
) -> Result<Source, DiscoverError> {
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let params: Vec<(usize, String)> = names
        .iter()
        .enumerate()
        .skip(2)
        .filter(|(_, n)| is_override_path(n))
        .map(|(k, n)| (k, n.clone()))
        .collect();
    let metrics: Vec<String> = names
        .iter()
        .skip(2)
        .filter(|n| !is_override_path(n))
        .cloned()
        .collect();
    if params.is_empty() {
        return Err(source_error(
            format!("{name}:1:1"),
            "the run sampled no uncertain parameter: its CSV has no parameter column".into(),
            "run the scenario with distributions on the parameters to explore, e.g. \
             `escalate run --trials 20000 --set 'actors.TTP.attack_rate=Uniform(0.3, 0.45)' --csv trials.csv`",
        ));
    }
    let chosen = choose(&params, inputs, "parameter columns", &metrics)?;
    // The condition's columns: slots in order of first mention.
    let mut slots: Vec<usize> = Vec::new();
    let chosen_names: Vec<&str> = chosen.iter().map(|(_, n)| n.as_str()).collect();
    let text = cond.text.clone();
    cond.resolve(&mut |col, span| {
        let err = |message: String, help: String| ConditionError {
            message,
            help,
            span,
        };
        if col == "outcome" || col == "trial" {
            return Err(err(
                format!("`{col}` is not a metric"),
                "write `class = NAME` for an outcome class, or name a metric".into(),
            ));
        }
        if chosen_names.contains(&col) {
            return Err(err(
                format!("`{col}` is one of the inputs: the condition is about outcomes"),
                "name a metric or an outcome class, or leave the parameter out of --inputs".into(),
            ));
        }
        let Some(k) = names.iter().position(|n| n == col) else {
            let (m, h) = unknown_name(col, &metrics, "metric");
            return Err(err(m, h));
        };
        Ok(match slots.iter().position(|&s| s == k) {
            Some(i) => i,
            None => {
                slots.push(k);
                slots.len() - 1
            }
        })
    })
    .map_err(|e| DiscoverError::condition(&text, e))?;
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); chosen.len()];
    let mut hits: Vec<f64> = Vec::new();
    let mut values: Vec<Option<f64>> = vec![None; slots.len()];
    let mut seen: Vec<String> = Vec::new();
    let mut rec = ::csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(name, e))?
    {
        if rec.len() != names.len() {
            return Err(source_error(
                at(name, &rec, rec.len().saturating_sub(1)),
                format!("{} fields where the header has {}", rec.len(), names.len()),
                "every row has one field per column of the header",
            ));
        }
        for (c, (k, n)) in columns.iter_mut().zip(&chosen) {
            match number(name, &rec, *k, n)? {
                Some(v) => c.push(v),
                None => {
                    return Err(source_error(
                        at(name, &rec, *k),
                        format!("`{n}` has no value"),
                        "every trial has a value of every sampled parameter",
                    ));
                }
            }
        }
        for (v, &k) in values.iter_mut().zip(&slots) {
            *v = number(name, &rec, k, &names[k])?;
        }
        let class = std::str::from_utf8(&rec[1]).map_err(|_| {
            source_error(
                at(name, &rec, 1),
                "the outcome is not UTF-8 text".into(),
                HELP_SOURCE,
            )
        })?;
        if !seen.iter().any(|s| s == class) {
            seen.push(class.to_string());
        }
        hits.push(if cond.holds(Some(class), &values) {
            1.0
        } else {
            0.0
        });
    }
    check_classes(cond, &seen)?;
    let inputs = chosen
        .iter()
        .zip(columns)
        .map(|((_, n), v)| Input {
            name: n.clone(),
            column: Column::Real(v),
        })
        .collect();
    finish(SourceKind::Run, name, inputs, None, hits, "trials")
}

/// A class the condition names that no row has is an error, with the classes seen.
fn check_classes(cond: &Condition, seen: &[String]) -> Result<(), DiscoverError> {
    for (_, class, span) in cond.classes() {
        if !seen.iter().any(|s| s == class) {
            return Err(condition_error(
                cond,
                span,
                format!("no row is of class `{class}`"),
                format!(
                    "the classes in the source: {}",
                    if seen.is_empty() {
                        "none".to_string()
                    } else {
                        seen.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// The dataset, checked.
fn finish(
    kind: SourceKind,
    name: &str,
    inputs: Vec<Input>,
    weight: Option<Vec<f64>>,
    hits: Vec<f64>,
    unit: &'static str,
) -> Result<Source, DiscoverError> {
    let data = Dataset::new(inputs, weight, hits).map_err(|m| {
        source_error(
            name.to_string(),
            m,
            "discovery needs at least one row, and finite values",
        )
    })?;
    Ok(Source {
        kind,
        path: name.to_string(),
        data,
        unit,
    })
}

fn read_posterior(
    path: &Path,
    cond: &mut Condition,
    inputs: &[String],
) -> Result<Source, DiscoverError> {
    let p = Posterior::read(path)?;
    let name = path.display().to_string();
    if let Some((_, class, span)) = cond.classes().first() {
        return Err(condition_error(
            cond,
            *span,
            format!("a posterior has no outcome classes (`class = {class}`)"),
            "write a threshold on `distance`, e.g. 'distance <= 1.6'".into(),
        ));
    }
    let candidates: Vec<(usize, String)> = p.paths.iter().cloned().enumerate().collect();
    let chosen = choose(&candidates, inputs, "parameters", &["distance".to_string()])?;
    let text = cond.text.clone();
    cond.resolve(&mut |col, span| {
        if col == "distance" {
            Ok(0)
        } else {
            Err(ConditionError {
                message: format!("a posterior has no column `{col}` to compare"),
                help: "compare `distance`, e.g. 'distance <= 1.6'".into(),
                span,
            })
        }
    })
    .map_err(|e| DiscoverError::condition(&text, e))?;
    let n = p.weights.len() as f64;
    let weight: Vec<f64> = p.weights.iter().map(|w| w * n).collect();
    let hits = weight
        .iter()
        .zip(&p.distances)
        .map(|(&w, &d)| if cond.holds(None, &[Some(d)]) { w } else { 0.0 })
        .collect();
    let inputs = chosen
        .iter()
        .map(|(k, n)| Input {
            name: n.clone(),
            column: Column::Real(p.particles.iter().map(|v| v[*k]).collect()),
        })
        .collect();
    finish(
        SourceKind::Posterior,
        &name,
        inputs,
        Some(weight),
        hits,
        "particle weight",
    )
}

fn read_sweep(
    dir: &Path,
    cond: &mut Condition,
    inputs: &[String],
) -> Result<Source, DiscoverError> {
    let manifest = dir.join(crate::sweep::store::MANIFEST);
    let points = dir.join("points.csv");
    let mname = manifest.display().to_string();
    let bytes = crate::io::read_capped(&manifest, crate::io::DATA_LIMIT).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            source_error(
                dir.display().to_string(),
                format!(
                    "a directory without {}: not a sweep",
                    crate::sweep::store::MANIFEST
                ),
                HELP_SOURCE,
            )
        } else {
            read_error(&manifest, e)
        }
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        source_error(
            format!("{mname}:{}:{}", e.line(), e.column()),
            format!("not JSON: {e}"),
            "give the directory `escalate sweep --out DIR` wrote",
        )
    })?;
    if json.get("format").and_then(|f| f.as_str()) != Some(crate::sweep::output::FORMAT) {
        return Err(source_error(
            format!("{mname}:1:1"),
            format!(
                "not a sweep manifest (its format is not `{}`)",
                crate::sweep::output::FORMAT
            ),
            "give the directory `escalate sweep --out DIR` wrote",
        ));
    }
    let factors: Vec<(String, bool)> = json
        .get("factors")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let policy = f.get("kind")?.as_str()? == "policy";
            Some((name, policy))
        })
        .collect();
    let pname = points.display().to_string();
    let file = File::open(&points).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            source_error(
                pname.clone(),
                "no points.csv: the sweep has not finished".into(),
                "run the sweep's command again to finish it (it resumes), then discover",
            )
        } else {
            read_error(&points, e)
        }
    })?;
    let mut rdr = csv_reader(file);
    let mut header = ::csv::ByteRecord::new();
    rdr.read_byte_record(&mut header)
        .map_err(|e| csv_error(&pname, e))?;
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let find = |n: &str| names.iter().position(|m| m == n);
    let candidates: Vec<(usize, String)> = factors
        .iter()
        .map(|(n, _)| {
            find(n).map(|k| (k, n.clone())).ok_or_else(|| {
                source_error(
                    format!("{pname}:1:1"),
                    format!("no column `{n}`, a factor of {mname}"),
                    "give the points.csv the sweep wrote, unchanged",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let Some(trials_col) = find("trials") else {
        return Err(source_error(
            format!("{pname}:1:1"),
            "no column `trials`".into(),
            "give the points.csv the sweep wrote, unchanged",
        ));
    };
    let classes: Vec<(String, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(k, n)| Some((n.strip_prefix("prob_")?.to_string(), k)))
        .collect();
    let outputs: Vec<String> = names
        .iter()
        .filter(|n| {
            !factors.iter().any(|(f, _)| f == *n) && !["point", "digest"].contains(&n.as_str())
        })
        .cloned()
        .collect();
    let chosen = choose(&candidates, inputs, "factors", &outputs)?;
    for (_, class, span) in cond.classes() {
        if !classes.iter().any(|(c, _)| c == class) {
            let known: Vec<String> = classes.iter().map(|(c, _)| c.clone()).collect();
            return Err(condition_error(
                cond,
                span,
                format!("the sweep has no class `{class}`"),
                format!("its classes: {}", known.join(", ")),
            ));
        }
    }
    let by_class = !cond.classes().is_empty();
    let mut slots: Vec<usize> = Vec::new();
    let text = cond.text.clone();
    let chosen_names: Vec<&str> = chosen.iter().map(|(_, n)| n.as_str()).collect();
    cond.resolve(&mut |col, span| {
        let err = |message: String, help: String| ConditionError {
            message,
            help,
            span,
        };
        if chosen_names.contains(&col) || factors.iter().any(|(f, _)| f == col) {
            return Err(err(
                format!("`{col}` is a factor of the sweep: the condition is about outcomes"),
                "name an output column of points.csv (prob_CLASS, METRIC_mean, ...) or a class"
                    .into(),
            ));
        }
        match outputs.iter().position(|n| n == col) {
            Some(_) => {
                let k = find(col).expect("an output is a column");
                Ok(match slots.iter().position(|&s| s == k) {
                    Some(i) => i,
                    None => {
                        slots.push(k);
                        slots.len() - 1
                    }
                })
            }
            None => {
                let (m, h) = unknown_name(col, &outputs, "column");
                Err(err(m, h))
            }
        }
    })
    .map_err(|e| DiscoverError::condition(&text, e))?;
    let mut reals: Vec<Vec<f64>> = vec![Vec::new(); chosen.len()];
    let mut levels: Vec<Vec<String>> = vec![Vec::new(); chosen.len()];
    let mut codes: Vec<Vec<u8>> = vec![Vec::new(); chosen.len()];
    let is_policy: Vec<bool> = chosen
        .iter()
        .map(|(_, n)| factors.iter().any(|(f, p)| f == n && *p))
        .collect();
    let (mut weight, mut hits) = (Vec::new(), Vec::new());
    let mut values: Vec<Option<f64>> = vec![None; slots.len()];
    let mut rec = ::csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(&pname, e))?
    {
        if rec.len() != names.len() {
            return Err(source_error(
                at(&pname, &rec, rec.len().saturating_sub(1)),
                format!("{} fields where the header has {}", rec.len(), names.len()),
                "every row has one field per column of the header",
            ));
        }
        for (i, (k, n)) in chosen.iter().enumerate() {
            if is_policy[i] {
                let cell = &rec[*k];
                let code = match levels[i].iter().position(|l| l.as_bytes() == cell) {
                    Some(c) => c,
                    None => {
                        if levels[i].len() == MAX_LEVELS {
                            return Err(source_error(
                                at(&pname, &rec, *k),
                                format!("`{n}` has more than {MAX_LEVELS} levels"),
                                "sweep fewer policies at once",
                            ));
                        }
                        levels[i].push(String::from_utf8_lossy(cell).into_owned());
                        levels[i].len() - 1
                    }
                };
                codes[i].push(code as u8);
            } else {
                match number(&pname, &rec, *k, n)? {
                    Some(v) => reals[i].push(v),
                    None => {
                        return Err(source_error(
                            at(&pname, &rec, *k),
                            format!("`{n}` has no value"),
                            "give the points.csv the sweep wrote, unchanged",
                        ));
                    }
                }
            }
        }
        for (v, &k) in values.iter_mut().zip(&slots) {
            *v = number(&pname, &rec, k, &names[k])?;
        }
        if by_class {
            let trials = number(&pname, &rec, trials_col, "trials")?.unwrap_or(0.0);
            let mut h = 0.0;
            for (class, k) in &classes {
                if cond.holds(Some(class), &values) {
                    let p = number(&pname, &rec, *k, &names[*k])?.unwrap_or(0.0);
                    h += (p * trials).round();
                }
            }
            weight.push(trials);
            hits.push(h.min(trials));
        } else {
            hits.push(if cond.holds(None, &values) { 1.0 } else { 0.0 });
        }
    }
    let inputs = chosen
        .iter()
        .enumerate()
        .map(|(i, (_, n))| Input {
            name: n.clone(),
            column: if is_policy[i] {
                Column::Categorical {
                    levels: std::mem::take(&mut levels[i]),
                    codes: std::mem::take(&mut codes[i]),
                }
            } else {
                Column::Real(std::mem::take(&mut reals[i]))
            },
        })
        .collect();
    let (weight, unit) = if by_class {
        (Some(weight), "trials")
    } else {
        (None, "design points")
    };
    finish(
        SourceKind::Sweep,
        &dir.display().to_string(),
        inputs,
        weight,
        hits,
        unit,
    )
}
