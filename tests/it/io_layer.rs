//! The file layer (`escalate::io`) and what users see of it: sweep shards
//! started together on one directory all succeed and merge to the
//! single-machine bytes; temporary names are unique; planted symlinks do not
//! redirect a write; cleanup leaves other writers' files alone; devices are
//! refused; `-` writes the data, and only the data, to standard output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use escalate::io::{AtomicFile, WriteError, write_atomic, write_durable};
use escalate::sweep::store::{Opened, Store};

use crate::harness::{self, Run, assert_same_sweep};

fn bin() -> std::process::Command {
    harness::std_command()
}

fn escalate(args: &[&str], dir: &Path) -> Run {
    harness::escalate_in(dir, args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A finished command, spawned by hand (`Output`) or through the harness (`Run`).
trait Finished {
    fn code_and_stderr(&self) -> (Option<i32>, &[u8]);
}
impl Finished for Output {
    fn code_and_stderr(&self) -> (Option<i32>, &[u8]) {
        (self.status.code(), &self.stderr)
    }
}
impl Finished for Run {
    fn code_and_stderr(&self) -> (Option<i32>, &[u8]) {
        (self.status.code(), &self.stderr)
    }
}

fn ok(o: &impl Finished) {
    let (code, stderr) = o.code_and_stderr();
    assert_eq!(code, Some(0), "{}", text(stderr));
}

/// A small sweep: a Latin hypercube of 12 points of minimal, 20 trials each.
fn sweep_args(out: &Path, shard: Option<&str>) -> Vec<String> {
    let mut a: Vec<String> = [
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "12",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--set",
        "levers.strike.civilians_killed=2..15",
        "--trials",
        "20",
        "--seed",
        "3",
        "--threads",
        "1",
        "--quiet",
        "--out",
    ]
    .map(String::from)
    .to_vec();
    a.push(out.to_str().unwrap().to_string());
    if let Some(s) = shard {
        a.push("--shard".into());
        a.push(s.into());
    }
    a
}

/// Regression: two shards started together on one `--out` failed now and
/// then with "holds a different sweep: it has points but no sweep.json" (the
/// store checked for the manifest, then wrote it).
#[test]
fn sweep_shards_started_together_on_one_directory_all_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    ok(&bin().args(sweep_args(&single, None)).output().unwrap());
    const SHARDS: usize = 6;
    for round in 0..10 {
        let dir = tmp.path().join(format!("round-{round}"));
        // Spawn every shard, then wait for them all: they open the directory together.
        let children: Vec<_> = (0..SHARDS)
            .map(|k| {
                bin()
                    .args(sweep_args(&dir, Some(&format!("{k}/{SHARDS}"))))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (k, c) in children.into_iter().enumerate() {
            let o = c.wait_with_output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "round {round}, shard {k}/{SHARDS}: {}",
                text(&o.stderr)
            );
        }
        // The finishing command (it finds every point done).
        let o = bin().args(sweep_args(&dir, None)).output().unwrap();
        ok(&o);
        assert!(
            text(&o.stdout).contains("0 of 12 points run now, 12 found done"),
            "{}",
            text(&o.stdout)
        );
        assert_same_sweep(&single, &dir);
    }
}

/// Regression: many openers of one sweep directory at the same moment; exactly
/// one creates the manifest, the others resume it; an opener of another sweep
/// is refused.
#[test]
fn sweep_store_opened_by_many_at_once_creates_the_manifest_once() {
    for round in 0..20 {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sweep");
        let manifest = br#"{"fingerprint":"abc","identity":{"seed":1}}"#;
        let barrier = std::sync::Barrier::new(8);
        let opened: Vec<Opened> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        Store::open(&dir, manifest, "abc")
                            .map(|(_, o)| o)
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| {
                    h.join()
                        .unwrap()
                        .unwrap_or_else(|e| panic!("round {round}: {e}"))
                })
                .collect()
        });
        assert_eq!(
            opened.iter().filter(|o| **o == Opened::New).count(),
            1,
            "round {round}: {opened:?}"
        );
        assert_eq!(std::fs::read(dir.join("sweep.json")).unwrap(), manifest);
        assert!(dir.join("points").is_dir());
        let other = br#"{"fingerprint":"def","identity":{"seed":2}}"#;
        let e = Store::open(&dir, other, "def").unwrap_err().to_string();
        assert!(
            e.contains("holds a different sweep") && e.contains("seed"),
            "{e}"
        );
    }
}

#[test]
fn a_directory_with_points_but_no_manifest_is_still_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    std::fs::create_dir_all(dir.join("points")).unwrap();
    let e = Store::open(&dir, br#"{"fingerprint":"abc"}"#, "abc")
        .unwrap_err()
        .to_string();
    assert!(e.contains("but no sweep.json"), "{e}");
    assert!(
        !dir.join("sweep.json").exists(),
        "a manifest was left behind"
    );
}

fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp"))
        .collect();
    v.sort();
    v
}

/// Regression: temporary names were `NAME.tmp-PID`, the same for two
/// processes with one PID on two hosts sharing a file system.
#[test]
fn temporary_names_differ_between_two_writers_of_one_target() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("r.json");
    let mut a = AtomicFile::create(&target).unwrap();
    let mut b = AtomicFile::create(&target).unwrap();
    assert_ne!(a.temporary_path(), b.temporary_path());
    assert!(
        !a.temporary_path()
            .to_string_lossy()
            .contains(&std::process::id().to_string()),
        "the name is not the process id"
    );
    a.writer().write_all(b"from a").unwrap();
    b.writer().write_all(b"from b").unwrap();
    a.commit().unwrap();
    b.commit().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"from b");
    assert!(temporaries(tmp.path()).is_empty());
}

/// Regression: the writer opened `NAME.tmp-PID` with a plain create, which
/// follows a symlink planted there.
#[cfg(unix)]
#[test]
fn a_symlink_at_a_would_be_temporary_name_or_the_final_name_does_not_redirect_the_write() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    // At the name the old writer would have used.
    let target = tmp.path().join("r.json");
    let old_tmp = tmp
        .path()
        .join(format!("r.json.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &old_tmp).unwrap();
    write_durable(&target, b"ours 1").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(&target).unwrap(), b"ours 1");
    // At the final name: the name becomes a regular file, the link's target is untouched.
    let linked = tmp.path().join("linked.json");
    std::os::unix::fs::symlink(&victim, &linked).unwrap();
    write_atomic(&linked, b"ours 2").unwrap();
    let m = std::fs::symlink_metadata(&linked).unwrap();
    assert!(m.file_type().is_file(), "still a symlink");
    assert_eq!(std::fs::read(&linked).unwrap(), b"ours 2");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    // Through the binary too.
    let report = tmp.path().join("report.json");
    std::os::unix::fs::symlink(&victim, &report).unwrap();
    ok(&escalate(
        &["run", "minimal", "--trials", "20", "--json", "report.json"],
        tmp.path(),
    ));
    assert!(
        std::fs::symlink_metadata(&report)
            .unwrap()
            .file_type()
            .is_file()
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// Regression: the sweep store's cleanup removed every `*.tmp-*` file,
/// including the temporary file another live shard was about to rename.
#[test]
fn cleanup_leaves_another_writers_temporary_file_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("r.json");
    let other = AtomicFile::create(&target).unwrap();
    let mut mine = AtomicFile::create(&target).unwrap();
    mine.writer().write_all(b"mine").unwrap();
    drop(mine);
    assert_eq!(
        temporaries(tmp.path()),
        vec![other.temporary_path().to_path_buf()]
    );
    drop(other);
    assert!(temporaries(tmp.path()).is_empty());

    // A sweep that finishes leaves other processes' temporaries, of either
    // naming, where they are.
    let dir = tmp.path().join("sweep");
    let theirs = [
        dir.join("points/00003.json.tmp-4242"),
        dir.join("points/.00004.json.a1b2c3d4e5f6.tmp"),
        dir.join(".sweep.html.a1b2c3d4e5f6.tmp"),
    ];
    // A manifest first, so the directory is this sweep's.
    ok(&bin().args(sweep_args(&dir, Some("0/2"))).output().unwrap());
    for p in &theirs {
        std::fs::write(p, b"another shard's").unwrap();
    }
    ok(&bin().args(sweep_args(&dir, None)).output().unwrap());
    for p in &theirs {
        assert_eq!(
            std::fs::read(p).unwrap(),
            b"another shard's",
            "{}",
            p.display()
        );
    }
    assert!(dir.join("sweep.html").is_file());
}

/// Regression: `--json /dev/full` exited 0 (as root, replacing the device
/// with a regular file).
#[cfg(unix)]
#[test]
fn an_output_that_is_a_device_is_refused_and_the_device_is_untouched() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    for dev in ["/dev/full", "/dev/null"] {
        if !Path::new(dev).exists() {
            continue;
        }
        for flag in ["--json", "--csv", "--html"] {
            let o = escalate(&["run", "minimal", "--trials", "20", flag, dev], tmp.path());
            assert_eq!(
                o.status.code(),
                Some(2),
                "{flag} {dev}: {}",
                text(&o.stderr)
            );
            let err = text(&o.stderr);
            assert!(
                err.contains(dev) && err.contains("character device"),
                "{flag} {dev}: {err}"
            );
            assert!(o.stdout.is_empty(), "a report was printed");
            let m = std::fs::symlink_metadata(dev).unwrap();
            assert!(m.file_type().is_char_device(), "{dev} was replaced");
        }
    }
    // The library refuses it too, naming the path.
    match write_atomic(Path::new("/dev/null"), b"x") {
        Err(e @ WriteError::NotAFile { .. }) => assert!(e.to_string().contains("/dev/null")),
        other => panic!("{other:?}"),
    }
    // A directory and a FIFO as well.
    let fifo = tmp.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let o = escalate(
            &["run", "minimal", "--trials", "20", "--json", "pipe"],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("named pipe"),
            "{}",
            text(&o.stderr)
        );
        let m = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(m.file_type().is_fifo());
    }
}

/// `--json -`: the JSON, the same bytes as `--json FILE`, and nothing else on stdout.
#[test]
fn json_dash_prints_valid_json_on_stdout_only() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = ["run", "minimal", "--trials", "50", "--seed", "4"];
    let with = |extra: &[&str]| {
        let mut a = run.to_vec();
        a.extend(extra);
        escalate(&a, d)
    };
    ok(&with(&["--json", "r.json", "--csv", "r.csv"]));
    let file = std::fs::read(d.join("r.json")).unwrap();
    let o = with(&["--json", "-"]);
    ok(&o);
    assert_eq!(o.stdout, file, "stdout is not exactly the JSON");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["trials"], 50);
    assert!(!d.join("-").exists(), "a file named - was written");

    // --csv - streams the CSV; --json to a file at the same time.
    let o = with(&["--csv", "-", "--json", "again.json"]);
    ok(&o);
    assert_eq!(o.stdout, std::fs::read(d.join("r.csv")).unwrap());
    assert_eq!(std::fs::read(d.join("again.json")).unwrap(), file);

    // At most one `-`; --html cannot be `-`. Exit 2, nothing on stdout.
    for bad in [&["--json", "-", "--csv", "-"][..], &["--html", "-"][..]] {
        let o = with(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{bad:?}");
        assert!(
            text(&o.stderr).contains("standard output"),
            "{}",
            text(&o.stderr)
        );
    }

    // escalate merge and escalate compare too.
    for k in 0..2 {
        let shard = format!("{k}/2");
        let out = format!("p{k}.esc");
        ok(&with(&["--shard", &shard, "--out", &out]));
    }
    let o = escalate(&["merge", "p0.esc", "p1.esc", "--json", "-"], d);
    ok(&o);
    assert_eq!(o.stdout, file, "merged JSON differs from the run's");
    let cmp = [
        "compare", "minimal", "--trials", "50", "--policy", "talks", "--json",
    ];
    let o = escalate(&[&cmp[..], &["c.json"]].concat(), d);
    ok(&o);
    let o = escalate(&[&cmp[..], &["-"]].concat(), d);
    ok(&o);
    assert_eq!(o.stdout, std::fs::read(d.join("c.json")).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.is_object());
}

/// Every file in `dir` whose name starts with a dot: temporaries (`.tmp`) and
/// kept versions (`.old`) alike.
fn hidden(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// An error as one line: the renderer's line breaks and margins removed.
fn flat(stderr: &[u8]) -> String {
    text(stderr)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// `escalate ARGS` in `dir` that must be refused (exit 2, nothing printed);
/// returns stderr on one line.
fn refused(args: &[&str], dir: &Path) -> String {
    let o = escalate(args, dir);
    let err = flat(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?} printed a report");
    err
}

/// Regression: `--json mine.ron` while running `mine.ron` replaced the
/// scenario with the report. Every command refuses an output that is one of
/// its inputs, whether named as given, through a symlink or by a hard link,
/// and leaves the input as it was.
#[test]
fn every_command_refuses_an_output_that_is_one_of_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = std::fs::read(harness::scenario("minimal.ron")).unwrap();
    let observed =
        std::fs::read(harness::project("data/observed/pak-afghan-2021-2023.csv")).unwrap();
    std::fs::write(d.join("mine.ron"), &scenario).unwrap();
    std::os::unix::fs::symlink("mine.ron", d.join("link.json")).unwrap();
    std::fs::hard_link(d.join("mine.ron"), d.join("hard.json")).unwrap();
    // A scenario and an observed file named as a sweep's and a calibration's outputs.
    std::fs::create_dir(d.join("sw")).unwrap();
    std::fs::write(d.join("sw/points.csv"), &scenario).unwrap();
    std::fs::create_dir(d.join("cal")).unwrap();
    std::fs::write(d.join("cal/generations.csv"), &observed).unwrap();
    std::fs::create_dir(d.join("st")).unwrap();
    std::fs::write(d.join("st/scenario.ron"), &scenario).unwrap();
    ok(&escalate(
        &["run", "minimal", "--trials", "20", "--json", "r.json"],
        d,
    ));
    let run_json = std::fs::read(d.join("r.json")).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "mine.ron", "--trials", "20", "--json", "mine.ron"],
        vec!["run", "mine.ron", "--trials", "20", "--csv", "./mine.ron"],
        vec!["run", "mine.ron", "--trials", "20", "--html", "link.json"],
        vec!["run", "mine.ron", "--trials", "20", "--json", "hard.json"],
        vec![
            "run", "mine.ron", "--trials", "20", "--shard", "0/2", "--out", "mine.ron",
        ],
        vec![
            "run", "minimal", "--trials", "20", "--policy", "mine.ron", "--json", "mine.ron",
        ],
        vec![
            "compare", "mine.ron", "--trials", "20", "--policy", "talks", "--json", "mine.ron",
        ],
        vec![
            "backtest",
            "r.json",
            "--observed",
            "cal/generations.csv",
            "--json",
            "r.json",
        ],
        vec![
            "backtest",
            "r.json",
            "--observed",
            "cal/generations.csv",
            "--html",
            "cal/generations.csv",
        ],
        vec![
            "sweep",
            "sw/points.csv",
            "--design",
            "lhs",
            "--points",
            "4",
            "--set",
            "actors.G.attack_rate=0.1..0.5",
            "--trials",
            "10",
            "--out",
            "sw",
        ],
        vec![
            "calibrate",
            "pak-afghan-2021",
            "--observed",
            "cal/generations.csv",
            "--prior",
            "actors.TTP.attack_rate=Uniform(0.05, 0.35)",
            "--out",
            "cal",
        ],
        vec!["slurm", "st/scenario.ron", "--shards", "2", "--dir", "st"],
    ];
    for args in &cases {
        let err = refused(args, d);
        assert!(
            err.contains("writing it would destroy it"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(std::fs::read(d.join("mine.ron")).unwrap(), scenario);
    assert!(
        std::fs::symlink_metadata(d.join("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(d.join("sw/points.csv")).unwrap(), scenario);
    assert_eq!(std::fs::read(d.join("st/scenario.ron")).unwrap(), scenario);
    assert_eq!(
        std::fs::read(d.join("cal/generations.csv")).unwrap(),
        observed
    );
    assert_eq!(std::fs::read(d.join("r.json")).unwrap(), run_json);
    for sub in ["", "sw", "cal", "st"] {
        assert!(
            hidden(&d.join(sub)).is_empty(),
            "{sub}: {:?}",
            hidden(&d.join(sub))
        );
    }
    assert_eq!(
        std::fs::read_dir(d.join("sw")).unwrap().count(),
        1,
        "the sweep wrote into sw/"
    );
}

/// Regression: the duplicate-output check compared path text, so `out/x` and
/// `out/../out/x` (or a symlink and its target) were two outputs, one
/// replacing the other.
#[test]
fn two_spellings_of_one_output_file_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("out")).unwrap();
    std::fs::write(d.join("out/x"), b"old").unwrap();
    std::os::unix::fs::symlink("out/x", d.join("alias")).unwrap();
    for (a, b) in [
        ("out/x", "out/../out/x"),
        ("out/x", "alias"),
        ("./out/new", "out/new"),
    ] {
        let err = refused(
            &["run", "minimal", "--trials", "20", "--json", a, "--csv", b],
            d,
        );
        assert!(err.contains("--json and --csv both name"), "{a} {b}: {err}");
    }
    assert_eq!(std::fs::read(d.join("out/x")).unwrap(), b"old");
    assert!(!d.join("out/new").exists());
    assert!(hidden(&d.join("out")).is_empty());
}

/// Regression: a valid 250-byte output name failed, because the temporary
/// name (the name plus a suffix) passed the 255-byte limit.
#[test]
fn an_output_name_of_250_bytes_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for name in ["a".repeat(245) + ".json", "é".repeat(122) + "x.json"] {
        assert_eq!(name.len(), 250, "{name}");
        ok(&escalate(
            &[
                "run", "minimal", "--trials", "20", "--json", &name, "--csv", "-",
            ],
            d,
        ));
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(&name)).unwrap()).unwrap();
        assert_eq!(v["trials"], 20);
    }
    assert!(hidden(d).is_empty(), "{:?}", hidden(d));
}

/// Regression: `sweep --out DIR` into an existing directory that held no
/// sweep replaced its `points.csv` (and once deleted every `*.tmp-*` file
/// there). A non-empty directory without a sweep of its own is refused,
/// nothing in it changed and nothing added.
#[test]
fn sweep_out_refuses_a_non_empty_directory_that_is_not_a_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    let files = [
        ("points.csv", "precious"),
        ("notes.tmp-1", "keep"),
        (".hidden.tmp", "keep"),
    ];
    for (f, body) in files {
        std::fs::write(dir.join(f), body).unwrap();
    }
    let o = bin().args(sweep_args(&dir, None)).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = flat(&o.stderr);
    assert!(
        err.contains("is not empty and holds no sweep") && err.contains("but no sweep.json"),
        "{err}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".hidden.tmp", "notes.tmp-1", "points.csv"]);
    for (f, body) in files {
        assert_eq!(std::fs::read_to_string(dir.join(f)).unwrap(), body);
    }
    // An empty directory, or one holding only a killed writer's temporary, is a sweep's to take.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join(".sweep.json.a1b2c3d4e5f6.tmp"), b"killed").unwrap();
    ok(&bin().args(sweep_args(&empty, None)).output().unwrap());
    assert!(empty.join("points.csv").is_file());
    assert!(
        empty.join(".sweep.json.a1b2c3d4e5f6.tmp").is_file(),
        "another's temporary was removed"
    );
}

/// Starts `escalate run` of many trials writing `out.json` and `out.csv` in
/// `dir`, waits (polling the directory) until its temporary files exist,
/// sends `signal`, and returns how it ended.
fn signal_a_run(dir: &Path, signal: &str) -> std::process::ExitStatus {
    let mut child = bin()
        .args([
            "run",
            "minimal",
            "--trials",
            "1000000000",
            "--threads",
            "1",
            "--quiet",
            "--json",
            "out.json",
            "--csv",
            "out.csv",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Both outputs are opened before the first trial runs.
    while hidden(dir).iter().filter(|n| n.ends_with(".tmp")).count() < 2 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before its temporaries appeared");
        }
        std::thread::yield_now();
    }
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap()
}

/// Regression: SIGINT and SIGTERM left the run's temporary files behind.
/// Now the process removes them, leaves the old outputs as they were, and
/// ends by the signal.
#[cfg(unix)]
#[test]
fn sigterm_or_sigint_during_a_run_removes_its_temporaries_and_keeps_the_old_json() {
    use std::os::unix::process::ExitStatusExt;
    for (signal, number) in [("TERM", 15), ("INT", 2)] {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(d.join("out.json"), b"old json\n").unwrap();
        let status = signal_a_run(d, signal);
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status}");
        assert!(hidden(d).is_empty(), "SIG{signal} left {:?}", hidden(d));
        assert_eq!(std::fs::read(d.join("out.json")).unwrap(), b"old json\n");
        assert!(!d.join("out.csv").exists(), "SIG{signal}: a CSV appeared");
    }
}
