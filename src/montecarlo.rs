//! Many trials in parallel: fixed blocks of trials, run by rayon, merged in
//! trial order into one [`Summary`].
//!
//! Trials are cut into blocks of [`BLOCK`] consecutive indices. Blocks run in
//! waves of a few per thread; each wave's summaries are merged in block order
//! and its per-trial records handed to the caller in trial order, so memory
//! holds one wave, never the whole run. Because every accumulator is an
//! integer, the merged summary is the same bits for any thread count.

use std::ops::Range;

use rayon::prelude::*;

use crate::engine::{NoTrace, Tracer, Trial, TrialOutcome};
use crate::model::Model;
use crate::stats::Summary;
use crate::streams::StreamKeys;

/// Trials per block.
pub const BLOCK: u64 = 1000;

/// Which trials to run, and how.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The run's seed.
    pub seed: u64,
    /// The trial indices to run (a whole run is `0..trials`; a shard is a sub-range).
    pub trials: Range<u64>,
    /// Worker threads (None: rayon's default, one per core).
    pub threads: Option<usize>,
}

/// Optional callbacks while a run proceeds.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Receives every trial's outcome, in trial order.
    pub per_trial: Option<&'a mut dyn FnMut(&TrialOutcome)>,
    /// Receives the number of trials finished so far, after each wave.
    pub progress: Option<&'a mut dyn FnMut(u64)>,
}

/// Errors of a run's setup.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    #[diagnostic(code(escalate::threads), help("use a smaller --threads"))]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        message: String,
    },
}

struct BlockResult {
    summary: Summary,
    records: Vec<TrialOutcome>,
}

fn run_block(
    model: &Model,
    keys: &StreamKeys,
    uncertain: &[usize],
    range: Range<u64>,
    keep: bool,
) -> BlockResult {
    let mut trial = Trial::new(model);
    let mut out = TrialOutcome::new(model);
    let mut summary = Summary::new(model);
    let mut bytes = Vec::with_capacity(16 + 8 * (model.metrics.len() + uncertain.len()));
    let mut records = Vec::with_capacity(if keep {
        (range.end - range.start) as usize
    } else {
        0
    });
    for i in range {
        trial.run(keys, i, &mut out, &mut NoTrace);
        out.canonical_bytes(uncertain, &mut bytes);
        summary.add_trial(&out, &trial.paths, &bytes);
        if keep {
            records.push(out.clone());
        }
    }
    BlockResult { summary, records }
}

/// A rayon pool of `threads` workers (default: one per core), and its size.
pub fn thread_pool(threads: Option<usize>) -> Result<(rayon::ThreadPool, usize), RunError> {
    let threads = threads.unwrap_or_else(rayon::current_num_threads).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads,
            message: e.to_string(),
        })?;
    Ok((pool, threads))
}

/// Runs the trials of `spec` and returns their summary.
pub fn run(model: &Model, spec: &RunSpec, mut hooks: Hooks<'_>) -> Result<Summary, RunError> {
    let (pool, threads) = thread_pool(spec.threads)?;
    let keys = StreamKeys::new(spec.seed, model);
    let uncertain: Vec<usize> = model.uncertain_params().collect();
    let mut pending = blocks(spec.trials.clone());
    let keep = hooks.per_trial.is_some();
    let mut total = Summary::new(model);
    let mut done = 0;
    // One wave of blocks at a time, so nothing is held per trial of the run.
    loop {
        let wave: Vec<Range<u64>> = pending.by_ref().take(threads * 4).collect();
        if wave.is_empty() {
            break;
        }
        let results: Vec<BlockResult> = pool.install(|| {
            wave.par_iter()
                .map(|r| run_block(model, &keys, &uncertain, r.clone(), keep))
                .collect()
        });
        for r in results {
            total += &r.summary;
            done += r.summary.trials;
            if let Some(f) = hooks.per_trial.as_mut() {
                r.records.iter().for_each(&mut *f);
            }
        }
        if let Some(p) = hooks.progress.as_mut() {
            p(done);
        }
    }
    Ok(total)
}

/// The blocks of a range of trial indices: aligned to multiples of [`BLOCK`].
pub fn blocks(range: Range<u64>) -> impl Iterator<Item = Range<u64>> {
    let end = range.end;
    let mut start = range.start;
    std::iter::from_fn(move || {
        (start < end).then(|| {
            let stop = ((start / BLOCK + 1) * BLOCK).min(end);
            let r = start..stop;
            start = stop;
            r
        })
    })
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

    #[test]
    fn blocks_are_aligned_and_cover_the_range() {
        let b: Vec<_> = blocks(1500..4200).collect();
        assert_eq!(b, vec![1500..2000, 2000..3000, 3000..4000, 4000..4200]);
        assert_eq!(blocks(0..0).count(), 0);
    }
}
