//! Sweep speed on the flagship at 1,000 trials per design point: design points
//! per second, and the sweep machinery's overhead over the same trials run as
//! one plain run.
//!
//! Run: `cargo bench --bench sweep -- --warm-up-time 1 --measurement-time 20`.
//!
//! - `sweep/lhs-8x1000`: `escalate::sweep::run` of a Latin hypercube of 8 points
//!   (1,000 trials each) into a fresh directory: planning is outside the timing
//!   (it happens once per sweep); configuring and compiling every point, its
//!   run, saving its file and writing every output are inside.
//! - `plain/run-8000`: `run::trials::summarise` of 8,000 trials of the flagship as it is.
//!
//! The swept input is the Taliban's refugee stock, which the model never reads,
//! so every point costs the same as a plain trial: the difference between the
//! two is the machinery alone. Points per second = 8 / the sweep's time.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use escalate::core::model;
use escalate::core::scenario::{self, Source};
use escalate::run::Executor;
use escalate::run::trials::summarise;
use escalate::sweep::{self, DesignKind, Plan, RunOptions, SweepSpec};

const POINTS: usize = 8;
const TRIALS: u64 = 1000;

fn plan() -> Plan {
    Plan::new(SweepSpec {
        scenario: Some("pak-afghan-2024".into()),
        design: DesignKind::Lhs,
        points: Some(POINTS),
        levels: 4,
        sets: vec!["actors.Taliban.refugees=0..2000000".into()],
        policies: vec![],
        trials: TRIALS,
        seed: 1,
        horizon: None,
        posterior: None,
        headline: None,
    })
    .expect("the flagship sweep plans")
}

fn bench(c: &mut Criterion) {
    let plan = plan();
    let model = model::compile(&scenario::load(&Source::open("pak-afghan-2024").unwrap()).unwrap());
    let exec = Executor::new(None).expect("threads");
    let mut g = c.benchmark_group("flagship-1000-trials-per-point");
    g.sample_size(10);
    g.bench_function("sweep/lhs-8x1000", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().unwrap();
            let r = sweep::run(&plan, dir.path(), &exec, RunOptions::default()).unwrap();
            black_box(r.indices.map(|i| i.len()))
        })
    });
    g.bench_function("plain/run-8000", |b| {
        b.iter(|| {
            let trials = 0..POINTS as u64 * TRIALS;
            black_box(summarise(&exec, &model, 1, trials, None, |_| {}).trials)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
