//! Outputs that would destroy an input of their command, or another output.
//!
//! [`refuse_overlaps`] compares every output of a command with every input
//! (the scenario, a policy file, a posterior, the parts of a merge, a run's
//! JSON, an observed file, ...) and with the other outputs, before any work
//! is done. Two paths are the same file when any of these agree:
//!
//! - where the name is: the canonical path of its directory joined with the
//!   file name (`out/x` and `out/../out/x`; a name that does not exist yet);
//! - what the name resolves to: the canonical path, symlinks followed;
//! - the file itself: device and inode (a hard link under another name).
//!
//! So `--json mine.ron` while running `mine.ron`, `merge q0.esc q1.esc --json
//! q1.esc`, an output symlinked to an input, and two output options naming
//! one file by different spellings are all refused. Standard output (`-`) is
//! never compared.

use std::path::{Path, PathBuf};

use super::WriteError;
use super::output::is_stdout;
use super::temporary::parent_dir;

/// How one path can be told to be the same file as another.
#[derive(Debug)]
struct Place {
    /// Canonical directory joined with the file name.
    location: Option<PathBuf>,
    /// Canonical path of what the name resolves to (when it exists).
    resolved: Option<PathBuf>,
    /// Device and inode (when it exists; Unix).
    id: Option<(u64, u64)>,
}

impl Place {
    fn of(path: &Path) -> Place {
        let location = path.file_name().and_then(|name| {
            std::fs::canonicalize(parent_dir(path))
                .ok()
                .map(|d| d.join(name))
        });
        Place {
            location,
            resolved: std::fs::canonicalize(path).ok(),
            id: file_id(path),
        }
    }

    fn same_as(&self, other: &Place) -> bool {
        fn both<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            matches!((a, b), (Some(x), Some(y)) if x == y)
        }
        both(&self.location, &other.location)
            || both(&self.resolved, &other.resolved)
            || both(&self.id, &other.id)
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// The files a command reads, each with what it is ("the scenario"), for
/// [`refuse_overlaps`]. Names that are not files (a bundled scenario's name,
/// a policy of the scenario) are harmless: only inputs that exist are compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputFiles(Vec<(&'static str, PathBuf)>);

impl InputFiles {
    /// No inputs.
    pub fn new() -> InputFiles {
        InputFiles::default()
    }

    /// Adds `path`, which is `what` (e.g. "the scenario").
    pub fn add(&mut self, what: &'static str, path: impl Into<PathBuf>) -> &mut Self {
        self.0.push((what, path.into()));
        self
    }

    /// The inputs as [`refuse_overlaps`] takes them.
    pub fn named(&self) -> Vec<(&str, &Path)> {
        self.0.iter().map(|(w, p)| (*w, p.as_path())).collect()
    }
}

/// Refuses an output (`(option, path)`) that is the same file as an input
/// (`(what it is, path)`) or as another output. Outputs to standard output
/// (`-`) are skipped; so are inputs that do not exist (they are not read).
pub fn refuse_overlaps(
    outputs: &[(&str, &Path)],
    inputs: &[(&str, &Path)],
) -> Result<(), WriteError> {
    let outs: Vec<(&str, &Path, Place)> = outputs
        .iter()
        .filter(|(_, p)| !is_stdout(p))
        .map(|&(o, p)| (o, p, Place::of(p)))
        .collect();
    let ins: Vec<(&str, &Path, Place)> = inputs
        .iter()
        .filter(|(_, p)| p.exists())
        .map(|&(w, p)| (w, p, Place::of(p)))
        .collect();
    for (k, (option, path, place)) in outs.iter().enumerate() {
        if let Some((input, input_path, _)) = ins.iter().find(|(_, _, i)| place.same_as(i)) {
            return Err(WriteError::OutputIsInput {
                option: option.to_string(),
                path: path.to_path_buf(),
                input: input.to_string(),
                input_path: input_path.to_path_buf(),
            });
        }
        if let Some((first, first_path, _)) = outs[..k].iter().find(|(_, _, o)| place.same_as(o)) {
            return Err(WriteError::SameOutput {
                first: first.to_string(),
                first_path: first_path.to_path_buf(),
                second: option.to_string(),
                second_path: path.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_links_and_new_names_of_one_file_are_the_same() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        let x = dir.join("x");
        let dotted = d.path().join("out/../out/x");
        // Neither exists yet: the same place.
        assert!(Place::of(&x).same_as(&Place::of(&dotted)));
        assert!(!Place::of(&x).same_as(&Place::of(&dir.join("y"))));
        std::fs::write(&x, b"x").unwrap();
        assert!(Place::of(&x).same_as(&Place::of(&dotted)));
        #[cfg(unix)]
        {
            let link = d.path().join("link");
            std::os::unix::fs::symlink(&x, &link).unwrap();
            assert!(Place::of(&link).same_as(&Place::of(&x)));
            let hard = d.path().join("hard");
            std::fs::hard_link(&x, &hard).unwrap();
            assert!(Place::of(&hard).same_as(&Place::of(&x)));
        }
    }

    #[test]
    fn an_output_over_an_input_or_another_output_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let s = d.path().join("mine.ron");
        std::fs::write(&s, b"(...)").unwrap();
        let e = refuse_overlaps(&[("--json", &s)], &[("the scenario", &s)]).unwrap_err();
        assert!(matches!(e, WriteError::OutputIsInput { .. }), "{e:?}");
        let j = d.path().join("r.json");
        let e = refuse_overlaps(&[("--json", &j), ("--csv", &j)], &[]).unwrap_err();
        assert!(matches!(e, WriteError::SameOutput { .. }), "{e:?}");
        let dash = Path::new("-");
        refuse_overlaps(&[("--json", dash), ("--csv", dash), ("--html", &j)], &[]).unwrap();
        // An input that does not exist is not compared.
        refuse_overlaps(&[("--json", &j)], &[("the posterior", &j)]).unwrap();
    }
}
