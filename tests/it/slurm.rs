//! `escalate slurm` against a live Slurm cluster (ci/slurm/start.sh starts a
//! one-node cluster on localhost; .ci/run does so before `cargo test`).
//!
//! Each test is skipped, with the reason printed, only when `sbatch` is not on
//! PATH, SLURM_CONF is unset, or the controller does not answer. With
//! ESCALATE_SLURM_REQUIRED=1 those cases fail instead.
//!
//! Waiting for jobs polls `scontrol show job` in a bounded loop (deadline
//! [`DEADLINE`]); a job that fails, or a merge whose dependency can never be
//! met, ends the wait at once with the job's state and logs.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::harness::{EXE, scenario};

/// The longest any wait for jobs may take.
const DEADLINE: Duration = Duration::from_secs(300);

/// Why the Slurm tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("sbatch").is_file()));
    if !on_path {
        return Some("sbatch is not on PATH (install slurm-client; .ci/run does)".into());
    }
    match std::env::var("SLURM_CONF") {
        Err(_) => {
            return Some(
                "SLURM_CONF is unset (start a cluster: eval \"$(ci/slurm/start.sh)\")".into(),
            );
        }
        Ok(c) if !Path::new(&c).is_file() => {
            return Some(format!("SLURM_CONF={c} does not exist"));
        }
        Ok(_) => {}
    }
    match Command::new("scontrol").arg("ping").output() {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("is UP") => None,
        Ok(o) => Some(format!(
            "the Slurm controller does not answer: scontrol ping says {:?}",
            String::from_utf8_lossy(&o.stdout).trim()
        )),
        Err(e) => Some(format!("cannot run scontrol: {e}")),
    }
}

/// `Ok` when the cluster is there; otherwise why `what` cannot run, as the
/// error (or a panic naming `what`, under ESCALATE_SLURM_REQUIRED=1). The doc
/// runner (docs.rs) decides its Slurm blocks with this too.
pub(crate) fn cluster_or_why(what: &str) -> Result<(), String> {
    match unavailable() {
        None => Ok(()),
        Some(why) if std::env::var("ESCALATE_SLURM_REQUIRED").as_deref() == Ok("1") => {
            panic!("{what}: Slurm is required (ESCALATE_SLURM_REQUIRED=1) but {why}")
        }
        Some(why) => Err(why),
    }
}

/// True when the cluster is there; otherwise prints why the test is skipped
/// (or fails, under ESCALATE_SLURM_REQUIRED=1).
fn cluster(test: &str) -> bool {
    match cluster_or_why(test) {
        Ok(()) => true,
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            false
        }
    }
}

fn cmd(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn ok(program: &str, args: &[&str], dir: &Path) -> String {
    let out = cmd(program, args, dir);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `sbatch --parsable ARGS`: the job id.
fn sbatch(args: &[&str], dir: &Path) -> String {
    let mut a = vec!["--parsable"];
    a.extend_from_slice(args);
    let out = ok("sbatch", &a, dir);
    out.trim().split(';').next().unwrap().to_string()
}

/// One line of `scontrol show job -o`: a job, or one task of an array.
#[derive(Debug)]
struct Job {
    task: Option<String>,
    state: String,
    reason: String,
    exit: String,
}

fn jobs(id: &str) -> Vec<Job> {
    let out = cmd("scontrol", &["show", "job", "-o", id], Path::new("/"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("JobState="))
        .map(|l| {
            let get = |key: &str| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(key))
                    .unwrap_or("")
                    .to_string()
            };
            Job {
                task: Some(get("ArrayTaskId=")).filter(|t| !t.is_empty()),
                state: get("JobState="),
                reason: get("Reason="),
                exit: get("ExitCode="),
            }
        })
        .collect()
}

fn terminal(state: &str) -> bool {
    !matches!(
        state,
        "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED"
    )
}

/// Everything the study directory's logs say, for failure messages.
fn logs(dir: &Path) -> String {
    let mut s = String::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("logs")) {
        let mut files: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            s.push_str(&format!(
                "--- {}\n{}\n",
                f.display(),
                std::fs::read_to_string(&f).unwrap_or_default()
            ));
        }
    }
    s
}

/// Polls job `id` until `done` holds for its records; fails at the deadline,
/// or as soon as `hopeless` holds.
fn wait(
    id: &str,
    dir: &Path,
    what: &str,
    done: impl Fn(&[Job]) -> bool,
    hopeless: impl Fn(&[Job]) -> bool,
) -> Vec<Job> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let j = jobs(id);
        if !j.is_empty() && done(&j) {
            return j;
        }
        if (!j.is_empty() && hopeless(&j)) || start.elapsed() > DEADLINE {
            panic!(
                "job {id}: gave up waiting for {what} after {:?}: {j:#?}\n{}",
                start.elapsed(),
                logs(dir)
            );
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Waits until every record of job `id` completed successfully.
fn wait_completed(id: &str, dir: &Path) {
    wait(
        id,
        dir,
        "completion",
        |j| j.iter().all(|j| j.state == "COMPLETED"),
        |j| {
            j.iter().any(|j| {
                (terminal(&j.state) && j.state != "COMPLETED")
                    || j.reason == "DependencyNeverSatisfied"
            })
        },
    );
}

/// Cancels the jobs it holds when dropped (a failed test leaves no pending jobs).
struct Cancel(Vec<String>);

impl Drop for Cancel {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let _ = Command::new("scancel").args(&self.0).output();
        }
    }
}

fn digest_of(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    v["digest"].as_str().expect("digest").to_string()
}

#[test]
fn four_shards_through_the_generated_scripts_give_the_single_run() {
    if !cluster("four_shards_through_the_generated_scripts_give_the_single_run") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = ["--trials", "20000", "--seed", "7", "--policy", "talks"];
    let mut single = vec!["run", "minimal", "--quiet", "--json", "single.json"];
    single.extend(run);
    let single_report = ok(EXE, &single, d);

    let mut args = vec!["slurm", "minimal", "--shards", "4", "--dir", "study"];
    args.extend(run);
    let command = ok(EXE, &args, d);
    assert_eq!(command.lines().count(), 1, "one command: {command}");
    assert!(command.starts_with("J=$(sbatch --parsable "), "{command}");

    // Submit exactly as a user would: the printed command, in a shell.
    let submitted = ok("bash", &["-c", command.trim()], d);
    let merge = submitted
        .trim()
        .strip_prefix("Submitted batch job ")
        .unwrap_or_else(|| panic!("sbatch said {submitted:?}"))
        .to_string();
    let _cancel = Cancel(vec![merge.clone()]);
    let study = d.join("study");
    wait_completed(&merge, &study);

    let result = std::fs::read_to_string(study.join("result.json")).unwrap();
    let local = std::fs::read_to_string(d.join("single.json")).unwrap();
    assert_eq!(digest_of(&result), digest_of(&local));
    // A bundled scenario is named as a local run names it: the very same bytes.
    assert_eq!(
        result, local,
        "result.json differs from the single run's JSON"
    );
    let report = std::fs::read_to_string(study.join("report.txt")).unwrap();
    assert_eq!(
        report, single_report,
        "report.txt differs from run's report"
    );
    for k in 0..4 {
        let log = std::fs::read_to_string(study.join(format!("logs/shard-{k}.log"))).unwrap();
        assert!(log.contains(&format!("shard {k}/4: trials")), "{log}");
    }
}

#[test]
fn submit_flag_submits_the_array_and_the_merge() {
    if !cluster("submit_flag_submits_the_array_and_the_merge") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
        EXE,
        &[
            "run",
            "minimal",
            "--trials",
            "3001",
            "--seed",
            "2",
            "-q",
            "--json",
            "single.json",
        ],
        d,
    );
    let out = ok(
        EXE,
        &[
            "slurm", "minimal", "--trials", "3001", "--seed", "2", "--shards", "3", "--dir", "s",
            "--submit",
        ],
        d,
    );
    let ids: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        ids.len(),
        2,
        "`--submit` prints the array and merge job ids: {out}"
    );
    let _cancel = Cancel(ids.iter().map(|s| s.to_string()).collect());
    wait_completed(ids[1], &d.join("s"));
    assert_eq!(
        jobs(ids[0])
            .iter()
            .filter(|j| j.state == "COMPLETED")
            .count(),
        3,
        "three array tasks ran"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("s/result.json")).unwrap(),
        std::fs::read_to_string(d.join("single.json")).unwrap()
    );
}

#[test]
fn a_failed_and_a_cancelled_task_are_rerun_alone_and_give_the_same_digest() {
    if !cluster("a_failed_and_a_cancelled_task_are_rerun_alone_and_give_the_same_digest") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A scenario file (not a bundled name): the jobs run the copy in the study dir.
    let minimal = scenario("minimal.ron");
    std::fs::copy(&minimal, d.join("study.ron")).unwrap();
    let run = [
        "--trials",
        "12001",
        "--seed",
        "99",
        "--set",
        "actors.G.fighters=Uniform(1000, 3000)",
    ];
    let mut single = vec!["run", "study.ron", "-q", "--json", "single.json"];
    single.extend(run);
    ok(EXE, &single, d);
    let mut args = vec!["slurm", "study.ron", "--shards", "4", "--dir", "study"];
    args.extend(run);
    ok(EXE, &args, d);
    let study = d.join("study");
    let job = study.join("job.sbatch").to_string_lossy().into_owned();
    let merge_script = study.join("merge.sbatch").to_string_lossy().into_owned();

    // Shard 1 will fail: its part file's name is taken by a directory.
    std::fs::create_dir(study.join("parts/part-1.esc")).unwrap();
    // Hold the array, cancel task 2 before it starts, release the rest.
    let array = sbatch(&["--hold", &job], d);
    let mut cancel = Cancel(vec![array.clone()]);
    let merge = sbatch(
        &[&format!("--dependency=afterok:{array}"), &merge_script],
        d,
    );
    cancel.0.push(merge.clone());
    ok("scancel", &[&format!("{array}_2")], d);
    ok("scontrol", &["release", &array], d);
    // A task cancelled while pending leaves no record of its own (Slurm 22.05).
    let has = |j: &[Job], k: &str| j.iter().any(|j| j.task.as_deref() == Some(k));
    let tasks = wait(
        &array,
        &study,
        "every task to end",
        |j| ["0", "1", "3"].iter().all(|k| has(j, k)) && j.iter().all(|j| terminal(&j.state)),
        |_| false,
    );
    let state = |k: &str| {
        tasks
            .iter()
            .find(|j| j.task.as_deref() == Some(k))
            .map(|j| (j.state.as_str(), j.exit.as_str()))
    };
    assert_eq!(state("0").map(|s| s.0), Some("COMPLETED"), "{tasks:#?}");
    assert_eq!(
        state("1"),
        Some(("FAILED", "2:0")),
        "{tasks:#?}\n{}",
        logs(&study)
    );
    assert!(
        matches!(state("2"), None | Some(("CANCELLED", _))),
        "{tasks:#?}"
    );
    assert_eq!(state("3").map(|s| s.0), Some("COMPLETED"), "{tasks:#?}");
    assert!(!study.join("parts/part-2.esc").exists(), "task 2 never ran");
    let log1 = std::fs::read_to_string(study.join("logs/shard-1.log")).unwrap();
    assert!(log1.contains("cannot write"), "shard 1's log: {log1}");

    // The merge job waits for a dependency that can no longer be met.
    wait(
        &merge,
        &study,
        "DependencyNeverSatisfied",
        |j| j[0].reason == "DependencyNeverSatisfied",
        |j| terminal(&j[0].state),
    );
    ok("scancel", &[&merge], d);

    // Merging now names the missing shards and writes nothing.
    let parts: Vec<String> = ["0", "3"]
        .iter()
        .map(|k| format!("study/parts/part-{k}.esc"))
        .collect();
    let out = cmd(
        EXE,
        &["merge", &parts[0], &parts[1], "--json", "partial.json"],
        d,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let flat: String = err
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(flat.contains("shards 1 and 2 of 4 are missing"), "{err}");
    // The hint names the study's job script, found beside the parts.
    assert!(
        flat.contains("sbatch --array=1,2 study/job.sbatch"),
        "{err}"
    );
    assert!(!d.join("partial.json").exists());

    // The documented fix: re-run only those shards, then the merge.
    std::fs::remove_dir(study.join("parts/part-1.esc")).unwrap();
    let again = sbatch(&["--array=1,2", &job], d);
    let merge = sbatch(
        &[&format!("--dependency=afterok:{again}"), &merge_script],
        d,
    );
    cancel.0.extend([again.clone(), merge.clone()]);
    wait_completed(&merge, &study);
    assert_eq!(jobs(&again).len(), 2, "only shards 1 and 2 ran again");

    let result = std::fs::read_to_string(study.join("result.json")).unwrap();
    let local = std::fs::read_to_string(d.join("single.json")).unwrap();
    assert_eq!(digest_of(&result), digest_of(&local));
    // Everything but the scenario's file name (the study's copy) is the same.
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("command");
        o["run"].as_object_mut().unwrap().remove("scenario_file");
        v
    };
    assert_eq!(strip(&result), strip(&local));
    assert!(
        result.contains(&format!(
            "{}/scenario.ron",
            study.canonicalize().unwrap().display()
        )),
        "the jobs ran the study's copy of the scenario"
    );
}

#[test]
fn a_sweep_through_the_generated_scripts_gives_the_single_machine_files() {
    if !cluster("a_sweep_through_the_generated_scripts_gives_the_single_machine_files") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sweep = [
        "minimal",
        "--design",
        "lhs",
        "--points",
        "12",
        "--set",
        "actors.G.attack_rate=0.2..0.4",
        "--trials",
        "200",
        "--seed",
        "3",
        // Passed on to the jobs: the finishing job's page leads with it too.
        "--headline",
        "attacks.G_mean",
    ];
    let mut single = vec!["sweep", "--quiet", "--out", "single"];
    single.extend(sweep);
    let mut args = vec!["slurm", "sweep", "--shards", "3", "--dir", "study"];
    args.extend(sweep);
    // The points table too: the study's DIR/sweep/points.parquet is the single run's file.
    #[cfg(feature = "parquet")]
    {
        single.extend(["--parquet", "single.parquet"]);
        args.push("--parquet");
    }
    ok(EXE, &single, d);

    let command = ok(EXE, &args, d);
    let submitted = ok("bash", &["-c", command.trim()], d);
    let finish = submitted
        .trim()
        .strip_prefix("Submitted batch job ")
        .unwrap_or_else(|| panic!("sbatch said {submitted:?}"))
        .to_string();
    let _cancel = Cancel(vec![finish.clone()]);
    let study = d.join("study");
    wait_completed(&finish, &study);

    for f in [
        "points.csv",
        "sensitivity.csv",
        "sensitivity.json",
        "sweep.json",
        "sweep.html",
    ] {
        let cluster = std::fs::read(study.join("sweep").join(f)).unwrap();
        let local = std::fs::read(d.join("single").join(f)).unwrap();
        assert!(
            cluster == local,
            "{f} from the cluster differs from the single machine's"
        );
    }
    #[cfg(feature = "parquet")]
    assert!(
        std::fs::read(study.join("sweep/points.parquet")).unwrap()
            == std::fs::read(d.join("single.parquet")).unwrap(),
        "points.parquet from the cluster differs from the single machine's"
    );
    let page = std::fs::read_to_string(study.join("sweep/sweep.html")).unwrap();
    assert!(page.contains("<h2>attacks.G_mean against its two strongest inputs</h2>"));
    let report = std::fs::read_to_string(study.join("report.txt")).unwrap();
    assert!(report.contains("12 found done"), "{report}");
}

/// Runs `program ARGS` in `dir` under coreutils' `timeout` (the test's
/// deadline, without a wait loop of its own).
fn within_deadline(program: &str, args: &[&str], dir: &Path) -> Output {
    let mut a = vec![format!("{}", DEADLINE.as_secs()), program.to_string()];
    a.extend(args.iter().map(|s| s.to_string()));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = cmd("timeout", &a, dir);
    assert_ne!(
        out.status.code(),
        Some(124),
        "{program} {args:?}: over {DEADLINE:?}"
    );
    out
}

#[test]
fn a_calibration_through_slurm_gives_the_single_machine_bytes_and_a_failed_task_runs_again_alone() {
    if !cluster(
        "a_calibration_through_slurm_gives_the_single_machine_bytes_and_a_failed_task_runs_again_alone",
    ) {
        return;
    }
    use crate::calibrate_rounds::{FILES, calibration, squash};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let words = calibration("7");
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut single = vec!["calibrate", "--out", "single", "--quiet"];
    single.extend(&words);
    let started = Instant::now();
    let reference = ok(EXE, &single, d);
    let single_time = started.elapsed();

    // A study directory with a space (the #SBATCH lines must quote it), and
    // task 1 of generation 0 bound to fail: its part's name is a directory.
    let study = d.join("cal study");
    let blocked = study.join("parts/gen-0-proposals-10-20.esc");
    std::fs::create_dir_all(&blocked).unwrap();
    let mut args = vec![
        "slurm",
        "calibrate",
        "--shards",
        "3",
        "--dir",
        "cal study",
        "--submit",
    ];
    args.extend(&words);
    let started = Instant::now();
    let failed = within_deadline(EXE, &args, d);
    let err = String::from_utf8_lossy(&failed.stderr);
    let flat = squash(&err);
    assert_eq!(failed.status.code(), Some(2), "{err}");
    assert!(
        flat.contains(&squash("generation 0: task 1 of 3 of job"))
            && flat.contains(&squash("ended without writing a part")),
        "{err}"
    );
    assert!(
        flat.contains(&squash("cal study/logs/shard-1.log")),
        "{err}"
    );
    let log = std::fs::read_to_string(study.join("logs/shard-1.log")).unwrap();
    assert!(log.contains("cannot write"), "shard 1's log: {log}");
    assert!(!study.join("state.json").exists(), "nothing reduced");

    // The documented fix: remove the cause, run the same command again. It
    // submits task 1 alone, then goes on to the end.
    std::fs::remove_dir(&blocked).unwrap();
    let done = within_deadline(EXE, &args, d);
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{err}");
    let cluster_time = started.elapsed();
    assert!(
        err.contains("generation 0: submitted task 1 of 3 of the round of proposals 0 to 29 again"),
        "{err}"
    );
    for f in FILES {
        let cluster = std::fs::read(study.join(f)).unwrap();
        let local = std::fs::read(d.join("single").join(f)).unwrap();
        assert!(
            cluster == local,
            "{f} from the cluster differs from the single machine's"
        );
    }
    let head = |t: &str| t[..t.find("\nwrote:").unwrap()].to_string();
    assert_eq!(
        head(&String::from_utf8_lossy(&done.stdout)),
        head(&reference)
    );
    let arrays = err.matches("submitted job array").count();
    eprintln!(
        "calibration: {single_time:?} on one machine (2 threads); {cluster_time:?} through Slurm \
         ({arrays} arrays after the failed one, 1 task again, 1 finishing job)"
    );
}
