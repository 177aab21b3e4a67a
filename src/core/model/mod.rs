//! The compiled model: a validated scenario with names turned into indices,
//! parameters into slots of a flat per-trial array, and conditions into a flat
//! tree. The engine reads only this; nothing here is looked up by name at run time.

mod compile;

pub use crate::core::scenario::metrics;
pub use compile::compile;
pub use metrics::{Direction, MetricDef, MetricKind, MetricLayout, NONE, metric_names};

use crate::core::scenario::Param;

/// Index of a parameter in the per-trial parameter array.
pub type P = u32;
/// Index of an actor.
pub type ActorIx = u16;

/// One parameter slot: where it comes from and how it is drawn.
#[derive(Debug, Clone)]
pub struct ParamSlot {
    /// Override path (`actors.TTP.fighters`).
    pub path: String,
    /// Structural path in the file (`actors[3].kind.fighters`).
    pub structural: String,
    /// The label its random stream is keyed by (the override path, a doctrine
    /// rule named by its name: see [`crate::core::scenario::paths::ParamPath::stream`]).
    pub stream: String,
    /// Its admissible values (a posterior's particles are checked against them).
    pub range: crate::core::scenario::paths::Range,
    /// Its value or distribution.
    pub dist: Param,
}

/// A calibration posterior bound to a compiled model (`core::posterior` reads and binds it): the slots it sets and what a trial
/// needs to pick a particle without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct PosteriorM {
    /// The file's name, as given.
    pub file: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The parameter slot of each path.
    pub slots: Vec<P>,
    /// Particle-major values: particle `k`'s are `values[k * slots.len()..][..slots.len()]`.
    pub values: Vec<f64>,
    /// Cumulative weights, ending at 1.
    pub cumulative: Vec<f64>,
    /// The last particle of positive weight (what rounding at the top picks).
    pub last: usize,
}

impl PosteriorM {
    /// The particle a uniform `u` in [0, 1) picks: the first whose cumulative
    /// weight exceeds `u` (inverse CDF by binary search), so particle `k` is
    /// picked with probability its weight and a weight of 0 is never picked.
    #[inline]
    pub fn pick(&self, u: f64) -> usize {
        self.cumulative.partition_point(|&c| c <= u).min(self.last)
    }

    /// Particle `k`'s values, in slot order.
    #[inline]
    pub fn particle(&self, k: usize) -> &[f64] {
        let n = self.slots.len();
        &self.values[k * n..(k + 1) * n]
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// Whether there is no particle (never, once read).
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }
}

/// What kind of actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A state.
    State,
    /// An outside power.
    OutsidePower,
    /// An armed group; the index into [`Model::groups`].
    Group(u16),
}

/// A compiled actor.
#[derive(Debug, Clone)]
pub struct ActorM {
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Capability, 0..1.
    pub capability: P,
    /// Initial economy index.
    pub economy: P,
    /// Resolve, 0..1.
    pub resolve: P,
    /// Initial domestic pressure.
    pub domestic_pressure: P,
    /// Initial refugee stock.
    pub refugees: P,
}

/// A compiled armed group.
#[derive(Debug, Clone)]
pub struct GroupM {
    /// The actor it is.
    pub actor: ActorIx,
    /// Its host, if any.
    pub host: Option<ActorIx>,
    /// The state it attacks.
    pub target: ActorIx,
    /// Initial fighters.
    pub fighters: P,
    /// Recruitment per day.
    pub recruitment: P,
    /// Initial sanctuary.
    pub sanctuary: P,
    /// Weight of sanctuary in the attack rate.
    pub sanctuary_weight: P,
    /// Attacks per day per 1,000 fighters.
    pub attack_rate: P,
    /// Mean deaths per attack: civilian, security, militant.
    pub casualties: [P; 3],
}

/// A compiled dyad.
#[derive(Debug, Clone)]
pub struct DyadM {
    /// First actor.
    pub a: ActorIx,
    /// Second actor.
    pub b: ActorIx,
    /// Initial tension.
    pub tension: P,
    /// Initial rung.
    pub rung: u8,
    /// `a-b`, for reports.
    pub label: String,
}

/// A compiled lever effect (parameters as slots; lever references as indices).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum EffectM {
    Airstrike {
        militants: P,
        civilians: P,
        pressure: P,
        backlash: P,
    },
    GroundOperation {
        militants: P,
        civilians: P,
        security_lost: P,
        pressure: P,
        backlash: P,
    },
    BorderClash {
        security_killed: P,
        own_losses: P,
    },
    Mobilization,
    Talks {
        attack_factor: P,
        duration: P,
        ceasefire_chance: P,
        ceasefire: Option<u16>,
    },
    Ceasefire {
        attack_factor: P,
        duration: P,
        break_hazard: P,
    },
    Mediation {
        dyad: u16,
        success: P,
        tension_drop: P,
        steps_down: u8,
        /// The side pressed to meet conditions, with its `curb` and `refusal_cost` slots.
        pressed: Option<(ActorIx, P, P)>,
    },
    Deportation {
        per_day: P,
        duration: P,
        backlash: P,
    },
    TradeClosure {
        trade_per_day: P,
        duration: P,
        economy_cost: P,
    },
    TradeReopening,
    Sanctuary {
        hold: P,
    },
    Crackdown {
        hold: P,
        militants: P,
    },
    Sanctions {
        economy_cost: P,
    },
    Aid {
        economy_gain: P,
    },
    ProxySupport {
        fighters: P,
        recruitment: P,
    },
    TradeDiversification {
        per_day: P,
        floor: P,
    },
    Alignment {
        capability: P,
        resolve: P,
        rival_cost: P,
    },
}

/// A compiled lever.
#[derive(Debug, Clone)]
pub struct LeverM {
    /// Its id.
    pub id: String,
    /// The typed effect.
    pub effect: EffectM,
    /// Rung the touched dyad is raised to, at least.
    pub min_rung: Option<u8>,
    /// Tension added to the touched dyad.
    pub tension: P,
    /// Economy cost to the user.
    pub cost: P,
    /// Whether using it resets the touched dyad's calm clock.
    pub hostile: bool,
    /// Acts inside the user's own territory.
    pub domestic: bool,
}

/// A compiled doctrine rule.
#[derive(Debug, Clone)]
pub struct RuleM {
    /// The acting actor.
    pub actor: ActorIx,
    /// `Actor/rule-name`, for traces.
    pub name: String,
    /// The rule's own name in its actor's doctrine.
    pub rule: String,
    /// Lever used.
    pub lever: u16,
    /// Target.
    pub target: Option<ActorIx>,
    /// Daily probability.
    pub probability: P,
    /// Cooldown in days.
    pub cooldown: u32,
    /// Root of its condition in [`Model::conds`].
    pub cond: u32,
}

/// Casualty category index: 0 civilian, 1 security, 2 militant, 3 all.
pub type Cat = u8;

/// A node of a compiled condition tree.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum CondM {
    Always,
    /// Children are `cond_children[start..start + len]`.
    All {
        start: u32,
        len: u32,
    },
    Any {
        start: u32,
        len: u32,
    },
    Not(u32),
    Casualties {
        actor: ActorIx,
        cat: Cat,
        window: u32,
        at_least: P,
    },
    Attacks {
        group: u16,
        window: u32,
        at_least: P,
    },
    RungAtLeast {
        dyad: u16,
        rung: u8,
    },
    TensionAtLeast {
        dyad: u16,
        value: P,
    },
    DayAtLeast(u32),
    EconomyBelow {
        actor: ActorIx,
        value: P,
    },
    RefugeesAtLeast {
        actor: ActorIx,
        value: P,
    },
    LeverUsed {
        actor: ActorIx,
        lever: u16,
        within: u32,
    },
    Truce(u16),
    PressureAtLeast {
        actor: ActorIx,
        value: P,
    },
}

/// When a compiled event happens.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum TriggerM {
    Day {
        day: u32,
        probability: P,
    },
    Hazard {
        per_day: P,
        from: u32,
        to: u32,
        max: u32,
    },
}

/// What a compiled event does.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum ActionM {
    Lever {
        actor: ActorIx,
        lever: u16,
        target: Option<ActorIx>,
    },
    Attack {
        group: u16,
        civilian: P,
        security: P,
    },
}

/// A compiled event.
#[derive(Debug, Clone)]
pub struct EventM {
    /// Its name.
    pub name: String,
    /// When.
    pub trigger: TriggerM,
    /// What.
    pub action: ActionM,
}

/// A compiled outcome rule over a finished trial's metric record.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum OutcomeM {
    All(Vec<OutcomeM>),
    Any(Vec<OutcomeM>),
    Not(Box<OutcomeM>),
    AtLeast(usize, f64),
    AtMost(usize, f64),
}

/// An outcome class.
#[derive(Debug, Clone)]
pub struct ClassM {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Rule (None for the default class, which is last).
    pub rule: Option<OutcomeM>,
}

/// Global dynamics, as parameter slots.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DynamicsM {
    pub calm_days: u32,
    pub rung_decay: P,
    pub tension_decay: P,
    pub tension_per_death: P,
    pub pressure_decay: P,
}

/// A compiled scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// Days per trial.
    pub horizon: u32,
    /// Rung names.
    pub rungs: Vec<String>,
    /// Dynamics.
    pub dynamics: DynamicsM,
    /// Actors.
    pub actors: Vec<ActorM>,
    /// Armed groups.
    pub groups: Vec<GroupM>,
    /// Dyads.
    pub dyads: Vec<DyadM>,
    /// `dyad_of[a * n + b]`: the dyad joining actors a and b, if any.
    pub dyad_of: Vec<Option<u16>>,
    /// Levers.
    pub levers: Vec<LeverM>,
    /// All doctrine rules, actor by actor in doctrine order.
    pub rules: Vec<RuleM>,
    /// Condition nodes.
    pub conds: Vec<CondM>,
    /// Children lists of All/Any nodes.
    pub cond_children: Vec<u32>,
    /// Events.
    pub events: Vec<EventM>,
    /// Outcome classes; the default is last.
    pub classes: Vec<ClassM>,
    /// Metric layout.
    pub metrics: MetricLayout,
    /// Parameter slots.
    pub params: Vec<ParamSlot>,
    /// Longest trailing window any condition reads.
    pub max_window: u32,
    /// The calibration posterior each trial draws its particle from, if any
    /// (bound by `run::Loaded::compile`; [`compile`] leaves it out).
    pub posterior: Option<PosteriorM>,
}

impl Model {
    /// The dyad joining two actors, if any.
    #[inline]
    pub fn dyad(&self, a: ActorIx, b: ActorIx) -> Option<u16> {
        self.dyad_of[a as usize * self.actors.len() + b as usize]
    }

    /// Indices of the uncertain (sampled) parameters: those with a
    /// distribution, and those a posterior sets.
    pub fn uncertain_params(&self) -> impl Iterator<Item = usize> + '_ {
        self.params
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.dist.is_uncertain()
                    || self
                        .posterior
                        .as_ref()
                        .is_some_and(|q| q.slots.contains(&(*i as P)))
            })
            .map(|(i, _)| i)
    }
}
