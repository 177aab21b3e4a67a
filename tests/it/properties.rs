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

use escalate::core::engine::{NoTrace, Trial, TrialOutcome};
use escalate::core::model;
use escalate::core::scenario::paths::{Range, for_each_param};
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
