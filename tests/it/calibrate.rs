//! `escalate calibrate` on the bundled 2021–2023 scenario and the shipped
//! observed series: byte-identical files for any `--threads`, after a resume
//! from any finished generation's checkpoint; a directory holding another
//! calibration is refused; the posterior moves from the prior toward the data;
//! the page draws every parameter and every observed series, and the
//! posterior-predictive bands are ordered quantiles.

use std::path::Path;

use crate::harness::{Sandbox, project};

const FILES: [&str; 5] = [
    "state.json",
    "generations.csv",
    "posterior.csv",
    "calibration.json",
    "calibration.html",
];

fn args(out: &Path, seed: &str, threads: &str) -> Vec<String> {
    let observed = project("data/observed/pak-afghan-2021-2023.csv");
    [
        "calibrate",
        "pak-afghan-2021",
        "--observed",
        observed.to_str().unwrap(),
        "--prior",
        "actors.TTP.attack_rate=Uniform(0.05, 0.35)",
        "--prior",
        "levers.takeover_release.recruitment=Uniform(0, 0.0015)",
        "--particles",
        "30",
        "--trials-per-particle",
        "8",
        "--generations",
        "3",
        "--seed",
        seed,
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

fn assert_same(a: &Path, b: &Path) {
    for f in FILES {
        assert!(
            read(a, f) == read(b, f),
            "{f} differs between {a:?} and {b:?}"
        );
    }
}

#[test]
fn calibrate_gives_the_same_bytes_for_any_thread_count() {
    let s = Sandbox::new();
    let (one, two) = (s.join("one"), s.join("two"));
    s.run(&args(&one, "7", "1")).assert_success();
    s.run(&args(&two, "7", "2")).assert_success();
    assert_same(&one, &two);
    let generations = String::from_utf8(read(&one, "generations.csv")).unwrap();
    assert_eq!(generations.lines().count(), 1 + 3, "{generations}");
    assert!(
        generations
            .starts_with("generation,tolerance,proposed,simulated,accepted,acceptance_rate,ess\n")
    );
}

#[test]
fn calibrate_resumes_from_any_generation_to_the_same_bytes() {
    let s = Sandbox::new();
    let whole = s.join("whole");
    s.run(&args(&whole, "11", "2")).assert_success();
    let state: serde_json::Value = serde_json::from_slice(&read(&whole, "state.json")).unwrap();
    for keep in 1..3 {
        // What a run killed after generation keep-1 leaves: its checkpoint.
        let dir = s.join(format!("cut-{keep}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cut = state.clone();
        cut["state"]["generations"]
            .as_array_mut()
            .unwrap()
            .truncate(keep);
        cut["state"]["stopped"] = serde_json::Value::Null;
        std::fs::write(dir.join("state.json"), serde_json::to_vec(&cut).unwrap()).unwrap();
        let o = s.run(&args(&dir, "11", "1"));
        o.assert_success();
        assert_same(&whole, &dir);
    }
}

#[test]
fn a_directory_holding_another_calibration_is_refused() {
    let s = Sandbox::new();
    let dir = s.join("c");
    s.run(&args(&dir, "3", "2")).assert_success();
    let before = read(&dir, "state.json");
    let o = s.run(&args(&dir, "4", "2"));
    o.assert_code(2);
    assert!(
        o.stderr_text().contains("holds a different calibration"),
        "{}",
        o.stderr_text()
    );
    assert_eq!(read(&dir, "state.json"), before);
}

#[test]
fn the_posterior_narrows_and_says_which_records_it_fits() {
    let s = Sandbox::new();
    let dir = s.join("c");
    let o = s.run(&args(&dir, "5", "2"));
    o.assert_success();
    let out = o.stdout_text();
    assert!(out.contains("targets of 57 records"), "{out}");
    let cal: serde_json::Value = serde_json::from_slice(&read(&dir, "calibration.json")).unwrap();
    let targets = cal["targets"].as_array().unwrap();
    let unused = cal["unused"].as_array().unwrap();
    assert_eq!(targets.len() + unused.len(), 57);
    assert!(
        targets
            .iter()
            .any(|t| t["metric"] == "attacks@2023" && t["value"] == 634.0),
        "{targets:?}"
    );
    // Every unused record says why.
    assert!(
        unused
            .iter()
            .all(|u| !u["reason"].as_str().unwrap().is_empty())
    );
    // The TTP attack rate's posterior is narrower than its Uniform(0.05, 0.35)
    // prior (sd 0.0866): the yearly attack counts pin it.
    let post = String::from_utf8(read(&dir, "posterior.csv")).unwrap();
    let rows: Vec<(f64, f64)> = post
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 30);
    let mean: f64 = rows.iter().map(|(x, w)| x * w).sum();
    let var: f64 = rows.iter().map(|(x, w)| w * (x - mean).powi(2)).sum();
    assert!(
        var.sqrt() < 0.0866,
        "posterior sd {} not below the prior's",
        var.sqrt()
    );
    // Distances of the last generation are within its tolerance.
    let gens = String::from_utf8(read(&dir, "generations.csv")).unwrap();
    let tol: f64 = gens
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    for l in post.lines().skip(1) {
        let d: f64 = l.rsplit(',').next().unwrap().parse().unwrap();
        assert!(d <= tol, "distance {d} above tolerance {tol}");
    }
}

#[test]
fn the_page_draws_every_parameter_and_series_and_the_bands_are_quantiles() {
    let s = Sandbox::new();
    let dir = s.join("c");
    let o = s.run(&args(&dir, "5", "2"));
    o.assert_success();
    assert!(
        o.stdout_text()
            .contains(&format!("{}", dir.join("calibration.html").display())),
        "{}",
        o.stdout_text()
    );
    let page = String::from_utf8(read(&dir, "calibration.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    // Nothing from the network, no script.
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"));
    assert!(
        page.contains("<pre>escalate calibrate pak-afghan-2021 "),
        "no command"
    );
    // One marginal per parameter (two priors), one scatter (the one pair).
    assert_eq!(page.matches("<figure id=\"marginal-").count(), 2);
    assert_eq!(page.matches("<figure id=\"pair-").count(), 1);
    // One predictive chart per observed series and quantity of the targets.
    let cal: serde_json::Value = serde_json::from_slice(&read(&dir, "calibration.json")).unwrap();
    let p = &cal["predictive"];
    assert_eq!(p["trials"], 1000);
    let bands = p["bands"].as_array().unwrap();
    assert_eq!(bands.len(), cal["targets"].as_array().unwrap().len());
    let mut series: Vec<(String, String)> = bands
        .iter()
        .map(|b| {
            (
                b["series"].as_str().unwrap().to_string(),
                b["quantity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    series.sort();
    series.dedup();
    assert!(series.len() > 1, "{series:?}");
    assert_eq!(
        page.matches("<figure id=\"predictive-").count(),
        series.len()
    );
    for b in bands {
        let q: Vec<f64> = ["q5", "q25", "q50", "q75", "q95"]
            .iter()
            .map(|k| b[*k].as_f64().unwrap())
            .collect();
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{b}");
    }
    // The attacks of 2023 are drawn with their observation.
    assert!(
        page.contains("picss-2023-attacks: observed 634"),
        "no observation drawn"
    );
}
