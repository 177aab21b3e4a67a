//! The sweep's files, rendered as bytes: `sweep.json` (the manifest: exact
//! design, seed, version, command), `points.csv` (one row per design point),
//! `sensitivity.csv` and `sensitivity.json` (one row per output and input).
//!
//! Tidy and plain: a header row, comma-separated, `.` decimals, numbers in
//! Rust's shortest round-trip form, an empty cell for a missing value, so
//! `pandas.read_csv(path)` and R's `read.csv(path)` load them with no options.

use serde::Serialize;

use super::analysis::{InputIndices, OutputIndices, measures};
use super::factor::Value;
use super::plan::{Identity, OutputDef, OutputId, Plan};
use super::point::PointRecord;

/// The manifest's format tag.
pub const FORMAT: &str = "escalate-sweep/1";

#[derive(Serialize)]
struct FactorInfo<'a> {
    name: &'a str,
    kind: &'static str,
    values: String,
}

#[derive(Serialize)]
struct PointInfo {
    point: usize,
    unit: Vec<f64>,
    values: Vec<Value>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    fingerprint: &'a str,
    command: String,
    scenario_file: &'a str,
    identity: Identity,
    factors: Vec<FactorInfo<'a>>,
    outputs: &'a [OutputDef],
    points: Vec<PointInfo>,
}

/// `sweep.json`: what identifies the sweep (`identity`, hashed into
/// `fingerprint`), the command that reproduces it, its factors, the outputs
/// that get indices, and every design point (unit coordinates and values).
pub fn manifest(plan: &Plan) -> Vec<u8> {
    let m = Manifest {
        format: FORMAT,
        fingerprint: &plan.fingerprint,
        command: plan.command(),
        scenario_file: &plan.loaded.source.name,
        identity: plan.identity(),
        factors: plan
            .factors
            .iter()
            .map(|f| FactorInfo {
                name: &f.name,
                kind: f.kind_name(),
                values: f.spec(),
            })
            .collect(),
        outputs: &plan.outputs,
        points: (0..plan.len())
            .map(|j| PointInfo {
                point: j,
                unit: plan.unit[j].clone(),
                values: plan.values(j),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&m).expect("serializable");
    s.push('\n');
    s.into_bytes()
}

/// A CSV cell: quoted when it holds a comma, quote or line break.
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// Column suffixes of a metric's quantiles, in the order of `MetricPoint::quantiles`.
const Q_NAMES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// The header of `points.csv`.
pub fn points_header(plan: &Plan) -> String {
    let mut h = vec!["point".to_string()];
    h.extend(plan.factors.iter().map(|f| cell(&f.name)));
    h.push("trials".into());
    h.extend(plan.classes.iter().map(|c| cell(&format!("prob_{c}"))));
    for m in &plan.metrics {
        h.push(cell(&format!("{m}_mean")));
        h.extend(Q_NAMES.iter().map(|q| cell(&format!("{m}_{q}"))));
    }
    h.push("digest".into());
    h.join(",") + "\n"
}

/// One row of `points.csv`.
pub fn points_row(plan: &Plan, r: &PointRecord) -> String {
    let mut row = vec![r.point.to_string()];
    row.extend(plan.values(r.point).iter().map(|v| cell(&v.to_string())));
    row.push(r.trials.to_string());
    row.extend((0..r.classes.len()).map(|c| num(Some(r.probability(c)))));
    for m in &r.metrics {
        row.push(num(m.mean));
        row.extend(m.quantiles.iter().map(|&q| num(q)));
    }
    row.push(r.digest.clone());
    row.join(",") + "\n"
}

/// Output `id` at one point (NaN for the mean of a metric that never happened there).
pub fn output_value(r: &PointRecord, id: OutputId) -> f64 {
    match id {
        OutputId::ClassProb(c) => r.probability(c),
        OutputId::MetricMean(m) => r.metrics[m].mean.unwrap_or(f64::NAN),
    }
}

/// The outputs that get indices, at one point, in [`Plan::outputs`] order.
pub fn output_values<'a>(plan: &'a Plan, r: &'a PointRecord) -> impl Iterator<Item = f64> + 'a {
    plan.outputs.iter().map(|o| output_value(r, o.id))
}

/// `sensitivity.csv`: one row per output and input.
pub fn sensitivity_csv(indices: &[OutputIndices]) -> String {
    let mut columns = None;
    let mut out = String::new();
    for o in indices {
        for row in &o.inputs {
            let (names, values): (&[&str], Vec<f64>) = match row.indices {
                InputIndices::Sobol {
                    s1,
                    s1_ci,
                    st,
                    st_ci,
                } => (
                    &["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"],
                    vec![s1, s1_ci[0], s1_ci[1], st, st_ci[0], st_ci[1]],
                ),
                InputIndices::Morris { mu_star, mu, sigma } => {
                    (&["mu_star", "mu", "sigma"], vec![mu_star, mu, sigma])
                }
                InputIndices::Regression { src, prcc } => {
                    (&["src", "prcc", "r_squared"], vec![src, prcc])
                }
            };
            if columns.is_none() {
                columns = Some(names.len());
                out.push_str("output,input,rank,");
                out.push_str(&names.join(","));
                out.push_str(",note\n");
            }
            let mut cells = vec![cell(&o.output), cell(&row.input), row.rank.to_string()];
            cells.extend(values.iter().map(|&v| num(Some(v))));
            if let InputIndices::Regression { .. } = row.indices {
                cells.push(num(o.r_squared));
            }
            cells.push(row.note.as_deref().map(cell).unwrap_or_default());
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    // Outputs without indices: one row each, the note saying why.
    let blanks = columns.unwrap_or(0);
    let mut notes = String::new();
    for o in indices.iter().filter(|o| o.inputs.is_empty()) {
        notes.push_str(&cell(&o.output));
        notes.push_str(",,");
        notes.push_str(&",".repeat(blanks + 1));
        notes.push_str(&cell(o.note.as_deref().unwrap_or("")));
        notes.push('\n');
    }
    if columns.is_none() {
        out.push_str("output,input,rank,note\n");
    }
    out + &notes
}

#[derive(Serialize)]
struct SensitivityFile<'a> {
    format: &'static str,
    fingerprint: &'a str,
    design: &'static str,
    warnings: Vec<String>,
    measures: Vec<Measure>,
    outputs: &'a [OutputIndices],
}

#[derive(Serialize)]
struct Measure {
    name: &'static str,
    meaning: &'static str,
}

/// `sensitivity.json`: the plan's warnings ([`Plan::warnings`]: empty when
/// there is nothing to say), the measures and what they mean, then per output
/// its variance over the design, the ranks its intervals do not resolve
/// (Sobol) and one entry per input.
pub fn sensitivity_json(plan: &Plan, indices: &[OutputIndices]) -> String {
    let f = SensitivityFile {
        format: FORMAT,
        fingerprint: &plan.fingerprint,
        design: plan.spec.design.name(),
        warnings: plan.warnings(),
        measures: measures(plan.spec.design)
            .into_iter()
            .map(|(name, meaning)| Measure { name, meaning })
            .collect(),
        outputs: indices,
    };
    let mut s = serde_json::to_string_pretty(&f).expect("serializable");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        assert_eq!(cell("deaths.A.civilian"), "deaths.A.civilian");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn notes_keep_the_column_count() {
        let rows = vec![
            OutputIndices {
                variance: Some(1.0),
                inputs: vec![super::super::analysis::InputRow {
                    input: "x".into(),
                    rank: 1,
                    indices: InputIndices::Morris {
                        mu_star: 1.0,
                        mu: -1.0,
                        sigma: 0.5,
                    },
                    note: None,
                }],
                ..OutputIndices::empty(OutputId::ClassProb(0), "a")
            },
            OutputIndices {
                note: Some("constant, really".into()),
                variance: Some(0.0),
                ..OutputIndices::empty(OutputId::ClassProb(1), "b")
            },
        ];
        let csv = sensitivity_csv(&rows);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "output,input,rank,mu_star,mu,sigma,note");
        assert_eq!(lines[1], "a,x,1,1,-1,0.5,");
        assert_eq!(lines[2], "b,,,,,,\"constant, really\"");
    }
}
