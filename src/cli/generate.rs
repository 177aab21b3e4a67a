//! `escalate completions SHELL` and `escalate man`: shell completion scripts
//! and manual pages, generated from the same clap definitions that parse the
//! command line (clap_complete, clap_mangen), so neither can fall behind it.
//!
//! The man pages are a command rather than a build step: a build script
//! cannot see the binary's clap definitions without compiling them twice, and
//! a command gives the pages of exactly the escalate that is installed.
//! `escalate man` prints `escalate(1)`, whose SUBCOMMANDS section names every
//! command; `escalate man --out DIR` writes that page and one per command
//! (`escalate-run.1`, ..., `escalate-slurm-sweep.1`) into DIR.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{Cli, Error, Outcome};

/// `escalate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for. Install, e.g. for bash:
    /// `escalate completions bash > ~/.local/share/bash-completion/completions/escalate`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `escalate man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write escalate.1 and a page per command (escalate-run.1, ...) into DIR
    /// (created) instead of printing escalate.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The whole command line as clap sees it, built (names, versions and
/// display names filled in, as when parsing).
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// `escalate completions SHELL`: the script on standard output.
pub fn completions(a: CompletionsArgs) -> Result<Outcome, Error> {
    let mut cmd = command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "escalate", &mut out);
    super::write_stdout(&out)?;
    Ok(Outcome::Ok)
}

/// Every page: `(file name, roff text)`, escalate.1 first, then each command
/// depth first (a command's page before its own subcommands').
pub fn pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), Error> {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut page = Vec::new();
        man.render(&mut page)
            .map_err(|e| miette::miette!("cannot render the man page: {e}"))?;
        out.push((man.get_filename(), page));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() != "help" {
                walk(sub, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(&command(), &mut out)?;
    Ok(out)
}

/// `escalate man`: escalate.1 on standard output, or every page into `--out DIR`.
pub fn man(a: ManArgs) -> Result<Outcome, Error> {
    let pages = pages()?;
    let Some(dir) = a.out else {
        super::write_stdout(&pages[0].1)?;
        return Ok(Outcome::Ok);
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        miette::miette!(
            help = "choose a directory you can write, e.g. ~/.local/share/man/man1",
            "--out {}: {e}",
            dir.display()
        )
    })?;
    for (name, page) in &pages {
        escalate::io::write_atomic(&dir.join(name), page)?;
    }
    eprintln!(
        "wrote {} man pages into {} (read them with `man -l {}`)",
        pages.len(),
        dir.display(),
        dir.join("escalate.1").display()
    );
    Ok(Outcome::Ok)
}
