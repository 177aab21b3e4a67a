//! The integration tests of escalate: one test binary (`cargo test --test it`),
//! one module per area, all running the binary through [`harness`].

mod harness;

mod arithmetic;
mod backtest;
mod bounds;
mod calibrate;
mod calibrate_rounds;
mod calibration;
mod cli;
mod compare_cli;
mod compare_crn;
mod determinism;
mod discover;
mod discover_reference;
#[cfg(unix)]
mod docs;
mod fuzz;
mod io_layer;
mod levers;
mod library;
mod observed;
mod periods;
mod posterior;
#[cfg(unix)]
mod progress;
mod properties;
mod report_atomic;
mod report_csv;
mod report_html;
#[cfg(feature = "parquet")]
mod report_parquet;
mod report_terminal;
mod report_wilson;
mod scenario_2021;
mod sensitivity;
mod shard_merge;
mod slurm;
mod sweep_determinism;
mod sweep_flagship;
mod sweep_headline;
mod sweep_overrides;
mod sweep_policy;
mod sweep_warnings;
mod trace_replay;
mod validation;
