//! `escalate run`: trials of one scenario (or one policy), the terminal report,
//! `--json`, `--html`, `--csv`, `--parquet`, and `--expect-digest` for CI.
//!
//! Output files: an output that is an input of the run (the scenario, a
//! policy file, the posterior) or another output is refused, and every file
//! asked for is opened, as a temporary file beside its target, before any
//! trial runs, so a bad path fails first. The CSV and the Parquet file are
//! streamed into their temporary files during the run; JSON and HTML are
//! written after it. Only
//! when the run and every file's contents succeeded are the temporary files
//! renamed over their targets, together ([`escalate::io::OutputSet`], the
//! JSON last); on any error they are removed and existing files are left as
//! they were. `--expect-digest` mismatches
//! still write the files (the run itself succeeded; they help find the cause).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{ExecArgs, OutputPath, RunWhat, parse_shard};
use super::progress::{progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::core::engine::TrialOutcome;
use escalate::io::{self, WriteError};
use escalate::report::{self, RunReport, csv::TrialCsv, text::Colour};
use escalate::run::RunRequest;
use escalate::run::shard::Shard;
use escalate::run::trials::summarise;

/// `escalate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to run.
    #[command(flatten)]
    pub what: RunWhat,
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Write the whole summary as JSON; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<OutputPath>,
    /// Write a self-contained HTML report (open it in any browser).
    #[arg(long, value_name = "FILE", conflicts_with = "shard")]
    pub html: Option<OutputPath>,
    /// Write one CSV row per trial: outcome, metrics, sampled parameters; `-`: standard output.
    #[arg(long, value_name = "FILE|-", conflicts_with = "shard")]
    pub csv: Option<OutputPath>,
    /// Write one Parquet row per trial: the CSV's columns, typed (nulls for absent optional
    /// metrics). With --shard: this shard's trials (name shard K's part-K.parquet, all in one
    /// directory, and read the directory as one dataset).
    #[cfg(feature = "parquet")]
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
    /// Exit 1 (with a one-line diff) unless the run's digest equals HEX.
    #[arg(long, value_name = "HEX", value_parser = escalate::io::hex::parse_digest)]
    pub expect_digest: Option<String>,
    /// Run only shard K of N (K from 0): trials floor(K*T/N) to floor((K+1)*T/N)-1; needs --out.
    #[arg(long, value_name = "K/N", requires = "out", conflicts_with_all = ["json", "expect_digest"],
          value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// With --shard: the part file to write (merge parts with `escalate merge`).
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub out: Option<PathBuf>,
}

impl RunArgs {
    /// The library's request.
    pub fn request(&self) -> RunRequest {
        RunRequest {
            shard: self.shard,
            ..self.what.request()
        }
    }
}

pub fn run(a: RunArgs) -> Result<Outcome, Error> {
    let exec = a.exec.executor()?;
    let inputs = a.request().input_files();
    let parquet = parquet_path(&a);
    if let (Some(shard), Some(out)) = (a.shard, &a.out) {
        let mut named = vec![("--out", out.as_path())];
        named.extend(parquet.map(|p| ("--parquet", p)));
        io::claim_stdout(&[("--parquet", parquet)], &[])?;
        io::refuse_overlaps(&named, &inputs.named())?;
        let p = a.request().prepare()?;
        return super::shard::run_shard(&p, shard, out, parquet, &exec, a.exec.quiet);
    }
    // The JSON first: the primary output, committed last.
    let outputs = io::OutputSet::check(
        &[
            ("--json", a.json.as_deref()),
            ("--html", a.html.as_deref()),
            ("--csv", a.csv.as_deref()),
            ("--parquet", parquet),
        ],
        &["--json", "--csv"],
        &inputs,
    )?;
    let p = a.request().prepare()?;
    // Open every output before running (see the module doc).
    let mut files = outputs.open(&["--csv"])?;
    let trials = p.request.trial_range();
    let bar = progress_bar(trials.end - trials.start, a.exec.quiet);
    let progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let summary = {
        #[cfg_attr(not(feature = "parquet"), allow(unused_variables))]
        let (csv_file, parquet_file) = files.get_two("--csv", "--parquet");
        let mut csv = match (csv_file, &a.csv) {
            (Some(f), Some(path)) => {
                Some(TrialCsv::new(&p.model, f.writer()).map_err(|e| write_error(path, e))?)
            }
            _ => None,
        };
        #[cfg(feature = "parquet")]
        let mut table = match (parquet_file.and_then(|f| f.file_writer()), parquet) {
            (Some(w), Some(path)) => Some(
                escalate::report::parquet::TrialParquet::new(&p.model, w)
                    .map_err(|e| write_error(path, e))?,
            ),
            _ => None,
        };
        let mut csv_failed: Option<std::io::Error> = None;
        #[cfg_attr(not(feature = "parquet"), allow(unused_mut))]
        let mut table_failed: Option<std::io::Error> = None;
        let streaming = csv.is_some() || parquet.is_some();
        let mut per_trial = |t: &TrialOutcome| {
            if csv_failed.is_none()
                && let Some(w) = csv.as_mut()
                && let Err(e) = w.write(t)
            {
                csv_failed = Some(e);
            }
            #[cfg(feature = "parquet")]
            if table_failed.is_none()
                && let Some(w) = table.as_mut()
                && let Err(e) = w.write(t)
            {
                table_failed = Some(e);
            }
        };
        let per_trial: Option<&mut dyn FnMut(&TrialOutcome)> = if streaming {
            Some(&mut per_trial)
        } else {
            None
        };
        let summary = with_delayed_bar(bar.as_ref(), || {
            summarise(&exec, &p.model, p.request.seed, trials, per_trial, progress)
        });
        if let (Some(path), Some(e)) = (&a.csv, csv_failed) {
            return Err(write_error(path, e).into());
        }
        if let (Some(path), Some(w)) = (&a.csv, csv) {
            w.finish().map_err(|e| write_error(path, e))?;
        }
        if let (Some(path), Some(e)) = (parquet, table_failed) {
            return Err(write_error(path, e).into());
        }
        #[cfg(feature = "parquet")]
        if let (Some(path), Some(w)) = (parquet, table) {
            w.finish().map_err(|e| write_error(path, e))?;
        }
        summary
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = RunReport::new(&p.model, &summary, p.identity.clone(), p.command());
    files.write("--json", || report::json::to_json(&report))?;
    files.write("--html", || report::html::render(&report))?;
    // All together, the JSON last (see the module doc).
    files.commit()?;
    if outputs.to_stdout() {
        // Standard output holds the data: no terminal report there.
        return Ok(check_digest(&report.digest, a.expect_digest.as_deref()));
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    super::write_stdout(report::text::render(&report, colour).as_bytes())?;
    Ok(check_digest(&report.digest, a.expect_digest.as_deref()))
}

/// `--parquet FILE`, when this escalate has the `parquet` feature.
fn parquet_path(a: &RunArgs) -> Option<&Path> {
    #[cfg(feature = "parquet")]
    return a.parquet.as_deref();
    #[cfg(not(feature = "parquet"))]
    {
        let _ = a;
        None
    }
}

pub(super) fn check_digest(actual: &str, expected: Option<&str>) -> Outcome {
    match expected {
        Some(e) if !e.trim().eq_ignore_ascii_case(actual) => Outcome::Differs(format!(
            "digest differs: expected {} got {actual}",
            e.trim()
        )),
        _ => Outcome::Ok,
    }
}

fn write_error(path: &Path, source: std::io::Error) -> WriteError {
    if io::is_stdout(path) {
        WriteError::Stdout { source }
    } else {
        WriteError::io(path, source)
    }
}
