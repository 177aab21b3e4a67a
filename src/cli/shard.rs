//! `escalate run --shard K/N --out FILE`: one shard of a run, written as a part file.

use std::io::Write;
use std::path::Path;

use super::progress::{progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::distribution::part::Part;
use escalate::io::AtomicFile;
use escalate::run::shard::Shard;
use escalate::run::trials::summarise;
use escalate::run::{Executor, PreparedRun};

/// Runs shard `shard` of the prepared run and writes its part to `out`.
pub fn run_shard(
    p: &PreparedRun,
    shard: Shard,
    out: &Path,
    exec: &Executor,
    quiet: bool,
) -> Result<Outcome, Error> {
    // Opened first: a directory, device or pipe is refused before any trial runs.
    let mut file = AtomicFile::create_durable(out)?;
    let range = shard.range(p.request.trials);
    let bar = progress_bar(range.end - range.start, quiet);
    let progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let summary = with_delayed_bar(bar.as_ref(), || {
        summarise(
            exec,
            &p.model,
            p.request.seed,
            range.clone(),
            None,
            progress,
        )
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let part = Part::new(p.identity.clone(), &p.loaded.source, shard, summary);
    file.writer()
        .write_all(&part.encode())
        .map_err(|e| file.err(e))?;
    file.commit()?;
    let what = if range.is_empty() {
        "no trials".to_string()
    } else {
        format!("trials {} to {}", range.start, range.end - 1)
    };
    super::outln!(
        "shard {shard}: {what} ({} of {}) written to {}",
        range.end - range.start,
        p.request.trials,
        out.display()
    );
    Ok(Outcome::Ok)
}
