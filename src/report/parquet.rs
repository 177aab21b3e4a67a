//! The Parquet exporter (feature `parquet`): the Arrow tables of
//! [`super::arrow`] written as Parquet files (`--parquet FILE` on `run`,
//! `sweep` and `trace`), which pandas' `read_parquet`, R's `arrow` and
//! DuckDB read with their column types.
//!
//! Like the CSV writers it writes to any [`Write`]: the commands hand it an
//! output's temporary file ([`crate::io::AtomicFile`]), so a file appears
//! whole or not at all. Trials stream in ([`TrialParquet`]): rows are
//! gathered in batches of [`BATCH_ROWS`] and written as row groups of at most
//! [`ROW_GROUP_ROWS`], so memory stays bounded however many trials run.
//!
//! The bytes depend only on the rows: no timestamp, no host, no metadata but
//! the Arrow schema (which the schemas of [`super::arrow`] keep free of
//! key-value maps, whose order could vary) and the writer's name and version.
//! Pages are not compressed: the Parquet crate is built without codecs, and
//! dictionary encoding (on by default) already shrinks the repetitive columns.

use std::io::Write;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::arrow::TrialTable;
use crate::core::engine::TrialOutcome;
use crate::core::model::Model;

/// Rows of trials gathered before they are handed to the writer as one batch.
pub const BATCH_ROWS: usize = 8192;

/// Rows per Parquet row group, at most: what the writer holds in memory.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The writer properties of every file: row groups of [`ROW_GROUP_ROWS`],
/// the library's defaults otherwise (no compression, dictionary encoding,
/// page statistics).
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build()
}

fn io_error(e: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(e)
}

/// A Parquet file of `schema` being written to `out`.
pub struct ParquetFile<W: Write + Send> {
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> ParquetFile<W> {
    /// Starts a file of `schema` on `out`.
    pub fn new(out: W, schema: SchemaRef) -> std::io::Result<Self> {
        let writer = ArrowWriter::try_new(out, schema, Some(properties())).map_err(io_error)?;
        Ok(ParquetFile { writer })
    }

    /// Writes one batch of rows (of the file's schema).
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        self.writer.write(batch).map_err(io_error)
    }

    /// Writes the last row group and the footer, and returns `out`.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(io_error)
    }
}

/// Writes one table as a whole Parquet file to `out` (a sweep's points, a
/// trace's events) and returns `out`.
pub fn write_table<W: Write + Send>(out: W, batch: &RecordBatch) -> std::io::Result<W> {
    let mut f = ParquetFile::new(out, batch.schema())?;
    f.write(batch)?;
    f.finish()
}

/// A run's trials streamed into a Parquet file: [`TrialParquet::write`] one
/// trial at a time (in trial order), then [`TrialParquet::finish`]. The rows
/// are those of the per-trial CSV ([`super::csv::TrialCsv`]).
pub struct TrialParquet<W: Write + Send> {
    table: TrialTable,
    file: ParquetFile<W>,
}

impl<W: Write + Send> TrialParquet<W> {
    /// Starts a file of `model`'s trials on `out`.
    pub fn new(model: &Model, out: W) -> std::io::Result<Self> {
        let table = TrialTable::new(model);
        let file = ParquetFile::new(out, table.schema())?;
        Ok(TrialParquet { table, file })
    }

    /// Adds one trial's row.
    pub fn write(&mut self, t: &TrialOutcome) -> std::io::Result<()> {
        self.table.push(t);
        if self.table.len() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> std::io::Result<()> {
        let batch = self.table.finish().map_err(io_error)?;
        self.file.write(&batch)
    }

    /// Writes the rows left, the footer, and returns `out`. A run of no
    /// trials gives a file of the schema and no rows.
    pub fn finish(mut self) -> std::io::Result<W> {
        if !self.table.is_empty() {
            self.flush_batch()?;
        }
        self.file.finish()
    }
}

/// A finished sweep's points table ([`super::arrow::points`]) as a Parquet
/// file: the [`crate::sweep::PointsTableWriter`] of `escalate sweep --parquet`.
pub fn write_points(
    plan: &crate::sweep::Plan,
    records: &[crate::sweep::PointRecord],
    out: &mut (dyn Write + Send),
) -> std::io::Result<()> {
    let batch = super::arrow::points(plan, records).map_err(io_error)?;
    write_table(out, &batch).map(|_| ())
}

/// A trial's events ([`super::arrow::trace_events`]) as a Parquet file on `out`.
pub fn write_trace(
    records: &[super::trace::TraceRecord],
    out: &mut (dyn Write + Send),
) -> std::io::Result<()> {
    let batch = super::arrow::trace_events(records).map_err(io_error)?;
    write_table(out, &batch).map(|_| ())
}
