//! Command-line arguments, as clap parses them (before any validation).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use escalate::scenario::Override;

/// Default seed: fixed, printed with every run, so a bare run is reproducible.
pub const DEFAULT_SEED: u64 = 20240318;

/// escalate: Monte Carlo simulation of escalation scenarios between states and armed groups.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run trials of a scenario and report outcome distributions.
    Run(RunArgs),
    /// Merge the part files of a sharded run into its report (same bytes as one run).
    Merge(super::merge::MergeArgs),
    /// Write (and optionally submit) Slurm job-array scripts for a sharded run.
    Slurm(Box<super::slurm::SlurmArgs>),
    /// Sweep parameters over a design (grid, lhs, sobol, morris); sensitivity indices.
    Sweep(super::sweep::SweepArgs),
    /// Compare policies on common random numbers: trial i of every policy draws the same numbers.
    Compare(super::compare::CompareArgs),
    /// Replay one trial of a run and tell its story, event by event.
    Trace(super::trace::TraceArgs),
    /// Check a scenario file and list every problem in it.
    Validate {
        /// The scenario file.
        file: String,
    },
    /// Name the bundled scenarios, or a scenario's policies.
    List {
        /// A scenario (file or bundled name) whose policies to list.
        scenario: Option<String>,
    },
    /// List every overridable parameter: path, value, and where it comes from.
    Params {
        /// The scenario (file or bundled name).
        scenario: String,
    },
}

/// What every command that runs trials takes.
#[derive(Debug, Args, Clone)]
pub struct CommonRun {
    /// Scenario file, or a bundled scenario's name (default: the flagship, pak-afghan-2024).
    pub scenario: Option<String>,
    /// Number of trials.
    #[arg(long, default_value_t = 10_000)]
    pub trials: u64,
    /// Seed of the run's random streams.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Days per trial (default: the scenario's horizon).
    #[arg(long)]
    pub horizon: Option<u32>,
    /// Replace a parameter: PATH=VALUE, VALUE a number or a distribution (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse::<Override>().map_err(|e| match e {
        escalate::scenario::ScenarioError::Override { message, help, .. } => {
            format!("{message}\n  help: {help}")
        }
        other => other.to_string(),
    })
}

fn parse_shard(s: &str) -> Result<escalate::shard::Shard, String> {
    s.parse().map_err(|e| match e {
        escalate::shard::ShardError::Spec { message, .. } => message,
        other => other.to_string(),
    })
}

/// `escalate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to run.
    #[command(flatten)]
    pub common: CommonRun,
    /// A named policy of the scenario.
    #[arg(long)]
    pub policy: Option<String>,
    /// Write the whole summary as JSON; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report (open it in any browser).
    #[arg(long, value_name = "FILE", conflicts_with = "shard")]
    pub html: Option<PathBuf>,
    /// Write one CSV row per trial: outcome, metrics, sampled parameters; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-", conflicts_with = "shard")]
    pub csv: Option<PathBuf>,
    /// Exit 1 (with a one-line diff) unless the run's digest equals HEX.
    #[arg(long, value_name = "HEX")]
    pub expect_digest: Option<String>,
    /// Run only shard K of N (K from 0): trials floor(K*T/N) to floor((K+1)*T/N)-1; needs --out.
    #[arg(long, value_name = "K/N", requires = "out", conflicts_with_all = ["json", "expect_digest"],
          value_parser = parse_shard)]
    pub shard: Option<escalate::shard::Shard>,
    /// With --shard: the part file to write (merge parts with `escalate merge`).
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub out: Option<PathBuf>,
}
