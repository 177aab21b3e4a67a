//! Compiles a validated scenario into a [`Model`]: the only place names are resolved.
//!
//! Parameter slots come from the one walk over the scenario's parameters
//! ([`walk_params`]): slot `k` is the `k`-th parameter of the walk, and the walk
//! hands back each slot in the scenario's shape, so compilation reads a
//! parameter's slot from its owner (`tree.actors[i].capability`) and never looks
//! one up by path.

use std::collections::BTreeMap;

use super::*;
use crate::core::scenario::paths::{LeverParams, ParamTree, walk_params};
use crate::core::scenario::{
    self, ActorKind, Category, Condition, Effect, OutcomeRule, Trigger, Validated,
};

struct Compiler<'s> {
    s: &'s scenario::Scenario,
    actors: BTreeMap<&'s str, ActorIx>,
    levers: BTreeMap<&'s str, u16>,
    rungs: BTreeMap<&'s str, u8>,
    conds: Vec<CondM>,
    cond_children: Vec<u32>,
    max_window: u32,
}

/// Compiles a validated scenario. Never fails: validation has checked every reference.
pub fn compile(v: &Validated) -> Model {
    let s = v.scenario();
    let mut slots = Vec::new();
    let mut copy = s.clone();
    let tree: ParamTree<P> = walk_params(&mut copy, &mut |pp, p| {
        slots.push(ParamSlot {
            path: pp.path,
            structural: pp.structural,
            stream: pp.stream,
            range: pp.range,
            dist: p.clone(),
        });
        slots.len() as P - 1
    });
    let mut c = Compiler {
        s,
        actors: s
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i as ActorIx))
            .collect(),
        levers: s
            .levers
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i as u16))
            .collect(),
        rungs: s
            .ladder
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i as u8))
            .collect(),
        conds: Vec::new(),
        cond_children: Vec::new(),
        max_window: 1,
    };
    let n = s.actors.len();
    let mut groups = Vec::new();
    let mut actors = Vec::new();
    for (a, ap) in s.actors.iter().zip(&tree.actors) {
        let kind = match (&a.kind, &ap.group) {
            (ActorKind::ArmedGroup(g), Some(gp)) => {
                groups.push(GroupM {
                    actor: c.actor(&a.id),
                    host: g.host.as_deref().map(|h| c.actor(h)),
                    target: c.actor(&g.targets),
                    fighters: gp.fighters,
                    recruitment: gp.recruitment,
                    sanctuary: gp.sanctuary,
                    sanctuary_weight: gp.sanctuary_weight,
                    attack_rate: gp.attack_rate,
                    casualties: gp.casualties,
                });
                Kind::Group(groups.len() as u16 - 1)
            }
            (ActorKind::ArmedGroup(_), None) => {
                unreachable!("the walk gives a group its parameters")
            }
            (ActorKind::State, _) => Kind::State,
            (ActorKind::OutsidePower, _) => Kind::OutsidePower,
        };
        actors.push(ActorM {
            id: a.id.clone(),
            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            kind,
            capability: ap.capability,
            economy: ap.economy,
            resolve: ap.resolve,
            domestic_pressure: ap.domestic_pressure,
            refugees: ap.refugees,
        });
    }
    let mut dyad_of = vec![None; n * n];
    let mut dyads = Vec::new();
    for (i, (d, &tension)) in s.dyads.iter().zip(&tree.dyads).enumerate() {
        let (a, b) = (c.actor(&d.between.0), c.actor(&d.between.1));
        dyad_of[a as usize * n + b as usize] = Some(i as u16);
        dyad_of[b as usize * n + a as usize] = Some(i as u16);
        dyads.push(DyadM {
            a,
            b,
            tension,
            rung: c.rungs[d.rung.as_str()],
            label: format!("{}-{}", d.between.0, d.between.1),
        });
    }
    let levers = s
        .levers
        .iter()
        .zip(&tree.levers)
        .map(|(l, lp)| c.lever(l, lp, &dyad_of, n))
        .collect();
    let mut rules = Vec::new();
    for (d, dp) in s.doctrines.iter().zip(&tree.doctrines) {
        for (r, rp) in d.rules.iter().zip(dp) {
            let mut when = rp.when.iter();
            let cond = c.condition(&r.when, &mut when, &groups);
            debug_assert!(when.next().is_none(), "every condition parameter used");
            rules.push(RuleM {
                actor: c.actor(&d.actor),
                name: format!("{}/{}", d.actor, r.name),
                rule: r.name.clone(),
                lever: c.levers[r.then.as_str()],
                target: r.on.as_deref().map(|t| c.actor(t)),
                probability: rp.probability,
                cooldown: r.cooldown,
                cond,
            });
        }
    }
    let events = s
        .events
        .iter()
        .zip(&tree.events)
        .map(|(e, ep)| {
            let trigger = match &e.trigger {
                Trigger::Day { day, .. } => TriggerM::Day {
                    day: *day,
                    probability: ep.trigger,
                },
                Trigger::Hazard { from, to, max, .. } => TriggerM::Hazard {
                    per_day: ep.trigger,
                    from: *from,
                    to: to.unwrap_or(s.horizon),
                    max: *max,
                },
            };
            let action = match &e.action {
                scenario::Action::Lever { actor, lever, on } => ActionM::Lever {
                    actor: c.actor(actor),
                    lever: c.levers[lever.as_str()],
                    target: on.as_deref().map(|t| c.actor(t)),
                },
                scenario::Action::Attack { by, .. } => {
                    let [civilian, security] =
                        ep.attack.expect("the walk gives an attack its parameters");
                    ActionM::Attack {
                        group: group_of(&groups, c.actor(by)),
                        civilian,
                        security,
                    }
                }
            };
            EventM {
                name: e.name.clone(),
                trigger,
                action,
            }
        })
        .collect();
    let metrics = MetricLayout::new(s);
    let mut classes: Vec<ClassM> = s
        .outcomes
        .classes
        .iter()
        .map(|k| ClassM {
            name: k.name.clone(),
            description: k.description.clone(),
            rule: Some(c.outcome(&k.when, &metrics)),
        })
        .collect();
    classes.push(ClassM {
        name: s.outcomes.default.clone(),
        description: s.outcomes.default_description.clone(),
        rule: None,
    });
    let dy = &tree.dynamics;
    Model {
        name: s.name.clone(),
        description: s.description.clone(),
        horizon: s.horizon,
        rungs: s.ladder.clone(),
        dynamics: DynamicsM {
            calm_days: s.dynamics.calm_days,
            rung_decay: dy.rung_decay,
            tension_decay: dy.tension_decay,
            tension_per_death: dy.tension_per_death,
            pressure_decay: dy.pressure_decay,
        },
        actors,
        groups,
        dyads,
        dyad_of,
        levers,
        rules,
        conds: c.conds,
        cond_children: c.cond_children,
        events,
        classes,
        metrics,
        params: slots,
        max_window: c.max_window,
        posterior: None,
    }
}

fn group_of(groups: &[GroupM], actor: ActorIx) -> u16 {
    groups
        .iter()
        .position(|g| g.actor == actor)
        .expect("validated: an armed group") as u16
}

impl Compiler<'_> {
    fn actor(&self, id: &str) -> ActorIx {
        self.actors[id]
    }

    fn lever(
        &self,
        l: &scenario::Lever,
        lp: &LeverParams<P>,
        dyad_of: &[Option<u16>],
        n: usize,
    ) -> LeverM {
        // The effect's slots, taken in the order `effect_params` walks them
        // (each field below is named in that order; the names are checked).
        let mut e = lp.effect.iter().copied();
        let mut p = |name: &str| match e.next() {
            Some((walked, slot)) if walked == name => slot,
            other => unreachable!("lever `{}`: `{name}` walked as {other:?}", l.id),
        };
        let (effect, hostile) = match &l.effect {
            Effect::Airstrike { .. } => (
                EffectM::Airstrike {
                    militants: p("militants_killed"),
                    civilians: p("civilians_killed"),
                    pressure: p("pressure"),
                    backlash: p("backlash"),
                },
                true,
            ),
            Effect::GroundOperation { .. } => (
                EffectM::GroundOperation {
                    militants: p("militants_killed"),
                    civilians: p("civilians_killed"),
                    security_lost: p("security_lost"),
                    pressure: p("pressure"),
                    backlash: p("backlash"),
                },
                true,
            ),
            Effect::BorderClash { .. } => (
                EffectM::BorderClash {
                    security_killed: p("security_killed"),
                    own_losses: p("own_losses"),
                },
                true,
            ),
            Effect::Mobilization => (EffectM::Mobilization, true),
            Effect::Talks { ceasefire, .. } => (
                EffectM::Talks {
                    attack_factor: p("attack_factor"),
                    duration: p("duration"),
                    ceasefire_chance: p("ceasefire_chance"),
                    ceasefire: ceasefire.as_deref().map(|c| self.levers[c]),
                },
                false,
            ),
            Effect::Ceasefire { .. } => (
                EffectM::Ceasefire {
                    attack_factor: p("attack_factor"),
                    duration: p("duration"),
                    break_hazard: p("break_hazard"),
                },
                false,
            ),
            Effect::Mediation {
                between,
                steps_down,
                pressed,
                ..
            } => {
                let (a, b) = (self.actor(&between.0), self.actor(&between.1));
                (
                    EffectM::Mediation {
                        dyad: dyad_of[a as usize * n + b as usize].expect("validated dyad"),
                        success: p("success"),
                        tension_drop: p("tension_drop"),
                        steps_down: *steps_down as u8,
                        pressed: pressed
                            .as_deref()
                            .map(|x| (self.actor(x), p("curb"), p("refusal_cost"))),
                    },
                    false,
                )
            }
            Effect::Deportation { .. } => (
                EffectM::Deportation {
                    per_day: p("per_day"),
                    duration: p("duration"),
                    backlash: p("backlash"),
                },
                true,
            ),
            Effect::TradeClosure { .. } => (
                EffectM::TradeClosure {
                    trade_per_day: p("trade_per_day"),
                    duration: p("duration"),
                    economy_cost: p("economy_cost"),
                },
                true,
            ),
            Effect::TradeReopening => (EffectM::TradeReopening, false),
            Effect::Sanctuary { .. } => (EffectM::Sanctuary { hold: p("hold") }, false),
            Effect::Crackdown { .. } => (
                EffectM::Crackdown {
                    hold: p("hold"),
                    militants: p("militants_killed"),
                },
                false,
            ),
            Effect::Sanctions { .. } => (
                EffectM::Sanctions {
                    economy_cost: p("economy_cost"),
                },
                true,
            ),
            Effect::Aid { .. } => (
                EffectM::Aid {
                    economy_gain: p("economy_gain"),
                },
                false,
            ),
            Effect::ProxySupport { .. } => (
                EffectM::ProxySupport {
                    fighters: p("fighters"),
                    recruitment: p("recruitment"),
                },
                true,
            ),
            Effect::TradeDiversification { .. } => (
                EffectM::TradeDiversification {
                    per_day: p("per_day"),
                    floor: p("floor"),
                },
                false,
            ),
            Effect::Alignment { .. } => (
                EffectM::Alignment {
                    capability: p("capability"),
                    resolve: p("resolve"),
                    rival_cost: p("rival_cost"),
                },
                false,
            ),
        };
        LeverM {
            id: l.id.clone(),
            effect,
            min_rung: l.min_rung.as_deref().map(|r| self.rungs[r]),
            tension: lp.tension,
            cost: lp.cost,
            hostile,
            domestic: l.domestic,
        }
    }

    fn dyad(&self, (a, b): &(String, String)) -> u16 {
        let s = self.s;
        s.dyads
            .iter()
            .position(|d| {
                (&d.between.0 == a && &d.between.1 == b) || (&d.between.0 == b && &d.between.1 == a)
            })
            .expect("validated dyad") as u16
    }

    /// Compiles condition `c`, taking its parameters' slots from `slots` in
    /// the walk's order (depth first, in file order).
    fn condition(
        &mut self,
        c: &Condition,
        slots: &mut std::slice::Iter<'_, P>,
        groups: &[GroupM],
    ) -> u32 {
        let mut slot = || {
            *slots
                .next()
                .expect("the walk gives every condition number a slot")
        };
        let node = match c {
            Condition::Always => CondM::Always,
            Condition::All(cs) | Condition::Any(cs) => {
                let kids: Vec<u32> = cs
                    .iter()
                    .map(|c| self.condition(c, slots, groups))
                    .collect();
                let start = self.cond_children.len() as u32;
                self.cond_children.extend(&kids);
                let len = kids.len() as u32;
                if matches!(c, Condition::All(_)) {
                    CondM::All { start, len }
                } else {
                    CondM::Any { start, len }
                }
            }
            Condition::Not(inner) => CondM::Not(self.condition(inner, slots, groups)),
            Condition::Casualties {
                of,
                category,
                window,
                ..
            } => {
                self.max_window = self.max_window.max(*window);
                CondM::Casualties {
                    actor: self.actor(of),
                    cat: match category {
                        Category::Civilian => 0,
                        Category::Security => 1,
                        Category::Militant => 2,
                        Category::All => 3,
                    },
                    window: *window,
                    at_least: slot(),
                }
            }
            Condition::Attacks { by, window, .. } => {
                self.max_window = self.max_window.max(*window);
                CondM::Attacks {
                    group: group_of(groups, self.actor(by)),
                    window: *window,
                    at_least: slot(),
                }
            }
            Condition::RungAtLeast { between, rung } => CondM::RungAtLeast {
                dyad: self.dyad(between),
                rung: self.rungs[rung.as_str()],
            },
            Condition::TensionAtLeast { between, .. } => CondM::TensionAtLeast {
                dyad: self.dyad(between),
                value: slot(),
            },
            Condition::DayAtLeast(d) => CondM::DayAtLeast(*d),
            Condition::EconomyBelow { of, .. } => CondM::EconomyBelow {
                actor: self.actor(of),
                value: slot(),
            },
            Condition::RefugeesAtLeast { of, .. } => CondM::RefugeesAtLeast {
                actor: self.actor(of),
                value: slot(),
            },
            Condition::PressureAtLeast { of, .. } => CondM::PressureAtLeast {
                actor: self.actor(of),
                value: slot(),
            },
            Condition::LeverUsed { by, lever, within } => CondM::LeverUsed {
                actor: self.actor(by),
                lever: self.levers[lever.as_str()],
                within: *within,
            },
            Condition::Truce(g) => CondM::Truce(group_of(groups, self.actor(g))),
        };
        self.conds.push(node);
        self.conds.len() as u32 - 1
    }

    fn outcome(&self, r: &OutcomeRule, m: &MetricLayout) -> OutcomeM {
        match r {
            OutcomeRule::All(rs) => OutcomeM::All(rs.iter().map(|r| self.outcome(r, m)).collect()),
            OutcomeRule::Any(rs) => OutcomeM::Any(rs.iter().map(|r| self.outcome(r, m)).collect()),
            OutcomeRule::Not(r) => OutcomeM::Not(Box::new(self.outcome(r, m))),
            OutcomeRule::PeakAtLeast { between, rung } => OutcomeM::AtLeast(
                m.dyads[self.dyad(between) as usize].peak,
                self.rungs[rung.as_str()] as f64,
            ),
            OutcomeRule::FinalAtMost { between, rung } => OutcomeM::AtMost(
                m.dyads[self.dyad(between) as usize].last,
                self.rungs[rung.as_str()] as f64,
            ),
            OutcomeRule::MetricAtLeast(name, v) => {
                OutcomeM::AtLeast(m.index(name).expect("validated metric"), *v)
            }
            OutcomeRule::MetricAtMost(name, v) => {
                OutcomeM::AtMost(m.index(name).expect("validated metric"), *v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scenario::{BUNDLED, Source, load};

    /// Every parameter slot the compiled model refers to, with the field name
    /// it is read as.
    fn slots_used(m: &Model) -> Vec<(P, &'static str)> {
        let mut out = Vec::new();
        let d = &m.dynamics;
        out.extend([
            (d.rung_decay, "rung_decay"),
            (d.tension_decay, "tension_decay"),
            (d.tension_per_death, "tension_per_death"),
            (d.pressure_decay, "pressure_decay"),
        ]);
        for a in &m.actors {
            out.extend([
                (a.capability, "capability"),
                (a.economy, "economy"),
                (a.resolve, "resolve"),
                (a.domestic_pressure, "domestic_pressure"),
                (a.refugees, "refugees"),
            ]);
        }
        for g in &m.groups {
            out.extend([
                (g.fighters, "fighters"),
                (g.recruitment, "recruitment"),
                (g.sanctuary, "sanctuary"),
                (g.sanctuary_weight, "sanctuary_weight"),
                (g.attack_rate, "attack_rate"),
                (g.casualties[0], "casualties.civilian"),
                (g.casualties[1], "casualties.security"),
                (g.casualties[2], "casualties.militant"),
            ]);
        }
        out.extend(m.dyads.iter().map(|d| (d.tension, "tension")));
        for l in &m.levers {
            out.extend([(l.tension, "tension"), (l.cost, "cost")]);
            out.extend(match l.effect {
                EffectM::Airstrike {
                    militants,
                    civilians,
                    pressure,
                    backlash,
                } => vec![
                    (militants, "militants_killed"),
                    (civilians, "civilians_killed"),
                    (pressure, "pressure"),
                    (backlash, "backlash"),
                ],
                EffectM::GroundOperation {
                    militants,
                    civilians,
                    security_lost,
                    pressure,
                    backlash,
                } => vec![
                    (militants, "militants_killed"),
                    (civilians, "civilians_killed"),
                    (security_lost, "security_lost"),
                    (pressure, "pressure"),
                    (backlash, "backlash"),
                ],
                EffectM::BorderClash {
                    security_killed,
                    own_losses,
                } => vec![
                    (security_killed, "security_killed"),
                    (own_losses, "own_losses"),
                ],
                EffectM::Mobilization | EffectM::TradeReopening => vec![],
                EffectM::Talks {
                    attack_factor,
                    duration,
                    ceasefire_chance,
                    ..
                } => vec![
                    (attack_factor, "attack_factor"),
                    (duration, "duration"),
                    (ceasefire_chance, "ceasefire_chance"),
                ],
                EffectM::Ceasefire {
                    attack_factor,
                    duration,
                    break_hazard,
                } => vec![
                    (attack_factor, "attack_factor"),
                    (duration, "duration"),
                    (break_hazard, "break_hazard"),
                ],
                EffectM::Mediation {
                    success,
                    tension_drop,
                    pressed,
                    ..
                } => {
                    let mut v = vec![(success, "success"), (tension_drop, "tension_drop")];
                    if let Some((_, curb, refusal_cost)) = pressed {
                        v.extend([(curb, "curb"), (refusal_cost, "refusal_cost")]);
                    }
                    v
                }
                EffectM::Deportation {
                    per_day,
                    duration,
                    backlash,
                } => vec![
                    (per_day, "per_day"),
                    (duration, "duration"),
                    (backlash, "backlash"),
                ],
                EffectM::TradeClosure {
                    trade_per_day,
                    duration,
                    economy_cost,
                } => vec![
                    (trade_per_day, "trade_per_day"),
                    (duration, "duration"),
                    (economy_cost, "economy_cost"),
                ],
                EffectM::Sanctuary { hold } => vec![(hold, "hold")],
                EffectM::Crackdown { hold, militants } => {
                    vec![(hold, "hold"), (militants, "militants_killed")]
                }
                EffectM::Sanctions { economy_cost } => vec![(economy_cost, "economy_cost")],
                EffectM::Aid { economy_gain } => vec![(economy_gain, "economy_gain")],
                EffectM::ProxySupport {
                    fighters,
                    recruitment,
                } => vec![(fighters, "fighters"), (recruitment, "recruitment")],
                EffectM::TradeDiversification { per_day, floor } => {
                    vec![(per_day, "per_day"), (floor, "floor")]
                }
                EffectM::Alignment {
                    capability,
                    resolve,
                    rival_cost,
                } => vec![
                    (capability, "capability"),
                    (resolve, "resolve"),
                    (rival_cost, "rival_cost"),
                ],
            });
        }
        out.extend(m.rules.iter().map(|r| (r.probability, "probability")));
        for c in &m.conds {
            match *c {
                CondM::Casualties { at_least, .. } | CondM::Attacks { at_least, .. } => {
                    out.push((at_least, "at_least"))
                }
                CondM::TensionAtLeast { value, .. }
                | CondM::EconomyBelow { value, .. }
                | CondM::RefugeesAtLeast { value, .. }
                | CondM::PressureAtLeast { value, .. } => out.push((value, "value")),
                _ => {}
            }
        }
        for e in &m.events {
            out.push(match e.trigger {
                TriggerM::Day { probability, .. } => (probability, "probability"),
                TriggerM::Hazard { per_day, .. } => (per_day, "per_day"),
            });
            if let ActionM::Attack {
                civilian, security, ..
            } = e.action
            {
                out.extend([(civilian, "civilian"), (security, "security")]);
            }
        }
        out
    }

    #[test]
    fn every_slot_is_read_once_as_the_field_its_path_names() {
        for b in BUNDLED {
            let src = Source::bundled(b);
            let v = load(&src).unwrap();
            let mut models = vec![compile(&v)];
            for p in &v.scenario().policies {
                models.push(compile(&v.configure(&src, Some(&p.name), &[]).unwrap()));
            }
            for m in &models {
                let mut used = slots_used(m);
                for &(slot, field) in &used {
                    let path = &m.params[slot as usize].path;
                    assert!(
                        path.ends_with(&format!(".{field}")),
                        "{path} read as {field}"
                    );
                }
                used.sort();
                let slots: Vec<P> = used.iter().map(|&(s, _)| s).collect();
                let all: Vec<P> = (0..m.params.len() as P).collect();
                assert_eq!(slots, all, "{}: every slot read exactly once", b.name);
            }
        }
    }
}
