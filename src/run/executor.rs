//! The one executor of trials: fixed blocks of trial indices, run in waves on
//! one thread pool, their results handed back in trial order.
//!
//! What a block computes is a [`Job`]'s business: a run's [`Summary`] and
//! per-trial records ([`super::trials::RunJob`]), a comparison's paired
//! statistics ([`crate::run::compare::CompareJob`]), and whatever calibration needs
//! next. The executor only decides which blocks run where; it never combines
//! results itself, so a job's results are the same bits for any thread count
//! as long as the job's accumulators merge exactly (integers do).
//!
//! Trials are cut into blocks of [`BLOCK`] consecutive indices aligned to
//! multiples of [`BLOCK`], so trial `i` falls in the same block whatever range
//! is run (a shard, a whole run). Blocks run in waves of a few per thread; each
//! wave's results are handed over in block order before the next wave starts,
//! so memory holds one wave, never the whole run. [`Executor::run_many`] fills
//! waves with blocks of several jobs at once (a sweep's design points), so
//! small jobs keep every thread busy.
//!
//! One [`Executor`] (one rayon pool) serves a whole process: the command line
//! builds it once from `--threads`.
//!
//! A run can be stopped from outside: an executor made [`Executor::with_stop`]
//! checks its [`StopFlag`] before each wave and starts no further wave once it
//! is set (the Python module sets it on Ctrl-C). The blocks already handed
//! over stay handed over, so a stopped run's results are partial: whoever sets
//! the flag discards them ([`Executor::stopped`] tells).
//!
//! [`Summary`]: crate::core::stats::Summary

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

/// Trials per block.
pub const BLOCK: u64 = 1000;

/// The most worker threads `--threads` may ask for. More threads than cores
/// only add start-up cost and memory (a thread's stack, a wave of blocks
/// each): 10,000 threads took over 30 s to run 10 trials. 1,024 is above the
/// hardware threads of the largest two-socket servers sold today.
pub const MAX_THREADS: usize = 1024;

/// Blocks per thread in one wave: enough to balance uneven blocks.
const BLOCKS_PER_THREAD: usize = 4;

/// Work done on blocks of trials.
pub trait Job: Sync {
    /// What one block yields.
    type Block: Send;
    /// Runs the trials `trials` (one block, within one [`BLOCK`]-aligned window).
    fn run_block(&self, trials: Range<u64>) -> Self::Block;
}

/// Errors of the executor's setup.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExecError {
    /// `--threads 0`.
    #[error("--threads 0: no thread to run on")]
    #[diagnostic(
        code(escalate::threads),
        help("use --threads 1 or more, or leave it out for one per core")
    )]
    NoThreads,
    /// More threads than [`MAX_THREADS`].
    #[error("--threads {0}: at most {MAX_THREADS} worker threads")]
    #[diagnostic(
        code(escalate::threads),
        help(
            "use --threads 1 to 1024, or leave it out for one per core (usually the fastest); \
             results do not depend on it"
        )
    )]
    TooManyThreads(usize),
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

/// Asks an executor to stop between waves: shared with whoever may stop it
/// (another thread, a signal check), set with `store(true, ..)`.
pub type StopFlag = Arc<AtomicBool>;

/// A thread pool that runs jobs' blocks.
pub struct Executor {
    pool: rayon::ThreadPool,
    threads: usize,
    stop: Option<StopFlag>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Executor {
    /// A pool of `threads` workers (None: one per core).
    pub fn new(threads: Option<usize>) -> Result<Executor, ExecError> {
        if let Some(t) = threads {
            check_threads(t)?;
        }
        let threads = threads.unwrap_or_else(default_threads);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| ExecError::Threads {
                threads,
                message: e.to_string(),
            })?;
        Ok(Executor {
            pool,
            threads,
            stop: None,
        })
    }

    /// This executor, starting no wave once `stop` is set (see the module doc).
    pub fn with_stop(self, stop: StopFlag) -> Executor {
        Executor {
            stop: Some(stop),
            ..self
        }
    }

    /// Whether this executor was asked to stop: its last run's results are partial.
    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on this executor's pool: the rayon parallel iterators inside
    /// it use the pool's threads (an analysis that is not a job of trials,
    /// such as `escalate discover`'s).
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }

    /// Runs `job` over `trials`: `sink` receives every block's result in
    /// trial order, `progress` the number of trials done after each wave.
    pub fn run<J: Job>(
        &self,
        job: &J,
        trials: Range<u64>,
        mut sink: impl FnMut(J::Block),
        mut progress: impl FnMut(u64),
    ) {
        let mut pending = blocks(trials);
        let mut done = 0;
        while !self.stopped() {
            let wave: Vec<Range<u64>> = pending
                .by_ref()
                .take(self.threads * BLOCKS_PER_THREAD)
                .collect();
            if wave.is_empty() {
                break;
            }
            let results: Vec<J::Block> = self
                .pool
                .install(|| wave.par_iter().map(|r| job.run_block(r.clone())).collect());
            for (r, block) in wave.iter().zip(results) {
                done += r.end - r.start;
                sink(block);
            }
            progress(done);
        }
    }

    /// Runs every job of `jobs` over the same `trials`, blocks of several jobs
    /// sharing each wave. `sink(j, block)` receives job `j`'s blocks in trial
    /// order, jobs in order within a wave. It stops after the wave in which
    /// `sink` first fails, and returns that error.
    pub fn run_many<J: Job, E>(
        &self,
        jobs: &[J],
        trials: Range<u64>,
        mut sink: impl FnMut(usize, J::Block) -> Result<(), E>,
    ) -> Result<(), E> {
        let per_job: Vec<Range<u64>> = blocks(trials).collect();
        let mut pending = (0..jobs.len()).flat_map(|j| per_job.iter().map(move |r| (j, r.clone())));
        while !self.stopped() {
            let wave: Vec<(usize, Range<u64>)> = pending
                .by_ref()
                .take(self.threads * BLOCKS_PER_THREAD)
                .collect();
            if wave.is_empty() {
                return Ok(());
            }
            let results: Vec<J::Block> = self.pool.install(|| {
                wave.par_iter()
                    .map(|(j, r)| jobs[*j].run_block(r.clone()))
                    .collect()
            });
            let mut failed = None;
            for ((j, _), block) in wave.iter().zip(results) {
                if failed.is_none()
                    && let Err(e) = sink(*j, block)
                {
                    failed = Some(e);
                }
            }
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Refuses a thread count of 0 or above [`MAX_THREADS`].
pub fn check_threads(threads: usize) -> Result<(), ExecError> {
    match threads {
        0 => Err(ExecError::NoThreads),
        t if t > MAX_THREADS => Err(ExecError::TooManyThreads(t)),
        _ => Ok(()),
    }
}

/// Threads when `--threads` is not given: rayon's default (one per core, or `RAYON_NUM_THREADS`).
fn default_threads() -> usize {
    rayon::current_num_threads().max(1)
}

/// The blocks of a range of trial indices: aligned to multiples of [`BLOCK`].
/// The last block below `u64::MAX` ends at the range's end (its aligned end
/// would not fit in a `u64`).
pub fn blocks(range: Range<u64>) -> impl Iterator<Item = Range<u64>> {
    let end = range.end;
    let mut start = range.start;
    std::iter::from_fn(move || {
        (start < end).then(|| {
            let stop = (start / BLOCK + 1)
                .checked_mul(BLOCK)
                .map_or(end, |aligned| aligned.min(end));
            let r = start..stop;
            start = stop;
            r
        })
    })
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

    /// A job whose block result is its range: shows what reaches the sink.
    struct Ranges;
    impl Job for Ranges {
        type Block = Range<u64>;
        fn run_block(&self, trials: Range<u64>) -> Range<u64> {
            trials
        }
    }

    #[test]
    fn blocks_reach_the_sink_in_trial_order_for_any_thread_count() {
        for threads in [1, 2, 3] {
            let exec = Executor::new(Some(threads)).unwrap();
            let mut seen = Vec::new();
            let mut progress = Vec::new();
            exec.run(&Ranges, 500..25_300, |r| seen.push(r), |d| progress.push(d));
            assert_eq!(seen, blocks(500..25_300).collect::<Vec<_>>());
            assert_eq!(progress.last(), Some(&24_800));
            assert!(progress.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn run_many_hands_each_job_its_blocks_in_order_and_stops_at_an_error() {
        let exec = Executor::new(Some(2)).unwrap();
        let jobs = [Ranges, Ranges, Ranges];
        let mut seen: Vec<Vec<Range<u64>>> = vec![Vec::new(); 3];
        exec.run_many(&jobs, 0..2500, |j, r| {
            seen[j].push(r);
            Ok::<(), ()>(())
        })
        .unwrap();
        for s in &seen {
            assert_eq!(s, &blocks(0..2500).collect::<Vec<_>>());
        }
        let mut calls = 0;
        let r = exec.run_many(&jobs, 0..2500, |_, _| {
            calls += 1;
            Err("full")
        });
        assert_eq!(r, Err("full"));
        // The sink is not called again once it failed, and no later wave runs.
        assert_eq!(calls, 1);
    }

    /// A job that sets the stop flag while running its first block.
    struct StopsAt {
        flag: StopFlag,
        first: u64,
    }
    impl Job for StopsAt {
        type Block = Range<u64>;
        fn run_block(&self, trials: Range<u64>) -> Range<u64> {
            if trials.start == self.first {
                self.flag.store(true, Ordering::Relaxed);
            }
            trials
        }
    }

    #[test]
    fn a_set_stop_flag_starts_no_further_wave() {
        let flag = StopFlag::default();
        let exec = Executor::new(Some(2)).unwrap().with_stop(flag.clone());
        assert!(!exec.stopped());
        let job = StopsAt {
            flag: flag.clone(),
            first: 0,
        };
        let mut seen = Vec::new();
        exec.run(&job, 0..100_000, |r| seen.push(r), |_| {});
        // The wave in which the flag was set is handed over whole; no later one runs.
        assert_eq!(seen, blocks(0..8_000).collect::<Vec<_>>());
        assert!(exec.stopped());
        let mut many = 0;
        exec.run_many(&[Ranges], 0..100_000, |_, _| {
            many += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(many, 0);
        flag.store(false, Ordering::Relaxed);
        let mut again = 0;
        exec.run(&Ranges, 0..10_000, |_| again += 1, |_| {});
        assert_eq!(again, 10);
    }

    #[test]
    fn zero_threads_and_more_than_the_maximum_are_refused() {
        assert!(matches!(Executor::new(Some(0)), Err(ExecError::NoThreads)));
        assert!(matches!(
            Executor::new(Some(MAX_THREADS + 1)),
            Err(ExecError::TooManyThreads(t)) if t == MAX_THREADS + 1
        ));
        let e = ExecError::TooManyThreads(10_000).to_string();
        assert!(e.contains("10000") && e.contains("1024"), "{e}");
        assert!(check_threads(MAX_THREADS).is_ok());
    }
}
