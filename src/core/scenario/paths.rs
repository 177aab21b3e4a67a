//! Every numeric parameter of a scenario, by path: the one walk that overrides
//! (`--set`), validation of ranges, `escalate params` and compilation share.
//!
//! Two spellings of each path: the *override path* a user types
//! (`actors.TTP.fighters`, `levers.airstrike.civilians_killed`,
//! `doctrines.Pakistan.rules[2].probability`) and the *structural path* of the
//! value in the RON file (`actors[3].kind.fighters`), used to point at it.

use super::limits;
use super::param::Param;
use super::types::*;

/// The values a parameter may take: a sign or unit interval, and for a
/// parameter the engine counts or adds up, a finite [`Limit`] that keeps
/// every count it feeds within its type ([`super::limits`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Any finite number.
    Any,
    /// At least zero.
    NonNegative,
    /// Between zero and one.
    Unit,
    /// Between the limit's ends, for the limit's reason.
    Limited(&'static Limit),
}

/// A finite range and why it ends where it does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The smallest value.
    pub lo: f64,
    /// The largest value.
    pub hi: f64,
    /// Why the range ends there, for messages and the docs' table.
    pub why: &'static str,
}

/// Fighters of a group (its own, or those a proxy's support adds).
pub const FIGHTERS: Limit = Limit {
    lo: 0.0,
    hi: limits::FIGHTERS,
    why: "the most fighters a group can have: the engine caps a group's strength there",
};
/// Net recruitment, fraction of fighters per day.
pub const RECRUITMENT: Limit = Limit {
    lo: -1.0,
    hi: 1.0,
    why: "a group at most loses all its fighters or doubles in a day",
};
/// Attacks per day per 1,000 fighters.
pub const ATTACK_RATE: Limit = Limit {
    lo: 0.0,
    hi: limits::ATTACK_RATE,
    why: "one attack per fighter per day",
};
/// A multiplier on a group's attack rate while talks or a ceasefire last.
pub const ATTACK_FACTOR: Limit = Limit {
    lo: 0.0,
    hi: 1.0,
    why: "talks and ceasefires lower attacks; raise attack_rate to raise them",
};
/// Mean deaths per attack.
pub const DEATHS_PER_ATTACK: Limit = Limit {
    lo: 0.0,
    hi: limits::DEATHS_PER_ATTACK,
    why: "the largest mean of deaths per attack escalate counts exactly",
};
/// Mean deaths per use of a lever.
pub const DEATHS_PER_USE: Limit = Limit {
    lo: 0.0,
    hi: limits::DEATHS_PER_USE,
    why: "the largest mean of deaths per lever use escalate counts exactly",
};
/// People: a refugee stock, or deported per day.
pub const PEOPLE: Limit = Limit {
    lo: 0.0,
    hi: limits::PEOPLE,
    why: "more people than the world holds",
};
/// Days a programme lasts.
pub const DAYS: Limit = Limit {
    lo: 0.0,
    hi: limits::DAYS,
    why: "longer than any horizon, and short enough that its end day is counted exactly",
};
/// Trade lost per day of closure, thousands of US dollars.
pub const TRADE_PER_DAY: Limit = Limit {
    lo: 0.0,
    hi: limits::TRADE_PER_DAY,
    why: "10^12 dollars a day, above the world's output, so the total is counted exactly",
};
/// An economy index, or what one use or day takes from it or gives it.
pub const ECONOMY: Limit = Limit {
    lo: 0.0,
    hi: limits::ECONOMY,
    why: "a million times the pre-crisis level",
};
/// A lever's cost to its user's economy (negative: a gain).
pub const COST: Limit = Limit {
    lo: -limits::ECONOMY,
    hi: limits::ECONOMY,
    why: "a million times the pre-crisis level",
};

/// A limit's end as a message shows it: `1e8` rather than `100000000`.
fn short(x: f64) -> String {
    if x.abs() >= 1e4 {
        format!("{x:e}")
    } else {
        super::param::number(x)
    }
}

impl Range {
    /// Whether the interval [lo, hi] lies in the range.
    pub fn admits(self, lo: f64, hi: f64) -> bool {
        let (a, b) = self.bounds();
        lo >= a && hi <= b
    }

    /// How the range reads in a message: `a number between 0 and 1e8 (the
    /// most fighters ...)`.
    pub fn describe(self) -> String {
        match self {
            Range::Any => "any number".into(),
            Range::NonNegative => "a number >= 0".into(),
            Range::Unit => "a number between 0 and 1".into(),
            Range::Limited(l) => format!(
                "a number from {} to {} ({})",
                short(l.lo),
                short(l.hi),
                l.why
            ),
        }
    }

    /// The range's ends.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Range::Any => (f64::NEG_INFINITY, f64::INFINITY),
            Range::NonNegative => (0.0, f64::INFINITY),
            Range::Unit => (0.0, 1.0),
            Range::Limited(l) => (l.lo, l.hi),
        }
    }

    /// Whether every value a draw of `p` can take lies in the range
    /// ([`Param::draw_bounds`]: on an unbounded side, the value at the most
    /// extreme uniform the sampler draws).
    pub fn admits_param(self, p: &Param) -> bool {
        let (lo, hi) = p.draw_bounds();
        self.admits(lo, hi)
    }

    /// What is wrong with `p` (which the range does not admit) at `path`.
    pub fn refusal(self, p: &Param, path: &str) -> String {
        if p.is_uncertain() {
            format!("{p} can fall outside the range of `{path}`")
        } else {
            format!("{p} is outside the range of `{path}`")
        }
    }

    /// The help line for `p`, which the range does not admit: the range, and
    /// for a distribution what to write instead, the bounded form of the same
    /// distribution when it has one, bounded on the side it crosses
    /// (`Normal(2000, 300)` on a count becomes `Normal(2000, 300, 0, inf)`).
    pub fn help(self, p: &Param) -> String {
        let (lo, hi) = self.bounds();
        let (dlo, dhi) = p.draw_bounds();
        let bound_lo = if dlo < lo { lo } else { f64::NEG_INFINITY };
        let bound_hi = if dhi > hi { hi } else { f64::INFINITY };
        match p.bounded_to(bound_lo, bound_hi) {
            _ if !p.is_uncertain() => format!("use {}", self.describe()),
            Some(b) => format!(
                "use {}: bound the distribution to it, e.g. {b} (see docs/scenario-format.md, Parameters)",
                self.describe()
            ),
            None => format!(
                "use {}: every value of a distribution must lie within it (move its bounds inside, \
                 or use a bounded form: Normal(mean, sd, min, max), Beta(a, b, lo, hi))",
                self.describe()
            ),
        }
    }
}

/// One parameter's place.
#[derive(Debug, Clone)]
pub struct ParamPath {
    /// What a user types after `--set`.
    pub path: String,
    /// Where it sits in the file.
    pub structural: String,
    /// The label its random stream is keyed by: the override path, except that
    /// a doctrine rule is named by its name, not its position
    /// (`doctrines.A.rules[1].probability` becomes `doctrines.A.rule:answer.probability`).
    /// A policy that disables or adds a rule shifts the positions of the rules
    /// after it; with names, every rule two policies share keeps its own draws
    /// (common random numbers).
    pub stream: String,
    /// Its admissible values.
    pub range: Range,
}

/// What the walk returned for each parameter of a scenario, in the scenario's
/// own shape: `T` is whatever the visitor of [`walk_params`] made of it (a slot
/// index, for compilation).
#[derive(Debug, Clone)]
pub struct ParamTree<T> {
    /// `dynamics.*`.
    pub dynamics: DynamicsParams<T>,
    /// One per actor, in file order.
    pub actors: Vec<ActorParams<T>>,
    /// Each dyad's `tension`, in file order.
    pub dyads: Vec<T>,
    /// One per lever, in file order.
    pub levers: Vec<LeverParams<T>>,
    /// `doctrines[i]`'s rules, in file order.
    pub doctrines: Vec<Vec<RuleParams<T>>>,
    /// One per event, in file order.
    pub events: Vec<EventParams<T>>,
}

/// The parameters of `dynamics`.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DynamicsParams<T> {
    pub rung_decay: T,
    pub tension_decay: T,
    pub tension_per_death: T,
    pub pressure_decay: T,
}

/// The parameters of an actor.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ActorParams<T> {
    pub capability: T,
    pub economy: T,
    pub resolve: T,
    pub domestic_pressure: T,
    pub refugees: T,
    /// Those of its armed-group kind, if it is one.
    pub group: Option<GroupParams<T>>,
}

/// The parameters of an armed group's kind.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct GroupParams<T> {
    pub fighters: T,
    pub recruitment: T,
    pub sanctuary: T,
    pub sanctuary_weight: T,
    pub attack_rate: T,
    /// `casualties.civilian`, `.security`, `.militant`.
    pub casualties: [T; 3],
}

/// The parameters of a lever.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct LeverParams<T> {
    pub tension: T,
    pub cost: T,
    /// Its effect's parameters by field name, in the order of [`effect_params`].
    pub effect: Vec<(&'static str, T)>,
}

/// The parameters of a doctrine rule.
#[derive(Debug, Clone)]
pub struct RuleParams<T> {
    /// `probability`.
    pub probability: T,
    /// The parameters of its `when` condition, depth first in file order (one
    /// per condition node that has a number).
    pub when: Vec<T>,
}

/// The parameters of an event.
#[derive(Debug, Clone)]
pub struct EventParams<T> {
    /// The trigger's `probability` (a day trigger) or `per_day` (a hazard).
    pub trigger: T,
    /// An attack's `civilian` and `security`, if the action is an attack.
    pub attack: Option<[T; 2]>,
}

/// Calls `f` on every parameter of `s`, in file order.
pub fn for_each_param(s: &mut Scenario, f: &mut dyn FnMut(ParamPath, &mut Param)) {
    walk_params(s, &mut |pp, p| f(pp, p));
}

/// The one walk over every parameter of `s`, in file order: calls `f` on each
/// and returns what it returned, in the scenario's shape.
pub fn walk_params<T>(
    s: &mut Scenario,
    f: &mut dyn FnMut(ParamPath, &mut Param) -> T,
) -> ParamTree<T> {
    // Outside doctrines the stream label is the override path.
    macro_rules! put2 {
        ($path:expr, $structural:expr, $range:expr, $p:expr $(,)?) => {{
            let path: String = $path;
            f(
                ParamPath {
                    stream: path.clone(),
                    path,
                    structural: $structural,
                    range: $range,
                },
                $p,
            )
        }};
    }
    let dynamics = {
        let d = &mut s.dynamics;
        let mut one = |name: &str, range: Range, p: &mut Param| {
            put2!(
                format!("dynamics.{name}"),
                format!("dynamics.{name}"),
                range,
                p,
            )
        };
        DynamicsParams {
            rung_decay: one("rung_decay", Range::Unit, &mut d.rung_decay),
            tension_decay: one("tension_decay", Range::Unit, &mut d.tension_decay),
            tension_per_death: one(
                "tension_per_death",
                Range::NonNegative,
                &mut d.tension_per_death,
            ),
            pressure_decay: one("pressure_decay", Range::Unit, &mut d.pressure_decay),
        }
    };
    let mut actors = Vec::with_capacity(s.actors.len());
    for (i, a) in s.actors.iter_mut().enumerate() {
        let (fp, sp) = (format!("actors.{}", a.id), format!("actors[{i}]"));
        let mut one = |name: &str, range: Range, p: &mut Param| {
            put2!(format!("{fp}.{name}"), format!("{sp}.{name}"), range, p)
        };
        let capability = one("capability", Range::Unit, &mut a.capability);
        let economy = one("economy", Range::Limited(&ECONOMY), &mut a.economy);
        let resolve = one("resolve", Range::Unit, &mut a.resolve);
        let domestic_pressure = one("domestic_pressure", Range::Unit, &mut a.domestic_pressure);
        let refugees = one("refugees", Range::Limited(&PEOPLE), &mut a.refugees);
        let group = match &mut a.kind {
            ActorKind::ArmedGroup(g) => {
                let mut one = |name: &str, range: Range, p: &mut Param| {
                    put2!(
                        format!("{fp}.{name}"),
                        format!("{sp}.kind.{name}"),
                        range,
                        p
                    )
                };
                Some(GroupParams {
                    fighters: one("fighters", Range::Limited(&FIGHTERS), &mut g.fighters),
                    recruitment: one(
                        "recruitment",
                        Range::Limited(&RECRUITMENT),
                        &mut g.recruitment,
                    ),
                    sanctuary: one("sanctuary", Range::Unit, &mut g.sanctuary),
                    sanctuary_weight: one("sanctuary_weight", Range::Unit, &mut g.sanctuary_weight),
                    attack_rate: one(
                        "attack_rate",
                        Range::Limited(&ATTACK_RATE),
                        &mut g.attack_rate,
                    ),
                    casualties: [
                        one(
                            "casualties.civilian",
                            Range::Limited(&DEATHS_PER_ATTACK),
                            &mut g.casualties.civilian,
                        ),
                        one(
                            "casualties.security",
                            Range::Limited(&DEATHS_PER_ATTACK),
                            &mut g.casualties.security,
                        ),
                        one(
                            "casualties.militant",
                            Range::Limited(&DEATHS_PER_ATTACK),
                            &mut g.casualties.militant,
                        ),
                    ],
                })
            }
            ActorKind::State | ActorKind::OutsidePower => None,
        };
        actors.push(ActorParams {
            capability,
            economy,
            resolve,
            domestic_pressure,
            refugees,
            group,
        });
    }
    let mut dyads = Vec::with_capacity(s.dyads.len());
    for (i, d) in s.dyads.iter_mut().enumerate() {
        dyads.push(put2!(
            format!("dyads.{}-{}.tension", d.between.0, d.between.1),
            format!("dyads[{i}].tension"),
            Range::Unit,
            &mut d.tension,
        ));
    }
    let mut levers = Vec::with_capacity(s.levers.len());
    for (i, l) in s.levers.iter_mut().enumerate() {
        let (fp, sp) = (format!("levers.{}", l.id), format!("levers[{i}]"));
        let tension = put2!(
            format!("{fp}.tension"),
            format!("{sp}.tension"),
            Range::Any,
            &mut l.tension,
        );
        let cost = put2!(
            format!("{fp}.cost"),
            format!("{sp}.cost"),
            Range::Limited(&COST),
            &mut l.cost,
        );
        let effect = effect_params(&mut l.effect)
            .into_iter()
            .map(|(name, range, p)| {
                let slot = put2!(
                    format!("{fp}.{name}"),
                    format!("{sp}.effect.{name}"),
                    range,
                    p,
                );
                (name, slot)
            })
            .collect();
        levers.push(LeverParams {
            tension,
            cost,
            effect,
        });
    }
    let mut doctrines = Vec::with_capacity(s.doctrines.len());
    for (i, d) in s.doctrines.iter_mut().enumerate() {
        let mut rules = Vec::with_capacity(d.rules.len());
        for (j, r) in d.rules.iter_mut().enumerate() {
            let at = Prefixes {
                path: format!("doctrines.{}.rules[{j}]", d.actor),
                structural: format!("doctrines[{i}].rules[{j}]"),
                stream: format!("doctrines.{}.rule:{}", d.actor, r.name),
            };
            let probability = f(at.param("probability", Range::Unit), &mut r.probability);
            let mut when = Vec::new();
            condition_params(&mut r.when, &at.then(".when"), &mut |pp, p| {
                when.push(f(pp, p))
            });
            rules.push(RuleParams { probability, when });
        }
        doctrines.push(rules);
    }
    let mut events = Vec::with_capacity(s.events.len());
    for (i, e) in s.events.iter_mut().enumerate() {
        let (fp, sp) = (format!("events.{}", e.name), format!("events[{i}]"));
        let trigger = match &mut e.trigger {
            Trigger::Day { probability, .. } => put2!(
                format!("{fp}.probability"),
                format!("{sp}.trigger.probability"),
                Range::Unit,
                probability,
            ),
            Trigger::Hazard { per_day, .. } => put2!(
                format!("{fp}.per_day"),
                format!("{sp}.trigger.per_day"),
                Range::Unit,
                per_day,
            ),
        };
        let attack = match &mut e.action {
            Action::Attack {
                civilian, security, ..
            } => Some([
                put2!(
                    format!("{fp}.civilian"),
                    format!("{sp}.action.civilian"),
                    Range::Limited(&DEATHS_PER_ATTACK),
                    civilian,
                ),
                put2!(
                    format!("{fp}.security"),
                    format!("{sp}.action.security"),
                    Range::Limited(&DEATHS_PER_ATTACK),
                    security,
                ),
            ]),
            Action::Lever { .. } => None,
        };
        events.push(EventParams { trigger, attack });
    }
    ParamTree {
        dynamics,
        actors,
        dyads,
        levers,
        doctrines,
        events,
    }
}

/// The three spellings of a place inside a doctrine rule, extended together.
struct Prefixes {
    path: String,
    structural: String,
    stream: String,
}

impl Prefixes {
    /// All three extended by `tail` (the structural one by `structural_tail`).
    fn with(&self, tail: &str, structural_tail: &str) -> Prefixes {
        Prefixes {
            path: format!("{}{tail}", self.path),
            structural: format!("{}{structural_tail}", self.structural),
            stream: format!("{}{tail}", self.stream),
        }
    }

    /// All three extended by the same `tail`.
    fn then(&self, tail: &str) -> Prefixes {
        self.with(tail, tail)
    }

    /// The parameter `field` here.
    fn param(&self, field: &str, range: Range) -> ParamPath {
        let at = self.then(&format!(".{field}"));
        ParamPath {
            path: at.path,
            structural: at.structural,
            stream: at.stream,
            range,
        }
    }
}

/// The parameters of a lever's effect, by field name.
pub fn effect_params(e: &mut Effect) -> Vec<(&'static str, Range, &mut Param)> {
    use Range::*;
    let (deaths, days, factor) = (
        Limited(&DEATHS_PER_USE),
        Limited(&DAYS),
        Limited(&ATTACK_FACTOR),
    );
    let economy = Limited(&ECONOMY);
    match e {
        Effect::Airstrike {
            militants_killed,
            civilians_killed,
            pressure,
            backlash,
        } => vec![
            ("militants_killed", deaths, militants_killed),
            ("civilians_killed", deaths, civilians_killed),
            ("pressure", Unit, pressure),
            ("backlash", NonNegative, backlash),
        ],
        Effect::GroundOperation {
            militants_killed,
            civilians_killed,
            security_lost,
            pressure,
            backlash,
        } => vec![
            ("militants_killed", deaths, militants_killed),
            ("civilians_killed", deaths, civilians_killed),
            ("security_lost", deaths, security_lost),
            ("pressure", Unit, pressure),
            ("backlash", NonNegative, backlash),
        ],
        Effect::BorderClash {
            security_killed,
            own_losses,
        } => vec![
            ("security_killed", deaths, security_killed),
            ("own_losses", deaths, own_losses),
        ],
        Effect::Mobilization | Effect::TradeReopening => vec![],
        Effect::Talks {
            attack_factor,
            duration,
            ceasefire_chance,
            ..
        } => vec![
            ("attack_factor", factor, attack_factor),
            ("duration", days, duration),
            ("ceasefire_chance", Unit, ceasefire_chance),
        ],
        Effect::Ceasefire {
            attack_factor,
            duration,
            break_hazard,
        } => vec![
            ("attack_factor", factor, attack_factor),
            ("duration", days, duration),
            ("break_hazard", Unit, break_hazard),
        ],
        Effect::Mediation {
            success,
            tension_drop,
            pressed,
            curb,
            refusal_cost,
            ..
        } => {
            let mut v = vec![
                ("success", Unit, success),
                ("tension_drop", Unit, tension_drop),
            ];
            // The terms of pressure are parameters only where a side is pressed.
            if pressed.is_some() {
                v.push(("curb", Unit, curb));
                v.push(("refusal_cost", economy, refusal_cost));
            }
            v
        }
        Effect::Deportation {
            per_day,
            duration,
            backlash,
        } => vec![
            ("per_day", Limited(&PEOPLE), per_day),
            ("duration", days, duration),
            ("backlash", NonNegative, backlash),
        ],
        Effect::TradeClosure {
            trade_per_day,
            duration,
            economy_cost,
        } => vec![
            ("trade_per_day", Limited(&TRADE_PER_DAY), trade_per_day),
            ("duration", days, duration),
            ("economy_cost", economy, economy_cost),
        ],
        Effect::Sanctuary { hold } => vec![("hold", Unit, hold)],
        Effect::Crackdown {
            hold,
            militants_killed,
        } => {
            vec![
                ("hold", Unit, hold),
                ("militants_killed", deaths, militants_killed),
            ]
        }
        Effect::Sanctions { economy_cost } => vec![("economy_cost", economy, economy_cost)],
        Effect::Aid { economy_gain } => vec![("economy_gain", economy, economy_gain)],
        Effect::ProxySupport {
            fighters,
            recruitment,
        } => {
            vec![
                ("fighters", Limited(&FIGHTERS), fighters),
                ("recruitment", Limited(&RECRUITMENT), recruitment),
            ]
        }
        Effect::TradeDiversification { per_day, floor } => {
            vec![("per_day", Unit, per_day), ("floor", Unit, floor)]
        }
        Effect::Alignment {
            capability,
            resolve,
            rival_cost,
        } => vec![
            ("capability", Unit, capability),
            ("resolve", Unit, resolve),
            ("rival_cost", economy, rival_cost),
        ],
    }
}

fn condition_params(c: &mut Condition, at: &Prefixes, put: &mut dyn FnMut(ParamPath, &mut Param)) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            for (k, c) in cs.iter_mut().enumerate() {
                condition_params(c, &at.with(&format!("[{k}]"), &format!("[0][{k}]")), put);
            }
        }
        Condition::Not(c) => condition_params(c, &at.with(".not", "[0]"), put),
        Condition::Casualties { at_least, .. } | Condition::Attacks { at_least, .. } => {
            put(at.param("at_least", Range::NonNegative), at_least)
        }
        Condition::TensionAtLeast { value, .. } | Condition::PressureAtLeast { value, .. } => {
            put(at.param("value", Range::Unit), value)
        }
        Condition::EconomyBelow { value, .. } => put(at.param("value", Range::Any), value),
        Condition::RefugeesAtLeast { value, .. } => {
            put(at.param("value", Range::NonNegative), value)
        }
        Condition::Always
        | Condition::RungAtLeast { .. }
        | Condition::DayAtLeast(_)
        | Condition::LeverUsed { .. }
        | Condition::Truce(_) => {}
    }
}

/// The first segment of every override path: `actors.TTP.fighters` starts
/// with `actors`. No metric name starts with one of them (metrics start with
/// `attacks`, `deaths`, `strikes`, `peak_rung`, ...), so a per-trial CSV's
/// parameter columns are told from its metric columns by name alone
/// (`escalate discover` does).
pub const ROOTS: [&str; 6] = [
    "dynamics",
    "actors",
    "dyads",
    "levers",
    "doctrines",
    "events",
];

/// Whether `name` has the form of an override path: one of [`ROOTS`], a dot, more.
pub fn is_override_path(name: &str) -> bool {
    name.split_once('.')
        .is_some_and(|(root, rest)| ROOTS.contains(&root) && !rest.is_empty())
}

/// Every parameter's path and current value, in file order.
pub fn list_params(s: &Scenario) -> Vec<(ParamPath, Param)> {
    let mut copy = s.clone();
    let mut out = Vec::new();
    for_each_param(&mut copy, &mut |pp, p| out.push((pp, p.clone())));
    out
}

/// Replaces the parameter at override path `path`; `Err` lists the nearest valid paths.
pub fn set_param(s: &mut Scenario, path: &str, value: Param) -> Result<ParamPath, Vec<String>> {
    let mut found = None;
    let mut all = Vec::new();
    for_each_param(s, &mut |pp, p| {
        if pp.path == path {
            *p = value.clone();
            found = Some(pp);
        } else {
            all.push(pp.path);
        }
    });
    found.ok_or_else(|| nearest(path, &all))
}

/// Up to five paths nearest to `path` ([`crate::core::suggest::nearest`]).
pub fn nearest(path: &str, candidates: &[String]) -> Vec<String> {
    crate::core::suggest::nearest(path, candidates, 5)
}

/// The actor parameters of `s` that nothing in the model can read, as
/// override paths (`actors.China.resolve`): setting them changes no result.
///
/// What reads an actor's own parameters (docs/scenario-format.md, actors):
/// - `capability`: the actor's own `Airstrike`, `GroundOperation` and
///   `BorderClash` levers, used by a rule of its doctrine, a rule a policy
///   adds for it, or an event;
/// - `resolve`: armed groups' attacks on it (only a `State` can be a target);
/// - `economy`: an `EconomyBelow` condition on it;
/// - `domestic_pressure`: a `PressureAtLeast` condition on it;
/// - `refugees`: its own `Deportation` levers, or a `RefugeesAtLeast` condition on it.
///
/// Every rule counts, the doctrines' and those each policy of the scenario
/// adds; a policy from a file, or one that `--set` later changes, may read
/// more, which is why these parameters still take `--set`.
pub fn unread_actor_params(s: &Scenario) -> Vec<String> {
    use std::collections::BTreeSet;
    // (actor id, field) of every parameter something reads.
    let mut read: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let lever_use = |read: &mut BTreeSet<(String, &'static str)>, actor: &str, lever: &str| {
        let field = match s.levers.iter().find(|l| l.id == lever).map(|l| &l.effect) {
            Some(
                Effect::Airstrike { .. }
                | Effect::GroundOperation { .. }
                | Effect::BorderClash { .. },
            ) => "capability",
            Some(Effect::Deportation { .. }) => "refugees",
            _ => return,
        };
        read.insert((actor.to_string(), field));
    };
    fn conditions(c: &Condition, read: &mut BTreeSet<(String, &'static str)>) {
        match c {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|c| conditions(c, read));
            }
            Condition::Not(c) => conditions(c, read),
            Condition::EconomyBelow { of, .. } => {
                read.insert((of.clone(), "economy"));
            }
            Condition::PressureAtLeast { of, .. } => {
                read.insert((of.clone(), "domestic_pressure"));
            }
            Condition::RefugeesAtLeast { of, .. } => {
                read.insert((of.clone(), "refugees"));
            }
            _ => {}
        }
    }
    let rules = s
        .doctrines
        .iter()
        .flat_map(|d| d.rules.iter().map(move |r| (d.actor.as_str(), r)))
        .chain(
            s.policies
                .iter()
                .flat_map(|p| p.add.iter().map(|(a, r)| (a.as_str(), r))),
        );
    for (actor, rule) in rules {
        lever_use(&mut read, actor, &rule.then);
        conditions(&rule.when, &mut read);
    }
    for e in &s.events {
        if let Action::Lever { actor, lever, .. } = &e.action {
            lever_use(&mut read, actor, lever);
        }
    }
    for a in &s.actors {
        if let ActorKind::ArmedGroup(g) = &a.kind {
            read.insert((g.targets.clone(), "resolve"));
        }
    }
    let mut unread = Vec::new();
    for a in &s.actors {
        for field in [
            "capability",
            "economy",
            "resolve",
            "domestic_pressure",
            "refugees",
        ] {
            if !read.contains(&(a.id.clone(), field)) {
                unread.push(format!("actors.{}.{field}", a.id));
            }
        }
    }
    unread
}

/// The name of the doctrine rule a parameter path lies in
/// (`doctrines.Pakistan.rules[2].probability`: the name of Pakistan's third rule).
pub fn rule_name<'s>(s: &'s Scenario, path: &str) -> Option<&'s str> {
    let rest = path.strip_prefix("doctrines.")?;
    let (actor, rest) = rest.split_once(".rules[")?;
    let (j, _) = rest.split_once(']')?;
    let j: usize = j.parse().ok()?;
    let d = s.doctrines.iter().find(|d| d.actor == actor)?;
    d.rules.get(j).map(|r| r.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scenario::{BUNDLED, Source, metrics::metric_names, parse};

    #[test]
    fn override_paths_and_metric_names_are_told_apart_by_their_first_segment() {
        for b in BUNDLED {
            let s = parse(&Source::bundled(b)).unwrap();
            let params = list_params(&s);
            assert!(params.len() > 10, "{}", b.name);
            for (pp, _) in &params {
                assert!(is_override_path(&pp.path), "{}: {}", b.name, pp.path);
            }
            let metrics = metric_names(&s);
            assert!(metrics.len() > 10, "{}", b.name);
            for m in &metrics {
                assert!(!is_override_path(m), "{}: metric {m}", b.name);
            }
        }
        assert!(!is_override_path("actors"));
        assert!(!is_override_path("actors."));
        assert!(!is_override_path("trial"));
    }
}

/// One parameter as `escalate params` lists it (and the Python module's `params()`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListedParam {
    /// Override path (`actors.TTP.fighters`).
    pub path: String,
    /// Its value or distribution, as the scenario syntax writes it.
    pub value: String,
    /// Where it comes from: the provenance comment beside it in the file,
    /// `assumption`, or `assumption (default value)` when the file does not write it.
    pub source: String,
    /// The doctrine rule it belongs to, `(doctrines.X.rules[i], rule name)`.
    pub rule: Option<(String, String)>,
}

/// The parameters `escalate params` lists, in the walk's order: every one but
/// the actor parameters nothing reads (returned second, by path).
pub fn listing(s: &Scenario, text: &str) -> (Vec<ListedParam>, Vec<String>) {
    let map = super::locate::SourceMap::new(text);
    let unread = unread_actor_params(s);
    // Looked up once per parameter: a set, so thousands of actors cost no more than linear.
    let unread_set: std::collections::BTreeSet<&str> = unread.iter().map(String::as_str).collect();
    let rows = list_params(s)
        .into_iter()
        .filter(|(pp, _)| !unread_set.contains(pp.path.as_str()))
        .map(|(pp, p)| {
            let at = pp.path.find(".rules[").and_then(|i| {
                let end = i + pp.path[i..].find(']')? + 1;
                Some(pp.path[..end].to_string())
            });
            let rule = at.and_then(|at| Some((at, rule_name(s, &pp.path)?.to_string())));
            let source = match map.get(&pp.structural) {
                Some(l) => l.comment.clone().unwrap_or_else(|| "assumption".into()),
                None => "assumption (default value)".into(),
            };
            ListedParam {
                value: p.to_string(),
                path: pp.path,
                source,
                rule,
            }
        })
        .collect();
    (rows, unread)
}
