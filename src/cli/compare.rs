//! `escalate compare`: several policies on common random numbers; the
//! terminal report, `--json` and `--html`. Every policy is loaded and checked
//! before any trial runs, and output files are written only when all is done.

use std::io::IsTerminal;

use clap::Args;

use super::args::{
    ExecArgs, OutputPath, POLICY_HELP, PosteriorArg, ScenarioArg, SeedArg, SetupArgs, TrialsArg,
    json_and_html,
};
use super::progress::{progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::report::compare_report::CompareReport;
use escalate::report::{compare_html, compare_text, json, text::Colour};
use escalate::run::CompareRequest;
use escalate::run::compare;

/// `escalate compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Trials (the same indices for every policy).
    #[command(flatten)]
    pub trials: TrialsArg,
    /// Seed (shared by every policy: common random numbers).
    #[command(flatten)]
    pub seed: SeedArg,
    /// Repeat it; the first is the reference. One alone is compared with baseline.
    #[arg(long = "policy", value_name = "NAME|FILE", required = true, help = POLICY_HELP,
          long_help = format!("{POLICY_HELP}. Repeat it; the first is the reference; \
                               one alone is compared with baseline."))]
    pub policies: Vec<String>,
    /// Overrides and horizon, applied to every policy.
    #[command(flatten)]
    pub setup: SetupArgs,
    /// A calibration posterior, shared by every policy (trial i picks the same particle).
    #[command(flatten)]
    pub posterior: PosteriorArg,
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Write the comparison as JSON; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<OutputPath>,
    /// Write the comparison as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<OutputPath>,
}

impl CompareArgs {
    /// The library's request.
    pub fn request(&self) -> CompareRequest {
        CompareRequest {
            scenario: self.scenario.scenario.clone(),
            policies: self.policies.clone(),
            setup: self.posterior.apply(self.setup.setup(None)),
            seed: self.seed.seed,
            trials: self.trials.trials,
        }
    }
}

pub fn compare(a: CompareArgs) -> Result<Outcome, Error> {
    let exec = a.exec.executor()?;
    let outputs = json_and_html(
        a.json.as_deref(),
        a.html.as_deref(),
        &a.request().input_files(),
    )?;
    let prepared = a.request().prepare()?;
    let mut files = outputs.open(&[])?;
    let trials = prepared.request.trials;
    let bar = progress_bar(trials, a.exec.quiet);
    let progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let models: Vec<&escalate::core::model::Model> = prepared.models.iter().collect();
    let cmp = with_delayed_bar(bar.as_ref(), || {
        compare::run(
            &exec,
            &models,
            prepared.request.seed,
            0..trials,
            None,
            progress,
        )
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = CompareReport::new(&prepared, &cmp);
    files.write("--json", || json::to_json(&report))?;
    files.write("--html", || compare_html::render(&report))?;
    files.commit()?;
    if outputs.to_stdout() {
        // Standard output holds the data: no terminal report there.
        return Ok(Outcome::Ok);
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    super::write_stdout(compare_text::render(&report, colour).as_bytes())?;
    Ok(Outcome::Ok)
}
