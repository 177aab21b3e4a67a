//! Numeric parameters: a plain number or a distribution sampled once per trial.
//!
//! In a scenario file (and in `--set`) a parameter is written `4000`, or one of
//! `Uniform(lo, hi)`, `Normal(mean, sd)`, `Normal(mean, sd, min, max)`
//! (truncated to its bounds), `Beta(a, b)`, `Beta(a, b, lo, hi)` (scaled),
//! `Triangular(min, mode, max)`, `LogNormal(mu, sigma)` (of the logarithm) or
//! `Poisson(lambda)` (lambda at most [`POISSON_MAX_LAMBDA`]).
//!
//! A distribution is drawn by inversion of its CDF from one uniform
//! ([`Param::sample`], [`Param::quantile`]; the inverse CDFs are
//! [`crate::core::quantile`]'s): a truncated normal's draws fill its interval
//! with the right density, none piled on a bound.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::core::quantile::POISSON_MAX_LAMBDA;
use crate::core::quantile::{self, OPEN_UNIT_MAX, OPEN_UNIT_MIN, open_unit};
use crate::core::special::ln_normal_mass;

/// A parameter: fixed, or a distribution sampled once per trial.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A fixed number.
    Fixed(f64),
    /// Uniform on [lo, hi).
    Uniform(f64, f64),
    /// Normal(mean, sd), optionally truncated to [min, max] (renormalised).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Lower bound, if truncated.
        min: f64,
        /// Upper bound, if truncated.
        max: f64,
    },
    /// Beta(a, b) scaled to [lo, hi].
    Beta {
        /// Shape a.
        a: f64,
        /// Shape b.
        b: f64,
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// Triangular(min, mode, max).
    Triangular(f64, f64, f64),
    /// LogNormal(mu, sigma) of the underlying normal.
    LogNormal(f64, f64),
    /// Poisson(lambda).
    Poisson(f64),
}

impl Default for Param {
    fn default() -> Self {
        Param::Fixed(0.0)
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Fixed(v)
    }
}

impl Param {
    /// True when the parameter is a distribution (sampled per trial).
    pub fn is_uncertain(&self) -> bool {
        !matches!(self, Param::Fixed(_))
    }

    /// The smallest and largest value the parameter can take.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Param::Fixed(v) => (v, v),
            Param::Uniform(lo, hi) => (lo, hi),
            Param::Normal { min, max, .. } => (min, max),
            Param::Beta { lo, hi, .. } => (lo, hi),
            Param::Triangular(lo, _, hi) => (lo, hi),
            Param::LogNormal(..) => (0.0, f64::INFINITY),
            Param::Poisson(_) => (0.0, f64::INFINITY),
        }
    }

    /// The smallest and largest value a draw can take: the support's end
    /// on a bounded side; on an unbounded side (a normal's tails, a
    /// log-normal's or Poisson's top) the quantile at the most extreme uniform
    /// the sampler draws ([`OPEN_UNIT_MIN`], [`OPEN_UNIT_MAX`]: 8.2 sd out for
    /// a normal). A sweep's coordinates on an unbounded side stay further in
    /// (`sweep::invcdf::TAIL`). What validation checks against a parameter's
    /// range. Only call on a parameter that passed [`Param::check`].
    pub fn draw_bounds(&self) -> (f64, f64) {
        let (lo, hi) = self.support();
        (
            if lo.is_finite() {
                lo
            } else {
                self.quantile(OPEN_UNIT_MIN)
            },
            if hi.is_finite() {
                hi
            } else {
                self.quantile(OPEN_UNIT_MAX)
            },
        )
    }

    /// The distribution's centre (for reports of "current value"): the mean,
    /// except a truncated normal's, which is its untruncated `mean` argument.
    pub fn mean(&self) -> f64 {
        match *self {
            Param::Fixed(v) => v,
            Param::Uniform(lo, hi) => 0.5 * (lo + hi),
            Param::Normal { mean, .. } => mean,
            Param::Beta { a, b, lo, hi } => lo + (hi - lo) * a / (a + b),
            Param::Triangular(lo, m, hi) => (lo + m + hi) / 3.0,
            Param::LogNormal(mu, s) => (mu + 0.5 * s * s).exp(),
            Param::Poisson(l) => l,
        }
    }

    /// The same distribution bounded to `[lo, hi]`, when it has a bounded
    /// form that keeps its shape and passes [`Param::check`]: a Normal,
    /// truncated to the intersection of its bounds and `[lo, hi]`. None for
    /// the others (their bounds are their own arguments, or they have none).
    pub fn bounded_to(&self, lo: f64, hi: f64) -> Option<Param> {
        match *self {
            Param::Normal { mean, sd, min, max } => {
                let b = Param::Normal {
                    mean,
                    sd,
                    min: min.max(lo),
                    max: max.min(hi),
                };
                b.check().is_ok().then_some(b)
            }
            _ => None,
        }
    }

    /// Checks the distribution's own arguments; returns what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Param::Fixed(v) if !v.is_finite() => Err("the number is not finite".into()),
            Param::Uniform(lo, hi) if !(finite(&[lo, hi]) && lo <= hi) => {
                Err(format!("Uniform({lo}, {hi}) needs lo <= hi, both finite"))
            }
            Param::Normal { mean, sd, min, max } => {
                if !(mean.is_finite() && sd.is_finite() && sd >= 0.0) {
                    Err(format!(
                        "Normal({mean}, {sd}) needs a finite mean and sd >= 0"
                    ))
                } else if min.is_nan() || max.is_nan() || min >= max {
                    Err(format!("Normal bounds [{min}, {max}] need min < max"))
                } else if sd > 0.0
                    && ln_normal_mass((min - mean) / sd, (max - mean) / sd) == f64::NEG_INFINITY
                {
                    Err(format!(
                        "Normal({mean}, {sd}, {min}, {max}): the bounds hold no mass a double can represent"
                    ))
                } else {
                    Ok(())
                }
            }
            Param::Beta { a, b, lo, hi }
                if !(a > 0.0 && b > 0.0 && finite(&[a, b, lo, hi]) && lo < hi) =>
            {
                Err(format!(
                    "Beta({a}, {b}, {lo}, {hi}) needs a > 0, b > 0 and lo < hi"
                ))
            }
            Param::Triangular(lo, m, hi)
                if !(finite(&[lo, m, hi]) && lo <= m && m <= hi && lo < hi) =>
            {
                Err(format!(
                    "Triangular({lo}, {m}, {hi}) needs min <= mode <= max and min < max"
                ))
            }
            Param::LogNormal(mu, s) if !(mu.is_finite() && s.is_finite() && s >= 0.0) => Err(
                format!("LogNormal({mu}, {s}) needs a finite mu and sigma >= 0"),
            ),
            Param::Poisson(l) if !(l.is_finite() && l >= 0.0) => {
                Err(format!("Poisson({l}) needs lambda >= 0"))
            }
            Param::Poisson(l) if l > POISSON_MAX_LAMBDA => Err(format!(
                "Poisson({l:e}): lambda is above {POISSON_MAX_LAMBDA:e}, the largest Poisson \
                 mean escalate draws exactly"
            )),
            _ => Ok(()),
        }
    }

    /// The help line for a parameter that failed [`Param::check`]: what to
    /// write instead (for a Poisson mean above the limit, the normal it is
    /// within `1/sqrt(lambda)` of), else the syntax of every distribution.
    pub fn help(&self) -> String {
        match *self {
            Param::Poisson(l) if l.is_finite() && l > POISSON_MAX_LAMBDA => format!(
                "for a count this large write Normal({l:e}, {sd:.3e}, 0, {hi:e}): \
                 a Poisson's mean and sd, within 1/sqrt(lambda) of its distribution",
                sd = l.sqrt(),
                hi = 2.0 * l
            ),
            _ => PARAM_HELP.to_string(),
        }
    }

    /// Draws one value: the quantile at one uniform on (0, 1) from `rng`
    /// (inversion, so the value is non-decreasing in that uniform). Only call
    /// on a parameter that passed [`Param::check`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Param::Fixed(v) => v,
            _ => self.quantile(open_unit(rng)),
        }
    }

    /// The value at probability `u` in `[0, 1]`: `F^-1(u)`, the smallest `x`
    /// with `F(x) >= u` (for a Poisson the smallest count). At 0 and 1 an
    /// unbounded side gives an infinite value; a sweep clamps its
    /// coordinates first. Only call on a parameter that passed
    /// [`Param::check`].
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        match *self {
            Param::Fixed(v) => v,
            Param::Uniform(lo, hi) => quantile::uniform(lo, hi, u),
            Param::Normal { mean, sd, min, max } => quantile::normal(mean, sd, min, max, u),
            Param::Beta { a, b, lo, hi } => lo + (hi - lo) * quantile::beta(a, b, u),
            Param::Triangular(lo, m, hi) => quantile::triangular(lo, m, hi, u),
            Param::LogNormal(mu, s) => quantile::lognormal(mu, s, u),
            Param::Poisson(l) => quantile::poisson(l, u),
        }
    }
}

/// A number as the file would write it: in full, except that from 10^16 on
/// (where a double no longer holds every integer, so the digits past the
/// 16th are the binary rounding's) in exponent form, `1e25`.
pub fn number(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e16 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Formats in the scenario file's own syntax, e.g. `Normal(4000, 800)`.
impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = number;
        match *self {
            Param::Fixed(v) => write!(f, "{}", n(v)),
            Param::Uniform(a, b) => write!(f, "Uniform({}, {})", n(a), n(b)),
            Param::Normal { mean, sd, min, max }
                if min == f64::NEG_INFINITY && max == f64::INFINITY =>
            {
                write!(f, "Normal({}, {})", n(mean), n(sd))
            }
            Param::Normal { mean, sd, min, max } => {
                write!(f, "Normal({}, {}, {}, {})", n(mean), n(sd), n(min), n(max))
            }
            Param::Beta { a, b, lo, hi } if lo == 0.0 && hi == 1.0 => {
                write!(f, "Beta({}, {})", n(a), n(b))
            }
            Param::Beta { a, b, lo, hi } => {
                write!(f, "Beta({}, {}, {}, {})", n(a), n(b), n(lo), n(hi))
            }
            Param::Triangular(a, m, b) => write!(f, "Triangular({}, {}, {})", n(a), n(m), n(b)),
            Param::LogNormal(m, s) => write!(f, "LogNormal({}, {})", n(m), n(s)),
            Param::Poisson(l) => write!(f, "Poisson({})", n(l)),
        }
    }
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Param::Fixed(v) => s.serialize_f64(v),
            _ => s.serialize_str(&self.to_string()),
        }
    }
}

/// The file's spelling: a number, or a named distribution with positional arguments.
#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Number(f64),
    Dist(DistRepr),
}

#[derive(Deserialize)]
enum DistRepr {
    Uniform(f64, f64),
    Normal(Vec<f64>),
    Beta(Vec<f64>),
    Triangular(f64, f64, f64),
    LogNormal(f64, f64),
    Poisson(f64),
}

/// What a parameter may be written as; used in error messages.
pub const PARAM_HELP: &str = "write a number (e.g. 4000) or a distribution: Uniform(lo, hi), \
Normal(mean, sd), Normal(mean, sd, min, max), Beta(a, b), Beta(a, b, lo, hi), \
Triangular(min, mode, max), LogNormal(mu, sigma), Poisson(lambda)";

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let repr = Repr::deserialize(d)
            .map_err(|_| D::Error::custom(format!("expected a parameter: {PARAM_HELP}")))?;
        Ok(match repr {
            Repr::Number(v) => Param::Fixed(v),
            Repr::Dist(DistRepr::Uniform(a, b)) => Param::Uniform(a, b),
            Repr::Dist(DistRepr::Normal(v)) => match v[..] {
                [mean, sd] => Param::Normal {
                    mean,
                    sd,
                    min: f64::NEG_INFINITY,
                    max: f64::INFINITY,
                },
                [mean, sd, min, max] => Param::Normal { mean, sd, min, max },
                _ => {
                    return Err(D::Error::custom(
                        "Normal takes (mean, sd) or (mean, sd, min, max)",
                    ));
                }
            },
            Repr::Dist(DistRepr::Beta(v)) => match v[..] {
                [a, b] => Param::Beta {
                    a,
                    b,
                    lo: 0.0,
                    hi: 1.0,
                },
                [a, b, lo, hi] => Param::Beta { a, b, lo, hi },
                _ => return Err(D::Error::custom("Beta takes (a, b) or (a, b, lo, hi)")),
            },
            Repr::Dist(DistRepr::Triangular(a, m, b)) => Param::Triangular(a, m, b),
            Repr::Dist(DistRepr::LogNormal(m, s)) => Param::LogNormal(m, s),
            Repr::Dist(DistRepr::Poisson(l)) => Param::Poisson(l),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Param, ron::error::SpannedError> {
        ron::from_str(s)
    }

    #[test]
    fn numbers_and_distributions_parse_in_file_syntax() {
        assert_eq!(parse("4000").unwrap(), Param::Fixed(4000.0));
        assert_eq!(parse("0.25").unwrap(), Param::Fixed(0.25));
        assert_eq!(parse("Uniform(1, 2)").unwrap(), Param::Uniform(1.0, 2.0));
        assert_eq!(
            parse("Triangular(1, 2, 3)").unwrap(),
            Param::Triangular(1.0, 2.0, 3.0)
        );
        assert_eq!(
            parse("Normal(10, 2, 0, 20)").unwrap(),
            Param::Normal {
                mean: 10.0,
                sd: 2.0,
                min: 0.0,
                max: 20.0
            }
        );
        assert!(parse("Normal(1)").is_err());
        assert!(parse("Gamma(1, 2)").is_err());
    }

    #[test]
    fn display_round_trips_through_the_parser() {
        for s in [
            "4000",
            "Uniform(1, 2)",
            "Normal(4000, 800)",
            "Normal(1, 2, 0, 5)",
            "Beta(2, 3)",
            "Beta(2, 3, 1, 9)",
            "Triangular(1, 2, 3)",
            "LogNormal(0.5, 1)",
            "Poisson(3)",
        ] {
            let p = parse(s).unwrap();
            assert_eq!(parse(&p.to_string()).unwrap(), p, "{s}");
        }
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert!(Param::Uniform(2.0, 1.0).check().is_err());
        assert!(Param::Poisson(-1.0).check().is_err());
        assert!(Param::Triangular(1.0, 5.0, 3.0).check().is_err());
        assert!(Param::Fixed(f64::NAN).check().is_err());
        assert!(
            Param::Normal {
                mean: 0.0,
                sd: 1.0,
                min: 0.0,
                max: 1.0
            }
            .check()
            .is_ok()
        );
        // Far in a tail is a proper distribution now that it is drawn by
        // inversion (rejection could not reach it); an interval whose mass
        // a double cannot hold is not.
        assert!(parse("Normal(0, 1, 8, 9)").unwrap().check().is_ok());
        assert!(parse("Normal(0, 1, 40, 41)").unwrap().check().is_ok());
        assert!(
            parse("Normal(0, 1, 1e160, 2e160)")
                .unwrap()
                .check()
                .is_err()
        );
    }

    /// Issue 11's fuzz finding: `Poisson(1e20)` passed validation and the
    /// sampler panicked (rand_distr refuses a mean above 1.844e19). The
    /// limit is now escalate's own, and the message names it and the
    /// replacement.
    #[test]
    fn poisson_1e20_is_refused_with_the_limit_not_a_panic() {
        let e = Param::Poisson(1e20).check().unwrap_err();
        assert!(
            e.contains("Poisson(1e20)") && e.contains("above 1e6"),
            "{e}"
        );
        let help = Param::Poisson(1e20).help();
        assert!(help.contains("Normal(1e20, 1.000e10, 0, 2e20)"), "{help}");
        // What the help suggests is itself valid.
        let suggested: Param = ron::from_str("Normal(1e20, 1.000e10, 0, 2e20)").unwrap();
        assert!(suggested.check().is_ok());
        assert!(Param::Poisson(POISSON_MAX_LAMBDA).check().is_ok());
        assert!(
            Param::Poisson(POISSON_MAX_LAMBDA * (1.0 + f64::EPSILON))
                .check()
                .is_err()
        );
        assert!(Param::Poisson(f64::INFINITY).check().is_err());
        // The limit's own mean is drawn (not a panic, not a clamp).
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let x = Param::Poisson(POISSON_MAX_LAMBDA).sample(&mut rng);
        assert!((x - POISSON_MAX_LAMBDA).abs() < 6000.0, "{x}");
    }
}
