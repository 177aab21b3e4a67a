//! Running design points: each point's scenario is configured and compiled
//! once, then its trials run with [`montecarlo::run`] under the sweep's seed
//! (common random numbers: trial `i` of every point uses the same streams).
//!
//! Threads are shared between points and trials: a point of `T` trials has
//! `ceil(T / 1000)` blocks; with fewer blocks than threads, several points run
//! at once (each on its own threads); otherwise points run one after another,
//! each parallel inside. Either way a point's summary is the same bits (the
//! accumulators are integers), so results do not depend on `--threads`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::montecarlo::{self, BLOCK, Hooks, RunSpec};

use super::SweepError;
use super::plan::Plan;
use super::point::PointRecord;

/// Runs one design point and reduces its summary.
pub fn run_point(plan: &Plan, j: usize, threads: usize) -> Result<PointRecord, SweepError> {
    let model = plan.model(j)?;
    let spec = RunSpec {
        seed: plan.spec.seed,
        trials: 0..plan.spec.trials,
        threads: Some(threads),
    };
    let summary = montecarlo::run(&model, &spec, Hooks::default())?;
    Ok(PointRecord::from_summary(&plan.fingerprint, j, &summary))
}

/// How `threads` are split: (points at once, threads per point).
pub fn split_threads(threads: usize, trials: u64) -> (usize, usize) {
    let threads = threads.max(1);
    let blocks = trials.div_ceil(BLOCK).max(1) as usize;
    let inner = threads.min(blocks);
    (threads / inner, inner)
}

/// Runs the points `todo` and hands each finished record to `done`, on the
/// calling thread, in the order they finish. Stops at the first error (of a
/// point or of `done`).
pub fn run_points(
    plan: &Plan,
    todo: &[usize],
    threads: Option<usize>,
    mut done: impl FnMut(PointRecord) -> Result<(), SweepError>,
) -> Result<(), SweepError> {
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    let (outer, inner) = split_threads(threads, plan.spec.trials);
    let outer = outer.min(todo.len()).max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Result<PointRecord, SweepError>>();
    std::thread::scope(|scope| {
        for _ in 0..outer {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&j) = todo.get(i) else { break };
                    let r = run_point(plan, j, inner);
                    let failed = r.is_err();
                    if tx.send(r).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut first_error = None;
        for r in rx {
            let r = r.and_then(&mut done);
            if let Err(e) = r {
                stop.store(true, Ordering::Relaxed);
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_go_to_points_when_points_are_small() {
        assert_eq!(split_threads(2, 200), (2, 1));
        assert_eq!(split_threads(2, 1000), (2, 1));
        assert_eq!(split_threads(2, 1001), (1, 2));
        assert_eq!(split_threads(8, 3000), (2, 3));
        assert_eq!(split_threads(1, 50_000), (1, 1));
        assert_eq!(split_threads(0, 10), (1, 1));
    }
}
