//! `escalate run`: trials of one scenario (or one policy), the terminal report,
//! `--json`, and `--expect-digest` for CI.

use std::io::{IsTerminal, Write};

use miette::IntoDiagnostic;

use super::args::RunArgs;
use super::prepare::{prepare, progress_bar};
use super::{Error, Outcome};
use escalate::montecarlo::{self, Hooks, RunSpec};
use escalate::report::{self, RunReport, text::Colour};

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
    let spec = RunSpec {
        seed: a.common.seed,
        trials: 0..a.common.trials,
        threads: a.common.threads,
    };
    let bar = progress_bar(a.common.trials, a.common.quiet);
    let mut progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let hooks = Hooks {
        per_trial: None,
        progress: Some(&mut progress),
    };
    let summary = montecarlo::run(&p.model, &spec, hooks)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = RunReport::new(&p.model, &summary, p.info);
    if let Some(path) = &a.json {
        report::output::write_atomic(path, report::json::to_json(&report).as_bytes())?;
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    let mut out = std::io::stdout().lock();
    out.write_all(report::text::render(&report, colour).as_bytes())
        .into_diagnostic()?;
    Ok(check_digest(&report.digest, a.expect_digest.as_deref()))
}

fn check_digest(actual: &str, expected: Option<&str>) -> Outcome {
    match expected {
        Some(e) if !e.trim().eq_ignore_ascii_case(actual) => Outcome::Differs(format!(
            "digest differs: expected {} got {actual}",
            e.trim()
        )),
        _ => Outcome::Ok,
    }
}
