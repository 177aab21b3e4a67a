//! ABC-SMC: approximate Bayesian computation by population Monte Carlo with
//! adaptive tolerances (Beaumont, Cornuet, Marin & Robert 2009; Toni, Welch,
//! Strelkowa, Ipsen & Stumpf 2009), a multivariate normal perturbation kernel
//! with twice the previous population's weighted covariance (Beaumont et al.
//! 2009; Filippi, Barnes, Cornebise & Stumpf 2013 discuss this and better
//! kernels) and importance weights w_i ∝ π(θ_i) / Σ_j w_j K(θ_i | θ_j).
//!
//! The algorithm is generic over the [`Simulator`] (which maps proposed
//! parameters to distances from the observations) and the prior
//! ([`PriorDensity`]), so it runs on closed-form models in tests and on the
//! engine in `calibrate`. See docs/calibration-method.md.
//!
//! Determinism: proposal `j` of generation `t` draws only from
//! [`keys::proposal_rng`]`(seed, t, j)` and is simulated from
//! [`keys::simulation_rng`]`(seed, t, j)` (the simulator's contract);
//! acceptance is decided in proposal order and the generation ends at the
//! proposal that brings the N-th acceptance, so the accepted set does not
//! depend on the batch size or on threads. Every reduction (covariance,
//! weights, quantiles) runs in a fixed order. A finished generation is a
//! [`Generation`]; [`AbcState`] holds them and [`step`] runs the next (through
//! [`GenerationRun`], which a generation spread over processes drives too), so a
//! caller can checkpoint after every generation and resume with identical
//! later generations (the state's serde form keeps every float's bits, see
//! [`super::exact`]).

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::exact;
use super::keys;
use super::prior::PriorDensity;
use crate::core::quantile::unit;

/// A proposal to simulate: its number within the generation and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// The proposal's number within its generation (the stream number of its
    /// generators, see [`keys`]).
    pub index: u64,
    /// Parameter values, one per prior.
    pub theta: Vec<f64>,
}

/// Maps proposals to distances from the observations.
///
/// Contract: the distance of a particle depends only on (the run's seed,
/// `generation`, `particle.index`, `particle.theta`): draw its data from
/// [`keys::simulation_rng`] or runs seeded by [`keys::particle_seed`]. The
/// simulator may run the particles in parallel; it returns one distance per
/// particle, in the order given. A non-finite distance is never accepted.
pub trait Simulator: Sync {
    /// The distance of every particle of `particles`, in order.
    fn distances(&self, generation: u32, particles: &[Particle]) -> Vec<f64>;
}

/// Settings of a calibration (what, together with the priors and the
/// simulator, fixes its results; the batch size does not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcConfig {
    /// Keys every stream.
    pub seed: u64,
    /// Accepted particles per generation (N).
    pub particles: usize,
    /// ε_t is this quantile of generation t-1's accepted distances (α).
    #[serde(with = "exact")]
    pub quantile: f64,
    /// At most this many generations (G), generation 0 included.
    pub max_generations: u32,
    /// The smallest tolerance (E): ε_t = max(quantile, E); the run stops
    /// after a generation at ε ≤ E.
    #[serde(with = "exact")]
    pub min_tolerance: f64,
    /// A generation that would need more than N / floor proposals is abandoned
    /// and the run stops (0: never).
    #[serde(with = "exact")]
    pub min_acceptance: f64,
}

impl AbcConfig {
    /// Defaults: α = 0.5, 10 generations, E = 0, acceptance floor 0.001.
    pub fn new(seed: u64, particles: usize) -> AbcConfig {
        AbcConfig {
            seed,
            particles,
            quantile: 0.5,
            max_generations: 10,
            min_tolerance: 0.0,
            min_acceptance: 0.001,
        }
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<(), AbcError> {
        let bad = |m: String| Err(AbcError::Config(m));
        if self.particles < 2 {
            return bad(format!("{} particles: need at least 2", self.particles));
        }
        if !(self.quantile > 0.0 && self.quantile <= 1.0) {
            return bad(format!("quantile {} must be in (0, 1]", self.quantile));
        }
        if self.max_generations == 0 {
            return bad("at least one generation".into());
        }
        if self.min_tolerance.is_nan() || self.min_tolerance < 0.0 {
            return bad(format!(
                "minimum tolerance {} must be >= 0",
                self.min_tolerance
            ));
        }
        if !(0.0..=1.0).contains(&self.min_acceptance) {
            return bad(format!(
                "acceptance floor {} must be in [0, 1]",
                self.min_acceptance
            ));
        }
        Ok(())
    }
}

/// One accepted particle of a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// Its proposal number within the generation.
    pub index: u64,
    /// Parameter values.
    #[serde(with = "exact::vec")]
    pub theta: Vec<f64>,
    /// Normalised importance weight.
    #[serde(with = "exact")]
    pub weight: f64,
    /// Its distance.
    #[serde(with = "exact")]
    pub distance: f64,
}

/// A finished generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// 0, 1, ...
    pub index: u32,
    /// ε_t (`inf` for generation 0, which accepts every finite distance).
    #[serde(with = "exact")]
    pub tolerance: f64,
    /// Proposals made, up to the one that brought the N-th acceptance
    /// (those outside the prior's support included).
    pub proposed: u64,
    /// Proposals simulated (inside the support).
    pub simulated: u64,
    /// Accepted particles (N).
    pub accepted: u64,
    /// accepted / proposed.
    #[serde(with = "exact")]
    pub acceptance_rate: f64,
    /// Effective sample size 1 / Σ w².
    #[serde(with = "exact")]
    pub ess: f64,
    /// The population, in proposal order.
    pub particles: Vec<Accepted>,
}

impl Generation {
    /// The weighted mean of each parameter.
    pub fn mean(&self) -> Vec<f64> {
        let d = self.particles.first().map_or(0, |p| p.theta.len());
        let mut m = vec![0.0; d];
        for p in &self.particles {
            for (mk, x) in m.iter_mut().zip(&p.theta) {
                *mk += p.weight * x;
            }
        }
        m
    }

    /// The weighted covariance (row-major d × d), Σ_i w_i (θ_i - m)(θ_i - m)ᵀ.
    pub fn covariance(&self) -> Vec<f64> {
        let m = self.mean();
        let d = m.len();
        let mut c = vec![0.0; d * d];
        for p in &self.particles {
            for a in 0..d {
                for b in 0..d {
                    c[a * d + b] += p.weight * (p.theta[a] - m[a]) * (p.theta[b] - m[b]);
                }
            }
        }
        c
    }

    /// The weighted standard deviation of each parameter.
    pub fn sd(&self) -> Vec<f64> {
        let c = self.covariance();
        let d = self.mean().len();
        (0..d).map(|k| c[k * d + k].sqrt()).collect()
    }

    /// The weighted p-quantile of parameter `k`: the smallest value whose
    /// cumulative weight (particles sorted by value, ties by index) reaches p.
    /// None for an empty population or `k` out of range.
    pub fn quantile(&self, k: usize, p: f64) -> Option<f64> {
        let mut v: Vec<(f64, f64)> = self
            .particles
            .iter()
            .map(|a| Some((*a.theta.get(k)?, a.weight)))
            .collect::<Option<_>>()?;
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut acc = 0.0;
        for &(x, w) in &v {
            acc += w;
            if acc >= p {
                return Some(x);
            }
        }
        v.last().map(|l| l.0)
    }
}

/// Why a calibration stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Stop {
    /// G generations ran.
    MaxGenerations,
    /// The last generation's tolerance reached E.
    Tolerance,
    /// A generation needed more proposals than N / floor and was abandoned.
    AcceptanceFloor {
        /// The abandoned generation.
        generation: u32,
        /// Its tolerance.
        #[serde(with = "exact")]
        tolerance: f64,
        /// Proposals made.
        proposed: u64,
        /// Accepted among them (fewer than N).
        accepted: u64,
    },
}

/// A calibration in progress: its settings and its finished generations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcState {
    /// Settings.
    pub config: AbcConfig,
    /// Number of parameters.
    pub dimension: usize,
    /// Finished generations, in order.
    pub generations: Vec<Generation>,
    /// Why it stopped, once it has.
    pub stopped: Option<Stop>,
}

impl AbcState {
    /// A calibration of `dimension` parameters that has not started.
    pub fn new(config: AbcConfig, dimension: usize) -> Result<AbcState, AbcError> {
        config.check()?;
        if dimension == 0 {
            return Err(AbcError::Config("no parameter to calibrate".into()));
        }
        Ok(AbcState {
            config,
            dimension,
            generations: Vec::new(),
            stopped: None,
        })
    }

    /// The last finished generation (the current posterior).
    pub fn last(&self) -> Option<&Generation> {
        self.generations.last()
    }
}

/// What [`step`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Finished this generation.
    Generation(u32),
    /// Nothing more to run.
    Stopped(Stop),
}

/// Errors of a calibration.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum AbcError {
    /// Bad settings.
    #[error("calibration settings: {0}")]
    #[diagnostic(code(escalate::calibrate::config))]
    Config(String),
    /// Priors and state disagree.
    #[error("{priors} priors for a calibration of {dimension} parameters")]
    #[diagnostic(code(escalate::calibrate::config))]
    Dimension {
        /// Priors given.
        priors: usize,
        /// Parameters of the state.
        dimension: usize,
    },
    /// The simulator returned the wrong number of distances.
    #[error("the simulator returned {got} distances for {expected} particles")]
    #[diagnostic(code(escalate::calibrate::simulator))]
    Distances {
        /// Particles given.
        expected: usize,
        /// Distances returned.
        got: usize,
    },
    /// Proposals recorded out of order.
    #[error("proposal {got} recorded where proposal {expected} comes next")]
    #[diagnostic(code(escalate::calibrate::order))]
    Order {
        /// The proposal that comes next.
        expected: u64,
        /// The one given.
        got: u64,
    },
    /// A generation finished before its N-th acceptance or its cap.
    #[error(
        "generation {generation} is not finished: {accepted} accepted after {decided} proposals"
    )]
    #[diagnostic(code(escalate::calibrate::unfinished))]
    Unfinished {
        /// The generation.
        generation: u32,
        /// Proposals decided.
        decided: u64,
        /// Particles accepted.
        accepted: u64,
    },
    /// The population's covariance is not positive definite.
    #[error(
        "generation {generation}'s particles do not spread in every parameter (covariance not positive definite)"
    )]
    #[diagnostic(
        code(escalate::calibrate::collapsed),
        help("use more particles, or a looser minimum tolerance")
    )]
    Collapsed {
        /// The generation whose covariance failed.
        generation: u32,
    },
}

/// The multivariate normal kernel N(θ_j, 2Σ̂): the lower Cholesky factor L
/// of 2Σ̂, row-major. Cholesky by hand: a few parameters, a d³/6 loop, and no
/// linear-algebra crate in the tree (nalgebra would be a large dependency for
/// one factorisation).
struct Kernel {
    d: usize,
    l: Vec<f64>,
}

impl Kernel {
    fn fit(prev: &Generation) -> Option<Kernel> {
        let d = prev.mean().len();
        let mut a = prev.covariance();
        for x in &mut a {
            *x *= 2.0;
        }
        let mut l = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let mut s = a[i * d + j];
                for k in 0..j {
                    s -= l[i * d + k] * l[j * d + k];
                }
                if i == j {
                    if s.is_nan() || s <= 0.0 || !s.is_finite() {
                        return None;
                    }
                    l[i * d + i] = s.sqrt();
                } else {
                    l[i * d + j] = s / l[j * d + j];
                }
            }
        }
        Some(Kernel { d, l })
    }

    /// θ_j + L z.
    fn perturb(&self, centre: &[f64], z: &[f64]) -> Vec<f64> {
        (0..self.d)
            .map(|i| {
                let mut x = centre[i];
                for (k, zk) in z.iter().enumerate().take(i + 1) {
                    x += self.l[i * self.d + k] * zk;
                }
                x
            })
            .collect()
    }

    /// -½ (x - μ)ᵀ (2Σ̂)⁻¹ (x - μ): the log-kernel up to its constant, which is
    /// the same for every pair and cancels when weights are normalised.
    fn log_k(&self, x: &[f64], mu: &[f64], work: &mut [f64]) -> f64 {
        let d = self.d;
        let mut q = 0.0;
        for i in 0..d {
            let mut s = x[i] - mu[i];
            for (lk, wk) in self.l[i * d..i * d + i].iter().zip(&work[..i]) {
                s -= lk * wk;
            }
            work[i] = s / self.l[i * d + i];
            q += work[i] * work[i];
        }
        -0.5 * q
    }
}

/// The α-quantile of distances: the smallest with at least ⌈αN⌉ at or below it.
fn quantile(distances: &mut [f64], alpha: f64) -> f64 {
    distances.sort_by(f64::total_cmp);
    let n = distances.len();
    let k = ((alpha * n as f64).ceil() as usize).clamp(1, n);
    distances[k - 1]
}

/// How proposals of one generation are made.
enum Proposer<'a> {
    Prior,
    Kernel {
        prev: &'a Generation,
        cumulative: Vec<f64>,
        kernel: Kernel,
    },
}

impl Proposer<'_> {
    fn propose<P: PriorDensity>(&self, priors: &[P], rng: &mut ChaCha8Rng) -> Vec<f64> {
        match self {
            Proposer::Prior => priors.iter().map(|p| p.sample(rng)).collect(),
            Proposer::Kernel {
                prev,
                cumulative,
                kernel,
            } => {
                let total = *cumulative.last().expect("a population");
                let u = unit(rng) * total;
                let j = cumulative
                    .partition_point(|&c| c <= u)
                    .min(cumulative.len() - 1);
                let z: Vec<f64> = (0..kernel.d).map(|_| StandardNormal.sample(rng)).collect();
                kernel.perturb(&prev.particles[j].theta, &z)
            }
        }
    }
}

/// One proposal of a generation: its number, its parameters, and whether they
/// lie inside every prior's support (only those are simulated).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The proposal's number within its generation.
    pub index: u64,
    /// Its parameter values, one per prior.
    pub theta: Vec<f64>,
    /// Whether every value lies inside its prior's support.
    pub inside: bool,
}

/// How a generation under way ended ([`GenerationRun::finish`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Finished {
    /// N particles accepted: the finished generation.
    Generation(Generation),
    /// The acceptance floor was reached first: the generation is abandoned.
    Stopped(Stop),
}

/// What [`GenerationRun::begin`] found.
pub enum Begin<'a> {
    /// A generation to run.
    Run(GenerationRun<'a>),
    /// No generation left: why the calibration stops.
    Stop(Stop),
}

/// One generation under way: its tolerance, how it proposes, and what has
/// been decided so far, in proposal order.
///
/// This is the one implementation of a generation: [`step`] drives it with a
/// [`Simulator`] in batches; a generation spread over processes
/// ([`super::distributed`]) proposes slices with [`GenerationRun::propose`]
/// in each process and feeds their distances back, in proposal order, through
/// [`GenerationRun::record`]. Either way the decisions are made here, one
/// proposal at a time from proposal 0, so the result depends on neither the
/// batches nor the slices.
pub struct GenerationRun<'a> {
    generation: u32,
    tolerance: f64,
    proposer: Proposer<'a>,
    previous: Option<&'a Generation>,
    seed: u64,
    particles: usize,
    cap: u64,
    accepted: Vec<(u64, Vec<f64>, f64)>,
    proposed: u64,
    simulated: u64,
}

impl<'a> GenerationRun<'a> {
    /// The next generation of `state`, or why there is none (the state is not
    /// changed: the caller records a stop).
    pub fn begin<P: PriorDensity>(
        state: &'a AbcState,
        priors: &[P],
    ) -> Result<Begin<'a>, AbcError> {
        if priors.len() != state.dimension {
            return Err(AbcError::Dimension {
                priors: priors.len(),
                dimension: state.dimension,
            });
        }
        if let Some(s) = &state.stopped {
            return Ok(Begin::Stop(s.clone()));
        }
        let cfg = &state.config;
        let t = state.generations.len() as u32;
        if t >= cfg.max_generations {
            return Ok(Begin::Stop(Stop::MaxGenerations));
        }
        if state
            .last()
            .is_some_and(|g| g.tolerance <= cfg.min_tolerance)
        {
            return Ok(Begin::Stop(Stop::Tolerance));
        }
        let n = cfg.particles;
        let (tolerance, proposer) = match state.last() {
            None => (f64::INFINITY, Proposer::Prior),
            Some(prev) => {
                let mut d: Vec<f64> = prev.particles.iter().map(|p| p.distance).collect();
                let eps = quantile(&mut d, cfg.quantile).max(cfg.min_tolerance);
                let kernel = Kernel::fit(prev).ok_or(AbcError::Collapsed {
                    generation: prev.index,
                })?;
                let mut acc = 0.0;
                let cumulative = prev
                    .particles
                    .iter()
                    .map(|p| {
                        acc += p.weight;
                        acc
                    })
                    .collect();
                (
                    eps,
                    Proposer::Kernel {
                        prev,
                        cumulative,
                        kernel,
                    },
                )
            }
        };
        let cap = if cfg.min_acceptance > 0.0 {
            ((n as f64 / cfg.min_acceptance).ceil() as u64).max(n as u64)
        } else {
            u64::MAX
        };
        Ok(Begin::Run(GenerationRun {
            generation: t,
            tolerance,
            proposer,
            previous: state.last(),
            seed: cfg.seed,
            particles: n,
            cap,
            accepted: Vec::with_capacity(n),
            proposed: 0,
            simulated: 0,
        }))
    }

    /// The generation's number.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Its tolerance ε_t.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The particles it accepts (N).
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// Particles accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.len()
    }

    /// Proposals decided so far: the next proposal to decide is this one.
    pub fn decided(&self) -> u64 {
        self.proposed
    }

    /// The most proposals it may make (N / the acceptance floor).
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// The previous generation (None for generation 0).
    pub fn previous(&self) -> Option<&Generation> {
        self.previous
    }

    /// Whether it has its N particles.
    pub fn is_done(&self) -> bool {
        self.accepted.len() >= self.particles
    }

    /// The next `batch` proposals to decide (fewer at the cap), or None once
    /// the generation is done or at its cap.
    pub fn wanted(&self, batch: u64) -> Option<std::ops::Range<u64>> {
        if self.is_done() || self.proposed >= self.cap {
            return None;
        }
        Some(self.proposed..self.proposed.saturating_add(batch.max(1)).min(self.cap))
    }

    /// Proposals `range` of this generation: proposal `j` draws only from
    /// [`keys::proposal_rng`]`(seed, t, j)`, so any process proposes the same.
    pub fn propose<P: PriorDensity>(
        &self,
        priors: &[P],
        range: std::ops::Range<u64>,
    ) -> Vec<Proposal> {
        range
            .map(|j| {
                let mut rng = keys::proposal_rng(self.seed, self.generation, j);
                let theta = self.proposer.propose(priors, &mut rng);
                let inside = theta.iter().zip(priors).all(|(x, p)| p.in_support(*x));
                Proposal {
                    index: j,
                    theta,
                    inside,
                }
            })
            .collect()
    }

    /// Decides `proposals` (consecutive, from [`Self::decided`]) given the
    /// distances of those inside the support (`distances`, one each, in
    /// order): each is accepted when its distance is finite and at most the
    /// tolerance, until the N-th acceptance; proposals after it are ignored.
    pub fn record(&mut self, proposals: &[Proposal], distances: &[f64]) -> Result<(), AbcError> {
        let inside = proposals.iter().filter(|p| p.inside).count();
        if distances.len() != inside {
            return Err(AbcError::Distances {
                expected: inside,
                got: distances.len(),
            });
        }
        if let Some((k, p)) = proposals
            .iter()
            .enumerate()
            .find(|(k, p)| p.index != self.proposed + *k as u64)
        {
            return Err(AbcError::Order {
                expected: self.proposed + k as u64,
                got: p.index,
            });
        }
        let mut d = distances.iter();
        for p in proposals {
            if self.is_done() {
                break;
            }
            self.proposed = p.index + 1;
            if p.inside {
                self.simulated += 1;
                let d = *d.next().expect("one distance per proposal inside");
                if d.is_finite() && d <= self.tolerance {
                    self.accepted.push((p.index, p.theta.clone(), d));
                }
            }
        }
        Ok(())
    }

    /// The finished generation (importance weights, ESS), or the stop at the
    /// acceptance floor; an error while neither is reached.
    pub fn finish<P: PriorDensity>(self, priors: &[P]) -> Result<Finished, AbcError> {
        let n = self.particles;
        if !self.is_done() {
            if self.proposed < self.cap {
                return Err(AbcError::Unfinished {
                    generation: self.generation,
                    decided: self.proposed,
                    accepted: self.accepted.len() as u64,
                });
            }
            return Ok(Finished::Stopped(Stop::AcceptanceFloor {
                generation: self.generation,
                tolerance: self.tolerance,
                proposed: self.proposed,
                accepted: self.accepted.len() as u64,
            }));
        }
        let weights = match &self.proposer {
            Proposer::Prior => vec![1.0 / n as f64; n],
            Proposer::Kernel { prev, kernel, .. } => {
                importance_weights(&self.accepted, priors, prev, kernel)
            }
        };
        let ess = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let particles = self
            .accepted
            .into_iter()
            .zip(weights)
            .map(|((index, theta, distance), weight)| Accepted {
                index,
                theta,
                weight,
                distance,
            })
            .collect();
        Ok(Finished::Generation(Generation {
            index: self.generation,
            tolerance: self.tolerance,
            proposed: self.proposed,
            simulated: self.simulated,
            accepted: n as u64,
            acceptance_rate: n as f64 / self.proposed as f64,
            ess,
            particles,
        }))
    }
}

impl AbcState {
    /// Records how a generation ended: a finished generation is appended, a
    /// stop is kept.
    pub fn apply(&mut self, finished: Finished) -> Progress {
        match finished {
            Finished::Generation(g) => {
                let t = g.index;
                self.generations.push(g);
                Progress::Generation(t)
            }
            Finished::Stopped(s) => self.stop(s),
        }
    }

    /// Records why the calibration stops.
    pub fn stop(&mut self, s: Stop) -> Progress {
        self.stopped = Some(s.clone());
        Progress::Stopped(s)
    }
}

/// Runs the next generation (or reports why there is none). `batch` is how
/// many proposals are handed to the simulator at once; it changes speed,
/// never results.
pub fn step<P: PriorDensity, S: Simulator>(
    state: &mut AbcState,
    priors: &[P],
    sim: &S,
    batch: usize,
) -> Result<Progress, AbcError> {
    step_with(state, priors, sim, batch, |_| {})
}

/// [`step`], calling `after_batch` with the generation under way after each
/// batch is decided (for a progress display; it cannot change results).
pub fn step_with<P: PriorDensity, S: Simulator>(
    state: &mut AbcState,
    priors: &[P],
    sim: &S,
    batch: usize,
    mut after_batch: impl FnMut(&GenerationRun),
) -> Result<Progress, AbcError> {
    let finished = match GenerationRun::begin(state, priors)? {
        Begin::Stop(s) => return Ok(state.stop(s)),
        Begin::Run(mut g) => {
            while let Some(range) = g.wanted(batch as u64) {
                let proposals = g.propose(priors, range);
                let inside: Vec<Particle> = proposals
                    .iter()
                    .filter(|p| p.inside)
                    .map(|p| Particle {
                        index: p.index,
                        theta: p.theta.clone(),
                    })
                    .collect();
                let distances = if inside.is_empty() {
                    Vec::new()
                } else {
                    sim.distances(g.generation(), &inside)
                };
                g.record(&proposals, &distances)?;
                after_batch(&g);
            }
            g.finish(priors)?
        }
    };
    Ok(state.apply(finished))
}

/// w_i ∝ π(θ_i) / Σ_j W_j K(θ_i | θ_j) (Toni et al. 2009, the weight
/// step of their ABC SMC algorithm), in log space with a fixed summation order, normalised.
fn importance_weights<P: PriorDensity>(
    accepted: &[(u64, Vec<f64>, f64)],
    priors: &[P],
    prev: &Generation,
    kernel: &Kernel,
) -> Vec<f64> {
    let log_prev: Vec<f64> = prev.particles.iter().map(|p| p.weight.ln()).collect();
    let mut work = vec![0.0; kernel.d];
    let mut terms = vec![0.0; prev.particles.len()];
    let log_w: Vec<f64> = accepted
        .iter()
        .map(|(_, theta, _)| {
            let log_prior: f64 = theta.iter().zip(priors).map(|(x, p)| p.log_pdf(*x)).sum();
            let mut max = f64::NEG_INFINITY;
            for (term, (q, lw)) in terms.iter_mut().zip(prev.particles.iter().zip(&log_prev)) {
                *term = lw + kernel.log_k(theta, &q.theta, &mut work);
                max = max.max(*term);
            }
            let s: f64 = terms.iter().map(|x| (x - max).exp()).sum();
            log_prior - (max + s.ln())
        })
        .collect();
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|x| (x - max).exp()).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// Runs generations until the calibration stops, calling `checkpoint` after
/// each finished one (write the state there to resume after a kill).
pub fn run<P: PriorDensity, S: Simulator>(
    state: &mut AbcState,
    priors: &[P],
    sim: &S,
    batch: usize,
    mut checkpoint: impl FnMut(&AbcState),
) -> Result<Stop, AbcError> {
    loop {
        match step(state, priors, sim, batch)? {
            Progress::Generation(_) => checkpoint(state),
            Progress::Stopped(s) => return Ok(s),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A generation of the given particles (3 parameters) and weights, for tests
    /// here and in the calibration page's renderer.
    pub(crate) fn generation(points: &[[f64; 3]], weights: &[f64]) -> Generation {
        Generation {
            index: 0,
            tolerance: 1.0,
            proposed: 3,
            simulated: 3,
            accepted: 3,
            acceptance_rate: 1.0,
            ess: 1.0,
            particles: points
                .iter()
                .zip(weights)
                .enumerate()
                .map(|(i, (p, w))| Accepted {
                    index: i as u64,
                    theta: p.to_vec(),
                    weight: *w,
                    distance: 0.0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_kernel_factors_twice_the_weighted_covariance() {
        let g = generation(
            &[
                [0.0, 1.0, 2.0],
                [1.0, 0.5, -1.0],
                [2.0, 3.0, 0.0],
                [-1.0, 0.0, 1.5],
            ],
            &[0.1, 0.2, 0.3, 0.4],
        );
        let c = g.covariance();
        // The weighted covariance by its definition, entry (0, 1).
        let m = g.mean();
        let c01: f64 = g
            .particles
            .iter()
            .map(|p| p.weight * (p.theta[0] - m[0]) * (p.theta[1] - m[1]))
            .sum();
        assert!((c[1] - c01).abs() < 1e-15 && c[1] == c[3]);
        let k = Kernel::fit(&g).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let llt: f64 = (0..3).map(|x| k.l[i * 3 + x] * k.l[j * 3 + x]).sum();
                assert!((llt - 2.0 * c[i * 3 + j]).abs() < 1e-12, "({i}, {j})");
            }
            for j in i + 1..3 {
                assert_eq!(k.l[i * 3 + j], 0.0);
            }
        }
        // log K at x = μ + L z is -|z|²/2.
        let z = [0.3, -1.2, 0.7];
        let mu = [1.0, 2.0, 3.0];
        let x = k.perturb(&mu, &z);
        let mut work = [0.0; 3];
        let q = k.log_k(&x, &mu, &mut work);
        assert!((q + 0.5 * z.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-12);
        // A population on a line has no kernel.
        let flat = generation(
            &[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]],
            &[0.3, 0.3, 0.4],
        );
        assert!(Kernel::fit(&flat).is_none());
    }

    #[test]
    fn weighted_quantiles_follow_the_weights() {
        let g = generation(
            &[
                [3.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [2.0, 0.0, 0.0],
                [4.0, 0.0, 0.0],
            ],
            &[0.1, 0.2, 0.3, 0.4],
        );
        // Sorted: 1 (0.2), 2 (0.3), 3 (0.1), 4 (0.4); cumulative 0.2, 0.5, 0.6, 1.0.
        assert_eq!(g.quantile(0, 0.1), Some(1.0));
        assert_eq!(g.quantile(0, 0.5), Some(2.0));
        assert_eq!(g.quantile(0, 0.55), Some(3.0));
        assert_eq!(g.quantile(0, 0.95), Some(4.0));
        assert_eq!(g.quantile(5, 0.5), None);
    }

    #[test]
    fn the_tolerance_quantile_is_the_inverse_empirical_cdf() {
        let mut d = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&mut d, 0.5), 3.0);
        assert_eq!(quantile(&mut d, 0.2), 1.0);
        assert_eq!(quantile(&mut d, 0.21), 2.0);
        assert_eq!(quantile(&mut d, 1.0), 5.0);
    }
}
