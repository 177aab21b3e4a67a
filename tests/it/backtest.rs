//! `escalate backtest`: a run's JSON scored against observed figures.
//!
//! The run is tests/fixtures/periods.ron (minimal.ron with periods `2022`,
//! `2022-Q3`, `2022-H1`...), the observations tests/fixtures/observed-small.csv:
//! three records whose `METRIC@PERIOD` the run reports (one far above every
//! trial), one whose period the scenario lacks, one without a metric and one
//! whose metric is not reported per period. Checked: the scored records' bands
//! are the run JSON's quantiles of that metric, the summary's counts agree with
//! the records, the others are listed with their reasons, `--json -` prints
//! only JSON, the terminal report fits 100 columns, and a file that is not a
//! run report exits 2 with a message saying what to pass instead.

use serde_json::Value;

use crate::harness::Sandbox;

const SCENARIO: &str = "tests/fixtures/periods.ron";
const OBSERVED: &str = "tests/fixtures/observed-small.csv";

/// A sandbox holding `r.json`, a 2,000-trial run of the fixture.
fn with_run() -> Sandbox {
    let s = Sandbox::new();
    s.run(&[
        "run", SCENARIO, "--trials", "2000", "--seed", "3", "-q", "--json", "r.json",
    ])
    .assert_success();
    s
}

fn read_json(s: &Sandbox, name: &str) -> Value {
    let text = std::fs::read_to_string(s.join(name)).expect(name);
    serde_json::from_str(&text).expect("JSON")
}

/// The run report's metric `name`.
fn metric<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("metric {name}"))
}

fn record<'a>(b: &'a Value, id: &str) -> &'a Value {
    b["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("record {id}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[test]
fn scored_records_carry_the_run_quantiles_and_the_summary_counts_them() {
    let s = with_run();
    let out = s.run(&[
        "backtest",
        "r.json",
        "--observed",
        OBSERVED,
        "--json",
        "b.json",
    ]);
    out.assert_success();
    let run = read_json(&s, "r.json");
    let b = read_json(&s, "b.json");

    // Every record, in file order.
    let ids: Vec<&str> = b["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "t-2022-attacks",
            "t-2022-q3-civilians",
            "t-2022-h1-attacks-far",
            "t-2023-attacks",
            "t-2022-total",
            "t-2022-fighters"
        ]
    );

    for (id, name) in [
        ("t-2022-attacks", "attacks@2022"),
        ("t-2022-q3-civilians", "deaths.civilian@2022-Q3"),
        ("t-2022-h1-attacks-far", "attacks@2022-H1"),
    ] {
        let r = record(&b, id);
        assert_eq!(r["status"], "scored", "{id}");
        assert_eq!(r["metric"], name);
        let q = &metric(&run, name)["quantiles"];
        assert_eq!(f(&r["band50"][0]), f(&q["p25"]), "{id}");
        assert_eq!(f(&r["band50"][1]), f(&q["p75"]), "{id}");
        assert_eq!(f(&r["band90"][0]), f(&q["p5"]), "{id}");
        assert_eq!(f(&r["band90"][1]), f(&q["p95"]), "{id}");
        assert_eq!(f(&r["median"]), f(&q["p50"]), "{id}");
        let y = f(&r["observed"]);
        let (l90, h90) = (f(&r["band90"][0]), f(&r["band90"][1]));
        assert_eq!(r["inside90"], l90 <= y && y <= h90, "{id}");
        let (l50, h50) = (f(&r["band50"][0]), f(&r["band50"][1]));
        assert_eq!(r["inside50"], l50 <= y && y <= h50, "{id}");
        let pit = f(&r["pit"]);
        assert!((0.0..=1.0).contains(&pit) && f(&r["crps"]) >= 0.0, "{id}");
        assert_eq!(r["trials"], metric(&run, name)["present"]);
    }
    // Far above every trial: outside both bands, PIT 1, CRPS at least the
    // distance to the 95th percentile.
    // The two others sit near the run's medians: inside the 90% band.
    for id in ["t-2022-attacks", "t-2022-q3-civilians"] {
        assert_eq!(record(&b, id)["inside90"], true, "{id}");
    }
    let far = record(&b, "t-2022-h1-attacks-far");
    assert_eq!(
        (&far["inside90"], f(&far["pit"])),
        (&Value::Bool(false), 1.0)
    );
    assert!(f(&far["crps"]) >= 100_000.0 - f(&far["band90"][1]));

    // The summary agrees with the records.
    let scored: Vec<&Value> = b["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "scored")
        .collect();
    let sum = &b["summary"];
    let n = scored.len() as f64;
    let count = |k: &str| scored.iter().filter(|r| r[k] == true).count();
    assert_eq!(
        (sum["records"].as_u64(), sum["scored"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(sum["not_scored"].as_u64(), Some(3));
    assert_eq!(sum["inside90"].as_u64(), Some(count("inside90") as u64));
    assert_eq!(sum["inside50"].as_u64(), Some(count("inside50") as u64));
    assert_eq!(f(&sum["coverage90"]), count("inside90") as f64 / n);
    assert_eq!(f(&sum["coverage50"]), count("inside50") as f64 / n);
    let crps: f64 = scored.iter().map(|r| f(&r["crps"])).sum();
    assert!((f(&sum["mean_crps"]) - crps / n).abs() < 1e-9 * crps.max(1.0));
    assert_eq!(b["run"]["digest"], run["digest"]);

    // The terminal report: every record, the summary line, the reasons; 100 columns.
    let text = out.stdout_text();
    for id in &ids {
        assert!(text.contains(id), "{id} missing from\n{text}");
    }
    assert!(
        text.contains(&format!(
            "3 of 6 records scored: 90% bands hold {} of 3",
            count("inside90")
        )),
        "{text}"
    );
    for l in text.lines() {
        assert!(l.chars().count() <= 100, "wider than 100 columns: {l}");
    }
}

#[test]
fn records_not_scored_are_listed_with_their_reasons() {
    let s = with_run();
    let b = s.run(&["backtest", "r.json", "--observed", OBSERVED, "--json", "-"]);
    b.assert_success();
    // Only JSON on standard output.
    let b: Value = serde_json::from_str(&b.stdout_text()).expect("stdout is only JSON");
    for (id, why, metric, says) in [
        (
            "t-2023-attacks",
            "no_period",
            Value::from("attacks@2023"),
            "no period `2023`",
        ),
        (
            "t-2022-total",
            "no_metric",
            Value::Null,
            "`metric` column is empty",
        ),
        (
            "t-2022-fighters",
            "not_per_period",
            Value::from("fighters_end.G@2022"),
            "not reported per period",
        ),
    ] {
        let r = record(&b, id);
        assert_eq!(r["status"], "not_scored", "{id}");
        assert_eq!(r["why"], why, "{id}");
        assert_eq!(r["metric"], metric, "{id}");
        let reason = r["reason"].as_str().expect("reason");
        assert!(reason.contains(says), "{id}: {reason}");
    }
}

#[test]
fn the_html_page_shows_every_scored_record() {
    let s = with_run();
    s.run(&[
        "backtest",
        "r.json",
        "--observed",
        OBSERVED,
        "--html",
        "b.html",
    ])
    .assert_success();
    let page = std::fs::read_to_string(s.join("b.html")).expect("page");
    assert!(page.starts_with("<!DOCTYPE html>") && !page.contains("<script"));
    assert_eq!(page.matches("<circle").count(), 3);
    assert!(page.contains("Not scored (3)"));
}

#[test]
fn a_file_that_is_not_a_run_report_exits_2_saying_what_to_pass() {
    let s = Sandbox::new();
    // The observed CSV in place of the run's JSON; then JSON that is not a report.
    std::fs::write(s.join("bad.json"), "{\"records\": []}").expect("write");
    for (file, says) in [(OBSERVED, "it is not JSON"), ("bad.json", "missing field")] {
        let out = s.run(&["backtest", file, "--observed", OBSERVED]);
        out.assert_code(2);
        let err = out.stderr_text();
        assert!(
            err.contains(&format!("{file} is not a run report"))
                && err.contains(says)
                && err.contains("escalate run SCENARIO --json RUN.json"),
            "{err}"
        );
        assert!(out.stdout_text().is_empty());
    }
    let out = s.run(&["backtest", "missing.json", "--observed", OBSERVED]);
    out.assert_code(2);
    assert!(
        out.stderr_text()
            .contains("cannot read the run report missing.json")
    );
}
