//! Slurm job scripts for a sharded run, sweep or calibration round: a job
//! array with one task per shard, and a merge (finishing) job that runs after
//! it; and the `sbatch`/`squeue` calls that submit them and wait for them.
//!
//! A study directory DIR holds everything a job needs, so jobs depend neither
//! on the working directory nor on files elsewhere:
//!
//! ```text
//! DIR/job.sbatch     the job array: task K runs shard K/N into DIR/parts/part-K.esc
//! DIR/merge.sbatch   merges DIR/parts/*.esc into DIR/result.json and DIR/report.txt
//! DIR/scenario.ron   a copy of the scenario
//! DIR/parts/         the part files
//! DIR/trials/        with `escalate slurm --parquet`: task K's trials, part-K.parquet
//! DIR/logs/          shard-K.log per task, merge.log
//! ```
//!
//! [`JobSpec`] does not care what a shard computes: its `shard_args` are the
//! escalate arguments of the whole run (`run SCENARIO --trials ...`), and each
//! task adds `--shard K/N --out DIR/parts/part-K.esc`. The merge job runs
//! `escalate merge`. Sweeps and calibrations ([`JobKind`]) share one `--out`
//! directory and are finished by their own command again without the slice
//! ([`JobSpec::finish_args`]). A calibration's jobs run in the directory the
//! command was given in ([`JobSpec::workdir`]), so the paths on its command
//! line mean the same in every job and its outputs record that command.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Resources asked of Slurm for every task (and for the merge job).
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (e.g. `1:00:00`).
    pub time: Option<String>,
    /// `--mem` (e.g. `2G`).
    pub mem: Option<String>,
    /// `--cpus-per-task`, passed to escalate as `--threads`.
    pub cpus: u32,
}

/// A sharded piece of work, ready to be written as Slurm scripts.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// Job name (shown by `squeue`); the merge job adds `-merge`.
    pub name: String,
    /// The escalate binary, absolute.
    pub exe: PathBuf,
    /// The study directory, absolute.
    pub dir: PathBuf,
    /// N.
    pub shards: u64,
    /// escalate's arguments for the whole run, e.g. `run /DIR/scenario.ron --trials 1000000 ...`.
    pub shard_args: Vec<String>,
    /// escalate's arguments of the finishing job, before `--threads ... --out`: the
    /// sweep or calibration without its slice (unused for runs, merged by `escalate merge`).
    pub finish_args: Vec<String>,
    /// The directory every job runs in (`#SBATCH --chdir`), absolute: DIR for runs and
    /// sweeps, where `escalate slurm calibrate` was run for calibrations.
    pub workdir: PathBuf,
    /// Comment lines for the top of the job script (what runs, how shards map to items).
    pub description: Vec<String>,
    /// What to ask of Slurm.
    pub resources: Resources,
    /// A sharded run (parts merged by `escalate merge`) or a sharded sweep.
    pub kind: JobKind,
    /// A run's tasks also write their trials as Parquet, task K into
    /// DIR/trials/part-K.parquet ([`JobSpec::trials_dir`]): one dataset.
    pub trials_parquet: bool,
}

/// What the array's tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A round of a calibration: `escalate calibrate ... --generation T --proposals A..B
    /// --shard K/N --out DIR` (the round's flags are in `shard_args`); the finishing job runs
    /// the calibration without them, which finds every generation done and writes the
    /// posterior predictive and the outputs.
    Calibrate,
    /// `escalate run --shard K/N --out parts/part-K.esc`; the merge job runs `escalate merge`.
    Run,
    /// `escalate sweep --shard K/N --out DIR/sweep` (design points of shard K, all tasks in
    /// one directory); the merge job runs the same sweep without `--shard`, which finds every
    /// point done and writes the sweep's files.
    Sweep,
}

/// Errors writing or submitting job scripts.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SlurmError {
    /// A value that cannot go into an `#SBATCH` line.
    #[error("{flag} {value:?}: {message}")]
    #[diagnostic(
        code(escalate::slurm::value),
        help("give a plain Slurm value, e.g. --time 2:00:00, --mem 4G, --partition short")
    )]
    Value {
        /// The flag.
        flag: String,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A directory that no `#SBATCH` line can name.
    #[error("{flag} {}: an #SBATCH line cannot name a path with a double quote or a control character", path.display())]
    #[diagnostic(
        code(escalate::slurm::path),
        help("use a directory whose path has neither (spaces are fine)")
    )]
    Path {
        /// What names the directory.
        flag: String,
        /// The path.
        path: PathBuf,
    },
    /// sbatch could not be run or refused the job.
    #[error("{command} failed: {message}")]
    #[diagnostic(
        code(escalate::slurm::sbatch),
        help(
            "check that Slurm's client tools are on PATH and the cluster answers (`sinfo`); the scripts are written, so you can also submit them by hand"
        )
    )]
    Submit {
        /// The command line.
        command: String,
        /// Its error output or the reason it did not start.
        message: String,
    },
    /// squeue could not be run or failed while waiting for a job.
    #[error("{command} failed: {message}")]
    #[diagnostic(
        code(escalate::slurm::squeue),
        help(
            "check that squeue is on PATH and the cluster answers (`sinfo`); submitted jobs run on without this command: run it again to go on waiting"
        )
    )]
    Queue {
        /// The command line.
        command: String,
        /// Its error output or the reason it did not start.
        message: String,
    },
}

/// Checks a value for an `#SBATCH` line: non-empty, no spaces, quotes or control characters.
pub fn check_value(flag: &str, value: &str) -> Result<(), SlurmError> {
    let bad = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"`$\\;#".contains(c));
    if bad {
        return Err(SlurmError::Value {
            flag: flag.to_string(),
            value: value.to_string(),
            message: "must be one word without spaces, quotes or shell characters".into(),
        });
    }
    Ok(())
}

/// Refuses a directory that no `#SBATCH` line can name: one holding a double
/// quote or a control character (sbatch splits its directives at spaces, so
/// paths go in double quotes, which cannot hold these).
pub fn check_path(flag: &str, path: &Path) -> Result<(), SlurmError> {
    let text = path.to_string_lossy();
    if text.chars().any(|c| c == '"' || c.is_control()) {
        return Err(SlurmError::Path {
            flag: flag.to_string(),
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// A value for an `#SBATCH` line: in double quotes when it holds whitespace,
/// where sbatch would otherwise split it ("Invalid directive").
fn sbatch_value(text: &str) -> String {
    if text.chars().any(char::is_whitespace) {
        format!("\"{text}\"")
    } else {
        text.to_string()
    }
}

/// `--output`'s file-name pattern for `file` (which may use Slurm's `%a`) in
/// `dir`: the directory's own `%` doubled, so Slurm does not expand it.
fn output_pattern(dir: &Path, file: &str) -> String {
    sbatch_value(&format!(
        "{}/{file}",
        dir.to_string_lossy().replace('%', "%%")
    ))
}

pub use crate::run::command::shell_quote;

fn quote_path(p: &Path) -> String {
    shell_quote(&p.to_string_lossy())
}

impl JobSpec {
    /// DIR/job.sbatch.
    pub fn job_path(&self) -> PathBuf {
        self.dir.join("job.sbatch")
    }

    /// DIR/merge.sbatch.
    pub fn merge_path(&self) -> PathBuf {
        self.dir.join("merge.sbatch")
    }

    /// DIR/parts.
    pub fn parts_dir(&self) -> PathBuf {
        self.dir.join("parts")
    }

    /// DIR/logs.
    pub fn logs_dir(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// DIR/result.json.
    pub fn result_path(&self) -> PathBuf {
        self.dir.join("result.json")
    }

    /// DIR/report.txt.
    pub fn report_path(&self) -> PathBuf {
        self.dir.join("report.txt")
    }

    /// The sweep's output directory (sweeps only).
    pub fn sweep_dir(&self) -> PathBuf {
        self.dir.join("sweep")
    }

    /// DIR/trials: a run's per-trial Parquet files, with [`JobSpec::trials_parquet`].
    pub fn trials_dir(&self) -> PathBuf {
        self.dir.join("trials")
    }

    fn sbatch_lines(&self, out: &mut String) {
        let r = &self.resources;
        out.push_str("#SBATCH --ntasks=1\n");
        out.push_str(&format!("#SBATCH --cpus-per-task={}\n", r.cpus.max(1)));
        for (flag, v) in [
            ("partition", &r.partition),
            ("time", &r.time),
            ("mem", &r.mem),
        ] {
            if let Some(v) = v {
                out.push_str(&format!("#SBATCH --{flag}={v}\n"));
            }
        }
        out.push_str(&format!(
            "#SBATCH --chdir={}\n",
            sbatch_value(&self.workdir.to_string_lossy())
        ));
        out.push_str("#SBATCH --open-mode=append\n");
    }

    /// The job array script: task K runs shard K/N.
    pub fn job_script(&self) -> String {
        let n = self.shards;
        let mut s = String::from("#!/bin/bash\n");
        s.push_str(&format!(
            "# Written by `escalate slurm` (escalate {}): one array task per shard.\n",
            crate::run::identity::VERSION
        ));
        for line in &self.description {
            s.push_str(&format!("# {line}\n"));
        }
        s.push_str(&format!(
            "# Re-run one failed shard K:   sbatch --array=K {}\n",
            self.job_path().display()
        ));
        s.push_str(&format!("#SBATCH --job-name={}\n", self.name));
        s.push_str(&format!("#SBATCH --array=0-{}\n", n - 1));
        s.push_str(&format!(
            "#SBATCH --output={}\n",
            output_pattern(&self.logs_dir(), "shard-%a.log")
        ));
        self.sbatch_lines(&mut s);
        s.push_str("set -euo pipefail\n");
        s.push_str(
            "K=${SLURM_ARRAY_TASK_ID:?run this script as a Slurm array task: sbatch --array=K job.sbatch}\n",
        );
        s.push_str(&format!(
            "echo \"== shard $K/{n}: job ${{SLURM_ARRAY_JOB_ID:-?}}_$K on $(hostname)\"\n"
        ));
        let mut cmd = vec![quote_path(&self.exe)];
        cmd.extend(self.shard_args.iter().map(|a| shell_quote(a)));
        let out = match self.kind {
            JobKind::Run if self.trials_parquet => format!(
                "{}/part-\"$K\".esc --parquet {}/part-\"$K\".parquet",
                quote_path(&self.parts_dir()),
                quote_path(&self.trials_dir())
            ),
            JobKind::Run => format!("{}/part-\"$K\".esc", quote_path(&self.parts_dir())),
            JobKind::Sweep => quote_path(&self.sweep_dir()),
            JobKind::Calibrate => quote_path(&self.dir),
        };
        s.push_str(&format!(
            "{} \\\n  --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --quiet \\\n  --shard \"$K/{n}\" --out {out}\n",
            cmd.join(" "),
        ));
        s
    }

    /// The merge script: all parts into DIR/result.json, the report into DIR/report.txt.
    pub fn merge_script(&self) -> String {
        let mut s = String::from("#!/bin/bash\n");
        let what = match self.kind {
            JobKind::Calibrate => {
                "finishes the calibration once every generation is done: the posterior predictive and the outputs".to_string()
            }
            _ => format!("merges the {} parts once the array is done", self.shards),
        };
        s.push_str(&format!(
            "# Written by `escalate slurm` (escalate {}): {what}.\n",
            crate::run::identity::VERSION,
        ));
        s.push_str(&format!("#SBATCH --job-name={}-merge\n", self.name));
        s.push_str(&format!(
            "#SBATCH --output={}\n",
            output_pattern(&self.logs_dir(), "merge.log")
        ));
        self.sbatch_lines(&mut s);
        s.push_str("set -euo pipefail\n");
        let report = quote_path(&self.report_path());
        match self.kind {
            JobKind::Run => s.push_str(&format!(
                "{} merge {}/part-*.esc --json {} > {report}.tmp\n",
                quote_path(&self.exe),
                quote_path(&self.parts_dir()),
                quote_path(&self.result_path()),
            )),
            JobKind::Sweep | JobKind::Calibrate => {
                let mut cmd = vec![quote_path(&self.exe)];
                cmd.extend(self.finish_args.iter().map(|a| shell_quote(a)));
                let out = match self.kind {
                    JobKind::Sweep => self.sweep_dir(),
                    _ => self.dir.clone(),
                };
                s.push_str(&format!(
                    "{} \\\n  --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --quiet --out {} > {report}.tmp\n",
                    cmd.join(" "),
                    quote_path(&out),
                ));
            }
        }
        s.push_str(&format!("mv {report}.tmp {report}\n"));
        let done = match self.kind {
            JobKind::Calibrate => "finished in",
            _ => "merged into",
        };
        s.push_str(&format!("echo \"{done} {}\"\n", self.dir.display()));
        s
    }

    /// The one shell command that submits the array and then the merge job.
    pub fn submit_command(&self) -> String {
        format!(
            "J=$(sbatch --parsable {}) && sbatch --dependency=afterok:${{J%%;*}} {}",
            quote_path(&self.job_path()),
            quote_path(&self.merge_path())
        )
    }

    /// Submits the array, then the merge job depending on it; returns both job ids.
    pub fn submit(&self) -> Result<(String, String), SlurmError> {
        let array = sbatch(&[
            "--parsable".into(),
            self.job_path().to_string_lossy().into_owned(),
        ])?;
        let merge = sbatch(&[
            "--parsable".into(),
            format!("--dependency=afterok:{array}"),
            self.merge_path().to_string_lossy().into_owned(),
        ])?;
        Ok((array, merge))
    }
}

impl JobSpec {
    /// Submits the array's tasks `tasks` alone (`sbatch --array=LIST`); returns the job id.
    pub fn submit_tasks(&self, tasks: &[u64]) -> Result<String, SlurmError> {
        sbatch(&[
            "--parsable".into(),
            format!(
                "--array={}",
                super::merge::slurm_array(&super::merge::task_ranges(tasks))
            ),
            self.job_path().to_string_lossy().into_owned(),
        ])
    }

    /// Submits the merge (finishing) job alone; returns its id.
    pub fn submit_merge(&self) -> Result<String, SlurmError> {
        sbatch(&[
            "--parsable".into(),
            self.merge_path().to_string_lossy().into_owned(),
        ])
    }
}

/// Whether Slurm still lists job `id` (any of its array tasks pending,
/// running or completing): `squeue -h -j ID`. A job Slurm no longer knows
/// (purged after it ended) is not queued.
pub fn queued(id: &str) -> Result<bool, SlurmError> {
    let command = format!("squeue -h -j {id} -o %T");
    let out = Command::new("squeue")
        .args(["-h", "-j", id, "-o", "%T"])
        .output()
        .map_err(|e| SlurmError::Queue {
            command: command.clone(),
            message: e.to_string(),
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("Invalid job id") {
            return Ok(false);
        }
        return Err(SlurmError::Queue {
            command,
            message: format!("{} {}", out.status, stderr.trim()),
        });
    }
    Ok(!String::from_utf8_lossy(&out.stdout).trim().is_empty())
}

/// The shortest pause between two looks at the queue while waiting for a job.
pub const FIRST_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// The longest pause between two looks: one `squeue` call every 5 s at most
/// loads the controller no more than a user watching the queue.
pub const LONGEST_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits until Slurm no longer lists job `id` ([`queued`]). It looks again
/// after a quarter of the time waited so far, between [`FIRST_POLL`] and
/// [`LONGEST_POLL`], so a job's end is seen at most a quarter of its time
/// late (plus 0.1 s), and a long job costs one `squeue` every 5 s. The clock
/// decides only when to look, never what is computed.
pub fn wait_for(id: &str) -> Result<(), SlurmError> {
    let start = std::time::Instant::now();
    while queued(id)? {
        std::thread::sleep((start.elapsed() / 4).clamp(FIRST_POLL, LONGEST_POLL));
    }
    Ok(())
}

/// Runs `sbatch ARGS` and returns the job id it prints (`--parsable`).
fn sbatch(args: &[String]) -> Result<String, SlurmError> {
    let command = format!("sbatch {}", args.join(" "));
    let out = Command::new("sbatch")
        .args(args)
        .output()
        .map_err(|e| SlurmError::Submit {
            command: command.clone(),
            message: e.to_string(),
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout.trim().split(';').next().unwrap_or("").to_string();
    if !out.status.success() || id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SlurmError::Submit {
            command,
            message: format!(
                "{} {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> JobSpec {
        JobSpec {
            name: "escalate-minimal".into(),
            exe: "/opt/esc/escalate".into(),
            dir: "/scratch/my study".into(),
            shards: 16,
            shard_args: vec![
                "run".into(),
                "/scratch/my study/scenario.ron".into(),
                "--set".into(),
                "a.b=Normal(1, 2)".into(),
            ],
            finish_args: Vec::new(),
            workdir: "/scratch/my study".into(),
            description: vec!["hello".into()],
            resources: Resources {
                partition: Some("short".into()),
                time: Some("1:00:00".into()),
                mem: None,
                cpus: 2,
            },
            kind: JobKind::Run,
            trials_parquet: false,
        }
    }

    #[test]
    fn sweep_jobs_share_one_directory_and_finish_without_a_shard() {
        let mut j = spec();
        j.kind = JobKind::Sweep;
        j.shard_args = vec![
            "sweep".into(),
            "minimal".into(),
            "--design".into(),
            "lhs".into(),
        ];
        j.finish_args = j.shard_args.clone();
        let s = j.job_script();
        assert!(s.contains("escalate sweep minimal --design lhs"), "{s}");
        assert!(
            s.contains("--shard \"$K/16\" --out '/scratch/my study/sweep'\n"),
            "{s}"
        );
        let m = j.merge_script();
        assert!(m.contains("escalate sweep minimal --design lhs"), "{m}");
        assert!(
            m.contains(
                "--quiet --out '/scratch/my study/sweep' > '/scratch/my study/report.txt'.tmp"
            ),
            "{m}"
        );
        assert!(!m.contains("--shard"), "{m}");
        assert!(!m.contains(" merge "), "{m}");
    }

    #[test]
    fn job_script_runs_one_shard_per_array_task() {
        let s = spec().job_script();
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("#SBATCH --array=0-15\n"));
        assert!(s.contains("#SBATCH --partition=short\n"));
        assert!(s.contains("#SBATCH --time=1:00:00\n"));
        assert!(!s.contains("--mem"));
        assert!(s.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(s.contains("K=${SLURM_ARRAY_TASK_ID:?"));
        assert!(s.contains(
            "/opt/esc/escalate run '/scratch/my study/scenario.ron' --set 'a.b=Normal(1, 2)'"
        ));
        assert!(s.contains("--shard \"$K/16\" --out '/scratch/my study/parts'/part-\"$K\".esc"));
        // every #SBATCH line comes before the first command
        let first_cmd = s.find("set -euo").unwrap();
        assert!(s.rfind("#SBATCH").unwrap() < first_cmd);
    }

    #[test]
    fn with_trials_parquet_each_task_also_writes_its_trials() {
        let mut j = spec();
        assert!(!j.job_script().contains("--parquet"));
        j.trials_parquet = true;
        let s = j.job_script();
        assert!(
            s.contains(
                "--out '/scratch/my study/parts'/part-\"$K\".esc \
                 --parquet '/scratch/my study/trials'/part-\"$K\".parquet\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn merge_script_and_submit_command() {
        let j = spec();
        let m = j.merge_script();
        assert!(m.contains("/opt/esc/escalate merge '/scratch/my study/parts'/part-*.esc --json '/scratch/my study/result.json'"));
        assert!(!m.contains("--array"));
        assert_eq!(
            j.submit_command(),
            "J=$(sbatch --parsable '/scratch/my study/job.sbatch') && sbatch --dependency=afterok:${J%%;*} '/scratch/my study/merge.sbatch'"
        );
    }

    #[test]
    fn directories_with_spaces_and_percent_signs_are_quoted_for_sbatch() {
        // sbatch refuses `#SBATCH --output=/scratch/my study/...` ("Invalid directive").
        let mut j = spec();
        let s = j.job_script();
        assert!(
            s.contains("#SBATCH --output=\"/scratch/my study/logs/shard-%a.log\"\n"),
            "{s}"
        );
        assert!(s.contains("#SBATCH --chdir=\"/scratch/my study\"\n"), "{s}");
        j.dir = "/scratch/100%/s".into();
        j.workdir = "/scratch/100%/s".into();
        let s = j.merge_script();
        assert!(
            s.contains("#SBATCH --output=/scratch/100%%/s/logs/merge.log\n"),
            "{s}"
        );
        assert!(s.contains("#SBATCH --chdir=/scratch/100%/s\n"), "{s}");
        assert!(check_path("--dir", Path::new("/a/it's here")).is_ok());
        assert!(check_path("--dir", Path::new("/a/\"b\"")).is_err());
        assert!(check_path("--dir", Path::new("/a/b\nc")).is_err());
    }

    #[test]
    fn quoting_and_values() {
        assert_eq!(shell_quote("a/b.ron"), "a/b.ron");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert!(check_value("--time", "2:00:00").is_ok());
        assert!(check_value("--mem", "4G\n#SBATCH --x").is_err());
        assert!(check_value("--partition", "").is_err());
    }
}
