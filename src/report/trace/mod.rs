//! The story of one trial: the engine's [`TraceEvent`]s turned into
//! [`TraceRecord`]s with names, causes and event codes ([`codes`]),
//! rendered as readable text, JSON lines or CSV.
//!
//! Days are 0-based, as in the scenario file (`Day(day: 0)` is the first day)
//! and in the `first_strike_day` metric.

pub mod codes;

use std::fmt::Write;

use serde::Serialize;

use super::format::flow;
use crate::core::engine::{Cause, TraceEvent, TrialOutcome};
use crate::core::model::{ActionM, Model, NONE, TriggerM};
use crate::run::trials::run_one;
use crate::run::{PreparedTrace, TraceRequest};
use codes::{EventCode, Party};

/// One event of a trial, with everything named. The fields are the columns of
/// `escalate trace --format csv` and the keys of `--format jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceRecord {
    /// Day (0-based).
    pub day: u32,
    /// What kind of record: `event`, `attack`, `lever`, `ceasefire_broken`,
    /// `talks_ended` or `rung_decay`.
    pub kind: &'static str,
    /// Who acts (actor id; empty for an event or a rung easing).
    pub actor: String,
    /// What: the lever's id, `attack`, the event's name, `ceasefire_broken`,
    /// `talks_ended` or `rung_decay`.
    pub action: String,
    /// On whom (actor id), if anyone.
    pub target: String,
    /// Attacks in the record (attack records; 0 otherwise).
    pub attacks: u32,
    /// Civilians killed.
    pub deaths_civilian: u64,
    /// Security forces killed.
    pub deaths_security: u64,
    /// Militants killed.
    pub deaths_militant: u64,
    /// The dyad whose rung changed (`A-B`), if any.
    pub dyad: String,
    /// Its rung before (name), if it changed.
    pub rung_from: String,
    /// Its rung after (name), if it changed.
    pub rung_to: String,
    /// Why: `rule Actor/name`, `event NAME`, `talks`, `calm` or empty (daily violence).
    pub cause: String,
    /// The probability behind the cause in this trial: the rule's daily
    /// probability, or the event's probability (per day for a hazard).
    pub probability: Option<f64>,
    /// CAMEO event code (empty when none applies).
    pub cameo: String,
    /// CAMEO root code.
    pub cameo_root: String,
    /// CAMEO label.
    pub cameo_label: String,
    /// UCDP type of violence: 1 state-based, 2 non-state, 3 one-sided (empty when none).
    pub ucdp: Option<u8>,
    /// Its name.
    pub ucdp_type: String,
}

impl TraceRecord {
    fn new(day: u32, kind: &'static str) -> Self {
        TraceRecord {
            day,
            kind,
            actor: String::new(),
            action: String::new(),
            target: String::new(),
            attacks: 0,
            deaths_civilian: 0,
            deaths_security: 0,
            deaths_militant: 0,
            dyad: String::new(),
            rung_from: String::new(),
            rung_to: String::new(),
            cause: String::new(),
            probability: None,
            cameo: String::new(),
            cameo_root: String::new(),
            cameo_label: String::new(),
            ucdp: None,
            ucdp_type: String::new(),
        }
    }

    fn code(mut self, c: EventCode) -> Self {
        self.cameo = c.cameo.to_string();
        self.cameo_root = c.cameo_root.to_string();
        self.cameo_label = c.cameo_label.to_string();
        self.ucdp = c.ucdp.map(|u| u.number());
        self.ucdp_type = c.ucdp.map_or(String::new(), |u| u.name().to_string());
        self
    }

    fn deaths(mut self, d: [u64; 3]) -> Self {
        [
            self.deaths_civilian,
            self.deaths_security,
            self.deaths_militant,
        ] = d;
        self
    }
}

fn party(model: &Model, actor: u16) -> Party {
    Party::of(model.actors[actor as usize].kind)
}

/// Names every event of a trial. `outcome` supplies the trial's parameter
/// values (the rules' and events' probabilities).
pub fn records(
    model: &Model,
    events: &[(u32, TraceEvent)],
    outcome: &TrialOutcome,
) -> Vec<TraceRecord> {
    let id = |a: u16| model.actors[a as usize].id.clone();
    let mut out = Vec::with_capacity(events.len());
    // The event whose action an attack record carries out, if any.
    let mut pending: Option<(u32, u16)> = None;
    for &(day, ev) in events {
        let prev = pending.take();
        let rec = match ev {
            TraceEvent::Event { event } => {
                let e = &model.events[event as usize];
                let mut r = TraceRecord::new(day, "event");
                r.action = e.name.clone();
                r.cause = "event".into();
                r.probability = Some(match e.trigger {
                    TriggerM::Day { probability, .. } => outcome.params[probability as usize],
                    TriggerM::Hazard { per_day, .. } => outcome.params[per_day as usize],
                });
                pending = Some((day, event));
                r
            }
            TraceEvent::Attack {
                group,
                attacks,
                deaths,
            } => {
                let g = &model.groups[group as usize];
                let mut r = TraceRecord::new(day, "attack")
                    .deaths(deaths)
                    .code(codes::attack(party(model, g.target), deaths[0], deaths[1]));
                r.actor = id(g.actor);
                r.action = "attack".into();
                r.target = id(g.target);
                r.attacks = attacks;
                if let Some((d, e)) = prev
                    && d == day
                    && matches!(model.events[e as usize].action, ActionM::Attack { group: x, .. } if x == group)
                {
                    r.cause = format!("event {}", model.events[e as usize].name);
                }
                r
            }
            TraceEvent::Lever {
                actor,
                lever,
                target,
                cause,
                deaths,
                rung,
            } => {
                let l = &model.levers[lever as usize];
                let mut r = TraceRecord::new(day, "lever")
                    .deaths(deaths)
                    .code(codes::lever(
                        &l.effect,
                        party(model, actor),
                        target.map(|t| party(model, t)),
                    ));
                r.actor = id(actor);
                r.action = l.id.clone();
                r.target = target.map(id).unwrap_or_default();
                if let Some((d, from, to)) = rung {
                    r.dyad = model.dyads[d as usize].label.clone();
                    r.rung_from = model.rungs[from as usize].clone();
                    r.rung_to = model.rungs[to as usize].clone();
                }
                match cause {
                    Cause::Rule(k) => {
                        let rule = &model.rules[k as usize];
                        r.cause = format!("rule {}", rule.name);
                        r.probability = Some(outcome.params[rule.probability as usize]);
                    }
                    Cause::Event(e) => r.cause = format!("event {}", model.events[e as usize].name),
                    Cause::Talks => r.cause = "talks".into(),
                }
                r
            }
            TraceEvent::CeasefireBroken { group } => {
                let g = &model.groups[group as usize];
                let mut r = TraceRecord::new(day, "ceasefire_broken")
                    .code(codes::ceasefire_broken(party(model, g.target)));
                r.actor = id(g.actor);
                r.action = "ceasefire_broken".into();
                r.target = id(g.target);
                r
            }
            TraceEvent::TalksEnded { group } => {
                let g = &model.groups[group as usize];
                let mut r = TraceRecord::new(day, "talks_ended");
                r.actor = id(g.actor);
                r.action = "talks_ended".into();
                r
            }
            TraceEvent::RungDecay { dyad, to } => {
                let mut r = TraceRecord::new(day, "rung_decay");
                r.action = "rung_decay".into();
                r.dyad = model.dyads[dyad as usize].label.clone();
                r.rung_from = model.rungs[to as usize + 1].clone();
                r.rung_to = model.rungs[to as usize].clone();
                r.cause = "calm".into();
                r
            }
        };
        out.push(rec);
    }
    out
}

/// The text of a record's deaths, e.g. `killed: 8 civilian, 15 militant`.
fn deaths_text(r: &TraceRecord) -> String {
    let parts: Vec<String> = [
        (r.deaths_civilian, "civilian"),
        (r.deaths_security, "security"),
        (r.deaths_militant, "militant"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("killed: {}", parts.join(", "))
    }
}

/// One readable line (wrapped at `width`) for a record.
pub fn line(r: &TraceRecord, width: usize) -> String {
    let what = match r.kind {
        "event" => format!("event `{}` happens", r.action),
        "attack" => format!(
            "{} {} on {}",
            r.actor,
            if r.attacks == 1 {
                "attacks once".to_string()
            } else {
                format!("attacks {} times", r.attacks)
            },
            r.target
        ),
        "lever" if r.target.is_empty() => format!("{} uses {}", r.actor, r.action),
        "lever" => format!("{} uses {} on {}", r.actor, r.action, r.target),
        "ceasefire_broken" => format!("{} breaks its ceasefire with {}", r.actor, r.target),
        "talks_ended" => format!("talks with {} end", r.actor),
        "rung_decay" => format!("{} eases", r.dyad),
        other => other.to_string(),
    };
    let mut parts = vec![what];
    let d = deaths_text(r);
    if !d.is_empty() {
        parts.push(d);
    }
    if !r.rung_to.is_empty() {
        if r.kind == "rung_decay" {
            parts.push(format!("{} → {}", r.rung_from, r.rung_to));
        } else {
            parts.push(format!("{}: {} → {}", r.dyad, r.rung_from, r.rung_to));
        }
    }
    let why = match (r.cause.as_str(), r.probability) {
        ("event", Some(p)) => format!("why: scheduled or random (p {p:.3})"),
        ("calm", _) => "why: no hostile act for the calm period".to_string(),
        ("talks", _) => "why: talks ended in a ceasefire".to_string(),
        ("", _) => String::new(),
        (c, Some(p)) => format!("why: {c} fired (p {p:.2} a day)"),
        (c, None) => format!("why: {c}"),
    };
    if !why.is_empty() {
        parts.push(why);
    }
    let head = format!("  day {:>4}  ", r.day);
    let indent = head.chars().count() + 2;
    flow(&head, &parts, " · ", indent, width, false).join("\n")
}

/// One trial of a prepared trace request, replayed: what every trace output
/// (text, JSON lines, CSV, Parquet) renders, for the command line and the
/// Python module alike.
#[derive(Debug, Clone)]
pub struct TracedTrial {
    /// What the text trace says about the run.
    pub header: TraceHeader,
    /// The trial's outcome (the run counts this one).
    pub outcome: TrialOutcome,
    /// Every event of the trial, named.
    pub records: Vec<TraceRecord>,
}

/// Replays trial `request.trial` of `prepared` (from `request.prepare()`)
/// with a tracer and names its events.
pub fn trace_trial(request: &TraceRequest, prepared: &PreparedTrace) -> TracedTrial {
    let mut events: Vec<(u32, TraceEvent)> = Vec::new();
    let outcome = run_one(&prepared.model, request.seed, request.trial, &mut events);
    let records = records(&prepared.model, &events, &outcome);
    let header = TraceHeader {
        scenario_file: prepared.loaded.source.name.clone(),
        policy: request
            .setup
            .policy
            .clone()
            .unwrap_or_else(|| "baseline".into()),
        seed: request.seed,
        trial: request.trial,
    };
    TracedTrial {
        header,
        outcome,
        records,
    }
}

/// What the text trace says about the run it comes from.
#[derive(Debug, Clone)]
pub struct TraceHeader {
    /// Scenario file as given.
    pub scenario_file: String,
    /// The policy (`baseline` for none).
    pub policy: String,
    /// The run's seed.
    pub seed: u64,
    /// The trial index.
    pub trial: u64,
}

/// The whole story as text: header, the trial's draws, one line per event, the outcome.
pub fn render_text(
    model: &Model,
    header: &TraceHeader,
    records: &[TraceRecord],
    outcome: &TrialOutcome,
    width: usize,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Trial {} of seed {} · policy {} · {} days",
        header.trial, header.seed, header.policy, model.horizon
    );
    let _ = writeln!(o, "{} ({})", model.name, header.scenario_file);
    let uncertain: Vec<usize> = model.uncertain_params().collect();
    if !uncertain.is_empty() {
        let _ = writeln!(o, "\nDrawn for this trial:");
        for k in uncertain {
            let p = &model.params[k];
            let _ = writeln!(
                o,
                "  {:<48} {:>12}   from {}",
                p.path,
                format_value(outcome.params[k]),
                p.dist
            );
        }
    }
    let _ = writeln!(o, "\nEvents ({}):", records.len());
    for r in records {
        let _ = writeln!(o, "{}", line(r, width));
    }
    let c = &model.classes[outcome.class as usize];
    let _ = writeln!(o, "\nOutcome: {}", c.name);
    if !c.description.is_empty() {
        let _ = writeln!(o, "  {}", c.description);
    }
    let _ = writeln!(o, "\nMetrics of this trial:");
    for (d, &v) in model.metrics.defs.iter().zip(&outcome.metrics) {
        if d.name.starts_with("days_at.") && v == 0 {
            continue;
        }
        let value = if v == NONE {
            "–".to_string()
        } else {
            v.to_string()
        };
        let _ = writeln!(o, "  {:<48} {:>12} {}", d.name, value, d.unit);
    }
    o
}

fn format_value(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

/// The trial's outcome as the last JSON line of `--format jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeLine {
    /// Always `outcome`.
    pub kind: &'static str,
    /// The trial index.
    pub trial: u64,
    /// Outcome class name.
    pub class: String,
    /// Every metric by name (null for an absent optional one).
    pub metrics: std::collections::BTreeMap<String, Option<u64>>,
}

/// JSON lines: one object per record, then one [`OutcomeLine`].
pub fn to_jsonl(model: &Model, records: &[TraceRecord], outcome: &TrialOutcome) -> String {
    let mut o = String::new();
    for r in records {
        o.push_str(&serde_json::to_string(r).expect("records serialize"));
        o.push('\n');
    }
    let last = OutcomeLine {
        kind: "outcome",
        trial: outcome.trial,
        class: model.classes[outcome.class as usize].name.clone(),
        metrics: model
            .metrics
            .defs
            .iter()
            .zip(&outcome.metrics)
            .map(|(d, &v)| (d.name.clone(), (v != NONE).then_some(v)))
            .collect(),
    };
    o.push_str(&serde_json::to_string(&last).expect("outcome serializes"));
    o.push('\n');
    o
}

/// CSV with a header row: one row per record (the outcome is not a row).
pub fn to_csv(records: &[TraceRecord]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    if records.is_empty() {
        // serde writes the header with the first record; write it by hand.
        let _ = w.write_record(CSV_HEADER);
    }
    for r in records {
        w.serialize(r).expect("records serialize to CSV");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 19] = [
    "day",
    "kind",
    "actor",
    "action",
    "target",
    "attacks",
    "deaths_civilian",
    "deaths_security",
    "deaths_militant",
    "dyad",
    "rung_from",
    "rung_to",
    "cause",
    "probability",
    "cameo",
    "cameo_root",
    "cameo_label",
    "ucdp",
    "ucdp_type",
];
