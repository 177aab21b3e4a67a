//! The run layer: from a request to results, once.
//!
//! - [`request`]: what a user asks for ([`RunRequest`], [`CompareRequest`],
//!   [`TraceRequest`]), checked once and compiled through [`Loaded::compile`],
//!   the only place a model is compiled;
//! - [`identity`]: the one [`RunIdentity`] of reports, parts and merges;
//! - [`executor`]: the one executor of trials, generic over what a block yields;
//! - [`trials`]: the trials of one run, as a job, and single-trial replay;
//! - [`command`]: the one encoder of command lines (shell quoting).
//!
//! It builds on the core (scenario, model, engine, streams, stats) and is what
//! comparisons, shards, sweeps, reports and the command line build on.

pub mod command;
pub mod compare;
pub mod executor;
pub mod identity;
pub mod request;
pub mod setup;
pub mod shard;
pub mod trials;

pub use executor::{BLOCK, ExecError, Executor, Job, MAX_THREADS, StopFlag};
pub use identity::RunIdentity;
pub use request::{
    CompareRequest, Loaded, PolicyLabel, PreparedComparison, PreparedRun, PreparedTrace,
    RequestError, RunRequest, TraceRequest,
};
pub use setup::Setup;
