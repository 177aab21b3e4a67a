//! The terminal report: an insta snapshot for a fixed seed on the minimal
//! scenario (NO_COLOR set), 100-column fit on both bundled scenarios, and no
//! colour codes when stdout is not a terminal.
//!
//! The snapshot is a documented value-stability pin: it changes whenever the
//! engine's results or the report's layout change; review the diff
//! (`cargo insta review`, or delete the .snap and rerun with INSTA_UPDATE=always).

use crate::harness::command;

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
    // Sections the issue asks for.
    for needle in [
        "Outcome classes",
        "95% interval",
        "mean ± se",
        "p5",
        "p95",
        "Escalation: share of trials at or above each rung",
        "Sufficiency:",
    ] {
        assert!(report.contains(needle), "missing {needle:?}");
    }
    let stable = report.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("minimal_seed7_300_trials", stable);
}

#[test]
fn flagship_report_fits_100_columns() {
    let report = run(
        &["run", "pak-afghan-2024", "--trials", "200", "--seed", "3"],
        true,
    );
    assert_fits(&report);
    assert!(report.contains("Sufficiency:"));
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
