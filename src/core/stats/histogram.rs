//! A log-linear histogram of non-negative integers with integer counts:
//! exact below 1,024, then 128 buckets per doubling (relative error under
//! 0.8%). Counts are integers, so merging is exact in any order.

use serde::{Deserialize, Serialize};

/// Values below this have a bucket each (the histogram is exact there).
pub const LINEAR: u64 = 1024;
const SUB_BITS: u32 = 7;

/// Bucketed counts of values; grows only to the largest bucket seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    counts: Vec<u64>,
}

/// The bucket of a value.
#[inline]
pub fn bucket(v: u64) -> usize {
    if v < LINEAR {
        v as usize
    } else {
        let e = 63 - v.leading_zeros(); // >= 10
        let sub = (v >> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        (LINEAR + ((e - 10) as u64) * (1 << SUB_BITS) + sub) as usize
    }
}

/// The smallest value of a bucket and the first value past it.
pub fn bucket_range(b: usize) -> (u64, u64) {
    let b = b as u64;
    if b < LINEAR {
        (b, b + 1)
    } else {
        let k = b - LINEAR;
        let e = 10 + (k >> SUB_BITS) as u32;
        let sub = k & ((1 << SUB_BITS) - 1);
        let width = 1u64 << (e - SUB_BITS);
        let lo = (1u64 << e) + sub * width;
        (lo, lo.saturating_add(width))
    }
}

impl Histogram {
    /// Counts one value.
    #[inline]
    pub fn add(&mut self, v: u64) {
        let b = bucket(v);
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Values counted, or `None` if the counts add up past `u64::MAX` (only
    /// a damaged or forged histogram can: see `distribution::part`).
    pub fn checked_total(&self) -> Option<u64> {
        self.counts.iter().try_fold(0u64, |t, &c| t.checked_add(c))
    }

    /// The first and last buckets holding a count (`None` when empty).
    pub fn occupied_buckets(&self) -> Option<(usize, usize)> {
        let first = self.counts.iter().position(|&c| c > 0)?;
        let last = self.counts.iter().rposition(|&c| c > 0)?;
        Some((first, last))
    }

    /// Whether it holds buckets past the last one any `u64` falls in.
    pub fn has_impossible_buckets(&self) -> bool {
        self.counts.len() > bucket(u64::MAX) + 1
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The q-quantile (0..=1) by the inverse empirical CDF: the value of
    /// rank `ceil(q * n)` (at least 1), exact below 1,024; above, the
    /// midpoint of its bucket (within half a bucket, under 0.4%, of it).
    /// `None` when empty. Without the values' exact smallest and largest it
    /// can fall past them by that much: [`Histogram::quantile_within`] cannot.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantile_within(q, 0, u64::MAX)
    }

    /// The q-quantile of values known to lie in `min..=max` (a metric's
    /// exact smallest and largest): the value of rank `ceil(q * n)` lies in
    /// its bucket `[lo, hi)` and in `[min, max + 1)`, and the estimate is the
    /// midpoint (rounded down) of that intersection `[a, z)`: `a + (z - a) / 2`,
    /// the bucket's own midpoint where the bounds do not cut it. So it is exact below 1,024, at a
    /// bucket that holds one distinct value (a constant: every quantile is
    /// it) and whenever the intersection is one value; within half the
    /// intersection's width of the true value otherwise (under 0.4% of it);
    /// and never below `min` or above `max`. `None` when empty.
    pub fn quantile_within(&self, q: f64, min: u64, max: u64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            seen = seen.saturating_add(c);
            if seen >= rank {
                let (lo, hi) = bucket_range(b);
                // [lo, hi) within [min, max + 1), in u128 (max + 1 may be
                // 2^64); if they miss each other (a histogram that disagrees
                // with its bounds), the bound nearer.
                let (min, end) = (min as u128, max as u128 + 1);
                let a = (lo as u128).clamp(min, end - 1);
                let z = (hi as u128).clamp(a + 1, end);
                return Some((a + (z - a) / 2) as f64);
            }
        }
        None
    }

    /// Non-empty buckets as (low value, first value past, count), in order.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(b, &c)| {
                let (lo, hi) = bucket_range(b);
                (lo, hi, c)
            })
    }

    /// Counts in `bins` equal-width bins over [lo, hi] (values above go in the last).
    pub fn rebin(&self, lo: u64, hi: u64, bins: usize) -> Vec<u64> {
        let mut out = vec![0; bins.max(1)];
        let width = ((hi - lo) as f64 / bins as f64).max(1e-9);
        for (a, _, c) in self.buckets() {
            let k = (((a.max(lo) - lo) as f64) / width) as usize;
            out[k.min(bins - 1)] += c;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_below_1024_and_tight_above() {
        for v in [0, 1, 500, 1023] {
            assert_eq!(bucket_range(bucket(v)), (v, v + 1));
        }
        for v in [1024u64, 1500, 99_999, 1_400_000, u64::MAX / 3] {
            let (lo, hi) = bucket_range(bucket(v));
            assert!(lo <= v && v < hi, "{v} not in [{lo}, {hi})");
            assert!((hi - lo) as f64 / lo as f64 <= 1.0 / 128.0 + 1e-12);
        }
    }

    #[test]
    fn quantiles_of_small_integers_are_exact() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(v);
        }
        assert_eq!(h.quantile(0.5), Some(50.0));
        assert_eq!(h.quantile(0.05), Some(5.0));
        assert_eq!(h.quantile(1.0), Some(100.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let (mut a, mut b, mut all) = (
            Histogram::default(),
            Histogram::default(),
            Histogram::default(),
        );
        for v in 0..5000u64 {
            let x = v * v % 7919;
            if v % 3 == 0 {
                a.add(x)
            } else {
                b.add(x)
            }
            all.add(x);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, all);
        assert_eq!(b, all);
    }
}
