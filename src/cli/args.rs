//! Command-line arguments, as clap parses them (low level), and their
//! conversion into the library's requests (high level).
//!
//! Every flag is defined once, in a group that each command flattens: the
//! scenario, `--trials`, `--seed`, `--policy`, `--horizon`, the setup
//! (`--set` and `--horizon`), `--posterior`, `--threads`, the executor
//! (`--threads`, `--quiet`) and the Slurm resources. Each command's
//! `request()` turns its groups into the library's request; `to_args()` on
//! the request gives the words back (a test parses them again and gets the
//! same request).
//!
//! Every number a flag takes is read by [`count`], which accepts the
//! thousands separators the reports print (`--trials 10,000`) and says, for
//! any value it refuses, why and what to write.

use std::path::{Path, PathBuf};

use clap::Args;

use escalate::core::scenario::Override;
use escalate::distribution::slurm::{Resources, check_value};
use escalate::run::request::{DEFAULT_SEED, DEFAULT_TRIALS};
use escalate::run::shard::Shard;
use escalate::run::{Executor, RunRequest, Setup};

/// The scenario: every command that reads one takes it here, and every one
/// defaults to the flagship.
#[derive(Debug, Args, Clone)]
pub struct ScenarioArg {
    /// Scenario file, or a bundled scenario's name (default: the flagship, pak-afghan-2024).
    pub scenario: Option<String>,
}

impl ScenarioArg {
    /// The scenario as given, or the flagship's name.
    pub fn or_flagship(&self) -> &str {
        self.scenario
            .as_deref()
            .unwrap_or(escalate::core::scenario::BUNDLED[0].name)
    }
}

/// `--trials`.
#[derive(Debug, Args, Clone)]
pub struct TrialsArg {
    /// Number of trials (per policy, when comparing).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TRIALS, value_parser = count::<u64>, allow_negative_numbers = true)]
    pub trials: u64,
}

/// `--seed`.
#[derive(Debug, Args, Clone)]
pub struct SeedArg {
    /// Seed of every random stream (trials, designs, bootstrap): the same seed gives the same results.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, value_parser = count::<u64>, allow_negative_numbers = true)]
    pub seed: u64,
}

/// `--horizon`.
#[derive(Debug, Args, Clone)]
pub struct HorizonArg {
    /// Days per trial (default: the scenario's horizon).
    #[arg(long, value_name = "DAYS", value_parser = parse_horizon, allow_negative_numbers = true)]
    pub horizon: Option<u32>,
}

/// How the scenario is configured, besides the policy: `--set` and `--horizon`.
#[derive(Debug, Args, Clone)]
pub struct SetupArgs {
    /// Days per trial.
    #[command(flatten)]
    pub horizon: HorizonArg,
    /// Replace a parameter: PATH=VALUE, VALUE a number or a distribution (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
}

impl SetupArgs {
    /// The library's setup, with `policy`.
    pub fn setup(&self, policy: Option<String>) -> Setup {
        Setup {
            policy,
            overrides: self.set.clone(),
            horizon: self.horizon.horizon,
            posterior: None,
        }
    }
}

/// `--posterior`: the parameters of every trial from a calibration's particles.
#[derive(Debug, Args, Clone)]
pub struct PosteriorArg {
    /// Draw each trial's values of the calibrated parameters from the weighted
    /// particles of this file (the `posterior.csv` of `escalate calibrate --out DIR`).
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
}

impl PosteriorArg {
    /// `setup` with this posterior.
    pub fn apply(&self, setup: Setup) -> Setup {
        Setup {
            posterior: self.posterior.clone(),
            ..setup
        }
    }
}

/// The help of every `--policy`.
pub const POLICY_HELP: &str =
    "A policy: its name in the scenario, `baseline` (none), or a policy file";

/// One `--policy`.
#[derive(Debug, Args, Clone)]
pub struct PolicyArg {
    #[arg(long, value_name = "NAME|FILE", help = POLICY_HELP)]
    pub policy: Option<String>,
}

/// `--threads`: one meaning everywhere, the worker threads of each process
/// that runs trials (this one, or each Slurm task).
#[derive(Debug, Args, Clone)]
pub struct ThreadsArg {
    /// Worker threads of each process that runs trials (default: one per core; with
    /// `escalate slurm`, each task's, which it asks Slurm for as --cpus-per-task, default 1).
    /// Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

/// The executor: `--threads` and `--quiet`.
#[derive(Debug, Args, Clone)]
pub struct ExecArgs {
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArg,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ExecArgs {
    /// The one executor of this process.
    pub fn executor(&self) -> Result<Executor, super::Error> {
        Ok(Executor::new(self.threads.threads)?)
    }
}

/// What a run is: shared by `escalate run` and `escalate slurm`.
#[derive(Debug, Args, Clone)]
pub struct RunWhat {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Trials.
    #[command(flatten)]
    pub trials: TrialsArg,
    /// Seed.
    #[command(flatten)]
    pub seed: SeedArg,
    /// Policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Overrides and horizon.
    #[command(flatten)]
    pub setup: SetupArgs,
    /// A calibration posterior.
    #[command(flatten)]
    pub posterior: PosteriorArg,
}

impl RunWhat {
    /// The library's request (no shard).
    pub fn request(&self) -> RunRequest {
        RunRequest {
            scenario: self.scenario.scenario.clone(),
            setup: self
                .posterior
                .apply(self.setup.setup(self.policy.policy.clone())),
            seed: self.seed.seed,
            trials: self.trials.trials,
            shard: None,
        }
    }
}

/// An output file flag's value: a path, or `-` for standard output.
pub type OutputPath = PathBuf;

/// The outputs of a command that writes a report as `--json` (standard
/// output allowed; the primary output, committed last) and `--html`,
/// checked against its `inputs` ([`escalate::io::OutputSet`]).
pub fn json_and_html<'a>(
    json: Option<&'a Path>,
    html: Option<&'a Path>,
    inputs: &escalate::io::InputFiles,
) -> Result<escalate::io::OutputSet<'a>, escalate::io::WriteError> {
    escalate::io::OutputSet::check(&[("--json", json), ("--html", html)], &["--json"], inputs)
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse::<Override>().map_err(|e| match e {
        escalate::core::scenario::ScenarioError::Override { message, help, .. } => {
            format!("{message}\n  help: {help}")
        }
        other => other.to_string(),
    })
}

/// Reads a whole number given to a flag: digits, optionally grouped in
/// threes by commas as the reports print them (`10000` or `10,000`). A value
/// refused says why and what to write.
pub fn count<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    let t = s.trim();
    let example = "e.g. 10000 or 10,000";
    if t.is_empty() {
        return Err(format!("no number given: write a whole number, {example}"));
    }
    if t.starts_with('-') {
        return Err(format!(
            "`{t}` is negative: write a whole number of 0 or more, {example}"
        ));
    }
    let digits: String = if t.contains(',') {
        let groups: Vec<&str> = t.split(',').collect();
        let grouped = groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return Err(format!(
                "`{t}`: commas may only separate groups of three digits, as in 10,000; \
                 or write the digits alone, e.g. 10000"
            ));
        }
        groups.concat()
    } else {
        t.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        let why = if digits.parse::<f64>().is_ok() {
            "is not a whole number in digits"
        } else {
            "is not a number"
        };
        return Err(format!("`{t}` {why}: write a whole number, {example}"));
    }
    let too_large = || {
        // The largest value T holds (T's values are 0..=max: a binary search).
        let (mut lo, mut hi) = (0u64, u64::MAX);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if T::try_from(mid).is_ok() {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        format!("`{t}` is too large: write at most {lo}")
    };
    let n: u64 = digits.parse().map_err(|_| too_large())?;
    T::try_from(n).map_err(|_| too_large())
}

/// Reads `--horizon DAYS`: 1 to [`MAX_HORIZON`](escalate::run::request::MAX_HORIZON).
fn parse_horizon(s: &str) -> Result<u32, String> {
    use escalate::run::request::MAX_HORIZON;
    match count::<u32>(s) {
        Ok(d) if (1..=MAX_HORIZON).contains(&d) => Ok(d),
        _ => Err(format!(
            "`{}` is not a horizon: write a whole number of days from 1 to {MAX_HORIZON} \
             (100 years), e.g. 365",
            s.trim()
        )),
    }
}

/// Reads `--threads N`: 1 to [`MAX_THREADS`](escalate::run::executor::MAX_THREADS).
fn parse_threads(s: &str) -> Result<usize, String> {
    use escalate::run::executor::MAX_THREADS;
    match count::<usize>(s)? {
        0 => Err(
            "0 threads would run nothing: use 1 or more, or leave --threads out \
                  for one per core"
                .into(),
        ),
        n if n > MAX_THREADS => Err(format!(
            "more than {MAX_THREADS} threads: use at most {MAX_THREADS} (one per core is as fast \
             as it gets), or leave --threads out for one per core"
        )),
        n => Ok(n),
    }
}

/// Reads `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
        .map_err(|e: escalate::run::shard::ShardSpecError| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_as_the_reports_print_them() {
        assert_eq!(count::<u64>("10000"), Ok(10_000));
        assert_eq!(count::<u64>("10,000"), Ok(10_000));
        assert_eq!(count::<u64>("1,234,567"), Ok(1_234_567));
        assert_eq!(count::<u64>(" 7 "), Ok(7));
        assert_eq!(count::<u64>("18,446,744,073,709,551,615"), Ok(u64::MAX));
        for bad in [
            "1,0000", ",000", "10,00", "1,,000", "1_000", "1e4", "10.5", "-3", "", "x",
        ] {
            let e = count::<u64>(bad).unwrap_err();
            assert!(e.contains("write"), "`{bad}`: {e}");
        }
        assert!(
            count::<u32>("4294967296")
                .unwrap_err()
                .contains("at most 4294967295")
        );
        assert!(
            count::<u64>("18446744073709551616")
                .unwrap_err()
                .contains("at most 18446744073709551615")
        );
    }

    #[test]
    fn threads_and_horizon_are_checked_at_the_flag() {
        assert_eq!(parse_threads("4"), Ok(4));
        assert!(parse_threads("0").unwrap_err().contains("use 1 or more"));
        assert!(parse_threads("1025").unwrap_err().contains("at most 1024"));
        assert_eq!(parse_horizon("36,500"), Ok(36_500));
        assert!(
            parse_horizon("36501")
                .unwrap_err()
                .contains("from 1 to 36500")
        );
    }
}

/// The job array and what each task gets: shared by `slurm`, `slurm sweep` and `slurm calibrate`.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Worker threads of each task.
    #[command(flatten)]
    pub threads: ThreadsArg,
    /// Number of shards N: array tasks 0 to N-1, task K runs shard K/N (of a calibration:
    /// of each round's proposals).
    #[arg(long, required = true, value_name = "N", value_parser = count::<u64>, allow_negative_numbers = true)]
    pub shards: Option<u64>,
    /// Slurm partition for the jobs.
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Slurm time limit per task, e.g. 2:00:00.
    #[arg(long, value_name = "T")]
    pub time: Option<String>,
    /// Slurm memory per task, e.g. 2G.
    #[arg(long, value_name = "M")]
    pub mem: Option<String>,
    /// Study directory: job scripts, logs/, report.txt, and the parts/ (and scenario copy),
    /// sweep/ or calibration files.
    #[arg(long, required = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Submit the array and the merge job now (runs the printed command); `slurm calibrate`
    /// submits each round, waits for it and goes on until the calibration is finished.
    #[arg(long)]
    pub submit: bool,
}

impl JobArgs {
    /// `--shards N` checked against the items to split, `--dir`, and the resources.
    pub(super) fn checked(
        &self,
        items: u64,
        what: &str,
    ) -> Result<(u64, PathBuf, Resources), miette::Report> {
        let (Some(shards), Some(dir)) = (self.shards, self.dir.clone()) else {
            miette::bail!(miette::miette!(
                help = "give --shards N and --dir DIR",
                "missing --shards or --dir"
            ));
        };
        if shards == 0 || shards > items {
            miette::bail!(miette::miette!(
                help = format!("use --shards 1 to {items} (at most one shard per {what})"),
                "--shards {shards}: out of range"
            ));
        }
        for (flag, v) in [
            ("--partition", &self.partition),
            ("--time", &self.time),
            ("--mem", &self.mem),
        ] {
            if let Some(v) = v {
                check_value(flag, v)?;
            }
        }
        let resources = Resources {
            partition: self.partition.clone(),
            time: self.time.clone(),
            mem: self.mem.clone(),
            cpus: u32::try_from(self.threads.threads.unwrap_or(1))
                .expect("--threads is at most MAX_THREADS"),
        };
        Ok((shards, dir, resources))
    }
}

/// Creates the study directory and returns its absolute path.
pub(super) fn make_dir(dir: &Path) -> Result<PathBuf, miette::Report> {
    escalate::distribution::slurm::check_path("--dir", dir)?;
    let dir = std::fs::create_dir_all(dir)
        .and_then(|_| dir.canonicalize())
        .map_err(|e| {
            miette::miette!(
                help = "choose a directory you can write, on a file system the compute nodes share",
                "--dir {}: {e}",
                dir.display()
            )
        })?;
    escalate::distribution::slurm::check_path("--dir", &dir)?;
    Ok(dir)
}
