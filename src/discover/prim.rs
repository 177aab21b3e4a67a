//! PRIM, the patient rule induction method (Friedman and Fisher 1999), as the
//! EMA Workbench's `prim.Prim` runs it (version 2.5: its default "lenient 1"
//! objective, sdtoolkit's quantiles), so that the same data give the same
//! peeling trajectory; tests/fixtures/discover holds the comparison.
//!
//! One box is found from a set of rows (all of them, or what earlier boxes
//! left) in two phases, each adding one step to the box's trajectory:
//! - **peeling**: every input offers candidate boxes, a real input two (its
//!   lower and its upper `alpha` quantile of the rows in the box become the
//!   new limit), a categorical input one per level still in the box (that
//!   level removed). The candidate with the largest objective, the gain in
//!   density per unit of weight removed, `(d_new - d_old) / (w_old - w_new)`,
//!   is taken (ties: the one restricting fewer inputs, then the first in
//!   the order real inputs, upper before lower, then categorical ones), as
//!   long as its objective is positive and its mass stays at least `min_mass`;
//! - **pasting**: the reverse: every restricted input offers its limits
//!   widened (to the `paste_alpha` quantile of the rows just outside, a level
//!   added back), and the best widening that raises the density (objective
//!   `(d_new - d_old) / (w_new - w_old)`) is taken, until none does.
//!
//! A quantile is sdtoolkit's: at position `(n - 1) q` of the sorted values,
//! the midpoint between the value there and the next distinct value (inward).
//!
//! Where this differs from the EMA Workbench, on purpose:
//! - rows may carry weights (a sweep's design points weigh their trials; a
//!   posterior's particles their weights): densities, masses and the
//!   objective use summed weights, while quantiles are over rows, as EMA's
//!   are; with weights of 1 the two are the same;
//! - integer-valued inputs are peeled as real ones (EMA has a separate
//!   integer peel): limits fall between values, and no input is an integer
//!   column in any source;
//! - a categorical input is pasted even when no real input is restricted
//!   (EMA 2.5 stops pasting early then).

use rayon::prelude::*;

use super::boxes::{Limit, Near, Stats, merged_sums, restricted};
use super::data::{Column, Dataset, Sums, with_scratch};

/// PRIM's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimOptions {
    /// Share of the rows in the box a peel removes (0 < alpha < 0.5).
    pub peel_alpha: f64,
    /// Share of the rows just outside a limit a paste adds (0 < alpha < 0.5).
    pub paste_alpha: f64,
    /// The smallest mass a box may have (0 <= min_mass < 1).
    pub min_mass: f64,
}

/// What a step of the trajectory did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The first box: everything.
    Start,
    /// A peel.
    Peel,
    /// A paste.
    Paste,
}

impl Phase {
    /// The phase as a word.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Start => "start",
            Phase::Peel => "peel",
            Phase::Paste => "paste",
        }
    }
}

/// One box of a trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// How it came from the step before.
    pub phase: Phase,
    /// The input whose limit changed (none at the start).
    pub input: Option<usize>,
    /// Every input's limits.
    pub limits: Vec<Limit>,
    /// Its coverage, density, mass, weight, hits and restricted inputs.
    pub stats: Stats,
}

/// The boxes one PRIM search went through, the first holding every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A candidate change of one input's limit and the box it makes.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    input: usize,
    limit: Limit,
    sums: Sums,
    restricted: usize,
}

/// sdtoolkit's quantile `q` (0 < q < 1) of `xs` (not empty; reordered): the
/// value `v` at position `(n - 1) q` of the sorted values (rounded down for
/// `q <= 0.5`, up above), and the midpoint between it and the nearest value
/// different from it on the side of the median (itself if there is none).
pub fn sd_quantile(xs: &mut [f64], q: f64) -> f64 {
    quantile_by(xs, q, f64::total_cmp, |x| x)
}

/// sdtoolkit's quantile `q` of the values `value(item)` of `items` (not
/// empty; reordered), `cmp` ordering items as [`f64::total_cmp`] orders their
/// values: the value at [`position`] by selection, and its neighbour towards
/// the median. The result depends on the values only, not on their order.
fn quantile_by<T: Copy>(
    items: &mut [T],
    q: f64,
    cmp: impl FnMut(&T, &T) -> std::cmp::Ordering,
    value: impl Fn(T) -> f64,
) -> f64 {
    let k = position(items.len(), q);
    let (left, v, right) = items.select_nth_unstable_by(k, cmp);
    let v = value(*v);
    if q > 0.5 {
        midpoint(nearest_below(left.iter().map(|&x| value(x)), v), v)
    } else {
        midpoint(v, nearest_above(right.iter().map(|&x| value(x)), v))
    }
}

/// The largest of `xs` below `v` (`v` itself if none is).
fn nearest_below(xs: impl Iterator<Item = f64>, v: f64) -> f64 {
    let below = xs.filter(|&x| x < v).fold(f64::NEG_INFINITY, f64::max);
    if below.is_finite() { below } else { v }
}

/// The smallest of `xs` above `v` (`v` itself if none is).
fn nearest_above(xs: impl Iterator<Item = f64>, v: f64) -> f64 {
    let above = xs.filter(|&x| x > v).fold(f64::INFINITY, f64::min);
    if above.is_finite() { above } else { v }
}

/// The position of sdtoolkit's quantile `q` among `n` sorted values: `(n -
/// 1) q`, rounded down for `q <= 0.5` and up above.
fn position(n: usize, q: f64) -> usize {
    let at = (n - 1) as f64 * q;
    if q > 0.5 {
        at.ceil() as usize
    } else {
        at.floor() as usize
    }
}

/// `x` as an integer ordered as [`f64::total_cmp`] orders the values (the
/// same bit trick), so that a peel selects among plain integers.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The value of an [`order_key`].
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// A peel's two quantiles, `alpha` and `1 - alpha`, of input `v` over the
/// rows `inbox` (not empty): [`sd_quantile`]'s, selected among the values'
/// [`order_key`]s in this thread's reused scratch ([`with_scratch`]).
fn peel_quantiles(v: &[f64], inbox: &[u32], alpha: f64) -> (f64, f64) {
    with_scratch(|keys| {
        keys.extend(inbox.iter().map(|&r| order_key(v[r as usize])));
        let mut at = |q: f64| quantile_by(keys, q, u64::cmp, from_order_key);
        (at(alpha), at(1.0 - alpha))
    })
}

/// `(a + b) / 2` (as EMA computes it), without overflowing.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = (a + b) / 2.0;
    if m.is_finite() { m } else { a / 2.0 + b / 2.0 }
}

/// The lenient-1 objective of a change from `old` to `new`: the change in
/// density per unit of weight moved; 0 when the density does not change.
fn objective(old: Sums, new: Sums) -> f64 {
    let (d_old, d_new) = (old.density(), new.density());
    let moved = (old.weight - new.weight).abs();
    if d_old == d_new || moved == 0.0 {
        0.0
    } else {
        (d_new - d_old) / moved
    }
}

/// The inputs in the order EMA tries them: real inputs, then categorical ones.
fn candidate_order(data: &Dataset) -> Vec<usize> {
    let real = |j: &usize| matches!(data.inputs[*j].column, Column::Real(_));
    let (mut r, c): (Vec<usize>, Vec<usize>) = (0..data.inputs.len()).partition(real);
    r.extend(c);
    r
}

/// The best candidate: largest objective, then fewest restricted inputs, then first.
fn best(cands: impl Iterator<Item = (f64, Candidate)>) -> Option<(f64, Candidate)> {
    let mut best: Option<(f64, Candidate)> = None;
    for (obj, c) in cands {
        let better = match &best {
            None => true,
            Some((b, bc)) => obj > *b || (obj == *b && c.restricted < bc.restricted),
        };
        if better {
            best = Some((obj, c));
        }
    }
    best
}

/// The number of restricted inputs once input `j`'s limit is `limit`.
fn restricted_with(limits: &[Limit], init: &[Limit], j: usize, limit: Limit) -> usize {
    (0..limits.len())
        .filter(|&i| {
            if i == j {
                limit != init[i]
            } else {
                limits[i] != init[i]
            }
        })
        .count()
}

/// Finds one box among `rows` (ascending): the whole trajectory, from the box
/// `init` (the limits of the data PRIM was given; `rows` may be fewer, after
/// covering) through peeling and pasting. `totals` are the sums coverage and
/// mass are measured against.
pub fn find_box(
    data: &Dataset,
    rows: &[u32],
    init: &[Limit],
    totals: Sums,
    opts: &PrimOptions,
) -> Trajectory {
    let order = candidate_order(data);
    let mut limits = init.to_vec();
    let mut inbox = rows.to_vec();
    let mut sums = data.sums(&inbox);
    let stats = |s: Sums, limits: &[Limit]| Stats::new(s, totals, restricted(limits, init).len());
    let mut steps = vec![Step {
        phase: Phase::Start,
        input: None,
        limits: limits.clone(),
        stats: stats(sums, &limits),
    }];
    // Peeling.
    loop {
        let per_input: Vec<Vec<Candidate>> = order
            .par_iter()
            .map(|&j| peels(data, &inbox, &limits, init, j, opts.peel_alpha))
            .collect();
        let Some((obj, c)) = best(
            per_input
                .iter()
                .flatten()
                .map(|c| (objective(sums, c.sums), *c)),
        ) else {
            break;
        };
        let mass = c.sums.weight / totals.weight;
        if !(mass >= opts.min_mass && mass < sums.weight / totals.weight && obj > 0.0) {
            break;
        }
        limits[c.input] = c.limit;
        let column = &data.inputs[c.input].column;
        inbox.retain(|&r| c.limit.side(column, r) == super::boxes::Side::Inside);
        sums = c.sums;
        steps.push(Step {
            phase: Phase::Peel,
            input: Some(c.input),
            limits: limits.clone(),
            stats: stats(sums, &limits),
        });
    }
    // Pasting.
    loop {
        let dims = restricted(&limits, init);
        if dims.is_empty() {
            break;
        }
        let near = Near::new(data, &limits, &dims, rows);
        let cands: Vec<Candidate> = order
            .iter()
            .filter(|j| dims.contains(j))
            .flat_map(|&j| pastes(data, &near, &limits, init, j, opts.paste_alpha))
            .collect();
        let Some((obj, c)) = best(cands.iter().map(|c| (objective(sums, c.sums), *c))) else {
            break;
        };
        let mass = c.sums.weight / totals.weight;
        if !(mass >= opts.min_mass
            && mass > sums.weight / totals.weight
            && obj > 0.0
            && c.sums.density() > sums.density())
        {
            break;
        }
        limits[c.input] = c.limit;
        sums = c.sums;
        steps.push(Step {
            phase: Phase::Paste,
            input: Some(c.input),
            limits: limits.clone(),
            stats: stats(sums, &limits),
        });
    }
    Trajectory { steps }
}

/// Input `j`'s peels of the box `limits` holding `inbox`.
fn peels(
    data: &Dataset,
    inbox: &[u32],
    limits: &[Limit],
    init: &[Limit],
    j: usize,
    alpha: f64,
) -> Vec<Candidate> {
    let candidate = |limit: Limit, sums: Sums| Candidate {
        input: j,
        limit,
        sums,
        restricted: restricted_with(limits, init, j, limit),
    };
    match (&data.inputs[j].column, limits[j]) {
        (
            Column::Real(v),
            Limit::Real {
                lower,
                upper,
                lower_open,
            },
        ) => {
            if inbox.is_empty() {
                return vec![];
            }
            let (low, high) = peel_quantiles(v, inbox, alpha);
            let (mut up, mut down) = (Sums::default(), Sums::default());
            for &r in inbox {
                let x = v[r as usize];
                if x <= high {
                    data.add(&mut up, r);
                }
                if x >= low {
                    data.add(&mut down, r);
                }
            }
            vec![
                candidate(
                    Limit::Real {
                        lower,
                        upper: high,
                        lower_open,
                    },
                    up,
                ),
                candidate(
                    Limit::Real {
                        lower: low,
                        upper,
                        lower_open: false,
                    },
                    down,
                ),
            ]
        }
        (Column::Categorical { levels, codes }, Limit::Levels(mask)) => {
            if mask.count_ones() < 2 {
                return vec![];
            }
            (0..levels.len())
                .filter(|&k| mask >> k & 1 == 1)
                .map(|k| {
                    let mut s = Sums::default();
                    for &r in inbox {
                        if codes[r as usize] as usize != k {
                            data.add(&mut s, r);
                        }
                    }
                    candidate(Limit::Levels(mask & !(1 << k)), s)
                })
                .collect()
        }
        _ => unreachable!("a limit of the input's own kind"),
    }
}

/// Input `j`'s pastes of the box `limits` (restricted, `near` sorted against it).
fn pastes(
    data: &Dataset,
    near: &Near,
    limits: &[Limit],
    init: &[Limit],
    j: usize,
    alpha: f64,
) -> Vec<Candidate> {
    let candidate = |limit: Limit, sums: Sums| Candidate {
        input: j,
        limit,
        sums,
        restricted: restricted_with(limits, init, j, limit),
    };
    match (&data.inputs[j].column, limits[j], init[j]) {
        (
            Column::Real(v),
            Limit::Real {
                lower,
                upper,
                lower_open,
            },
            Limit::Real {
                lower: l0,
                upper: u0,
                ..
            },
        ) => {
            let x = |r: &u32| v[*r as usize];
            let below = &near.outside_one[2 * j];
            let above = &near.outside_one[2 * j + 1];
            // Lower: the values from the full range's lower end to the box's.
            let mut data_low: Vec<f64> = below
                .iter()
                .map(x)
                .chain(near.inside.iter().map(x).filter(|&y| y <= lower))
                .collect();
            let new_lower = if data_low.is_empty() {
                l0
            } else {
                sd_quantile(&mut data_low, 1.0 - alpha)
            };
            let low_sums = merged_sums(
                data,
                &near.inside,
                below.iter().copied().filter(|r| x(r) >= new_lower),
            );
            let mut data_high: Vec<f64> = above
                .iter()
                .map(x)
                .chain(near.inside.iter().map(x).filter(|&y| y >= upper))
                .collect();
            let new_upper = if data_high.is_empty() {
                u0
            } else {
                sd_quantile(&mut data_high, alpha)
            };
            let high_sums = merged_sums(
                data,
                &near.inside,
                above.iter().copied().filter(|r| x(r) <= new_upper),
            );
            vec![
                candidate(
                    Limit::Real {
                        lower: new_lower,
                        upper,
                        lower_open: false,
                    },
                    low_sums,
                ),
                candidate(
                    Limit::Real {
                        lower,
                        upper: new_upper,
                        lower_open,
                    },
                    high_sums,
                ),
            ]
        }
        (Column::Categorical { levels, codes }, Limit::Levels(mask), Limit::Levels(all)) => (0
            ..levels.len())
            .filter(|&k| all >> k & 1 == 1 && mask >> k & 1 == 0)
            .map(|k| {
                let added = near.outside_one[2 * j]
                    .iter()
                    .copied()
                    .filter(|&r| codes[r as usize] as usize == k);
                candidate(
                    Limit::Levels(mask | 1 << k),
                    merged_sums(data, &near.inside, added),
                )
            })
            .collect(),
        _ => unreachable!("a limit of the input's own kind"),
    }
}

/// The knee of a trajectory: the step where coverage times density is
/// largest (the earliest such step). On the curve of density against
/// coverage it is where a 1% loss of coverage buys exactly 1% more density:
/// before it, peeling raises density by more (relatively) than it costs in
/// coverage; after it, by less. It does not depend on what coverage is a
/// share of, so a covering's later boxes (whose coverage is a share of all
/// cases) get their knee as the first box does.
pub fn knee(t: &Trajectory) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, s) in t.steps.iter().enumerate() {
        let score = s.stats.coverage * s.stats.density;
        if score > best.1 {
            best = (i, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::boxes::{full_limits, rows_inside};
    use crate::discover::data::Input;

    #[test]
    fn sdtoolkit_quantiles() {
        // Position (n - 1) q = 0.45 of [1..=10]: 1, then the next distinct value 2.
        let mut xs: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(sd_quantile(&mut xs, 0.05), 1.5);
        assert_eq!(sd_quantile(&mut xs, 0.95), 9.5);
        // Ties: the next value different from the one at the position.
        let mut ties = vec![1.0, 1.0, 1.0, 2.0, 5.0];
        assert_eq!(sd_quantile(&mut ties, 0.1), 1.5);
        let mut ties = vec![1.0, 4.0, 5.0, 5.0, 5.0];
        assert_eq!(sd_quantile(&mut ties, 0.9), 4.5);
        let mut same = vec![3.0; 4];
        assert_eq!(sd_quantile(&mut same, 0.05), 3.0);
        assert_eq!(sd_quantile(&mut same, 0.95), 3.0);
        assert_eq!(sd_quantile(&mut [7.0], 0.95), 7.0);
    }

    #[test]
    fn a_peels_quantiles_are_those_of_a_copy_of_the_values() {
        // xorshift values, continuous, with many ties and of both signs, of
        // every small size, over rows in any order.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in 1..120 {
            for ties in [false, true] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        let u = next();
                        if ties {
                            (u % 5) as f64 - 2.0
                        } else {
                            (u >> 11) as f64 / (1u64 << 52) as f64 - 1.0
                        }
                    })
                    .collect();
                let rows: Vec<u32> = (0..n as u32).rev().collect();
                for alpha in [0.01, 0.05, 0.1, 0.25, 0.49] {
                    let got = peel_quantiles(&v, &rows, alpha);
                    let want = (
                        sd_quantile(&mut v.clone(), alpha),
                        sd_quantile(&mut v.clone(), 1.0 - alpha),
                    );
                    assert_eq!(
                        (got.0.to_bits(), got.1.to_bits()),
                        (want.0.to_bits(), want.1.to_bits()),
                        "n {n}, ties {ties}, alpha {alpha}: {got:?} vs {want:?}"
                    );
                }
            }
        }
        for x in [-1.5, -0.0, 0.0, 1e-300, 7.25] {
            assert_eq!(from_order_key(order_key(x)).to_bits(), f64::to_bits(x));
        }
    }

    /// A grid of 40 x 40 points on [0, 1]^2 with a third input that does not
    /// matter; the outcome is 1 exactly where x >= 0.6 and y <= 0.4.
    fn grid() -> Dataset {
        let (mut x, mut y, mut z, mut hits) = (vec![], vec![], vec![], vec![]);
        for i in 0..40 {
            for k in 0..40 {
                let (a, b) = ((i as f64 + 0.5) / 40.0, (k as f64 + 0.5) / 40.0);
                x.push(a);
                y.push(b);
                z.push(((i * 7 + k * 13) % 40) as f64 / 40.0);
                hits.push(if a >= 0.6 && b <= 0.4 { 1.0 } else { 0.0 });
            }
        }
        let real = |name: &str, v| Input {
            name: name.into(),
            column: Column::Real(v),
        };
        Dataset::new(vec![real("x", x), real("y", y), real("z", z)], None, hits).unwrap()
    }

    #[test]
    fn peeling_finds_a_sharp_box_and_every_step_measures_itself() {
        let d = grid();
        let rows = d.all_rows();
        let init = full_limits(&d, &rows);
        let opts = PrimOptions {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            min_mass: 0.05,
        };
        let t = find_box(&d, &rows, &init, d.sums(&rows), &opts);
        let last = t.steps.last().unwrap();
        assert_eq!(last.stats.density, 1.0);
        assert_eq!(restricted(&last.limits, &init), [0, 1]);
        let Limit::Real { lower, .. } = last.limits[0] else {
            panic!()
        };
        let Limit::Real { upper, .. } = last.limits[1] else {
            panic!()
        };
        // Grid values are 0.0125 + 0.025 k: the box's edges lie between the
        // last value outside and the first inside.
        assert!(lower > 0.5875 && lower <= 0.6125, "{lower}");
        assert!((0.3875..0.4125).contains(&upper), "{upper}");
        let total = d.sums(&rows);
        assert_eq!((total.weight, total.hits), (1600.0, 256.0));
        for s in &t.steps {
            let inside = rows_inside(&d, &s.limits, &rows);
            let sums = d.sums(&inside);
            assert_eq!(s.stats.weight, sums.weight);
            assert_eq!(s.stats.hits, sums.hits);
            assert_eq!(s.stats.coverage, sums.hits / 256.0);
            assert_eq!(s.stats.mass, sums.weight / 1600.0);
        }
        // Peels only shrink the box.
        for w in t.steps.windows(2) {
            if w[1].phase == Phase::Peel {
                assert!(w[1].stats.weight < w[0].stats.weight);
                assert!(w[1].stats.density > w[0].stats.density);
            }
        }
        let k = knee(&t);
        assert!(t.steps[k].stats.density >= 0.9 && t.steps[k].stats.coverage >= 0.9);
    }
}
