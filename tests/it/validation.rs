//! Bad input: `escalate validate FILE` and `escalate run FILE` on broken
//! scenarios (tests/fixtures/invalid/, each a one-change copy of
//! scenarios/minimal.ron) and bad `--set` overrides.
//!
//! Each case must: exit 2; name `file:line:col` of the offending value (the
//! expected position is computed from the fixture's text, so editing a fixture
//! cannot silently make the test vacuous); say what is wrong and how to fix it;
//! never panic; write nothing (a `--json` target does not appear).

use crate::harness::{Run, command, project};

fn escalate(args: &[&str]) -> Run {
    command().env("COLUMNS", "100").args(args).run()
}

/// stderr with the diagnostic's frame removed and wrapped lines joined, so a
/// message can be matched whatever the terminal width.
fn flat(o: &Run) -> String {
    let raw = String::from_utf8_lossy(&o.stderr);
    let mut s = String::new();
    for line in raw.lines() {
        let t = line.trim_start_matches([' ', '│', '×', '·']).trim();
        s.push_str(t);
        s.push(' ');
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn raw_stderr(o: &Run) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 1-based line and column of the first occurrence of `needle` in the file.
fn position_of(file: &str, needle: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(project(file)).expect("fixture readable");
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in {file}"));
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` must be unique in {file}"
    );
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Runs `validate FILE` and `run FILE --json TMP`, checks the common promises
/// and returns both outputs' flattened stderr.
fn both_refuse(file: &str) -> [String; 2] {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("out.json");
    let v = escalate(&["validate", file]);
    let r = escalate(&[
        "run",
        file,
        "--trials",
        "10",
        "--quiet",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    for (what, o) in [("validate", &v), ("run", &r)] {
        let err = raw_stderr(o);
        assert_eq!(o.status.code(), Some(2), "{what} {file}: exit code\n{err}");
        assert!(!err.contains("panicked"), "{what} {file} panicked:\n{err}");
        assert!(
            o.stdout.is_empty(),
            "{what} {file}: nothing on stdout, got:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(
            flat(o).contains("help:"),
            "{what} {file}: no help line:\n{err}"
        );
    }
    assert!(!json.exists(), "run {file}: the --json file was written");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "run {file}: something was written next to the --json target"
    );
    [flat(&v), flat(&r)]
}

/// `file:line:col` of `needle`, as the diagnostics print it.
fn location(file: &str, needle: &str) -> String {
    let (line, col) = position_of(file, needle);
    format!("{file}:{line}:{col}")
}

fn assert_has(stderr: &[String; 2], file: &str, parts: &[&str]) {
    for (what, s) in ["validate", "run"].iter().zip(stderr) {
        for p in parts {
            assert!(s.contains(p), "{what} {file}: stderr lacks `{p}`:\n{s}");
        }
    }
}

#[test]
fn unknown_actor_in_a_rule() {
    let f = "tests/fixtures/invalid/unknown_actor.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "\"Q\""),
            "unknown actor `Q`",
            "use one of the actor ids: A, B, G",
        ],
    );
}

#[test]
fn probability_above_one() {
    let f = "tests/fixtures/invalid/probability.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "1.5"),
            "`doctrines.A.rules[0].probability` is 1.5",
            "use a number between 0 and 1",
        ],
    );
}

#[test]
fn negative_fighters() {
    let f = "tests/fixtures/invalid/negative_fighters.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "-400"),
            "`actors.G.fighters` is -400",
            "use a number from 0 to 1e8",
        ],
    );
}

#[test]
fn ron_syntax_error() {
    // A missing comma between `kind: State` and `capability`: reported where
    // the comma should be, i.e. at `capability`.
    let f = "tests/fixtures/invalid/syntax.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "capability: 0.4"),
            "Expected comma",
            "check brackets, commas and quotes",
        ],
    );
}

#[test]
fn unknown_field() {
    let f = "tests/fixtures/invalid/unknown_field.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "resolv:"),
            "Unexpected field named `resolv`",
            "`resolve`", // the expected fields are listed
            "did you mean `resolve`?",
        ],
    );
}

#[test]
fn bad_distribution() {
    // `Normal(1)`: Normal takes (mean, sd) or (mean, sd, min, max). ron reports
    // custom errors at the last token it read, so the column may be anywhere
    // inside the value (today: its closing parenthesis), never outside it.
    let f = "tests/fixtures/invalid/bad_distribution.ron";
    let e = both_refuse(f);
    let (line, col) = position_of(f, "Normal(1)");
    let cols: Vec<String> = (col..col + "Normal(1)".len())
        .map(|c| format!("{f}:{line}:{c}"))
        .collect();
    for (what, s) in ["validate", "run"].iter().zip(&e) {
        assert!(
            cols.iter().any(|c| s.contains(c.as_str())),
            "{what}: no location on line {line} within `Normal(1)` (columns {col}..{}):\n{s}",
            col + 8
        );
    }
    assert_has(&e, f, &["expected a parameter", "Normal(mean, sd)"]);
}

#[test]
fn several_problems_are_all_listed() {
    let f = "tests/fixtures/invalid/several.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            "3 problems found",
            &location(f, "\"Q\""),
            "unknown actor `Q`",
            &location(f, "1.5"),
            "`doctrines.A.rules[0].probability` is 1.5",
            &location(f, "-400"),
            "`actors.G.fighters` is -400",
        ],
    );
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let e = both_refuse("tests/fixtures/invalid/no-such-file.ron");
    assert_has(
        &e,
        "no-such-file.ron",
        &["cannot read scenario tests/fixtures/invalid/no-such-file.ron"],
    );
}

/// Issue 11's top fuzz finding: `Poisson(1e20)` (a mean above u64's range)
/// passed validation and the sampler panicked. Now refused at its place, with
/// the limit and what to write instead, in the file, in `--set` and in a
/// policy's `set` alike.
#[test]
fn poisson_1e20_is_refused_at_its_place_not_a_panic() {
    let f = "tests/fixtures/invalid/poisson_above_limit.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "Poisson(1e20)"),
            "Poisson(1e20): lambda is above 1e6",
            "help: for a count this large write Normal(1e20, 1.000e10, 0, 2e20)",
        ],
    );
    let (code, err, written) = run_with_set("actors.G.casualties.militant=Poisson(1e20)");
    assert_eq!(code, Some(2), "{err}");
    assert!(!written);
    assert!(
        err.contains("above 1e6") && err.contains("Normal(1e20, 1.000e10, 0, 2e20)"),
        "{err}"
    );
    // At the limit itself it runs (on a parameter whose range holds its draws).
    let (code, err, _) = run_with_set("actors.B.refugees=Poisson(1e6)");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn the_fixtures_are_minimal_with_one_change() {
    // Control: the unbroken original passes, so each failure above is the change.
    let o = escalate(&["validate", "scenarios/minimal.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", raw_stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("valid"));
}

/// Runs `run scenarios/minimal.ron --set S --json TMP`; returns (exit code, flat stderr, json written).
fn run_with_set(set: &str) -> (Option<i32>, String, bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("out.json");
    let o = escalate(&[
        "run",
        "scenarios/minimal.ron",
        "--trials",
        "20",
        "--quiet",
        "--set",
        set,
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert!(!raw_stderr(&o).contains("panicked"), "{}", raw_stderr(&o));
    (o.status.code(), flat(&o), json.exists())
}

#[test]
fn set_with_an_unknown_path_lists_the_nearest_paths() {
    let (code, err, written) = run_with_set("actors.G.fighter=3000");
    assert_eq!(code, Some(2), "{err}");
    assert!(!written);
    assert!(err.contains("no parameter at `actors.G.fighter`"), "{err}");
    assert!(
        err.contains("nearest valid paths: actors.G.fighters"),
        "{err}"
    );
    assert!(err.contains("escalate params"), "{err}");
}

#[test]
fn set_with_a_value_out_of_range_is_refused() {
    for (set, range) in [
        ("actors.G.sanctuary=1.5", "between 0 and 1"),
        ("actors.G.sanctuary=Uniform(0.5, 1.2)", "between 0 and 1"),
        ("levers.strike.militants_killed=-3", "from 0 to 1e6"),
        ("doctrines.A.rules[0].probability=2", "between 0 and 1"),
    ] {
        let (code, err, written) = run_with_set(set);
        assert_eq!(code, Some(2), "--set {set}: {err}");
        assert!(!written, "--set {set}: JSON written");
        let path = set.split('=').next().expect("path");
        assert!(err.contains(&format!("`{path}`")), "--set {set}: {err}");
        assert!(err.contains(range), "--set {set}: {err}");
    }
    // Control: an admissible value runs and writes.
    let (code, err, written) = run_with_set("actors.G.sanctuary=Uniform(0.5, 0.9)");
    assert_eq!(code, Some(0), "{err}");
    assert!(written);
}

// ---- One problem, one report, with a help line that fits it ------------------

#[test]
fn regression_a_typo_inside_a_policy_is_reported_once() {
    // A lever misspelt in a rule a policy adds used to be reported twice: at
    // the rule, and again for the whole policy "with policy `talks` applied".
    let f = "tests/fixtures/invalid/policy_typo.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            "1 problem found",
            &location(f, "\"tlaks\""),
            "unknown lever `tlaks`",
            "did you mean `talks`?",
        ],
    );
    for s in &e {
        assert!(!s.contains("with policy"), "reported twice:\n{s}");
    }
}

#[test]
fn regression_an_integer_out_of_range_is_not_told_to_check_brackets() {
    // `cooldown: 99999999999` (a u32) used to get "check brackets, commas and quotes".
    let f = "tests/fixtures/invalid/integer_out_of_range.ron";
    let e = both_refuse(f);
    assert_has(
        &e,
        f,
        &[
            &location(f, "99999999999"),
            "Integer is out of bounds",
            "a whole number from 0 to 4294967295 goes here",
        ],
    );
    for s in &e {
        assert!(!s.contains("check brackets"), "{s}");
    }
}

#[test]
fn a_fraction_where_a_whole_number_goes_gets_a_fitting_help_line() {
    // ron reads `2` of `2.5` and then wants a comma at `.5`.
    let f = "tests/fixtures/invalid/fractional_days.ron";
    let e = both_refuse(f);
    let (line, col) = position_of(f, "2.5,");
    assert_has(
        &e,
        f,
        &[
            &format!("{f}:{line}:{}", col + 1),
            "a whole number goes here",
        ],
    );
    for s in &e {
        assert!(!s.contains("check brackets"), "{s}");
    }
}

/// Writes `text` as `s.ron` in a fresh sandbox and runs `validate s.ron` and
/// `run s.ron --json out.json` there: both must exit 2 without a panic,
/// print nothing on stdout, say `help:` and write nothing. Returns both
/// stderrs, flattened, and the width of their widest line.
fn both_refuse_text(text: &str) -> ([String; 2], usize) {
    let sandbox = crate::harness::Sandbox::new();
    std::fs::write(sandbox.join("s.ron"), text).expect("write s.ron");
    let v = sandbox
        .escalate()
        .env("COLUMNS", "100")
        .args(["validate", "s.ron"])
        .run();
    let r = sandbox
        .escalate()
        .env("COLUMNS", "100")
        .args(["run", "s.ron", "--trials", "10", "-q", "--json", "out.json"])
        .run();
    for (what, o) in [("validate", &v), ("run", &r)] {
        let err = raw_stderr(o);
        assert_eq!(o.status.code(), Some(2), "{what}: exit code\n{err}");
        assert!(!err.contains("panicked"), "{what} panicked:\n{err}");
        assert!(o.stdout.is_empty(), "{what}: stdout not empty");
        assert!(flat(o).contains("help:"), "{what}: no help line:\n{err}");
    }
    assert!(!sandbox.join("out.json").exists(), "run wrote its --json");
    let widest = [&v, &r]
        .iter()
        .flat_map(|o| {
            raw_stderr(o)
                .lines()
                .map(|l| l.chars().count())
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0);
    ([flat(&v), flat(&r)], widest)
}

/// The flagship's text with `from` (which must occur) replaced by `to` once.
fn flagship_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(project("scenarios/pak-afghan-2024.ron")).unwrap();
    assert!(text.contains(from), "`{from}` not in the flagship");
    text.replacen(from, to, 1)
}

#[test]
fn misspelt_names_get_the_name_meant_not_the_whole_list() {
    for (from, to, says, not) in [
        // An actor: `host: "Talibn"` used to list every actor id.
        (
            "host: \"Taliban\"",
            "host: \"Talibn\"",
            "did you mean `Taliban`?",
            "use one of the actor ids",
        ),
        // A lever.
        (
            "then: \"airstrike\"",
            "then: \"airstrik\"",
            "did you mean `airstrike`?",
            "use one of the lever ids",
        ),
        // A rung.
        (
            "rung: \"open_war\"",
            "rung: \"open_wr\"",
            "did you mean `open_war`?",
            "use one of the ladder's rungs",
        ),
        // A rule a policy disables.
        (
            "disable: [\"Pakistan/reopen-when-calm\"]",
            "disable: [\"Pakistan/reopen-when-clam\"]",
            "did you mean `Pakistan/reopen-when-calm`?",
            "write \"Actor/rule-name\"",
        ),
        // A field and a variant (ron's errors).
        (
            "attack_rate:",
            "atack_rate:",
            "did you mean `attack_rate`?",
            "remove the field",
        ),
        (
            "kind: State",
            "kind: Stat",
            "did you mean `State`?",
            "use one of the variants",
        ),
    ] {
        let (e, _) = both_refuse_text(&flagship_with(from, to));
        for s in &e {
            assert!(s.contains(says), "{to}: stderr lacks `{says}`:\n{s}");
            assert!(!s.contains(not), "{to}: still lists everything:\n{s}");
        }
    }
}

#[test]
fn a_misspelt_policy_is_named_on_the_command_line_too() {
    for args in [
        vec!["run", "--policy", "strke", "--trials", "10", "-q"],
        vec!["compare", "--policy", "strke", "--trials", "10", "-q"],
        vec!["trace", "--policy", "strke"],
        vec![
            "sweep", "--design", "lhs", "--points", "2", "--policy", "baseline", "--policy",
            "strke", "--out", "d",
        ],
    ] {
        let o = escalate(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", raw_stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(
            flat(&o).contains("did you mean `strike`?"),
            "{args:?}: {}",
            raw_stderr(&o)
        );
    }
}

#[test]
fn an_unbounded_distribution_on_a_bounded_parameter_is_shown_its_bounded_form() {
    // `Normal(2000, 300)` can be negative: refused, with the bounded form to write.
    let (code, err, written) = run_with_set("actors.G.fighters=Normal(2000, 300)");
    assert_eq!(code, Some(2), "{err}");
    assert!(!written);
    assert!(
        err.contains("can fall outside the range of `actors.G.fighters`"),
        "{err}"
    );
    assert!(err.contains("Normal(2000, 300, 0, inf)"), "{err}");
    // What it says to write is accepted.
    let (code, err, written) = run_with_set("actors.G.fighters=Normal(2000, 300, 0, inf)");
    assert_eq!(code, Some(0), "{err}");
    assert!(written);
    // A share: bounded to 0..1.
    let (code, err, _) = run_with_set("actors.G.sanctuary=Normal(0.5, 0.2)");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("Normal(0.5, 0.2, 0, 1)"), "{err}");
    let (code, err, _) = run_with_set("actors.G.sanctuary=Normal(0.5, 0.2, 0, 1)");
    assert_eq!(code, Some(0), "{err}");
    // The same in a scenario file.
    let text = std::fs::read_to_string(project("scenarios/minimal.ron")).unwrap();
    let (e, _) = both_refuse_text(&text.replacen("Uniform(1500, 2500)", "Normal(1500, 300)", 1));
    for s in &e {
        assert!(s.contains("Normal(1500, 300, 0, inf)"), "{s}");
    }
}

#[test]
fn regression_an_error_past_column_65535_renders_without_a_panic() {
    // miette pads a label to its column with a format width, and Rust refuses
    // widths above 65,535: any error located past that column of a line used to
    // panic the renderer. A scenario on one line, pushed 70,000 columns right.
    let text = std::fs::read_to_string(project("scenarios/minimal.ron")).unwrap();
    let one_line: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
        .collect::<Vec<_>>()
        .join(" ");
    let one_line = format!("{}{one_line}", " ".repeat(70_000));
    for (from, to, says) in [
        // A problem found by validation.
        (
            "fighters: Uniform(1500, 2500)",
            "fighters: -5",
            "outside its range",
        ),
        // A syntax error.
        (
            "recruitment:",
            "recruitmnt:",
            "Unexpected field named `recruitmnt`",
        ),
    ] {
        assert!(one_line.contains(from));
        let bad = one_line.replacen(from, to, 1);
        let col = bad.find(&to[..to.find(':').unwrap()]).unwrap();
        let (e, widest) = both_refuse_text(&bad);
        // Only a window of the 70,000-column line is shown.
        assert!(widest <= 200, "a line of {widest} columns");
        for s in &e {
            assert!(s.contains(says), "{s}");
            // The exact place: past column 65,535 (a value's column, or the
            // field's, depending on what is wrong).
            let at = s
                .split("s.ron:1:")
                .nth(1)
                .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no s.ron:1:COL in:\n{s}"));
            assert!(
                at > 65_535 && at <= col + 20,
                "column {at}, value at {col}:\n{s}"
            );
        }
    }
}
