//! The command line on the bundled scenarios: structure and plausibility of
//! the terminal report and of `--json`, and the `list` and `params` commands.
//!
//! The terminal report and the JSON are rendered from the same `RunReport`,
//! so the text is checked against the JSON of the same run: every outcome
//! class and every metric the JSON has must appear in the text, with the same
//! numbers.

use serde_json::Value;

use crate::harness::escalate;
use crate::report_terminal::left_out_names;

const TRIALS: &str = "500";

fn ok_stdout(args: &[&str]) -> String {
    let o = escalate(args);
    o.assert_success();
    String::from_utf8(o.stdout).expect("stdout is UTF-8")
}

/// `escalate run` with no scenario (the bundled flagship): the text report and the JSON.
fn flagship_run() -> (String, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("run.json");
    let text = ok_stdout(&[
        "run",
        "--trials",
        TRIALS,
        "--quiet",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    let v: Value = serde_json::from_slice(&std::fs::read(&json).expect("JSON written"))
        .expect("the JSON parses");
    (text, v)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Numbers in a line, as written (1,234 -> 1234; 12.5% -> 12.5).
fn numbers(line: &str) -> Vec<f64> {
    line.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|s| s.replace(',', ""))
        .filter_map(|s| s.trim_matches('.').parse().ok())
        .collect()
}

/// Each line's first word, with the dyad of the rung-days heading it sits under.
fn metric_rows(text: &str) -> Vec<(Option<String>, String)> {
    let mut section = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.contains("days at each rung") {
            section = line
                .split("days_at.")
                .nth(1)
                .and_then(|rest| rest.split_once(".RUNG"))
                .map(|(dyad, _)| dyad.to_string())
                .filter(|d| d != "DYAD");
            continue;
        }
        if !line.starts_with("    ") {
            // Rows of a heading are indented deeper than the table.
            section = None;
        }
        if let Some(word) = line.split_whitespace().next() {
            rows.push((section.clone(), word.to_string()));
        }
    }
    rows
}

#[test]
fn run_prints_seed_trials_digest_classes_and_metrics() {
    let (text, json) = flagship_run();
    let digest = json["digest"].as_str().expect("digest");
    assert!(
        text.lines().any(|l| l.trim() == format!("digest {digest}")),
        "the digest line matches the JSON:\n{text}"
    );
    let header: Vec<&str> = text.lines().take(5).collect();
    assert!(
        header
            .iter()
            .any(|l| l.contains("500 trials") && l.contains("seed 20240318")),
        "seed and trial count in the header: {header:?}"
    );
    assert!(header[0].contains(json["scenario"]["name"].as_str().expect("name")));

    // Every class: a line starting with its name, with its probability and 95% interval.
    let outcomes = json["outcomes"].as_array().expect("outcomes");
    assert!(
        outcomes.len() >= 2,
        "the flagship has several outcome classes"
    );
    for o in outcomes {
        let name = o["name"].as_str().expect("class name");
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")) && l.contains('['))
            .unwrap_or_else(|| panic!("no line for class `{name}` with an interval:\n{text}"));
        let n = numbers(line);
        assert!(n.len() >= 3, "probability and interval in `{line}`");
        let (p, lo, hi) = (
            f(&o["probability"]) * 100.0,
            f(&o["ci95"][0]) * 100.0,
            f(&o["ci95"][1]) * 100.0,
        );
        // The probability to one decimal; the interval rounded outward, so it still bounds.
        let near = |a: f64, b: f64| (a - b).abs() <= 0.051;
        let below = |shown: f64, v: f64| shown <= v + 1e-9 && v - shown < 0.1;
        assert!(
            near(n[0], p) && below(n[1], lo) && below(-n[2], -hi),
            "`{line}` shows {:?}, the JSON has {p:.2}% [{lo:.2}%, {hi:.2}%]",
            &n[..3]
        );
    }

    // Every metric: a line naming it. The rung-days table may group rows under
    // a heading `days at each rung, DYAD (days_at.DYAD.RUNG)` and show only the
    // rung (or `DYAD.RUNG`), eliding the middle of a long name with `…`.
    let rows = metric_rows(&text);
    let shown = |metric: &str| {
        let fits = |t: &str, name: &str| {
            t == name
                || t.split_once('…')
                    .is_some_and(|(a, b)| name.starts_with(a) && name.ends_with(b))
        };
        rows.iter().any(|(section, t)| {
            fits(t, metric)
                || metric.strip_prefix("days_at.").is_some_and(|short| {
                    fits(t, short)
                        || section.as_deref().is_some_and(|d| {
                            short
                                .strip_prefix(d)
                                .and_then(|r| r.strip_prefix('.'))
                                .is_some_and(|rung| fits(t, rung))
                        })
                })
        })
    };
    // A metric 0 in every trial is named in the note instead; a rung metric
    // (unit `rung`) is named on its dyad's line of the rung section.
    let left_out = left_out_names(&text);
    let metrics = json["metrics"].as_array().expect("metrics");
    let mut nil = 0;
    for m in metrics {
        let name = m["name"].as_str().expect("metric name");
        if m["unit"] == "rung" {
            assert!(
                text.contains(name),
                "rung metric `{name}` not in the text report:\n{text}"
            );
            continue;
        }
        let zero = m["mean"].as_f64().is_none_or(|x| x == 0.0);
        nil += usize::from(zero);
        assert_eq!(
            left_out.iter().any(|n| n == name),
            zero,
            "metric `{name}` (mean {}) in the note: {left_out:?}",
            m["mean"]
        );
        assert!(
            zero || shown(name),
            "metric `{name}` not in the text report:\n{text}"
        );
    }
    assert!(
        nil > 0,
        "the flagship has metrics that are 0 in every trial"
    );
    assert_eq!(left_out.len(), nil, "{left_out:?}");
    assert!(
        text.contains(&format!("Left out, 0 in every trial ({nil} metrics;")),
        "the note counts them:\n{text}"
    );
    // The mean of `attacks` in the text is the JSON's.
    let attacks = metrics
        .iter()
        .find(|m| m["name"] == "attacks")
        .expect("attacks metric");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("attacks "))
        .expect("attacks line");
    let mean = numbers(line)[0];
    assert!(
        (mean - f(&attacks["mean"])).abs() <= 0.5,
        "`{line}` vs mean {}",
        attacks["mean"]
    );
    // Read at 100 columns: no line is wider.
    for l in text.lines() {
        assert!(
            l.chars().count() <= 100,
            "line wider than 100 columns: `{l}`"
        );
    }
}

#[test]
fn run_json_structure_and_plausibility() {
    let (_, v) = flagship_run();
    for key in [
        "digest", "seed", "trials", "scenario", "outcomes", "metrics",
    ] {
        assert!(v.get(key).is_some(), "top-level `{key}` missing");
    }
    assert_eq!(v["seed"], 20240318);
    assert_eq!(v["trials"], 500);
    let digest = v["digest"].as_str().expect("digest");
    assert_eq!(digest.len(), 64);
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(
        v["scenario"]["name"]
            .as_str()
            .is_some_and(|s| s.contains("Pakistan")),
        "the default scenario is the flagship: {}",
        v["scenario"]["name"]
    );

    let outcomes = v["outcomes"].as_array().expect("outcomes");
    let total: f64 = outcomes.iter().map(|o| f(&o["probability"])).sum();
    assert!((total - 1.0).abs() < 1e-9, "probabilities sum to {total}");
    let count: u64 = outcomes
        .iter()
        .map(|o| o["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(count, 500, "class counts sum to the trials");
    for o in outcomes {
        let (p, lo, hi) = (f(&o["probability"]), f(&o["ci95"][0]), f(&o["ci95"][1]));
        assert!(
            (0.0..=1.0).contains(&lo) && lo <= p && p <= hi && hi <= 1.0,
            "{}: {p} not in [{lo}, {hi}]",
            o["name"]
        );
    }

    let metrics = v["metrics"].as_array().expect("metrics");
    assert!(!metrics.is_empty());
    let mut names = std::collections::BTreeSet::new();
    for m in metrics {
        let name = m["name"].as_str().expect("name");
        assert!(names.insert(name), "metric `{name}` twice");
        let present = m["present"].as_u64().expect("present");
        assert!(present <= 500, "{name}: present {present}");
        if present == 0 {
            assert!(m["mean"].is_null(), "{name}: a mean without values");
            continue;
        }
        let q = &m["quantiles"];
        let qs: Vec<f64> = ["p5", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|k| f(&q[*k]))
            .collect();
        assert!(
            qs.windows(2).all(|w| w[0] <= w[1]),
            "{name}: quantiles out of order {qs:?}"
        );
        let (min, max, mean) = (f(&m["min"]), f(&m["max"]), f(&m["mean"]));
        assert!(
            min <= mean && mean <= max,
            "{name}: mean {mean} outside [{min}, {max}]"
        );
        // Quantiles are exact below 1,024 and within 0.8% above.
        let slack = 0.008 * max.max(1.0);
        assert!(
            qs[0] >= min - slack && qs[4] <= max + slack,
            "{name}: quantiles {qs:?} outside [{min}, {max}]"
        );
        assert!(f(&m["std_error"]) >= 0.0);
        let hist: u64 = m["histogram"]
            .as_array()
            .expect("histogram")
            .iter()
            .map(|c| c.as_u64().expect("count"))
            .sum();
        assert_eq!(hist, present, "{name}: histogram counts");
    }
    // Plausibility: the flagship is about violence and strikes.
    let mean = |name: &str| {
        metrics
            .iter()
            .find(|m| m["name"] == name)
            .and_then(|m| m["mean"].as_f64())
            .unwrap_or_else(|| panic!("metric `{name}`"))
    };
    assert!(mean("attacks") > 0.0 && mean("deaths") > 0.0);
    assert!(mean("deaths") >= mean("deaths.security"));
    let by_cat = mean("deaths.civilian") + mean("deaths.security") + mean("deaths.militant");
    assert!(
        (by_cat - mean("deaths")).abs() < 1e-6 * mean("deaths").max(1.0),
        "deaths by category sum to deaths"
    );
}

#[test]
fn list_names_the_bundled_scenarios() {
    let out = ok_stdout(&["list"]);
    for name in ["pak-afghan-2024", "minimal"] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("`{name}` not listed:\n{out}"));
        assert!(
            line.split_whitespace().count() > 3,
            "`{name}` has a line of description: `{line}`"
        );
    }
}

#[test]
fn list_a_scenario_names_its_policies() {
    let out = ok_stdout(&["list", "scenarios/minimal.ron"]);
    let first: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(first.contains(&"baseline"), "{out}");
    assert!(first.contains(&"talks"), "{out}");
    let talks = out.lines().find(|l| l.starts_with("talks")).expect("talks");
    assert!(talks.contains("talks with G"), "its description: `{talks}`");

    // The flagship's policies, by the bundled name.
    let out = ok_stdout(&["list", "pak-afghan-2024"]);
    for p in [
        "baseline",
        "strike",
        "talks",
        "deport",
        "close-border",
        "mediation",
    ] {
        assert!(
            out.lines().any(|l| l.split_whitespace().next() == Some(p)),
            "flagship policy `{p}` not listed:\n{out}"
        );
    }
}

#[test]
fn params_lists_paths_values_and_sources() {
    let out = ok_stdout(&["params", "scenarios/minimal.ron"]);
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some("actors.G.fighters"))
        .unwrap_or_else(|| panic!("actors.G.fighters not listed:\n{out}"));
    assert!(line.contains("Uniform(1500, 2500)"), "its value: `{line}`");
    assert!(
        line.contains("uncertain strength"),
        "its source comment: `{line}`"
    );
    // Every listed path is accepted by --set (paths and overrides agree).
    let o = escalate(&[
        "run",
        "scenarios/minimal.ron",
        "--trials",
        "10",
        "--quiet",
        "--set",
        "actors.G.fighters=2000",
    ]);
    o.assert_success();
}

/// Reads the first line of `args`' standard output, then closes the pipe
/// while escalate is still writing (the output is far larger than a pipe's
/// buffer); returns the exit code and standard error.
fn first_line_then_close(args: &[&str]) -> (String, Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = crate::harness::std_command()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("escalate starts");
    let mut line = String::new();
    {
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        out.read_line(&mut line).expect("a first line");
    } // the reader is dropped here: the pipe is closed, as `| head -1` does
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)
        .expect("stderr reads");
    let status = child.wait().expect("escalate ends");
    (line, status.code(), err)
}

#[test]
fn regression_closed_pipe_ends_quietly_with_exit_0() {
    // `escalate trace ... | head -1` used to panic or exit 2 when head closed the pipe.
    let (line, code, err) = first_line_then_close(&["trace", "--format", "jsonl"]);
    assert!(line.starts_with('{'), "{line}");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
    // The same for a streamed CSV on standard output.
    let (line, code, err) =
        first_line_then_close(&["run", "minimal", "--trials", "50000", "--csv", "-"]);
    assert!(line.starts_with("trial,"), "{line}");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
}
