//! Small, allocation-free samplers for the day loop.

use rand::Rng;
use rand_distr::Distribution;

pub use crate::core::scenario::param::unit;

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
    if lambda < 30.0 {
        invert_poisson(unit(rng), lambda)
    } else {
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
    }
}

/// Poisson(lambda) by inversion of the uniform `u` (for lambda < 30).
#[inline]
fn invert_poisson(u: f64, lambda: f64) -> u64 {
    let mut p = exp_neg(lambda);
    let mut cdf = p;
    let mut k = 0u64;
    while u > cdf && k < 1000 {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
    }
    k
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
    } else if lambda < 30.0 {
        invert_poisson(u, lambda)
    } else {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u.to_bits());
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(&mut rng) as u64)
    }
}

/// e^(-x) for 0 <= x < 700, with relative error below 4 x f64::EPSILON: escalate's own, so the engine's
/// draws do not depend on the C library's `exp` (which differs between libm
/// versions) and cost a few nanoseconds.
#[inline]
pub fn exp_neg(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Round x / ln 2 to the nearest integer without a libm call (x >= 0).
    let k = (x * std::f64::consts::LOG2_E + 0.5) as i64 as f64;
    let r = (k * LN2_HI - x) + k * LN2_LO; // -x - k ln2, |r| <= ln2 / 2
    // Taylor series to degree 13 (remainder below 2e-17 on |r| <= 0.347),
    // evaluated by Estrin's scheme so the multiplications run in parallel.
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = C[0] + C[1] * r;
    let p23 = C[2] + C[3] * r;
    let p45 = C[4] + C[5] * r;
    let p67 = C[6] + C[7] * r;
    let p89 = C[8] + C[9] * r;
    let p1011 = C[10] + C[11] * r;
    let p1213 = C[12] + C[13] * r;
    let p0_3 = p01 + p23 * r2;
    let p4_7 = p45 + p67 * r2;
    let p8_11 = p89 + p1011 * r2;
    let p0_7 = p0_3 + p4_7 * r4;
    let p8_13 = p8_11 + p1213 * r4;
    let p = p0_7 + p8_13 * r8;
    // 2^-k; k <= 1010 for x < 700, so the exponent stays normal.
    p * f64::from_bits(((1023 - k as i64) as u64) << 52)
}

#[cfg(test)]
mod tests {
    #[test]
    fn exp_neg_matches_std_within_a_few_ulp() {
        let mut x = 0.0;
        while x < 700.0 {
            let (a, b) = (super::exp_neg(x), (-x).exp());
            assert!(
                ((a - b) / b).abs() < 4.0 * f64::EPSILON,
                "x = {x}: {a} vs {b}"
            );
            x += 0.013_7;
        }
        assert_eq!(super::exp_neg(0.0), 1.0);
    }

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
