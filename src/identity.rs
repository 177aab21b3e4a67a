//! The identity of a run: what makes two runs the same run.
//!
//! A run is identified by the scenario's text (as its SHA-256), the policy, the
//! overrides, the seed, the number of trials, the horizon and the version of
//! escalate that ran it. Two pieces of work with equal identities draw every
//! trial from the same streams and so produce the same trial outcomes; this is
//! what lets shards of one run be merged (see [`crate::shard`]). `run`, part
//! files and `merge` all compute and compare identities through this module.

use serde::{Deserialize, Serialize};

use crate::report::RunInfo;
use crate::scenario::{Override, Source};

/// This build's version, as recorded in every identity.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that identifies a run (the file name it was read from does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// escalate's version.
    pub escalate_version: String,
    /// SHA-256 of the scenario file's text, lowercase hex.
    pub scenario_sha256: String,
    /// The policy run, if any.
    pub policy: Option<String>,
    /// Overrides as `PATH=VALUE` (values in canonical form), in the order given.
    pub overrides: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Trials in the whole run (not in one shard).
    pub trials: u64,
    /// Days per trial (after any `--horizon`).
    pub horizon: u32,
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
    /// The identity of a run of `source` with this configuration, made by this build.
    pub fn new(
        source: &Source,
        policy: Option<&str>,
        overrides: &[Override],
        seed: u64,
        trials: u64,
        horizon: u32,
    ) -> Self {
        RunIdentity {
            escalate_version: VERSION.to_string(),
            scenario_sha256: sha256_hex(source.text.as_bytes()),
            policy: policy.map(str::to_string),
            overrides: overrides.iter().map(override_text).collect(),
            seed,
            trials,
            horizon,
        }
    }

    /// The identity recorded in a report's [`RunInfo`].
    pub fn of(info: &RunInfo) -> Self {
        RunIdentity {
            escalate_version: info.escalate_version.clone(),
            scenario_sha256: info.scenario_sha256.clone(),
            policy: info.policy.clone(),
            overrides: info.overrides.clone(),
            seed: info.seed,
            trials: info.trials,
            horizon: info.horizon,
        }
    }

    /// The [`RunInfo`] of a report of this run, read from `scenario_file`.
    pub fn run_info(&self, scenario_file: &str) -> RunInfo {
        RunInfo {
            escalate_version: self.escalate_version.clone(),
            scenario_file: scenario_file.to_string(),
            scenario_sha256: self.scenario_sha256.clone(),
            policy: self.policy.clone(),
            overrides: self.overrides.clone(),
            seed: self.seed,
            trials: self.trials,
            horizon: self.horizon,
        }
    }

    /// The overrides, parsed back into [`Override`]s (they were written by
    /// [`override_text`], whose output `Override::from_str` reads).
    pub fn parsed_overrides(&self) -> Result<Vec<Override>, String> {
        self.overrides
            .iter()
            .map(|o| {
                o.parse::<Override>()
                    .map_err(|e| format!("override `{o}`: {e}"))
            })
            .collect()
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
        cmp(
            "escalate version",
            self.escalate_version.clone(),
            other.escalate_version.clone(),
        );
        d
    }
}

/// An override as an identity records it: `PATH=VALUE`, the value in canonical form.
pub fn override_text(o: &Override) -> String {
    format!("{}={}", o.path, o.value)
}

/// Lowercase hex SHA-256 of some bytes (the one helper, [`crate::io::hex`]).
pub use crate::io::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source {
            name: "x.ron".into(),
            text: text.into(),
        }
    }

    #[test]
    fn identities_differ_exactly_in_the_changed_fields() {
        let a = RunIdentity::new(&source("a"), None, &[], 7, 100, 365);
        let mut b = a.clone();
        assert!(a.differences(&b).is_empty());
        b.seed = 8;
        b.policy = Some("talks".into());
        let d = a.differences(&b);
        assert_eq!(
            d.iter().map(|d| d.field).collect::<Vec<_>>(),
            ["policy", "seed"]
        );
        assert_eq!((d[1].ours.as_str(), d[1].theirs.as_str()), ("7", "8"));
        let c = RunIdentity::new(&source("b"), None, &[], 7, 100, 365);
        assert_eq!(a.differences(&c)[0].field, "scenario (sha256)");
    }

    #[test]
    fn overrides_round_trip_through_their_text() {
        let given: Vec<Override> = ["a.b=Normal(1.5, 2)", "c.d = 3", "e=Uniform(0, 1e-3)"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let id = RunIdentity::new(&source("a"), None, &given, 1, 1, 1);
        assert_eq!(id.overrides[1], "c.d=3");
        assert_eq!(id.parsed_overrides().unwrap(), given);
    }

    #[test]
    fn run_info_and_identity_agree() {
        let id = RunIdentity::new(&source("text"), Some("talks"), &[], 3, 10, 30);
        let info = id.run_info("f.ron");
        assert_eq!(info.scenario_file, "f.ron");
        assert_eq!(RunIdentity::of(&info), id);
        assert_eq!(
            id.scenario_sha256,
            "982d9e3eb996f559e633f4d194def3761d909f5a3b647d1a851fead67c32c9d1"
        );
    }
}
