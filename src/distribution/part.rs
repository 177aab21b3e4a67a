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

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::io::{Envelope, EnvelopeError, WriteError};
use crate::run::identity::{RunIdentity, VERSION, sha256_hex};
use crate::run::shard::{Shard, ShardSpecError};

use crate::core::scenario::{ScenarioError, Source};
use crate::core::stats::Summary;

/// The first word of every part file.
pub const FORMAT: &str = "escalate-part";

/// The part format this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// A part file's checksummed envelope: `escalate-part v1 sha256=... bytes=...`.
pub const PART_ENVELOPE: Envelope = Envelope::new(FORMAT, FORMAT_VERSION);

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
        if self.summary.posterior_sha256 != self.identity.posterior_sha256 {
            return Err("its summary's posterior differs from its run's".into());
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

/// What can go wrong with shards and parts.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ShardError {
    /// A `--shard` value that is not `K/N` with 0 ≤ K < N.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spec(#[from] ShardSpecError),
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
