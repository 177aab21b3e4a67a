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

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::args::{ExecArgs, PolicyArg, ScenarioArg, SeedArg, SetupArgs};
use super::{Error, Outcome};
use escalate::calibrate::abc::{AbcState, Progress, Stop, step};
use escalate::calibrate::predictive::{PREDICTIVE_TRIALS, Predictive, posterior_csv};
use escalate::calibrate::study::{CalibrateRequest, PriorSpec, Study};
use escalate::io::{Durability, sha256_hex, write_all_atomic};

/// `escalate calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
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
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output directory (created; a calibration there is resumed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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

impl CalibrateArgs {
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
    escalate::io::refuse_overlaps(&named, &a.request().input_files().named())?;
    let study = Study::new(a.request())?;
    let identity = serde_json::to_vec(&study.identity).expect("identity serializes");
    let fingerprint = sha256_hex(&identity);
    let dir = &a.out;
    std::fs::create_dir_all(dir).map_err(|e| {
        miette::miette!(
            help = "choose a directory you can write",
            "--out {}: {e}",
            dir.display()
        )
    })?;
    let mut state = resume(dir, &fingerprint)?.unwrap_or(
        AbcState::new(study.request.config(), study.priors.len())
            .map_err(|e| miette::miette!("{e}"))?,
    );
    let sim = study.simulator(&exec);
    let quiet = a.exec.quiet || !std::io::stderr().is_terminal();
    let resumed = state.generations.len();
    if resumed > 0 && !quiet {
        eprintln!("resuming after generation {}", resumed - 1);
    }
    while let Progress::Generation(g) =
        step(&mut state, &study.priors, &sim, study.request.particles)
            .map_err(|e| miette::miette!("{e}"))?
    {
        write_outputs(dir, &study, &state, &fingerprint, None)?;
        if !quiet && let Some(last) = state.last() {
            eprintln!(
                "generation {g}: tolerance {:.4}, {} proposals, acceptance {:.1}%, ESS {:.0}",
                last.tolerance,
                last.proposed,
                100.0 * last.acceptance_rate,
                last.ess
            );
        }
    }
    let predictive = match state.last() {
        Some(last) => Some(study.predictive(&exec, last, PREDICTIVE_TRIALS)?),
        None => None,
    };
    write_outputs(dir, &study, &state, &fingerprint, predictive.as_ref())?;
    print_summary(&study, &state, dir)?;
    Ok(Outcome::Ok)
}

/// The checkpoint in `dir`, if there is one of this calibration; an error if
/// `dir` holds another.
fn resume(dir: &Path, fingerprint: &str) -> Result<Option<AbcState>, Error> {
    let path = dir.join("state.json");
    let bytes = match std::fs::read(&path) {
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
fn write_outputs(
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
