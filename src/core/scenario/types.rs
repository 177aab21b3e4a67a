//! The scenario file's types: what a RON scenario may say, field by field.
//!
//! These are plain serde types; they carry names, not indices. Validation
//! (`validate.rs`) checks every reference and range, and `crate::core::model` compiles
//! them into the indexed form the engine runs. docs/scenario-format.md documents
//! every field with its unit and range.

use serde::{Deserialize, Serialize};

use super::param::Param;

fn default_horizon() -> u32 {
    365
}

fn one() -> Param {
    Param::Fixed(1.0)
}

/// A whole scenario: actors, the escalation ladder, levers, doctrines, events,
/// outcome classes and named policies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short display name.
    pub name: String,
    /// A paragraph for the reader: what the scenario represents.
    #[serde(default)]
    pub description: String,
    /// Days simulated per trial (default 365).
    #[serde(default = "default_horizon")]
    pub horizon: u32,
    /// Rung names of the escalation ladder, from calm (index 0) upward.
    pub ladder: Vec<String>,
    /// Global dynamics: decay of rungs, tension and pressure.
    pub dynamics: Dynamics,
    /// Every actor, state or not.
    pub actors: Vec<Actor>,
    /// Pairs of actors whose relation is tracked on the ladder.
    pub dyads: Vec<Dyad>,
    /// Policy levers: typed actions with effects.
    pub levers: Vec<Lever>,
    /// Per-actor decision rules.
    #[serde(default)]
    pub doctrines: Vec<Doctrine>,
    /// Scheduled events and random shocks.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Outcome classes, tried in order, and the default class.
    pub outcomes: Outcomes,
    /// Named alternative policies (sets of rule changes and overrides).
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Named windows of days over which the additive metrics are also
    /// reported (`attacks@2023`); none by default.
    #[serde(default)]
    pub periods: Vec<Period>,
    /// The calendar date of day 0, `YYYY-MM-DD` (optional): what maps dated
    /// observations (`data/observed/`) to days of the scenario.
    #[serde(default)]
    pub start_date: Option<String>,
}

/// A named window of days (0-based, both ends inclusive). Every additive
/// metric `M` is also reported over it, as the metric `M@NAME`. Periods may
/// overlap (a year and its quarters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Name, unique among the periods; letters, digits, `_` and `-`.
    pub name: String,
    /// First day of the window (0-based).
    pub first_day: u32,
    /// Last day of the window (0-based, inclusive), before the horizon.
    pub last_day: u32,
}

/// Global dynamics of tension, rungs and counter-terror pressure.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dynamics {
    /// Days without a hostile act on a dyad before its rung may step down.
    pub calm_days: u32,
    /// Daily probability that a calm dyad steps one rung down.
    pub rung_decay: Param,
    /// Fraction of a dyad's tension, and of every actor's domestic pressure, lost each day (0..1).
    pub tension_decay: Param,
    /// Tension added to (target, host) per death an armed group hosted by
    /// `host` causes to `target`.
    pub tension_per_death: Param,
    /// Fraction of counter-terror pressure on a group lost each day (0..1).
    pub pressure_decay: Param,
}

/// One actor of the scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Identifier used everywhere else in the file (e.g. "Pakistan").
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What kind of actor, with the armed-group attributes where relevant.
    pub kind: ActorKind,
    /// Military capability, 0..1: scales the militants its strikes and operations
    /// kill and the security personnel its border clashes kill.
    #[serde(default = "one")]
    pub capability: Param,
    /// Economy index (1 = its pre-crisis level); levers cost and restore it.
    #[serde(default = "one")]
    pub economy: Param,
    /// Resolve, 0..1: how strongly casualties raise its domestic pressure.
    #[serde(default)]
    pub resolve: Param,
    /// Domestic pressure to act at the start, 0..1.
    #[serde(default)]
    pub domestic_pressure: Param,
    /// Refugees it hosts at the start (people); deportation draws on this stock.
    #[serde(default)]
    pub refugees: Param,
}

/// The three kinds of actor. Armed groups carry their violence parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ActorKind {
    /// A state that holds territory (Pakistan, Afghanistan under the Taliban).
    State,
    /// An outside power (China, the US): acts through levers only.
    OutsidePower,
    /// A non-state armed group with fighters that attack a target state.
    ArmedGroup(Box<ArmedGroup>),
}

/// Attributes of a non-state armed group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmedGroup {
    /// Fighters at the start.
    pub fighters: Param,
    /// Net recruitment, fraction of fighters per day.
    #[serde(default)]
    pub recruitment: Param,
    /// Actor that gives it sanctuary, if any.
    #[serde(default)]
    pub host: Option<String>,
    /// The host's hold (sanctuary strength) at the start, 0..1.
    #[serde(default)]
    pub sanctuary: Param,
    /// How much of its attack rate depends on sanctuary, 0..1.
    #[serde(default)]
    pub sanctuary_weight: Param,
    /// The state it attacks.
    pub targets: String,
    /// Attacks per day per 1,000 fighters with full sanctuary and no pressure.
    pub attack_rate: Param,
    /// Mean deaths per attack, by category.
    pub casualties: Casualties,
}

/// Mean deaths per attack, by category.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Casualties {
    /// Civilians of the target state.
    pub civilian: Param,
    /// Security personnel of the target state.
    pub security: Param,
    /// The group's own fighters.
    pub militant: Param,
}

/// A tracked relation between two actors.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dyad {
    /// The two actor ids (order does not matter).
    pub between: (String, String),
    /// Tension at the start, 0..1.
    pub tension: Param,
    /// Rung at the start (a ladder name).
    pub rung: String,
}

/// A policy lever: a typed action, its effects, and what it does to the dyad it touches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lever {
    /// Identifier used by rules and events (e.g. "airstrike").
    pub id: String,
    /// One line for the reader.
    #[serde(default)]
    pub description: String,
    /// The typed action and its parameters.
    pub effect: Effect,
    /// The rung the touched dyad is raised to at least, if any.
    #[serde(default)]
    pub min_rung: Option<String>,
    /// Tension added to the touched dyad (negative calms it).
    #[serde(default)]
    pub tension: Param,
    /// Economy index the user loses per use.
    #[serde(default)]
    pub cost: Param,
    /// Acts inside the user's own territory (a counter-terror operation at
    /// home): touches no dyad with the target's host and is not cross-border.
    #[serde(default)]
    pub domestic: bool,
}

/// The typed lever actions. Counts are means of Poisson draws made when the lever is used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Effect {
    /// Cross-border or domestic air strike on an armed group (or a state).
    Airstrike {
        /// Mean militants killed per strike.
        militants_killed: Param,
        /// Mean civilians killed per strike (counted for the territory's state).
        civilians_killed: Param,
        /// Counter-terror pressure added to the group, 0..1.
        pressure: Param,
        /// New recruits per civilian killed.
        backlash: Param,
    },
    /// A ground operation against an armed group.
    GroundOperation {
        /// Mean militants killed.
        militants_killed: Param,
        /// Mean civilians killed.
        civilians_killed: Param,
        /// Mean security personnel of the user killed.
        security_lost: Param,
        /// Counter-terror pressure added, 0..1.
        pressure: Param,
        /// New recruits per civilian killed.
        backlash: Param,
    },
    /// A state's forces attack another state's border posts.
    BorderClash {
        /// Mean security personnel of the target killed.
        security_killed: Param,
        /// Mean security personnel of the user killed.
        own_losses: Param,
    },
    /// Forces massed at the border; only the common effects (tension, rung).
    Mobilization,
    /// Talks with an armed group: attacks fall while they last; may yield a ceasefire.
    Talks {
        /// Multiplier on the group's attack rate while talks last.
        attack_factor: Param,
        /// Days the talks last.
        duration: Param,
        /// Probability the talks produce a ceasefire when they end.
        ceasefire_chance: Param,
        /// Ceasefire lever started when they succeed.
        ceasefire: Option<String>,
    },
    /// A ceasefire with an armed group.
    Ceasefire {
        /// Multiplier on the group's attack rate while it holds.
        attack_factor: Param,
        /// Days it is agreed for.
        duration: Param,
        /// Daily probability the group breaks it.
        break_hazard: Param,
    },
    /// A third party mediates between two actors.
    Mediation {
        /// The dyad mediated.
        between: (String, String),
        /// Probability the mediation succeeds.
        success: Param,
        /// Tension removed on success.
        tension_drop: Param,
        /// Rungs stepped down on success.
        steps_down: u32,
        /// The side pressed to meet conditions (one of `between`), if any:
        /// third-party pressure. On success it reins in the groups it hosts
        /// (`curb`); on failure it pays `refusal_cost`.
        #[serde(default)]
        pressed: Option<String>,
        /// Sanctuary removed, on success, from every group the pressed side hosts, 0..1.
        #[serde(default)]
        curb: Param,
        /// Economy index the pressed side loses when the mediation fails.
        #[serde(default)]
        refusal_cost: Param,
    },
    /// Deportation of refugees hosted by the user to the target state.
    Deportation {
        /// People deported per day while the drive lasts.
        per_day: Param,
        /// Days the drive lasts.
        duration: Param,
        /// New recruits for groups hosted by the target, per 10,000 deported.
        backlash: Param,
    },
    /// Closing the border (trade and crossings) with the target state.
    TradeClosure {
        /// Trade lost per day of closure, thousands of US dollars.
        trade_per_day: Param,
        /// Days the closure lasts unless reopened.
        duration: Param,
        /// Economy index both sides lose per day of closure.
        economy_cost: Param,
    },
    /// Reopening a closed border.
    TradeReopening,
    /// A host strengthens its sanctuary for an armed group.
    Sanctuary {
        /// Sanctuary added, 0..1.
        hold: Param,
    },
    /// A host cracks down on an armed group it hosts.
    Crackdown {
        /// Sanctuary removed, 0..1.
        hold: Param,
        /// Mean militants killed.
        militants_killed: Param,
    },
    /// Economic sanctions on the target.
    Sanctions {
        /// Economy index the target loses.
        economy_cost: Param,
    },
    /// Economic aid to the target.
    Aid {
        /// Economy index the target gains.
        economy_gain: Param,
    },
    /// Support to an armed group: fighters and recruitment.
    ProxySupport {
        /// Fighters added.
        fighters: Param,
        /// Recruitment added, fraction per day.
        recruitment: Param,
    },
    /// The user shifts its trade to other routes: from the next day, the share
    /// of a border closure's economy cost it bears falls by `per_day` a day,
    /// down to `floor`.
    TradeDiversification {
        /// Share of a closure's cost shed per day, 0..1.
        per_day: Param,
        /// The lowest share it reaches, 0..1.
        floor: Param,
    },
    /// An outside power aligns with the target state: the state's capability and
    /// resolve rise (to at most 1), and every hostile lever another actor uses
    /// against it (or a group it hosts) costs that actor `rival_cost` more.
    Alignment {
        /// Capability added to the target, 0..1.
        capability: Param,
        /// Resolve added to the target, 0..1.
        resolve: Param,
        /// Economy index added to the cost of each hostile lever used against the target.
        rival_cost: Param,
    },
}

/// A per-actor set of decision rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doctrine {
    /// The acting actor's id.
    pub actor: String,
    /// Rules tried in order every day.
    pub rules: Vec<Rule>,
}

/// `when CONDITION then LEVER on TARGET with probability p, cooldown d days`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Name, unique within the actor's doctrine (used by policies and traces).
    pub name: String,
    /// When the rule may fire.
    pub when: Condition,
    /// Lever id.
    pub then: String,
    /// Target actor id, if the lever has one.
    #[serde(default)]
    pub on: Option<String>,
    /// Daily probability of firing when the condition holds.
    pub probability: Param,
    /// Days after firing before the rule may fire again.
    #[serde(default)]
    pub cooldown: u32,
}

/// Casualty categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Category {
    /// Civilians.
    Civilian,
    /// Security personnel.
    Security,
    /// Fighters of armed groups.
    Militant,
    /// All three.
    All,
}

/// A condition of a doctrine rule, evaluated each day on the trial's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Condition {
    /// Always true.
    Always,
    /// All of these.
    All(Vec<Condition>),
    /// Any of these.
    Any(Vec<Condition>),
    /// Not this.
    Not(Box<Condition>),
    /// Deaths of an actor's people in the trailing window reach a threshold.
    Casualties {
        /// Whose deaths.
        of: String,
        /// Which category.
        category: Category,
        /// Trailing window, days (including today).
        window: u32,
        /// Threshold.
        at_least: Param,
    },
    /// Attacks by an armed group in the trailing window reach a threshold.
    Attacks {
        /// The group.
        by: String,
        /// Trailing window, days.
        window: u32,
        /// Threshold.
        at_least: Param,
    },
    /// The dyad's rung is at least this.
    RungAtLeast {
        /// The dyad.
        between: (String, String),
        /// Rung name.
        rung: String,
    },
    /// The dyad's tension is at least this.
    TensionAtLeast {
        /// The dyad.
        between: (String, String),
        /// Threshold, 0..1.
        value: Param,
    },
    /// The day is at least this (0-based).
    DayAtLeast(u32),
    /// An actor's economy index is below a threshold.
    EconomyBelow {
        /// The actor.
        of: String,
        /// Threshold.
        value: Param,
    },
    /// An actor's refugee stock is at least a threshold.
    RefugeesAtLeast {
        /// The host actor.
        of: String,
        /// Threshold, people.
        value: Param,
    },
    /// An actor used a lever within the last days (including today).
    LeverUsed {
        /// The user.
        by: String,
        /// The lever id.
        lever: String,
        /// Window, days.
        within: u32,
    },
    /// A ceasefire or talks with the group are in force.
    Truce(String),
    /// An actor's domestic pressure is at least this.
    PressureAtLeast {
        /// The actor.
        of: String,
        /// Threshold, 0..1.
        value: Param,
    },
}

/// A scheduled event or a random shock.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Name, shown in traces.
    pub name: String,
    /// When it happens.
    pub trigger: Trigger,
    /// What happens.
    pub action: Action,
}

/// When an event happens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Trigger {
    /// On a given day, with a probability.
    Day {
        /// Day (0-based).
        day: u32,
        /// Probability it happens.
        probability: Param,
    },
    /// A random shock: each day in [from, to) with this probability, at most `max` times.
    Hazard {
        /// Daily probability.
        per_day: Param,
        /// First day.
        from: u32,
        /// Day after the last (defaults to the horizon).
        #[serde(default)]
        to: Option<u32>,
        /// Most times it can happen.
        max: u32,
    },
}

/// What an event does.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Action {
    /// An actor uses a lever.
    Lever {
        /// The user.
        actor: String,
        /// The lever id.
        lever: String,
        /// The target, if the lever takes one.
        #[serde(default)]
        on: Option<String>,
    },
    /// An armed group carries out one attack with given mean casualties.
    Attack {
        /// The group.
        by: String,
        /// Mean civilians killed.
        civilian: Param,
        /// Mean security personnel killed.
        security: Param,
    },
}

/// Outcome classes: tried in order; the first whose condition holds is the trial's class.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// The ordered classes.
    pub classes: Vec<OutcomeClass>,
    /// The class of a trial no rule matched.
    pub default: String,
    /// Its description.
    #[serde(default)]
    pub default_description: String,
}

/// One outcome class.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeClass {
    /// Class name.
    pub name: String,
    /// One line for the reader.
    #[serde(default)]
    pub description: String,
    /// The rule over the trial's metrics.
    pub when: OutcomeRule,
}

/// A rule over a finished trial's metrics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OutcomeRule {
    /// All of these.
    All(Vec<OutcomeRule>),
    /// Any of these.
    Any(Vec<OutcomeRule>),
    /// Not this.
    Not(Box<OutcomeRule>),
    /// The dyad's peak rung reached at least this.
    PeakAtLeast {
        /// The dyad.
        between: (String, String),
        /// Rung name.
        rung: String,
    },
    /// The dyad ended the trial at or below this rung.
    FinalAtMost {
        /// The dyad.
        between: (String, String),
        /// Rung name.
        rung: String,
    },
    /// A metric (by its name in the report) is at least a value.
    MetricAtLeast(String, f64),
    /// A metric is at most a value.
    MetricAtMost(String, f64),
}

/// A named alternative policy: rules added, rules disabled, parameters set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Name used on the command line.
    pub name: String,
    /// What the policy is, for a student.
    #[serde(default)]
    pub description: String,
    /// Rules added: (actor id, rule).
    #[serde(default)]
    pub add: Vec<(String, Rule)>,
    /// Rules removed, as "Actor/rule-name".
    #[serde(default)]
    pub disable: Vec<String>,
    /// Parameters replaced: (override path, value).
    #[serde(default)]
    pub set: Vec<(String, Param)>,
}
