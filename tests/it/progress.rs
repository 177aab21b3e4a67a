//! The progress bars on a terminal: runs `escalate` under a pseudo-terminal
//! (util-linux `script`) of a fixed width and reads what it drew.

use std::path::Path;
use std::process::Command;

use crate::harness::{EXE, Sandbox};

/// The columns of the pseudo-terminal.
const COLUMNS: usize = 60;

/// Runs `escalate ARGS` in `dir` with stdout and stderr on a pseudo-terminal
/// `COLUMNS` wide; returns everything it wrote there.
fn on_terminal(dir: &Path, args: &[&str]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = format!("stty cols {COLUMNS} rows 24 && {}", quote(EXE));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .expect("util-linux `script` runs (it gives the test a terminal)");
    assert!(out.status.success(), "{line}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a terminal showed, cut at carriage returns, line feeds and
/// erase-line sequences: each piece was drawn on one terminal line.
fn drawn_pieces(text: &str) -> Vec<String> {
    text.replace("\x1b[2K", "\r")
        .split(['\r', '\n'])
        .map(String::from)
        .collect()
}

fn sweep_args(out: &str, quiet: bool) -> Vec<String> {
    let mut a: Vec<String> = [
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "8",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--trials",
        "200",
        "--out",
        out,
    ]
    .map(String::from)
    .to_vec();
    if quiet {
        a.push("--quiet".into());
    }
    a
}

/// Regression: `escalate sweep` drew a bar of its own (a fixed 40-cell bar
/// before its counts, fractional points per second, drawn from the first
/// moment), wider than a 60-column terminal, so every redraw wrapped. It now
/// draws the bar of the other commands (cli/progress.rs): hidden for the
/// first second, then counts, whole points per second and a bar that fills
/// the rest of the line and no more.
#[test]
fn regression_sweep_progress_bar_is_the_shared_one_and_fits_the_terminal() {
    let s = Sandbox::new();
    let args = sweep_args("sw", false);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let shown = on_terminal(s.path(), &args);
    assert!(shown.contains("8 of 8 points run now"), "{shown}");
    for piece in drawn_pieces(&shown) {
        if !piece.contains(['█', '░']) && !piece.contains(" left") {
            continue; // the report
        }
        let width = piece.chars().count();
        assert!(
            width <= COLUMNS,
            "a line {width} wide on a {COLUMNS}-column terminal: {piece:?}"
        );
        if piece.contains(" left") {
            // The shared style: `N/M points · R/s · T left ███░░`.
            let rate = piece.split(" · ").nth(1).unwrap_or_default();
            assert!(
                rate.ends_with("/s") && !rate.contains('.'),
                "not a whole rate: {piece:?}"
            );
            assert!(
                piece.trim_start().starts_with(|c: char| c.is_ascii_digit()),
                "the counts come first: {piece:?}"
            );
        }
    }
    // The report is the one printed to a pipe.
    let piped = s.run(&sweep_args("sw-piped", false));
    piped.assert_success();
    assert!(
        piped.stderr.is_empty(),
        "no bar off a terminal: {}",
        piped.describe()
    );
    // What follows the bar's last erase of its line.
    let report = shown
        .rsplit("\x1b[2K")
        .next()
        .unwrap()
        .replace("\r\n", "\n");
    assert_eq!(
        report.replace("sw\n", "X\n").replace("sw/", "X/"),
        piped
            .stdout_text()
            .replace("sw-piped\n", "X\n")
            .replace("sw-piped/", "X/")
    );
}

/// `--quiet` draws no bar on a terminal either (the sweep's report is all).
#[test]
fn sweep_quiet_draws_no_progress_bar_on_a_terminal() {
    let s = Sandbox::new();
    let args = sweep_args("sw", true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let shown = on_terminal(s.path(), &args);
    assert!(shown.contains("8 of 8 points run now"), "{shown}");
    assert!(
        !shown.contains('█') && !shown.contains('░') && !shown.contains("\x1b[2K"),
        "{shown:?}"
    );
    assert!(shown.starts_with("escalate sweep · "), "{shown:?}");
}
