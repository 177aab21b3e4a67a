//! `escalate discover`: in which regions of the uncertain inputs does a
//! condition hold? PRIM with CART beside it (`escalate::discover`), on a run's
//! per-trial CSV, a sweep directory or a calibration posterior.
//!
//! `--out DIR` gets, each file written whole by the io layer once everything
//! is computed (a bad input writes nothing): `trajectory.csv`, `boxes.csv`,
//! `boxes.json` and `discovery.html`. The terminal report says each box in
//! plain words.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::args::{ExecArgs, SeedArg};
use super::{Error, Outcome};
use escalate::discover::{
    DEFAULT_ALPHA, DEFAULT_BOXES, DEFAULT_MIN_MASS, DEFAULT_RESAMPLES, DiscoverRequest, Selection,
    discover,
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

pub fn discover_cmd(a: DiscoverArgs) -> Result<Outcome, Error> {
    if io::is_stdout(&a.out) {
        return Err(miette::miette!(
            help = "name a directory, e.g. --out discovery; it gets trajectory.csv, boxes.csv, boxes.json and discovery.html",
            "--out -: discover writes a directory of files, not one stream"
        ));
    }
    let request = a.request();
    let exec = a.exec.executor()?;
    let d = discover(&request, &exec)?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        miette::miette!(
            help = "check that the path is a directory you can write to",
            "cannot create {}: {e}",
            a.out.display()
        )
    })?;
    let files: [(&str, Vec<u8>); 4] = [
        ("boxes.csv", report::discover_csv::boxes(&d)),
        ("boxes.json", report::json::to_json(&d).into_bytes()),
        (
            "discovery.html",
            report::discover_html::render(&d).into_bytes(),
        ),
        ("trajectory.csv", report::discover_csv::trajectory(&d)),
    ];
    let mut written = Vec::new();
    for (name, bytes) in &files {
        let path = a.out.join(name);
        io::write_atomic(&path, bytes)?;
        written.push(path.display().to_string());
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    super::write_stdout(report::discover_text::render(&d, colour, &written).as_bytes())?;
    Ok(Outcome::Ok)
}
