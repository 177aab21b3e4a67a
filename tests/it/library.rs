//! The bundled scenario library: every scenario validates, runs, compares all
//! its policies and traces; `escalate list` gives each one's period; the
//! after-Barmal scenario's numbers say where they come from, and its policies
//! move the results the way their mechanisms say.

use escalate::core::observed::Date;
use escalate::core::scenario::{self, BUNDLED, Source};
use serde_json::Value;

use crate::harness::{escalate, escalate_in};

#[test]
fn every_bundled_scenario_validates_runs_compares_and_traces() {
    let dir = tempfile::tempdir().expect("temp dir");
    for b in BUNDLED {
        let v = scenario::load(&Source::bundled(b)).expect("bundled scenarios are valid");
        escalate(&["validate", b.name]).assert_success();
        let run = escalate_in(
            dir.path(),
            &["run", b.name, "--trials", "40", "--json", "-"],
        );
        run.assert_success();
        let json: Value = serde_json::from_slice(&run.stdout).expect("run --json is JSON");
        assert_eq!(json["trials"], 40, "{}: {}", b.name, run.describe());
        let mut args = vec!["compare", b.name, "--trials", "20", "--policy", "baseline"];
        let names: Vec<&str> = v
            .scenario()
            .policies
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| *n != "baseline")
            .collect();
        for n in &names {
            args.extend(["--policy", n]);
        }
        let cmp = escalate_in(dir.path(), &args);
        cmp.assert_success();
        let text = cmp.stdout_text();
        for n in &names {
            assert!(
                text.contains(n),
                "{}: compare names policy {n}:\n{text}",
                b.name
            );
        }
        let trace = escalate_in(dir.path(), &["trace", b.name, "--trial", "3"]);
        trace.assert_success();
        assert!(
            trace.stdout_text().lines().count() > 3,
            "{}: the trace tells a story:\n{}",
            b.name,
            trace.stdout_text()
        );
    }
}

#[test]
fn list_gives_each_bundled_scenario_its_period_and_a_line() {
    let out = escalate(&["list"]);
    out.assert_success();
    let text = out.stdout_text();
    for b in BUNDLED {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(b.name))
            .unwrap_or_else(|| panic!("`{}` not listed:\n{text}", b.name));
        assert!(
            line.contains(b.period) && line.contains(b.summary),
            "{line}"
        );
        // A dated scenario's period runs from its start date to its last day.
        let s = scenario::parse(&Source::bundled(b)).expect("parses");
        if let Some(d) = &s.start_date {
            let start = Date::parse(d).expect("a date");
            let last = nth_day(start, s.horizon as i64 - 1);
            assert_eq!(last.days_since(start), s.horizon as i64 - 1);
            assert_eq!(
                b.period,
                format!("{} - {}", short(start), short(last)),
                "{}",
                b.name
            );
        } else {
            assert!(!b.period.is_empty(), "{} has a period", b.name);
        }
    }
}

/// The date `n` days after `d`, by stepping the calendar one day at a time.
fn nth_day(d: Date, n: i64) -> Date {
    let mut x = d;
    for _ in 0..n {
        x = Date::new(x.year, x.month, x.day + 1)
            .or_else(|| Date::new(x.year, x.month + 1, 1))
            .or_else(|| Date::new(x.year + 1, 1, 1))
            .expect("a next day");
    }
    x
}

/// `16 Mar 2024`.
fn short(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {} {}", d.day, MONTHS[d.month as usize - 1], d.year)
}

#[test]
fn every_number_of_the_after_barmal_scenario_says_where_it_comes_from() {
    crate::scenario_2021::numbers_say_where_they_come_from("scenarios/pak-afghan-2025.ron");
}

/// Mean of metric `name` in a `run --json` of pak-afghan-2025 under `policy`
/// (the same seed and trials for every policy: common random numbers), with
/// its standard error.
fn after_barmal_mean(dir: &std::path::Path, policy: &str, name: &str) -> (f64, f64) {
    let run = escalate_in(
        dir,
        &[
            "run",
            "pak-afghan-2025",
            "--policy",
            policy,
            "--trials",
            "4000",
            "--json",
            "-",
        ],
    );
    run.assert_success();
    let json: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let m = json["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    (
        m["mean"].as_f64().expect("mean"),
        m["std_error"].as_f64().expect("se"),
    )
}

#[test]
fn after_barmal_policies_move_results_the_way_their_mechanisms_say() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // Lower (or higher) than baseline by more than three standard errors of
    // the two means together (a conservative bound: the runs share their
    // draws, so the paired difference's error is smaller).
    let differs = |policy: &str, name: &str, sign: f64| {
        let (b, sb) = after_barmal_mean(d, "baseline", name);
        let (p, sp) = after_barmal_mean(d, policy, name);
        assert!(
            sign * (p - b) > 3.0 * (sb + sp),
            "{policy}: {name} {p:.1} vs baseline {b:.1} (expected {})",
            if sign > 0.0 { "higher" } else { "lower" }
        );
    };
    // Kabul reins in the TTP after talks, or when the terms of pressure are met.
    differs("engagement", "attacks.TTP", -1.0);
    differs("regional-pressure", "attacks.TTP", -1.0);
    differs("regional-pressure", "deaths.Pakistan.security", -1.0);
    // A settlement's talks and ceasefires cut TTP attacks.
    differs("ttp-settlement", "attacks.TTP", -1.0);
    // US support grows the NRF, which kills more of the Taliban's forces.
    differs("nrf-support", "attacks.NRF", 1.0);
    differs("nrf-support", "deaths.Taliban.security", 1.0);
    // Defence ties: abler Taliban forces at the border, arms passed to the TTP.
    differs("defence-ties", "deaths.Pakistan.security", 1.0);
}
