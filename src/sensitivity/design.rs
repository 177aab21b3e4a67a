//! Experimental designs in the unit hypercube `[0, 1]^k`: full-factorial grid,
//! Latin hypercube, the Saltelli (Sobol-sequence) design for variance-based
//! indices, and the scaling of unit designs to real input ranges. Morris
//! trajectories live in [`super::morris`] next to their estimator.
//!
//! Every design is a row-major [`Design`]: `design[j][i]` is input `i` of point
//! `j`.

use super::error::{Result, SensitivityError};
use super::rng::Stream;
use super::sobol_sequence::SobolSequence;

/// A design: one `Vec<f64>` per point (row), one entry per input (column).
pub type Design = Vec<Vec<f64>>;

/// Largest number of rows any design in this module will allocate
/// (2^24 = 16,777,216); larger requests are
/// [`SensitivityError::DesignTooLarge`] rather than an allocation failure.
pub const MAX_DESIGN_POINTS: usize = 1 << 24;

/// Checks that `points` rows are within [`MAX_DESIGN_POINTS`].
pub(crate) fn check_size(points: Option<usize>) -> Result<usize> {
    points
        .filter(|&p| p <= MAX_DESIGN_POINTS)
        .ok_or(SensitivityError::DesignTooLarge {
            max: MAX_DESIGN_POINTS,
        })
}

/// Maps a unit-scale value `u` in `[0, 1]` to `[lo, hi]`: `lo + u (hi - lo)`.
pub fn scale(unit: f64, lo: f64, hi: f64) -> f64 {
    lo + unit * (hi - lo)
}

/// Maps every row of a unit design to real ranges: column `i` goes to
/// `[lo[i], hi[i]]` with [`scale`].
///
/// Errors: `lo`/`hi` lengths differ from the row length, or a bound pair is
/// not finite or has `lo > hi`.
pub fn scale_design(unit: &[Vec<f64>], lo: &[f64], hi: &[f64]) -> Result<Design> {
    if lo.len() != hi.len() {
        return Err(SensitivityError::LengthMismatch {
            what: "upper bounds vs lower bounds",
            expected: lo.len(),
            got: hi.len(),
        });
    }
    for (input, (&l, &h)) in lo.iter().zip(hi).enumerate() {
        if !l.is_finite() || !h.is_finite() || l > h {
            return Err(SensitivityError::InvalidBounds {
                input,
                lo: l,
                hi: h,
            });
        }
    }
    unit.iter()
        .map(|row| {
            if row.len() != lo.len() {
                return Err(SensitivityError::LengthMismatch {
                    what: "design row vs bounds",
                    expected: lo.len(),
                    got: row.len(),
                });
            }
            Ok(row
                .iter()
                .zip(lo.iter().zip(hi))
                .map(|(&u, (&l, &h))| scale(u, l, h))
                .collect())
        })
        .collect()
}

/// Full-factorial grid with `levels[i]` equally spaced levels for input `i`,
/// endpoints included: level `j` of `L` is `j / (L - 1)`.
///
/// Rows enumerate all `prod(levels)` combinations in odometer order: the last
/// input varies fastest, the first slowest.
///
/// Errors: empty `levels` ([`SensitivityError::NoInputs`]), any level count
/// `< 2` ([`SensitivityError::TooFewLevels`]), or more than
/// [`MAX_DESIGN_POINTS`] rows.
pub fn grid_design(levels: &[usize]) -> Result<Design> {
    if levels.is_empty() {
        return Err(SensitivityError::NoInputs);
    }
    if let Some((input, &l)) = levels.iter().enumerate().find(|&(_, &l)| l < 2) {
        return Err(SensitivityError::TooFewLevels { input, levels: l });
    }
    let total = check_size(levels.iter().try_fold(1usize, |acc, &l| acc.checked_mul(l)))?;
    let mut counter = vec![0usize; levels.len()];
    let mut design = Vec::with_capacity(total);
    for _ in 0..total {
        design.push(
            counter
                .iter()
                .zip(levels)
                .map(|(&j, &l)| j as f64 / (l - 1) as f64)
                .collect(),
        );
        // Odometer increment, last input fastest.
        for (c, &l) in counter.iter_mut().zip(levels).rev() {
            *c += 1;
            if *c < l {
                break;
            }
            *c = 0;
        }
    }
    Ok(design)
}

/// Latin hypercube of `n` points in `k` inputs: each input's range is cut into
/// `n` equal strata and every stratum is used exactly once per input; the
/// point sits uniformly at random inside its stratum (McKay, Beckman &
/// Conover 1979).
///
/// Draws come from `ChaCha8Rng::seed_from_u64(seed)` in this order: for input
/// 0, a Fisher-Yates shuffle of the strata then `n` jitters (rows 0..n), then
/// input 1, and so on. Same seed, same design, bit for bit.
///
/// Errors: `k == 0`, `n == 0`, or more than [`MAX_DESIGN_POINTS`] rows.
pub fn latin_hypercube(n: usize, k: usize, seed: u64) -> Result<Design> {
    if k == 0 {
        return Err(SensitivityError::NoInputs);
    }
    if n == 0 {
        return Err(SensitivityError::TooFewSamples {
            what: "n (Latin hypercube points)",
            min: 1,
            got: 0,
        });
    }
    check_size(Some(n))?;
    let mut stream = Stream::new(seed);
    let mut design = vec![vec![0.0; k]; n];
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for i in 0..k {
        strata.clear();
        strata.extend(0..n);
        stream.shuffle(&mut strata);
        for (row, &s) in design.iter_mut().zip(&strata) {
            row[i] = (s as f64 + stream.unit()) / n as f64;
        }
    }
    Ok(design)
}

/// The Saltelli design for first-order and total Sobol indices: `n` base
/// samples of `k` inputs give `n (k + 2)` rows.
///
/// Base matrices come from the Sobol sequence of dimension `2k` with Owen's
/// scrambling seeded by `seed` ([`SobolSequence::scrambled_points`], points
/// `0..n`, none skipped); base row `j` is scrambled point `j`. `A` takes its
/// first `k` coordinates, `B` its last `k`. `AB_i` is `A` with column `i`
/// taken from `B` (the `A_B^(i)` matrices of Saltelli et al. 2010).
///
/// Why scrambled: unscrambled, the first points of many dimensions coincide
/// (point 1 is (1/2, ..., 1/2)), so at small `n` column `i` of `A` equals
/// column `i` of `B` in many rows and `AB_i` repeats `A` there; the indices
/// were biased and their intervals missed the true values (see
/// [`super::sobol_sequence`]). Scrambled, every row of `(A, B)` is uniform on
/// `[0, 1]^2k`, so the estimators are unbiased, and seeds give independent
/// replicates of the design (what the bootstrap's coverage is checked over).
///
/// Row order (block layout), for `j` in `0..n`:
/// - rows `0..n`: `A` (row `j` = `A_j`);
/// - rows `n..2n`: `B`;
/// - rows `(2 + i) n .. (3 + i) n`: `AB_i`, for `i` in `0..k`.
///
/// Same `(n, k, seed)`, same design, bit for bit. Powers of two for `n` keep
/// each column stratified (one point in each interval of width `1/n`).
///
/// Errors: `k == 0`, `n == 0`, `2k` above the Sobol table, i.e. `k > 80`
/// ([`SensitivityError::TooManyDimensions`]), or too many rows.
pub fn saltelli_design(n: usize, k: usize, seed: u64) -> Result<Design> {
    if k == 0 {
        return Err(SensitivityError::NoInputs);
    }
    if n == 0 {
        return Err(SensitivityError::TooFewSamples {
            what: "N (base samples)",
            min: 1,
            got: 0,
        });
    }
    let total = check_size(k.checked_add(2).and_then(|b| b.checked_mul(n)))?;
    let base = SobolSequence::scrambled_points(2 * k, n, seed)?;
    let mut design = Vec::with_capacity(total);
    design.extend(base.iter().map(|p| p[..k].to_vec()));
    design.extend(base.iter().map(|p| p[k..].to_vec()));
    for i in 0..k {
        design.extend(base.iter().map(|p| {
            let mut row = p[..k].to_vec();
            row[i] = p[k + i];
            row
        }));
    }
    Ok(design)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_odometer_ordered() {
        let g = grid_design(&[2, 3]).unwrap();
        assert_eq!(
            g,
            vec![
                vec![0.0, 0.0],
                vec![0.0, 0.5],
                vec![0.0, 1.0],
                vec![1.0, 0.0],
                vec![1.0, 0.5],
                vec![1.0, 1.0],
            ]
        );
    }

    #[test]
    fn grid_rejects_huge_designs() {
        assert!(matches!(
            grid_design(&[1000; 10]),
            Err(SensitivityError::DesignTooLarge { .. })
        ));
        assert!(matches!(
            grid_design(&[usize::MAX, usize::MAX]),
            Err(SensitivityError::DesignTooLarge { .. })
        ));
    }

    #[test]
    fn saltelli_blocks_are_consistent() {
        let (n, k) = (8, 3);
        let d = saltelli_design(n, k, 4).unwrap();
        assert_eq!(d.len(), n * (k + 2));
        for j in 0..n {
            let (a, b) = (&d[j], &d[n + j]);
            for i in 0..k {
                let ab = &d[(2 + i) * n + j];
                for c in 0..k {
                    assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
                }
            }
        }
    }

    /// Regression: unscrambled, the A and B matrices shared values in many
    /// rows at small N (9 of 24 cells at N = 8, k = 3; every row of A equal
    /// to B in some column at N = 8, k = 4), so AB_i repeated A and the
    /// indices at --points 8 or 16 ranked inputs wrongly.
    #[test]
    fn a_and_b_share_no_values_at_small_n() {
        for k in 1..=6 {
            for n in [2, 4, 8, 16, 32] {
                for seed in [0, 1, 20240318] {
                    let d = saltelli_design(n, k, seed).unwrap();
                    let (a, b) = d.split_at(n);
                    for (j, (ra, rb)) in a.iter().zip(&b[..n]).enumerate() {
                        for (i, (x, y)) in ra.iter().zip(rb).enumerate() {
                            assert_ne!(x, y, "k {k} n {n} row {j} column {i}");
                        }
                    }
                }
            }
        }
    }
}
