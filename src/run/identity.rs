//! The identity of a run: what makes two runs the same run.
//!
//! A run is identified by the scenario's text (as its SHA-256), the policy, the
//! overrides, the seed, the number of trials, the horizon and the version of
//! escalate that ran it. Two pieces of work with equal identities draw every
//! trial from the same streams and so produce the same trial outcomes; this is
//! what lets shards of one run be merged (see [`crate::distribution::part`]). The identity
//! also records the scenario file's name as given, for reports and reproduce
//! commands; the name is not compared ([`RunIdentity::differences`]).
//!
//! A run whose parameters come from a calibration posterior (`--posterior`)
//! records the posterior file's name (not compared) and its SHA-256 (compared);
//! both fields are absent from the JSON of a run without one, so its bytes are
//! as before.
//!
//! One type serves every place a run is identified: the `run` object of JSON
//! reports, part files, merges and each policy of a comparison.

use serde::{Deserialize, Serialize};

use super::setup::{Setup, override_text};
use crate::core::scenario::{Override, ScenarioError, Source};

/// This build's version, as recorded in every identity.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that identifies a run, and the scenario file's name it was read under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// escalate's version.
    pub escalate_version: String,
    /// Scenario file as given (or `scenarios/NAME.ron` for a bundled one); not compared.
    pub scenario_file: String,
    /// SHA-256 of the scenario file's text, lowercase hex.
    pub scenario_sha256: String,
    /// The policy run, as given to `--policy`, if any.
    pub policy: Option<String>,
    /// Overrides as `PATH=VALUE` (values in canonical form), in the order given.
    pub overrides: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Trials in the whole run (not in one shard).
    pub trials: u64,
    /// Days per trial (after any `--horizon`).
    pub horizon: u32,
    /// The posterior file as given to `--posterior`, if any; not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior_file: Option<String>,
    /// SHA-256 of the posterior file's bytes, lowercase hex, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior_sha256: Option<String>,
}

/// One field in which two identities differ: its name and both values, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field, as a user would name it (`seed`, `policy`, ...).
    pub field: &'static str,
    /// Its value in the first identity.
    pub ours: String,
    /// Its value in the second.
    pub theirs: String,
}

impl RunIdentity {
    /// The identity of a run of `source` under `setup`, made by this build;
    /// `horizon` is the compiled model's (the setup's, or the scenario's own).
    pub fn new(source: &Source, setup: &Setup, seed: u64, trials: u64, horizon: u32) -> Self {
        RunIdentity {
            escalate_version: VERSION.to_string(),
            scenario_file: source.name.clone(),
            scenario_sha256: sha256_hex(source.text.as_bytes()),
            policy: setup.policy.clone(),
            overrides: setup.overrides.iter().map(override_text).collect(),
            seed,
            trials,
            horizon,
            posterior_file: setup.posterior.as_ref().map(|p| p.display().to_string()),
            posterior_sha256: None,
        }
    }

    /// This identity with the hash of the posterior `model` was bound to, if any
    /// (what [`crate::run::Loaded::compile`] read for the setup's `--posterior`).
    pub fn with_posterior_of(self, model: &crate::core::model::Model) -> Self {
        RunIdentity {
            posterior_sha256: model.posterior.as_ref().map(|p| p.sha256.clone()),
            ..self
        }
    }

    /// The setup this identity records (policy, overrides parsed back, horizon),
    /// which configures the same model again.
    pub fn setup(&self) -> Result<Setup, ScenarioError> {
        Ok(Setup {
            policy: self.policy.clone(),
            overrides: self
                .overrides
                .iter()
                .map(|o| o.parse::<Override>())
                .collect::<Result<_, _>>()?,
            horizon: Some(self.horizon),
            posterior: self.posterior_file.as_ref().map(Into::into),
        })
    }

    /// The identity without the scenario file's name: what is compared, and
    /// what a sweep's fingerprint hashes.
    pub fn without_file(self) -> Self {
        RunIdentity {
            scenario_file: String::new(),
            posterior_file: None,
            ..self
        }
    }

    /// Every field in which `self` and `other` differ, in a fixed order.
    pub fn differences(&self, other: &RunIdentity) -> Vec<Difference> {
        let mut d = Vec::new();
        let mut cmp = |field: &'static str, a: String, b: String| {
            if a != b {
                d.push(Difference {
                    field,
                    ours: a,
                    theirs: b,
                })
            }
        };
        let policy = |p: &Option<String>| p.clone().unwrap_or_else(|| "(none)".into());
        let overrides = |o: &[String]| {
            if o.is_empty() {
                "(none)".to_string()
            } else {
                o.join(" ")
            }
        };
        cmp(
            "scenario (sha256)",
            self.scenario_sha256.clone(),
            other.scenario_sha256.clone(),
        );
        cmp("policy", policy(&self.policy), policy(&other.policy));
        cmp(
            "overrides",
            overrides(&self.overrides),
            overrides(&other.overrides),
        );
        cmp("seed", self.seed.to_string(), other.seed.to_string());
        cmp("trials", self.trials.to_string(), other.trials.to_string());
        cmp(
            "horizon",
            self.horizon.to_string(),
            other.horizon.to_string(),
        );
        let posterior = |p: &Option<String>| p.clone().unwrap_or_else(|| "(none)".into());
        cmp(
            "posterior (sha256)",
            posterior(&self.posterior_sha256),
            posterior(&other.posterior_sha256),
        );
        cmp(
            "escalate version",
            self.escalate_version.clone(),
            other.escalate_version.clone(),
        );
        d
    }
}

/// Lowercase hex SHA-256 of some bytes (the one helper, [`crate::io::hex`]).
pub use crate::io::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    fn setup(policy: Option<&str>, overrides: &[Override]) -> Setup {
        Setup {
            policy: policy.map(str::to_string),
            overrides: overrides.to_vec(),
            horizon: None,
            posterior: None,
        }
    }

    #[test]
    fn identities_differ_exactly_in_the_changed_fields() {
        let a = RunIdentity::new(&source("x.ron", "a"), &setup(None, &[]), 7, 100, 365);
        let mut b = a.clone();
        assert!(a.differences(&b).is_empty());
        b.seed = 8;
        b.policy = Some("talks".into());
        b.scenario_file = "elsewhere/x.ron".into();
        let d = a.differences(&b);
        assert_eq!(
            d.iter().map(|d| d.field).collect::<Vec<_>>(),
            ["policy", "seed"]
        );
        assert_eq!((d[1].ours.as_str(), d[1].theirs.as_str()), ("7", "8"));
        let c = RunIdentity::new(&source("x.ron", "b"), &setup(None, &[]), 7, 100, 365);
        assert_eq!(a.differences(&c)[0].field, "scenario (sha256)");
    }

    #[test]
    fn the_setup_round_trips_through_the_identity() {
        let given: Vec<Override> = ["a.b=Normal(1.5, 2)", "c.d = 3", "e=Uniform(0, 1e-3)"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let id = RunIdentity::new(
            &source("f.ron", "text"),
            &setup(Some("talks"), &given),
            1,
            1,
            30,
        );
        assert_eq!(id.overrides[1], "c.d=3");
        assert_eq!(id.scenario_file, "f.ron");
        let back = id.setup().unwrap();
        assert_eq!(back.overrides, given);
        assert_eq!(back.policy.as_deref(), Some("talks"));
        assert_eq!(back.horizon, Some(30));
        assert_eq!(
            id.scenario_sha256,
            "982d9e3eb996f559e633f4d194def3761d909f5a3b647d1a851fead67c32c9d1"
        );
    }
}
