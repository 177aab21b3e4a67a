//! Engine speed: one trial of the flagship and of the minimal scenario, a
//! 10,000-trial run on 1 and 2 threads, a bare ChaCha8 draw for reference, and one parameter draw of each
//! distribution family (inversion of its CDF, `core::quantile`).
//!
//! Run: `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3`.
//!
//! Before timing, the bench prints the random draws a flagship trial makes
//! and the draw floor (those draws times the cost of a bare ChaCha8 u64 here);
//! docs/performance.md sets the figures side by side.
//! The engine's generators are private to `Trial` (and adding a counter to the
//! hot path is not wanted), so the count is reconstructed from the model and
//! each trial's trace: every draw the day loop makes is either
//! state-independent (one per dyad per day for rung decay, one per group per
//! day for attacks, one per day in a shock's window, one per scheduled event,
//! one per uncertain parameter (inversion of its CDF)) or follows an event the trace records
//! (three casualty draws on a day with attacks, the draws of each lever's
//! effect, one per rule that fires). What the trace cannot show is a rule whose
//! condition held but whose dice said no, and the daily break draw of a
//! ceasefire in force: the low figure leaves those out, the high one counts a
//! draw for every rule on every day.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use escalate::core::engine::{Cause, NoTrace, TraceEvent, Tracer, Trial, TrialOutcome};
use escalate::core::model::{self, ActionM, EffectM, Model, TriggerM};
use escalate::core::scenario::{self, Source};
use escalate::core::streams::StreamKeys;
use escalate::run::Executor;
use escalate::run::trials::summarise;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// The flagship as bundled (falls back to the minimal scenario if it does not load).
fn flagship() -> Model {
    for name in ["pak-afghan-2024", "minimal"] {
        let src = Source::open(name).expect("bundled");
        if let Ok(v) = scenario::load(&src) {
            eprintln!("bench scenario: {name}");
            return model::compile(&v);
        }
    }
    panic!("no bundled scenario loads");
}

/// Counts what the draw estimate needs from one trial's trace.
#[derive(Default)]
struct DrawCount {
    /// Draws that follow recorded events.
    observed: u64,
    /// Events that were attacks (their casualty draws are made by the event).
    event_attack_pending: bool,
}

struct Counter<'m> {
    model: &'m Model,
    c: DrawCount,
}

impl Tracer for Counter<'_> {
    fn record(&mut self, _day: u32, e: TraceEvent) {
        match e {
            TraceEvent::Event { event } => {
                if let ActionM::Attack { .. } = self.model.events[event as usize].action {
                    // Two casualty draws, made by the event; its Attack record follows.
                    self.c.observed += 2;
                    self.c.event_attack_pending = true;
                }
            }
            TraceEvent::Attack { .. } => {
                if self.c.event_attack_pending {
                    self.c.event_attack_pending = false;
                } else {
                    self.c.observed += 3; // civilian, security, militant
                }
            }
            TraceEvent::Lever { lever, cause, .. } => {
                if let Cause::Rule(_) = cause {
                    self.c.observed += 1; // the rule's dice
                }
                self.c.observed += match self.model.levers[lever as usize].effect {
                    EffectM::Airstrike { .. } | EffectM::GroundOperation { .. } => 3,
                    EffectM::BorderClash { .. } => 2,
                    EffectM::Crackdown { .. } | EffectM::Mediation { .. } => 1,
                    _ => 0,
                };
            }
            TraceEvent::TalksEnded { .. } => self.c.observed += 1, // ceasefire chance (at most)
            TraceEvent::CeasefireBroken { .. } | TraceEvent::RungDecay { .. } => {}
        }
    }
}

/// (low, high) draws per trial, averaged over `n` trials.
fn draws_per_trial(model: &Model, n: u64) -> (f64, f64) {
    let h = model.horizon as u64;
    let uncertain = model.uncertain_params().count() as u64;
    let mut fixed = uncertain; // one draw per sampled parameter (inversion)
    fixed += model.dyads.len() as u64 * h; // rung decay
    fixed += model.groups.len() as u64 * h; // attacks per group per day
    for e in &model.events {
        fixed += match e.trigger {
            TriggerM::Day { .. } => 1,
            TriggerM::Hazard { from, to, .. } => (to.min(model.horizon) - from) as u64,
        };
    }
    let keys = StreamKeys::new(1, model);
    let mut trial = Trial::new(model);
    let mut out = TrialOutcome::new(model);
    let mut observed = 0;
    for i in 0..n {
        let mut c = Counter {
            model,
            c: DrawCount::default(),
        };
        trial.run(&keys, i, &mut out, &mut c);
        observed += c.c.observed;
    }
    let low = fixed as f64 + observed as f64 / n as f64;
    let high = low + (model.rules.len() as u64 * h) as f64;
    (low, high)
}

fn benches(c: &mut Criterion) {
    let model = flagship();
    let (low, high) = draws_per_trial(&model, 1000);
    eprintln!(
        "random draws per trial: {low:.0} to {high:.0} ({} uncertain parameters, {} dyads, {} groups, {} rules, {} days)",
        model.uncertain_params().count(),
        model.dyads.len(),
        model.groups.len(),
        model.rules.len(),
        model.horizon
    );
    eprintln!(
        "generators created per trial: {} (4 purposes, 1 per uncertain parameter, 1 per rule)",
        4 + model.uncertain_params().count() + model.rules.len()
    );
    // The draw floor: what the trial's draws alone cost here, timed on a bare
    // ChaCha8 (the `chacha8/next_u64` bench below measures the same more carefully).
    let mut rng = ChaCha8Rng::from_seed([3; 32]);
    let n = 20_000_000u64;
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    for _ in 0..n {
        acc ^= rng.next_u64();
    }
    black_box(acc);
    let ns = start.elapsed().as_secs_f64() * 1e9 / n as f64;
    eprintln!(
        "draw floor: {ns:.2} ns a u64 x {low:.0} to {high:.0} draws = {:.1} to {:.1} us a trial",
        ns * low / 1e3,
        ns * high / 1e3
    );

    let mut g = c.benchmark_group("trial");
    g.throughput(Throughput::Elements(1));
    g.bench_function("flagship one trial", |b| {
        let keys = StreamKeys::new(20240318, &model);
        let mut trial = Trial::new(&model);
        let mut out = TrialOutcome::new(&model);
        let mut i = 0u64;
        b.iter(|| {
            trial.run(&keys, i, &mut out, &mut NoTrace);
            i += 1;
            black_box(&out);
        })
    });
    g.bench_function("minimal one trial", |b| {
        let src = Source::open("minimal").expect("bundled");
        let minimal = model::compile(&scenario::load(&src).expect("valid"));
        let keys = StreamKeys::new(20240318, &minimal);
        let mut trial = Trial::new(&minimal);
        let mut out = TrialOutcome::new(&minimal);
        let mut i = 0u64;
        b.iter(|| {
            trial.run(&keys, i, &mut out, &mut NoTrace);
            i += 1;
            black_box(&out);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    for threads in [1, 2] {
        g.bench_function(format!("flagship 10000 trials {threads} thread(s)"), |b| {
            let exec = Executor::new(Some(threads)).expect("threads");
            b.iter(|| black_box(summarise(&exec, &model, 20240318, 0..10_000, None, |_| {})))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("chacha8");
    g.throughput(Throughput::Elements(1));
    let mut rng = ChaCha8Rng::from_seed([7; 32]);
    g.bench_function("next_u64", |b| b.iter(|| black_box(rng.next_u64())));
    g.bench_function("unit f64", |b| {
        b.iter(|| black_box(escalate::core::engine::sample::unit(&mut rng)))
    });
    g.bench_function("new generator (key + stream)", |b| {
        let keys = StreamKeys::new(3, &model);
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            let mut r = keys.rng(escalate::core::streams::Purpose::Violence, i);
            black_box(r.next_u64())
        })
    });
    g.finish();

    // One draw per trial per uncertain parameter: what inversion costs per family.
    let mut g = c.benchmark_group("param draw");
    g.throughput(Throughput::Elements(1));
    for text in [
        "Uniform(1500, 3000)",
        "Normal(10, 2)",
        "Normal(4000, 800, 2500, 6000)",
        "Normal(1000, 100, 1300, 1400)",
        "Triangular(0.32, 0.38, 0.44)",
        "LogNormal(0.5, 0.8)",
        "Beta(2, 20)",
        "Poisson(12)",
        "Poisson(300)",
        "Poisson(1000000)",
    ] {
        let p: escalate::core::scenario::Param = ron::from_str(text).expect("a parameter");
        let mut rng = ChaCha8Rng::from_seed([9; 32]);
        g.bench_function(text, |b| b.iter(|| black_box(p.sample(&mut rng))));
    }
    g.finish();

    // The daily attack count at the flagship's means (TTP, Baloch, ISKP) in
    // turn, as the day loop calls them, each varied by up to 10% call to call
    // (a mean changes every day, so nothing is loop-invariant), and a mean
    // of 12: `poisson_small` (bracket, fast pass, exact fallback) against
    // the plain exact search, on the same 16,384 uniforms (too many for the
    // branch predictor to learn).
    let mut g = c.benchmark_group("attack count");
    g.throughput(Throughput::Elements(16_384));
    let mut rng = ChaCha8Rng::from_seed([11; 32]);
    let unit = escalate::core::engine::sample::unit;
    let us: Vec<f64> = (0..16_384).map(|_| unit(&mut rng)).collect();
    for (name, means) in [("flagship mix", [1.5, 0.4, 0.07]), ("12", [12.0; 3])] {
        use escalate::core::quantile::{poisson_search, poisson_small};
        let lambdas: Vec<f64> = (0..16_384)
            .map(|i| means[i % 3] * (0.9 + 0.2 * unit(&mut rng)))
            .collect();
        g.bench_function(format!("poisson_small {name}"), |b| {
            b.iter(|| {
                us.iter()
                    .zip(black_box(&lambdas))
                    .map(|(&u, &l)| poisson_small(u, l))
                    .sum::<u64>()
            })
        });
        g.bench_function(format!("poisson_search {name}"), |b| {
            b.iter(|| {
                us.iter()
                    .zip(black_box(&lambdas))
                    .map(|(&u, &l)| poisson_search(u, l))
                    .sum::<u64>()
            })
        });
    }
    g.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
