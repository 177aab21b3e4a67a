//! Boxes: limits on every input, which rows fall inside, a box's coverage,
//! density and mass, and the quasi-p-values of its restrictions. PRIM's and
//! CART's boxes are the same type and measured by the same functions.
//!
//! A real input's limits are `lower <= x <= upper` (PRIM's, both ends
//! included, as in the EMA Workbench), or `lower < x <= upper` when
//! `lower_open` (a CART right branch, `x > threshold`). A categorical input's
//! limit is the set of levels kept.
//!
//! Definitions (weights `w` and hits `h` per row, sums over rows):
//! - coverage = `sum h` in the box / `sum h` over all rows;
//! - density = `sum h` / `sum w`, both in the box;
//! - mass = `sum w` in the box / `sum w` over all rows.

use super::data::{Column, Dataset, Sums};
use crate::core::special::beta_inc;

/// One input's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A real input: `lower <= x <= upper` (`lower < x` when `lower_open`).
    Real {
        /// Lower end.
        lower: f64,
        /// Upper end (included).
        upper: f64,
        /// Whether `lower` itself is outside.
        lower_open: bool,
    },
    /// A categorical input: bit `k` set when level `k` is inside.
    Levels(u64),
}

/// Where a row stands against one input's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Inside.
    Inside,
    /// Below the lower end (or, for a categorical input, a level outside).
    Below,
    /// Above the upper end.
    Above,
}

impl Limit {
    /// Where `row` of `column` stands.
    #[inline]
    pub fn side(&self, column: &Column, row: u32) -> Side {
        match (self, column) {
            (
                Limit::Real {
                    lower,
                    upper,
                    lower_open,
                },
                Column::Real(v),
            ) => {
                let x = v[row as usize];
                if x < *lower || (*lower_open && x == *lower) {
                    Side::Below
                } else if x > *upper {
                    Side::Above
                } else {
                    Side::Inside
                }
            }
            (Limit::Levels(mask), Column::Categorical { codes, .. }) => {
                if mask >> codes[row as usize] & 1 == 1 {
                    Side::Inside
                } else {
                    Side::Below
                }
            }
            _ => unreachable!("a limit of the input's own kind"),
        }
    }
}

/// The smallest box holding every row of `rows`: each real input's minimum
/// and maximum, each categorical input's levels that occur.
pub fn full_limits(data: &Dataset, rows: &[u32]) -> Vec<Limit> {
    data.inputs
        .iter()
        .map(|i| match &i.column {
            Column::Real(v) => {
                let (lower, upper) = rows
                    .iter()
                    .map(|&r| v[r as usize])
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                        (a.min(x), b.max(x))
                    });
                Limit::Real {
                    lower,
                    upper,
                    lower_open: false,
                }
            }
            Column::Categorical { codes, .. } => {
                Limit::Levels(rows.iter().fold(0, |m, &r| m | 1 << codes[r as usize]))
            }
        })
        .collect()
}

/// Whether `row` is inside every limit.
pub fn contains(data: &Dataset, limits: &[Limit], row: u32) -> bool {
    limits
        .iter()
        .zip(&data.inputs)
        .all(|(l, i)| l.side(&i.column, row) == Side::Inside)
}

/// The inputs whose limits differ from `init`'s, in input order.
pub fn restricted(limits: &[Limit], init: &[Limit]) -> Vec<usize> {
    (0..limits.len())
        .filter(|&j| limits[j] != init[j])
        .collect()
}

/// A box's measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Weight in the box (trials, for a run).
    pub weight: f64,
    /// Hits in the box (trials of interest, for a run).
    pub hits: f64,
    /// Share of all hits that are in the box.
    pub coverage: f64,
    /// Share of the box's weight that is of interest.
    pub density: f64,
    /// Share of all weight that is in the box.
    pub mass: f64,
    /// Number of restricted inputs.
    pub restricted: usize,
}

impl Stats {
    /// The measures of a box with `sums` and `restricted` restricted inputs,
    /// against the totals of all rows.
    pub fn new(sums: Sums, totals: Sums, restricted: usize) -> Stats {
        let share = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        Stats {
            weight: sums.weight,
            hits: sums.hits,
            coverage: share(sums.hits, totals.hits),
            density: sums.density(),
            mass: share(sums.weight, totals.weight),
            restricted,
        }
    }
}

/// The rows of `rows` inside `limits`, in order.
pub fn rows_inside(data: &Dataset, limits: &[Limit], rows: &[u32]) -> Vec<u32> {
    rows.iter()
        .copied()
        .filter(|&r| contains(data, limits, r))
        .collect()
}

/// `rows` sorted against a box's restricted inputs `dims`: the rows inside,
/// and per restricted input and side (`2 j` below, `2 j + 1` above) the rows
/// outside that limit only. Relaxing one limit adds exactly its rows.
pub struct Near {
    /// Rows inside the box, in order.
    pub inside: Vec<u32>,
    /// Rows outside one limit only, per input and side, in order.
    pub outside_one: Vec<Vec<u32>>,
}

impl Near {
    /// Sorts `rows` against `limits` on the inputs `dims`.
    pub fn new(data: &Dataset, limits: &[Limit], dims: &[usize], rows: &[u32]) -> Near {
        let mut inside = Vec::new();
        let mut outside_one = vec![Vec::new(); 2 * limits.len()];
        for &r in rows {
            let mut out = None;
            let mut count = 0;
            for &j in dims {
                match limits[j].side(&data.inputs[j].column, r) {
                    Side::Inside => {}
                    Side::Below => {
                        count += 1;
                        out = Some(2 * j);
                    }
                    Side::Above => {
                        count += 1;
                        out = Some(2 * j + 1);
                    }
                }
                if count > 1 {
                    break;
                }
            }
            match (count, out) {
                (0, _) => inside.push(r),
                (1, Some(k)) => outside_one[k].push(r),
                _ => {}
            }
        }
        Near {
            inside,
            outside_one,
        }
    }
}

/// The sums over two ascending lists of rows, taken in row order (so a box's
/// sums are the same whichever way its rows were found).
pub fn merged_sums(data: &Dataset, a: &[u32], b: impl Iterator<Item = u32>) -> Sums {
    let mut s = Sums::default();
    let mut a = a.iter().copied().peekable();
    let mut b = b.peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&x), Some(&y)) if x < y => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        if let Some(r) = next {
            data.add(&mut s, r);
        }
    }
    s
}

/// `P(X >= k)` for `X ~ Binomial(n, p)`: the one-sided binomial test EMA
/// Workbench reports as a quasi-p-value (scipy's `binomtest(k, n, p,
/// alternative="greater")`), as `I_p(k, n - k + 1)`. Real `k` and `n` (sums of
/// weights) are allowed: the regularized incomplete beta takes them as they are.
pub fn binomial_upper_tail(k: f64, n: f64, p: f64) -> f64 {
    if k <= 0.0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    beta_inc(k, n - k + 1.0, p)
}

/// The quasi-p-value of each limit of a box (`[lower, upper]` per input,
/// `None` where that side is not restricted; a categorical input's is in
/// `lower`): the box's hits against a binomial whose rate is the density of
/// the box with that one limit set back to `init`'s, all over `rows` (the rows
/// the box was found in). Small values mean the restriction matters.
pub fn quasi_p(
    data: &Dataset,
    rows: &[u32],
    limits: &[Limit],
    init: &[Limit],
) -> Vec<[Option<f64>; 2]> {
    let dims = restricted(limits, init);
    let near = Near::new(data, limits, &dims, rows);
    let inside = data.sums(&near.inside);
    let mut out = vec![[None, None]; limits.len()];
    for &j in &dims {
        let sides: Vec<usize> = match (limits[j], init[j]) {
            (
                Limit::Real {
                    lower,
                    upper,
                    lower_open,
                },
                Limit::Real {
                    lower: l0,
                    upper: u0,
                    lower_open: o0,
                },
            ) => {
                let mut s = Vec::new();
                if lower != l0 || lower_open != o0 {
                    s.push(0);
                }
                if upper != u0 {
                    s.push(1);
                }
                s
            }
            _ => vec![0],
        };
        for side in sides {
            let relaxed = merged_sums(
                data,
                &near.inside,
                near.outside_one[2 * j + side].iter().copied(),
            );
            out[j][side] = Some(binomial_upper_tail(
                inside.hits,
                inside.weight,
                relaxed.density(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::data::Input;

    fn data() -> Dataset {
        Dataset::new(
            vec![
                Input {
                    name: "x".into(),
                    column: Column::Real(vec![0.1, 0.5, 0.9, 0.3]),
                },
                Input {
                    name: "p".into(),
                    column: Column::Categorical {
                        levels: vec!["a".into(), "b".into()],
                        codes: vec![0, 1, 1, 0],
                    },
                },
            ],
            None,
            vec![0.0, 1.0, 1.0, 0.0],
        )
        .unwrap()
    }

    #[test]
    fn limits_membership_and_measures() {
        let d = data();
        let all = d.all_rows();
        let init = full_limits(&d, &all);
        assert_eq!(
            init[0],
            Limit::Real {
                lower: 0.1,
                upper: 0.9,
                lower_open: false
            }
        );
        assert_eq!(init[1], Limit::Levels(0b11));
        let mut b = init.clone();
        b[0] = Limit::Real {
            lower: 0.3,
            upper: 0.9,
            lower_open: true,
        };
        assert_eq!(rows_inside(&d, &b, &all), [1, 2]);
        b[1] = Limit::Levels(0b01);
        assert!(rows_inside(&d, &b, &all).is_empty());
        assert_eq!(restricted(&b, &init), [0, 1]);
        let s = Stats::new(d.sums(&[1, 2, 3]), d.sums(&all), 1);
        assert_eq!((s.coverage, s.density, s.mass), (1.0, 2.0 / 3.0, 0.75));
    }

    #[test]
    fn merged_sums_take_rows_in_order_whatever_list_they_come_from() {
        let d = Dataset::new(vec![], Some(vec![0.1, 0.2, 0.3, 0.4]), vec![0.0; 4]).unwrap();
        let s = merged_sums(&d, &[0, 3], [1, 2].into_iter());
        let direct = d.sums(&[0, 1, 2, 3]);
        assert_eq!(s.weight.to_bits(), direct.weight.to_bits());
    }

    #[test]
    fn binomial_tails_match_sums_of_the_mass_function() {
        // P(X >= k) summed term by term from the binomial mass function.
        let direct = |k: u64, n: u64, p: f64| -> f64 {
            let mut c = 1.0f64;
            let mut total = 0.0;
            for i in 0..=n {
                if i > 0 {
                    c *= (n - i + 1) as f64 / i as f64;
                }
                if i >= k {
                    total += c * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32);
                }
            }
            total
        };
        for (k, n, p) in [
            (3, 10, 0.2),
            (7, 20, 0.5),
            (1, 5, 0.01),
            (30, 40, 0.6),
            (0, 4, 0.3),
        ] {
            let got = binomial_upper_tail(k as f64, n as f64, p);
            let want = direct(k, n, p);
            assert!(
                (got - want).abs() <= 1e-12 * want.max(1e-300),
                "{k} {n} {p}: {got} vs {want}"
            );
        }
        assert_eq!(binomial_upper_tail(5.0, 4.0, 0.5), 0.0);
        assert_eq!(binomial_upper_tail(2.0, 4.0, 1.0), 1.0);
        assert_eq!(binomial_upper_tail(2.0, 4.0, 0.0), 0.0);
    }

    #[test]
    fn a_restriction_that_adds_nothing_has_a_quasi_p_of_one() {
        let d = data();
        let all = d.all_rows();
        let init = full_limits(&d, &all);
        // x >= 0.4 keeps rows 1 and 2, both hits; relaxing it brings in two misses.
        let mut b = init.clone();
        b[0] = Limit::Real {
            lower: 0.4,
            upper: 0.9,
            lower_open: false,
        };
        let qp = quasi_p(&d, &all, &b, &init);
        // 2 of 2 against a rate of 2/4: P(X >= 2) = 0.25.
        assert!((qp[0][0].unwrap() - 0.25).abs() < 1e-12);
        assert_eq!((qp[0][1], qp[1]), (None, [None, None]));
        // Keeping only level b as well adds nothing beyond x: its quasi-p is 1.
        b[1] = Limit::Levels(0b10);
        let qp = quasi_p(&d, &all, &b, &init);
        assert!((qp[1][0].unwrap() - 1.0).abs() < 1e-12);
    }
}
