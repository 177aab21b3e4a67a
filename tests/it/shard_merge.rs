//! Shards and merge through the binary: sharded runs merged in any order give
//! the unsharded run's bytes, and merge refuses bad sets of parts, naming the
//! problem and writing nothing.

use std::path::{Path, PathBuf};

use crate::harness::{EXE, Run, Sandbox, escalate_in, scenario};

/// The run every test shards: a policy, an override and a short horizon, so
/// every identity field is exercised.
const RUN: &[&str] = &[
    "run",
    "minimal",
    "--policy",
    "talks",
    "--set",
    "actors.A.resolve=Uniform(0.5, 0.7)",
    "--horizon",
    "200",
    "--quiet",
];

fn ok(args: &[&str], dir: &Path) -> Run {
    let out = escalate_in(dir, args);
    out.assert_success();
    out
}

/// `escalate merge ARGS` that must fail with exit 2; returns its stderr.
fn refused(args: &[&str], dir: &Path) -> String {
    let out = escalate_in(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?} should exit 2: {err}");
    assert!(out.stdout.is_empty(), "a refused merge prints no report");
    err
}

fn run_args<'a>(trials: &'a str, seed: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = RUN.to_vec();
    a.extend(["--trials", trials, "--seed", seed]);
    a.extend_from_slice(extra);
    a
}

/// Runs shard k/n of the standard run into DIR/NAME and returns its path.
fn shard(dir: &Path, trials: u64, seed: u64, k: u64, n: u64, name: &str) -> PathBuf {
    let (t, s, spec) = (trials.to_string(), seed.to_string(), format!("{k}/{n}"));
    ok(&run_args(&t, &s, &["--shard", &spec, "--out", name]), dir);
    dir.join(name)
}

fn all_shards(dir: &Path, trials: u64, seed: u64, n: u64) -> Vec<String> {
    (0..n)
        .map(|k| {
            let name = format!("part-{k}.esc");
            shard(dir, trials, seed, k, n, &name);
            name
        })
        .collect()
}

/// A seeded Fisher-Yates shuffle (a fixed LCG), rotated so shard 0 does not come first.
fn shuffled(parts: &[String], seed: u64) -> Vec<&str> {
    let mut v: Vec<&str> = parts.iter().map(String::as_str).collect();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..v.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.swap(i, ((x >> 33) % (i as u64 + 1)) as usize);
    }
    if v.len() > 1 && v[0] == "part-0.esc" {
        v.rotate_left(1);
    }
    v
}

/// An error message without miette's line wrapping: words joined by single spaces.
fn flat(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

#[test]
fn merged_shards_equal_the_single_run_for_any_split_and_order() {
    let dir = Sandbox::new();
    let d = dir.path();
    // 5003 is prime: no split below divides it evenly.
    let trials = 5003;
    let single = ok(&run_args("5003", "11", &["--json", "single.json"]), d);
    let single_json = read(&d.join("single.json"));
    for n in [1u64, 2, 3, 7] {
        let sub = d.join(format!("n{n}"));
        std::fs::create_dir(&sub).unwrap();
        let parts = all_shards(&sub, trials, 11, n);
        let mut order: Vec<&str> = shuffled(&parts, n);
        if n > 1 {
            assert_ne!(order[0], "part-0.esc", "the order is shuffled");
        }
        let mut args = vec!["merge"];
        args.append(&mut order);
        args.extend(["--json", "merged.json"]);
        let merged = ok(&args, &sub);
        assert_eq!(
            read(&sub.join("merged.json")),
            single_json,
            "merged JSON of {n} shards differs from the single run's"
        );
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout),
            String::from_utf8_lossy(&single.stdout),
            "merge prints the same terminal report as run ({n} shards)"
        );
    }
}

#[test]
fn more_shards_than_trials_leaves_some_empty_and_still_merges() {
    let dir = Sandbox::new();
    let d = dir.path();
    ok(&run_args("5", "3", &["--json", "single.json"]), d);
    let parts = all_shards(d, 5, 3, 7);
    let out = ok(
        &run_args("5", "3", &["--shard", "0/7", "--out", "again.esc"]),
        d,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("shard 0/7: no trials (0 of 5)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut args = vec!["merge", "--json", "merged.json"];
    args.extend(parts.iter().rev().map(String::as_str));
    ok(&args, d);
    assert_eq!(read(&d.join("merged.json")), read(&d.join("single.json")));
}

#[test]
fn a_shard_reports_its_trial_range() {
    let dir = Sandbox::new();
    let out = ok(
        &run_args("5003", "1", &["--shard", "2/3", "--out", "p.esc"]),
        dir.path(),
    );
    // floor(2*5003/3) = 3335 to floor(3*5003/3) - 1 = 5002
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "shard 2/3: trials 3335 to 5002 (1668 of 5003) written to p.esc\n"
    );
    let head = read(&dir.path().join("p.esc"));
    let first_line = head.split(|&b| b == b'\n').next().unwrap();
    assert!(first_line.starts_with(b"escalate-part v3 sha256="));
}

#[test]
fn part_size_does_not_grow_with_trials() {
    let dir = Sandbox::new();
    let d = dir.path();
    let small = shard(d, 500, 1, 0, 1, "small.esc");
    let large = shard(d, 40_000, 1, 0, 1, "large.esc");
    let (s, l) = (read(&small).len(), read(&large).len());
    // 80 times the trials: the accumulators' counts gain digits, the file no entries.
    assert!(
        (l as f64) < 1.5 * s as f64,
        "part of 40,000 trials is {l} bytes, of 500 trials {s} bytes"
    );
}

/// Three good parts of a 3-shard run, in a fresh directory.
fn three_parts() -> (Sandbox, Vec<PathBuf>) {
    let dir = Sandbox::new();
    let parts = all_shards(dir.path(), 3001, 5, 3)
        .into_iter()
        .map(|n| dir.path().join(n))
        .collect();
    (dir, parts)
}

fn merge_refused(dir: &Path, parts: &[&str]) -> String {
    let mut args = vec!["merge", "--json", "out.json"];
    args.extend_from_slice(parts);
    let err = refused(&args, dir);
    assert!(
        !dir.join("out.json").exists(),
        "a refused merge writes nothing"
    );
    flat(&err)
}

#[test]
fn merge_refuses_parts_of_different_runs_and_names_the_field() {
    let (dir, _) = three_parts();
    let d = dir.path();
    shard(d, 3001, 6, 1, 3, "seed6.esc");
    let err = merge_refused(d, &["part-0.esc", "seed6.esc", "part-2.esc"]);
    assert!(
        err.contains("seed6.esc and part-0.esc are parts of different runs"),
        "{err}"
    );
    assert!(
        err.contains("seed 6 in seed6.esc, 5 in part-0.esc"),
        "{err}"
    );

    shard(d, 3002, 5, 1, 3, "trials.esc");
    let err = merge_refused(d, &["part-0.esc", "trials.esc", "part-2.esc"]);
    assert!(err.contains("trials 3002 in trials.esc, 3001 in"), "{err}");

    shard(d, 3001, 5, 1, 4, "count.esc");
    let err = merge_refused(d, &["part-0.esc", "count.esc"]);
    assert!(err.contains("shard count 4 in count.esc, 3 in"), "{err}");

    // Another policy: the identity's policy field.
    let t = [
        "run",
        "minimal",
        "--set",
        "actors.A.resolve=Uniform(0.5, 0.7)",
    ];
    let mut a = t.to_vec();
    a.extend([
        "--horizon",
        "200",
        "--quiet",
        "--trials",
        "3001",
        "--seed",
        "5",
        "--shard",
        "1/3",
        "--out",
        "nopolicy.esc",
    ]);
    ok(&a, d);
    let err = merge_refused(d, &["part-0.esc", "nopolicy.esc", "part-2.esc"]);
    assert!(
        err.contains("policy (none) in nopolicy.esc, talks in"),
        "{err}"
    );
}

#[test]
fn merge_refuses_a_duplicate_shard() {
    let (dir, _) = three_parts();
    let d = dir.path();
    std::fs::copy(d.join("part-1.esc"), d.join("copy.esc")).unwrap();
    let err = merge_refused(d, &["part-0.esc", "part-1.esc", "part-2.esc", "copy.esc"]);
    assert!(
        err.contains("shard 1/3 is given twice: part-1.esc and copy.esc"),
        "{err}"
    );
}

#[test]
fn merge_refuses_a_truncated_part_and_names_it() {
    let (dir, parts) = three_parts();
    let d = dir.path();
    let bytes = read(&parts[1]);
    std::fs::write(d.join("cut.esc"), &bytes[..bytes.len() / 2]).unwrap();
    let err = merge_refused(d, &["part-0.esc", "cut.esc", "part-2.esc"]);
    assert!(err.contains("cut.esc is truncated"), "{err}");
    // cut inside the header line
    std::fs::write(d.join("head.esc"), &bytes[..20]).unwrap();
    let err = merge_refused(d, &["part-0.esc", "head.esc", "part-2.esc"]);
    assert!(
        err.contains("head.esc is truncated: the file ends inside its header line"),
        "{err}"
    );
    std::fs::write(d.join("empty.esc"), b"").unwrap();
    let err = merge_refused(d, &["empty.esc"]);
    assert!(
        err.contains("empty.esc is truncated: the file is empty"),
        "{err}"
    );
}

#[test]
fn merge_refuses_a_part_with_a_flipped_byte_and_names_it() {
    let (dir, parts) = three_parts();
    let d = dir.path();
    let good = read(&parts[2]);
    // Flip one bit at several places: early payload (identity), middle (summary), last byte.
    let nl = good.iter().position(|&b| b == b'\n').unwrap();
    for (i, at) in [nl + 40, good.len() / 2, good.len() - 2]
        .into_iter()
        .enumerate()
    {
        let mut bad = good.clone();
        bad[at] ^= 0x04;
        let name = format!("flip{i}.esc");
        std::fs::write(d.join(&name), &bad).unwrap();
        let err = merge_refused(d, &["part-0.esc", "part-1.esc", &name]);
        assert!(
            err.contains(&format!("{name} is corrupt: its checksum does not match")),
            "{err}"
        );
    }
    // A flipped byte in the header's checksum is caught too.
    let mut bad = good.clone();
    bad[30] = if bad[30] == b'a' { b'b' } else { b'a' };
    std::fs::write(d.join("hdr.esc"), &bad).unwrap();
    let err = merge_refused(d, &["part-0.esc", "part-1.esc", "hdr.esc"]);
    assert!(err.contains("hdr.esc is corrupt"), "{err}");
}

#[test]
fn merge_names_missing_shards_and_writes_nothing() {
    let dir = Sandbox::new();
    let d = dir.path();
    let names: Vec<String> = [0u64, 1, 2, 4, 6]
        .iter()
        .map(|&k| {
            let n = format!("part-{k}.esc");
            shard(d, 700, 2, k, 7, &n);
            n
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let err = merge_refused(d, &names);
    assert!(
        err.contains("shards 3 and 5 of 7 are missing; nothing was written"),
        "{err}"
    );
    assert!(err.contains("sbatch --array=3,5"), "{err}");
    let err = merge_refused(d, &names[..1]);
    assert!(
        err.contains("shards 1 to 6 of 7 are missing (6 shards)"),
        "{err}"
    );
}

#[test]
fn merge_refuses_other_files_and_csv() {
    let (dir, _) = three_parts();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "hello\n").unwrap();
    let err = merge_refused(d, &["part-0.esc", "notes.txt"]);
    assert!(
        err.contains("notes.txt is not an escalate part file"),
        "{err}"
    );
    let err = merge_refused(d, &["part-0.esc", "nothere.esc"]);
    assert!(err.contains("cannot read part nothere.esc"), "{err}");
    let err = flat(&refused(
        &[
            "merge",
            "part-0.esc",
            "part-1.esc",
            "part-2.esc",
            "--csv",
            "t.csv",
        ],
        d,
    ));
    assert!(err.contains("a merged run has no per-trial rows"), "{err}");
    assert!(!d.join("t.csv").exists());
}

#[test]
fn shard_flags_are_checked() {
    let dir = Sandbox::new();
    let d = dir.path();
    for (spec, want) in [
        ("3/3", "shards are numbered 0 to 2"),
        ("1/0", "cannot be split into 0 shards"),
        ("x", "write K/N"),
    ] {
        let out = escalate_in(d, &["run", "minimal", "--shard", spec, "--out", "p.esc"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {err}");
        assert!(err.contains(want), "{spec}: {err}");
    }
    let out = escalate_in(d, &["run", "minimal", "--shard", "0/2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
    assert!(!d.join("p.esc").exists());
}

#[test]
fn merged_html_equals_the_single_runs_html() {
    let dir = Sandbox::new();
    let d = dir.path();
    ok(&run_args("2001", "4", &["--html", "single.html"]), d);
    let parts = all_shards(d, 2001, 4, 2);
    ok(&["merge", &parts[1], &parts[0], "--html", "merged.html"], d);
    assert_eq!(read(&d.join("merged.html")), read(&d.join("single.html")));
}

#[test]
fn a_policy_file_is_refused_for_shards_and_slurm() {
    let dir = Sandbox::new();
    let d = dir.path();
    std::fs::write(
        d.join("quiet.ron"),
        r#"Policy(name: "quiet", description: "resolve lowered", set: [("actors.A.resolve", 0.4)])"#,
    )
    .unwrap();
    // Unsharded, the policy file runs.
    ok(
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--policy",
            "quiet.ron",
            "-q",
        ],
        d,
    );
    for args in [
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--policy",
            "quiet.ron",
            "--shard",
            "0/2",
            "--out",
            "p.esc",
        ][..],
        &[
            "slurm",
            "minimal",
            "--trials",
            "10",
            "--policy",
            "quiet.ron",
            "--shards",
            "2",
            "--dir",
            "s",
        ][..],
    ] {
        let out = escalate_in(d, args);
        let err = flat(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("--policy quiet.ron: a policy file cannot be sharded or merged yet"),
            "{err}"
        );
    }
    assert!(!d.join("p.esc").exists());
    assert!(
        !d.join("s").exists(),
        "slurm writes nothing for a refused run"
    );
}

#[test]
fn slurm_writes_scripts_and_prints_one_command_without_a_cluster() {
    let dir = Sandbox::new();
    let d = dir.path();
    let out = ok(
        &[
            "slurm",
            "minimal",
            "--trials",
            "1000",
            "--seed",
            "3",
            "--shards",
            "8",
            "--time",
            "0:10:00",
            "--mem",
            "1G",
            "--partition",
            "short",
            "--set",
            "actors.A.resolve=Uniform(0.5, 0.7)",
            "--dir",
            "study",
        ],
        d,
    );
    let study = d.join("study").canonicalize().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        format!(
            "J=$(sbatch --parsable {0}/job.sbatch) && sbatch --dependency=afterok:${{J%%;*}} {0}/merge.sbatch",
            study.display()
        )
    );
    let job = std::fs::read_to_string(study.join("job.sbatch")).unwrap();
    let exe = Path::new(EXE).canonicalize().unwrap();
    for want in [
        "#SBATCH --array=0-7\n".to_string(),
        "#SBATCH --time=0:10:00\n".into(),
        "#SBATCH --mem=1G\n".into(),
        "#SBATCH --partition=short\n".into(),
        format!("#SBATCH --chdir={}\n", study.display()),
        format!(
            "{} run minimal --trials 1000 --seed 3 --horizon 365 --set 'actors.A.resolve=Uniform(0.5, 0.7)'",
            exe.display()
        ),
        format!(
            "--shard \"$K/8\" --out {}/parts/part-\"$K\".esc",
            study.display()
        ),
    ] {
        assert!(job.contains(&want), "job.sbatch lacks {want:?}:\n{job}");
    }
    let merge = std::fs::read_to_string(study.join("merge.sbatch")).unwrap();
    assert!(merge.contains(&format!(
        "{} merge {1}/parts/part-*.esc --json {1}/result.json",
        exe.display(),
        study.display()
    )));
    assert!(study.join("parts").is_dir() && study.join("logs").is_dir());
    assert_eq!(
        std::fs::read_to_string(study.join("scenario.ron")).unwrap(),
        std::fs::read_to_string(scenario("minimal.ron")).unwrap()
    );
    // A study directory that already holds parts is refused.
    std::fs::write(study.join("parts/part-0.esc"), "x").unwrap();
    let err = flat(&String::from_utf8_lossy(
        &escalate_in(d, &["slurm", "minimal", "--shards", "2", "--dir", "study"]).stderr,
    ));
    assert!(
        err.contains("already holds 1 part file of an earlier run"),
        "{err}"
    );
    // Bad resource values never reach an #SBATCH line.
    let out = escalate_in(
        d,
        &[
            "slurm", "minimal", "--shards", "2", "--time", "1:00 --x", "--dir", "t",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("t").exists());
}

/// Every file in `dir` whose name starts with a dot (temporaries, kept versions).
fn hidden_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// Regression: `merge q0.esc q1.esc --json q1.esc` replaced a part with the
/// report (merge had no check of its outputs against its inputs).
#[test]
fn merge_refuses_to_write_over_one_of_its_parts() {
    let dir = Sandbox::new();
    let d = dir.path();
    let parts = all_shards(d, 300, 5, 2);
    let before = std::fs::read(d.join(&parts[1])).unwrap();
    for (flag, target) in [
        ("--json", parts[1].clone()),
        ("--html", format!("./{}", parts[1])),
        (
            "--json",
            format!(
                "../{}/{}",
                d.file_name().unwrap().to_str().unwrap(),
                parts[0]
            ),
        ),
    ] {
        let err = refused(&["merge", &parts[0], &parts[1], flag, &target], d);
        assert!(
            flat(&err).contains("reads that file as a part to merge"),
            "{flag} {target}: {err}"
        );
    }
    assert_eq!(std::fs::read(d.join(&parts[1])).unwrap(), before);
    assert!(hidden_files(d).is_empty(), "{:?}", hidden_files(d));
}

/// Regression: `merge --json ok.json --html missing-dir/h.html` exited 2 with
/// `ok.json` already replaced (each output was written and renamed in turn).
#[test]
fn merge_writes_its_outputs_together_or_not_at_all() {
    let dir = Sandbox::new();
    let d = dir.path();
    let parts = all_shards(d, 300, 5, 2);
    std::fs::write(d.join("ok.json"), b"old json").unwrap();
    let err = refused(
        &[
            "merge",
            &parts[0],
            &parts[1],
            "--json",
            "ok.json",
            "--html",
            "missing-dir/h.html",
        ],
        d,
    );
    assert!(err.contains("missing-dir"), "{err}");
    assert_eq!(std::fs::read(d.join("ok.json")).unwrap(), b"old json");
    assert!(hidden_files(d).is_empty(), "{:?}", hidden_files(d));
    // Two spellings of one file for --json and --html are refused too.
    let err = refused(
        &[
            "merge",
            &parts[0],
            &parts[1],
            "--json",
            "ok.json",
            "--html",
            "./ok.json",
        ],
        d,
    );
    assert!(
        flat(&err).contains("--json and --html both name ok.json"),
        "{err}"
    );
    assert_eq!(std::fs::read(d.join("ok.json")).unwrap(), b"old json");
    // And a good pair is written, both files.
    ok(
        &[
            "merge", &parts[0], &parts[1], "--json", "ok.json", "--html", "ok.html",
        ],
        d,
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("ok.json")).unwrap()).unwrap();
    assert_eq!(v["trials"], 300);
    assert!(
        std::fs::read_to_string(d.join("ok.html"))
            .unwrap()
            .contains("</html>")
    );
    assert!(hidden_files(d).is_empty(), "{:?}", hidden_files(d));
}

/// A part's payload, decoded to JSON so a test can edit it like a forger.
fn edit_part(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    use escalate::distribution::part::PART_ENVELOPE;
    let bytes = std::fs::read(path).unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(PART_ENVELOPE.open(&bytes).unwrap()).unwrap();
    edit(&mut v);
    let mut payload = serde_json::to_vec(&v).unwrap();
    payload.push(b'\n');
    // The checksum recomputed: the envelope alone cannot tell.
    std::fs::write(path, PART_ENVELOPE.seal(&payload)).unwrap();
}

/// Regression: a part whose class counts were altered and its checksum
/// recomputed merged to the genuine digest, with probabilities summing to
/// 100.2%. Each inconsistent edit is refused, naming what disagrees.
#[test]
fn a_part_edited_inconsistently_with_its_checksum_recomputed_is_refused() {
    let dir = Sandbox::new();
    let d = dir.path();
    let parts = all_shards(d, 1000, 5, 2);
    let genuine = d.join("genuine.esc");
    std::fs::copy(d.join(&parts[1]), &genuine).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(Edit, &str); 7] = [
        (
            |v| bump(&mut v["summary"]["classes"][0], 2),
            "class counts add up to 502, but it covers 500 trials",
        ),
        (
            |v| bump(&mut v["summary"]["metrics"][0]["present"], 600),
            "counted in 1100 trials of 500",
        ),
        (
            |v| bump(&mut v["summary"]["metrics"][0]["present"], -1),
            "its histogram does not count the",
        ),
        (
            |v| bump(&mut v["summary"]["metrics"][0]["sum"], 1_000_000_000),
            "its sum",
        ),
        (
            |v| bump(&mut v["summary"]["metrics"][0]["max"], 1_000_000),
            "its histogram does not run from its smallest value to its largest",
        ),
        (
            |v| bump(&mut v["summary"]["rung_days"][0], 1),
            "rung counts of dyad 0, day 0 do not add up",
        ),
        (
            |v| {
                let counts = v["summary"]["deaths_by_day"][0]["counts"]
                    .as_array_mut()
                    .unwrap();
                bump(counts.last_mut().unwrap(), 1) // the last bucket is never empty
            },
            "deaths histogram of day 6 does not count",
        ),
    ];
    for (edit, why) in edits {
        let forged = d.join(&parts[1]);
        std::fs::copy(&genuine, &forged).unwrap();
        edit_part(&forged, edit);
        let err = merge_refused(d, &[&parts[0], &parts[1]]);
        assert!(err.contains(&format!("{} is corrupt", parts[1])), "{err}");
        assert!(err.contains(why), "expected `{why}`: {err}");
    }
    // The genuine part still merges.
    std::fs::copy(&genuine, d.join(&parts[1])).unwrap();
    ok(&["merge", &parts[0], &parts[1]], d);
}

/// Adds `by` to a JSON integer (an unsigned one, as counts are).
fn bump(v: &mut serde_json::Value, by: i128) {
    let n = v
        .as_u64()
        .map(i128::from)
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    let n = n.unwrap_or_else(|| panic!("not a count: {v}")) + by;
    *v = serde_json::Value::from(u64::try_from(n).expect("still a count"));
}

/// Regression: `--expect-digest zzz` exited 1 ("digest differs") instead of 2.
#[test]
fn a_malformed_expect_digest_exits_2_saying_what_a_digest_looks_like() {
    let dir = Sandbox::new();
    let d = dir.path();
    let parts = all_shards(d, 100, 5, 2);
    for args in [
        vec!["run", "minimal", "--trials", "10", "--expect-digest", "zzz"],
        vec!["merge", &parts[0], &parts[1], "--expect-digest", "abc123"],
    ] {
        let err = refused(&args, d);
        assert!(err.contains("64 hexadecimal digits"), "{args:?}: {err}");
    }
    // A well-formed digest that differs is still exit 1.
    let out = escalate_in(
        d,
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--expect-digest",
            &"0".repeat(64),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.describe());
}

/// Regression: the last shard of a `--trials 18446744073709551615` run never
/// ended: the aligned end of its last block overflowed u64, the block
/// iterator wrapped to 0 and yielded empty blocks forever. The arithmetic
/// is tested, not the run (a job that runs no trial stands in).
#[test]
fn the_last_shard_of_a_u64_max_run_computes_its_trial_range_and_blocks() {
    use escalate::run::BLOCK;
    use escalate::run::executor::{Executor, Job, blocks};
    use escalate::run::shard::Shard;
    let total = u64::MAX;
    let n = u64::MAX / 2_500;
    let last = Shard::new(n - 1, n).unwrap().range(total);
    assert_eq!(last.end, u64::MAX, "the last shard runs to the last trial");
    let before = Shard::new(n - 2, n).unwrap().range(total);
    assert_eq!(before.end, last.start, "shards are contiguous");
    assert!(
        (2_500..=2_501).contains(&(last.end - last.start)),
        "{last:?}"
    );
    let b: Vec<_> = blocks(last.clone()).collect();
    assert_eq!(b.first().map(|r| r.start), Some(last.start));
    assert_eq!(b.last().map(|r| r.end), Some(u64::MAX));
    for w in b.windows(2) {
        assert_eq!(w[0].end, w[1].start);
    }
    for r in &b {
        assert!(r.start < r.end, "an empty block {r:?}");
        assert_eq!(
            r.start / BLOCK,
            (r.end - 1) / BLOCK,
            "{r:?} spans two aligned windows"
        );
    }
    /// Counts the trials it is handed, runs none.
    struct Count;
    impl Job for Count {
        type Block = u64;
        fn run_block(&self, trials: std::ops::Range<u64>) -> u64 {
            trials.end - trials.start
        }
    }
    let mut counted = 0;
    Executor::new(Some(2))
        .unwrap()
        .run(&Count, last.clone(), |c| counted += c, |_| {});
    assert_eq!(counted, last.end - last.start);
}

/// Regression: merging a part of a run of 10^12 shards built the list of every
/// missing shard (23 GB, then the out-of-memory killer).
#[test]
fn merge_of_one_part_of_a_trillion_shards_names_the_missing_as_a_range() {
    let dir = Sandbox::new();
    let d = dir.path();
    ok(
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--quiet",
            "--shard",
            "0/1000000000000",
            "--out",
            "p.esc",
        ],
        d,
    );
    let err = merge_refused(d, &["p.esc"]);
    assert!(
        err.contains(
            "shards 1 to 999,999,999,999 of 1,000,000,000,000 are missing (999,999,999,999 shards)"
        ),
        "{err}"
    );
    assert!(err.contains("--array=1-999999999999"), "{err}");
}

/// Regression: `--threads 10000` took over 30 s for 10 trials (a pool of
/// 10,000 threads); the limit is refused before any work, naming it.
#[test]
fn threads_above_the_maximum_are_refused_naming_it() {
    let dir = Sandbox::new();
    let d = dir.path();
    let max = escalate::run::MAX_THREADS.to_string();
    let over = (escalate::run::MAX_THREADS + 1).to_string();
    for args in [
        vec![
            "run",
            "minimal",
            "--trials",
            "10",
            "--threads",
            "10000",
            "--json",
            "r.json",
        ],
        vec!["run", "minimal", "--trials", "10", "--threads", &over],
    ] {
        let err = refused(&args, d);
        assert!(
            err.contains("--threads") && err.contains(&format!("at most {max}")),
            "{err}"
        );
    }
    assert!(!d.join("r.json").exists());
    ok(
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--quiet",
            "--threads",
            &max,
        ],
        d,
    );
}
