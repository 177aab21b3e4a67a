//! Resampling stability of a PRIM box, as the EMA Workbench's
//! `PrimBox.resample` measures it: PRIM is run again on random halves of the
//! rows the box was found in, and each input scores how often it is
//! restricted in the resampled trajectory's step whose coverage is nearest the
//! box's ("reproduce coverage") and in the step whose density is nearest
//! ("reproduce density"). An input restricted in every resample is part of
//! the box's story whatever the sample; one restricted in few is noise.
//!
//! A resample draws half the rows (rounded down) without replacement, by a
//! partial Fisher-Yates shuffle on its own ChaCha8 stream
//! ([`crate::core::streams::analysis_rng`], purpose `discover/resample`,
//! stream `box << 32 | resample`): the same seed gives the same resamples on
//! any number of threads. Halves without replacement, not bootstrap samples
//! with it, as EMA does: repeated rows would tie PRIM's quantiles.
//! Each resample's PRIM uses the options of the original search.
//!
//! Resamples run one after another, each PRIM search parallel inside (over
//! the inputs' peels): one resample's row list is alive at a time, a half is
//! held at its own size, and no resample copies any value (a half is a list
//! of row indices into the same columns).

use super::boxes::{full_limits, restricted};
use super::data::Dataset;
use super::prim::{PrimOptions, Trajectory, find_box};
use crate::core::streams::analysis_rng;
use crate::sensitivity::rng::Stream;

/// The stream purpose of the resamples.
pub const PURPOSE: &str = "discover/resample";

/// How often each input was restricted across resamples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stability {
    /// Per input: the share of resamples whose step nearest in coverage restricts it.
    pub coverage: Vec<f64>,
    /// Per input: the share of resamples whose step nearest in density restricts it.
    pub density: Vec<f64>,
}

/// The first step whose value of `f` is nearest `target`.
fn nearest(t: &Trajectory, target: f64, f: impl Fn(&super::boxes::Stats) -> f64) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, s) in t.steps.iter().enumerate() {
        let d = (f(&s.stats) - target).abs();
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

/// Half of `rows` (ascending), drawn without replacement on resample `stream`.
fn half(rows: &[u32], seed: u64, stream: u64) -> Vec<u32> {
    let mut rng = Stream::from_rng(analysis_rng(seed, PURPOSE, stream));
    let mut pool = rows.to_vec();
    let m = rows.len() / 2;
    for i in 0..m {
        let j = i + rng.below(pool.len() - i);
        pool.swap(i, j);
    }
    pool.truncate(m);
    pool.shrink_to_fit();
    pool.sort_unstable();
    pool
}

/// The stability of box number `index` (0-based), found among `rows` with
/// `coverage` and `density`, over `resamples` halves; `done` is told after
/// each resample.
#[allow(clippy::too_many_arguments)]
pub fn stability(
    data: &Dataset,
    rows: &[u32],
    index: usize,
    coverage: f64,
    density: f64,
    opts: &PrimOptions,
    resamples: usize,
    seed: u64,
    done: &mut dyn FnMut(),
) -> Stability {
    let d = data.inputs.len();
    // Per resample: the inputs restricted at the step nearest in coverage, and in density.
    let picks: Vec<[Vec<usize>; 2]> = (0..resamples)
        .map(|r| {
            let sample = half(rows, seed, (index as u64) << 32 | r as u64);
            let init = full_limits(data, &sample);
            let t = find_box(data, &sample, &init, data.sums(&sample), opts);
            let at = |i: usize| restricted(&t.steps[i].limits, &init);
            done();
            [
                at(nearest(&t, coverage, |s| s.coverage)),
                at(nearest(&t, density, |s| s.density)),
            ]
        })
        .collect();
    let share = |which: usize| -> Vec<f64> {
        let mut n = vec![0usize; d];
        for p in &picks {
            for &j in &p[which] {
                n[j] += 1;
            }
        }
        n.iter()
            .map(|&k| k as f64 / resamples.max(1) as f64)
            .collect()
    };
    Stability {
        coverage: share(0),
        density: share(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_are_distinct_sorted_reproducible_and_differ_by_stream() {
        let rows: Vec<u32> = (0..101).map(|i| i * 3).collect();
        let a = half(&rows, 7, 0);
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|r| rows.contains(r)));
        assert_eq!(a, half(&rows, 7, 0));
        assert_ne!(a, half(&rows, 7, 1));
        assert_ne!(a, half(&rows, 8, 0));
    }
}
