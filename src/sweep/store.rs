//! The sweep directory: `sweep.json` (the manifest, written first), one file
//! per finished point under `points/`, and the final outputs.
//!
//! Every file is written through [`crate::io`]: to a temporary file with a
//! random name beside it, then renamed into place, so a process killed at any
//! moment leaves either the whole file or none. Left-over temporary files
//! (`.NAME.XXXXXXXXXXXX.tmp`, from a killed process) are never read, and never
//! removed by another process: shards on other hosts may be writing theirs.
//! Point files and the manifest are durable (the file and the directory are
//! synced), and point files also carry a checksum ([`super::point`]), so a
//! file damaged some other way is detected and its point run again; nothing
//! half-written is ever read back.
//!
//! A directory is a sweep's only if it is new, empty (but for escalate's
//! temporary files) or holds this sweep's manifest; any other directory is
//! refused before anything is written there, and a sweep never removes a
//! file it did not make.
//!
//! Opening: the manifest is created with an exclusive create (it appears
//! whole, and of any number of shards opening the directory at the same
//! moment exactly one creates it); every other opener reads the manifest and
//! compares it with its own. There is no check-then-act window.

use std::path::{Path, PathBuf};

use super::SweepError;
use super::point::PointRecord;
use crate::io::{Created, create_exclusive, write_durable};

/// The sweep directory.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    points: PathBuf,
}

/// Name of the manifest file.
pub const MANIFEST: &str = "sweep.json";

fn io(path: &Path) -> impl Fn(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What the manifest check found in a directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// No sweep there yet: the manifest was written.
    New,
    /// The same sweep was there (or was just started there by another
    /// process): resuming.
    Resumed,
}

impl Store {
    /// Opens (creating if needed) `dir` for the sweep whose manifest is
    /// `manifest` and whose fingerprint is `fingerprint`. Safe to call from
    /// any number of processes at the same moment.
    ///
    /// A directory holding another sweep (a different fingerprint) is refused
    /// with the fields that differ; so is a non-empty directory without a
    /// manifest (escalate's own temporary files aside), whatever it holds.
    pub fn open(
        dir: &Path,
        manifest: &[u8],
        fingerprint: &str,
    ) -> Result<(Store, Opened), SweepError> {
        let store = Store {
            dir: dir.to_path_buf(),
            points: dir.join("points"),
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(MANIFEST);
        // A directory that holds anything but a sweep of escalate's own is
        // refused: its files are never replaced, and nothing is written there.
        if !path.exists() {
            let found = foreign_entries(dir)?;
            // Looked at again after the listing: a shard starting at the same
            // moment creates the manifest before anything else.
            if !found.is_empty() && !path.exists() {
                return Err(SweepError::NotASweep {
                    dir: dir.display().to_string(),
                    found: describe_entries(&found),
                });
            }
        }
        let opened = match create_exclusive(&path, manifest)? {
            Created::New => Opened::New,
            Created::Exists => {
                let old =
                    crate::io::read_capped(&path, crate::io::DATA_LIMIT).map_err(io(&path))?;
                let differs = differences(&old, manifest, fingerprint);
                if !differs.is_empty() {
                    return Err(SweepError::OtherSweep {
                        dir: dir.display().to_string(),
                        differences: differs.join("; "),
                    });
                }
                Opened::Resumed
            }
        };
        std::fs::create_dir_all(&store.points).map_err(io(&store.points))?;
        Ok((store, opened))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of point `j`.
    pub fn point_path(&self, j: usize) -> PathBuf {
        self.points.join(format!("{j:05}.json"))
    }

    /// Reads point `j`'s record if it is complete, intact and of this sweep.
    /// `Ok(None)`: not there; `Err(why)`: there but unusable.
    pub fn read(&self, j: usize, fingerprint: &str) -> Result<Option<PointRecord>, String> {
        let bytes = match crate::io::read_capped(&self.point_path(j), crate::io::DATA_LIMIT) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let r = PointRecord::from_bytes(&bytes)?;
        if r.sweep != fingerprint {
            return Err("a record of another sweep".into());
        }
        if r.point != j {
            return Err(format!("holds point {} instead", r.point));
        }
        Ok(Some(r))
    }

    /// Saves a finished point (durably).
    pub fn save(&self, r: &PointRecord) -> Result<(), SweepError> {
        write_durable(&self.point_path(r.point), &r.to_bytes())?;
        Ok(())
    }
}

/// What is in `dir` besides escalate's temporary files (sorted names;
/// directories with a trailing `/`).
fn foreign_entries(dir: &Path) -> Result<Vec<String>, SweepError> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let e = e.map_err(io(dir))?;
        let name = e.file_name();
        if crate::io::temporary::is_temporary_name(&name) {
            continue;
        }
        let slash = if e.file_type().is_ok_and(|t| t.is_dir()) {
            "/"
        } else {
            ""
        };
        found.push(format!("{}{slash}", name.to_string_lossy()));
    }
    found.sort();
    Ok(found)
}

/// "points/", "a.txt and points/", "a.txt, b.txt, c.txt and 4 more".
fn describe_entries(found: &[String]) -> String {
    const SHOWN: usize = 3;
    match found {
        [one] => one.clone(),
        _ if found.len() <= SHOWN => format!(
            "{} and {}",
            found[..found.len() - 1].join(", "),
            found[found.len() - 1]
        ),
        _ => format!(
            "{} and {} more",
            found[..SHOWN].join(", "),
            found.len() - SHOWN
        ),
    }
}

/// The fields in which an existing manifest differs from this sweep's (empty: same sweep).
fn differences(old: &[u8], new: &[u8], fingerprint: &str) -> Vec<String> {
    let Ok(old) = serde_json::from_slice::<serde_json::Value>(old) else {
        return vec![format!("its {MANIFEST} is not a sweep manifest")];
    };
    if old.get("fingerprint").and_then(|f| f.as_str()) == Some(fingerprint) {
        return vec![];
    }
    let new: serde_json::Value = serde_json::from_slice(new).expect("our own manifest");
    let (Some(a), Some(b)) = (old.get("identity"), new.get("identity")) else {
        return vec![format!("its {MANIFEST} is not a sweep manifest")];
    };
    // The identity's fields, with those of its nested run identity brought up
    // (`seed`, not `run.seed`: what a user typed).
    fn fields(v: &serde_json::Value) -> Vec<(&str, &serde_json::Value)> {
        let mut out = Vec::new();
        for (k, x) in v.as_object().into_iter().flatten() {
            match x.as_object() {
                Some(inner) => out.extend(inner.iter().map(|(k, x)| (k.as_str(), x))),
                None => out.push((k.as_str(), x)),
            }
        }
        out
    }
    let there = fields(a);
    let mut out = Vec::new();
    for (k, vb) in fields(b) {
        let va = there
            .iter()
            .find(|(ka, _)| *ka == k)
            .map_or(&serde_json::Value::Null, |(_, v)| *v);
        if va != vb {
            out.push(format!("{k}: {va} there, {vb} here"));
        }
    }
    if out.is_empty() {
        out.push("its fingerprint differs".into());
    }
    out
}
