//! Merging part files back into the whole run: [`Merger`] checks parts as
//! they come (same run, same build, no duplicates) and adds their summaries;
//! [`Merger::finish`] names any missing shard, with the Slurm array to run
//! again. [`Merged`] rebuilds the run's model (through the one pipeline) and
//! its reproduce command; the report made from them is byte-identical to an
//! unsharded run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
    use super::*;

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
