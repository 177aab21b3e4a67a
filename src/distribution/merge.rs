//! Merging part files back into the whole run: [`Merger`] checks parts as
//! they come (same run, same build, no duplicates) and adds their summaries;
//! [`Merger::finish`] names any missing shard, with the Slurm array to run
//! again. [`Merged`] rebuilds the run's model (through the one pipeline) and
//! its reproduce command; the report made from them is byte-identical to an
//! unsharded run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::core::digits::group;
use crate::core::model::Model;
use crate::core::scenario::Source;
use crate::core::stats::Summary;
use crate::run::command::command_line;
use crate::run::identity::{RunIdentity, VERSION};
use crate::run::{Loaded, RequestError, RunRequest};

use super::part::{Part, PartKind, ShardError};

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
        let missing = missing_ranges(self.seen.keys().copied(), first.count);
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

    /// Rebuilds the run's model from the scenario text, policy, overrides and horizon,
    /// and the posterior file the parts name (re-read; refused unless its hash is theirs).
    pub fn model(&self) -> Result<Model, ShardError> {
        let loaded = Loaded::from_source(Source {
            name: self.identity.scenario_file.clone(),
            text: self.scenario_text.clone(),
        })?;
        let request = self.request()?;
        if let Some(p) = request.setup.policy.as_deref()
            && loaded.is_policy_file(p)
        {
            return Err(RequestError::PolicyFile(p.into()).into());
        }
        // A run from a posterior re-reads the file its parts name, which
        // must be the one they ran with.
        let model = loaded.compile(&request.setup)?;
        let posterior = model.posterior.as_ref().map(|p| p.sha256.clone());
        if posterior != self.identity.posterior_sha256 {
            return Err(ShardError::Rebuild {
                reason: format!(
                    "the posterior {} has SHA-256 {}, but the parts ran with {}; \
                     merge where the parts' posterior file is, unchanged",
                    self.identity.posterior_file.as_deref().unwrap_or("(none)"),
                    posterior.as_deref().unwrap_or("(none)"),
                    self.identity
                        .posterior_sha256
                        .as_deref()
                        .unwrap_or("(none)"),
                ),
            });
        }
        if shape(&Summary::new(&model)) != shape(&self.summary) {
            return Err(ShardError::Rebuild {
                reason: "the scenario rebuilt from the parts does not fit their accumulators"
                    .into(),
            });
        }
        Ok(model)
    }

    /// The command line that reproduces the whole run.
    pub fn command(&self) -> Result<String, ShardError> {
        Ok(command_line(&self.request()?.to_args()))
    }
}

/// The shards of `0..count` missing from `seen` (ascending, each below
/// `count`), as inclusive ranges `[(3, 3), (5, 9)]`. Work and memory grow
/// with the parts given, never with `count` (a run of 10^12 shards is fine).
pub fn missing_ranges(seen: impl IntoIterator<Item = u64>, count: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut next = 0u64;
    for k in seen {
        if k > next {
            out.push((next, k - 1));
        }
        // k < count <= u64::MAX, so k + 1 fits.
        next = k + 1;
    }
    if next < count {
        out.push((next, count - 1));
    }
    out
}

/// At most this many shards or ranges are named in a message; the rest are counted.
const NAMED_RANGES: usize = 10;

/// "shard 3 of 16 is missing", "shards 3 and 7 of 16 are missing",
/// "shards 0 to 4, 9 and 12 of 16 are missing (7 shards)", "shards 3 to
/// 999,999,999,999 of 1,000,000,000,000 are missing (999,999,999,997 shards)";
/// past [`NAMED_RANGES`] ranges, the rest are counted, not named.
pub fn missing_message(missing: &[(u64, u64)], count: u64) -> String {
    let mut items: Vec<String> = Vec::new();
    for &(a, b) in missing {
        match b - a {
            0 => items.push(group(a)),
            1 => items.extend([group(a), group(b)]),
            _ => items.push(format!("{} to {}", group(a), group(b))),
        }
    }
    // At most `count` shards are missing, so the sum fits.
    let total: u64 = missing.iter().map(|(a, b)| b - a + 1).sum();
    let list = if items.len() > NAMED_RANGES {
        format!(
            "{} and {} more ranges",
            items[..NAMED_RANGES].join(", "),
            group((items.len() - NAMED_RANGES) as u64)
        )
    } else {
        match items.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    let count = group(count);
    match total {
        1 => format!("shard {list} of {count} is missing"),
        n if items.len() as u64 == n => format!("shards {list} of {count} are missing"),
        n => format!("shards {list} of {count} are missing ({} shards)", group(n)),
    }
}

/// Consecutive runs of `tasks` (ascending) as inclusive ranges: `[0, 1, 2, 9]` is
/// `[(0, 2), (9, 9)]`, what [`slurm_array`] spells.
pub fn task_ranges(tasks: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &t in tasks {
        match out.last_mut() {
            Some((_, b)) if b.checked_add(1) == Some(t) => *b = t,
            _ => out.push((t, t)),
        }
    }
    out
}

/// Slurm's `--array` spelling of missing ranges: `3,7` or `0-4,9`.
pub fn slurm_array(missing: &[(u64, u64)]) -> String {
    let mut items: Vec<String> = Vec::new();
    for &(a, b) in missing {
        match b - a {
            0 => items.push(a.to_string()),
            1 => items.extend([a.to_string(), b.to_string()]),
            _ => items.push(format!("{a}-{b}")),
        }
    }
    items.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_shards_are_named_readably() {
        let of16 = |seen: &[u64]| missing_ranges(seen.iter().copied(), 16);
        let all_but =
            |gone: &[u64]| of16(&(0..16).filter(|k| !gone.contains(k)).collect::<Vec<_>>());
        assert_eq!(
            missing_message(&all_but(&[3]), 16),
            "shard 3 of 16 is missing"
        );
        assert_eq!(
            missing_message(&all_but(&[3, 7]), 16),
            "shards 3 and 7 of 16 are missing"
        );
        assert_eq!(
            missing_message(&all_but(&[1, 3, 7]), 16),
            "shards 1, 3 and 7 of 16 are missing"
        );
        let gaps = all_but(&[0, 1, 2, 3, 4, 9, 12]);
        assert_eq!(gaps, vec![(0, 4), (9, 9), (12, 12)]);
        assert_eq!(
            missing_message(&gaps, 16),
            "shards 0 to 4, 9 and 12 of 16 are missing (7 shards)"
        );
        assert_eq!(
            missing_message(&all_but(&[4, 5]), 16),
            "shards 4 and 5 of 16 are missing"
        );
        assert_eq!(slurm_array(&gaps), "0-4,9,12");
        assert_eq!(
            slurm_array(&task_ranges(&[0, 1, 2, 3, 4, 9, 12])),
            "0-4,9,12"
        );
        assert_eq!(slurm_array(&all_but(&[7])), "7");
        assert_eq!(slurm_array(&all_but(&[1, 2, 5])), "1,2,5");
        assert!(of16(&(0..16).collect::<Vec<_>>()).is_empty());
    }

    /// Regression: a part of a run of 10^12 shards made merge build the list
    /// of every missing shard (23 GB, then the out-of-memory killer).
    #[test]
    fn a_trillion_missing_shards_are_summarised_not_listed() {
        let count = 1_000_000_000_000u64;
        let gaps = missing_ranges([0, 1, 2], count);
        assert_eq!(gaps, vec![(3, count - 1)]);
        assert_eq!(
            missing_message(&gaps, count),
            "shards 3 to 999,999,999,999 of 1,000,000,000,000 are missing (999,999,999,997 shards)"
        );
        assert_eq!(slurm_array(&gaps), "3-999999999999");
        let all = missing_ranges([], u64::MAX);
        assert_eq!(all, vec![(0, u64::MAX - 1)]);
        assert!(missing_message(&all, u64::MAX).ends_with("(18,446,744,073,709,551,615 shards)"));
        // Many gaps: ten named, the rest counted.
        let every_other: Vec<u64> = (0..40).map(|k| 2 * k).collect();
        let m = missing_message(&missing_ranges(every_other, 80), 80);
        assert!(
            m.starts_with("shards 1, 3, 5,") && m.contains("and 30 more ranges"),
            "{m}"
        );
    }
}
