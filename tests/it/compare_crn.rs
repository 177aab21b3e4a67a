//! Common random numbers hold: across policies, trial i draws the same
//! parameters and the same exogenous shocks, and a policy that changes nothing
//! gives differences of exactly zero. Library level, on
//! tests/fixtures/compare_crn.ron (an uncertain rule probability placed after
//! a rule that a policy disables, a random shock, a policy that adds a rule).

use escalate::core::engine::{TraceEvent, TrialOutcome};
use escalate::core::model::{self, Model};
use escalate::core::scenario::{self, Source};
use escalate::run::Executor;
use escalate::run::compare::{self, Comparison};
use escalate::run::trials::{run_one, summarise};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/compare_crn.ron"
);

fn model(policy: Option<&str>) -> Model {
    let src = Source::open(FIXTURE).expect("fixture reads");
    let base = scenario::load(&src).expect("fixture is valid");
    model::compile(&base.configure(&src, policy, &[]).expect("policy applies"))
}

/// Compares `models` on `trials` trials of seed 11, on two threads.
fn compare_on(
    models: &[&Model],
    trials: u64,
    per_trial: Option<compare::PerTrial<'_>>,
) -> Comparison {
    let exec = Executor::new(Some(2)).expect("threads");
    compare::run(&exec, models, 11, 0..trials, per_trial, |_| {})
}

/// The parameter slot of a rule's probability, found by the rule's name.
fn rule_probability(m: &Model, name: &str) -> usize {
    m.rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
        .probability as usize
}

#[test]
fn every_trial_draws_the_same_parameters_under_every_policy() {
    let names = [None, Some("drop-first"), Some("talks")];
    let models: Vec<Model> = names.iter().map(|p| model(*p)).collect();
    // `talks` disables the strike rule; the other two keep it, at another
    // position in `drop-first` (its predecessor is gone).
    let second: Vec<usize> = models[..2]
        .iter()
        .map(|m| rule_probability(m, "A/strike-after-losses"))
        .collect();
    assert_ne!(
        models[0].params[second[0]].path, models[1].params[second[1]].path,
        "the fixture must move the rule, or this test proves nothing"
    );
    let fighters: Vec<usize> = models
        .iter()
        .map(|m| {
            m.params
                .iter()
                .position(|p| p.path == "actors.G.fighters")
                .expect("fighters slot")
        })
        .collect();
    let named: Vec<&Model> = models.iter().collect();
    let mut seen = 0u64;
    let mut distinct = std::collections::BTreeSet::new();
    let mut check = |outs: &[TrialOutcome]| {
        seen += 1;
        let t = outs[0].trial;
        assert!(outs.iter().all(|o| o.trial == t), "trials paired by index");
        let f0 = outs[0].params[fighters[0]];
        for (o, &k) in outs.iter().zip(&fighters) {
            assert_eq!(o.params[k].to_bits(), f0.to_bits(), "fighters, trial {t}");
        }
        let p0 = outs[0].params[second[0]];
        assert_eq!(
            outs[1].params[second[1]].to_bits(),
            p0.to_bits(),
            "strike rule probability, trial {t}"
        );
        assert!((0.2..=0.4).contains(&p0));
        distinct.insert(p0.to_bits());
    };
    let cmp = compare_on(&named, 1500, Some(&mut check));
    assert_eq!(seen, 1500);
    assert_eq!(cmp.paired.trials, 1500);
    assert!(distinct.len() > 1000, "the probability is really sampled");
}

#[test]
fn random_shocks_fire_on_the_same_days_under_every_policy() {
    let base = model(None);
    let talks = model(Some("talks"));
    let mut fired = 0;
    for trial in 0..200 {
        let days = |m: &Model| {
            let mut ev: Vec<(u32, TraceEvent)> = Vec::new();
            run_one(m, 5, trial, &mut ev);
            ev.into_iter()
                .filter(|(_, e)| matches!(e, TraceEvent::Event { .. }))
                .map(|(d, _)| d)
                .collect::<Vec<u32>>()
        };
        let (a, b) = (days(&base), days(&talks));
        assert_eq!(a, b, "shock days differ in trial {trial}");
        fired += a.len();
    }
    assert!(
        fired > 100,
        "the shock must fire for the test to mean anything ({fired})"
    );
}

#[test]
fn groups_untouched_by_a_policy_keep_their_violence_draws() {
    // `nothing` changes nothing, so everything is equal; `drop-first` removes a
    // rule that almost never fires: trials where it never fired must have the
    // very same attacks, whatever the decisions stream did elsewhere.
    let base = model(None);
    let drop = model(Some("drop-first"));
    let mut same = 0;
    for trial in 0..100 {
        let mut ev: Vec<(u32, TraceEvent)> = Vec::new();
        let a = run_one(&base, 3, trial, &mut ev);
        let fired_first = ev.iter().any(|(_, e)| {
            matches!(
                e,
                TraceEvent::Lever {
                    cause: escalate::core::engine::Cause::Rule(0),
                    ..
                }
            )
        });
        let b = run_one(&drop, 3, trial, &mut escalate::core::engine::NoTrace);
        if !fired_first {
            assert_eq!(a.metrics, b.metrics, "trial {trial}");
            assert_eq!(a.class, b.class);
            same += 1;
        }
    }
    assert!(same > 50, "{same}");
}

#[test]
fn a_policy_that_changes_nothing_differs_by_exactly_zero() {
    let base = model(None);
    let nothing = model(Some("nothing"));
    let named = [&base, &nothing];
    let cmp = compare_on(&named, 2500, None);
    assert_eq!(cmp.summaries[0], cmp.summaries[1]);
    for (m, p) in cmp.paired.metrics[1].iter().enumerate() {
        assert_eq!(
            (p.sum_diff, p.sum_sq_diff),
            (0, escalate::core::stats::U256::ZERO),
            "metric {m}"
        );
        assert_eq!((p.better, p.worse), (0, 0), "metric {m}");
        assert_eq!(p.equal, 2500);
        if let Some(e) = p.estimate(escalate::core::stats::Z95) {
            assert_eq!(e.mean, 0.0);
            assert_eq!(e.ci95, [0.0, 0.0]);
        }
    }
    for c in &cmp.paired.classes[1] {
        assert_eq!((c.reference_only, c.policy_only), (0, 0));
        let (d, _) = c.difference(escalate::core::stats::Z95);
        assert_eq!(d, 0.0);
    }
    // And the summaries really vary: the zero is not from constant metrics.
    assert!(cmp.summaries[0].metrics[0].sd().unwrap() > 1.0);
}

#[test]
fn a_comparison_has_the_same_bits_for_any_thread_count_and_matches_each_run() {
    let base = model(None);
    let talks = model(Some("talks"));
    let named = [&base, &talks];
    let run = |threads| {
        let exec = Executor::new(Some(threads)).expect("threads");
        compare::run(&exec, &named, 4, 0..2300, None, |_| {})
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    // Each policy's summary is exactly its own run's.
    let exec = Executor::new(Some(2)).expect("threads");
    let alone = summarise(&exec, &talks, 4, 0..2300, None, |_| {});
    assert_eq!(one.summaries[1], alone);
}
