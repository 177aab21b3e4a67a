//! One trial: the day loop, actors' decisions, lever effects and events.
//!
//! A [`Trial`] owns every buffer a trial needs, sized once from the model;
//! [`Trial::run`] resets them and steps day by day without allocating.
//!
//! The phases of a day, in order (docs/model.md explains each):
//! 1. events: scheduled events and random shocks (exogenous stream);
//! 2. violence: each armed group's attacks and casualties; ceasefire breaks;
//! 3. programmes: deportation drives, border closures, talks and ceasefires
//!    running out;
//! 4. decisions: every doctrine rule, actor by actor, in file order (its
//!    condition flattened once per `Trial` and asked only on the days its
//!    answer may have changed, `engine::cond`);
//! 5. dynamics: recruitment, decay of pressure and tension, rungs stepping
//!    down on calm dyads; the day's rungs are recorded.

mod cond;
pub mod sample;
mod trace;

pub use trace::{Cause, NoTrace, TraceEvent, Tracer};

use rand_chacha::ChaCha8Rng;

use crate::core::model::{ActorIx, EffectM, Kind, Model, NONE, OutcomeM, P, TriggerM};
use crate::core::scenario::limits;
use crate::core::streams::{Purpose, StreamKeys};
use sample::{PoissonTables, chance, poisson_at};

const NEVER: i64 = i64::MIN / 4;

/// Attack counts whose casualty tables a trial keeps, per group and
/// category: 1 to this many (a larger count shares the last table, which
/// then rebuilds when its mean changes: still exact, only slower).
const CASUALTY_TABLES_PER_GROUP_CATEGORY: usize = 8;

/// Deaths of a lever use by category (civilian, security, militant): none.
const NO_DEATHS: [u64; 3] = [0; 3];

/// One use of a lever: who used it on whom and what it touched, as every
/// lever's effect reads it.
struct LeverUse {
    /// The day.
    t: usize,
    /// The actor using it.
    user: ActorIx,
    /// Its target, if any.
    target: Option<ActorIx>,
    /// The target's index among the armed groups, if the target is one.
    group: Option<usize>,
    /// The dyad it touches, if any.
    dyad: Option<u16>,
    /// Whether it strikes across a border.
    cross_border: bool,
    /// Whether the lever acts inside the user's own territory.
    domestic: bool,
}

/// The generator a lever's random effects come from.
#[derive(Debug, Clone, Copy)]
enum EffectStream {
    /// A purpose's stream (events: exogenous; talks ending: decisions).
    Shared(Purpose),
    /// The firing rule's own stream.
    Rule(usize),
}

/// A finished trial: its class, its metric record and its sampled parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialOutcome {
    /// Trial index in the run.
    pub trial: u64,
    /// Outcome class index (into `Model::classes`).
    pub class: u16,
    /// Metric values in `Model::metrics` order ([`NONE`] for an absent optional one).
    pub metrics: Vec<u64>,
    /// Every parameter slot's value in this trial.
    pub params: Vec<f64>,
}

impl TrialOutcome {
    /// An empty record sized for a model.
    pub fn new(model: &Model) -> Self {
        TrialOutcome {
            trial: 0,
            class: 0,
            metrics: vec![0; model.metrics.len()],
            params: vec![0.0; model.params.len()],
        }
    }

    /// The canonical bytes of the record: what the run digest hashes.
    /// Little-endian trial index, class, metrics, then the bits of every sampled parameter.
    pub fn canonical_bytes(&self, uncertain: &[usize], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.trial.to_le_bytes());
        out.extend_from_slice(&self.class.to_le_bytes());
        for m in &self.metrics {
            out.extend_from_slice(&m.to_le_bytes());
        }
        for &k in uncertain {
            out.extend_from_slice(&self.params[k].to_bits().to_le_bytes());
        }
    }
}

/// Per-day paths of a trial, for the per-day bands of reports.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `rungs[d * horizon + t]`: dyad d's rung at the end of day t.
    pub rungs: Vec<u8>,
    /// `deaths[t]`: cumulative deaths (all actors) at the end of day t.
    pub deaths: Vec<u64>,
}

/// What outside powers' alignment with an actor has added to it this trial
/// (all zero until an `Alignment` lever is used on it).
#[derive(Debug, Clone, Copy, Default)]
struct Alignment {
    /// Added to its capability (the sum stays at most 1).
    capability: f64,
    /// Added to its resolve (the sum stays at most 1).
    resolve: f64,
    /// Economy index every hostile lever used against it costs its user.
    rival_cost: f64,
}

/// An actor's shift of its trade to routes a border closure does not cut.
#[derive(Debug, Clone, Copy)]
struct Diversification {
    /// The share of a border closure's economy cost it bears (1 until it diversifies).
    share: f64,
    /// Share shed per day while it diversifies (0: not diversifying).
    per_day: f64,
    /// The share it stops at.
    floor: f64,
    /// The first day the share falls (the day after the lever is used by a rule).
    from: i64,
}

impl Diversification {
    /// No diversification: the actor bears a closure's whole cost.
    const NONE: Diversification = Diversification {
        share: 1.0,
        per_day: 0.0,
        floor: 1.0,
        from: NEVER,
    };
}

/// Upper bounds on the days the programmes' loops have anything to do,
/// raised whenever a lever starts one (never lowered within a trial, so a
/// programme cut short only keeps a loop running that finds nothing). The
/// loops still check each entry: skipping them when a bound says so skips
/// only iterations that would have changed nothing.
#[derive(Debug, Clone, Copy)]
struct ProgrammeEnds {
    /// At least every actor's `deport_until`.
    deportation: i64,
    /// At least every dyad's `closed_until`.
    closure: i64,
    /// At least every group's `talks_until`.
    talks: i64,
    /// Whether any actor has started diversifying its trade.
    diversifying: bool,
}

impl ProgrammeEnds {
    /// No programme has run: every loop has nothing to do.
    const NONE: ProgrammeEnds = ProgrammeEnds {
        deportation: NEVER,
        closure: NEVER,
        talks: NEVER,
        diversifying: false,
    };
}

/// The reusable state of one trial.
pub struct Trial<'m> {
    model: &'m Model,
    h: usize,
    v: Vec<f64>,
    // actors
    economy: Vec<f64>,
    pressure: Vec<f64>,
    refugees: Vec<f64>,
    deport_until: Vec<i64>,
    deport_rate: Vec<f64>,
    deport_to: Vec<ActorIx>,
    deport_backlash: Vec<f64>,
    /// The programmes' latest ends this trial, so the days none runs skip
    /// their loops (`ProgrammeEnds`).
    programme_ends: ProgrammeEnds,
    /// What outside alignment adds to each actor's capability and resolve, and
    /// to the cost of every hostile lever used against it (`Alignment`).
    alignment: Vec<Alignment>,
    /// Each actor's move of its trade to other routes (`TradeDiversification`).
    diversification: Vec<Diversification>,
    // groups
    /// Each armed group's strength and tempo, one record a group.
    group: Vec<GroupState>,
    talks_until: Vec<i64>,
    talks_chance: Vec<f64>,
    talks_ceasefire: Vec<Option<u16>>,
    talks_by: Vec<ActorIx>,
    cf_until: Vec<i64>,
    // dyads
    tension: Vec<f64>,
    rung: Vec<u8>,
    last_hostile: Vec<i64>,
    closed_until: Vec<i64>,
    closure_trade: Vec<f64>,
    closure_cost: Vec<f64>,
    // rules, levers, events
    fired: Vec<i64>,
    lever_used: Vec<i64>,
    event_count: Vec<u32>,
    // trailing-window prefix sums, day-major: cas[t * (4 * actors) + actor * 4 + cat]
    cas: Vec<u64>,
    attacks_cum: Vec<u64>,
    /// Deaths of all actors so far (the per-day path's running total; the
    /// metrics that are sums of deaths or attacks are read off the last rows
    /// of `cas` and `attacks_cum` by `book_totals`).
    deaths_so_far: u64,
    /// The trial's per-day paths.
    pub paths: Paths,
    m: Vec<u64>,
    /// `marked[k * windowed + j]`: metric `windowed[j]` at the end of day
    /// `marks[k]` (the running totals periods are differences of).
    marked: Vec<u64>,
    rngs: [ChaCha8Rng; 4],
    rule_rngs: Vec<ChaCha8Rng>,
    /// Casualty inversion tables: `(group * 3 + category) * per + (n - 1)`
    /// for `n` attacks (`per` = [`CASUALTY_TABLES_PER_GROUP_CATEGORY`]; the mean is
    /// `n` times the group's per-trial mean deaths per attack).
    casualty: PoissonTables,
    /// Inversion tables for lever effects' and attack events' counts, by the
    /// parameter slot of the mean (a strike's militants, civilians, own
    /// losses; a clash's; a crackdown's; an event's casualties): their means
    /// are fixed within a trial but for a user's capability, and a table is
    /// keyed by its mean, so a changed mean only rebuilds it.
    effect_tables: PoissonTables,
    /// Where the lever being applied draws its random effects.
    effect: EffectStream,
    /// 1 while doctrines decide (after today's violence and programmes), so a
    /// programme a rule starts today runs its full length from tomorrow; 0 in
    /// the events phase, before today's violence and programmes.
    start_offset: i64,
    /// Per armed group, the indices its attacks book into (fixed by the model).
    links: Vec<GroupLinks>,
    /// Per armed group, the values its daily attack rate and casualties read
    /// that do not change within a trial (set by `reset`).
    rates: Vec<GroupRates>,
    /// Per actor and category (`actor * 3 + cat`), the metric slot of its deaths, if any.
    death_slots: Vec<Option<usize>>,
    /// Each rule's condition, flattened, and the days and inputs each rule
    /// waits for before it is asked again (`cond`).
    /// (Boxed so that moving it out while it asks copies a pointer.)
    rules: Option<Box<cond::Rules>>,
}

/// An armed group's state that its attacks, the levers used on it and the
/// day's dynamics change, kept together so a group's day reads one record.
#[derive(Debug, Clone, Copy)]
struct GroupState {
    /// Fighters.
    fighters: f64,
    /// Recruitment per day (a share of its fighters).
    recruit: f64,
    /// The hold of its sanctuary, 0..1.
    sanctuary: f64,
    /// Counter-terror pressure on it, 0..1.
    ct: f64,
    /// Its attack factor while talks run.
    talks_factor: f64,
    /// Its attack factor while a ceasefire holds.
    cf_factor: f64,
    /// The daily hazard of its ceasefire breaking.
    cf_break: f64,
}

impl Default for GroupState {
    fn default() -> Self {
        GroupState {
            fighters: 0.0,
            recruit: 0.0,
            sanctuary: 0.0,
            ct: 0.0,
            talks_factor: 1.0,
            cf_factor: 1.0,
            cf_break: 0.0,
        }
    }
}

/// Where an armed group's attacks are booked: indices the model fixes, so the
/// day loop reads them from one place instead of through the model's tables.
#[derive(Debug, Clone, Copy)]
struct GroupLinks {
    /// The actor the group is.
    actor: ActorIx,
    /// The state it attacks.
    target: ActorIx,
    /// The dyad between its target and its host, if it has a host and they have one.
    host_dyad: Option<usize>,
    /// The metric slot of its attacks, if any.
    attacks: Option<usize>,
    /// The metric slot of deaths in attacks on its target, if any.
    attack_deaths: Option<usize>,
}

/// What an armed group's daily attack count and casualties read that is fixed
/// within a trial: parameter values, read once in `reset` (the same values,
/// so the same bits, as reading them every day).
#[derive(Debug, Clone, Copy, Default)]
struct GroupRates {
    /// Attacks per fighter per day: `attack_rate / 1000`.
    per_fighter: f64,
    /// `1 - sanctuary_weight`: the share of its tempo that needs no sanctuary.
    unsheltered: f64,
    /// `sanctuary_weight`.
    weight: f64,
    /// Mean deaths per attack: civilian, security, militant.
    means: [f64; 3],
}

impl<'m> Trial<'m> {
    /// Allocates every buffer for `model`.
    pub fn new(model: &'m Model) -> Self {
        let n = model.actors.len();
        let g = model.groups.len();
        let d = model.dyads.len();
        let h = model.horizon as usize;
        let seedless = || <ChaCha8Rng as rand_chacha::rand_core::SeedableRng>::from_seed([0; 32]);
        Trial {
            model,
            h,
            v: vec![0.0; model.params.len()],
            economy: vec![0.0; n],
            pressure: vec![0.0; n],
            refugees: vec![0.0; n],
            deport_until: vec![NEVER; n],
            deport_rate: vec![0.0; n],
            deport_to: vec![0; n],
            deport_backlash: vec![0.0; n],
            programme_ends: ProgrammeEnds::NONE,
            alignment: vec![Alignment::default(); n],
            diversification: vec![Diversification::NONE; n],
            group: vec![GroupState::default(); g],
            talks_until: vec![NEVER; g],
            talks_chance: vec![0.0; g],
            talks_ceasefire: vec![None; g],
            talks_by: vec![0; g],
            cf_until: vec![NEVER; g],
            tension: vec![0.0; d],
            rung: vec![0; d],
            last_hostile: vec![NEVER; d],
            closed_until: vec![NEVER; d],
            closure_trade: vec![0.0; d],
            closure_cost: vec![0.0; d],
            fired: vec![NEVER; model.rules.len()],
            lever_used: vec![NEVER; n * model.levers.len()],
            event_count: vec![0; model.events.len()],
            cas: vec![0; n * 4 * (h + 1)],
            attacks_cum: vec![0; g * (h + 1)],
            deaths_so_far: 0,
            paths: Paths {
                rungs: vec![0; d * h],
                deaths: vec![0; h],
            },
            m: vec![0; model.metrics.len()],
            marked: vec![0; model.metrics.marks.len() * model.metrics.windowed.len()],
            rngs: [seedless(), seedless(), seedless(), seedless()],
            rule_rngs: model.rules.iter().map(|_| seedless()).collect(),
            casualty: PoissonTables::new(g * 3 * CASUALTY_TABLES_PER_GROUP_CATEGORY),
            effect_tables: PoissonTables::new(model.params.len()),
            effect: EffectStream::Shared(Purpose::Decisions),
            start_offset: 0,
            links: model
                .groups
                .iter()
                .map(|g| GroupLinks {
                    actor: g.actor,
                    target: g.target,
                    host_dyad: g
                        .host
                        .and_then(|host| model.dyad(g.target, host))
                        .map(usize::from),
                    attacks: model.metrics.group_attacks[g.actor as usize],
                    attack_deaths: model.metrics.attack_deaths[g.target as usize],
                })
                .collect(),
            rates: vec![GroupRates::default(); g],
            death_slots: model
                .metrics
                .actor_deaths
                .iter()
                .flat_map(|slots| slots.iter().copied())
                .collect(),
            rules: Some(Box::new(cond::Rules::new(model))),
        }
    }

    /// Asks every doctrine rule off cooldown every day (`true`) instead of
    /// only on the days its answer may have changed (`false`, the default).
    /// The results are the same either way: this is the reference the tests
    /// hold the waking rules equal to, not something a run needs. Set it
    /// between trials (each trial's rules start afresh on day 0).
    pub fn poll_every_rule(&mut self, on: bool) {
        if let Some(rules) = &mut self.rules {
            rules.poll_every_rule(on);
        }
    }

    /// Runs trial `trial` of the run keyed by `keys`, writing into `out`.
    pub fn run<T: Tracer>(
        &mut self,
        keys: &StreamKeys,
        trial: u64,
        out: &mut TrialOutcome,
        tracer: &mut T,
    ) {
        self.reset(keys, trial);
        // The days run in stretches ending at the period marks (one stretch,
        // 0..horizon, when there are no periods), so recording periods costs
        // nothing per day: a copy of the running totals at each mark.
        let mut t = 0;
        for (k, &mark) in self.model.metrics.marks.iter().enumerate() {
            let end = (mark as usize + 1).min(self.h);
            while t < end {
                self.day(t, tracer);
                t += 1;
            }
            self.book_totals(t);
            self.mark(k);
        }
        while t < self.h {
            self.day(t, tracer);
            t += 1;
        }
        self.finish(trial, out);
    }

    /// Writes the metrics that are sums of the casualty and attack series
    /// from their running totals at row `row` (the end of day `row - 1`):
    /// every death is booked into its actor and category's series and every
    /// attack into its group's, so the totals by actor, by category, of
    /// victims and of all deaths, and of attacks by group and in all, are
    /// sums of those rows, the same integers as adding at every kill.
    fn book_totals(&mut self, row: usize) {
        let metrics = &self.model.metrics;
        let stride = 4 * self.model.actors.len();
        let cas = &self.cas[row * stride..(row + 1) * stride];
        let mut by_category = [0u64; 3];
        let mut deaths = 0u64;
        for (actor, slots) in cas.chunks_exact(4).zip(self.death_slots.chunks_exact(3)) {
            for ((total, &n), slot) in by_category.iter_mut().zip(actor).zip(slots) {
                *total += n;
                if let Some(s) = *slot {
                    self.m[s] = n;
                }
            }
            deaths += actor[3];
        }
        debug_assert_eq!(deaths, self.deaths_so_far);
        self.m[metrics.deaths] = deaths;
        for (&s, n) in metrics.deaths_by_category.iter().zip(by_category) {
            self.m[s] = n;
        }
        self.m[metrics.victims] = by_category[0] + by_category[1];
        let groups = self.links.len();
        let attacks = &self.attacks_cum[row * groups..(row + 1) * groups];
        let mut all = 0u64;
        for (links, &n) in self.links.iter().zip(attacks) {
            all += n;
            if let Some(s) = links.attacks {
                self.m[s] = n;
            }
        }
        self.m[metrics.attacks] = all;
    }

    /// Copies the running totals of the additive metrics at mark `k`.
    fn mark(&mut self, k: usize) {
        let windowed = &self.model.metrics.windowed;
        let row = &mut self.marked[k * windowed.len()..(k + 1) * windowed.len()];
        for (r, &s) in row.iter_mut().zip(windowed) {
            *r = self.m[s];
        }
    }

    /// Each period's metrics: the running totals at its end less those at the
    /// end of the day before it began.
    fn periods(&mut self) {
        let metrics = &self.model.metrics;
        let w = metrics.windowed.len();
        for p in &metrics.periods {
            let to = &self.marked[p.to * w..(p.to + 1) * w];
            let out = &mut self.m[p.first..p.first + w];
            match p.from {
                Some(f) => {
                    let from = &self.marked[f * w..(f + 1) * w];
                    for ((o, &b), &a) in out.iter_mut().zip(to).zip(from) {
                        *o = b - a;
                    }
                }
                None => out.copy_from_slice(to),
            }
        }
    }

    fn reset(&mut self, keys: &StreamKeys, trial: u64) {
        let model = self.model;
        for (k, slot) in model.params.iter().enumerate() {
            self.v[k] = if slot.dist.is_uncertain() {
                slot.dist.sample(&mut keys.param_rng(k, trial))
            } else {
                slot.dist.mean()
            };
        }
        // A posterior's particle overrides what was sampled for its paths:
        // one uniform from the trial's own posterior stream, inverse CDF.
        if let Some(post) = &model.posterior {
            let k = post.pick(sample::unit(&mut keys.posterior_rng(trial)));
            for (&slot, &x) in post.slots.iter().zip(post.particle(k)) {
                self.v[slot as usize] = x;
            }
        }
        for p in [
            Purpose::Exogenous,
            Purpose::Violence,
            Purpose::Decisions,
            Purpose::Ladder,
        ] {
            self.rngs[p as usize] = keys.rng(p, trial);
        }
        for (r, rng) in self.rule_rngs.iter_mut().enumerate() {
            *rng = keys.rule_rng(r, trial);
        }
        let v = &self.v;
        for (i, a) in model.actors.iter().enumerate() {
            self.economy[i] = v[a.economy as usize];
            self.pressure[i] = v[a.domestic_pressure as usize];
            self.refugees[i] = v[a.refugees as usize];
        }
        self.deport_until.fill(NEVER);
        self.programme_ends = ProgrammeEnds::NONE;
        self.alignment.fill(Alignment::default());
        self.diversification.fill(Diversification::NONE);
        for (i, g) in model.groups.iter().enumerate() {
            self.group[i] = GroupState {
                fighters: v[g.fighters as usize],
                recruit: v[g.recruitment as usize],
                sanctuary: v[g.sanctuary as usize],
                ..GroupState::default()
            };
            let w = v[g.sanctuary_weight as usize];
            self.rates[i] = GroupRates {
                per_fighter: v[g.attack_rate as usize] / 1000.0,
                unsheltered: 1.0 - w,
                weight: w,
                means: g.casualties.map(|c| v[c as usize]),
            };
        }
        self.talks_until.fill(NEVER);
        self.cf_until.fill(NEVER);
        for (i, d) in model.dyads.iter().enumerate() {
            self.tension[i] = v[d.tension as usize];
            self.rung[i] = d.rung;
        }
        self.last_hostile.fill(NEVER);
        self.closed_until.fill(NEVER);
        self.fired.fill(NEVER);
        self.lever_used.fill(NEVER);
        self.event_count.fill(0);
        // Prefix sums: day 0's row is zero; every later row is copied from the
        // day before at the start of each day, so only row 0 needs clearing.
        let (s, g) = (4 * model.actors.len(), model.groups.len());
        self.cas[..s].fill(0);
        self.attacks_cum[..g].fill(0);
        self.deaths_so_far = 0;
        self.m.fill(0);
        self.m[model.metrics.first_strike_day] = NONE;
        self.m[model.metrics.first_strike_toll] = NONE;
        for (i, d) in model.dyads.iter().enumerate() {
            self.m[model.metrics.dyads[i].peak] = d.rung as u64;
        }
    }

    /// The generator of the lever effect being applied.
    #[inline]
    fn effect_rng(&mut self) -> &mut ChaCha8Rng {
        match self.effect {
            EffectStream::Shared(p) => &mut self.rngs[p as usize],
            EffectStream::Rule(r) => &mut self.rule_rngs[r],
        }
    }

    /// The generator of the lever effect being applied and the effects'
    /// inversion tables, together (two fields borrowed apart).
    #[inline]
    fn effect_draws(&mut self) -> (&mut ChaCha8Rng, &mut PoissonTables) {
        let rng = match self.effect {
            EffectStream::Shared(p) => &mut self.rngs[p as usize],
            EffectStream::Rule(r) => &mut self.rule_rngs[r],
        };
        (rng, &mut self.effect_tables)
    }

    #[inline]
    fn rng(&mut self, p: Purpose) -> &mut ChaCha8Rng {
        &mut self.rngs[p as usize]
    }

    fn day<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        // Carry the prefix sums forward: today starts from yesterday's totals.
        carry_row(&mut self.cas, 4 * self.model.actors.len(), t);
        carry_row(&mut self.attacks_cum, self.rates.len(), t);
        self.start_offset = 0;
        self.events(t, tracer);
        self.violence(t, tracer);
        self.start_offset = 1;
        self.programmes(t, tracer);
        self.decisions(t, tracer);
        self.dynamics(t, tracer);
    }

    fn events<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        let model = self.model;
        for (e, ev) in model.events.iter().enumerate() {
            let happens = match ev.trigger {
                TriggerM::Day { day, probability } => {
                    day as usize == t && {
                        let p = self.v[probability as usize];
                        chance(self.rng(Purpose::Exogenous), p)
                    }
                }
                TriggerM::Hazard {
                    per_day,
                    from,
                    to,
                    max,
                } => {
                    (from as usize..to as usize).contains(&t) && {
                        let p = self.v[per_day as usize];
                        // Always draw inside the window, so shocks stay in step across policies.
                        chance(self.rng(Purpose::Exogenous), p) && self.event_count[e] < max
                    }
                }
            };
            if !happens {
                continue;
            }
            self.event_count[e] += 1;
            tracer.record(t as u32, TraceEvent::Event { event: e as u16 });
            match ev.action {
                crate::core::model::ActionM::Lever {
                    actor,
                    lever,
                    target,
                } => self.use_lever(t, actor, lever, target, Cause::Event(e as u16), tracer),
                crate::core::model::ActionM::Attack {
                    group,
                    civilian,
                    security,
                } => {
                    let (mc, ms) = (self.v[civilian as usize], self.v[security as usize]);
                    let rng = &mut self.rngs[Purpose::Exogenous as usize];
                    let tables = &mut self.effect_tables;
                    let civ = tables.draw(civilian as usize, rng, mc);
                    let sec = tables.draw(security as usize, rng, ms);
                    self.record_attacks(t, group as usize, 1, [civ, sec, 0], tracer);
                }
            }
        }
    }

    fn violence<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        let ti = t as i64;
        for gi in 0..self.rates.len() {
            let r = self.rates[gi];
            let mut factor = 1.0;
            if self.talks_until[gi] > ti {
                factor *= self.group[gi].talks_factor;
            }
            let in_ceasefire = self.cf_until[gi] > ti;
            if in_ceasefire {
                factor *= self.group[gi].cf_factor;
            }
            // The same products, in the same order, as reading the values
            // every day: `attack_rate / 1000 * fighters * (1 - w + w *
            // sanctuary) * ...`.
            let lambda = r.per_fighter
                * self.group[gi].fighters
                * (r.unsheltered + r.weight * self.group[gi].sanctuary)
                * (1.0 - self.group[gi].ct).max(0.0)
                * factor;
            // Five uniforms per group and day, used or not: each group's draws
            // stay in step across policies (common random numbers).
            let rng = &mut self.rngs[Purpose::Violence as usize];
            let u: [f64; 5] = std::array::from_fn(|_| sample::unit(rng));
            let n = poisson_at(u[0], lambda);
            if n > 0 {
                let nf = n as f64;
                let per = CASUALTY_TABLES_PER_GROUP_CATEGORY;
                let slot = (n as usize).min(per) - 1;
                let deaths: [u64; 3] = std::array::from_fn(|c| {
                    let ix = (gi * 3 + c) * per + slot;
                    self.casualty.at(ix, u[c + 1], nf * r.means[c])
                });
                self.record_attacks(t, gi, n, deaths, tracer);
            }
            if in_ceasefire && u[4] < self.group[gi].cf_break {
                self.cf_until[gi] = ti;
                self.m[self.model.metrics.ceasefires_broken] += 1;
                tracer.record(t as u32, TraceEvent::CeasefireBroken { group: gi as u16 });
            }
        }
    }

    /// Books `n` attacks by group `gi` with deaths [civilian, security, militant].
    fn record_attacks<T: Tracer>(
        &mut self,
        t: usize,
        gi: usize,
        n: u64,
        deaths: [u64; 3],
        tracer: &mut T,
    ) {
        let model = self.model;
        let g = self.links[gi];
        let militant = deaths[2].min(self.group[gi].fighters.max(0.0) as u64);
        self.group[gi].fighters -= militant as f64;
        self.attacks_cum[(t + 1) * self.rates.len() + gi] += n;
        self.kill(t, g.target, 0, deaths[0]);
        self.kill(t, g.target, 1, deaths[1]);
        self.kill(t, g.actor, 2, militant);
        if let Some(s) = g.attack_deaths {
            self.m[s] += deaths[0] + deaths[1] + militant;
        }
        let harm = (deaths[0] + deaths[1]) as f64;
        if let Some(d) = g.host_dyad {
            let tpd = self.v[model.dynamics.tension_per_death as usize];
            self.tension[d] = (self.tension[d] + tpd * harm).min(1.0);
        }
        let target = g.target as usize;
        let resolve = (self.v[model.actors[target].resolve as usize]
            + self.alignment[target].resolve)
            .min(1.0);
        let p = &mut self.pressure[target];
        *p = (*p + resolve * harm / 100.0).min(1.0);
        tracer.record(
            t as u32,
            TraceEvent::Attack {
                group: gi as u16,
                attacks: n as u32,
                deaths: [deaths[0], deaths[1], militant],
            },
        );
    }

    /// Books deaths of `actor` in category `cat` (0 civilian, 1 security,
    /// 2 militant) into its casualty series; the death metrics are sums of
    /// the series (`book_totals`).
    #[inline]
    fn kill(&mut self, t: usize, actor: ActorIx, cat: usize, n: u64) {
        if n == 0 {
            return;
        }
        let a = actor as usize;
        let stride = 4 * self.model.actors.len();
        let row = &mut self.cas[(t + 1) * stride + a * 4..][..4];
        row[cat] += n;
        row[3] += n;
        self.deaths_so_far += n;
    }

    fn programmes<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        let model = self.model;
        let ti = t as i64;
        // Each loop runs only while a programme of its kind may be on (the
        // bounds in `programme_ends`); a lever used in the talks loop starts
        // nothing that ends today, so the copy taken here stays good.
        let ends = self.programme_ends;
        if ends.diversifying {
            self.diversify(ti);
        }
        if ends.deportation > ti {
            for a in 0..model.actors.len() {
                if self.deport_until[a] > ti {
                    let n = self.deport_rate[a].min(self.refugees[a]).max(0.0).floor();
                    self.refugees[a] -= n;
                    self.m[model.metrics.deported] += n as u64;
                    let to = self.deport_to[a];
                    let recruits = self.deport_backlash[a] * n / 10_000.0;
                    for (gi, g) in model.groups.iter().enumerate() {
                        if g.host == Some(to) {
                            self.recruit_fighters(gi, recruits);
                        }
                    }
                }
            }
        }
        if ends.closure > ti {
            for d in 0..model.dyads.len() {
                if self.closed_until[d] > ti {
                    self.m[model.metrics.trade_lost] += self.closure_trade[d].round() as u64;
                    self.m[model.metrics.closure_days] += 1;
                    let c = self.closure_cost[d];
                    let dy = &model.dyads[d];
                    let (a, b) = (dy.a as usize, dy.b as usize);
                    self.economy[a] -= c * self.diversification[a].share;
                    self.economy[b] -= c * self.diversification[b].share;
                }
            }
        }
        if ends.talks >= ti {
            for gi in 0..model.groups.len() {
                if self.talks_until[gi] == ti {
                    tracer.record(t as u32, TraceEvent::TalksEnded { group: gi as u16 });
                    if let Some(cf) = self.talks_ceasefire[gi] {
                        let p = self.talks_chance[gi];
                        if chance(self.rng(Purpose::Decisions), p) {
                            let by = self.talks_by[gi];
                            let target = Some(model.groups[gi].actor);
                            self.use_lever(t, by, cf, target, Cause::Talks, tracer);
                        }
                    }
                }
            }
        }
    }

    fn decisions<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        let model = self.model;
        // The rules are asked through `cond::Rules`, which decides which of
        // them need asking today; it is moved out while it asks (no allocation).
        let Some(mut rules) = self.rules.take() else {
            unreachable!("the rules are only out of the trial while they decide")
        };
        rules.decide(self, t, |s, r| {
            let rule = &model.rules[r];
            let p = s.v[rule.probability as usize];
            if !chance(&mut s.rule_rngs[r], p) {
                return false;
            }
            s.fired[r] = t as i64;
            s.use_lever(
                t,
                rule.actor,
                rule.lever,
                rule.target,
                Cause::Rule(r as u16),
                tracer,
            );
            true
        });
        self.rules = Some(rules);
    }

    /// The dyad a lever used by `user` on `target` touches: with the target's
    /// host when the target is a group sheltered by someone else (cross-border),
    /// else with the target itself.
    fn touched(&self, user: ActorIx, target: ActorIx) -> (Option<u16>, bool) {
        let model = self.model;
        if let Kind::Group(g) = model.actors[target as usize].kind
            && let Some(host) = model.groups[g as usize].host
            && host != user
        {
            return (model.dyad(user, host), true);
        }
        (
            model.dyad(user, target),
            !matches!(model.actors[target as usize].kind, Kind::Group(_)),
        )
    }

    /// Applies lever `lever` used by `user` on `target` on day `t`: what every
    /// lever does (its cost, the touched dyad's tension, rung and calm clock),
    /// then its own effect (one function per lever, below), then the trace.
    fn use_lever<T: Tracer>(
        &mut self,
        t: usize,
        user: ActorIx,
        lever: u16,
        target: Option<ActorIx>,
        cause: Cause,
        tracer: &mut T,
    ) {
        let model = self.model;
        let l = &model.levers[lever as usize];
        self.effect = match cause {
            Cause::Rule(r) => EffectStream::Rule(r as usize),
            Cause::Event(_) => EffectStream::Shared(Purpose::Exogenous),
            Cause::Talks => EffectStream::Shared(Purpose::Decisions),
        };
        let (dyad, cross_border) = match (&l.effect, target) {
            (EffectM::Mediation { dyad, .. }, _) => (Some(*dyad), false),
            (_, Some(x)) if l.domestic => (model.dyad(user, x), false),
            (_, Some(x)) => self.touched(user, x),
            (_, None) => (None, false),
        };
        let before = self.lever_common(t, user, lever, dyad);
        let u = LeverUse {
            t,
            user,
            target,
            group: target.and_then(|x| match model.actors[x as usize].kind {
                Kind::Group(g) => Some(g as usize),
                _ => None,
            }),
            dyad,
            cross_border,
            domestic: l.domestic,
        };
        let deaths = self.lever_effect(&u, &l.effect);
        let rung = match (dyad, before) {
            (Some(d), Some(b)) if self.rung[d as usize] != b => Some((d, b, self.rung[d as usize])),
            _ => None,
        };
        tracer.record(
            t as u32,
            TraceEvent::Lever {
                actor: user,
                lever,
                target,
                cause,
                deaths,
                rung,
            },
        );
    }

    /// A lever's own effect (one function per lever); returns the deaths it
    /// caused by category.
    fn lever_effect(&mut self, u: &LeverUse, effect: &EffectM) -> [u64; 3] {
        match *effect {
            EffectM::Airstrike {
                militants,
                civilians,
                pressure,
                backlash,
            } => self.strike(u, [militants, civilians, pressure, backlash], None),
            EffectM::GroundOperation {
                militants,
                civilians,
                security_lost,
                pressure,
                backlash,
            } => self.strike(
                u,
                [militants, civilians, pressure, backlash],
                Some(security_lost),
            ),
            EffectM::BorderClash {
                security_killed,
                own_losses,
            } => self.border_clash(u, security_killed, own_losses),
            EffectM::Mobilization => NO_DEATHS,
            EffectM::TradeReopening => self.reopen_trade(u),
            EffectM::Talks {
                attack_factor,
                duration,
                ceasefire_chance,
                ceasefire,
            } => self.open_talks(u, attack_factor, duration, ceasefire_chance, ceasefire),
            EffectM::Ceasefire {
                attack_factor,
                duration,
                break_hazard,
            } => self.agree_ceasefire(u, attack_factor, duration, break_hazard),
            EffectM::Mediation {
                dyad,
                success,
                tension_drop,
                steps_down,
                pressed,
            } => self.mediate(dyad, success, tension_drop, steps_down, pressed),
            EffectM::Deportation {
                per_day,
                duration,
                backlash,
            } => self.deport(u, per_day, duration, backlash),
            EffectM::TradeClosure {
                trade_per_day,
                duration,
                economy_cost,
            } => self.close_border(u, trade_per_day, duration, economy_cost),
            EffectM::Sanctuary { hold } => self.shelter(u, hold),
            EffectM::Crackdown { hold, militants } => self.crack_down(u, hold, militants),
            EffectM::Sanctions { economy_cost } => self.sanction(u, economy_cost),
            EffectM::Aid { economy_gain } => self.aid(u, economy_gain),
            EffectM::ProxySupport {
                fighters,
                recruitment,
            } => self.support_proxy(u, fighters, recruitment),
            EffectM::TradeDiversification { per_day, floor } => {
                self.start_diversifying(u, per_day, floor)
            }
            EffectM::Alignment {
                capability,
                resolve,
                rival_cost,
            } => self.align(u, capability, resolve, rival_cost),
        }
    }

    /// What every lever does, whatever its effect: the user pays its cost, the
    /// lever is marked used, and the touched dyad (if any) takes its tension,
    /// its minimum rung and, if hostile, a reset of its calm clock. Returns the
    /// dyad's rung before.
    fn lever_common(
        &mut self,
        t: usize,
        user: ActorIx,
        lever: u16,
        dyad: Option<u16>,
    ) -> Option<u8> {
        let model = self.model;
        let l = &model.levers[lever as usize];
        let ti = t as i64;
        self.economy[user as usize] -= self.v[l.cost as usize];
        self.lever_used[user as usize * model.levers.len() + lever as usize] = ti;
        let before = dyad.map(|d| self.rung[d as usize]);
        if let Some(d) = dyad {
            let d = d as usize;
            self.tension[d] = (self.tension[d] + self.v[l.tension as usize]).clamp(0.0, 1.0);
            if let Some(r) = l.min_rung {
                self.rung[d] = self.rung[d].max(r);
                // The peak counts rungs reached during the day, even if
                // mediation brings the dyad down before the day ends.
                let peak = &mut self.m[model.metrics.dyads[d].peak];
                *peak = (*peak).max(self.rung[d] as u64);
            }
            if l.hostile {
                self.last_hostile[d] = ti;
                // A hostile act against an actor an outside power backs costs more.
                let dy = &model.dyads[d];
                let other = if dy.a == user { dy.b } else { dy.a };
                self.economy[user as usize] -= self.alignment[other as usize].rival_cost;
            }
        }
        before
    }

    /// The day a timed effect of `duration` (a parameter slot, in days, at
    /// least one) started on day `t` runs out.
    fn until(&self, t: usize, duration: P) -> i64 {
        t as i64 + self.start_offset + self.v[duration as usize].round().max(1.0) as i64
    }

    /// Airstrike (`security_lost` None) or ground operation: militants killed
    /// (scaled by the user's capability, at most the group's fighters),
    /// civilians killed, the user's own losses; pressure and backlash on a
    /// targeted group; a cross-border strike counted. `[militants, civilians,
    /// pressure, backlash]` are slots. Three draws, always: militants,
    /// civilians, own losses.
    fn strike(&mut self, u: &LeverUse, slots: [P; 4], security_lost: Option<P>) -> [u64; 3] {
        let (model, t, user) = (self.model, u.t, u.user);
        let v = &self.v;
        let cap = self.capability(user);
        let [militants, civilians, pressure, backlash] = slots;
        let (mm, mc, pr, bl) = (
            v[militants as usize] * cap,
            v[civilians as usize],
            v[pressure as usize],
            v[backlash as usize],
        );
        // The own losses' table: the slot of their mean (an airstrike has
        // none and draws nothing, so any index serves).
        let (lost, lost_ix) = match security_lost {
            Some(s) => (v[s as usize], s as usize),
            None => (0.0, civilians as usize),
        };
        let (rng, tables) = self.effect_draws();
        let mil = tables.draw(militants as usize, rng, mm);
        let civ = tables.draw(civilians as usize, rng, mc);
        let own = tables.draw(lost_ix, rng, lost);
        let mut deaths = NO_DEATHS;
        if let Some(x) = u.target {
            match u.group {
                Some(g) => {
                    let mil = mil.min(self.group[g].fighters.max(0.0) as u64);
                    // One addition, as before the cap: the same bits below it.
                    self.recruit_fighters(g, bl * civ as f64 - mil as f64);
                    self.group[g].ct = (self.group[g].ct + pr).min(1.0);
                    let territory = match model.groups[g].host {
                        Some(h) if h != user && !u.domestic => h,
                        _ => model.groups[g].target,
                    };
                    self.kill(t, x, 2, mil);
                    self.kill(t, territory, 0, civ);
                    deaths = [civ, 0, mil];
                }
                None => {
                    self.kill(t, x, 1, mil);
                    self.kill(t, x, 0, civ);
                    deaths = [civ, mil, 0];
                }
            }
        }
        self.kill(t, user, 1, own);
        deaths[1] += own;
        if u.cross_border {
            self.m[model.metrics.strikes] += 1;
            if self.m[model.metrics.first_strike_day] == NONE {
                self.m[model.metrics.first_strike_day] = t as u64;
                self.m[model.metrics.first_strike_toll] = deaths.iter().sum();
            }
        }
        deaths
    }

    /// Border clash: security forces of the target killed (scaled by the
    /// user's capability) and the user's own losses; two draws.
    fn border_clash(&mut self, u: &LeverUse, security_killed: P, own_losses: P) -> [u64; 3] {
        let v = &self.v;
        let cap = self.capability(u.user);
        let (a, b) = (v[security_killed as usize] * cap, v[own_losses as usize]);
        let (rng, tables) = self.effect_draws();
        let k = tables.draw(security_killed as usize, rng, a);
        let own = tables.draw(own_losses as usize, rng, b);
        if let Some(x) = u.target {
            self.kill(u.t, x, 1, k);
        }
        self.kill(u.t, u.user, 1, own);
        [0, k + own, 0]
    }

    /// Trade reopening: ends the touched dyad's border closure today.
    fn reopen_trade(&mut self, u: &LeverUse) -> [u64; 3] {
        if let Some(d) = u.dyad {
            let d = d as usize;
            self.closed_until[d] = self.closed_until[d].min(u.t as i64);
        }
        NO_DEATHS
    }

    /// Talks with a targeted group: its attacks scaled for a while, with a
    /// daily chance of turning into ceasefire lever `ceasefire`.
    fn open_talks(
        &mut self,
        u: &LeverUse,
        attack_factor: P,
        duration: P,
        ceasefire_chance: P,
        ceasefire: Option<u16>,
    ) -> [u64; 3] {
        if let Some(g) = u.group {
            self.talks_until[g] = self.until(u.t, duration);
            let ends = &mut self.programme_ends;
            ends.talks = ends.talks.max(self.talks_until[g]);
            self.group[g].talks_factor = self.v[attack_factor as usize];
            self.talks_chance[g] = self.v[ceasefire_chance as usize];
            self.talks_ceasefire[g] = ceasefire;
            self.talks_by[g] = u.user;
        }
        NO_DEATHS
    }

    /// Ceasefire with a targeted group: its attacks scaled for a while, with a
    /// daily hazard of breaking; counted as made.
    fn agree_ceasefire(
        &mut self,
        u: &LeverUse,
        attack_factor: P,
        duration: P,
        break_hazard: P,
    ) -> [u64; 3] {
        if let Some(g) = u.group {
            self.cf_until[g] = self.until(u.t, duration);
            self.group[g].cf_factor = self.v[attack_factor as usize];
            self.group[g].cf_break = self.v[break_hazard as usize];
            self.m[self.model.metrics.ceasefires_made] += 1;
        }
        NO_DEATHS
    }

    /// Mediation of `dyad`: with chance `success` (one draw), its tension drops
    /// and it steps down the ladder. With a `pressed` side (third-party
    /// pressure, [`Self::press`]), success also reins in the groups it hosts
    /// and failure costs it.
    fn mediate(
        &mut self,
        dyad: u16,
        success: P,
        tension_drop: P,
        steps_down: u8,
        pressed: Option<(ActorIx, P, P)>,
    ) -> [u64; 3] {
        let (p, drop) = (self.v[success as usize], self.v[tension_drop as usize]);
        let succeeded = chance(self.effect_rng(), p);
        if succeeded {
            let d = dyad as usize;
            self.tension[d] = (self.tension[d] - drop).max(0.0);
            self.rung[d] = self.rung[d].saturating_sub(steps_down);
        }
        if let Some((x, curb, refusal_cost)) = pressed {
            self.press(x, succeeded, curb, refusal_cost);
        }
        NO_DEATHS
    }

    /// Deportation by the user into the target, for a while.
    fn deport(&mut self, u: &LeverUse, per_day: P, duration: P, backlash: P) -> [u64; 3] {
        if let Some(x) = u.target {
            let i = u.user as usize;
            self.deport_until[i] = self.until(u.t, duration);
            let ends = &mut self.programme_ends;
            ends.deportation = ends.deportation.max(self.deport_until[i]);
            self.deport_rate[i] = self.v[per_day as usize];
            self.deport_to[i] = x;
            self.deport_backlash[i] = self.v[backlash as usize];
        }
        NO_DEATHS
    }

    /// Border closure of the touched dyad, for a while (extending, never
    /// shortening, a closure already on).
    fn close_border(
        &mut self,
        u: &LeverUse,
        trade_per_day: P,
        duration: P,
        economy_cost: P,
    ) -> [u64; 3] {
        if let Some(d) = u.dyad {
            let d = d as usize;
            self.closed_until[d] = self.closed_until[d].max(self.until(u.t, duration));
            let ends = &mut self.programme_ends;
            ends.closure = ends.closure.max(self.closed_until[d]);
            self.closure_trade[d] = self.v[trade_per_day as usize];
            self.closure_cost[d] = self.v[economy_cost as usize];
        }
        NO_DEATHS
    }

    /// Sanctuary granted to a targeted group.
    fn shelter(&mut self, u: &LeverUse, hold: P) -> [u64; 3] {
        if let Some(g) = u.group {
            self.group[g].sanctuary = (self.group[g].sanctuary + self.v[hold as usize]).min(1.0);
        }
        NO_DEATHS
    }

    /// Crackdown on a targeted group: its sanctuary cut and militants killed
    /// (one draw, at most its fighters).
    fn crack_down(&mut self, u: &LeverUse, hold: P, militants: P) -> [u64; 3] {
        let Some(g) = u.group else {
            return NO_DEATHS;
        };
        let (dh, mm) = (self.v[hold as usize], self.v[militants as usize]);
        self.group[g].sanctuary = (self.group[g].sanctuary - dh).max(0.0);
        let (rng, tables) = self.effect_draws();
        let mil = tables
            .draw(militants as usize, rng, mm)
            .min(self.group[g].fighters.max(0.0) as u64);
        self.group[g].fighters -= mil as f64;
        self.kill(u.t, self.model.groups[g].actor, 2, mil);
        [0, 0, mil]
    }

    /// Sanctions: the target's economy falls.
    fn sanction(&mut self, u: &LeverUse, economy_cost: P) -> [u64; 3] {
        if let Some(x) = u.target {
            self.economy[x as usize] -= self.v[economy_cost as usize];
        }
        NO_DEATHS
    }

    /// Aid: the target's economy rises.
    fn aid(&mut self, u: &LeverUse, economy_gain: P) -> [u64; 3] {
        if let Some(x) = u.target {
            self.economy[x as usize] += self.v[economy_gain as usize];
        }
        NO_DEATHS
    }

    /// Adds `n` fighters to group `g` (less than 0 only for a strike's
    /// killed, never more than it has), up to the cap on a
    /// group's strength ([`limits::FIGHTERS`], which the day's recruitment
    /// keeps too): what keeps every count its attacks feed within a `u64`,
    /// and `fighters_end` off the marker for "absent".
    #[inline]
    fn recruit_fighters(&mut self, g: usize, n: f64) {
        self.group[g].fighters = (self.group[g].fighters + n).min(limits::FIGHTERS);
    }

    /// Support for a targeted proxy group: fighters and recruitment.
    fn support_proxy(&mut self, u: &LeverUse, fighters: P, recruitment: P) -> [u64; 3] {
        if let Some(g) = u.group {
            self.recruit_fighters(g, self.v[fighters as usize]);
            self.group[g].recruit += self.v[recruitment as usize];
        }
        NO_DEATHS
    }

    /// The conditions of third-party pressure on `pressed`, after the
    /// mediation's one draw: met (every group it hosts loses `curb` of its
    /// sanctuary) or refused (its economy falls by `refusal_cost`).
    fn press(&mut self, pressed: ActorIx, met: bool, curb: P, refusal_cost: P) {
        if met {
            let c = self.v[curb as usize];
            for (gi, g) in self.model.groups.iter().enumerate() {
                if g.host == Some(pressed) {
                    self.group[gi].sanctuary = (self.group[gi].sanctuary - c).max(0.0);
                }
            }
        } else {
            self.economy[pressed as usize] -= self.v[refusal_cost as usize];
        }
    }

    /// The user starts moving its trade to other routes: from the first day
    /// of the programme its share of a closure's cost falls by `per_day` a
    /// day down to `floor` (a second use replaces the rate and floor, never
    /// raises the share).
    fn start_diversifying(&mut self, u: &LeverUse, per_day: P, floor: P) -> [u64; 3] {
        let d = &mut self.diversification[u.user as usize];
        d.per_day = self.v[per_day as usize];
        d.floor = self.v[floor as usize];
        d.from = u.t as i64 + self.start_offset;
        self.programme_ends.diversifying = true;
        NO_DEATHS
    }

    /// Phase 3, first: every diversifying actor's share of closure costs falls
    /// by its daily rate, down to its floor.
    fn diversify(&mut self, t: i64) {
        for d in &mut self.diversification {
            if d.per_day > 0.0 && t >= d.from && d.share > d.floor {
                d.share = (d.share - d.per_day).max(d.floor);
            }
        }
    }

    /// An outside power aligns with the target state: capability and resolve
    /// added (their sums with the actor's own stay at most 1, [`Self::capability`]),
    /// and the cost of hostile acts against it raised.
    fn align(&mut self, u: &LeverUse, capability: P, resolve: P, rival_cost: P) -> [u64; 3] {
        if let Some(x) = u.target {
            let v = &self.v;
            let a = &mut self.alignment[x as usize];
            a.capability += v[capability as usize];
            a.resolve += v[resolve as usize];
            a.rival_cost += v[rival_cost as usize];
        }
        NO_DEATHS
    }

    /// An actor's capability today: its own, plus what alignment added, at most 1.
    #[inline]
    fn capability(&self, actor: ActorIx) -> f64 {
        let own = self.v[self.model.actors[actor as usize].capability as usize];
        (own + self.alignment[actor as usize].capability).min(1.0)
    }

    fn dynamics<T: Tracer>(&mut self, t: usize, tracer: &mut T) {
        let model = self.model;
        let dy = &model.dynamics;
        let v = &self.v;
        let (rung_decay, tension_decay, pressure_decay) = (
            v[dy.rung_decay as usize],
            v[dy.tension_decay as usize],
            v[dy.pressure_decay as usize],
        );
        for g in &mut self.group {
            g.fighters = (g.fighters * (1.0 + g.recruit)).clamp(0.0, limits::FIGHTERS);
            g.ct *= 1.0 - pressure_decay;
        }
        for p in &mut self.pressure {
            *p *= 1.0 - tension_decay;
        }
        let ti = t as i64;
        for d in 0..model.dyads.len() {
            self.tension[d] *= 1.0 - tension_decay;
            let calm = ti - self.last_hostile[d] >= dy.calm_days as i64;
            let step = chance(&mut self.rngs[Purpose::Ladder as usize], rung_decay);
            if calm && step && self.rung[d] > 0 {
                self.rung[d] -= 1;
                tracer.record(
                    t as u32,
                    TraceEvent::RungDecay {
                        dyad: d as u16,
                        to: self.rung[d],
                    },
                );
            }
            let r = self.rung[d];
            let slots = &model.metrics.dyads[d];
            self.m[slots.days_at + r as usize] += 1;
            let peak = &mut self.m[slots.peak];
            *peak = (*peak).max(r as u64);
            self.paths.rungs[d * self.h + t] = r;
        }
        self.paths.deaths[t] = self.deaths_so_far;
    }

    fn finish(&mut self, trial: u64, out: &mut TrialOutcome) {
        let model = self.model;
        self.book_totals(self.h);
        for (i, g) in model.groups.iter().enumerate() {
            if let Some(s) = model.metrics.fighters_end[g.actor as usize] {
                self.m[s] = self.group[i].fighters.round().max(0.0) as u64;
            }
        }
        for d in 0..model.dyads.len() {
            self.m[model.metrics.dyads[d].last] = self.rung[d] as u64;
        }
        self.periods();
        out.trial = trial;
        out.metrics.copy_from_slice(&self.m);
        out.params.copy_from_slice(&self.v);
        out.class = classify(model, &self.m);
    }
}

/// Copies row `t` of a day-major series with `stride` entries a day onto row
/// `t + 1`: a few dozen words, copied in line rather than by a call to `memmove`.
#[inline]
fn carry_row(series: &mut [u64], stride: usize, t: usize) {
    let (before, after) = series.split_at_mut((t + 1) * stride);
    after[..stride].copy_from_slice(&before[t * stride..]);
}

/// The first class whose rule holds for the metric record, else the default (last).
pub fn classify(model: &Model, metrics: &[u64]) -> u16 {
    for (i, c) in model.classes.iter().enumerate() {
        match &c.rule {
            Some(r) if holds(r, metrics) => return i as u16,
            Some(_) => {}
            None => return i as u16,
        }
    }
    (model.classes.len() - 1) as u16
}

fn holds(r: &OutcomeM, m: &[u64]) -> bool {
    match r {
        OutcomeM::All(rs) => rs.iter().all(|r| holds(r, m)),
        OutcomeM::Any(rs) => rs.iter().any(|r| holds(r, m)),
        OutcomeM::Not(r) => !holds(r, m),
        OutcomeM::AtLeast(k, x) => m[*k] != NONE && m[*k] as f64 >= *x,
        OutcomeM::AtMost(k, x) => m[*k] != NONE && m[*k] as f64 <= *x,
    }
}
