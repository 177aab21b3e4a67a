//! Temporary files beside their targets, and the process-wide list of them
//! that a signal handler empties.
//!
//! A temporary file for `DIR/NAME` is `DIR/.NAME.XXXXXXXXXXXX.tmp`: twelve
//! random characters from the operating system's random source (writers on
//! different hosts sharing a file system never pick the same name), created
//! with `O_EXCL` by [`tempfile`] (a symlink planted at a would-be name is
//! never followed). When `NAME` is long, only its first bytes are kept, so
//! the temporary name fits the [`NAME_MAX`] limit whenever `NAME` does: a
//! 250-byte output name works. Previous versions kept by a commit of several
//! outputs ([`super::commit`]) are named the same way with `.old`.
//!
//! Every temporary file this process has open is listed in one registry, and
//! creating, renaming and removing one all hold the registry's lock. A signal
//! handler calls [`remove_temporaries`]: it takes the lock (waiting for a
//! commit in progress to finish its renames), removes every listed file and
//! keeps the lock, so that no writer creates or renames another before the
//! process ends. The `escalate` binary does this on SIGINT, SIGTERM and SIGHUP.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

use super::WriteError;

/// The longest file name, in bytes, that temporary names are cut to fit:
/// 255, the limit of ext4, XFS, Btrfs, tmpfs, ZFS and NFS (and, in UTF-16
/// units or characters, of NTFS and APFS).
pub const NAME_MAX: usize = 255;

/// Random characters in a temporary file's name.
pub const RANDOM_CHARS: usize = 12;

/// The suffix of a temporary file holding an output not yet renamed into place.
pub const TEMPORARY_SUFFIX: &str = ".tmp";

/// The suffix of the previous version of an output kept while a set of
/// outputs is renamed into place.
pub const OLD_SUFFIX: &str = ".old";

/// The temporary files this process has open, by a number of their own.
pub(crate) struct Registry {
    next: u64,
    open: BTreeMap<u64, PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    open: BTreeMap::new(),
});

/// The registry, locked (a panic elsewhere while it was held does not make it unusable).
pub(crate) fn lock() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// What [`remove_temporaries`] returns: while it lives, no writer in this
/// process creates, renames or removes a file.
#[must_use = "dropping it lets writers go on"]
pub struct TemporariesRemoved {
    _held: MutexGuard<'static, Registry>,
    /// How many files were removed.
    pub removed: usize,
}

impl std::fmt::Debug for TemporariesRemoved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporariesRemoved")
            .field("removed", &self.removed)
            .finish()
    }
}

/// For a signal handler, before the process ends: waits for any commit in
/// progress to finish its renames, removes every temporary file this process
/// has open, and holds every writer back while the result lives. Files
/// already renamed into place, and files of other processes, are left alone.
pub fn remove_temporaries() -> TemporariesRemoved {
    let mut held = lock();
    let open = std::mem::take(&mut held.open);
    let removed = open
        .values()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count();
    TemporariesRemoved {
        _held: held,
        removed,
    }
}

/// The temporary files this process has open now (for tests and diagnostics).
pub fn open_temporaries() -> Vec<PathBuf> {
    lock().open.values().cloned().collect()
}

/// A temporary file, listed in the registry from creation until it is
/// renamed into place or dropped (which removes it).
pub(crate) struct Temporary {
    file: Option<NamedTempFile>,
    id: u64,
}

impl Temporary {
    /// A new, empty temporary file beside `target`, mode 0666 less the umask
    /// (as a plain create would give the target).
    pub(crate) fn create(target: &Path) -> Result<Temporary, WriteError> {
        let prefix = hidden_prefix(target)?;
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix)
            .suffix(TEMPORARY_SUFFIX)
            .rand_bytes(RANDOM_CHARS);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // Created and listed under the lock: a signal handler holding it
        // either sees the file or keeps it from being made.
        let mut reg = lock();
        let file = b
            .tempfile_in(parent_dir(target))
            .map_err(|e| WriteError::io(target, e))?;
        let id = reg.next;
        reg.next += 1;
        reg.open.insert(id, file.path().to_path_buf());
        Ok(Temporary {
            file: Some(file),
            id,
        })
    }

    fn inner(&self) -> &NamedTempFile {
        self.file.as_ref().expect("a temporary not yet renamed")
    }

    /// Its name.
    pub(crate) fn path(&self) -> &Path {
        self.inner().path()
    }

    /// The open file.
    pub(crate) fn as_file(&self) -> &File {
        self.inner().as_file()
    }

    /// Renames it over `target` (replacing whatever is at that name, never
    /// following a symlink there) with the registry locked by the caller. On
    /// error it stays a temporary file (removed when dropped).
    pub(crate) fn persist(
        &mut self,
        reg: &mut Registry,
        target: &Path,
    ) -> Result<(), std::io::Error> {
        let file = self.file.take().expect("a temporary not yet renamed");
        match file.persist(target) {
            Ok(_) => {
                reg.open.remove(&self.id);
                Ok(())
            }
            Err(e) => {
                self.file = Some(e.file);
                Err(e.error)
            }
        }
    }

    /// Links it at `target` only if nothing is there, with the registry locked
    /// by the caller. `Ok(false)`: something was there (this file stays a temporary).
    pub(crate) fn persist_noclobber(
        &mut self,
        reg: &mut Registry,
        target: &Path,
    ) -> Result<bool, std::io::Error> {
        let file = self.file.take().expect("a temporary not yet renamed");
        match file.persist_noclobber(target) {
            Ok(_) => {
                reg.open.remove(&self.id);
                Ok(true)
            }
            Err(e) => {
                self.file = Some(e.file);
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(false)
                } else {
                    Err(e.error)
                }
            }
        }
    }
}

impl Write for Temporary {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file
            .as_mut()
            .expect("a temporary not yet renamed")
            .write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file
            .as_mut()
            .expect("a temporary not yet renamed")
            .flush()
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut reg = lock();
            reg.open.remove(&self.id);
            drop(file); // removes it, under the lock
        }
    }
}

/// The previous version of `target`, kept as a hard link `.NAME.XXXXXXXXXXXX.old`
/// beside it: removed when dropped, or renamed back over `target` by
/// [`Backup::restore`]. `Err` when the file system cannot link (then there is
/// no copy to restore from).
pub(crate) struct Backup {
    file: NamedTempFile<()>,
}

impl Backup {
    /// Links `target`'s current file (or symlink) at a new hidden name.
    pub(crate) fn keep(target: &Path) -> Result<Backup, std::io::Error> {
        let prefix = hidden_prefix(target)
            .map_err(|_| std::io::Error::other("the target has no file name"))?;
        let file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(OLD_SUFFIX)
            .rand_bytes(RANDOM_CHARS)
            .make_in(parent_dir(target), |p| std::fs::hard_link(target, p))?;
        Ok(Backup { file })
    }

    /// Renames the kept version back over `target`.
    pub(crate) fn restore(self, target: &Path) -> Result<(), std::io::Error> {
        self.file.persist(target).map(|_| ()).map_err(|e| e.error)
    }
}

/// Whether a file name is one of this layer's temporary or kept-version
/// names (`.NAME.XXXXXXXXXXXX.tmp` or `.old`), of this process or another.
pub fn is_temporary_name(name: &std::ffi::OsStr) -> bool {
    let Some(n) = name.to_str() else {
        return false;
    };
    let Some(stem) = n
        .strip_suffix(TEMPORARY_SUFFIX)
        .or_else(|| n.strip_suffix(OLD_SUFFIX))
    else {
        return false;
    };
    let tail = RANDOM_CHARS + 1;
    n.starts_with('.')
        && stem.len() > tail
        && stem.is_char_boundary(stem.len() - tail)
        && stem[stem.len() - tail..].starts_with('.')
        && stem[stem.len() - RANDOM_CHARS..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

/// The directory a file named `path` lives in.
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.` with NAME cut so that `.NAME.` + [`RANDOM_CHARS`] + a
/// four-byte suffix fits [`NAME_MAX`].
fn hidden_prefix(target: &Path) -> Result<OsString, WriteError> {
    let name = target.file_name().ok_or_else(|| WriteError::NoFileName {
        path: target.to_path_buf(),
    })?;
    let room = NAME_MAX - 2 - RANDOM_CHARS - TEMPORARY_SUFFIX.len();
    let mut prefix = OsString::from(".");
    prefix.push(cut_name(name, room));
    prefix.push(".");
    Ok(prefix)
}

/// The first at most `max` bytes of a file name, cut at a character boundary
/// when the name is UTF-8.
fn cut_name(name: &std::ffi::OsStr, max: usize) -> OsString {
    if name.len() <= max {
        return name.to_os_string();
    }
    if let Some(s) = name.to_str() {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        return OsString::from(&s[..end]);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(&name.as_bytes()[..max]).to_os_string()
    }
    #[cfg(not(unix))]
    {
        let lossy = name.to_string_lossy();
        let mut end = max.min(lossy.len());
        while !lossy.is_char_boundary(end) {
            end -= 1;
        }
        OsString::from(&lossy[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_fit_the_name_limit_at_a_character_boundary() {
        let room = NAME_MAX - 2 - RANDOM_CHARS - TEMPORARY_SUFFIX.len();
        let short = std::ffi::OsStr::new("r.json");
        assert_eq!(cut_name(short, room), "r.json");
        let long = "é".repeat(200); // 400 bytes
        let cut = cut_name(std::ffi::OsStr::new(&long), room);
        let cut = cut.to_str().unwrap();
        assert!(cut.len() <= room && cut.len() >= room - 1, "{}", cut.len());
        assert!(long.starts_with(cut));
    }

    #[test]
    fn temporary_names_are_recognised() {
        let d = tempfile::tempdir().unwrap();
        let t = Temporary::create(&d.path().join("points.csv")).unwrap();
        assert!(is_temporary_name(t.path().file_name().unwrap()));
        for other in [
            "points.csv",
            ".x.tmp",
            "notes.tmp-1",
            ".a.b1c2d3e4f5g6.tmpx",
            ".b1c2d3e4f5g6.tmp",
        ] {
            assert!(!is_temporary_name(std::ffi::OsStr::new(other)), "{other}");
        }
        assert!(is_temporary_name(std::ffi::OsStr::new(
            ".r.json.a1B2c3D4e5F6.old"
        )));
    }

    #[test]
    fn a_temporary_is_listed_until_renamed_or_dropped() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("r.json");
        let mut a = Temporary::create(&target).unwrap();
        let b = Temporary::create(&target).unwrap();
        let (pa, pb) = (a.path().to_path_buf(), b.path().to_path_buf());
        let open = open_temporaries();
        assert!(open.contains(&pa) && open.contains(&pb));
        drop(b);
        assert!(!pb.exists());
        assert!(!open_temporaries().contains(&pb));
        a.write_all(b"x").unwrap();
        a.persist(&mut lock(), &target).unwrap();
        assert!(!open_temporaries().contains(&pa));
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
    }
}
