//! Runs from a calibration posterior (`--posterior FILE`): each trial picks one
//! weighted particle from its own stream and takes its values; the identity and
//! the digest cover the file's hash; policies compared on it pick the same
//! particle for trial i; a bad file is refused at its `file:line:col`; a real
//! calibration's posterior runs.

use std::path::Path;

use escalate::calibrate::study::DOCUMENTED_PRIORS;

use crate::harness::{Sandbox, project};

const PATH: &str = "actors.G.fighters";

/// Two particles of very different strengths, weights 0.25 and 0.75.
const POSTERIOR: &str =
    "particle,actors.G.fighters,weight,distance\n0,1000,0.25,0.5\n1,6000,0.75,0.25\n";

fn write(s: &Sandbox, name: &str, text: &str) -> String {
    std::fs::write(s.join(name), text).unwrap();
    name.to_string()
}

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["run", "scenarios/minimal.ron", "--seed", "5", "--quiet"];
    a.extend_from_slice(extra);
    a
}

/// The digest line of a run's terminal report.
fn digest(s: &Sandbox, extra: &[&str]) -> String {
    let out = s.run(&args(extra));
    out.assert_success();
    let text = out.stdout_text();
    text.lines()
        .find_map(|l| l.strip_prefix("digest "))
        .unwrap_or_else(|| panic!("no digest in {text}"))
        .to_string()
}

/// Column `name` of a per-trial CSV, one value per trial in order.
fn column(csv: &Path, name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn trials_pick_particles_by_weight() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    let n = 4000;
    s.run(&args(&[
        "--trials",
        "4000",
        "--posterior",
        &p,
        "--csv",
        "t.csv",
    ]))
    .assert_success();
    let values = column(&s.join("t.csv"), PATH);
    assert_eq!(values.len(), n);
    assert!(values.iter().all(|&v| v == 1000.0 || v == 6000.0));
    let second = values.iter().filter(|&&v| v == 6000.0).count() as f64 / n as f64;
    // Binomial standard error sqrt(0.75 * 0.25 / 4000) ~ 0.0068; allow 4 of them.
    let se = (0.75f64 * 0.25 / n as f64).sqrt();
    assert!(
        (second - 0.75).abs() < 4.0 * se,
        "share of particle 2: {second}"
    );
}

#[test]
fn the_digest_and_identity_cover_the_posterior() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    // The same draws, a file differing only in a distance: another hash.
    let q = write(
        &s,
        "other.csv",
        &POSTERIOR.replace("0,1000,0.25,0.5", "0,1000,0.25,0.75"),
    );
    let none = digest(&s, &["--trials", "300"]);
    let a = digest(&s, &["--trials", "300", "--posterior", &p]);
    assert_eq!(a, digest(&s, &["--trials", "300", "--posterior", &p]));
    assert_ne!(a, none);
    assert_ne!(a, digest(&s, &["--trials", "300", "--posterior", &q]));
    // Without --posterior, the digest is the one before posteriors existed
    // (the pin of tests/it/determinism.rs, here through this file's runner).
    let pinned = s.run(&[
        "run",
        "scenarios/minimal.ron",
        "--trials",
        "2000",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert!(
        pinned
            .stdout_text()
            .contains("digest a167379375d096c1f8ed25e10b6aaba2b4059cf1e7f4f977f5f73e851ed633c1")
    );
    let out = s.run(&args(&["--trials", "50", "--posterior", &p, "--json", "-"]));
    out.assert_success();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["run"]["posterior_file"], "post.csv");
    assert_eq!(
        json["run"]["posterior_sha256"],
        escalate::io::sha256_hex(POSTERIOR.as_bytes())
    );
    let out = s.run(&args(&["--trials", "50", "--json", "-"]));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["run"].get("posterior_sha256").is_none());
    assert!(json["run"].get("posterior_file").is_none());
}

#[test]
fn policies_pick_the_same_particle_for_each_trial() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    for (policy, csv) in [("baseline", "a.csv"), ("talks", "b.csv")] {
        s.run(&args(&[
            "--trials",
            "500",
            "--posterior",
            &p,
            "--policy",
            policy,
            "--csv",
            csv,
        ]))
        .assert_success();
    }
    let (a, b) = (
        column(&s.join("a.csv"), PATH),
        column(&s.join("b.csv"), PATH),
    );
    assert_eq!(a, b);
    assert!(a.contains(&1000.0) && a.contains(&6000.0));
    // The comparison's per-policy digests are those of the runs alone.
    let out = s.run(&[
        "compare",
        "scenarios/minimal.ron",
        "--seed",
        "5",
        "--trials",
        "500",
        "--policy",
        "talks",
        "--posterior",
        &p,
        "--json",
        "-",
        "--quiet",
    ]);
    out.assert_success();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    for policy in ["baseline", "talks"] {
        let d = digest(
            &s,
            &["--trials", "500", "--posterior", &p, "--policy", policy],
        );
        assert!(text.contains(&d), "compare lacks {policy}'s run digest {d}");
    }
    assert!(text.contains("--posterior"), "reproduce commands name it");
}

#[test]
fn a_trace_replays_a_trial_of_a_posterior_run() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    s.run(&args(&[
        "--trials",
        "20",
        "--posterior",
        &p,
        "--csv",
        "t.csv",
    ]))
    .assert_success();
    let fighters = column(&s.join("t.csv"), PATH);
    let attacks = column(&s.join("t.csv"), "attacks");
    let trace = |posterior: bool| {
        let mut a = vec![
            "trace",
            "scenarios/minimal.ron",
            "--seed",
            "5",
            "--trial",
            "13",
            "--format",
            "jsonl",
        ];
        if posterior {
            a.extend(["--posterior", p.as_str()]);
        }
        let out = s.run(&a);
        out.assert_success();
        let last = out.stdout_text().lines().last().unwrap().to_string();
        let json: serde_json::Value = serde_json::from_str(&last).unwrap();
        json["metrics"]["attacks"].as_f64().unwrap()
    };
    assert_eq!(trace(true), attacks[13], "trial 13 drew {}", fighters[13]);
    assert_ne!(trace(false), attacks[13]);
}

#[test]
fn shards_of_a_posterior_run_merge_to_the_run() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    let whole = s.run(&args(&[
        "--trials",
        "300",
        "--posterior",
        &p,
        "--json",
        "w.json",
    ]));
    whole.assert_success();
    for k in ["0/2", "1/2"] {
        let out = format!("part{}.esc", &k[..1]);
        s.run(&args(&[
            "--trials",
            "300",
            "--posterior",
            &p,
            "--shard",
            k,
            "--out",
            &out,
        ]))
        .assert_success();
    }
    s.run(&["merge", "part1.esc", "part0.esc", "--json", "m.json"])
        .assert_success();
    assert_eq!(
        std::fs::read(s.join("w.json")).unwrap(),
        std::fs::read(s.join("m.json")).unwrap()
    );
    // A changed posterior file is refused at merge.
    write(&s, "post.csv", &POSTERIOR.replace("6000", "6001"));
    let out = s.run(&["merge", "part1.esc", "part0.esc"]);
    out.assert_code(2);
    assert!(
        out.stderr_text().contains("posterior"),
        "{}",
        out.stderr_text()
    );
}

/// Runs with `text` as the posterior and returns stderr, which must say `want`.
fn refused(text: &str, want: &str) {
    let s = Sandbox::new();
    let p = write(&s, "bad.csv", text);
    let out = s.run(&args(&["--trials", "10", "--posterior", &p]));
    out.assert_code(2);
    let err = out.stderr_text();
    assert!(err.contains(want), "wanted {want:?} in:\n{err}");
}

#[test]
fn bad_posteriors_are_refused_at_their_line_and_column() {
    refused(
        "particle,actors.G.fightrs,weight,distance\n0,1,1,0\n",
        "bad.csv:1:10: no parameter at `actors.G.fightrs`",
    );
    refused(
        "particle,actors.G.fightrs,weight,distance\n0,1,1,0\n",
        "actors.G.fighters",
    );
    refused(
        "particle,actors.G.fighters,weight,distance\n0,1000,0.5,0\n1,2000,-0.5,0\n",
        "bad.csv:3:8: weight -0.5 is not a finite number at least 0",
    );
    refused(
        "particle,actors.G.fighters,weight,distance\n0,1000,0.5,0\n1,2000,0.4,0\n",
        "bad.csv:1:28: the weights sum to 0.9, not 1",
    );
    refused(
        "id,actors.G.fighters,weight,distance\n0,1000,1,0\n",
        "bad.csv:1:1: the first column is `id`, not `particle`",
    );
    refused(
        "particle,actors.G.fighters,weight\n0,1000,1\n",
        "bad.csv:1:28: the header has no parameter column",
    );
    refused(
        "particle,actors.G.fighters,w,distance\n0,1000,1,0\n",
        "bad.csv:1:28: column 3 is `w`, not `weight`",
    );
    let out =
        crate::harness::escalate(&["run", "scenarios/minimal.ron", "--posterior", "no-such.csv"]);
    out.assert_code(2);
    assert!(
        out.stderr_text()
            .contains("cannot read posterior no-such.csv")
    );
}

#[test]
fn a_real_calibrations_posterior_runs() {
    let s = Sandbox::new();
    let observed = project("data/observed/pak-afghan-2021-2023.csv");
    s.run(&[
        "calibrate",
        "pak-afghan-2021",
        "--observed",
        observed.to_str().unwrap(),
        "--prior",
        "actors.TTP.attack_rate=Uniform(0.05, 0.35)",
        "--particles",
        "20",
        "--trials-per-particle",
        "4",
        "--generations",
        "2",
        "--seed",
        "3",
        "--out",
        "cal",
    ])
    .assert_success();
    let posterior = std::fs::read_to_string(s.join("cal/posterior.csv")).unwrap();
    let rates: Vec<f64> = posterior
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let (lo, hi) = rates
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    s.run(&[
        "run",
        "pak-afghan-2021",
        "--posterior",
        "cal/posterior.csv",
        "--trials",
        "500",
        "--csv",
        "t.csv",
        "--quiet",
    ])
    .assert_success();
    let sampled = column(&s.join("t.csv"), "actors.TTP.attack_rate");
    assert_eq!(sampled.len(), 500);
    assert!(
        sampled
            .iter()
            .all(|&x| lo <= x && x <= hi && rates.contains(&x)),
        "sampled attack rates outside the posterior's [{lo}, {hi}]"
    );
}

/// `escalate sweep` of minimal.ron with `--posterior FILE` (an LHS over the
/// attack rate, 6 points, 200 trials each), into `out`.
fn posterior_sweep(s: &Sandbox, posterior: &str, out: &str, extra: &[&str]) -> crate::harness::Run {
    let mut a = vec![
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "6",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--trials",
        "200",
        "--seed",
        "5",
        "--posterior",
        posterior,
        "--out",
        out,
    ];
    a.extend_from_slice(extra);
    s.run(&a)
}

fn fingerprint(dir: &Path) -> String {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    j["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn a_sweep_from_a_posterior_is_the_same_bytes_with_any_threads() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    posterior_sweep(&s, &p, "t1", &["--threads", "1"]).assert_success();
    posterior_sweep(&s, &p, "t2", &["--threads", "2"]).assert_success();
    crate::harness::assert_same_sweep(&s.join("t1"), &s.join("t2"));
    // The trials drew from the posterior: the sweep's command and identity say so.
    let manifest = std::fs::read_to_string(s.join("t1/sweep.json")).unwrap();
    assert!(manifest.contains("--posterior post.csv"), "{manifest}");
    let sha = escalate::io::sha256_hex(POSTERIOR.as_bytes());
    assert!(manifest.contains(&sha), "{manifest}");
    // ... and changed the results: without it the points differ.
    s.run(&[
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "6",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--trials",
        "200",
        "--seed",
        "5",
        "--out",
        "none",
    ])
    .assert_success();
    assert_ne!(
        std::fs::read(s.join("t1/points.csv")).unwrap(),
        std::fs::read(s.join("none/points.csv")).unwrap()
    );
    assert_ne!(fingerprint(&s.join("t1")), fingerprint(&s.join("none")));
}

#[test]
fn another_posterior_is_another_sweep() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    let q = write(
        &s,
        "other.csv",
        "particle,actors.G.fighters,weight,distance\n0,1000,0.5,0.5\n1,6000,0.5,0.25\n",
    );
    posterior_sweep(&s, &p, "a", &[]).assert_success();
    posterior_sweep(&s, &q, "b", &[]).assert_success();
    assert_ne!(fingerprint(&s.join("a")), fingerprint(&s.join("b")));
    // The same bytes under another name are the same sweep (it resumes).
    let r = write(&s, "copy.csv", POSTERIOR);
    posterior_sweep(&s, &r, "a", &[]).assert_success();
    // A different posterior in a directory that holds this sweep is refused.
    let out = posterior_sweep(&s, &q, "a", &[]);
    out.assert_code(2);
    assert!(
        out.stderr_text().contains("holds a different sweep"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn a_sweep_refuses_to_set_a_path_the_posterior_sets() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    for set in [format!("{PATH}=1000..6000"), format!("{PATH}=3000")] {
        let out = s.run(&[
            "sweep",
            "minimal",
            "--design",
            "lhs",
            "--points",
            "4",
            "--set",
            "actors.G.attack_rate=0.1..0.5",
            "--set",
            &set,
            "--trials",
            "10",
            "--posterior",
            &p,
            "--out",
            "o",
        ]);
        out.assert_code(2);
        let err = out.stderr_text();
        let flat = err
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains(&format!("`{PATH}` is also set by the posterior post.csv")),
            "{err}"
        );
        assert!(!s.join("o").exists(), "nothing is written");
    }
}

#[test]
fn slurm_sweep_passes_the_posterior_to_its_jobs() {
    let s = Sandbox::new();
    let p = write(&s, "post.csv", POSTERIOR);
    s.run(&[
        "slurm",
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "6",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--trials",
        "200",
        "--seed",
        "5",
        "--posterior",
        &p,
        "--shards",
        "2",
        "--dir",
        "study",
    ])
    .assert_success();
    // The jobs read a copy of the posterior in the study directory, the same bytes.
    assert_eq!(
        std::fs::read_to_string(s.join("study/posterior.csv")).unwrap(),
        POSTERIOR
    );
    let scripts: String = std::fs::read_dir(s.join("study"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh" || x == "sbatch"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(scripts.contains("--posterior"), "{scripts}");
    assert!(scripts.contains("study/posterior.csv"), "{scripts}");
}

/// The flagship's shipped posterior (scenarios/pak-afghan-2024.posterior.md).
const FLAGSHIP_POSTERIOR: &str = "scenarios/pak-afghan-2024.posterior.csv";

/// Which column of the documented calibration of pak-afghan-2021 feeds which
/// flagship parameter (the others are dropped: the .md says why).
const FLAGSHIP_MAPPING: [(&str, &str); 3] = [
    (
        "actors.TTP.casualties.civilian",
        "actors.TTP.casualties.civilian",
    ),
    (
        "actors.TTP.casualties.security",
        "actors.TTP.casualties.security",
    ),
    (
        "levers.truce_2022.attack_factor",
        "levers.ceasefire.attack_factor",
    ),
];

fn params_of(scenario: &str) -> Vec<String> {
    let loaded = escalate::run::Loaded::open(Some(scenario)).unwrap();
    escalate::core::scenario::paths::list_params(loaded.base.scenario())
        .into_iter()
        .map(|(pp, _)| pp.path)
        .collect()
}

#[test]
fn the_flagship_posterior_names_flagship_parameters_as_documented() {
    let p = escalate::core::posterior::Posterior::read(&project(FLAGSHIP_POSTERIOR)).unwrap();
    let want: Vec<&str> = FLAGSHIP_MAPPING.iter().map(|(_, to)| *to).collect();
    assert_eq!(p.paths, want);
    assert_eq!(p.particles.len(), 200);
    let flagship = params_of("pak-afghan-2024");
    let hindcast = params_of("pak-afghan-2021");
    let doc = std::fs::read_to_string(project("scenarios/pak-afghan-2024.posterior.md")).unwrap();
    for (from, to) in FLAGSHIP_MAPPING {
        assert!(
            flagship.iter().any(|q| q == to),
            "{to} is not a flagship parameter"
        );
        assert!(
            hindcast.iter().any(|q| q == from),
            "{from} is not a pak-afghan-2021 parameter"
        );
        assert!(doc.contains(&format!("`{from}`")) && doc.contains(&format!("`{to}`")));
    }
}

#[test]
fn the_flagship_runs_from_its_posterior_with_another_digest() {
    let s = Sandbox::new();
    let run = |extra: &[&str]| {
        let mut a = vec![
            "run",
            "pak-afghan-2024",
            "--trials",
            "1000",
            "--seed",
            "7",
            "--quiet",
        ];
        a.extend_from_slice(extra);
        let out = s.run(&a);
        out.assert_success();
        let text = out.stdout_text();
        text.lines()
            .find_map(|l| l.strip_prefix("digest "))
            .unwrap_or_else(|| panic!("no digest in {text}"))
            .to_string()
    };
    let default = run(&[]);
    let from_posterior = run(&["--posterior", FLAGSHIP_POSTERIOR]);
    assert_ne!(default, from_posterior);
    // The option leaves the default alone: the same default digest again.
    assert_eq!(run(&[]), default);
}

/// The shipped file is the documented calibration's posterior, its columns
/// renamed by the mapping, byte for byte (scenarios/pak-afghan-2024.posterior.md
/// gives the command).
#[test]
fn the_flagship_posterior_is_the_documented_calibrations() {
    let s = Sandbox::new();
    let observed = project("data/observed/pak-afghan-2021-2023.csv");
    let mut args = vec![
        "calibrate",
        "pak-afghan-2021",
        "--observed",
        observed.to_str().unwrap(),
    ];
    for p in DOCUMENTED_PRIORS {
        args.extend(["--prior", p]);
    }
    args.extend([
        "--particles",
        "200",
        "--trials-per-particle",
        "20",
        "--generations",
        "6",
        "--seed",
        "2021",
        "--out",
        "cal-2021",
    ]);
    s.run(&args).assert_success();
    let text = std::fs::read_to_string(s.join("cal-2021/posterior.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = FLAGSHIP_MAPPING
        .iter()
        .map(|(from, _)| header.iter().position(|h| h == from).unwrap())
        .collect();
    let n = header.len();
    let mut want = String::from("particle,");
    for (_, to) in FLAGSHIP_MAPPING {
        want.push_str(to);
        want.push(',');
    }
    want.push_str("weight,distance\n");
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let mut row = vec![f[0]];
        row.extend(cols.iter().map(|&k| f[k]));
        row.extend([f[n - 2], f[n - 1]]);
        want.push_str(&row.join(","));
        want.push('\n');
    }
    let shipped = std::fs::read_to_string(project(FLAGSHIP_POSTERIOR)).unwrap();
    assert!(
        shipped == want,
        "{FLAGSHIP_POSTERIOR} is not the documented calibration's posterior; regenerate it \
         with the command in scenarios/pak-afghan-2024.posterior.md"
    );
}

/// The documented calibration's command (docs/calibration.md) and the one
/// the shipped posterior's notes give (scenarios/pak-afghan-2024.posterior.md)
/// name exactly the priors of [`DOCUMENTED_PRIORS`], in order: the docs' test
/// runs the first, so the bench and tests that use the constant run what the
/// docs show.
#[test]
fn the_documented_priors_are_the_docs_priors() {
    for file in [
        "docs/calibration.md",
        "scenarios/pak-afghan-2024.posterior.md",
    ] {
        let text = std::fs::read_to_string(project(file)).unwrap();
        // The command is the one that writes `cal-2021`: from its first line
        // to the one naming the output.
        let end = text.find("--out cal-2021").expect("the command");
        let start = text[..end].rfind("escalate calibrate").unwrap();
        let priors: Vec<&str> = text[start..end]
            .split("--prior '")
            .skip(1)
            .map(|rest| rest.split('\'').next().unwrap())
            .collect();
        assert_eq!(priors, DOCUMENTED_PRIORS, "{file}");
    }
}
