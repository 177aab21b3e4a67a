//! Output files are atomic: a failing run leaves existing files byte-identical
//! and no temporary files behind; a successful run replaces them whole.

use std::path::Path;

use crate::harness::escalate;

const OLD_JSON: &[u8] = b"old json\n";
const OLD_HTML: &[u8] = b"<p>old html</p>\n";
const OLD_CSV: &[u8] = b"old,csv\n";

fn seed_files(dir: &Path) {
    std::fs::write(dir.join("r.json"), OLD_JSON).unwrap();
    std::fs::write(dir.join("r.html"), OLD_HTML).unwrap();
    std::fs::write(dir.join("r.csv"), OLD_CSV).unwrap();
}

fn assert_untouched(dir: &Path) {
    assert_eq!(std::fs::read(dir.join("r.json")).unwrap(), OLD_JSON);
    assert_eq!(std::fs::read(dir.join("r.html")).unwrap(), OLD_HTML);
    assert_eq!(std::fs::read(dir.join("r.csv")).unwrap(), OLD_CSV);
}

/// Every file name under `dir` (recursively), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            out.extend(
                listing(&e.path())
                    .into_iter()
                    .map(|n| format!("{name}/{n}")),
            );
            out.push(format!("{name}/"));
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

fn args<'a>(dir: &'a Path, extra: &'a [&'a str]) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = ["run", "scenarios/minimal.ron", "--trials", "300"]
        .map(Into::into)
        .to_vec();
    a.extend(extra.iter().map(Into::into));
    a.into_iter()
        .chain([
            "--json".into(),
            dir.join("r.json").into(),
            "--html".into(),
            dir.join("r.html").into(),
            "--csv".into(),
            dir.join("r.csv").into(),
        ])
        .collect()
}

#[test]
fn bad_override_leaves_old_files_intact() {
    let dir = tempfile::tempdir().unwrap();
    seed_files(dir.path());
    let before = listing(dir.path());
    let out = escalate(&args(dir.path(), &["--set", "actors.NOPE.resolve=0.5"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "a report was printed for a failed run"
    );
    assert_untouched(dir.path());
    assert_eq!(listing(dir.path()), before, "temporary files left behind");
}

#[test]
fn unwritable_output_leaves_the_other_outputs_intact() {
    let dir = tempfile::tempdir().unwrap();
    seed_files(dir.path());
    let before = listing(dir.path());
    // --json and --html are fine; --csv points into a directory that does not exist.
    let mut a = args(dir.path(), &[]);
    let i = a.iter().position(|s| s == "--csv").unwrap();
    a[i + 1] = dir.path().join("missing").join("r.csv").into();
    let out = escalate(&a);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing"),
        "error does not name the path: {err}"
    );
    assert_untouched(dir.path());
    assert_eq!(listing(dir.path()), before);

    // An output that is an existing directory fails before anything is replaced.
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    let before = listing(dir.path());
    let mut a = args(dir.path(), &[]);
    let i = a.iter().position(|s| s == "--html").unwrap();
    a[i + 1] = dir.path().join("adir").into();
    let out = escalate(&a);
    assert_eq!(out.status.code(), Some(2));
    assert_untouched(dir.path());
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn the_same_file_for_two_outputs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed_files(dir.path());
    let before = listing(dir.path());
    let mut a = args(dir.path(), &[]);
    let i = a.iter().position(|s| s == "--csv").unwrap();
    a[i + 1] = dir.path().join("r.json").into();
    let out = escalate(&a);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("both name"));
    assert_untouched(dir.path());
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn a_successful_run_replaces_files_whole_and_leaves_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    seed_files(dir.path());
    let before = listing(dir.path());
    let out = escalate(&args(dir.path(), &[]));
    out.assert_success();
    assert_eq!(listing(dir.path()), before, "temporary files left behind");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["trials"], 300);
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.trim_end().ends_with("</html>"));
    let csv = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    assert_eq!(csv.lines().count(), 301, "header + one row per trial");
}
