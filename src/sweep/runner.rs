//! Running design points: each point's scenario is configured and compiled
//! once, then its trials run as a [`RunJob`] under the sweep's seed (common
//! random numbers: trial `i` of every point uses the same streams).
//!
//! Points go to the one [`Executor`] a chunk at a time: [`Executor::run_many`]
//! fills each wave with blocks of several points, so points smaller than the
//! thread count still keep every thread busy, and a point of many blocks is
//! parallel inside. Either way a point's summary is the same bits (the
//! accumulators are integers), so results do not depend on `--threads`.

use crate::core::stats::Summary;
use crate::run::executor::blocks;
use crate::run::trials::RunJob;
use crate::run::{Executor, Job};

use super::SweepError;
use super::plan::Plan;
use super::point::PointRecord;

/// Points compiled and run together, per thread: bounds the models and
/// summaries held at once.
const POINTS_PER_THREAD: usize = 4;

/// Runs the points `todo` and hands each finished record to `done`, in
/// `todo` order. Stops at the first error (of a point or of `done`).
pub fn run_points(
    plan: &Plan,
    todo: &[usize],
    exec: &Executor,
    mut done: impl FnMut(PointRecord) -> Result<(), SweepError>,
) -> Result<(), SweepError> {
    let trials = 0..plan.spec.trials;
    let blocks_per_point = blocks(trials.clone()).count();
    for chunk in todo.chunks(exec.threads() * POINTS_PER_THREAD) {
        if exec.stopped() {
            break;
        }
        let models = chunk
            .iter()
            .map(|&j| plan.model(j))
            .collect::<Result<Vec<_>, _>>()?;
        let jobs: Vec<RunJob> = models
            .iter()
            .map(|m| RunJob::new(m, plan.spec.seed, false))
            .collect();
        let mut sums: Vec<Summary> = models.iter().map(Summary::new).collect();
        let mut received = vec![0; jobs.len()];
        exec.run_many(&jobs, trials.clone(), |k, block: <RunJob as Job>::Block| {
            sums[k] += &block.summary;
            received[k] += 1;
            if received[k] == blocks_per_point {
                done(PointRecord::from_summary(
                    &plan.fingerprint,
                    chunk[k],
                    &sums[k],
                ))?;
            }
            Ok::<(), SweepError>(())
        })?;
    }
    Ok(())
}
