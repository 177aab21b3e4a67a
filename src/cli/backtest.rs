//! `escalate backtest`: a run's JSON scored against observed figures: per
//! record the simulated 50% and 90% bands, whether the observation lies in
//! them, its PIT and CRPS; the coverage and mean scores; the records not
//! scored and why. Terminal report, `--json` (the `calibrate::backtest::Backtest`
//! struct) and `--html`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::args::{OutputPath, json_and_html};
use super::{Error, Outcome};
use escalate::calibrate::backtest::{Backtest, RunMetrics};
use escalate::core::observed::Observed;
use escalate::io;
use escalate::report::{self, text::Colour};

/// `escalate backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The run's JSON report, written by `escalate run SCENARIO --json RUN.json`.
    #[arg(value_name = "RUN.json")]
    pub run: PathBuf,
    /// Observed figures to score against (CSV, as data/observed/README.md describes).
    #[arg(long, value_name = "FILE")]
    pub observed: PathBuf,
    /// Write the backtest as JSON; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<OutputPath>,
    /// Write a self-contained HTML page: per record its bands and the observation.
    #[arg(long, value_name = "FILE")]
    pub html: Option<OutputPath>,
}

pub fn backtest(a: BacktestArgs) -> Result<Outcome, Error> {
    let mut inputs = io::InputFiles::new();
    inputs
        .add("the run's JSON", &a.run)
        .add("the observed file", &a.observed);
    let outputs = json_and_html(a.json.as_deref(), a.html.as_deref(), &inputs)?;
    let mut files = outputs.open(&[])?;
    let run = RunMetrics::read(&a.run)?;
    let observed = Observed::read(&a.observed)?;
    let b = Backtest::new(&run, &observed);
    files.write("--json", || report::json::to_json(&b))?;
    files.write("--html", || report::backtest_html::render(&b))?;
    files.commit()?;
    if !outputs.to_stdout() {
        let colour = Colour::detect(std::io::stdout().is_terminal());
        super::write_stdout(report::backtest_text::render(&b, colour).as_bytes())?;
    }
    Ok(Outcome::Ok)
}
