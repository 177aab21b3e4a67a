//! The core: a scenario file and its validation, the compiled model, one
//! trial's day loop, the random streams and the exact accumulators. Nothing
//! here knows about runs of many trials, files written, reports or the
//! command line; every other layer builds on it.

pub mod digits;
pub mod engine;
pub mod model;
pub mod observed;
pub mod policy_file;
pub mod position;
pub mod posterior;
pub mod quantile;
pub mod scenario;
pub mod special;
pub mod stats;
pub mod streams;
pub mod suggest;
