//! One test per lever kind: its documented direction of effect.
//!
//! Every comparison runs two variants of one small scenario (built here from
//! [`BASE`]) over the same seed and the same 2,000 trial indices, so the two
//! arms share their random streams (common random numbers) and differ only by
//! the lever. A rule "forced on" has probability 1, "forbidden" probability 0:
//! the rule is there in both, so the decision stream is drawn the same way.
//!
//! Effects are asserted on paired per-trial differences: the mean difference
//! must have the documented sign and be at least [`Z`] standard errors away
//! from zero, so a correct model passes robustly and an absent or reversed
//! effect fails. Where a lever's effect is exact (deportation volume, closure
//! days) the exact value is asserted.

use std::collections::BTreeMap;

use escalate::core::engine::{TraceEvent, Tracer, Trial, TrialOutcome};
use escalate::core::model::{self, Model};
use escalate::core::scenario::{self, Source};
use escalate::core::streams::StreamKeys;

const SEED: u64 = 20240318;
const TRIALS: u64 = 2000;
/// Standard errors a paired mean difference must clear.
const Z: f64 = 5.0;

/// A small scenario: state A attacked by group G from state B's territory,
/// an outside power P, and a `mark` lever that does nothing and is used only
/// to count how often a condition held (its rule, when present, is the probe).
const BASE: &str = r#"
Scenario(
    name: "lever test",
    horizon: 365,
    ladder: ["calm", "protest", "closure", "skirmish", "strike", "war"],
    dynamics: (calm_days: 20, rung_decay: 0.05, tension_decay: 0.02, tension_per_death: 0.02, pressure_decay: 0.05),
    actors: [
        (id: "A", kind: State, capability: 0.8, resolve: 0.5, refugees: REFUGEES),
        (id: "B", kind: State, capability: 0.5, resolve: 0.5),
        (id: "P", kind: OutsidePower),
        (id: "G", kind: ArmedGroup(
            fighters: Uniform(1500, 2500), recruitment: 0.0, host: "B",
            sanctuary: 0.5, sanctuary_weight: 0.6, targets: "A", attack_rate: 0.3,
            casualties: (civilian: 0.6, security: 0.8, militant: 0.3),
        )),
        ACTORS
    ],
    dyads: [
        (between: ("A", "B"), tension: 0.3, rung: "protest"),
        (between: ("B", "P"), tension: 0.1, rung: "calm"),
    ],
    levers: [
        (id: "mark", description: "does nothing: counts a condition", effect: Aid(economy_gain: 0.0)),
        LEVERS
    ],
    doctrines: [ DOCTRINES ],
    events: [ EVENTS ],
    outcomes: (classes: [], default: "any"),
)
"#;

/// A variant of [`BASE`].
#[derive(Clone, Default)]
struct Variant {
    levers: &'static str,
    /// Actors added after G (none by default).
    actors: &'static str,
    doctrines: String,
    events: &'static str,
    refugees: u64,
}

impl Variant {
    fn text(&self) -> String {
        BASE.replace("LEVERS", self.levers)
            .replace("ACTORS", self.actors)
            .replace("DOCTRINES", &self.doctrines)
            .replace("EVENTS", self.events)
            .replace("REFUGEES", &self.refugees.to_string())
    }

    fn model(&self) -> Model {
        let src = Source {
            name: "levers-fixture.ron".into(),
            text: self.text(),
        };
        let v = scenario::load(&src).unwrap_or_else(|e| {
            panic!("fixture invalid: {e:?}\n{}", src.text);
        });
        model::compile(&v)
    }
}

/// Counts lever uses per trial, without allocating.
struct Uses([u64; 16]);

impl Tracer for Uses {
    fn record(&mut self, _: u32, e: TraceEvent) {
        if let TraceEvent::Lever { lever, .. } = e {
            self.0[lever as usize] += 1;
        }
    }
}

/// Per-trial metrics of one arm, by name (`uses.LEVER` counts a lever's uses).
struct Arm {
    metrics: BTreeMap<String, Vec<f64>>,
}

impl Arm {
    fn run(v: &Variant) -> Arm {
        let model = v.model();
        let keys = StreamKeys::new(SEED, &model);
        let mut trial = Trial::new(&model);
        let mut out = TrialOutcome::new(&model);
        let mut metrics: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for i in 0..TRIALS {
            let mut uses = Uses([0; 16]);
            trial.run(&keys, i, &mut out, &mut uses);
            for (d, &x) in model.metrics.defs.iter().zip(&out.metrics) {
                let x = if x == model::NONE { f64::NAN } else { x as f64 };
                metrics.entry(d.name.clone()).or_default().push(x);
            }
            for (k, l) in model.levers.iter().enumerate() {
                metrics
                    .entry(format!("uses.{}", l.id))
                    .or_default()
                    .push(uses.0[k] as f64);
            }
        }
        Arm { metrics }
    }

    fn get(&self, name: &str) -> &[f64] {
        self.metrics
            .get(name)
            .unwrap_or_else(|| panic!("no metric `{name}`"))
    }

    fn mean(&self, name: &str) -> f64 {
        let xs = self.get(name);
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    fn min(&self, name: &str) -> f64 {
        self.get(name).iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn max(&self, name: &str) -> f64 {
        self.get(name)
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Mean and standard error of the paired differences `a - b` of a metric.
fn paired(a: &Arm, b: &Arm, name: &str) -> (f64, f64) {
    let d: Vec<f64> = a
        .get(name)
        .iter()
        .zip(b.get(name))
        .map(|(x, y)| x - y)
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// `a`'s metric is higher than `b`'s: the paired mean difference is positive
/// and at least Z standard errors (and, when the difference is exact, > 0).
fn assert_higher(a: &Arm, b: &Arm, name: &str, what: &str) {
    let (d, se) = paired(a, b, name);
    assert!(
        d > 0.0 && d >= Z * se,
        "{what}: expected `{name}` higher: mean {:.3} vs {:.3}, paired difference {d:.3} ± {se:.3}",
        a.mean(name),
        b.mean(name)
    );
}

fn assert_lower(a: &Arm, b: &Arm, name: &str, what: &str) {
    assert_higher(b, a, name, what);
}

/// A doctrine list with one rule for `actor`, plus optional extra doctrines.
fn rule(actor: &str, body: &str) -> String {
    format!(r#"(actor: "{actor}", rules: [{body}]),"#)
}

/// The two arms of a rule forced on (probability 1) and forbidden (0).
/// `template` holds `PROB` where the probability goes.
fn on_off(levers: &'static str, actor: &str, template: &str, extra: &str) -> (Arm, Arm) {
    let make = |p: &str| Variant {
        levers,
        doctrines: format!("{}{extra}", rule(actor, &template.replace("PROB", p))),
        ..Default::default()
    };
    (Arm::run(&make("1.0")), Arm::run(&make("0.0")))
}

#[test]
fn airstrike_kills_militants_counts_strikes_and_raises_the_rung() {
    let (on, off) = on_off(
        r#"(id: "strike", effect: Airstrike(militants_killed: 15, civilians_killed: 5, pressure: 0.3, backlash: 0.5), min_rung: "strike", tension: 0.3),"#,
        "A",
        r#"(name: "s", when: Always, then: "strike", on: "G", probability: PROB, cooldown: 30)"#,
        "",
    );
    let what = "airstrike forced on vs forbidden";
    assert_higher(&on, &off, "deaths.G.militant", what);
    assert_higher(&on, &off, "deaths.B.civilian", what);
    assert_lower(&on, &off, "attacks.G", what); // counter-terror pressure
    assert!(on.min("strikes") >= 1.0, "{what}: a trial without a strike");
    assert_eq!(off.max("strikes"), 0.0, "{what}: strikes while forbidden");
    assert_eq!(
        on.max("first_strike_day"),
        0.0,
        "{what}: first strike on day 0"
    );
    assert!(off.get("first_strike_day").iter().all(|x| x.is_nan()));
    // min_rung "strike" is rung 4: every trial reaches it.
    assert!(
        on.min("peak_rung.A-B") >= 4.0,
        "{what}: peak below min_rung"
    );
    assert!(off.max("peak_rung.A-B") < 4.0);
}

#[test]
fn ground_operation_kills_militants_costs_soldiers_and_presses_the_group() {
    let (on, off) = on_off(
        r#"(id: "ground", effect: GroundOperation(militants_killed: 25, civilians_killed: 2, security_lost: 6, pressure: 0.3, backlash: 0.2), min_rung: "skirmish", tension: 0.2),"#,
        "A",
        r#"(name: "g", when: Always, then: "ground", on: "G", probability: PROB, cooldown: 30)"#,
        "",
    );
    let what = "ground operation forced on vs forbidden";
    assert_higher(&on, &off, "deaths.G.militant", what);
    assert_lower(&on, &off, "attacks.G", what);
    assert_higher(&on, &off, "days_at.A-B.skirmish", what);
    assert!(
        on.min("strikes") >= 1.0,
        "{what}: a cross-border operation counts"
    );
    assert!(on.min("peak_rung.A-B") >= 3.0);
}

#[test]
fn border_clash_kills_the_targets_security_forces() {
    let (on, off) = on_off(
        r#"(id: "clash", effect: BorderClash(security_killed: 3, own_losses: 2), min_rung: "skirmish", tension: 0.1),"#,
        "B",
        r#"(name: "c", when: Always, then: "clash", on: "A", probability: PROB, cooldown: 10)"#,
        "",
    );
    let what = "border clash forced on vs forbidden";
    assert_higher(&on, &off, "deaths.A.security", what);
    assert_higher(&on, &off, "deaths.B.security", what); // own losses
    assert!(
        on.min("peak_rung.A-B") >= 3.0,
        "{what}: rung below skirmish"
    );
    assert_eq!(off.max("peak_rung.A-B"), 1.0);
    assert_eq!(on.max("strikes"), 0.0, "a clash is not an airstrike");
}

#[test]
fn mobilization_raises_the_rung() {
    let (on, off) = on_off(
        r#"(id: "mobilise", effect: Mobilization, min_rung: "skirmish", tension: 0.1),"#,
        "B",
        r#"(name: "m", when: Always, then: "mobilise", on: "A", probability: PROB, cooldown: 30)"#,
        "",
    );
    let what = "mobilisation forced on vs forbidden";
    assert!(
        on.min("peak_rung.A-B") >= 3.0,
        "{what}: peak below min_rung"
    );
    assert_higher(&on, &off, "final_rung.A-B", what);
    assert_higher(&on, &off, "days_at.A-B.skirmish", what);
    assert_lower(&on, &off, "days_at.A-B.calm", what);
    // No shots fired.
    assert_eq!(on.mean("deaths.B.security"), 0.0);
}

#[test]
fn talks_reduce_attacks() {
    let (on, off) = on_off(
        r#"(id: "talks", effect: Talks(attack_factor: 0.3, duration: 60, ceasefire_chance: 0.0), tension: -0.1),"#,
        "A",
        r#"(name: "t", when: Always, then: "talks", on: "G", probability: PROB, cooldown: 60)"#,
        "",
    );
    let what = "talks forced on vs forbidden";
    assert_lower(&on, &off, "attacks.G", what);
    assert_lower(&on, &off, "deaths.A.civilian", what);
    assert_eq!(
        on.max("ceasefires_made"),
        0.0,
        "ceasefire_chance 0 makes none"
    );
}

#[test]
fn talks_can_end_in_a_ceasefire() {
    let (on, _) = on_off(
        r#"(id: "cf", effect: Ceasefire(attack_factor: 0.1, duration: 30, break_hazard: 0.0)),
           (id: "talks", effect: Talks(attack_factor: 0.5, duration: 20, ceasefire_chance: 1.0, ceasefire: "cf")),"#,
        "A",
        r#"(name: "t", when: DayAtLeast(10), then: "talks", on: "G", probability: PROB, cooldown: 1000)"#,
        "",
    );
    // Talks on day 10 for 20 days end on day 30 in a ceasefire, every time.
    assert_eq!(on.min("ceasefires_made"), 1.0);
    assert_eq!(on.max("ceasefires_made"), 1.0);
    assert_eq!(on.mean("uses.cf"), 1.0);
}

#[test]
fn ceasefire_reduces_attacks_and_breaks_under_hazard() {
    let cf = |hazard: &str| -> &'static str {
        match hazard {
            "0" => {
                r#"(id: "cf", effect: Ceasefire(attack_factor: 0.1, duration: 30, break_hazard: 0.0)),"#
            }
            _ => {
                r#"(id: "cf", effect: Ceasefire(attack_factor: 0.1, duration: 30, break_hazard: 1.0)),"#
            }
        }
    };
    let body = r#"(name: "c", when: Always, then: "cf", on: "G", probability: PROB, cooldown: 30)"#;
    let (on, off) = on_off(cf("0"), "A", body, "");
    let what = "ceasefire forced on vs forbidden";
    assert_lower(&on, &off, "attacks.G", what);
    assert!(on.min("ceasefires_made") > 0.0, "{what}: none made");
    assert_eq!(on.max("ceasefires_broken"), 0.0, "hazard 0 never breaks");
    assert_eq!(off.max("ceasefires_made"), 0.0);

    let (fragile, _) = on_off(cf("1"), "A", body, "");
    assert!(
        fragile.min("ceasefires_broken") > 0.0,
        "hazard 1.0: none broken"
    );
    // Each is broken the day after it is made, except one made on the last day.
    let (made, broken) = (
        fragile.mean("ceasefires_made"),
        fragile.mean("ceasefires_broken"),
    );
    assert!(
        broken <= made && broken >= made - 1.0,
        "made {made}, broken {broken}"
    );
    // A ceasefire that breaks at once cuts fewer attacks than one that holds.
    assert_higher(&fragile, &on, "attacks.G", "broken vs holding ceasefire");
}

#[test]
fn mediation_lowers_tension_rung_and_retaliation() {
    // B retaliates on A whenever tension is high; attacks keep tension near 0.6.
    let levers = r#"(id: "clash", effect: BorderClash(security_killed: 2, own_losses: 1), min_rung: "skirmish", tension: 0.05),
        (id: "mediate", effect: Mediation(between: ("A", "B"), success: 1.0, tension_drop: 0.3, steps_down: 2)),"#;
    let retaliate = rule(
        "B",
        r#"(name: "r", when: TensionAtLeast(between: ("A", "B"), value: 0.5), then: "clash", on: "A", probability: 0.3, cooldown: 7)"#,
    );
    let (on, off) = on_off(
        levers,
        "P",
        r#"(name: "m", when: Always, then: "mediate", probability: PROB, cooldown: 10)"#,
        &retaliate,
    );
    let what = "mediation (success 1) forced on vs forbidden";
    assert!(
        off.mean("uses.clash") > 5.0,
        "the fixture retaliates without mediation"
    );
    assert_lower(&on, &off, "uses.clash", what);
    assert_lower(&on, &off, "final_rung.A-B", what);
    assert_lower(&on, &off, "days_at.A-B.skirmish", what);
}

fn deport_variant(refugees: u64, events: &'static str, doctrines: &str) -> Variant {
    Variant {
        levers: r#"(id: "deport", effect: Deportation(per_day: 1000, duration: 30, backlash: 50)),"#,
        doctrines: doctrines.to_string(),
        events,
        refugees,
        ..Default::default()
    }
}

const DEPORT_DAY_10: &str = r#"(name: "order", trigger: Day(day: 10, probability: 1.0), action: Lever(actor: "A", lever: "deport", on: "B")),"#;

#[test]
fn deportation_moves_per_day_times_duration_and_feeds_recruitment() {
    let on = Arm::run(&deport_variant(100_000, DEPORT_DAY_10, ""));
    let off = Arm::run(&deport_variant(100_000, "", ""));
    // 1,000 a day for 30 days, stock permitting: exactly 30,000 in every trial.
    assert_eq!(on.min("deported"), 30_000.0);
    assert_eq!(on.max("deported"), 30_000.0);
    assert_eq!(off.max("deported"), 0.0);
    // Backlash: 50 recruits per 10,000 deported for the group B hosts.
    assert_higher(&on, &off, "fighters_end.G", "deportation vs none");
    let (d, _) = paired(&on, &off, "fighters_end.G");
    assert!(
        d > 100.0,
        "about 150 recruits expected, got {d:.1} more fighters"
    );

    // The stock limits it.
    let short = Arm::run(&deport_variant(10_000, DEPORT_DAY_10, ""));
    assert_eq!(short.min("deported"), 10_000.0);
    assert_eq!(short.max("deported"), 10_000.0);
}

/// A programme lever (deportation, trade closure, talks, ceasefire) used by a
/// doctrine rule, which fires after the day's programmes have run, starts the
/// next day and runs its full duration, like the same lever used by an event.
///
/// Regression: rule-started programmes ran `duration - 1` days (the lever
/// ended at `day + duration` though its first day had already passed); fixed
/// in the engine, results changed with pin `1ceaeb44…` (CHANGELOG.md).
#[test]
fn regression_rule_started_programme_runs_its_full_length() {
    // The same drive, ordered by a doctrine rule instead of an event.
    let doctrine = rule(
        "A",
        r#"(name: "d", when: DayAtLeast(10), then: "deport", on: "B", probability: 1.0, cooldown: 1000)"#,
    );
    let on = Arm::run(&deport_variant(100_000, "", &doctrine));
    assert_eq!(on.mean("uses.deport"), 1.0);
    assert_eq!(
        on.min("deported"),
        30_000.0,
        "a 30-day drive of 1,000 a day ordered by a rule"
    );
    assert_eq!(on.max("deported"), 30_000.0);
}

#[test]
fn trade_closure_loses_trade_and_raises_tension() {
    // Probe: P's `mark` fires each day tension A-B is at least 0.8.
    let probe = rule(
        "P",
        r#"(name: "probe", when: TensionAtLeast(between: ("A", "B"), value: 0.8), then: "mark", on: "A", probability: 1.0, cooldown: 1)"#,
    );
    let (on, off) = on_off(
        r#"(id: "close", effect: TradeClosure(trade_per_day: 500, duration: 30, economy_cost: 0.001), min_rung: "closure", tension: 0.2),"#,
        "A",
        r#"(name: "c", when: Always, then: "close", on: "B", probability: PROB, cooldown: 60)"#,
        &probe,
    );
    let what = "trade closure forced on vs forbidden";
    assert!(on.min("trade_lost") > 0.0, "{what}: no trade lost");
    assert!(on.min("closure_days") > 0.0);
    assert_eq!(off.max("trade_lost"), 0.0);
    assert_eq!(off.max("closure_days"), 0.0);
    assert_eq!(on.min("trade_lost"), 500.0 * on.min("closure_days"));
    assert_higher(&on, &off, "uses.mark", what);
    assert!(on.min("peak_rung.A-B") >= 2.0, "closure raises the rung");
}

#[test]
fn trade_reopening_shortens_a_closure() {
    let levers = r#"(id: "close", effect: TradeClosure(trade_per_day: 500, duration: 200, economy_cost: 0.001), min_rung: "closure", tension: 0.1),
        (id: "reopen", effect: TradeReopening, tension: -0.1),"#;
    let closure = Variant {
        levers,
        events: r#"(name: "close", trigger: Day(day: 10, probability: 1.0), action: Lever(actor: "A", lever: "close", on: "B")),"#,
        ..Default::default()
    };
    let both = Variant {
        events: r#"(name: "close", trigger: Day(day: 10, probability: 1.0), action: Lever(actor: "A", lever: "close", on: "B")),
            (name: "reopen", trigger: Day(day: 40, probability: 1.0), action: Lever(actor: "A", lever: "reopen", on: "B")),"#,
        ..closure.clone()
    };
    let (closed, reopened) = (Arm::run(&closure), Arm::run(&both));
    assert_eq!(closed.min("closure_days"), 200.0);
    assert_eq!(closed.max("closure_days"), 200.0);
    // Closed on day 10, reopened on day 40: 30 days.
    assert_eq!(reopened.min("closure_days"), 30.0);
    assert_eq!(reopened.max("closure_days"), 30.0);
    assert_lower(
        &reopened,
        &closed,
        "trade_lost",
        "closure then reopening vs closure",
    );
}

#[test]
fn sanctuary_raises_attacks() {
    let (on, off) = on_off(
        r#"(id: "shelter", effect: Sanctuary(hold: 0.4)),"#,
        "B",
        r#"(name: "s", when: Always, then: "shelter", on: "G", probability: PROB, cooldown: 1000)"#,
        "",
    );
    assert_higher(&on, &off, "attacks.G", "sanctuary forced on vs forbidden");
    assert_higher(
        &on,
        &off,
        "deaths.A.security",
        "sanctuary forced on vs forbidden",
    );
}

#[test]
fn crackdown_reduces_attacks() {
    let (on, off) = on_off(
        r#"(id: "crack", effect: Crackdown(hold: 0.4, militants_killed: 20)),"#,
        "B",
        r#"(name: "c", when: Always, then: "crack", on: "G", probability: PROB, cooldown: 1000)"#,
        "",
    );
    let what = "crackdown forced on vs forbidden";
    assert_lower(&on, &off, "attacks.G", what);
    assert_lower(&on, &off, "fighters_end.G", what);
}

/// Probe: P's `mark` fires each day B's economy is below 0.7.
fn economy_probe() -> String {
    rule(
        "P",
        r#"(name: "probe", when: EconomyBelow(of: "B", value: 0.7), then: "mark", on: "A", probability: 1.0, cooldown: 1)"#,
    )
}

#[test]
fn sanctions_hurt_the_targets_economy() {
    let (on, off) = on_off(
        r#"(id: "sanction", effect: Sanctions(economy_cost: 0.1)),"#,
        "A",
        r#"(name: "s", when: Always, then: "sanction", on: "B", probability: PROB, cooldown: 30)"#,
        &economy_probe(),
    );
    assert_higher(&on, &off, "uses.mark", "sanctions forced on vs forbidden");
    assert_eq!(off.max("uses.mark"), 0.0);
}

#[test]
fn aid_restores_the_targets_economy() {
    // A sanctions B every 30 days; P may send aid every 30 days.
    let levers = r#"(id: "sanction", effect: Sanctions(economy_cost: 0.1)),
        (id: "aid", effect: Aid(economy_gain: 0.05)),"#;
    let sanctions = rule(
        "A",
        r#"(name: "s", when: Always, then: "sanction", on: "B", probability: 1.0, cooldown: 30)"#,
    );
    let make = |p: &str| Variant {
        levers,
        doctrines: format!(
            "{sanctions}{}",
            rule(
                "P",
                &format!(
                    r#"(name: "probe", when: EconomyBelow(of: "B", value: 0.7), then: "mark", on: "A", probability: 1.0, cooldown: 1),
                       (name: "aid", when: Always, then: "aid", on: "B", probability: {p}, cooldown: 30)"#
                ),
            )
        ),
        ..Default::default()
    };
    let (on, off) = (Arm::run(&make("1.0")), Arm::run(&make("0.0")));
    assert!(
        off.min("uses.mark") > 0.0,
        "sanctions alone push B below 0.7"
    );
    assert_lower(&on, &off, "uses.mark", "aid forced on vs forbidden");
}

#[test]
fn proxy_support_raises_attacks() {
    let (on, off) = on_off(
        r#"(id: "proxy", effect: ProxySupport(fighters: 500, recruitment: 0.001)),"#,
        "P",
        r#"(name: "p", when: Always, then: "proxy", on: "G", probability: PROB, cooldown: 60)"#,
        "",
    );
    let what = "proxy support forced on vs forbidden";
    assert_higher(&on, &off, "attacks.G", what);
    assert_higher(&on, &off, "fighters_end.G", what);
}

#[test]
fn proxy_support_reaches_a_group_that_fights_another_state() {
    // R fights B (the state that hosts G), with no host; P may back it.
    let make = |p: &str| Variant {
        levers: r#"(id: "proxy", effect: ProxySupport(fighters: 500, recruitment: 0.001)),"#,
        actors: r#"(id: "R", kind: ArmedGroup(
            fighters: Uniform(800, 1200), targets: "B", attack_rate: 0.2,
            casualties: (civilian: 0.2, security: 1.0, militant: 0.5),
        )),"#,
        doctrines: rule(
            "P",
            &format!(
                r#"(name: "p", when: Always, then: "proxy", on: "R", probability: {p}, cooldown: 60)"#
            ),
        ),
        ..Default::default()
    };
    let (on, off) = (Arm::run(&make("1.0")), Arm::run(&make("0.0")));
    let what = "proxy support to a group fighting B, forced on vs forbidden";
    assert_higher(&on, &off, "attacks.R", what);
    assert_higher(&on, &off, "fighters_end.R", what);
    assert_higher(&on, &off, "deaths.B.security", what);
    // The war on A is untouched: G's draws and A's deaths are the same.
    assert_eq!(on.get("attacks.G"), off.get("attacks.G"));
    assert_eq!(on.get("deaths.A.security"), off.get("deaths.A.security"));
}

/// Probes: P's `mark` fires each day B's economy is below 0.7, `mark_a` each
/// day A's is.
fn both_economies_probe() -> String {
    rule(
        "P",
        r#"(name: "probe", when: EconomyBelow(of: "B", value: 0.7), then: "mark", on: "A", probability: 1.0, cooldown: 1),
           (name: "probe-a", when: EconomyBelow(of: "A", value: 0.7), then: "mark_a", on: "B", probability: 1.0, cooldown: 1)"#,
    )
}

#[test]
fn trade_diversification_lowers_a_closures_cost_to_the_side_that_diversified() {
    // A closes the border with B for the whole year from day 0; B may start
    // moving its trade to other routes on day 0.
    let levers = r#"(id: "mark_a", description: "does nothing: counts a condition", effect: Aid(economy_gain: 0.0)),
        (id: "close", effect: TradeClosure(trade_per_day: 100, duration: 400, economy_cost: 0.002)),
        (id: "diversify", effect: TradeDiversification(per_day: 0.01, floor: 0.2)),"#;
    let closure = rule(
        "A",
        r#"(name: "c", when: Always, then: "close", on: "B", probability: 1.0, cooldown: 1000)"#,
    );
    let make = |p: &str| Variant {
        levers,
        doctrines: format!(
            "{closure}{}{}",
            rule(
                "B",
                &format!(
                    r#"(name: "d", when: Always, then: "diversify", probability: {p}, cooldown: 1000)"#
                )
            ),
            both_economies_probe()
        ),
        ..Default::default()
    };
    let (on, off) = (Arm::run(&make("1.0")), Arm::run(&make("0.0")));
    assert!(
        off.min("uses.mark") > 0.0,
        "a year's closure alone pushes B below 0.7"
    );
    assert_lower(&on, &off, "uses.mark", "B diversifying vs not");
    // The closure itself, and A's cost of it, do not change.
    assert_eq!(on.get("closure_days"), off.get("closure_days"));
    assert_eq!(on.get("uses.mark_a"), off.get("uses.mark_a"));
    assert!(off.min("uses.mark_a") > 0.0, "A pays the closure too");
}

#[test]
fn alignment_raises_the_states_capability_and_the_rivals_costs() {
    // B fires on A every 10 days; A strikes G (in B) every 10 days; P may
    // align with B on day 0.
    let levers = r#"(id: "mark_a", description: "does nothing: counts a condition", effect: Aid(economy_gain: 0.0)),
        (id: "clash", effect: BorderClash(security_killed: 4, own_losses: 1), min_rung: "skirmish"),
        (id: "strike", effect: Airstrike(militants_killed: 5, civilians_killed: 1, pressure: 0.0, backlash: 0.0), cost: 0.005),
        (id: "align", effect: Alignment(capability: 0.3, resolve: 0.0, rival_cost: 0.02)),"#;
    let fighting = format!(
        "{}{}",
        rule(
            "B",
            r#"(name: "c", when: Always, then: "clash", on: "A", probability: 1.0, cooldown: 10)"#
        ),
        rule(
            "A",
            r#"(name: "s", when: Always, then: "strike", on: "G", probability: 1.0, cooldown: 10)"#
        ),
    );
    let make = |p: &str| Variant {
        levers,
        doctrines: format!(
            "{fighting}{}",
            rule(
                "P",
                &format!(
                    r#"(name: "align", when: Always, then: "align", on: "B", probability: {p}, cooldown: 1000),
                       (name: "probe-a", when: EconomyBelow(of: "A", value: 0.7), then: "mark_a", on: "B", probability: 1.0, cooldown: 1)"#
                )
            )
        ),
        ..Default::default()
    };
    let (on, off) = (Arm::run(&make("1.0")), Arm::run(&make("0.0")));
    let what = "P aligned with B vs not";
    // B's capability 0.5 + 0.3: its clashes kill more of A's forces.
    assert_higher(&on, &off, "deaths.A.security", what);
    // Each strike on G (hosted by B) costs A 0.02 more: A's economy falls below 0.7.
    assert_eq!(
        off.max("uses.mark_a"),
        0.0,
        "without alignment A stays above 0.7"
    );
    assert_higher(&on, &off, "uses.mark_a", what);
    // A's strikes are the same.
    assert_eq!(on.get("strikes"), off.get("strikes"));
}

#[test]
fn alignment_raises_the_states_resolve() {
    // G's attacks on A raise A's domestic pressure by A's resolve; P may align with A.
    let make = |p: &str| Variant {
        levers: r#"(id: "align", effect: Alignment(capability: 0.0, resolve: 0.5, rival_cost: 0.0)),"#,
        doctrines: rule(
            "P",
            &format!(
                r#"(name: "align", when: Always, then: "align", on: "A", probability: {p}, cooldown: 1000),
                   (name: "probe", when: PressureAtLeast(of: "A", value: 0.2), then: "mark", on: "A", probability: 1.0, cooldown: 1)"#
            ),
        ),
        ..Default::default()
    };
    let (on, off) = (Arm::run(&make("1.0")), Arm::run(&make("0.0")));
    assert_higher(&on, &off, "uses.mark", "P aligned with A vs not");
    assert_eq!(on.get("attacks.G"), off.get("attacks.G"));
}

#[test]
fn pressure_with_conditions_curbs_the_pressed_sides_groups_when_met() {
    // P mediates A-B every 20 days, always successfully; pressing B also
    // withdraws B's sanctuary from G.
    let make = |terms: &'static str| Variant {
        levers: terms,
        doctrines: rule(
            "P",
            r#"(name: "m", when: Always, then: "mediate", probability: 1.0, cooldown: 20)"#,
        ),
        ..Default::default()
    };
    let plain = Arm::run(&make(
        r#"(id: "mediate", effect: Mediation(between: ("A", "B"), success: 1.0, tension_drop: 0.1, steps_down: 1)),"#,
    ));
    let pressed = Arm::run(&make(
        r#"(id: "mediate", effect: Mediation(between: ("A", "B"), success: 1.0, tension_drop: 0.1, steps_down: 1, pressed: "B", curb: 0.2, refusal_cost: 0.5)),"#,
    ));
    let what = "mediation pressing B (met) vs plain mediation";
    assert_lower(&pressed, &plain, "attacks.G", what);
    assert_lower(&pressed, &plain, "deaths.A.security", what);
}

#[test]
fn pressure_with_conditions_costs_the_pressed_side_when_refused() {
    // The same mediation, never successful: pressing B costs it each refusal.
    let make = |terms: &'static str| Variant {
        levers: terms,
        doctrines: rule(
            "P",
            r#"(name: "m", when: Always, then: "mediate", probability: 1.0, cooldown: 20),
               (name: "probe", when: EconomyBelow(of: "B", value: 0.7), then: "mark", on: "A", probability: 1.0, cooldown: 1)"#,
        ),
        ..Default::default()
    };
    let plain = Arm::run(&make(
        r#"(id: "mediate", effect: Mediation(between: ("A", "B"), success: 0.0, tension_drop: 0.1, steps_down: 1)),"#,
    ));
    let pressed = Arm::run(&make(
        r#"(id: "mediate", effect: Mediation(between: ("A", "B"), success: 0.0, tension_drop: 0.1, steps_down: 1, pressed: "B", curb: 0.2, refusal_cost: 0.05)),"#,
    ));
    assert_eq!(plain.max("uses.mark"), 0.0);
    assert_higher(
        &pressed,
        &plain,
        "uses.mark",
        "pressing B (refused) vs plain mediation",
    );
    // Refused terms curb nothing.
    assert_eq!(pressed.get("attacks.G"), plain.get("attacks.G"));
}
