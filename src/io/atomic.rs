//! Atomic output files on [`tempfile`].
//!
//! [`AtomicFile::create`] makes a temporary file in the target's directory
//! ([`super::temporary`]: `.NAME.XXXXXXXXXXXX.tmp`, random, exclusive, within
//! the file-name limit, removed by a signal handler). [`AtomicFile::commit`]
//! flushes and syncs it and renames it over the target: the target is either
//! its old contents or the whole new file, never a part. A rename replaces a
//! symlink at the target rather than following it, and the target itself is
//! never opened for writing. A target that exists and is not a regular file
//! (after following symlinks: a directory, a device such as `/dev/full`, a
//! FIFO) is refused, so no device is ever replaced by a regular file.
//!
//! [`Durability::Durable`] also syncs the directory after the rename, so the
//! new name survives a crash of the machine; part files, sweep point files and
//! sweep manifests use it. Dropped without commit, an [`AtomicFile`] removes
//! its own temporary file; nothing here ever removes a file it did not create.
//! The several outputs of one command are committed together by
//! [`super::commit::commit_all`] rather than one [`AtomicFile::commit`] each.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::WriteError;
use super::temporary::{Backup, Registry, Temporary, lock, parent_dir};

/// How hard a commit works to make the new file survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// The file's data is synced before the rename (a crash never leaves a
    /// renamed but empty file); the directory is not synced.
    #[default]
    Synced,
    /// As [`Durability::Synced`], and the directory is synced after the
    /// rename, so the new name itself is on disk when commit returns.
    Durable,
}

/// A file being written: bytes go to a temporary file beside the target, and
/// [`AtomicFile::commit`] renames it over the target. Dropped without commit,
/// the temporary file is removed.
pub struct AtomicFile {
    path: PathBuf,
    durability: Durability,
    file: BufWriter<Temporary>,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("path", &self.path)
            .field("temporary", &self.file.get_ref().path())
            .field("durability", &self.durability)
            .finish()
    }
}

impl AtomicFile {
    /// Starts writing `path` ([`Durability::Synced`]).
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        Self::with_durability(path, Durability::Synced)
    }

    /// Starts writing `path` ([`Durability::Durable`]).
    pub fn create_durable(path: &Path) -> Result<Self, WriteError> {
        Self::with_durability(path, Durability::Durable)
    }

    /// Starts writing `path` with the given durability. Refuses a target
    /// that exists and is not a regular file.
    pub fn with_durability(path: &Path, durability: Durability) -> Result<Self, WriteError> {
        check_target(path)?;
        let tmp = Temporary::create(path)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            durability,
            file: BufWriter::new(tmp),
        })
    }

    /// The target.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file's name (where the bytes are until commit).
    pub fn temporary_path(&self) -> &Path {
        self.file.get_ref().path()
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.file
    }

    /// Maps an I/O error to this file's [`WriteError`].
    pub fn err(&self, source: std::io::Error) -> WriteError {
        WriteError::io(&self.path, source)
    }

    /// Flushes and syncs the temporary file and renames it over the target
    /// (and syncs the directory when durable). On error the temporary file is
    /// removed and the target is as it was.
    pub fn commit(self) -> Result<(), WriteError> {
        rename_all(vec![self.stage()?])
    }

    /// Flushes and syncs the temporary file: ready to be renamed.
    pub(super) fn stage(self) -> Result<Staged, WriteError> {
        let AtomicFile {
            path,
            durability,
            file,
        } = self;
        let tmp = file
            .into_inner()
            .map_err(|e| WriteError::io(&path, e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| WriteError::io(&path, e))?;
        Ok(Staged {
            path,
            durability,
            tmp,
        })
    }
}

/// Writes `bytes` to `path` atomically ([`Durability::Synced`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, bytes, Durability::Synced)
}

/// Writes `bytes` to `path` atomically ([`Durability::Durable`]).
pub fn write_durable(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, bytes, Durability::Durable)
}

fn write_with(path: &Path, bytes: &[u8], durability: Durability) -> Result<(), WriteError> {
    let mut f = AtomicFile::with_durability(path, durability)?;
    f.writer().write_all(bytes).map_err(|e| f.err(e))?;
    f.commit()
}

/// What [`create_exclusive`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The file did not exist; it now holds the bytes.
    New,
    /// Something was already at the name; it was left alone.
    Exists,
}

/// Creates `path` holding `bytes` only if nothing is at that name, durably.
/// The file appears whole (written to a temporary, then linked or renamed
/// into place without replacing anything), so a reader that finds it reads
/// all of it. Of any number of processes racing to create the same name,
/// exactly one gets [`Created::New`].
pub fn create_exclusive(path: &Path, bytes: &[u8]) -> Result<Created, WriteError> {
    let mut tmp = Temporary::create(path)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| WriteError::io(path, e))?;
    let linked = {
        let mut reg = lock();
        tmp.persist_noclobber(&mut reg, path)
    };
    match linked {
        Ok(true) => {
            sync_dir(path)?;
            Ok(Created::New)
        }
        Ok(false) => Ok(Created::Exists),
        Err(e) => Err(WriteError::io(path, e)),
    }
}

/// Refuses a target that exists (after following symlinks) and is not a
/// regular file. A missing target, or a symlink to nothing, is fine: the
/// rename creates the name (replacing the symlink, never following it).
pub(super) fn check_target(path: &Path) -> Result<(), WriteError> {
    if path.file_name().is_none() {
        return Err(WriteError::NoFileName {
            path: path.to_path_buf(),
        });
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) => Err(WriteError::NotAFile {
            path: path.to_path_buf(),
            what: describe(&m.file_type()),
        }),
        // Missing (or unreadable: creating the temporary file will say why).
        Err(_) => Ok(()),
    }
}

/// What kind of thing a non-regular file is, for errors.
fn describe(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Syncs the directory holding `path`, so a rename into it is on disk.
pub(super) fn sync_dir(path: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    {
        let dir = parent_dir(path);
        let r = File::open(dir).and_then(|d| d.sync_all());
        match r {
            // Some file systems cannot sync a directory; nothing more to do there.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
            Err(e) => Err(WriteError::io(dir, e)),
            Ok(()) => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, File::open);
        Ok(())
    }
}

/// An output whose temporary file is complete and synced, ready to be renamed.
pub(crate) struct Staged {
    /// The target.
    pub(crate) path: PathBuf,
    /// Whether its directory is synced after the rename.
    pub(crate) durability: Durability,
    /// The temporary file.
    pub(crate) tmp: Temporary,
}

/// Steps 3 to 5 of the commit module's doc (`io::commit`), for staged files.
pub(crate) fn rename_all(mut staged: Vec<Staged>) -> Result<(), WriteError> {
    for s in &staged {
        check_target(&s.path)?;
    }
    let mut reg = lock();
    let result = rename_locked(&mut staged, &mut reg);
    // Unrenamed temporaries are removed after the lock is released (their
    // drop takes it).
    drop(reg);
    drop(staged);
    result
}

fn rename_locked(staged: &mut [Staged], reg: &mut Registry) -> Result<(), WriteError> {
    // What was at each target, and a kept version of it (several outputs only).
    let several = staged.len() > 1;
    let mut before: Vec<(bool, Option<Backup>)> = Vec::with_capacity(staged.len());
    for s in staged.iter() {
        let existed = std::fs::symlink_metadata(&s.path).is_ok();
        let backup = if several && existed {
            Backup::keep(&s.path).ok()
        } else {
            None
        };
        before.push((existed, backup));
    }
    for i in 0..staged.len() {
        let s = &mut staged[i];
        if let Err(source) = s.tmp.persist(reg, &s.path) {
            let path = s.path.clone();
            let not_restored = roll_back(&staged[..i], &mut before[..i]);
            return Err(if not_restored.is_empty() {
                WriteError::Io { path, source }
            } else {
                WriteError::NotRestored {
                    path,
                    source,
                    not_restored,
                }
            });
        }
    }
    let mut synced: Vec<&Path> = Vec::new();
    for s in staged.iter() {
        let dir = parent_dir(&s.path);
        if s.durability == Durability::Durable && !synced.contains(&dir) {
            sync_dir(&s.path)?;
            synced.push(dir);
        }
    }
    // `before` drops here: the kept versions are removed.
    Ok(())
}

/// Puts the renamed targets back, last first; returns those it could not.
fn roll_back(renamed: &[Staged], before: &mut [(bool, Option<Backup>)]) -> Vec<PathBuf> {
    let mut not_restored = Vec::new();
    for (s, (existed, backup)) in renamed.iter().zip(before.iter_mut()).rev() {
        let restored = match backup.take() {
            Some(b) => b.restore(&s.path).is_ok(),
            // The file there is the one this commit made.
            None if !*existed => std::fs::remove_file(&s.path).is_ok(),
            None => false,
        };
        if !restored {
            not_restored.push(s.path.clone());
        }
    }
    not_restored
}

#[cfg(test)]
mod tests {
    use super::super::temporary::RANDOM_CHARS;
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_the_target_whole_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        std::fs::write(&p, b"old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.writer().write_all(b"new bytes").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old", "visible before commit");
        f.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new bytes");
        assert!(leftovers(d.path()).is_empty());
    }

    #[test]
    fn temporary_names_are_hidden_recognisable_and_differ_between_writers() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        let a = AtomicFile::create(&p).unwrap();
        let b = AtomicFile::create(&p).unwrap();
        assert_ne!(a.temporary_path(), b.temporary_path());
        for f in [&a, &b] {
            let name = f.temporary_path().file_name().unwrap().to_str().unwrap();
            assert!(
                name.starts_with(".r.json.") && name.ends_with(".tmp"),
                "{name}"
            );
            assert_eq!(name.len(), ".r.json.".len() + RANDOM_CHARS + ".tmp".len());
            assert_eq!(f.temporary_path().parent(), Some(d.path()));
        }
    }

    #[test]
    fn drop_without_commit_removes_only_its_own_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        let mut a = AtomicFile::create(&p).unwrap();
        a.writer().write_all(b"a").unwrap();
        let mut b = AtomicFile::create(&p).unwrap();
        b.writer().write_all(b"b").unwrap();
        let b_tmp = b.temporary_path().to_path_buf();
        // Another process's leftover, of the old naming too.
        std::fs::write(d.path().join("r.json.tmp-4242"), b"other").unwrap();
        drop(a);
        assert!(b_tmp.exists(), "another writer's temporary was removed");
        assert!(d.path().join("r.json.tmp-4242").exists());
        b.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"b");
        assert!(leftovers(d.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_final_name_is_replaced_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let p = d.path().join("r.json");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        write_durable(&p, b"ours").unwrap();
        assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_file());
        assert_eq!(std::fs::read(&p).unwrap(), b"ours");
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_fifos_are_refused() {
        let d = tempfile::tempdir().unwrap();
        for (p, what) in [
            (PathBuf::from("/dev/null"), "a character device"),
            (d.path().to_path_buf(), "a directory"),
        ] {
            match AtomicFile::create(&p) {
                Err(WriteError::NotAFile { what: w, .. }) => assert_eq!(w, what),
                other => panic!("{}: {other:?}", p.display()),
            }
        }
        // Through a symlink too: the device is what would be replaced.
        let link = d.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        assert!(matches!(
            write_atomic(&link, b"x"),
            Err(WriteError::NotAFile { .. })
        ));
        assert!(leftovers(d.path()).is_empty());
        assert!(matches!(
            AtomicFile::create(Path::new("/")),
            Err(WriteError::NoFileName { .. })
        ));
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_target() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("missing").join("r.json");
        let e = AtomicFile::create(&p).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn create_exclusive_creates_once_and_leaves_an_existing_file_alone() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sweep.json");
        assert_eq!(create_exclusive(&p, b"first").unwrap(), Created::New);
        assert_eq!(create_exclusive(&p, b"second").unwrap(), Created::Exists);
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        assert!(leftovers(d.path()).is_empty());
    }

    #[test]
    fn of_racing_exclusive_creators_exactly_one_wins() {
        for round in 0..20 {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("sweep.json");
            let barrier = std::sync::Barrier::new(8);
            let results: Vec<Created> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8u8)
                    .map(|i| {
                        let (p, barrier) = (&p, &barrier);
                        s.spawn(move || {
                            barrier.wait();
                            create_exclusive(p, &[i; 64]).unwrap()
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let new = results.iter().filter(|&&c| c == Created::New).count();
            assert_eq!(new, 1, "round {round}: {results:?}");
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(bytes.len(), 64);
            assert!(bytes.iter().all(|&b| b == bytes[0]), "a mixed file");
            assert!(leftovers(d.path()).is_empty());
        }
    }
}
