//! The per-trial metrics a scenario produces: names, meanings and their slots
//! in the trial's flat metric record.
//!
//! Every metric is a non-negative integer (people, attacks, days, thousands of
//! US dollars), so sums and histograms merge exactly. An optional metric (the
//! day of the first cross-border strike) records [`NONE`] when it did not happen.

use crate::scenario::{ActorKind, Scenario};

/// The value of an optional metric that did not happen.
pub const NONE: u64 = u64::MAX;

/// One metric's name and meaning.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MetricDef {
    /// Name used in reports, outcome rules and CSV headers.
    pub name: String,
    /// What it counts.
    pub description: String,
    /// Unit.
    pub unit: &'static str,
    /// Whether it may be absent in a trial ([`NONE`]).
    pub optional: bool,
}

/// Slots of one dyad's metrics.
#[derive(Debug, Clone)]
pub struct DyadSlots {
    /// Highest rung reached.
    pub peak: usize,
    /// Rung on the last day.
    pub last: usize,
    /// First of `rungs` slots: days spent at each rung.
    pub days_at: usize,
}

/// Where each metric lives in a trial's record.
#[derive(Debug, Clone)]
pub struct MetricLayout {
    /// All metrics in record order.
    pub defs: Vec<MetricDef>,
    /// Attacks by all groups.
    pub attacks: usize,
    /// Deaths of all actors, all categories.
    pub deaths: usize,
    /// Deaths by category (civilian, security, militant), all actors.
    pub deaths_by_category: [usize; 3],
    /// Per actor: slots of its deaths by category, where it can have them.
    pub actor_deaths: Vec<[Option<usize>; 3]>,
    /// Per actor: deaths in armed-group attacks on it (states only).
    pub attack_deaths: Vec<Option<usize>>,
    /// Per actor: attacks it carried out (armed groups only).
    pub group_attacks: Vec<Option<usize>>,
    /// Per actor: fighters on the last day (armed groups only).
    pub fighters_end: Vec<Option<usize>>,
    /// Cross-border strikes and operations.
    pub strikes: usize,
    /// Day of the first cross-border strike (optional).
    pub first_strike_day: usize,
    /// Deaths caused by the first cross-border strike (optional).
    pub first_strike_toll: usize,
    /// People deported.
    pub deported: usize,
    /// Trade lost, thousands of US dollars.
    pub trade_lost: usize,
    /// Days any border was closed (summed over dyads).
    pub closure_days: usize,
    /// Ceasefires agreed.
    pub ceasefires_made: usize,
    /// Ceasefires broken before they ran out.
    pub ceasefires_broken: usize,
    /// Per dyad slots.
    pub dyads: Vec<DyadSlots>,
}

const CATEGORIES: [&str; 3] = ["civilian", "security", "militant"];

impl MetricLayout {
    /// The layout for a scenario (validated or not: it reads only ids, kinds, dyads, ladder).
    pub fn new(s: &Scenario) -> Self {
        let mut defs = Vec::new();
        let mut add = |name: String, description: String, unit: &'static str, optional: bool| {
            defs.push(MetricDef {
                name,
                description,
                unit,
                optional,
            });
            defs.len() - 1
        };
        let attacks = add(
            "attacks".into(),
            "attacks by all armed groups".into(),
            "attacks",
            false,
        );
        let deaths = add(
            "deaths".into(),
            "deaths of all actors, all categories".into(),
            "people",
            false,
        );
        let deaths_by_category = CATEGORIES.map(|c| {
            add(
                format!("deaths.{c}"),
                format!("{c} deaths, all actors"),
                "people",
                false,
            )
        });
        let mut actor_deaths = Vec::new();
        let mut attack_deaths = Vec::new();
        let mut group_attacks = Vec::new();
        let mut fighters_end = Vec::new();
        for a in &s.actors {
            let group = matches!(a.kind, ActorKind::ArmedGroup(_));
            let state = matches!(a.kind, ActorKind::State);
            let mut slots = [None; 3];
            for (k, c) in CATEGORIES.iter().enumerate() {
                if (k == 2) == group {
                    slots[k] = Some(add(
                        format!("deaths.{}.{c}", a.id),
                        format!("{c} deaths of {}", a.id),
                        "people",
                        false,
                    ));
                }
            }
            actor_deaths.push(slots);
            attack_deaths.push(state.then(|| {
                add(
                    format!("attack_deaths.{}", a.id),
                    format!(
                        "deaths in armed-group attacks on {} (its people and the attackers)",
                        a.id
                    ),
                    "people",
                    false,
                )
            }));
            group_attacks.push(group.then(|| {
                add(
                    format!("attacks.{}", a.id),
                    format!("attacks by {}", a.id),
                    "attacks",
                    false,
                )
            }));
            fighters_end.push(group.then(|| {
                add(
                    format!("fighters_end.{}", a.id),
                    format!("fighters of {} on the last day", a.id),
                    "fighters",
                    false,
                )
            }));
        }
        let strikes = add(
            "strikes".into(),
            "cross-border strikes and operations".into(),
            "strikes",
            false,
        );
        let first_strike_day = add(
            "first_strike_day".into(),
            "day of the first cross-border strike (absent if none)".into(),
            "day",
            true,
        );
        let first_strike_toll = add(
            "first_strike_toll".into(),
            "deaths caused by the first cross-border strike (absent if none)".into(),
            "people",
            true,
        );
        let deported = add("deported".into(), "people deported".into(), "people", false);
        let trade_lost = add(
            "trade_lost".into(),
            "trade lost to border closures".into(),
            "thousand USD",
            false,
        );
        let closure_days = add(
            "closure_days".into(),
            "days borders were closed, summed over dyads".into(),
            "days",
            false,
        );
        let ceasefires_made = add(
            "ceasefires_made".into(),
            "ceasefires agreed".into(),
            "ceasefires",
            false,
        );
        let ceasefires_broken = add(
            "ceasefires_broken".into(),
            "ceasefires broken before they ran out".into(),
            "ceasefires",
            false,
        );
        let mut dyads = Vec::new();
        for d in &s.dyads {
            let key = format!("{}-{}", d.between.0, d.between.1);
            let peak = add(
                format!("peak_rung.{key}"),
                format!("highest rung reached by {key}"),
                "rung",
                false,
            );
            let last = add(
                format!("final_rung.{key}"),
                format!("rung of {key} on the last day"),
                "rung",
                false,
            );
            let mut days_at = usize::MAX;
            for r in &s.ladder {
                let slot = add(
                    format!("days_at.{key}.{r}"),
                    format!("days {key} spent at `{r}`"),
                    "days",
                    false,
                );
                days_at = days_at.min(slot);
            }
            dyads.push(DyadSlots {
                peak,
                last,
                days_at,
            });
        }
        MetricLayout {
            defs,
            attacks,
            deaths,
            deaths_by_category,
            actor_deaths,
            attack_deaths,
            group_attacks,
            fighters_end,
            strikes,
            first_strike_day,
            first_strike_toll,
            deported,
            trade_lost,
            closure_days,
            ceasefires_made,
            ceasefires_broken,
            dyads,
        }
    }

    /// Number of metrics.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether there are none (never, for a valid scenario).
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The slot of a metric by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.defs.iter().position(|d| d.name == name)
    }
}

/// The metric names of a scenario, in record order.
pub fn metric_names(s: &Scenario) -> Vec<String> {
    MetricLayout::new(s)
        .defs
        .into_iter()
        .map(|d| d.name)
        .collect()
}
