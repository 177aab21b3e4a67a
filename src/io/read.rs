//! Input files read whole, never more than a limit: the one reader of every
//! scenario, policy file, observed-data file, part file, posterior and sweep
//! point escalate reads into memory.
//!
//! A path can name something endless (`/dev/zero`, a FIFO fed forever) or a
//! file far larger than any input escalate makes sense of; reading it whole
//! would take memory until the system ran out. [`read_capped`] stops one
//! byte past its limit and says so, whatever the path is (a regular file
//! that is too large is refused from its size, before any read). Files meant
//! to be streamed (a run's per-trial CSV read by `discover`) do not come
//! through here.

use std::io::Read;
use std::path::Path;

/// The most bytes read of a file written by hand: a scenario, a policy file,
/// an observed-data file (16 MiB; the bundled scenarios are under 30 KB).
pub const TEXT_LIMIT: u64 = 16 << 20;

/// The most bytes read of a file escalate wrote: a part file, a calibration
/// part or state, a posterior, a sweep point, a run's JSON report (1 GiB).
pub const DATA_LIMIT: u64 = 1 << 30;

/// The whole of `path`, if it holds at most `limit` bytes; else an error of
/// kind [`std::io::ErrorKind::FileTooLarge`] naming the limit.
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "it holds more than {}, the most escalate reads of such a file",
                size(limit)
            ),
        )
    };
    let known = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if known.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(known.unwrap_or(0) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// `bytes` in the largest binary unit that divides it (`16 MiB`).
fn size(bytes: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut n = bytes;
    let mut unit = 0;
    while unit + 1 < units.len() && n >= 1024 && n.is_multiple_of(1024) {
        n /= 1024;
        unit += 1;
    }
    format!("{n} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_device_is_cut_at_the_limit() {
        let e = read_capped(Path::new("/dev/zero"), 1000).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(
            e.to_string(),
            "it holds more than 1000 bytes, the most escalate reads of such a file"
        );
    }

    #[test]
    fn a_file_at_the_limit_is_read_and_one_past_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_capped(&p, 2048).unwrap().len(), 2048);
        let e = read_capped(&p, 2047).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(size(TEXT_LIMIT), "16 MiB");
        assert_eq!(size(DATA_LIMIT), "1 GiB");
    }
}
