//! Small, allocation-free samplers for the day loop.

use rand::Rng;
use rand_distr::Distribution;

pub use crate::scenario::param::unit;

/// Bernoulli(p) from one uniform.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    unit(rng) < p
}

/// Poisson(lambda): inversion from one uniform for small means, the PTRS
/// sampler of `rand_distr` above that.
#[inline]
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let u = unit(rng);
        let mut p = (-lambda).exp();
        let mut cdf = p;
        let mut k = 0u64;
        while u > cdf && k < 1000 {
            k += 1;
            p *= lambda / k as f64;
            cdf += p;
        }
        k
    } else {
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
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
}
