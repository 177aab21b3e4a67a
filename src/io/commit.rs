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
use std::path::{Path, PathBuf};

use super::WriteError;
use super::atomic::{AtomicFile, Durability, check_target, sync_dir};
use super::output::Output;
use super::temporary::{Backup, Registry, Temporary, lock, parent_dir};

/// An output whose temporary file is complete and synced, ready to be renamed.
pub(crate) struct Staged {
    /// The target.
    pub(crate) path: PathBuf,
    /// Whether its directory is synced after the rename.
    pub(crate) durability: Durability,
    /// The temporary file.
    pub(crate) tmp: Temporary,
}

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

/// Steps 3 to 5 of the module doc, for staged files.
pub(crate) fn rename_all(mut staged: Vec<Staged>) -> Result<(), WriteError> {
    for s in &staged {
        check_target(&s.path)?;
    }
    let mut reg = lock();
    let result = rename_locked(&mut staged, &mut reg);
    // Unrenamed temporaries are removed after the lock is released (their
    // drop takes it).
    drop(reg);
    drop(staged);
    result
}

fn rename_locked(staged: &mut [Staged], reg: &mut Registry) -> Result<(), WriteError> {
    // What was at each target, and a kept version of it (several outputs only).
    let several = staged.len() > 1;
    let mut before: Vec<(bool, Option<Backup>)> = Vec::with_capacity(staged.len());
    for s in staged.iter() {
        let existed = std::fs::symlink_metadata(&s.path).is_ok();
        let backup = if several && existed {
            Backup::keep(&s.path).ok()
        } else {
            None
        };
        before.push((existed, backup));
    }
    for i in 0..staged.len() {
        let s = &mut staged[i];
        if let Err(source) = s.tmp.persist(reg, &s.path) {
            let path = s.path.clone();
            let not_restored = roll_back(&staged[..i], &mut before[..i]);
            return Err(if not_restored.is_empty() {
                WriteError::Io { path, source }
            } else {
                WriteError::NotRestored {
                    path,
                    source,
                    not_restored,
                }
            });
        }
    }
    let mut synced: Vec<&Path> = Vec::new();
    for s in staged.iter() {
        let dir = parent_dir(&s.path);
        if s.durability == Durability::Durable && !synced.contains(&dir) {
            sync_dir(&s.path)?;
            synced.push(dir);
        }
    }
    // `before` drops here: the kept versions are removed.
    Ok(())
}

/// Puts the renamed targets back, last first; returns those it could not.
fn roll_back(renamed: &[Staged], before: &mut [(bool, Option<Backup>)]) -> Vec<PathBuf> {
    let mut not_restored = Vec::new();
    for (s, (existed, backup)) in renamed.iter().zip(before.iter_mut()).rev() {
        let restored = match backup.take() {
            Some(b) => b.restore(&s.path).is_ok(),
            // The file there is the one this commit made.
            None if !*existed => std::fs::remove_file(&s.path).is_ok(),
            None => false,
        };
        if !restored {
            not_restored.push(s.path.clone());
        }
    }
    not_restored
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
