//! Sweeps: many design points of one scenario, each run for the same trials
//! under common random numbers, then sensitivity indices of every output.
//!
//! The flow: a [`SweepSpec`] (the command line) is checked into a [`Plan`]
//! (factors from `--set` and `--policy` ([`factor`]), a design in the unit
//! hypercube from [`crate::sensitivity`], every point's overrides validated);
//! [`run`] opens the output directory ([`store`]), skips the points already
//! finished there, runs the others ([`runner`]: configure and compile once per
//! point, then its trials on the one [`crate::run::Executor`]), saves each finished point at once
//! ([`point`]), and when every point is there writes the outputs ([`output`],
//! [`analysis`]): `points.csv`, `sensitivity.csv`, `sensitivity.json`,
//! `sweep.json`, and `sweep.html` as rendered by the page renderer the caller
//! hands in ([`RunOptions::page`]; escalate's is `report::sweep_html::render`,
//! since the report layer sits above this one), and, when asked, the points
//! as a table file written by the writer the caller hands in
//! ([`RunOptions::points_table`]; escalate's is `report::parquet::write_points`).
//!
//! Determinism: every point's trials use the sweep's seed, so trial `i` of
//! every point draws from the same streams (each uncertain parameter keyed by
//! its path, see [`crate::core::streams`]); point results are integers reduced in a
//! fixed way; the outputs are computed only from the saved point files, in
//! point order. So the files are byte-identical for any `--threads`, after any
//! interruption and resume, and across shards.
//!
//! Shards: [`Shard`] `K/N` runs only the points `floor(K P / N) ..
//! floor((K + 1) P / N)`. Shards may share one output directory (the last to
//! finish writes the outputs), or run in separate ones whose `points/` files
//! are then copied together and the same command run once more without
//! `--shard` (it finds every point done and writes the outputs).

pub mod analysis;
pub mod factor;
pub mod invcdf;
pub mod output;
pub mod plan;
pub mod point;
pub mod runner;
pub mod store;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use factor::{Factor, FactorKind, SetSpec, Value};
pub use plan::{DesignKind, OutputId, Plan, SweepSpec};
pub use point::PointRecord;

use crate::io::{AtomicFile, Output, commit_all, write_durable};
use crate::run::Executor;
use crate::run::shard::Shard;
use store::{Opened, Store};

/// Everything that can go wrong in a sweep.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SweepError {
    /// The executor was stopped ([`Executor::with_stop`]) before every point
    /// ran: the points finished are saved, and running the sweep again resumes.
    #[error("the sweep was stopped; the points finished are saved")]
    #[diagnostic(
        code(escalate::sweep::stopped),
        help("run the same sweep into the same directory to resume it")
    )]
    Stopped,
    /// The scenario, a policy or a point's overrides are wrong.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] crate::core::scenario::ScenarioError),
    /// A `--set` is malformed, repeated or out of range.
    #[error("{flag}: {message}")]
    #[diagnostic(code(escalate::sweep::set))]
    Set {
        /// The flag as given.
        flag: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A `--set` names a path the scenario does not have.
    #[error("{flag}: no parameter at `{path}`")]
    #[diagnostic(code(escalate::sweep::path))]
    UnknownPath {
        /// The flag as given.
        flag: String,
        /// The path.
        path: String,
        /// The nearest valid paths.
        #[help]
        help: String,
    },
    /// Flags that do not fit together.
    #[error("{message}")]
    #[diagnostic(code(escalate::sweep::options))]
    Options {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// The design cannot be built.
    #[error("{message}")]
    #[diagnostic(code(escalate::sweep::design))]
    Design {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// The output directory holds another sweep.
    #[error("{dir} holds a different sweep: {differences}")]
    #[diagnostic(
        code(escalate::sweep::other),
        help(
            "use another --out directory, or repeat the command that started that sweep to resume it; delete the directory to start over"
        )
    )]
    OtherSweep {
        /// The directory.
        dir: String,
        /// What differs.
        differences: String,
    },
    /// The output directory is not empty and holds no sweep.
    #[error("{dir} is not empty and holds no sweep: it has {found} but no sweep.json")]
    #[diagnostic(
        code(escalate::sweep::not_a_sweep),
        help(
            "use a new or empty --out directory: a sweep writes only into a directory of its own \
             (one holding its sweep.json), so it never replaces or removes files it did not make"
        )
    )]
    NotASweep {
        /// The directory.
        dir: String,
        /// What is there.
        found: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    #[diagnostic(
        code(escalate::sweep::io),
        help("check that the directory exists and is writable")
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A point's setup cannot be configured (horizon, policy, overrides).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Request(#[from] crate::run::RequestError),
    /// An output file could not be written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] crate::io::WriteError),
}

/// Renders `sweep.html` from the plan, every output's indices and `ys[o][j]`,
/// output `o` at design point `j`.
pub type PageRenderer = dyn Fn(&Plan, &[analysis::OutputIndices], &[Vec<f64>]) -> String;

/// Writes a finished sweep's points table (every point's record, in point
/// order) to a file's writer: a Parquet file, say.
pub type PointsTableWriter =
    dyn Fn(&Plan, &[PointRecord], &mut (dyn Write + Send)) -> std::io::Result<()>;

/// How to run a planned sweep.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Renders `sweep.html` once every point is done (None: no page is written).
    pub page: Option<&'a PageRenderer>,
    /// Writes the points table into the file named, once every point is done,
    /// committed with the other outputs (None: no such file).
    pub points_table: Option<(&'a Path, &'a PointsTableWriter)>,
    /// Run only this shard of the design points.
    pub shard: Option<Shard>,
    /// Told `(points finished, points of this run)` at the start and after every point.
    pub progress: Option<&'a mut dyn FnMut(usize, usize)>,
    /// Told about every unusable point file found (it is run again).
    pub warn: Option<&'a mut dyn FnMut(String)>,
}

/// What a sweep run did.
#[derive(Debug)]
pub struct SweepRun {
    /// Points of the design.
    pub points: usize,
    /// Points of this run (the shard's, or all).
    pub mine: usize,
    /// Points found finished in the directory.
    pub resumed: usize,
    /// Points run now.
    pub ran: usize,
    /// Whether the directory already held this sweep.
    pub resumed_dir: bool,
    /// The indices, when every point is done and the outputs were written.
    pub indices: Option<Vec<analysis::OutputIndices>>,
}

/// Runs a planned sweep into `dir` (resuming whatever is finished there) and,
/// once every design point is done, writes the outputs.
pub fn run(
    plan: &Plan,
    dir: &Path,
    exec: &Executor,
    mut opts: RunOptions<'_>,
) -> Result<SweepRun, SweepError> {
    // The outputs (the manifest among them) must not be files the sweep reads.
    let outputs: Vec<PathBuf> = OUTPUTS.iter().map(|f| dir.join(f)).collect();
    let mut named: Vec<(&str, &Path)> = outputs.iter().map(|p| ("--out", p.as_path())).collect();
    if let Some((path, _)) = opts.points_table {
        named.push(("--parquet", path));
    }
    crate::io::refuse_overlaps(&named, &plan.spec.input_files().named())?;
    let manifest = output::manifest(plan);
    let (store, opened) = Store::open(dir, &manifest, &plan.fingerprint)?;
    let total = plan.len();
    let mine: Vec<usize> = match opts.shard {
        Some(s) => {
            let r = s.range(total as u64);
            (r.start as usize..r.end as usize).collect()
        }
        None => (0..total).collect(),
    };
    let mut todo = Vec::new();
    for &j in &mine {
        match store.read(j, &plan.fingerprint) {
            Ok(Some(_)) => {}
            Ok(None) => todo.push(j),
            Err(why) => {
                if let Some(w) = opts.warn.as_mut() {
                    w(format!(
                        "{}: {why}; running the point again",
                        store.point_path(j).display()
                    ));
                }
                todo.push(j);
            }
        }
    }
    let resumed = mine.len() - todo.len();
    let mut finished = resumed;
    if let Some(p) = opts.progress.as_mut() {
        p(finished, mine.len());
    }
    runner::run_points(plan, &todo, exec, |r| {
        store.save(&r)?;
        finished += 1;
        if let Some(p) = opts.progress.as_mut() {
            p(finished, mine.len());
        }
        Ok(())
    })?;
    if exec.stopped() {
        return Err(SweepError::Stopped);
    }
    let complete = mine.len() == total
        || (0..total).all(|j| matches!(store.read(j, &plan.fingerprint), Ok(Some(_))));
    let indices = if complete {
        Some(finish(
            plan,
            &store,
            &manifest,
            opts.page,
            opts.points_table,
        )?)
    } else {
        None
    };
    Ok(SweepRun {
        points: total,
        mine: mine.len(),
        resumed,
        ran: todo.len(),
        resumed_dir: opened == Opened::Resumed,
        indices,
    })
}

/// The output files of a finished sweep, relative to its directory
/// (`sweep.html` when [`RunOptions::page`] is given).
pub const OUTPUTS: [&str; 5] = [
    "points.csv",
    "sensitivity.csv",
    "sensitivity.json",
    "sweep.json",
    "sweep.html",
];

/// Writes the outputs from the saved point files (never from memory, so a
/// resumed sweep gives the same bytes). Memory: one record at a time, plus the
/// outputs that get indices (8 bytes per output per point), and every record
/// when a points table is asked for.
fn finish(
    plan: &Plan,
    store: &Store,
    manifest: &[u8],
    page: Option<&PageRenderer>,
    points_table: Option<(&Path, &PointsTableWriter)>,
) -> Result<Vec<analysis::OutputIndices>, SweepError> {
    let dir = store.dir();
    write_durable(&dir.join(store::MANIFEST), manifest)?;
    let path = dir.join("points.csv");
    let mut csv = AtomicFile::create(&path)?;
    let mut ys: Vec<Vec<f64>> = vec![Vec::with_capacity(plan.len()); plan.outputs.len()];
    let mut records = Vec::new();
    csv.writer()
        .write_all(output::points_header(plan).as_bytes())
        .map_err(|e| csv.err(e))?;
    for j in 0..plan.len() {
        let r = store
            .read(j, &plan.fingerprint)
            .ok()
            .flatten()
            .ok_or_else(|| SweepError::Io {
                path: store.point_path(j),
                source: std::io::Error::other(
                    "the point's file vanished or changed; run the command again",
                ),
            })?;
        csv.writer()
            .write_all(output::points_row(plan, &r).as_bytes())
            .map_err(|e| csv.err(e))?;
        for (y, v) in ys.iter_mut().zip(output::output_values(plan, &r)) {
            y.push(v);
        }
        if points_table.is_some() {
            records.push(r);
        }
    }
    let indices = analysis::analyse(plan, &ys);
    let sensitivity_csv = output::sensitivity_csv(&indices);
    let sensitivity_json = output::sensitivity_json(plan, &indices);
    let mut files = vec![Output::from(csv)];
    if let Some((path, write)) = points_table {
        let mut f = AtomicFile::create(path)?;
        write(plan, &records, f.writer()).map_err(|e| f.err(e))?;
        files.push(Output::from(f));
    }
    for (name, text) in [
        ("sensitivity.csv", sensitivity_csv),
        ("sensitivity.json", sensitivity_json),
    ]
    .into_iter()
    .chain(page.map(|page| ("sweep.html", page(plan, &indices, &ys))))
    {
        let mut f = AtomicFile::create(&dir.join(name))?;
        f.writer()
            .write_all(text.as_bytes())
            .map_err(|e| f.err(e))?;
        files.push(Output::from(f));
    }
    // Together: none of them, or all from the same point files.
    commit_all(files)?;
    Ok(indices)
}
