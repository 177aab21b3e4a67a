//! Tests of the sensitivity-analysis library against analytic references.
//!
//! Reference values: Ishigami & Homma (1990) and Saltelli et al. (2008) for the
//! Ishigami function; Saltelli & Sobol' (1995) for the G-function; tolerances
//! follow SALib's own tests (Ishigami N = 8192, atol 0.05 + rtol 0.1; G-function
//! N = 4096, atol 0.01), and we also assert tighter bounds we meet.

use std::f64::consts::PI;

use escalate::sensitivity::design::{
    MAX_DESIGN_POINTS, grid_design, latin_hypercube, saltelli_design, scale, scale_design,
};
use escalate::sensitivity::morris::{morris_delta, morris_design, morris_indices};
use escalate::sensitivity::regression::{prcc, src};
use escalate::sensitivity::sobol::{SobolIndices, sobol_indices};
use escalate::sensitivity::sobol_sequence::SobolSequence;
use escalate::sensitivity::testfns::{
    g_function, g_function_analytic, ishigami, ishigami_analytic, ishigami_unit,
};
use escalate::sensitivity::{SensitivityError, evaluate};

/// Bootstrap resamples used by the Sobol tests (kept modest for test speed).
const RESAMPLES: usize = 200;

fn bits(d: &[Vec<f64>]) -> Vec<Vec<u64>> {
    d.iter()
        .map(|r| r.iter().map(|v| v.to_bits()).collect())
        .collect()
}

fn index_bits(s: &SobolIndices) -> Vec<u64> {
    let mut out = vec![s.mean.to_bits(), s.variance.to_bits()];
    for v in [&s.first_order, &s.total] {
        out.extend(v.iter().map(|x| x.to_bits()));
    }
    for v in [&s.first_order_interval, &s.total_interval] {
        out.extend(v.iter().flat_map(|i| [i.low.to_bits(), i.high.to_bits()]));
    }
    out
}

/// Ishigami analytic values from the closed form (Ishigami & Homma 1990;
/// Saltelli et al. 2008, "Global Sensitivity Analysis. The Primer", 4.8),
/// computed here independently of the library helper.
fn ishigami_reference() -> (f64, [f64; 3], [f64; 3]) {
    let (a, b) = (7.0, 0.1);
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
    let v = v1 + v2 + v13;
    (v, [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

#[test]
fn ishigami_closed_form_matches_published_table() {
    // Published: V = 13.844588, S1 = [0.313905, 0.442411, 0],
    // ST = [0.557589, 0.442411, 0.243684] (Ishigami & Homma 1990;
    // Saltelli et al. 2008).
    let (v, s1, st) = ishigami_reference();
    assert!((v - 13.844588).abs() < 1e-6, "V = {v}");
    for (got, want) in s1.iter().zip([0.313905, 0.442411, 0.0]) {
        assert!((got - want).abs() < 1e-6);
    }
    for (got, want) in st.iter().zip([0.557589, 0.442411, 0.243684]) {
        assert!((got - want).abs() < 1e-6);
    }
    let lib = ishigami_analytic(7.0, 0.1);
    assert!((lib.variance - v).abs() < 1e-12);
    for i in 0..3 {
        assert!((lib.first_order[i] - s1[i]).abs() < 1e-12);
        assert!((lib.total[i] - st[i]).abs() < 1e-12);
    }
    // The real-scale function: sin(pi/2) + 7 sin^2(pi/2) + 0.1 * 1 * 1 = 8.1.
    assert!((ishigami(&[PI / 2.0, PI / 2.0, 1.0], 7.0, 0.1) - 8.1).abs() < 1e-12);
}

#[test]
fn ishigami_sobol_indices_at_n8192_match_analytic_values() {
    let (n, k) = (8192, 3);
    let design = saltelli_design(n, k, 2024).unwrap();
    assert_eq!(design.len(), n * (k + 2));
    let y = evaluate(&design, ishigami_unit);
    let s = sobol_indices(&y, k, RESAMPLES, 2024).unwrap();
    let (v, s1, st) = ishigami_reference();
    eprintln!(
        "Ishigami N=8192: S1 = {:?}\n  ST = {:?}\n  V = {}",
        s.first_order, s.total, s.variance
    );
    eprintln!(
        "  S1 CI = {:?}\n  ST CI = {:?}",
        s.first_order_interval, s.total_interval
    );
    // Reference: Ishigami & Homma (1990) (closed form above).
    assert!((s.variance - v).abs() < 0.01 * v, "V = {}", s.variance);
    assert!((s.mean - 3.5).abs() < 0.01, "mean = {}", s.mean);
    for i in 0..k {
        // SALib's tolerance (atol 0.05 + rtol 0.1) ...
        assert!((s.first_order[i] - s1[i]).abs() <= 0.05 + 0.1 * s1[i].abs());
        assert!((s.total[i] - st[i]).abs() <= 0.05 + 0.1 * st[i].abs());
        // ... and the tighter bound this estimator meets at N = 8192.
        assert!(
            (s.first_order[i] - s1[i]).abs() < 0.01,
            "S1[{i}] = {}",
            s.first_order[i]
        );
        assert!(
            (s.total[i] - st[i]).abs() < 0.01,
            "ST[{i}] = {}",
            s.total[i]
        );
        // The 95% bootstrap intervals cover the analytic values.
        assert!(
            s.first_order_interval[i].contains(s1[i]),
            "S1[{i}] CI {:?}",
            s.first_order_interval[i]
        );
        assert!(
            s.total_interval[i].contains(st[i]),
            "ST[{i}] CI {:?}",
            s.total_interval[i]
        );
        assert!(s.first_order_interval[i].low < s.first_order_interval[i].high);
    }
    assert_eq!(s.base_samples, n);
    assert_eq!(s.resamples_used, RESAMPLES);
}

#[test]
fn g_function_sobol_indices_at_n4096_match_analytic_values() {
    let a = [78.0, 12.0, 0.5, 2.0, 97.0, 33.0];
    let k = a.len();
    let n = 4096;
    // Analytic values (Saltelli & Sobol' 1995): V_i = 1 / (3 (1 + a_i)^2),
    // V = prod(1 + V_i) - 1, S_i = V_i / V, ST_i = V_i prod_{j != i}(1 + V_j) / V.
    let vi: Vec<f64> = a
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0f64 + ai).powi(2)))
        .collect();
    let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
    let s1: Vec<f64> = vi.iter().map(|x| x / v).collect();
    let st: Vec<f64> = (0..k)
        .map(|i| {
            let others: f64 = (0..k).filter(|&j| j != i).map(|j| 1.0 + vi[j]).product();
            vi[i] * others / v
        })
        .collect();
    // Sanity against the rounded values in the reference notes.
    for (got, want) in s1
        .iter()
        .zip([0.0003, 0.0102, 0.7657, 0.1914, 0.0002, 0.0015])
    {
        assert!((got - want).abs() < 1e-4);
    }
    let lib = g_function_analytic(&a);
    for i in 0..k {
        assert!((lib.first_order[i] - s1[i]).abs() < 1e-12);
        assert!((lib.total[i] - st[i]).abs() < 1e-12);
    }

    let design = saltelli_design(n, k, 7).unwrap();
    let y = evaluate(&design, |x| g_function(x, &a));
    let s = sobol_indices(&y, k, RESAMPLES, 7).unwrap();
    eprintln!("G N=4096: S1 = {:?}\n  ST = {:?}", s.first_order, s.total);
    assert!(
        (s.variance - v).abs() < 0.02 * v,
        "V = {} vs {v}",
        s.variance
    );
    for i in 0..k {
        // SALib's tolerance: atol 0.01.
        assert!(
            (s.first_order[i] - s1[i]).abs() < 0.01,
            "S1[{i}] = {}",
            s.first_order[i]
        );
        assert!(
            (s.total[i] - st[i]).abs() < 0.01,
            "ST[{i}] = {}",
            s.total[i]
        );
        assert!(
            s.first_order_interval[i].contains(s1[i]),
            "S1[{i}] CI {:?}",
            s.first_order_interval[i]
        );
        assert!(
            s.total_interval[i].contains(st[i]),
            "ST[{i}] CI {:?}",
            s.total_interval[i]
        );
    }
}

/// How often the 95% bootstrap intervals of `replicates` independent
/// designs of `n` base samples (seeds `0..replicates`, 1,000 resamples as a
/// sweep uses) contain the true indices: `[S1 coverage, ST coverage]`.
fn coverage(
    n: usize,
    replicates: u64,
    k: usize,
    f: impl Fn(&[f64]) -> f64,
    s1: &[f64],
    st: &[f64],
) -> [f64; 2] {
    let mut hits = [0usize; 2];
    for seed in 0..replicates {
        let d = saltelli_design(n, k, seed).unwrap();
        let y = evaluate(&d, &f);
        let s = sobol_indices(&y, k, 1000, 1_000_000 + seed).unwrap();
        for i in 0..k {
            hits[0] += usize::from(s.first_order_interval[i].contains(s1[i]));
            hits[1] += usize::from(s.total_interval[i].contains(st[i]));
        }
    }
    hits.map(|h| h as f64 / (replicates as usize * k) as f64)
}

/// The G function's coefficients in the coverage tests (two important
/// inputs, two minor ones, two that do nothing).
const G_COVERAGE: [f64; 6] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];

/// At the base sample size a sweep accepts without a warning
/// (`MIN_BASE_SAMPLES`), the 95% intervals cover the analytic indices at
/// least at their nominal rate: over 200 scrambled designs (fixed seeds), each
/// of S1 and ST of Ishigami (600 intervals) and of the G function (1,200) is
/// covered at least 95% of the time less three binomial standard errors.
#[test]
fn bootstrap_intervals_cover_the_true_indices_at_the_accepted_n() {
    let n = escalate::sensitivity::sobol::MIN_BASE_SAMPLES;
    let (_, s1, st) = ishigami_reference();
    let ishigami = coverage(n, 200, 3, ishigami_unit, &s1, &st);
    let g = g_function_analytic(&G_COVERAGE);
    let gf = coverage(
        n,
        200,
        6,
        |x| g_function(x, &G_COVERAGE),
        &g.first_order,
        &g.total,
    );
    eprintln!("coverage at N = {n}: Ishigami {ishigami:?}, G {gf:?}");
    let floor = |intervals: f64| 0.95 - 3.0 * (0.95 * 0.05 / intervals).sqrt();
    for c in ishigami {
        assert!(c >= floor(600.0), "Ishigami coverage {ishigami:?}");
    }
    for c in gf {
        assert!(c >= floor(1200.0), "G coverage {gf:?}");
    }
}

/// Below it (N = 16) they do not: the same 200 designs cover less than 93%
/// of the time, which is why a sweep of that size is warned about.
#[test]
fn bootstrap_intervals_undercover_below_the_accepted_n() {
    let (_, s1, st) = ishigami_reference();
    let [a, b] = coverage(16, 200, 3, ishigami_unit, &s1, &st);
    let g = g_function_analytic(&G_COVERAGE);
    let [c, d] = coverage(
        16,
        200,
        6,
        |x| g_function(x, &G_COVERAGE),
        &g.first_order,
        &g.total,
    );
    let all = (3.0 * (a + b) + 6.0 * (c + d)) / 18.0;
    eprintln!("coverage at N = 16: Ishigami [{a}, {b}], G [{c}, {d}], all {all}");
    assert!(all < 0.93, "{all}");
}

#[test]
fn saltelli_design_layout_is_a_b_then_ab_blocks() {
    let (n, k) = (16, 4);
    let d = saltelli_design(n, k, 11).unwrap();
    assert_eq!(d.len(), n * (k + 2));
    // Base row j is scrambled Sobol point j (none skipped): A its first k
    // coordinates, B its last k.
    let seq = SobolSequence::scrambled_points(2 * k, n, 11).unwrap();
    for j in 0..n {
        assert_eq!(d[j].as_slice(), &seq[j][..k]);
        assert_eq!(d[n + j].as_slice(), &seq[j][k..]);
        for i in 0..k {
            let ab = &d[(2 + i) * n + j];
            for c in 0..k {
                let want = if c == i { d[n + j][c] } else { d[j][c] };
                assert_eq!(ab[c], want);
            }
        }
    }
    assert!(d.iter().flatten().all(|v| (0.0..1.0).contains(v)));
}

#[test]
fn morris_linear_model_effects_equal_coefficient_times_range() {
    // f(x) = sum c_i x_i on real ranges [lo_i, hi_i]: every elementary effect
    // with a unit-scale delta is c_i (hi_i - lo_i), so mu = mu* (up to sign)
    // and sigma = 0 (Morris 1991).
    let c = [2.0, -3.0, 0.5, 0.0];
    let lo = [0.0, -1.0, 10.0, 5.0];
    let hi = [1.0, 3.0, 20.0, 6.0];
    let k = c.len();
    for (levels, seed) in [(4, 1u64), (6, 2), (3, 3), (2, 4)] {
        let unit = morris_design(20, k, levels, seed).unwrap();
        let real = scale_design(&unit, &lo, &hi).unwrap();
        let y = evaluate(&real, |x| x.iter().zip(&c).map(|(a, b)| a * b).sum());
        let m = morris_indices(&unit, &y, k).unwrap();
        assert_eq!(m.trajectories, 20);
        for i in 0..k {
            let expected = c[i] * (hi[i] - lo[i]);
            for ee in &m.elementary_effects[i] {
                assert!(
                    (ee - expected).abs() < 1e-9,
                    "p = {levels}, input {i}: {ee}"
                );
            }
            assert!((m.mu[i] - expected).abs() < 1e-9);
            assert!((m.mu_star[i] - expected.abs()).abs() < 1e-9);
            assert!(m.sigma[i] < 1e-9, "sigma[{i}] = {}", m.sigma[i]);
        }
    }
}

#[test]
fn morris_ishigami_x2_effects_are_exactly_7_875_for_any_seed() {
    // With 4 levels, delta = 2/3 and x2 moves between -pi <-> pi/3 or
    // -pi/3 <-> pi, so every elementary effect of x2 is
    // +-7 * (3/4) / (2/3) = +-7.875 (reference notes; Ishigami & Homma 1990).
    assert!((morris_delta(4) - 2.0 / 3.0).abs() < 1e-15);
    for seed in [0u64, 1, 2, 42, 2024, 987_654_321] {
        let d = morris_design(30, 3, 4, seed).unwrap();
        let y = evaluate(&d, ishigami_unit);
        let m = morris_indices(&d, &y, 3).unwrap();
        for ee in &m.elementary_effects[1] {
            assert!((ee.abs() - 7.875).abs() < 1e-9, "seed {seed}: {ee}");
        }
        assert!(
            (m.mu_star[1] - 7.875).abs() < 1e-9,
            "seed {seed}: {}",
            m.mu_star[1]
        );
        // x3 has zero first-order index but a clearly non-zero mu*: it acts
        // through the x1-x3 interaction only.
        assert!(
            m.mu_star[2] > 1.0,
            "seed {seed}: mu*[x3] = {}",
            m.mu_star[2]
        );
        eprintln!("seed {seed}: mu* = {:?}, sigma = {:?}", m.mu_star, m.sigma);
    }
}

#[test]
fn src_recovers_standardized_coefficients_of_a_linear_model() {
    // y = c + sum b_i x_i: SRC_i = b_i sd(x_i) / sd(y) (Saltelli, Chan & Scott
    // 2000, ch. 6). For independent inputs sd(y)^2 = sum_j b_j^2 sd(x_j)^2, so
    // SRC_i = b_i sd_i / sqrt(sum_j b_j^2 sd_j^2) with, on [lo, hi],
    // sd_i = (hi - lo) / sqrt(12) for uniform inputs and
    // sd_i = (hi - lo) sqrt((L + 1) / (12 (L - 1))) for L equally spaced grid
    // levels.
    let b = [2.0, -1.0, 0.5, 0.0];
    let lo = [0.0, 0.0, -1.0, 3.0];
    let hi = [1.0, 4.0, 1.0, 4.0];
    let levels = [5usize, 4, 3, 6];
    let analytic = |sd: &dyn Fn(usize) -> f64| -> Vec<f64> {
        let norm = (0..4).map(|j| (b[j] * sd(j)).powi(2)).sum::<f64>().sqrt();
        (0..4).map(|i| b[i] * sd(i) / norm).collect()
    };
    let uniform = analytic(&|i| (hi[i] - lo[i]) / 12f64.sqrt());
    let grid_sd = analytic(&|i| {
        let l = levels[i] as f64;
        (hi[i] - lo[i]) * ((l + 1.0) / (12.0 * (l - 1.0))).sqrt()
    });

    let lhs = scale_design(&latin_hypercube(1000, 4, 99).unwrap(), &lo, &hi).unwrap();
    let grid = scale_design(&grid_design(&levels).unwrap(), &lo, &hi).unwrap();
    // The grid's columns are exactly orthogonal, so its SRC equals the
    // closed form to rounding; a random LHS has spurious input correlations of
    // order 1/sqrt(n) (about 0.03 at n = 1000), hence the looser tolerance.
    for (name, x, want, tol) in [("LHS", lhs, uniform, 0.03), ("grid", grid, grid_sd, 1e-9)] {
        let y: Vec<f64> = x
            .iter()
            .map(|r| r.iter().zip(&b).map(|(p, q)| p * q).sum::<f64>() + 7.0)
            .collect();
        let s = src(&x, &y).unwrap();
        assert!(
            (s.r_squared - 1.0).abs() < 1e-9,
            "{name}: R^2 = {}",
            s.r_squared
        );
        // Exactly b_i sd(x_i) / sd(y) on the sample itself.
        let ss = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>().sqrt()
        };
        let sy = ss(&y);
        for i in 0..4 {
            let col: Vec<f64> = x.iter().map(|r| r[i]).collect();
            assert!(
                (s.coefficients[i] - b[i] * ss(&col) / sy).abs() < 1e-9,
                "{name} {i}"
            );
            assert!(
                (s.coefficients[i] - want[i]).abs() < tol,
                "{name} {i}: {} vs {}",
                s.coefficients[i],
                want[i]
            );
        }
        eprintln!(
            "{name}: SRC = {:?} (closed form {:?})",
            s.coefficients, want
        );
    }
}

#[test]
fn prcc_of_monotone_input_is_near_one_and_of_unused_input_near_zero() {
    // y = exp(3 x0) + x1 (x2 unused): x0 acts monotonically but non-linearly.
    for (name, x) in [
        ("LHS", latin_hypercube(500, 3, 5).unwrap()),
        ("grid", grid_design(&[10, 10, 5]).unwrap()),
    ] {
        let y: Vec<f64> = x.iter().map(|r| (3.0 * r[0]).exp() + r[1]).collect();
        let p = prcc(&x, &y).unwrap();
        eprintln!("{name}: PRCC = {:?}", p.coefficients);
        assert!(p.coefficients[0] > 0.95, "{name}: {:?}", p.coefficients);
        assert!(p.coefficients[1] > 0.5, "{name}: {:?}", p.coefficients);
        assert!(
            p.coefficients[2].abs() < 0.1,
            "{name}: {:?}",
            p.coefficients
        );
    }
    // One input: PRCC is Spearman's rho, exactly 1 for a monotone function.
    let x: Vec<Vec<f64>> = (0..20).map(|j| vec![j as f64 / 19.0]).collect();
    let y: Vec<f64> = x.iter().map(|r| r[0].powi(5)).collect();
    assert!((prcc(&x, &y).unwrap().coefficients[0] - 1.0).abs() < 1e-12);
}

#[test]
fn same_seed_gives_bitwise_identical_designs_and_indices() {
    let a = latin_hypercube(64, 5, 31337).unwrap();
    let b = latin_hypercube(64, 5, 31337).unwrap();
    assert_eq!(bits(&a), bits(&b));
    let c = latin_hypercube(64, 5, 31338).unwrap();
    assert_ne!(bits(&a), bits(&c));

    let m1 = morris_design(10, 4, 4, 8).unwrap();
    assert_eq!(bits(&m1), bits(&morris_design(10, 4, 4, 8).unwrap()));
    assert_ne!(bits(&m1), bits(&morris_design(10, 4, 4, 9).unwrap()));

    assert_eq!(
        bits(&saltelli_design(64, 3, 5).unwrap()),
        bits(&saltelli_design(64, 3, 5).unwrap())
    );
    assert_ne!(
        bits(&saltelli_design(64, 3, 5).unwrap()),
        bits(&saltelli_design(64, 3, 6).unwrap())
    );

    let d = saltelli_design(512, 3, 5).unwrap();
    let y = evaluate(&d, ishigami_unit);
    let s1 = sobol_indices(&y, 3, 100, 77).unwrap();
    let s2 = sobol_indices(&y, 3, 100, 77).unwrap();
    assert_eq!(index_bits(&s1), index_bits(&s2));
    // Another bootstrap seed changes the intervals, not the point estimates.
    let s3 = sobol_indices(&y, 3, 100, 78).unwrap();
    assert_eq!(s1.first_order, s3.first_order);
    assert_eq!(s1.total, s3.total);
    assert_ne!(s1.first_order_interval, s3.first_order_interval);
}

#[test]
fn latin_hypercube_uses_every_stratum_once_per_input() {
    let (n, k) = (97, 6);
    let d = latin_hypercube(n, k, 3).unwrap();
    assert_eq!(d.len(), n);
    for i in 0..k {
        let mut seen = vec![false; n];
        for row in &d {
            assert_eq!(row.len(), k);
            assert!((0.0..1.0).contains(&row[i]));
            let s = (row[i] * n as f64) as usize;
            assert!(!seen[s], "input {i} stratum {s} used twice");
            seen[s] = true;
        }
    }
}

#[test]
fn grid_enumerates_all_level_combinations() {
    let g = grid_design(&[3, 2, 4]).unwrap();
    assert_eq!(g.len(), 24);
    assert_eq!(g[0], vec![0.0, 0.0, 0.0]);
    assert_eq!(g[1], vec![0.0, 0.0, 1.0 / 3.0]);
    assert_eq!(g[23], vec![1.0, 1.0, 1.0]);
    let mut distinct: Vec<Vec<u64>> = bits(&g);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 24);
}

#[test]
fn scale_maps_unit_values_to_ranges() {
    assert_eq!(scale(0.0, -2.0, 6.0), -2.0);
    assert_eq!(scale(0.25, -2.0, 6.0), 0.0);
    assert_eq!(scale(1.0, -2.0, 6.0), 6.0);
    let d = scale_design(&[vec![0.5, 1.0]], &[0.0, 10.0], &[2.0, 20.0]).unwrap();
    assert_eq!(d, vec![vec![1.0, 20.0]]);
    assert!(matches!(
        scale_design(&[vec![0.5, 1.0]], &[0.0, 10.0], &[2.0, 5.0]),
        Err(SensitivityError::InvalidBounds { input: 1, .. })
    ));
    assert!(matches!(
        scale_design(&[vec![0.5]], &[0.0, 10.0], &[2.0, 20.0]),
        Err(SensitivityError::LengthMismatch { .. })
    ));
}

#[test]
fn bad_arguments_return_typed_errors() {
    use SensitivityError as E;
    assert_eq!(grid_design(&[]).unwrap_err(), E::NoInputs);
    assert_eq!(
        grid_design(&[3, 1]).unwrap_err(),
        E::TooFewLevels {
            input: 1,
            levels: 1
        }
    );
    assert!(matches!(
        grid_design(&[2; 30]),
        Err(E::DesignTooLarge {
            max: MAX_DESIGN_POINTS
        })
    ));
    assert_eq!(latin_hypercube(10, 0, 1).unwrap_err(), E::NoInputs);
    assert!(matches!(
        latin_hypercube(0, 3, 1),
        Err(E::TooFewSamples { .. })
    ));
    assert_eq!(saltelli_design(8, 0, 1).unwrap_err(), E::NoInputs);
    assert!(matches!(
        saltelli_design(0, 3, 1),
        Err(E::TooFewSamples { .. })
    ));
    assert!(matches!(
        saltelli_design(8, 200, 1),
        Err(E::TooManyDimensions { .. })
    ));
    assert_eq!(morris_design(10, 0, 4, 1).unwrap_err(), E::NoInputs);
    assert_eq!(
        morris_design(10, 3, 1, 1).unwrap_err(),
        E::TooFewLevels {
            input: 0,
            levels: 1
        }
    );
    assert!(matches!(
        morris_design(1, 3, 4, 1),
        Err(E::TooFewSamples { .. })
    ));
    assert!(matches!(
        sobol_indices(&[], 3, 10, 1),
        Err(E::LengthMismatch { .. })
    ));
    assert_eq!(sobol_indices(&[1.0; 5], 0, 10, 1).unwrap_err(), E::NoInputs);
    assert!(matches!(
        sobol_indices(&[2.0; 10], 3, 10, 1),
        Err(E::ZeroVariance { .. })
    ));
    let d = morris_design(4, 2, 4, 1).unwrap();
    assert!(matches!(
        morris_indices(&d, &[0.0; 3], 2),
        Err(E::LengthMismatch { .. })
    ));
    assert!(matches!(
        morris_indices(&d[..8], &[0.0; 8], 2),
        Err(E::LengthMismatch { .. })
    ));
    assert_eq!(morris_indices(&d, &[0.0; 12], 0).unwrap_err(), E::NoInputs);
    let mut y = vec![0.0; 12];
    y[4] = f64::INFINITY;
    assert!(matches!(
        morris_indices(&d, &y, 2),
        Err(E::NonFinite { index: 4, .. })
    ));
    assert_eq!(src(&[], &[]).unwrap_err(), E::NoInputs);
    let x: Vec<Vec<f64>> = (0..10).map(|j| vec![j as f64, 1.0]).collect();
    let good: Vec<Vec<f64>> = (0..10).map(|j| vec![j as f64, (j * j) as f64]).collect();
    assert_eq!(
        src(&good, &[1.0; 10]).unwrap_err(),
        E::ZeroVariance {
            what: "model output"
        }
    );
    let y: Vec<f64> = (0..10).map(|j| j as f64).collect();
    assert_eq!(src(&x, &y).unwrap_err(), E::SingularDesign { input: 1 });
    assert!(matches!(
        prcc(&x[..3], &y[..3]),
        Err(E::TooFewSamples { .. })
    ));
    assert!(matches!(prcc(&x, &y[..9]), Err(E::LengthMismatch { .. })));
}

#[test]
fn results_serialize_to_json() {
    let d = saltelli_design(64, 2, 1).unwrap();
    let y = evaluate(&d, |x| x[0] + 3.0 * x[1] * x[1]);
    let s = sobol_indices(&y, 2, 20, 1).unwrap();
    let json = serde_json::to_value(&s).unwrap();
    for key in [
        "first_order",
        "first_order_interval",
        "total",
        "total_interval",
        "variance",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(
        json["first_order_interval"][0].as_object().unwrap().len(),
        2
    );
    let m = morris_indices(
        &morris_design(4, 2, 4, 1).unwrap(),
        &[0.0, 1.0, 2.0, 0.0, 1.0, 3.0, 1.0, 2.0, 0.0, 5.0, 2.0, 1.0],
        2,
    )
    .unwrap();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["mu_star"].as_array().unwrap().len(), 2);
}
