//! Overrides and sweep factors on the command line: bad paths and values are
//! refused with exit 2, the nearest valid paths and nothing written; good ones
//! change exactly what they name; `escalate params` lists every path.

use std::path::Path;

use crate::harness::escalate;

/// The rows of a CSV file as maps from header to cell (no quoted commas in these files).
fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let s = std::fs::read_to_string(path).unwrap();
    let mut lines = s.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{l}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn run_refuses_an_unknown_path_and_names_the_nearest() {
    let o = escalate(&[
        "run",
        "minimal",
        "--trials",
        "10",
        "--set",
        "actors.G.atack_rate=0.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr_text();
    assert!(
        err.contains("no parameter at `actors.G.atack_rate`"),
        "{err}"
    );
    assert!(err.contains("actors.G.attack_rate"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn run_refuses_a_value_out_of_range() {
    let o = escalate(&[
        "run",
        "minimal",
        "--trials",
        "10",
        "--set",
        "actors.G.sanctuary=1.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr_text();
    assert!(err.contains("actors.G.sanctuary"), "{err}");
    assert!(err.contains("between 0 and 1"), "{err}");
}

#[test]
fn sweep_refuses_bad_factors_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    for (set, says) in [
        (
            "actors.G.atack_rate=0.1..0.5",
            "nearest valid paths: actors.G.attack_rate",
        ),
        ("actors.G.sanctuary=0.5..1.5", "between 0 and 1"),
        ("actors.G.sanctuary=Normal(0.5, 0.3)", "between 0 and 1"),
        ("actors.G.attack_rate=0.5..0.1", "reversed"),
        ("actors.G.attack_rate=[0.1]", "fewer than two"),
        ("actors.G.attack_rate=Uniform(1, 0)", "lo <= hi"),
        ("actors.G.attack_rate", "no `=`"),
    ] {
        let o = escalate(&[
            "sweep", "minimal", "--design", "lhs", "--points", "4", "--trials", "10", "--set", set,
            "--out", out_s,
        ]);
        assert_eq!(o.status.code(), Some(2), "{set}");
        let err = o.stderr_text();
        assert!(err.contains(says), "{set}: {err}");
        assert!(!out.exists(), "{set}: nothing may be written");
    }
    for (args, says) in [
        (
            vec!["--policy", "nonesuch", "--policy", "talks"],
            "no policy of that name",
        ),
        (vec![], "nothing to sweep"),
        (
            vec![
                "--set",
                "actors.G.attack_rate=0.1..0.2",
                "--set",
                "actors.G.attack_rate=0.3",
            ],
            "set twice",
        ),
    ] {
        let mut a = vec![
            "sweep", "minimal", "--design", "lhs", "--points", "4", "--out", out_s,
        ];
        a.extend(args);
        let o = escalate(&a);
        assert_eq!(o.status.code(), Some(2));
        assert!(o.stderr_text().contains(says), "{}", o.stderr_text());
        assert!(!out.exists());
    }
}

#[test]
fn params_lists_every_path_with_value_and_source_in_100_columns() {
    let o = escalate(&["params", "minimal"]);
    assert_eq!(o.status.code(), Some(0));
    let s = o.stdout_text();
    for line in s.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    let line_of = |path: &str| {
        s.lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("{path} missing:\n{s}"))
            .to_string()
    };
    let f = line_of("actors.G.fighters");
    assert!(f.contains("Uniform(1500, 2500)") && f.contains("assumption: uncertain strength"));
    assert!(line_of("actors.G.attack_rate").contains("0.3"));
    assert!(line_of("levers.strike.cost").contains("default value"));
    assert!(line_of("doctrines.A.rules[0].probability").contains("0.3"));
    // Every listed path is accepted by --set (and nothing else is listed as a
    // path; a rule's heading line ends its first word with a colon).
    let paths: Vec<&str> = s
        .lines()
        .skip(1)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| !w.ends_with(':'))
        .collect();
    assert!(paths.len() >= 30, "{paths:?}");
    let total: usize = s
        .lines()
        .rev()
        .find_map(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap();
    assert_eq!(paths.len(), total, "the footer counts the listed paths");
}

#[test]
fn fixed_overrides_and_factors_change_what_they_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    // No attacks at all: every point's attack count must be 0 whatever the factor.
    let o = escalate(&[
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "5",
        "--trials",
        "50",
        "--set",
        "actors.G.attack_rate=0",
        "--set",
        "levers.strike.civilians_killed=0..20",
        "--out",
        out.to_str().unwrap(),
    ]);
    o.assert_code(0);
    let rows = csv_rows(&out.join("points.csv"));
    assert_eq!(rows.len(), 5);
    let mut seen = Vec::new();
    for r in &rows {
        assert_eq!(r["attacks_mean"], "0");
        let v: f64 = r["levers.strike.civilians_killed"].parse().unwrap();
        assert!((0.0..=20.0).contains(&v));
        // Latin hypercube: one point in each fifth of the range.
        seen.push((v / 4.0).floor() as usize);
    }
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
}

/// A sweep point is the same run as `escalate run` with the same settings:
/// its digest equals the run's, for a list factor and a policy factor.
#[test]
fn each_point_equals_the_plain_run_with_its_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("g");
    let o = escalate(&[
        "sweep",
        "minimal",
        "--design",
        "grid",
        "--set",
        "actors.G.attack_rate=[0.2, 0.4]",
        "--policy",
        "baseline",
        "--policy",
        "talks",
        "--trials",
        "300",
        "--seed",
        "11",
        "--out",
        out.to_str().unwrap(),
    ]);
    o.assert_code(0);
    let rows = csv_rows(&out.join("points.csv"));
    assert_eq!(rows.len(), 4);
    let mut digests = Vec::new();
    for r in &rows {
        let rate = &r["actors.G.attack_rate"];
        let policy = &r["policy"];
        let mut args = vec![
            "run".to_string(),
            "minimal".into(),
            "--trials".into(),
            "300".into(),
            "--seed".into(),
            "11".into(),
            "--set".into(),
            format!("actors.G.attack_rate={rate}"),
            "--json".into(),
            tmp.path().join("r.json").to_str().unwrap().into(),
        ];
        if policy != "baseline" {
            args.extend(["--policy".into(), policy.clone()]);
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = escalate(&a);
        run.assert_code(0);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("r.json")).unwrap()).unwrap();
        assert_eq!(
            json["digest"].as_str().unwrap(),
            r["digest"],
            "{rate} {policy}"
        );
        digests.push(r["digest"].clone());
    }
    digests.sort();
    digests.dedup();
    assert_eq!(
        digests.len(),
        4,
        "the four settings are four different runs"
    );
}
