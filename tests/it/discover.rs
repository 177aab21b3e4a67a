//! `escalate discover` end to end: a known box found in synthetic trials,
//! measures that match their definitions, the same bytes with any
//! `--threads`, the three sources (a run's CSV, a sweep directory with a
//! categorical policy, a posterior) and bad input refused with exit 2 and
//! nothing written.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::harness::{Sandbox, escalate_in};

/// A deterministic stream of uniforms (xorshift64*), for synthetic data the
/// test controls exactly.
struct Uniforms(u64);

impl Uniforms {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The true box of the synthetic trials: x >= 0.6 and y <= 0.4.
fn inside(x: f64, y: f64) -> bool {
    x >= 0.6 && y <= 0.4
}

/// A run-style per-trial CSV: `trial,outcome`, two metrics, then three
/// parameters x, y, z uniform on [0, 1]. The outcome is `hit` with
/// probability 0.9 inside the true box and 0.05 outside; z never matters.
fn synthetic_run(n: usize, seed: u64) -> (String, Vec<[f64; 3]>, Vec<bool>) {
    let mut u = Uniforms(seed);
    let mut s =
        String::from("trial,outcome,attacks,first_strike_day,actors.G.x,actors.G.y,actors.G.z\n");
    let (mut xs, mut hits) = (Vec::new(), Vec::new());
    for t in 0..n {
        let (x, y, z) = (u.next(), u.next(), u.next());
        let p = if inside(x, y) { 0.9 } else { 0.05 };
        let hit = u.next() < p;
        let day = if t % 3 == 0 {
            String::new()
        } else {
            (t % 50).to_string()
        };
        let _ = writeln!(
            s,
            "{t},{},{},{day},{x},{y},{z}",
            if hit { "hit" } else { "miss" },
            (x * 1000.0).round()
        );
        xs.push([x, y, z]);
        hits.push(hit);
    }
    (s, xs, hits)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "boxes.csv",
        "boxes.json",
        "discovery.html",
        "trajectory.csv",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
    .collect()
}

#[test]
fn a_known_box_is_found_and_its_measures_match_their_definitions() {
    let sb = Sandbox::new();
    let (csv, xs, hits) = synthetic_run(6000, 42);
    std::fs::write(sb.join("trials.csv"), csv).unwrap();
    let r = sb.run(&[
        "discover",
        "trials.csv",
        "--where",
        "class = hit",
        "--out",
        "out",
    ]);
    r.assert_success();
    let d = json(&sb.join("out/boxes.json"));
    assert_eq!(d["format"], "escalate-discover/1");
    assert_eq!(d["source"]["kind"], "run");
    let names: Vec<&str> = d["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["actors.G.x", "actors.G.y", "actors.G.z"]);
    let b = &d["prim"][0]["box"];
    let restricted: Vec<&str> = b["restricted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let mut sorted = restricted.clone();
    sorted.sort();
    assert_eq!(sorted, ["actors.G.x", "actors.G.y"], "{b}");
    let lim = |name: &str| {
        b["restricted"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    let (x, y) = (lim("actors.G.x"), lim("actors.G.y"));
    // The tolerance: within 0.05 of the true edges (a peel moves 5% of the rows).
    let x_lo = x["lower"].as_f64().unwrap();
    let y_hi = y["upper"].as_f64().unwrap();
    assert!((x_lo - 0.6).abs() <= 0.05, "x lower {x_lo}");
    assert!((y_hi - 0.4).abs() <= 0.05, "y upper {y_hi}");
    assert!(x["qp_upper"].is_null() && y["qp_lower"].is_null());
    assert!(x["qp_lower"].as_f64().unwrap() < 1e-6 && y["qp_upper"].as_f64().unwrap() < 1e-6);
    // Coverage, density and mass by their definitions, from the trials themselves.
    let within =
        |r: &Value, v: f64| r["lower"].as_f64().unwrap() <= v && v <= r["upper"].as_f64().unwrap();
    let (mut n_in, mut hits_in) = (0usize, 0usize);
    for (p, &h) in xs.iter().zip(&hits) {
        if within(&x, p[0]) && within(&y, p[1]) {
            n_in += 1;
            hits_in += h as usize;
        }
    }
    let total_hits = hits.iter().filter(|&&h| h).count();
    // serde_json reads floats to within an ulp (without its float_roundtrip
    // feature), hence the 1e-15; counts are exact.
    let same = |v: &Value, want: f64| {
        let got = v.as_f64().unwrap();
        assert!((got - want).abs() <= 1e-15, "{got} vs {want}");
    };
    assert_eq!(b["weight"].as_f64().unwrap(), n_in as f64);
    assert_eq!(b["cases"].as_f64().unwrap(), hits_in as f64);
    same(&b["coverage"], hits_in as f64 / total_hits as f64);
    same(&b["density"], hits_in as f64 / n_in as f64);
    same(&b["mass"], n_in as f64 / 6000.0);
    assert!(b["density"].as_f64().unwrap() > 0.8);
    // The selected step is the knee, and trajectory.csv marks it.
    let p = &d["prim"][0];
    assert_eq!(p["selected_by"], "knee");
    assert_eq!(p["step"], p["knee"]);
    let traj = std::fs::read_to_string(sb.join("out/trajectory.csv")).unwrap();
    let selected: Vec<&str> = traj.lines().filter(|l| l.contains(",true,")).collect();
    assert!(!selected.is_empty());
    assert!(selected[0].starts_with(&format!("1,{},", p["step"])));
    // CART beside it finds the same region in its densest leaf.
    let densest = d["cart"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| {
            a["density"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["density"].as_f64().unwrap())
        })
        .unwrap();
    assert!(densest["density"].as_f64().unwrap() > 0.8, "{densest}");
    // The terminal report says it in words.
    let out = r.stdout_text();
    assert!(out.contains("hit in "), "{out}");
    assert!(out.contains("of trials where"), "{out}");
    assert!(out.contains("these cover"), "{out}");
}

#[test]
fn the_same_bytes_with_any_threads_and_another_seed_moves_only_stability() {
    let sb = Sandbox::new();
    std::fs::write(sb.join("trials.csv"), synthetic_run(3000, 9).0).unwrap();
    let run = |threads: &str, seed: &str, out: &str| {
        sb.run(&[
            "discover",
            "trials.csv",
            "--where",
            "class = hit or attacks > 950",
            "--threads",
            threads,
            "--seed",
            seed,
            "--out",
            out,
        ])
        .assert_success();
        files(&sb.join(out))
    };
    let one = run("1", "5", "a");
    let two = run("2", "5", "b");
    assert_eq!(one, two);
    let other = run("2", "6", "c");
    let json = |f: &[(String, Vec<u8>)]| -> Value {
        serde_json::from_slice(&f.iter().find(|(n, _)| n == "boxes.json").unwrap().1).unwrap()
    };
    let (a, c) = (json(&one), json(&other));
    // The boxes do not depend on the seed; only the resamples do.
    assert_eq!(a["prim"][0]["box"], c["prim"][0]["box"]);
    assert_eq!(a["prim"][0]["trajectory"], c["prim"][0]["trajectory"]);
    assert_eq!(a["cart"], c["cart"]);
}

#[test]
fn a_sweep_directory_is_a_source_with_the_policy_as_a_categorical_input() {
    // A hand-made sweep: 40 points of x (a range) and a policy; the class
    // `war` is frequent only under `strike` with x >= 0.5.
    let sb = Sandbox::new();
    let dir = sb.join("sweep");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sweep.json"),
        r#"{"format": "escalate-sweep/1", "factors": [
            {"name": "actors.G.x", "kind": "range", "values": "0..1"},
            {"name": "policy", "kind": "policy", "values": "[baseline, talks, strike]"}]}"#,
    )
    .unwrap();
    let mut points =
        String::from("point,actors.G.x,policy,trials,prob_war,prob_calm,deaths_mean,digest\n");
    let policies = ["baseline", "talks", "strike"];
    for j in 0..60 {
        let x = (j % 20) as f64 / 19.0;
        let policy = policies[j / 20];
        let war = if policy == "strike" && x >= 0.5 {
            45
        } else {
            2
        };
        let _ = writeln!(
            points,
            "{j},{x},{policy},50,{},{},{},abc",
            war as f64 / 50.0,
            (50 - war) as f64 / 50.0,
            100 + war
        );
    }
    std::fs::write(dir.join("points.csv"), points).unwrap();
    let r = sb.run(&[
        "discover",
        "sweep",
        "--where",
        "class = war",
        "--resamples",
        "3",
        "--out",
        "out",
    ]);
    r.assert_success();
    let d = json(&sb.join("out/boxes.json"));
    assert_eq!(d["source"]["kind"], "sweep");
    assert_eq!(d["source"]["weight"].as_f64().unwrap(), 3000.0);
    assert_eq!(d["inputs"][1]["kind"], "categorical");
    assert_eq!(
        d["inputs"][1]["levels"],
        serde_json::json!(["baseline", "talks", "strike"])
    );
    let b = &d["prim"][0]["box"];
    let policy = b["restricted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "policy")
        .expect("the policy is restricted");
    assert_eq!(policy["levels"], serde_json::json!(["strike"]));
    let x = b["restricted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "actors.G.x")
        .expect("x is restricted");
    let lo = x["lower"].as_f64().unwrap();
    assert!(lo > 9.0 / 19.0 && lo <= 10.0 / 19.0, "{lo}");
    // Weighted by trials: 10 points of 50 trials, 45 wars each.
    assert_eq!(b["weight"].as_f64().unwrap(), 500.0);
    assert_eq!(b["cases"].as_f64().unwrap(), 450.0);
    assert!(
        r.stdout_text().contains("policy is strike"),
        "{}",
        r.stdout_text()
    );
    // A threshold on a point's own column: points count one each.
    let r = sb.run(&[
        "discover",
        "sweep",
        "--where",
        "deaths_mean > 120",
        "--resamples",
        "2",
        "--out",
        "out2",
    ]);
    r.assert_success();
    let d = json(&sb.join("out2/boxes.json"));
    assert_eq!(d["source"]["weight"].as_f64().unwrap(), 60.0);
    assert_eq!(d["source"]["cases"].as_f64().unwrap(), 10.0);
    // A factor in the condition is refused.
    let r = sb.run(&[
        "discover",
        "sweep",
        "--where",
        "policy = 1",
        "--out",
        "out3",
    ]);
    r.assert_code(2);
    assert!(
        r.stderr_text().contains("is a factor of the sweep"),
        "{}",
        r.stderr_text()
    );
}

#[test]
fn a_real_run_and_a_real_sweep_and_the_flagship_posterior_are_read() {
    let sb = Sandbox::new();
    sb.run(&[
        "run",
        "scenarios/minimal.ron",
        "--trials",
        "1500",
        "--set",
        "actors.G.attack_rate=Uniform(0.1, 0.6)",
        "--csv",
        "t.csv",
        "-q",
    ])
    .assert_success();
    let r = sb.run(&[
        "discover",
        "t.csv",
        "--where",
        "strikes >= 1",
        "--resamples",
        "2",
        "--out",
        "o1",
    ]);
    r.assert_success();
    let d = json(&sb.join("o1/boxes.json"));
    let names: Vec<&str> = d["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"actors.G.attack_rate") && names.contains(&"actors.G.fighters"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("actors.") || n.starts_with("levers.")),
        "{names:?}"
    );
    sb.run(&[
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "12",
        "--set",
        "actors.G.attack_rate=0.1..0.6",
        "--policy",
        "baseline",
        "--policy",
        "talks",
        "--trials",
        "20",
        "-q",
        "--out",
        "sw",
    ])
    .assert_success();
    let r = sb.run(&[
        "discover",
        "sw",
        "--where",
        "class = strikes",
        "--resamples",
        "2",
        "--out",
        "o2",
    ]);
    r.assert_success();
    let d = json(&sb.join("o2/boxes.json"));
    assert_eq!(d["source"]["rows"], 12);
    assert_eq!(d["inputs"][1]["name"], "policy");
    let r = sb.run(&[
        "discover",
        "scenarios/pak-afghan-2024.posterior.csv",
        "--where",
        "distance <= 1.7",
        "--resamples",
        "2",
        "--out",
        "o3",
    ]);
    r.assert_success();
    let d = json(&sb.join("o3/boxes.json"));
    assert_eq!(d["source"]["kind"], "posterior");
    assert_eq!(d["source"]["rows"], 200);
    // Weights are the particles' times their number: they add up to it.
    assert!((d["source"]["weight"].as_f64().unwrap() - 200.0).abs() < 1e-9);
}

#[test]
fn bad_input_is_refused_with_where_and_how_and_nothing_is_written() {
    let sb = Sandbox::new();
    std::fs::write(sb.join("trials.csv"), synthetic_run(300, 1).0).unwrap();
    let refused = |args: &[&str], needles: &[&str]| {
        let mut all = vec!["discover"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", "never"]);
        let r = escalate_in(sb.path(), &all);
        r.assert_code(2);
        let err = r.stderr_text();
        for n in needles {
            assert!(err.contains(n), "{args:?}: no `{n}` in\n{err}");
        }
        assert!(!sb.join("never").exists(), "{args:?} wrote its directory");
        assert!(!err.contains("panicked"), "{err}");
    };
    refused(
        &["trials.csv", "--where", "class = "],
        &["column 9", "expected a class name"],
    );
    refused(
        &["trials.csv", "--where", "atacks > 3"],
        &["column 1", "no metric `atacks`", "attacks"],
    );
    refused(
        &["trials.csv", "--where", "class = hti"],
        &["no row is of class `hti`", "hit", "miss"],
    );
    refused(
        &["trials.csv", "--where", "actors.G.x > 0.5"],
        &["is one of the inputs"],
    );
    refused(
        &["trials.csv", "--where", "attacks > 5000"],
        &["holds for no trial"],
    );
    refused(
        &["trials.csv", "--where", "attacks >= 0"],
        &["holds for every trial"],
    );
    refused(
        &[
            "trials.csv",
            "--where",
            "class = hit",
            "--peel-alpha",
            "0.7",
        ],
        &["--peel-alpha", "between 0 and 0.5"],
    );
    refused(
        &[
            "trials.csv",
            "--where",
            "class = hit",
            "--inputs",
            "actors.G.w",
        ],
        &["no input `actors.G.w`", "actors.G.x"],
    );
    refused(
        &[
            "trials.csv",
            "--where",
            "class = hit",
            "--inputs",
            "attacks",
        ],
        &["it is an output"],
    );
    refused(
        &["trials.csv", "--where", "class = hit", "--select", "9999"],
        &["box 1 has no step 9999"],
    );
    refused(
        &["trials.csv", "--where", "class = hit", "--select", "elbow"],
        &["`elbow` is not a step"],
    );
    refused(
        &["missing.csv", "--where", "class = hit"],
        &["cannot read missing.csv"],
    );
    std::fs::write(sb.join("other.csv"), "a,b\n1,2\n").unwrap();
    refused(
        &["other.csv", "--where", "class = hit"],
        &["other.csv:1:1", "the header starts with `a`"],
    );
    let (csv, _, _) = synthetic_run(20, 3);
    let broken = csv.replacen("\n5,", "\n5,miss,12,,oops,0.5,0.5\n99,", 1);
    std::fs::write(sb.join("broken.csv"), broken).unwrap();
    refused(
        &["broken.csv", "--where", "class = hit"],
        &["broken.csv:7:12", "`actors.G.x` is `oops`"],
    );
    std::fs::create_dir_all(sb.join("notasweep")).unwrap();
    refused(
        &["notasweep", "--where", "class = hit"],
        &["without sweep.json"],
    );
    refused(
        &[
            "scenarios/pak-afghan-2024.posterior.csv",
            "--where",
            "class = x",
        ],
        &["a posterior has no outcome classes"],
    );
}

/// Regression: `discover` wrote its four files one at a time, and with
/// `--out` the source's own directory it replaced a source named as one of
/// them (`trajectory.csv`) after reading it. Such an `--out` is refused
/// before any work; the source is left as it was and nothing is written.
#[test]
fn an_out_directory_that_would_replace_the_source_is_refused() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.join("d")).unwrap();
    let csv = synthetic_run(300, 1).0;
    std::fs::write(sb.join("d/trajectory.csv"), &csv).unwrap();
    let r = escalate_in(
        sb.path(),
        &[
            "discover",
            "d/trajectory.csv",
            "--where",
            "class = hit",
            "--out",
            "d",
        ],
    );
    r.assert_code(2);
    let err = r.stderr_text();
    assert!(
        err.contains("--out d/trajectory.csv: this command reads that file as the source"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.join("d/trajectory.csv")).unwrap(),
        csv
    );
    assert_eq!(std::fs::read_dir(sb.join("d")).unwrap().count(), 1);
}
