//! A policy factor (`--policy A --policy B ...`) is categorical, and the
//! sensitivity indices treat it so (src/sweep/analysis.rs, docs/sweeps.md):
//! SRC and PRCC dummy-code it (three or more policies: no single SRC or PRCC
//! of its own, the other inputs' adjusted for it), and its Morris effect is
//! the output's change when the policy switches. Each is checked against the
//! figures recomputed here from `points.csv`.

use std::path::Path;

use serde_json::Value;

use crate::harness::Sandbox;

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `points.csv`: the header and the rows, as text.
fn points(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = header.iter().position(|h| h == name).unwrap();
    rows.iter().map(|r| r[i].clone()).collect()
}

fn numbers(texts: &[String]) -> Vec<f64> {
    texts.iter().map(|t| t.parse().unwrap()).collect()
}

/// `output`'s row for `input` in sensitivity.json.
fn indices<'a>(j: &'a Value, output: &str, input: &str) -> &'a Value {
    let o = j["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["output"] == output)
        .unwrap_or_else(|| panic!("no output {output}"));
    o["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"] == input)
        .unwrap_or_else(|| panic!("{output} has no input {input}: {o}"))
}

/// Least squares of `y` on the columns `x` and an intercept (normal
/// equations, Gauss-Jordan with partial pivoting); the coefficients of `x`.
fn least_squares(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let k = x.len() + 1;
    let row =
        |j: usize| -> Vec<f64> { std::iter::once(1.0).chain(x.iter().map(|c| c[j])).collect() };
    let mut a = vec![vec![0.0; k + 1]; k];
    for (j, &yj) in y.iter().enumerate() {
        let r = row(j);
        for p in 0..k {
            for q in 0..k {
                a[p][q] += r[p] * r[q];
            }
            a[p][k] += r[p] * yj;
        }
    }
    for c in 0..k {
        let p = (c..k)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, p);
        let pivot = a[c].clone();
        for (i, r) in a.iter_mut().enumerate() {
            if i != c {
                let f = r[c] / pivot[c];
                for (v, p) in r.iter_mut().zip(&pivot).skip(c) {
                    *v -= f * p;
                }
            }
        }
    }
    (1..k).map(|c| a[c][k] / a[c][c]).collect()
}

fn sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
}

/// Regression: SRC and PRCC took a policy factor as its position in the
/// `--policy` list (baseline 0, strike 1, talks 2), as if talks were "twice"
/// strike. Three policies are now three categories: the attack rate's SRC is
/// that of a fit with one dummy per policy after the first, and the policy
/// has no single SRC or PRCC (null, an empty cell), ranked last, with a note
/// in sensitivity.json, sensitivity.csv, the summary and the page.
#[test]
fn regression_a_policy_factor_of_three_policies_is_dummy_coded_not_ordinal() {
    let s = Sandbox::new();
    let run = s.run(&[
        "sweep",
        "pak-afghan-2024",
        "--design",
        "lhs",
        "--points",
        "24",
        "--set",
        "actors.TTP.attack_rate=0.3..0.45",
        "--policy",
        "baseline",
        "--policy",
        "strike",
        "--policy",
        "talks",
        "--trials",
        "100",
        "--seed",
        "4",
        "--quiet",
        "--out",
        "sw",
    ]);
    run.assert_success();
    let (header, rows) = points(&s.join("sw/points.csv"));
    let rate = numbers(&column(&header, &rows, "actors.TTP.attack_rate"));
    let policy = column(&header, &rows, "policy");
    let deaths = numbers(&column(&header, &rows, "deaths_mean"));
    for p in ["baseline", "strike", "talks"] {
        assert!(policy.iter().any(|q| q == p), "no point runs {p}");
    }
    let dummy = |p: &str| -> Vec<f64> {
        policy
            .iter()
            .map(|q| if q == p { 1.0 } else { 0.0 })
            .collect()
    };
    let b = least_squares(&[rate.clone(), dummy("strike"), dummy("talks")], &deaths);
    let want = b[0] * sd(&rate) / sd(&deaths);
    let j = json(&s.join("sw/sensitivity.json"));
    let got = indices(&j, "deaths_mean", "actors.TTP.attack_rate")["src"]
        .as_f64()
        .unwrap();
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "SRC of the attack rate {got}, a dummy-coded fit gives {want}"
    );
    let p = indices(&j, "deaths_mean", "policy");
    assert!(p["src"].is_null() && p["prcc"].is_null(), "{p}");
    assert_eq!(p["rank"], 2, "{p}");
    assert!(p["note"].as_str().unwrap().contains("dummy-coded"), "{p}");
    // Numeric inputs carry no note.
    assert!(
        indices(&j, "deaths_mean", "actors.TTP.attack_rate")
            .get("note")
            .is_none()
    );
    let csv = std::fs::read_to_string(s.join("sw/sensitivity.csv")).unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with("deaths_mean,policy,"))
        .unwrap();
    assert!(
        line.starts_with("deaths_mean,policy,2,,,") && line.contains("dummy-coded"),
        "{line}"
    );
    let out = run.stdout_text();
    assert!(out.contains("no single PRCC or SRC (categorical"), "{out}");
    assert!(
        out.contains("input policy: categorical (3 policies)"),
        "{out}"
    );
    let page = std::fs::read_to_string(s.join("sw/sweep.html")).unwrap();
    assert!(page.contains("no single PRCC or SRC (categorical)"));
    assert!(!page.contains("NaN"), "a NaN reached the page");
}

/// Two policies are one 0/1 dummy: their SRC is the fit's coefficient of it.
#[test]
fn a_policy_factor_of_two_policies_is_one_dummy() {
    let s = Sandbox::new();
    s.run(&[
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "16",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--policy",
        "baseline",
        "--policy",
        "talks",
        "--trials",
        "200",
        "--quiet",
        "--out",
        "sw",
    ])
    .assert_success();
    let (header, rows) = points(&s.join("sw/points.csv"));
    let rate = numbers(&column(&header, &rows, "actors.G.attack_rate"));
    let talks: Vec<f64> = column(&header, &rows, "policy")
        .iter()
        .map(|q| if q == "talks" { 1.0 } else { 0.0 })
        .collect();
    let deaths = numbers(&column(&header, &rows, "deaths_mean"));
    let b = least_squares(&[rate, talks.clone()], &deaths);
    let want = b[1] * sd(&talks) / sd(&deaths);
    let j = json(&s.join("sw/sensitivity.json"));
    let p = indices(&j, "deaths_mean", "policy");
    let got = p["src"].as_f64().unwrap();
    assert!((got - want).abs() <= 1e-9, "SRC {got}, the dummy's {want}");
    assert!(p["note"].as_str().unwrap().contains("0/1 dummy"), "{p}");
}

/// Regression: a policy factor's Morris effect was divided by the unit step
/// Δ = p / (2 (p - 1)) like a numeric input's (so at p = 4 it read 1.5 times
/// the change a switch of policy makes), though a policy has no range to
/// scale to. It is now the change itself: mu* is the mean absolute change of
/// the output over the trajectories' policy switches, mu the mean change from
/// the first policy to the second.
#[test]
fn regression_morris_effect_of_a_policy_is_the_change_on_switching() {
    let s = Sandbox::new();
    s.run(&[
        "sweep",
        "minimal",
        "--design",
        "morris",
        "--points",
        "6",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--policy",
        "baseline",
        "--policy",
        "talks",
        "--trials",
        "200",
        "--quiet",
        "--out",
        "sw",
    ])
    .assert_success();
    let (header, rows) = points(&s.join("sw/points.csv"));
    let policy = column(&header, &rows, "policy");
    let deaths = numbers(&column(&header, &rows, "deaths_mean"));
    // 6 trajectories of k + 1 = 3 points, in point order; the policy moves once in each.
    assert_eq!(rows.len(), 18);
    let mut changes = Vec::new();
    for t in 0..6 {
        for step in 1..3 {
            let (a, b) = (3 * t + step - 1, 3 * t + step);
            if policy[a] != policy[b] {
                let up = deaths[b] - deaths[a];
                changes.push(if policy[b] == "talks" { up } else { -up });
            }
        }
    }
    assert_eq!(changes.len(), 6, "{policy:?}");
    let mu = changes.iter().sum::<f64>() / 6.0;
    let mu_star = changes.iter().map(|c| c.abs()).sum::<f64>() / 6.0;
    let j = json(&s.join("sw/sensitivity.json"));
    let p = indices(&j, "deaths_mean", "policy");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(
        close(p["mu_star"].as_f64().unwrap(), mu_star),
        "{p}, mu* {mu_star}"
    );
    assert!(close(p["mu"].as_f64().unwrap(), mu), "{p}, mu {mu}");
    assert!(
        p["note"]
            .as_str()
            .unwrap()
            .contains("when the policy switches"),
        "{p}"
    );
}
