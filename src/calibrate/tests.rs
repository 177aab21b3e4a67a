//! ABC-SMC on models whose posterior is known in closed form, simulation-based
//! calibration, and the determinism and resume guarantees.
//!
//! References for the exact posteriors: the Gamma-Poisson and Normal-Normal
//! conjugate pairs (Gelman, Carlin, Stern, Dunson, Vehtari & Rubin, Bayesian
//! Data Analysis, 3rd ed., 2013, sections 2.6 and 2.5).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{Distribution, Gamma, Normal, Poisson};
use rayon::prelude::*;

use super::abc::{AbcConfig, AbcState, Particle, Simulator, Stop, run};
use super::distance::{Observation, standardised_distance, trial_mean};
use super::keys::simulation_rng;
use super::prior::{Prior, PriorDensity};
use crate::core::quantile::unit;
use crate::core::special::{chi_square_sf, ln_gamma};

/// Counts y_1..y_n ~ Poisson(λ): simulate n counts, summary = their mean.
struct PoissonCounts {
    seed: u64,
    n: usize,
    observed: Observation,
}

impl Simulator for PoissonCounts {
    fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64> {
        particles
            .par_iter()
            .map(|p| {
                let mut rng = simulation_rng(self.seed, generation, p.index);
                let d = Poisson::new(p.theta[0]).unwrap();
                let ys: Vec<f64> = (0..self.n).map(|_| d.sample(&mut rng)).collect();
                standardised_distance(&[trial_mean(&ys)], &[self.observed])
            })
            .collect()
    }
}

/// y_1..y_n ~ Normal(θ, σ²), σ known: summary = the sample mean, distance
/// in standard errors; `noise` adds nothing here (the observation carries it).
struct NormalMean {
    seed: u64,
    n: usize,
    sigma: f64,
    observed: Observation,
}

impl Simulator for NormalMean {
    fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64> {
        particles
            .par_iter()
            .map(|p| {
                let mut rng = simulation_rng(self.seed, generation, p.index);
                let d = Normal::new(p.theta[0], self.sigma).unwrap();
                let ys: Vec<f64> = (0..self.n).map(|_| d.sample(&mut rng)).collect();
                standardised_distance(&[trial_mean(&ys)], &[self.observed])
            })
            .collect()
    }
}

/// Gamma(shape a, rate b): not in the scenario syntax, so the test's own prior.
struct GammaPrior {
    a: f64,
    b: f64,
}

impl PriorDensity for GammaPrior {
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        Gamma::new(self.a, 1.0 / self.b).unwrap().sample(rng)
    }
    fn log_pdf(&self, x: f64) -> f64 {
        if x > 0.0 && x.is_finite() {
            self.a * self.b.ln() - ln_gamma(self.a) + (self.a - 1.0) * x.ln() - self.b * x
        } else {
            f64::NEG_INFINITY
        }
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Gamma(2, 0.5) prior on a Poisson rate, 20 counts with Σy = 84: the exact
/// posterior is Gamma(2 + 84, 0.5 + 20), mean 4.19512, sd 0.45237. The sample
/// mean is sufficient, and the distance takes values in steps of 1/(20·se),
/// so the tolerances fall to a few steps and ABC is nearly exact.
/// Tolerances: mean within 2%, sd within 10% (Monte Carlo error with N = 1000
/// and ESS > 300 is about 0.5% and 4%).
#[test]
fn abc_smc_recovers_the_gamma_poisson_posterior() {
    let y = [3, 5, 4, 2, 6, 4, 3, 7, 5, 4, 2, 3, 6, 4, 5, 3, 4, 5, 6, 3];
    let (n, sum) = (y.len(), y.iter().sum::<u32>() as f64);
    assert_eq!(sum, 84.0);
    let (a, b) = (2.0, 0.5);
    let (post_a, post_b) = (a + sum, b + n as f64);
    let (exact_mean, exact_sd) = (post_a / post_b, post_a.sqrt() / post_b);
    let ybar = sum / n as f64;
    let sim = PoissonCounts {
        seed: 42,
        n,
        observed: Observation {
            value: ybar,
            sd: (ybar / n as f64).sqrt(),
        },
    };
    let mut cfg = AbcConfig::new(42, 1000);
    cfg.max_generations = 10;
    let mut state = AbcState::new(cfg, 1).unwrap();
    let stop = run(&mut state, &[GammaPrior { a, b }], &sim, 256, |_| {}).unwrap();
    let last = state.last().unwrap();
    let (mean, sd) = (last.mean()[0], last.sd()[0]);
    eprintln!(
        "gamma-poisson: stop {stop:?}, {} generations, final tolerance {}, acceptance {:.4}, ESS {:.0}; \
         mean {mean:.5} vs {exact_mean:.5} ({:.2}%), sd {sd:.5} vs {exact_sd:.5} ({:.2}%)",
        state.generations.len(),
        last.tolerance,
        last.acceptance_rate,
        last.ess,
        100.0 * rel(mean, exact_mean),
        100.0 * rel(sd, exact_sd),
    );
    assert!(last.ess > 300.0, "ESS {}", last.ess);
    assert!(rel(mean, exact_mean) < 0.02, "mean {mean} vs {exact_mean}");
    assert!(rel(sd, exact_sd) < 0.10, "sd {sd} vs {exact_sd}");
    // Tolerances never increase; generation 0 accepts everything.
    assert_eq!(state.generations[0].tolerance, f64::INFINITY);
    for w in state.generations.windows(2) {
        assert!(w[1].tolerance <= w[0].tolerance);
    }
}

/// Normal(0, 2²) prior (scenario syntax) on the mean of 10 draws with σ = 1,
/// ȳ = 1.3: exact posterior Normal(13/10.25, 1/10.25) = mean 1.26829, sd
/// 0.31235. Final tolerance 0.1 standard errors adds (0.1·se)²/3 to the
/// variance (+0.2% on sd). Tolerances: |mean error| < 0.1 sd, sd within 10%.
#[test]
fn abc_smc_recovers_the_normal_mean_posterior() {
    let (n, sigma, ybar) = (10usize, 1.0, 1.3);
    let se = sigma / (n as f64).sqrt();
    let (mu0, tau0): (f64, f64) = (0.0, 2.0);
    let precision = 1.0 / tau0.powi(2) + n as f64 / sigma.powi(2);
    let exact_mean = (mu0 / tau0.powi(2) + n as f64 * ybar / sigma.powi(2)) / precision;
    let exact_sd = 1.0 / precision.sqrt();
    let sim = NormalMean {
        seed: 7,
        n,
        sigma,
        observed: Observation {
            value: ybar,
            sd: se,
        },
    };
    let mut cfg = AbcConfig::new(7, 1000);
    cfg.max_generations = 20;
    cfg.min_tolerance = 0.1;
    let mut state = AbcState::new(cfg, 1).unwrap();
    let prior = Prior::parse("Normal(0, 2)").unwrap();
    let stop = run(&mut state, &[prior], &sim, 500, |_| {}).unwrap();
    assert_eq!(stop, Stop::Tolerance);
    let last = state.last().unwrap();
    assert_eq!(last.tolerance, 0.1);
    let (mean, sd) = (last.mean()[0], last.sd()[0]);
    eprintln!(
        "normal mean: {} generations, tolerances {:?}, final acceptance {:.4}, ESS {:.0}; \
         mean {mean:.5} vs {exact_mean:.5} ({:.3} sd), sd {sd:.5} vs {exact_sd:.5} ({:.2}%)",
        state.generations.len(),
        state
            .generations
            .iter()
            .map(|g| g.tolerance)
            .collect::<Vec<_>>(),
        last.acceptance_rate,
        last.ess,
        (mean - exact_mean) / exact_sd,
        100.0 * rel(sd, exact_sd),
    );
    assert!(
        (mean - exact_mean).abs() < 0.1 * exact_sd,
        "mean {mean} vs {exact_mean}"
    );
    assert!(rel(sd, exact_sd) < 0.10, "sd {sd} vs {exact_sd}");
}

/// Chi-square statistic of rank counts against the uniform.
fn chi_square(counts: &[u32]) -> f64 {
    let total: u32 = counts.iter().sum();
    let expected = f64::from(total) / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (f64::from(c) - expected).powi(2) / expected)
        .sum()
}

/// A draw from a weighted population (multinomial resampling).
fn resample(weights: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let u = unit(rng);
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

/// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman
/// 2018) of ABC-SMC on the normal-mean model.
///
/// Design. ABC at tolerance ε targets π(θ) P(|ȳ_sim - y| ≤ ε·se | θ), not the
/// exact posterior; an adaptive schedule ending at a data-dependent ε would
/// have no fixed target. So the final tolerance is pinned (ε_t = max(q_α, E)
/// and the run stops at E), and the data of each replication are drawn from
/// the model ABC targets exactly: y = ȳ* + E·se·U, U ~ Uniform(-1, 1)
/// (Wilkinson 2013: ABC is exact under this uniform model error). Then SBC is
/// uniform by construction if the sampler is correct, and the test checks the
/// sampler (kernel, weights, resampling), not the approximation.
///
/// L = 200 replications, θ* ~ Normal(0, 1), n = 10, σ = 1, E = 0.5, N = 300
/// particles, M = 19 draws resampled from the final population: ranks 0..=19
/// in 20 bins of expected count 10; chi-square with 19 df against the tabled
/// upper 1% point 36.191 (α = 0.01), seed 2018. A power check: draws from the
/// exact posterior of the same data with a 1.5× too-wide sd must fail it.
#[test]
fn simulation_based_calibration_ranks_are_uniform() {
    const L: u64 = 200;
    const M: usize = 19;
    const CRITICAL_19_DF_1PCT: f64 = 36.191;
    let (n, sigma, e) = (10usize, 1.0, 0.5);
    let se = sigma / (n as f64).sqrt();
    let prior = Prior::parse("Normal(0, 1)").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2018);
    let mut counts = [0u32; M + 1];
    let mut wide = [0u32; M + 1];
    let mut generations = 0;
    for l in 0..L {
        let theta = Normal::new(0.0, 1.0).unwrap().sample(&mut rng);
        let ybar_star = Normal::new(theta, se).unwrap().sample(&mut rng);
        let y = ybar_star + e * se * (2.0 * unit(&mut rng) - 1.0);
        let sim = NormalMean {
            seed: 1000 + l,
            n,
            sigma,
            observed: Observation { value: y, sd: se },
        };
        let mut cfg = AbcConfig::new(1000 + l, 300);
        cfg.max_generations = 30;
        cfg.min_tolerance = e;
        let mut state = AbcState::new(cfg, 1).unwrap();
        let stop = run(&mut state, std::slice::from_ref(&prior), &sim, 300, |_| {}).unwrap();
        assert_eq!(stop, Stop::Tolerance);
        generations += state.generations.len();
        let last = state.last().unwrap();
        assert_eq!(last.tolerance, e);
        let w: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
        let rank = (0..M)
            .filter(|_| last.particles[resample(&w, &mut rng)].theta[0] < theta)
            .count();
        counts[rank] += 1;
        // Power check: the exact posterior given ȳ = y (prior precision 1),
        // sd inflated 1.5×.
        let precision = 1.0 + 1.0 / (se * se);
        let (pm, psd) = (y / (se * se) / precision, 1.5 / precision.sqrt());
        let d = Normal::new(pm, psd).unwrap();
        let rank = (0..M).filter(|_| d.sample(&mut rng) < theta).count();
        wide[rank] += 1;
    }
    let (stat, stat_wide) = (chi_square(&counts), chi_square(&wide));
    let (p, p_wide) = (
        chi_square_sf(stat, M as f64),
        chi_square_sf(stat_wide, M as f64),
    );
    eprintln!(
        "SBC: {L} replications, {:.1} generations on average; ranks {counts:?}, chi2 {stat:.2} (19 df), p = {p:.4}; \
         1.5x too wide: ranks {wide:?}, chi2 {stat_wide:.2}, p = {p_wide:.2e}",
        generations as f64 / L as f64
    );
    assert!(stat < CRITICAL_19_DF_1PCT, "chi2 {stat}, p {p}: {counts:?}");
    assert!(
        stat_wide > CRITICAL_19_DF_1PCT,
        "power check: chi2 {stat_wide}"
    );
}

fn normal_case(seed: u64, particles: usize) -> (AbcConfig, NormalMean, Prior) {
    let mut cfg = AbcConfig::new(seed, particles);
    cfg.max_generations = 6;
    (
        cfg,
        NormalMean {
            seed,
            n: 10,
            sigma: 1.0,
            observed: Observation {
                value: 0.8,
                sd: 1.0 / 10f64.sqrt(),
            },
        },
        Prior::parse("Uniform(-1, 3)").unwrap(),
    )
}

/// The same seed gives the same generations, bit for bit, whatever the
/// batch size and the number of threads the simulator uses.
#[test]
fn generations_do_not_depend_on_batch_size_or_threads() {
    let (cfg, sim, prior) = normal_case(3, 200);
    let go = |batch: usize, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut s = AbcState::new(cfg.clone(), 1).unwrap();
            run(&mut s, std::slice::from_ref(&prior), &sim, batch, |_| {}).unwrap();
            s
        })
    };
    let reference = go(64, 1);
    assert_eq!(reference.generations.len(), 6);
    let json = serde_json::to_string(&reference).unwrap();
    for (batch, threads) in [(1, 1), (7, 2), (64, 2), (1000, 2), (100_000, 1)] {
        let other = go(batch, threads);
        assert_eq!(other, reference, "batch {batch}, threads {threads}");
        assert_eq!(serde_json::to_string(&other).unwrap(), json);
    }
    // Another seed gives other generations.
    let (cfg4, sim4, _) = normal_case(4, 200);
    let mut s = AbcState::new(cfg4, 1).unwrap();
    run(&mut s, std::slice::from_ref(&prior), &sim4, 64, |_| {}).unwrap();
    assert_ne!(s.generations[1], reference.generations[1]);
}

/// A calibration killed after any generation and resumed from its JSON
/// checkpoint finishes with the same bytes as one never interrupted.
#[test]
fn resuming_from_a_checkpoint_gives_identical_later_generations() {
    let (cfg, sim, prior) = normal_case(9, 150);
    let priors = std::slice::from_ref(&prior);
    let mut whole = AbcState::new(cfg.clone(), 1).unwrap();
    let mut checkpoints = Vec::new();
    run(&mut whole, priors, &sim, 50, |s| {
        checkpoints.push(serde_json::to_string(s).unwrap())
    })
    .unwrap();
    let final_json = serde_json::to_string(&whole).unwrap();
    assert_eq!(checkpoints.len(), whole.generations.len());
    for saved in &checkpoints {
        let mut resumed: AbcState = serde_json::from_str(saved).unwrap();
        run(&mut resumed, priors, &sim, 33, |_| {}).unwrap();
        assert_eq!(serde_json::to_string(&resumed).unwrap(), final_json);
    }
    // A finished state stays finished.
    let mut again: AbcState = serde_json::from_str(&final_json).unwrap();
    assert_eq!(
        run(&mut again, priors, &sim, 10, |_| {}).unwrap(),
        Stop::MaxGenerations
    );
    assert_eq!(serde_json::to_string(&again).unwrap(), final_json);
}

/// Proposals outside the prior's support are counted but never simulated;
/// the statistics of each generation are consistent.
#[test]
fn out_of_support_proposals_are_not_simulated_and_statistics_add_up() {
    /// Refuses to simulate outside the prior's support.
    struct Checked(NormalMean);
    impl Simulator for Checked {
        fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64> {
            for p in particles {
                assert!((0.8..=3.0).contains(&p.theta[0]), "simulated {:?}", p.theta);
            }
            self.0.distances(generation, particles)
        }
    }
    let (cfg, sim, _) = normal_case(5, 200);
    // A prior whose edge is inside the posterior's bulk, so the kernel crosses it.
    let prior = Prior::parse("Uniform(0.8, 3)").unwrap();
    let mut s = AbcState::new(cfg, 1).unwrap();
    run(&mut s, &[prior], &Checked(sim), 64, |_| {}).unwrap();
    let later = &s.generations[1..];
    assert!(later.iter().any(|g| g.simulated < g.proposed));
    for g in &s.generations {
        assert_eq!(g.particles.len() as u64, g.accepted);
        assert_eq!(g.acceptance_rate, g.accepted as f64 / g.proposed as f64);
        let total: f64 = g.particles.iter().map(|p| p.weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!(g.ess > 1.0 && g.ess <= g.accepted as f64 + 1e-9);
        assert!(g.particles.iter().all(|p| p.distance <= g.tolerance));
        assert!(g.particles.windows(2).all(|w| w[0].index < w[1].index));
    }
}

/// A generation that would need more than N / floor proposals is abandoned,
/// and the reason is recorded.
#[test]
fn the_acceptance_floor_stops_the_run() {
    let (mut cfg, sim, prior) = normal_case(6, 100);
    cfg.quantile = 0.05;
    cfg.max_generations = 30;
    cfg.min_acceptance = 0.2;
    let mut s = AbcState::new(cfg, 1).unwrap();
    let stop = run(&mut s, &[prior], &sim, 64, |_| {}).unwrap();
    match stop {
        Stop::AcceptanceFloor {
            generation,
            proposed,
            accepted,
            ..
        } => {
            assert_eq!(generation as usize, s.generations.len());
            assert_eq!(proposed, 500);
            assert!(accepted < 100);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.generations.iter().all(|g| g.acceptance_rate >= 0.2));
    assert!(AbcState::new(AbcConfig::new(1, 1), 1).is_err());
    let mut bad = AbcConfig::new(1, 10);
    bad.quantile = 0.0;
    assert!(AbcState::new(bad, 1).is_err());
}

/// With a distance that never discriminates (always 1), every generation's
/// target is the prior itself: the importance weights must undo the kernel's
/// spreading generation after generation. Beta(2, 5) on [0, 10] (scenario
/// syntax) has mean 20/7 = 2.857 and sd sqrt(100·10/(49·8)) = 1.597; after 6
/// generations of N = 2000 the weighted mean is within 0.1 sd and the sd
/// within 5%. (Unweighted, the kernel's 2Σ would inflate the variance about
/// threefold per generation, truncated by the support.)
#[test]
fn weights_keep_the_prior_when_the_data_say_nothing() {
    struct Indifferent;
    impl Simulator for Indifferent {
        fn distances(&self, _: u32, particles: &[Particle]) -> Vec<f64> {
            vec![1.0; particles.len()]
        }
    }
    let mut cfg = AbcConfig::new(17, 2000);
    cfg.max_generations = 6;
    let mut s = AbcState::new(cfg, 1).unwrap();
    let prior = Prior::parse("Beta(2, 5, 0, 10)").unwrap();
    run(&mut s, &[prior], &Indifferent, 512, |_| {}).unwrap();
    let last = s.last().unwrap();
    assert_eq!(last.index, 5);
    let (mean, sd) = (last.mean()[0], last.sd()[0]);
    let (exact_mean, exact_sd) = (20.0 / 7.0, (1000.0f64 / 392.0).sqrt());
    eprintln!(
        "prior kept: mean {mean:.4} vs {exact_mean:.4}, sd {sd:.4} vs {exact_sd:.4}, ESS {:.0}",
        last.ess
    );
    assert!((mean - exact_mean).abs() < 0.1 * exact_sd, "mean {mean}");
    assert!(rel(sd, exact_sd) < 0.05, "sd {sd}");
}

/// Two parameters, two records: ȳ_a of 10 draws of N(θ1, 1) and ȳ_b of 10
/// draws of N(θ1 + θ2, 1), priors Normal(0, 2) each. The exact posterior is
/// the Gaussian linear model's: precision P = I/4 + AᵀA/se² with A = [[1, 0],
/// [1, 1]], mean P⁻¹Aᵀz/se² (Gelman et al. 2013, section 14.2): θ1 and θ2
/// are strongly negatively correlated (ρ ≈ -0.70), so the kernel's full
/// covariance (its Cholesky factor) matters. Final tolerance 0.2 (RMS over
/// the two records, in standard errors: a disc of radius 0.28 se, adding
/// about 1% to the sds). Tolerances: means within 0.1 sd,
/// sds within 10%, correlation within 0.05.
#[test]
fn abc_smc_recovers_a_correlated_two_parameter_posterior() {
    struct Linear {
        seed: u64,
        observed: [Observation; 2],
    }
    impl Simulator for Linear {
        fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64> {
            particles
                .par_iter()
                .map(|p| {
                    let mut rng = simulation_rng(self.seed, generation, p.index);
                    let mut mean_of = |m: f64| {
                        let d = Normal::new(m, 1.0).unwrap();
                        trial_mean(&(0..10).map(|_| d.sample(&mut rng)).collect::<Vec<_>>())
                    };
                    let a = mean_of(p.theta[0]);
                    let b = mean_of(p.theta[0] + p.theta[1]);
                    standardised_distance(&[a, b], &self.observed)
                })
                .collect()
        }
    }
    let se = 1.0 / 10f64.sqrt();
    let z = [0.6, 1.5];
    let s2 = se * se;
    // P = [[1/4 + 2/s2, 1/s2], [1/s2, 1/4 + 1/s2]]; Aᵀz = [z0 + z1, z1].
    let (p11, p12, p22) = (0.25 + 2.0 / s2, 1.0 / s2, 0.25 + 1.0 / s2);
    let det = p11 * p22 - p12 * p12;
    let (c11, c12, c22) = (p22 / det, -p12 / det, p11 / det);
    let (r1, r2) = ((z[0] + z[1]) / s2, z[1] / s2);
    let exact_mean = [c11 * r1 + c12 * r2, c12 * r1 + c22 * r2];
    let exact_sd = [c11.sqrt(), c22.sqrt()];
    let exact_rho = c12 / (c11 * c22).sqrt();
    let sim = Linear {
        seed: 23,
        observed: z.map(|value| Observation { value, sd: se }),
    };
    let mut cfg = AbcConfig::new(23, 1000);
    cfg.max_generations = 20;
    cfg.min_tolerance = 0.2;
    let mut s = AbcState::new(cfg, 2).unwrap();
    let priors = [
        Prior::parse("Normal(0, 2)").unwrap(),
        Prior::parse("Normal(0, 2)").unwrap(),
    ];
    assert_eq!(
        run(&mut s, &priors, &sim, 500, |_| {}).unwrap(),
        Stop::Tolerance
    );
    let last = s.last().unwrap();
    let (mean, sd, cov) = (last.mean(), last.sd(), last.covariance());
    let rho = cov[1] / (sd[0] * sd[1]);
    eprintln!(
        "two parameters: {} generations, ESS {:.0}, acceptance {:.4}; mean {mean:?} vs {exact_mean:?}, \
         sd {sd:?} vs {exact_sd:?}, rho {rho:.3} vs {exact_rho:.3}",
        s.generations.len(),
        last.ess,
        last.acceptance_rate
    );
    for k in 0..2 {
        assert!(
            (mean[k] - exact_mean[k]).abs() < 0.1 * exact_sd[k],
            "mean {k}"
        );
        assert!(rel(sd[k], exact_sd[k]) < 0.10, "sd {k}");
    }
    assert!((rho - exact_rho).abs() < 0.05, "rho {rho} vs {exact_rho}");
}
