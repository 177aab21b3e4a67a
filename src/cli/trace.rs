//! `escalate trace`: replays one trial of a run (same seed, same trial index,
//! same streams) and prints its story: text, JSON lines or CSV.

use std::io::Write;

use clap::{Args, ValueEnum};
use miette::IntoDiagnostic;

use super::args::{CommonRun, DEFAULT_SEED};
use super::prepare::prepare;
use super::{Error, Outcome};
use escalate::engine::TraceEvent;
use escalate::montecarlo;
use escalate::report::trace::{self as tracelog, TraceHeader};
use escalate::scenario::Override;

/// Output formats of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One readable line per event, then the outcome.
    Text,
    /// One JSON object per event (with CAMEO and UCDP codes), then the outcome.
    Jsonl,
    /// One CSV row per event (with CAMEO and UCDP codes).
    Csv,
}

/// `escalate trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Scenario file, or a bundled scenario's name (default: the flagship, pak-afghan-2024).
    pub scenario: Option<String>,
    /// Seed of the run the trial belongs to.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Index of the trial in that run (0-based).
    #[arg(long, default_value_t = 0)]
    pub trial: u64,
    /// A policy: its name in the scenario, `baseline` (none), or a policy file.
    #[arg(long, value_name = "NAME|FILE")]
    pub policy: Option<String>,
    /// Days per trial (default: the scenario's horizon); must match the run's.
    #[arg(long)]
    pub horizon: Option<u32>,
    /// Replace a parameter: PATH=VALUE (repeatable), as in the run.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse::<Override>().map_err(|e| match e {
        escalate::scenario::ScenarioError::Override { message, help, .. } => {
            format!("{message}\n  help: {help}")
        }
        other => other.to_string(),
    })
}

pub fn trace(a: TraceArgs) -> Result<Outcome, Error> {
    let common = CommonRun {
        scenario: a.scenario.clone(),
        trials: a.trial.saturating_add(1),
        seed: a.seed,
        threads: None,
        horizon: a.horizon,
        set: a.set.clone(),
        quiet: true,
    };
    let p = prepare(&common, a.policy.as_deref())?;
    let mut events: Vec<(u32, TraceEvent)> = Vec::new();
    let outcome = montecarlo::run_one(&p.model, a.seed, a.trial, &mut events);
    let records = tracelog::records(&p.model, &events, &outcome);
    let text = match a.format {
        Format::Text => {
            let header = TraceHeader {
                scenario_file: p.info.scenario_file.clone(),
                policy: a.policy.clone().unwrap_or_else(|| "baseline".into()),
                seed: a.seed,
                trial: a.trial,
            };
            tracelog::render_text(&p.model, &header, &records, &outcome, 100)
        }
        Format::Jsonl => tracelog::to_jsonl(&p.model, &records, &outcome),
        Format::Csv => tracelog::to_csv(&records),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .into_diagnostic()?;
    Ok(Outcome::Ok)
}
