//! The Sobol low-discrepancy sequence (Gray-code order) used by the Saltelli
//! design, unscrambled or with Owen's nested uniform scrambling
//! ([`OwenScramble`], [`SobolSequence::scrambled_points`]).
//!
//! Construction follows Bratley & Fox (1988) / Joe & Kuo (2003): dimension 1 is
//! the van der Corput sequence in base 2; dimension `d >= 2` uses the primitive
//! polynomial and initial direction numbers `m_1..m_s` of row `d` of the table
//! below. Points are generated in Gray-code order (Antonov & Saleev 1979), so
//! the first `2^m` points are the same set as in natural order. Direction
//! numbers are 32-bit, so at most `2^32` points can be produced; the first point
//! is the origin.
//!
//! Direction numbers: Joe & Kuo (2008), "Constructing Sobol sequences with
//! better two-dimensional projections", SIAM J. Sci. Comput. 30:2635-2654, data
//! file `new-joe-kuo-6.21201` (dimensions 2..=161 of it are embedded here, as
//! `(a, [m_1..m_s])` with the degree `s` implied by the number of `m` values).
//! The embedded rows were transcribed from SALib's copy of that file
//! (`SALib/sample/directions.py`); the unit tests check that every polynomial is
//! primitive over GF(2) and distinct, and that every `m_i` is odd and `< 2^i`.
//!
//! **Why scramble.** Unscrambled, every dimension's first direction number is
//! 1/2 and many share their next few, so among the first few dozen points
//! whole coordinates coincide across dimensions (point 1 is (1/2, ..., 1/2);
//! Campolongo, Saltelli & Cariboni 2011, Table 2). A Saltelli design built on
//! them pairs columns of A and B that are equal in many rows, so the estimators
//! see no change where they should. Owen's scrambling (Owen 1995) keeps each
//! dimension's stratification (the first `2^m` points still put one point in
//! each interval of width `2^-m`) but makes every scrambled point uniform on
//! the unit cube with independent coordinates, so the estimators are unbiased
//! at every `N`, and a seed gives independent replicates of the design.

use super::error::{Result, SensitivityError};
use super::rng::Stream;

/// Number of bits in a direction number (and the log2 of the point limit).
const BITS: usize = 32;

/// Largest number of dimensions [`SobolSequence`] supports (1 van der Corput
/// dimension plus the embedded Joe & Kuo rows).
pub const MAX_SOBOL_DIMENSIONS: usize = 1 + JOE_KUO.len();

/// Largest number of points (including skipped ones) the sequence can produce.
pub const MAX_SOBOL_POINTS: u64 = 1 << BITS;

/// A Sobol sequence generator in `[0, 1)^dims`.
///
/// Iterating yields points `0, 1, 2, ...` (point 0 is the origin); use
/// [`SobolSequence::fast_forward`] to start later.
#[derive(Debug, Clone)]
pub struct SobolSequence {
    /// `directions[d][j]` is the direction number `v_{j+1}` of dimension `d`,
    /// left-aligned in 32 bits.
    directions: Vec<[u32; BITS]>,
    /// Integer coordinates of the next point to return.
    state: Vec<u32>,
    /// Index of the next point to return.
    index: u64,
}

impl SobolSequence {
    /// A generator for `dims` dimensions, positioned at point 0.
    ///
    /// Errors: `dims == 0` ([`SensitivityError::NoInputs`]) or
    /// `dims > MAX_SOBOL_DIMENSIONS`.
    pub fn new(dims: usize) -> Result<Self> {
        if dims == 0 {
            return Err(SensitivityError::NoInputs);
        }
        if dims > MAX_SOBOL_DIMENSIONS {
            return Err(SensitivityError::TooManyDimensions {
                requested: dims,
                max: MAX_SOBOL_DIMENSIONS,
            });
        }
        let mut directions = Vec::with_capacity(dims);
        let mut first = [0u32; BITS];
        for (j, v) in first.iter_mut().enumerate() {
            *v = 1u32 << (BITS - 1 - j);
        }
        directions.push(first);
        for &(a, m) in JOE_KUO.iter().take(dims - 1) {
            directions.push(direction_numbers(a, m));
        }
        Ok(Self {
            directions,
            state: vec![0; dims],
            index: 0,
        })
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.directions.len()
    }

    /// Index of the point the next call to [`Iterator::next`] returns.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Advances by `n` points without producing them (`O(dims * 32)`).
    ///
    /// Errors with [`SensitivityError::TooManyPoints`] if that would pass the
    /// `2^32`-point limit.
    pub fn fast_forward(&mut self, n: u64) -> Result<()> {
        let target = self
            .index
            .checked_add(n)
            .filter(|&t| t <= MAX_SOBOL_POINTS)
            .ok_or(SensitivityError::TooManyPoints {
                requested: self.index.saturating_add(n),
                max: MAX_SOBOL_POINTS,
            })?;
        // Point i in Gray-code order is the XOR of the direction numbers
        // selected by the bits of gray(i) = i ^ (i >> 1).
        let gray = target ^ (target >> 1);
        for (x, dirs) in self.state.iter_mut().zip(&self.directions) {
            *x = (0..BITS)
                .filter(|&j| (gray >> j) & 1 == 1)
                .fold(0u32, |acc, j| acc ^ dirs[j]);
        }
        self.index = target;
        Ok(())
    }

    /// Points `skip .. skip + n`, one row of `dims` coordinates per point (the
    /// row-major shape of a design; this module sits below `design`, which uses it).
    pub fn points(dims: usize, n: usize, skip: u64) -> Result<Vec<Vec<f64>>> {
        let mut seq = Self::new(dims)?;
        let end = (n as u64).saturating_add(skip);
        if end > MAX_SOBOL_POINTS {
            return Err(SensitivityError::TooManyPoints {
                requested: end,
                max: MAX_SOBOL_POINTS,
            });
        }
        seq.fast_forward(skip)?;
        Ok(seq.by_ref().take(n).collect())
    }

    /// Points `0 .. n` with Owen's nested uniform scrambling seeded by `seed`
    /// ([`OwenScramble`]), one row of `dims` coordinates per point. No point is
    /// skipped: scrambled, the first point is no longer the origin, and
    /// dropping it would break the balance of the first `2^m` points (Owen
    /// 2022, "On dropping the first Sobol' point").
    ///
    /// Coordinate `d` of a point is `(s + 1/2) / 2^32`, `s` the scrambled
    /// 32-bit digits: inside `(0, 1)`, never on the boundary.
    pub fn scrambled_points(dims: usize, n: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
        let mut seq = Self::new(dims)?;
        if n as u64 > MAX_SOBOL_POINTS {
            return Err(SensitivityError::TooManyPoints {
                requested: n as u64,
                max: MAX_SOBOL_POINTS,
            });
        }
        let scramble = OwenScramble::new(dims, seed);
        let scale = 1.0 / MAX_SOBOL_POINTS as f64;
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            points.push(
                seq.state
                    .iter()
                    .enumerate()
                    .map(|(d, &x)| (f64::from(scramble.apply(d, x)) + 0.5) * scale)
                    .collect(),
            );
            seq.step();
        }
        Ok(points)
    }

    /// Moves to the next point (Gray-code update: flip the direction number
    /// indexed by the position of the lowest zero bit of the current index).
    fn step(&mut self) {
        let c = self.index.trailing_ones() as usize;
        if c < BITS {
            for (x, dirs) in self.state.iter_mut().zip(&self.directions) {
                *x ^= dirs[c];
            }
        }
        self.index += 1;
    }
}

/// Owen's nested uniform scrambling of 32-bit coordinates (Owen 1995,
/// "Randomly permuted (t,m,s)-nets and (t,s)-sequences"), one independent
/// scramble per dimension.
///
/// Digit `b` (from the most significant, `b = 0..32`) of a coordinate is
/// flipped or not by a random bit attached to the node of the binary tree
/// that its leading `b` digits reach: equal leading digits, equal flip, so
/// intervals `[j 2^-b, (j + 1) 2^-b)` are mapped onto such intervals
/// (stratification is kept) while every point becomes uniform. The node bits
/// are the top bit of [`mix`] of the dimension's key XOR the node's number
/// `b 2^32 + prefix`; the keys are the first `dims` words of ChaCha stream 1
/// of the seed (stream 0 stays with the bootstrap). Hand-written: the crates
/// that scramble Sobol points use their own sequence and `f32` output.
#[derive(Debug, Clone)]
pub struct OwenScramble {
    /// One key per dimension.
    keys: Vec<u64>,
}

impl OwenScramble {
    /// The scramble of `dims` dimensions for `seed`.
    pub fn new(dims: usize, seed: u64) -> Self {
        let mut stream = Stream::on_stream(seed, 1);
        Self {
            keys: (0..dims).map(|_| stream.word()).collect(),
        }
    }

    /// Scrambles the 32 digits `x` of a coordinate of dimension `dim`.
    pub fn apply(&self, dim: usize, x: u32) -> u32 {
        let key = self.keys[dim];
        let mut flips = 0u32;
        for b in 0..BITS {
            let prefix = u64::from(x).checked_shr((BITS - b) as u32).unwrap_or(0);
            let node = ((b as u64) << BITS) | prefix;
            let bit = (mix(key ^ node) >> 63) as u32;
            flips |= bit << (BITS - 1 - b);
        }
        x ^ flips
    }
}

/// A fixed 64-bit mixing bijection: the finalizer of SplitMix64 (Steele, Lea
/// & Flood 2014, "Fast splittable pseudorandom number generators"), applied
/// after adding the golden-ratio increment.
fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Iterator for SobolSequence {
    type Item = Vec<f64>;

    /// The next point, or `None` once all `2^32` points have been produced.
    fn next(&mut self) -> Option<Vec<f64>> {
        if self.index >= MAX_SOBOL_POINTS {
            return None;
        }
        let scale = 1.0 / MAX_SOBOL_POINTS as f64;
        let point = self.state.iter().map(|&x| f64::from(x) * scale).collect();
        self.step();
        Some(point)
    }
}

/// Left-aligned direction numbers `v_1..v_32` for primitive polynomial
/// coefficients `a` (degree `s = m.len()`) and initial values `m`
/// (Bratley & Fox 1988, recurrence (2)).
fn direction_numbers(a: u32, m: &[u32]) -> [u32; BITS] {
    let s = m.len();
    let mut v = [0u32; BITS];
    for j in 0..BITS {
        v[j] = if j < s {
            m[j] << (BITS - 1 - j)
        } else {
            let mut x = v[j - s] ^ (v[j - s] >> s);
            for k in 1..s {
                if (a >> (s - 1 - k)) & 1 == 1 {
                    x ^= v[j - k];
                }
            }
            x
        };
    }
    v
}

// Joe & Kuo (2008), new-joe-kuo-6.21201, dimensions 2..=161: (a, [m_1..m_s]).
const JOE_KUO: [(u32, &[u32]); 160] = [
    (0, &[1]),
    (1, &[1, 3]),
    (1, &[1, 3, 1]),
    (2, &[1, 1, 1]),
    (1, &[1, 1, 3, 3]),
    (4, &[1, 3, 5, 13]),
    (2, &[1, 1, 5, 5, 17]),
    (4, &[1, 1, 5, 5, 5]),
    (7, &[1, 1, 7, 11, 19]),
    (11, &[1, 1, 5, 1, 1]),
    (13, &[1, 1, 1, 3, 11]),
    (14, &[1, 3, 5, 5, 31]),
    (1, &[1, 3, 3, 9, 7, 49]),
    (13, &[1, 1, 1, 15, 21, 21]),
    (16, &[1, 3, 1, 13, 27, 49]),
    (19, &[1, 1, 1, 15, 7, 5]),
    (22, &[1, 3, 1, 15, 13, 25]),
    (25, &[1, 1, 5, 5, 19, 61]),
    (1, &[1, 3, 7, 11, 23, 15, 103]),
    (4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, &[1, 1, 3, 13, 7, 35, 63]),
    (8, &[1, 3, 5, 9, 1, 25, 53]),
    (14, &[1, 3, 1, 13, 9, 35, 107]),
    (19, &[1, 3, 1, 5, 27, 61, 31]),
    (21, &[1, 1, 5, 11, 19, 41, 61]),
    (28, &[1, 3, 5, 3, 3, 13, 69]),
    (31, &[1, 1, 7, 13, 1, 19, 1]),
    (32, &[1, 3, 7, 5, 13, 19, 59]),
    (37, &[1, 1, 3, 9, 25, 29, 41]),
    (41, &[1, 3, 5, 13, 23, 1, 55]),
    (42, &[1, 3, 7, 3, 13, 59, 17]),
    (50, &[1, 3, 1, 3, 5, 53, 69]),
    (55, &[1, 1, 5, 5, 23, 33, 13]),
    (56, &[1, 1, 7, 7, 1, 61, 123]),
    (59, &[1, 1, 7, 9, 13, 61, 49]),
    (62, &[1, 3, 3, 5, 3, 55, 33]),
    (14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
    (67, &[1, 1, 1, 11, 21, 53, 125, 249, 293]),
    (74, &[1, 1, 7, 11, 11, 7, 57, 79, 323]),
    (81, &[1, 1, 5, 5, 17, 13, 81, 3, 131]),
    (82, &[1, 1, 7, 13, 23, 7, 65, 251, 475]),
    (87, &[1, 3, 5, 1, 9, 43, 3, 149, 11]),
    (91, &[1, 1, 3, 13, 31, 13, 13, 255, 487]),
    (94, &[1, 3, 3, 1, 5, 63, 89, 91, 127]),
    (103, &[1, 1, 3, 3, 1, 19, 123, 127, 237]),
    (104, &[1, 1, 5, 7, 23, 31, 37, 243, 289]),
    (109, &[1, 1, 5, 11, 17, 53, 117, 183, 491]),
    (122, &[1, 1, 1, 5, 1, 13, 13, 209, 345]),
    (124, &[1, 1, 3, 15, 1, 57, 115, 7, 33]),
    (137, &[1, 3, 1, 11, 7, 43, 81, 207, 175]),
    (138, &[1, 3, 1, 1, 15, 27, 63, 255, 49]),
    (143, &[1, 3, 5, 3, 27, 61, 105, 171, 305]),
    (145, &[1, 1, 5, 3, 1, 3, 57, 249, 149]),
    (152, &[1, 1, 3, 5, 5, 57, 15, 13, 159]),
    (157, &[1, 1, 1, 11, 7, 11, 105, 141, 225]),
    (167, &[1, 3, 3, 5, 27, 59, 121, 101, 271]),
    (173, &[1, 3, 5, 9, 11, 49, 51, 59, 115]),
    (176, &[1, 1, 7, 1, 23, 45, 125, 71, 419]),
    (181, &[1, 1, 3, 5, 23, 5, 105, 109, 75]),
    (182, &[1, 1, 7, 15, 7, 11, 67, 121, 453]),
    (185, &[1, 3, 7, 3, 9, 13, 31, 27, 449]),
    (191, &[1, 3, 1, 15, 19, 39, 39, 89, 15]),
    (194, &[1, 1, 1, 1, 1, 33, 73, 145, 379]),
    (199, &[1, 3, 1, 15, 15, 43, 29, 13, 483]),
    (218, &[1, 1, 7, 3, 19, 27, 85, 131, 431]),
    (220, &[1, 3, 3, 3, 5, 35, 23, 195, 349]),
    (227, &[1, 3, 3, 7, 9, 27, 39, 59, 297]),
    (229, &[1, 1, 3, 9, 11, 17, 13, 241, 157]),
    (230, &[1, 3, 7, 15, 25, 57, 33, 189, 213]),
    (234, &[1, 1, 7, 1, 9, 55, 73, 83, 217]),
    (236, &[1, 3, 3, 13, 19, 27, 23, 113, 249]),
    (241, &[1, 3, 5, 3, 23, 43, 3, 253, 479]),
    (244, &[1, 1, 5, 5, 11, 5, 45, 117, 217]),
    (253, &[1, 3, 3, 7, 29, 37, 33, 123, 147]),
    (4, &[1, 3, 1, 15, 5, 5, 37, 227, 223, 459]),
    (13, &[1, 1, 7, 5, 5, 39, 63, 255, 135, 487]),
    (19, &[1, 3, 1, 7, 9, 7, 87, 249, 217, 599]),
    (22, &[1, 1, 3, 13, 9, 47, 7, 225, 363, 247]),
    (50, &[1, 3, 7, 13, 19, 13, 9, 67, 9, 737]),
    (55, &[1, 3, 5, 5, 19, 59, 7, 41, 319, 677]),
    (64, &[1, 1, 5, 3, 31, 63, 15, 43, 207, 789]),
    (69, &[1, 1, 7, 9, 13, 39, 3, 47, 497, 169]),
    (98, &[1, 3, 1, 7, 21, 17, 97, 19, 415, 905]),
    (107, &[1, 3, 7, 1, 3, 31, 71, 111, 165, 127]),
    (115, &[1, 1, 5, 11, 1, 61, 83, 119, 203, 847]),
    (121, &[1, 3, 3, 13, 9, 61, 19, 97, 47, 35]),
    (127, &[1, 1, 7, 7, 15, 29, 63, 95, 417, 469]),
    (134, &[1, 3, 1, 9, 25, 9, 71, 57, 213, 385]),
    (140, &[1, 3, 5, 13, 31, 47, 101, 57, 39, 341]),
    (145, &[1, 1, 3, 3, 31, 57, 125, 173, 365, 551]),
    (152, &[1, 3, 7, 1, 13, 57, 67, 157, 451, 707]),
    (158, &[1, 1, 1, 7, 21, 13, 105, 89, 429, 965]),
    (161, &[1, 1, 5, 9, 17, 51, 45, 119, 157, 141]),
    (171, &[1, 3, 7, 7, 13, 45, 91, 9, 129, 741]),
    (181, &[1, 3, 7, 1, 23, 57, 67, 141, 151, 571]),
    (194, &[1, 1, 3, 11, 17, 47, 93, 107, 375, 157]),
    (199, &[1, 3, 3, 5, 11, 21, 43, 51, 169, 915]),
    (203, &[1, 1, 5, 3, 15, 55, 101, 67, 455, 625]),
    (208, &[1, 3, 5, 9, 1, 23, 29, 47, 345, 595]),
    (227, &[1, 3, 7, 7, 5, 49, 29, 155, 323, 589]),
    (242, &[1, 3, 3, 7, 5, 41, 127, 61, 261, 717]),
    (251, &[1, 3, 7, 7, 17, 23, 117, 67, 129, 1009]),
    (253, &[1, 1, 3, 13, 11, 39, 21, 207, 123, 305]),
    (265, &[1, 1, 3, 9, 29, 3, 95, 47, 231, 73]),
    (266, &[1, 3, 1, 9, 1, 29, 117, 21, 441, 259]),
    (274, &[1, 3, 1, 13, 21, 39, 125, 211, 439, 723]),
    (283, &[1, 1, 7, 3, 17, 63, 115, 89, 49, 773]),
    (289, &[1, 3, 7, 13, 11, 33, 101, 107, 63, 73]),
    (295, &[1, 1, 5, 5, 13, 57, 63, 135, 437, 177]),
    (301, &[1, 1, 3, 7, 27, 63, 93, 47, 417, 483]),
    (316, &[1, 1, 3, 1, 23, 29, 1, 191, 49, 23]),
    (319, &[1, 1, 3, 15, 25, 55, 9, 101, 219, 607]),
    (324, &[1, 3, 1, 7, 7, 19, 51, 251, 393, 307]),
    (346, &[1, 3, 3, 3, 25, 55, 17, 75, 337, 3]),
    (352, &[1, 1, 1, 13, 25, 17, 65, 45, 479, 413]),
    (361, &[1, 1, 7, 7, 27, 49, 99, 161, 213, 727]),
    (367, &[1, 3, 5, 1, 23, 5, 43, 41, 251, 857]),
    (382, &[1, 3, 3, 7, 11, 61, 39, 87, 383, 835]),
    (395, &[1, 1, 3, 15, 13, 7, 29, 7, 505, 923]),
    (398, &[1, 3, 7, 1, 5, 31, 47, 157, 445, 501]),
    (400, &[1, 1, 3, 7, 1, 43, 9, 147, 115, 605]),
    (412, &[1, 3, 3, 13, 5, 1, 119, 211, 455, 1001]),
    (419, &[1, 1, 3, 5, 13, 19, 3, 243, 75, 843]),
    (422, &[1, 3, 7, 7, 1, 19, 91, 249, 357, 589]),
    (426, &[1, 1, 1, 9, 1, 25, 109, 197, 279, 411]),
    (428, &[1, 3, 1, 15, 23, 57, 59, 135, 191, 75]),
    (433, &[1, 1, 5, 15, 29, 21, 39, 253, 383, 349]),
    (446, &[1, 3, 3, 5, 19, 45, 61, 151, 199, 981]),
    (454, &[1, 3, 5, 13, 9, 61, 107, 141, 141, 1]),
    (457, &[1, 3, 1, 11, 27, 25, 85, 105, 309, 979]),
    (472, &[1, 3, 3, 11, 19, 7, 115, 223, 349, 43]),
    (493, &[1, 1, 7, 9, 21, 39, 123, 21, 275, 927]),
    (505, &[1, 1, 7, 13, 15, 41, 47, 243, 303, 437]),
    (508, &[1, 1, 1, 7, 7, 3, 15, 99, 409, 719]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Multiplies two GF(2) polynomials modulo `p` (degree `s`).
    fn mulmod(mut x: u64, mut y: u64, p: u64, s: u32) -> u64 {
        let mut r = 0;
        while y != 0 {
            if y & 1 == 1 {
                r ^= x;
            }
            y >>= 1;
            x <<= 1;
            if (x >> s) & 1 == 1 {
                x ^= p;
            }
        }
        r
    }

    fn pow_x(e: u64, p: u64, s: u32) -> u64 {
        let (mut r, mut b, mut e) = (1u64, 2u64, e);
        while e != 0 {
            if e & 1 == 1 {
                r = mulmod(r, b, p, s);
            }
            b = mulmod(b, b, p, s);
            e >>= 1;
        }
        r
    }

    #[test]
    fn table_polynomials_are_primitive_distinct_and_m_valid() {
        let mut seen = Vec::new();
        for (row, &(a, m)) in JOE_KUO.iter().enumerate() {
            let s = m.len() as u32;
            assert!(a < 1 << (s - 1), "row {row}");
            for (i, &mi) in m.iter().enumerate() {
                assert!(mi % 2 == 1 && mi < 1 << (i + 1), "row {row} m_{}", i + 1);
            }
            let p = (1u64 << s) | (u64::from(a) << 1) | 1;
            // Primitive iff x has multiplicative order exactly 2^s - 1.
            let order = (1u64 << s) - 1;
            assert_eq!(pow_x(order, p, s), 1, "row {row}");
            let mut n = order;
            let mut q = 2;
            while n > 1 {
                if n.is_multiple_of(q) {
                    assert_ne!(pow_x(order / q, p, s), 1, "row {row}");
                    while n.is_multiple_of(q) {
                        n /= q;
                    }
                }
                q += 1;
            }
            assert!(!seen.contains(&p), "row {row} repeats a polynomial");
            seen.push(p);
        }
    }

    #[test]
    fn first_points_match_known_values() {
        // Unscrambled Sobol points 0..8 in 3 dimensions (Gray-code order, as in
        // scipy.stats.qmc.Sobol(3, scramble=False)).
        let expected = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
        ];
        let pts = SobolSequence::points(3, 8, 0).unwrap();
        for (p, e) in pts.iter().zip(expected.iter()) {
            assert_eq!(p.as_slice(), e.as_slice());
        }
    }

    #[test]
    fn every_dimension_is_stratified_in_one_dimension() {
        // The first 2^m points of every coordinate hit each interval
        // [j/2^m, (j+1)/2^m) exactly once (a (0, m, 1)-net).
        let m = 10;
        let pts = SobolSequence::points(MAX_SOBOL_DIMENSIONS, 1 << m, 0).unwrap();
        for d in 0..MAX_SOBOL_DIMENSIONS {
            let mut hit = vec![false; 1 << m];
            for p in &pts {
                let cell = (p[d] * f64::from(1u32 << m)) as usize;
                assert!(!hit[cell], "dimension {d}");
                hit[cell] = true;
            }
        }
    }

    #[test]
    fn first_two_dimensions_form_a_zero_net() {
        // Sobol dimensions 1 and 2 form a (0, 2)-sequence: the first 2^m
        // points put exactly one point in every elementary box
        // [a 2^-p, (a+1) 2^-p) x [b 2^-(m-p), (b+1) 2^-(m-p)).
        let m = 8u32;
        assert_zero_net(&SobolSequence::points(2, 1 << m, 0).unwrap(), m);
    }

    /// Checks that the first `2^m` of `pts` in dimensions 0 and 1 put one
    /// point in every elementary box of area `2^-m`.
    fn assert_zero_net(pts: &[Vec<f64>], m: u32) {
        for p in 0..=m {
            let mut hit = vec![false; 1 << m];
            for x in pts {
                let a = (x[0] * f64::from(1u32 << p)) as usize;
                let b = (x[1] * f64::from(1u32 << (m - p))) as usize;
                let cell = (a << (m - p)) | b;
                assert!(!hit[cell], "p = {p}");
                hit[cell] = true;
            }
        }
    }

    #[test]
    fn scrambling_keeps_the_nets_and_stays_inside_the_cube() {
        for seed in [0, 1, 20240318] {
            let m = 7u32;
            let pts = SobolSequence::scrambled_points(6, 1 << m, seed).unwrap();
            assert_zero_net(&pts, m);
            for d in 0..6 {
                let mut hit = vec![false; 1 << m];
                for p in &pts {
                    assert!(p[d] > 0.0 && p[d] < 1.0);
                    let cell = (p[d] * f64::from(1u32 << m)) as usize;
                    assert!(!hit[cell], "seed {seed}, dimension {d}");
                    hit[cell] = true;
                }
            }
        }
    }

    #[test]
    fn scrambled_points_are_uniform_over_seeds_and_fixed_by_the_seed() {
        // Unscrambled, point 0 is the origin and point 1 is (1/2, 1/2) in
        // every dimension; scrambled, each is uniform: over 4,000 seeds the
        // quarter of [0, 1) holding point 1's first coordinate is each quarter
        // about 1,000 times (binomial sd about 27; bounds at 5 sd), and its two
        // coordinates fall in the same quarter about a quarter of the time.
        let mut quarters = [0usize; 4];
        let mut same = 0;
        for seed in 0..4000 {
            let p = SobolSequence::scrambled_points(2, 2, seed).unwrap();
            let q0 = (p[1][0] * 4.0) as usize;
            let q1 = (p[1][1] * 4.0) as usize;
            quarters[q0] += 1;
            same += usize::from(q0 == q1);
        }
        for q in quarters {
            assert!((865..=1135).contains(&q), "{quarters:?}");
        }
        assert!((865..=1135).contains(&same), "{same}");
        assert_eq!(
            SobolSequence::scrambled_points(4, 16, 9).unwrap(),
            SobolSequence::scrambled_points(4, 16, 9).unwrap()
        );
        assert_ne!(
            SobolSequence::scrambled_points(4, 16, 9).unwrap(),
            SobolSequence::scrambled_points(4, 16, 10).unwrap()
        );
    }

    #[test]
    fn skip_matches_iteration() {
        let all = SobolSequence::points(5, 100, 0).unwrap();
        let tail = SobolSequence::points(5, 37, 63).unwrap();
        assert_eq!(&all[63..], tail.as_slice());
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert_eq!(
            SobolSequence::new(0).unwrap_err(),
            SensitivityError::NoInputs
        );
        assert!(matches!(
            SobolSequence::new(MAX_SOBOL_DIMENSIONS + 1),
            Err(SensitivityError::TooManyDimensions { .. })
        ));
        assert!(matches!(
            SobolSequence::points(2, 2, MAX_SOBOL_POINTS - 1),
            Err(SensitivityError::TooManyPoints { .. })
        ));
    }
}
