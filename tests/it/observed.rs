//! The shipped observed data (`data/observed/pak-afghan-2021-2023.csv`): it
//! loads, holds the 2021-2023 figures as transcribed, follows the documented
//! uncertainty rule, fits the 2021-08-15..2023-12-31 backtest, cites sources
//! that docs/sources.md lists, and names only metrics the flagship has.

use std::collections::{BTreeMap, BTreeSet};

use escalate::core::observed::{Date, Observed, Record};
use escalate::run::RunRequest;

use crate::harness::project;

const FILE: &str = "data/observed/pak-afghan-2021-2023.csv";

fn shipped() -> Observed {
    Observed::read(&project(FILE)).unwrap_or_else(|e| panic!("{e:?}"))
}

fn date(s: &str) -> Date {
    Date::parse(s).expect(s)
}

#[test]
fn observed_file_loads_with_its_digest() {
    let o = shipped();
    assert_eq!(o.records.len(), 57);
    let bytes = std::fs::read(project(FILE)).expect("read");
    assert_eq!(o.sha256, escalate::io::sha256_hex(&bytes));
    let mut per_series: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &o.records {
        *per_series.entry(r.series.as_str()).or_default() += 1;
    }
    let want: BTreeMap<&str, usize> = [
        ("AF-GOV", 1),
        ("CRSS", 13),
        ("IOM", 1),
        ("NEWS", 15),
        ("PICSS", 17),
        ("PIPS", 9),
        ("PK-GOV", 1),
    ]
    .into();
    assert_eq!(per_series, want);
}

#[test]
fn observed_records_per_series_and_year_match_the_figures() {
    let o = shipped();
    let mut per: BTreeMap<(String, i32), usize> = BTreeMap::new();
    for r in &o.records {
        *per.entry((r.series.clone(), r.start.year)).or_default() += 1;
    }
    let count = |s: &str, y: i32| per.get(&(s.to_string(), y)).copied().unwrap_or(0);
    // PICSS: 2021 attacks, deaths in attacks, civilians, security, militants
    // killed, combined; 2022 year and halves of attacks and deaths; 2023
    // attacks, first half, deaths, militants killed, combined.
    assert_eq!(
        (
            count("PICSS", 2021),
            count("PICSS", 2022),
            count("PICSS", 2023)
        ),
        (6, 6, 5)
    );
    // CRSS: 2021 total, attacks, operations, militants; 2022 total; 2023
    // total, security, militants, civilians and four quarters.
    assert_eq!(
        (
            count("CRSS", 2021),
            count("CRSS", 2022),
            count("CRSS", 2023)
        ),
        (4, 1, 8)
    );
    // PIPS: 2021 attacks, killed and three categories; 2022 attacks, killed,
    // security; 2023 attacks.
    assert_eq!(
        (
            count("PIPS", 2021),
            count("PIPS", 2022),
            count("PIPS", 2023)
        ),
        (5, 3, 1)
    );

    let value = |id: &str| o.get(id).unwrap_or_else(|| panic!("record {id}")).value;
    for (id, v) in [
        ("picss-2021-attacks", 294.0),
        ("picss-2021-deaths-in-attacks", 388.0),
        ("picss-2021-deaths-civilian", 184.0),
        ("picss-2021-deaths-security", 192.0),
        ("picss-2021-militants-killed-in-operations", 188.0),
        ("picss-2021-fatalities-total", 576.0),
        ("picss-2022-attacks", 380.0),
        ("picss-2022-h1-attacks", 151.0),
        ("picss-2022-h2-attacks", 228.0),
        ("picss-2022-deaths-in-attacks", 539.0),
        ("picss-2023-attacks", (645.0 + 623.0) / 2.0),
        ("picss-2023-h1-attacks", 271.0),
        ("picss-2023-deaths-in-attacks", 976.0),
        ("picss-2023-fatalities-total", 1529.0),
        ("picss-2023-militants-killed-in-operations", 612.0),
        ("crss-2021-fatalities-total", 853.0),
        ("crss-2022-fatalities-total", 980.0),
        ("crss-2023-fatalities-total", 1524.0),
        ("crss-2023-deaths-militant", (537.0 + 545.0) / 2.0),
        ("pips-2021-attacks", 207.0),
        ("pips-2021-deaths-in-attacks", 335.0),
        ("pips-2022-attacks", 262.0),
        ("pips-2022-deaths-in-attacks", 419.0),
        ("pips-2023-attacks", 306.0),
        ("pkgov-2023-returns", 454_446.0),
        ("iom-2023-returns", 407_745.0),
        ("news-2022-strike-episodes", 1.0),
        ("news-2023-strike-episodes", 0.0),
        ("afgov-2022-04-16-strike-deaths", 46.0),
        ("news-2023-torkham-closure-days", 15.0),
    ] {
        assert_eq!(value(id), v, "{id}");
    }
    // Parts and wholes as the series report them.
    assert_eq!(
        value("picss-2022-h1-deaths-in-attacks") + value("picss-2022-h2-deaths-in-attacks"),
        539.0
    );
    assert_eq!(
        value("picss-2022-h1-attacks") + value("picss-2022-h2-attacks"),
        379.0
    );
    let quarters: f64 = (1..=4)
        .map(|q| value(&format!("crss-2023-q{q}-fatalities-total")))
        .sum();
    assert_eq!(quarters, 1524.0);
    assert_eq!(
        value("pips-2021-deaths-security")
            + value("pips-2021-deaths-civilian")
            + value("pips-2021-deaths-militant-in-attacks"),
        335.0
    );
}

/// The floor of the uncertainty rule (data/observed/README.md).
fn floor(r: &Record) -> f64 {
    match r.unit.as_str() {
        "days" => 1.0,
        "thousand USD" => 0.0,
        _ => r.value.sqrt().max(1.0),
    }
}

#[test]
fn observed_sd_follows_the_documented_rule() {
    for r in &shipped().records {
        // max(f·value, half the spread, floor) with f 10% or 20%: in this
        // file half the spread never exceeds 10% or the floor.
        let exact = (0.10 * r.value).max(floor(r));
        let approx = (0.20 * r.value).max(floor(r));
        assert!(
            (r.sd - exact).abs() < 0.01 || (r.sd - approx).abs() < 0.01,
            "{}: sd {} is neither {exact:.2} nor {approx:.2}",
            r.id,
            r.sd
        );
    }
}

#[test]
fn observed_windows_fit_the_backtest_or_are_flagged() {
    let origin = date("2021-08-15");
    let last = date("2023-12-31").days_since(origin);
    assert_eq!(last, 868);
    let observed = shipped();
    let mut before_origin = Vec::new();
    for r in &observed.records {
        match r.window(origin) {
            Some((a, b)) => {
                assert!(a <= b && i64::from(b) <= last, "{}: window {a}..{b}", r.id);
                assert_eq!(i64::from(b - a) + 1, r.days(), "{}", r.id);
            }
            None => before_origin.push(r),
        }
    }
    // Only the calendar-year 2021 figures of the three series start before
    // the takeover; README says so.
    assert_eq!(before_origin.len(), 15);
    for r in before_origin {
        assert_eq!(
            (r.period.as_str(), r.start),
            ("2021", date("2021-01-01")),
            "{}",
            r.id
        );
        assert!(
            ["PICSS", "CRSS", "PIPS"].contains(&r.series.as_str()),
            "{}",
            r.id
        );
    }
}

/// The keys of docs/sources.md: its `##`/`###` headings of one word.
fn source_keys() -> BTreeSet<String> {
    let text = std::fs::read_to_string(project("docs/sources.md")).expect("docs/sources.md");
    text.lines()
        .filter_map(|l| l.strip_prefix("### ").or_else(|| l.strip_prefix("## ")))
        .map(str::trim)
        .filter(|h| !h.contains(' '))
        .map(String::from)
        .collect()
}

#[test]
fn observed_sources_are_all_documented() {
    let keys = source_keys();
    for k in ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"] {
        assert!(keys.contains(k), "docs/sources.md has no entry {k}");
    }
    let used: BTreeSet<String> = shipped().records.iter().map(|r| r.source.clone()).collect();
    let missing: Vec<&String> = used.difference(&keys).collect();
    assert!(
        missing.is_empty(),
        "sources not in docs/sources.md: {missing:?}"
    );
}

#[test]
fn observed_metrics_are_metrics_of_the_flagship() {
    let p = RunRequest::new(Some("scenarios/pak-afghan-2024.ron".into()), 1, 1)
        .prepare()
        .expect("flagship");
    let defs: BTreeMap<&str, &str> = p
        .model
        .metrics
        .defs
        .iter()
        .map(|d| (d.name.as_str(), d.unit))
        .collect();
    let readme = std::fs::read_to_string(project("data/observed/README.md")).expect("README");
    for r in &shipped().records {
        match &r.metric {
            Some(m) => {
                let unit = defs
                    .get(m.as_str())
                    .unwrap_or_else(|| panic!("{}: `{m}` is not a metric of the flagship", r.id));
                assert_eq!(*unit, r.unit, "{}: unit of {m}", r.id);
            }
            None => {
                assert!(
                    r.note.contains("engine"),
                    "{}: the note says why there is no metric",
                    r.id
                );
                assert!(
                    readme.contains(&format!("`{}`", r.id))
                        || readme.contains(&format!("`{}` (", r.quantity)),
                    "{}: README's list of records with no metric misses it",
                    r.id
                );
            }
        }
    }
}

#[test]
fn observed_a_damaged_copy_reports_every_problem_at_its_line() {
    let text = std::fs::read_to_string(project(FILE)).expect("read");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen("2021-12-31", "2021-12-32", 1); // bad end date
    let copy = lines[5].clone();
    lines.push(copy); // a duplicate id
    let damaged = lines.join("\n");
    let e = Observed::parse("copy.csv", &damaged).expect_err("damaged");
    let locations: Vec<&str> = e.problems().iter().map(|p| p.location.as_str()).collect();
    let end_col = lines[2].find("2021-12-32").expect("date") + 1;
    assert_eq!(
        locations,
        [
            format!("copy.csv:3:{end_col}"),
            format!("copy.csv:{}:1", lines.len())
        ],
        "{e:?}"
    );
}
