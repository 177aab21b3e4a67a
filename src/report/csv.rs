//! The per-trial CSV (`escalate run --csv FILE`): one row per trial, streamed
//! as trials finish, so memory does not grow with the number of trials.
//!
//! Columns, in order (see docs/reports.md):
//! - `trial`: the trial index (0-based; with `--seed` it identifies the trial exactly);
//! - `outcome`: the outcome class's name;
//! - every metric, headed by its name, in the scenario's order (an integer;
//!   an empty cell when an optional metric had no value in that trial);
//! - every sampled uncertain parameter, headed by its override path, as the
//!   shortest decimal that reads back to the same 64-bit float.
//!
//! The file is RFC 4180 CSV (comma-separated, `\n` line ends, fields quoted
//! only when needed), so pandas' `read_csv` and R's `read.csv` load it as is.

use std::fmt::Write as _;
use std::io::Write;

use crate::core::engine::TrialOutcome;
use crate::core::model::{Model, NONE};

/// The header row for a model's trials.
pub fn header(model: &Model) -> Vec<String> {
    let mut h = vec!["trial".to_string(), "outcome".to_string()];
    h.extend(model.metrics.defs.iter().map(|d| d.name.clone()));
    h.extend(
        model
            .uncertain_params()
            .map(|i| model.params[i].path.clone()),
    );
    h
}

/// A CSV writer of trial records: writes the header on creation, then one
/// row per [`TrialCsv::write`]. Reuses its buffers: no allocation per row.
pub struct TrialCsv<W: Write> {
    out: ::csv::Writer<W>,
    classes: Vec<String>,
    uncertain: Vec<usize>,
    cell: String,
}

impl<W: Write> TrialCsv<W> {
    /// Starts a CSV for `model`'s trials on `out` and writes the header row.
    pub fn new(model: &Model, out: W) -> std::io::Result<Self> {
        let mut out = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(out);
        out.write_record(header(model)).map_err(io_error)?;
        Ok(TrialCsv {
            out,
            classes: model.classes.iter().map(|c| c.name.clone()).collect(),
            uncertain: model.uncertain_params().collect(),
            cell: String::with_capacity(32),
        })
    }

    /// Writes one trial's row.
    pub fn write(&mut self, t: &TrialOutcome) -> std::io::Result<()> {
        self.cell.clear();
        let _ = write!(self.cell, "{}", t.trial);
        self.out.write_field(&self.cell).map_err(io_error)?;
        self.out
            .write_field(&self.classes[t.class as usize])
            .map_err(io_error)?;
        for &m in &t.metrics {
            self.cell.clear();
            if m != NONE {
                let _ = write!(self.cell, "{m}");
            }
            self.out.write_field(&self.cell).map_err(io_error)?;
        }
        for &k in &self.uncertain {
            self.cell.clear();
            let _ = write!(self.cell, "{}", t.params[k]);
            self.out.write_field(&self.cell).map_err(io_error)?;
        }
        self.out.write_record(None::<&[u8]>).map_err(io_error)?;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// The writer's own error, with its kind (a closed pipe stays `BrokenPipe`):
/// the csv crate's conversion would wrap it as `Other`.
fn io_error(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
