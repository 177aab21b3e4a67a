//! Random streams: which generator every draw of a trial comes from.
//!
//! The promise: trial `i` of a run with seed `s` draws only from ChaCha8
//! generators whose key is derived from `s` (and a purpose) and whose stream
//! number is `i`. Nothing is shared between trials, so a trial's outcome does
//! not depend on which other trials run, on how many threads run them, or on
//! how a run is split into shards.
//!
//! Each trial has four purposes and one key per uncertain parameter, each its own generator, so that what one part
//! of the model draws never shifts another part's draws:
//! - every uncertain parameter has its own key, derived from the seed and the
//!   parameter's override path (a doctrine rule's parameters by the rule's
//!   name, see [`stable_label`]): two policies (or two sweep points) draw the
//!   same value for a parameter they share, whatever else differs;
//! - `exogenous`: scheduled events and random shocks; its draws per day do not
//!   depend on the trial's state, so every policy sees the same shocks;
//! - `violence`: armed groups' attacks and ceasefire breaks;
//! - every doctrine rule has its own key, derived from the seed and the rule's
//!   `Actor/name`: whether it fires and the random effects of the lever it
//!   pulls; a rule one policy adds never shifts the draws of rules both share;
//! - `decisions`: what no rule decides (talks turning into a ceasefire);
//! - `ladder`: rungs decaying toward calm (one draw per dyad per day, always).
//!
//! Keys are SHA-256 of a versioned label, the seed and the purpose.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

use crate::model::Model;

/// The purposes of a trial's generators (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Scheduled events and shocks.
    Exogenous = 0,
    /// Attacks by armed groups.
    Violence = 1,
    /// Doctrine decisions and lever effects.
    Decisions = 2,
    /// Rung decay.
    Ladder = 3,
}

const PURPOSES: [&str; 4] = ["exogenous", "violence", "decisions", "ladder"];

/// The keys of a run: one per purpose and one per parameter slot.
#[derive(Debug, Clone)]
pub struct StreamKeys {
    seed: u64,
    purposes: [[u8; 32]; 4],
    params: Vec<[u8; 32]>,
    rules: Vec<[u8; 32]>,
}

fn key(seed: u64, label: &str, name: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"escalate/streams/v1\0");
    h.update(label.as_bytes());
    h.update([0]);
    h.update(seed.to_le_bytes());
    h.update(name.as_bytes());
    h.finalize().into()
}

/// The label a parameter's key is derived from: its override path, except that
/// a doctrine rule is named by its name, not its position
/// (`doctrines.A.rules[1].probability` becomes `doctrines.A.rule:answer.probability`).
/// A policy that disables or adds a rule shifts the positions of the rules after
/// it; with names, every rule two policies share keeps its own draws (common
/// random numbers).
pub fn stable_label(model: &Model, path: &str) -> String {
    let mut nth = vec![0usize; model.actors.len()];
    for r in &model.rules {
        let a = r.actor as usize;
        let id = &model.actors[a].id;
        let prefix = format!("doctrines.{id}.rules[{}].", nth[a]);
        nth[a] += 1;
        if let Some(rest) = path.strip_prefix(&prefix) {
            let name = r.name.strip_prefix(&format!("{id}/")).unwrap_or(&r.name);
            return format!("doctrines.{id}.rule:{name}.{rest}");
        }
    }
    path.to_string()
}

impl StreamKeys {
    /// Derives every key of a run once, before any trial.
    pub fn new(seed: u64, model: &Model) -> Self {
        StreamKeys {
            seed,
            purposes: PURPOSES.map(|p| key(seed, "purpose", p)),
            params: model
                .params
                .iter()
                .map(|p| key(seed, "param", &stable_label(model, &p.path)))
                .collect(),
            rules: model
                .rules
                .iter()
                .map(|r| key(seed, "rule", &r.name))
                .collect(),
        }
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The generator of `purpose` for trial `trial`.
    pub fn rng(&self, purpose: Purpose, trial: u64) -> ChaCha8Rng {
        Self::at(&self.purposes[purpose as usize], trial)
    }

    /// The generator of doctrine rule `rule` (keyed by its `Actor/name`) for trial `trial`:
    /// whether it fires, and the random effects of the lever it pulls.
    pub fn rule_rng(&self, rule: usize, trial: u64) -> ChaCha8Rng {
        Self::at(&self.rules[rule], trial)
    }

    /// The generator of parameter slot `slot` for trial `trial`.
    pub fn param_rng(&self, slot: usize, trial: u64) -> ChaCha8Rng {
        Self::at(&self.params[slot], trial)
    }

    fn at(key: &[u8; 32], trial: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(*key);
        r.set_stream(trial);
        r
    }
}
