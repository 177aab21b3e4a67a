//! Morris elementary-effects screening: the trajectory design (Morris 1991)
//! and the `mu`, `mu*` (Campolongo, Cariboni & Saltelli 2007) and `sigma`
//! statistics.
//!
//! Everything is in **unit scale**: the grid has `p` levels
//! `0, 1/(p-1), ..., 1`, the step is `delta = p / (2 (p - 1))`, and an
//! elementary effect is `(f(x + delta e_i) - f(x)) / delta` with that unit
//! `delta`. For a model evaluated on real ranges, an effect is therefore
//! "output change per full input range" (a linear term `c x_i` on
//! `[lo, hi]` has effect `c (hi - lo)`).
//!
//! References: M. D. Morris (1991), "Factorial sampling plans for preliminary
//! computational experiments", Technometrics 33:161-174; F. Campolongo,
//! J. Cariboni, A. Saltelli (2007), "An effective screening design for
//! sensitivity analysis of large models", Environ. Model. Softw.
//! 22:1509-1518.

use serde::Serialize;

use super::design::{Design, check_size};
use super::error::{Result, SensitivityError};
use super::rng::Stream;

/// Morris statistics, one entry per input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisIndices {
    /// Mean elementary effect `mu_i`.
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect `mu*_i` (the usual importance measure).
    pub mu_star: Vec<f64>,
    /// Sample standard deviation (divisor `r - 1`) of the elementary effects:
    /// large values flag non-linearity or interactions.
    pub sigma: Vec<f64>,
    /// The elementary effects themselves: `elementary_effects[i][t]` is the
    /// effect of input `i` in trajectory `t`.
    pub elementary_effects: Vec<Vec<f64>>,
    /// Number of trajectories `r`.
    pub trajectories: usize,
}

/// The step `delta = p / (2 (p - 1))` of a `p`-level Morris grid, in unit scale.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` Morris trajectories for `k` inputs on a `p`-level grid: `r (k + 1)`
/// rows, trajectory `t` occupying rows `t (k + 1) ..= t (k + 1) + k`.
///
/// Each trajectory starts from a random base point whose coordinates are grid
/// levels `x*_i <= 1 - delta`; each input gets a random direction: it either
/// starts at `x*_i` and later moves up by `delta`, or starts at
/// `x*_i + delta` and later moves down. The inputs then move one at a time in
/// a random order, so consecutive rows differ in exactly one input and every
/// point stays in `[0, 1]` (Morris 1991). Even `p` is recommended (then every
/// point is on the grid); odd `p` is accepted, with off-grid upper points.
///
/// Draws come from `ChaCha8Rng::seed_from_u64(seed)`, per trajectory: `k`
/// base levels, `k` directions, then a Fisher-Yates shuffle of the order.
///
/// Errors: `k == 0`, `levels < 2` ([`SensitivityError::TooFewLevels`] with
/// `input: 0`, the level count being shared by all inputs), `r < 2` (sigma
/// needs two trajectories), or too many rows.
pub fn morris_design(r: usize, k: usize, levels: usize, seed: u64) -> Result<Design> {
    if k == 0 {
        return Err(SensitivityError::NoInputs);
    }
    if levels < 2 {
        return Err(SensitivityError::TooFewLevels { input: 0, levels });
    }
    if r < 2 {
        return Err(SensitivityError::TooFewSamples {
            what: "r (Morris trajectories)",
            min: 2,
            got: r,
        });
    }
    let total = check_size(k.checked_add(1).and_then(|s| s.checked_mul(r)))?;
    let step = (levels - 1) as f64;
    // Base levels j with j / (p - 1) + delta <= 1, i.e. j <= p / 2 - 1 (real
    // division): j = 0 ..= floor(p / 2) - 1, so floor(p / 2) choices.
    let base_levels = levels / 2;
    let mut stream = Stream::new(seed);
    let mut design = Vec::with_capacity(total);
    let mut order: Vec<usize> = Vec::with_capacity(k);
    for _ in 0..r {
        let base: Vec<usize> = (0..k).map(|_| stream.below(base_levels)).collect();
        let up: Vec<bool> = (0..k).map(|_| stream.coin()).collect();
        order.clear();
        order.extend(0..k);
        stream.shuffle(&mut order);
        let low = |i: usize| base[i] as f64 / step;
        // x*_i + delta, computed as one division so even p lands exactly on
        // the grid level j + p/2.
        let high = |i: usize| (base[i] as f64 + levels as f64 / 2.0) / step;
        let mut x: Vec<f64> = (0..k)
            .map(|i| if up[i] { low(i) } else { high(i) })
            .collect();
        design.push(x.clone());
        for &i in &order {
            x[i] = if up[i] { high(i) } else { low(i) };
            design.push(x.clone());
        }
    }
    Ok(design)
}

/// Morris statistics from a [`morris_design`] (or any design made of `r`
/// one-at-a-time trajectories of `k + 1` rows) and its outputs `y`, one per
/// row in design order.
///
/// The elementary effect at each step is `(y_after - y_before) /
/// (x_after_i - x_before_i)`, where `i` is the one input that changed; the
/// denominator is `+-delta` in unit scale.
///
/// Errors: `k == 0`, `y.len() != design.len()`, a row not of length `k`, a
/// row count that is not `r (k + 1)` with `r >= 2`, non-finite values, or a
/// trajectory where consecutive rows do not differ in exactly one input or an
/// input does not move exactly once.
pub fn morris_indices(design: &[Vec<f64>], y: &[f64], k: usize) -> Result<MorrisIndices> {
    if k == 0 {
        return Err(SensitivityError::NoInputs);
    }
    if y.len() != design.len() {
        return Err(SensitivityError::LengthMismatch {
            what: "outputs vs design rows",
            expected: design.len(),
            got: y.len(),
        });
    }
    if let Some(row) = design.iter().find(|row| row.len() != k) {
        return Err(SensitivityError::LengthMismatch {
            what: "design row vs k",
            expected: k,
            got: row.len(),
        });
    }
    if !design.len().is_multiple_of(k + 1) {
        return Err(SensitivityError::LengthMismatch {
            what: "design rows (must be r * (k + 1))",
            expected: (design.len() / (k + 1)).max(2) * (k + 1),
            got: design.len(),
        });
    }
    let r = design.len() / (k + 1);
    if r < 2 {
        return Err(SensitivityError::TooFewSamples {
            what: "r (Morris trajectories)",
            min: 2,
            got: r,
        });
    }
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(SensitivityError::NonFinite {
            what: "model outputs",
            index,
        });
    }
    if let Some(index) = design
        .iter()
        .position(|row| row.iter().any(|v| !v.is_finite()))
    {
        return Err(SensitivityError::NonFinite {
            what: "design rows",
            index,
        });
    }

    let mut effects = vec![Vec::with_capacity(r); k];
    for t in 0..r {
        let start = t * (k + 1);
        let mut moved = vec![false; k];
        for step in 1..=k {
            let (before, after) = (&design[start + step - 1], &design[start + step]);
            let mut changed = before
                .iter()
                .zip(after)
                .enumerate()
                .filter(|(_, (b, a))| b != a)
                .map(|(i, _)| i);
            let bad = SensitivityError::InvalidTrajectory {
                trajectory: t,
                step,
            };
            let i = changed.next().ok_or_else(|| bad.clone())?;
            if changed.next().is_some() || moved[i] {
                return Err(bad);
            }
            moved[i] = true;
            let dx = after[i] - before[i];
            effects[i].push((y[start + step] - y[start + step - 1]) / dx);
        }
    }

    let rf = r as f64;
    let mu: Vec<f64> = effects.iter().map(|e| e.iter().sum::<f64>() / rf).collect();
    let mu_star = effects
        .iter()
        .map(|e| e.iter().map(|v| v.abs()).sum::<f64>() / rf)
        .collect();
    let sigma = effects
        .iter()
        .zip(&mu)
        .map(|(e, &m)| (e.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (rf - 1.0)).sqrt())
        .collect();
    Ok(MorrisIndices {
        mu,
        mu_star,
        sigma,
        elementary_effects: effects,
        trajectories: r,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_input_by_delta_within_unit_cube() {
        for levels in [2, 3, 4, 6, 8] {
            let (r, k) = (20, 5);
            let d = morris_design(r, k, levels, 11).unwrap();
            let delta = morris_delta(levels);
            assert_eq!(d.len(), r * (k + 1));
            for t in 0..r {
                for s in 1..=k {
                    let (a, b) = (&d[t * (k + 1) + s - 1], &d[t * (k + 1) + s]);
                    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
                    assert_eq!(diffs.iter().filter(|v| **v != 0.0).count(), 1);
                    let dx = diffs.iter().find(|v| **v != 0.0).unwrap();
                    assert!((dx.abs() - delta).abs() < 1e-12, "p = {levels}");
                }
            }
            assert!(d.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn even_levels_stay_on_the_grid() {
        let d = morris_design(10, 4, 6, 3).unwrap();
        for v in d.iter().flatten() {
            let scaled = v * 5.0;
            assert!((scaled - scaled.round()).abs() < 1e-12);
        }
    }

    #[test]
    fn malformed_trajectories_are_rejected() {
        let d = vec![
            vec![0.0, 0.0],
            vec![1.0, 1.0], // two inputs move at once
            vec![1.0, 0.0],
            vec![0.0, 0.0],
            vec![1.0, 0.0],
            vec![1.0, 1.0],
        ];
        let y = vec![0.0; 6];
        assert_eq!(
            morris_indices(&d, &y, 2).unwrap_err(),
            SensitivityError::InvalidTrajectory {
                trajectory: 0,
                step: 1
            }
        );
    }
}
