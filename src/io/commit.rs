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
//!
//! [`OutputSet`] is the whole pattern of a command whose options name its
//! outputs (`--json`, `--html`, `--csv`): check them before any work
//! (standard output for at most one, and only where allowed; no output an
//! input of the command or another output), open each to its temporary file
//! once the command's inputs are known good, write them, and commit them all
//! together, the primary output (the first named) last.

use std::io::Write;
use std::path::Path;

use super::WriteError;
use super::atomic::{AtomicFile, Durability, check_target, rename_all};
use super::output::{Output, claim_stdout};
use super::overlap::{InputFiles, refuse_overlaps};

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

/// The outputs a command's options name, checked: see the module doc. The
/// first output named is the command's primary one (its JSON): it is
/// committed last, so that it being new means every other output is new too.
#[derive(Debug, Clone)]
pub struct OutputSet<'a> {
    /// `(option, path)` of each output given, in the order named.
    named: Vec<(&'a str, &'a Path)>,
    /// Whether one of them is standard output.
    to_stdout: bool,
}

impl<'a> OutputSet<'a> {
    /// Checks a command's outputs, `(option, path if given)`, before any
    /// work: only the options in `stdout_ok` may be `-`, and at most one
    /// ([`claim_stdout`]); none may be a file of `inputs` or another output
    /// ([`refuse_overlaps`]).
    pub fn check(
        outputs: &[(&'a str, Option<&'a Path>)],
        stdout_ok: &[&str],
        inputs: &InputFiles,
    ) -> Result<OutputSet<'a>, WriteError> {
        let to_stdout = claim_stdout(outputs, stdout_ok)?;
        let named = outputs
            .iter()
            .filter_map(|&(option, path)| path.map(|p| (option, p)))
            .collect();
        let set = OutputSet { named, to_stdout };
        set.refuse(inputs)?;
        Ok(set)
    }

    /// Whether an output is standard output (then the command prints nothing
    /// else there).
    pub fn to_stdout(&self) -> bool {
        self.to_stdout
    }

    /// Checks the outputs again against `inputs`: for inputs a command learns
    /// of only once it has read others (the posterior that merged parts name).
    pub fn refuse(&self, inputs: &InputFiles) -> Result<(), WriteError> {
        refuse_overlaps(&self.named, &inputs.named())
    }

    /// Opens every output, in the order named: a temporary file beside its
    /// target, or standard output, held until commit, or for the options in
    /// `streamed` written as it comes (per-trial rows).
    pub fn open(&self, streamed: &[&str]) -> Result<OpenOutputs<'a>, WriteError> {
        let mut outputs = Vec::with_capacity(self.named.len());
        for &(option, path) in &self.named {
            let output = if streamed.contains(&option) {
                Output::create_streaming(path)?
            } else {
                Output::create(path)?
            };
            outputs.push((option, output));
        }
        Ok(OpenOutputs { outputs })
    }
}

/// The outputs of an [`OutputSet`], open: written by option, then committed
/// together ([`OpenOutputs::commit`]). Dropped without commit, every
/// temporary file is removed and no file is changed.
#[derive(Debug)]
pub struct OpenOutputs<'a> {
    outputs: Vec<(&'a str, Output)>,
}

impl OpenOutputs<'_> {
    /// The output of `option`, if it was given.
    pub fn get(&mut self, option: &str) -> Option<&mut Output> {
        self.outputs
            .iter_mut()
            .find(|(o, _)| *o == option)
            .map(|(_, output)| output)
    }

    /// The outputs of two options at once (each `None` if not given): for
    /// two files streamed side by side during a run.
    pub fn get_two(&mut self, a: &str, b: &str) -> (Option<&mut Output>, Option<&mut Output>) {
        let (mut first, mut second) = (None, None);
        for (option, output) in self.outputs.iter_mut() {
            if *option == a {
                first = Some(output);
            } else if *option == b {
                second = Some(output);
            }
        }
        (first, second)
    }

    /// Writes the bytes `render` makes to the output of `option`, if it was
    /// given (`render` is called only then).
    pub fn write<B: AsRef<[u8]>>(
        &mut self,
        option: &str,
        render: impl FnOnce() -> B,
    ) -> Result<(), WriteError> {
        let Some(output) = self.get(option) else {
            return Ok(());
        };
        output
            .writer()
            .write_all(render().as_ref())
            .map_err(|e| output.err(e))
    }

    /// Commits every output together ([`commit_all`]): the others in the
    /// order named, then the first (the primary output) last.
    pub fn commit(self) -> Result<(), WriteError> {
        let mut outputs: Vec<Output> = self.outputs.into_iter().map(|(_, o)| o).collect();
        if !outputs.is_empty() {
            outputs.rotate_left(1);
        }
        commit_all(outputs)
    }
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
    fn an_output_set_is_checked_written_by_option_and_committed_primary_last() {
        let d = tempfile::tempdir().unwrap();
        let (json, html, input) = (
            d.path().join("r.json"),
            d.path().join("r.html"),
            d.path().join("in.ron"),
        );
        std::fs::write(&input, b"input").unwrap();
        let mut inputs = InputFiles::new();
        inputs.add("the scenario", &input);
        // An output that is an input is refused before anything is opened.
        let bad = [("--json", Some(input.as_path())), ("--html", None)];
        assert!(matches!(
            OutputSet::check(&bad, &["--json"], &inputs),
            Err(WriteError::OutputIsInput { .. })
        ));
        let outputs = [
            ("--json", Some(json.as_path())),
            ("--html", Some(html.as_path())),
            ("--csv", None),
        ];
        let set = OutputSet::check(&outputs, &["--json"], &inputs).unwrap();
        assert!(!set.to_stdout());
        let mut open = set.open(&[]).unwrap();
        open.write("--json", || "{}").unwrap();
        open.write("--html", || b"<p>".to_vec()).unwrap();
        open.write("--csv", || -> Vec<u8> { panic!("--csv was not given") })
            .unwrap();
        assert!(open.get("--csv").is_none());
        assert!(!json.exists() && !html.exists(), "written before commit");
        open.commit().unwrap();
        assert_eq!(std::fs::read(&json).unwrap(), b"{}");
        assert_eq!(std::fs::read(&html).unwrap(), b"<p>");
        // Dropped without commit: nothing changes, nothing is left beside.
        let set = OutputSet::check(&outputs, &["--json"], &inputs).unwrap();
        let mut open = set.open(&[]).unwrap();
        open.write("--json", || "new").unwrap();
        drop(open);
        assert_eq!(std::fs::read(&json).unwrap(), b"{}");
        assert!(hidden(d.path()).is_empty(), "{:?}", hidden(d.path()));
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
