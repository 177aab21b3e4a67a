//! The `escalate` binary: parses the command line, runs it, maps the result to
//! an exit code. Everything else lives in the library and in `cli/`.
//!
//! Exit codes: 0 success; 1 results differ from `--expect-digest`; 2 bad input
//! (scenario, flags, files) or any other error. On SIGINT, SIGTERM or SIGHUP
//! the process removes its temporary files (waiting for a commit in progress
//! to finish its renames), then ends by that signal.

#![allow(clippy::result_large_err)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    remove_temporaries_on_signals();
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

/// Starts the thread that, on SIGINT, SIGTERM or SIGHUP, removes every
/// temporary file of this process ([`escalate::io::remove_temporaries`],
/// which also keeps writers from making new ones) and then ends the process
/// as that signal would have. Old outputs are untouched: nothing had been
/// renamed over them, or a commit in progress finished first.
fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return; // without handlers the default actions stay: nothing worse than before
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held = escalate::io::remove_temporaries();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}
