//! A 256-bit unsigned integer for sums of squares: `n` squares of `u64`
//! values add up to less than `2^192`, past `u128`, so a metric's sum of
//! squares is kept exactly here and merges by integer addition like every
//! other accumulator.
//!
//! Written by hand: the accumulators need four operations (add, a 128 by
//! 64-bit product, subtract, round to `f64`), fewer lines than a
//! big-integer crate's setup; serialised as two `u128` fields of
//! [`super::MetricStats`], the high one left out while it is 0, so part
//! files keep the form they have always had.

/// An unsigned 256-bit integer, `hi * 2^128 + lo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct U256 {
    /// The high 128 bits (first, so the derived order is the numeric one).
    pub hi: u128,
    /// The low 128 bits.
    pub lo: u128,
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256 { hi: 0, lo: 0 };

    /// The value of a `u128`.
    pub const fn from_u128(lo: u128) -> U256 {
        U256 { hi: 0, lo }
    }

    /// `a * b`, exactly (at most 192 bits).
    pub fn product(a: u128, b: u64) -> U256 {
        let (a_lo, a_hi) = (a as u64 as u128, a >> 64);
        let (low, mid) = (a_lo * b as u128, a_hi * b as u128);
        let (lo, carry) = low.overflowing_add(mid << 64);
        U256 {
            hi: (mid >> 64) + carry as u128,
            lo,
        }
    }

    /// The sum, or `None` past `2^256` (which no accumulator of `u64`
    /// values over at most `u64::MAX` trials reaches).
    pub fn checked_add(self, o: U256) -> Option<U256> {
        let (lo, carry) = self.lo.overflowing_add(o.lo);
        let hi = self.hi.checked_add(o.hi)?.checked_add(carry as u128)?;
        Some(U256 { hi, lo })
    }

    /// The difference, or `None` when `o` is larger.
    pub fn checked_sub(self, o: U256) -> Option<U256> {
        let (lo, borrow) = self.lo.overflowing_sub(o.lo);
        let hi = self.hi.checked_sub(o.hi)?.checked_sub(borrow as u128)?;
        Some(U256 { hi, lo })
    }

    /// The nearest `f64` (within one rounding of each half: a relative error
    /// below `2^-52`).
    pub fn to_f64(self) -> f64 {
        self.hi as f64 * 2f64.powi(128) + self.lo as f64
    }
}

/// The sample variance of `n` integers from their exact sums: `sum_abs` the
/// absolute value of their sum `S`, `sum_sq` the sum of their squares `Q`.
/// With `S = a n + r` (`a = S / n` rounded down, below `2^64` for values of
/// magnitude below `2^64`), `D = Q - a (S + r)` is computed exactly in 256
/// bits, and the sum of squared deviations from the mean is `D - r^2 / n`;
/// only that last step rounds, so no cancellation loses the spread of large
/// values with a small one. `None` for fewer than two values.
pub fn variance(n: u64, sum_abs: u128, sum_sq: U256) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let (a, r) = (sum_abs / n as u128, sum_abs % n as u128);
    let mut shift = U256::product(sum_abs, a as u64);
    shift += U256::product(r, a as u64);
    // Q >= a (S + r) for sums of real values (D is a sum of squares); a
    // damaged accumulator that breaks it reads as no spread.
    let d = sum_sq.checked_sub(shift).unwrap_or(U256::ZERO);
    let r = r as f64;
    let var = (d.to_f64() - r * r / n as f64) / (n - 1) as f64;
    Some(var.max(0.0))
}

impl std::ops::AddAssign for U256 {
    /// Adds; past `2^256` (impossible for the sums it holds, see
    /// [`U256::checked_add`]) it saturates at the largest value rather than wrap.
    fn add_assign(&mut self, o: U256) {
        *self = self.checked_add(o).unwrap_or(U256 {
            hi: u128::MAX,
            lo: u128::MAX,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_and_sums_past_u128_are_exact() {
        // (2^64 - 1)^2 * (2^64 - 1) = (2^64 - 1)^3, computed by hand in limbs:
        // 2^192 - 3 * 2^128 + 3 * 2^64 - 1.
        let m = u64::MAX as u128;
        let p = U256::product(m * m, u64::MAX);
        let expect = U256 {
            hi: (1u128 << 64) - 3,
            lo: (3u128 << 64) - 1,
        };
        assert_eq!(p, expect);
        // Adding is the same as multiplying: two of the largest squares.
        let mut s = U256::ZERO;
        s += U256::product(m * m, 1);
        assert_eq!(s, U256::from_u128(m * m));
        s += U256::product(m * m, 1);
        assert_eq!(s, U256::product(m * m, 2));
        assert!(s.hi == 1 && s > U256::from_u128(u128::MAX));
        assert_eq!(p.checked_sub(p), Some(U256::ZERO));
        assert_eq!(U256::ZERO.checked_sub(U256::from_u128(1)), None);
        let two128 = U256 { hi: 1, lo: 0 };
        assert_eq!(
            U256::from_u128(u128::MAX).checked_add(U256::from_u128(1)),
            Some(two128)
        );
        assert_eq!(two128.to_f64(), 2f64.powi(128));
    }
}
