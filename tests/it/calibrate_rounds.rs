//! `escalate slurm calibrate` without a cluster: the command plans each round
//! and prints its `sbatch` line; the test then runs the round's job script
//! once per task with `SLURM_ARRAY_TASK_ID=K` (as Slurm would, in any order)
//! and the finishing script, and runs the command again, until it prints the
//! summary. The outputs are the bytes `escalate calibrate` writes with the
//! same words. A missing or corrupt part, and a task of the wrong generation,
//! are refused with exit code 2 and nothing reduced. (tests/it/slurm.rs runs
//! the same through a live cluster with `--submit`.)

use std::path::Path;

use crate::harness::{Run, Sandbox, project};

/// The files a calibration writes, compared byte for byte.
pub const FILES: [&str; 5] = [
    "state.json",
    "generations.csv",
    "posterior.csv",
    "calibration.json",
    "calibration.html",
];

/// The words of a small calibration of the 2021 scenario (after the command).
pub fn calibration(seed: &str) -> Vec<String> {
    let observed = project("data/observed/pak-afghan-2021-2023.csv");
    [
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
    ]
    .map(String::from)
    .to_vec()
}

fn slurm_calibrate(s: &Sandbox, seed: &str, dir: &str) -> Run {
    let mut a = vec!["slurm".to_string(), "calibrate".into()];
    a.extend(calibration(seed));
    a.extend(["--shards", "3", "--dir", dir].map(String::from));
    s.run(&a)
}

fn single(s: &Sandbox, seed: &str, out: &str) -> Run {
    let mut a = vec!["calibrate".to_string()];
    a.extend(calibration(seed));
    a.extend(["--out", out].map(String::from));
    let o = s.run(&a);
    o.assert_success();
    o
}

/// Runs a job script as Slurm would run one task of it (or the finishing job:
/// `task` None), in the sandbox, where the command was run.
fn run_script(s: &Sandbox, script: &Path, task: Option<u64>) -> std::process::Output {
    let mut c = std::process::Command::new("bash");
    c.arg(script).current_dir(s.path()).env("NO_COLOR", "1");
    if let Some(k) = task {
        c.env("SLURM_ARRAY_TASK_ID", k.to_string());
    }
    c.output().expect("bash runs")
}

/// The round DIR/round.json hands out: (generation, start, end, tasks).
fn round(dir: &Path) -> Option<(u64, u64, u64, u64)> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("round.json")).unwrap()).unwrap();
    let r = &v["round"];
    (!r.is_null()).then(|| {
        let n = |k: &str| r[k].as_u64().unwrap();
        (n("generation"), n("start"), n("end"), n("tasks"))
    })
}

/// `text` without whitespace and miette's frame characters.
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !"│╰─▶×".contains(*c))
        .collect()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_calibration_through_its_job_scripts_gives_the_single_machine_bytes() {
    let s = Sandbox::new();
    let reference = single(&s, "7", "single");
    let study = s.join("study");
    let mut rounds = Vec::new();
    let summary = loop {
        assert!(rounds.len() < 20, "no end: {rounds:?}");
        let o = slurm_calibrate(&s, "7", "study");
        o.assert_success();
        let out = o.stdout_text();
        let line = out.trim();
        if line == format!("sbatch {}", study.join("job.sbatch").display()) {
            let (g, start, end, tasks) = round(&study).expect("a round");
            rounds.push((g, start, end, tasks));
            assert_eq!(tasks, 3);
            for k in (0..tasks).rev() {
                let t = run_script(&s, &study.join("job.sbatch"), Some(k));
                assert!(t.status.success(), "task {k}: {t:?}");
                let said = String::from_utf8_lossy(&t.stdout);
                assert!(
                    said.contains(&format!(
                        "generation {g}, slice {k}/3 of proposals {start}..{end}"
                    )),
                    "{said}"
                );
            }
        } else if line == format!("sbatch {}", study.join("merge.sbatch").display()) {
            assert_eq!(round(&study), None, "the finishing job is handed out");
            let t = run_script(&s, &study.join("merge.sbatch"), None);
            assert!(t.status.success(), "finishing job: {t:?}");
        } else {
            break out;
        }
    };
    // Every generation ran as at least one round, in order, each starting
    // where the parts of its generation ended.
    let generations: Vec<u64> = rounds.iter().map(|r| r.0).collect();
    assert!(generations.windows(2).all(|w| w[0] <= w[1]), "{rounds:?}");
    assert_eq!(generations.first(), Some(&0));
    assert_eq!(generations.last(), Some(&2));
    for w in rounds.windows(2) {
        if w[0].0 == w[1].0 {
            assert_eq!(w[1].1, w[0].2, "{rounds:?}");
        } else {
            assert_eq!(w[1].1, 0, "{rounds:?}");
        }
    }
    for f in FILES {
        assert!(
            read(&study.join(f)) == read(&s.join("single").join(f)),
            "{f} differs from the single machine's"
        );
    }
    // The summary is calibrate's (up to the paths it wrote).
    let head = |t: &str| t[..t.find("\nwrote:").unwrap()].to_string();
    assert_eq!(head(&summary), head(&reference.stdout_text()));
    // Once finished, the command changes nothing and prints the summary again.
    let before: Vec<Vec<u8>> = FILES.iter().map(|f| read(&study.join(f))).collect();
    let again = slurm_calibrate(&s, "7", "study");
    again.assert_success();
    assert_eq!(again.stdout_text(), summary);
    let after: Vec<Vec<u8>> = FILES.iter().map(|f| read(&study.join(f))).collect();
    assert!(before == after, "a finished calibration was rewritten");
}

#[test]
fn a_missing_or_corrupt_part_is_refused_with_exit_2_and_nothing_reduced() {
    let s = Sandbox::new();
    let study = s.join("study");
    let job = study.join("job.sbatch");
    slurm_calibrate(&s, "3", "study").assert_success();
    let (g, start, end, tasks) = round(&study).unwrap();
    assert_eq!((g, start, end, tasks), (0, 0, 30, 3));
    for k in [0, 2] {
        assert!(run_script(&s, &job, Some(k)).status.success());
    }
    // The message without its line breaks (miette wraps at spaces and after
    // slashes): compare with `squash`ed expectations.
    let flat = |o: &Run| squash(&o.stderr_text());
    // Task 1 has not run: the round cannot be reduced.
    let o = slurm_calibrate(&s, "3", "study");
    o.assert_code(2);
    let e = flat(&o);
    assert!(
        e.contains(&squash(
            "generation 0: task 1 of 3 of the round of proposals 0 to 29 has no part"
        )),
        "{e}"
    );
    assert!(
        e.contains(&squash(&format!("sbatch --array=1 {}", job.display()))),
        "{e}"
    );
    assert!(!study.join("state.json").exists(), "nothing is reduced");

    // A damaged part is named, and nothing is reduced.
    assert!(run_script(&s, &job, Some(1)).status.success());
    let part = study.join("parts/gen-0-proposals-10-20.esc");
    let mut bytes = read(&part);
    let at = bytes.len() - 20;
    bytes[at] ^= 0x20;
    std::fs::write(&part, &bytes).unwrap();
    let o = slurm_calibrate(&s, "3", "study");
    o.assert_code(2);
    let e = flat(&o);
    assert!(
        e.contains(&squash(&format!("{} is corrupt", part.display()))),
        "{e}"
    );
    assert!(e.contains(&squash("checksum does not match")), "{e}");
    assert!(
        e.contains(&squash("delete it and run the same command again")),
        "{e}"
    );
    assert!(!study.join("state.json").exists(), "nothing is reduced");

    // Deleted, it is a missing part again; run again, the round reduces.
    std::fs::remove_file(&part).unwrap();
    let o = slurm_calibrate(&s, "3", "study");
    o.assert_code(2);
    assert!(
        flat(&o).contains(&squash("sbatch --array=1 ")),
        "{}",
        o.stderr_text()
    );
    assert!(run_script(&s, &job, Some(1)).status.success());
    slurm_calibrate(&s, "3", "study").assert_success();
    let generations = String::from_utf8(read(&study.join("generations.csv"))).unwrap();
    assert_eq!(generations.lines().count(), 2, "{generations}");
    assert_eq!(
        round(&study).map(|r| r.0),
        Some(1),
        "generation 1's first round"
    );

    // A task of a finished generation has nothing to do; one of a generation
    // that is not next is refused, and writes nothing.
    let task = |generation: &str| {
        let mut a = vec!["calibrate".to_string()];
        a.extend(calibration("3"));
        a.extend(
            [
                "--generation",
                generation,
                "--proposals",
                "0..30",
                "--shard",
                "0/3",
                "--out",
                "study",
            ]
            .map(String::from),
        );
        s.run(&a)
    };
    let o = task("0");
    o.assert_success();
    assert!(
        o.stdout_text().contains("already finished"),
        "{}",
        o.stdout_text()
    );
    let o = task("2");
    o.assert_code(2);
    assert!(
        flat(&o).contains(&squash("generation 1 comes next")),
        "{}",
        o.stderr_text()
    );
    assert!(!study.join("parts/gen-2-proposals-0-10.esc").exists());
    // Another calibration's words on the same directory are refused.
    let o = slurm_calibrate(&s, "4", "study");
    o.assert_code(2);
    assert!(
        flat(&o).contains(&squash("holds a different calibration")),
        "{}",
        o.stderr_text()
    );

    // A policy file is refused before anything is written (its contents are
    // not in the identity, so rounds could read another file).
    let mut a = vec!["slurm".to_string(), "calibrate".into()];
    a.extend(calibration("3"));
    let noop = crate::harness::fixture("compare_noop_policy.ron");
    a.extend(
        [
            "--policy",
            noop.to_str().unwrap(),
            "--shards",
            "3",
            "--dir",
            "other",
        ]
        .map(String::from),
    );
    let o = s.run(&a);
    o.assert_code(2);
    assert!(
        flat(&o).contains(&squash("a policy file cannot be sharded or merged yet")),
        "{}",
        o.stderr_text()
    );
    assert!(!s.join("other").exists(), "nothing is written");
}
