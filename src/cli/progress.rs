//! The progress bars of the commands that run for a while, on stderr when it
//! is a terminal and not `--quiet`: trials for run, compare and shards,
//! design points for sweep, generations for calibrate, PRIM searches for
//! discover. Each is hidden for the first second, so quick runs print nothing
//! but their report.

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// How long a run goes before its progress bar appears.
const SHOW_BAR_AFTER: Duration = Duration::from_secs(1);

/// A bar over `total` units, or None when stderr is not a terminal or `quiet`.
fn bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(indicatif::ProgressBar::new(total))
}

/// A progress bar over `total` trials; drawn through [`with_delayed_bar`].
/// The bar fills the terminal's width after the counts, so it never wraps, and
/// shows the rate in whole trials per second.
pub fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    counting_bar(total, quiet, "trials")
}

/// A progress bar over the design points of a sweep, in the style of
/// [`progress_bar`]; its length is set once the sweep knows how many points
/// it runs. Drawn through [`with_delayed_bar`].
pub fn points_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    counting_bar(0, quiet, "points")
}

/// A bar over `total` `units`: the counts, the rate in whole units per second,
/// the time left, and a bar filling the rest of the terminal's width.
fn counting_bar(total: u64, quiet: bool, units: &str) -> Option<indicatif::ProgressBar> {
    let bar = bar(total, quiet)?;
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{human_pos}}/{{human_len}} {units} · {{rate}} · {{eta}} left {{wide_bar}}"
    )) {
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/s", indicatif::HumanCount(s.per_sec() as u64));
            },
        ));
    }
    Some(bar)
}

/// A progress bar over at most `total` generations of a calibration; its
/// message says what the last finished generation gave (tolerance,
/// acceptance rate, ESS) and then how the one under way stands, cut to the
/// terminal's width. Drawn through [`with_delayed_bar`].
pub fn generations_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    let bar = bar(total, quiet)?;
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{pos}/{len} generations · {wide_msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// A progress bar over at most `total` PRIM searches (and CART) of a
/// discovery; drawn through [`with_delayed_bar`].
pub fn searches_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    let bar = bar(total, quiet)?;
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{pos}/{len} PRIM searches · {eta} left {wide_bar}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// Runs `f` with `bar` (if any) hidden at first and drawn only once the run
/// has lasted [`SHOW_BAR_AFTER`]: a watcher thread waits on a channel that is
/// closed when `f` returns. The timing only decides what is drawn on stderr;
/// it never reaches results.
pub fn with_delayed_bar<T>(bar: Option<&indicatif::ProgressBar>, f: impl FnOnce() -> T) -> T {
    let Some(bar) = bar else { return f() };
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
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
