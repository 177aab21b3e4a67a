//! The command line: clap arguments (low level), turned into validated library
//! calls (high level). Each subcommand lives in its own file.

mod args;
mod compare;
mod info;
mod merge;
mod prepare;
mod run;
mod shard;
mod slurm;
mod sweep;
mod trace;

use std::io::IsTerminal;

pub use args::Cli;

/// How a command ended, for the exit code.
#[derive(Debug)]
pub enum Outcome {
    /// Everything as expected: exit 0.
    Ok,
    /// Results differ from what was expected (`--expect-digest`): exit 1.
    Differs(String),
}

/// A command's failure: rendered by `main`, exit code 2.
pub type Error = miette::Report;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    use args::Command;
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Compare(a) => compare::compare(a),
        Command::Trace(a) => trace::trace(a),
        Command::Merge(a) => merge::merge(a),
        Command::Slurm(a) => slurm::slurm(*a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Validate { file } => info::validate(&file),
        Command::List { scenario } => info::list(scenario.as_deref()),
        Command::Params { scenario } => info::params(&scenario),
    }
}

/// Renders an error for stderr: graphical, coloured only on a terminal without NO_COLOR.
pub fn render_error(e: &Error) -> String {
    let colour = escalate::report::text::Colour::detect(std::io::stderr().is_terminal());
    let theme = match colour {
        escalate::report::text::Colour::Always => miette::GraphicalTheme::unicode(),
        escalate::report::text::Colour::Never => miette::GraphicalTheme::unicode_nocolor(),
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, e.as_ref()).is_err() {
        out = format!("{e:?}");
    }
    out
}
