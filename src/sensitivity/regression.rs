//! Regression-based sensitivity measures for grid or Latin-hypercube samples:
//! standardized regression coefficients (SRC) and partial rank correlation
//! coefficients (PRCC), one value per input.
//!
//! Both work on any sample `x` (rows = points, columns = inputs, real or unit
//! scale: both measures are invariant to affine rescaling of an input) with
//! outputs `y`. SRC is meaningful when the model is close to linear (check
//! `r_squared`); PRCC when it is monotone. Least squares use Householder QR
//! on centered data. Reference: A. Saltelli, K. Chan, E. M. Scott (eds.)
//! (2000), "Sensitivity Analysis", Wiley, ch. 6; S. Marino, I. B. Hogue,
//! C. J. Ray, D. E. Kirschner (2008), "A methodology for performing global
//! uncertainty and sensitivity analysis in systems biology", J. Theor. Biol.
//! 254:178-196.

use serde::Serialize;

use super::error::{Result, SensitivityError};

/// Standardized regression coefficients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Src {
    /// `SRC_i = b_i sd(x_i) / sd(y)` where `b` are the least-squares
    /// coefficients of `y` on all inputs (with intercept). For a linear model
    /// with independent inputs, `SRC_i^2` is input `i`'s share of variance.
    pub coefficients: Vec<f64>,
    /// Coefficient of determination of the linear fit.
    pub r_squared: f64,
}

/// Partial rank correlation coefficients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prcc {
    /// `PRCC_i`: the correlation between the residuals of rank(`x_i`) and of
    /// rank(`y`), each regressed linearly on the ranks of all other inputs.
    /// In `[-1, 1]`; `0` by convention when the other inputs' ranks explain
    /// rank(`y`) exactly.
    pub coefficients: Vec<f64>,
}

/// Standardized regression coefficients of `y` on the columns of `x`.
///
/// `x[j]` is point `j` (all rows the same length `k`), `y[j]` its output.
///
/// Errors: no rows or columns, ragged rows, `y.len() != x.len()`, fewer than
/// `k + 2` points, non-finite values, constant `y`
/// ([`SensitivityError::ZeroVariance`]), or a constant/collinear input
/// ([`SensitivityError::SingularDesign`]).
pub fn src(x: &[Vec<f64>], y: &[f64]) -> Result<Src> {
    let (cols, yc) = prepare(x, y)?;
    let cols: Vec<Vec<f64>> = cols.into_iter().map(standardize).collect();
    let y_sd = norm(&yc);
    let ys: Vec<f64> = yc.iter().map(|v| v / y_sd).collect();
    let (coefficients, residual) =
        least_squares(&cols, &ys).map_err(|input| SensitivityError::SingularDesign { input })?;
    let rss: f64 = residual.iter().map(|e| e * e).sum();
    Ok(Src {
        coefficients,
        // ys has unit sum of squares.
        r_squared: (1.0 - rss).clamp(0.0, 1.0),
    })
}

/// Partial rank correlation coefficients of `y` with each column of `x`.
///
/// Values and outputs are replaced by their ranks (ties get the average rank);
/// then, for each input `i`, rank(`x_i`) and rank(`y`) are each regressed on
/// the ranks of the other inputs (with intercept) and the residuals
/// correlated. With `k = 1` this is Spearman's rank correlation.
///
/// Errors: as for [`src`].
pub fn prcc(x: &[Vec<f64>], y: &[f64]) -> Result<Prcc> {
    let (cols, yc) = prepare(x, y)?;
    let rank_cols: Vec<Vec<f64>> = cols.iter().map(|c| center(ranks(c))).collect();
    let rank_y = center(ranks(&yc));
    let y_ss: f64 = rank_y.iter().map(|v| v * v).sum();
    let k = rank_cols.len();
    let mut coefficients = Vec::with_capacity(k);
    for i in 0..k {
        let others: Vec<Vec<f64>> = rank_cols
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, c)| c.clone())
            .collect();
        // Map an error index in `others` back to the input index.
        let back = |j: usize| if j >= i { j + 1 } else { j };
        let (_, ex) = least_squares(&others, &rank_cols[i])
            .map_err(|j| SensitivityError::SingularDesign { input: back(j) })?;
        let (_, ey) = least_squares(&others, &rank_y)
            .map_err(|j| SensitivityError::SingularDesign { input: back(j) })?;
        let sxx: f64 = ex.iter().map(|v| v * v).sum();
        let syy: f64 = ey.iter().map(|v| v * v).sum();
        let sxy: f64 = ex.iter().zip(&ey).map(|(a, b)| a * b).sum();
        let x_ss: f64 = rank_cols[i].iter().map(|v| v * v).sum();
        if sxx <= 1e-20 * x_ss {
            return Err(SensitivityError::SingularDesign { input: i });
        }
        coefficients.push(if syy <= 1e-20 * y_ss {
            0.0
        } else {
            (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
        });
    }
    Ok(Prcc { coefficients })
}

/// Validates a sample and returns its centered columns and centered outputs.
fn prepare(x: &[Vec<f64>], y: &[f64]) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let k = x.first().map_or(0, Vec::len);
    if k == 0 {
        return Err(SensitivityError::NoInputs);
    }
    if let Some(row) = x.iter().find(|r| r.len() != k) {
        return Err(SensitivityError::LengthMismatch {
            what: "sample row vs first row",
            expected: k,
            got: row.len(),
        });
    }
    if y.len() != x.len() {
        return Err(SensitivityError::LengthMismatch {
            what: "outputs vs sample rows",
            expected: x.len(),
            got: y.len(),
        });
    }
    if x.len() < k + 2 {
        return Err(SensitivityError::TooFewSamples {
            what: "sample points (k + 2 needed)",
            min: k + 2,
            got: x.len(),
        });
    }
    if let Some(index) = x.iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        return Err(SensitivityError::NonFinite {
            what: "sample rows",
            index,
        });
    }
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(SensitivityError::NonFinite {
            what: "model outputs",
            index,
        });
    }
    let cols: Vec<Vec<f64>> = (0..k)
        .map(|i| center(x.iter().map(|r| r[i]).collect()))
        .collect();
    if let Some(input) = cols.iter().position(|c| c.iter().all(|&v| v == 0.0)) {
        return Err(SensitivityError::SingularDesign { input });
    }
    let yc = center(y.to_vec());
    if yc.iter().all(|&v| v == 0.0) {
        return Err(SensitivityError::ZeroVariance {
            what: "model output",
        });
    }
    Ok((cols, yc))
}

/// Subtracts the mean.
fn center(mut v: Vec<f64>) -> Vec<f64> {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter_mut().for_each(|x| *x -= mean);
    v
}

/// Euclidean norm.
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Scales a centered column to unit Euclidean norm (so its "sd" is 1 up to
/// the common factor `sqrt(n)`, which cancels in SRC).
fn standardize(v: Vec<f64>) -> Vec<f64> {
    let s = norm(&v);
    v.into_iter().map(|x| x / s).collect()
}

/// Ranks `1..=n`, ties replaced by their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; average them.
        let avg = (start + 1 + end) as f64 / 2.0;
        for &j in &order[start..end] {
            out[j] = avg;
        }
        start = end;
    }
    out
}

/// Least squares `y ~ cols` (no intercept; pass centered data) by Householder
/// QR. Returns the coefficients and the residual `y - X b`, or the index of
/// the first column found to be (numerically) dependent on earlier ones.
fn least_squares(cols: &[Vec<f64>], y: &[f64]) -> std::result::Result<(Vec<f64>, Vec<f64>), usize> {
    let n = y.len();
    let p = cols.len();
    let mut a: Vec<Vec<f64>> = cols.to_vec();
    let mut b = y.to_vec();
    for j in 0..p {
        let original = norm(&cols[j]);
        if j >= n || original == 0.0 {
            return Err(j);
        }
        let col_norm = norm(&a[j][j..]);
        if col_norm <= 1e-10 * original {
            return Err(j);
        }
        let alpha = if a[j][j] > 0.0 { -col_norm } else { col_norm };
        let mut v = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let reflect = |target: &mut [f64]| {
            let s = 2.0 * v.iter().zip(target.iter()).map(|(p, q)| p * q).sum::<f64>() / vv;
            target.iter_mut().zip(&v).for_each(|(t, vi)| *t -= s * vi);
        };
        for col in a.iter_mut().skip(j) {
            reflect(&mut col[j..]);
        }
        reflect(&mut b[j..]);
    }
    let mut coef = vec![0.0; p];
    for j in (0..p).rev() {
        let s: f64 = (j + 1..p).map(|c| a[c][j] * coef[c]).sum();
        coef[j] = (b[j] - s) / a[j][j];
    }
    let residual = (0..n)
        .map(|r| y[r] - cols.iter().zip(&coef).map(|(c, b)| c[r] * b).sum::<f64>())
        .collect();
    Ok((coef, residual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn least_squares_solves_exact_system() {
        let c0 = vec![1.0, 0.0, 0.0, 1.0];
        let c1 = vec![0.0, 1.0, 1.0, 1.0];
        let y: Vec<f64> = (0..4).map(|r| 2.0 * c0[r] - 3.0 * c1[r]).collect();
        let (b, e) = least_squares(&[c0, c1], &y).unwrap();
        assert!((b[0] - 2.0).abs() < 1e-12 && (b[1] + 3.0).abs() < 1e-12);
        assert!(e.iter().all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn collinear_inputs_are_singular() {
        let x: Vec<Vec<f64>> = (0..10).map(|j| vec![j as f64, 2.0 * j as f64]).collect();
        let y: Vec<f64> = (0..10).map(|j| (j * j) as f64).collect();
        assert_eq!(
            src(&x, &y).unwrap_err(),
            SensitivityError::SingularDesign { input: 1 }
        );
        let x: Vec<Vec<f64>> = (0..10).map(|j| vec![j as f64, 1.0]).collect();
        assert_eq!(
            prcc(&x, &y).unwrap_err(),
            SensitivityError::SingularDesign { input: 1 }
        );
    }
}
