//! `escalate run --shard K/N --out FILE`: one shard of a run, written as a part file.

use super::args::RunArgs;
use super::prepare::{Prepared, progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::identity::RunIdentity;
use escalate::montecarlo::{self, Hooks, RunSpec};
use escalate::shard::{Part, Shard};

/// Runs shard `shard` of the run `a` describes and writes its part to `--out`.
pub fn run_shard(a: &RunArgs, p: Prepared, shard: Shard) -> Result<Outcome, Error> {
    let out = a
        .out
        .as_ref()
        .ok_or_else(|| miette::miette!(help = "add --out FILE", "--shard needs --out"))?;
    escalate::shard::check_shardable(&p.source, a.policy.as_deref())?;
    let range = shard.range(a.common.trials);
    let spec = RunSpec {
        seed: a.common.seed,
        trials: range.clone(),
        threads: a.common.threads,
    };
    let bar = progress_bar(range.end - range.start, a.common.quiet);
    let mut progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let hooks = Hooks {
        per_trial: None,
        progress: Some(&mut progress),
    };
    let summary = with_delayed_bar(bar.as_ref(), || montecarlo::run(&p.model, &spec, hooks))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let part = Part::new(RunIdentity::of(&p.info), &p.source, shard, summary);
    part.write(out)?;
    let what = if range.is_empty() {
        "no trials".to_string()
    } else {
        format!("trials {} to {}", range.start, range.end - 1)
    };
    println!(
        "shard {shard}: {what} ({} of {}) written to {}",
        range.end - range.start,
        a.common.trials,
        out.display()
    );
    Ok(Outcome::Ok)
}
