//! The metric catalogue: the per-trial metrics a scenario produces, their
//! names, what each counts (and in which unit), which way it is better, and
//! their slots in the trial's flat metric record.
//!
//! It lives with the scenario because the scenario's outcome rules name
//! metrics (validation checks those names here) and because it reads only the
//! scenario's ids, kinds, dyads and ladder; `crate::core::model` re-exports it as
//! `model::metrics` and lays every trial's record out by it.
//!
//! Every metric is a non-negative integer (people, attacks, days, thousands of
//! US dollars), so sums and histograms merge exactly. An optional metric (the
//! day of the first cross-border strike) records [`NONE`] when it did not happen.
//!
//! A scenario's `periods` add, after every other metric, each additive metric
//! (see [`MetricLayout::windowed`]) over each period: `attacks@2023` is the
//! attacks of the days of period `2023`. They are ordinary metrics in every
//! other respect; with no periods the catalogue is unchanged.

use serde::{Deserialize, Serialize};

use super::types::{ActorKind, Scenario};

/// The value of an optional metric that did not happen.
pub const NONE: u64 = u64::MAX;

/// Which way a metric is better (serialised `snake_case`: `lower`, `higher`, `neither`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Less is better (deaths, attacks, trade lost, rungs...).
    Lower,
    /// More is better (days at the calmest rung, a later first strike).
    Higher,
    /// No better or worse (ceasefires made, fighters left, days at a middle rung).
    Neither,
}

/// What a metric counts, which fixes its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// People killed (unit `people`).
    Killed,
    /// Attacks by armed groups (unit `attacks`).
    Attacks,
    /// Cross-border strikes and operations (unit `strikes`).
    Strikes,
    /// Ceasefires agreed or broken: a count of events (unit `ceasefires`).
    Ceasefires,
    /// Fighters of an armed group (unit `fighters`).
    Fighters,
    /// People deported (unit `people`).
    Deported,
    /// Money, in thousands of US dollars (unit `thousand USD`).
    ThousandUsd,
    /// A number of days (unit `days`).
    Days,
    /// A day of the run, 0 being the first (unit `day`).
    Day,
    /// A rung index on the ladder, 0 being the calmest (unit `rung`).
    Rung,
}

impl MetricKind {
    /// The unit reports print for it.
    pub fn unit(self) -> &'static str {
        match self {
            MetricKind::Killed | MetricKind::Deported => "people",
            MetricKind::Attacks => "attacks",
            MetricKind::Strikes => "strikes",
            MetricKind::Ceasefires => "ceasefires",
            MetricKind::Fighters => "fighters",
            MetricKind::ThousandUsd => "thousand USD",
            MetricKind::Days => "days",
            MetricKind::Day => "day",
            MetricKind::Rung => "rung",
        }
    }
}

/// One metric's name and meaning.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MetricDef {
    /// Name used in reports, outcome rules and CSV headers.
    pub name: String,
    /// What it counts.
    pub description: String,
    /// Unit (that of [`MetricDef::kind`]).
    pub unit: &'static str,
    /// What it counts, as a kind.
    pub kind: MetricKind,
    /// Which way it is better (what `compare` calls better or worse).
    pub direction: Direction,
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

/// Slots of one period's metrics.
#[derive(Debug, Clone)]
pub struct PeriodSlots {
    /// The period's name (the part after `@`).
    pub name: String,
    /// First day, 0-based.
    pub first_day: u32,
    /// Last day, 0-based, inclusive.
    pub last_day: u32,
    /// First slot: the period's value of `windowed[j]` is at slot `first + j`.
    pub first: usize,
    /// The mark (index into [`MetricLayout::marks`]) at the end of day
    /// `first_day - 1`; `None` when the period starts on day 0.
    pub from: Option<usize>,
    /// The mark at the end of `last_day`.
    pub to: usize,
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
    /// Victims: civilian and security deaths of all actors (every death but
    /// the militants'), the figure a headline quotes.
    pub victims: usize,
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
    /// Slots of the additive metrics, in record order: those that only ever
    /// grow by what happens on a day, so a window's value is the difference of
    /// two running totals. Attacks (all and per group), deaths (all, by
    /// category, per actor and category, in attacks on each state), strikes,
    /// deported, trade lost, closure days, ceasefires made and broken. Not
    /// fighters, rungs, days at rungs or the first strike.
    pub windowed: Vec<usize>,
    /// The periods, in file order; their metrics follow every other metric.
    pub periods: Vec<PeriodSlots>,
    /// The days (ascending, distinct) at whose end the engine copies the
    /// running totals of `windowed`: each period's last day and the day
    /// before its first (when that is not day 0).
    pub marks: Vec<u32>,
}

const CATEGORIES: [&str; 3] = ["civilian", "security", "militant"];

impl MetricLayout {
    /// The layout for a scenario (validated or not: it reads only ids, kinds, dyads, ladder).
    ///
    /// Each metric is declared here once: its name, description, kind (hence
    /// unit), direction and whether it is optional.
    pub fn new(s: &Scenario) -> Self {
        use Direction::{Higher, Lower, Neither};
        use MetricKind::*;
        let mut defs = Vec::new();
        let mut add = |name: String,
                       description: String,
                       kind: MetricKind,
                       direction: Direction,
                       optional: bool| {
            defs.push(MetricDef {
                name,
                description,
                unit: kind.unit(),
                kind,
                direction,
                optional,
            });
            defs.len() - 1
        };
        let attacks = add(
            "attacks".into(),
            "attacks by all armed groups".into(),
            Attacks,
            Lower,
            false,
        );
        let deaths = add(
            "deaths".into(),
            "everyone killed, all actors, militants included".into(),
            Killed,
            Lower,
            false,
        );
        let victims = add(
            "deaths.victims".into(),
            "civilians and security forces killed, all actors (no militants)".into(),
            Killed,
            Lower,
            false,
        );
        let deaths_by_category = CATEGORIES.map(|c| {
            add(
                format!("deaths.{c}"),
                format!("{c} deaths, all actors"),
                Killed,
                Lower,
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
                        Killed,
                        Lower,
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
                    Killed,
                    Lower,
                    false,
                )
            }));
            group_attacks.push(group.then(|| {
                add(
                    format!("attacks.{}", a.id),
                    format!("attacks by {}", a.id),
                    Attacks,
                    Lower,
                    false,
                )
            }));
            // Fewer militants is not better for everyone.
            fighters_end.push(group.then(|| {
                add(
                    format!("fighters_end.{}", a.id),
                    format!("fighters of {} on the last day", a.id),
                    Fighters,
                    Neither,
                    false,
                )
            }));
        }
        let strikes = add(
            "strikes".into(),
            "cross-border strikes and operations".into(),
            Strikes,
            Lower,
            false,
        );
        // A later first strike is better.
        let first_strike_day = add(
            "first_strike_day".into(),
            "day of the first cross-border strike (absent if none)".into(),
            Day,
            Higher,
            true,
        );
        let first_strike_toll = add(
            "first_strike_toll".into(),
            "deaths caused by the first cross-border strike (absent if none)".into(),
            Killed,
            Lower,
            true,
        );
        let deported = add(
            "deported".into(),
            "people deported".into(),
            Deported,
            Lower,
            false,
        );
        let trade_lost = add(
            "trade_lost".into(),
            "trade lost to border closures".into(),
            ThousandUsd,
            Lower,
            false,
        );
        let closure_days = add(
            "closure_days".into(),
            "days borders were closed, summed over dyads".into(),
            Days,
            Lower,
            false,
        );
        // A ceasefire is made because violence was high: neither better nor worse.
        let ceasefires_made = add(
            "ceasefires_made".into(),
            "ceasefires agreed".into(),
            Ceasefires,
            Neither,
            false,
        );
        let ceasefires_broken = add(
            "ceasefires_broken".into(),
            "ceasefires broken before they ran out".into(),
            Ceasefires,
            Lower,
            false,
        );
        let mut dyads = Vec::new();
        for d in &s.dyads {
            let key = format!("{}-{}", d.between.0, d.between.1);
            let peak = add(
                format!("peak_rung.{key}"),
                format!("highest rung reached by {key}"),
                Rung,
                Lower,
                false,
            );
            let last = add(
                format!("final_rung.{key}"),
                format!("rung of {key} on the last day"),
                Rung,
                Lower,
                false,
            );
            let mut days_at = usize::MAX;
            for (k, r) in s.ladder.iter().enumerate() {
                // Days at the calmest rung are better; at any other, neither.
                let slot = add(
                    format!("days_at.{key}.{r}"),
                    format!("days {key} spent at `{r}`"),
                    Days,
                    if k == 0 { Higher } else { Neither },
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
        let mut windowed: Vec<usize> = [attacks, deaths, victims, strikes, deported, trade_lost]
            .into_iter()
            .chain(deaths_by_category)
            .chain(actor_deaths.iter().flatten().flatten().copied())
            .chain(attack_deaths.iter().flatten().copied())
            .chain(group_attacks.iter().flatten().copied())
            .chain([closure_days, ceasefires_made, ceasefires_broken])
            .collect();
        windowed.sort_unstable();
        let mut marks: Vec<u32> = s
            .periods
            .iter()
            .flat_map(|p| [p.first_day.checked_sub(1), Some(p.last_day)])
            .flatten()
            .collect();
        marks.sort_unstable();
        marks.dedup();
        let mark = |day: u32| marks.binary_search(&day).expect("every mark is listed");
        let mut periods = Vec::new();
        for p in &s.periods {
            let first = defs.len();
            for &j in &windowed {
                let base = &defs[j];
                defs.push(MetricDef {
                    name: format!("{}@{}", base.name, p.name),
                    description: format!(
                        "{} in {} (days {} to {})",
                        base.description, p.name, p.first_day, p.last_day
                    ),
                    ..base.clone()
                });
            }
            periods.push(PeriodSlots {
                name: p.name.clone(),
                first_day: p.first_day,
                last_day: p.last_day,
                first,
                from: p.first_day.checked_sub(1).map(mark),
                to: mark(p.last_day),
            });
        }
        MetricLayout {
            defs,
            attacks,
            deaths,
            victims,
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
            windowed,
            periods,
            marks,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The name-prefix rules `compare::direction` applied before each metric
    /// declared its own direction (kept here as the oracle).
    fn direction_by_name(rungs: &[String], name: &str) -> Direction {
        const LOWER: [&str; 7] = [
            "strikes",
            "first_strike_toll",
            "deported",
            "trade_lost",
            "closure_days",
            "ceasefires_broken",
            "attacks",
        ];
        const LOWER_PREFIX: [&str; 5] = [
            "attacks.",
            "deaths",
            "attack_deaths.",
            "peak_rung.",
            "final_rung.",
        ];
        if LOWER.contains(&name) || LOWER_PREFIX.iter().any(|p| name.starts_with(p)) {
            return Direction::Lower;
        }
        if name == "first_strike_day" {
            return Direction::Higher;
        }
        if let (Some(rest), Some(calm)) = (name.strip_prefix("days_at."), rungs.first())
            && rest.ends_with(&format!(".{calm}"))
        {
            return Direction::Higher;
        }
        Direction::Neither
    }

    #[test]
    fn declared_directions_match_the_name_rules() {
        for b in crate::core::scenario::BUNDLED {
            let mut s =
                crate::core::scenario::parse(&crate::core::scenario::Source::bundled(b)).unwrap();
            // The rules are about the base metrics; `M@P` ones are checked below.
            s.periods.clear();
            let layout = MetricLayout::new(&s);
            assert!(layout.len() > 20, "{}", b.name);
            for d in &layout.defs {
                assert_eq!(
                    d.direction,
                    direction_by_name(&s.ladder, &d.name),
                    "{}: {}",
                    b.name,
                    d.name
                );
                assert_eq!(d.unit, d.kind.unit());
            }
        }
    }

    #[test]
    fn flagship_units_are_unchanged() {
        let b = &crate::core::scenario::BUNDLED[0];
        assert_eq!(b.name, "pak-afghan-2024");
        let s = crate::core::scenario::parse(&crate::core::scenario::Source::bundled(b)).unwrap();
        for d in &MetricLayout::new(&s).defs {
            let unit = match d.name.split('.').next().unwrap() {
                "attacks" => "attacks",
                "deaths" | "attack_deaths" | "first_strike_toll" | "deported" => "people",
                "fighters_end" => "fighters",
                "strikes" => "strikes",
                "first_strike_day" => "day",
                "trade_lost" => "thousand USD",
                "closure_days" | "days_at" => "days",
                "ceasefires_made" | "ceasefires_broken" => "ceasefires",
                "peak_rung" | "final_rung" => "rung",
                other => panic!("unexpected metric {other}"),
            };
            assert_eq!(d.unit, unit, "{}", d.name);
        }
    }

    #[test]
    fn windowed_metrics_are_the_additive_counts() {
        use MetricKind::*;
        for b in crate::core::scenario::BUNDLED {
            let mut s =
                crate::core::scenario::parse(&crate::core::scenario::Source::bundled(b)).unwrap();
            // The rules are about the base metrics; `M@P` ones are checked below.
            s.periods.clear();
            let layout = MetricLayout::new(&s);
            assert!(
                layout.windowed.windows(2).all(|w| w[0] < w[1]),
                "record order"
            );
            let not_windowed = [
                "fighters_end.",
                "first_strike_",
                "peak_rung.",
                "final_rung.",
                "days_at.",
            ];
            for d in &layout.defs {
                let windowed = layout
                    .windowed
                    .iter()
                    .any(|&s| layout.defs[s].name == d.name);
                let state = not_windowed.iter().any(|p| d.name.starts_with(p));
                assert_eq!(windowed, !state, "{}: {}", b.name, d.name);
                if windowed {
                    assert!(!d.optional);
                    assert!(matches!(
                        d.kind,
                        Attacks | Killed | Strikes | Deported | ThousandUsd | Days | Ceasefires
                    ));
                }
            }
        }
    }

    #[test]
    fn periods_follow_every_other_metric() {
        let b = crate::core::scenario::BUNDLED
            .iter()
            .find(|b| b.name == "minimal")
            .expect("minimal is bundled");
        let mut s =
            crate::core::scenario::parse(&crate::core::scenario::Source::bundled(b)).unwrap();
        let plain = MetricLayout::new(&s);
        let p = |name: &str, first_day, last_day| crate::core::scenario::Period {
            name: name.into(),
            first_day,
            last_day,
        };
        s.periods = vec![p("y", 10, 99), p("a", 0, 9), p("b", 10, 49)];
        let l = MetricLayout::new(&s);
        let (n, w) = (plain.len(), plain.windowed.len());
        assert_eq!(l.len(), n + 3 * w);
        assert_eq!(l.windowed, plain.windowed);
        assert_eq!(l.marks, [9, 49, 99]);
        let slots: Vec<_> = l.periods.iter().map(|p| (p.first, p.from, p.to)).collect();
        assert_eq!(
            slots,
            [(n, Some(0), 2), (n + w, None, 0), (n + 2 * w, Some(0), 1)]
        );
        assert_eq!(l.defs[n].name, "attacks@y");
        assert_eq!(l.defs[n + w + 1].name, "deaths@a");
        assert_eq!(l.defs[n + w + 2].name, "deaths.victims@a");
        assert_eq!(l.index("ceasefires_broken@b"), Some(l.len() - 1));
    }
}
