//! Bounded work on any input and a place for every error (issue 11, items 4
//! and 5): each test is one finding of the issue, named after it, and asserts
//! its bound by what is written (counts of problems and lines, a limit
//! named), never by time.

use crate::harness::{Run, Sandbox, project};

/// The minimal scenario's text.
fn minimal() -> String {
    std::fs::read_to_string(project("scenarios/minimal.ron")).unwrap()
}

/// `escalate ARGS` in a sandbox holding `s.ron` with `text`.
fn with_file(text: impl AsRef<[u8]>, args: &[&str]) -> Run {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.join("s.ron"), text).unwrap();
    sandbox.escalate().env("COLUMNS", "100").args(args).run()
}

fn refused(o: &Run) -> String {
    let err = o.stderr_text();
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// 1-based line and character column of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// A 36 KB file with 4,000 problems wrote 258 MB to stderr: every problem
/// with its help listing every name. Now the first 100 are shown, then a
/// count of the rest, and a help line lists at most 20 names.
#[test]
fn regression_4000_problems_show_the_first_100_then_a_count() {
    // 4,000 dyads naming unknown actors: 8,000 problems, each of whose help
    // used to list every actor id and every dyad.
    let dyads: String = (0..4000)
        .map(|i| format!("(between: (\"X{i}\", \"Y{i}\"), tension: 0.3, rung: \"protest\"),\n"))
        .collect();
    let text = minimal().replacen("dyads: [\n", &format!("dyads: [\n{dyads}"), 1);
    let err = refused(&with_file(&text, &["validate", "s.ron"]));
    let shown = err
        .split("× s.ron:")
        .skip(1)
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(shown, 100, "problems shown:\n{err}");
    assert!(err.contains("s.ron: 8000 problems found"), "{err}");
    assert!(
        err.contains("and 7,900 more not shown (the first 100 are)"),
        "{err}"
    );
    // Each shown problem is a handful of lines (message, snippet, help).
    let lines = err.lines().count();
    assert!(lines < 100 * 15, "{lines} lines");
    assert!(
        err.lines().all(|l| l.chars().count() <= 100),
        "a line wider than 100 columns"
    );
}

/// A scenario on one line (435 KB) took 10-19 s to place one problem and 17 s
/// for `params`: the scanner looked for each value's comments from the start
/// of its line. It is right on such a file, at the exact column.
#[test]
fn regression_a_one_line_file_of_8000_actors_is_placed_exactly() {
    let one_line: String = minimal()
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
        .collect::<Vec<_>>()
        .join(" ");
    let actors: String = (0..8000)
        .map(|i| format!("(id: \"S{i}\", kind: State, capability: 0.8, resolve: 0.6),"))
        .collect();
    let text = one_line
        .replacen("actors: [", &format!("actors: [{actors}"), 1)
        .replacen(
            "(id: \"S7999\", kind: State, capability: 0.8",
            "(id: \"S7999\", kind: State, capability: 1.8",
            1,
        );
    assert!(text.len() > 400_000 && !text.contains('\n'));
    let at = text.find("capability: 1.8").unwrap() + "capability: ".len();
    let err = refused(&with_file(&text, &["validate", "s.ron"]));
    assert!(
        err.contains(&format!(
            "s.ron:1:{}: `actors.S7999.capability` is 1.8",
            at + 1
        )),
        "{err}"
    );
    let p = with_file(&one_line, &["params", "s.ron"]);
    assert_eq!(p.code(), Some(0), "{}", p.describe());
    assert!(
        p.stdout_text().contains("actors.G.fighters"),
        "{}",
        p.stdout_text()
    );
}

/// Validation copied every policy once per policy (4,000 policies: 8.6 s).
/// Each is now applied to one copy of the scenario without its policies; a
/// problem in the last of 4,000 is still found, at its place.
#[test]
fn regression_4000_policies_are_each_checked_once() {
    let policies: String = (0..4000)
        .map(|i| {
            format!("(name: \"p{i}\", description: \"d\", disable: [\"A/strike-after-losses\"]),\n")
        })
        .collect();
    let text = minimal().replacen("policies: [\n", &format!("policies: [\n{policies}"), 1);
    let ok = with_file(&text, &["validate", "s.ron"]);
    assert_eq!(ok.code(), Some(0), "{}", ok.describe());
    assert!(
        ok.stdout_text().contains("4001 policies"),
        "{}",
        ok.stdout_text()
    );
    let bad = text.replacen(
        "(name: \"p3999\", description: \"d\", disable: [\"A/strike-after-losses\"])",
        "(name: \"p3999\", description: \"d\", disable: [\"A/strike-after-lossez\"])",
        1,
    );
    let at = bad.find("\"A/strike-after-lossez\"").unwrap();
    let (line, col) = line_col(&bad, at);
    let err = refused(&with_file(&bad, &["validate", "s.ron"]));
    assert!(err.contains("s.ron: 1 problem found"), "{err}");
    assert!(
        err.contains(&format!(
            "s.ron:{line}:{col}: no rule `A/strike-after-lossez`"
        )),
        "{err}"
    );
}

/// `validate /dev/zero` read until memory ran out. Every input file read
/// whole stops at its limit with an error naming it: an endless device, and
/// regular files one byte over (sparse, so nothing is written), as a
/// scenario, a policy file, a run's JSON report and a part file.
#[test]
fn regression_validate_dev_zero_stops_at_the_input_limit() {
    const MIB: u64 = 1 << 20;
    let sandbox = Sandbox::new();
    for (name, len) in [("big.ron", 16 * MIB + 1), ("big.esc", 1024 * MIB + 1)] {
        std::fs::File::create(sandbox.join(name))
            .unwrap()
            .set_len(len)
            .unwrap();
    }
    for (args, limit) in [
        (&["validate", "/dev/zero"][..], "16 MiB"),
        (&["validate", "big.ron"], "16 MiB"),
        (
            &[
                "run",
                "scenarios/minimal.ron",
                "--policy",
                "big.ron",
                "--trials",
                "1",
            ],
            "16 MiB",
        ),
        (&["backtest", "big.esc", "--observed", "big.csv"], "1 GiB"),
        (&["merge", "big.esc"], "1 GiB"),
        (&["merge", "/dev/zero"], "1 GiB"),
    ] {
        let err = refused(&sandbox.escalate().args(args).run());
        assert!(
            err.contains(&format!(
                "more than {limit}, the most escalate reads of such a file"
            )),
            "{args:?}:\n{err}"
        );
    }
}

/// A file that is not UTF-8 (1,151 of the 30,000 mutants) said
/// "stream did not contain valid UTF-8 ... check the path", with no place.
/// Now: the byte offset, the line and the character column of the first bad
/// byte, for a scenario and for a policy file.
#[test]
fn regression_a_file_not_utf8_is_placed_at_its_first_bad_byte() {
    let text = minimal().replacen("Minimal: a", "Minimal: é a", 1);
    let mut bytes = text.into_bytes();
    let at = bytes.windows(3).position(|w| w == b"a s").unwrap();
    bytes[at] = 0xff;
    let (line, col) = line_col(std::str::from_utf8(&bytes[..at]).unwrap(), at);
    let err = refused(&with_file(&bytes, &["validate", "s.ron"]));
    assert!(
        err.contains(&format!(
            "s.ron:{line}:{col}: not UTF-8 text (byte {at} is 0xff)"
        )),
        "{err}"
    );
    assert!(err.contains("save the file as UTF-8"), "{err}");
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.join("p.ron"),
        b"Policy(name: \"x\", description: \"\xc3(\")",
    )
    .unwrap();
    let err = refused(
        &sandbox
            .escalate()
            .args([
                "run",
                "scenarios/minimal.ron",
                "--policy",
                "p.ron",
                "--trials",
                "1",
            ])
            .run(),
    );
    assert!(
        err.contains("p.ron:1:33: not UTF-8 text (byte 32 is 0xc3)"),
        "{err}"
    );
}

/// After non-ASCII text on a line, ron's column (in characters) was added to
/// the line's start as bytes: the label landed left of the error, and the
/// location of a validation problem counted bytes. Both now count
/// characters, and the label sits under what it names.
#[test]
fn regression_labels_after_non_ascii_text_sit_under_the_value() {
    let base = minimal();
    let from = "(id: \"A\", kind: State, capability: 0.8, resolve: 0.6)";
    for (to, needle, says) in [
        (
            "(id: \"A\", kind: State, /* ééééé */ capability: 1.8, resolve: 0.6)",
            "1.8",
            "`actors.A.capability` is 1.8, outside its range",
        ),
        (
            "(id: \"A\", kind: State, /* ééééé */ capability: 0.8, resolv: 0.6)",
            "resolv",
            "Unexpected field named `resolv`",
        ),
    ] {
        let text = base.replacen(from, to, 1);
        let at = text.find(to).unwrap() + to.find(needle).unwrap();
        let (line, col) = line_col(&text, at);
        let err = refused(&with_file(&text, &["validate", "s.ron"]));
        assert!(
            err.contains(&format!("s.ron:{line}:{col}: {says}")),
            "{err}"
        );
        assert!(err.contains(&format!("╭─[s.ron:{line}:{col}]")), "{err}");
        // The snippet's line, then the label's underline: it starts at the
        // needle's character column within the shown line.
        let lines: Vec<&str> = err.lines().collect();
        let shown = lines
            .iter()
            .position(|l| l.contains("/* ééééé */"))
            .unwrap_or_else(|| panic!("no snippet:\n{err}"));
        let source_col = lines[shown].chars().position(|c| c == '(').unwrap();
        let underline = lines[shown + 1]
            .chars()
            .position(|c| matches!(c, '─' | '┬'))
            .unwrap_or_else(|| panic!("no label:\n{err}"));
        let in_line = to[..to.find(needle).unwrap()].chars().count();
        assert_eq!(underline, source_col + in_line, "{err}");
    }
}

/// A sweep over `Poisson(1e17)` never finished planning (the quantile
/// bisection could not narrow). Such a mean is refused before planning, in
/// the sweep's `--set` as in the file, and the search itself is bounded
/// (`core::quantile`'s regression test); nothing is written.
#[test]
fn regression_a_sweep_over_poisson_1e17_is_refused_not_planned_forever() {
    let sandbox = Sandbox::new();
    let text = minimal().replacen("militant: 0.3", "militant: Poisson(1e17)", 1);
    std::fs::write(sandbox.join("s.ron"), text).unwrap();
    for args in [
        &[
            "sweep",
            "scenarios/minimal.ron",
            "--design",
            "grid",
            "--points",
            "3",
            "--set",
            "actors.G.casualties.militant=Poisson(1e17)",
            "--trials",
            "10",
            "--out",
            "sw",
        ][..],
        &[
            "sweep",
            "s.ron",
            "--design",
            "grid",
            "--points",
            "3",
            "--set",
            "actors.G.fighters=1000..2000",
            "--trials",
            "10",
            "--out",
            "sw",
        ],
    ] {
        let err = refused(&sandbox.escalate().args(args).run());
        assert!(
            err.contains("Poisson(1e17)") && err.contains("above 1e6"),
            "{args:?}:\n{err}"
        );
        assert!(
            !sandbox.join("sw").exists(),
            "{args:?}: the sweep wrote its directory"
        );
    }
}
