//! The trials of one run: the [`Job`] that runs a compiled model's trials
//! into a [`Summary`], optionally keeping every trial's outcome; the lean
//! [`SumsJob`] that keeps only some metrics' exact sums (what a calibration's
//! distance reads); and the replay of a single trial for traces.

use std::ops::{AddAssign, Range};

use crate::core::engine::{NoTrace, Tracer, Trial, TrialOutcome};
use crate::core::model::{Model, NONE};
use crate::core::stats::{Summary, mean_of};
use crate::core::streams::StreamKeys;

use super::executor::{Executor, Job};

/// One run's trials: a model under a seed.
pub struct RunJob<'m> {
    model: &'m Model,
    keys: StreamKeys,
    uncertain: Vec<usize>,
    keep: bool,
}

/// What a block of a run yields: its summary and, when kept, its trials' outcomes.
pub struct RunBlock {
    /// The block's accumulators.
    pub summary: Summary,
    /// Every trial's outcome, in trial order (empty unless the job keeps them).
    pub records: Vec<TrialOutcome>,
}

impl<'m> RunJob<'m> {
    /// The trials of `model` under `seed`; `keep`: hand back every trial's outcome too.
    pub fn new(model: &'m Model, seed: u64, keep: bool) -> Self {
        RunJob {
            model,
            keys: StreamKeys::new(seed, model),
            uncertain: model.uncertain_params().collect(),
            keep,
        }
    }
}

impl Job for RunJob<'_> {
    type Block = RunBlock;

    fn run_block(&self, range: Range<u64>) -> RunBlock {
        let model = self.model;
        let mut trial = Trial::new(model);
        let mut out = TrialOutcome::new(model);
        let mut summary = Summary::new(model);
        let mut bytes = Vec::with_capacity(16 + 8 * (model.metrics.len() + self.uncertain.len()));
        let mut records = Vec::with_capacity(if self.keep {
            (range.end - range.start) as usize
        } else {
            0
        });
        for i in range {
            trial.run(&self.keys, i, &mut out, &mut NoTrace);
            out.canonical_bytes(&self.uncertain, &mut bytes);
            summary.add_trial(&out, &trial.paths, &bytes);
            if self.keep {
                records.push(out.clone());
            }
        }
        RunBlock { summary, records }
    }
}

/// The trials of a model under a seed, kept only as some metrics' sums: the
/// same trials, outcomes and integers as a [`RunJob`]'s summary holds for
/// those metrics, without the rest of a [`Summary`] (every metric's
/// histogram, the rung and death paths by day, the digest), which for a
/// calibration's particles of a few dozen trials cost more than a fifth of
/// the run.
pub struct SumsJob<'m> {
    model: &'m Model,
    keys: StreamKeys,
    slots: &'m [usize],
}

impl<'m> SumsJob<'m> {
    /// The trials of `model` under `seed`, summing the metrics at `slots`
    /// (indices into `Model::metrics`).
    pub fn new(model: &'m Model, seed: u64, slots: &'m [usize]) -> Self {
        SumsJob {
            model,
            keys: StreamKeys::new(seed, model),
            slots,
        }
    }
}

/// Exact sums of chosen metrics over trials (a [`SumsJob`]'s blocks, added
/// up in any grouping to the same integers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    /// Per chosen metric, the trials where it is present.
    pub present: Vec<u64>,
    /// Per chosen metric, the sum of its values where present.
    pub sum: Vec<u128>,
}

impl Sums {
    /// Nothing counted yet, for `n` metrics.
    pub fn new(n: usize) -> Self {
        Sums {
            present: vec![0; n],
            sum: vec![0; n],
        }
    }

    /// The mean of chosen metric `k` where present (as [`Summary`]'s
    /// `MetricStats::mean` of the same trials: the same integers, the same
    /// division).
    pub fn mean(&self, k: usize) -> Option<f64> {
        mean_of(self.sum[k], self.present[k])
    }
}

impl AddAssign<&Sums> for Sums {
    fn add_assign(&mut self, o: &Sums) {
        for (a, b) in self.present.iter_mut().zip(&o.present) {
            *a += b;
        }
        for (a, b) in self.sum.iter_mut().zip(&o.sum) {
            *a += b;
        }
    }
}

impl Job for SumsJob<'_> {
    type Block = Sums;

    fn run_block(&self, range: Range<u64>) -> Sums {
        let mut trial = Trial::new(self.model);
        let mut out = TrialOutcome::new(self.model);
        let mut sums = Sums::new(self.slots.len());
        for i in range {
            trial.run(&self.keys, i, &mut out, &mut NoTrace);
            for (k, &slot) in self.slots.iter().enumerate() {
                let v = out.metrics[slot];
                if v != NONE {
                    sums.present[k] += 1;
                    sums.sum[k] += v as u128;
                }
            }
        }
        sums
    }
}

/// Runs `trials` of `model` under `seed` and returns their summary;
/// `per_trial` (if any) sees every trial's outcome in trial order, `progress`
/// the trials done so far after each wave.
pub fn summarise(
    exec: &Executor,
    model: &Model,
    seed: u64,
    trials: Range<u64>,
    mut per_trial: Option<&mut dyn FnMut(&TrialOutcome)>,
    progress: impl FnMut(u64),
) -> Summary {
    let job = RunJob::new(model, seed, per_trial.is_some());
    let mut total = Summary::new(model);
    exec.run(
        &job,
        trials,
        |block| {
            total += &block.summary;
            if let Some(f) = per_trial.as_mut() {
                block.records.iter().for_each(&mut **f);
            }
        },
        progress,
    );
    total
}

/// Runs one trial alone, with a tracer: the same outcome it has inside any run.
pub fn run_one<T: Tracer>(model: &Model, seed: u64, trial: u64, tracer: &mut T) -> TrialOutcome {
    let keys = StreamKeys::new(seed, model);
    let mut t = Trial::new(model);
    let mut out = TrialOutcome::new(model);
    t.run(&keys, trial, &mut out, tracer);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scenario::{BUNDLED, Source, load};

    /// A `SumsJob`'s sums are the sums a full run summary holds for the same
    /// metrics: the same present counts and integers, hence the same means,
    /// on any thread count and across block ends (2,500 trials: three blocks).
    #[test]
    fn sums_equal_the_run_summarys_for_the_same_metrics() {
        let b = BUNDLED
            .iter()
            .find(|b| b.name == "pak-afghan-2024")
            .unwrap();
        let model = crate::core::model::compile(&load(&Source::bundled(b)).unwrap());
        // Every metric, including optional ones (absent in some trials).
        let slots: Vec<usize> = (0..model.metrics.len()).collect();
        let optional = model.metrics.first_strike_day;
        let trials = 0..2500;
        let one = Executor::new(Some(1)).unwrap();
        let full = summarise(&one, &model, 17, trials.clone(), None, |_| {});
        let job = SumsJob::new(&model, 17, &slots);
        for threads in [1, 2] {
            let exec = Executor::new(Some(threads)).unwrap();
            let mut sums = Sums::new(slots.len());
            exec.run(&job, trials.clone(), |s| sums += &s, |_| {});
            for (k, &slot) in slots.iter().enumerate() {
                let m = &full.metrics[slot];
                assert_eq!(
                    (sums.present[k], sums.sum[k]),
                    (m.present, m.sum),
                    "metric {} on {threads} threads",
                    model.metrics.defs[slot].name
                );
                assert_eq!(sums.mean(k).map(f64::to_bits), m.mean().map(f64::to_bits));
            }
        }
        // The test means something: an optional metric absent in some
        // trials (the flagship's first strike), and sums that are not all zero.
        let m = &full.metrics[optional];
        assert!(m.present > 0 && m.present < 2500, "{}", m.present);
        assert!(full.metrics.iter().filter(|m| m.sum > 0).count() > 10);
    }
}
