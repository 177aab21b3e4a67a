//! Command-line arguments, as clap parses them (low level), and their
//! conversion into the library's requests (high level).
//!
//! Every flag is defined once, in a group that each command flattens: the
//! scenario, `--trials`, `--seed`, `--policy`, the setup (`--set`,
//! `--horizon`), `--posterior`, the executor (`--threads`, `--quiet`) and the Slurm
//! resources. Each command's `request()` turns its groups into the library's
//! request; `to_args()` on the request gives the words back (a test parses
//! them again and gets the same request).

use std::path::PathBuf;

use clap::Args;

use escalate::core::scenario::Override;
use escalate::run::request::{DEFAULT_SEED, DEFAULT_TRIALS};
use escalate::run::shard::Shard;
use escalate::run::{Executor, RunRequest, Setup};

/// The scenario to run.
#[derive(Debug, Args, Clone)]
pub struct ScenarioArg {
    /// Scenario file, or a bundled scenario's name (default: the flagship, pak-afghan-2024).
    pub scenario: Option<String>,
}

/// `--trials`.
#[derive(Debug, Args, Clone)]
pub struct TrialsArg {
    /// Number of trials (per policy, when comparing).
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    pub trials: u64,
}

/// `--seed`.
#[derive(Debug, Args, Clone)]
pub struct SeedArg {
    /// Seed of the run's random streams: the same seed gives the same results.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

/// How the scenario is configured, besides the policy: `--set` and `--horizon`.
#[derive(Debug, Args, Clone)]
pub struct SetupArgs {
    /// Days per trial (default: the scenario's horizon).
    #[arg(long)]
    pub horizon: Option<u32>,
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
            horizon: self.horizon,
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

/// The executor: `--threads` and `--quiet`.
#[derive(Debug, Args, Clone)]
pub struct ExecArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ExecArgs {
    /// The one executor of this process.
    pub fn executor(&self) -> Result<Executor, super::Error> {
        Ok(Executor::new(self.threads)?)
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

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse::<Override>().map_err(|e| match e {
        escalate::core::scenario::ScenarioError::Override { message, help, .. } => {
            format!("{message}\n  help: {help}")
        }
        other => other.to_string(),
    })
}

/// Reads `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
        .map_err(|e: escalate::run::shard::ShardSpecError| e.message)
}
