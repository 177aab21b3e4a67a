//! A sweep's plan: the request checked against the scenario, its factors, the
//! design in the unit hypercube, the overrides of every design point, the
//! outputs that get indices, and the sweep's identity (fingerprint and
//! `sweep.json`).
//!
//! Everything here is decided before anything is run or written, so a bad
//! request fails with a clear message and leaves no files behind: every design
//! point is configured (policy and overrides applied, then validated) once up
//! front.

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::core::model::Model;
use crate::core::posterior::Posterior;
use crate::core::scenario::param::number;
use crate::core::scenario::{Override, Param, Validated, paths};
use crate::io::{InputFiles, hex};
use crate::run::command::{command_line, push_flag};
use crate::run::{Loaded, RunIdentity, Setup};
use crate::sensitivity::{self, Design};

use super::SweepError;
use super::factor::{Factor, FactorKind, SetSpec, Value};

/// The experimental designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    /// Full factorial: `--points` levels per input.
    Grid,
    /// Latin hypercube of `--points` points.
    Lhs,
    /// Saltelli design on the Sobol sequence: `--points` base samples, N (k + 2) points.
    Sobol,
    /// Morris trajectories: `--points` trajectories of k + 1 points on `--levels` levels.
    Morris,
}

impl DesignKind {
    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Lhs => "lhs",
            DesignKind::Sobol => "sobol",
            DesignKind::Morris => "morris",
        }
    }
}

/// What the user asked for: the command line of `escalate sweep`, unparsed values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Scenario file or bundled name, as given (None: the flagship).
    pub scenario: Option<String>,
    /// The design.
    pub design: DesignKind,
    /// `--points`: levels per input (grid), points (lhs), base samples (sobol), trajectories (morris).
    pub points: Option<usize>,
    /// `--levels`: Morris grid levels p.
    pub levels: usize,
    /// Every `--set`, as given.
    pub sets: Vec<String>,
    /// Every `--policy`, as given.
    pub policies: Vec<String>,
    /// Trials per design point.
    pub trials: u64,
    /// The seed: of every point's trials (common random numbers), of the LHS and
    /// Morris designs, and of the bootstrap.
    pub seed: u64,
    /// Days per trial (None: the scenario's horizon).
    pub horizon: Option<u32>,
    /// `--posterior`: every point's trials draw the file's paths from its
    /// weighted particles (None: the scenario's distributions).
    pub posterior: Option<PathBuf>,
    /// `--headline OUTPUT`: the output (`prob_CLASS` or `METRIC_mean`) the
    /// page leads with and the summaries list first (None: mean total deaths,
    /// or the first output with indices). Not part of the sweep's identity:
    /// it changes the page, the terminal summary and the command in
    /// `sweep.json`, never a point or an index, so a finished sweep can be
    /// shown again under another headline.
    pub headline: Option<String>,
}

impl SweepSpec {
    /// The files this sweep reads: the scenario file, policy files, the posterior.
    pub fn input_files(&self) -> InputFiles {
        let mut files = InputFiles::new();
        if let Some(s) = &self.scenario {
            files.add("the scenario", s);
        }
        for p in &self.policies {
            files.add("a policy file", p);
        }
        if let Some(p) = &self.posterior {
            files.add("the posterior", p);
        }
        files
    }

    /// The words after `escalate` that ask for this sweep (add `--out DIR`).
    pub fn to_args(&self) -> Vec<String> {
        let mut w = vec!["sweep".to_string()];
        w.extend(self.scenario.clone());
        w.extend(["--design".into(), self.design.name().into()]);
        if let Some(n) = self.points {
            push_flag(&mut w, "--points", n);
        }
        if self.design == DesignKind::Morris {
            push_flag(&mut w, "--levels", self.levels);
        }
        for s in &self.sets {
            push_flag(&mut w, "--set", s.trim());
        }
        for p in &self.policies {
            push_flag(&mut w, "--policy", p);
        }
        push_flag(&mut w, "--trials", self.trials);
        push_flag(&mut w, "--seed", self.seed);
        if let Some(h) = self.horizon {
            push_flag(&mut w, "--horizon", h);
        }
        if let Some(p) = &self.posterior {
            push_flag(&mut w, "--posterior", p.display());
        }
        if let Some(h) = &self.headline {
            push_flag(&mut w, "--headline", h);
        }
        w
    }
}

/// Bootstrap resamples of the Sobol index intervals.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// Which quantity an output is: what code refers to an output by (its name,
/// `prob_CLASS` or `METRIC_mean`, is only for files and people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputId {
    /// The probability of outcome class `c` (model order): `prob_CLASS`.
    ClassProb(usize),
    /// The mean of metric `m` (model order): `METRIC_mean`.
    MetricMean(usize),
}

impl OutputId {
    /// The mean of the metric named `metric` in `plan`, if it has one.
    pub fn metric_mean(plan: &Plan, metric: &str) -> Option<OutputId> {
        plan.metrics
            .iter()
            .position(|m| m == metric)
            .map(OutputId::MetricMean)
    }
}

/// An output that gets sensitivity indices: a column of `points.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputDef {
    /// Which output it is (not written: `name` says it in the files).
    #[serde(skip)]
    pub id: OutputId,
    /// Column name: `prob_CLASS` or `METRIC_mean`.
    pub name: String,
    /// What it is.
    pub description: String,
}

/// A checked sweep, ready to run.
#[derive(Debug)]
pub struct Plan {
    /// The request.
    pub spec: SweepSpec,
    /// The scenario, as read (no policy, no overrides).
    pub loaded: Loaded,
    /// `--set PATH=VALUE` with a number: the same at every point.
    pub fixed: Vec<Override>,
    /// The policy of every point when there is one `--policy`.
    pub policy: Option<String>,
    /// The inputs, in design column order: `--set` factors as given, then `policy`.
    pub factors: Vec<Factor>,
    /// The design in the unit hypercube: one row per point, one column per factor.
    pub unit: Design,
    /// Outcome class names, model order.
    pub classes: Vec<String>,
    /// Metric names, model order.
    pub metrics: Vec<String>,
    /// The outputs that get indices: every class probability, then every metric mean.
    pub outputs: Vec<OutputDef>,
    /// Hex SHA-256 of the sweep's identity: what must match to resume.
    pub fingerprint: String,
    /// Days per trial.
    pub horizon: u32,
    /// `--posterior`, read once: bound to every point's model; its hash is in
    /// the fingerprint.
    pub posterior: Option<Posterior>,
    /// `--headline`, checked: the output the reports lead with (None: their
    /// default, see `report::sweep_html::headline`).
    pub headline: Option<OutputId>,
}

/// What identifies a sweep's results; hashed into the fingerprint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Identity {
    /// What every design point's run shares: escalate's version, the scenario's
    /// hash, the fixed policy and overrides, the seed, the trials per point,
    /// the horizon and, with `--posterior`, the posterior file's SHA-256
    /// (`posterior_sha256`; absent without one). Its file names are empty: a sweep read from another path (a
    /// Slurm study's copy) is the same sweep.
    pub run: RunIdentity,
    /// The design.
    pub design: DesignKind,
    /// `--points`.
    pub points_arg: Option<usize>,
    /// `--levels` (Morris only; null otherwise).
    pub levels: Option<usize>,
    /// Rows of the design.
    pub design_points: usize,
    /// Factors, `NAME=SPEC`.
    pub factors: Vec<String>,
    /// How a Sobol design's points are made: `owen-scrambled` (Owen's
    /// scrambling seeded with the sweep's seed; absent for the other designs).
    /// Sobol sweeps of earlier builds used unscrambled points and lack the
    /// field, so their directories are refused, not resumed with other points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sobol_points: Option<&'static str>,
}

/// Turns a library error into a design error with advice.
fn design_error(e: sensitivity::SensitivityError, spec: &SweepSpec) -> SweepError {
    use sensitivity::SensitivityError as E;
    let help = match (&e, spec.design) {
        (E::DesignTooLarge { .. }, _) => "use fewer --points or fewer factors".to_string(),
        (E::TooFewSamples { .. }, DesignKind::Morris) => "use --points 2 or more".into(),
        (E::TooFewLevels { .. }, _) => "use --points 2 or more (levels per input)".into(),
        (E::TooManyDimensions { .. }, _) => "sweep at most 80 factors with sobol".into(),
        _ => "see docs/sweeps.md for the sizes each design takes".into(),
    };
    SweepError::Design {
        message: format!("--design {}: {e}", spec.design.name()),
        help,
    }
}

/// The output `--headline GIVEN` names, or the error that says which names
/// there are (and which one was meant, when a metric or class was named
/// without its `_mean` or `prob_`).
fn headline_output(given: &str, outputs: &[OutputDef]) -> Result<OutputId, SweepError> {
    if let Some(o) = outputs.iter().find(|o| o.name == given) {
        return Ok(o.id);
    }
    let names: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
    let meant = [format!("{given}_mean"), format!("prob_{given}")]
        .into_iter()
        .find(|n| names.contains(&n.as_str()));
    let help = match meant {
        Some(n) => format!("did you mean `{n}`?"),
        None => crate::core::suggest::help(given, &names, "the sweep's outputs"),
    };
    Err(SweepError::Options {
        message: format!(
            "--headline {given}: the sweep has no output of that name (outputs are `prob_CLASS` \
             and `METRIC_mean`, as in sensitivity.csv)"
        ),
        help,
    })
}

impl Plan {
    /// Checks a request against its scenario and builds the design.
    pub fn new(spec: SweepSpec) -> Result<Plan, SweepError> {
        if spec.trials == 0 {
            return Err(SweepError::Options {
                message: "--trials 0: nothing to run".into(),
                help: "use --trials 1 or more (1000 is a good start)".into(),
            });
        }
        let loaded = Loaded::open(spec.scenario.as_deref())?;
        let posterior = match &spec.posterior {
            Some(file) => Some(Posterior::read(file).map_err(crate::run::RequestError::from)?),
            None => None,
        };
        let base = &loaded.base;
        let known: Vec<(paths::ParamPath, Param)> = paths::list_params(base.scenario());
        let all_paths: Vec<String> = known.iter().map(|(pp, _)| pp.path.clone()).collect();
        let mut fixed = Vec::new();
        let mut factors: Vec<Factor> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for s in &spec.sets {
            let flag = format!("--set '{s}'");
            let parsed = SetSpec::parse(s).map_err(|e| SweepError::Set {
                flag: flag.clone(),
                message: e.message,
                help: e.help,
            })?;
            let path = match &parsed {
                SetSpec::Fixed(o) => o.path.clone(),
                SetSpec::Factor(f) => f.name.clone(),
            };
            let Some((pp, _)) = known.iter().find(|(pp, _)| pp.path == path) else {
                return Err(SweepError::UnknownPath {
                    flag,
                    path: path.clone(),
                    help: format!(
                        "nearest valid paths: {} (`escalate params{}` lists them all)",
                        paths::nearest(&path, &all_paths).join(", "),
                        spec.scenario
                            .as_deref()
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default()
                    ),
                });
            };
            if let Some(post) = &posterior
                && post.paths.contains(&path)
            {
                return Err(SweepError::Set {
                    flag,
                    message: format!(
                        "`{path}` is also set by the posterior {}: every trial takes it from its particle, so this --set would change nothing",
                        post.file
                    ),
                    help: format!(
                        "drop this --set, or sweep without --posterior (the posterior sets {})",
                        post.paths.join(", ")
                    ),
                });
            }
            if seen.contains(&path) {
                return Err(SweepError::Set {
                    flag,
                    message: format!("`{path}` is set twice"),
                    help: "give each path one --set".into(),
                });
            }
            seen.push(path.clone());
            let (lo, hi) = match &parsed {
                SetSpec::Fixed(o) => o.value.support(),
                SetSpec::Factor(f) => f.bounds(),
            };
            if !pp.range.admits(lo, hi) {
                return Err(SweepError::Set {
                    flag,
                    message: format!(
                        "values from {} to {} fall outside the range of `{path}`",
                        number(lo),
                        number(hi)
                    ),
                    help: format!("`{path}` takes {}", pp.range.describe()),
                });
            }
            match parsed {
                SetSpec::Fixed(o) => fixed.push(o),
                SetSpec::Factor(f) => factors.push(f),
            }
        }
        let policy_names: Vec<&str> = base
            .scenario()
            .policies
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        for (i, p) in spec.policies.iter().enumerate() {
            if p != "baseline" && !policy_names.contains(&p.as_str()) {
                let mut names = vec!["baseline"];
                names.extend(policy_names.iter().copied());
                let help = crate::core::suggest::did_you_mean(p, &names).unwrap_or_else(|| {
                    format!(
                        "a sweep takes the scenario's policies by name: {} (a policy file's \
                         policy goes into the scenario's `policies` first)",
                        names.join(", ")
                    )
                });
                return Err(SweepError::Options {
                    message: format!(
                        "--policy {p}: no policy of that name in {}",
                        loaded.source.name
                    ),
                    help,
                });
            }
            if spec.policies[..i].contains(p) {
                return Err(SweepError::Options {
                    message: format!("--policy {p} is given twice"),
                    help: "name each policy once".into(),
                });
            }
        }
        let policy = match spec.policies.len() {
            0 => None,
            1 => Some(spec.policies[0].clone()),
            _ => {
                factors.push(Factor {
                    name: "policy".into(),
                    kind: FactorKind::Policies(spec.policies.clone()),
                });
                None
            }
        };
        if factors.is_empty() {
            return Err(SweepError::Options {
                message: "nothing to sweep: no --set with a range, distribution or list, and fewer than two --policy".into(),
                help: "add e.g. --set 'actors.G.attack_rate=0.1..0.5' (see `escalate params [SCENARIO]`)".into(),
            });
        }
        let k = factors.len();
        let needs_points = spec.design != DesignKind::Grid
            || factors
                .iter()
                .any(|f| matches!(f.kind, FactorKind::Range { .. } | FactorKind::Dist(_)));
        let points = match spec.points {
            Some(0) => {
                return Err(SweepError::Options {
                    message: "--points 0".into(),
                    help: "use --points 1 or more (see docs/sweeps.md for sizes)".into(),
                });
            }
            Some(n) => n,
            None if needs_points => {
                return Err(SweepError::Options {
                    message: format!("--design {} needs --points N", spec.design.name()),
                    help: "grid: levels per input; lhs: points; sobol: base samples (N (k + 2) points); morris: trajectories".into(),
                });
            }
            None => 2,
        };
        if spec.design == DesignKind::Morris && spec.levels < 2 {
            return Err(SweepError::Options {
                message: format!("--levels {}: Morris needs at least 2 levels", spec.levels),
                help: "use --levels 4 (the usual choice) or another even number".into(),
            });
        }
        let unit = match spec.design {
            DesignKind::Grid => {
                let levels: Vec<usize> = factors.iter().map(|f| f.grid_levels(points)).collect();
                sensitivity::grid_design(&levels)
            }
            DesignKind::Lhs => sensitivity::latin_hypercube(points, k, spec.seed),
            DesignKind::Sobol => sensitivity::saltelli_design(points, k, spec.seed),
            DesignKind::Morris => sensitivity::morris_design(points, k, spec.levels, spec.seed),
        }
        .map_err(|e| design_error(e, &spec))?;
        let mut plan = Plan {
            loaded,
            fixed,
            policy,
            factors,
            unit,
            classes: vec![],
            metrics: vec![],
            outputs: vec![],
            fingerprint: String::new(),
            horizon: 0,
            posterior,
            headline: None,
            spec,
        };
        // Configure every point now: a bad value fails before anything runs or is written.
        for j in 0..plan.unit.len() {
            plan.configure(j)?;
        }
        let m = plan.model(0)?;
        plan.horizon = m.horizon;
        plan.classes = m.classes.iter().map(|c| c.name.clone()).collect();
        plan.metrics = m.metrics.defs.iter().map(|d| d.name.clone()).collect();
        plan.outputs = m
            .classes
            .iter()
            .enumerate()
            .map(|(c, class)| OutputDef {
                id: OutputId::ClassProb(c),
                name: format!("prob_{}", class.name),
                description: format!("probability of the class `{}`", class.name),
            })
            .chain(m.metrics.defs.iter().enumerate().map(|(k, d)| OutputDef {
                id: OutputId::MetricMean(k),
                name: format!("{}_mean", d.name),
                description: format!("mean of `{}` ({})", d.name, d.unit),
            }))
            .collect();
        plan.headline = match &plan.spec.headline {
            Some(given) => Some(headline_output(given, &plan.outputs)?),
            None => None,
        };
        let id = serde_json::to_vec(&plan.identity()).expect("serializable");
        plan.fingerprint = hex(&Sha256::digest(&id));
        Ok(plan)
    }

    /// Number of design points.
    pub fn len(&self) -> usize {
        self.unit.len()
    }

    /// True when the design has no points (never, for a built plan).
    pub fn is_empty(&self) -> bool {
        self.unit.is_empty()
    }

    /// The factors' values at point `j`, in factor order.
    pub fn values(&self, j: usize) -> Vec<Value> {
        self.factors
            .iter()
            .zip(&self.unit[j])
            .map(|(f, &u)| f.value(u))
            .collect()
    }

    /// The setup of point `j`: its policy, the fixed overrides then the
    /// factors', and the sweep's horizon.
    pub fn setup(&self, j: usize) -> Setup {
        let mut policy = self.policy.clone();
        let mut overrides = self.fixed.clone();
        for (f, v) in self.factors.iter().zip(self.values(j)) {
            match v {
                Value::Number(x) => overrides.push(Override {
                    path: f.name.clone(),
                    value: Param::Fixed(x),
                }),
                Value::Policy(p) => policy = Some(p),
            }
        }
        Setup {
            policy,
            overrides,
            horizon: self.spec.horizon,
            posterior: self.spec.posterior.clone(),
        }
    }

    /// Point `j`'s scenario: policy and overrides applied, validated.
    pub fn configure(&self, j: usize) -> Result<Validated, SweepError> {
        Ok(self.loaded.configure(&self.setup(j))?)
    }

    /// Point `j`'s compiled model (compiled once per point, before its trials).
    /// With a posterior, the file read once by [`Plan::new`] is bound to it
    /// (not read again: every point draws from the same particles).
    pub fn model(&self, j: usize) -> Result<Model, SweepError> {
        let setup = Setup {
            posterior: None,
            ..self.setup(j)
        };
        let mut m = self.loaded.compile(&setup)?;
        if let Some(p) = &self.posterior {
            m.posterior = Some(p.bind(&m).map_err(crate::run::RequestError::from)?);
        }
        Ok(m)
    }

    /// What identifies the sweep's results.
    pub fn identity(&self) -> Identity {
        let shared = Setup {
            policy: self.policy.clone(),
            overrides: self.fixed.clone(),
            horizon: Some(self.horizon),
            posterior: None,
        };
        let mut run = RunIdentity::new(
            &self.loaded.source,
            &shared,
            self.spec.seed,
            self.spec.trials,
            self.horizon,
        )
        .without_file();
        run.posterior_sha256 = self.posterior.as_ref().map(|p| p.sha256.clone());
        Identity {
            run,
            design: self.spec.design,
            points_arg: self.spec.points,
            levels: (self.spec.design == DesignKind::Morris).then_some(self.spec.levels),
            design_points: self.unit.len(),
            factors: self
                .factors
                .iter()
                .map(|f| format!("{}={}", f.name, f.spec()))
                .collect(),
            sobol_points: (self.spec.design == DesignKind::Sobol).then_some("owen-scrambled"),
        }
    }

    /// What the user should know before trusting this design's indices, one
    /// sentence each (empty: nothing). A Sobol design below
    /// [`sensitivity::sobol::MIN_BASE_SAMPLES`] base samples is run, not
    /// refused (a small sweep is how one checks a setup before a large one, and
    /// `points.csv` is right at any size), but every report of its indices
    /// says that they are not to be trusted; an `N` that is not a power of two
    /// is said too.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.spec.design != DesignKind::Sobol {
            return w;
        }
        let n = self.unit.len() / (self.factors.len() + 2);
        let min = sensitivity::sobol::MIN_BASE_SAMPLES;
        if n < min {
            w.push(format!(
                "N = {n} base samples is below {min}: at this size the 95% intervals miss the true \
                 indices more often than 1 time in 20 and inputs are often ranked wrongly \
                 (docs/sweeps.md, \"When the indices are not to be trusted\"); use --points {min} or more before \
                 reading the indices"
            ));
        }
        if !n.is_power_of_two() {
            let (lo, hi) = (
                1usize << (usize::BITS - 1 - n.leading_zeros()),
                n.next_power_of_two(),
            );
            w.push(format!(
                "N = {n} is not a power of two: the Sobol points are best balanced at powers of \
                 two; use --points {lo} or {hi}"
            ));
        }
        w
    }

    /// The command that reproduces the sweep (add `--out DIR`; `--threads` does not change results).
    pub fn command(&self) -> String {
        let spec = SweepSpec {
            scenario: Some(self.loaded.source.name.clone()),
            ..self.spec.clone()
        };
        command_line(&spec.to_args())
    }
}
