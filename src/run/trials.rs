//! The trials of one run: the [`Job`] that runs a compiled model's trials
//! into a [`Summary`], optionally keeping every trial's outcome, and the
//! replay of a single trial for traces.

use std::ops::Range;

use crate::core::engine::{NoTrace, Tracer, Trial, TrialOutcome};
use crate::core::model::Model;
use crate::core::stats::Summary;
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
