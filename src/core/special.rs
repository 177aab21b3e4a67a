//! Special functions, one implementation for every layer: the error function
//! and its logarithm in the tail, the normal CDF, density and quantile (also
//! from a log-probability, for truncations far in a tail), log-gamma, the
//! regularised upper incomplete gamma (Poisson CDFs, chi-square p-values), the
//! regularised incomplete beta, and the engine's own `exp(-x)`.
//!
//! Trial sampling ([`crate::core::quantile`]), sweeps and calibration priors
//! and scores all use these. They are written out so that every bit is this
//! crate's (a digest must not change with a C library's `exp` or a
//! dependency's update): no crate in the dependency tree provides them
//! (`rand_distr` samples, it does not evaluate CDFs or quantiles), and the few
//! hundred lines are cheaper than a dependency for the whole library.

use std::f64::consts::{PI, SQRT_2};

/// `2 / sqrt(pi)`.
const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// The complementary error function, to about 1e-15 relative error below
/// `x = 2.5` and 1e-14 in the tail (continued fraction).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        1.0 - erf_series(x)
    } else if x > 27.3 {
        0.0
    } else {
        erfc_continued_fraction(x)
    }
}

/// The error function.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() < 2.5 {
        erf_series(x)
    } else {
        x.signum() * (1.0 - erfc(x.abs()))
    }
}

/// erf(x) = 2/sqrt(pi) e^{-x^2} sum_{n>=0} 2^n x^{2n+1} / (1*3*...*(2n+1)):
/// every term positive, so no cancellation (Abramowitz & Stegun 7.1.6).
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0u32;
    loop {
        n += 1;
        term *= 2.0 * x2 / f64::from(2 * n + 1);
        sum += term;
        if term.abs() <= sum.abs() * 1e-17 || n > 500 {
            break;
        }
    }
    FRAC_2_SQRT_PI * (-x2).exp() * sum
}

/// erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
/// (Abramowitz & Stegun 7.1.14), evaluated by the modified Lentz method.
fn erfc_continued_fraction(x: f64) -> f64 {
    (-x * x).exp() / (PI.sqrt() * erfc_fraction(x))
}

/// The continued fraction `f(x)` of [`erfc_continued_fraction`]:
/// `erfc(x) = e^{-x^2} / (sqrt(pi) f(x))` for `x >= 2.5`.
fn erfc_fraction(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..500 {
        let a = f64::from(k) * 0.5;
        d = x + a * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = x + a / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    f
}

/// `ln erfc(x)`, finite where `erfc` itself underflows (x > 26.5): in the
/// tail `-x^2 - ln(sqrt(pi) f(x))` from the continued fraction.
pub fn ln_erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 2.5 {
        erfc(x).ln()
    } else if x == f64::INFINITY {
        f64::NEG_INFINITY
    } else {
        -x * x - (PI.sqrt() * erfc_fraction(x)).ln()
    }
}

/// The standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// `ln Phi(z)`, the log of the standard normal CDF, accurate in the lower
/// tail (where `Phi` underflows below z = -37.5) and near 1 (through `ln_1p`).
pub fn ln_normal_cdf(z: f64) -> f64 {
    if z < -1.0 {
        -std::f64::consts::LN_2 + ln_erfc(-z / SQRT_2)
    } else {
        (-0.5 * erfc(z / SQRT_2)).ln_1p()
    }
}

/// The mass of the standard normal in `[za, zb]`, as its logarithm, from
/// the tail that keeps it accurate (`-inf` when the interval is empty).
pub fn ln_normal_mass(za: f64, zb: f64) -> f64 {
    if za > 0.0 {
        return ln_normal_mass(-zb, -za);
    }
    // Now za <= 0: ln(Phi(zb) - Phi(za)) = ln Phi(zb) + ln(1 - e^(ln Phi(za) - ln Phi(zb))).
    let (la, lb) = (ln_normal_cdf(za), ln_normal_cdf(zb));
    // Empty (lb <= la) or NaN: no mass.
    if lb.partial_cmp(&la) != Some(std::cmp::Ordering::Greater) {
        return f64::NEG_INFINITY;
    }
    lb + (-(la - lb).exp()).ln_1p()
}

/// The standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// The standard normal quantile `Phi^-1(p)`: Wichura (1988), Algorithm AS241
/// (PPND16), relative accuracy about 1e-16; `-inf` at 0 and `inf` at 1.
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
    let x = as241_tail((-r.ln()).sqrt());
    if q < 0.0 { -x } else { x }
}

/// AS241's tail branch: `-Phi^-1(p)` for `p < 0.075` from `r = sqrt(-ln p)`.
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
fn as241_tail(r: f64) -> f64 {
    if r <= 5.0 {
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
    }
}

/// `Phi^-1(e^lp)` for a log-probability `lp <= ln 0.5`: the quantile far in
/// the lower tail, where `e^lp` itself underflows (a normal truncated 40 sd
/// out). AS241's tail branch takes `r = sqrt(-lp)` directly; past the range
/// it was fitted on (`p < 1e-300`) two Newton steps on `ln Phi(z) = lp`
/// (derivative `phi(z) / Phi(z)`) bring it to rounding.
pub fn normal_quantile_ln(lp: f64) -> f64 {
    if lp.is_nan() {
        return f64::NAN;
    }
    if lp == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if lp > (0.075f64).ln() {
        return normal_quantile(lp.exp());
    }
    let mut z = -as241_tail((-lp).sqrt());
    if lp < -690.0 {
        for _ in 0..3 {
            let lcdf = ln_normal_cdf(z);
            let ln_pdf = -0.5 * z * z - 0.5 * (2.0 * PI).ln();
            z -= (lcdf - lp) * (lcdf - ln_pdf).exp();
        }
    }
    z
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 coefficients; about 1e-15 relative).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised upper incomplete gamma function Q(s, x) = Γ(s, x) / Γ(s)
/// (series below x = s + 1, continued fraction above; Press et al.,
/// Numerical Recipes, 3rd ed., section 6.2).
pub fn gamma_q(s: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = -x + s * x.ln() - ln_gamma(s);
    if x < s + 1.0 {
        let mut ap = s;
        let mut del = 1.0 / s;
        let mut sum = del;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - s;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -f64::from(i) * (f64::from(i) - s);
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
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// Regularized incomplete beta `I_x(a, b)` (continued fraction, Numerical
/// Recipes `betacf` with modified Lentz).
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

/// The continued fraction of [`beta_inc`].
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

/// e^(-x) for 0 <= x < 700, with relative error below 4 x f64::EPSILON: escalate's own, so the engine's
/// draws do not depend on the C library's `exp` (which differs between libm
/// versions) and cost a few nanoseconds.
#[inline]
pub fn exp_neg(x: f64) -> f64 {
    let (k, r) = reduce_neg(x);
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
    p * pow2_neg(k)
}

/// The range reduction of [`exp_neg`] and [`exp_neg_approx`]: `k`, `x / ln 2`
/// rounded to the nearest integer without a libm call (`x >= 0`), and
/// `r = -x - k ln 2` (`|r| <= ln 2 / 2`), with `ln 2` split in two so that
/// `k LN2_HI` is exact, so that `e^-x = 2^-k e^r`.
#[inline(always)]
fn reduce_neg(x: f64) -> (f64, f64) {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let k = (x * std::f64::consts::LOG2_E + 0.5) as i64 as f64;
    (k, (k * LN2_HI - x) + k * LN2_LO)
}

/// `2^-k` for a whole `k` with `0 <= k <= 1010` (`x < 700`), exactly: the
/// exponent stays normal.
#[inline(always)]
fn pow2_neg(k: f64) -> f64 {
    f64::from_bits(((1023 - k as i64) as u64) << 52)
}

/// The largest relative error of [`exp_neg_approx`] on `0 <= x < 700`:
/// `3e-10`, from the proof in its body (Taylor remainder `2.82e-10`, rounding
/// under `1e-14`).
pub const EXP_NEG_APPROX_ERROR: f64 = 3e-10;

/// e^(-x) for 0 <= x < 700 to a relative error of [`EXP_NEG_APPROX_ERROR`]:
/// [`exp_neg`]'s range reduction with a degree-8 Taylor polynomial instead of
/// degree 13. Not for values a result is made of: only for a fast pass that
/// keeps a margin far wider than this error and falls back to [`exp_neg`]
/// inside it (`quantile::poisson_small`).
#[inline]
pub fn exp_neg_approx(x: f64) -> f64 {
    // Error budget (relative, u = 2^-53):
    // - reduction: k = round(x / ln 2) <= 1010; k LN2_HI is exact (LN2_HI has
    //   32 significant bits), so r = -x - k ln 2 carries at most two roundings
    //   of a number below 0.35 plus k times LN2_LO's own error (< 1e-26):
    //   under 1e-16 absolute in r, hence relative in e^r;
    // - the polynomial: |r| <= ln 2 / 2 + 1e-16, and the Lagrange remainder of
    //   Taylor's degree 8 is e^xi r^9 / 9! with xi between 0 and r, relative to
    //   e^r at most |r|^9 / 9! e^|r| = 2.82e-10;
    // - its evaluation: 18 operations on partial values below 1.5, each
    //   rounded by at most u of its value, against a result above
    //   e^-0.35 = 0.7: under 18 x 1.5 u / 0.7 = 4.3e-15;
    // - the scaling by 2^-k is exact (the exponent stays normal).
    // Total: below 2.82e-10 + 4.3e-15 + 1e-16 < 3e-10 = EXP_NEG_APPROX_ERROR.
    let (k, r) = reduce_neg(x);
    const C: [f64; 9] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let p01 = C[0] + C[1] * r;
    let p23 = C[2] + C[3] * r;
    let p45 = C[4] + C[5] * r;
    let p67 = C[6] + C[7] * r;
    let p0_3 = p01 + p23 * r2;
    let p4_8 = p45 + p67 * r2 + C[8] * r4;
    let p = p0_3 + p4_8 * r4;
    p * pow2_neg(k)
}

/// The chi-square survival function P(X > x) with `df` degrees of freedom.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    gamma_q(0.5 * df, 0.5 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Far in the lower tail, where Phi underflows: ln Phi(z) against the
    /// asymptotic series `ln Phi(z) = ln phi(z) - ln(-z) + ln(1 - 1/z^2 +
    /// 3/z^4 - 15/z^6 + 105/z^8)` (Abramowitz & Stegun 26.2.12; the next term
    /// is below 1e-11 at z = -40), and the log-quantile inverting it.
    #[test]
    fn log_cdf_and_log_quantile_hold_where_phi_underflows() {
        for z in [-40.0f64, -60.0, -200.0] {
            let z2 = z * z;
            let series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2)
                + 105.0 / (z2 * z2 * z2 * z2);
            let expect = -0.5 * z2 - 0.5 * (2.0 * PI).ln() - (-z).ln() + series.ln();
            let got = ln_normal_cdf(z);
            assert!(
                ((got - expect) / expect).abs() < 1e-14,
                "{z}: {got} vs {expect}"
            );
            let back = normal_quantile_ln(got);
            assert!(((back - z) / z).abs() < 1e-13, "{z}: {back}");
        }
        // Where Phi is representable the two spellings agree.
        for z in [-30.0f64, -8.0, -3.0, -0.5, 0.0, 2.0] {
            let (a, b) = (ln_normal_cdf(z), normal_cdf(z).ln());
            assert!(
                (a - b).abs() <= 1e-13 * b.abs().max(1e-300),
                "{z}: {a} vs {b}"
            );
            if z <= 0.0 {
                assert!(
                    (normal_quantile_ln(a) - z).abs() < 1e-12 * z.abs().max(1.0),
                    "{z}"
                );
            }
        }
        // Near 1, ln Phi(z) = ln(1 - q) = -q - q^2/2 with q = Phi(-z): kept
        // where 1 - q would round.
        let q = normal_cdf(-7.0);
        assert!(((ln_normal_cdf(7.0) + q + 0.5 * q * q) / q).abs() < 1e-14);
        // The mass of [8, 9] is Phi(-8) - Phi(-9), from the upper tail.
        let m = ln_normal_mass(8.0, 9.0).exp();
        let expect = normal_cdf(-8.0) - normal_cdf(-9.0);
        assert!(((m - expect) / expect).abs() < 1e-13, "{m} vs {expect}");
        assert_eq!(ln_normal_mass(1.0, 1.0), f64::NEG_INFINITY);
        assert!(ln_normal_mass(f64::NEG_INFINITY, f64::INFINITY).abs() < 1e-300);
        assert!(ln_normal_mass(40.0, 41.0).is_finite());
    }

    #[test]
    fn exp_neg_matches_std_within_a_few_ulp() {
        let mut x = 0.0;
        while x < 700.0 {
            let (a, b) = (exp_neg(x), (-x).exp());
            assert!(
                ((a - b) / b).abs() < 4.0 * f64::EPSILON,
                "x = {x}: {a} vs {b}"
            );
            x += 0.013_7;
        }
        assert_eq!(exp_neg(0.0), 1.0);
    }

    /// The approximate exponential keeps within its stated error of the
    /// reference `exp` (whose own error is an ulp) everywhere it is used.
    #[test]
    fn exp_neg_approx_is_within_its_error_bound() {
        let mut worst = 0.0f64;
        let mut x = 0.0;
        while x < 700.0 {
            let (a, b) = (exp_neg_approx(x), (-x).exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.000_37;
        }
        assert!(worst < EXP_NEG_APPROX_ERROR, "{worst}");
        // The bound is not loose by orders of magnitude (it is the Taylor
        // remainder at the end of the reduced range): the worst case seen
        // is within a factor of 3 of it.
        assert!(worst > EXP_NEG_APPROX_ERROR / 3.0, "{worst}");
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// Reference values: Abramowitz & Stegun, table 7.1, and the DLMF (7.2).
    #[test]
    fn error_function_matches_tabled_values() {
        assert!(close(erf(0.5), 0.520_499_877_813_046_5, 1e-14));
        assert!(close(erf(1.0), 0.842_700_792_949_714_9, 1e-14));
        assert!(close(erfc(2.0), 0.004_677_734_981_047_266, 1e-13));
        assert!(close(erfc(3.0), 2.209_049_699_858_544e-5, 1e-12));
        assert!(close(erfc(5.0), 1.537_459_794_428_035e-12, 1e-12));
        assert!(close(erfc(-1.0), 1.842_700_792_949_715, 1e-14));
        assert!(close(normal_cdf(1.959_964), 0.975, 1e-7));
    }

    #[test]
    fn log_gamma_and_chi_square_match_known_values() {
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-14));
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-13));
        assert!(close(ln_gamma(10.5), 13.940_625_219_403_763, 1e-13));
        // Upper 1% and 5% points of chi-square with 19 df (standard tables): 36.191, 30.144.
        assert!((chi_square_sf(36.191, 19.0) - 0.01).abs() < 1e-4);
        assert!((chi_square_sf(30.144, 19.0) - 0.05).abs() < 1e-4);
        // Exponential: chi-square with 2 df has P(X > x) = e^{-x/2}.
        assert!(close(chi_square_sf(3.0, 2.0), (-1.5f64).exp(), 1e-13));
    }
}
