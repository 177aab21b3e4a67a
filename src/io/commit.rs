//! The outputs of one command, committed together or not at all.
//!
//! [`commit_all`] takes every output of a command, each already written to
//! its temporary file, and:
//!
//! 1. flushes and syncs every temporary file, and checks every target again
//!    (a directory or device that appeared since is refused): any failure
//!    here removes every temporary file and changes nothing;
//! 2. writes an output held for standard output (`--json -`), so a closed
//!    pipe or a full disk behind it also changes no file;
//! 3. with the temporary-file registry locked (a SIGINT or SIGTERM waits
//!    until step 5 is done, see [`super::temporary`]), keeps the previous
//!    version of every existing target as a hard link
//!    `.NAME.XXXXXXXXXXXX.old` beside it, then renames the temporary files
//!    over their targets in the order given;
//! 4. if a rename fails, puts every target already renamed back (its kept
//!    version renamed over it, or, for a target that did not exist, the new
//!    file removed), removes the remaining temporary files and reports the
//!    error: the old files are as they were;
//! 5. syncs the directories of durable outputs, then removes the kept
//!    versions.
//!
//! What "together" cannot promise: a rename is atomic, a sequence of them is
//! not. A crash of the process (SIGKILL, the out-of-memory killer) or of the
//! machine during step 3 can leave the first outputs new and the rest old.
//! That state is always visible: every output not yet renamed still has its
//! complete, synced `.NAME.XXXXXXXXXXXX.tmp` beside it, and every replaced
//! output's previous version is in its `.NAME.XXXXXXXXXXXX.old`. Commands
//! pass their outputs with the primary one (the JSON, or a directory's
//! checkpoint) last, so that one being new means every other is new too.
//! Where the file system cannot make hard links, no version is kept, and a
//! failed rename (step 4) names the outputs it could not put back.
//!
//! A single output needs none of this: one rename either happened or not.

use std::io::Write;
use std::path::Path;

use super::WriteError;
use super::atomic::{AtomicFile, Durability, check_target, rename_all};
use super::output::Output;

/// Commits every output of one command together (see the module doc): all
/// or, on any error, none of them, the old files left as they were. Outputs
/// are renamed in the order given; an output to standard output is written
/// before any file is renamed.
pub fn commit_all(outputs: Vec<Output>) -> Result<(), WriteError> {
    let mut staged = Vec::new();
    let mut stdout = Vec::new();
    for o in outputs {
        match o.into_file() {
            Ok(f) => staged.push(f.stage()?),
            Err(s) => stdout.push(s),
        }
    }
    for s in &staged {
        check_target(&s.path)?;
    }
    for s in stdout {
        s.commit()?;
    }
    rename_all(staged)
}

/// Writes each `(path, bytes)` to its temporary file, then commits them all
/// together ([`commit_all`]), in the order given.
pub fn write_all_atomic(
    files: &[(&Path, &[u8])],
    durability: Durability,
) -> Result<(), WriteError> {
    let mut outputs = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut f = AtomicFile::with_durability(path, durability)?;
        f.writer().write_all(bytes).map_err(|e| f.err(e))?;
        outputs.push(Output::from(f));
    }
    commit_all(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        v.sort();
        v
    }

    fn output(path: &Path, bytes: &[u8]) -> Output {
        let mut o = Output::create(path).unwrap();
        o.writer().write_all(bytes).unwrap();
        o
    }

    #[test]
    fn every_output_is_replaced_and_nothing_is_left_beside_them() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.html"), d.path().join("b.json"));
        std::fs::write(&a, b"old a").unwrap();
        commit_all(vec![output(&a, b"new a"), output(&b, b"new b")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert!(hidden(d.path()).is_empty(), "{:?}", hidden(d.path()));
    }

    /// A rename that fails after an earlier one succeeded (here: the second
    /// output's directory was moved away during the run) puts the first back.
    #[test]
    fn a_failed_rename_puts_the_outputs_already_renamed_back() {
        let d = tempfile::tempdir().unwrap();
        let (one, two) = (d.path().join("one"), d.path().join("two"));
        std::fs::create_dir(&one).unwrap();
        std::fs::create_dir(&two).unwrap();
        let kept = one.join("r.json");
        std::fs::write(&kept, b"old json").unwrap();
        let fresh = one.join("r.csv"); // did not exist
        let moved = two.join("r.html");
        std::fs::write(&moved, b"old html").unwrap();
        let outputs = vec![
            output(&kept, b"new json"),
            output(&fresh, b"new csv"),
            output(&moved, b"new html"),
        ];
        std::fs::rename(&two, d.path().join("elsewhere")).unwrap();
        let e = commit_all(outputs).unwrap_err();
        assert!(matches!(e, WriteError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("r.html"), "{e}");
        assert_eq!(std::fs::read(&kept).unwrap(), b"old json");
        assert!(!fresh.exists(), "a new output was left");
        assert!(hidden(&one).is_empty(), "{:?}", hidden(&one));
        let elsewhere = d.path().join("elsewhere");
        assert_eq!(
            std::fs::read(elsewhere.join("r.html")).unwrap(),
            b"old html"
        );
    }

    #[test]
    fn a_target_that_became_a_directory_fails_before_any_rename() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.json"), d.path().join("b.html"));
        std::fs::write(&a, b"old").unwrap();
        let outputs = vec![output(&a, b"new"), output(&b, b"new")];
        std::fs::create_dir(&b).unwrap();
        assert!(matches!(
            commit_all(outputs),
            Err(WriteError::NotAFile { .. })
        ));
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert!(hidden(d.path()).is_empty());
    }
}
