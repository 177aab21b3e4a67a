//! Priors: a scenario [`Param`] (same syntax, same sampling: inversion of
//! the CDF from one uniform, [`crate::core::quantile`]) plus what ABC needs
//! of it, the log-density and the support.
//!
//! Every continuous distribution of the scenario syntax is a prior:
//! `Uniform(lo, hi)`, `Normal(mean, sd)`, `Normal(mean, sd, min, max)`
//! (truncated: the density is renormalised over [min, max]), `Beta(a, b)`,
//! `Beta(a, b, lo, hi)` (scaled), `Triangular(min, mode, max)` and
//! `LogNormal(mu, sigma)`. A fixed number is not a prior (there is nothing to
//! calibrate) and `Poisson(lambda)` is refused: the perturbation kernel is
//! continuous, so a discrete parameter would never be proposed on its
//! support. Degenerate distributions (zero width) are refused for the same
//! reason.

use rand_chacha::ChaCha8Rng;

use crate::core::scenario::Param;
use crate::core::special::{ln_gamma, ln_normal_mass};

/// What the algorithm needs of a prior: draws, a log-density (up to no
/// constant: the exact normalised density) and the support.
pub trait PriorDensity: Sync {
    /// One draw from the prior.
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64;
    /// The log-density at `x`; `-inf` outside the support.
    fn log_pdf(&self, x: f64) -> f64;
    /// True when `x` is in the support: the density is positive and finite
    /// there (a Beta with a < 1 is infinite at its end: not a proposal to keep).
    fn in_support(&self, x: f64) -> bool {
        self.log_pdf(x).is_finite()
    }
}

/// Why a parameter cannot be a prior.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum PriorError {
    /// A fixed number.
    #[error("{0} is a fixed number, not a prior")]
    #[diagnostic(
        code(escalate::calibrate::prior),
        help("write a continuous distribution, e.g. Uniform(0, 1) or Normal(10, 2)")
    )]
    Fixed(String),
    /// A Poisson distribution.
    #[error("{0} is discrete and cannot be a prior")]
    #[diagnostic(
        code(escalate::calibrate::prior),
        help(
            "the perturbation kernel is continuous; calibrate a continuous parameter (e.g. LogNormal or Uniform) instead"
        )
    )]
    Discrete(String),
    /// The distribution's arguments are wrong, or it has zero width.
    #[error("{param} cannot be a prior: {reason}")]
    #[diagnostic(code(escalate::calibrate::prior))]
    Invalid {
        /// The parameter as written.
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// The text is not a parameter.
    #[error("cannot read the prior {text:?}: {message}")]
    #[diagnostic(code(escalate::calibrate::prior))]
    Syntax {
        /// The text.
        text: String,
        /// The parser's message.
        message: String,
    },
}

/// A prior: a checked continuous [`Param`].
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    param: Param,
    /// ln of the normalising constant of a truncated normal (0 otherwise).
    log_norm: f64,
}

impl Prior {
    /// Checks that `param` is a proper continuous distribution.
    pub fn new(param: Param) -> Result<Prior, PriorError> {
        let invalid = |reason: &str| PriorError::Invalid {
            param: param.to_string(),
            reason: reason.to_string(),
        };
        match param {
            Param::Fixed(_) => return Err(PriorError::Fixed(param.to_string())),
            Param::Poisson(_) => return Err(PriorError::Discrete(param.to_string())),
            _ => {}
        }
        param.check().map_err(|r| invalid(&r))?;
        let log_norm = match param {
            Param::Uniform(lo, hi) if lo >= hi => return Err(invalid("it has zero width")),
            Param::Normal { sd, .. } if sd <= 0.0 => return Err(invalid("its sd is 0")),
            Param::LogNormal(_, s) if s <= 0.0 => return Err(invalid("its sigma is 0")),
            Param::Normal { mean, sd, min, max } => {
                // ln of the mass in [min, max], from the tail that keeps it
                // accurate (finite: Param::check refused an empty one).
                let ln_mass = ln_normal_mass((min - mean) / sd, (max - mean) / sd);
                if ln_mass == f64::NEG_INFINITY {
                    return Err(invalid("its bounds hold no mass"));
                }
                ln_mass
            }
            _ => 0.0,
        };
        Ok(Prior { param, log_norm })
    }

    /// Reads a prior in the scenario syntax, e.g. `"Normal(0, 2)"`.
    pub fn parse(text: &str) -> Result<Prior, PriorError> {
        let param: Param = ron::from_str(text).map_err(|e| PriorError::Syntax {
            text: text.to_string(),
            message: e.to_string(),
        })?;
        Prior::new(param)
    }

    /// The parameter.
    pub fn param(&self) -> &Param {
        &self.param
    }

    /// The smallest and largest value (the support's closure).
    pub fn support(&self) -> (f64, f64) {
        self.param.support()
    }

    /// The log-density at `x` (normalised; `-inf` outside the support).
    pub fn log_pdf(&self, x: f64) -> f64 {
        const NEG: f64 = f64::NEG_INFINITY;
        if x.is_nan() {
            return NEG;
        }
        match self.param {
            Param::Uniform(lo, hi) => {
                if (lo..=hi).contains(&x) {
                    -(hi - lo).ln()
                } else {
                    NEG
                }
            }
            Param::Normal { mean, sd, min, max } => {
                if !(min..=max).contains(&x) {
                    return NEG;
                }
                let z = (x - mean) / sd;
                -0.5 * z * z - sd.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - self.log_norm
            }
            Param::Beta { a, b, lo, hi } => {
                if !(lo..=hi).contains(&x) {
                    return NEG;
                }
                let u = (x - lo) / (hi - lo);
                xlny(a - 1.0, u) + xlny(b - 1.0, 1.0 - u) + ln_gamma(a + b)
                    - ln_gamma(a)
                    - ln_gamma(b)
                    - (hi - lo).ln()
            }
            Param::Triangular(lo, m, hi) => {
                if !(lo..=hi).contains(&x) {
                    return NEG;
                }
                let w = hi - lo;
                let pdf = if x < m {
                    2.0 * (x - lo) / (w * (m - lo))
                } else if x > m {
                    2.0 * (hi - x) / (w * (hi - m))
                } else {
                    2.0 / w
                };
                pdf.ln()
            }
            Param::LogNormal(mu, s) => {
                if x <= 0.0 || x == f64::INFINITY {
                    return NEG;
                }
                let z = (x.ln() - mu) / s;
                -0.5 * z * z - x.ln() - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            }
            Param::Fixed(_) | Param::Poisson(_) => unreachable!("refused by Prior::new"),
        }
    }
}

/// `c * ln(y)`, with `0 * ln(0) = 0` (a Beta with a = 1 at its end).
fn xlny(c: f64, y: f64) -> f64 {
    if c == 0.0 { 0.0 } else { c * y.ln() }
}

impl PriorDensity for Prior {
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        self.param.sample(rng)
    }
    fn log_pdf(&self, x: f64) -> f64 {
        Prior::log_pdf(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The density integrates to 1 over its support (composite Simpson on a
    /// fine grid; the truncated normal's renormalisation included).
    #[test]
    fn every_continuous_prior_integrates_to_one() {
        for text in [
            "Uniform(1, 3)",
            "Normal(0, 2)",
            "Normal(1, 2, 0, 5)",
            "Normal(10, 1, 12, 14)",
            "Beta(2, 3)",
            "Beta(2.5, 1.5, 2, 6)",
            "Beta(1, 1)",
            "Triangular(0, 1, 4)",
            "Triangular(0, 0, 2)",
            "LogNormal(0.5, 0.4)",
        ] {
            let p = Prior::parse(text).unwrap();
            let (lo, hi) = match p.support() {
                (lo, hi) if lo.is_finite() && hi.is_finite() => (lo, hi),
                (0.0, _) => (1e-12, 40.0),
                _ => (-40.0, 40.0),
            };
            let n = 200_000;
            let h = (hi - lo) / n as f64;
            let mut s = 0.0;
            for i in 0..=n {
                let x = lo + i as f64 * h;
                let w = if i == 0 || i == n {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                s += w * p.log_pdf(x).exp();
            }
            let integral = s * h / 3.0;
            assert!((integral - 1.0).abs() < 1e-4, "{text}: {integral}");
        }
    }

    #[test]
    fn densities_match_hand_values_and_support_is_checked() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // Beta(2, 3) at 0.5: 12 * 0.5 * 0.25 = 1.5.
        assert!(close(
            Prior::parse("Beta(2, 3)").unwrap().log_pdf(0.5),
            1.5f64.ln()
        ));
        // Standard normal at 0: 1/sqrt(2 pi).
        let n = Prior::parse("Normal(0, 1)").unwrap();
        assert!(close(
            n.log_pdf(0.0),
            -0.5 * (2.0 * std::f64::consts::PI).ln()
        ));
        // Half-normal: twice the density.
        let h = Prior::parse("Normal(0, 1, 0, 1e9)").unwrap();
        assert!(close(h.log_pdf(0.3), n.log_pdf(0.3) + 2f64.ln()));
        assert_eq!(h.log_pdf(-0.1), f64::NEG_INFINITY);
        assert!(close(
            Prior::parse("Triangular(0, 1, 4)").unwrap().log_pdf(1.0),
            0.5f64.ln()
        ));
        let u = Prior::parse("Uniform(1, 3)").unwrap();
        assert!(u.in_support(2.0) && !u.in_support(3.5) && !u.in_support(f64::NAN));
        assert!(!Prior::parse("LogNormal(0, 1)").unwrap().in_support(0.0));
        let b = Prior::parse("Beta(0.5, 2)").unwrap();
        assert!(!b.in_support(0.0) && b.in_support(0.01));
    }

    #[test]
    fn fixed_discrete_and_degenerate_priors_are_refused() {
        assert!(matches!(Prior::parse("4000"), Err(PriorError::Fixed(_))));
        assert!(matches!(
            Prior::parse("Poisson(3)"),
            Err(PriorError::Discrete(_))
        ));
        assert!(matches!(
            Prior::parse("Uniform(2, 2)"),
            Err(PriorError::Invalid { .. })
        ));
        assert!(matches!(
            Prior::parse("Normal(0, 0)"),
            Err(PriorError::Invalid { .. })
        ));
        assert!(matches!(
            Prior::parse("Uniform(3, 2)"),
            Err(PriorError::Invalid { .. })
        ));
        assert!(matches!(
            Prior::parse("Gamma(1, 2)"),
            Err(PriorError::Syntax { .. })
        ));
        let msg = Prior::parse("Poisson(3)").unwrap_err().to_string();
        assert!(msg.contains("discrete"), "{msg}");
    }
}
