//! `escalate compare`: several policies on common random numbers; the
//! terminal report, `--json` and `--html`. Every policy is loaded and checked
//! before any trial runs, and output files are written only when all is done.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use miette::IntoDiagnostic;

use super::args::CommonRun;
use super::prepare::{Prepared, prepare, progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::compare::{self, CompareHooks};
use escalate::io::{self, AtomicFile, Output};
use escalate::montecarlo::RunSpec;
use escalate::policy_file::BASELINE;
use escalate::report::compare_report::{CompareInfo, CompareReport, PolicyLabel};
use escalate::report::{compare_html, compare_text, json, text::Colour};
use escalate::scenario::{self, Source};

/// `escalate compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// What to run (the same trials for every policy).
    #[command(flatten)]
    pub common: CommonRun,
    /// A policy: its name in the scenario, `baseline` (none), or a policy file.
    /// Repeat it; the first is the reference. One alone is compared with baseline.
    #[arg(long = "policy", value_name = "NAME|FILE", required = true)]
    pub policies: Vec<String>,
    /// Write the comparison as JSON; `-`: standard output (then no terminal report).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write the comparison as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

pub fn compare(a: CompareArgs) -> Result<Outcome, Error> {
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
    let mut args = a.policies.clone();
    if args.len() == 1 && args[0] != BASELINE {
        args.insert(0, BASELINE.to_string());
    }
    if args.len() < 2 {
        miette::bail!(miette::miette!(
            help = "name a policy to compare with baseline, e.g. --policy talks",
            "--policy baseline alone: nothing to compare"
        ));
    }
    for (i, p) in args.iter().enumerate() {
        if args[..i].contains(p) {
            miette::bail!(miette::miette!(
                help = "give each policy once",
                "--policy {p} is given twice"
            ));
        }
    }
    let to_stdout = io::claim_stdout(
        &[("--json", a.json.as_deref()), ("--html", a.html.as_deref())],
        &["--json"],
    )?;
    if let (Some(j), Some(h)) = (&a.json, &a.html)
        && j == h
    {
        let name = j.display().to_string();
        miette::bail!(miette::miette!(
            help = "give --json and --html different files",
            "--json and --html both name {name}"
        ));
    }
    let prepared: Vec<Prepared> = args
        .iter()
        .map(|p| prepare(&a.common, Some(p)))
        .collect::<Result<_, _>>()?;
    let labels = labels(&prepared[0].source, &args)?;
    let models: Vec<(&str, &escalate::model::Model)> = labels
        .iter()
        .zip(&prepared)
        .map(|(l, p)| (l.name.as_str(), &p.model))
        .collect();
    compare::check_shapes(&models)?;
    let mut json_file = a.json.as_deref().map(Output::create).transpose()?;
    let mut html_file = a.html.as_deref().map(AtomicFile::create).transpose()?;
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
    let hooks = CompareHooks {
        per_trial: None,
        progress: Some(&mut progress),
    };
    let cmp = with_delayed_bar(bar.as_ref(), || compare::run(&models, &spec, hooks))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let info0 = &prepared[0].info;
    let info = CompareInfo {
        escalate_version: info0.escalate_version.clone(),
        scenario_file: info0.scenario_file.clone(),
        scenario_sha256: info0.scenario_sha256.clone(),
        policies: args.clone(),
        overrides: info0.overrides.clone(),
        seed: a.common.seed,
        trials: a.common.trials,
        horizon: info0.horizon,
    };
    let ms: Vec<&escalate::model::Model> = prepared.iter().map(|p| &p.model).collect();
    let report = CompareReport::new(&ms, &labels, &cmp, info);
    if let Some(f) = &mut json_file {
        f.writer()
            .write_all(json::to_json(&report).as_bytes())
            .map_err(|e| f.err(e))?;
    }
    if let Some(f) = &mut html_file {
        f.writer()
            .write_all(compare_html::render(&report).as_bytes())
            .map_err(|e| f.err(e))?;
    }
    if let Some(f) = html_file {
        f.commit()?;
    }
    if let Some(f) = json_file {
        f.commit()?;
    }
    if to_stdout {
        // Standard output holds the data: no terminal report there.
        return Ok(Outcome::Ok);
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    std::io::stdout()
        .lock()
        .write_all(compare_text::render(&report, colour).as_bytes())
        .into_diagnostic()?;
    Ok(Outcome::Ok)
}

/// Names and descriptions of the policies, from the scenario or their files.
fn labels(src: &Source, args: &[String]) -> Result<Vec<PolicyLabel>, Error> {
    let base = scenario::load(src)?;
    args.iter()
        .map(|arg| {
            let r = escalate::policy_file::resolve(&base, src, Some(arg))?;
            let description = match &r.policy {
                None => "the scenario as written, no policy applied".to_string(),
                Some(name) => r
                    .scenario
                    .scenario()
                    .policies
                    .iter()
                    .find(|p| &p.name == name)
                    .map(|p| p.description.clone())
                    .unwrap_or_default(),
            };
            Ok(PolicyLabel {
                name: r.label,
                description,
                arg: arg.clone(),
            })
        })
        .collect()
}
