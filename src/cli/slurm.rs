//! `escalate slurm`: writes a study directory with a Slurm job array (one task
//! per shard) and a merge job, prints the command that submits both, and with
//! `--submit` runs it. `escalate slurm sweep` does the same for a sweep's
//! design points; `escalate slurm calibrate` (in `slurm_calibrate`) runs a
//! calibration's generations as arrays.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use miette::IntoDiagnostic;

use super::args::{JobArgs, RunWhat, make_dir};
use super::sweep::SweepDesignArgs;
use super::{Error, Outcome};
use escalate::distribution::slurm::{JobKind, JobSpec};
use escalate::io::write_atomic;
use escalate::run::RunRequest;
use escalate::run::shard::Shard;

/// `escalate slurm`: a sharded run, or with `sweep`, a sharded sweep, or with
/// `calibrate`, a calibration.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SlurmArgs {
    /// `escalate slurm sweep ...` or `escalate slurm calibrate ...`.
    #[command(subcommand)]
    pub study: Option<SlurmStudy>,
    /// What to run.
    #[command(flatten)]
    pub what: RunWhat,
    /// The array and its resources.
    #[command(flatten)]
    pub job: JobArgs,
    /// Each task also writes its trials as Parquet, DIR/trials/part-K.parquet: read DIR/trials
    /// as one dataset (pandas.read_parquet, arrow::open_dataset).
    #[cfg(feature = "parquet")]
    #[arg(long)]
    pub parquet: bool,
}

/// The sweep and calibration forms of `escalate slurm`.
#[derive(Debug, Subcommand)]
pub enum SlurmStudy {
    /// A sweep on the cluster: task K runs the design points of shard K/N into DIR/sweep;
    /// the merge job writes the sweep's files there.
    Sweep(Box<SlurmSweepArgs>),
    /// A calibration on the cluster: each generation's proposals as job arrays (N tasks per
    /// round), reduced and finished by this same command, into DIR.
    Calibrate(Box<super::slurm_calibrate::SlurmCalibrateArgs>),
}

/// `escalate slurm sweep`.
#[derive(Debug, Args)]
#[command(override_usage = super::sweep::SLURM_SWEEP_USAGE)]
pub struct SlurmSweepArgs {
    /// The sweep, as for `escalate sweep`.
    #[command(flatten)]
    pub what: SweepDesignArgs,
    /// The array and its resources.
    #[command(flatten)]
    pub job: JobArgs,
    /// Also write the points as Parquet, DIR/sweep/points.parquet (the columns of points.csv,
    /// typed; nulls where it is empty), with the sweep's other files, once every point is done.
    #[cfg(feature = "parquet")]
    #[arg(long)]
    pub parquet: bool,
}

pub fn slurm(a: SlurmArgs) -> Result<Outcome, Error> {
    match a.study {
        Some(SlurmStudy::Sweep(s)) => return slurm_sweep(*s),
        Some(SlurmStudy::Calibrate(c)) => return super::slurm_calibrate::slurm_calibrate(*c),
        None => {}
    }
    let request = a.what.request();
    if request.trials == 0 {
        return Err(escalate::run::RequestError::NoTrials.into());
    }
    let (shards, dir, resources) = a.job.checked(request.trials, "trial")?;
    let p = RunRequest {
        shard: Some(Shard::new(0, shards)?),
        ..request
    }
    .prepare()?;
    let exe = std::env::current_exe()
        .and_then(|e| e.canonicalize())
        .into_diagnostic()?;
    let dir = make_dir(&dir)?;
    refuse_old_parts(&dir.join("parts"))?;
    #[cfg(feature = "parquet")]
    let trials_parquet = a.parquet;
    #[cfg(not(feature = "parquet"))]
    let trials_parquet = false;
    let subs: &[&str] = if trials_parquet {
        &["parts", "logs", "trials"]
    } else {
        &["parts", "logs"]
    };
    for &sub in subs {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| miette::miette!("cannot create {}: {e}", dir.join(sub).display()))?;
    }

    // The scenario: a copy in DIR, which the jobs read; a bundled scenario is
    // named as given (the binary holds its text), so reports name it as a local run would.
    let copy = dir.join("scenario.ron");
    refuse_overwriting_inputs(&dir, &p.request.input_files())?;
    write_atomic(&copy, p.loaded.source.text.as_bytes())?;
    let given = p
        .request
        .scenario
        .clone()
        .unwrap_or_else(|| p.loaded.source.name.clone());
    let bundled = !Path::new(&given).is_file();
    let scenario_arg = if bundled {
        given
    } else {
        copy.to_string_lossy().into_owned()
    };
    let info = &p.identity;
    // The whole run, pinned, with the scenario the jobs read: each task adds its --shard.
    let mut whole = p.request.pinned(&p.loaded.source, p.model.horizon);
    whole.scenario = Some(scenario_arg.clone());
    let args = whole.to_args();
    let n = shards;
    let first = Shard::new(0, n)?.range(info.trials);
    let last = Shard::new(n - 1, n)?.range(info.trials);
    let description = vec![
        format!(
            "Run: {} (sha256 {}), {} trials, seed {}, horizon {} days, policy {}{}.",
            p.loaded.source.name,
            &info.scenario_sha256[..16],
            info.trials,
            info.seed,
            info.horizon,
            info.policy.as_deref().unwrap_or("(none)"),
            if info.overrides.is_empty() {
                String::new()
            } else {
                format!(", overrides {}", info.overrides.join(" "))
            }
        ),
        format!(
            "Shard K of {n} runs trials floor(K*{t}/{n}) to floor((K+1)*{t}/{n})-1: \
             shard 0 runs {} to {}, shard {} runs {} to {}.",
            first.start,
            first.end - 1,
            n - 1,
            last.start,
            last.end - 1,
            t = info.trials
        ),
    ];
    let stem = Path::new(&p.loaded.source.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name: String = format!("escalate-{stem}")
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let job = JobSpec {
        name,
        exe,
        dir: dir.clone(),
        shards: n,
        shard_args: args,
        finish_args: Vec::new(),
        workdir: dir.clone(),
        description,
        resources,
        kind: JobKind::Run,
        trials_parquet,
    };
    write_scripts(&job)?;

    eprintln!("wrote {}", job.job_path().display());
    eprintln!(
        "  a job array of {n} tasks: task K runs shard K/{n} into {}/part-K.esc",
        job.parts_dir().display()
    );
    if trials_parquet {
        eprintln!(
            "  and writes its trials into {}/part-K.parquet (one dataset: read the directory)",
            job.trials_dir().display()
        );
    }
    eprintln!("wrote {}", job.merge_path().display());
    eprintln!(
        "  merges the parts into {} and {}",
        job.result_path().display(),
        job.report_path().display()
    );
    if bundled {
        eprintln!(
            "wrote {} (a copy; the jobs run the bundled `{scenario_arg}`, which this escalate holds)",
            copy.display()
        );
    } else {
        eprintln!("wrote {} (the scenario the jobs run)", copy.display());
    }
    eprintln!("logs go to {}/", job.logs_dir().display());
    submit_or_print(&job, a.job.submit)
}

/// `escalate slurm sweep`: checks the sweep (every design point) before writing,
/// then writes the array (shard K of the points per task, all into DIR/sweep)
/// and the finishing job (the same sweep without `--shard`).
fn slurm_sweep(a: SlurmSweepArgs) -> Result<Outcome, Error> {
    let plan = escalate::sweep::Plan::new(a.what.spec())?;
    for w in plan.warnings() {
        for line in escalate::report::format::wrap(&format!("warning: {w}"), 100, 2) {
            eprintln!("{line}");
        }
    }
    let points = plan.unit.len() as u64;
    let (n, dir, resources) = a.job.checked(points, "design point")?;
    let exe = std::env::current_exe()
        .and_then(|e| e.canonicalize())
        .into_diagnostic()?;
    let dir = make_dir(&dir)?;
    std::fs::create_dir_all(dir.join("logs"))
        .map_err(|e| miette::miette!("cannot create {}: {e}", dir.join("logs").display()))?;
    let given = a.what.scenario.or_flagship().to_string();
    let copy = dir.join("scenario.ron");
    refuse_overwriting_inputs(&dir, &plan.spec.input_files())?;
    write_atomic(&copy, plan.loaded.source.text.as_bytes())?;
    let scenario_arg = if Path::new(&given).is_file() {
        copy.to_string_lossy().into_owned()
    } else {
        given
    };
    // The posterior, like a scenario file: a copy in DIR, which the jobs read
    // (its bytes, so its hash and the sweep's fingerprint are the same).
    let posterior = match &plan.spec.posterior {
        Some(file) => {
            let bytes = escalate::io::read_capped(file, escalate::io::DATA_LIMIT)
                .map_err(|e| miette::miette!("cannot read {}: {e}", file.display()))?;
            let copy = dir.join("posterior.csv");
            write_atomic(&copy, &bytes)?;
            eprintln!("wrote {} (the posterior the jobs read)", copy.display());
            Some(copy)
        }
        None => None,
    };
    let spec = escalate::sweep::SweepSpec {
        scenario: Some(scenario_arg),
        posterior,
        ..plan.spec.clone()
    };
    // `escalate sweep --parquet FILE`, FILE in the sweep's directory: passed to the
    // tasks and to the finishing job, so whichever job finishes the sweep writes it
    // together with the sweep's other files (all of them from the same point files).
    #[cfg(feature = "parquet")]
    let points_parquet = a.parquet.then(|| dir.join("sweep").join(POINTS_PARQUET));
    #[cfg(not(feature = "parquet"))]
    let points_parquet: Option<PathBuf> = None;
    let mut sweep_args = spec.to_args();
    if let Some(p) = &points_parquet {
        sweep_args.extend(["--parquet".to_string(), p.to_string_lossy().into_owned()]);
    }
    let job = JobSpec {
        name: "escalate-sweep".into(),
        exe,
        dir: dir.clone(),
        shards: n,
        shard_args: sweep_args.clone(),
        finish_args: sweep_args,
        workdir: dir.clone(),
        description: vec![
            format!(
                "Sweep: {} ({} design, {} points, {} trials per point, seed {}).",
                plan.loaded.source.name,
                plan.spec.design.name(),
                points,
                plan.spec.trials,
                plan.spec.seed
            ),
            format!(
                "Shard K of {n} runs design points floor(K*{points}/{n}) to floor((K+1)*{points}/{n})-1."
            ),
        ],
        resources,
        kind: JobKind::Sweep,
        trials_parquet: false,
    };
    write_scripts(&job)?;
    eprintln!("wrote {}", job.job_path().display());
    eprintln!(
        "  a job array of {n} tasks: task K runs the design points of shard K/{n} into {}",
        job.sweep_dir().display()
    );
    eprintln!("wrote {}", job.merge_path().display());
    eprintln!(
        "  writes the sweep's files into {} and its summary into {}",
        job.sweep_dir().display(),
        job.report_path().display()
    );
    if let Some(p) = &points_parquet {
        eprintln!(
            "  and the points as Parquet into {} (the columns of points.csv, typed)",
            p.display()
        );
    }
    submit_or_print(&job, a.job.submit)
}

/// The points table of `escalate slurm sweep --parquet`, in DIR/sweep.
#[cfg(feature = "parquet")]
const POINTS_PARQUET: &str = "points.parquet";

/// Writes the array's and the merge job's scripts into the study directory, together.
fn write_scripts(job: &JobSpec) -> Result<(), Error> {
    let (array, merge) = (job.job_script(), job.merge_script());
    escalate::io::write_all_atomic(
        &[
            (&job.merge_path(), merge.as_bytes()),
            (&job.job_path(), array.as_bytes()),
        ],
        escalate::io::Durability::Synced,
    )?;
    Ok(())
}

/// Refuses a study directory whose files (the scenario's and posterior's
/// copies, the scripts) would replace a file the command reads.
fn refuse_overwriting_inputs(dir: &Path, inputs: &escalate::io::InputFiles) -> Result<(), Error> {
    let outputs: Vec<PathBuf> = [
        "scenario.ron",
        "posterior.csv",
        "job.sbatch",
        "merge.sbatch",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let named: Vec<(&str, &Path)> = outputs.iter().map(|p| ("--dir", p.as_path())).collect();
    escalate::io::refuse_overlaps(&named, &inputs.named())?;
    Ok(())
}

/// Prints how to re-run a failed shard, then submits both jobs or prints the
/// one command that does.
fn submit_or_print(job: &JobSpec, submit: bool) -> Result<Outcome, Error> {
    eprintln!(
        "a failed shard K runs again with: sbatch --array=K {}",
        job.job_path().display()
    );
    if submit {
        let (array, merge) = job.submit()?;
        eprintln!(
            "submitted job array {array} ({} tasks) and job {merge}, which runs after every task succeeds",
            job.shards
        );
        eprintln!("watch with: squeue -j {array},{merge}");
        super::outln!("{array} {merge}");
    } else {
        eprintln!("submit both with:");
        super::outln!("{}", job.submit_command());
    }
    Ok(Outcome::Ok)
}

/// Refuses a study directory that already holds parts (of this or another run).
fn refuse_old_parts(parts: &Path) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(parts) else {
        return Ok(()); // not there yet
    };
    let old = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "esc"))
        .count();
    if old > 0 {
        miette::bail!(miette::miette!(
            help = "use a new --dir for a new run; to re-run failed shards of this one, \
                    use `sbatch --array=K DIR/job.sbatch`",
            "{} already holds {old} part file{} of an earlier run; nothing was written",
            parts.display(),
            if old == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}
