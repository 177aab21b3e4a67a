//! The command line on the bundled scenarios: structure and plausibility of
//! the terminal report and of `--json`, the `list` and `params` commands,
//! and help and errors a newcomer can act on: suggestions for misspelt
//! subcommands, every refused flag value with its reason, one `--threads`,
//! the flagship as every command's default, completions and man pages.
//!
//! The terminal report and the JSON are rendered from the same `RunReport`,
//! so the text is checked against the JSON of the same run: every outcome
//! class and every metric the JSON has must appear in the text, with the same
//! numbers.

use serde_json::Value;

use crate::harness::{Sandbox, escalate};
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

// ---- Help and errors a newcomer can act on -----------------------------------

/// The subcommands as `escalate --help` lists them (clap's help text, not the
/// completion or man page generators), without `help`.
fn subcommands() -> Vec<String> {
    let help = ok_stdout(&["--help"]);
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   ")) // a wrapped description
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect();
    assert!(names.len() >= 12, "{help}");
    names
}

/// Asserts a refused command line: exit 2, nothing on stdout, and stderr
/// saying each of `says`.
#[track_caller]
fn refused(o: &crate::harness::Run, says: &[&str]) {
    o.assert_code(2);
    assert!(o.stdout.is_empty(), "{}", o.describe());
    let err = o.stderr_text();
    assert!(!err.contains("panicked"), "{err}");
    for s in says {
        assert!(err.contains(s), "stderr lacks `{s}`:\n{err}");
    }
}

#[test]
fn regression_escalate_rnu_suggests_run() {
    // `escalate rnu` used to suggest nothing (clap's own suggestions miss a swap).
    for (typo, meant) in [
        ("rnu", "run"),
        ("swep", "sweep"),
        ("comapre", "compare"),
        ("parms", "params"),
    ] {
        refused(
            &escalate(&[typo]),
            &[&format!("'{typo}'"), &format!("'{meant}'")],
        );
    }
    // A word close to nothing gets no guess.
    let o = escalate(&["bombard"]);
    refused(&o, &["'bombard'"]);
    assert!(!o.stderr_text().contains("similar"), "{}", o.stderr_text());
}

#[test]
fn every_command_that_reads_a_scenario_defaults_to_the_flagship() {
    // `sweep` and `params` used to need a SCENARIO where run, compare and trace did not.
    for cmd in [
        &["run"][..],
        &["compare"],
        &["trace"],
        &["sweep"],
        &["params"],
        &["calibrate"],
        &["slurm"],
        &["slurm", "sweep"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = ok_stdout(&args);
        let usage = help
            .lines()
            .find(|l| l.starts_with("Usage:"))
            .unwrap_or_else(|| panic!("{cmd:?}: no usage line:\n{help}"));
        assert!(usage.contains("[SCENARIO]"), "{cmd:?}: {usage}");
        assert!(help.contains("default: the flagship"), "{cmd:?}:\n{help}");
    }
    let sandbox = Sandbox::new();
    let o = sandbox.run(&[
        "sweep",
        "--design",
        "lhs",
        "--points",
        "2",
        "--set",
        "actors.TTP.fighters=3000..5000",
        "--trials",
        "20",
        "-q",
        "--out",
        "s",
    ]);
    o.assert_success();
    assert!(
        o.stdout_text()
            .lines()
            .next()
            .unwrap_or("")
            .contains("pak-afghan-2024"),
        "{}",
        o.describe()
    );
    assert!(sandbox.join("s/points.csv").is_file());
    let params = ok_stdout(&["params"]);
    assert!(
        params.contains("parameters of scenarios/pak-afghan-2024.ron"),
        "{params}"
    );
    assert!(
        params
            .lines()
            .any(|l| l.starts_with("actors.TTP.fighters "))
    );
}

#[test]
fn sweep_usage_names_points_and_every_flag_a_design_needs() {
    // The usage line used to leave out --points (and --set).
    for (cmd, needs) in [
        (
            &["sweep"][..],
            &[
                "--design <DESIGN>",
                "--points <N>",
                "--set <PATH=RANGE>",
                "--out <DIR>",
            ][..],
        ),
        (
            &["slurm", "sweep"],
            &[
                "--design <DESIGN>",
                "--points <N>",
                "--set <PATH=RANGE>",
                "--shards <N>",
                "--dir <DIR>",
            ],
        ),
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = ok_stdout(&args);
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap();
        for n in needs {
            assert!(usage.contains(n), "{cmd:?}: usage lacks {n}: {usage}");
        }
        // The error for a command line missing its flags shows the same usage.
        let o = escalate(cmd);
        refused(&o, &["--design", usage.trim_start_matches("Usage: ")]);
    }
}

/// The help paragraph of `flag` in `escalate ARGS --help`, joined into one line.
fn flag_help(args: &[&str], flag: &str) -> String {
    let mut a = args.to_vec();
    a.push("--help");
    let help = ok_stdout(&a);
    let mut lines = help
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(flag));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("{args:?}: no {flag}:\n{help}"));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut text: Vec<&str> = vec![first.trim_start().trim_start_matches(flag)];
    // The description: the lines below, indented further (until the next flag).
    text.extend(
        lines
            .take_while(|l| !l.trim().is_empty() && indent(l) > indent(first))
            .map(str::trim),
    );
    text.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn threads_has_one_meaning_and_one_help_everywhere() {
    // `slurm --threads` and `slurm sweep --threads` used to be described apart
    // from `run --threads`; now one definition serves every command.
    let commands = [
        &["run"][..],
        &["compare"],
        &["sweep"],
        &["calibrate"],
        &["slurm"],
        &["slurm", "sweep"],
    ];
    let helps: Vec<String> = commands.iter().map(|c| flag_help(c, "--threads")).collect();
    assert!(helps[0].contains("Worker threads"), "{}", helps[0]);
    for (c, h) in commands.iter().zip(&helps) {
        assert_eq!(h, &helps[0], "{c:?}");
    }
    // On Slurm it is each task's threads, asked for as --cpus-per-task.
    let sandbox = Sandbox::new();
    sandbox
        .run(&[
            "slurm",
            "minimal",
            "--trials",
            "100",
            "--shards",
            "2",
            "--dir",
            "r",
            "--threads",
            "3",
        ])
        .assert_success();
    sandbox
        .run(&[
            "slurm",
            "sweep",
            "minimal",
            "--design",
            "lhs",
            "--points",
            "2",
            "--set",
            "actors.G.attack_rate=0.1..0.5",
            "--trials",
            "10",
            "--shards",
            "2",
            "--dir",
            "s",
            "--threads",
            "3",
        ])
        .assert_success();
    for dir in ["r", "s"] {
        let job = std::fs::read_to_string(sandbox.join(dir).join("job.sbatch")).unwrap();
        assert!(job.contains("#SBATCH --cpus-per-task=3\n"), "{dir}:\n{job}");
        assert!(
            job.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""),
            "{dir}:\n{job}"
        );
    }
    // And it is refused with the same reason everywhere, before anything is written.
    for cmd in [
        &["run", "minimal", "--trials", "10"][..],
        &["slurm", "minimal", "--shards", "2", "--dir", "t"],
        &[
            "slurm",
            "sweep",
            "minimal",
            "--design",
            "lhs",
            "--points",
            "2",
            "--set",
            "actors.G.attack_rate=0.1..0.5",
            "--shards",
            "2",
            "--dir",
            "t",
        ],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--threads", "0"]);
        refused(
            &sandbox.run(&args),
            &["0 threads would run nothing", "use 1 or more"],
        );
        assert!(!sandbox.join("t").exists());
    }
}

#[test]
fn every_refused_number_says_why_and_what_to_write() {
    for (args, why) in [
        (
            &["run", "--trials", "1,0000"][..],
            "commas may only separate groups of three digits",
        ),
        (
            &["run", "--trials", "1e4"],
            "is not a whole number in digits",
        ),
        (&["run", "--trials", "-5"], "is negative"),
        (&["run", "--trials", "ten"], "is not a number"),
        (
            &["run", "--seed", "99999999999999999999"],
            "is too large: write at most 18446744073709551615",
        ),
        (&["run", "--threads", "0"], "0 threads would run nothing"),
        (&["run", "--threads", "100000"], "use at most 1024"),
        (&["run", "--horizon", "0"], "from 1 to 36500"),
        (&["trace", "--trial", "x"], "is not a number"),
        (
            &["sweep", "--design", "lhs", "--points", "8.5", "--out", "d"],
            "is not a whole number",
        ),
        (
            &["slurm", "--shards", "two", "--dir", "d"],
            "is not a number",
        ),
        (
            &[
                "calibrate",
                "--until-tolerance",
                "nan",
                "--observed",
                "o.csv",
                "--prior",
                "actors.TTP.fighters=Uniform(1, 2)",
                "--out",
                "d",
            ],
            "a tolerance is a finite distance",
        ),
    ] {
        let o = escalate(args);
        refused(&o, &[why]);
        let err = o.stderr_text();
        assert!(
            err.contains("write") || err.contains("use"),
            "{args:?}: says why but not what to write:\n{err}"
        );
    }
}

/// The digest line of a terminal report.
fn digest_of(report: &str) -> String {
    report
        .lines()
        .find_map(|l| l.strip_prefix("digest "))
        .unwrap_or_else(|| panic!("no digest line:\n{report}"))
        .to_string()
}

#[test]
fn trials_in_the_reports_own_format_are_accepted() {
    // `--trials 10,000` (as the reports print it) used to be refused.
    let grouped = ok_stdout(&["run", "minimal", "--trials", "2,000", "-q"]);
    let plain = ok_stdout(&["run", "minimal", "--trials", "2000", "-q"]);
    assert_eq!(digest_of(&grouped), digest_of(&plain));
    assert!(grouped.contains("2,000 trials"), "{grouped}");
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok_stdout(&["completions", shell]);
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell}: no `{sub}`");
        }
        assert!(
            script.contains("points") && script.contains("threads"),
            "{shell}"
        );
    }
    // The bash script is valid bash.
    let bash = ok_stdout(&["completions", "bash"]);
    let check = std::process::Command::new("bash")
        .args(["-n", "-c", &bash])
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    refused(&escalate(&["completions", "tcsh"]), &["'tcsh'", "bash"]);
}

#[test]
fn the_man_page_names_every_subcommand() {
    let subs = subcommands();
    let page = ok_stdout(&["man"]);
    assert!(page.contains(".TH escalate 1"), "{page}");
    for sub in &subs {
        // roff writes a hyphen as `\-`.
        assert!(
            page.contains(&format!("escalate\\-{sub}(1)")),
            "no `{sub}`:\n{page}"
        );
    }
    // --out DIR: that page and one per command, each with its synopsis.
    let sandbox = Sandbox::new();
    let o = sandbox.run(&["man", "--out", "pages"]);
    o.assert_success();
    assert!(o.stdout.is_empty());
    let mut expected: Vec<String> = subs.iter().map(|s| format!("escalate-{s}.1")).collect();
    expected.push("escalate.1".into());
    expected.push("escalate-slurm-sweep.1".into());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(sandbox.join("pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    for name in &written {
        let text = std::fs::read_to_string(sandbox.join("pages").join(name)).unwrap();
        assert!(text.contains(".SH SYNOPSIS"), "{name}");
    }
    let sweep = std::fs::read_to_string(sandbox.join("pages/escalate-sweep.1")).unwrap();
    assert!(sweep.contains("\\-\\-points"), "{sweep}");
}

#[test]
fn params_names_each_rule_beside_its_path() {
    // Rule paths are by position (`rules[2]`); each rule's parameters now come
    // under a line that names the rule.
    let out = ok_stdout(&["params"]);
    let source = escalate::core::scenario::Source::open("pak-afghan-2024").unwrap();
    let s = escalate::core::scenario::load(&source).unwrap();
    let mut seen = 0;
    for d in &s.scenario().doctrines {
        for (j, r) in d.rules.iter().enumerate() {
            let heading = format!("doctrines.{}.rules[{j}]: rule `{}`", d.actor, r.name);
            let mut lines = out.lines().skip_while(|l| *l != heading);
            assert!(lines.next().is_some(), "no `{heading}`:\n{out}");
            let next = lines.next().unwrap_or("");
            assert!(
                next.starts_with(&format!("doctrines.{}.rules[{j}].", d.actor)),
                "`{heading}` is followed by `{next}`"
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen} rules");
}

#[test]
fn params_leaves_out_only_actor_parameters_that_change_nothing() {
    // `params` used to list parameters that an actor's kind never uses
    // (China's resolve, a group's refugees). Each one left out is checked
    // here: setting it leaves every policy's results unchanged; and one that
    // is listed does change them (so the check can fail).
    for (scenario, trials, policies) in [
        ("minimal", "300", &["baseline", "talks"][..]),
        ("pak-afghan-2024", "100", &["baseline"][..]),
    ] {
        let out = ok_stdout(&["params", scenario]);
        // The table: every line above the footer ("N parameters of ...").
        let listed: Vec<&str> = out
            .lines()
            .take_while(|l| !l.contains(" parameters of "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let source = escalate::core::scenario::Source::open(scenario).unwrap();
        let s = escalate::core::scenario::load(&source).unwrap();
        let left: Vec<String> = escalate::core::scenario::paths::list_params(s.scenario())
            .into_iter()
            .map(|(pp, _)| pp.path)
            .filter(|p| !listed.contains(&p.as_str()))
            .collect();
        assert!(!left.is_empty(), "{scenario}: nothing left out");
        assert!(
            out.contains(&format!("Left out: {} actor parameters", left.len())),
            "{scenario}:\n{out}"
        );
        for p in &left {
            assert!(p.starts_with("actors."), "{scenario}: {p} left out");
        }
        for policy in policies {
            let base = |extra: &[&str]| {
                let mut a = vec![
                    "run", scenario, "--trials", trials, "-q", "--policy", policy,
                ];
                a.extend(extra);
                a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            };
            let digest = digest_of(&ok_stdout(
                &base(&[]).iter().map(String::as_str).collect::<Vec<_>>(),
            ));
            for p in &left {
                let set = format!("{p}=0.37");
                let args = base(&["--set", &set, "--expect-digest", &digest]);
                let o = escalate(&args);
                assert!(
                    o.success(),
                    "{scenario} --policy {policy} --set {set} changed results:\n{}",
                    o.describe()
                );
            }
            if scenario == "minimal" && *policy == "baseline" {
                let o = escalate(&base(&[
                    "--set",
                    "actors.A.capability=0.37",
                    "--expect-digest",
                    &digest,
                ]));
                o.assert_code(1);
            }
        }
    }
}
