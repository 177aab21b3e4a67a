//! The sweep directory: `sweep.json` (the manifest, written first), one file
//! per finished point under `points/`, and the final outputs.
//!
//! Every file is written to a temporary name and renamed into place, so a
//! process killed at any moment leaves either the whole file or none (left-over
//! temporary files are never read, and are removed when the sweep finishes). Point files also carry a
//! checksum ([`super::point`]), so even a file damaged some other way (a disk
//! filling up, a crash of the machine before the data reached the disk) is
//! detected and its point run again; nothing half-written is ever read back.
//! Point files are not synced to disk one by one: the checksum makes that
//! unnecessary for correctness and it would cost more than the sweep itself on
//! small points.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::SweepError;
use super::point::PointRecord;

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

/// Writes `bytes` to `path` through a temporary file and a rename (no fsync).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

/// What the manifest check found in a directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// No sweep there yet: the manifest was written.
    New,
    /// The same sweep was there: resuming.
    Resumed,
}

impl Store {
    /// Opens (creating if needed) `dir` for the sweep whose manifest is
    /// `manifest` and whose fingerprint is `fingerprint`.
    ///
    /// A directory holding another sweep (a different fingerprint) is refused
    /// with the fields that differ; so is one holding `points/` but no manifest.
    pub fn open(
        dir: &Path,
        manifest: &[u8],
        fingerprint: &str,
    ) -> Result<(Store, Opened), SweepError> {
        let store = Store {
            dir: dir.to_path_buf(),
            points: dir.join("points"),
        };
        let path = dir.join(MANIFEST);
        let opened = match std::fs::read(&path) {
            Ok(old) => {
                let differs = differences(&old, manifest, fingerprint);
                if !differs.is_empty() {
                    return Err(SweepError::OtherSweep {
                        dir: dir.display().to_string(),
                        differences: differs.join("; "),
                    });
                }
                Opened::Resumed
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if store.points.exists() {
                    return Err(SweepError::OtherSweep {
                        dir: dir.display().to_string(),
                        differences: format!("it has {} but no {MANIFEST}", store.points.display()),
                    });
                }
                std::fs::create_dir_all(dir).map_err(io(dir))?;
                write_file(&path, manifest)?;
                Opened::New
            }
            Err(e) => return Err(io(&path)(e)),
        };
        std::fs::create_dir_all(&store.points).map_err(io(&store.points))?;
        Ok((store, opened))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes temporary files left by killed processes. Called once every
    /// point is done (shards sharing the directory may be writing until then;
    /// left-over temporaries are never read in any case).
    pub fn remove_temporaries(&self) -> Result<(), SweepError> {
        for d in [&self.dir, &self.points] {
            for e in std::fs::read_dir(d).map_err(io(d))? {
                let p = e.map_err(io(d))?.path();
                let stale = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains(".tmp-"));
                if stale {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        Ok(())
    }

    /// The file of point `j`.
    pub fn point_path(&self, j: usize) -> PathBuf {
        self.points.join(format!("{j:05}.json"))
    }

    /// Reads point `j`'s record if it is complete, intact and of this sweep.
    /// `Ok(None)`: not there; `Err(why)`: there but unusable.
    pub fn read(&self, j: usize, fingerprint: &str) -> Result<Option<PointRecord>, String> {
        let bytes = match std::fs::read(self.point_path(j)) {
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

    /// Saves a finished point.
    pub fn save(&self, r: &PointRecord) -> Result<(), SweepError> {
        write_file(&self.point_path(r.point), &r.to_bytes())
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
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, vb) in b {
            let va = a.get(k).unwrap_or(&serde_json::Value::Null);
            if va != vb {
                out.push(format!("{k}: {va} there, {vb} here"));
            }
        }
    }
    if out.is_empty() {
        out.push("its fingerprint differs".into());
    }
    out
}
