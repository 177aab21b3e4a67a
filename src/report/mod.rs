//! Reports: what a run's summary means, in forms people read and programs load.
//!
//! [`RunReport`] is the one result structure; its fields, each documented, are
//! the JSON schema (docs/reports.md). The terminal report, the JSON file and
//! the HTML page are all rendered from it, so they cannot disagree.
//!
//! Every renderer lives here, over the layers below: the run's terminal
//! report, JSON, CSV and HTML page ([`text`], [`json`], [`csv`], [`html`]);
//! the tables of trials, sweep points and trace events as Arrow record batches
//! and Parquet files (`arrow`, `parquet`; features of the same names);
//! a comparison's ([`compare_report`], [`compare_text`], [`compare_html`]); a
//! sweep's page and summary ([`sweep_html`], [`sweep_text`]); a trial's trace
//! ([`trace`]); a backtest's terminal report and page ([`backtest_text`],
//! [`backtest_html`]); a scenario discovery's tables, terminal report and
//! page ([`discover_csv`], [`discover_text`], [`discover_html`]; its
//! `boxes.json` is [`json`] of [`crate::discover::Discovery`]). They share
//! one set of number and text formatting ([`format`]), one set of headline
//! lines and notes ([`headline`]: what a run leads with, victims and
//! militants apart; what a terminal report leaves out), one page skeleton
//! ([`page`]) and one set of SVG charts
//! ([`svg`]).

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod backtest_html;
pub mod backtest_text;
pub mod calibration_html;
pub mod compare_html;
pub mod compare_report;
pub mod compare_text;
pub mod csv;
pub mod discover_csv;
pub mod discover_html;
pub mod discover_text;
pub mod format;
pub mod headline;
pub mod html;
pub mod json;
pub mod page;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod svg;
pub mod sweep_html;
pub mod sweep_text;
pub mod text;
pub mod trace;

use serde::Serialize;

use crate::core::model::Model;
use crate::core::stats::{Summary, Z95, wilson};
use crate::run::RunIdentity;

pub use crate::core::stats::QUANTILES;

/// Days at which the escalation table reports each dyad's rungs (the last day is added).
pub const ESCALATION_DAYS: [u32; 3] = [30, 90, 180];

/// The whole result of a run: the JSON written by `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// SHA-256 digest of every trial's canonical outcome (see docs/determinism.md).
    pub digest: String,
    /// The run's seed.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// The scenario: name, description, file and its hash.
    pub scenario: ScenarioInfo,
    /// Everything that identifies the run, and the command that reproduces it.
    pub run: RunIdentity,
    /// `escalate run ...` that reproduces these results.
    pub command: String,
    /// One entry per outcome class, in the scenario's order (the default last).
    pub outcomes: Vec<OutcomeReport>,
    /// One entry per metric, in the scenario's order.
    pub metrics: Vec<MetricReport>,
    /// Per dyad: share of trials at or above each rung on selected days.
    pub escalation: Vec<EscalationReport>,
    /// Per-day bands: rung distributions per dyad and quantiles of cumulative deaths.
    pub bands: Bands,
    /// Uncertain parameters of the scenario, as sampled per trial.
    pub parameters: Vec<ParameterReport>,
}

/// The scenario behind a report.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Rung names, calm first.
    pub ladder: Vec<String>,
}

/// One outcome class's estimate.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeReport {
    /// Class name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Trials in the class.
    pub count: u64,
    /// count / trials.
    pub probability: f64,
    /// 95% Wilson score interval of the probability, [low, high].
    pub ci95: [f64; 2],
}

/// One metric's distribution over trials.
#[derive(Debug, Clone, Serialize)]
pub struct MetricReport {
    /// Metric name.
    pub name: String,
    /// What it counts.
    pub description: String,
    /// Unit.
    pub unit: String,
    /// Trials in which it had a value (fewer than `trials` only for optional metrics).
    pub present: u64,
    /// Mean (null when never present).
    pub mean: Option<f64>,
    /// Monte Carlo standard error of the mean.
    pub std_error: Option<f64>,
    /// Standard deviation across trials.
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<u64>,
    /// Largest value.
    pub max: Option<u64>,
    /// Quantiles 5, 25, 50, 75, 95 (exact below 1,024; within 0.8% above).
    pub quantiles: Quantiles,
    /// Histogram: 20 equal-width bins over [min, max] as counts.
    pub histogram: Vec<u64>,
    /// The run's exact histogram, from which the quantiles come: the counts of
    /// its log-linear buckets, one per bucket from the bucket holding `min` to
    /// the one holding `max` (a bucket is one value below 1,024, then 1/128 of
    /// a doubling: `core::stats::histogram::bucket_range`). Empty when never
    /// present. `escalate backtest` rebuilds the histogram from it.
    pub buckets: Vec<u64>,
}

/// Five quantiles.
#[derive(Debug, Clone, Serialize)]
pub struct Quantiles {
    /// 5th percentile.
    pub p5: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// A dyad's escalation over time.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationReport {
    /// `A-B`.
    pub dyad: String,
    /// Per reported day.
    pub days: Vec<EscalationDay>,
}

/// Shares of trials at or above each rung on one day.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationDay {
    /// Day (1-based: day 30 is the end of the 30th day).
    pub day: u32,
    /// `at_least[r]`: share of trials at rung r or above.
    pub at_least: Vec<f64>,
}

/// Per-day bands for fan charts.
#[derive(Debug, Clone, Serialize)]
pub struct Bands {
    /// Per dyad: for every day, quantiles 5/25/50/75/95 of the rung.
    pub rungs: Vec<DyadBand>,
    /// Cumulative deaths (all actors) on sampled days.
    pub deaths: Vec<DayQuantiles>,
}

/// A dyad's rung quantiles per day.
#[derive(Debug, Clone, Serialize)]
pub struct DyadBand {
    /// `A-B`.
    pub dyad: String,
    /// One entry per day, day 1 first.
    pub days: Vec<DayQuantiles>,
}

/// Quantiles of a quantity on one day.
#[derive(Debug, Clone, Serialize)]
pub struct DayQuantiles {
    /// Day (1-based).
    pub day: u32,
    /// Quantiles 5, 25, 50, 75, 95.
    pub q: [f64; 5],
}

/// An uncertain parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterReport {
    /// Override path.
    pub path: String,
    /// Its distribution, in the scenario file's syntax.
    pub distribution: String,
}

impl MetricReport {
    /// The exact number of trials at each value from `min` to `max`, when
    /// every value is below 1,024 (where the run's histogram keeps one bucket
    /// per value: rungs, small counts); `None` otherwise or when never present.
    pub fn value_counts(&self) -> Option<Vec<u64>> {
        let (lo, hi) = (self.min?, self.max?);
        (hi < crate::core::stats::histogram::LINEAR && self.buckets.len() as u64 == hi - lo + 1)
            .then(|| self.buckets.clone())
    }

    /// Whether the metric is 0 in every trial, or never occurred.
    pub fn is_nil(&self) -> bool {
        self.mean.is_none_or(|m| m == 0.0)
    }
}

impl RunReport {
    /// Builds the report of a run identified by `run`; `command` reproduces it
    /// (from the run's request: [`crate::run::PreparedRun::command`]).
    pub fn new(model: &Model, summary: &Summary, run: RunIdentity, command: String) -> Self {
        let n = summary.trials;
        let outcomes = model
            .classes
            .iter()
            .zip(&summary.classes)
            .map(|(c, &k)| OutcomeReport {
                name: c.name.clone(),
                description: c.description.clone(),
                count: k,
                probability: k as f64 / n.max(1) as f64,
                ci95: wilson(k, n, Z95).into(),
            })
            .collect();
        let metrics = model
            .metrics
            .defs
            .iter()
            .zip(&summary.metrics)
            .map(|(d, m)| {
                let q = |p| m.quantile(p);
                MetricReport {
                    name: d.name.clone(),
                    description: d.description.clone(),
                    unit: d.unit.to_string(),
                    present: m.present,
                    mean: m.mean(),
                    std_error: m.std_error(),
                    sd: m.sd(),
                    min: (m.present > 0).then_some(m.min),
                    max: (m.present > 0).then_some(m.max),
                    quantiles: Quantiles {
                        p5: q(0.05),
                        p25: q(0.25),
                        p50: q(0.5),
                        p75: q(0.75),
                        p95: q(0.95),
                    },
                    histogram: if m.present > 0 {
                        m.hist.rebin(m.min, m.max.max(m.min + 1), 20)
                    } else {
                        vec![]
                    },
                    buckets: dense_buckets(m),
                }
            })
            .collect();
        let h = summary.horizon;
        let mut days: Vec<u32> = ESCALATION_DAYS.iter().copied().filter(|&d| d < h).collect();
        days.push(h);
        let rungs = model.rungs.len();
        let escalation = model
            .dyads
            .iter()
            .enumerate()
            .map(|(d, dy)| EscalationReport {
                dyad: dy.label.clone(),
                days: days
                    .iter()
                    .map(|&day| EscalationDay {
                        day,
                        at_least: (0..rungs)
                            .map(|r| summary.share_at_least(d, day as usize - 1, r))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let bands = Bands {
            rungs: model
                .dyads
                .iter()
                .enumerate()
                .map(|(d, dy)| DyadBand {
                    dyad: dy.label.clone(),
                    days: (0..h as usize)
                        .map(|t| DayQuantiles {
                            day: t as u32 + 1,
                            q: rung_quantiles(summary, d, t),
                        })
                        .collect(),
                })
                .collect(),
            deaths: summary
                .band_days
                .iter()
                .zip(&summary.deaths_by_day)
                .zip(&summary.deaths_by_day_range)
                .map(|((&t, hist), &[min, max])| DayQuantiles {
                    day: t + 1,
                    q: QUANTILES.map(|p| hist.quantile_within(p, min, max).unwrap_or(0.0)),
                })
                .collect(),
        };
        let parameters = model
            .params
            .iter()
            .filter(|p| p.dist.is_uncertain())
            .map(|p| ParameterReport {
                path: p.path.clone(),
                distribution: p.dist.to_string(),
            })
            .collect();
        RunReport {
            digest: summary.digest(),
            seed: run.seed,
            trials: n,
            scenario: ScenarioInfo {
                name: model.name.clone(),
                description: model.description.clone(),
                ladder: model.rungs.clone(),
            },
            command,
            run,
            outcomes,
            metrics,
            escalation,
            bands,
            parameters,
        }
    }
}

/// A metric's histogram counts from the bucket of its minimum to the bucket of
/// its maximum (empty when never present).
fn dense_buckets(m: &crate::core::stats::MetricStats) -> Vec<u64> {
    use crate::core::stats::histogram::bucket;
    if m.present == 0 {
        return vec![];
    }
    let first = bucket(m.min);
    let mut counts = vec![0; bucket(m.max) + 1 - first];
    for (lo, _, c) in m.hist.buckets() {
        counts[bucket(lo) - first] = c;
    }
    counts
}

/// Quantiles of dyad d's rung on day t, from the per-day rung counts.
fn rung_quantiles(s: &Summary, d: usize, t: usize) -> [f64; 5] {
    let rungs = s.rungs as usize;
    let base = (d * s.horizon as usize + t) * rungs;
    let counts = &s.rung_days[base..base + rungs];
    let n: u64 = counts.iter().sum();
    QUANTILES.map(|p| {
        let rank = ((p * n as f64).ceil() as u64).clamp(1, n.max(1));
        let mut seen = 0;
        for (r, &c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return r as f64;
            }
        }
        0.0
    })
}
