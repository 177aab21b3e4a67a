//! Random streams of a calibration, keyed like a run's (see
//! `crate::core::streams`): every draw comes from a ChaCha8 generator whose key
//! is SHA-256 of a versioned label, the purpose, the seed and the generation,
//! and whose stream number is the proposal's index within its generation.
//!
//! Two purposes never share a generator: `propose` (the algorithm's own draws:
//! the prior draw of generation 0, the ancestor and the kernel's noise of later
//! generations) and `simulate` (the simulator's draws for that proposal). So a
//! proposal's parameters and its simulated data depend on (seed, generation,
//! index) only, not on batching, threads or which other proposals ran.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

fn key(seed: u64, purpose: &str, generation: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"escalate/calibrate/v1\0");
    h.update(purpose.as_bytes());
    h.update([0]);
    h.update(seed.to_le_bytes());
    h.update(generation.to_le_bytes());
    h.finalize().into()
}

fn at(key: [u8; 32], index: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::from_seed(key);
    r.set_stream(index);
    r
}

/// The algorithm's generator for proposal `index` of `generation`.
pub fn proposal_rng(seed: u64, generation: u32, index: u64) -> ChaCha8Rng {
    at(key(seed, "propose", generation), index)
}

/// The simulator's generator for proposal `index` of `generation`: what a
/// simulator draws for that particle's data.
pub fn simulation_rng(seed: u64, generation: u32, index: u64) -> ChaCha8Rng {
    at(key(seed, "simulate", generation), index)
}

/// A run seed for proposal `index` of `generation`, for a simulator that runs
/// the engine's trials (whose own streams are keyed by a `u64` seed): the
/// first 8 bytes, little-endian, of SHA-256 of the label, the seed, the
/// generation and the index.
pub fn particle_seed(seed: u64, generation: u32, index: u64) -> u64 {
    let mut h = Sha256::new();
    h.update(key(seed, "particle-seed", generation));
    h.update(index.to_le_bytes());
    let d: [u8; 32] = h.finalize().into();
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::Rng;

    #[test]
    fn streams_differ_by_purpose_generation_index_and_seed() {
        let first = |mut r: ChaCha8Rng| r.next_u64();
        let base = first(proposal_rng(1, 0, 0));
        assert_eq!(base, first(proposal_rng(1, 0, 0)));
        for other in [
            first(proposal_rng(2, 0, 0)),
            first(proposal_rng(1, 1, 0)),
            first(proposal_rng(1, 0, 1)),
            first(simulation_rng(1, 0, 0)),
        ] {
            assert_ne!(base, other);
        }
        assert_ne!(particle_seed(1, 0, 0), particle_seed(1, 0, 1));
        assert_eq!(particle_seed(1, 2, 3), particle_seed(1, 2, 3));
    }
}
