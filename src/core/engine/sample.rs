//! Small, allocation-free samplers for the day loop.

use rand::Rng;
use rand_distr::Distribution;

pub use crate::core::quantile::unit;
use crate::core::quantile::{POISSON_SMALL, poisson_small};
use crate::core::special::exp_neg;

/// Bernoulli(p) from one uniform.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    unit(rng) < p
}

/// Poisson(lambda): inversion from one uniform for small means, the
/// sampler of `rand_distr` above that.
#[inline]
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < POISSON_SMALL {
        poisson_small(unit(rng), lambda)
    } else {
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
    }
}

/// Poisson(lambda) from a uniform `u` drawn by the caller: the same value as
/// [`poisson`] on that uniform below 30 (inversion), and above it `rand_distr`'s sampler (Ahrens-Dieter) on a
/// generator seeded from `u`. A caller that always draws its uniforms keeps its
/// stream in step whatever the means are, so the trial i of two policies
/// shares its draws (common random numbers; inversion also couples the counts
/// monotonically: a lower mean never gives a higher count on the same `u`).
#[inline]
pub fn poisson_at(u: f64, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        0
    } else if lambda < POISSON_SMALL {
        poisson_small(u, lambda)
    } else {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u.to_bits());
        rand_distr::Poisson::new(lambda).map_or(0, |d| d.sample(&mut rng) as u64)
    }
}

/// Entries a [`PoissonTables`] table holds, its end marker included: room
/// for every mean below [`POISSON_SMALL`] (at 30 the search stops by
/// k = 100, where a term no longer moves the sum); a table that would need
/// more is not kept, and its counts come from the search.
const TABLE_LEN: usize = 128;

/// Buckets of a table's guide (Chen and Asau's guide table): where the search
/// for a uniform in `[j / GUIDE, (j + 1) / GUIDE)` starts, so a lookup takes
/// one or two comparisons instead of a scan from 0.
const GUIDE: usize = 32;

/// One mean's inversion table.
#[derive(Debug, Clone)]
struct Table {
    /// The mean it was built for (its bits are the key).
    lambda: f64,
    /// A mean [`PoissonTables::draw`] has met once and not built a table
    /// for (a table pays for itself only on a mean that repeats).
    seen: f64,
    /// Entries before the end marker (0: none kept, the counts come from
    /// [`poisson_at`]; so is a table never built).
    len: usize,
    /// `guide[j]`: the first entry at or above `j / GUIDE` (`len` if none is).
    guide: [u8; GUIDE],
    /// `cdf[k]`: `P(X <= k)` as the search sums it, for `k < len`; then
    /// `+inf`, which ends every scan at `len`: the count the search returns
    /// for a uniform above every entry (where its next term no longer
    /// moves the sum).
    cdf: [f64; TABLE_LEN],
}

/// Poisson inversion tables for means that repeat: the casualties of `n`
/// attacks in a trial have mean `n` times a per-trial constant, so the same
/// few means come back day after day. Each table holds the cumulative sums
/// the sequential search of [`poisson_small`] would add up for its mean, in
/// the same order and rounding, so a count read from it is the count the
/// search returns on the same uniform (exact, not an approximation; a test
/// holds it equal). A table is keyed by its mean: a different mean at the
/// same index rebuilds it, so a caller's index only decides what is kept.
/// All storage is allocated up front; using the tables allocates nothing.
#[derive(Debug, Clone)]
pub struct PoissonTables {
    /// The tables, by the caller's index.
    tables: Vec<Table>,
}

impl PoissonTables {
    /// Room for `tables` tables.
    pub fn new(tables: usize) -> Self {
        let empty = Table {
            lambda: -1.0,
            seen: -1.0,
            len: 0,
            guide: [0; GUIDE],
            cdf: [f64::INFINITY; TABLE_LEN],
        };
        PoissonTables {
            tables: vec![empty; tables],
        }
    }

    /// `Poisson(lambda)` at `u`: the same value as [`poisson_at`], with the
    /// inversion of a mean below [`POISSON_SMALL`] read from table `ix`
    /// (built on its first use with that mean).
    #[inline]
    pub fn at(&mut self, ix: usize, u: f64, lambda: f64) -> u64 {
        let table = &self.tables[ix];
        // One comparison for the key and the range: only a mean in
        // (0, POISSON_SMALL) is ever kept with `len > 0`, so a key that
        // matches with `len == 0` (a table never built, a mean out of range
        // or too long for a table) goes to `poisson_at`.
        let table = if table.lambda.to_bits() == lambda.to_bits() {
            table
        } else {
            self.build(ix, lambda)
        };
        if table.len == 0 {
            return poisson_at(u, lambda);
        }
        // The first entry at or above u, from the guide's start. No entry
        // before the start is at or above u: `j = floor(32 u)` is exact (a
        // power-of-two scaling), so `u >= j / 32`, and every entry before
        // `guide[j]` is below `j / 32` (u = 1 takes the last bucket, below
        // which the same holds). So the scan only goes on; the end marker
        // stops it at `len` (`k <= len < TABLE_LEN`, hence the mask, which
        // changes nothing and spares a bounds check). A NaN `u` stops at
        // the start of bucket 0, which is 0, as the search returns.
        let j = ((u * GUIDE as f64) as usize).min(GUIDE - 1);
        let mut k = table.guide[j] as usize;
        while u > table.cdf[k & (TABLE_LEN - 1)] {
            k += 1;
        }
        k as u64
    }

    /// [`poisson`] on `rng` with the inversion of a mean below
    /// [`POISSON_SMALL`] read from table `ix`: the same uniform drawn from
    /// the same stream (none for a mean of 0 or less, `rand_distr`'s
    /// sampler from 30), hence the same count. A table is built the second
    /// time its mean comes (the first is searched).
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&mut self, ix: usize, rng: &mut R, lambda: f64) -> u64 {
        if lambda > 0.0 && lambda < POISSON_SMALL {
            let u = unit(rng);
            let table = &mut self.tables[ix];
            let key = lambda.to_bits();
            if table.lambda.to_bits() != key && table.seen.to_bits() != key {
                // First meeting: the search, and the table on the second.
                table.seen = lambda;
                return poisson_small(u, lambda);
            }
            self.at(ix, u, lambda)
        } else {
            poisson(rng, lambda)
        }
    }

    /// Table `ix` for `lambda`: the partial sums of `quantile::poisson_search`, term by term.
    #[cold]
    fn build(&mut self, ix: usize, lambda: f64) -> &Table {
        let table = &mut self.tables[ix];
        table.lambda = lambda;
        table.len = 0;
        if !(lambda > 0.0 && lambda < POISSON_SMALL) {
            return table;
        }
        let mut p = exp_neg(lambda);
        let mut cdf = p;
        table.cdf[0] = cdf;
        // The search stops where a term no longer moves the sum (or at
        // k = 1000, beyond any table: TABLE_LEN is smaller).
        const { assert!(TABLE_LEN < 1000 && TABLE_LEN.is_power_of_two()) };
        let mut k = 0usize;
        let stalled = loop {
            k += 1;
            p *= lambda / k as f64;
            let next = cdf + p;
            if next == cdf {
                break Some(k);
            }
            // Room for the end marker after the last entry.
            if k >= TABLE_LEN - 1 {
                break None;
            }
            cdf = next;
            table.cdf[k] = cdf;
        };
        // Stalled at k: entries 0..k, then the end marker (k for a uniform
        // above them all).
        let Some(len) = stalled else {
            return table;
        };
        table.cdf[len..].fill(f64::INFINITY);
        table.len = len;
        for (j, g) in table.guide.iter_mut().enumerate() {
            let at = j as f64 / GUIDE as f64;
            *g = table.cdf[..len].partition_point(|&c| c < at) as u8;
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    /// A count read from a table is the count the search returns: over
    /// means that repeat (as casualty means do) and ones that do not, with
    /// uniforms at random and at the tables' own entries (the boundaries).
    #[test]
    fn poisson_tables_equal_the_search() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut tables = PoissonTables::new(4);
        let means = [0.004, 0.7, 3.25, 29.99, 1e-300, 31.0, 0.0, f64::NAN];
        for i in 0..100_000 {
            let lambda = if i % 5 == 0 {
                40.0 * unit(&mut rng)
            } else {
                means[i % means.len()]
            };
            let mut u = unit(&mut rng);
            if i % 11 == 0 {
                // The guide's bucket boundaries, and 1.
                u = (i / 11 % 33) as f64 / GUIDE as f64;
            }
            if i % 7 == 0 && lambda > 0.0 && lambda < POISSON_SMALL {
                let ix = i % 4;
                tables.at(ix, 0.5, lambda);
                let table = &tables.tables[ix];
                if table.len > 0 {
                    u = table.cdf[i % table.len];
                    // And its neighbours, the other side of each boundary.
                    if i % 3 == 1 {
                        u = u.next_up();
                    } else if i % 3 == 2 {
                        u = u.next_down();
                    }
                }
            }
            assert_eq!(
                tables.at(i % 4, u, lambda),
                poisson_at(u, lambda),
                "u {u} lambda {lambda}"
            );
            assert_eq!(
                poisson_at(u, lambda),
                if lambda > 0.0 && lambda < POISSON_SMALL {
                    crate::core::quantile::poisson_search(u, lambda)
                } else {
                    poisson_at(u, lambda)
                }
            );
        }
    }

    /// Drawing through the tables takes the same draws from the stream and
    /// returns the same counts as [`poisson`], for means that repeat, change,
    /// are 0, large or NaN.
    #[test]
    fn poisson_table_draws_equal_poisson() {
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(8), ChaCha8Rng::seed_from_u64(8));
        let mut pick = ChaCha8Rng::seed_from_u64(9);
        let mut tables = PoissonTables::new(3);
        let means = [2.5, 0.3, 0.0, -1.0, 45.0, 17.0, f64::NAN];
        for i in 0..50_000 {
            let lambda = if i % 4 == 0 {
                35.0 * unit(&mut pick)
            } else {
                means[i % means.len()]
            };
            assert_eq!(tables.draw(i % 3, &mut a, lambda), poisson(&mut b, lambda));
        }
        assert_eq!(a.next_u64(), b.next_u64(), "the streams moved apart");
    }

    #[test]
    fn poisson_mean_and_variance_match_lambda() {
        for lambda in [0.3, 2.0, 12.0, 45.0] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| poisson(&mut rng, lambda) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // Standard error of the mean is sqrt(lambda / n); allow 5 of them.
            assert!(
                (mean - lambda).abs() < 5.0 * (lambda / n as f64).sqrt(),
                "mean {mean} for {lambda}"
            );
            assert!(
                (var / lambda - 1.0).abs() < 0.05,
                "variance {var} for {lambda}"
            );
        }
    }

    /// Issue 11's fuzz finding, the engine's side: the day loop's Poisson
    /// means are products of scenario values (attacks x deaths per attack,
    /// a lever's kills x capability), which validation cannot bound, so
    /// they may exceed rand_distr's limit (1.844e19) or be NaN. None of them
    /// panics (rand_distr's refusal is taken, not unwrapped).
    #[test]
    fn poisson_1e20_in_the_day_loop_is_not_a_panic() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for lambda in [1e20, f64::MAX, f64::INFINITY, f64::NAN] {
            let _ = poisson(&mut rng, lambda);
            let _ = poisson_at(0.5, lambda);
        }
    }
}
