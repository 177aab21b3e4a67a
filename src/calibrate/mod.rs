//! Calibration against history: ABC-SMC over a scenario's uncertain
//! parameters, and forecast scores for a backtest. Above `run` in the layers:
//! it may use `crate::core` and `crate::run`; nothing below uses it.
//!
//! - [`prior`]: priors in the scenario's own distribution syntax, with log-densities;
//! - [`abc`]: the ABC-SMC algorithm, generic over the simulator;
//! - [`keys`]: the random streams of a calibration;
//! - [`predictive`]: the posterior-predictive run of a finished calibration;
//! - [`distance`]: the distance between simulated summaries and observed records;
//! - [`backtest`]: a run's distributions scored against observed records;
//! - [`score`]: CRPS, PIT and bands of a simulated distribution against an observation;
//! - [`exact`]: floats that survive a JSON checkpoint bit for bit;
//! - the special functions (erf, normal CDF, log-gamma, incomplete gamma) are
//!   the core's ([`crate::core::special`]), shared with trial sampling and sweeps.
//!
//! The method and its references: docs/calibration-method.md.

pub mod abc;
pub mod backtest;
pub mod distance;
pub mod exact;
pub mod keys;
pub mod predictive;
pub mod prior;
pub mod score;
pub mod study;

#[cfg(test)]
mod tests;

pub use abc::{
    AbcConfig, AbcError, AbcState, Accepted, Generation, Particle, Progress, Simulator, Stop, run,
    step,
};
pub use distance::{Observation, standardised_distance};
pub use prior::{Prior, PriorDensity, PriorError};
pub use score::RecordScore;
