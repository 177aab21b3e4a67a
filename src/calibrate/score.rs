//! Forecast scores of a simulated distribution against one observation: the
//! continuous ranked probability score (CRPS), the probability integral
//! transform (PIT) and central bands.
//!
//! CRPS(F, y) = ∫ (F(x) - 1{x ≥ y})² dx = E|X - y| - ½ E|X - X'| (Gneiting &
//! Raftery 2007, section 4.2), in the unit of the record; lower is better and
//! it reduces to |x - y| for a point forecast.
//!
//! A run's [`Histogram`] holds integers: a bucket below 1,024 is one integer
//! (a point mass at it, exact), a wider bucket [lo, hi) is treated as mass
//! spread **uniformly** over [lo, hi) (the histogram's own quantiles use the
//! bucket's midpoint, consistent with this to within half a unit). The CDF
//! is then piecewise linear with jumps, and its CRPS is integrated exactly.
//!
//! PIT is the **mid-point** PIT: P(X < y) + ½ P(X = y), which for a
//! continuous forecast is F(y) and for ties at a point mass takes the middle
//! of the jump instead of a random point in it. It needs no random draw (so
//! a backtest is deterministic); over many records it is centred like the
//! randomised PIT but its histogram is slightly less spread for discrete
//! forecasts (Czado, Gneiting & Held 2009 discuss both).

use serde::{Deserialize, Serialize};

use crate::core::special::{normal_cdf, normal_pdf};
use crate::core::stats::Histogram;

/// CRPS of a Normal(mu, sigma) forecast at y (Gneiting & Raftery 2007; also
/// Gneiting, Raftery, Westveld & Goldman 2005): σ [ z (2Φ(z) - 1) + 2φ(z) - 1/√π ], z = (y - μ)/σ.
pub fn crps_normal(mu: f64, sigma: f64, y: f64) -> f64 {
    let z = (y - mu) / sigma;
    sigma
        * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z)
            - 1.0 / std::f64::consts::PI.sqrt())
}

/// CRPS of the empirical distribution of `samples` at y:
/// (1/n) Σ|x_i - y| - (1/n²) Σ_i (2i - n - 1) x_(i) over the sorted x_(1..n),
/// which equals E|X - y| - ½E|X - X'| exactly, in O(n log n).
/// NaN for no sample.
pub fn crps_sample(samples: &[f64], y: f64) -> f64 {
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut x = samples.to_vec();
    x.sort_by(f64::total_cmp);
    let nf = n as f64;
    let mut abs = 0.0;
    let mut spread = 0.0;
    for (i, xi) in x.iter().enumerate() {
        abs += (xi - y).abs();
        spread += (2.0 * (i as f64 + 1.0) - nf - 1.0) * xi;
    }
    abs / nf - spread / (nf * nf)
}

/// A piece of a forecast distribution: `mass` spread uniformly on [lo, hi),
/// or a point mass at `lo` when `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower end.
    pub lo: f64,
    /// Upper end (equal to `lo` for a point mass).
    pub hi: f64,
    /// Mass (any non-negative scale: bins are normalised by their total).
    pub mass: f64,
}

/// The bins of a run's histogram: a point mass per exact bucket, uniform
/// mass over each wider bucket (see the module docs).
pub fn histogram_bins(h: &Histogram) -> Vec<Bin> {
    h.buckets()
        .map(|(lo, hi, c)| Bin {
            lo: lo as f64,
            hi: if hi - lo == 1 { lo as f64 } else { hi as f64 },
            mass: c as f64,
        })
        .collect()
}

/// ∫_a^b (F(x) - 1{x ≥ y})² dx where F runs linearly from p at a to q at b.
fn segment(a: f64, b: f64, p: f64, q: f64, y: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let below = |a: f64, b: f64, p: f64, q: f64| (b - a) * (p * p + p * q + q * q) / 3.0;
    let above = |a: f64, b: f64, p: f64, q: f64| below(a, b, 1.0 - p, 1.0 - q);
    if b <= y {
        below(a, b, p, q)
    } else if a >= y {
        above(a, b, p, q)
    } else {
        let fy = p + (q - p) * (y - a) / (b - a);
        below(a, y, p, fy) + above(y, b, fy, q)
    }
}

/// CRPS of the distribution given by `bins` (sorted by `lo`, not
/// overlapping) at y, integrated exactly. NaN when the bins hold no mass.
pub fn crps_bins(bins: &[Bin], y: f64) -> f64 {
    let total: f64 = bins.iter().map(|b| b.mass).sum();
    if bins.is_empty() || total.is_nan() || total <= 0.0 {
        return f64::NAN;
    }
    let first = bins[0].lo;
    let mut x = first;
    let mut f = 0.0;
    let mut crps = 0.0;
    for b in bins {
        let m = b.mass / total;
        crps += segment(x, b.lo, f, f, y);
        if b.hi > b.lo {
            crps += segment(b.lo, b.hi, f, f + m, y);
            x = b.hi;
        } else {
            x = b.lo;
        }
        f += m;
    }
    // Below the first bin F = 0, above the last F = 1.
    if y < first {
        crps += first - y;
    }
    if y > x {
        crps += y - x;
    }
    crps
}

/// The mid-point PIT of y under `bins`: P(X < y) + ½ P(X = y).
pub fn pit_bins(bins: &[Bin], y: f64) -> f64 {
    let total: f64 = bins.iter().map(|b| b.mass).sum();
    if total.is_nan() || total <= 0.0 {
        return f64::NAN;
    }
    let mut below = 0.0;
    for b in bins {
        if b.hi > b.lo {
            if y >= b.hi {
                below += b.mass;
            } else if y > b.lo {
                below += b.mass * (y - b.lo) / (b.hi - b.lo);
            }
        } else if y > b.lo {
            below += b.mass;
        } else if y == b.lo {
            below += 0.5 * b.mass;
        }
    }
    below / total
}

/// The mid-point PIT of y among samples: (#{x < y} + ½ #{x = y}) / n.
pub fn pit_sample(samples: &[f64], y: f64) -> f64 {
    let below = samples.iter().filter(|&&x| x < y).count() as f64;
    let tied = samples.iter().filter(|&&x| x == y).count() as f64;
    (below + 0.5 * tied) / samples.len() as f64
}

/// CRPS of a run's histogram at y (None when empty).
pub fn crps_histogram(h: &Histogram, y: f64) -> Option<f64> {
    (h.total() > 0).then(|| crps_bins(&histogram_bins(h), y))
}

/// The mid-point PIT of y in a run's histogram (None when empty).
pub fn pit_histogram(h: &Histogram, y: f64) -> Option<f64> {
    (h.total() > 0).then(|| pit_bins(&histogram_bins(h), y))
}

/// The p-quantile of a run's histogram: [`Histogram::quantile`], the inverse
/// empirical CDF (exact below 1,024, a bucket's midpoint above).
pub fn quantile(h: &Histogram, p: f64) -> Option<f64> {
    h.quantile(p)
}

/// How one record's observation fares against its simulated distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecordScore {
    /// The central 50% band: the 25% and 75% quantiles.
    pub band50: (f64, f64),
    /// The central 90% band: the 5% and 95% quantiles.
    pub band90: (f64, f64),
    /// The observation lies in the 50% band (ends included).
    pub inside50: bool,
    /// The observation lies in the 90% band (ends included).
    pub inside90: bool,
    /// The observation's mid-point PIT.
    pub pit: f64,
    /// CRPS in the record's unit.
    pub crps: f64,
}

impl RecordScore {
    /// Scores observation `y` against a run's histogram (None when empty).
    pub fn from_histogram(h: &Histogram, y: f64) -> Option<RecordScore> {
        let q = |p| quantile(h, p);
        let band50 = (q(0.25)?, q(0.75)?);
        let band90 = (q(0.05)?, q(0.95)?);
        let bins = histogram_bins(h);
        Some(RecordScore {
            band50,
            band90,
            inside50: band50.0 <= y && y <= band50.1,
            inside90: band90.0 <= y && y <= band90.1,
            pit: pit_bins(&bins, y),
            crps: crps_bins(&bins, y),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// The closed form against the definition, ∫ (Φ((x-μ)/σ) - 1{x ≥ y})² dx by
    /// composite Simpson over μ ± 12σ (tolerance 1e-9).
    #[test]
    fn crps_normal_matches_numerical_integration_of_its_definition() {
        for &(mu, sigma, y) in &[
            (0.0, 1.0, 0.0),
            (2.0, 0.5, 3.1),
            (-1.0, 3.0, -7.0),
            (5.0, 2.0, 5.5),
        ] {
            let (lo, hi) = (mu - 12.0 * sigma, mu + 12.0 * sigma);
            let f = |x: f64| {
                let h = if x >= y { 1.0 } else { 0.0 };
                (normal_cdf((x - mu) / sigma) - h).powi(2)
            };
            // Integrate on each side of y separately (the integrand jumps there).
            let simpson = |a: f64, b: f64| {
                let n = 20_000;
                let h = (b - a) / n as f64;
                let mut s = f(a) + f(b - 1e-15 * b.abs().max(1.0));
                for i in 1..n {
                    s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
                }
                s * h / 3.0
            };
            let numeric = simpson(lo, y) + simpson(y, hi);
            let closed = crps_normal(mu, sigma, y);
            assert!(
                (numeric - closed).abs() < 1e-9,
                "{mu} {sigma} {y}: {numeric} vs {closed}"
            );
        }
        // At y = μ: σ (2φ(0) - 1/√π) = σ (√2 - 1)/√π.
        let at_mean = (2f64.sqrt() - 1.0) / std::f64::consts::PI.sqrt();
        assert!((crps_normal(0.0, 1.0, 0.0) - at_mean).abs() < 1e-15);
    }

    #[test]
    fn crps_sample_by_hand_and_against_the_normal_closed_form() {
        // One sample point: |x - y|.
        assert_eq!(crps_sample(&[3.0], 1.0), 2.0);
        // Two points {0, 2}, y = 1: E|X-y| = 1, ½E|X-X'| = ½ (½ * 2) = 0.5.
        assert_eq!(crps_sample(&[2.0, 0.0], 1.0), 0.5);
        // {0, 1, 3}, y = 0: E|X-y| = 4/3; pairs |0-1|+|0-3|+|1-3| = 6, E|X-X'| = 12/9.
        assert!((crps_sample(&[1.0, 3.0, 0.0], 0.0) - (4.0 / 3.0 - 6.0 / 9.0)).abs() < 1e-15);
        // 200,000 draws of N(1, 2) at y = 2.5: within 0.005 of the closed form
        // (the estimator's sd here is about 0.003).
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let d = Normal::new(1.0, 2.0).unwrap();
        let xs: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        let (est, exact) = (crps_sample(&xs, 2.5), crps_normal(1.0, 2.0, 2.5));
        assert!((est - exact).abs() < 0.005, "{est} vs {exact}");
    }

    #[test]
    fn crps_of_bins_is_exact_for_points_and_converges_as_bins_narrow() {
        let xs = [0.0, 1.0, 1.0, 4.0, 7.5];
        let points: Vec<Bin> = {
            let mut v = xs.to_vec();
            v.sort_by(f64::total_cmp);
            v.iter()
                .map(|&x| Bin {
                    lo: x,
                    hi: x,
                    mass: 1.0,
                })
                .collect()
        };
        for y in [-2.0, 0.0, 0.5, 1.0, 3.0, 7.5, 9.0] {
            assert!(
                (crps_bins(&points, y) - crps_sample(&xs, y)).abs() < 1e-12,
                "{y}"
            );
        }
        // One uniform bin U(0, 1) at y: ∫ (x - H)²: y³/3 + (1 - y)³/3.
        let u = [Bin {
            lo: 0.0,
            hi: 1.0,
            mass: 1.0,
        }];
        assert!((crps_bins(&u, 0.3) - (0.027 + 0.343) / 3.0).abs() < 1e-15);
        assert!((crps_bins(&u, 2.0) - (1.0 + 1.0 / 3.0)).abs() < 1e-15);
        // Binning a normal sample: the error falls like width² toward crps_sample.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let d = Normal::new(0.0, 1.0).unwrap();
        let xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        let exact = crps_sample(&xs, 0.7);
        let mut errors = Vec::new();
        for width in [0.8, 0.4, 0.2, 0.1, 0.05] {
            let mut counts = std::collections::BTreeMap::new();
            for x in &xs {
                *counts.entry((x / width).floor() as i64).or_insert(0.0) += 1.0;
            }
            let bins: Vec<Bin> = counts
                .iter()
                .map(|(&k, &m)| Bin {
                    lo: k as f64 * width,
                    hi: (k + 1) as f64 * width,
                    mass: m,
                })
                .collect();
            errors.push((crps_bins(&bins, 0.7) - exact).abs());
        }
        // Spreading each bin's points uniformly moves the CDF by at most the
        // bin's mass, over the bin's width: the error is O(width²) (measured:
        // 1.6e-3 at 0.8 down to 2.7e-6 at 0.05); bound it by width²/20.
        for (e, width) in errors.iter().zip([0.8, 0.4, 0.2, 0.1, 0.05]) {
            assert!(*e < width * width / 20.0, "{errors:?}");
        }
        assert!(errors[4] < errors[0] / 100.0, "{errors:?}");
        // Deterministic: exact Normal(0.5, 1.5) masses in bins of width h over
        // ±12 sd converge to the closed form like h² (ratio ≈ 4 per halving).
        let (mu, sigma, y) = (0.5, 1.5, 1.3);
        let exact = crps_normal(mu, sigma, y);
        let errors: Vec<f64> = [0.4, 0.2, 0.1, 0.05]
            .iter()
            .map(|&h| {
                let k = (24.0 * sigma / h).round() as i64;
                let bins: Vec<Bin> = (0..k)
                    .map(|i| {
                        let lo = mu - 12.0 * sigma + i as f64 * h;
                        let mass =
                            normal_cdf((lo + h - mu) / sigma) - normal_cdf((lo - mu) / sigma);
                        Bin {
                            lo,
                            hi: lo + h,
                            mass,
                        }
                    })
                    .collect();
                (crps_bins(&bins, y) - exact).abs()
            })
            .collect();
        for w in errors.windows(2) {
            assert!(w[1] < w[0] / 3.0 && w[1] > w[0] / 5.0, "{errors:?}");
        }
        assert!(errors[3] < 1e-4, "{errors:?}");
    }

    #[test]
    fn histogram_scores_match_the_sample_for_small_integers() {
        let values: Vec<u64> = (0..1000u64).map(|i| (i * 37) % 101).collect();
        let mut h = Histogram::default();
        for &v in &values {
            h.add(v);
        }
        let xs: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        for y in [0.0, 13.0, 50.5, 99.0, 200.0] {
            let c = crps_histogram(&h, y).unwrap();
            assert!((c - crps_sample(&xs, y)).abs() < 1e-9, "{y}");
            assert!((pit_histogram(&h, y).unwrap() - pit_sample(&xs, y)).abs() < 1e-12);
        }
        let s = RecordScore::from_histogram(&h, 50.0).unwrap();
        assert_eq!(
            s.band50,
            (h.quantile(0.25).unwrap(), h.quantile(0.75).unwrap())
        );
        assert!(s.inside50 && s.inside90);
        assert!((s.pit - 0.5).abs() < 0.02, "{}", s.pit);
        let far = RecordScore::from_histogram(&h, 500.0).unwrap();
        assert!(!far.inside90 && far.pit == 1.0);
        assert!(RecordScore::from_histogram(&Histogram::default(), 1.0).is_none());
        // Wide buckets: spread uniformly, PIT is linear inside a bucket.
        let mut w = Histogram::default();
        w.add(5000);
        let b = histogram_bins(&w)[0];
        assert!(b.hi > b.lo && b.lo <= 5000.0 && 5000.0 < b.hi);
        let mid = 0.5 * (b.lo + b.hi);
        assert!((pit_histogram(&w, mid).unwrap() - 0.5).abs() < 1e-12);
        // Mid-point PIT on ties: {1, 2, 2, 3} at 2 = (1 + 1) / 4.
        assert_eq!(pit_sample(&[1.0, 2.0, 2.0, 3.0], 2.0), 0.5);
    }
}
