//! The Arrow tables (feature `arrow`): a run's trials, a sweep's design points
//! and a trial's trace events as Arrow [`RecordBatch`]es with typed columns,
//! the schema taken from the compiled model or the sweep's plan.
//!
//! One function (or builder) per table, each holding the same rows and columns,
//! in the same order, as its CSV:
//!
//! - [`TrialTable`] / [`trials`]: `escalate run --csv` (see [`super::csv`]);
//! - [`points`]: a sweep's `points.csv` (see [`crate::sweep::output`]);
//! - [`trace_events`]: `escalate trace --format csv` (see [`super::trace`]).
//!
//! Where the CSV has an empty cell the table has a null, and its column is
//! nullable; every other column is not. Integers stay integers (`UInt64` for
//! metrics and counts), parameters and shares are `Float64`, names are UTF-8
//! (the outcome a dictionary whose values are every class, in the scenario's
//! order: a pandas categorical). The schemas carry no
//! metadata, so the same rows always give the same bytes when written.
//!
//! The Parquet writer ([`super::parquet`]) writes these batches; a Python
//! binding hands the same batches to pyarrow (the Arrow C data interface)
//! without copying through text.

use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, StringBuilder, UInt8Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::types::UInt16Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray, UInt16Array};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use super::trace::{CSV_HEADER, TraceRecord};
use crate::core::engine::TrialOutcome;
use crate::core::model::{Model, NONE};
use crate::sweep::factor::FactorKind;
use crate::sweep::plan::Plan;
use crate::sweep::point::PointRecord;

/// The type of the `outcome` column: class indices into a dictionary of class names.
pub fn outcome_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8))
}

/// The schema of a model's per-trial table: `trial` (`UInt64`), `outcome`
/// ([`outcome_type`]), every metric by name (`UInt64`, nullable when the
/// metric is optional), every sampled uncertain parameter by override path
/// (`Float64`): the columns of the per-trial CSV ([`super::csv::header`]).
pub fn trials_schema(model: &Model) -> SchemaRef {
    let mut fields = vec![
        Field::new("trial", DataType::UInt64, false),
        Field::new("outcome", outcome_type(), false),
    ];
    fields.extend(
        model
            .metrics
            .defs
            .iter()
            .map(|d| Field::new(&d.name, DataType::UInt64, d.optional)),
    );
    fields.extend(
        model
            .uncertain_params()
            .map(|i| Field::new(&model.params[i].path, DataType::Float64, false)),
    );
    Arc::new(Schema::new(fields))
}

/// A run's trials, gathered column by column: [`TrialTable::push`] one
/// [`TrialOutcome`] at a time (in any number), [`TrialTable::finish`] takes
/// the rows gathered so far as one [`RecordBatch`] of [`trials_schema`] and
/// starts again empty, so a long run streams out in batches of bounded size.
pub struct TrialTable {
    schema: SchemaRef,
    classes: ArrayRef,
    uncertain: Vec<usize>,
    trial: UInt64Builder,
    outcome: Vec<u16>,
    metrics: Vec<UInt64Builder>,
    params: Vec<Float64Builder>,
}

impl TrialTable {
    /// An empty table for `model`'s trials.
    pub fn new(model: &Model) -> TrialTable {
        let uncertain: Vec<usize> = model.uncertain_params().collect();
        TrialTable {
            schema: trials_schema(model),
            classes: Arc::new(StringArray::from_iter_values(
                model.classes.iter().map(|c| c.name.as_str()),
            )),
            trial: UInt64Builder::new(),
            outcome: Vec::new(),
            metrics: (0..model.metrics.len())
                .map(|_| UInt64Builder::new())
                .collect(),
            params: uncertain.iter().map(|_| Float64Builder::new()).collect(),
            uncertain,
        }
    }

    /// The table's schema ([`trials_schema`]).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Rows gathered since the last [`TrialTable::finish`].
    pub fn len(&self) -> usize {
        self.outcome.len()
    }

    /// Whether no row was gathered since the last [`TrialTable::finish`].
    pub fn is_empty(&self) -> bool {
        self.outcome.is_empty()
    }

    /// Adds one trial's row (an absent optional metric, [`NONE`], is a null).
    pub fn push(&mut self, t: &TrialOutcome) {
        self.trial.append_value(t.trial);
        self.outcome.push(t.class);
        for (b, &m) in self.metrics.iter_mut().zip(&t.metrics) {
            b.append_option((m != NONE).then_some(m));
        }
        for (b, &k) in self.params.iter_mut().zip(&self.uncertain) {
            b.append_value(t.params[k]);
        }
    }

    /// The rows gathered so far as one batch; the table is empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let keys = UInt16Array::from(std::mem::take(&mut self.outcome));
        let outcome = DictionaryArray::<UInt16Type>::try_new(keys, self.classes.clone())?;
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.trial.finish()), Arc::new(outcome)];
        columns.extend(
            self.metrics
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.extend(
            self.params
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        RecordBatch::try_new(self.schema.clone(), columns)
    }
}

/// A run's trials as one batch of [`trials_schema`], one row per outcome in
/// the order given (a run's outcomes come in trial order).
pub fn trials(model: &Model, outcomes: &[TrialOutcome]) -> Result<RecordBatch, ArrowError> {
    let mut t = TrialTable::new(model);
    for o in outcomes {
        t.push(o);
    }
    t.finish()
}

/// Quantile column suffixes, as in `points.csv`.
const QUANTILE_SUFFIXES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// The schema of a sweep's points table: `point` (`UInt64`), every factor by
/// name (`Float64`, or `Utf8` for `policy`), `trials` (`UInt64`), a
/// `prob_CLASS` per class (`Float64`), per metric `METRIC_mean` and its
/// quantiles `METRIC_p5` ... `METRIC_p95` (`Float64`, nullable: null where the
/// metric never had a value), and `digest` (`Utf8`): the columns of
/// `points.csv`.
pub fn points_schema(plan: &Plan) -> SchemaRef {
    let mut fields = vec![Field::new("point", DataType::UInt64, false)];
    fields.extend(plan.factors.iter().map(|f| {
        let t = match f.kind {
            FactorKind::Policies(_) => DataType::Utf8,
            _ => DataType::Float64,
        };
        Field::new(&f.name, t, false)
    }));
    fields.push(Field::new("trials", DataType::UInt64, false));
    fields.extend(
        plan.classes
            .iter()
            .map(|c| Field::new(format!("prob_{c}"), DataType::Float64, false)),
    );
    for m in &plan.metrics {
        fields.push(Field::new(format!("{m}_mean"), DataType::Float64, true));
        fields.extend(
            QUANTILE_SUFFIXES
                .iter()
                .map(|q| Field::new(format!("{m}_{q}"), DataType::Float64, true)),
        );
    }
    fields.push(Field::new("digest", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

/// A finite number, or null (as `points.csv` leaves the cell empty).
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// A sweep's design points as one batch of [`points_schema`], one row per
/// record in the order given (a finished sweep's records come in point order).
pub fn points(plan: &Plan, records: &[PointRecord]) -> Result<RecordBatch, ArrowError> {
    let mut point = UInt64Builder::new();
    let mut factors: Vec<FactorColumn> = plan
        .factors
        .iter()
        .map(|f| match f.kind {
            FactorKind::Policies(_) => FactorColumn::Policy(StringBuilder::new()),
            _ => FactorColumn::Number(Float64Builder::new()),
        })
        .collect();
    let mut trials = UInt64Builder::new();
    let mut probs: Vec<Float64Builder> =
        plan.classes.iter().map(|_| Float64Builder::new()).collect();
    let mut stats: Vec<Float64Builder> = (0..plan.metrics.len() * (1 + QUANTILE_SUFFIXES.len()))
        .map(|_| Float64Builder::new())
        .collect();
    let mut digest = StringBuilder::new();
    for r in records {
        point.append_value(r.point as u64);
        for (column, value) in factors.iter_mut().zip(plan.values(r.point)) {
            match (column, value) {
                (FactorColumn::Number(b), crate::sweep::factor::Value::Number(x)) => {
                    b.append_value(x)
                }
                (FactorColumn::Policy(b), crate::sweep::factor::Value::Policy(p)) => {
                    b.append_value(p)
                }
                (_, v) => {
                    return Err(ArrowError::InvalidArgumentError(format!(
                        "design point {}: factor value {v} does not match its column's type",
                        r.point
                    )));
                }
            }
        }
        trials.append_value(r.trials);
        for (c, b) in probs.iter_mut().enumerate() {
            b.append_value(r.probability(c));
        }
        let mut column = stats.iter_mut();
        for m in &r.metrics {
            for x in std::iter::once(m.mean).chain(m.quantiles) {
                if let Some(b) = column.next() {
                    b.append_option(finite(x));
                }
            }
        }
        digest.append_value(&r.digest);
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(point.finish())];
    columns.extend(factors.iter_mut().map(|c| match c {
        FactorColumn::Number(b) => Arc::new(b.finish()) as ArrayRef,
        FactorColumn::Policy(b) => Arc::new(b.finish()) as ArrayRef,
    }));
    columns.push(Arc::new(trials.finish()));
    columns.extend(probs.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend(stats.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(digest.finish()));
    RecordBatch::try_new(points_schema(plan), columns)
}

/// A factor's column while it is built.
enum FactorColumn {
    Number(Float64Builder),
    Policy(StringBuilder),
}

/// The Arrow type and nullability of each trace column, by its CSV name.
fn trace_field(name: &str) -> Field {
    let (t, nullable) = match name {
        "day" | "attacks" => (DataType::UInt32, false),
        "deaths_civilian" | "deaths_security" | "deaths_militant" => (DataType::UInt64, false),
        "kind" | "action" => (DataType::Utf8, false),
        "probability" => (DataType::Float64, true),
        "ucdp" => (DataType::UInt8, true),
        _ => (DataType::Utf8, true),
    };
    Field::new(name, t, nullable)
}

/// The schema of a trace's events table: the columns of `escalate trace
/// --format csv` ([`CSV_HEADER`]), in order. `day`, `attacks` (`UInt32`),
/// the deaths (`UInt64`), `kind` and `action` (`Utf8`) are never null;
/// `probability` (`Float64`), `ucdp` (`UInt8`) and every other name (`Utf8`)
/// are null where the CSV cell is empty.
pub fn trace_schema() -> SchemaRef {
    Arc::new(Schema::new(
        CSV_HEADER
            .iter()
            .map(|n| trace_field(n))
            .collect::<Vec<_>>(),
    ))
}

/// A trial's events ([`super::trace::records`]) as one batch of [`trace_schema`].
pub fn trace_events(records: &[TraceRecord]) -> Result<RecordBatch, ArrowError> {
    fn u32s(records: &[TraceRecord], f: impl Fn(&TraceRecord) -> u32) -> ArrayRef {
        let mut b = UInt32Builder::with_capacity(records.len());
        records.iter().for_each(|r| b.append_value(f(r)));
        Arc::new(b.finish())
    }
    fn u64s(records: &[TraceRecord], f: impl Fn(&TraceRecord) -> u64) -> ArrayRef {
        let mut b = UInt64Builder::with_capacity(records.len());
        records.iter().for_each(|r| b.append_value(f(r)));
        Arc::new(b.finish())
    }
    /// A name column: an empty name is a null, unless the column is never null.
    fn names(
        records: &[TraceRecord],
        nullable: bool,
        f: impl Fn(&TraceRecord) -> &str,
    ) -> ArrayRef {
        let mut b = StringBuilder::new();
        for r in records {
            let s = f(r);
            b.append_option((!nullable || !s.is_empty()).then_some(s));
        }
        Arc::new(b.finish())
    }
    let mut probability = Float64Builder::with_capacity(records.len());
    let mut ucdp = UInt8Builder::with_capacity(records.len());
    for r in records {
        probability.append_option(r.probability);
        ucdp.append_option(r.ucdp);
    }
    let columns: Vec<ArrayRef> = vec![
        u32s(records, |r| r.day),
        names(records, false, |r| r.kind),
        names(records, true, |r| &r.actor),
        names(records, false, |r| &r.action),
        names(records, true, |r| &r.target),
        u32s(records, |r| r.attacks),
        u64s(records, |r| r.deaths_civilian),
        u64s(records, |r| r.deaths_security),
        u64s(records, |r| r.deaths_militant),
        names(records, true, |r| &r.dyad),
        names(records, true, |r| &r.rung_from),
        names(records, true, |r| &r.rung_to),
        names(records, true, |r| &r.cause),
        Arc::new(probability.finish()),
        names(records, true, |r| &r.cameo),
        names(records, true, |r| &r.cameo_root),
        names(records, true, |r| &r.cameo_label),
        Arc::new(ucdp.finish()),
        names(records, true, |r| &r.ucdp_type),
    ];
    RecordBatch::try_new(trace_schema(), columns)
}
