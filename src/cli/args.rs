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

/// `escalate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to run.
    #[command(flatten)]
    pub common: CommonRun,
    /// A named policy of the scenario.
    #[arg(long)]
    pub policy: Option<String>,
    /// Write the whole summary as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit 1 (with a one-line diff) unless the run's digest equals HEX.
    #[arg(long, value_name = "HEX")]
    pub expect_digest: Option<String>,
}
