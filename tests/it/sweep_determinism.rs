//! A sweep's files are the same bytes with any `--threads`, after an
//! interruption (points deleted, a point file damaged, the process killed) and
//! a resume, and when run in shards; a directory holding another sweep is
//! refused.

use std::path::Path;

use crate::harness::{Run, assert_same_sweep, command, escalate};

use escalate::sweep::OUTPUTS;

/// A small Sobol sweep of minimal.ron: 3 factors, N = 16, so 80 points.
fn sobol_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "sweep",
        "minimal",
        "--design",
        "sobol",
        "--points",
        "16",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--set",
        "levers.strike.civilians_killed=Normal(8, 3, 0, 20)",
        "--set",
        "doctrines.A.rules[0].probability=[0.1, 0.3, 0.6]",
        "--trials",
        "100",
        "--seed",
        "5",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(out.to_str().unwrap().to_string());
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn sweep(args: &[String]) -> Run {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = escalate(&a);
    o.assert_code(0);
    o
}

fn point_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("points")).map_or(0, |d| {
        d.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count()
    })
}

#[test]
fn files_are_identical_with_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    sweep(&sobol_args(&a, &["--threads", "1"]));
    sweep(&sobol_args(&b, &["--threads", "2"]));
    assert_same_sweep(&a, &b);
    assert_eq!(point_files(&a), 80);
    let csv = std::fs::read_to_string(a.join("points.csv")).unwrap();
    assert_eq!(csv.lines().count(), 81);
}

#[test]
fn a_resume_after_lost_and_damaged_points_gives_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("whole"), tmp.path().join("resumed"));
    sweep(&sobol_args(&a, &[]));
    sweep(&sobol_args(&b, &[]));
    // Lose some points and the outputs; damage one point (a torn write).
    for j in [0, 7, 33, 79] {
        std::fs::remove_file(b.join(format!("points/{j:05}.json"))).unwrap();
    }
    let damaged = b.join("points/00012.json");
    let bytes = std::fs::read(&damaged).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::remove_file(b.join("points.csv")).unwrap();
    std::fs::write(b.join("points/00050.json.tmp-99999"), b"half").unwrap();
    let o = sweep(&sobol_args(&b, &[]));
    let out = o.stdout_text();
    assert!(
        out.contains("5 of 80 points run now, 75 found done"),
        "{out}"
    );
    assert!(
        o.stderr_text().contains("00012.json"),
        "{}",
        o.stderr_text()
    );
    // Another process's temporary file (it may be a live shard's) is left alone.
    let planted = b.join("points/00050.json.tmp-99999");
    assert_eq!(std::fs::read(&planted).unwrap(), b"half");
    std::fs::remove_file(&planted).unwrap();
    assert_same_sweep(&a, &b);
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("whole"), tmp.path().join("killed"));
    let big = |d: &Path| {
        let mut v = sobol_args(d, &["--threads", "1"]);
        let i = v.iter().position(|s| s == "16").unwrap();
        v[i] = "64".into(); // 320 points
        v
    };
    sweep(&big(&a));
    let args = big(&b);
    let mut child = command().args(&args).spawn();
    // Wait (bounded by the child's own run) until a few points are saved, then kill -9.
    loop {
        if point_files(&b) >= 3 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::yield_now();
    }
    let _ = child.kill();
    child.wait().unwrap();
    let before = point_files(&b);
    assert!(
        before < 320,
        "the sweep was interrupted ({before} points done)"
    );
    let o = sweep(&args);
    let out = o.stdout_text();
    assert!(
        out.contains(&format!(
            "{} of 320 points run now, {before} found done",
            320 - before
        )),
        "{out}"
    );
    assert_same_sweep(&a, &b);
}

#[test]
fn shards_sharing_a_directory_give_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("whole"), tmp.path().join("sharded"));
    sweep(&sobol_args(&a, &[]));
    let first = sweep(&sobol_args(&b, &["--shard", "0/2"]));
    assert!(
        first
            .stdout_text()
            .contains("shard 0/2: 40 of 40 points run now")
    );
    assert!(
        !b.join("points.csv").exists(),
        "no outputs before every point is done"
    );
    let second = sweep(&sobol_args(&b, &["--shard", "1/2"]));
    assert!(second.stdout_text().contains("wrote:"));
    assert_same_sweep(&a, &b);
}

#[test]
fn a_directory_holding_another_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("s");
    sweep(&sobol_args(&a, &[]));
    let before = std::fs::read(a.join("sweep.json")).unwrap();
    let mut other = sobol_args(&a, &[]);
    let i = other.iter().position(|s| s == "5").unwrap();
    other[i] = "6".into(); // another seed
    let o = escalate(&other.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr_text();
    assert!(err.contains("holds a different sweep"), "{err}");
    assert!(err.contains("seed: 5 there, 6 here"), "{err}");
    assert_eq!(std::fs::read(a.join("sweep.json")).unwrap(), before);
}

/// Every design writes every file, with the documented number of points and
/// the measures of its estimator.
#[test]
fn every_design_writes_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    for (design, points, rows, header) in [
        ("grid", "3", 9, "output,input,rank,src,prcc,r_squared,note"),
        ("lhs", "12", 12, "output,input,rank,src,prcc,r_squared,note"),
        ("morris", "4", 12, "output,input,rank,mu_star,mu,sigma,note"),
        (
            "sobol",
            "8",
            32,
            "output,input,rank,S1,S1_low,S1_high,ST,ST_low,ST_high,note",
        ),
    ] {
        let out = tmp.path().join(design);
        sweep(
            &[
                "sweep",
                "minimal",
                "--design",
                design,
                "--points",
                points,
                "--set",
                "actors.G.attack_rate=0.1..0.5",
                "--set",
                "actors.G.fighters=1000..3000",
                "--trials",
                "50",
                "--out",
                out.to_str().unwrap(),
            ]
            .map(String::from),
        );
        for f in OUTPUTS {
            assert!(out.join(f).exists(), "{design}: {f}");
        }
        let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
        assert_eq!(points.lines().count(), rows + 1, "{design}");
        let sens = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
        assert_eq!(sens.lines().next().unwrap(), header, "{design}");
        let ncol = header.split(',').count();
        for l in sens.lines() {
            assert_eq!(l.split(',').count(), ncol, "{design}: {l}");
        }
        let attacks: Vec<&str> = sens
            .lines()
            .filter(|l| l.starts_with("attacks_mean,"))
            .collect();
        assert_eq!(attacks.len(), 2, "{design}");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("sensitivity.json")).unwrap()).unwrap();
        assert_eq!(json["design"], design);
        let html = std::fs::read_to_string(out.join("sweep.html")).unwrap();
        assert!(
            html.contains("<svg") && !html.contains("<script"),
            "{design}"
        );
    }
}
