//! Inverse cumulative distribution functions of the scenario distributions
//! ([`Param`]): how a sweep turns a unit design coordinate `u` in `[0, 1]`
//! into a parameter value with that distribution (`x = F^-1(u)`).
//!
//! Uniform and Triangular are closed forms; Normal uses Wichura's AS241
//! algorithm (relative accuracy about 1e-16); truncated Normal maps `u` onto
//! `[Phi(min), Phi(max)]` first, with `Phi` from the regularized incomplete
//! gamma function; LogNormal is `exp` of a Normal quantile; Beta inverts the
//! regularized incomplete beta function by bisection (to the last bit);
//! Poisson returns the smallest `k` with `P(X <= k) >= u`, found by bisection
//! on the regularized upper incomplete gamma function.
//!
//! Where a distribution's support is unbounded on a side (and on both sides of
//! LogNormal, whose 0 is never reached), `u` is clamped to [`TAIL`]..`1 - TAIL`
//! on that side, so grid and Morris levels at 0 and 1 give finite values (the
//! 0.1% and 99.9% quantiles).

use crate::core::scenario::Param;

/// Probability mass left out in an unbounded tail (see the module docs).
pub const TAIL: f64 = 0.001;

/// The value of `p` at unit coordinate `u` (clamped to `[0, 1]`).
///
/// `p` must have passed [`Param::check`].
pub fn quantile(p: &Param, u: f64) -> f64 {
    let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
    let (lo, hi) = match p {
        // exp of a Normal: both tails are open (0 is never reached).
        Param::LogNormal(..) => (f64::NEG_INFINITY, f64::INFINITY),
        _ => p.support(),
    };
    let u = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => u,
        (true, false) => u.min(1.0 - TAIL),
        (false, true) => u.max(TAIL),
        (false, false) => u.clamp(TAIL, 1.0 - TAIL),
    };
    match *p {
        Param::Fixed(v) => v,
        Param::Uniform(lo, hi) => lo + u * (hi - lo),
        Param::Triangular(a, c, b) => triangular(a, c, b, u),
        Param::Normal { mean, sd, min, max } => {
            if sd == 0.0 {
                return mean.clamp(min, max);
            }
            let (za, zb) = ((min - mean) / sd, (max - mean) / sd);
            (mean + sd * truncated_std_normal(za, zb, u)).clamp(min, max)
        }
        Param::LogNormal(mu, s) => (mu + s * normal_quantile(u)).exp(),
        Param::Beta { a, b, lo, hi } => lo + (hi - lo) * beta_quantile(a, b, u),
        Param::Poisson(l) => poisson_quantile(l, u),
    }
}

/// The range of values [`quantile`] can return: `(quantile(0), quantile(1))`.
pub fn quantile_range(p: &Param) -> (f64, f64) {
    (quantile(p, 0.0), quantile(p, 1.0))
}

fn triangular(a: f64, c: f64, b: f64, u: f64) -> f64 {
    let fc = (c - a) / (b - a);
    if u < fc {
        a + (u * (b - a) * (c - a)).sqrt()
    } else {
        b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
    }
}

/// Quantile of the standard normal restricted to `[za, zb]`.
fn truncated_std_normal(za: f64, zb: f64, u: f64) -> f64 {
    if za == f64::NEG_INFINITY && zb == f64::INFINITY {
        return normal_quantile(u);
    }
    // Work in the lower tail for accuracy: mirror when the interval is above 0.
    if za > 0.0 {
        return -truncated_std_normal(-zb, -za, 1.0 - u);
    }
    let (pa, pb) = (normal_cdf(za), normal_cdf(zb));
    normal_quantile(pa + u * (pb - pa)).clamp(za, zb)
}

/// Standard normal quantile, Wichura (1988), Algorithm AS241 (PPND16).
// The coefficients are written as published.
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((r * 2509.080_928_730_122_7 + 33430.575_583_588_128) * r
                + 67265.770_927_008_700)
                * r
                + 45921.953_931_549_871)
                * r
                + 13731.693_765_509_461)
                * r
                + 1971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((r * 5226.495_278_852_545_6 + 28729.085_735_721_943) * r
                + 39307.895_800_092_710)
                * r
                + 21213.794_301_586_595)
                * r
                + 5394.196_021_424_751_1)
                * r
                + 687.187_007_492_057_91)
                * r
                + 42.313_330_701_600_911)
                * r
                + 1.0);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        (((((((r * 7.745_450_142_783_414_1e-4 + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_61)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691_4)
            * r
            + 4.630_337_846_156_545_3)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((r * 1.050_750_071_644_416_9e-9 + 5.475_938_084_995_344_9e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_07)
                * r
                + 0.689_767_334_985_100_05)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_758_9)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((r * 2.010_334_399_292_288_1e-7 + 2.711_555_568_743_487_6e-5) * r
            + 1.242_660_947_388_078_4e-3)
            * r
            + 0.026_532_189_526_576_123)
            * r
            + 0.296_560_571_828_504_89)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114_4)
            * r
            + 6.657_904_643_501_103_8)
            / (((((((r * 2.044_263_103_389_939_7e-15 + 1.421_511_758_316_445_9e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_132_6e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_81)
                * r
                + 0.599_832_206_555_887_94)
                * r
                + 1.0)
    };
    if q < 0.0 { -x } else { x }
}

/// Standard normal CDF, from the regularized incomplete gamma function:
/// `Phi(x) = (1 + sign(x) P(1/2, x^2/2)) / 2`, tails via `Q` for accuracy.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let h = 0.5 * x * x;
    if x < 0.0 {
        0.5 * gamma_q(0.5, h)
    } else {
        1.0 - 0.5 * gamma_q(0.5, h)
    }
}

/// `ln Gamma(x)` for `x > 0` (Lanczos, g = 7, n = 9; relative error ~1e-15).
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_93,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_13,
        -176.615_029_162_140_59,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_571_6e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized upper incomplete gamma `Q(a, x) = 1 - P(a, x)` (series for
/// `x < a + 1`, Lentz continued fraction otherwise).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let lead = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut sum, mut term, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        (1.0 - sum * lead).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (lead * h).clamp(0.0, 1.0)
    }
}

/// Regularized incomplete beta `I_x(a, b)` (continued fraction, Numerical
/// Recipes `betacf` with modified Lentz); `escalate discover`'s binomial
/// tails use it too.
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Quantile of Beta(a, b) on [0, 1], by bisection until the bracket stops shrinking.
fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_inc(a, b, mid) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Smallest k with P(X <= k) >= u for X ~ Poisson(l): P(X <= k) = Q(k + 1, l).
fn poisson_quantile(l: f64, u: f64) -> f64 {
    if l == 0.0 || u <= 0.0 {
        return 0.0;
    }
    let cdf = |k: f64| gamma_q(k + 1.0, l);
    let mut hi = (l + 10.0 * l.sqrt() + 20.0).ceil();
    while cdf(hi) < u {
        hi *= 2.0;
    }
    let mut lo = -1.0f64; // cdf(-1) = 0 < u
    while hi - lo > 1.0 {
        let mid = ((lo + hi) / 2.0).floor();
        if cdf(mid) >= u {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(s: &str) -> Param {
        ron::from_str(s).unwrap()
    }

    /// Reference quantiles of the standard normal (Abramowitz & Stegun, Table 26.5).
    #[test]
    fn normal_quantile_matches_tables() {
        for (p, z) in [
            (0.975, 1.959_963_984_540_054),
            (0.5, 0.0),
            (0.95, 1.644_853_626_951_472_2),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-12, "{p}");
        }
    }

    #[test]
    fn normal_cdf_inverts_the_quantile() {
        for p in [1e-8, 0.001, 0.1, 0.3, 0.5, 0.77, 0.999] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-12 * p.max(1e-3) * 1e3);
        }
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-14);
    }

    #[test]
    fn closed_forms_hit_their_ends_and_middles() {
        assert_eq!(quantile(&param("Uniform(2, 6)"), 0.25), 3.0);
        assert_eq!(quantile(&param("Uniform(2, 6)"), 1.0), 6.0);
        let t = param("Triangular(0, 1, 2)");
        assert_eq!(quantile(&t, 0.0), 0.0);
        assert_eq!(quantile(&t, 0.5), 1.0);
        assert_eq!(quantile(&t, 1.0), 2.0);
        assert_eq!(quantile(&param("7"), 0.3), 7.0);
    }

    #[test]
    fn unbounded_tails_are_clamped_to_finite_values() {
        let n = param("Normal(10, 2)");
        let (lo, hi) = quantile_range(&n);
        assert!((lo - (10.0 - 2.0 * 3.090_232_306_167_813_5)).abs() < 1e-9);
        assert!((hi - (10.0 + 2.0 * 3.090_232_306_167_813_5)).abs() < 1e-9);
        assert_eq!(quantile(&n, 0.5), 10.0);
        let ln = param("LogNormal(0, 1)");
        assert!(quantile(&ln, 0.0) > 0.0 && quantile(&ln, 1.0).is_finite());
        assert!((quantile(&ln, 0.5) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn truncated_normal_stays_inside_and_is_monotone() {
        let p = param("Normal(0.5, 0.3, 0, 1)");
        assert_eq!(quantile(&p, 0.0), 0.0);
        assert_eq!(quantile(&p, 1.0), 1.0);
        assert!((quantile(&p, 0.5) - 0.5).abs() < 1e-12);
        let mut last = -1.0;
        for i in 0..=100 {
            let x = quantile(&p, i as f64 / 100.0);
            assert!(x >= last);
            last = x;
        }
        // Far upper tail, mirrored internally.
        let t = param("Normal(0, 1, 3, 4)");
        let m = quantile(&t, 0.5);
        assert!(m > 3.0 && m < 3.3, "{m}");
    }

    #[test]
    fn beta_quantile_inverts_known_cdfs() {
        // Beta(1, 1) is uniform; Beta(2, 1) has CDF x^2; Beta(1, 3) has CDF 1 - (1 - x)^3.
        assert!((quantile(&param("Beta(1, 1)"), 0.3) - 0.3).abs() < 1e-12);
        assert!((quantile(&param("Beta(2, 1)"), 0.25) - 0.5).abs() < 1e-12);
        assert!((quantile(&param("Beta(1, 3)"), 0.875) - 0.5).abs() < 1e-12);
        assert!((quantile(&param("Beta(2, 2, 10, 20)"), 0.5) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn poisson_quantile_is_the_smallest_k_reaching_u() {
        // Poisson(1): P(0) = e^-1 = 0.3679, P(<=1) = 0.7358, P(<=2) = 0.9197.
        let p = param("Poisson(1)");
        assert_eq!(quantile(&p, 0.3), 0.0);
        assert_eq!(quantile(&p, 0.5), 1.0);
        assert_eq!(quantile(&p, 0.9), 2.0);
        assert_eq!(quantile(&p, 0.95), 3.0);
        assert_eq!(quantile(&param("Poisson(0)"), 0.7), 0.0);
        let big = quantile(&param("Poisson(10000)"), 0.5);
        assert!((big - 10000.0).abs() <= 1.0, "{big}");
    }
}
