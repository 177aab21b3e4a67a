//! What every trial-running command shares: loading and configuring the
//! scenario, the run's identity, and the progress bar.

use std::io::IsTerminal;

use sha2::{Digest, Sha256};

use super::Error;
use super::args::CommonRun;
use escalate::model::{self, Model};
use escalate::report::RunInfo;
use escalate::scenario::{self, BUNDLED, Source};

/// A scenario ready to run: its source, model and identity.
pub struct Prepared {
    #[allow(dead_code)]
    pub source: Source,
    pub model: Model,
    pub info: RunInfo,
}

/// Loads, configures (policy, overrides, horizon) and compiles a scenario.
pub fn prepare(c: &CommonRun, policy: Option<&str>) -> Result<Prepared, Error> {
    let name = c
        .scenario
        .clone()
        .unwrap_or_else(|| BUNDLED[0].name.to_string());
    let source = Source::open(&name)?;
    let base = scenario::load(&source)?;
    let resolved = escalate::policy_file::resolve(&base, &source, policy)?;
    let mut configured = resolved
        .scenario
        .configure(&source, resolved.policy.as_deref(), &c.set)?;
    if let Some(h) = c.horizon {
        if !(1..=36_500).contains(&h) {
            miette::bail!(miette::miette!(
                help = "use 1 to 36500 days",
                "--horizon {h}: out of range"
            ));
        }
        configured = configured.with_horizon(h, &source)?;
    }
    let model = model::compile(&configured);
    let info = RunInfo {
        escalate_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: source.name.clone(),
        scenario_sha256: Sha256::digest(source.text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        policy: policy.map(str::to_string),
        overrides: c
            .set
            .iter()
            .map(|o| format!("{}={}", o.path, o.value))
            .collect(),
        seed: c.seed,
        trials: c.trials,
        horizon: model.horizon,
    };
    Ok(Prepared {
        source,
        model,
        info,
    })
}

/// A progress bar on stderr when it is a terminal and not `--quiet`.
pub fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} trials · {per_sec} · {eta} left",
        )
        .expect("valid template"),
    );
    Some(bar)
}
