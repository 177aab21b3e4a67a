//! Requests: what a user asks to run, before anything is read, and the one
//! place where a request becomes a compiled model.
//!
//! A request holds the values of the command line, already parsed (a seed is
//! a `u64`, an override a parsed [`Override`]) but not yet checked against a
//! scenario. [`RunRequest::prepare`], [`CompareRequest::prepare`] and
//! [`TraceRequest::prepare`] check them once (trials, horizon, shard, policy),
//! read the scenario and compile it through [`Loaded::compile`], the only
//! caller of [`crate::core::model::compile`] outside tests. Merged shards and sweep
//! points go through [`Loaded::compile`] too, from their own recorded setups.
//!
//! Every request has `to_args()`: the words after `escalate` that ask for it
//! again (the reproduce commands of reports, Slurm script lines, resume hints);
//! the command line parses them back into an equal request.

use std::ops::Range;
use std::path::Path;

use crate::core::model::{self, Model};
use crate::core::policy_file::{self, BASELINE, Resolved};
use crate::core::posterior::{Posterior, PosteriorError};
use crate::core::scenario::{self, BUNDLED, ScenarioError, Source, Validated};
use crate::io::InputFiles;
use crate::run::shard::Shard;

use super::command::{command_line, push_flag};
use super::identity::RunIdentity;
use super::setup::Setup;

/// The seed of a run when none is given: fixed, printed with every run, so a bare run is reproducible.
pub const DEFAULT_SEED: u64 = 20240318;

/// Trials of a run when none is given.
pub const DEFAULT_TRIALS: u64 = 10_000;

/// The longest horizon a run may ask for, in days (a century).
pub const MAX_HORIZON: u32 = 36_500;

/// Why a request cannot be prepared.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RequestError {
    /// The scenario or a policy file is wrong (every problem, with positions).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] ScenarioError),
    /// `--trials 0`.
    #[error("--trials 0: nothing to run")]
    #[diagnostic(code(escalate::trials), help("use --trials 1 or more"))]
    NoTrials,
    /// A horizon outside 1 to [`MAX_HORIZON`] days.
    #[error("--horizon {0}: out of range")]
    #[diagnostic(code(escalate::horizon), help("use 1 to 36500 days"))]
    Horizon(u32),
    /// A sharded run whose policy comes from a file: the identity records the
    /// file's name, not its contents, so its parts could not be checked.
    #[error("--policy {0}: a policy file cannot be sharded or merged yet")]
    #[diagnostic(
        code(escalate::part::policy_file),
        help(
            "add the policy to the scenario's `policies` and pass its name to --policy, or run unsharded"
        )
    )]
    PolicyFile(String),
    /// The posterior file is wrong, or names a path the scenario lacks.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Posterior(#[from] PosteriorError),
    /// A comparison with one policy, `baseline` alone.
    #[error("--policy baseline alone: nothing to compare")]
    #[diagnostic(
        code(escalate::compare::policies),
        help("name a policy to compare with baseline, e.g. --policy talks")
    )]
    NothingToCompare,
    /// A comparison naming one policy twice.
    #[error("--policy {0} is given twice")]
    #[diagnostic(code(escalate::compare::twice), help("give each policy once"))]
    PolicyTwice(String),
    /// A policy that changes what a comparison pairs.
    #[error("policy `{policy}` changes the scenario's {what}, so its trials cannot be paired")]
    #[diagnostic(
        code(escalate::compare::shape),
        help("a policy may add or disable rules and set parameters only")
    )]
    Shape {
        /// The policy.
        policy: String,
        /// What it changes.
        what: &'static str,
    },
}

/// A scenario read and validated once: the base that every setup configures.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Its text and the name it was read under.
    pub source: Source,
    /// The scenario as written (no policy, no overrides).
    pub base: Validated,
}

impl Loaded {
    /// Reads a scenario file or a bundled scenario by name (None: the flagship).
    pub fn open(scenario: Option<&str>) -> Result<Loaded, ScenarioError> {
        let name = scenario.unwrap_or(BUNDLED[0].name);
        Loaded::from_source(Source::open(name)?)
    }

    /// Validates a scenario's text.
    pub fn from_source(source: Source) -> Result<Loaded, ScenarioError> {
        let base = scenario::load(&source)?;
        Ok(Loaded { source, base })
    }

    /// What a `--policy` argument means for this scenario (see [`policy_file`]).
    pub fn resolve(&self, policy: Option<&str>) -> Result<Resolved, ScenarioError> {
        policy_file::resolve(&self.base, &self.source, policy)
    }

    /// Whether `--policy ARG` names a policy file rather than one of the scenario's.
    pub fn is_policy_file(&self, arg: &str) -> bool {
        !self.base.scenario().policies.iter().any(|p| p.name == arg) && Path::new(arg).is_file()
    }

    /// The scenario with `setup` applied (policy, then overrides, then horizon), validated.
    pub fn configure(&self, setup: &Setup) -> Result<Validated, RequestError> {
        if let Some(h) = setup.horizon
            && !(1..=MAX_HORIZON).contains(&h)
        {
            return Err(RequestError::Horizon(h));
        }
        let resolved = self.resolve(setup.policy.as_deref())?;
        let mut configured = resolved.scenario.configure(
            &self.source,
            resolved.policy.as_deref(),
            &setup.overrides,
        )?;
        if let Some(h) = setup.horizon {
            configured = configured.with_horizon(h, &self.source)?;
        }
        Ok(configured)
    }

    /// The compiled model of this scenario under `setup`; with a posterior,
    /// the file is read and bound to the model (every path a parameter slot).
    pub fn compile(&self, setup: &Setup) -> Result<Model, RequestError> {
        let mut m = model::compile(&self.configure(setup)?);
        if let Some(file) = &setup.posterior {
            m.posterior = Some(Posterior::read(file)?.bind(&m)?);
        }
        Ok(m)
    }
}

/// `escalate run`: trials of one scenario under one setup, or one shard of them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    /// Scenario file or bundled name, as given (None: the flagship).
    pub scenario: Option<String>,
    /// Policy, overrides, horizon.
    pub setup: Setup,
    /// The seed of the run's streams.
    pub seed: u64,
    /// Trials in the whole run (a shard runs part of them).
    pub trials: u64,
    /// Only shard K of N of the trials.
    pub shard: Option<Shard>,
}

/// A run ready to execute: the scenario, its compiled model and the run's identity.
#[derive(Debug)]
pub struct PreparedRun {
    /// The request it came from.
    pub request: RunRequest,
    /// The scenario as read.
    pub loaded: Loaded,
    /// The compiled model.
    pub model: Model,
    /// What identifies the run.
    pub identity: RunIdentity,
}

impl RunRequest {
    /// A whole run of `trials` trials of `scenario`, default setup.
    pub fn new(scenario: Option<String>, seed: u64, trials: u64) -> RunRequest {
        RunRequest {
            scenario,
            setup: Setup::default(),
            seed,
            trials,
            shard: None,
        }
    }

    /// Checks the request, reads and compiles the scenario.
    pub fn prepare(&self) -> Result<PreparedRun, RequestError> {
        if self.trials == 0 {
            return Err(RequestError::NoTrials);
        }
        let loaded = Loaded::open(self.scenario.as_deref())?;
        if self.shard.is_some()
            && let Some(p) = self.setup.policy.as_deref()
            && loaded.is_policy_file(p)
        {
            return Err(RequestError::PolicyFile(p.to_string()));
        }
        let model = loaded.compile(&self.setup)?;
        let identity = RunIdentity::new(
            &loaded.source,
            &self.setup,
            self.seed,
            self.trials,
            model.horizon,
        )
        .with_posterior_of(&model);
        Ok(PreparedRun {
            request: self.clone(),
            loaded,
            model,
            identity,
        })
    }

    /// This request with everything a later reader needs pinned: the scenario
    /// by the name it was read under, the horizon the model has, no shard.
    /// Its [`to_args`](Self::to_args) are the reproduce command of the run.
    pub fn pinned(&self, source: &Source, horizon: u32) -> RunRequest {
        RunRequest {
            scenario: Some(source.name.clone()),
            setup: Setup {
                horizon: Some(horizon),
                ..self.setup.clone()
            },
            shard: None,
            ..self.clone()
        }
    }

    /// The files this run reads: the scenario file, a policy file, the posterior.
    pub fn input_files(&self) -> InputFiles {
        scenario_and_setup_inputs(self.scenario.as_deref(), &self.setup)
    }

    /// The trial indices this request runs: all of them, or its shard's.
    pub fn trial_range(&self) -> Range<u64> {
        match self.shard {
            Some(s) => s.range(self.trials),
            None => 0..self.trials,
        }
    }

    /// The request an identity records (what reproduces that run; no shard).
    pub fn from_identity(id: &RunIdentity) -> Result<RunRequest, ScenarioError> {
        Ok(RunRequest {
            scenario: Some(id.scenario_file.clone()),
            setup: id.setup()?,
            seed: id.seed,
            trials: id.trials,
            shard: None,
        })
    }

    /// The words after `escalate` that ask for this run.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec!["run".to_string()];
        args.extend(self.scenario.clone());
        push_flag(&mut args, "--trials", self.trials);
        push_flag(&mut args, "--seed", self.seed);
        self.setup.push_args(&mut args);
        if let Some(s) = self.shard {
            push_flag(&mut args, "--shard", s);
        }
        args
    }
}

impl PreparedRun {
    /// The command line that reproduces this run's results (the whole run, even for a shard).
    pub fn command(&self) -> String {
        command_line(
            &self
                .request
                .pinned(&self.loaded.source, self.model.horizon)
                .to_args(),
        )
    }
}

/// A policy of a comparison: its name, description and `--policy` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLabel {
    /// Name shown.
    pub name: String,
    /// Description shown.
    pub description: String,
    /// The `--policy` argument as given.
    pub arg: String,
}

/// `escalate compare`: several policies on the same trials (common random numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRequest {
    /// Scenario file or bundled name (None: the flagship).
    pub scenario: Option<String>,
    /// The `--policy` arguments, the reference first (at least two once checked).
    pub policies: Vec<String>,
    /// Overrides and horizon, shared by every policy (`setup.policy` is unused).
    pub setup: Setup,
    /// The seed shared by every policy.
    pub seed: u64,
    /// Trials per policy.
    pub trials: u64,
}

/// A comparison ready to execute: one model per policy, checked to be pairable.
#[derive(Debug)]
pub struct PreparedComparison {
    /// The request it came from (policies expanded: see [`CompareRequest::expanded`]).
    pub request: CompareRequest,
    /// The scenario as read.
    pub loaded: Loaded,
    /// Each policy's label, in order.
    pub labels: Vec<PolicyLabel>,
    /// Each policy's compiled model, in order.
    pub models: Vec<Model>,
    /// Each policy's own run identity (what `escalate run --policy P` would be).
    pub identities: Vec<RunIdentity>,
    /// What the policies share: the identity with no policy.
    pub identity: RunIdentity,
}

impl CompareRequest {
    /// The files this comparison reads: the scenario file, policy files, the posterior.
    pub fn input_files(&self) -> InputFiles {
        let mut files = InputFiles::new();
        if let Some(s) = &self.scenario {
            files.add("the scenario", s);
        }
        for p in &self.policies {
            files.add("a policy file", p);
        }
        self.setup.add_inputs(&mut files);
        files
    }

    /// The policies to run: one alone is compared with `baseline`, put first.
    pub fn expanded(&self) -> Vec<String> {
        let mut p = self.policies.clone();
        if p.len() == 1 && p[0] != BASELINE {
            p.insert(0, BASELINE.to_string());
        }
        p
    }

    /// Checks the request, reads the scenario, compiles every policy's model
    /// and checks that their trials can be paired.
    pub fn prepare(&self) -> Result<PreparedComparison, RequestError> {
        if self.trials == 0 {
            return Err(RequestError::NoTrials);
        }
        let policies = self.expanded();
        if policies.len() < 2 {
            return Err(RequestError::NothingToCompare);
        }
        for (i, p) in policies.iter().enumerate() {
            if policies[..i].contains(p) {
                return Err(RequestError::PolicyTwice(p.clone()));
            }
        }
        let loaded = Loaded::open(self.scenario.as_deref())?;
        let mut labels = Vec::with_capacity(policies.len());
        let mut models = Vec::with_capacity(policies.len());
        let mut identities = Vec::with_capacity(policies.len());
        for arg in &policies {
            let setup = Setup {
                policy: Some(arg.clone()),
                ..self.setup.clone()
            };
            let model = loaded.compile(&setup)?;
            identities.push(
                RunIdentity::new(
                    &loaded.source,
                    &setup,
                    self.seed,
                    self.trials,
                    model.horizon,
                )
                .with_posterior_of(&model),
            );
            labels.push(label(&loaded, arg)?);
            models.push(model);
        }
        check_shapes(&labels, &models)?;
        let identity = RunIdentity::new(
            &loaded.source,
            &Setup {
                policy: None,
                ..self.setup.clone()
            },
            self.seed,
            self.trials,
            models[0].horizon,
        )
        .with_posterior_of(&models[0]);
        Ok(PreparedComparison {
            request: CompareRequest {
                policies,
                ..self.clone()
            },
            loaded,
            labels,
            models,
            identities,
            identity,
        })
    }

    /// The run of policy `k` alone, pinned (see [`RunRequest::pinned`]):
    /// what `escalate run --policy P` reproduces of this comparison.
    pub fn policy_run(&self, k: usize, source: &Source, horizon: u32) -> RunRequest {
        RunRequest {
            scenario: self.scenario.clone(),
            setup: Setup {
                policy: Some(self.policies[k].clone()),
                ..self.setup.clone()
            },
            seed: self.seed,
            trials: self.trials,
            shard: None,
        }
        .pinned(source, horizon)
    }

    /// The words after `escalate` that ask for this comparison.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec!["compare".to_string()];
        args.extend(self.scenario.clone());
        push_flag(&mut args, "--trials", self.trials);
        push_flag(&mut args, "--seed", self.seed);
        self.setup.push_horizon(&mut args);
        for p in &self.policies {
            push_flag(&mut args, "--policy", p);
        }
        self.setup.push_overrides(&mut args);
        self.setup.push_posterior(&mut args);
        args
    }
}

impl PreparedComparison {
    /// The command line that reproduces this comparison.
    pub fn command(&self) -> String {
        let pinned = CompareRequest {
            scenario: Some(self.loaded.source.name.clone()),
            setup: Setup {
                policy: None,
                horizon: Some(self.models[0].horizon),
                ..self.request.setup.clone()
            },
            ..self.request.clone()
        };
        command_line(&pinned.to_args())
    }

    /// The command line that reproduces policy `k`'s results alone (`escalate run --policy P`).
    pub fn policy_command(&self, k: usize) -> String {
        command_line(
            &self
                .request
                .policy_run(k, &self.loaded.source, self.models[k].horizon)
                .to_args(),
        )
    }
}

/// A policy's name and description, from the scenario or its file.
fn label(loaded: &Loaded, arg: &str) -> Result<PolicyLabel, ScenarioError> {
    let r = loaded.resolve(Some(arg))?;
    let description = match &r.policy {
        None => "the scenario as written, no policy applied".to_string(),
        Some(name) => r
            .scenario
            .scenario()
            .policies
            .iter()
            .find(|p| &p.name == name)
            .map(|p| p.description.clone())
            .unwrap_or_default(),
    };
    Ok(PolicyLabel {
        name: r.label,
        description,
        arg: arg.to_string(),
    })
}

/// Checks that every policy's model has the reference's metrics, classes,
/// horizon, ladder and dyads, so trial i of each can be paired.
fn check_shapes(labels: &[PolicyLabel], models: &[Model]) -> Result<(), RequestError> {
    let m0 = &models[0];
    for (l, m) in labels.iter().zip(models).skip(1) {
        let what = if m.metrics.defs.iter().map(|d| &d.name).ne(m0
            .metrics
            .defs
            .iter()
            .map(|d| &d.name))
        {
            "metrics"
        } else if m
            .classes
            .iter()
            .map(|c| &c.name)
            .ne(m0.classes.iter().map(|c| &c.name))
        {
            "outcome classes"
        } else if m.horizon != m0.horizon || m.rungs != m0.rungs || m.dyads.len() != m0.dyads.len()
        {
            "horizon, ladder or dyads"
        } else {
            continue;
        };
        return Err(RequestError::Shape {
            policy: l.name.clone(),
            what,
        });
    }
    Ok(())
}

/// `escalate trace`: one trial of a run, replayed with its story.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRequest {
    /// Scenario file or bundled name (None: the flagship).
    pub scenario: Option<String>,
    /// Policy, overrides, horizon: as in the run.
    pub setup: Setup,
    /// The run's seed.
    pub seed: u64,
    /// The trial's index in the run.
    pub trial: u64,
}

/// A trace ready to replay.
#[derive(Debug)]
pub struct PreparedTrace {
    /// The scenario as read.
    pub loaded: Loaded,
    /// The compiled model.
    pub model: Model,
}

impl TraceRequest {
    /// The files this trace reads: the scenario file, a policy file, the posterior.
    pub fn input_files(&self) -> InputFiles {
        scenario_and_setup_inputs(self.scenario.as_deref(), &self.setup)
    }

    /// Reads and compiles the scenario.
    pub fn prepare(&self) -> Result<PreparedTrace, RequestError> {
        let loaded = Loaded::open(self.scenario.as_deref())?;
        let model = loaded.compile(&self.setup)?;
        Ok(PreparedTrace { loaded, model })
    }

    /// The words after `escalate` that ask for this trace (in the default format).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec!["trace".to_string()];
        args.extend(self.scenario.clone());
        push_flag(&mut args, "--seed", self.seed);
        push_flag(&mut args, "--trial", self.trial);
        self.setup.push_args(&mut args);
        args
    }
}

/// The files read by a command of one scenario and one setup: the scenario
/// file, a policy file, the posterior.
fn scenario_and_setup_inputs(scenario: Option<&str>, setup: &Setup) -> InputFiles {
    let mut files = InputFiles::new();
    if let Some(s) = scenario {
        files.add("the scenario", s);
    }
    setup.add_inputs(&mut files);
    files
}
