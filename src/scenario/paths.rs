//! Every numeric parameter of a scenario, by path: the one walk that overrides
//! (`--set`), validation of ranges, `escalate params` and compilation share.
//!
//! Two spellings of each path: the *override path* a user types
//! (`actors.TTP.fighters`, `levers.airstrike.civilians_killed`,
//! `doctrines.Pakistan.rules[2].probability`) and the *structural path* of the
//! value in the RON file (`actors[3].kind.fighters`), used to point at it.

use super::param::Param;
use super::types::*;

/// The values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// Any finite number.
    Any,
    /// At least zero.
    NonNegative,
    /// Between zero and one.
    Unit,
}

impl Range {
    /// Whether the interval [lo, hi] lies in the range.
    pub fn admits(self, lo: f64, hi: f64) -> bool {
        match self {
            Range::Any => true,
            Range::NonNegative => lo >= 0.0,
            Range::Unit => lo >= 0.0 && hi <= 1.0,
        }
    }

    /// How the range reads in a message.
    pub fn describe(self) -> &'static str {
        match self {
            Range::Any => "any number",
            Range::NonNegative => "a number >= 0",
            Range::Unit => "a number between 0 and 1",
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
    /// Its admissible values.
    pub range: Range,
}

/// Calls `f` on every parameter of `s`, in file order.
pub fn for_each_param(s: &mut Scenario, f: &mut dyn FnMut(ParamPath, &mut Param)) {
    let mut put = |path: String, structural: String, range: Range, p: &mut Param| {
        f(
            ParamPath {
                path,
                structural,
                range,
            },
            p,
        )
    };
    {
        let d = &mut s.dynamics;
        for (name, range, p) in [
            ("rung_decay", Range::Unit, &mut d.rung_decay),
            ("tension_decay", Range::Unit, &mut d.tension_decay),
            (
                "tension_per_death",
                Range::NonNegative,
                &mut d.tension_per_death,
            ),
            ("pressure_decay", Range::Unit, &mut d.pressure_decay),
        ] {
            put(
                format!("dynamics.{name}"),
                format!("dynamics.{name}"),
                range,
                p,
            );
        }
    }
    for (i, a) in s.actors.iter_mut().enumerate() {
        let (fp, sp) = (format!("actors.{}", a.id), format!("actors[{i}]"));
        for (name, range, p) in [
            ("capability", Range::Unit, &mut a.capability),
            ("economy", Range::NonNegative, &mut a.economy),
            ("resolve", Range::Unit, &mut a.resolve),
            ("domestic_pressure", Range::Unit, &mut a.domestic_pressure),
            ("refugees", Range::NonNegative, &mut a.refugees),
        ] {
            put(format!("{fp}.{name}"), format!("{sp}.{name}"), range, p);
        }
        if let ActorKind::ArmedGroup(g) = &mut a.kind {
            for (name, range, p) in [
                ("fighters", Range::NonNegative, &mut g.fighters),
                ("recruitment", Range::Any, &mut g.recruitment),
                ("sanctuary", Range::Unit, &mut g.sanctuary),
                ("sanctuary_weight", Range::Unit, &mut g.sanctuary_weight),
                ("attack_rate", Range::NonNegative, &mut g.attack_rate),
                (
                    "casualties.civilian",
                    Range::NonNegative,
                    &mut g.casualties.civilian,
                ),
                (
                    "casualties.security",
                    Range::NonNegative,
                    &mut g.casualties.security,
                ),
                (
                    "casualties.militant",
                    Range::NonNegative,
                    &mut g.casualties.militant,
                ),
            ] {
                put(
                    format!("{fp}.{name}"),
                    format!("{sp}.kind.{name}"),
                    range,
                    p,
                );
            }
        }
    }
    for (i, d) in s.dyads.iter_mut().enumerate() {
        put(
            format!("dyads.{}-{}.tension", d.between.0, d.between.1),
            format!("dyads[{i}].tension"),
            Range::Unit,
            &mut d.tension,
        );
    }
    for (i, l) in s.levers.iter_mut().enumerate() {
        let (fp, sp) = (format!("levers.{}", l.id), format!("levers[{i}]"));
        put(
            format!("{fp}.tension"),
            format!("{sp}.tension"),
            Range::Any,
            &mut l.tension,
        );
        put(
            format!("{fp}.cost"),
            format!("{sp}.cost"),
            Range::Any,
            &mut l.cost,
        );
        for (name, range, p) in effect_params(&mut l.effect) {
            put(
                format!("{fp}.{name}"),
                format!("{sp}.effect.{name}"),
                range,
                p,
            );
        }
    }
    for (i, d) in s.doctrines.iter_mut().enumerate() {
        for (j, r) in d.rules.iter_mut().enumerate() {
            let fp = format!("doctrines.{}.rules[{j}]", d.actor);
            let sp = format!("doctrines[{i}].rules[{j}]");
            put(
                format!("{fp}.probability"),
                format!("{sp}.probability"),
                Range::Unit,
                &mut r.probability,
            );
            condition_params(
                &mut r.when,
                &format!("{fp}.when"),
                &format!("{sp}.when"),
                &mut put,
            );
        }
    }
    for (i, e) in s.events.iter_mut().enumerate() {
        let (fp, sp) = (format!("events.{}", e.name), format!("events[{i}]"));
        match &mut e.trigger {
            Trigger::Day { probability, .. } => put(
                format!("{fp}.probability"),
                format!("{sp}.trigger.probability"),
                Range::Unit,
                probability,
            ),
            Trigger::Hazard { per_day, .. } => put(
                format!("{fp}.per_day"),
                format!("{sp}.trigger.per_day"),
                Range::Unit,
                per_day,
            ),
        }
        if let Action::Attack {
            civilian, security, ..
        } = &mut e.action
        {
            put(
                format!("{fp}.civilian"),
                format!("{sp}.action.civilian"),
                Range::NonNegative,
                civilian,
            );
            put(
                format!("{fp}.security"),
                format!("{sp}.action.security"),
                Range::NonNegative,
                security,
            );
        }
    }
}

/// The parameters of a lever's effect, by field name.
pub fn effect_params(e: &mut Effect) -> Vec<(&'static str, Range, &mut Param)> {
    use Range::*;
    match e {
        Effect::Airstrike {
            militants_killed,
            civilians_killed,
            pressure,
            backlash,
        } => vec![
            ("militants_killed", NonNegative, militants_killed),
            ("civilians_killed", NonNegative, civilians_killed),
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
            ("militants_killed", NonNegative, militants_killed),
            ("civilians_killed", NonNegative, civilians_killed),
            ("security_lost", NonNegative, security_lost),
            ("pressure", Unit, pressure),
            ("backlash", NonNegative, backlash),
        ],
        Effect::BorderClash {
            security_killed,
            own_losses,
        } => vec![
            ("security_killed", NonNegative, security_killed),
            ("own_losses", NonNegative, own_losses),
        ],
        Effect::Mobilization | Effect::TradeReopening => vec![],
        Effect::Talks {
            attack_factor,
            duration,
            ceasefire_chance,
            ..
        } => vec![
            ("attack_factor", NonNegative, attack_factor),
            ("duration", NonNegative, duration),
            ("ceasefire_chance", Unit, ceasefire_chance),
        ],
        Effect::Ceasefire {
            attack_factor,
            duration,
            break_hazard,
        } => vec![
            ("attack_factor", NonNegative, attack_factor),
            ("duration", NonNegative, duration),
            ("break_hazard", Unit, break_hazard),
        ],
        Effect::Mediation {
            success,
            tension_drop,
            ..
        } => {
            vec![
                ("success", Unit, success),
                ("tension_drop", Unit, tension_drop),
            ]
        }
        Effect::Deportation {
            per_day,
            duration,
            backlash,
        } => vec![
            ("per_day", NonNegative, per_day),
            ("duration", NonNegative, duration),
            ("backlash", NonNegative, backlash),
        ],
        Effect::TradeClosure {
            trade_per_day,
            duration,
            economy_cost,
        } => vec![
            ("trade_per_day", NonNegative, trade_per_day),
            ("duration", NonNegative, duration),
            ("economy_cost", NonNegative, economy_cost),
        ],
        Effect::Sanctuary { hold } => vec![("hold", Unit, hold)],
        Effect::Crackdown {
            hold,
            militants_killed,
        } => {
            vec![
                ("hold", Unit, hold),
                ("militants_killed", NonNegative, militants_killed),
            ]
        }
        Effect::Sanctions { economy_cost } => vec![("economy_cost", NonNegative, economy_cost)],
        Effect::Aid { economy_gain } => vec![("economy_gain", NonNegative, economy_gain)],
        Effect::ProxySupport {
            fighters,
            recruitment,
        } => {
            vec![
                ("fighters", NonNegative, fighters),
                ("recruitment", Any, recruitment),
            ]
        }
    }
}

fn condition_params(
    c: &mut Condition,
    fp: &str,
    sp: &str,
    put: &mut dyn FnMut(String, String, Range, &mut Param),
) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            for (k, c) in cs.iter_mut().enumerate() {
                condition_params(c, &format!("{fp}[{k}]"), &format!("{sp}[0][{k}]"), put);
            }
        }
        Condition::Not(c) => condition_params(c, &format!("{fp}.not"), &format!("{sp}[0]"), put),
        Condition::Casualties { at_least, .. } | Condition::Attacks { at_least, .. } => put(
            format!("{fp}.at_least"),
            format!("{sp}.at_least"),
            Range::NonNegative,
            at_least,
        ),
        Condition::TensionAtLeast { value, .. } | Condition::PressureAtLeast { value, .. } => put(
            format!("{fp}.value"),
            format!("{sp}.value"),
            Range::Unit,
            value,
        ),
        Condition::EconomyBelow { value, .. } => put(
            format!("{fp}.value"),
            format!("{sp}.value"),
            Range::Any,
            value,
        ),
        Condition::RefugeesAtLeast { value, .. } => put(
            format!("{fp}.value"),
            format!("{sp}.value"),
            Range::NonNegative,
            value,
        ),
        Condition::Always
        | Condition::RungAtLeast { .. }
        | Condition::DayAtLeast(_)
        | Condition::LeverUsed { .. }
        | Condition::Truce(_) => {}
    }
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

/// Up to five paths closest to `path` by edit distance.
pub fn nearest(path: &str, candidates: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .map(|c| (strsim::levenshtein(path, c), c))
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, c)| c.clone()).collect()
}
