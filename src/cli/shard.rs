//! `escalate run --shard K/N --out FILE [--parquet FILE]`: one shard of a run,
//! written as a part file, and its trials, when asked, as a Parquet file (the
//! two committed together, the part file last).

use std::io::Write;
use std::path::Path;

use super::progress::{progress_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::core::engine::TrialOutcome;
use escalate::distribution::part::Part;
use escalate::io::{self, AtomicFile, Output, WriteError};
use escalate::run::shard::Shard;
use escalate::run::trials::summarise;
use escalate::run::{Executor, PreparedRun};

/// Runs shard `shard` of the prepared run and writes its part to `out` (and
/// its trials to `parquet`).
pub fn run_shard(
    p: &PreparedRun,
    shard: Shard,
    out: &Path,
    parquet: Option<&Path>,
    exec: &Executor,
    quiet: bool,
) -> Result<Outcome, Error> {
    // Opened first: a directory, device or pipe is refused before any trial runs.
    let mut file = AtomicFile::create_durable(out)?;
    #[cfg_attr(not(feature = "parquet"), allow(unused_mut))]
    let mut parquet_file = parquet.map(AtomicFile::create_durable).transpose()?;
    let range = shard.range(p.request.trials);
    let bar = progress_bar(range.end - range.start, quiet);
    let progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let summary = {
        #[cfg(feature = "parquet")]
        let mut table = match (&mut parquet_file, parquet) {
            (Some(f), Some(path)) => Some(
                escalate::report::parquet::TrialParquet::new(&p.model, f.writer())
                    .map_err(|e| WriteError::io(path, e))?,
            ),
            _ => None,
        };
        #[cfg_attr(not(feature = "parquet"), allow(unused_mut))]
        let mut table_failed: Option<std::io::Error> = None;
        let mut per_trial = |_t: &TrialOutcome| {
            #[cfg(feature = "parquet")]
            if table_failed.is_none()
                && let Some(w) = table.as_mut()
                && let Err(e) = w.write(_t)
            {
                table_failed = Some(e);
            }
        };
        let per_trial: Option<&mut dyn FnMut(&TrialOutcome)> = match parquet {
            Some(_) => Some(&mut per_trial),
            None => None,
        };
        let summary = with_delayed_bar(bar.as_ref(), || {
            summarise(
                exec,
                &p.model,
                p.request.seed,
                range.clone(),
                per_trial,
                progress,
            )
        });
        if let (Some(path), Some(e)) = (parquet, table_failed) {
            return Err(WriteError::io(path, e).into());
        }
        #[cfg(feature = "parquet")]
        if let (Some(path), Some(w)) = (parquet, table) {
            w.finish().map_err(|e| WriteError::io(path, e))?;
        }
        summary
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let part = Part::new(p.identity.clone(), &p.loaded.source, shard, summary);
    file.writer()
        .write_all(&part.encode())
        .map_err(|e| file.err(e))?;
    // Together, the part file last: a part file there means its trials are there too.
    io::commit_all(
        parquet_file
            .map(Output::from)
            .into_iter()
            .chain([Output::from(file)])
            .collect(),
    )?;
    let what = if range.is_empty() {
        "no trials".to_string()
    } else {
        format!("trials {} to {}", range.start, range.end - 1)
    };
    let also = parquet.map_or(String::new(), |f| format!(" and {}", f.display()));
    super::outln!(
        "shard {shard}: {what} ({} of {}) written to {}{also}",
        range.end - range.start,
        p.request.trials,
        out.display()
    );
    Ok(Outcome::Ok)
}
