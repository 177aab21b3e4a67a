//! `escalate trace`: replays one trial of a run (same seed, same trial index,
//! same streams) and prints its story: text, JSON lines or CSV.

use clap::{Args, ValueEnum};

use super::args::{PolicyArg, PosteriorArg, ScenarioArg, SeedArg, SetupArgs};
use super::{Error, Outcome};
use escalate::report::trace as tracelog;
use escalate::run::TraceRequest;

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
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// The seed of the run the trial belongs to.
    #[command(flatten)]
    pub seed: SeedArg,
    /// Index of the trial in that run (0-based).
    #[arg(long, value_name = "I", default_value_t = 0,
          value_parser = super::args::count::<u64>, allow_negative_numbers = true)]
    pub trial: u64,
    /// Policy, as in the run.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Overrides and horizon, as in the run (the horizon must match the run's).
    #[command(flatten)]
    pub setup: SetupArgs,
    /// The posterior of the run, if it had one.
    #[command(flatten)]
    pub posterior: PosteriorArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the events as Parquet (the columns of --format csv, typed; nulls where it is
    /// empty).
    #[cfg(feature = "parquet")]
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<std::path::PathBuf>,
}

impl TraceArgs {
    /// The library's request.
    pub fn request(&self) -> TraceRequest {
        TraceRequest {
            scenario: self.scenario.scenario.clone(),
            setup: self
                .posterior
                .apply(self.setup.setup(self.policy.policy.clone())),
            seed: self.seed.seed,
            trial: self.trial,
        }
    }
}

pub fn trace(a: TraceArgs) -> Result<Outcome, Error> {
    let request = a.request();
    #[cfg(feature = "parquet")]
    let parquet = match &a.parquet {
        Some(path) => {
            escalate::io::claim_stdout(&[("--parquet", Some(path))], &[])?;
            escalate::io::refuse_overlaps(&[("--parquet", path)], &request.input_files().named())?;
            Some(escalate::io::AtomicFile::create(path)?)
        }
        None => None,
    };
    let p = request.prepare()?;
    let tracelog::TracedTrial {
        header,
        outcome,
        records,
    } = tracelog::trace_trial(&request, &p);
    #[cfg(feature = "parquet")]
    if let Some(mut f) = parquet {
        escalate::report::parquet::write_trace(&records, f.writer()).map_err(|e| f.err(e))?;
        f.commit()?;
    }
    let text = match a.format {
        Format::Text => tracelog::render_text(&p.model, &header, &records, &outcome, 100),
        Format::Jsonl => tracelog::to_jsonl(&p.model, &records, &outcome),
        Format::Csv => tracelog::to_csv(&records),
    };
    super::write_stdout(text.as_bytes())?;
    Ok(Outcome::Ok)
}
