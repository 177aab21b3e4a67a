//! What every trial-running command shares: loading and configuring the
//! scenario, the run's identity, and the progress bar.

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::Error;
use super::args::CommonRun;
use escalate::identity::RunIdentity;
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
    let mut configured =
        resolved
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
    let info = RunIdentity::new(&source, policy, &c.set, c.seed, c.trials, model.horizon)
        .run_info(&source.name);
    Ok(Prepared {
        source,
        model,
        info,
    })
}

/// How long a run goes before its progress bar appears.
const SHOW_BAR_AFTER: Duration = Duration::from_secs(1);

/// A progress bar over `total` units (e.g. "trials") on stderr when it is a
/// terminal and not `--quiet`; drawn through [`with_delayed_bar`].
pub fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(indicatif::ProgressBar::new(total))
}

/// Runs `f` with `bar` (if any) hidden at first and drawn only once the run
/// has lasted [`SHOW_BAR_AFTER`]: a watcher thread waits on a channel that is
/// closed when `f` returns. The timing only decides what is drawn on stderr;
/// it never reaches results.
/// The bar fills the terminal's width after the counts, so it never wraps, and
/// shows the rate in whole trials per second.
pub fn with_delayed_bar<T>(bar: Option<&indicatif::ProgressBar>, f: impl FnOnce() -> T) -> T {
    let Some(bar) = bar else { return f() };
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{human_pos}/{human_len} trials · {rate} · {eta} left {wide_bar}",
    ) {
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/s", indicatif::HumanCount(s.per_sec() as u64));
            },
        ));
    }
    let (done, wait) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(SHOW_BAR_AFTER) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
        });
        let out = f();
        drop(done);
        out
    })
}
