//! Scenario discovery: in which regions of the uncertain inputs does an
//! outcome happen? `escalate discover` answers it as RAND's sdtoolkit and the
//! EMA Workbench do (Bryant and Lempert 2010), with PRIM ([`prim`]) and, beside
//! it, CART ([`cart`]), on the trials of one run (every trial samples its
//! uncertain parameters, so a large run is a design), the points of a sweep
//! or the particles of a calibration posterior ([`source`]).
//!
//! A [`DiscoverRequest`] is checked once ([`DiscoverRequest::check`]: options,
//! the `--where` [`condition`]), then [`discover`] reads the source into a
//! [`data::Dataset`] and finds up to `boxes` boxes by PRIM's covering
//! strategy: each box is found among the rows no earlier box took (the
//! earlier box at its selected step), coverage and mass always measured
//! against all rows. Each box's step is the user's (`--select`) or the
//! trajectory's knee ([`prim::knee`]); its limits get quasi-p-values
//! ([`boxes::quasi_p`]) and resampling stability ([`stability`]). The
//! covering stops early when no case is left or a box is no denser than all
//! rows together. CART's leaves are measured on all rows the same way.
//!
//! The result, [`Discovery`], is `boxes.json`'s schema; `report::discover_*`
//! render it. Deterministic: every sum runs over rows in file order, parallel
//! work (inputs' candidate peels, CART's splits) is collected in a fixed
//! order, and the resamples (run one after another) draw from seeded streams, so the same request gives the same bytes
//! with any number of threads.

pub mod boxes;
pub mod cart;
pub mod condition;
pub mod data;
pub mod prim;
pub mod source;
pub mod stability;

use std::path::PathBuf;

use miette::{NamedSource, SourceSpan};
use serde::Serialize;

use crate::run::Executor;
use crate::run::command::{command_line, push_flag};
use boxes::{Limit, Stats, full_limits, quasi_p, restricted, rows_inside};
use condition::{Condition, ConditionError, column};
use data::{Column, Dataset};
use prim::{Phase, PrimOptions, Trajectory, find_box, knee};
use source::{Source, SourceKind};

/// `--peel-alpha` and `--paste-alpha` when not given (the EMA Workbench's).
pub const DEFAULT_ALPHA: f64 = 0.05;
/// `--min-mass` when not given (the EMA Workbench's).
pub const DEFAULT_MIN_MASS: f64 = 0.05;
/// `--boxes` when not given: a first box and the covering's second and third.
pub const DEFAULT_BOXES: usize = 3;
/// `--resamples` when not given (the EMA Workbench's `resample` default).
pub const DEFAULT_RESAMPLES: usize = 10;
/// The most points the page's scatter plot draws.
pub const SCATTER_POINTS: usize = 2000;
/// `boxes.json`'s format tag.
pub const FORMAT: &str = "escalate-discover/1";

/// Which step of a box's trajectory is its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The knee ([`prim::knee`]).
    Knee,
    /// The last step (EMA Workbench's default).
    Last,
    /// Step N (0 is the whole data).
    Step(usize),
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selection::Knee => f.write_str("knee"),
            Selection::Last => f.write_str("last"),
            Selection::Step(n) => write!(f, "{n}"),
        }
    }
}

impl Selection {
    /// Reads `--select`'s comma-separated list: `knee`, `last` or a step number per box.
    pub fn parse_list(s: &str) -> Result<Vec<Selection>, String> {
        s.split(',')
            .map(|w| match w.trim() {
                "knee" => Ok(Selection::Knee),
                "last" => Ok(Selection::Last),
                n => n.parse().map(Selection::Step).map_err(|_| {
                    format!(
                        "`{n}` is not a step: write a step number, `knee` or `last` per box, \
                         comma-separated (e.g. --select 12,knee)"
                    )
                }),
            })
            .collect()
    }
}

/// What `escalate discover` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoverRequest {
    /// A run's per-trial CSV, a sweep directory or a posterior.csv.
    pub source: PathBuf,
    /// The `--where` condition, as written.
    pub condition: String,
    /// The inputs to explain it by (empty: all the source's).
    pub inputs: Vec<String>,
    /// PRIM's peeling alpha.
    pub peel_alpha: f64,
    /// PRIM's pasting alpha.
    pub paste_alpha: f64,
    /// The smallest mass of a box (and of a CART leaf).
    pub min_mass: f64,
    /// How many boxes the covering finds at most.
    pub boxes: usize,
    /// Each box's step (the rest: the knee).
    pub select: Vec<Selection>,
    /// Resamples for each box's stability.
    pub resamples: usize,
    /// Seed of the resamples.
    pub seed: u64,
}

impl DiscoverRequest {
    /// A request with every option at its default.
    pub fn new(source: impl Into<PathBuf>, condition: &str) -> DiscoverRequest {
        DiscoverRequest {
            source: source.into(),
            condition: condition.to_string(),
            inputs: Vec::new(),
            peel_alpha: DEFAULT_ALPHA,
            paste_alpha: DEFAULT_ALPHA,
            min_mass: DEFAULT_MIN_MASS,
            boxes: DEFAULT_BOXES,
            select: Vec::new(),
            resamples: DEFAULT_RESAMPLES,
            seed: crate::run::request::DEFAULT_SEED,
        }
    }

    /// The command-line words (after `escalate`), every option written out.
    pub fn to_args(&self) -> Vec<String> {
        let mut w = vec![
            "discover".to_string(),
            self.source.display().to_string(),
            "--where".into(),
            self.condition.clone(),
        ];
        if !self.inputs.is_empty() {
            push_flag(&mut w, "--inputs", self.inputs.join(","));
        }
        push_flag(&mut w, "--peel-alpha", self.peel_alpha);
        push_flag(&mut w, "--paste-alpha", self.paste_alpha);
        push_flag(&mut w, "--min-mass", self.min_mass);
        push_flag(&mut w, "--boxes", self.boxes);
        if !self.select.is_empty() {
            let s: Vec<String> = self.select.iter().map(|s| s.to_string()).collect();
            push_flag(&mut w, "--select", s.join(","));
        }
        push_flag(&mut w, "--resamples", self.resamples);
        push_flag(&mut w, "--seed", self.seed);
        w
    }

    /// Checks the options and parses the condition.
    pub fn check(&self) -> Result<Condition, DiscoverError> {
        let bad = |flag: &str, message: String, help: &str| DiscoverError::Options {
            flag: flag.into(),
            message,
            help: help.into(),
        };
        for (flag, a) in [
            ("--peel-alpha", self.peel_alpha),
            ("--paste-alpha", self.paste_alpha),
        ] {
            if !(a > 0.0 && a < 0.5) {
                return Err(bad(
                    flag,
                    format!("{a} is not between 0 and 0.5"),
                    "give the share of rows a step moves, above 0 and below 0.5 (the default is 0.05)",
                ));
            }
        }
        if !(self.min_mass >= 0.0 && self.min_mass < 1.0) {
            return Err(bad(
                "--min-mass",
                format!("{} is not at least 0 and below 1", self.min_mass),
                "give the smallest share of the rows a box may hold, e.g. 0.05",
            ));
        }
        if self.boxes == 0 {
            return Err(bad(
                "--boxes",
                "0 boxes".into(),
                "ask for 1 or more (the covering finds each after the ones before)",
            ));
        }
        if self.select.len() > self.boxes {
            return Err(bad(
                "--select",
                format!("{} selections for {} boxes", self.select.len(), self.boxes),
                "give at most one step per box, comma-separated",
            ));
        }
        if self.resamples == 0 {
            return Err(bad(
                "--resamples",
                "0 resamples".into(),
                "stability needs 1 or more (the default is 10)",
            ));
        }
        for name in &self.inputs {
            if name.trim().is_empty() {
                return Err(bad(
                    "--inputs",
                    "an empty input name".into(),
                    "give input names separated by commas, e.g. --inputs actors.TTP.fighters,actors.TTP.attack_rate",
                ));
            }
        }
        Condition::parse(&self.condition).map_err(|e| DiscoverError::condition(&self.condition, e))
    }
}

/// Everything that can go wrong in `escalate discover`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    /// The `--where` condition cannot be read or names what is not there.
    #[error("--where '{text}': column {column}: {message}")]
    #[diagnostic(code(escalate::discover::condition))]
    Condition {
        /// The condition.
        text: String,
        /// The 1-based column, in characters.
        column: usize,
        /// What is wrong.
        message: String,
        /// The condition, for the snippet.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("{message}")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// The source is not what it should be.
    #[error("{location}: {message}")]
    #[diagnostic(code(escalate::discover::source))]
    Source {
        /// `file:line:col`, or the path.
        location: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    #[diagnostic(
        code(escalate::discover::read),
        help(
            "give a run's per-trial CSV (`escalate run ... --csv trials.csv`), a sweep directory or a posterior.csv"
        )
    )]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The posterior file is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Posterior(#[from] crate::core::posterior::PosteriorError),
    /// An option is out of range.
    #[error("{flag}: {message}")]
    #[diagnostic(code(escalate::discover::options))]
    Options {
        /// The flag.
        flag: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// The condition holds for no row, or for every row.
    #[error("{message}")]
    #[diagnostic(code(escalate::discover::nothing))]
    Nothing {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: String,
    },
}

impl DiscoverError {
    /// A condition error in `text`.
    pub fn condition(text: &str, e: ConditionError) -> DiscoverError {
        let (a, b) = (e.span.0.min(text.len()), e.span.1.min(text.len()));
        DiscoverError::Condition {
            text: text.to_string(),
            column: column(text, a),
            message: e.message,
            src: NamedSource::new("--where", text.to_string()),
            span: SourceSpan::new(a.into(), b - a),
            help: e.help,
        }
    }
}

/// The source as `boxes.json` describes it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// `run`, `sweep` or `posterior`.
    pub kind: SourceKind,
    /// The path, as given.
    pub path: String,
    /// Rows read (trials, design points, particles).
    pub rows: usize,
    /// What a row is (`trial`, `design point`, `particle`).
    pub row: &'static str,
    /// What the weights count (`trials`, `design points`, `particle weight`).
    pub unit: &'static str,
    /// Summed weight of all rows.
    pub weight: f64,
    /// Summed hits of all rows: the cases of interest.
    pub cases: f64,
    /// cases / weight: the density of all rows together.
    pub density: f64,
}

/// One input as the discovery saw it.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    /// Its name.
    pub name: String,
    /// `real` or `categorical`.
    pub kind: &'static str,
    /// Smallest value (real inputs).
    pub min: Option<f64>,
    /// Largest value (real inputs).
    pub max: Option<f64>,
    /// Levels (categorical inputs).
    pub levels: Option<Vec<String>>,
}

/// One input's limits in a box.
#[derive(Debug, Clone, Serialize)]
pub struct Restriction {
    /// The input (index into [`Discovery::inputs`]).
    pub input: usize,
    /// Its name.
    pub name: String,
    /// Lower limit (real inputs): the full range's where not restricted.
    pub lower: Option<f64>,
    /// Whether the lower limit itself is outside (`x > lower`, CART).
    pub lower_open: bool,
    /// Upper limit (real inputs), included.
    pub upper: Option<f64>,
    /// The levels kept (categorical inputs).
    pub levels: Option<Vec<String>>,
    /// Quasi-p-value of the lower limit (of the level set, for a categorical
    /// input); null where that side is not restricted.
    pub qp_lower: Option<f64>,
    /// Quasi-p-value of the upper limit; null where not restricted.
    pub qp_upper: Option<f64>,
    /// How much of the input's range the box cuts away: 1 - width / full width
    /// (levels: 1 - kept / all).
    pub cut: f64,
}

/// A box: measures and restricted inputs.
#[derive(Debug, Clone, Serialize)]
pub struct BoxReport {
    /// Share of all cases inside.
    pub coverage: f64,
    /// Share of the box's weight that is a case.
    pub density: f64,
    /// Share of all weight inside.
    pub mass: f64,
    /// Weight inside (trials, for a run).
    pub weight: f64,
    /// Cases inside.
    pub cases: f64,
    /// The restricted inputs, most significant first (smallest quasi-p-value,
    /// then the larger cut).
    pub restricted: Vec<Restriction>,
}

/// One step of a PRIM trajectory.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Its number (0: the box holding every row it started from).
    pub step: usize,
    /// `start`, `peel` or `paste`.
    pub phase: Phase,
    /// The input whose limit changed.
    pub input: Option<String>,
    /// Coverage.
    pub coverage: f64,
    /// Density.
    pub density: f64,
    /// Mass.
    pub mass: f64,
    /// Restricted inputs.
    pub restricted: usize,
    /// Weight inside.
    pub weight: f64,
    /// Cases inside.
    pub cases: f64,
}

/// How often an input was restricted across resamples.
#[derive(Debug, Clone, Serialize)]
pub struct StabilityRow {
    /// The input's name.
    pub name: String,
    /// Share of resamples whose step nearest in coverage restricts it.
    pub coverage: f64,
    /// Share of resamples whose step nearest in density restricts it.
    pub density: f64,
}

/// A PRIM box of the covering.
#[derive(Debug, Clone, Serialize)]
pub struct PrimBox {
    /// 1, 2, 3...
    pub number: usize,
    /// The selected step.
    pub step: usize,
    /// How it was selected: `knee`, `last` or `user`.
    pub selected_by: &'static str,
    /// The knee of the trajectory.
    pub knee: usize,
    /// Rows it was searched among (those earlier boxes left).
    pub rows_searched: usize,
    /// The box at the selected step.
    #[serde(rename = "box")]
    pub at: BoxReport,
    /// Every step.
    pub trajectory: Vec<StepReport>,
    /// Every input's stability across resamples, most stable first.
    pub stability: Vec<StabilityRow>,
}

/// The page's scatter: two inputs of the first box, a sample of rows.
#[derive(Debug, Clone, Default)]
pub struct Scatter {
    /// The inputs on the x and y axes.
    pub inputs: [usize; 2],
    /// Per row: x, y (a categorical input: its level index) and its share of
    /// cases (hits / weight).
    pub points: Vec<[f64; 3]>,
}

/// The whole result: `boxes.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// `escalate-discover/1`.
    pub format: &'static str,
    /// The version that made it.
    pub escalate_version: &'static str,
    /// The command that reproduces it (without `--out`).
    pub command: String,
    /// The condition, as written.
    pub condition: String,
    /// The source.
    pub source: SourceInfo,
    /// The inputs.
    pub inputs: Vec<InputInfo>,
    /// PRIM's alphas and minimum mass, resamples, seed.
    pub peel_alpha: f64,
    /// Pasting alpha.
    pub paste_alpha: f64,
    /// Minimum mass.
    pub min_mass: f64,
    /// Resamples per box.
    pub resamples: usize,
    /// Seed of the resamples.
    pub seed: u64,
    /// The boxes of PRIM's covering, in order.
    pub prim: Vec<PrimBox>,
    /// Why the covering found fewer boxes than asked (null when it found them all).
    pub stopped: Option<String>,
    /// CART's depth limit.
    pub cart_max_depth: usize,
    /// Rows a CART leaf holds at least (min_mass of the rows).
    pub cart_min_leaf: usize,
    /// CART's leaves, left to right.
    pub cart: Vec<BoxReport>,
    /// The page's scatter (not in the JSON).
    #[serde(skip)]
    pub scatter: Option<Scatter>,
}

impl Discovery {
    /// The command-line words that reproduce it.
    pub fn command_words(req: &DiscoverRequest) -> String {
        command_line(&req.to_args())
    }
}

/// Runs a discovery on `exec`'s threads.
pub fn discover(req: &DiscoverRequest, exec: &Executor) -> Result<Discovery, DiscoverError> {
    discover_with_progress(req, exec, &|_, _| {})
}

/// The most PRIM searches and trees a discovery runs: per box its search
/// and its resamples', then CART; what [`discover_with_progress`] counts.
pub fn searches(req: &DiscoverRequest) -> u64 {
    (req.boxes as u64)
        .saturating_mul(1 + req.resamples as u64)
        .saturating_add(1)
}

/// [`discover`], telling `progress(done, of)` after each PRIM search (a
/// box's, each of its resamples') and after CART, out of [`searches`] (a
/// covering that stops early skips the rest). For a display: it cannot
/// change results.
pub fn discover_with_progress(
    req: &DiscoverRequest,
    exec: &Executor,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Discovery, DiscoverError> {
    let mut cond = req.check()?;
    let src = source::read(&req.source, &mut cond, &req.inputs)?;
    exec.install(|| analyse(req, &src, progress))
}

/// Measures of the box `limits` among `rows`, as a report (with quasi-p-values).
fn box_report(
    data: &Dataset,
    rows: &[u32],
    limits: &[Limit],
    init: &[Limit],
    stats: &Stats,
    qp_init: &[Limit],
) -> BoxReport {
    let qp = quasi_p(data, rows, limits, qp_init);
    let mut restricted: Vec<Restriction> = restricted(limits, init)
        .into_iter()
        .map(|j| restriction(data, j, limits[j], init[j], qp[j]))
        .collect();
    let min_qp = |r: &Restriction| {
        r.qp_lower
            .into_iter()
            .chain(r.qp_upper)
            .fold(f64::INFINITY, f64::min)
    };
    restricted.sort_by(|a, b| {
        min_qp(a)
            .total_cmp(&min_qp(b))
            .then(b.cut.total_cmp(&a.cut))
            .then(a.input.cmp(&b.input))
    });
    BoxReport {
        coverage: stats.coverage,
        density: stats.density,
        mass: stats.mass,
        weight: stats.weight,
        cases: stats.hits,
        restricted,
    }
}

fn restriction(
    data: &Dataset,
    j: usize,
    limit: Limit,
    full: Limit,
    qp: [Option<f64>; 2],
) -> Restriction {
    let input = &data.inputs[j];
    match (limit, full, &input.column) {
        (
            Limit::Real {
                lower,
                upper,
                lower_open,
            },
            Limit::Real {
                lower: l0,
                upper: u0,
                ..
            },
            _,
        ) => Restriction {
            input: j,
            name: input.name.clone(),
            lower: Some(lower),
            lower_open,
            upper: Some(upper),
            levels: None,
            qp_lower: qp[0],
            qp_upper: qp[1],
            cut: if u0 > l0 {
                1.0 - (upper.min(u0) - lower.max(l0)).max(0.0) / (u0 - l0)
            } else {
                0.0
            },
        },
        (Limit::Levels(mask), Limit::Levels(all), Column::Categorical { levels, .. }) => {
            Restriction {
                input: j,
                name: input.name.clone(),
                lower: None,
                lower_open: false,
                upper: None,
                levels: Some(
                    (0..levels.len())
                        .filter(|&k| mask >> k & 1 == 1)
                        .map(|k| levels[k].clone())
                        .collect(),
                ),
                qp_lower: qp[0],
                qp_upper: None,
                cut: 1.0 - mask.count_ones() as f64 / all.count_ones().max(1) as f64,
            }
        }
        _ => unreachable!("a limit of the input's own kind"),
    }
}

fn step_report(data: &Dataset, k: usize, s: &prim::Step) -> StepReport {
    StepReport {
        step: k,
        phase: s.phase,
        input: s.input.map(|j| data.inputs[j].name.clone()),
        coverage: s.stats.coverage,
        density: s.stats.density,
        mass: s.stats.mass,
        restricted: s.stats.restricted,
        weight: s.stats.weight,
        cases: s.stats.hits,
    }
}

fn analyse(
    req: &DiscoverRequest,
    src: &Source,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Discovery, DiscoverError> {
    let of = searches(req);
    let mut done = 0u64;
    let mut tick = || {
        done += 1;
        progress(done, of);
    };
    let data = &src.data;
    let all = data.all_rows();
    let totals = data.sums(&all);
    let row = src.kind.row();
    if totals.hits <= 0.0 {
        return Err(DiscoverError::Nothing {
            message: format!(
                "`{}` holds for no {row} of {}: there is nothing to discover",
                req.condition, src.path
            ),
            help: "loosen the condition, or run more trials".into(),
        });
    }
    if totals.hits >= totals.weight {
        return Err(DiscoverError::Nothing {
            message: format!(
                "`{}` holds for every {row} of {}: no region stands out",
                req.condition, src.path
            ),
            help: "tighten the condition".into(),
        });
    }
    let opts = PrimOptions {
        peel_alpha: req.peel_alpha,
        paste_alpha: req.paste_alpha,
        min_mass: req.min_mass,
    };
    let init = full_limits(data, &all);
    let mut remaining = all.clone();
    let mut found = Vec::new();
    let mut stopped = None;
    for b in 0..req.boxes {
        if remaining.is_empty() || data.sums(&remaining).hits <= 0.0 {
            stopped = Some(format!(
                "box {}: no case is left outside the boxes before it",
                b + 1
            ));
            break;
        }
        let t: Trajectory = find_box(data, &remaining, &init, totals, &opts);
        tick();
        let k = knee(&t);
        let selection = req.select.get(b).copied().unwrap_or(Selection::Knee);
        let (step, selected_by) = match selection {
            Selection::Knee => (k, "knee"),
            Selection::Last => (t.steps.len() - 1, "last"),
            Selection::Step(n) if n < t.steps.len() => (n, "user"),
            Selection::Step(n) => {
                return Err(DiscoverError::Options {
                    flag: "--select".into(),
                    message: format!(
                        "box {} has no step {n}: its trajectory has steps 0 to {}",
                        b + 1,
                        t.steps.len() - 1
                    ),
                    help: "pick a step of trajectory.csv from a run without --select, or `knee`"
                        .into(),
                });
            }
        };
        let chosen = &t.steps[step];
        if b > 0 && chosen.stats.density <= totals.density() {
            stopped = Some(format!(
                "box {}: its best step ({}) is no denser than all {}s together ({:.1}% against {:.1}%)",
                b + 1,
                step,
                row,
                100.0 * chosen.stats.density,
                100.0 * totals.density()
            ));
            break;
        }
        let stab = stability::stability(
            data,
            &remaining,
            b,
            chosen.stats.coverage,
            chosen.stats.density,
            &opts,
            req.resamples,
            req.seed,
            &mut tick,
        );
        let mut stability: Vec<StabilityRow> = data
            .inputs
            .iter()
            .enumerate()
            .map(|(j, i)| StabilityRow {
                name: i.name.clone(),
                coverage: stab.coverage[j],
                density: stab.density[j],
            })
            .collect();
        stability.sort_by(|a, b| (b.coverage + b.density).total_cmp(&(a.coverage + a.density)));
        let at = box_report(
            data,
            &remaining,
            &chosen.limits,
            &init,
            &chosen.stats,
            &init,
        );
        let inside = rows_inside(data, &chosen.limits, &remaining);
        found.push(PrimBox {
            number: b + 1,
            step,
            selected_by,
            knee: k,
            rows_searched: remaining.len(),
            at,
            trajectory: t
                .steps
                .iter()
                .enumerate()
                .map(|(k, s)| step_report(data, k, s))
                .collect(),
            stability,
        });
        let mut it = inside.iter().peekable();
        remaining.retain(|r| {
            while it.peek().is_some_and(|&&x| x < *r) {
                it.next();
            }
            it.peek() != Some(&r)
        });
    }
    // The covering's rows are not needed by CART: free them before its scratch.
    drop(remaining);
    let min_leaf = (req.min_mass * all.len() as f64).floor() as usize;
    let cart = cart::leaves(data, &all, &init, totals, min_leaf, cart::MAX_DEPTH)
        .iter()
        .map(|l| box_report(data, &all, &l.limits, &init, &l.stats, &init))
        .collect();
    progress(of, of);
    let scatter = found.first().and_then(|b| scatter(data, &b.at));
    Ok(Discovery {
        format: FORMAT,
        escalate_version: env!("CARGO_PKG_VERSION"),
        command: Discovery::command_words(req),
        condition: req.condition.clone(),
        source: SourceInfo {
            kind: src.kind,
            path: src.path.clone(),
            rows: data.rows(),
            row,
            unit: src.unit,
            weight: totals.weight,
            cases: totals.hits,
            density: totals.density(),
        },
        inputs: data
            .inputs
            .iter()
            .zip(&init)
            .map(|(i, l)| match (l, &i.column) {
                (Limit::Real { lower, upper, .. }, _) => InputInfo {
                    name: i.name.clone(),
                    kind: "real",
                    min: Some(*lower),
                    max: Some(*upper),
                    levels: None,
                },
                (_, Column::Categorical { levels, .. }) => InputInfo {
                    name: i.name.clone(),
                    kind: "categorical",
                    min: None,
                    max: None,
                    levels: Some(levels.clone()),
                },
                _ => unreachable!("a limit of the input's own kind"),
            })
            .collect(),
        peel_alpha: req.peel_alpha,
        paste_alpha: req.paste_alpha,
        min_mass: req.min_mass,
        resamples: req.resamples,
        seed: req.seed,
        prim: found,
        stopped,
        cart_max_depth: cart::MAX_DEPTH,
        cart_min_leaf: min_leaf,
        cart,
        scatter,
    })
}

/// The scatter of the first box: its two inputs that cut most (the second,
/// when only one is restricted, the next input), over the first
/// [`SCATTER_POINTS`] rows.
fn scatter(data: &Dataset, b: &BoxReport) -> Option<Scatter> {
    let mut by_cut: Vec<&Restriction> = b.restricted.iter().collect();
    by_cut.sort_by(|a, b| b.cut.total_cmp(&a.cut).then(a.input.cmp(&b.input)));
    let x = by_cut.first()?.input;
    let y = match by_cut.get(1) {
        Some(r) => r.input,
        None if data.inputs.len() > 1 => (x + 1) % data.inputs.len(),
        None => return None,
    };
    let value = |j: usize, r: usize| match &data.inputs[j].column {
        Column::Real(v) => v[r],
        Column::Categorical { codes, .. } => codes[r] as f64,
    };
    let points = (0..data.rows().min(SCATTER_POINTS))
        .map(|r| {
            let w = data.weight_of(r as u32);
            let share = if w > 0.0 { data.hits[r] / w } else { 0.0 };
            [value(x, r), value(y, r), share]
        })
        .collect();
    Some(Scatter {
        inputs: [x, y],
        points,
    })
}
