//! Sensitivity indices of a finished sweep: for every output that gets
//! indices (each class probability, each metric mean: [`super::plan::OutputDef`]),
//! the estimator that fits the design, from [`crate::sensitivity`]:
//!
//! - `sobol`: first-order `S1` (Saltelli et al. 2010) and total `ST` (Jansen
//!   1999) indices with 95% bootstrap intervals ([`BOOTSTRAP_RESAMPLES`]
//!   resamples, seeded with the sweep's seed);
//! - `morris`: `mu*`, `mu` and `sigma` of the elementary effects, in output
//!   units per whole input range (unit scale, Campolongo et al. 2007);
//! - `grid`, `lhs`: standardized regression coefficients (SRC, with the fit's
//!   R^2) and partial rank correlation coefficients (PRCC), on the factors'
//!   values.
//!
//! A policy factor is categorical. In SRC/PRCC it enters dummy-coded
//! ([`super::factor::Factor::regression_columns`]): two policies are one 0/1
//! column, whose SRC and PRCC are those of the second policy against the
//! first; three or more are one dummy per policy after the first, so the other
//! inputs' SRC and PRCC are adjusted for which policy ran, and the policy
//! itself has no single SRC or PRCC (NaN, written as null or an empty cell;
//! ranked after the inputs that have them; [`InputRow::note`] says so). In
//! Morris, the policy's elementary effect is the output's change when a step
//! switches the policy, not divided by the step (a policy has no range to
//! scale to); with three or more policies a step may join policies that are
//! not next to each other in the list and the sign of mu follows the list's
//! order, so only mu* is to be read (the note says so).
//!
//! An output that is constant over the design (or undefined at some point, like
//! the mean of a metric that never happened) gets no indices and a note.
//!
//! Sobol indices also say where their intervals are too wide to rank: every
//! pair of adjacent ranks whose ST intervals overlap is listed
//! ([`OutputIndices::unresolved_ranks`]), and the plan's warnings
//! ([`super::plan::Plan::warnings`]) say when `N` is too small to trust them.

use serde::Serialize;

use crate::sensitivity::{self, Interval};

use super::plan::{BOOTSTRAP_RESAMPLES, DesignKind, OutputId, Plan};

/// One input's indices for one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputIndices {
    /// Sobol indices.
    Sobol {
        /// First-order index.
        #[serde(rename = "S1")]
        s1: f64,
        /// Its 95% bootstrap interval.
        #[serde(rename = "S1_ci95")]
        s1_ci: [f64; 2],
        /// Total index.
        #[serde(rename = "ST")]
        st: f64,
        /// Its 95% bootstrap interval.
        #[serde(rename = "ST_ci95")]
        st_ci: [f64; 2],
    },
    /// Morris statistics.
    Morris {
        /// Mean absolute elementary effect.
        mu_star: f64,
        /// Mean elementary effect.
        mu: f64,
        /// Standard deviation of the elementary effects.
        sigma: f64,
    },
    /// Regression measures.
    Regression {
        /// Standardized regression coefficient.
        src: f64,
        /// Partial rank correlation coefficient.
        prcc: f64,
    },
}

impl InputIndices {
    /// The measure inputs are ranked by: ST, mu*, or |PRCC|.
    pub fn importance(&self) -> f64 {
        match *self {
            InputIndices::Sobol { st, .. } => st,
            InputIndices::Morris { mu_star, .. } => mu_star,
            InputIndices::Regression { prcc, .. } => prcc.abs(),
        }
    }

    /// Whether these are a dummy-coded policy's regression indices, which
    /// have no single SRC or PRCC (both NaN: see the module's note).
    pub fn is_dummy_coded(&self) -> bool {
        matches!(*self, InputIndices::Regression { src, prcc } if src.is_nan() || prcc.is_nan())
    }
}

/// One input's row for one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRow {
    /// Factor name.
    pub input: String,
    /// Rank by importance among the inputs, 1 = most important.
    pub rank: usize,
    /// The indices.
    #[serde(flatten)]
    pub indices: InputIndices,
    /// How the indices of a policy factor are to be read (None for numeric factors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One output's indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputIndices {
    /// Which output (not written: `output` names it in the files).
    #[serde(skip)]
    pub id: OutputId,
    /// Output name (a `points.csv` column).
    pub output: String,
    /// Why there are no indices (null when there are).
    pub note: Option<String>,
    /// Variance of the output over the design points.
    pub variance: Option<f64>,
    /// R^2 of the linear fit behind SRC (grid and LHS only).
    pub r_squared: Option<f64>,
    /// Sobol only: the bootstrap resamples used (those whose output variance
    /// was zero are left out; fewer than [`BOOTSTRAP_RESAMPLES`] means a
    /// nearly constant output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resamples_used: Option<usize>,
    /// Sobol only: the adjacent ranks `[r, r + 1]` whose ST intervals overlap,
    /// so the data do not tell which of the two inputs matters more (empty:
    /// every rank is resolved, or another design).
    pub unresolved_ranks: Vec<[usize; 2]>,
    /// One row per input, in factor order (empty with a note).
    pub inputs: Vec<InputRow>,
}

impl OutputIndices {
    /// An output with no indices yet.
    pub fn empty(id: OutputId, output: &str) -> Self {
        OutputIndices {
            id,
            output: output.to_string(),
            note: None,
            variance: None,
            r_squared: None,
            resamples_used: None,
            unresolved_ranks: vec![],
            inputs: vec![],
        }
    }
}

/// Computes every output's indices; `ys[o][j]` is output `o` at point `j`.
pub fn analyse(plan: &Plan, ys: &[Vec<f64>]) -> Vec<OutputIndices> {
    let k = plan.factors.len();
    let x: Vec<Vec<f64>> = if matches!(plan.spec.design, DesignKind::Grid | DesignKind::Lhs) {
        plan.unit
            .iter()
            .map(|row| {
                plan.factors
                    .iter()
                    .zip(row)
                    .flat_map(|(f, &u)| f.regression_columns(u))
                    .collect()
            })
            .collect()
    } else {
        vec![]
    };
    // Factor i's regression column, if it has one (dummy-coded factors have several).
    let mut column = Vec::with_capacity(k);
    let mut next = 0;
    for f in &plan.factors {
        let width = f.regression_columns(0.0).len();
        column.push((width == 1).then_some(next));
        next += width;
    }
    let delta = sensitivity::morris_delta(plan.spec.levels);
    plan.outputs
        .iter()
        .zip(ys)
        .map(|(o, y)| {
            let mut out = OutputIndices::empty(o.id, &o.name);
            if y.iter().any(|v| !v.is_finite()) {
                out.note = Some(
                    "undefined at some design points (the metric never happened there)".into(),
                );
                return out;
            }
            out.variance = Some(variance(y));
            if out.variance == Some(0.0) {
                out.note = Some("constant over the design: no input moves it".into());
                return out;
            }
            let rows: Result<Vec<InputIndices>, sensitivity::SensitivityError> = match plan
                .spec
                .design
            {
                DesignKind::Sobol => {
                    sensitivity::sobol_indices(y, k, BOOTSTRAP_RESAMPLES, plan.spec.seed).map(|s| {
                        out.resamples_used = Some(s.resamples_used);
                        let ci = |i: Interval| [i.low, i.high];
                        (0..k)
                            .map(|i| InputIndices::Sobol {
                                s1: s.first_order[i],
                                s1_ci: ci(s.first_order_interval[i]),
                                st: s.total[i],
                                st_ci: ci(s.total_interval[i]),
                            })
                            .collect()
                    })
                }
                DesignKind::Morris => sensitivity::morris_indices(&plan.unit, y, k).map(|m| {
                    (0..k)
                        .map(|i| {
                            // A policy's effect: the change on switching, not per unit step.
                            let scale = if plan.factors[i].categories().is_some() {
                                delta
                            } else {
                                1.0
                            };
                            InputIndices::Morris {
                                mu_star: m.mu_star[i] * scale,
                                mu: m.mu[i] * scale,
                                sigma: m.sigma[i] * scale,
                            }
                        })
                        .collect()
                }),
                DesignKind::Grid | DesignKind::Lhs => sensitivity::src(&x, y).and_then(|s| {
                    let p = sensitivity::prcc(&x, y)?;
                    out.r_squared = Some(s.r_squared);
                    Ok(column
                        .iter()
                        .map(|c| match *c {
                            Some(c) => InputIndices::Regression {
                                src: s.coefficients[c],
                                prcc: p.coefficients[c],
                            },
                            None => InputIndices::Regression {
                                src: f64::NAN,
                                prcc: f64::NAN,
                            },
                        })
                        .collect())
                }),
            };
            match rows {
                Ok(rows) => {
                    let ranks = ranks(&rows);
                    out.unresolved_ranks = unresolved_ranks(&rows, &ranks);
                    out.inputs = plan
                        .factors
                        .iter()
                        .zip(rows)
                        .zip(ranks)
                        .map(|((f, indices), rank)| InputRow {
                            input: f.name.clone(),
                            rank,
                            indices,
                            note: policy_note(plan.spec.design, f.categories()),
                        })
                        .collect();
                }
                Err(e) => out.note = Some(e.to_string()),
            }
            out
        })
        .collect()
}

/// How a policy factor's indices are to be read, for a policy factor of
/// `categories` policies (None: a numeric factor, or Sobol, whose indices
/// need no order of the values).
pub fn policy_note(design: DesignKind, categories: Option<usize>) -> Option<String> {
    let n = categories?;
    match design {
        DesignKind::Sobol => None,
        DesignKind::Morris if n == 2 => Some(
            "categorical: an effect is the output's change when the policy switches (not divided \
             by the step); mu > 0: higher under the second policy than the first"
                .into(),
        ),
        DesignKind::Morris => Some(format!(
            "categorical ({n} policies): an effect is the output's change when the policy \
             switches, between policies that need not be next to each other; read mu* only \
             (mu's sign and sigma follow the order of the --policy list)"
        )),
        DesignKind::Grid | DesignKind::Lhs if n == 2 => Some(
            "categorical: a 0/1 dummy; SRC and PRCC > 0: higher under the second policy than \
             the first"
                .into(),
        ),
        DesignKind::Grid | DesignKind::Lhs => Some(format!(
            "categorical ({n} policies): dummy-coded, so it has no single SRC or PRCC (ranked \
             last); the other inputs' are adjusted for it; see its scatter plot or use sobol"
        )),
    }
}

/// Rank of each row by importance, 1 = largest; ties keep factor order; a
/// row without a measure (NaN) comes after every row with one.
fn ranks(rows: &[InputIndices]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let key = |i: usize| {
        let v = rows[i].importance();
        if v.is_nan() { f64::NEG_INFINITY } else { v }
    };
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    let mut rank = vec![0; rows.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

/// The adjacent ranks `[r, r + 1]` whose ST intervals overlap (Sobol rows;
/// none for other measures, which have no intervals).
fn unresolved_ranks(rows: &[InputIndices], ranks: &[usize]) -> Vec<[usize; 2]> {
    let mut by_rank: Vec<(usize, [f64; 2])> = rows
        .iter()
        .zip(ranks)
        .filter_map(|(r, &rank)| match r {
            InputIndices::Sobol { st_ci, .. } => Some((rank, *st_ci)),
            _ => None,
        })
        .collect();
    by_rank.sort_by_key(|&(rank, _)| rank);
    by_rank
        .windows(2)
        .filter(|w| w[0].1[0] <= w[1].1[1])
        .map(|w| [w[0].0, w[1].0])
        .collect()
}

/// Population variance.
fn variance(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
}

/// The names of the measures of a design, with what each means (for JSON and docs).
pub fn measures(design: DesignKind) -> Vec<(&'static str, &'static str)> {
    match design {
        DesignKind::Sobol => vec![
            (
                "S1",
                "first-order Sobol index: share of the output's variance due to the input alone (Saltelli et al. 2010)",
            ),
            (
                "ST",
                "total Sobol index: share of variance due to the input with all its interactions (Jansen 1999); near 0 means the input does not matter",
            ),
            (
                "*_ci95",
                "95% bootstrap percentile interval (1000 resamples of the N base samples)",
            ),
        ],
        DesignKind::Morris => vec![
            (
                "mu_star",
                "mean absolute elementary effect: the output's change when the input moves over its whole range (Campolongo et al. 2007)",
            ),
            (
                "mu",
                "mean elementary effect: its sign gives the direction of the effect (Morris 1991)",
            ),
            (
                "sigma",
                "standard deviation of the elementary effects: large means non-linear or interacting",
            ),
        ],
        DesignKind::Grid | DesignKind::Lhs => vec![
            (
                "src",
                "standardized regression coefficient: change of the output in sds per sd of the input, from a linear fit (see r_squared)",
            ),
            (
                "prcc",
                "partial rank correlation coefficient: monotone association with the input, others held fixed, in [-1, 1]",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_put_the_largest_first_and_keep_ties_in_order() {
        let m = |mu_star| InputIndices::Morris {
            mu_star,
            mu: 0.0,
            sigma: 0.0,
        };
        assert_eq!(ranks(&[m(1.0), m(3.0), m(2.0)]), vec![3, 1, 2]);
        assert_eq!(ranks(&[m(1.0), m(1.0)]), vec![1, 2]);
        let r = |prcc| InputIndices::Regression { src: 0.0, prcc };
        assert_eq!(ranks(&[r(0.2), r(-0.9)]), vec![2, 1]);
    }

    #[test]
    fn overlapping_st_intervals_of_adjacent_ranks_are_unresolved() {
        let s = |st: f64, lo: f64, hi: f64| InputIndices::Sobol {
            s1: st,
            s1_ci: [lo, hi],
            st,
            st_ci: [lo, hi],
        };
        // Ranks: 0.9 [0.7, 1.1] > 0.5 [0.3, 0.65] > 0.45 [0.2, 0.6] > 0 [0, 0].
        let rows = [
            s(0.45, 0.2, 0.6),
            s(0.9, 0.7, 1.1),
            s(0.0, 0.0, 0.0),
            s(0.5, 0.3, 0.65),
        ];
        let r = ranks(&rows);
        assert_eq!(r, vec![3, 1, 4, 2]);
        assert_eq!(unresolved_ranks(&rows, &r), vec![[2, 3]]);
        // Two inputs with [0, 0] are not told apart either.
        let rows = [s(0.0, 0.0, 0.0), s(0.0, 0.0, 0.0)];
        assert_eq!(unresolved_ranks(&rows, &ranks(&rows)), vec![[1, 2]]);
        let m = InputIndices::Morris {
            mu_star: 1.0,
            mu: 1.0,
            sigma: 0.0,
        };
        assert!(unresolved_ranks(&[m.clone(), m], &[1, 2]).is_empty());
    }
}
