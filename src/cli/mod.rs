//! The command line: clap arguments (low level), turned into the library's
//! requests (high level). Each subcommand lives in its own file; the flags
//! they share are defined once in `args`.

mod args;
mod backtest;
mod calibrate;
mod compare;
mod discover;
mod generate;
mod info;
mod merge;
mod progress;
mod render;
#[cfg(test)]
mod roundtrip;
mod run;
mod shard;
mod slurm;
mod slurm_calibrate;
mod sweep;
mod trace;

use std::io::{IsTerminal, Write};

use clap::{CommandFactory, Parser, Subcommand};

/// escalate: Monte Carlo simulation of escalation scenarios between states and armed groups.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run trials of a scenario and report outcome distributions.
    Run(run::RunArgs),
    /// Score a run's JSON against observed figures: bands, PIT, CRPS.
    Backtest(backtest::BacktestArgs),
    /// Merge the part files of a sharded run into its report (same bytes as one run).
    Merge(merge::MergeArgs),
    /// Write (and optionally submit) Slurm job-array scripts for a sharded run.
    Slurm(Box<slurm::SlurmArgs>),
    /// Sweep parameters over a design (grid, lhs, sobol, morris); sensitivity indices.
    Sweep(sweep::SweepArgs),
    /// Compare policies on common random numbers: trial i of every policy draws the same numbers.
    Compare(compare::CompareArgs),
    /// Replay one trial of a run and tell its story, event by event.
    Trace(trace::TraceArgs),
    /// Calibrate uncertain parameters against observed figures (ABC-SMC); resumable.
    Calibrate(Box<calibrate::CalibrateArgs>),
    /// Scenario discovery: the regions of the uncertain inputs where a condition holds (PRIM, CART).
    Discover(Box<discover::DiscoverArgs>),
    /// Check a scenario file and list every problem in it.
    Validate {
        /// The scenario file (or a bundled scenario's name).
        file: String,
    },
    /// Name the bundled scenarios, or a scenario's policies.
    List {
        /// A scenario (file or bundled name) whose policies to list.
        scenario: Option<String>,
    },
    /// List every overridable parameter: path, value, and where it comes from.
    Params(args::ScenarioArg),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(generate::CompletionsArgs),
    /// Print the man page escalate(1), or write every command's page with --out DIR.
    Man(generate::ManArgs),
}

/// Parses the command line; an unknown subcommand is answered with the
/// nearest ones by [`escalate::core::suggest`], as every unknown name is
/// (not by clap's own guess, which misses a swap such as `rnu` and offers
/// `compare` for `bombard`).
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let e = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    let Some(ContextValue::String(given)) = e
        .get(ContextKind::InvalidSubcommand)
        .filter(|_| e.kind() == ErrorKind::InvalidSubcommand)
    else {
        return Err(e);
    };
    let cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()]) // clap adds it when it builds the command
        .collect();
    let near: Vec<String> = escalate::core::suggest::close_matches(given, &names)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut ours = clap::Error::new(ErrorKind::InvalidSubcommand).with_cmd(&cmd);
    ours.insert(
        ContextKind::InvalidSubcommand,
        ContextValue::String(given.clone()),
    );
    if !near.is_empty() {
        ours.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(near),
        );
    }
    if let Some(usage) = e.get(ContextKind::Usage) {
        ours.insert(ContextKind::Usage, usage.clone());
    }
    Err(ours)
}

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
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Backtest(a) => backtest::backtest(a),
        Command::Compare(a) => compare::compare(a),
        Command::Trace(a) => trace::trace(a),
        Command::Merge(a) => merge::merge(a),
        Command::Slurm(a) => slurm::slurm(*a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Calibrate(a) => calibrate::calibrate(*a),
        Command::Discover(a) => discover::discover_cmd(*a),
        Command::Validate { file } => info::validate(&file),
        Command::List { scenario } => info::list(scenario.as_deref()),
        Command::Params(s) => info::params(s.or_flagship()),
        Command::Completions(a) => generate::completions(a),
        Command::Man(a) => generate::man(a),
    }
}

/// Standard output was closed by its reader (`escalate trace ... | head -1`):
/// not a failure; `main` ends quietly with exit code 0, as ripgrep does.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("standard output closed")]
pub struct BrokenPipe;

/// Whether a command failed only because its reader closed standard output
/// (a report, a trace line or a streamed `--json -`/`--csv -`).
pub fn is_broken_pipe(e: &Error) -> bool {
    let stdout = matches!(
        e.downcast_ref::<escalate::io::WriteError>(),
        Some(escalate::io::WriteError::Stdout { .. })
    );
    e.downcast_ref::<BrokenPipe>().is_some()
        || (stdout
            && e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }))
}

/// Writes `bytes` to standard output; a closed pipe becomes [`BrokenPipe`].
pub fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        Err(e) => Err(miette::miette!("cannot write to standard output: {e}")),
    }
}

/// `println!` that ends the command quietly when standard output is closed.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format!("{}\n", format_args!($($arg)*)).as_bytes())?
    };
}
pub(crate) use outln;

/// Renders an error for stderr: graphical, coloured only on a terminal without NO_COLOR.
pub fn render_error(e: &Error) -> String {
    let colour = escalate::report::text::Colour::detect(std::io::stderr().is_terminal());
    let theme = match colour {
        escalate::report::text::Colour::Always => miette::GraphicalTheme::unicode(),
        escalate::report::text::Colour::Never => miette::GraphicalTheme::unicode_nocolor(),
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    render::render(e, &handler)
}
