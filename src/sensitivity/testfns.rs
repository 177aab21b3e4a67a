//! Analytic test functions for sensitivity analysis, with their exact
//! variance decompositions: the Ishigami function and the Sobol G-function.
//! Used by the test suite and handy for checking a pipeline end to end.

use std::f64::consts::PI;

/// Ishigami & Homma (1990) function on real inputs `x = (x1, x2, x3)`:
/// `sin x1 + a sin^2 x2 + b x3^4 sin x1`, inputs uniform on `(-pi, pi)`.
///
/// Uses the first three entries of `x`; callers pass exactly three.
pub fn ishigami(x: &[f64], a: f64, b: f64) -> f64 {
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// [`ishigami`] with the standard `a = 7`, `b = 0.1`, on a unit-cube point
/// (each coordinate mapped to `[-pi, pi]`).
pub fn ishigami_unit(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().take(3).map(|&v| -PI + 2.0 * PI * v).collect();
    ishigami(&x, 7.0, 0.1)
}

/// Exact Sobol decomposition of a model, one entry per input.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticIndices {
    /// Output variance.
    pub variance: f64,
    /// First-order indices.
    pub first_order: Vec<f64>,
    /// Total indices.
    pub total: Vec<f64>,
}

/// Exact indices of [`ishigami`] (Ishigami & Homma 1990; Saltelli et al.
/// 2008, "Global Sensitivity Analysis. The Primer", sec. 4.8):
/// `V1 = (1 + b pi^4 / 5)^2 / 2`, `V2 = a^2 / 8`, `V3 = 0`,
/// `V13 = b^2 pi^8 (1/18 - 1/50)`, `V = V1 + V2 + V13`.
pub fn ishigami_analytic(a: f64, b: f64) -> AnalyticIndices {
    let pi4 = PI.powi(4);
    let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    AnalyticIndices {
        variance: v,
        first_order: vec![v1 / v, v2 / v, 0.0],
        total: vec![(v1 + v13) / v, v2 / v, v13 / v],
    }
}

/// Sobol G-function on unit inputs: `prod_i (|4 x_i - 2| + a_i) / (1 + a_i)`
/// (Saltelli & Sobol' 1995). Small `a_i` means an important input.
///
/// Uses `min(x.len(), a.len())` factors.
pub fn g_function(x: &[f64], a: &[f64]) -> f64 {
    x.iter()
        .zip(a)
        .map(|(&xi, &ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
        .product()
}

/// Exact indices of [`g_function`]: `V_i = 1 / (3 (1 + a_i)^2)`,
/// `V = prod (1 + V_i) - 1`, `S_i = V_i / V`,
/// `ST_i = V_i prod_{j != i} (1 + V_j) / V`.
pub fn g_function_analytic(a: &[f64]) -> AnalyticIndices {
    let vi: Vec<f64> = a
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0 + ai).powi(2)))
        .collect();
    let prod: f64 = vi.iter().map(|v| 1.0 + v).product();
    let v = prod - 1.0;
    AnalyticIndices {
        variance: v,
        first_order: vi.iter().map(|x| x / v).collect(),
        total: vi.iter().map(|x| x * prod / (1.0 + x) / v).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ishigami_reference_values() {
        // Reference: Ishigami & Homma (1990); Saltelli et al. (2008).
        let r = ishigami_analytic(7.0, 0.1);
        assert!((r.variance - 13.844588).abs() < 1e-6);
        for (got, want) in r.first_order.iter().zip([0.313905, 0.442411, 0.0]) {
            assert!((got - want).abs() < 1e-6);
        }
        for (got, want) in r.total.iter().zip([0.557589, 0.442411, 0.243684]) {
            assert!((got - want).abs() < 1e-6);
        }
    }
}
