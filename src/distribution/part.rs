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
//! and length catch a truncated or damaged file; [`check_counts`] catches
//! accumulators that disagree with each other or with the shard's trials (an
//! edited part whose checksum was recomputed). Neither authenticates a part:
//! anyone can write a consistent part with the numbers they like.
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
use crate::core::stats::{Summary, U256};

/// The first word of every part file.
pub const FORMAT: &str = "escalate-part";

/// The part format this build writes and reads.
pub const FORMAT_VERSION: u32 = 3;

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
        let bytes = crate::io::read_capped(path, crate::io::DATA_LIMIT).map_err(|source| {
            ShardError::Read {
                path: path.to_path_buf(),
                source,
            }
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
        check_counts(&self.summary)
    }

    /// The shard this part holds.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.shard.index,
            count: self.shard.count,
        }
    }
}

/// Checks that a shard's accumulators agree with each other and with its
/// trial count: class counts add up to the trials; every metric is counted
/// in at most that many trials, its histogram counts exactly those, its
/// smallest and largest values bound its sum, sum of squares and histogram;
/// every day's rung counts and deaths histogram add up to the trials. The
/// checksum of a part catches corruption; these checks catch an edited part
/// whose checksum was recomputed, unless it was edited consistently (a
/// forger who knows these rules is not caught: see docs/cluster.md).
pub fn check_counts(s: &Summary) -> Result<(), String> {
    let n = s.trials;
    if s.horizon == 0 {
        return Err("its horizon is 0 days".into());
    }
    let classes = s
        .classes
        .iter()
        .try_fold(0u64, |t, &c| t.checked_add(c))
        .ok_or("its class counts add up past the largest count")?;
    if classes != n {
        return Err(format!(
            "its class counts add up to {classes}, but it covers {n} trials"
        ));
    }
    for (k, m) in s.metrics.iter().enumerate() {
        check_metric(m, n).map_err(|why| format!("metric {k} (in model order): {why}"))?;
    }
    let (h, r) = (s.horizon as usize, s.rungs as usize);
    if !s.rung_days.is_empty() {
        if h.checked_mul(r)
            .is_none_or(|w| w == 0 || !s.rung_days.len().is_multiple_of(w))
        {
            return Err(format!(
                "its rung counts ({}) are not whole days of {} rungs over {h} days",
                s.rung_days.len(),
                s.rungs
            ));
        }
        for (day, counts) in s.rung_days.chunks(r).enumerate() {
            let total = counts.iter().try_fold(0u64, |t, &c| t.checked_add(c));
            if total != Some(n) {
                return Err(format!(
                    "its rung counts of dyad {}, day {} do not add up to its {n} trials",
                    day / h,
                    day % h
                ));
            }
        }
    }
    if s.band_days != crate::core::stats::band_days(s.horizon)
        || s.deaths_by_day.len() != s.band_days.len()
    {
        return Err("its days of cumulative deaths are not those of its horizon".into());
    }
    for (d, hist) in s.band_days.iter().zip(&s.deaths_by_day) {
        if hist.checked_total() != Some(n) || hist.has_impossible_buckets() {
            return Err(format!(
                "its deaths histogram of day {d} does not count its {n} trials"
            ));
        }
    }
    if s.deaths_by_day_range.len() != s.band_days.len() {
        return Err("its ranges of cumulative deaths are not those of its horizon".into());
    }
    for ((d, &[min, max]), hist) in s
        .band_days
        .iter()
        .zip(&s.deaths_by_day_range)
        .zip(&s.deaths_by_day)
    {
        let fits = match hist.occupied_buckets() {
            None => min == u64::MAX && max == 0,
            Some((first, last)) => {
                use crate::core::stats::histogram::bucket;
                min <= max && bucket(min) == first && bucket(max) == last
            }
        };
        if !fits {
            return Err(format!(
                "its smallest and largest deaths of day {d} disagree with its histogram"
            ));
        }
    }
    Ok(())
}

/// One metric's accumulator against the shard's trial count `n`.
fn check_metric(m: &crate::core::stats::MetricStats, n: u64) -> Result<(), String> {
    use crate::core::stats::histogram::bucket;
    if m.present > n {
        return Err(format!("counted in {} trials of {n}", m.present));
    }
    if m.hist.checked_total() != Some(m.present) || m.hist.has_impossible_buckets() {
        return Err(format!(
            "its histogram does not count the {} trials it is present in",
            m.present
        ));
    }
    if m.present == 0 {
        return if (m.sum, m.sum_sq, m.min, m.max) == (0, U256::ZERO, u64::MAX, 0) {
            Ok(())
        } else {
            Err("it has values but no trial counts one".into())
        };
    }
    if m.min > m.max {
        return Err(format!(
            "its smallest value {} exceeds its largest {}",
            m.min, m.max
        ));
    }
    let occupied = m.hist.occupied_buckets();
    if occupied != Some((bucket(m.min), bucket(m.max))) {
        return Err("its histogram does not run from its smallest value to its largest".into());
    }
    let (p, lo, hi) = (m.present as u128, m.min as u128, m.max as u128);
    // p * max fits in u128 (both below 2^64); p * max^2 in 256 bits.
    if m.sum < p * lo || m.sum > p * hi {
        return Err(format!(
            "its sum {} is not between {p} times its smallest value and {p} times its largest",
            m.sum
        ));
    }
    let (sq_lo, sq_hi) = (
        U256::product(lo * lo, m.present),
        U256::product(hi * hi, m.present),
    );
    if m.sum_sq < sq_lo || m.sum_sq > sq_hi {
        return Err("its sum of squares does not fit its smallest and largest values".into());
    }
    Ok(())
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
