//! CART beside PRIM: a small classification tree (Breiman et al. 1984) on the
//! same rows, each leaf a box whose coverage and density are measured as
//! PRIM's are ([`super::boxes`]), so the two can be compared.
//!
//! The tree is grown as scikit-learn's `DecisionTreeClassifier` grows it with
//! the Gini criterion (the EMA Workbench's `cart.CART` wraps it): a node is
//! split at the threshold, between two neighbouring distinct values of one
//! input, that most lowers the weighted Gini impurity of its two children
//! (largest `-(w_l gini_l + w_r gini_r)`; ties: the first input, then the
//! lowest threshold), the threshold being the midpoint of the two values
//! (the lower value when the midpoint rounds onto the upper), rows `x <=
//! threshold` going left; a node is a leaf when it is pure, is at the depth
//! limit, holds fewer than twice the rows a leaf needs, or has no split
//! leaving enough rows on both sides. Leaves are listed left to right.
//!
//! Where this differs from the EMA Workbench, on purpose:
//! - a categorical input is split into two sets of levels (levels ordered by
//!   their density, the best cut in that order: the optimal subset split for
//!   two classes), not one level against the rest as EMA's one-hot columns do;
//! - the tree is limited to [`MAX_DEPTH`] levels (EMA's grows until leaves
//!   reach the minimum mass): a small tree whose leaves read as boxes;
//! - values are compared as 64-bit floats (scikit-learn rounds inputs to
//!   32 bits, so its thresholds differ in the 8th digit) and any two distinct
//!   values may be split between (scikit-learn needs them 1e-7 apart).

use rayon::prelude::*;

use super::boxes::{Limit, Stats, restricted};
use super::data::{Column, Dataset, Sums, with_scratch};

/// Levels of the tree below its root.
pub const MAX_DEPTH: usize = 3;

/// One leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Its limits: the splits on the way to it.
    pub limits: Vec<Limit>,
    /// Its measures.
    pub stats: Stats,
}

/// The tree's leaves over `rows` (ascending), limits starting from `init`;
/// a leaf holds at least `min_leaf` rows.
pub fn leaves(
    data: &Dataset,
    rows: &[u32],
    init: &[Limit],
    totals: Sums,
    min_leaf: usize,
    max_depth: usize,
) -> Vec<Leaf> {
    let mut out = Vec::new();
    let grow = Grow {
        data,
        init,
        totals,
        min_leaf: min_leaf.max(1),
        max_depth,
    };
    grow.node(rows, init.to_vec(), 0, &mut out);
    out
}

struct Grow<'a> {
    data: &'a Dataset,
    init: &'a [Limit],
    totals: Sums,
    min_leaf: usize,
    max_depth: usize,
}

/// A split of a node: the input, the two children's limits on it.
struct Split {
    input: usize,
    left: Limit,
    right: Limit,
    proxy: f64,
}

/// Gini impurity of a set with `sums`: `1 - p^2 - (1 - p)^2`, p its density.
fn gini(s: Sums) -> f64 {
    if s.weight <= 0.0 {
        return 0.0;
    }
    let p = s.hits / s.weight;
    let q = (s.weight - s.hits) / s.weight;
    1.0 - (p * p + q * q)
}

/// What scikit-learn maximises: minus the children's weighted impurity.
fn proxy(left: Sums, right: Sums) -> f64 {
    -right.weight * gini(right) - left.weight * gini(left)
}

/// The [`proxy`] of splitting a node of sums `total` into `left` and the rest.
fn split_score(total: Sums, left: Sums) -> f64 {
    let right = Sums {
        weight: total.weight - left.weight,
        hits: total.hits - left.hits,
    };
    proxy(left, right)
}

impl Grow<'_> {
    /// Grows the node holding `rows` (ascending). Its children's row lists
    /// are made one at a time, each dropped once its subtree is grown, so the
    /// lists alive are one per level on the way down, not the whole tree's.
    fn node(&self, rows: &[u32], limits: Vec<Limit>, depth: usize, out: &mut Vec<Leaf>) {
        let sums = self.data.sums(rows);
        let pure = gini(sums) <= f64::EPSILON;
        let split = if depth >= self.max_depth || pure || rows.len() < 2 * self.min_leaf {
            None
        } else {
            let per_input: Vec<Option<Split>> = (0..self.data.inputs.len())
                .into_par_iter()
                .map(|j| self.best_split(rows, &limits, j))
                .collect();
            let mut best: Option<Split> = None;
            for s in per_input.into_iter().flatten() {
                if best.as_ref().is_none_or(|b| s.proxy > b.proxy) {
                    best = Some(s);
                }
            }
            best
        };
        let Some(s) = split else {
            out.push(Leaf {
                stats: Stats::new(sums, self.totals, restricted(&limits, self.init).len()),
                limits,
            });
            return;
        };
        let column = &self.data.inputs[s.input].column;
        let side = |limit: Limit| -> Vec<u32> {
            rows.iter()
                .copied()
                .filter(|&r| limit.side(column, r) == super::boxes::Side::Inside)
                .collect()
        };
        let mut l = limits.clone();
        l[s.input] = s.left;
        self.node(&side(s.left), l, depth + 1, out);
        let mut r = limits;
        r[s.input] = s.right;
        self.node(&side(s.right), r, depth + 1, out);
    }

    /// The best split of `rows` on input `j`, if any leaves both sides enough rows.
    fn best_split(&self, rows: &[u32], limits: &[Limit], j: usize) -> Option<Split> {
        let data = self.data;
        let total = data.sums(rows);
        let min = self.min_leaf;
        match (&data.inputs[j].column, limits[j]) {
            (
                Column::Real(v),
                Limit::Real {
                    lower,
                    upper,
                    lower_open,
                },
            ) => {
                // The node's rows by value (ties by row), sorted as indices
                // in this thread's scratch: no value is copied.
                let (score, a, b) = with_scratch(|order| {
                    order.extend(rows.iter().map(|&r| u64::from(r)));
                    let x = |r: u64| v[r as usize];
                    order.sort_unstable_by(|&a, &b| x(a).total_cmp(&x(b)).then(a.cmp(&b)));
                    let mut left = Sums::default();
                    let mut best: Option<(f64, usize)> = None;
                    let n = order.len();
                    for p in 1..n {
                        data.add(&mut left, order[p - 1] as u32);
                        if p < min || n - p < min || x(order[p]) <= x(order[p - 1]) {
                            continue;
                        }
                        let score = split_score(total, left);
                        if best.is_none_or(|(b, _)| score > b) {
                            best = Some((score, p));
                        }
                    }
                    best.map(|(score, p)| (score, x(order[p - 1]), x(order[p])))
                })?;
                let mut t = a / 2.0 + b / 2.0;
                if t == b || !t.is_finite() {
                    t = a;
                }
                Some(Split {
                    input: j,
                    left: Limit::Real {
                        lower,
                        upper: t,
                        lower_open,
                    },
                    right: Limit::Real {
                        lower: t,
                        upper,
                        lower_open: true,
                    },
                    proxy: score,
                })
            }
            (Column::Categorical { levels, codes }, Limit::Levels(_)) => {
                let mut per = vec![(Sums::default(), 0usize); levels.len()];
                for &r in rows {
                    let k = codes[r as usize] as usize;
                    data.add(&mut per[k].0, r);
                    per[k].1 += 1;
                }
                let mut present: Vec<usize> = (0..levels.len()).filter(|&k| per[k].1 > 0).collect();
                present.sort_by(|&a, &b| {
                    per[a]
                        .0
                        .density()
                        .total_cmp(&per[b].0.density())
                        .then(a.cmp(&b))
                });
                let (mut left, mut count, mut mask) = (Sums::default(), 0, 0u64);
                let mut best: Option<(f64, u64)> = None;
                for &k in &present[..present.len().saturating_sub(1)] {
                    left.add(per[k].0.weight, per[k].0.hits);
                    count += per[k].1;
                    mask |= 1 << k;
                    if count < min || rows.len() - count < min {
                        continue;
                    }
                    let score = split_score(total, left);
                    if best.is_none_or(|(b, _)| score > b) {
                        best = Some((score, mask));
                    }
                }
                let (score, mask) = best?;
                let all = present.iter().fold(0u64, |m, &k| m | 1 << k);
                Some(Split {
                    input: j,
                    left: Limit::Levels(mask),
                    right: Limit::Levels(all & !mask),
                    proxy: score,
                })
            }
            _ => unreachable!("a limit of the input's own kind"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::boxes::{full_limits, rows_inside};
    use crate::discover::data::Input;

    #[test]
    fn a_tree_splits_where_the_outcome_changes_and_leaves_partition_the_rows() {
        // x in 0..100; y = 1 exactly where x >= 60; a categorical input that
        // also matters: level b of p turns every row with x < 30 into a hit.
        let n = 200u32;
        let x: Vec<f64> = (0..n).map(|i| (i % 100) as f64).collect();
        let codes: Vec<u8> = (0..n).map(|i| (i / 100) as u8).collect();
        let hits: Vec<f64> = (0..n as usize)
            .map(|i| {
                let hit = x[i] >= 60.0 || (codes[i] == 1 && x[i] < 30.0);
                if hit { 1.0 } else { 0.0 }
            })
            .collect();
        let d = Dataset::new(
            vec![
                Input {
                    name: "x".into(),
                    column: Column::Real(x),
                },
                Input {
                    name: "p".into(),
                    column: Column::Categorical {
                        levels: vec!["a".into(), "b".into()],
                        codes,
                    },
                },
            ],
            None,
            hits,
        )
        .unwrap();
        let rows = d.all_rows();
        let init = full_limits(&d, &rows);
        let leaves = leaves(&d, &rows, &init, d.sums(&rows), 10, 3);
        // Every row in exactly one leaf, and each leaf's stats are its rows'.
        let mut seen = vec![0; n as usize];
        for l in &leaves {
            for r in rows_inside(&d, &l.limits, &rows) {
                seen[r as usize] += 1;
            }
            let s = d.sums(&rows_inside(&d, &l.limits, &rows));
            assert_eq!((l.stats.weight, l.stats.hits), (s.weight, s.hits));
        }
        assert!(seen.iter().all(|&k| k == 1));
        // The pure leaves are found exactly: x > 59.5, and level b with x <= 29.5.
        assert!(
            leaves
                .iter()
                .all(|l| l.stats.density == 0.0 || l.stats.density == 1.0)
        );
        let top = leaves
            .iter()
            .find(|l| l.stats.density == 1.0 && l.stats.weight == 80.0);
        let Some(Limit::Real {
            lower, lower_open, ..
        }) = top.map(|l| l.limits[0])
        else {
            panic!("no leaf x > 59.5: {leaves:?}")
        };
        assert_eq!((lower, lower_open), (59.5, true));
        assert!(leaves.iter().any(|l| l.stats.density == 1.0
            && l.limits[1] == Limit::Levels(0b10)
            && matches!(l.limits[0], Limit::Real { upper, .. } if upper == 29.5)));
    }
}
