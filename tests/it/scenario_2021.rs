//! The historical scenario `scenarios/pak-afghan-2021.ron` (15 August 2021 to
//! 31 December 2023): it validates and is bundled; every event the issue names
//! happens on its date's day; militant deaths come mostly from security-force
//! operations; the prior predictive can show attacks rising from 2022 to 2023;
//! and every number in the file says where it comes from.

use crate::harness::{escalate, scenario};
use escalate::core::engine::NoTrace;
use escalate::core::model::{Model, compile};
use escalate::core::scenario::{
    Action, Effect, Override, Scenario, Source, Trigger, Validated, load, parse, validate,
};
use escalate::run::trials::run_one;

const FILE: &str = "scenarios/pak-afghan-2021.ron";

fn source() -> Source {
    Source::open(
        scenario("pak-afghan-2021.ron")
            .to_str()
            .expect("utf-8 path"),
    )
    .expect("readable")
}

/// Days since 1 January 1970 of a proleptic Gregorian date (Hinnant's days_from_civil).
fn civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The scenario's day of a date: day 0 is 15 August 2021.
fn day(y: i64, m: i64, d: i64) -> u32 {
    u32::try_from(civil(y, m, d) - civil(2021, 8, 15)).expect("on or after day 0")
}

#[test]
fn day_arithmetic() {
    assert_eq!(day(2021, 8, 15), 0);
    assert_eq!(day(2022, 1, 1), 139);
    assert_eq!(day(2023, 1, 1), 504);
    assert_eq!(day(2023, 12, 31), 868);
}

#[test]
fn it_validates_and_is_bundled() {
    escalate(&["validate", FILE]).assert_success();
    let list = escalate(&["list"]);
    list.assert_success();
    assert!(
        list.stdout_text().contains("pak-afghan-2021"),
        "{}",
        list.describe()
    );
    escalate(&["run", "pak-afghan-2021", "--trials", "20", "--quiet"]).assert_success();
}

/// The event named `name`: its day and its action's lever, if it pulls one.
fn event<'a>(s: &'a Scenario, name: &str) -> (u32, Option<&'a str>) {
    let e = s
        .events
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("event {name}"));
    let Trigger::Day { day, probability } = &e.trigger else {
        panic!("{name}: a Day trigger");
    };
    assert_eq!(probability.mean(), 1.0, "{name} happens for certain");
    assert!(!probability.is_uncertain(), "{name}: a fixed probability");
    let lever = match &e.action {
        Action::Lever { lever, .. } => Some(lever.as_str()),
        Action::Attack { .. } => None,
    };
    (*day, lever)
}

fn effect<'a>(s: &'a Scenario, lever: &str) -> &'a Effect {
    &s.levers
        .iter()
        .find(|l| l.id == lever)
        .unwrap_or_else(|| panic!("lever {lever}"))
        .effect
}

/// A programme's fixed duration in days.
fn fixed_days(p: &escalate::core::scenario::Param) -> u32 {
    assert!(
        !p.is_uncertain(),
        "a scheduled programme has a fixed duration"
    );
    p.mean() as u32
}

#[test]
fn the_events_of_the_issue_happen_on_their_days() {
    let v = load(&source()).expect("valid");
    let s = v.scenario();
    // 15 Aug 2021 to 31 Dec 2023 inclusive.
    assert_eq!(s.horizon, day(2024, 1, 1));

    // The takeover, day 0: the TTP's sanctuary strengthens.
    let (d, lever) = event(s, "takeover-sanctuary");
    assert_eq!(d, day(2021, 8, 15));
    assert!(matches!(
        effect(s, lever.unwrap()),
        Effect::Sanctuary { .. }
    ));

    // TTP ceasefire 9 Nov - 9 Dec 2021: in force on days t..t+D-1, over on 9 Dec.
    let (d, lever) = event(s, "ttp-ceasefire-2021");
    assert_eq!(d, day(2021, 11, 9));
    let Effect::Ceasefire {
        duration,
        break_hazard,
        ..
    } = effect(s, lever.unwrap())
    else {
        panic!("ceasefire_2021 is a Ceasefire");
    };
    assert_eq!(d + fixed_days(duration), day(2021, 12, 9));
    assert_eq!(break_hazard.mean(), 0.0, "its end is scheduled");

    // The Khost and Kunar strikes, 16 April 2022.
    let (d, lever) = event(s, "khost-kunar-strikes");
    assert_eq!(d, day(2022, 4, 16));
    assert!(matches!(
        effect(s, lever.unwrap()),
        Effect::Airstrike { .. }
    ));

    // The truce from May 2022, ended by the TTP on 28 November 2022.
    let (d, lever) = event(s, "ttp-truce-2022");
    assert_eq!(d, day(2022, 5, 1));
    let Effect::Ceasefire {
        duration,
        break_hazard,
        ..
    } = effect(s, lever.unwrap())
    else {
        panic!("truce_2022 is a Ceasefire");
    };
    assert_eq!(d + fixed_days(duration), day(2022, 11, 28));
    assert_eq!(break_hazard.mean(), 0.0, "its end is scheduled");

    // The Chaman shelling, 11 December 2022.
    let (d, lever) = event(s, "chaman-shelling");
    assert_eq!(d, day(2022, 12, 11));
    assert!(matches!(
        effect(s, lever.unwrap()),
        Effect::BorderClash { .. }
    ));

    // Torkham closed 19-25 February and 6-15 September 2023.
    for (name, from, to) in [
        (
            "torkham-closure-feb-2023",
            day(2023, 2, 19),
            day(2023, 2, 25),
        ),
        (
            "torkham-closure-sep-2023",
            day(2023, 9, 6),
            day(2023, 9, 15),
        ),
    ] {
        let (d, lever) = event(s, name);
        assert_eq!(d, from, "{name}");
        let Effect::TradeClosure { duration, .. } = effect(s, lever.unwrap()) else {
            panic!("{name} closes the border");
        };
        assert_eq!(d + fixed_days(duration), to, "{name} reopens");
    }

    // The deportation drive from 3 October 2023, to the end of the horizon.
    let (d, lever) = event(s, "deportation-drive");
    assert_eq!(d, day(2023, 10, 3));
    let Effect::Deportation { duration, .. } = effect(s, lever.unwrap()) else {
        panic!("deportation is a Deportation");
    };
    assert_eq!(d + fixed_days(duration), s.horizon);
}

fn model(overrides: &[&str]) -> Model {
    let src = source();
    let v = load(&src).expect("valid");
    let o: Vec<Override> = overrides
        .iter()
        .map(|s| s.parse().expect("override"))
        .collect();
    compile(&v.configure(&src, None, &o).expect("configured"))
}

/// One metric over trials 0..n.
fn per_trial(m: &Model, slot: usize, n: u64) -> Vec<f64> {
    (0..n)
        .map(|i| run_one(m, 7, i, &mut NoTrace).metrics[slot] as f64)
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

#[test]
fn militant_deaths_come_mostly_from_operations() {
    let base = model(&[]);
    let without = model(&["levers.ct_operation.militants_killed=0"]);
    let slot = base.metrics.deaths_by_category[2];
    let all = mean(&per_trial(&base, slot, 200));
    let rest = mean(&per_trial(&without, slot, 200));
    // Without operations the groups grow and attack more, so `rest` overstates the
    // attackers killed in their own attacks: the share below is a lower bound.
    let share = (all - rest) / all;
    assert!(
        share > 0.5,
        "operations kill {share:.2} of militants ({all:.0} in all, {rest:.0} without them)"
    );
}

/// The scenario cut at day `h` (days 0..h-1): the events from day `h` on and the
/// policies (which name them) removed. Events past a day draw nothing before it, so
/// trial i of the cut scenario is the first `h` days of trial i of the whole one.
fn cut(h: u32) -> Model {
    let src = source();
    let mut s = parse(&src).expect("parses");
    s.events
        .retain(|e| !matches!(e.trigger, Trigger::Day { day, .. } if day >= h));
    s.policies.clear();
    s.periods.retain(|p| p.last_day < h);
    s.horizon = h;
    let v: Validated = validate(s, &src).expect("the cut scenario is valid");
    compile(&v)
}

#[test]
fn the_prior_predictive_can_show_a_rise() {
    let n = 300;
    let (to2022, to2023, whole) = (cut(day(2022, 1, 1)), cut(day(2023, 1, 1)), model(&[]));
    let slot = whole.metrics.attacks;
    let a = per_trial(&to2022, slot, n);
    let b = per_trial(&to2023, slot, n);
    let c = per_trial(&whole, slot, n);
    let y2022: Vec<f64> = a.iter().zip(&b).map(|(a, b)| b - a).collect();
    let y2023: Vec<f64> = b.iter().zip(&c).map(|(b, c)| c - b).collect();
    assert!(
        y2022.iter().chain(&y2023).all(|&x| x >= 0.0),
        "cut runs are prefixes of the whole run"
    );
    let rises = y2022.iter().zip(&y2023).filter(|(a, b)| b > a).count();
    assert!(
        rises * 2 > n as usize,
        "attacks rise from 2022 to 2023 in only {rises} of {n} trials"
    );
    // The observed PICSS totals, 380 (2022) and 645 (2023), lie in the prior's 90% band.
    for (year, ys, observed) in [(2022, &y2022, 380.0), (2023, &y2023, 645.0)] {
        let mut v = ys.clone();
        v.sort_by(f64::total_cmp);
        let (p5, p95) = (v[n as usize / 20], v[n as usize * 19 / 20]);
        assert!(
            p5 <= observed && observed <= p95,
            "{year}: band [{p5}, {p95}] misses PICSS {observed}"
        );
    }
}

/// The code of a line without its `//` comment, string literals blanked; and the comment.
fn split_line(line: &str) -> (String, &str) {
    let mut code = String::new();
    let mut in_string = false;
    let mut prev = ' ';
    for (i, ch) in line.char_indices() {
        if in_string {
            if ch == '"' && prev != '\\' {
                in_string = false;
            }
            code.push(' ');
        } else if ch == '"' {
            in_string = true;
            code.push(' ');
        } else if ch == '/' && line[i + 1..].starts_with('/') {
            return (code, &line[i..]);
        } else {
            code.push(ch);
        }
        prev = ch;
    }
    (code, "")
}

/// Whether code holds a numeric literal (a digit that does not continue an identifier).
fn has_number(code: &str) -> bool {
    let mut prev = ' ';
    for ch in code.chars() {
        if ch.is_ascii_digit() && !(prev.is_alphanumeric() || prev == '_') {
            return true;
        }
        prev = ch;
    }
    false
}

fn provenance(comment: &str) -> bool {
    comment.contains("source:") || comment.contains("calibrated") || comment.contains("assumption")
}

#[test]
fn every_number_says_where_it_comes_from() {
    numbers_say_where_they_come_from(FILE);
}

/// Every number of bundled scenario `file` has a `source:`, `calibrated` or
/// `assumption` comment on its line or in the comment lines just above it.
pub(crate) fn numbers_say_where_they_come_from(file: &str) {
    let text = std::fs::read_to_string(crate::harness::project(file)).expect("readable");
    let mut above: Vec<&str> = Vec::new();
    let mut missing = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (code, comment) = split_line(line);
        if code.trim().is_empty() {
            // A comment line (kept for the field below it) or a blank line.
            if comment.is_empty() {
                above.clear();
            } else {
                above.push(comment);
            }
            continue;
        }
        if has_number(&code) && !provenance(comment) && !above.iter().any(|c| provenance(c)) {
            missing.push(format!("{file}:{}: {}", n + 1, line.trim()));
        }
        above.clear();
    }
    assert!(
        missing.is_empty(),
        "numbers without a source:, calibrated or assumption comment:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_source_the_bundled_scenarios_cite_is_in_docs_sources() {
    for file in [
        "pak-afghan-2021.ron",
        "pak-afghan-2024.ron",
        "pak-afghan-2025.ron",
    ] {
        cited_sources_are_documented(file);
    }
}

/// Every `source: KEY` of `file` names a heading of docs/sources.md, and the
/// file points at nothing outside the repository.
fn cited_sources_are_documented(file: &str) {
    let text = std::fs::read_to_string(crate::harness::scenario(file)).unwrap();
    assert!(
        !text.contains("shared/") && !text.contains(".txt"),
        "{file} points at a file outside the repository"
    );
    let sources = std::fs::read_to_string(crate::harness::project("docs/sources.md")).unwrap();
    let keys: Vec<&str> = sources
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .collect();
    let mut cited = 0;
    // The header explains the form `source: KEY (...)`; the numbers below use it.
    for line in text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//   "))
    {
        let mut rest = line;
        while let Some(i) = rest.find("source: ") {
            rest = &rest[i + 8..];
            let key: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if key == "KEY" {
                continue;
            }
            cited += 1;
            assert!(
                keys.contains(&key.as_str()),
                "{file}: `{key}` is not a heading of docs/sources.md: {line}"
            );
        }
    }
    assert!(cited > 20, "{file}: only {cited} citations found");
}
