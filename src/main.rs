//! The `escalate` binary: parses the command line, runs it, maps the result to
//! an exit code. Everything else lives in the library and in `cli/`.
//!
//! Exit codes: 0 success; 1 results differ from `--expect-digest`; 2 bad input
//! (scenario, flags, files) or any other error.

#![allow(clippy::result_large_err)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::run(args) {
        Ok(cli::Outcome::Ok) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Differs(line)) => {
            eprintln!("{line}");
            ExitCode::from(1)
        }
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", cli::render_error(&e));
            ExitCode::from(2)
        }
    }
}
