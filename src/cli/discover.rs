//! `escalate discover`: in which regions of the uncertain inputs does a
//! condition hold? PRIM with CART beside it (`escalate::discover`), on a run's
//! per-trial CSV, a sweep directory or a calibration posterior.
//!
//! `--out DIR` gets `trajectory.csv`, `boxes.csv`, `boxes.json` and
//! `discovery.html`, refused before any work if one of them is the source,
//! and written by the io layer once everything is computed, all together or
//! none (a bad input writes nothing). The terminal report says each box in
//! plain words. On a terminal (not `--quiet`) a progress bar on stderr counts
//! the PRIM searches (each box's and its resamples') and CART.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{ExecArgs, SeedArg};
use super::progress::{searches_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::discover::{
    DEFAULT_ALPHA, DEFAULT_BOXES, DEFAULT_MIN_MASS, DEFAULT_RESAMPLES, DiscoverRequest, Selection,
    discover_with_progress, searches,
};
use escalate::io;
use escalate::report::{self, text::Colour};

/// `--select`'s list, one step per box.
#[derive(Debug, Clone, PartialEq)]
pub struct Selections(pub Vec<Selection>);

fn parse_select(s: &str) -> Result<Selections, String> {
    Selection::parse_list(s).map(Selections)
}

/// `escalate discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A run's per-trial CSV (`escalate run ... --csv FILE`), a sweep directory
    /// (`escalate sweep ... --out DIR`) or a calibration's posterior.csv.
    #[arg(value_name = "SOURCE")]
    pub source: PathBuf,
    /// The cases of interest: `class = NAME` or `METRIC > NUMBER` (< <= > >= = !=),
    /// combined with and, or, not and parentheses (docs/discovery.md).
    #[arg(long = "where", value_name = "CONDITION")]
    pub condition: String,
    /// The inputs to explain it by, comma-separated (default: every sampled
    /// parameter of a run, every factor of a sweep, every path of a posterior).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub inputs: Vec<String>,
    /// PRIM's peeling alpha: the share of the box's rows one peel removes.
    #[arg(long, value_name = "A", default_value_t = DEFAULT_ALPHA)]
    pub peel_alpha: f64,
    /// PRIM's pasting alpha: the share of the rows next to a limit one paste adds.
    #[arg(long, value_name = "A", default_value_t = DEFAULT_ALPHA)]
    pub paste_alpha: f64,
    /// The smallest share of all rows a box (or a CART leaf) may hold.
    #[arg(long, value_name = "M", default_value_t = DEFAULT_MIN_MASS)]
    pub min_mass: f64,
    /// Boxes to find by PRIM's covering (each among the rows the ones before left).
    #[arg(long, value_name = "K", default_value_t = DEFAULT_BOXES)]
    pub boxes: usize,
    /// Each box's step of its trajectory, comma-separated: a step number,
    /// `knee` or `last` (default: the knee).
    #[arg(long, value_name = "STEP,...", value_parser = parse_select)]
    pub select: Option<Selections>,
    /// Resamples (halves of the rows) for each box's stability.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RESAMPLES)]
    pub resamples: usize,
    /// Seed of the resamples.
    #[command(flatten)]
    pub seed: SeedArg,
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output directory (created if needed; its files are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl DiscoverArgs {
    /// The library's request.
    pub fn request(&self) -> DiscoverRequest {
        DiscoverRequest {
            source: self.source.clone(),
            condition: self.condition.clone(),
            inputs: self.inputs.clone(),
            peel_alpha: self.peel_alpha,
            paste_alpha: self.paste_alpha,
            min_mass: self.min_mass,
            boxes: self.boxes,
            select: self.select.clone().map(|s| s.0).unwrap_or_default(),
            resamples: self.resamples,
            seed: self.seed.seed,
        }
    }
}

/// The files of `--out`, in the order the report lists them.
const FILES: [&str; 4] = [
    "boxes.csv",
    "boxes.json",
    "discovery.html",
    "trajectory.csv",
];

pub fn discover_cmd(a: DiscoverArgs) -> Result<Outcome, Error> {
    if io::is_stdout(&a.out) {
        return Err(miette::miette!(
            help = "name a directory, e.g. --out discovery; it gets trajectory.csv, boxes.csv, boxes.json and discovery.html",
            "--out -: discover writes a directory of files, not one stream"
        ));
    }
    let request = a.request();
    let paths: Vec<PathBuf> = FILES.iter().map(|f| a.out.join(f)).collect();
    let named: Vec<(&str, &Path)> = paths.iter().map(|p| ("--out", p.as_path())).collect();
    let mut inputs = io::InputFiles::new();
    inputs.add("the source", &request.source);
    io::refuse_overlaps(&named, &inputs.named())?;
    let exec = a.exec.executor()?;
    let bar = searches_bar(searches(&request), a.exec.quiet);
    let progress = |done: u64, _of: u64| {
        if let Some(b) = &bar {
            b.set_position(done)
        }
    };
    let d = with_delayed_bar(bar.as_ref(), || {
        discover_with_progress(&request, &exec, &progress)
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let d = d?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        miette::miette!(
            help = "check that the path is a directory you can write to",
            "cannot create {}: {e}",
            a.out.display()
        )
    })?;
    let (csv, json) = (
        report::discover_csv::boxes(&d),
        report::json::to_json(&d).into_bytes(),
    );
    let (html, trajectory) = (
        report::discover_html::render(&d).into_bytes(),
        report::discover_csv::trajectory(&d),
    );
    // Together, boxes.json (the whole result) last.
    io::write_all_atomic(
        &[
            (&paths[0], &csv[..]),
            (&paths[2], &html[..]),
            (&paths[3], &trajectory[..]),
            (&paths[1], &json[..]),
        ],
        io::Durability::Synced,
    )?;
    let written: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let colour = Colour::detect(std::io::stdout().is_terminal());
    super::write_stdout(report::discover_text::render(&d, colour, &written).as_bytes())?;
    Ok(Outcome::Ok)
}
