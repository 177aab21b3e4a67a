//! `escalate run`: trials of one scenario (or one policy), the terminal report,
//! `--json`, `--html`, `--csv`, and `--expect-digest` for CI.
//!
//! Output files: every file asked for is opened first, as a temporary file
//! beside its target, so a bad path fails before any trial runs. The CSV is
//! streamed into its temporary file during the run; JSON and HTML are written
//! after it. Only when the run and every file's contents succeeded are the
//! temporary files renamed over their targets; on any error they are removed
//! and existing files are left as they were. `--expect-digest` mismatches
//! still write the files (the run itself succeeded; they help find the cause).

use std::io::{IsTerminal, Write};
use std::path::Path;

use miette::IntoDiagnostic;

use super::args::RunArgs;
use super::prepare::{prepare, progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::engine::TrialOutcome;
use escalate::io::{self, AtomicFile, Output, WriteError};
use escalate::montecarlo::{self, Hooks, RunSpec};
use escalate::report::{self, RunReport, csv::TrialCsv, text::Colour};

pub fn run(a: RunArgs) -> Result<Outcome, Error> {
    if a.common.trials == 0 {
        miette::bail!(miette::miette!(
            help = "use --trials 1 or more",
            "--trials 0: nothing to run"
        ));
    }
    if a.common.threads == Some(0) {
        miette::bail!(miette::miette!(
            help = "use --threads 1 or more, or leave it out",
            "--threads 0"
        ));
    }
    let p = prepare(&a.common, a.policy.as_deref())?;
    if let Some(shard) = a.shard {
        return super::shard::run_shard(&a, p, shard);
    }
    let spec = RunSpec {
        seed: a.common.seed,
        trials: 0..a.common.trials,
        threads: a.common.threads,
    };
    let to_stdout = io::claim_stdout(
        &[
            ("--json", a.json.as_deref()),
            ("--html", a.html.as_deref()),
            ("--csv", a.csv.as_deref()),
        ],
        &["--json", "--csv"],
    )?;
    check_outputs(&[
        ("--json", a.json.as_deref()),
        ("--html", a.html.as_deref()),
        ("--csv", a.csv.as_deref()),
    ])?;
    // Open every output before running (see the module doc).
    let mut csv_file = a.csv.as_deref().map(Output::create_streaming).transpose()?;
    let mut json_file = a.json.as_deref().map(Output::create).transpose()?;
    let mut html_file = a.html.as_deref().map(AtomicFile::create).transpose()?;
    let bar = progress_bar(a.common.trials, a.common.quiet);
    let mut progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let summary = {
        let mut csv = match (&mut csv_file, &a.csv) {
            (Some(f), Some(path)) => {
                Some(TrialCsv::new(&p.model, f.writer()).map_err(|e| write_error(path, e))?)
            }
            _ => None,
        };
        let mut csv_failed: Option<std::io::Error> = None;
        let streaming = csv.is_some();
        let mut per_trial = |t: &TrialOutcome| {
            if csv_failed.is_none()
                && let Some(w) = csv.as_mut()
                && let Err(e) = w.write(t)
            {
                csv_failed = Some(e);
            }
        };
        let hooks = Hooks {
            per_trial: if streaming {
                Some(&mut per_trial)
            } else {
                None
            },
            progress: Some(&mut progress),
        };
        let summary = with_delayed_bar(bar.as_ref(), || montecarlo::run(&p.model, &spec, hooks))?;
        if let (Some(path), Some(e)) = (&a.csv, csv_failed) {
            return Err(write_error(path, e).into());
        }
        if let (Some(path), Some(w)) = (&a.csv, csv) {
            w.finish().map_err(|e| write_error(path, e))?;
        }
        summary
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = RunReport::new(&p.model, &summary, p.info);
    if let Some(f) = &mut json_file {
        let json = report::json::to_json(&report);
        f.writer()
            .write_all(json.as_bytes())
            .map_err(|e| f.err(e))?;
    }
    if let Some(f) = &mut html_file {
        let html = report::html::render(&report);
        f.writer()
            .write_all(html.as_bytes())
            .map_err(|e| f.err(e))?;
    }
    if let Some(f) = html_file {
        f.commit()?;
    }
    for f in [csv_file, json_file].into_iter().flatten() {
        f.commit()?;
    }
    if to_stdout {
        // Standard output holds the data: no terminal report there.
        return Ok(check_digest(&report.digest, a.expect_digest.as_deref()));
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    let mut out = std::io::stdout().lock();
    out.write_all(report::text::render(&report, colour).as_bytes())
        .into_diagnostic()?;
    Ok(check_digest(&report.digest, a.expect_digest.as_deref()))
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

/// Refuses outputs that could only fail at the final rename, after other
/// files were already replaced: a directory as a target, or one file named by
/// two flags.
fn check_outputs(outputs: &[(&str, Option<&Path>)]) -> Result<(), Error> {
    let named: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(flag, p)| p.map(|p| (*flag, p)))
        .collect();
    for (flag, p) in &named {
        if p.is_dir() {
            let help = format!(
                "name a file, e.g. {}",
                p.join(format!("report.{}", flag.trim_start_matches('-')))
                    .display()
            );
            miette::bail!(miette::miette!(
                help = help,
                "{flag} {}: is a directory",
                p.display()
            ));
        }
    }
    for (i, (fa, pa)) in named.iter().enumerate() {
        for (fb, pb) in &named[i + 1..] {
            if pa == pb {
                miette::bail!(miette::miette!(
                    help = "give each output flag its own file",
                    "{fa} and {fb} both name {}",
                    pa.display()
                ));
            }
        }
    }
    Ok(())
}

fn write_error(path: &Path, source: std::io::Error) -> WriteError {
    if io::is_stdout(path) {
        WriteError::Stdout { source }
    } else {
        WriteError::io(path, source)
    }
}
