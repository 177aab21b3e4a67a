//! Arithmetic that is right or refused (issue 11, item 2): every parameter's
//! range keeps the engine's counts, sums and durations within their types;
//! past it validation names the range; inside it counts add up, and a group
//! that grows without end saturates at the documented cap, never onto the
//! "absent" marker.

use crate::harness::{Run, Sandbox};

/// `run` of `scenario` with `--set`s, `--trials`, `--horizon`: its exit code,
/// its stderr, and its `--json` summary when it ran.
fn run(
    scenario: &str,
    sets: &[&str],
    trials: u32,
    horizon: u32,
) -> (Run, Option<serde_json::Value>) {
    let sandbox = Sandbox::new();
    let (trials, horizon) = (trials.to_string(), horizon.to_string());
    let mut args = vec![
        "run",
        scenario,
        "-q",
        "--trials",
        &trials,
        "--horizon",
        &horizon,
        "--json",
        "out.json",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = sandbox.run(&args);
    assert!(!o.stderr_text().contains("panicked"), "{}", o.describe());
    let json = std::fs::read_to_string(sandbox.join("out.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("the summary is JSON"));
    (o, json)
}

/// The summary's entry for metric `name`.
fn metric<'j>(json: &'j serde_json::Value, name: &str) -> &'j serde_json::Value {
    json["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// Refused with exit 2, nothing written, the message naming the path and
/// the help naming the range's ends.
fn assert_refused(o: &Run, json: &Option<serde_json::Value>, path: &str, range: &str) {
    let err = o
        .stderr_text()
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    assert!(json.is_none(), "a refused run wrote its --json");
    assert!(
        err.contains(&format!("outside the range of `{path}`")),
        "{err}"
    );
    assert!(
        err.contains(range),
        "the help names the range {range}: {err}"
    );
}

#[test]
fn regression_fighters_1e25_is_refused_with_its_range_not_run_as_0_attacks() {
    let (o, json) = run("scenarios/minimal.ron", &["actors.G.fighters=1e25"], 5, 30);
    assert_refused(&o, &json, "actors.G.fighters", "a number from 0 to 1e8");
    assert!(
        o.stderr_text().contains("1e25 is outside"),
        "{}",
        o.describe()
    );
    // The same in the scenario file, at its line.
    let text = std::fs::read_to_string(crate::harness::project("scenarios/minimal.ron")).unwrap();
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.join("s.ron"),
        text.replacen("fighters: Uniform(1500, 2500)", "fighters: 1e25", 1),
    )
    .unwrap();
    let v = sandbox.run(&["validate", "s.ron"]);
    assert_eq!(v.code(), Some(2), "{}", v.describe());
    let line = text
        .lines()
        .position(|l| l.contains("fighters: Uniform(1500, 2500)"))
        .unwrap()
        + 1;
    assert!(
        v.stderr_text().contains(&format!("s.ron:{line}:")),
        "{}",
        v.describe()
    );
    // The edge of the range runs.
    let (o, json) = run("scenarios/minimal.ron", &["actors.G.fighters=1e8"], 2, 30);
    assert!(o.success(), "{}", o.describe());
    assert!(
        metric(json.as_ref().unwrap(), "attacks")["min"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn regression_durations_of_1e19_are_refused_not_wrapped() {
    // Closure, talks, ceasefire and deportation: 1e19 days overflowed the
    // end day (an i64) and the programme never took effect.
    for path in [
        "levers.close_border.duration",
        "levers.talks.duration",
        "levers.ceasefire.duration",
        "levers.deportation.duration",
    ] {
        let set = format!("{path}=1e19");
        let (o, json) = run("pak-afghan-2024", &[&set], 2, 30);
        assert_refused(&o, &json, path, "a number from 0 to 1e6");
    }
}

#[test]
fn regression_trade_per_day_1e19_is_refused_and_the_largest_allowed_is_counted_exactly() {
    let (o, json) = run(
        "pak-afghan-2024",
        &["levers.close_border.trade_per_day=1e19"],
        2,
        30,
    );
    assert_refused(
        &o,
        &json,
        "levers.close_border.trade_per_day",
        "a number from 0 to 1e9",
    );
    // At the limit every day of closure loses exactly 1e9: the total is
    // 1e9 times the closure days in every trial (7.77e18 was 10 days of 1e19).
    let sandbox = Sandbox::new();
    let o = sandbox.run(&[
        "run",
        "pak-afghan-2024",
        "-q",
        "--trials",
        "40",
        "--set",
        "levers.close_border.trade_per_day=1e9",
        "--csv",
        "trials.csv",
    ]);
    assert!(o.success(), "{}", o.describe());
    let mut r = csv::Reader::from_path(sandbox.join("trials.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (trade, days) = (col("trade_lost"), col("closure_days"));
    let mut closed = 0;
    for row in r.records() {
        let row = row.unwrap();
        let (t, d): (u64, u64) = (row[trade].parse().unwrap(), row[days].parse().unwrap());
        assert_eq!(t, d * 1_000_000_000, "trade lost {t} over {d} closure days");
        closed += (d > 0) as u32;
    }
    assert!(
        closed > 0,
        "no trial closed the border: the test checks nothing"
    );
}

#[test]
fn regression_recruitment_1_saturates_fighters_at_the_cap_and_counts_still_add_up() {
    // Doubling every day for a year: counters wrapped, deaths fell below
    // attacks, and fighters_end saturated onto the marker for "absent".
    let (o, json) = run(
        "scenarios/minimal.ron",
        &["actors.G.recruitment=1"],
        10,
        365,
    );
    assert!(o.success(), "{}", o.describe());
    let json = json.unwrap();
    let f = metric(&json, "fighters_end.G");
    assert_eq!(f["present"], 10, "fighters_end is present in every trial");
    let cap = 100_000_000u64;
    // Strikes kill a few fighters after the last day's recruitment: at most
    // the cap, never the marker.
    assert!(f["max"].as_u64().unwrap() <= cap, "{f}");
    assert!(f["min"].as_u64().unwrap() > cap - cap / 1000, "{f}");
    for q in ["p5", "p50", "p95"] {
        let v = f["quantiles"][q].as_f64().unwrap();
        assert!(
            v <= cap as f64 && v >= f["min"].as_f64().unwrap(),
            "{q} = {v}"
        );
    }
    let count = |n: &str| metric(&json, n)["mean"].as_f64().unwrap();
    // Casualty means per attack add to 1.7 (0.6 + 0.8 + 0.3): millions of
    // attacks give 1.7 deaths each to well within 1%.
    let (attacks, deaths) = (count("attacks"), count("deaths"));
    assert!(attacks > 1e6, "{attacks}");
    assert!(deaths > attacks, "deaths {deaths} below attacks {attacks}");
    let by_category =
        count("deaths.civilian") + count("deaths.security") + count("deaths.militant");
    assert!(
        (by_category - deaths).abs() <= 1e-6 * deaths,
        "{by_category} vs {deaths}"
    );
    // The spread of counts in the millions is not lost.
    assert!(metric(&json, "attacks")["sd"].as_f64().unwrap() > 0.0);
}

#[test]
fn regression_casualty_means_of_1e20_are_refused_and_the_largest_allowed_products_are_drawn() {
    // A product of scenario values (attacks x deaths per attack) above what
    // the Poisson sampler draws silently gave 0 deaths.
    let (o, json) = run(
        "scenarios/minimal.ron",
        &["actors.G.casualties.civilian=1e20"],
        2,
        30,
    );
    assert_refused(
        &o,
        &json,
        "actors.G.casualties.civilian",
        "a number from 0 to 1e4",
    );
    // Every factor at its limit: 1e8 fighters attacking at 1,000 per 1,000
    // (times 0.9, the sanctuary term of weight 0.5 and sanctuary 0.8) with
    // 1e4 civilians per attack, a Poisson mean near 1e12 a day.
    let (o, json) = run(
        "scenarios/minimal.ron",
        &[
            "actors.G.fighters=1e8",
            "actors.G.recruitment=0",
            "actors.G.attack_rate=1000",
            "actors.G.casualties.civilian=1e4",
        ],
        2,
        30,
    );
    assert!(o.success(), "{}", o.describe());
    let json = json.unwrap();
    let (attacks, civilians) = (
        metric(&json, "attacks")["mean"].as_f64().unwrap(),
        metric(&json, "deaths.civilian")["mean"].as_f64().unwrap(),
    );
    assert!(attacks > 1e8, "{attacks}");
    let per_attack = civilians / attacks;
    assert!(
        (per_attack / 1e4 - 1.0).abs() < 1e-3,
        "{per_attack} civilians per attack"
    );
}

#[test]
fn regression_a_nan_outcome_threshold_is_refused_at_its_place() {
    let text = std::fs::read_to_string(crate::harness::project("scenarios/minimal.ron")).unwrap();
    for bad in ["NaN", "inf", "-inf"] {
        let sandbox = Sandbox::new();
        let changed = text.replacen(
            "MetricAtLeast(\"strikes\", 1)",
            &format!("MetricAtLeast(\"strikes\", {bad})"),
            1,
        );
        assert_ne!(changed, text);
        std::fs::write(sandbox.join("s.ron"), &changed).unwrap();
        let o = sandbox.run(&["run", "s.ron", "-q", "--trials", "3", "--json", "out.json"]);
        assert_eq!(o.code(), Some(2), "{bad}: {}", o.describe());
        assert!(!sandbox.join("out.json").exists());
        let line = changed
            .lines()
            .position(|l| l.contains("MetricAtLeast(\"strikes\""))
            .unwrap()
            + 1;
        let err = o.stderr_text();
        assert!(err.contains(&format!("s.ron:{line}:")), "{bad}: {err}");
        assert!(err.contains("not a finite number"), "{bad}: {err}");
    }
}
