//! Shards of a run, part files, and merging parts back into the whole run.
//!
//! A run of T trials split into N shards gives shard K (0 ≤ K < N) the trial
//! indices `floor(K·T/N) .. floor((K+1)·T/N)`: contiguous, in order, covering
//! every trial exactly once ([`Shard::range`]). Each trial draws from the same
//! per-trial streams whichever process runs it, so the shards' [`Summary`]s,
//! added together (integer addition, exact in any order), are the summary of
//! the whole run, digest included.
//!
//! A shard's result is a *part file* ([`Part`]): one header line
//!
//! ```text
//! escalate-part v1 sha256=<hex of the payload> bytes=<payload length>
//! ```
//!
//! then the payload, JSON: format and version, the kind of work, the run's
//! [`RunIdentity`], the shard and its index range, the scenario's file name and
//! text, and the shard's [`Summary`]. A part holds accumulators, never per-trial
//! records, so its size does not grow with the number of trials. The checksum
//! and length catch a truncated or damaged file.
//!
//! [`Merger`] checks parts as they come (same run, no duplicates) and adds
//! their summaries; [`Merger::finish`] names any missing shard. Sweeps shard
//! design points the same way: [`Shard::range`] splits any count of items, and
//! [`PartKind`] is where a sweep's parts will say what they hold.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::io::{Envelope, EnvelopeError, WriteError};
use crate::model::Model;
use crate::report::RunReport;
use crate::run::command::command_line;
use crate::run::identity::{RunIdentity, VERSION, sha256_hex};
use crate::run::{Loaded, RunRequest};
use crate::scenario::{ScenarioError, Source};
use crate::stats::Summary;

/// The first word of every part file.
pub const FORMAT: &str = "escalate-part";

/// The part format this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// A part file's checksummed envelope: `escalate-part v1 sha256=... bytes=...`.
pub const PART_ENVELOPE: Envelope = Envelope::new(FORMAT, FORMAT_VERSION);

/// Shard K of N (K counted from 0, as Slurm's `SLURM_ARRAY_TASK_ID` is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K: which shard, 0 to count - 1.
    pub index: u64,
    /// N: how many shards the run is split into.
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count`.
    pub fn new(index: u64, count: u64) -> Result<Shard, ShardError> {
        if count == 0 || index >= count {
            return Err(ShardError::Spec {
                text: format!("{index}/{count}"),
                message: if count == 0 {
                    "a run cannot be split into 0 shards".into()
                } else {
                    format!(
                        "shard {index} does not exist: shards are numbered 0 to {}",
                        count - 1
                    )
                },
            });
        }
        Ok(Shard { index, count })
    }

    /// The indices of this shard's items out of `total` (trials of a run, or
    /// design points of a sweep): `floor(K·total/N) .. floor((K+1)·total/N)`.
    /// The shards of one split are contiguous, in order, disjoint, and cover
    /// `0..total`; their sizes differ by at most one. A shard is empty when
    /// N exceeds `total`.
    pub fn range(&self, total: u64) -> Range<u64> {
        let cut = |k: u64| (k as u128 * total as u128 / self.count as u128) as u64;
        cut(self.index)..cut(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    /// Reads `K/N`.
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = |message: &str| ShardError::Spec {
            text: s.to_string(),
            message: message.to_string(),
        };
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| bad("write K/N: shard K of N, K from 0 to N-1 (e.g. 3/16)"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| bad("K (before the `/`) must be a whole number from 0 to N-1"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| bad("N (after the `/`) must be a whole number, 1 or more"))?;
        Shard::new(k, n).map_err(|e| match e {
            ShardError::Spec { message, .. } => bad(&message),
            other => other,
        })
    }
}

/// What a part holds the accumulators of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// A range of the trials of one run (`escalate run --shard`).
    Run,
}

/// Where a part sits in its run: the shard and the items it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartShard {
    /// K.
    pub index: u64,
    /// N.
    pub count: u64,
    /// The first item (trial) index covered.
    pub start: u64,
    /// One past the last item (trial) index covered.
    pub end: u64,
}

/// A part file's payload: one shard's result and everything needed to check
/// it against the other parts and to rebuild the run's report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    /// Always [`FORMAT`].
    pub format: String,
    /// The part format's version ([`FORMAT_VERSION`] when written by this build).
    pub format_version: u32,
    /// What the part holds.
    pub kind: PartKind,
    /// The whole run's identity (its `trials` is the run's, not the shard's;
    /// its scenario file name is shown in reports, not compared).
    pub identity: RunIdentity,
    /// The shard and the trial indices it covers.
    pub shard: PartShard,
    /// The scenario's text (its SHA-256 is `identity.scenario_sha256`).
    pub scenario_text: String,
    /// The shard's accumulators.
    pub summary: Summary,
}

impl Part {
    /// The part of shard `shard` of the run `identity`, whose trials gave `summary`.
    pub fn new(identity: RunIdentity, source: &Source, shard: Shard, summary: Summary) -> Part {
        let r = shard.range(identity.trials);
        Part {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            kind: PartKind::Run,
            identity,
            shard: PartShard {
                index: shard.index,
                count: shard.count,
                start: r.start,
                end: r.end,
            },
            scenario_text: source.text.clone(),
            summary,
        }
    }

    /// The file's bytes: header line, then the JSON payload ([`PART_ENVELOPE`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut payload = serde_json::to_vec(self).expect("parts serialize");
        payload.push(b'\n');
        PART_ENVELOPE.seal(&payload)
    }

    /// Writes the part to `path` atomically and durably (a temporary file,
    /// then a rename, then the directory synced).
    pub fn write(&self, path: &Path) -> Result<(), ShardError> {
        crate::io::write_durable(path, &self.encode())?;
        Ok(())
    }

    /// Reads and checks a part file.
    pub fn read(path: &Path) -> Result<Part, ShardError> {
        let bytes = std::fs::read(path).map_err(|source| ShardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Part::decode(&bytes, path)
    }

    /// Decodes and checks a part file's bytes (`path` names it in errors).
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Part, ShardError> {
        let path = path.to_path_buf();
        let corrupt = |reason: String| ShardError::Corrupt {
            path: path.clone(),
            reason,
        };
        let payload = PART_ENVELOPE.open(bytes).map_err(|e| match e {
            EnvelopeError::OtherKind { .. } => ShardError::NotAPart { path: path.clone() },
            EnvelopeError::Version { found, .. } => ShardError::FormatVersion {
                path: path.clone(),
                version: found,
            },
            e if e.is_truncation() => ShardError::Truncated {
                path: path.clone(),
                detail: e.to_string(),
            },
            e => corrupt(e.to_string()),
        })?;
        let part: Part = serde_json::from_slice(payload)
            .map_err(|e| corrupt(format!("its data cannot be read: {e}")))?;
        part.check().map_err(corrupt)?;
        Ok(part)
    }

    /// Checks that the payload's fields agree with each other.
    fn check(&self) -> Result<(), String> {
        if self.format != FORMAT || self.format_version != FORMAT_VERSION {
            return Err(format!(
                "its data says format `{} v{}`, its header `{FORMAT} v{FORMAT_VERSION}`",
                self.format, self.format_version
            ));
        }
        let s = &self.shard;
        let shard = Shard::new(s.index, s.count).map_err(|e| e.to_string())?;
        let r = shard.range(self.identity.trials);
        if (s.start, s.end) != (r.start, r.end) {
            return Err(format!(
                "shard {shard} of {} trials covers trials {}..{}, but it says {}..{}",
                self.identity.trials, r.start, r.end, s.start, s.end
            ));
        }
        if self.summary.trials != r.end - r.start {
            return Err(format!(
                "it covers {} trials but counts {}",
                r.end - r.start,
                self.summary.trials
            ));
        }
        if sha256_hex(self.scenario_text.as_bytes()) != self.identity.scenario_sha256 {
            return Err("its scenario text does not match its scenario hash".into());
        }
        if self.summary.horizon != self.identity.horizon {
            return Err("its summary's horizon differs from its run's".into());
        }
        Ok(())
    }

    /// The shard this part holds.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.shard.index,
            count: self.shard.count,
        }
    }
}

/// The sizes of a summary's accumulators: equal for every part of one run.
fn shape(s: &Summary) -> (usize, usize, usize, usize, u32, u32, &[u32]) {
    (
        s.classes.len(),
        s.metrics.len(),
        s.rung_days.len(),
        s.deaths_by_day.len(),
        s.horizon,
        s.rungs,
        &s.band_days,
    )
}

/// Adds parts one at a time, checking each against the first; memory does not
/// grow with the number of parts beyond one path per shard.
#[derive(Default)]
pub struct Merger {
    first: Option<First>,
    seen: BTreeMap<u64, PathBuf>,
    total: Option<Summary>,
    scenario_file: Option<String>,
}

struct First {
    path: PathBuf,
    identity: RunIdentity,
    kind: PartKind,
    count: u64,
    scenario_text: String,
}

impl Merger {
    /// An empty merge.
    pub fn new() -> Self {
        Merger::default()
    }

    /// Adds the part read from `path`.
    pub fn add(&mut self, path: &Path, part: Part) -> Result<(), ShardError> {
        if part.identity.escalate_version != VERSION {
            return Err(ShardError::Version {
                path: path.to_path_buf(),
                found: part.identity.escalate_version,
            });
        }
        let first = self.first.get_or_insert_with(|| First {
            path: path.to_path_buf(),
            identity: part.identity.clone(),
            kind: part.kind,
            count: part.shard.count,
            scenario_text: part.scenario_text.clone(),
        });
        let (here, there) = (path.display(), first.path.display());
        let mut diffs: Vec<String> = part
            .identity
            .differences(&first.identity)
            .into_iter()
            .map(|d| format!("{} {} in {here}, {} in {there}", d.field, d.ours, d.theirs))
            .collect();
        if part.shard.count != first.count {
            diffs.push(format!(
                "shard count {} in {here}, {} in {there}",
                part.shard.count, first.count
            ));
        }
        if part.kind != first.kind {
            diffs.push(format!(
                "kind {:?} in {here}, {:?} in {there}",
                part.kind, first.kind
            ));
        }
        if !diffs.is_empty() {
            return Err(ShardError::Different {
                path: path.to_path_buf(),
                other: first.path.clone(),
                details: diffs.join("; "),
            });
        }
        if let Some(earlier) = self.seen.get(&part.shard.index) {
            return Err(ShardError::Duplicate {
                shard: part.shard(),
                first: earlier.clone(),
                second: path.to_path_buf(),
            });
        }
        match &mut self.total {
            None => self.total = Some(part.summary),
            Some(t) => {
                if shape(t) != shape(&part.summary) {
                    return Err(ShardError::Corrupt {
                        path: path.to_path_buf(),
                        reason: format!(
                            "its accumulators do not have the shape of {}'s",
                            first.path.display()
                        ),
                    });
                }
                *t += &part.summary;
            }
        }
        if part.shard.index == 0 {
            self.scenario_file = Some(part.identity.scenario_file);
        }
        self.seen.insert(part.shard.index, path.to_path_buf());
        Ok(())
    }

    /// Reads the part at `path` and adds it.
    pub fn add_file(&mut self, path: &Path) -> Result<(), ShardError> {
        let part = Part::read(path)?;
        self.add(path, part)
    }

    /// The merged run, once every shard is in; names the missing shards otherwise.
    pub fn finish(self) -> Result<Merged, ShardError> {
        let (Some(first), Some(summary)) = (self.first, self.total) else {
            return Err(ShardError::NoParts);
        };
        let missing: Vec<u64> = (0..first.count)
            .filter(|k| !self.seen.contains_key(k))
            .collect();
        if !missing.is_empty() {
            // Parts written by `escalate slurm` live in DIR/parts beside DIR/job.sbatch.
            let job = first
                .path
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("job.sbatch"))
                .filter(|j| j.is_file())
                .map_or_else(|| "DIR/job.sbatch".to_string(), |j| j.display().to_string());
            return Err(ShardError::Missing {
                message: missing_message(&missing, first.count),
                array: slurm_array(&missing),
                job,
            });
        }
        let mut identity = first.identity;
        if let Some(file) = self.scenario_file {
            identity.scenario_file = file;
        }
        Ok(Merged {
            identity,
            scenario_text: first.scenario_text,
            shards: first.count,
            summary,
        })
    }
}

/// Reads, checks and merges part files, in any order.
pub fn merge_files<P: AsRef<Path>>(paths: &[P]) -> Result<Merged, ShardError> {
    let mut m = Merger::new();
    for p in paths {
        m.add_file(p.as_ref())?;
    }
    m.finish()
}

/// All the shards of a run, merged.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The run (its scenario file name as shard 0 recorded it).
    pub identity: RunIdentity,
    /// The scenario's text.
    pub scenario_text: String,
    /// How many shards were merged.
    pub shards: u64,
    /// The whole run's accumulators.
    pub summary: Summary,
}

impl Merged {
    /// The request that reproduces the whole run.
    pub fn request(&self) -> Result<RunRequest, ShardError> {
        RunRequest::from_identity(&self.identity).map_err(|e| ShardError::Rebuild {
            reason: e.to_string(),
        })
    }

    /// Rebuilds the run's model from the scenario text, policy, overrides and horizon.
    pub fn model(&self) -> Result<Model, ShardError> {
        let loaded = Loaded::from_source(Source {
            name: self.identity.scenario_file.clone(),
            text: self.scenario_text.clone(),
        })?;
        let request = self.request()?;
        if let Some(p) = request.setup.policy.as_deref()
            && loaded.is_policy_file(p)
        {
            return Err(ShardError::PolicyFile { path: p.into() });
        }
        let model = loaded.compile(&request.setup)?;
        if shape(&Summary::new(&model)) != shape(&self.summary) {
            return Err(ShardError::Rebuild {
                reason: "the scenario rebuilt from the parts does not fit their accumulators"
                    .into(),
            });
        }
        Ok(model)
    }

    /// The report of the whole run: the same as an unsharded `escalate run` gives.
    pub fn report(&self) -> Result<RunReport, ShardError> {
        let model = self.model()?;
        Ok(RunReport::new(
            &model,
            &self.summary,
            self.identity.clone(),
            command_line(&self.request()?.to_args()),
        ))
    }
}

/// Groups sorted indices into runs: `[(3, 3), (5, 9)]`.
fn runs(sorted: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &k in sorted {
        match out.last_mut() {
            Some((_, hi)) if *hi + 1 == k => *hi = k,
            _ => out.push((k, k)),
        }
    }
    out
}

/// "shard 3 of 16 is missing", "shards 3 and 7 of 16 are missing",
/// "shards 0-4, 9 and 12 of 16 are missing (7 shards)".
pub fn missing_message(missing: &[u64], count: u64) -> String {
    let mut items: Vec<String> = Vec::new();
    for (a, b) in runs(missing) {
        if b - a >= 2 {
            items.push(format!("{a}-{b}"));
        } else {
            items.extend((a..=b).map(|k| k.to_string()));
        }
    }
    let list = match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    match missing.len() {
        1 => format!("shard {list} of {count} is missing"),
        n if items.len() == n => format!("shards {list} of {count} are missing"),
        n => format!("shards {list} of {count} are missing ({n} shards)"),
    }
}

/// Slurm's `--array` spelling of a set of sorted indices: `3,7` or `0-4,9`.
pub fn slurm_array(sorted: &[u64]) -> String {
    let mut items: Vec<String> = Vec::new();
    for (a, b) in runs(sorted) {
        if b - a >= 2 {
            items.push(format!("{a}-{b}"));
        } else {
            items.extend((a..=b).map(|k| k.to_string()));
        }
    }
    items.join(",")
}

/// What can go wrong with shards and parts.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ShardError {
    /// A `--shard` value that is not `K/N` with 0 ≤ K < N.
    #[error("--shard {text}: {message}")]
    #[diagnostic(
        code(escalate::shard),
        help("write --shard K/N for shard K of N, K from 0 to N-1, e.g. --shard 3/16")
    )]
    Spec {
        /// The value given.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// A part file that cannot be read.
    #[error("cannot read part {}: {source}", path.display())]
    #[diagnostic(code(escalate::part::read), help("check the path"))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file that is not a part file.
    #[error("{} is not an escalate part file (it does not start with `{FORMAT}`)", path.display())]
    #[diagnostic(
        code(escalate::part::not_a_part),
        help("pass only the files written by `escalate run --shard K/N --out FILE`")
    )]
    NotAPart {
        /// The file.
        path: PathBuf,
    },
    /// A part in a format this build does not read.
    #[error("{} is in part format v{version}; this escalate reads v{FORMAT_VERSION}", path.display())]
    #[diagnostic(
        code(escalate::part::format),
        help("merge with the escalate version that wrote the parts")
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: u32,
    },
    /// A part file cut short.
    #[error("{} is truncated: {detail}", path.display())]
    #[diagnostic(
        code(escalate::part::truncated),
        help("run its shard again (on Slurm: `sbatch --array=K DIR/job.sbatch`)")
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },
    /// A damaged or inconsistent part file.
    #[error("{} is corrupt: {reason}", path.display())]
    #[diagnostic(
        code(escalate::part::corrupt),
        help("run its shard again (on Slurm: `sbatch --array=K DIR/job.sbatch`)")
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A part from another escalate version than this one.
    #[error("{} was written by escalate {found}; this is escalate {VERSION}", path.display())]
    #[diagnostic(
        code(escalate::part::version),
        help(
            "merge with the escalate version that ran the shards, or run every shard again with this one"
        )
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version that wrote it.
        found: String,
    },
    /// Two parts of different runs.
    #[error("{} and {} are parts of different runs: {details}", path.display(), other.display())]
    #[diagnostic(
        code(escalate::part::different_runs),
        help(
            "merge only the parts of one run: same scenario, policy, overrides, seed, trials, horizon, shard count and escalate version"
        )
    )]
    Different {
        /// The part that differs.
        path: PathBuf,
        /// The first part merged.
        other: PathBuf,
        /// Each differing field: `seed 8 in a.esc, 7 in b.esc`.
        details: String,
    },
    /// The same shard twice.
    #[error("shard {shard} is given twice: {} and {}", first.display(), second.display())]
    #[diagnostic(code(escalate::part::duplicate), help("pass each shard's part once"))]
    Duplicate {
        /// The shard.
        shard: Shard,
        /// The first file holding it.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// Shards not given.
    #[error("{message}; nothing was written")]
    #[diagnostic(
        code(escalate::part::missing),
        help(
            "run the missing shards (`escalate run ... --shard K/N --out FILE`; on Slurm: `sbatch --array={array} {job}`), then merge all the parts"
        )
    )]
    Missing {
        /// "shards 3 and 7 of 16 are missing".
        message: String,
        /// The missing shards in Slurm's `--array` syntax.
        array: String,
        /// The job script that runs them (`DIR/job.sbatch` when not found beside the parts).
        job: String,
    },
    /// No part given.
    #[error("no parts to merge")]
    #[diagnostic(
        code(escalate::part::none),
        help("pass the part files: escalate merge parts/*.esc")
    )]
    NoParts,
    /// The parts' run cannot be rebuilt.
    #[error("cannot rebuild the run from its parts: {reason}")]
    #[diagnostic(code(escalate::part::rebuild))]
    Rebuild {
        /// Why.
        reason: String,
    },
    /// A policy from a file, which shards cannot carry yet.
    #[error("--policy {path}: a policy file cannot be sharded or merged yet")]
    #[diagnostic(
        code(escalate::part::policy_file),
        help(
            "add the policy to the scenario's `policies` and pass its name to --policy, or run unsharded"
        )
    )]
    PolicyFile {
        /// The policy file.
        path: String,
    },
    /// The parts' scenario does not load (with this build).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] ScenarioError),
    /// The run recorded in the parts cannot be configured again.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Request(#[from] crate::run::RequestError),
    /// A part cannot be written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] WriteError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_trial_once_in_order() {
        for total in [0u64, 1, 5, 999, 1000, 1001, 12_345] {
            for n in [1u64, 2, 3, 7, 16, 1000] {
                let mut next = 0;
                let mut sizes = Vec::new();
                for k in 0..n {
                    let r = Shard::new(k, n).unwrap().range(total);
                    assert_eq!(r.start, next, "total {total} n {n} k {k}");
                    next = r.end;
                    sizes.push(r.end - r.start);
                }
                assert_eq!(next, total);
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "uneven: {sizes:?}");
            }
        }
        assert_eq!(Shard::new(2, 4).unwrap().range(10), 5..7);
        let huge = Shard::new(3, 4).unwrap().range(u64::MAX);
        assert_eq!(huge.end, u64::MAX);
    }

    #[test]
    fn shard_text_is_read_and_checked() {
        assert_eq!(
            "3/16".parse::<Shard>().unwrap(),
            Shard {
                index: 3,
                count: 16
            }
        );
        assert_eq!("3/16".parse::<Shard>().unwrap().to_string(), "3/16");
        for bad in ["16/16", "3", "a/4", "1/0", "-1/4", "1/b"] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(matches!(e, ShardError::Spec { .. }), "{bad}: {e}");
            assert!(e.to_string().starts_with(&format!("--shard {bad}:")), "{e}");
        }
        assert!(
            "16/16"
                .parse::<Shard>()
                .unwrap_err()
                .to_string()
                .contains("numbered 0 to 15")
        );
    }

    #[test]
    fn missing_shards_are_named_readably() {
        assert_eq!(missing_message(&[3], 16), "shard 3 of 16 is missing");
        assert_eq!(
            missing_message(&[3, 7], 16),
            "shards 3 and 7 of 16 are missing"
        );
        assert_eq!(
            missing_message(&[1, 3, 7], 16),
            "shards 1, 3 and 7 of 16 are missing"
        );
        assert_eq!(
            missing_message(&[0, 1, 2, 3, 4, 9, 12], 16),
            "shards 0-4, 9 and 12 of 16 are missing (7 shards)"
        );
        assert_eq!(
            missing_message(&[4, 5], 16),
            "shards 4 and 5 of 16 are missing"
        );
        assert_eq!(slurm_array(&[0, 1, 2, 3, 4, 9, 12]), "0-4,9,12");
        assert_eq!(slurm_array(&[7]), "7");
        assert_eq!(slurm_array(&[1, 2, 5]), "1,2,5");
    }
}
