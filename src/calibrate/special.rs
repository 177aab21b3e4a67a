//! Special functions the calibration needs, written out so that every bit is
//! this crate's: the error function, the normal CDF, log-gamma and the
//! regularised upper incomplete gamma (for chi-square p-values). No crate in
//! the dependency tree provides them (`rand_distr` samples, it does not
//! evaluate densities), and a few dozen lines are cheaper than a new
//! dependency for the whole library.

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
    (-x * x).exp() / (PI.sqrt() * f)
}

/// The standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// The standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
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
        1.0 - sum * log_prefix.exp()
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
        log_prefix.exp() * h
    }
}

/// The chi-square survival function P(X > x) with `df` degrees of freedom.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    gamma_q(0.5 * df, 0.5 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

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
