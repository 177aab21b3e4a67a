//! Global sensitivity analysis: experimental designs and estimators as pure
//! functions over any model `f(x)`.
//!
//! This module owns everything between "which input points should be run" and
//! "how much does each input matter"; it knows nothing about scenarios or the
//! engine. The usual flow is:
//!
//! 1. build a design in the unit hypercube `[0, 1]^k` ([`design`]);
//! 2. map it to real input ranges with [`design::scale_design`] (or
//!    [`design::scale`] per value) and evaluate the model once per row, in row
//!    order (the caller may do this in parallel; [`evaluate`] is the sequential
//!    convenience);
//! 3. hand the outputs, in the same order, to an estimator: [`sobol`] (variance
//!    based first-order and total indices), [`morris`] (elementary effects) or
//!    [`regression`] (SRC, PRCC).
//!
//! **Design representation.** Every design is a [`Design`] = `Vec<Vec<f64>>`:
//! one inner vector per point (row), one entry per input (column), row-major.
//! All coordinates lie in `[0, 1]`.
//!
//! **Reproducibility.** Every random draw comes from a
//! [`rand_chacha::ChaCha8Rng`] seeded from a caller-given `u64` with
//! `seed_from_u64`; integers and floats are derived from its raw `next_u64`
//! output by fixed formulas in this module (not by `rand` distribution code
//! that may change between releases), so the same seed reproduces designs and
//! indices bit for bit. No hash maps are used.

pub mod design;
pub mod error;
pub mod morris;
pub mod regression;
pub(crate) mod rng;
pub mod sobol;
pub mod sobol_sequence;
pub mod testfns;

pub use design::{
    Design, MAX_DESIGN_POINTS, grid_design, latin_hypercube, saltelli_design, scale, scale_design,
};
pub use error::SensitivityError;
pub use morris::{MorrisIndices, morris_delta, morris_design, morris_indices};
pub use regression::{Prcc, Src, prcc, src};
pub use sobol::{Interval, SobolIndices, sobol_indices};
pub use sobol_sequence::{MAX_SOBOL_DIMENSIONS, SobolSequence};

/// Evaluates `f` at every row of `design`, in row order.
///
/// A sequential convenience for cheap models and tests; expensive models (the
/// simulator) should evaluate rows themselves, in parallel if they like, as
/// long as output `j` belongs to row `j`.
pub fn evaluate<F>(design: &[Vec<f64>], mut f: F) -> Vec<f64>
where
    F: FnMut(&[f64]) -> f64,
{
    design.iter().map(|row| f(row)).collect()
}
