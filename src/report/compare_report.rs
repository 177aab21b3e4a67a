//! The result of `escalate compare`: [`CompareReport`], whose documented
//! fields are the JSON written by `--json` (docs/compare-and-trace.md). The
//! terminal and HTML reports are rendered from it.

use serde::Serialize;

use super::{MetricReport, OutcomeReport, RunReport, ScenarioInfo};
use crate::core::model::{MetricKind, Model};
use crate::core::stats::Z95;
use crate::run::compare::{Comparison, Direction, PairedClass, PairedMetric, reduction};
use crate::run::{PreparedComparison, RunIdentity};

/// One policy's own results (what `escalate run --policy P` reports).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    /// Its name (`baseline`: the scenario as written).
    pub name: String,
    /// What it is.
    pub description: String,
    /// The digest of its trials: equal to `escalate run --policy P`'s digest.
    pub digest: String,
    /// `escalate run ...` that reproduces this policy's results alone.
    pub command: String,
    /// Outcome classes, as in the run report.
    pub outcomes: Vec<OutcomeReport>,
    /// Metrics, as in the run report.
    pub metrics: Vec<MetricReport>,
}

/// One class's probability under one policy and its paired difference to the reference.
#[derive(Debug, Clone, Serialize)]
pub struct ClassDiff {
    /// The policy.
    pub policy: String,
    /// Probability of the class under the policy.
    pub probability: f64,
    /// Probability under the policy minus under the reference (0 for the reference).
    pub difference: f64,
    /// 95% interval of the difference: Newcombe's square-and-add method for paired proportions.
    pub ci95: [f64; 2],
    /// Share of trials in the class under the policy but not under the reference.
    pub entered: f64,
    /// Share of trials in the class under the reference but not under the policy.
    pub left: f64,
}

/// One outcome class across the policies.
#[derive(Debug, Clone, Serialize)]
pub struct ClassComparison {
    /// Class name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// One entry per policy, in order (the reference first).
    pub policies: Vec<ClassDiff>,
}

/// One metric under one policy and its paired difference to the reference.
#[derive(Debug, Clone, Serialize)]
pub struct MetricDiff {
    /// The policy.
    pub policy: String,
    /// Mean of the metric under the policy (over trials where present; null if never).
    pub mean: Option<f64>,
    /// Trials in which both the policy and the reference had a value (the pairs).
    pub pairs: u64,
    /// Mean over the pairs of (policy - reference); null with fewer than 2 pairs.
    pub difference: Option<f64>,
    /// 95% normal interval of the mean difference, from the paired variance.
    pub ci95: Option<[f64; 2]>,
    /// Share of trials in which the policy did better than the reference (per `direction`).
    pub better: f64,
    /// Share of trials in which it did worse.
    pub worse: f64,
    /// Share of trials with equal values.
    pub equal: f64,
    /// Variance of the difference per pair, as measured on common random numbers.
    pub variance_paired: Option<f64>,
    /// var(reference) + var(policy): the variance of the difference on independent streams.
    pub variance_independent: Option<f64>,
    /// variance_independent / variance_paired: how many independent trials one
    /// paired trial is worth for this difference. Null when undefined (no
    /// variance at all, or a paired variance of exactly 0).
    pub variance_reduction: Option<f64>,
    /// For a rung metric (unit `rung`) the paired shift that stands in for
    /// `difference`, a mean of rung indices having no unit; null for every other metric.
    pub rung_shift: Option<RungShift>,
}

/// The paired shift of a rung metric under one policy: how many trials ended
/// on a higher rung than under the reference in that same trial, how many on
/// a lower one, and the difference of the two shares with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RungShift {
    /// Trials in which the policy's rung was higher than the reference's.
    pub higher: u64,
    /// Trials in which it was lower.
    pub lower: u64,
    /// (higher - lower) / trials: a difference of two shares of the same
    /// trials, a probability (times 100: percentage points).
    pub difference: f64,
    /// Its 95% interval by Newcombe's method for paired proportions: "higher"
    /// and "lower" are two events on the same trials that never happen together.
    pub ci95: [f64; 2],
}

impl RungShift {
    /// The shift of `p` (a rung metric whose direction is `dir`) over `trials`
    /// paired trials; `None` if the metric has no direction (no trial is then
    /// counted higher or lower) or if `p` counts more trials than `trials`.
    pub fn new(p: &PairedMetric, dir: Direction, trials: u64) -> Option<Self> {
        let (higher, lower) = match dir {
            Direction::Lower => (p.worse, p.better),
            Direction::Higher => (p.better, p.worse),
            Direction::Neither => return None,
        };
        // Each trial is counted once (higher, lower or equal), so this never
        // fails on the counts of one comparison.
        let neither = trials.checked_sub(higher.checked_add(lower)?)?;
        let table = PairedClass {
            both: 0,
            reference_only: lower,
            policy_only: higher,
            neither,
        };
        let (d, ci95) = table.difference(Z95);
        // `+ 0.0`: no shift at all is 0, never -0.
        Some(RungShift {
            higher,
            lower,
            difference: d + 0.0,
            ci95,
        })
    }
}

/// One metric across the policies.
#[derive(Debug, Clone, Serialize)]
pub struct MetricComparison {
    /// Metric name.
    pub name: String,
    /// What it counts.
    pub description: String,
    /// Unit.
    pub unit: String,
    /// Which way is better: `lower`, `higher` or `neither` (better/worse then 0).
    pub direction: Direction,
    /// One entry per policy, in order (the reference first).
    pub policies: Vec<MetricDiff>,
}

/// The whole result of a comparison: the JSON written by `escalate compare --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    /// The seed shared by every policy.
    pub seed: u64,
    /// Trials per policy.
    pub trials: u64,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// What every policy's run shares (its `policy` is null: see `policy_args`).
    pub run: RunIdentity,
    /// The `--policy` arguments, in order (names, `baseline`, or policy files).
    pub policy_args: Vec<String>,
    /// `escalate compare ...` that reproduces these results.
    pub command: String,
    /// The reference policy (the first given): every difference is against it.
    pub reference: String,
    /// Each policy's own results, in order.
    pub policies: Vec<PolicyReport>,
    /// Per outcome class: probabilities and paired differences.
    pub classes: Vec<ClassComparison>,
    /// Per metric: means, paired differences, shares better/worse, variance reduction.
    pub metrics: Vec<MetricComparison>,
}

impl CompareReport {
    /// Builds the report of a prepared comparison from its results.
    pub fn new(prepared: &PreparedComparison, cmp: &Comparison) -> Self {
        let models: Vec<&Model> = prepared.models.iter().collect();
        let labels = &prepared.labels;
        let run = prepared.identity.clone();
        let model = models[0];
        let n = cmp.paired.trials.max(1) as f64;
        let policies: Vec<PolicyReport> = models
            .iter()
            .zip(labels)
            .zip(&cmp.summaries)
            .enumerate()
            .map(|(k, ((m, l), s))| {
                let r = RunReport::new(
                    m,
                    s,
                    prepared.identities[k].clone(),
                    prepared.policy_command(k),
                );
                PolicyReport {
                    name: l.name.clone(),
                    description: l.description.clone(),
                    digest: r.digest,
                    command: r.command,
                    outcomes: r.outcomes,
                    metrics: r.metrics,
                }
            })
            .collect();
        let classes = model
            .classes
            .iter()
            .enumerate()
            .map(|(c, cl)| ClassComparison {
                name: cl.name.clone(),
                description: cl.description.clone(),
                policies: labels
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        let t = &cmp.paired.classes[k][c];
                        let (difference, ci95) = t.difference(Z95);
                        ClassDiff {
                            policy: l.name.clone(),
                            probability: (t.both + t.policy_only) as f64 / n,
                            difference,
                            ci95,
                            entered: t.policy_only as f64 / n,
                            left: t.reference_only as f64 / n,
                        }
                    })
                    .collect(),
            })
            .collect();
        let metrics = model
            .metrics
            .defs
            .iter()
            .enumerate()
            .map(|(m, d)| MetricComparison {
                name: d.name.clone(),
                description: d.description.clone(),
                unit: d.unit.to_string(),
                direction: cmp.paired.directions[m],
                policies: labels
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        let p = &cmp.paired.metrics[k][m];
                        let e = p.estimate(Z95);
                        MetricDiff {
                            policy: l.name.clone(),
                            mean: cmp.summaries[k].metrics[m].mean(),
                            pairs: p.pairs,
                            difference: e.map(|e| e.mean),
                            ci95: e.map(|e| e.ci95),
                            better: p.better as f64 / n,
                            worse: p.worse as f64 / n,
                            equal: p.equal as f64 / n,
                            variance_paired: e.map(|e| e.var_paired),
                            variance_independent: e.map(|e| e.var_independent),
                            variance_reduction: e
                                .and_then(|e| reduction(&e))
                                .filter(|r| r.is_finite()),
                            rung_shift: (d.unit == MetricKind::Rung.unit())
                                .then(|| {
                                    RungShift::new(p, cmp.paired.directions[m], cmp.paired.trials)
                                })
                                .flatten(),
                        }
                    })
                    .collect(),
            })
            .collect();
        CompareReport {
            seed: run.seed,
            trials: cmp.paired.trials,
            scenario: ScenarioInfo {
                name: model.name.clone(),
                description: model.description.clone(),
                ladder: model.rungs.clone(),
            },
            command: prepared.command(),
            reference: labels[0].name.clone(),
            run,
            policy_args: prepared.request.policies.clone(),
            policies,
            classes,
            metrics,
        }
    }
}
