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
//!   parameter's stream label ([`crate::core::model::ParamSlot::stream`]: its override
//!   path, a doctrine rule's parameters named by the rule's name): two policies
//!   (or two sweep points) draw the same value for a parameter they share,
//!   whatever else differs;
//! - `exogenous`: scheduled events and random shocks; its draws per day do not
//!   depend on the trial's state, so every policy sees the same shocks;
//! - `violence`: armed groups' attacks and ceasefire breaks;
//! - every doctrine rule has its own key, derived from the seed and the rule's
//!   `Actor/name`: whether it fires and the random effects of the lever it
//!   pulls; a rule one policy adds never shifts the draws of rules both share;
//! - `decisions`: what no rule decides (talks turning into a ceasefire);
//! - `ladder`: rungs decaying toward calm (one draw per dyad per day, always);
//! - `posterior`: with a calibration posterior, the one uniform that picks
//!   the trial's particle (drawn after the parameters are sampled; its key is
//!   used by nothing else, so a run without a posterior draws exactly as before,
//!   and two policies pick the same particle for trial `i`).
//!
//! Keys are SHA-256 of a versioned label, the seed and the purpose. Analyses
//! that are not trials (the resamples of `escalate discover`) draw from
//! [`analysis_rng`]: the same derivation under the label `analysis`, their
//! own purpose name, and a stream number of their own.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

use crate::core::model::Model;

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
    posterior: [u8; 32],
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

impl StreamKeys {
    /// Derives every key of a run once, before any trial.
    pub fn new(seed: u64, model: &Model) -> Self {
        StreamKeys {
            seed,
            purposes: PURPOSES.map(|p| key(seed, "purpose", p)),
            params: model
                .params
                .iter()
                .map(|p| key(seed, "param", &p.stream))
                .collect(),
            rules: model
                .rules
                .iter()
                .map(|r| {
                    let actor = &model.actors[r.actor as usize].id;
                    key(seed, "rule", &format!("{actor}/{}", r.rule))
                })
                .collect(),
            posterior: key(seed, "purpose", "posterior"),
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

    /// The generator that picks trial `trial`'s particle of a posterior.
    pub fn posterior_rng(&self, trial: u64) -> ChaCha8Rng {
        Self::at(&self.posterior, trial)
    }

    fn at(key: &[u8; 32], trial: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(*key);
        r.set_stream(trial);
        r
    }
}

/// The generator of stream `stream` of an analysis `purpose` under `seed`
/// (`discover/resample`: the resamples of `escalate discover`'s stability):
/// the same key derivation as a run's streams, under the label `analysis`, so
/// an analysis's draws depend on its seed and purpose only, never on a
/// thread's schedule.
pub fn analysis_rng(seed: u64, purpose: &str, stream: u64) -> ChaCha8Rng {
    StreamKeys::at(&key(seed, "analysis", purpose), stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scenario::{BUNDLED, Source, load};

    /// How stream labels were made before the walk made them: by re-parsing
    /// the override path against the rules' `Actor/name` labels (the oracle).
    fn label_by_reparsing(model: &Model, path: &str) -> String {
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

    #[test]
    fn stream_labels_and_rule_keys_are_unchanged() {
        for b in BUNDLED {
            let src = Source::bundled(b);
            let v = load(&src).unwrap();
            let mut models = vec![crate::core::model::compile(&v)];
            for p in &v.scenario().policies {
                let w = v.configure(&src, Some(&p.name), &[]).unwrap();
                models.push(crate::core::model::compile(&w));
            }
            for m in &models {
                let mut renamed = 0;
                for p in &m.params {
                    assert_eq!(p.stream, label_by_reparsing(m, &p.path), "{}", b.name);
                    renamed += usize::from(p.stream != p.path);
                }
                if !m.rules.is_empty() {
                    assert!(renamed > 0, "{}: rule parameters keyed by name", b.name);
                }
                let keys = StreamKeys::new(7, m);
                for (k, r) in m.rules.iter().enumerate() {
                    assert_eq!(keys.rules[k], key(7, "rule", &r.name), "{}", r.name);
                }
            }
        }
    }
}
