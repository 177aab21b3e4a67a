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
