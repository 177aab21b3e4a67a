//! Shards: shard K of N of a run's trials (or a sweep's design points), and
//! the arithmetic that gives each its contiguous range.
//!
//! A run of T trials split into N shards gives shard K (0 ≤ K < N) the trial
//! indices `floor(K·T/N) .. floor((K+1)·T/N)`: contiguous, in order, covering
//! every trial exactly once ([`Shard::range`]). Requests hold a shard; part
//! files and merging live in [`crate::distribution`].

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
    pub fn new(index: u64, count: u64) -> Result<Shard, ShardSpecError> {
        if count == 0 || index >= count {
            return Err(ShardSpecError {
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
    type Err = ShardSpecError;
    /// Reads `K/N`.
    fn from_str(s: &str) -> Result<Shard, ShardSpecError> {
        let bad = |message: &str| ShardSpecError {
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
        Shard::new(k, n).map_err(|e| bad(&e.message))
    }
}

/// A `--shard` value that is not `K/N` with 0 ≤ K < N.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("--shard {text}: {message}")]
#[diagnostic(
    code(escalate::shard),
    help("write --shard K/N for shard K of N, K from 0 to N-1, e.g. --shard 3/16")
)]
pub struct ShardSpecError {
    /// The value given.
    pub text: String,
    /// What is wrong.
    pub message: String,
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
            assert!(!e.message.is_empty(), "{bad}: {e}");
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
}
