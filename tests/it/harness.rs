//! The one way the integration tests run the `escalate` binary.
//!
//! Every run happens in a fresh temporary directory, a [`Sandbox`], that
//! links the project's `scenarios/` and `tests/fixtures/` at the same relative
//! paths: command lines name files as a user in the project root would
//! (`scenarios/minimal.ron`), so diagnostics and snapshots show those paths,
//! while whatever a run writes into its working directory stays out of the
//! source tree and is gone after the test.
//!
//! The environment is fixed for every run: `NO_COLOR=1` (a test that needs it
//! unset says so with [`Escalate::env_remove`]), `CLICOLOR_FORCE` and
//! `FORCE_COLOR` removed, stdin empty unless given, stdout and stderr pipes:
//! no terminal anywhere.
//!
//! - [`escalate`]`(&args)`: one run in a sandbox of its own; [`command`]: the
//!   same as an [`Escalate`] builder (env, stdin, a spawned child);
//! - [`Sandbox::new`], [`Sandbox::run`], [`Sandbox::escalate`]: several runs
//!   sharing one directory; [`escalate_in`]: a run in a directory inside one;
//! - [`Run`]: exit status, stdout and stderr (the fields of
//!   `std::process::Output`), with text and assertion helpers;
//! - [`project`], [`scenario`], [`fixture`]: absolute paths into the project.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// The `escalate` binary under test.
pub const EXE: &str = env!("CARGO_BIN_EXE_escalate");

/// The project root (`CARGO_MANIFEST_DIR`).
pub fn project_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the project root, made absolute.
pub fn project(rel: impl AsRef<Path>) -> PathBuf {
    project_dir().join(rel)
}

/// A bundled scenario file: `scenarios/NAME`.
pub fn scenario(name: &str) -> PathBuf {
    project("scenarios").join(name)
}

/// A test fixture: `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    project("tests/fixtures").join(name)
}

/// What a sandbox links from the project, at the same relative path.
const LINKED: [&str; 2] = ["scenarios", "tests/fixtures"];

/// A fresh temporary working directory, removed when dropped.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A new empty directory holding links to `scenarios/` and `tests/fixtures/`.
    pub fn new() -> Sandbox {
        let s = Sandbox::empty();
        for rel in LINKED {
            s.link(rel);
        }
        s
    }

    /// A new empty directory, linking nothing.
    pub fn empty() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("escalate-it-")
            .tempdir()
            .expect("a temporary directory");
        Sandbox { dir }
    }

    /// Copies the project's `rel` (a file or directory) to the same relative
    /// path inside the sandbox: what runs there may write to it without
    /// touching the project (the doc runner's sandboxes are copies). A linked
    /// directory on the way (`scenarios/` of [`Sandbox::new`]) is first made a
    /// real directory of links to the project's entries, so the copy never
    /// lands in the project itself.
    pub fn copy(&self, rel: impl AsRef<Path>) -> &Sandbox {
        self.copy_from(project_dir(), rel.as_ref())
    }

    /// [`Sandbox::copy`] from the tree at `root`.
    fn copy_from(&self, root: &Path, rel: &Path) -> &Sandbox {
        let to = self.real_parents(root, rel);
        if to.is_symlink() {
            // A link at the copy's own place: replaced, never written through.
            remove_link(&to);
        }
        copy_tree(&root.join(rel), &to);
        let (root, copied) = (
            root.canonicalize().expect("the project"),
            to.canonicalize().expect("the copy"),
        );
        assert!(
            !copied.starts_with(&root),
            "the copy of {} is {}, inside the project",
            rel.display(),
            copied.display()
        );
        self
    }

    /// `rel` in the sandbox, after making every directory on the way to it a
    /// real one: missing ones are created, links (to the same directory of
    /// the tree at `root`) become directories of links to its entries.
    fn real_parents(&self, root: &Path, rel: &Path) -> PathBuf {
        let (mut at, mut from) = (self.path().to_path_buf(), root.to_path_buf());
        for part in rel.parent().into_iter().flat_map(Path::components) {
            at.push(part);
            from.push(part);
            if at.is_symlink() {
                remove_link(&at);
                std::fs::create_dir(&at).expect("sandbox directory");
                for entry in std::fs::read_dir(&from).expect("project directory") {
                    let entry = entry.expect("directory entry");
                    link_dir(&entry.path(), &at.join(entry.file_name()));
                }
            } else if !at.exists() {
                std::fs::create_dir(&at).expect("sandbox directory");
            }
        }
        self.join(rel)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Links the project's `rel` (a file or directory) at the same relative
    /// path inside the sandbox, beside `scenarios/` and `tests/fixtures/`.
    pub fn link(&self, rel: impl AsRef<Path>) -> &Sandbox {
        self.link_from(project_dir(), rel.as_ref())
    }

    /// [`Sandbox::link`] to the tree at `root` (a link inside a linked
    /// directory is made in the sandbox, not in the tree).
    fn link_from(&self, root: &Path, rel: &Path) -> &Sandbox {
        let link = self.real_parents(root, rel);
        if link.is_symlink() {
            remove_link(&link); // an entry of a directory made real on the way
        }
        link_dir(&root.join(rel), &link);
        self
    }

    /// `escalate` to be run in this directory.
    pub fn escalate(&self) -> Escalate {
        Escalate::new(self.path())
    }

    /// Runs `escalate ARGS` in this directory.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        self.escalate().args(args).run()
    }
}

#[cfg(unix)]
fn link_dir(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("link {} -> {}: {e}", link.display(), target.display()));
}

#[cfg(not(unix))]
fn link_dir(target: &Path, link: &Path) {
    // No unprivileged symlinks: a copy serves (the tests only read these files).
    copy_tree(target, link);
}

/// Removes the link `path` (not what it points to).
fn remove_link(path: &Path) {
    std::fs::remove_file(path)
        .or_else(|_| std::fs::remove_dir(path)) // a directory link on some systems
        .unwrap_or_else(|e| panic!("remove the link {}: {e}", path.display()));
}

/// Copies a file, or a directory and everything in it.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::copy(from, to).expect("copy into the sandbox");
        return;
    }
    std::fs::create_dir_all(to).expect("sandbox directory");
    for entry in std::fs::read_dir(from).expect("project directory") {
        let entry = entry.expect("directory entry");
        copy_tree(&entry.path(), &to.join(entry.file_name()));
    }
}

/// `escalate` to be run in a sandbox of its own, removed after the run.
pub fn command() -> Escalate {
    let sandbox = Sandbox::new();
    let mut c = Escalate::new(sandbox.path());
    c.sandbox = Some(sandbox);
    c
}

/// Runs `escalate ARGS` in a sandbox of its own, removed after the run.
pub fn escalate<S: AsRef<OsStr>>(args: &[S]) -> Run {
    command().args(args).run()
}

/// Runs `escalate ARGS` in `dir` (a sandbox, or a directory inside one).
pub fn escalate_in<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Run {
    Escalate::new(dir).args(args).run()
}

/// One invocation of `escalate`, built up and then [run](Escalate::run) or
/// [spawned](Escalate::spawn).
pub struct Escalate {
    command: Command,
    args: Vec<OsString>,
    dir: PathBuf,
    stdin: Option<Vec<u8>>,
    /// The sandbox it runs in, when it owns one ([`command`]).
    sandbox: Option<Sandbox>,
}

impl Escalate {
    /// `escalate` with no arguments, to run in `dir`, in the fixed environment.
    pub fn new(dir: &Path) -> Escalate {
        let mut command = Command::new(EXE);
        command
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR");
        Escalate {
            command,
            args: Vec::new(),
            dir: dir.to_path_buf(),
            stdin: None,
            sandbox: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Escalate {
        self.command.arg(arg.as_ref());
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(self, args: I) -> Escalate
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, |c, a| c.arg(a))
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Escalate {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Escalate {
        self.command.env_remove(key);
        self
    }

    /// What the run reads on stdin (otherwise stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Escalate {
        self.stdin = Some(bytes.into());
        self
    }

    /// The command line, for messages.
    fn shown(&self) -> String {
        let mut s = String::from("escalate");
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// Runs to the end and collects what it printed.
    pub fn run(mut self) -> Run {
        let command = self.shown();
        self.command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
        // Fed from a thread, so a run that prints before it reads cannot block.
        let feeder = self.stdin.take().map(|bytes| {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            std::thread::spawn(move || {
                // A run that exits without reading everything closes the pipe.
                let _ = pipe.write_all(&bytes);
            })
        });
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{command}: {e}"));
        if let Some(f) = feeder {
            f.join().expect("stdin feeder");
        }
        Run {
            status: out.status,
            stdout: out.stdout,
            stderr: out.stderr,
            command,
            dir: self.dir,
        }
    }

    /// Starts the run and returns at once; its stdout and stderr are discarded.
    pub fn spawn(mut self) -> Spawned {
        let command = self.shown();
        let child = self
            .command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
        Spawned {
            child,
            _sandbox: self.sandbox,
        }
    }
}

/// A running `escalate` (a `std::process::Child`), holding its sandbox, if it
/// owns one, until dropped.
pub struct Spawned {
    child: Child,
    _sandbox: Option<Sandbox>,
}

impl std::ops::Deref for Spawned {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl std::ops::DerefMut for Spawned {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

/// A finished run: the fields of `std::process::Output`, and what ran where.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The command line as run (`escalate ARGS`).
    pub command: String,
    /// The working directory it ran in.
    pub dir: PathBuf,
}

impl Run {
    /// The exit code (None if killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// What ran and what it printed, for a failure message.
    pub fn describe(&self) -> String {
        format!(
            "{} (in {}) exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.command,
            self.dir.display(),
            self.code(),
            self.stdout_text(),
            self.stderr_text()
        )
    }

    /// Panics, showing the run, unless it exited 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Run {
        assert!(self.success(), "{}", self.describe());
        self
    }

    /// Panics, showing the run, unless it exited with `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), Some(code), "{}", self.describe());
        self
    }
}

// ---- The harness itself -----------------------------------------------------

#[test]
fn each_sandbox_is_fresh_and_sees_the_project_files() {
    let (a, b) = (Sandbox::new(), Sandbox::new());
    assert_ne!(a.path(), b.path());
    assert!(a.join("scenarios/minimal.ron").is_file());
    assert!(a.join("tests/fixtures/all_features.ron").is_file());
    assert!(scenario("minimal.ron").is_absolute() && scenario("minimal.ron").is_file());
    assert!(fixture("all_features.ron").is_file());
    // What a run writes lands in its own sandbox, and nowhere in the project.
    let run = a.run(&[
        "run", "minimal", "--trials", "10", "--quiet", "--json", "r.json",
    ]);
    run.assert_success();
    assert!(a.join("r.json").is_file());
    assert!(!b.join("r.json").exists() && !project("r.json").exists());
    let gone = a.path().to_path_buf();
    drop(a);
    assert!(!gone.exists(), "the sandbox is removed when dropped");
}

/// Regression: `Sandbox::new().copy("scenarios/minimal.ron")` copied the
/// project's file onto itself through the linked `scenarios/` (truncating
/// it), and `copy("scenarios")` did so for every bundled scenario; a test
/// writing to its "copy" wrote to the repository. Shown on a stand-in
/// project, so a failure harms no real file.
#[cfg(unix)]
#[test]
fn regression_copy_never_writes_through_a_linked_directory() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir_all(root.join("scenarios/sub")).unwrap();
    for (file, text) in [("a.ron", "a"), ("b.ron", "b"), ("sub/c.ron", "c")] {
        std::fs::write(root.join("scenarios").join(file), text).unwrap();
    }
    let unchanged = || {
        for (file, text) in [("a.ron", "a"), ("b.ron", "b"), ("sub/c.ron", "c")] {
            let now = std::fs::read_to_string(root.join("scenarios").join(file)).unwrap();
            assert_eq!(now, text, "the project's scenarios/{file} was written");
        }
    };
    // A file, and a file two links deep, copied under a linked directory.
    let s = Sandbox::empty();
    s.link_from(root, Path::new("scenarios"));
    s.copy_from(root, Path::new("scenarios/a.ron"));
    s.copy_from(root, Path::new("scenarios/sub/c.ron"));
    unchanged();
    assert!(!s.join("scenarios").is_symlink() && !s.join("scenarios/sub").is_symlink());
    for file in ["a.ron", "sub/c.ron"] {
        let copy = s.join("scenarios").join(file);
        assert!(!copy.is_symlink(), "{file}");
        std::fs::write(&copy, "changed").unwrap();
    }
    unchanged();
    // The other entries are still seen, through links.
    assert_eq!(
        std::fs::read_to_string(s.join("scenarios/b.ron")).unwrap(),
        "b"
    );
    // The linked directory itself, copied.
    let s = Sandbox::empty();
    s.link_from(root, Path::new("scenarios"));
    s.copy_from(root, Path::new("scenarios"));
    unchanged();
    std::fs::write(s.join("scenarios/b.ron"), "changed").unwrap();
    std::fs::write(s.join("scenarios/sub/c.ron"), "changed").unwrap();
    unchanged();
    // A link made inside a linked directory is made in the sandbox.
    let s = Sandbox::empty();
    s.link_from(root, Path::new("scenarios"));
    s.link_from(root, Path::new("scenarios/sub"));
    assert!(!root.join("scenarios/sub/sub").exists());
    unchanged();
    // And on the real project: a copy beside the linked scenarios is the sandbox's own.
    let s = Sandbox::new();
    s.copy("scenarios/minimal.ron");
    let copy = s.join("scenarios/minimal.ron");
    assert!(!copy.is_symlink() && !s.join("scenarios").is_symlink());
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(scenario("minimal.ron")).unwrap()
    );
    assert!(s.join("scenarios/pak-afghan-2024.ron").is_file());
}

#[cfg(unix)]
#[test]
fn stdin_is_fed_and_exit_codes_are_seen() {
    let text = std::fs::read_to_string(scenario("minimal.ron")).unwrap();
    let run = command().args(["validate", "/dev/stdin"]).stdin(text).run();
    run.assert_success();
    assert!(run.stdout_text().contains("valid"), "{}", run.describe());
    // Without stdin given, stdin is empty: the same command has nothing to read.
    escalate(&["validate", "/dev/stdin"]).assert_code(2);
    escalate(&["validate", "tests/fixtures/invalid/syntax.ron"]).assert_code(2);
}

/// A plain `std::process::Command` for `escalate` with the harness's
/// environment (no colour), for tests that need the child itself (spawning
/// several at once and collecting their output).
pub fn std_command() -> std::process::Command {
    let mut c = std::process::Command::new(EXE);
    c.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(std::process::Stdio::null());
    c
}

/// Asserts two sweep directories hold the same bytes: every output file and
/// every point file (a killed writer's hidden temporary is not a point file).
pub fn assert_same_sweep(a: &Path, b: &Path) {
    for f in escalate::sweep::OUTPUTS {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    let list = |d: &Path| {
        // A killed writer may leave its hidden temporary (`.NAME.RANDOM.tmp`):
        // not a point file, and no other process deletes it (docs/sweeps.md).
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(d.join("points"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        v.sort();
        v
    };
    let (pa, pb) = (list(a), list(b));
    assert_eq!(pa.len(), pb.len());
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
}
