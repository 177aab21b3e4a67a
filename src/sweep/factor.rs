//! Sweep factors: what `--set` and `--policy` mean in a sweep, and how a unit
//! design coordinate `u` in `[0, 1]` becomes a factor's value.
//!
//! | `--set` written as | meaning | value at `u` |
//! |---|---|---|
//! | `PATH=VALUE` (a number) | a fixed override, the same at every point | - |
//! | `PATH=LO..HI` | a uniform range | `LO + u (HI - LO)` |
//! | `PATH=Normal(10, 2)` (any distribution) | a factor with that distribution | `F^-1(u)` ([`super::invcdf`]) |
//! | `PATH=[v1, v2, v3]` | a list of levels | `v[floor(u L)]` (the last level at `u = 1`) |
//!
//! Two or more `--policy` make a categorical factor named `policy`, mapped like
//! a list; one `--policy` is a fixed setting.

use std::fmt;

use serde::Serialize;

use crate::core::scenario::{Override, Param};

use super::invcdf;

/// How a factor's values are spread.
#[derive(Debug, Clone, PartialEq)]
pub enum FactorKind {
    /// Uniform on `[lo, hi]`.
    Range {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// A distribution, sampled by inverse CDF.
    Dist(Param),
    /// A list of numbers (levels).
    Levels(Vec<f64>),
    /// A list of the scenario's policies (`baseline`: none).
    Policies(Vec<String>),
}

/// One input of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The override path, or `policy`.
    pub name: String,
    /// Its values.
    pub kind: FactorKind,
}

/// A factor's value at one design point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A parameter value.
    Number(f64),
    /// A policy name.
    Policy(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Policy(p) => f.write_str(p),
        }
    }
}

/// What one `--set` of a sweep asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SetSpec {
    /// The same value at every point.
    Fixed(Override),
    /// A factor of the design.
    Factor(Factor),
}

/// Why a `--set` could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// The syntax of a sweep's `--set`, for help messages.
pub const SET_HELP: &str = "write PATH=VALUE (fixed), PATH=LO..HI (uniform range), \
PATH=Normal(mean, sd) or any distribution of the scenario syntax, or PATH=[v1, v2, ...] (levels)";

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

impl SetSpec {
    /// Parses one `--set` argument of a sweep.
    pub fn parse(s: &str) -> Result<SetSpec, SpecError> {
        let bad = |message: String| SpecError {
            message,
            help: SET_HELP.into(),
        };
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| bad("no `=` in the setting".into()))?;
        let (path, value) = (path.trim(), value.trim());
        if path.is_empty() {
            return Err(bad("no path before `=`".into()));
        }
        let factor = |kind| {
            Ok(SetSpec::Factor(Factor {
                name: path.to_string(),
                kind,
            }))
        };
        if let Some((lo, hi)) = value.split_once("..") {
            let (Some(lo), Some(hi)) = (number(lo), number(hi)) else {
                return Err(bad(format!(
                    "cannot read the range `{value}`: LO and HI must be finite numbers"
                )));
            };
            if lo >= hi {
                return Err(SpecError {
                    message: format!("the range `{value}` is empty or reversed"),
                    help: format!(
                        "write LO..HI with LO < HI, e.g. {path}={}..{}; for one value write {path}={lo}",
                        lo.min(hi),
                        lo.max(hi).max(lo.min(hi) + 1.0)
                    ),
                });
            }
            return factor(FactorKind::Range { lo, hi });
        }
        if value.starts_with('[') {
            let levels: Vec<f64> = ron::from_str(value)
                .map_err(|e| bad(format!("cannot read the list `{value}`: {}", e.code)))?;
            if let Some(x) = levels.iter().find(|x| !x.is_finite()) {
                return Err(bad(format!("the list `{value}` holds {x}")));
            }
            if levels.len() < 2 {
                return Err(SpecError {
                    message: format!("the list `{value}` has fewer than two values"),
                    help: format!("list two or more values, or write {path}=VALUE for one"),
                });
            }
            return factor(FactorKind::Levels(levels));
        }
        let o: Override = s.parse().map_err(|e| match e {
            crate::core::scenario::ScenarioError::Override { message, help, .. } => SpecError {
                message,
                help: format!("{help}; in a sweep also LO..HI or [v1, v2, ...]"),
            },
            other => bad(other.to_string()),
        })?;
        if let Err(message) = o.value.check() {
            return Err(SpecError {
                message,
                help: o.value.help(),
            });
        }
        match o.value {
            Param::Fixed(_) => Ok(SetSpec::Fixed(o)),
            d => factor(FactorKind::Dist(d)),
        }
    }
}

impl Factor {
    /// The factor's value at unit coordinate `u`.
    pub fn value(&self, u: f64) -> Value {
        match &self.kind {
            FactorKind::Range { lo, hi } => Value::Number(lo + u.clamp(0.0, 1.0) * (hi - lo)),
            FactorKind::Dist(p) => Value::Number(invcdf::quantile(p, u)),
            FactorKind::Levels(v) => Value::Number(v[level(u, v.len())]),
            FactorKind::Policies(v) => Value::Policy(v[level(u, v.len())].clone()),
        }
    }

    /// The value as a number for regression: the value, or a policy's position in the list.
    pub fn numeric(&self, u: f64) -> f64 {
        match (&self.kind, self.value(u)) {
            (FactorKind::Policies(v), _) => level(u, v.len()) as f64,
            (_, Value::Number(x)) => x,
            (_, Value::Policy(_)) => unreachable!("only policy factors have policy values"),
        }
    }

    /// The number of policies of a policy factor (None for numeric factors).
    pub fn categories(&self) -> Option<usize> {
        match &self.kind {
            FactorKind::Policies(v) => Some(v.len()),
            _ => None,
        }
    }

    /// The regression columns of the factor at unit coordinate `u`: its value
    /// ([`Factor::numeric`]) for a numeric factor or a policy factor of two
    /// policies (0 for the first, 1 for the second: a dummy); for three or
    /// more policies one dummy per policy after the first (1 where that
    /// policy runs), so no order among the policies is assumed.
    pub fn regression_columns(&self, u: f64) -> Vec<f64> {
        match &self.kind {
            FactorKind::Policies(v) if v.len() > 2 => {
                let at = level(u, v.len());
                (1..v.len()).map(|j| f64::from(u8::from(j == at))).collect()
            }
            _ => vec![self.numeric(u)],
        }
    }

    /// Levels this factor takes in a grid of `n` levels per input (lists keep their own length).
    pub fn grid_levels(&self, n: usize) -> usize {
        match &self.kind {
            FactorKind::Levels(v) => v.len(),
            FactorKind::Policies(v) => v.len(),
            _ => n,
        }
    }

    /// The smallest and largest values the factor can take (numeric factors).
    pub fn bounds(&self) -> (f64, f64) {
        match &self.kind {
            FactorKind::Range { lo, hi } => (*lo, *hi),
            FactorKind::Dist(p) => invcdf::quantile_range(p),
            FactorKind::Levels(v) => v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                }),
            FactorKind::Policies(v) => (0.0, v.len() as f64 - 1.0),
        }
    }

    /// The factor's kind as one word: `range`, `distribution`, `levels`, `policy`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            FactorKind::Range { .. } => "range",
            FactorKind::Dist(_) => "distribution",
            FactorKind::Levels(_) => "levels",
            FactorKind::Policies(_) => "policy",
        }
    }

    /// The factor's values as written: `0.1..0.5`, `Normal(10, 2)`, `[1, 2, 3]`, `[talks, strike]`.
    pub fn spec(&self) -> String {
        let list = |v: Vec<String>| format!("[{}]", v.join(", "));
        match &self.kind {
            FactorKind::Range { lo, hi } => format!("{lo}..{hi}"),
            FactorKind::Dist(p) => p.to_string(),
            FactorKind::Levels(v) => list(v.iter().map(|x| x.to_string()).collect()),
            FactorKind::Policies(v) => list(v.clone()),
        }
    }
}

/// The level of `u` among `n`: `floor(u n)`, the last level at `u = 1`.
fn level(u: f64, n: usize) -> usize {
    ((u.clamp(0.0, 1.0) * n as f64).floor() as usize).min(n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(s: &str) -> Factor {
        match SetSpec::parse(s).unwrap() {
            SetSpec::Factor(f) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_four_spellings_parse() {
        assert_eq!(
            factor("actors.G.attack_rate=0.1..0.5").kind,
            FactorKind::Range { lo: 0.1, hi: 0.5 }
        );
        assert_eq!(
            factor("a.b = -1..1.5").kind,
            FactorKind::Range { lo: -1.0, hi: 1.5 }
        );
        assert_eq!(
            factor("a.b=[1, 2.5, 4]").kind,
            FactorKind::Levels(vec![1.0, 2.5, 4.0])
        );
        assert!(matches!(
            factor("a.b=Normal(10, 2)").kind,
            FactorKind::Dist(Param::Normal { .. })
        ));
        match SetSpec::parse("a.b=6000").unwrap() {
            SetSpec::Fixed(o) => {
                assert_eq!(o.path, "a.b");
                assert_eq!(o.value, Param::Fixed(6000.0));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        for (s, says) in [
            ("a.b", "no `=`"),
            ("a.b=5..1", "reversed"),
            ("a.b=2..2", "empty"),
            ("a.b=x..1", "cannot read the range"),
            ("a.b=[1]", "fewer than two"),
            ("a.b=[1, x]", "cannot read the list"),
            ("a.b=Uniform(3, 1)", "lo <= hi"),
            ("a.b=Gamma(1, 2)", "cannot read the value"),
            ("=1..2", "no path"),
        ] {
            let e = SetSpec::parse(s).unwrap_err();
            assert!(e.message.contains(says), "{s}: {}", e.message);
        }
    }

    #[test]
    fn unit_coordinates_map_to_values() {
        let r = factor("p=10..20");
        assert_eq!(r.value(0.0), Value::Number(10.0));
        assert_eq!(r.value(0.5), Value::Number(15.0));
        assert_eq!(r.value(1.0), Value::Number(20.0));
        let l = factor("p=[1, 2, 3]");
        // Grid levels j / (L - 1) land on level j; continuous u on floor(u L).
        assert_eq!(l.value(0.0), Value::Number(1.0));
        assert_eq!(l.value(0.5), Value::Number(2.0));
        assert_eq!(l.value(1.0), Value::Number(3.0));
        assert_eq!(l.value(0.34), Value::Number(2.0));
        assert_eq!(l.grid_levels(7), 3);
        assert_eq!(r.grid_levels(7), 7);
        let p = Factor {
            name: "policy".into(),
            kind: FactorKind::Policies(vec!["a".into(), "b".into()]),
        };
        assert_eq!(p.value(0.2), Value::Policy("a".into()));
        assert_eq!(p.value(0.9), Value::Policy("b".into()));
        assert_eq!(p.numeric(0.9), 1.0);
        assert_eq!(p.spec(), "[a, b]");
    }
}
