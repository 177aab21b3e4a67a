//! Command-line arguments, as clap parses them (low level), and their
//! conversion into the library's requests (high level).
//!
//! Every flag is defined once, in a group that each command flattens: the
//! scenario, `--trials`, `--seed`, `--policy`, the setup (`--set`,
//! `--horizon`), the executor (`--threads`, `--quiet`) and the Slurm
//! resources. Each command's `request()` turns its groups into the library's
//! request; `to_args()` on the request gives the words back (a test parses
//! them again and gets the same request).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use escalate::run::request::{DEFAULT_SEED, DEFAULT_TRIALS};
use escalate::run::{Executor, RunRequest, Setup};
use escalate::scenario::Override;
use escalate::shard::Shard;

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
    Run(super::run::RunArgs),
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
}

impl RunWhat {
    /// The library's request (no shard).
    pub fn request(&self) -> RunRequest {
        RunRequest {
            scenario: self.scenario.scenario.clone(),
            setup: self.setup.setup(self.policy.policy.clone()),
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
        escalate::scenario::ScenarioError::Override { message, help, .. } => {
            format!("{message}\n  help: {help}")
        }
        other => other.to_string(),
    })
}

/// Reads `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse().map_err(|e| match e {
        escalate::shard::ShardError::Spec { message, .. } => message,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    //! Every request's `to_args()`, parsed again by the command line, gives the
    //! same request back; and the quoted command line a report shows gives the
    //! same words back through a real shell.

    use clap::Parser;

    use super::{Cli, Command};
    use escalate::run::command::command_line;
    use escalate::run::{CompareRequest, RunRequest, Setup, TraceRequest};
    use escalate::shard::Shard;
    use escalate::sweep::{DesignKind, SweepSpec};

    /// Awkward words: spaces, quotes, `%`, `$`, a leading dash-free glob.
    const SCENARIO: &str = "my dir/it's 100% \"real\" $HOME*.ron";

    fn setup(policy: Option<&str>) -> Setup {
        Setup {
            policy: policy.map(str::to_string),
            overrides: vec![
                "actors.TTP.fighters=Normal(4000, 500)".parse().unwrap(),
                "groups.G.rate = 3".parse().unwrap(),
            ],
            horizon: Some(400),
        }
    }

    fn parse(args: &[String]) -> Command {
        let words = std::iter::once("escalate".to_string()).chain(args.iter().cloned());
        match Cli::try_parse_from(words) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{args:?} does not parse: {e}"),
        }
    }

    /// The words a POSIX shell makes of `line` (after `escalate`).
    fn shell_words(line: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {line}"))
            .output()
            .expect("sh runs");
        assert!(out.status.success());
        let words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect();
        assert_eq!(words[0], "escalate");
        words[1..].to_vec()
    }

    #[test]
    fn run_requests_round_trip_through_the_parser_and_the_shell() {
        for (policy, shard) in [
            (None, None),
            (Some("talks"), None),
            (
                Some("policies/my 'policy' %1.ron"),
                Some(Shard::new(3, 16).unwrap()),
            ),
        ] {
            let request = RunRequest {
                scenario: Some(SCENARIO.into()),
                setup: setup(policy),
                seed: 42,
                trials: 1234,
                shard,
            };
            let mut args = request.to_args();
            assert_eq!(shell_words(&command_line(&args)), args);
            if shard.is_some() {
                // Where a shard's part goes is an output, not part of the request.
                args.extend(["--out", "part 3.esc"].map(String::from));
            }
            let Command::Run(a) = parse(&args) else {
                panic!("not a run")
            };
            assert_eq!(a.request(), request);
        }
        let bare = RunRequest::new(None, 7, 10);
        let Command::Run(a) = parse(&bare.to_args()) else {
            panic!("not a run")
        };
        assert_eq!(a.request(), bare);
    }

    #[test]
    fn compare_requests_round_trip() {
        let request = CompareRequest {
            scenario: Some(SCENARIO.into()),
            policies: vec!["baseline".into(), "talks".into(), "a b.ron".into()],
            setup: setup(None),
            seed: 9,
            trials: 300,
        };
        let args = request.to_args();
        assert_eq!(shell_words(&command_line(&args)), args);
        let Command::Compare(a) = parse(&args) else {
            panic!("not a compare")
        };
        assert_eq!(a.request(), request);
    }

    #[test]
    fn trace_requests_round_trip() {
        let request = TraceRequest {
            scenario: Some(SCENARIO.into()),
            setup: setup(Some("it's.ron")),
            seed: 3,
            trial: 77,
        };
        let args = request.to_args();
        assert_eq!(shell_words(&command_line(&args)), args);
        let Command::Trace(a) = parse(&args) else {
            panic!("not a trace")
        };
        assert_eq!(a.request(), request);
    }

    fn sweep_spec(design: DesignKind, levels: usize) -> SweepSpec {
        SweepSpec {
            scenario: SCENARIO.into(),
            design,
            points: Some(8),
            levels,
            sets: vec![
                "actors.TTP.fighters=3000..5000".into(),
                "x.y=[1, 2, 3]".into(),
            ],
            policies: vec!["baseline".into(), "my talks.ron".into()],
            trials: 200,
            seed: 5,
            horizon: Some(90),
        }
    }

    #[test]
    fn sweep_specs_round_trip_including_the_slurm_form() {
        for spec in [
            sweep_spec(DesignKind::Morris, 6),
            sweep_spec(DesignKind::Sobol, 4),
        ] {
            let args = spec.to_args();
            assert_eq!(shell_words(&command_line(&args)), args);
            let Command::Sweep(a) =
                parse(&[args.clone(), vec!["--out".into(), "o".into()]].concat())
            else {
                panic!("not a sweep")
            };
            assert_eq!(a.what.spec(), spec);
            // `escalate slurm sweep ...` takes the same words.
            let mut slurm = vec!["slurm".to_string()];
            slurm.extend(args);
            slurm.extend(["--shards", "2", "--dir", "d"].map(String::from));
            let Command::Slurm(s) = parse(&slurm) else {
                panic!("not slurm")
            };
            let Some(super::super::slurm::SlurmSweep::Sweep(s)) = s.sweep else {
                panic!("not slurm sweep")
            };
            assert_eq!(s.what.spec(), spec);
        }
    }

    #[test]
    fn slurm_takes_the_run_words() {
        let request = RunRequest {
            scenario: Some(SCENARIO.into()),
            setup: setup(Some("talks")),
            seed: 1,
            trials: 5000,
            shard: None,
        };
        let mut args = request.to_args();
        args[0] = "slurm".into();
        args.extend(["--shards", "4", "--dir", "study dir"].map(String::from));
        let Command::Slurm(s) = parse(&args) else {
            panic!("not slurm")
        };
        assert_eq!(s.what.request(), request);
        assert_eq!(s.job.shards, Some(4));
    }
}
