//! A calibration study: a scenario, its observed records and priors over some
//! of its parameters, joined to the ABC-SMC algorithm ([`super::abc`]).
//!
//! **Targets.** An observed record is a target when the compiled scenario has
//! the metric `{record.metric}@{record.period}`: the scenario declares a period
//! named like the record's period label (`2022`, `2023-Q3`). Every other record
//! is kept, with the reason it is not used ([`Study::unused`]); none is dropped
//! silently.
//!
//! **A particle's distance.** Particle θ sets each prior's path to a fixed
//! value (as `--set PATH=VALUE` would); its `T` trials run on the one
//! [`Executor`] under the seed [`keys::particle_seed`] of (seed, generation,
//! particle number), so a particle's result depends on nothing else. Each
//! target's summary is the mean of its metric over the `T` trials, and the
//! distance is [`standardised_distance`] over the targets.

use std::path::PathBuf;

use serde::Serialize;

use crate::core::model::Model;
use crate::core::observed::Observed;
use crate::core::scenario::{Override, Param, ScenarioError};
use crate::run::command::{command_line, push_flag};
use crate::run::trials::{Sums, SumsJob};
use crate::run::{Executor, Loaded, RequestError, RunIdentity, Setup};

use super::abc::{AbcConfig, Particle, Simulator};
use super::distance::{Observation, standardised_distance};
use super::keys;
use super::prior::Prior;

/// A prior over one parameter: its override path and distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorSpec {
    /// The parameter's path, as `--set` takes it (`actors.TTP.fighters`).
    pub path: String,
    /// Its prior, in the scenario's distribution syntax.
    pub param: Param,
}

impl PriorSpec {
    /// Reads `PATH=DIST`.
    pub fn parse(text: &str) -> Result<PriorSpec, String> {
        let o: Override = text.parse().map_err(|e| format!("{e}"))?;
        Ok(PriorSpec {
            path: o.path,
            param: o.value,
        })
    }

    /// `PATH=DIST`, as the command line takes it.
    pub fn text(&self) -> String {
        format!("{}={}", self.path, self.param)
    }
}

/// The six priors of the documented calibration of `pak-afghan-2021`
/// (docs/calibration.md, whose shipped posterior the 2024 scenario reads), as
/// `--prior` takes them: the one list its tests, its bench and the docs' test
/// share.
pub const DOCUMENTED_PRIORS: [&str; 6] = [
    "actors.TTP.attack_rate=Uniform(0.05, 0.35)",
    "actors.TTP.casualties.civilian=Uniform(0.2, 0.8)",
    "actors.TTP.casualties.security=Uniform(0.4, 1.2)",
    "levers.takeover_release.recruitment=Uniform(0, 0.0015)",
    "levers.ct_operation.militants_killed=Uniform(1, 6)",
    "levers.truce_2022.attack_factor=Uniform(0.2, 1)",
];

/// `escalate calibrate`: what to calibrate, against what, how long.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateRequest {
    /// Scenario file or bundled name (None: the flagship).
    pub scenario: Option<String>,
    /// Policy, fixed overrides and horizon of every particle's runs.
    pub setup: Setup,
    /// The observed-data file.
    pub observed: PathBuf,
    /// One prior per calibrated parameter, in order.
    pub priors: Vec<PriorSpec>,
    /// Accepted particles per generation.
    pub particles: usize,
    /// Trials per particle.
    pub trials: u64,
    /// At most this many generations (generation 0 included).
    pub generations: u32,
    /// Stop once a generation's tolerance is at most this.
    pub until_tolerance: Option<f64>,
    /// The seed of every stream.
    pub seed: u64,
}

impl CalibrateRequest {
    /// The files this calibration reads: the scenario file, a policy file, the observed file.
    pub fn input_files(&self) -> crate::io::InputFiles {
        let mut files = crate::io::InputFiles::new();
        if let Some(s) = &self.scenario {
            files.add("the scenario", s);
        }
        self.setup.add_inputs(&mut files);
        files.add("the observed file", &self.observed);
        files
    }

    /// The words after `escalate` that ask for this calibration (add `--out DIR`).
    pub fn to_args(&self) -> Vec<String> {
        let mut a = vec!["calibrate".to_string()];
        a.extend(self.scenario.clone());
        push_flag(&mut a, "--observed", self.observed.to_string_lossy());
        for p in &self.priors {
            push_flag(&mut a, "--prior", p.text());
        }
        push_flag(&mut a, "--particles", self.particles);
        push_flag(&mut a, "--trials-per-particle", self.trials);
        push_flag(&mut a, "--generations", self.generations);
        if let Some(e) = self.until_tolerance {
            push_flag(&mut a, "--until-tolerance", e);
        }
        push_flag(&mut a, "--seed", self.seed);
        self.setup.push_args(&mut a);
        a
    }

    /// The ABC settings this request asks for.
    pub fn config(&self) -> AbcConfig {
        AbcConfig {
            max_generations: self.generations,
            min_tolerance: self.until_tolerance.unwrap_or(0.0),
            ..AbcConfig::new(self.seed, self.particles)
        }
    }
}

/// Why a calibration cannot be set up.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StudyError {
    /// The scenario, its setup or a prior's path is wrong.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Request(#[from] RequestError),
    /// The observed file is wrong.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Observed(#[from] crate::core::observed::ObservedError),
    /// A prior that is not a proper continuous distribution.
    #[error("--prior {text}: {message}")]
    #[diagnostic(
        code(escalate::calibrate::prior),
        help(
            "give a continuous distribution in the scenario's syntax, e.g. --prior 'actors.TTP.fighters=Uniform(2000, 8000)'"
        )
    )]
    Prior {
        /// The flag's value.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// A parameter given two priors.
    #[error("--prior {0}: the path has two priors")]
    #[diagnostic(
        code(escalate::calibrate::prior_twice),
        help("give each path one --prior")
    )]
    PriorTwice(String),
    /// No observed record matches a metric of the scenario.
    #[error(
        "no record of {observed} matches a metric of the scenario ({unused} records, none usable)"
    )]
    #[diagnostic(
        code(escalate::calibrate::no_target),
        help(
            "declare periods named like the records' period labels (e.g. Period(name: \"2022\", ...)) in the scenario; see docs/calibration.md"
        )
    )]
    NoTarget {
        /// The observed file.
        observed: String,
        /// How many records it has.
        unused: usize,
    },
    /// Bad settings (particles, trials, generations).
    #[error("{0}")]
    #[diagnostic(code(escalate::calibrate::settings))]
    Settings(String),
}

/// A record the calibration fits: its metric's slot and its observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The record's id.
    pub id: String,
    /// The metric compared: `{metric}@{period}`.
    pub metric: String,
    /// Its slot in the model's metrics.
    #[serde(skip)]
    pub slot: usize,
    /// The observed value.
    pub value: f64,
    /// Its uncertainty.
    pub sd: f64,
}

/// A record the calibration does not use, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unused {
    /// The record's id.
    pub id: String,
    /// Why it is not a target.
    pub reason: String,
}

/// What identifies a calibration's results: hashed into its fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationIdentity {
    /// The runs every particle shares (the scenario by hash, fixed policy,
    /// overrides and horizon, the seed, trials per particle; file name empty).
    pub run: RunIdentity,
    /// SHA-256 of the observed file.
    pub observed_sha256: String,
    /// The priors, `PATH=DIST`.
    pub priors: Vec<String>,
    /// The ABC settings.
    pub config: AbcConfig,
}

/// A calibration ready to run.
#[derive(Debug)]
pub struct Study {
    /// The request.
    pub request: CalibrateRequest,
    /// The scenario as read.
    pub loaded: Loaded,
    /// The observed records.
    pub observed: Observed,
    /// The records fitted.
    pub targets: Vec<Target>,
    /// The records not used, with why.
    pub unused: Vec<Unused>,
    /// The priors, in request order.
    pub priors: Vec<Prior>,
    /// What identifies the results.
    pub identity: CalibrationIdentity,
    /// The compiled model a particle's is made from by setting its values,
    /// when that is proven to give the compiled model ([`ParticleTemplate`]).
    template: Option<ParticleTemplate>,
}

/// A particle's model made without compiling: the model compiled with the
/// priors in place, each prior's one parameter slot then set to the
/// particle's value. Kept only when, for two probe particles, that gives the
/// model the full path gives (the scenario configured with the values as
/// overrides, validated and compiled), compared field by field through
/// `Debug` (every field, floats to their last bit): then the values enter
/// the model only through their slots, as compiling does for any value. The
/// values themselves need no validation: each lies in its prior's support,
/// which `Study::new` checked lies in the parameter's range, and a fixed
/// value's range is the only check validation makes of it.
#[derive(Debug)]
struct ParticleTemplate {
    /// The model compiled with the priors as the parameters' distributions.
    model: Model,
    /// Each prior's parameter slot, in prior order.
    slots: Vec<usize>,
}

impl ParticleTemplate {
    /// The template of `study`, or `None` where setting the slots is not
    /// shown to give the compiled model (a prior's path that names more or
    /// fewer than one slot, a probe that does not compile or differs).
    fn new(study: &Study, model: &Model) -> Option<ParticleTemplate> {
        let slots = study
            .request
            .priors
            .iter()
            .map(|p| {
                let mut at = model
                    .params
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.path == p.path);
                match (at.next(), at.next()) {
                    (Some((k, _)), None) => Some(k),
                    _ => None,
                }
            })
            .collect::<Option<Vec<usize>>>()?;
        let template = ParticleTemplate {
            model: model.clone(),
            slots,
        };
        // Two probes inside every prior's support (its middle for an
        // unbounded one, moved by a unit on each side).
        for side in [0.3, 0.7] {
            let theta: Vec<f64> = study
                .priors
                .iter()
                .map(|p| match p.support() {
                    (lo, hi) if lo.is_finite() && hi.is_finite() => lo + side * (hi - lo),
                    (lo, _) if lo.is_finite() => lo + side,
                    (_, hi) if hi.is_finite() => hi - side,
                    _ => p.param().mean() + side - 0.5,
                })
                .collect();
            let compiled = study.loaded.compile(&study.particle_setup(&theta)).ok()?;
            if format!("{:?}", template.model_at(&theta)) != format!("{compiled:?}") {
                return None;
            }
        }
        Some(template)
    }

    /// The model of particle θ.
    fn model_at(&self, theta: &[f64]) -> Model {
        let mut m = self.model.clone();
        for (&k, &x) in self.slots.iter().zip(theta) {
            m.params[k].dist = Param::Fixed(x);
        }
        m
    }
}

impl Study {
    /// Checks the request against the scenario and the observed file.
    pub fn new(request: CalibrateRequest) -> Result<Study, StudyError> {
        if request.trials == 0 {
            return Err(RequestError::NoTrials.into());
        }
        request
            .config()
            .check()
            .map_err(|e| StudyError::Settings(e.to_string()))?;
        let loaded = Loaded::open(request.scenario.as_deref()).map_err(RequestError::from)?;
        let observed = Observed::read(&request.observed)?;
        let mut priors = Vec::with_capacity(request.priors.len());
        for (i, p) in request.priors.iter().enumerate() {
            if request.priors[..i].iter().any(|q| q.path == p.path) {
                return Err(StudyError::PriorTwice(p.text()));
            }
            priors.push(Prior::new(p.param.clone()).map_err(|e| StudyError::Prior {
                text: p.text(),
                message: e.to_string(),
            })?);
        }
        if priors.is_empty() {
            return Err(StudyError::Settings(
                "no --prior: name at least one parameter to calibrate".into(),
            ));
        }
        // The priors as overrides: checks every path and that each prior's
        // support lies in its parameter's range, before anything runs.
        let mut with_priors = request.setup.clone();
        with_priors
            .overrides
            .extend(request.priors.iter().map(|p| Override {
                path: p.path.clone(),
                value: p.param.clone(),
            }));
        let model = loaded.compile(&with_priors).map_err(|e| match e {
            // A prior's problem is reported against its own flag, not as a `--set`.
            RequestError::Scenario(ScenarioError::Override {
                flag,
                message,
                help,
            }) if request.priors[..]
                .iter()
                .any(|p| flag == format!("--set '{}'", p.text())) =>
            {
                RequestError::Scenario(ScenarioError::Override {
                    flag: flag.replacen("--set", "--prior", 1),
                    message,
                    help,
                })
            }
            other => other,
        })?;
        let (targets, unused) = targets(&model, &observed);
        if targets.is_empty() {
            return Err(StudyError::NoTarget {
                observed: request.observed.display().to_string(),
                unused: unused.len(),
            });
        }
        let identity = CalibrationIdentity {
            run: RunIdentity::new(
                &loaded.source,
                &Setup {
                    horizon: Some(model.horizon),
                    ..request.setup.clone()
                },
                request.seed,
                request.trials,
                model.horizon,
            )
            .without_file(),
            observed_sha256: observed.sha256.clone(),
            priors: request.priors.iter().map(PriorSpec::text).collect(),
            config: request.config(),
        };
        let mut study = Study {
            request,
            loaded,
            observed,
            targets,
            unused,
            priors,
            identity,
            template: None,
        };
        study.template = ParticleTemplate::new(&study, &model);
        Ok(study)
    }

    /// The compiled model of particle θ (`None` if its setup does not
    /// compile): the template's with the values set where there is one, else
    /// the scenario configured with θ's overrides and compiled; the same
    /// model either way.
    pub fn particle_model(&self, theta: &[f64]) -> Option<Model> {
        match &self.template {
            Some(t) => Some(t.model_at(theta)),
            None => self.loaded.compile(&self.particle_setup(theta)).ok(),
        }
    }

    /// Hex SHA-256 of the identity's JSON: what a checkpoint and a part file
    /// record, so that nothing of another calibration is read back.
    pub fn fingerprint(&self) -> String {
        crate::io::sha256_hex(&serde_json::to_vec(&self.identity).expect("identity serializes"))
    }

    /// The observations of the targets, in order.
    pub fn observations(&self) -> Vec<Observation> {
        self.targets
            .iter()
            .map(|t| Observation {
                value: t.value,
                sd: t.sd,
            })
            .collect()
    }

    /// The setup of particle θ: the fixed setup, then each prior's path at θ.
    pub fn particle_setup(&self, theta: &[f64]) -> Setup {
        let mut s = self.request.setup.clone();
        s.overrides.extend(
            self.request
                .priors
                .iter()
                .zip(theta)
                .map(|(p, &x)| Override {
                    path: p.path.clone(),
                    value: Param::Fixed(x),
                }),
        );
        s
    }

    /// The command line that reproduces the calibration (add `--out DIR`).
    pub fn command(&self) -> String {
        command_line(&self.request.to_args())
    }

    /// The simulator of this study on `exec`.
    pub fn simulator<'a>(&'a self, exec: &'a Executor) -> StudySimulator<'a> {
        StudySimulator {
            study: self,
            exec,
            observations: self.observations(),
        }
    }
}

/// The targets of `observed` in `model`, and the records left out with why.
fn targets(model: &Model, observed: &Observed) -> (Vec<Target>, Vec<Unused>) {
    let mut targets = Vec::new();
    let mut unused = Vec::new();
    for r in &observed.records {
        let Some(metric) = &r.metric else {
            unused.push(Unused {
                id: r.id.clone(),
                reason: "no engine metric counts it".into(),
            });
            continue;
        };
        let name = format!("{metric}@{}", r.period);
        match model.metrics.defs.iter().position(|d| d.name == name) {
            Some(slot) => targets.push(Target {
                id: r.id.clone(),
                metric: name,
                slot,
                value: r.value,
                sd: r.sd,
            }),
            None => unused.push(Unused {
                id: r.id.clone(),
                reason: format!(
                    "the scenario has no metric `{name}` (no period `{}`)",
                    r.period
                ),
            }),
        }
    }
    (targets, unused)
}

/// Runs particles' trials on the executor and measures their distances.
pub struct StudySimulator<'a> {
    study: &'a Study,
    exec: &'a Executor,
    observations: Vec<Observation>,
}

impl StudySimulator<'_> {
    /// Each particle's target means over its trials (particles in order;
    /// `None` for a particle whose setup does not compile), in target order:
    /// the exact sums of the target metrics only ([`SumsJob`]), the same
    /// integers and means a full run summary of those trials holds.
    pub fn target_means(&self, generation: u32, particles: &[Particle]) -> Vec<Option<Vec<f64>>> {
        let study = self.study;
        let models: Vec<Option<Model>> = particles
            .iter()
            .map(|p| study.particle_model(&p.theta))
            .collect();
        let compiled: Vec<(usize, &Model)> = models
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.as_ref().map(|m| (i, m)))
            .collect();
        let slots: Vec<usize> = study.targets.iter().map(|t| t.slot).collect();
        let jobs: Vec<SumsJob> = compiled
            .iter()
            .map(|&(i, m)| {
                let seed = keys::particle_seed(study.request.seed, generation, particles[i].index);
                SumsJob::new(m, seed, &slots)
            })
            .collect();
        let mut sums: Vec<Sums> = compiled.iter().map(|_| Sums::new(slots.len())).collect();
        let _ = self
            .exec
            .run_many(&jobs, 0..study.request.trials, |k, block: Sums| {
                sums[k] += &block;
                Ok::<(), ()>(())
            });
        let mut out: Vec<Option<Vec<f64>>> = vec![None; particles.len()];
        for ((i, _), s) in compiled.iter().zip(sums) {
            out[*i] = Some(
                (0..slots.len())
                    .map(|k| s.mean(k).unwrap_or(f64::NAN))
                    .collect(),
            );
        }
        out
    }
}

impl Simulator for StudySimulator<'_> {
    fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64> {
        self.target_means(generation, particles)
            .into_iter()
            .map(|means| match means {
                // A particle whose setup does not compile (it cannot: its
                // values lie in the priors' support, checked against the
                // parameters' ranges) is never accepted.
                None => f64::INFINITY,
                Some(means) => standardised_distance(&means, &self.observations),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(priors: &[&str]) -> CalibrateRequest {
        CalibrateRequest {
            scenario: Some("pak-afghan-2021".into()),
            setup: Setup::default(),
            observed: concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/observed/pak-afghan-2021-2023.csv"
            )
            .into(),
            priors: priors
                .iter()
                .map(|p| PriorSpec::parse(p).unwrap())
                .collect(),
            particles: 10,
            trials: 2,
            generations: 1,
            until_tolerance: None,
            seed: 1,
        }
    }

    #[test]
    fn regression_a_bad_prior_path_is_reported_as_a_prior_not_a_set() {
        let e = Study::new(request(&["groups.TTP.attack_rate=Uniform(0.2, 2)"])).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("--prior 'groups.TTP.attack_rate=Uniform(0.2, 2)'"),
            "{text}"
        );
    }

    /// The documented calibration's particles are made from the template,
    /// and every one is the model the full path compiles (the same fields to
    /// the last bit), across each prior's support and at its ends.
    #[test]
    fn particle_models_from_the_template_are_the_compiled_models() {
        let mut s = Study::new(request(&DOCUMENTED_PRIORS)).unwrap();
        assert!(s.template.is_some(), "the template was refused");
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for k in 0..12 {
            let theta: Vec<f64> = s
                .priors
                .iter()
                .map(|p| {
                    let (lo, hi) = p.support();
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    match k {
                        0 => lo,
                        1 => hi,
                        _ => lo + (x >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo),
                    }
                })
                .collect();
            let compiled = s.loaded.compile(&s.particle_setup(&theta)).unwrap();
            let made = s.particle_model(&theta).unwrap();
            assert_eq!(
                format!("{made:?}"),
                format!("{compiled:?}"),
                "particle {theta:?}"
            );
            // The values are in the model: a particle is not the template.
            assert_ne!(
                format!("{made:?}"),
                format!("{:?}", s.template.as_ref().unwrap().model)
            );
        }
        // Without a template a particle is compiled: the same model.
        let theta: Vec<f64> = s.priors.iter().map(|p| p.support().0).collect();
        let from_template = format!("{:?}", s.particle_model(&theta).unwrap());
        s.template = None;
        assert_eq!(
            format!("{:?}", s.particle_model(&theta).unwrap()),
            from_template
        );
    }

    #[test]
    fn every_record_is_a_target_or_says_why_not() {
        let s = Study::new(request(&["actors.TTP.attack_rate=Uniform(0.05, 0.35)"])).unwrap();
        assert_eq!(s.targets.len() + s.unused.len(), s.observed.records.len());
        assert!(
            s.targets
                .iter()
                .all(|t| t.metric.contains('@') && t.sd > 0.0)
        );
        assert!(s.unused.iter().all(|u| !u.reason.is_empty()));
        // A prior twice and a prior that is not a distribution are refused.
        let twice = request(&["actors.TTP.attack_rate=Uniform(0.05, 0.35)"; 2]);
        assert!(matches!(Study::new(twice), Err(StudyError::PriorTwice(_))));
        let fixed = request(&["actors.TTP.attack_rate=0.2"]);
        assert!(matches!(Study::new(fixed), Err(StudyError::Prior { .. })));
    }
}
