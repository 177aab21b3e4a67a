//! `escalate._escalate`: the compiled half of the Python module. It calls the
//! library's pipeline exactly as the command line does (the same requests,
//! `prepare`, executor, jobs and report builders), so the same inputs give the
//! same bytes and digests; the Python half (`python/escalate/`) turns what it
//! returns into pandas and Arrow data.
//!
//! Long calls release the GIL: the work runs on a thread of its own while the
//! calling thread waits without the GIL and, every [`SIGNAL_CHECK`], takes it
//! back to run Python's signal handlers (`Python::check_signals`). A Ctrl-C
//! (KeyboardInterrupt) sets the executor's stop flag, the run ends after the
//! wave of blocks it is in, and its partial results are dropped.
//!
//! Per-trial records reach Python as one little-endian buffer per column
//! (a `bytearray`, copied once from the run's columns), which numpy reads
//! without a copy (writable: a DataFrame built on it can be changed) and
//! pyarrow wraps as is.

// The library's errors are cold-path values that carry the source text for
// diagnostics; their size does not matter for speed.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use escalate::core::engine::TrialOutcome;
use escalate::core::model::Model;
use escalate::core::position::line_col;
use escalate::core::scenario::{self, Override, Problem, ScenarioError, Source};
use escalate::report::compare_report::CompareReport;
use escalate::report::trace as tracelog;
use escalate::report::{self, RunReport, text::Colour};
use escalate::run::request::DEFAULT_SEED;
use escalate::run::trials::summarise;
use escalate::run::{
    CompareRequest, Executor, Loaded, RequestError, RunRequest, Setup, StopFlag, TraceRequest,
    compare,
};
use escalate::sweep::{self, DesignKind, Plan, RunOptions, SweepError, SweepSpec};
use miette::Diagnostic;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};

/// How often a waiting call runs Python's signal handlers.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

pyo3::create_exception!(
    _escalate,
    EscalateError,
    PyException,
    "An escalate request that cannot run: what is wrong and how to fix it (the command line's error)."
);
pyo3::create_exception!(
    _escalate,
    ScenarioProblems,
    EscalateError,
    "A scenario (or an override of it) that is wrong; `.problems` lists every problem \
     as a dict with file, line, column, path, message and help."
);

/// A library error as a Python exception: the message, every related
/// problem, and the help line, as the command line prints them (without
/// the source excerpt).
fn diagnostic_text(e: &dyn Diagnostic) -> String {
    let mut text = e.to_string();
    for r in e.related().into_iter().flatten() {
        text.push_str(&format!("\n  {r}"));
        if let Some(h) = r.help() {
            text.push_str(&format!("\n    help: {h}"));
        }
    }
    if let Some(h) = e.help() {
        text.push_str(&format!("\n  help: {h}"));
    }
    text
}

/// One problem as a Python dict.
fn problem_dict<'py>(
    py: Python<'py>,
    file: &str,
    text: &str,
    offset: usize,
    path: &str,
    message: &str,
    help: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let (line, column) = line_col(text, offset);
    let d = PyDict::new(py);
    d.set_item("file", file)?;
    d.set_item("line", line)?;
    d.set_item("column", column)?;
    d.set_item("path", path)?;
    d.set_item("message", message)?;
    d.set_item("help", help)?;
    Ok(d)
}

/// A scenario error as [`ScenarioProblems`], with `.problems` filled in where
/// the error points into a file.
fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let err = ScenarioProblems::new_err(diagnostic_text(e));
    let problems = PyList::empty(py);
    let filled: PyResult<()> = (|| {
        match e {
            ScenarioError::Invalid {
                name,
                src,
                problems: list,
            } => {
                for Problem {
                    path,
                    message,
                    span,
                    help,
                    ..
                } in list
                {
                    problems.append(problem_dict(
                        py,
                        name,
                        src.inner(),
                        span.offset(),
                        path,
                        message,
                        help,
                    )?)?;
                }
            }
            ScenarioError::Syntax {
                src,
                span,
                message,
                help,
            } => {
                problems.append(problem_dict(
                    py,
                    src.name(),
                    src.inner(),
                    span.offset(),
                    "",
                    message,
                    help,
                )?)?;
            }
            ScenarioError::NotUtf8 {
                location, offset, ..
            } => {
                // `location` is `file:line:col` of the first bad byte (the
                // file's text is not UTF-8, so it cannot be re-scanned here).
                let mut parts = location.rsplitn(3, ':');
                let column = parts.next().and_then(|c| c.parse::<usize>().ok());
                let line = parts.next().and_then(|l| l.parse::<usize>().ok());
                let file = parts.next().unwrap_or(location.as_str());
                let d = PyDict::new(py);
                d.set_item("file", file)?;
                d.set_item("line", line)?;
                d.set_item("column", column)?;
                d.set_item("path", "")?;
                d.set_item("message", format!("not UTF-8 text (byte {offset})"))?;
                d.set_item("help", "save the file as UTF-8")?;
                problems.append(d)?;
            }
            _ => {}
        }
        err.value(py).setattr("problems", &problems)
    })();
    match filled {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// Any other library error as [`EscalateError`].
fn library_error(e: &dyn Diagnostic) -> PyErr {
    EscalateError::new_err(diagnostic_text(e))
}

/// A request's error: a scenario's as [`ScenarioProblems`], any other as [`EscalateError`].
fn request_error(py: Python<'_>, e: &RequestError) -> PyErr {
    match e {
        RequestError::Scenario(s) => scenario_error(py, s),
        other => library_error(other),
    }
}

/// A sweep's error, as [`request_error`] does.
fn sweep_error(py: Python<'_>, e: &SweepError) -> PyErr {
    match e {
        SweepError::Scenario(s) => scenario_error(py, s),
        SweepError::Request(r) => request_error(py, r),
        other => library_error(other),
    }
}

/// Runs `work` on its own thread with the GIL released, on an executor of
/// `threads` workers that a Ctrl-C stops (see the module doc).
fn interruptible<R: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce(&Executor) -> R + Send,
) -> PyResult<R> {
    let stop = StopFlag::default();
    let exec = Executor::new(threads)
        .map_err(|e| library_error(&e))?
        .with_stop(stop.clone());
    let (tx, rx) = channel();
    // Waited on without the GIL, hence shared with the detached closure.
    let rx = Mutex::new(rx);
    let recv = |timeout: Option<Duration>| {
        let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
        match timeout {
            Some(t) => rx.recv_timeout(t),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        }
    };
    std::thread::scope(|s| {
        let exec = &exec;
        s.spawn(move || {
            let _ = tx.send(work(exec));
        });
        loop {
            match py.detach(|| recv(Some(SIGNAL_CHECK))) {
                Ok(r) if !exec.stopped() => return Ok(r),
                Ok(_) => return Err(PyKeyboardInterrupt::new_err("stopped")),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        stop.store(true, Ordering::Relaxed);
                        // The run ends after its current wave; its results are dropped.
                        let _ = py.detach(|| recv(None));
                        return Err(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(
                        "the run's thread ended without a result",
                    ));
                }
            }
        }
    })
}

/// The library's setup from the Python arguments (overrides as `PATH=VALUE`, parsed as `--set` is).
fn setup(
    py: Python<'_>,
    policy: Option<String>,
    set: Vec<String>,
    horizon: Option<u32>,
    posterior: Option<PathBuf>,
) -> PyResult<Setup> {
    let overrides = set
        .iter()
        .map(|s| s.parse::<Override>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| scenario_error(py, &e))?;
    Ok(Setup {
        policy,
        overrides,
        horizon,
        posterior,
    })
}

/// A row of `Scenario.params()`: path, value, source, rule.
type ParamRow = (String, String, String, Option<String>);

/// A scenario read from a file or the bundled library; validated when used.
#[pyclass(frozen, module = "escalate._escalate")]
pub struct Scenario {
    source: Source,
}

#[pymethods]
impl Scenario {
    /// Reads a scenario file, or a bundled scenario by name (`escalate list` names them).
    #[new]
    fn new(py: Python<'_>, name: &str) -> PyResult<Scenario> {
        let source = Source::open(name).map_err(|e| scenario_error(py, &e))?;
        Ok(Scenario { source })
    }

    /// The name the scenario was read under (a path, or the bundled name).
    #[getter]
    fn name(&self) -> &str {
        &self.source.name
    }

    /// The scenario's RON text.
    #[getter]
    fn text(&self) -> &str {
        &self.source.text
    }

    /// Checks the scenario: raises ScenarioProblems listing every problem
    /// with its line and column; returns None when it is valid.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        self.loaded(py).map(|_| ())
    }

    /// The policies `--policy` takes, in order, as `(name, description)`:
    /// `baseline` (the scenario as written) first unless the scenario names its own.
    fn policies(&self, py: Python<'_>) -> PyResult<Vec<(String, String)>> {
        let l = self.loaded(py)?;
        let s = l.base.scenario();
        let mut out = Vec::new();
        if !s.policies.iter().any(|p| p.name == "baseline") {
            out.push((
                "baseline".to_string(),
                "the scenario as written, no policy applied".to_string(),
            ));
        }
        out.extend(
            s.policies
                .iter()
                .map(|p| (p.name.clone(), p.description.clone())),
        );
        Ok(out)
    }

    /// The rows of `escalate params`: `(path, value, source, rule)`, where
    /// rule is `"doctrines.X.rules[i]: name"` for a doctrine rule's parameter.
    fn params(&self, py: Python<'_>) -> PyResult<Vec<ParamRow>> {
        let l = self.loaded(py)?;
        let (rows, _) = scenario::paths::listing(l.base.scenario(), &self.source.text);
        Ok(rows
            .into_iter()
            .map(|r| {
                let rule = r.rule.map(|(at, name)| format!("{at}: {name}"));
                (r.path, r.value, r.source, rule)
            })
            .collect())
    }

    /// The uncertain parameters a run samples: `(path, distribution, low, high)`,
    /// low and high the distribution's 0 and 1 quantiles where they are finite,
    /// else its 0.005 and 0.995 quantiles.
    fn uncertain(&self, py: Python<'_>) -> PyResult<Vec<(String, String, f64, f64)>> {
        let l = self.loaded(py)?;
        let model = l
            .compile(&Setup::default())
            .map_err(|e| request_error(py, &e))?;
        Ok(model
            .uncertain_params()
            .map(|i| {
                let p = &model.params[i];
                let bound = |u: f64, inner: f64| {
                    let q = p.dist.quantile(u);
                    if q.is_finite() {
                        q
                    } else {
                        p.dist.quantile(inner)
                    }
                };
                (
                    p.path.clone(),
                    p.dist.to_string(),
                    bound(0.0, 0.005),
                    bound(1.0, 0.995),
                )
            })
            .collect())
    }

    fn __repr__(&self) -> String {
        format!("escalate.Scenario({:?})", self.source.name)
    }
}

impl Scenario {
    /// The scenario validated (every problem raised at once).
    fn loaded(&self, py: Python<'_>) -> PyResult<Loaded> {
        Loaded::from_source(self.source.clone()).map_err(|e| scenario_error(py, &e))
    }
}

/// Every trial's record, by column: what `run(keep=True)` hands to Python.
struct Columns {
    trial: Vec<u64>,
    class: Vec<u16>,
    metrics: Vec<Vec<u64>>,
    params: Vec<Vec<f64>>,
    uncertain: Vec<usize>,
}

impl Columns {
    fn new(model: &Model, trials: usize) -> Columns {
        let uncertain: Vec<usize> = model.uncertain_params().collect();
        Columns {
            trial: Vec::with_capacity(trials),
            class: Vec::with_capacity(trials),
            metrics: (0..model.metrics.len())
                .map(|_| Vec::with_capacity(trials))
                .collect(),
            params: uncertain
                .iter()
                .map(|_| Vec::with_capacity(trials))
                .collect(),
            uncertain,
        }
    }

    fn push(&mut self, t: &TrialOutcome) {
        self.trial.push(t.trial);
        self.class.push(t.class);
        for (col, &m) in self.metrics.iter_mut().zip(&t.metrics) {
            col.push(m);
        }
        for (col, &k) in self.params.iter_mut().zip(&self.uncertain) {
            col.push(t.params[k]);
        }
    }
}

/// The results of one run.
#[pyclass(frozen, module = "escalate._escalate")]
pub struct RunOutput {
    /// The JSON report (`escalate run --json`), byte for byte.
    #[pyo3(get)]
    json: String,
    /// The run's digest.
    #[pyo3(get)]
    digest: String,
    /// The terminal report (`escalate run`), without colour.
    #[pyo3(get)]
    text: String,
    /// Outcome class names, by class index.
    #[pyo3(get)]
    classes: Vec<String>,
    /// `(name, optional)` of every metric, in column order.
    #[pyo3(get)]
    metrics: Vec<(String, bool)>,
    /// Override paths of the sampled parameters, in column order.
    #[pyo3(get)]
    params: Vec<String>,
    columns: Option<Columns>,
}

#[pymethods]
impl RunOutput {
    /// The per-trial columns as `(name, dtype, bytearray)`, new buffers at every call: `trial` (`<u8`), `outcome`
    /// (class index, `<u2`), every metric (`<u8`, 2**64-1 where an optional metric
    /// had no value), every sampled parameter (`<f8`); None unless kept.
    fn columns<'py>(
        &self,
        py: Python<'py>,
    ) -> Option<Vec<(String, &'static str, Bound<'py, PyByteArray>)>> {
        let c = self.columns.as_ref()?;
        let mut out = vec![
            (
                "trial".to_string(),
                "<u8",
                PyByteArray::new(py, bytemuck::cast_slice(&c.trial)),
            ),
            (
                "outcome".to_string(),
                "<u2",
                PyByteArray::new(py, bytemuck::cast_slice(&c.class)),
            ),
        ];
        for ((name, _), col) in self.metrics.iter().zip(&c.metrics) {
            out.push((
                name.clone(),
                "<u8",
                PyByteArray::new(py, bytemuck::cast_slice(col)),
            ));
        }
        for (name, col) in self.params.iter().zip(&c.params) {
            out.push((
                name.clone(),
                "<f8",
                PyByteArray::new(py, bytemuck::cast_slice(col)),
            ));
        }
        Some(out)
    }
}

/// `escalate run`: `trials` trials of `scenario` under a setup; `keep` keeps
/// every trial's record for `columns()`.
#[pyfunction]
#[pyo3(signature = (scenario, trials, seed=DEFAULT_SEED, threads=None, policy=None, set=Vec::new(), horizon=None, posterior=None, keep=true))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    scenario: String,
    trials: u64,
    seed: u64,
    threads: Option<usize>,
    policy: Option<String>,
    set: Vec<String>,
    horizon: Option<u32>,
    posterior: Option<PathBuf>,
    keep: bool,
) -> PyResult<RunOutput> {
    let request = RunRequest {
        setup: setup(py, policy, set, horizon, posterior)?,
        ..RunRequest::new(Some(scenario), seed, trials)
    };
    let p = request.prepare().map_err(|e| request_error(py, &e))?;
    let range = p.request.trial_range();
    let kept = if keep {
        let n = usize::try_from(range.end - range.start)
            .map_err(|_| PyValueError::new_err("too many trials to keep in memory"))?;
        Some(Columns::new(&p.model, n))
    } else {
        None
    };
    let (summary, columns) = interruptible(py, threads, |exec| {
        let mut kept = kept;
        let summary = match kept.as_mut() {
            Some(c) => {
                let mut push = |t: &TrialOutcome| c.push(t);
                summarise(exec, &p.model, seed, range, Some(&mut push), |_| {})
            }
            None => summarise(exec, &p.model, seed, range, None, |_| {}),
        };
        (summary, kept)
    })?;
    let report = RunReport::new(&p.model, &summary, p.identity.clone(), p.command());
    Ok(RunOutput {
        json: report::json::to_json(&report),
        digest: report.digest.clone(),
        text: report::text::render(&report, Colour::Never),
        classes: p.model.classes.iter().map(|c| c.name.clone()).collect(),
        metrics: p
            .model
            .metrics
            .defs
            .iter()
            .map(|d| (d.name.clone(), d.optional))
            .collect(),
        params: p
            .model
            .uncertain_params()
            .map(|i| p.model.params[i].path.clone())
            .collect(),
        columns,
    })
}

/// `escalate compare`: the policies on common random numbers; returns
/// `(json, text)`, the `--json` report and the terminal report.
#[pyfunction]
#[pyo3(signature = (scenario, policies, trials, seed=DEFAULT_SEED, threads=None, set=Vec::new(), horizon=None, posterior=None))]
#[allow(clippy::too_many_arguments)]
fn compare_policies(
    py: Python<'_>,
    scenario: String,
    policies: Vec<String>,
    trials: u64,
    seed: u64,
    threads: Option<usize>,
    set: Vec<String>,
    horizon: Option<u32>,
    posterior: Option<PathBuf>,
) -> PyResult<(String, String)> {
    let request = CompareRequest {
        scenario: Some(scenario),
        policies,
        setup: setup(py, None, set, horizon, posterior)?,
        seed,
        trials,
    };
    let prepared = request.prepare().map_err(|e| request_error(py, &e))?;
    let models: Vec<&Model> = prepared.models.iter().collect();
    let n = prepared.request.trials;
    let cmp = interruptible(py, threads, |exec| {
        compare::run(exec, &models, seed, 0..n, None, |_| {})
    })?;
    let report = CompareReport::new(&prepared, &cmp);
    Ok((
        report::json::to_json(&report),
        report::compare_text::render(&report, Colour::Never),
    ))
}

/// `escalate sweep --out DIR`: runs (or resumes) the sweep into `out` and
/// returns the terminal report; the data are the files in `out`.
#[pyfunction]
#[pyo3(signature = (scenario, design, out, factors, points=None, trials=1000, seed=DEFAULT_SEED, levels=4, policies=Vec::new(), horizon=None, posterior=None, headline=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sweep_design(
    py: Python<'_>,
    scenario: String,
    design: &str,
    out: PathBuf,
    factors: Vec<String>,
    points: Option<usize>,
    trials: u64,
    seed: u64,
    levels: usize,
    policies: Vec<String>,
    horizon: Option<u32>,
    posterior: Option<PathBuf>,
    headline: Option<String>,
    threads: Option<usize>,
) -> PyResult<String> {
    let design = match design {
        "grid" => DesignKind::Grid,
        "lhs" => DesignKind::Lhs,
        "sobol" => DesignKind::Sobol,
        "morris" => DesignKind::Morris,
        other => {
            return Err(PyValueError::new_err(format!(
                "design={other:?}: use \"grid\", \"lhs\", \"sobol\" or \"morris\""
            )));
        }
    };
    let spec = SweepSpec {
        scenario: Some(scenario),
        design,
        points,
        levels,
        sets: factors,
        policies,
        trials,
        seed,
        horizon,
        posterior,
        headline,
    };
    let plan = Plan::new(spec).map_err(|e| sweep_error(py, &e))?;
    let result = interruptible(py, threads, |exec| {
        sweep::run(
            &plan,
            &out,
            exec,
            RunOptions {
                page: Some(&report::sweep_html::render),
                shard: None,
                progress: None,
                warn: None,
                points_table: None,
            },
        )
    })?;
    let r = result.map_err(|e| sweep_error(py, &e))?;
    let indices = r
        .indices
        .ok_or_else(|| PyRuntimeError::new_err("the sweep finished without its outputs"))?;
    Ok(report::sweep_text::render(&plan, &indices))
}

/// `escalate trace`: replays trial `trial` of a run; `format` is `text`, `jsonl` or `csv`.
#[pyfunction]
#[pyo3(signature = (scenario, trial=0, seed=DEFAULT_SEED, policy=None, set=Vec::new(), horizon=None, posterior=None, format="jsonl"))]
#[allow(clippy::too_many_arguments)]
fn trace(
    py: Python<'_>,
    scenario: String,
    trial: u64,
    seed: u64,
    policy: Option<String>,
    set: Vec<String>,
    horizon: Option<u32>,
    posterior: Option<PathBuf>,
    format: &str,
) -> PyResult<String> {
    let request = TraceRequest {
        scenario: Some(scenario),
        setup: setup(py, policy, set, horizon, posterior)?,
        seed,
        trial,
    };
    let p = request.prepare().map_err(|e| request_error(py, &e))?;
    let tracelog::TracedTrial {
        header,
        outcome,
        records,
    } = tracelog::trace_trial(&request, &p);
    Ok(match format {
        "text" => tracelog::render_text(&p.model, &header, &records, &outcome, 100),
        "jsonl" => tracelog::to_jsonl(&p.model, &records, &outcome),
        "csv" => tracelog::to_csv(&records),
        other => {
            return Err(PyValueError::new_err(format!(
                "format={other:?}: use \"frame\", \"text\", \"jsonl\" or \"csv\""
            )));
        }
    })
}

/// The bundled scenarios: `(name, summary)`.
#[pyfunction]
fn bundled() -> Vec<(&'static str, &'static str)> {
    scenario::BUNDLED
        .iter()
        .map(|b| (b.name, b.summary))
        .collect()
}

/// The compiled module.
#[pymodule]
fn _escalate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("EscalateError", m.py().get_type::<EscalateError>())?;
    m.add("ScenarioProblems", m.py().get_type::<ScenarioProblems>())?;
    m.add("DEFAULT_SEED", DEFAULT_SEED)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Scenario>()?;
    m.add_class::<RunOutput>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare_policies, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_design, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(bundled, m)?)?;
    Ok(())
}
