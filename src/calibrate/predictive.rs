//! The posterior predictive of a finished calibration: [`PREDICTIVE_TRIALS`]
//! trials of the scenario with each trial's calibrated parameters drawn from
//! the last generation's weighted particles, and each target's simulated
//! quantiles against its observation.
//!
//! **The same machinery as `--posterior`.** The last generation is written as
//! `posterior.csv` text ([`posterior_csv`], the bytes `calibrate` writes),
//! read back by [`Posterior::parse`] and bound to the model compiled under
//! the calibration's fixed setup, exactly as `escalate run --posterior` does:
//! trial *i* picks its particle from its own `posterior` stream (inverse CDF
//! over the weights). The run's seed is [`predictive_seed`] of the
//! calibration's seed (a purpose of its own, `predictive-seed`, that no
//! generation's particle uses), so the bands depend on the calibration's
//! results only, not on `--threads`, and
//! `escalate run SCENARIO --posterior DIR/posterior.csv --trials 1000 --seed S`
//! (S as `calibration.json` records it) reproduces them.

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::core::posterior::Posterior;
use crate::core::stats::Summary;
use crate::run::trials::RunJob;
use crate::run::{Executor, Job, RequestError};

use super::abc::Generation;
use super::study::Study;

/// Trials of the posterior-predictive run: 1,000 keeps the 5% and 95%
/// quantiles within about ±0.7 percentage points of their level (binomial
/// standard error) at a cost of a few dozen particles' trials.
pub const PREDICTIVE_TRIALS: u64 = 1000;

/// The run seed of a calibration's posterior-predictive run: the first 8
/// bytes, little-endian, of SHA-256 of `escalate/calibrate/v1`, the purpose
/// `predictive-seed` and the calibration's seed.
pub fn predictive_seed(seed: u64) -> u64 {
    let mut h = Sha256::new();
    h.update(b"escalate/calibrate/v1\0");
    h.update(b"predictive-seed\0");
    h.update(seed.to_le_bytes());
    let d: [u8; 32] = h.finalize().into();
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// A generation as `posterior.csv`: the header
/// `particle,<path1>,...,<pathN>,weight,distance`, then one particle a line
/// (floats in Rust's shortest round-trip form).
pub fn posterior_csv(paths: &[String], g: &Generation) -> String {
    let mut p = String::from("particle");
    for path in paths {
        p.push(',');
        p.push_str(&csv_field(path));
    }
    p.push_str(",weight,distance\n");
    for x in &g.particles {
        let _ = write!(p, "{}", x.index);
        for v in &x.theta {
            let _ = write!(p, ",{v}");
        }
        let _ = writeln!(p, ",{},{}", x.weight, x.distance);
    }
    p
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One target's posterior-predictive distribution against its observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictiveBand {
    /// The record's id.
    pub id: String,
    /// Who counted it (the record's series).
    pub series: String,
    /// What it counts (the record's quantity).
    pub quantity: String,
    /// The record's period label.
    pub period: String,
    /// The metric compared: `{metric}@{period}`.
    pub metric: String,
    /// The metric's unit.
    pub unit: String,
    /// The observed value.
    pub observed: f64,
    /// Its uncertainty (a standard deviation).
    pub sd: f64,
    /// Mean over the predictive trials.
    pub mean: f64,
    /// 5% quantile over the predictive trials.
    pub q5: f64,
    /// 25% quantile.
    pub q25: f64,
    /// Median.
    pub q50: f64,
    /// 75% quantile.
    pub q75: f64,
    /// 95% quantile.
    pub q95: f64,
}

/// The posterior-predictive run of a calibration: how it was run and each
/// target's bands, in target order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predictive {
    /// Trials run.
    pub trials: u64,
    /// The run's seed ([`predictive_seed`] of the calibration's seed).
    pub seed: u64,
    /// The generation whose particles were drawn from.
    pub generation: u32,
    /// SHA-256 of the posterior text the run read (that of `posterior.csv`).
    pub posterior_sha256: String,
    /// One per target, in target order.
    pub bands: Vec<PredictiveBand>,
}

impl Study {
    /// Runs `trials` trials with the parameters drawn from `last`'s weighted
    /// particles (see the module's documentation) and returns each target's
    /// bands. Deterministic: the same study and generation give the same
    /// result on any executor.
    pub fn predictive(
        &self,
        exec: &Executor,
        last: &Generation,
        trials: u64,
    ) -> Result<Predictive, RequestError> {
        let paths: Vec<String> = self.request.priors.iter().map(|p| p.path.clone()).collect();
        let text = posterior_csv(&paths, last);
        let posterior = Posterior::parse("posterior.csv", &text)?;
        let mut model = self.loaded.compile(&self.request.setup)?;
        model.posterior = Some(posterior.bind(&model)?);
        let seed = predictive_seed(self.request.seed);
        let job = RunJob::new(&model, seed, false);
        let mut sum = Summary::new(&model);
        let _ = exec.run_many(
            std::slice::from_ref(&job),
            0..trials,
            |_, block: <RunJob as Job>::Block| {
                sum += &block.summary;
                Ok::<(), ()>(())
            },
        );
        let bands = self
            .targets
            .iter()
            .map(|t| {
                let m = &sum.metrics[t.slot];
                let q = |p| m.quantile(p).unwrap_or(f64::NAN);
                let record = self.observed.records.iter().find(|r| r.id == t.id);
                PredictiveBand {
                    id: t.id.clone(),
                    series: record.map_or(String::new(), |r| r.series.clone()),
                    quantity: record.map_or(String::new(), |r| r.quantity.clone()),
                    period: record.map_or(String::new(), |r| r.period.clone()),
                    metric: t.metric.clone(),
                    unit: model.metrics.defs[t.slot].unit.to_string(),
                    observed: t.value,
                    sd: t.sd,
                    mean: m.mean().unwrap_or(f64::NAN),
                    q5: q(0.05),
                    q25: q(0.25),
                    q50: q(0.5),
                    q75: q(0.75),
                    q95: q(0.95),
                }
            })
            .collect();
        Ok(Predictive {
            trials,
            seed,
            generation: last.index,
            posterior_sha256: posterior.sha256,
            bands,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::abc::Accepted;
    use crate::calibrate::keys;
    use crate::calibrate::study::{CalibrateRequest, PriorSpec};
    use crate::run::Setup;

    fn study(seed: u64) -> Study {
        Study::new(CalibrateRequest {
            scenario: Some("tests/fixtures/periods.ron".into()),
            setup: Setup::default(),
            observed: "tests/fixtures/observed-small.csv".into(),
            priors: vec![
                PriorSpec::parse("actors.G.attack_rate=Uniform(0.1, 0.6)").unwrap(),
                PriorSpec::parse("actors.G.recruitment=Uniform(0, 0.001)").unwrap(),
            ],
            particles: 4,
            trials: 5,
            generations: 2,
            until_tolerance: None,
            seed,
        })
        .unwrap()
    }

    fn generation() -> Generation {
        let thetas = [
            [0.15, 0.0002],
            [0.3, 0.0009],
            [0.55, 0.0005],
            [0.42, 0.0001],
        ];
        let weights = [0.1, 0.2, 0.3, 0.4];
        Generation {
            index: 1,
            tolerance: 2.0,
            proposed: 9,
            simulated: 8,
            accepted: 4,
            acceptance_rate: 4.0 / 9.0,
            ess: 3.3,
            particles: thetas
                .iter()
                .zip(weights)
                .enumerate()
                .map(|(i, (t, w))| Accepted {
                    index: 3 * i as u64,
                    theta: t.to_vec(),
                    weight: w,
                    distance: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_predictive_run_is_deterministic_and_its_bands_ordered() {
        let s = study(9);
        let g = generation();
        let one = Executor::new(Some(1)).unwrap();
        let two = Executor::new(Some(2)).unwrap();
        let a = s.predictive(&one, &g, 300).unwrap();
        let b = s.predictive(&two, &g, 300).unwrap();
        assert_eq!(a, b, "threads change the predictive bands");
        assert_eq!(a.seed, predictive_seed(9));
        assert_eq!((a.trials, a.generation), (300, 1));
        assert_eq!(a.bands.len(), s.targets.len());
        for band in &a.bands {
            assert!(
                band.q5 <= band.q25
                    && band.q25 <= band.q50
                    && band.q50 <= band.q75
                    && band.q75 <= band.q95,
                "{band:?}"
            );
        }
        // Another seed draws other particles and other trials.
        let c = study(10).predictive(&one, &g, 300).unwrap();
        assert_ne!(a.bands, c.bands);
        // The seed is a purpose of its own: no particle of any generation shares it.
        for t in 0..4 {
            for j in 0..50 {
                assert_ne!(predictive_seed(9), keys::particle_seed(9, t, j));
            }
        }
    }

    #[test]
    fn the_posterior_text_reads_back_bit_for_bit() {
        let g = generation();
        let paths = vec!["a.b".to_string(), "c,d".to_string()];
        let text = posterior_csv(&paths, &g);
        assert!(text.starts_with("particle,a.b,\"c,d\",weight,distance\n0,0.15,0.0002,0.1,1\n"));
        let p = Posterior::parse("p.csv", &text).unwrap();
        assert_eq!(p.paths, paths);
        for (x, a) in p.particles.iter().zip(&g.particles) {
            assert_eq!(x, &a.theta);
        }
    }
}
