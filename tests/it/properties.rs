//! Random valid scenarios run with counts that add up (issue 11, item 6):
//! a property test over every parameter of every bundled scenario.
//!
//! Each case takes a bundled scenario and gives every parameter a fixed
//! value drawn within its validated range (a probability in 0..1; a count
//! from 0 up to four times the scenario's own value; a rate that may be
//! negative from -4 to 4 times it; a parameter with a documented range,
//! docs/scenario-format.md, mostly near its scenario value and one case in
//! ten at the range's top end), a horizon and a seed. The scenario must validate, and its trials must
//! count consistently: deaths by category sum to the total, victims are the
//! civilian and security deaths, every actor's deaths sum to at most the
//! total, and the classes of the run count every trial once.
//!
//! And (issue 12) random doctrines over the same scenarios: rules that wake
//! on what they read give the trials and traces of rules asked every day.

use escalate::core::engine::{NoTrace, TraceEvent, Trial, TrialOutcome};
use escalate::core::model;
use escalate::core::scenario::paths::{Range, for_each_param};
use escalate::core::scenario::types::{Condition, Scenario};
use escalate::core::scenario::{self, BUNDLED, Param, Source};
use escalate::core::streams::StreamKeys;
use escalate::run::Executor;
use escalate::run::trials::summarise;
use proptest::prelude::*;

/// Trials run per case.
const TRIALS: u64 = 20;

/// `value` for a parameter of `range` whose scenario value is `was`, from a
/// uniform `u` in `[0, 1)`.
fn within(range: Range, was: f64, u: f64) -> f64 {
    let scale = was.abs().max(1e-3);
    match range {
        Range::Unit => u,
        Range::NonNegative => 4.0 * scale * u,
        Range::Any => scale * (8.0 * u - 4.0),
        // A documented range: mostly magnitudes near the scenario's own,
        // one case in ten the range's top end (where overflow would show).
        Range::Limited(l) if u >= 0.9 => l.hi,
        Range::Limited(l) => (l.lo + 4.0 * scale * u / 0.9).clamp(l.lo, l.hi),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_scenarios_count_every_death_and_trial_once(
        which in 0..BUNDLED.len(),
        uniforms in proptest::collection::vec(0.0f64..1.0, 400),
        horizon in 1u32..=730,
        seed in any::<u64>(),
    ) {
        let src = Source::bundled(&BUNDLED[which]);
        let mut s = scenario::parse(&src).expect("bundled scenarios parse");
        let mut k = 0;
        for_each_param(&mut s, &mut |pp, p| {
            let was = p.quantile(0.5);
            *p = Param::Fixed(within(pp.range, was, uniforms[k % uniforms.len()]));
            k += 1;
        });
        // Events and periods must fall within the horizon: keep theirs.
        let horizon = horizon.max(s.horizon);
        s.horizon = horizon;
        let v = scenario::validate(s, &src);
        prop_assert!(v.is_ok(), "{}: a scenario within the ranges refused: {:?}", BUNDLED[which].name, v.err());
        let model = model::compile(&v.unwrap());
        let layout = &model.metrics;
        let keys = StreamKeys::new(seed, &model);
        let mut trial = Trial::new(&model);
        let mut out = TrialOutcome::new(&model);
        for i in 0..TRIALS {
            trial.run(&keys, i, &mut out, &mut NoTrace);
            let m = |slot: usize| out.metrics[slot];
            let [civilian, security, militant] = layout.deaths_by_category.map(m);
            let by_category = civilian.checked_add(security).and_then(|x| x.checked_add(militant));
            prop_assert_eq!(by_category, Some(m(layout.deaths)), "trial {}", i);
            prop_assert_eq!(civilian + security, m(layout.victims), "trial {}", i);
            let by_actor: u64 = layout
                .actor_deaths
                .iter()
                .flatten()
                .flatten()
                .map(|&slot| m(slot))
                .sum();
            prop_assert_eq!(by_actor, m(layout.deaths), "trial {}: deaths by actor", i);
            prop_assert!((out.class as usize) < model.classes.len());
        }
        let exec = Executor::new(Some(1)).expect("one thread");
        let summary = summarise(&exec, &model, seed, 0..TRIALS, None, |_| {});
        prop_assert_eq!(summary.trials, TRIALS);
        prop_assert_eq!(summary.classes.iter().sum::<u64>(), TRIALS);
        for stats in &summary.metrics {
            prop_assert!(stats.present <= TRIALS);
            prop_assert!(stats.min <= stats.max || stats.present == 0);
        }
    }
}

/// Every leaf of every doctrine condition of `s` (what random conditions are
/// built from).
fn leaves(s: &Scenario) -> Vec<Condition> {
    fn walk(c: &Condition, out: &mut Vec<Condition>) {
        match c {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| walk(c, out)),
            Condition::Not(c) => walk(c, out),
            Condition::Always => {}
            leaf => out.push(leaf.clone()),
        }
    }
    let mut out = Vec::new();
    for d in &s.doctrines {
        for r in &d.rules {
            walk(&r.when, &mut out);
        }
    }
    out
}

/// A random condition of depth at most `depth` from `leaves`, its windows
/// and days redrawn within `horizon`, choices taken from `pick`.
fn random_condition(
    leaves: &[Condition],
    horizon: u32,
    depth: u32,
    pick: &mut impl FnMut(u32) -> u32,
) -> Condition {
    let leaf = |pick: &mut dyn FnMut(u32) -> u32| {
        let mut c = leaves[pick(leaves.len() as u32) as usize].clone();
        match &mut c {
            Condition::Casualties { window, .. } | Condition::Attacks { window, .. } => {
                *window = 1 + pick(horizon.clamp(1, 30));
            }
            Condition::LeverUsed { within, .. } => *within = 1 + pick(30),
            Condition::DayAtLeast(d) => *d = pick(horizon + 1),
            _ => {}
        }
        c
    };
    match if depth == 0 { 0 } else { pick(7) } {
        0..=2 if !leaves.is_empty() => leaf(pick),
        0..=3 => match pick(3) {
            0 => Condition::Always,
            _ => Condition::DayAtLeast(pick(horizon + 1)),
        },
        4 => Condition::Not(Box::new(random_condition(leaves, horizon, depth - 1, pick))),
        k => {
            let kids = (0..1 + pick(3))
                .map(|_| random_condition(leaves, horizon, depth - 1, pick))
                .collect();
            if k == 5 {
                Condition::All(kids)
            } else {
                Condition::Any(kids)
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Issue 12: rules asked only on the days their answer may have changed
    /// give the same trials, draw for draw and event for event, as rules
    /// asked every day off cooldown. Random bundled scenarios with every
    /// parameter redrawn (thresholds and probabilities too), every rule's
    /// condition replaced by a random tree of the scenario's own leaves
    /// (windows and days redrawn) and random cooldowns.
    #[test]
    fn rules_that_wake_on_what_they_read_equal_full_polling(
        which in 0..BUNDLED.len(),
        uniforms in proptest::collection::vec(0.0f64..1.0, 400),
        choices in proptest::collection::vec(any::<u32>(), 1..400),
        horizon in 1u32..=500,
        seed in any::<u64>(),
    ) {
        let src = Source::bundled(&BUNDLED[which]);
        let mut s = scenario::parse(&src).expect("bundled scenarios parse");
        let horizon = horizon.max(s.horizon);
        s.horizon = horizon;
        let mut k = 0;
        let mut pick = |n: u32| {
            k += 1;
            choices[k % choices.len()] % n.max(1)
        };
        let leaves = leaves(&s);
        for d in &mut s.doctrines {
            for r in &mut d.rules {
                r.when = random_condition(&leaves, horizon, 3, &mut pick);
                r.cooldown = pick(40);
            }
        }
        let mut k = 0;
        for_each_param(&mut s, &mut |pp, p| {
            let was = p.quantile(0.5);
            *p = Param::Fixed(within(pp.range, was, uniforms[k % uniforms.len()]));
            k += 1;
        });
        let v = scenario::validate(s, &src);
        prop_assert!(v.is_ok(), "{}: a random doctrine refused: {:?}", BUNDLED[which].name, v.err());
        let model = model::compile(&v.unwrap());
        let keys = StreamKeys::new(seed, &model);
        let mut waking = Trial::new(&model);
        let mut polling = Trial::new(&model);
        polling.poll_every_rule(true);
        let (mut a, mut b) = (TrialOutcome::new(&model), TrialOutcome::new(&model));
        for i in 0..8 {
            let mut trace_a: Vec<(u32, TraceEvent)> = Vec::new();
            let mut trace_b: Vec<(u32, TraceEvent)> = Vec::new();
            waking.run(&keys, i, &mut a, &mut trace_a);
            polling.run(&keys, i, &mut b, &mut trace_b);
            prop_assert_eq!(&trace_a, &trace_b, "trial {}: the traces differ", i);
            prop_assert_eq!(&a, &b, "trial {}: the outcomes differ", i);
        }
    }
}

/// Found by the fuzzer (minimal, mutant 442): `attack_rate: 1e19` validated,
/// and a trial's deaths wrapped past u64 (the total no longer the sum of its
/// categories). Now refused by attack_rate's range; should a range widen,
/// the counts must still add up.
#[test]
fn regression_attack_rate_1e19_deaths_add_up_or_are_refused() {
    let b = BUNDLED.iter().find(|b| b.name == "minimal").unwrap();
    let text = b
        .text
        .replacen("attack_rate: 0.3,", "attack_rate: 1e19,", 1);
    let src = Source {
        name: "minimal.ron".into(),
        text,
    };
    let Ok(v) = scenario::load(&src) else {
        return; // refused: what item 2 asks for
    };
    let model = model::compile(&v);
    let layout = &model.metrics;
    let keys = StreamKeys::new(1, &model);
    let mut trial = Trial::new(&model);
    let mut out = TrialOutcome::new(&model);
    for i in 0..3 {
        trial.run(&keys, i, &mut out, &mut NoTrace);
        let by_category = layout
            .deaths_by_category
            .iter()
            .try_fold(0u64, |sum, &m| sum.checked_add(out.metrics[m]));
        assert_eq!(by_category, Some(out.metrics[layout.deaths]), "trial {i}");
    }
}
