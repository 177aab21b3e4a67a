//! The doc runner: every shell block of README.md and docs/*.md runs against
//! the current build, and what a block shows after each command must be what
//! that command prints. A changed figure fails CI until the doc is regenerated
//! (`ESCALATE_DOCS=overwrite`, below); a snippet that does not paste and run
//! fails too.
//!
//! # What runs
//!
//! Two fence kinds hold shell, and every other kind (`text`, `ron`, `yaml`,
//! `python`, ...) is prose to the runner:
//!
//! - ```` ```console ````: commands after a `$ ` prompt (a line ending in `\`
//!   continues on the next), each followed by the output it prints (stdout and
//!   stderr together, as a terminal shows them);
//! - ```` ```sh ````: a script to paste, one command a line (with `\`
//!   continuations; `#` lines are comments); its output is not shown, so only
//!   its exit status is checked.
//!
//! `bash`, `shell` and the like are refused (say `console` or `sh`), and so is
//! an unmarked fence holding a `$ ` line: the docs keep to the two kinds.
//!
//! Each document runs in a sandbox of its own ([`Sandbox`]: copies of the
//! project's `scenarios/`, `tests/fixtures/` and `data/`, so that nothing a
//! command writes reaches the project, and `target/release/escalate` linked
//! to the build under test, so the tutorial's `alias` works), through one `sh` process for the whole document: blocks
//! run in order and share files, the working directory, variables and
//! aliases, as they do for a reader who pastes them one after another. The
//! built `escalate` is first on `PATH`; `cargo run --release -- ARGS` means
//! `escalate ARGS` and `cargo build --release` does nothing (the test binary
//! is already the current build); the environment has `NO_COLOR=1` and
//! `LC_ALL=C`, and no `COLUMNS`. Each command reads an empty stdin.
//!
//! A command must exit 0, unless the command after it in the same block is
//! `echo $?`, which then shows the status.
//!
//! # Comparing: exact, with two elisions
//!
//! The shown output must equal the printed output line for line (trailing
//! spaces aside), except where the doc writes one of snapbox's elisions:
//!
//! - a line `...` matches any number of lines (none included): output cut for
//!   space, or a command whose output the doc leaves out (`$ cmd` then `...`);
//! - `[..]` inside a line matches any text within that line: a timing, a date,
//!   a job id, a path that differs from machine to machine.
//!
//! and two names for what differs from run to run: `[DIR]` is the sandbox (the
//! directory the reader runs the commands in) and `[ESCALATE]` the built
//! binary's path. Digests, counts and figures are never elided: they are the
//! point of the comparison. A command shown with nothing after it must print
//! nothing.
//!
//! # Blocks that do not run here
//!
//! An HTML comment on the line before a fence (blank lines between allowed):
//!
//! - `<!-- doctest: skip: REASON -->`: not run; the runner lists it with the
//!   reason (a command that needs root, one that runs the whole test suite);
//! - `<!-- doctest: slurm -->`: runs when a Slurm cluster answers, as
//!   tests/it/slurm.rs decides (and fails without one under
//!   `ESCALATE_SLURM_REQUIRED=1`), else is listed as skipped with why;
//! - `<!-- doctest: needs PROGRAM -->`: runs when `PROGRAM` is on `PATH`
//!   (`chromium`, which CI installs), else is listed as skipped;
//! - `<!-- doctest: file PATH -->` before any block: its text is written to
//!   `PATH` in the sandbox, for the commands after it (a policy file the doc
//!   shows, then uses).
//!
//! # Figures in prose
//!
//! A sentence that quotes a number a block printed ("about 36%") is bound to
//! it by a comment right before its paragraph:
//!
//! ```text
//! <!-- doctest: figures from the block above
//! "36%" border_war 2 ~2
//! "1,460" attack_deaths.Pakistan 8
//! -->
//! ```
//!
//! Each line: the quoted text; the key, a word of the output line it comes
//! from (the first line that starts with that word, or failing that the
//! first holding it as a whole whitespace-separated field; `A>B` is the line
//! B names after the line A names, for a row under a heading); which field of that line (1 is the line's first
//! word); and optionally `~N`, rounded to N significant figures (thousands
//! separators, a `%`, a leading `+` or `×` kept). The output is that of the last command of the
//! nearest console block above; the paragraph after the comment must contain
//! the quoted text, and the text must be what the field gives.
//!
//! # Regenerating
//!
//! `ESCALATE_DOCS=overwrite cargo test --release --test it docs::` runs every
//! document and rewrites each shown output that differs with what the build
//! printed, keeping the `...` and `[..]` that still match (snapbox's
//! normalisation to the expected text), and rewrites each bound figure in
//! prose. Exit-status failures, unknown figure keys and the like still fail:
//! they need a person. Read the diff (`git diff docs README.md`) before
//! committing it: an elided stretch whose anchor line changed is written out
//! in full.
//!
//! # Why not trycmd
//!
//! trycmd (and snapbox's command runner) run a command line split into words,
//! with no shell: no pipes (`| sed -n 3p`), `\` continuations, `$(...)`,
//! `&&`, variables shared by later commands, `cd`, or `alias`, all of which
//! the docs use as a reader would; nor does it share a directory across a
//! document's blocks in order. So this module runs a real `sh` and parses the
//! Markdown itself, and uses snapbox for what it does well: the elision
//! matching, the diff and the rewrite that keeps elisions.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use snapbox::{Data, Redactions};

use crate::harness::{EXE, Sandbox, project};

/// The command that regenerates every shown output.
const OVERWRITE: &str = "ESCALATE_DOCS=overwrite cargo test --release --test it docs::";

/// The documents the runner checks: README.md and every docs/*.md, each with
/// a test of its own (named after it) so they run in parallel and fail apart.
macro_rules! documents {
    ($($test:ident => $path:literal),* $(,)?) => {
        /// Every checked document, relative to the project root.
        const DOCUMENTS: &[&str] = &[$($path),*];
        $(
            #[test]
            fn $test() {
                check_document($path);
            }
        )*
    };
}

documents! {
    readme => "README.md",
    architecture => "docs/architecture.md",
    calibration_method => "docs/calibration-method.md",
    calibration => "docs/calibration.md",
    cluster => "docs/cluster.md",
    compare_and_trace => "docs/compare-and-trace.md",
    determinism => "docs/determinism.md",
    discovery => "docs/discovery.md",
    model => "docs/model.md",
    performance => "docs/performance.md",
    python => "docs/python.md",
    reports => "docs/reports.md",
    scenario_format => "docs/scenario-format.md",
    scenarios => "docs/scenarios.md",
    sources => "docs/sources.md",
    sweeps => "docs/sweeps.md",
    tutorial => "docs/tutorial.md",
}

#[test]
fn every_document_has_its_test() {
    let mut found = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(project("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            found.push(format!("docs/{name}"));
        }
    }
    found.sort();
    let mut listed: Vec<String> = DOCUMENTS.iter().map(|d| d.to_string()).collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "add the document to `documents!` in tests/it/docs.rs"
    );
}

// ---- Modes -----------------------------------------------------------------

/// Check the docs, or rewrite what they show.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// A difference is a failure.
    Verify,
    /// A difference is rewritten into the document.
    Overwrite,
}

impl Mode {
    /// From `ESCALATE_DOCS`: unset or empty verifies, `overwrite` rewrites.
    fn from_env() -> Mode {
        match std::env::var("ESCALATE_DOCS").as_deref() {
            Err(_) | Ok("") | Ok("verify") => Mode::Verify,
            Ok("overwrite") => Mode::Overwrite,
            Ok(other) => panic!("ESCALATE_DOCS={other}: use `overwrite`, or leave it unset"),
        }
    }
}

/// Runs one document of the project and fails on what it found; in overwrite
/// mode, rewrites the file first.
fn check_document(rel: &str) {
    let mode = Mode::from_env();
    let path = project(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let outcome = run_document(rel, &text, mode);
    for (line, why) in &outcome.skipped {
        eprintln!("SKIPPED {rel}:{line}: {why}");
    }
    eprintln!(
        "{rel}: {} command(s) in {} block(s) run, {} block(s) skipped",
        outcome.commands,
        outcome.blocks,
        outcome.skipped.len()
    );
    if mode == Mode::Overwrite && outcome.text != text {
        std::fs::write(&path, &outcome.text).unwrap();
        eprintln!("rewrote {rel}");
    }
    assert!(
        outcome.failures.is_empty(),
        "{rel}: {} problem(s)\n\n{}\n\nAfter a deliberate change of output, regenerate the docs with\n  {OVERWRITE}\nand read the diff.",
        outcome.failures.len(),
        outcome.failures.join("\n\n")
    );
}

// ---- Parsing ---------------------------------------------------------------

/// The shell fence kinds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `$ ` commands, each followed by its output.
    Console,
    /// A script: commands only, exit status checked.
    Sh,
}

/// What the comment before a block says about it.
#[derive(Clone, Debug, PartialEq)]
enum Marker {
    None,
    Skip(String),
    Slurm,
    Needs(String),
    File(String),
}

/// A fenced block of a document.
#[derive(Debug)]
struct Block {
    /// Its shell kind, or `None` for prose blocks.
    kind: Option<Kind>,
    marker: Marker,
    /// 0-based index of the opening fence's line.
    fence: usize,
    /// The fence's indentation, which every body line carries too.
    indent: String,
    /// The body's lines, indentation removed; line i is document line
    /// `fence + 1 + i`.
    body: Vec<String>,
}

/// One command of a block.
#[derive(Debug)]
struct Step {
    /// 0-based document line of its first line.
    line: usize,
    /// The command as the shell gets it (continuation lines included).
    command: String,
    /// Console steps: the 0-based document lines [start, end) of the output
    /// shown after it.
    shown: Option<(usize, usize)>,
}

/// A `doctest: figures` comment.
#[derive(Debug)]
struct Figures {
    /// 0-based line of the comment's first line.
    line: usize,
    /// 0-based lines [start, end) of the comment's binding lines.
    bindings: Vec<(usize, Binding)>,
    /// 0-based lines [start, end) of the paragraph after it.
    paragraph: (usize, usize),
}

/// One quoted figure: `"TEXT" KEY FIELD [~N]`.
#[derive(Debug, Clone, PartialEq)]
struct Binding {
    quoted: String,
    key: String,
    field: usize,
    significant: Option<usize>,
}

/// What a document holds, in document order.
#[derive(Debug)]
enum Item {
    Block(Block),
    Figures(Figures),
}

/// The comment marker of the runner.
const MARK: &str = "<!-- doctest:";

/// Splits a document into its fenced blocks and figure comments; problems
/// (a `bash` fence, a marker it does not know) are returned as messages.
fn parse(name: &str, text: &str) -> (Vec<Item>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut problems = Vec::new();
    let mut marker = Marker::None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(MARK) {
            // The comment, to its `-->`.
            let start = i;
            let mut comment = vec![rest.to_string()];
            while !comment.last().unwrap().contains("-->") {
                i += 1;
                if i == lines.len() {
                    problems.push(format!("{name}:{}: `{MARK}` without `-->`", start + 1));
                    return (items, problems);
                }
                comment.push(lines[i].to_string());
            }
            let first = comment[0].trim().trim_end_matches("-->").trim();
            if let Some(reason) = first.strip_prefix("skip:") {
                marker = Marker::Skip(reason.trim().to_string());
            } else if first == "slurm" {
                marker = Marker::Slurm;
            } else if let Some(program) = first.strip_prefix("needs ") {
                marker = Marker::Needs(program.trim().to_string());
            } else if let Some(path) = first.strip_prefix("file ") {
                marker = Marker::File(path.trim().to_string());
            } else if first.starts_with("figures") {
                let mut bindings = Vec::new();
                for (k, l) in comment.iter().enumerate().skip(1) {
                    let l = l.trim().trim_end_matches("-->").trim();
                    if l.is_empty() {
                        continue;
                    }
                    match parse_binding(l) {
                        Some(b) => bindings.push((start + k, b)),
                        None => problems.push(format!(
                            "{name}:{}: a figure is written `\"TEXT\" KEY FIELD [~N]`, not `{l}`",
                            start + k + 1
                        )),
                    }
                }
                let p0 = i + 1;
                let mut p1 = p0;
                while p1 < lines.len() && !lines[p1].trim().is_empty() {
                    p1 += 1;
                }
                items.push(Item::Figures(Figures {
                    line: start,
                    bindings,
                    paragraph: (p0, p1),
                }));
            } else {
                problems.push(format!(
                    "{name}:{}: unknown marker `{}` (skip: REASON, slurm, needs PROGRAM, file PATH, figures)",
                    start + 1,
                    first
                ));
            }
            i += 1;
            continue;
        }
        if let Some(info) = trimmed.strip_prefix("```") {
            let indent = line[..line.len() - trimmed.len()].to_string();
            let info = info.trim().to_string();
            let fence = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                let l = lines[i];
                body.push(
                    l.strip_prefix(indent.as_str())
                        .unwrap_or(l.trim_start())
                        .to_string(),
                );
                i += 1;
            }
            let kind = match info.as_str() {
                "console" => Some(Kind::Console),
                "sh" => Some(Kind::Sh),
                "bash" | "shell" | "zsh" | "shell-session" | "sh-session" | "terminal" => {
                    problems.push(format!(
                        "{name}:{}: fence `{info}`: write `console` (commands with `$ ` and their output) or `sh` (a script)",
                        fence + 1
                    ));
                    None
                }
                "" if body.iter().any(|l| l.starts_with("$ ")) => {
                    problems.push(format!(
                        "{name}:{}: a `$ ` command in an unmarked fence: fence it `console`",
                        fence + 1
                    ));
                    None
                }
                _ => None,
            };
            items.push(Item::Block(Block {
                kind,
                marker: std::mem::replace(&mut marker, Marker::None),
                fence,
                indent,
                body,
            }));
            i += 1;
            continue;
        }
        if !trimmed.is_empty() {
            marker = Marker::None;
        }
        i += 1;
    }
    (items, problems)
}

/// `"TEXT" KEY FIELD [~N]`.
fn parse_binding(line: &str) -> Option<Binding> {
    let rest = line.strip_prefix('"')?;
    let end = rest.find('"')?;
    let quoted = rest[..end].to_string();
    let mut words = rest[end + 1..].split_whitespace();
    let key = words.next()?.to_string();
    let field = words.next()?.parse().ok().filter(|f| *f >= 1)?;
    let significant = match words.next() {
        None => None,
        Some(w) => Some(w.strip_prefix('~')?.parse().ok().filter(|n| *n >= 1)?),
    };
    if words.next().is_some() || quoted.is_empty() {
        return None;
    }
    Some(Binding {
        quoted,
        key,
        field,
        significant,
    })
}

/// The commands of a shell block, or why it is malformed.
fn steps(block: &Block) -> Result<Vec<Step>, String> {
    let at = |k: usize| block.fence + 1 + k;
    let mut steps: Vec<Step> = Vec::new();
    let mut k = 0;
    while k < block.body.len() {
        let line = &block.body[k];
        let start = match block.kind {
            Some(Kind::Console) => match line.strip_prefix("$ ") {
                Some(c) => Some(c),
                None if steps.is_empty() => {
                    return Err(format!(
                        "line {}: output before any `$ ` command",
                        at(k) + 1
                    ));
                }
                None => None,
            },
            Some(Kind::Sh) => {
                let t = line.trim();
                (!t.is_empty() && !t.starts_with('#')).then_some(line.as_str())
            }
            None => unreachable!("only shell blocks have steps"),
        };
        let Some(first) = start else {
            k += 1;
            continue;
        };
        let line0 = k;
        let mut command = first.to_string();
        while command.ends_with('\\') && k + 1 < block.body.len() {
            k += 1;
            command.push('\n');
            command.push_str(&block.body[k]);
        }
        k += 1;
        let shown = if block.kind == Some(Kind::Console) {
            let s = k;
            while k < block.body.len() && !block.body[k].starts_with("$ ") {
                k += 1;
            }
            Some((at(s), at(k)))
        } else {
            None
        };
        steps.push(Step {
            line: at(line0),
            command,
            shown,
        });
    }
    Ok(steps)
}

// ---- Running ---------------------------------------------------------------

/// What running a document found.
#[derive(Debug)]
struct Outcome {
    /// Commands run.
    commands: usize,
    /// Shell blocks run.
    blocks: usize,
    /// Blocks not run: 1-based fence line and why.
    skipped: Vec<(usize, String)>,
    /// Every problem: document, line, command, and a diff or a reason.
    failures: Vec<String>,
    /// The document with every difference rewritten (overwrite mode; the
    /// text as given otherwise).
    text: String,
}

/// Defines the `cargo` the docs mention: the test binary is the build.
const PRELUDE: &str = r#"cargo() {
  if [ "$1" = run ] && [ "$2" = --release ] && [ "$3" = -- ]; then
    shift 3; escalate "$@"
  elif [ "$1" = build ] && [ "$2" = --release ] && [ $# -eq 2 ]; then
    :
  else
    echo "doc runner: only \`cargo run --release -- ARGS\` and \`cargo build --release\` run here, not \`cargo $*\`" >&2
    return 127
  fi
}
"#;

/// One `sh` that runs a document's commands in order, in its sandbox.
struct Shell {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Where each command's output goes, and the shell's own stderr.
    capture: tempfile::TempDir,
}

/// The line the shell prints after each command, with its exit status.
const DONE: &str = "__doctest_done__";

impl Shell {
    fn start(dir: &Path) -> Shell {
        let capture = tempfile::Builder::new()
            .prefix("escalate-docs-")
            .tempdir()
            .unwrap();
        let bin = Path::new(EXE).parent().unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
        )
        .unwrap();
        let stderr = std::fs::File::create(capture.path().join("shell.stderr")).unwrap();
        let mut child = Command::new("sh")
            .current_dir(dir)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("LC_ALL", "C")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR")
            .env_remove("COLUMNS")
            .env_remove("LINES")
            .env_remove("ESCALATE_DOCS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("cannot start sh");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut shell = Shell {
            child,
            stdin,
            stdout,
            capture,
        };
        shell
            .stdin
            .write_all(PRELUDE.as_bytes())
            .expect("the shell reads");
        shell
    }

    /// Runs `command`; its exit status and everything it printed, stdout and
    /// stderr in the order written, or why the shell is gone.
    fn run(&mut self, command: &str) -> Result<(i32, String), String> {
        let out = self.capture.path().join("out");
        let script = format!(
            "{{ {command}\n}} >'{out}' 2>&1 </dev/null\n__doctest_rc=$?; printf '{DONE} %s\\n' \"$__doctest_rc\"; (exit $__doctest_rc)\n",
            out = out.display()
        );
        let gone = |s: &mut Shell| {
            let _ = s.child.wait();
            let err =
                std::fs::read_to_string(s.capture.path().join("shell.stderr")).unwrap_or_default();
            format!("the shell exited: {}", err.trim())
        };
        if self.stdin.write_all(script.as_bytes()).is_err() || self.stdin.flush().is_err() {
            return Err(gone(self));
        }
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return Err(gone(self)),
                Ok(_) => {}
            }
            if let Some(code) = line.trim_end().strip_prefix(DONE) {
                let code = code.trim().parse().unwrap_or(-1);
                let bytes = std::fs::read(&out).unwrap_or_default();
                return Ok((code, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        // Closing stdin ends the shell after its last command.
        let _ = self.stdin.write_all(b"exit 0\n");
        let _ = self.child.wait();
    }
}

/// Trailing spaces off every line; a final newline when there is any text.
fn tidy(text: &str) -> String {
    let mut s: String = text
        .lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

/// Shown output against printed output: `Ok` when they match, else the
/// printed output normalised to the shown one's elisions (what overwrite
/// writes) and a diff.
fn compare(shown: &str, printed: &str, redactions: &Redactions) -> Result<(), (String, String)> {
    let assert = snapbox::Assert::new()
        .normalize_paths(false)
        .redact_with(redactions.clone());
    let (actual, expected) = assert.normalize(Data::text(tidy(printed)), Data::text(tidy(shown)));
    let (a, e) = (actual.render().unwrap(), expected.render().unwrap());
    if a == e {
        return Ok(());
    }
    let mut diff = String::new();
    snapbox::report::write_diff(
        &mut diff,
        &expected,
        &actual,
        Some(&"shown in the doc"),
        Some(&"printed by the build"),
        snapbox::report::Palette::plain(),
    )
    .unwrap();
    Err((a, diff))
}

/// Whether one printed line matches one shown line (`[..]` and the
/// redactions applied), as [`compare`] decides for whole outputs.
fn line_matches(shown: &str, printed: &str, redactions: &Redactions) -> bool {
    compare(shown, printed, redactions).is_ok()
}

/// For overwriting: each shown line right after a `...` that no printed line
/// matches any more (its figures changed) is replaced by the first printed
/// line after the previous anchor that starts with the same word (the same
/// metric or class), so that snapbox's normalisation finds the anchor and
/// keeps the elision instead of writing out the rest of the output.
fn reanchor(shown: &str, printed: &str, redactions: &Redactions) -> String {
    let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
    let mut out: Vec<String> = Vec::new();
    let mut pos = 0;
    let mut after_elision = false;
    for line in shown.lines() {
        if line == "..." {
            after_elision = true;
            out.push(line.to_string());
            continue;
        }
        if !after_elision {
            pos += 1;
            out.push(line.to_string());
            continue;
        }
        after_elision = false;
        let rest = printed.get(pos..).unwrap_or_default();
        if let Some(j) = rest.iter().position(|p| line_matches(line, p, redactions)) {
            pos += j + 1;
            out.push(line.to_string());
            continue;
        }
        let word = line.split_whitespace().next();
        match rest
            .iter()
            .position(|p| word.is_some() && p.split_whitespace().next() == word)
        {
            Some(j) => {
                pos += j + 1;
                out.push(rest[j].to_string());
            }
            None => out.push(line.to_string()),
        }
    }
    out.join("\n")
}

/// `[DIR]` for the sandbox, `[ESCALATE]` for the binary (as given and
/// canonical).
fn redactions(sandbox: &Path) -> Redactions {
    let mut r = Redactions::new();
    for (name, path) in [("[DIR]", sandbox), ("[ESCALATE]", Path::new(EXE))] {
        let mut values = vec![path.to_path_buf()];
        if let Ok(c) = path.canonicalize()
            && c != path
        {
            values.push(c);
        }
        for v in values {
            r.insert(name, v.to_string_lossy().into_owned()).unwrap();
        }
    }
    r
}

/// The field a figure binding names, as the doc should quote it.
fn derive(binding: &Binding, output: &str) -> Result<String, String> {
    // `A>B`: the first line holding the word B after the first holding A.
    let lines: Vec<&str> = output.lines().collect();
    let mut from = 0;
    let mut line = "";
    for word in binding.key.split('>') {
        let rest = &lines[from..];
        let k = rest
            .iter()
            .position(|l| l.split_whitespace().next() == Some(word))
            .or_else(|| {
                rest.iter()
                    .position(|l| l.split_whitespace().any(|w| w == word))
            })
            .ok_or_else(|| {
                format!(
                    "no line of the block's output holds the word `{word}` (key `{}`)",
                    binding.key
                )
            })?;
        line = lines[from + k];
        from += k + 1;
    }
    let field = line
        .split_whitespace()
        .nth(binding.field - 1)
        .ok_or_else(|| {
            format!(
                "`{}` has no field {}: `{}`",
                binding.key,
                binding.field,
                line.trim()
            )
        })?;
    let text = field
        .trim_start_matches(['[', '(', '±'])
        .trim_end_matches([']', ')', ',', ';']);
    let Some(n) = binding.significant else {
        return Ok(text.to_string());
    };
    let (number, suffix) = match text.strip_suffix('%') {
        Some(t) => (t, "%"),
        None => (text, ""),
    };
    // A `×` (variance reduction) or an explicit `+` stays in front.
    let (prefix, number) = match number.strip_prefix('×') {
        Some(t) => ("×", t),
        None if number.starts_with('+') => ("+", &number[1..]),
        None => ("", number),
    };
    let x: f64 = number.replace(',', "").parse().map_err(|_| {
        format!(
            "field {} of `{}` is `{field}`, not a number",
            binding.field,
            line.trim()
        )
    })?;
    Ok(format!("{prefix}{}{suffix}", significant(x, n)))
}

/// `x` to `n` significant figures, with thousands separators.
fn significant(x: f64, n: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i64;
    let decimals = (n as i64 - 1 - magnitude).max(0) as usize;
    let scale = 10f64.powi((magnitude + 1 - n as i64) as i32);
    // The printed decimal, not its binary neighbour, decides a tie (0.365).
    let q = x / scale;
    let rounded = (q + q * 1e-12).round() * scale;
    let s = format!("{rounded:.decimals$}");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Whether `program` is on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// The sandbox a document's commands run in.
fn doc_sandbox() -> Sandbox {
    // Copies, not links: a doc command that writes into `scenarios/` (as
    // readers may) must not write into the project.
    let s = Sandbox::empty();
    for rel in ["scenarios", "tests/fixtures", "data"] {
        s.copy(rel);
    }
    let bin = s.join("target/release");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(EXE, bin.join("escalate")).unwrap();
    s
}

/// Runs every shell block of `text` (named `name` in messages) in a fresh
/// sandbox and compares what each command prints with what the block shows.
fn run_document(name: &str, text: &str, mode: Mode) -> Outcome {
    let (items, mut failures) = parse(name, text);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Replacements of line ranges, applied from the end once all ran.
    let mut rewrites: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut outcome = Outcome {
        commands: 0,
        blocks: 0,
        skipped: Vec::new(),
        failures: Vec::new(),
        text: String::new(),
    };
    let needs_shell = items
        .iter()
        .any(|i| matches!(i, Item::Block(b) if b.kind.is_some() || b.marker != Marker::None));
    let sandbox = needs_shell.then(doc_sandbox);
    let mut shell = sandbox.as_ref().map(|s| Shell::start(s.path()));
    let redact = sandbox.as_ref().map(|s| redactions(s.path()));
    // The last console command's output, for figures; None after a skip.
    let mut last_output: Option<String> = None;

    for item in &items {
        match item {
            Item::Figures(f) => {
                let Some(output) = &last_output else {
                    outcome
                        .skipped
                        .push((f.line + 1, "figures of a block that did not run".into()));
                    continue;
                };
                check_figures(name, f, output, &mut lines, mode, &mut failures);
            }
            Item::Block(block) => {
                if let Marker::File(path) = &block.marker {
                    let to = sandbox.as_ref().unwrap().join(path);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent).unwrap();
                    }
                    let mut body = block.body.join("\n");
                    body.push('\n');
                    std::fs::write(&to, body).unwrap();
                }
                let Some(kind) = block.kind else { continue };
                match &block.marker {
                    Marker::Skip(reason) => {
                        outcome.skipped.push((block.fence + 1, reason.clone()));
                        last_output = None;
                        continue;
                    }
                    Marker::Slurm => {
                        let at = format!("{name}:{}", block.fence + 1);
                        if let Err(why) = crate::slurm::cluster_or_why(&at) {
                            outcome
                                .skipped
                                .push((block.fence + 1, format!("needs a Slurm cluster: {why}")));
                            last_output = None;
                            continue;
                        }
                    }
                    Marker::Needs(program) if !on_path(program) => {
                        outcome.skipped.push((
                            block.fence + 1,
                            format!("needs `{program}`, which is not on PATH"),
                        ));
                        last_output = None;
                        continue;
                    }
                    Marker::None | Marker::File(_) | Marker::Needs(_) => {}
                }
                let steps = match steps(block) {
                    Ok(s) => s,
                    Err(why) => {
                        failures.push(format!("{name}:{}: {why}", block.fence + 1));
                        continue;
                    }
                };
                outcome.blocks += 1;
                let shell = shell.as_mut().unwrap();
                for (k, step) in steps.iter().enumerate() {
                    outcome.commands += 1;
                    let at = format!("{name}:{}: `{}`", step.line + 1, step.command);
                    let (code, printed) = match shell.run(&step.command) {
                        Ok(r) => r,
                        Err(why) => {
                            failures.push(format!("{at}: {why}"));
                            outcome.text = lines.join("\n") + "\n";
                            outcome.failures = failures;
                            return outcome;
                        }
                    };
                    let status_shown = kind == Kind::Console
                        && steps
                            .get(k + 1)
                            .is_some_and(|n| n.command.trim() == "echo $?");
                    if code != 0 && !status_shown {
                        failures.push(format!(
                            "{at} exited with {code} (a command must exit 0 unless `echo $?` follows it)\n--- it printed\n{printed}"
                        ));
                    }
                    let Some((s, e)) = step.shown else { continue };
                    last_output = Some(printed.clone());
                    let shown = lines[s..e]
                        .iter()
                        .map(|l| {
                            l.strip_prefix(block.indent.as_str())
                                .unwrap_or(l.trim_start())
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    let redact = redact.as_ref().unwrap();
                    if let Err((_, diff)) = compare(&shown, &printed, redact) {
                        match mode {
                            Mode::Verify => {
                                failures.push(format!("{at}: the output differs\n{diff}"))
                            }
                            Mode::Overwrite => {
                                let anchored = reanchor(&shown, &printed, redact);
                                let normalised = match compare(&anchored, &printed, redact) {
                                    Ok(()) => tidy(&anchored),
                                    Err((n, _)) => n,
                                };
                                let new = normalised
                                    .lines()
                                    .map(|l| {
                                        if l.is_empty() {
                                            String::new()
                                        } else {
                                            format!("{}{l}", block.indent)
                                        }
                                    })
                                    .collect();
                                rewrites.push((s, e, new));
                            }
                        }
                    }
                }
            }
        }
    }
    drop(shell);
    rewrites.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (s, e, new) in rewrites {
        lines.splice(s..e, new);
    }
    outcome.text = lines.join("\n") + "\n";
    outcome.failures = failures;
    outcome
}

/// Checks (or, overwriting, rewrites) every figure a comment binds.
fn check_figures(
    name: &str,
    f: &Figures,
    output: &str,
    lines: &mut [String],
    mode: Mode,
    failures: &mut Vec<String>,
) {
    let (p0, p1) = f.paragraph;
    for (at, b) in &f.bindings {
        let wanted = match derive(b, output) {
            Ok(w) => w,
            Err(why) => {
                failures.push(format!("{name}:{}: figure \"{}\": {why}", at + 1, b.quoted));
                continue;
            }
        };
        if !lines[p0..p1]
            .iter()
            .any(|l| !quoted_at(l, &b.quoted).is_empty())
        {
            failures.push(format!(
                "{name}:{}: the paragraph at line {} does not quote \"{}\"",
                at + 1,
                p0 + 1,
                b.quoted
            ));
            continue;
        }
        if wanted == b.quoted {
            continue;
        }
        let has_digit = |t: &str| t.chars().any(|c| c.is_ascii_digit());
        if has_digit(&b.quoted) && !has_digit(&wanted) {
            // The key names another line than it did: a person must look.
            failures.push(format!(
                "{name}:{}: figure \"{}\": field {} of the line `{}` names is \"{wanted}\", not a figure (is the key still right?)",
                at + 1,
                b.quoted,
                b.field,
                b.key
            ));
            continue;
        }
        match mode {
            Mode::Verify => failures.push(format!(
                "{name}:{}: the paragraph at line {} quotes \"{}\" for field {} of `{}`{}, but the block above printed \"{wanted}\"",
                at + 1,
                p0 + 1,
                b.quoted,
                b.field,
                b.key,
                b.significant.map(|n| format!(" to {n} significant figures")).unwrap_or_default()
            )),
            Mode::Overwrite => {
                for l in &mut lines[p0..p1] {
                    for at in quoted_at(l, &b.quoted).into_iter().rev() {
                        l.replace_range(at..at + b.quoted.len(), &wanted);
                    }
                }
                lines[*at] = lines[*at].replacen(
                    &format!("\"{}\"", b.quoted),
                    &format!("\"{wanted}\""),
                    1,
                );
            }
        }
    }
}

/// Where `quoted` stands in `line` as a figure of its own: not part of a
/// longer number (`0.36` in `0.365` or `10.36`).
fn quoted_at(line: &str, quoted: &str) -> Vec<usize> {
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',');
    line.match_indices(quoted)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = line[..i].chars().next_back();
            let after = line[i + quoted.len()..].chars().next();
            // A sentence's full stop or comma after a figure is not a digit.
            let mut rest = line[i + quoted.len()..].chars();
            let after_digit = match after {
                Some(c) if c.is_ascii_digit() => true,
                Some('.' | ',') => rest.nth(1).is_some_and(|c| c.is_ascii_digit()),
                _ => false,
            };
            !digit(before) && !after_digit
        })
        .collect()
}

// ---- The runner itself ---------------------------------------------------

/// A document for the runner's own tests: `escalate` on the minimal scenario.
fn sample(digest_shown: &str) -> String {
    format!(
        r#"# A doc

```console
$ escalate run minimal --trials 200 --seed 3 | head -3
escalate 0.1.0 · Minimal: a sheltered [..]
200 trials · seed 3 · 365 days
digest {digest_shown}
$ escalate run minimal --trials 200 --seed 3
escalate [..]
...
Outcome classes
...
```
"#
    )
}

/// The digest of the sample's run, printed by the build.
fn sample_digest() -> String {
    let o = crate::harness::escalate(&["run", "minimal", "--trials", "200", "--seed", "3"]);
    o.assert_success();
    o.stdout_text()
        .lines()
        .nth(2)
        .unwrap()
        .strip_prefix("digest ")
        .unwrap()
        .to_string()
}

#[test]
fn runner_passes_shown_output_with_elisions_and_fails_a_changed_digest() {
    let digest = sample_digest();
    let good = run_document("good.md", &sample(&digest), Mode::Verify);
    assert!(good.failures.is_empty(), "{:?}", good.failures);
    assert_eq!((good.commands, good.blocks), (2, 1));

    let stale = "0".repeat(64);
    let bad = run_document("bad.md", &sample(&stale), Mode::Verify);
    assert_eq!(bad.failures.len(), 1, "{:?}", bad.failures);
    let f = &bad.failures[0];
    // The document, the line, the command, and a diff both ways.
    assert!(
        f.starts_with("bad.md:4: `escalate run minimal --trials 200 --seed 3 | head -3`"),
        "{f}"
    );
    assert!(f.contains(&format!("digest {stale}")), "{f}");
    assert!(f.contains(&format!("digest {digest}")), "{f}");
}

#[test]
fn overwrite_rewrites_what_changed_and_keeps_the_elisions() {
    let digest = sample_digest();
    let stale = sample(&"0".repeat(64));
    let out = run_document("bad.md", &stale, Mode::Overwrite);
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    // Exactly the digest line changed; `[..]` and `...` are still there.
    assert_eq!(out.text, sample(&digest));
    let again = run_document("bad.md", &out.text, Mode::Verify);
    assert!(again.failures.is_empty(), "{:?}", again.failures);
}

#[test]
fn overwrite_keeps_an_elision_whose_anchor_line_changed() {
    let doc = |n: &str| {
        format!("```console\n$ printf 'head\\nx 1\\ny {n}\\nz 3\\n'\nhead\n...\ny {n}\n...\n```\n")
    };
    let out = run_document("a.md", &doc("7"), Mode::Overwrite);
    // Only `y`'s figure is new; the two `...` stay.
    assert_eq!(out.text, doc("7"));
    let stale = doc("7").replace("y 7\n...", "y 2\n...");
    assert!(
        !run_document("a.md", &stale, Mode::Verify)
            .failures
            .is_empty()
    );
    assert_eq!(run_document("a.md", &stale, Mode::Overwrite).text, doc("7"));
}

#[test]
fn a_failing_command_fails_unless_its_status_is_shown() {
    let doc = "```console\n$ escalate validate tests/fixtures/invalid/syntax.ron > /dev/null 2>&1\n$ echo $?\n2\n```\n\n```sh\nescalate validate tests/fixtures/invalid/syntax.ron 2> /dev/null\n```\n";
    let out = run_document("status.md", doc, Mode::Verify);
    assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
    assert!(
        out.failures[0].starts_with("status.md:8: `escalate validate")
            && out.failures[0].contains("exited with 2"),
        "{:?}",
        out.failures
    );
    // A snippet with comments after `\` does not paste: the runner says so.
    let broken = "```sh\nescalate run minimal --trials 10 \\   # ten\n    --quiet\n```\n";
    let out = run_document("broken.md", broken, Mode::Verify);
    assert!(!out.failures.is_empty(), "{out:?}");
}

#[test]
fn blocks_share_a_sandbox_in_order_and_markers_skip_or_write_files() {
    let doc = r#"<!-- doctest: file notes/a.txt -->
```text
hello
```

```console
$ cat notes/a.txt; cd notes && X=1
hello
```

<!-- doctest: skip: needs root -->

```console
$ false
```

```console
$ echo "$X $(basename "$PWD")"; ls ../scenarios/minimal.ron ../data > /dev/null
1 notes
```

```bash
echo no
```
"#;
    let out = run_document("m.md", doc, Mode::Verify);
    assert_eq!(out.skipped, vec![(13, "needs root".to_string())]);
    // What a command writes into the sandbox's scenarios/ stays there.
    let probe = "```sh\necho x > scenarios/doctest-probe.txt\n```\n";
    assert!(
        run_document("p.md", probe, Mode::Verify)
            .failures
            .is_empty()
    );
    assert!(!project("scenarios/doctest-probe.txt").exists());
    assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
    assert!(
        out.failures[0].contains("m.md:22: fence `bash`"),
        "{:?}",
        out.failures
    );
    assert_eq!(out.blocks, 2);
}

#[test]
fn figures_in_prose_are_derived_from_the_block_and_rewritten() {
    let doc = |share: &str, mean: &str| {
        format!(
            "```console\n$ printf '  border_war   35.9%%  [34.9%%, 36.8%%]\\n  attack_deaths  1,163 ±1.71  895\\n'\n  border_war   35.9%  [34.9%, 36.8%]\n  attack_deaths  1,163 ±1.71  895\n```\n\n<!-- doctest: figures from the block above\n\"{share}\" border_war 2 ~2\n\"{mean}\" attack_deaths 2 ~3\n\"36.8%\" border_war 4\n-->\nA border war at about {share} (up to 36.8%), and about {mean} deaths.\n"
        )
    };
    let good = run_document("f.md", &doc("36%", "1,160"), Mode::Verify);
    assert!(good.failures.is_empty(), "{:?}", good.failures);
    let stale = run_document("f.md", &doc("41%", "1,200"), Mode::Verify);
    assert_eq!(stale.failures.len(), 2, "{:?}", stale.failures);
    assert!(stale.failures[0].contains("quotes \"41%\"") && stale.failures[0].contains("\"36%\""));
    let fixed = run_document("f.md", &doc("41%", "1,200"), Mode::Overwrite);
    assert_eq!(fixed.text, doc("36%", "1,160"));
    assert_eq!(significant(0.04321, 2), "0.043");
    assert_eq!(significant(123_456.0, 2), "120,000");
    assert_eq!(significant(0.365, 2), "0.37");
    let vr = parse_binding("\"×5.9\" attacks 2 ~2").unwrap();
    assert_eq!(derive(&vr, "attacks ×5.89\n").unwrap(), "×5.9");
    assert_eq!(quoted_at("ST 0.365, 0.36 and 0.36.", "0.36"), vec![10, 19]);
    let b = parse_binding("\"0.52\" prob_border_war>doctrines.P 4 ~2").unwrap();
    let out = "  prob_open_war\n    1. doctrines.P  ST  0.102\n  prob_border_war\n    1. x  ST 0.1\n    2. doctrines.P  ST  0.517 [ 0.354,  0.716]\n";
    assert_eq!(derive(&b, out).unwrap(), "0.52");
}
