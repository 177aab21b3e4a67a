//! The terminal reports at 100 columns: insta snapshots (NO_COLOR set) of the
//! minimal scenario's run, the flagship's run at 10,000 trials and a
//! flagship comparison with a policy name too long for the tables; every
//! bundled scenario's run and comparison of all its policies within 100
//! columns, names never cut; zero shares with their Wilson bound and the
//! sufficiency line when every trial ends in one class, against the closed
//! form; no colour codes when stdout is not a terminal.
//!
//! The snapshots are documented value-stability pins: they change whenever
//! the engine's results or the report's layout change; review the diff
//! (`cargo insta review`, or delete the .snap and rerun with INSTA_UPDATE=always).

use escalate::core::stats::Z95;

use crate::harness::{command, fixture};

const WIDTH: usize = 100;

fn run(args: &[&str], no_color: bool) -> String {
    let mut c = command().args(args);
    if no_color {
        c = c.env("NO_COLOR", "1");
    } else {
        c = c.env_remove("NO_COLOR");
    }
    let out = c.run();
    out.assert_success();
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

fn assert_fits(report: &str) {
    for (i, line) in report.lines().enumerate() {
        let n = line.chars().count();
        assert!(n <= WIDTH, "line {} is {n} columns:\n{line}", i + 1);
        assert_eq!(line, line.trim_end(), "line {} has trailing spaces", i + 1);
    }
}

/// The names in a report's `Left out, ...: a, b.{c, d}.` notes (all of them),
/// braces expanded (`{x, y}@{p, q}` gives four names); a name left out in
/// every period too keeps its `*` (`a*`: `a` and every `a@P`).
pub fn left_out_names(text: &str) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        if l.starts_with("  Left out, ") {
            notes.push(String::new());
            inside = true;
        } else if inside && !l.starts_with("    ") {
            inside = false;
        }
        if inside && let Some(n) = notes.last_mut() {
            n.push(' ');
            n.push_str(l.trim());
        }
    }
    fn expand(s: &str) -> Vec<String> {
        match (s.find('{'), s.find('}')) {
            (Some(a), Some(b)) => s[a + 1..b]
                .split(", ")
                .flat_map(|mid| expand(&format!("{}{mid}{}", &s[..a], &s[b + 1..])))
                .collect(),
            _ => vec![s.to_string()],
        }
    }
    let mut names = Vec::new();
    for note in notes {
        let Some((_, list)) = note.split_once("keep them): ") else {
            continue;
        };
        let list = list.split(". *:").next().unwrap_or(list);
        let list = list.trim().trim_end_matches('.');
        // Split on ", " outside braces.
        let (mut depth, mut cur) = (0, String::new());
        let mut chars = list.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 && chars.peek() == Some(&' ') => {
                    chars.next();
                    names.extend(expand(&std::mem::take(&mut cur)));
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        names.extend(expand(&cur));
    }
    names
}

fn stable(report: &str) -> String {
    report.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn minimal_report_snapshot() {
    let report = run(
        &[
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "300",
            "--seed",
            "7",
            "--threads",
            "2",
        ],
        true,
    );
    assert_fits(&report);
    assert!(!report.contains('\x1b'), "NO_COLOR report has escape codes");
    // Sections the issues ask for.
    for needle in [
        "At a glance",
        "Outcome classes",
        "95% interval",
        "mean ± se",
        "p5",
        "median",
        "p95",
        "Rungs: share of trials",
        "Escalation: share of trials at or above each rung",
        "Sufficiency:",
    ] {
        assert!(report.contains(needle), "missing {needle:?}");
    }
    insta::assert_snapshot!("minimal_seed7_300_trials", stable(&report));
}

/// The flagship's full report as `escalate run --trials 10000` prints it (the
/// README's worked example).
#[test]
fn flagship_report_snapshot_10000_trials() {
    let report = run(&["run", "--trials", "10000", "--quiet"], true);
    assert_fits(&report);
    // Victims and militants apart at a glance; units on the metric rows; rung
    // metrics as rung names and shares, not means of rung numbers.
    let glance: Vec<&str> = report
        .lines()
        .skip_while(|l| *l != "At a glance")
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        glance
            .iter()
            .any(|l| l.contains("Civilians and security forces killed")
                && l.contains("deaths.victims")),
        "{glance:?}"
    );
    assert!(
        glance
            .iter()
            .any(|l| l.contains("Militants killed (deaths.militant)")),
        "{glance:?}"
    );
    let row = |name: &str| {
        report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name}"))
            .to_string()
    };
    assert!(row("trade_lost").contains("thousand USD"));
    assert!(row("deaths.victims").contains("people"));
    assert!(row("closure_days").contains(" days "));
    assert!(
        !report
            .lines()
            .any(|l| l.trim_start().starts_with("peak_rung.")),
        "no row of a mean rung"
    );
    assert!(report.contains("peak rung  ") && report.contains("cross_border_strike "));
    insta::assert_snapshot!("flagship_10000_trials", stable(&report));
}

/// A comparison whose policy name is longer than the tables print: it is
/// `#2` there and named in full in the policy list; no metric or class name
/// is cut (every one is in full in the text, or in a note).
#[test]
fn compare_report_with_a_long_policy_name_snapshot() {
    let long = fixture("compare_long_policy.ron");
    let report = run(
        &[
            "compare",
            "--policy",
            "baseline",
            "--policy",
            long.to_str().unwrap(),
            "--policy",
            "close-border",
            "--trials",
            "1000",
            "--quiet",
        ],
        true,
    );
    assert_fits(&report);
    assert!(report.contains("  #2  "), "{report}");
    assert!(
        report.contains("talks-mediated-by-the-taliban-from-the-first-serious-attacks:"),
        "the list names #2 in full:\n{report}"
    );
    // The only `…` is after a digest's first 12 digits: no name is cut.
    for l in report.lines() {
        let mut rest = l;
        while let Some(i) = rest.find('…') {
            let before = &rest[..i];
            let hex = before.rsplit(' ').next().unwrap_or("");
            assert!(
                before.ends_with(&format!("digest {hex}"))
                    && hex.len() == 12
                    && hex.chars().all(|c| c.is_ascii_hexdigit()),
                "a cut name in `{l}`"
            );
            rest = &rest[i + '…'.len_utf8()..];
        }
    }
    insta::assert_snapshot!(
        "compare_flagship_long_policy_1000_trials",
        stable(&report).replace(&long.display().to_string(), "[policy file]")
    );
}

/// The names of a bundled scenario's policies (`escalate list NAME`).
fn policies(scenario: &str) -> Vec<String> {
    run(&["list", scenario], true)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every bundled scenario's run report, and its comparison of all its
/// policies, fit 100 columns, and every class and metric name of the JSON is
/// in the text in full (days at each rung aside, which compare leaves to
/// --json).
#[test]
fn every_bundled_scenario_fits_100_columns_with_names_whole() {
    let bundled: Vec<String> = run(&["list"], true)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(bundled.len() >= 3, "{bundled:?}");
    let dir = tempfile::tempdir().unwrap();
    for s in &bundled {
        let json = dir.path().join(format!("{s}.json"));
        let text = run(
            &[
                "run",
                s,
                "--trials",
                "300",
                "--quiet",
                "--json",
                json.to_str().unwrap(),
            ],
            true,
        );
        assert_fits(&text);
        let cjson = dir.path().join(format!("{s}.compare.json"));
        let mut args = vec!["compare".to_string(), s.clone()];
        for p in policies(s) {
            args.extend(["--policy".to_string(), p]);
        }
        args.extend(["--trials", "200", "--quiet", "--json"].map(String::from));
        args.push(cjson.to_str().unwrap().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let compared = run(&args, true);
        assert_fits(&compared);
        for (report, file, skip_days) in [(&text, &json, false), (&compared, &cjson, true)] {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
            let noted = left_out_names(report);
            let classes = v["outcomes"]
                .as_array()
                .or(v["classes"].as_array())
                .unwrap();
            for c in classes {
                let name = c["name"].as_str().unwrap();
                assert!(report.contains(name), "{s}: class {name}");
            }
            for m in v["metrics"].as_array().unwrap() {
                let name = m["name"].as_str().unwrap();
                if skip_days && name.starts_with("days_at.") {
                    continue;
                }
                let whole = report.lines().any(|l| {
                    l.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
                        .any(|w| w == name || w.strip_prefix("days_at.") == Some(name))
                }) || name.strip_prefix("days_at.").is_some_and(|rest| {
                    // Under its dyad's heading, by rung.
                    rest.split_once('.').is_some_and(|(dyad, rung)| {
                        report.contains(&format!("(days_at.{dyad}.RUNG)"))
                            && report
                                .lines()
                                .any(|l| l.trim_start().starts_with(&format!("{rung} ")))
                    })
                });
                let base = name.split('@').next().unwrap();
                let in_note = noted
                    .iter()
                    .any(|n| n == name || *n == format!("{name}*") || *n == format!("{base}*"));
                assert!(
                    whole || in_note,
                    "{s}: metric {name} neither in full nor in a note"
                );
            }
        }
    }
}

/// The Wilson upper bound of 0 of n, z²/(n + z²), as a percentage rounded up
/// to one decimal: what the report prints for a class no trial fell in.
fn zero_bound(n: f64) -> String {
    let z2 = Z95 * Z95;
    format!("{:.1}%", (1000.0 * z2 / (n + z2)).ceil() / 10.0)
}

#[test]
fn zero_shares_carry_their_wilson_bound() {
    let report = run(&["run", "minimal", "--trials", "300", "--seed", "7"], true);
    let bound = zero_bound(300.0);
    assert_eq!(bound, "1.3%");
    let war = report
        .lines()
        .find(|l| l.trim_start().starts_with("war "))
        .expect("war row");
    assert!(war.contains(&format!(" 0%  [0%, {bound}]")), "{war}");
    assert!(
        report.contains(&format!("0%: in no trial, 0% (< {bound})")),
        "the escalation table's note:\n{report}"
    );
    assert!(!report.contains("0.0%"), "no share reads 0.0%:\n{report}");
}

/// With every trial in one class, the sufficiency line sizes the other
/// classes' bound: z²/(n + z²) halves at 2n + z² trials.
#[test]
fn sufficiency_when_every_trial_ends_in_one_class() {
    let report = run(
        &[
            "run",
            "minimal",
            "--trials",
            "300",
            "--set",
            "doctrines.A.rules[0].probability=0",
        ],
        true,
    );
    let z2 = Z95 * Z95;
    let halve = 2.0 * 300.0 + z2; // 603.8: about 600
    assert!((halve / 100.0).round() == 6.0);
    let line = report
        .split("\nSufficiency: ")
        .nth(1)
        .expect("sufficiency line")
        .replace("\n  ", " ");
    assert!(
        line.starts_with(&format!(
            "every trial ended in contained; the 95% interval of each other class is [0%, {}], \
             and about 600 trials would halve its upper end.",
            zero_bound(300.0)
        )),
        "{line}"
    );
    assert!(report.contains("100%  [98.7%, 100%]"), "{report}");
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    // NO_COLOR unset, but stdout is a pipe here: still plain text.
    let report = run(
        &[
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "50",
            "--seed",
            "1",
        ],
        false,
    );
    assert!(!report.contains('\x1b'), "escape codes on a pipe");
}
