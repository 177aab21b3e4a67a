//! A run's setup: how a scenario is configured (policy, overrides, horizon,
//! posterior), and how its flags are written back as command-line words.

use std::path::PathBuf;

use crate::core::scenario::Override;
use crate::io::InputFiles;

use super::command::push_flag;

/// How a scenario is configured for a run: the same three things for a run,
/// a comparison's policies, a trace, a shard, a sweep point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    /// `--policy`: a policy's name, `baseline`, or a policy file (None: as written).
    pub policy: Option<String>,
    /// `--set PATH=VALUE`, in the order given.
    pub overrides: Vec<Override>,
    /// `--horizon`: days per trial (None: the scenario's).
    pub horizon: Option<u32>,
    /// `--posterior`: a calibration's `posterior.csv`, whose weighted particles
    /// each trial draws its values of the file's paths from (None: the scenario's
    /// distributions). Read and bound by `Loaded::compile`.
    pub posterior: Option<PathBuf>,
}

impl Setup {
    /// Adds the files this setup reads: a policy file, the posterior.
    pub fn add_inputs(&self, files: &mut InputFiles) {
        if let Some(p) = &self.policy {
            files.add("the policy file", p);
        }
        if let Some(p) = &self.posterior {
            files.add("the posterior", p);
        }
    }

    /// The words of this setup's flags, as `escalate` takes them.
    pub fn push_args(&self, args: &mut Vec<String>) {
        self.push_horizon(args);
        if let Some(p) = &self.policy {
            push_flag(args, "--policy", p);
        }
        self.push_overrides(args);
        self.push_posterior(args);
    }

    /// `--posterior FILE`, if set.
    pub fn push_posterior(&self, args: &mut Vec<String>) {
        if let Some(p) = &self.posterior {
            push_flag(args, "--posterior", p.display());
        }
    }

    /// `--horizon H`, if set.
    pub fn push_horizon(&self, args: &mut Vec<String>) {
        if let Some(h) = self.horizon {
            push_flag(args, "--horizon", h);
        }
    }

    /// Every `--set PATH=VALUE`, in order.
    pub fn push_overrides(&self, args: &mut Vec<String>) {
        for o in &self.overrides {
            push_flag(args, "--set", override_text(o));
        }
    }
}

/// An override as an identity records it: `PATH=VALUE`, the value in canonical form.
pub fn override_text(o: &Override) -> String {
    format!("{}={}", o.path, o.value)
}
