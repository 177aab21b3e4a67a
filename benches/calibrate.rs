//! Calibration speed on the 2021–2023 scenario: particles per second at the
//! documented trials per particle, and how one generation scales with threads.
//!
//! Run: `cargo bench --bench calibrate -- --warm-up-time 1 --measurement-time 20`.
//!
//! - `particles/20x20-Nthreads`: the distances of 20 particles of 20 trials
//!   each (869 days per trial), drawn from the priors of docs/calibration.md:
//!   compiling each particle's model, its trials on the executor, the
//!   summaries and the distance. Particles per second = 20 / the time.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use escalate::calibrate::abc::{Particle, Simulator};
use escalate::calibrate::study::{CalibrateRequest, DOCUMENTED_PRIORS, PriorSpec, Study};
use escalate::run::{Executor, Setup};

const PARTICLES: u64 = 20;
const TRIALS: u64 = 20;

fn study() -> Study {
    Study::new(CalibrateRequest {
        scenario: Some("pak-afghan-2021".into()),
        setup: Setup::default(),
        observed: concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/observed/pak-afghan-2021-2023.csv"
        )
        .into(),
        priors: DOCUMENTED_PRIORS
            .iter()
            .map(|p| PriorSpec::parse(p).unwrap())
            .collect(),
        particles: PARTICLES as usize,
        trials: TRIALS,
        generations: 1,
        until_tolerance: None,
        seed: 1,
    })
    .expect("the documented calibration is valid")
}

fn bench(c: &mut Criterion) {
    let study = study();
    // Particles at the centre of each prior, numbered 0..20 (their streams differ).
    let theta = vec![0.2, 0.5, 0.8, 0.00075, 3.5, 0.6];
    let particles: Vec<Particle> = (0..PARTICLES)
        .map(|index| Particle {
            index,
            theta: theta.clone(),
        })
        .collect();
    let mut g = c.benchmark_group("calibrate-2021");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PARTICLES));
    for threads in [1, 2] {
        let exec = Executor::new(Some(threads)).expect("threads");
        let sim = study.simulator(&exec);
        g.bench_function(format!("particles/20x20-{threads}threads"), |b| {
            b.iter(|| black_box(sim.distances(1, &particles)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
