//! `escalate`: an agent-based escalation scenario simulator with deterministic,
//! parallel Monte Carlo.
//!
//! Data flows one way:
//! scenario file -> [`scenario`] (parsed, validated) -> [`model`] (compiled, indexed)
//! -> [`engine`] (one trial) -> [`montecarlo`] (many trials, in blocks)
//! -> [`stats`] (mergeable accumulators) -> reports.
//!
//! The library is usable without the command line; `src/main.rs` is a thin shell.

// Errors are cold-path values that carry the source text for diagnostics;
// their size does not matter for speed.
#![allow(clippy::result_large_err)]

pub mod calibrate;
pub mod core;
pub mod discover;
pub mod distribution;
pub mod io;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;
