//! `escalate compare` driven as a user would: a known direction on the minimal
//! scenario, a policy file that changes nothing, each policy's digest equal to
//! its own `escalate run`, bad policy files rejected with positions and
//! nothing written, the terminal report within 100 columns, the HTML page's
//! rung charts in points of trials.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Sandbox, fixture};

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("json written")).expect("json")
}

fn metric<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn talks_give_fewer_attacks_than_baseline_on_the_minimal_scenario() {
    let dir = Sandbox::new();
    let out = dir.run(&[
        "compare", "minimal", "--policy", "baseline", "--policy", "talks", "--trials", "2000",
        "--seed", "7", "--json", "c.json", "--html", "c.html", "--quiet",
    ]);
    out.assert_success();
    let r = json(&dir.path().join("c.json"));
    assert_eq!(r["reference"], "baseline");
    let attacks = &metric(&r, "attacks")["policies"][1];
    assert_eq!(attacks["policy"], "talks");
    let d = attacks["difference"].as_f64().unwrap();
    let ci = attacks["ci95"].as_array().unwrap();
    assert!(d < 0.0, "talks should cut attacks: {d}");
    assert!(ci[1].as_f64().unwrap() < 0.0, "interval excludes 0: {ci:?}");
    assert!(attacks["better"].as_f64().unwrap() > 0.5);
    // Paired beats independent: the measured variance reduction exceeds 1.
    assert!(attacks["variance_reduction"].as_f64().unwrap() > 1.0);
    // The difference is the difference of the policies' own means.
    let means: Vec<f64> = metric(&r, "attacks")["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["mean"].as_f64().unwrap())
        .collect();
    assert!((means[1] - means[0] - d).abs() < 1e-9);
    let html = std::fs::read_to_string(dir.path().join("c.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(!html.contains("<script"));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(text.contains("talks"));
}

#[test]
fn the_html_page_charts_a_rung_as_the_paired_shift_in_points_not_a_mean_of_indices() {
    let dir = Sandbox::new();
    dir.run(&[
        "compare", "--policy", "baseline", "--policy", "strike", "--trials", "300", "--seed", "7",
        "--json", "c.json", "--html", "c.html", "--quiet",
    ])
    .assert_success();
    let r = json(&dir.path().join("c.json"));
    let html = std::fs::read_to_string(dir.path().join("c.html")).unwrap();
    let peak = &metric(&r, "peak_rung.Pakistan-Taliban")["policies"][1];
    assert_eq!(peak["policy"], "strike");
    // Lower is better for rungs: worse is a higher rung in that trial.
    let (higher, lower) = (
        peak["worse"].as_f64().unwrap(),
        peak["better"].as_f64().unwrap(),
    );
    assert!(
        higher > lower,
        "strikes raise the peak: {higher} vs {lower}"
    );
    // The JSON carries the shift as counts of the 300 trials, with its interval.
    let s = &peak["rung_shift"];
    let count = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(count("higher") as f64 / 300.0, higher);
    assert_eq!(count("lower") as f64 / 300.0, lower);
    let d = s["difference"].as_f64().unwrap();
    assert!((d - (higher - lower)).abs() < 1e-12);
    let ci: Vec<f64> = s["ci95"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(ci[0] < d && d < ci[1] && ci[0] > 0.0, "{ci:?} around {d}");
    assert!(metric(&r, "attacks")["policies"][1]["rung_shift"].is_null());
    let shift = format!("{:+.1}", 100.0 * (higher - lower));
    assert!(
        html.contains(&format!(
            "{shift} pts · higher {:.0}% / lower {:.0}%",
            100.0 * higher,
            100.0 * lower
        )),
        "the chart's note gives the shift in points and both shares"
    );
    assert!(html.contains("peak_rung.Pakistan-Taliban: trials higher − lower, points"));
    // The table's row gives the same shift, and no mean of rung indices.
    assert!(html.contains(&format!("{shift} pts</td>")));
    assert!(!html.contains("peak_rung.Pakistan-Taliban (lower is better), rung"));
    // The page says what a rung step is: the ladder, in order.
    let ladder: Vec<&str> = r["scenario"]["ladder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(html.contains(&format!("({})", ladder.join(" &lt; "))));
}

#[test]
fn each_policys_digest_equals_its_own_run() {
    let dir = Sandbox::new();
    let out = dir.run(&[
        "compare", "minimal", "--policy", "talks", "--trials", "1200", "--seed", "3", "--json",
        "c.json", "--quiet",
    ]);
    out.assert_success();
    let r = json(&dir.path().join("c.json"));
    // One policy alone is compared with baseline.
    let names: Vec<&str> = r["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["baseline", "talks"]);
    for (k, policy) in ["baseline", "talks"].iter().enumerate() {
        let run = dir.run(&[
            "run", "minimal", "--policy", policy, "--trials", "1200", "--seed", "3", "--json",
            "r.json", "--quiet",
        ]);
        run.assert_success();
        let alone = json(&dir.path().join("r.json"));
        assert_eq!(r["policies"][k]["digest"], alone["digest"], "{policy}");
    }
}

#[test]
fn a_policy_file_that_changes_nothing_gives_zero_differences() {
    let dir = Sandbox::new();
    let noop = fixture("compare_noop_policy.ron").display().to_string();
    let out = dir.run(&[
        "compare", "minimal", "--policy", "baseline", "--policy", &noop, "--trials", "1500",
        "--json", "c.json", "--quiet",
    ]);
    out.assert_success();
    let r = json(&dir.path().join("c.json"));
    assert_eq!(r["policies"][1]["name"], "noop");
    assert_eq!(r["policies"][0]["digest"], r["policies"][1]["digest"]);
    let mut varying = 0;
    for m in r["metrics"].as_array().unwrap() {
        let p = &m["policies"][1];
        if let Some(d) = p["difference"].as_f64() {
            assert_eq!(d, 0.0, "{}", m["name"]);
            assert_eq!(p["ci95"], serde_json::json!([0.0, 0.0]), "{}", m["name"]);
        }
        assert_eq!(p["better"], 0.0);
        assert_eq!(p["worse"], 0.0);
        if p["variance_independent"].as_f64().unwrap_or(0.0) > 0.0 {
            varying += 1;
        }
    }
    assert!(
        varying > 5,
        "metrics vary across trials, so zero is a real result"
    );
    for c in r["classes"].as_array().unwrap() {
        assert_eq!(c["policies"][1]["difference"], 0.0);
        assert_eq!(c["policies"][1]["entered"], 0.0);
        assert_eq!(c["policies"][1]["left"], 0.0);
    }
    // The same file works for `run` too.
    let run = dir.run(&[
        "run", "minimal", "--policy", &noop, "--trials", "50", "--quiet",
    ]);
    run.assert_success();
}

#[test]
fn a_bad_policy_file_is_rejected_with_its_position_and_nothing_is_written() {
    let dir = Sandbox::new();
    let bad = fixture("compare_bad_policy.ron").display().to_string();
    let out = dir.run(&[
        "compare", "minimal", "--policy", "baseline", "--policy", &bad, "--trials", "10", "--json",
        "c.json", "--html", "c.html",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("compare_bad_policy.ron:5:12"), "{err}");
    assert!(err.contains("unknown actor `Nobody`"), "{err}");
    assert!(!dir.path().join("c.json").exists());
    assert!(!dir.path().join("c.html").exists());
    // A syntax error points into the file too.
    let broken = dir.path().join("broken.ron");
    std::fs::write(&broken, "Policy(\n    name: \"x\",\n    colour: 3,\n)\n").unwrap();
    let out = dir.run(&[
        "compare",
        "minimal",
        "--policy",
        broken.to_str().unwrap(),
        "--trials",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.ron:3:"), "{err}");
    // An unknown policy name lists the ones there are.
    let out = dir.run(&["compare", "minimal", "--policy", "strik", "--trials", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("talks"));
}
