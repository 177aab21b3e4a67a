//! `escalate sweep`: parses the flags, plans and runs the sweep with the
//! library ([`escalate::sweep`]), shows a progress bar over design points on a
//! terminal, and prints where the files are and which inputs matter most.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{ExecArgs, HorizonArg, PosteriorArg, ScenarioArg, SeedArg, count};
use super::progress::{points_bar, with_delayed_bar};
use super::{Error, Outcome};
use escalate::report::format::wrap;
use escalate::report::{sweep_html, sweep_text};
use escalate::run::shard::Shard;
use escalate::sweep::{self, DesignKind, Plan, RunOptions, SweepSpec};

/// The designs, as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DesignArg {
    /// Full factorial grid: --points levels per input.
    Grid,
    /// Latin hypercube: --points points.
    Lhs,
    /// Saltelli design on the Sobol sequence: --points base samples N, N*(k+2) points.
    Sobol,
    /// Morris trajectories: --points trajectories r, r*(k+1) points, --levels p.
    Morris,
}

/// The usage line of `escalate sweep` (clap's own would leave out `--points`
/// and `--set`, which clap cannot know a design needs).
pub const SWEEP_USAGE: &str = "escalate sweep [SCENARIO] --design <DESIGN> --points <N> --set <PATH=RANGE>... --out <DIR> [OPTIONS]";

/// The usage line of `escalate slurm sweep`.
pub const SLURM_SWEEP_USAGE: &str = "escalate slurm sweep [SCENARIO] --design <DESIGN> --points <N> \
     --set <PATH=RANGE>... --shards <N> --dir <DIR> [OPTIONS]";

/// What a sweep is: the scenario, the design and its inputs, the trials per
/// point. Shared by `escalate sweep` and `escalate slurm sweep`.
#[derive(Debug, Args)]
pub struct SweepDesignArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// The design.
    #[arg(long, value_enum)]
    pub design: DesignArg,
    /// Levels per input (grid), points (lhs), base samples N (sobol), trajectories r (morris).
    /// Needed by every design but a grid of lists.
    #[arg(long, value_name = "N", value_parser = count::<usize>, allow_negative_numbers = true)]
    pub points: Option<usize>,
    /// Factor: PATH=LO..HI, PATH=DISTRIBUTION or PATH=[v1, v2, ...]; PATH=VALUE is fixed
    #[arg(long = "set", value_name = "PATH=RANGE")]
    pub set: Vec<String>,
    /// A policy of the scenario by name, or `baseline` (none). Repeatable: two or more make
    /// a categorical factor `policy`.
    #[arg(long, value_name = "NAME")]
    pub policy: Vec<String>,
    /// Trials per design point.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = count::<u64>, allow_negative_numbers = true)]
    pub trials: u64,
    /// Seed.
    #[command(flatten)]
    pub seed: SeedArg,
    /// Levels p of the Morris grid.
    #[arg(long, value_name = "P", default_value_t = 4, value_parser = count::<usize>, allow_negative_numbers = true)]
    pub levels: usize,
    /// Days per trial.
    #[command(flatten)]
    pub horizon: HorizonArg,
    /// A calibration posterior: every point's trials draw from it.
    #[command(flatten)]
    pub posterior: PosteriorArg,
    /// The output the page leads with and the summary lists first: `prob_CLASS` or
    /// `METRIC_mean`, as in sensitivity.csv (default: deaths_mean, mean total deaths).
    /// Changes no point or index.
    #[arg(long, value_name = "OUTPUT")]
    pub headline: Option<String>,
}

impl SweepDesignArgs {
    /// The library's sweep specification.
    pub fn spec(&self) -> SweepSpec {
        SweepSpec {
            scenario: self.scenario.scenario.clone(),
            design: match self.design {
                DesignArg::Grid => DesignKind::Grid,
                DesignArg::Lhs => DesignKind::Lhs,
                DesignArg::Sobol => DesignKind::Sobol,
                DesignArg::Morris => DesignKind::Morris,
            },
            points: self.points,
            levels: self.levels,
            sets: self.set.clone(),
            policies: self.policy.clone(),
            trials: self.trials,
            seed: self.seed.seed,
            horizon: self.horizon.horizon,
            posterior: self.posterior.posterior.clone(),
            headline: self.headline.clone(),
        }
    }
}

/// `escalate sweep`.
#[derive(Debug, Args)]
#[command(override_usage = SWEEP_USAGE)]
pub struct SweepArgs {
    /// The sweep.
    #[command(flatten)]
    pub what: SweepDesignArgs,
    /// How to run it.
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Run only the design points of shard K of N (K from 0); shards may share --out.
    #[arg(long, value_name = "K/N",
          value_parser = super::args::parse_shard)]
    pub shard: Option<Shard>,
    /// Output directory (created; an unfinished sweep there is resumed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write the points as Parquet (the columns of points.csv, typed; nulls where it is
    /// empty), once every point is done.
    #[cfg(feature = "parquet")]
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
}

pub fn sweep(a: SweepArgs) -> Result<Outcome, Error> {
    let exec = a.exec.executor()?;
    let spec = a.what.spec();
    let plan = Plan::new(spec)?;
    // Said before the run too, so a long sweep can be stopped and resized.
    if !a.exec.quiet {
        for w in plan.warnings() {
            for line in wrap(&format!("warning: {w}"), 100, 2) {
                eprintln!("{line}");
            }
        }
    }
    let bar = points_bar(a.exec.quiet);
    let mut progress = |done: usize, of: usize| {
        if let Some(b) = &bar {
            if b.length() != Some(of as u64) {
                b.set_length(of as u64);
                b.set_position(done as u64);
                b.reset_eta();
            }
            b.set_position(done as u64);
        }
    };
    let mut warn = |w: String| {
        if let Some(b) = &bar {
            b.suspend(|| eprintln!("warning: {w}"));
        } else {
            eprintln!("warning: {w}");
        }
    };
    let result = with_delayed_bar(bar.as_ref(), || {
        sweep::run(
            &plan,
            &a.out,
            &exec,
            RunOptions {
                page: Some(&sweep_html::render),
                points_table: points_table(&a),
                shard: a.shard,
                progress: Some(&mut progress),
                warn: Some(&mut warn),
            },
        )
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let r = result?;
    let dir = a.out.display();
    super::outln!(
        "escalate sweep · {} · {} design, {} points · {} trials per point · seed {}",
        plan.loaded.source.name,
        plan.spec.design.name(),
        r.points,
        plan.spec.trials,
        plan.spec.seed
    );
    for f in &plan.factors {
        super::outln!("  input {} = {} ({})", f.name, f.spec(), f.kind_name());
    }
    if let Some(p) = &plan.posterior {
        super::outln!(
            "  posterior {} (sha256 {}): every trial draws {} from its particles",
            p.file,
            &p.sha256[..16],
            p.paths.join(", ")
        );
    }
    let shard = a.shard.map(|s| format!("shard {s}: ")).unwrap_or_default();
    super::outln!(
        "{shard}{} of {} points run now, {} found done in {dir}",
        r.ran,
        r.mine,
        r.resumed
    );
    let Some(indices) = r.indices else {
        super::outln!(
            "the outputs are written when every design point is done: run the shards left \
             (into {dir}, or copy their points/ files there), then this command without --shard"
        );
        return Ok(Outcome::Ok);
    };
    super::write_stdout(sweep_text::render(&plan, &indices).as_bytes())?;
    super::outln!("wrote:");
    for f in sweep::OUTPUTS {
        super::outln!("  {}", a.out.join(f).display());
    }
    if let Some((path, _)) = points_table(&a) {
        super::outln!("  {}", path.display());
    }
    Ok(Outcome::Ok)
}

/// `--parquet FILE` and its writer.
fn points_table(a: &SweepArgs) -> Option<(&std::path::Path, &'static sweep::PointsTableWriter)> {
    #[cfg(feature = "parquet")]
    if let Some(path) = &a.parquet {
        return Some((path.as_path(), &escalate::report::parquet::write_points));
    }
    let _ = a;
    None
}
