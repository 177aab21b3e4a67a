//! A Sobol sweep says when its indices are not to be trusted: below
//! `MIN_BASE_SAMPLES` (64) base samples the terminal (before and after the
//! run), `sensitivity.json` and `sweep.html` carry a warning; at 64 none does.
//! Adjacent ranks whose ST intervals overlap are listed in the JSON and named
//! in the terminal. A Sobol directory of an earlier build (unscrambled points)
//! is refused, not resumed.

use std::path::Path;

use serde_json::Value;

use crate::harness::Sandbox;

/// `escalate sweep minimal --design sobol --points N` over the attack rate
/// and the strikes' civilian toll, 20 trials.
fn sobol(s: &Sandbox, n: &str, out: &str) -> crate::harness::Run {
    sobol_of(s, n, out, "levers.strike.civilians_killed=2..15")
}

/// The same with `second` as the second input.
fn sobol_of(s: &Sandbox, n: &str, out: &str, second: &str) -> crate::harness::Run {
    s.run(&[
        "sweep",
        "minimal",
        "--design",
        "sobol",
        "--points",
        n,
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--set",
        second,
        "--trials",
        "20",
        "--seed",
        "9",
        "--out",
        out,
    ])
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_sobol_sweep_below_64_base_samples_says_so_everywhere() {
    let s = Sandbox::new();
    let run = sobol(&s, "16", "small");
    run.assert_success();
    let (out, err) = (run.stdout_text(), run.stderr_text());
    let warning = "warning: N = 16 base samples is below 64";
    assert!(err.contains(warning), "{err}");
    assert!(out.contains(warning), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    let j = json(&s.join("small/sensitivity.json"));
    let warnings = j["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().contains("--points 64"));
    let page = std::fs::read_to_string(s.join("small/sweep.html")).unwrap();
    assert!(page.contains("<p class=\"warning\"><b>Warning:</b> N = 16 base samples is below 64"));
    // Not a power of two is said too.
    let run = sobol(&s, "24", "odd");
    run.assert_success();
    assert!(run.stdout_text().contains("N = 24 is not a power of two"));
}

#[test]
fn at_64_base_samples_there_is_no_warning() {
    let s = Sandbox::new();
    let run = sobol(&s, "64", "ok");
    run.assert_success();
    assert!(
        !run.stdout_text().contains("warning"),
        "{}",
        run.stdout_text()
    );
    assert!(
        !run.stderr_text().contains("warning"),
        "{}",
        run.stderr_text()
    );
    let j = json(&s.join("ok/sensitivity.json"));
    assert_eq!(j["warnings"], serde_json::json!([]));
    let page = std::fs::read_to_string(s.join("ok/sweep.html")).unwrap();
    assert!(!page.contains("class=\"warning\""));
}

/// The JSON lists exactly the adjacent ranks whose ST intervals overlap
/// (checked here from its own intervals), and the terminal names those
/// among its top three. The attack rate and the fighters (attacks per day
/// per 1,000 fighters) move the attack count about equally over these ranges.
#[test]
fn overlapping_intervals_of_adjacent_ranks_are_reported() {
    let s = Sandbox::new();
    let run = sobol_of(&s, "16", "small", "actors.G.fighters=1000..3000");
    run.assert_success();
    let out = run.stdout_text();
    let j = json(&s.join("small/sensitivity.json"));
    let mut named = 0;
    for o in j["outputs"].as_array().unwrap() {
        let mut rows: Vec<&Value> = o["inputs"].as_array().unwrap().iter().collect();
        rows.sort_by_key(|r| r["rank"].as_u64().unwrap());
        let mut want = Vec::new();
        for w in rows.windows(2) {
            let (a, b) = (&w[0]["ST_ci95"], &w[1]["ST_ci95"]);
            if a[0].as_f64().unwrap() <= b[1].as_f64().unwrap() {
                want.push(serde_json::json!([w[0]["rank"], w[1]["rank"]]));
            }
        }
        assert_eq!(o["unresolved_ranks"], Value::Array(want.clone()), "{o}");
        if !want.is_empty() {
            // The output's block in the terminal, if it is charted there.
            let name = format!("  {}\n", o["output"].as_str().unwrap());
            if let Some(at) = out.find(&name) {
                let block = &out[at + name.len()..];
                let block = &block[..block.find("\n  p").unwrap_or(block.len())];
                assert!(
                    block.contains("not told apart (ST intervals overlap): ranks 1 and 2"),
                    "{block}"
                );
                named += 1;
            }
        }
    }
    assert!(
        named > 0,
        "no charted output had overlapping ranks at N = 16:\n{out}"
    );
}

/// Regression guard for the changed design: a Sobol directory written by an
/// earlier build (unscrambled points, no `sobol_points` in its identity) is
/// refused with the field that differs, not resumed with other points.
#[test]
fn a_sobol_directory_of_an_earlier_build_is_refused() {
    let s = Sandbox::new();
    sobol(&s, "16", "d").assert_success();
    let path = s.join("d/sweep.json");
    let mut m = json(&path);
    m["identity"]
        .as_object_mut()
        .unwrap()
        .remove("sobol_points");
    m["fingerprint"] = Value::String("0".repeat(64));
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let run = sobol(&s, "16", "d");
    run.assert_code(2);
    let err = run.stderr_text();
    assert!(
        err.contains("sobol_points: null there, \"owen-scrambled\" here"),
        "{err}"
    );
}
