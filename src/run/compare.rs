//! Policies compared under common random numbers (CRN).
//!
//! [`run`] (a [`CompareJob`] on the one [`Executor`]) runs several compiled models (one per policy, the first being the
//! reference) over the same seed and the same trial indices. Trial `i` of every
//! policy draws from the same streams ([`crate::core::streams`]): the same uncertain
//! parameters, the same exogenous shocks, and the same violence and ladder
//! generators; only what a policy changes differs. Each trial is therefore a
//! *pair* (a tuple, with more than two policies) and the comparison looks at
//! paired differences, whose variance is smaller than that of two independent
//! runs when the outcomes are positively correlated (Glasserman & Yao 1992).
//!
//! Like a run, trials run in blocks of [`crate::run::BLOCK`] indices, in
//! waves across threads; within a block every policy runs the block's trials,
//! their records are paired in trial order, and only integer accumulators
//! leave the block. [`PairedStats`] merges by integer addition, exactly like
//! [`Summary`]: a comparison has the same bits for any thread count.
//!
//! What "better" means for each metric is its declared [`Direction`]; classes are compared
//! by their probabilities (no direction: a scenario's classes need not be
//! ordered by severity).

use std::ops::{AddAssign, Range};

use serde::{Deserialize, Serialize};

use crate::core::engine::{NoTrace, Trial, TrialOutcome};
use crate::core::model::{Model, NONE};
use crate::core::stats::{self, Summary, U256, wilson};
use crate::core::streams::StreamKeys;
use crate::run::{Executor, Job};

/// Which way a metric is better: declared by each metric where it is defined
/// ([`crate::core::model::metrics`]); re-exported here for the reports.
pub use crate::core::model::Direction;

/// Paired accumulator of one metric: one policy against the reference.
///
/// Sums run over the trials in which both values exist (optional metrics can
/// be absent); better/worse/equal over every trial, an absent optional metric
/// (the event did not happen) counting as the best value.
///
/// Sums of squares are exact 256-bit integers ([`U256`]): `u128` ones
/// wrapped after some 23,000 trials of values near the largest a scenario
/// allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairedMetric {
    /// Trials in which both the policy and the reference had a value.
    pub pairs: u64,
    /// Sum of differences (policy minus reference).
    pub sum_diff: i128,
    /// Sum of squared differences.
    pub sum_sq_diff: U256,
    /// Sum of the reference's values over the pairs.
    pub sum_ref: u128,
    /// Sum of squares of the reference's values over the pairs.
    pub sum_sq_ref: U256,
    /// Sum of the policy's values over the pairs.
    pub sum_pol: u128,
    /// Sum of squares of the policy's values over the pairs.
    pub sum_sq_pol: U256,
    /// Trials in which the policy did better than the reference.
    pub better: u64,
    /// Trials in which it did worse.
    pub worse: u64,
    /// Trials with equal values (both absent counts as equal).
    pub equal: u64,
}

/// The paired 2x2 table of one outcome class: one policy against the reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedClass {
    /// Trials in the class under both.
    pub both: u64,
    /// In the class under the reference only.
    pub reference_only: u64,
    /// In the class under the policy only.
    pub policy_only: u64,
    /// In the class under neither.
    pub neither: u64,
}

impl PairedClass {
    /// Trials counted.
    pub fn n(&self) -> u64 {
        self.both + self.reference_only + self.policy_only + self.neither
    }
}

/// Everything a comparison keeps of its paired trials: integers only, merged with `+=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedStats {
    /// Trials (pairs) counted.
    pub trials: u64,
    /// `metrics[k][m]`: policy k against the reference (k = 0 is the reference itself).
    pub metrics: Vec<Vec<PairedMetric>>,
    /// `classes[k][c]`: policy k against the reference, class c.
    pub classes: Vec<Vec<PairedClass>>,
    /// Direction of each metric (fixed by the model; not merged).
    pub directions: Vec<Direction>,
}

impl PairedStats {
    /// An empty accumulator for `policies` policies of `model`'s shape.
    pub fn new(model: &Model, policies: usize) -> Self {
        PairedStats {
            trials: 0,
            metrics: vec![vec![PairedMetric::default(); model.metrics.len()]; policies],
            classes: vec![vec![PairedClass::default(); model.classes.len()]; policies],
            directions: model.metrics.defs.iter().map(|d| d.direction).collect(),
        }
    }

    /// Counts one trial: `outs[k]` is policy k's outcome of the same trial index.
    pub fn add(&mut self, outs: &[&TrialOutcome]) {
        self.trials += 1;
        let r = outs[0];
        for (k, o) in outs.iter().enumerate() {
            for (m, acc) in self.metrics[k].iter_mut().enumerate() {
                add_metric(acc, self.directions[m], r.metrics[m], o.metrics[m]);
            }
            for (c, acc) in self.classes[k].iter_mut().enumerate() {
                let (a, b) = (r.class as usize == c, o.class as usize == c);
                match (a, b) {
                    (true, true) => acc.both += 1,
                    (true, false) => acc.reference_only += 1,
                    (false, true) => acc.policy_only += 1,
                    (false, false) => acc.neither += 1,
                }
            }
        }
    }
}

#[inline]
fn add_metric(acc: &mut PairedMetric, dir: Direction, a: u64, b: u64) {
    if a != NONE && b != NONE {
        acc.pairs += 1;
        let d = b as i128 - a as i128;
        acc.sum_diff += d;
        // |d| < 2^64, so d^2 < 2^128.
        acc.sum_sq_diff += U256::from_u128(d.unsigned_abs() * d.unsigned_abs());
        acc.sum_ref += a as u128;
        acc.sum_sq_ref += U256::from_u128((a as u128) * (a as u128));
        acc.sum_pol += b as u128;
        acc.sum_sq_pol += U256::from_u128((b as u128) * (b as u128));
    }
    // Absent means "did not happen": the best value either way.
    let key = |v: u64| -> i128 {
        match (dir, v == NONE) {
            (Direction::Lower, true) => -1,
            (Direction::Higher, true) => i128::MAX,
            _ => v as i128,
        }
    };
    let (ka, kb) = (key(a), key(b));
    if ka == kb {
        acc.equal += 1;
        return;
    }
    let b_better = match dir {
        Direction::Lower => kb < ka,
        Direction::Higher => kb > ka,
        Direction::Neither => {
            // Counted as neither better nor worse.
            return;
        }
    };
    if b_better {
        acc.better += 1;
    } else {
        acc.worse += 1;
    }
}

impl AddAssign<&PairedStats> for PairedStats {
    fn add_assign(&mut self, o: &PairedStats) {
        self.trials += o.trials;
        for (a, b) in self.metrics.iter_mut().zip(&o.metrics) {
            for (x, y) in a.iter_mut().zip(b) {
                x.pairs += y.pairs;
                x.sum_diff += y.sum_diff;
                x.sum_sq_diff += y.sum_sq_diff;
                x.sum_ref += y.sum_ref;
                x.sum_sq_ref += y.sum_sq_ref;
                x.sum_pol += y.sum_pol;
                x.sum_sq_pol += y.sum_sq_pol;
                x.better += y.better;
                x.worse += y.worse;
                x.equal += y.equal;
            }
        }
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            for (x, y) in a.iter_mut().zip(b) {
                x.both += y.both;
                x.reference_only += y.reference_only;
                x.policy_only += y.policy_only;
                x.neither += y.neither;
            }
        }
    }
}

/// Sample variance from exact integer sums (the signed sum `s1`, the sum of
/// squares `s2`): [`stats::wide::variance`], one rounding, no overflow.
pub fn variance(n: u64, s1: i128, s2: U256) -> Option<f64> {
    stats::wide::variance(n, s1.unsigned_abs(), s2)
}

/// The estimates of one metric's paired difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffEstimate {
    /// Mean of (policy - reference) over the pairs.
    pub mean: f64,
    /// 95% normal interval of the mean difference, [low, high].
    pub ci95: [f64; 2],
    /// Variance of the difference per trial, as measured (paired streams).
    pub var_paired: f64,
    /// var(reference) + var(policy): the variance of the difference had the
    /// two run on independent streams.
    pub var_independent: f64,
}

impl PairedMetric {
    /// Mean difference, its interval and the two variances (None with fewer than 2 pairs).
    pub fn estimate(&self, z: f64) -> Option<DiffEstimate> {
        let n = self.pairs;
        let var_paired = variance(n, self.sum_diff, self.sum_sq_diff)?;
        let var_ref = stats::wide::variance(n, self.sum_ref, self.sum_sq_ref)?;
        let var_pol = stats::wide::variance(n, self.sum_pol, self.sum_sq_pol)?;
        let mean = self.sum_diff as f64 / n as f64;
        let half = z * (var_paired / n as f64).sqrt();
        Some(DiffEstimate {
            mean,
            ci95: [mean - half, mean + half],
            var_paired,
            var_independent: var_ref + var_pol,
        })
    }
}

/// Variance reduction factor of paired (CRN) over independent streams:
/// var_independent / var_paired, the number of independent trials one paired
/// trial is worth. None when both are zero; infinite when only the paired one is.
pub fn reduction(e: &DiffEstimate) -> Option<f64> {
    match (e.var_independent > 0.0, e.var_paired > 0.0) {
        (false, _) => None,
        (true, false) => Some(f64::INFINITY),
        (true, true) => Some(e.var_independent / e.var_paired),
    }
}

impl PairedClass {
    /// Difference in probability (policy - reference) and its 95% interval by
    /// Newcombe's square-and-add method for paired proportions (Newcombe 1998,
    /// method 10; Fagerland, Lydersen & Laake 2014, ch. 8).
    pub fn difference(&self, z: f64) -> (f64, [f64; 2]) {
        let n = self.n();
        if n == 0 {
            return (0.0, [-1.0, 1.0]);
        }
        let nf = n as f64;
        let (a, b, c, d) = (
            self.both as f64,
            self.reference_only as f64,
            self.policy_only as f64,
            self.neither as f64,
        );
        // p1: the reference's probability (row margin), p2: the policy's (column margin).
        let (k1, k2) = (
            self.both + self.reference_only,
            self.both + self.policy_only,
        );
        let (p1, p2) = (k1 as f64 / nf, k2 as f64 / nf);
        let (l1, u1) = wilson(k1, n, z);
        let (l2, u2) = wilson(k2, n, z);
        let margins = [a + b, c + d, a + c, b + d];
        let psi = if margins.contains(&0.0) {
            0.0
        } else {
            let prod = margins.iter().product::<f64>().sqrt();
            let cross = a * d - b * c;
            if cross > nf / 2.0 {
                (cross - nf / 2.0) / prod
            } else if cross >= 0.0 {
                0.0
            } else {
                cross / prod
            }
        };
        let est = p1 - p2;
        let lo = est
            - ((p1 - l1).powi(2) + (u2 - p2).powi(2) - 2.0 * psi * (p1 - l1) * (u2 - p2))
                .max(0.0)
                .sqrt();
        let hi = est
            + ((p2 - l2).powi(2) + (u1 - p1).powi(2) - 2.0 * psi * (p2 - l2) * (u1 - p1))
                .max(0.0)
                .sqrt();
        // Reported as policy minus reference.
        (-est, [(-hi).max(-1.0), (-lo).min(1.0)])
    }
}

/// The result of a comparison: each policy's own summary and the paired statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Each policy's summary, in order: equal to its own `escalate run`'s.
    pub summaries: Vec<Summary>,
    /// The paired statistics of every policy against the first.
    pub paired: PairedStats,
}

/// The trials of several policies' models (the first the reference) on one
/// seed: trial `i` of each runs on the same streams, and the block pairs them.
pub struct CompareJob<'m> {
    models: Vec<&'m Model>,
    keys: Vec<StreamKeys>,
    uncertain: Vec<Vec<usize>>,
    keep: bool,
}

/// What a block of a comparison yields.
pub struct CompareBlock {
    /// Each policy's accumulators over the block.
    pub summaries: Vec<Summary>,
    /// The block's paired statistics.
    pub paired: PairedStats,
    /// `records[k][j]`: policy k's outcome of the block's j-th trial (empty unless kept).
    pub records: Vec<Vec<TrialOutcome>>,
}

impl<'m> CompareJob<'m> {
    /// The job of `models` (checked to be pairable; see
    /// [`crate::run::CompareRequest::prepare`]) under `seed`; `keep`: hand back
    /// every trial's outcomes too.
    pub fn new(models: &[&'m Model], seed: u64, keep: bool) -> Self {
        CompareJob {
            models: models.to_vec(),
            keys: models.iter().map(|m| StreamKeys::new(seed, m)).collect(),
            uncertain: models
                .iter()
                .map(|m| m.uncertain_params().collect())
                .collect(),
            keep,
        }
    }
}

impl Job for CompareJob<'_> {
    type Block = CompareBlock;

    fn run_block(&self, range: Range<u64>) -> CompareBlock {
        let len = (range.end - range.start) as usize;
        let mut summaries = Vec::with_capacity(self.models.len());
        let mut records: Vec<Vec<TrialOutcome>> = Vec::with_capacity(self.models.len());
        for (k, &model) in self.models.iter().enumerate() {
            let mut trial = Trial::new(model);
            let mut summary = Summary::new(model);
            let mut bytes = Vec::new();
            let mut recs = vec![TrialOutcome::new(model); len];
            for (j, i) in range.clone().enumerate() {
                trial.run(&self.keys[k], i, &mut recs[j], &mut NoTrace);
                recs[j].canonical_bytes(&self.uncertain[k], &mut bytes);
                summary.add_trial(&recs[j], &trial.paths, &bytes);
            }
            summaries.push(summary);
            records.push(recs);
        }
        let mut paired = PairedStats::new(self.models[0], self.models.len());
        let mut outs: Vec<&TrialOutcome> = Vec::with_capacity(self.models.len());
        for j in 0..len {
            outs.clear();
            outs.extend(records.iter().map(|r| &r[j]));
            paired.add(&outs);
        }
        if !self.keep {
            records.clear();
        }
        CompareBlock {
            summaries,
            paired,
            records,
        }
    }
}

/// A callback that sees each trial's outcomes under every policy, in policy order.
pub type PerTrial<'a> = &'a mut dyn FnMut(&[TrialOutcome]);

/// Runs every model (one per policy; the first is the reference) on the same
/// seed and trial indices, and pairs trial `i` across them; `per_trial` (if
/// any) sees each trial's outcomes under every policy, in trial order.
///
/// Memory holds one wave of blocks, never the whole run. Each policy's summary
/// equals the one its own `escalate run` computes (same digest).
pub fn run(
    exec: &Executor,
    models: &[&Model],
    seed: u64,
    trials: Range<u64>,
    mut per_trial: Option<PerTrial<'_>>,
    progress: impl FnMut(u64),
) -> Comparison {
    let job = CompareJob::new(models, seed, per_trial.is_some());
    let mut summaries: Vec<Summary> = models.iter().map(|m| Summary::new(m)).collect();
    let mut paired = PairedStats::new(models[0], models.len());
    let mut row: Vec<TrialOutcome> = Vec::with_capacity(models.len());
    exec.run(
        &job,
        trials,
        |b| {
            for (a, s) in summaries.iter_mut().zip(&b.summaries) {
                *a += s;
            }
            paired += &b.paired;
            if let Some(f) = per_trial.as_mut() {
                let len = b.records.first().map_or(0, Vec::len);
                for j in 0..len {
                    row.clear();
                    row.extend(b.records.iter().map(|rec| rec[j].clone()));
                    f(&row);
                }
            }
        },
        progress,
    );
    Comparison { summaries, paired }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcombe_paired_matches_fagerland_reference() {
        // Cavo et al. (2012), Fagerland, Lydersen & Laake (2014) ch. 8:
        // table [[59, 6], [16, 80]], estimate -0.0621, 95% CI -0.1186 to -0.0046
        // for p(row) - p(column). Our difference is policy (column) minus
        // reference (row), so the signs flip.
        let t = PairedClass {
            both: 59,
            reference_only: 6,
            policy_only: 16,
            neither: 80,
        };
        let (d, ci) = t.difference(crate::core::stats::Z95);
        assert!((d - 0.0621).abs() < 5e-5, "{d}");
        assert!((ci[0] - 0.0046).abs() < 5e-5, "{ci:?}");
        assert!((ci[1] - 0.1186).abs() < 5e-5, "{ci:?}");
    }

    #[test]
    fn identical_tables_give_zero_difference() {
        let t = PairedClass {
            both: 30,
            reference_only: 0,
            policy_only: 0,
            neither: 70,
        };
        let (d, ci) = t.difference(crate::core::stats::Z95);
        assert_eq!(d, 0.0);
        assert!(ci[0] < 0.0 && ci[1] > 0.0);
    }

    #[test]
    fn variance_from_integer_sums() {
        // 1, 2, 3, 4: mean 2.5, sample variance 5/3.
        let v = variance(4, 10, U256::from_u128(30)).unwrap();
        assert!((v - 5.0 / 3.0).abs() < 1e-12);
        assert_eq!(variance(1, 3, U256::from_u128(9)), None);
    }

    /// Issue 11: compare's sums of squares were `u128` and wrapped (silently,
    /// in release) once the squares of large values passed 2^128; the
    /// variances then read as garbage. Eight values of 2^63 (squares 2^126)
    /// already pass it.
    #[test]
    fn regression_compare_sums_of_squares_past_u128_are_exact() {
        let mut acc = PairedMetric::default();
        let big = 1u64 << 63;
        for k in 0..8u64 {
            // reference constant, policy big + 0, 2, 4, ..., 14.
            add_metric(&mut acc, Direction::Lower, big, big + 2 * k);
        }
        assert!(acc.sum_sq_ref.hi > 0, "the sums are past u128");
        let e = acc.estimate(crate::core::stats::Z95).unwrap();
        // Differences 0, 2, ..., 14: mean 7, sample variance 4 * 6 = 24.
        assert_eq!(e.mean, 7.0);
        assert!((e.var_paired - 24.0).abs() < 1e-9, "{}", e.var_paired);
        // The reference is constant; the policy varies as the differences do.
        assert!(
            (e.var_independent - 24.0).abs() < 1e-9,
            "{}",
            e.var_independent
        );
    }

    #[test]
    fn better_and_worse_follow_the_direction() {
        let mut acc = PairedMetric::default();
        add_metric(&mut acc, Direction::Lower, 10, 7);
        add_metric(&mut acc, Direction::Lower, 10, 12);
        add_metric(&mut acc, Direction::Lower, 10, 10);
        assert_eq!((acc.better, acc.worse, acc.equal), (1, 1, 1));
        assert_eq!(acc.sum_diff, -3 + 2);
        let mut h = PairedMetric::default();
        // A first strike that never happens is the best outcome.
        add_metric(&mut h, Direction::Higher, 40, NONE);
        add_metric(&mut h, Direction::Higher, NONE, 40);
        add_metric(&mut h, Direction::Higher, NONE, NONE);
        assert_eq!((h.better, h.worse, h.equal, h.pairs), (1, 1, 1, 0));
    }
}
