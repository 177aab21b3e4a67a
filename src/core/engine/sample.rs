//! Small, allocation-free samplers for the day loop.

use rand::Rng;
use rand_distr::Distribution;

pub use crate::core::quantile::unit;
use crate::core::quantile::{POISSON_SMALL, poisson_small};

/// Bernoulli(p) from one uniform.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    unit(rng) < p
}

/// Poisson(lambda): inversion from one uniform for small means, the
/// sampler of `rand_distr` above that.
#[inline]
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < POISSON_SMALL {
        poisson_small(unit(rng), lambda)
    } else {
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
    }
}

/// Poisson(lambda) from a uniform `u` drawn by the caller: the same value as
/// [`poisson`] on that uniform below 30 (inversion), and above it `rand_distr`'s sampler (Ahrens-Dieter) on a
/// generator seeded from `u`. A caller that always draws its uniforms keeps its
/// stream in step whatever the means are, so the trial i of two policies
/// shares its draws (common random numbers; inversion also couples the counts
/// monotonically: a lower mean never gives a higher count on the same `u`).
#[inline]
pub fn poisson_at(u: f64, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        0
    } else if lambda < POISSON_SMALL {
        poisson_small(u, lambda)
    } else {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u.to_bits());
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(&mut rng) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn poisson_mean_and_variance_match_lambda() {
        for lambda in [0.3, 2.0, 12.0, 45.0] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| poisson(&mut rng, lambda) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // Standard error of the mean is sqrt(lambda / n); allow 5 of them.
            assert!(
                (mean - lambda).abs() < 5.0 * (lambda / n as f64).sqrt(),
                "mean {mean} for {lambda}"
            );
            assert!(
                (var / lambda - 1.0).abs() < 0.05,
                "variance {var} for {lambda}"
            );
        }
    }

    /// Issue 11's fuzz finding, the engine's side: the day loop's Poisson
    /// means are products of scenario values (attacks x deaths per attack,
    /// a lever's kills x capability), which validation cannot bound, so
    /// they may exceed rand_distr's limit (1.844e19) or be NaN. None of them
    /// panics (rand_distr's refusal is taken, not unwrapped).
    #[test]
    fn poisson_1e20_in_the_day_loop_is_not_a_panic() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for lambda in [1e20, f64::MAX, f64::INFINITY, f64::NAN] {
            let _ = poisson(&mut rng, lambda);
            let _ = poisson_at(0.5, lambda);
        }
    }
}
