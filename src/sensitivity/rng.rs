//! Seeded random draws for designs and bootstraps: a ChaCha8 stream plus fixed,
//! documented conversions from raw `u64` words, so results do not depend on
//! `rand` distribution code.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A deterministic stream of uniform draws from `ChaCha8Rng::seed_from_u64(seed)`.
pub(crate) struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// Starts the stream for `seed` (ChaCha stream 0: designs and bootstraps).
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The stream of an existing generator (one of [`crate::core::streams`]'s).
    pub(crate) fn from_rng(rng: ChaCha8Rng) -> Self {
        Self { rng }
    }

    /// Starts ChaCha stream `stream` of `seed`: the same key, another
    /// sequence of words, independent of stream 0 (so a design's scrambling
    /// and the bootstrap of its indices can share one seed).
    pub(crate) fn on_stream(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Self { rng }
    }

    /// One raw 64-bit word.
    pub(crate) fn word(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform `f64` in `[0, 1)`: the top 53 bits of one `u64`, times 2^-53.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (`n >= 1`) by Lemire's multiply-and-reject
    /// method on `u64` words (unbiased).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n >= 1);
        let n = n as u64;
        let threshold = n.wrapping_neg() % n; // (2^64 - n) mod n
        loop {
            let m = u128::from(self.rng.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// A fair coin.
    pub(crate) fn coin(&mut self) -> bool {
        self.rng.next_u64() >> 63 == 1
    }

    /// Fisher-Yates shuffle (Durstenfeld, from the back).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_unit_is_half_open() {
        let mut s = Stream::new(7);
        for n in [1usize, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(s.below(n) < n);
            }
        }
        for _ in 0..1000 {
            let u = s.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
