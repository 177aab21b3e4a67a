//! `escalate slurm calibrate`: a calibration whose generations run as Slurm
//! job arrays, finished by the same command.
//!
//! Each run of the command goes as far as it can and is safe to repeat:
//!
//! 1. **Reduce.** It reads DIR's checkpoint and reduces every generation whose
//!    part files are in (`calibrate::distributed::reduce`: the one
//!    `GenerationRun`, fed in proposal order), writing the checkpoint and the
//!    outputs after each exactly as `escalate calibrate` does.
//! 2. **Next round.** If a generation needs more proposals, it plans a round
//!    (`Round::plan`), writes DIR/job.sbatch (task K runs `escalate calibrate
//!    ... --generation T --proposals A..B --shard K/N --out DIR`) and
//!    DIR/round.json (the round and the job submitted for it). A round already
//!    handed out whose parts are not all in is not planned again: its missing
//!    tasks are.
//! 3. **Finish.** Once no generation is left, DIR/merge.sbatch runs `escalate
//!    calibrate ... --out DIR` once, which finds every generation done, runs
//!    the posterior predictive and writes the outputs, and its summary into
//!    DIR/report.txt; a run of this command that finds report.txt prints it.
//!
//! Without `--submit` it prints the one `sbatch` command of the next step
//! (stdout) and stops; run it again when those jobs are done. With
//! `--submit` it submits each step, waits until Slurm no longer lists the job
//! (`distribution::slurm::wait_for`), and goes on until the calibration is
//! finished. Killed at any moment, the same command goes on from the
//! checkpoint and DIR/round.json (waiting for a job still queued rather than
//! submitting it twice). The jobs run in the directory the command was run
//! in, so the scenario and observed paths mean what they mean here, and the
//! outputs are the bytes `escalate calibrate` writes with the same words.

use std::path::PathBuf;

use clap::Args;
use miette::IntoDiagnostic;
use serde::{Deserialize, Serialize};

use super::args::{JobArgs, make_dir};
use super::calibrate::{CalibrateWhat, finished_line, new_state, resume, write_outputs};
use super::{Error, Outcome};
use escalate::calibrate::abc::{AbcState, Progress};
use escalate::calibrate::distributed::{self, Need, Reduced, Round};
use escalate::calibrate::study::Study;
use escalate::distribution::merge::{slurm_array, task_ranges};
use escalate::distribution::slurm::{JobKind, JobSpec, Resources, queued, wait_for};
use escalate::io::write_atomic;

/// `escalate slurm calibrate`.
#[derive(Debug, Args)]
pub struct SlurmCalibrateArgs {
    /// The calibration, as for `escalate calibrate`.
    #[command(flatten)]
    pub what: CalibrateWhat,
    /// The arrays and their resources (--shards: tasks per round).
    #[command(flatten)]
    pub job: JobArgs,
}

/// DIR/round.json: what this command last handed to Slurm, so that running
/// it again goes on from there.
#[derive(Debug, Serialize, Deserialize)]
struct Handed {
    /// The calibration's fingerprint.
    fingerprint: String,
    /// The round DIR/job.sbatch runs; None: the finishing job (DIR/merge.sbatch).
    round: Option<Round>,
    /// The job submitted for it, when this command submitted one.
    job: Option<String>,
}

/// Everything one run of the command works with.
struct Driver {
    study: Study,
    fingerprint: String,
    dir: PathBuf,
    exe: PathBuf,
    workdir: PathBuf,
    resources: Resources,
    tasks: u64,
    submit: bool,
}

pub fn slurm_calibrate(a: SlurmCalibrateArgs) -> Result<Outcome, Error> {
    let study = Study::new(a.what.request())?;
    // The identity names a policy file, not its contents: the tasks and rounds
    // could read another file than the one the calibration started with.
    if let Some(p) = study.request.setup.policy.as_deref()
        && study.loaded.is_policy_file(p)
    {
        return Err(escalate::run::RequestError::PolicyFile(p.to_string()).into());
    }
    let (tasks, dir, resources) = a.job.checked(study.request.particles as u64, "particle")?;
    let exe = std::env::current_exe()
        .and_then(|e| e.canonicalize())
        .into_diagnostic()?;
    let workdir = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .into_diagnostic()?;
    escalate::distribution::slurm::check_path("the working directory", &workdir)?;
    let dir = make_dir(&dir)?;
    for sub in ["parts", "logs"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| miette::miette!("cannot create {}: {e}", dir.join(sub).display()))?;
    }
    let driver = Driver {
        fingerprint: study.fingerprint(),
        study,
        dir,
        exe,
        workdir,
        resources,
        tasks,
        submit: a.job.submit,
    };
    driver.run()
}

impl Driver {
    fn parts(&self) -> PathBuf {
        self.dir.join("parts")
    }

    fn report(&self) -> PathBuf {
        self.dir.join("report.txt")
    }

    fn round_file(&self) -> PathBuf {
        self.dir.join("round.json")
    }

    /// Reduces, hands out the next step, and with --submit waits and goes on.
    fn run(&self) -> Result<Outcome, Error> {
        // The round (or the finishing job) this process last waited for.
        let mut waited: Option<(Option<Round>, String)> = None;
        loop {
            let mut state = match resume(&self.dir, &self.fingerprint)? {
                Some(s) => s,
                None => new_state(&self.study)?,
            };
            let need = self.reduce(&mut state)?;
            let handed = self.handed()?;
            let Some(need) = need else {
                if self.report().is_file() {
                    return self.print_report();
                }
                if let Some((None, job)) = &waited {
                    miette::bail!(miette::miette!(
                        help = "fix the cause, then run the same command again: it submits the finishing job again",
                        "the finishing job {job} ended without writing {}: see {}",
                        self.report().display(),
                        self.dir.join("logs/merge.log").display()
                    ));
                }
                let job = self.finish_spec();
                write_atomic(&job.merge_path(), job.merge_script().as_bytes())?;
                if !self.submit {
                    if matches!(&handed, Some(Handed { round: None, .. })) {
                        miette::bail!(miette::miette!(
                            help = format!(
                                "if it is still queued (squeue), wait for it; otherwise see {} and submit it again: sbatch {}",
                                self.dir.join("logs/merge.log").display(),
                                job.merge_path().display()
                            ),
                            "every generation is done, but the finishing job has not written {} yet",
                            self.report().display()
                        ));
                    }
                    self.hand(None, None)?;
                    eprintln!(
                        "every generation is done: {} runs the posterior predictive and writes the outputs",
                        job.merge_path().display()
                    );
                    eprintln!("submit it with (then run this command again to see the summary):");
                    super::outln!("sbatch {}", job.merge_path().display());
                    return Ok(Outcome::Ok);
                }
                let id = match handed {
                    Some(Handed {
                        round: None,
                        job: Some(id),
                        ..
                    }) if queued(&id)? => {
                        eprintln!("the finishing job {id} is still queued: waiting for it");
                        id
                    }
                    _ => {
                        let id = job.submit_merge()?;
                        self.hand(None, Some(&id))?;
                        eprintln!(
                            "every generation is done: submitted the finishing job {id} (posterior predictive, outputs)"
                        );
                        id
                    }
                };
                wait_for(&id)?;
                waited = Some((None, id));
                continue;
            };

            // The round under way, if the one handed out covers where the parts end.
            let current = match &handed {
                Some(Handed {
                    round: Some(r),
                    job,
                    ..
                }) if r.generation == need.generation
                    && r.start <= need.from
                    && need.from < r.end =>
                {
                    Some((r.clone(), job.clone()))
                }
                _ => None,
            };
            let Some((round, job_id)) = current else {
                let round = Round::plan(&need, self.tasks);
                let job = self.round_spec(&round);
                write_atomic(&job.job_path(), job.job_script().as_bytes())?;
                self.hand(Some(&round), None)?;
                eprintln!(
                    "generation {}: proposals {} to {} in {} tasks ({} of {} particles accepted so far)",
                    round.generation,
                    round.start,
                    round.end - 1,
                    round.tasks,
                    need.accepted,
                    need.particles
                );
                if !self.submit {
                    eprintln!("submit it with (then run this command again):");
                    super::outln!("sbatch {}", job.job_path().display());
                    return Ok(Outcome::Ok);
                }
                let all: Vec<u64> = (0..round.tasks).collect();
                let id = job.submit_tasks(&all)?;
                self.hand(Some(&round), Some(&id))?;
                eprintln!("  submitted job array {id}");
                wait_for(&id)?;
                waited = Some((Some(round), id));
                continue;
            };
            let missing = round.missing(&self.parts());
            if missing.is_empty() {
                // Every slice has a file, yet the parts stop at `need.from`: they
                // are not the slices of this round (files from another plan).
                miette::bail!(miette::miette!(
                    help = format!(
                        "delete {} and the parts of generation {} from proposal {} on, then run the same command again",
                        self.round_file().display(),
                        need.generation,
                        need.from
                    ),
                    "the parts of generation {} in {} stop at proposal {}, inside the round of proposals {} to {} whose slices are all there",
                    need.generation,
                    self.parts().display(),
                    need.from,
                    round.start,
                    round.end - 1
                ));
            }
            let job = self.round_spec(&round);
            write_atomic(&job.job_path(), job.job_script().as_bytes())?;
            let slices = describe_tasks(&round, &missing);
            if let Some((Some(r), id)) = &waited
                && *r == round
            {
                let logs: Vec<String> = missing
                    .iter()
                    .map(|k| {
                        self.dir
                            .join(format!("logs/shard-{k}.log"))
                            .display()
                            .to_string()
                    })
                    .collect();
                miette::bail!(miette::miette!(
                    help = "fix the cause, then run the same command again: it runs only those tasks again",
                    "generation {}: {slices} of job {id} ended without writing a part; see {}",
                    round.generation,
                    logs.join(", ")
                ));
            }
            if !self.submit {
                miette::bail!(miette::miette!(
                    help = format!(
                        "if they are still queued (squeue), wait for them; otherwise run them with \
                         `sbatch --array={} {}`, then this command again (or run it with --submit, which does both)",
                        slurm_array(&task_ranges(&missing)),
                        job.job_path().display()
                    ),
                    "generation {}: {slices} of the round of proposals {} to {} {} no part in {} yet; nothing was reduced",
                    round.generation,
                    round.start,
                    round.end - 1,
                    if missing.len() == 1 { "has" } else { "have" },
                    self.parts().display()
                ));
            }
            let id = match job_id {
                Some(id) if queued(&id)? => {
                    eprintln!(
                        "generation {}: job {id} of the round of proposals {} to {} is still queued: waiting for it",
                        round.generation,
                        round.start,
                        round.end - 1
                    );
                    id
                }
                Some(_) => {
                    let id = job.submit_tasks(&missing)?;
                    self.hand(Some(&round), Some(&id))?;
                    eprintln!(
                        "generation {}: submitted {slices} of the round of proposals {} to {} again as job {id}",
                        round.generation,
                        round.start,
                        round.end - 1
                    );
                    id
                }
                // Handed out by a run without --submit.
                None => {
                    let id = job.submit_tasks(&missing)?;
                    self.hand(Some(&round), Some(&id))?;
                    eprintln!(
                        "generation {}: submitted {slices} of the round of proposals {} to {} as job array {id}",
                        round.generation,
                        round.start,
                        round.end - 1
                    );
                    id
                }
            };
            wait_for(&id)?;
            waited = Some((Some(round), id));
        }
    }

    /// Reduces every generation whose parts are in, writing the checkpoint and
    /// the outputs after each; returns where the generation under way needs
    /// proposals, or None when no generation is left.
    fn reduce(&self, state: &mut AbcState) -> Result<Option<Need>, Error> {
        loop {
            let was_stopped = state.stopped.is_some();
            match distributed::reduce(state, &self.study.priors, &self.parts(), &self.fingerprint)?
            {
                Reduced::Need(need) => return Ok(Some(need)),
                Reduced::Progress(Progress::Generation(_)) => {
                    write_outputs(&self.dir, &self.study, state, &self.fingerprint, None)?;
                    if let Some(last) = state.last() {
                        eprintln!("{}", finished_line(last));
                    }
                }
                Reduced::Progress(Progress::Stopped(_)) => {
                    if !was_stopped {
                        write_outputs(&self.dir, &self.study, state, &self.fingerprint, None)?;
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// DIR/round.json, if this calibration's.
    fn handed(&self) -> Result<Option<Handed>, Error> {
        let path = self.round_file();
        let bytes = match escalate::io::read_capped(&path, escalate::io::DATA_LIMIT) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => miette::bail!("cannot read {}: {e}", path.display()),
        };
        let h: Handed = serde_json::from_slice(&bytes).map_err(|e| {
            miette::miette!(
                help = "delete it: the command plans the round again from the parts there are",
                "{} is not a round file: {e}",
                path.display()
            )
        })?;
        Ok((h.fingerprint == self.fingerprint).then_some(h))
    }

    /// Records what was handed to Slurm in DIR/round.json.
    fn hand(&self, round: Option<&Round>, job: Option<&str>) -> Result<(), Error> {
        let h = Handed {
            fingerprint: self.fingerprint.clone(),
            round: round.cloned(),
            job: job.map(str::to_string),
        };
        let mut json = serde_json::to_vec_pretty(&h).expect("round serializes");
        json.push(b'\n');
        write_atomic(&self.round_file(), &json)?;
        Ok(())
    }

    /// The job scripts of a round (its array) or of the finishing job.
    fn spec(&self, round: Option<&Round>) -> JobSpec {
        let request = &self.study.request;
        let finish_args = request.to_args();
        let mut shard_args = finish_args.clone();
        let mut description = vec![format!(
            "Calibration: {} (sha256 {}), {} particles x {} trials per particle, at most {} generations, seed {}.",
            self.study.loaded.source.name,
            &self.study.identity.run.scenario_sha256[..16],
            request.particles,
            request.trials,
            request.generations,
            request.seed
        )];
        if let Some(r) = round {
            r.push_args(&mut shard_args);
            let (n, len) = (r.tasks, r.end - r.start);
            description.push(format!(
                "Round: generation {}, proposals {} to {} ({len}); task K of {n} simulates proposals \
                 {}+floor(K*{len}/{n}) to {}+floor((K+1)*{len}/{n})-1 into {}/.",
                r.generation,
                r.start,
                r.end - 1,
                r.start,
                r.start,
                self.parts().display()
            ));
            description.push(
                "When the array is done, the same `escalate slurm calibrate` command reduces it and plans the next round."
                    .into(),
            );
        }
        JobSpec {
            name: "escalate-calibrate".into(),
            exe: self.exe.clone(),
            dir: self.dir.clone(),
            shards: round.map_or(1, |r| r.tasks),
            shard_args,
            finish_args,
            workdir: self.workdir.clone(),
            description,
            resources: self.resources.clone(),
            kind: JobKind::Calibrate,
            trials_parquet: false,
        }
    }

    fn round_spec(&self, round: &Round) -> JobSpec {
        self.spec(Some(round))
    }

    fn finish_spec(&self) -> JobSpec {
        self.spec(None)
    }

    /// Prints DIR/report.txt (the finishing job's summary) to stdout.
    fn print_report(&self) -> Result<Outcome, Error> {
        let path = self.report();
        let text = escalate::io::read_capped(&path, escalate::io::DATA_LIMIT)
            .map_err(|e| miette::miette!("cannot read {}: {e}", path.display()))?;
        eprintln!(
            "the calibration in {} is finished; its summary ({}):",
            self.dir.display(),
            path.display()
        );
        super::write_stdout(&text)?;
        Ok(Outcome::Ok)
    }
}

/// "task 1 of 3", "tasks 0 and 2 of 3": the tasks of a round.
fn describe_tasks(round: &Round, tasks: &[u64]) -> String {
    let list: Vec<String> = tasks.iter().map(u64::to_string).collect();
    let joined = match list.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let noun = if tasks.len() == 1 { "task" } else { "tasks" };
    format!("{noun} {joined} of {}", round.tasks)
}
