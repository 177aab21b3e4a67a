//! The error type shared by every design and estimator in
//! [`crate::sensitivity`]: bad arguments are reported, never panicked on.

use thiserror::Error;

/// Why a design could not be built or an estimator could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SensitivityError {
    /// The number of inputs `k` was zero.
    #[error("at least one input is required (k = 0)")]
    NoInputs,
    /// A sample size (`n`, `N` base samples, `r` trajectories...) was too small.
    #[error("{what} must be at least {min}, got {got}")]
    TooFewSamples {
        /// Which argument was too small.
        what: &'static str,
        /// The smallest accepted value.
        min: usize,
        /// The value that was passed.
        got: usize,
    },
    /// An input was given fewer than two levels.
    #[error("input {input} has {levels} level(s); at least 2 are required")]
    TooFewLevels {
        /// Zero-based index of the offending input.
        input: usize,
        /// The number of levels passed.
        levels: usize,
    },
    /// The design would have more than [`super::MAX_DESIGN_POINTS`] rows (or
    /// its size overflowed `usize`).
    #[error("design would need more than {max} points")]
    DesignTooLarge {
        /// The limit that was exceeded.
        max: usize,
    },
    /// The Sobol sequence was asked for more dimensions than its table holds.
    #[error("Sobol sequence supports at most {max} dimensions, {requested} requested")]
    TooManyDimensions {
        /// Dimensions requested.
        requested: usize,
        /// Dimensions available.
        max: usize,
    },
    /// The Sobol sequence was asked for more points than 32-bit direction
    /// numbers can produce.
    #[error("Sobol sequence supports at most {max} points, {requested} requested")]
    TooManyPoints {
        /// Points requested (including skipped ones).
        requested: u64,
        /// Points available.
        max: u64,
    },
    /// Two inputs that must agree in length do not.
    #[error("length mismatch for {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// What was being compared.
        what: &'static str,
        /// The expected length.
        expected: usize,
        /// The length found.
        got: usize,
    },
    /// A lower/upper bound pair was not finite or had `lo > hi`.
    #[error("invalid bounds for input {input}: [{lo}, {hi}]")]
    InvalidBounds {
        /// Zero-based index of the offending input.
        input: usize,
        /// Lower bound passed.
        lo: f64,
        /// Upper bound passed.
        hi: f64,
    },
    /// A model output or design value was NaN or infinite.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which data contained the value.
        what: &'static str,
        /// Index of the first offending value.
        index: usize,
    },
    /// The output (or an input column) has zero variance, so the index is
    /// undefined.
    #[error("{what} has zero variance; the index is undefined")]
    ZeroVariance {
        /// Which quantity was constant.
        what: &'static str,
    },
    /// The regression design matrix is rank deficient (an input is constant or
    /// a linear combination of others).
    #[error("the regression design is singular (input {input} is constant or collinear)")]
    SingularDesign {
        /// Zero-based index of the first input found to be dependent.
        input: usize,
    },
    /// Consecutive rows of a Morris trajectory do not differ in exactly one
    /// input.
    #[error(
        "Morris trajectory {trajectory}, step {step}: consecutive points must differ in exactly one input"
    )]
    InvalidTrajectory {
        /// Zero-based trajectory index.
        trajectory: usize,
        /// Zero-based step within the trajectory (1..=k).
        step: usize,
    },
}

/// Shorthand for results in this module.
pub type Result<T> = std::result::Result<T, SensitivityError>;
