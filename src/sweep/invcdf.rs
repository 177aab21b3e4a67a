//! A sweep's design coordinates as parameter values: a unit coordinate `u` in
//! `[0, 1]` becomes `x = F^-1(u)` through the scenario distribution's inverse
//! CDF ([`Param::quantile`], the one implementation in
//! [`crate::core::quantile`], which trial sampling and calibration priors use
//! too).
//!
//! What is the sweep's own: where a distribution's support is unbounded on a
//! side (and on both sides of LogNormal, whose 0 is never reached), `u` is
//! clamped to [`TAIL`]..`1 - TAIL` on that side, so grid and Morris levels at
//! 0 and 1 give finite values (the 0.1% and 99.9% quantiles).

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
    p.quantile(u)
}

/// The range of values [`quantile`] can return: `(quantile(0), quantile(1))`.
pub fn quantile_range(p: &Param) -> (f64, f64) {
    (quantile(p, 0.0), quantile(p, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(s: &str) -> Param {
        ron::from_str(s).unwrap()
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
}
