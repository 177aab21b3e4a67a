//! `escalate calibrate`: ABC-SMC of a scenario's parameters against observed
//! records, into a directory that a later run resumes.
//!
//! `--out DIR` holds, after every finished generation (each written whole, by
//! the io layer, before the next generation starts):
//! - `state.json`: the checkpoint (the fingerprint and every finished generation);
//! - `generations.csv`: tolerance, proposals, acceptance rate and ESS per generation;
//! - `posterior.csv`: the last generation's particles: parameters, weight, distance;
//! - `calibration.json`: identity, fingerprint, command, targets, unused records, why it
//!   stopped and, once it has, the posterior-predictive bands of every target (`predictive`);
//! - `calibration.html`: the page of all of it (`report::calibration_html`).
//!
//! Once the last generation is done, [`PREDICTIVE_TRIALS`] trials drawn from its
//! particles give the posterior-predictive bands (`Study::predictive`), and the
//! JSON and the page are written again with them.
//!
//! Running the same command again on the same `DIR` resumes from the last
//! finished generation and gives the same bytes as an uninterrupted run; a
//! `DIR` holding another calibration is refused.
//!
//! On a terminal (not `--quiet`) a progress bar over generations shows the
//! last generation's tolerance, acceptance rate and ESS and how the one under
//! way stands, after a line saying where a resumed run starts; off a terminal
//! neither is printed.
//!
//! With `--generation T --proposals A..B --shard K/N` the command is one array
//! task of `escalate slurm calibrate` (`slurm_calibrate`): it simulates slice
//! K/N of those proposals from DIR's checkpoint into a part file in DIR/parts
//! (`calibrate::distributed`) and writes nothing else.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::args::{ExecArgs, PolicyArg, ScenarioArg, SeedArg, SetupArgs, parse_shard};
use super::progress::{generations_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::calibrate::abc::{
    AbcState, Begin, Generation, GenerationRun, Progress, Stop, step_with,
};
use escalate::calibrate::distributed::{self, Round, parse_proposals};
use escalate::calibrate::predictive::{PREDICTIVE_TRIALS, Predictive, posterior_csv};
use escalate::calibrate::study::{CalibrateRequest, PriorSpec, Study};
use escalate::io::{Durability, write_all_atomic};
use escalate::run::shard::Shard;

/// What a calibration is: the scenario, the observed file, the priors and the
/// ABC settings, the seed and every particle's fixed setup. Shared by
/// `escalate calibrate` and `escalate slurm calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateWhat {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// The observed-data file (see data/observed/README.md).
    #[arg(long, value_name = "FILE", required = true)]
    pub observed: PathBuf,
    /// A prior: PATH=DIST in the scenario's syntax, e.g. 'actors.TTP.fighters=Uniform(2000, 8000)'
    /// (repeat for each parameter).
    #[arg(long = "prior", value_name = "PATH=DIST", required = true, value_parser = PriorSpec::parse)]
    pub priors: Vec<PriorSpec>,
    /// Accepted particles per generation.
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = super::args::count::<usize>, allow_negative_numbers = true)]
    pub particles: usize,
    /// Trials per particle.
    #[arg(long = "trials-per-particle", value_name = "N", default_value_t = 50,
          value_parser = super::args::count::<u64>, allow_negative_numbers = true)]
    pub trials: u64,
    /// At most this many generations (generation 0, from the prior, included).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = super::args::count::<u32>, allow_negative_numbers = true)]
    pub generations: u32,
    /// Stop once a generation's tolerance is at most E (the distance is in
    /// observation standard deviations).
    #[arg(long = "until-tolerance", value_name = "E", value_parser = parse_tolerance,
          allow_negative_numbers = true)]
    pub until_tolerance: Option<f64>,
    /// Seed.
    #[command(flatten)]
    pub seed: SeedArg,
    /// Policy of every particle's runs.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Fixed overrides and horizon of every particle's runs.
    #[command(flatten)]
    pub setup: SetupArgs,
}

/// Reads `--until-tolerance E`: a finite number of 0 or more.
fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(e) if e.is_finite() && e >= 0.0 => Ok(e),
        Ok(_) => Err(format!(
            "`{s}`: a tolerance is a finite distance of 0 or more: write one in observation standard \
             deviations, e.g. 0.5"
        )),
        Err(_) => Err(format!(
            "`{s}` is not a number: write a distance such as 0.5"
        )),
    }
}

impl CalibrateWhat {
    /// The library's request.
    pub fn request(&self) -> CalibrateRequest {
        CalibrateRequest {
            scenario: self.scenario.scenario.clone(),
            setup: self.setup.setup(self.policy.policy.clone()),
            observed: self.observed.clone(),
            priors: self.priors.clone(),
            particles: self.particles,
            trials: self.trials,
            generations: self.generations,
            until_tolerance: self.until_tolerance,
            seed: self.seed.seed,
        }
    }
}

/// The files of `--out DIR`, as the summary lists them.
const OUTPUTS: [&str; 5] = [
    "posterior.csv",
    "generations.csv",
    "calibration.json",
    "calibration.html",
    "state.json",
];

/// One array task of `escalate slurm calibrate`: slice K/N of proposals
/// A..B of one generation, simulated into a part file in DIR/parts.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// Only simulate proposals of generation T into DIR/parts (what an array task of
    /// `escalate slurm calibrate` runs; needs --proposals, --shard and DIR's checkpoint of
    /// generations 0 to T-1).
    #[arg(long, value_name = "T", requires_all = ["proposals", "shard"])]
    pub generation: Option<u32>,
    /// With --generation: the round's proposals, A..B (A included, B not).
    #[arg(long, value_name = "A..B", requires = "generation", value_parser = parse_proposals)]
    pub proposals: Option<Range<u64>>,
    /// With --generation: slice K of N of the round's proposals (K from 0).
    #[arg(long, value_name = "K/N", requires = "generation", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

impl TaskArgs {
    /// The round and the task's number in it, when these flags are given.
    pub fn task(&self) -> Result<Option<(Round, u64)>, Error> {
        let (Some(generation), Some(proposals), Some(shard)) =
            (self.generation, self.proposals.clone(), self.shard)
        else {
            return Ok(None);
        };
        Round::of_task(generation, proposals, shard)
            .map(Some)
            .map_err(|e| miette::miette!(help = "use --shard K/N with N at most B-A", "{e}"))
    }
}

/// `escalate calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The calibration.
    #[command(flatten)]
    pub what: CalibrateWhat,
    /// One array task's slice (`escalate slurm calibrate` writes these).
    #[command(flatten)]
    pub task: TaskArgs,
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output directory (created; a calibration there is resumed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// The checkpoint: what a resumed run reads back.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    /// Hex SHA-256 of the calibration's identity.
    fingerprint: String,
    /// The finished generations.
    state: AbcState,
}

/// `calibration.json`.
#[derive(Serialize)]
struct Summary<'a> {
    escalate_version: &'static str,
    fingerprint: &'a str,
    command: String,
    identity: &'a escalate::calibrate::study::CalibrationIdentity,
    observed_file: String,
    targets: &'a [escalate::calibrate::study::Target],
    unused: &'a [escalate::calibrate::study::Unused],
    generations: usize,
    stopped: &'a Option<Stop>,
    /// The posterior-predictive run and bands (null until the calibration stops).
    predictive: Option<&'a Predictive>,
}

pub fn calibrate(a: CalibrateArgs) -> Result<Outcome, Error> {
    let exec = a.exec.executor()?;
    let outputs: Vec<PathBuf> = OUTPUTS.iter().map(|f| a.out.join(f)).collect();
    let named: Vec<(&str, &Path)> = outputs.iter().map(|p| ("--out", p.as_path())).collect();
    escalate::io::refuse_overlaps(&named, &a.what.request().input_files().named())?;
    let study = Study::new(a.what.request())?;
    let fingerprint = study.fingerprint();
    let dir = &a.out;
    if let Some(task) = a.task.task()? {
        return run_task(&study, &exec, &fingerprint, task, dir);
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        miette::miette!(
            help = "choose a directory you can write",
            "--out {}: {e}",
            dir.display()
        )
    })?;
    let mut state = match resume(dir, &fingerprint)? {
        Some(s) => s,
        None => new_state(&study)?,
    };
    let sim = study.simulator(&exec);
    let quiet = a.exec.quiet || !std::io::stderr().is_terminal();
    let resumed = state.generations.len();
    if resumed > 0 && !quiet {
        eprintln!("resuming after generation {}", resumed - 1);
    }
    let bar = generations_bar(u64::from(study.request.generations), a.exec.quiet);
    if let Some(b) = &bar {
        b.set_position(resumed as u64);
        b.set_message(bar_message(state.last(), "starting"));
    }
    let predictive = with_delayed_bar(bar.as_ref(), || -> Result<_, Error> {
        loop {
            let progress = step_with(
                &mut state,
                &study.priors,
                &sim,
                study.request.particles,
                |g| {
                    if let Some(b) = &bar {
                        b.set_message(under_way(g));
                    }
                },
            )
            .map_err(|e| miette::miette!("{e}"))?;
            let Progress::Generation(_) = progress else {
                break;
            };
            write_outputs(dir, &study, &state, &fingerprint, None)?;
            if let Some(b) = &bar {
                b.inc(1);
                b.set_message(bar_message(state.last(), "next generation"));
            }
        }
        let Some(last) = state.last() else {
            return Ok(None);
        };
        if let Some(b) = &bar {
            b.set_message(bar_message(
                Some(last),
                &format!(
                    "posterior predictive, {} trials",
                    indicatif::HumanCount(PREDICTIVE_TRIALS)
                ),
            ));
        }
        Ok(Some(study.predictive(&exec, last, PREDICTIVE_TRIALS)?))
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let predictive = predictive?;
    write_outputs(dir, &study, &state, &fingerprint, predictive.as_ref())?;
    print_summary(&study, &state, dir)?;
    Ok(Outcome::Ok)
}

/// A calibration of the study that has not started.
pub(super) fn new_state(study: &Study) -> Result<AbcState, Error> {
    AbcState::new(study.request.config(), study.priors.len()).map_err(|e| miette::miette!("{e}"))
}

/// What a finished generation gave: its tolerance, proposals, acceptance rate
/// and effective sample size (the columns of generations.csv), as
/// `escalate slurm calibrate` reports each generation it reduces.
pub(super) fn finished_line(g: &Generation) -> String {
    format!(
        "generation {}: tolerance {:.4}, {} proposals, acceptance {:.1}%, ESS {:.0}",
        g.index,
        g.tolerance,
        g.proposed,
        100.0 * g.acceptance_rate,
        g.ess
    )
}

/// The progress bar's message: what the last finished generation gave, then
/// `now` (how the generation under way stands, or what runs next).
fn bar_message(last: Option<&Generation>, now: &str) -> String {
    match last {
        Some(g) => format!(
            "last ε {:.4}, {:.1}% accepted, ESS {:.0} · {now}",
            g.tolerance,
            100.0 * g.acceptance_rate,
            g.ess
        ),
        None => now.to_string(),
    }
}

/// How the generation under way stands: particles accepted of N, of the
/// proposals decided so far.
fn under_way(g: &GenerationRun) -> String {
    bar_message(
        g.previous(),
        &format!(
            "now {}/{} of {}",
            g.accepted(),
            g.particles(),
            indicatif::HumanCount(g.decided())
        ),
    )
}

/// `escalate calibrate ... --generation T --proposals A..B --shard K/N --out DIR`:
/// simulates slice K of the round's proposals from DIR's checkpoint and
/// writes its part into DIR/parts (see `calibrate::distributed`).
fn run_task(
    study: &Study,
    exec: &escalate::run::Executor,
    fingerprint: &str,
    (round, k): (Round, u64),
    dir: &Path,
) -> Result<Outcome, Error> {
    let state = match resume(dir, fingerprint)? {
        Some(s) => s,
        None => new_state(study)?,
    };
    let (t, have) = (round.generation, state.generations.len());
    let checkpoint = dir.join("state.json");
    if (t as usize) < have {
        super::outln!(
            "generation {t} is already finished in {} ({have} generations): nothing to do",
            checkpoint.display()
        );
        return Ok(Outcome::Ok);
    }
    if t as usize > have {
        miette::bail!(miette::miette!(
            help = "run the generations in order: `escalate slurm calibrate` plans each round from the checkpoint",
            "--generation {t}: {} holds {have} finished generations, so generation {have} comes next; nothing was written",
            checkpoint.display()
        ));
    }
    let g = match GenerationRun::begin(&state, &study.priors).map_err(|e| miette::miette!("{e}"))? {
        Begin::Run(g) => g,
        Begin::Stop(_) => {
            super::outln!(
                "the calibration in {} has no generation {t} to run (it stops after {have}): nothing to do",
                dir.display()
            );
            return Ok(Outcome::Ok);
        }
    };
    if round.end > g.cap() {
        miette::bail!(miette::miette!(
            help = "plan rounds with `escalate slurm calibrate`, which keeps them under the cap",
            "--proposals {}..{}: generation {t} makes at most {} proposals (the acceptance floor); nothing was written",
            round.start,
            round.end,
            g.cap()
        ));
    }
    let range = round.slice(k);
    let sim = study.simulator(exec);
    let part = distributed::simulate(&g, &study.priors, &sim, range.clone(), fingerprint)
        .map_err(|e| miette::miette!("{e}"))?;
    let parts = dir.join("parts");
    std::fs::create_dir_all(&parts)
        .map_err(|e| miette::miette!("cannot create {}: {e}", parts.display()))?;
    let path = part.write(&parts)?;
    let inside = part
        .proposals
        .iter()
        .filter(|p| p.distance.is_some())
        .count();
    super::outln!(
        "generation {t}, slice {k}/{} of proposals {}..{}: proposals {} to {} ({inside} inside the priors' support, simulated) written to {}",
        round.tasks,
        round.start,
        round.end,
        range.start,
        range.end - 1,
        path.display()
    );
    Ok(Outcome::Ok)
}

/// The checkpoint in `dir`, if there is one of this calibration; an error if
/// `dir` holds another.
pub(super) fn resume(dir: &Path, fingerprint: &str) -> Result<Option<AbcState>, Error> {
    let path = dir.join("state.json");
    let bytes = match escalate::io::read_capped(&path, escalate::io::DATA_LIMIT) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => miette::bail!("cannot read {}: {e}", path.display()),
    };
    let c: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| {
        miette::miette!(
            help = "use a new --out directory (or delete this one to start again)",
            "{} is not a calibration checkpoint: {e}",
            path.display()
        )
    })?;
    if c.fingerprint != fingerprint {
        miette::bail!(miette::miette!(
            help = "use a new --out directory for a new calibration; to resume, repeat the command that started it",
            "{} holds a different calibration (scenario, observed file, priors, seed or settings differ); nothing was written",
            dir.display()
        ));
    }
    Ok(Some(c.state))
}

/// Writes the checkpoint and every output file of the state so far.
pub(super) fn write_outputs(
    dir: &Path,
    study: &Study,
    state: &AbcState,
    fp: &str,
    predictive: Option<&Predictive>,
) -> Result<(), Error> {
    let checkpoint = serde_json::to_vec(&Checkpoint {
        fingerprint: fp.to_string(),
        state: state.clone(),
    })
    .expect("checkpoint serializes");
    let mut g =
        String::from("generation,tolerance,proposed,simulated,accepted,acceptance_rate,ess\n");
    for x in &state.generations {
        let _ = writeln!(
            g,
            "{},{},{},{},{},{},{}",
            x.index, x.tolerance, x.proposed, x.simulated, x.accepted, x.acceptance_rate, x.ess
        );
    }
    let posterior = state.last().map(|last| {
        let paths: Vec<String> = study
            .request
            .priors
            .iter()
            .map(|p| p.path.clone())
            .collect();
        posterior_csv(&paths, last)
    });
    let summary = Summary {
        escalate_version: env!("CARGO_PKG_VERSION"),
        fingerprint: fp,
        command: study.command(),
        identity: &study.identity,
        observed_file: study.request.observed.display().to_string(),
        targets: &study.targets,
        unused: &study.unused,
        generations: state.generations.len(),
        stopped: &state.stopped,
        predictive,
    };
    let mut json = serde_json::to_string_pretty(&summary).expect("summary serializes");
    json.push('\n');
    let page = escalate::report::calibration_html::render(study, state, predictive);
    let files: Vec<(PathBuf, &[u8])> = [
        ("generations.csv", Some(g.as_bytes())),
        ("posterior.csv", posterior.as_deref().map(str::as_bytes)),
        ("calibration.json", Some(json.as_bytes())),
        ("calibration.html", Some(page.as_bytes())),
        // The checkpoint last: once it is new, so is every other file.
        ("state.json", Some(&checkpoint[..])),
    ]
    .into_iter()
    .filter_map(|(name, bytes)| bytes.map(|b| (dir.join(name), b)))
    .collect();
    let files: Vec<(&Path, &[u8])> = files.iter().map(|(p, b)| (p.as_path(), *b)).collect();
    write_all_atomic(&files, Durability::Durable)?;
    Ok(())
}

/// The terminal summary: targets, the last generation's posterior per parameter.
fn print_summary(study: &Study, state: &AbcState, dir: &Path) -> Result<(), Error> {
    super::outln!(
        "escalate calibrate · {} · seed {}",
        study.loaded.source.name,
        study.request.seed
    );
    super::outln!(
        "{} targets of {} records · {} particles × {} trials per particle",
        study.targets.len(),
        study.observed.records.len(),
        study.request.particles,
        study.request.trials
    );
    let stop = match &state.stopped {
        Some(Stop::MaxGenerations) => "the last generation asked for ran".to_string(),
        Some(Stop::Tolerance) => "the tolerance reached --until-tolerance".to_string(),
        Some(Stop::AcceptanceFloor {
            generation,
            accepted,
            proposed,
            ..
        }) => format!(
            "generation {generation} was abandoned: {accepted} of {proposed} proposals accepted"
        ),
        None => "not finished".to_string(),
    };
    super::outln!(
        "{} generations; stopped because {stop}",
        state.generations.len()
    );
    let Some(last) = state.last() else {
        return Ok(());
    };
    super::outln!(
        "final tolerance {:.3} (distance in observation sds), ESS {:.0}",
        last.tolerance,
        last.ess
    );
    super::outln!("\nPosterior (weighted particles of the last generation), each under its prior:");
    super::outln!(
        "  {:<38}{:>10}{:>10}{:>10}{:>10}{:>10}",
        "parameter",
        "mean",
        "sd",
        "p5",
        "p50",
        "p95"
    );
    let mean = last.mean();
    let sd = last.sd();
    for (k, p) in study.request.priors.iter().enumerate() {
        let q = |x| last.quantile(k, x).unwrap_or(f64::NAN);
        super::outln!(
            "  {:<38}{:>10}{:>10}{:>10}{:>10}{:>10}",
            p.path,
            sig4(mean[k]),
            sig4(sd[k]),
            sig4(q(0.05)),
            sig4(q(0.5)),
            sig4(q(0.95))
        );
        super::outln!("      prior {}", p.param);
    }
    super::outln!("\nwrote:");
    for f in OUTPUTS {
        super::outln!("  {}", dir.join(f).display());
    }
    Ok(())
}

/// A number with four significant digits (no exponent), for the summary.
fn sig4(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}
