//! `escalate merge`: part files of a sharded run into the run's report.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::args::{OutputPath, json_and_html};
use super::run::check_digest;
use super::{Error, Outcome};
use escalate::distribution::merge;
use escalate::io;
use escalate::report::{self, RunReport, text::Colour};

/// `escalate merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `escalate run --shard K/N --out FILE`, in any order.
    #[arg(required = true, value_name = "PARTS")]
    pub parts: Vec<PathBuf>,
    /// Write the whole summary as JSON (the same bytes as the unsharded run's --json); `-`: standard output.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<OutputPath>,
    /// Write the self-contained HTML report (as `escalate run --html`).
    #[arg(long, value_name = "FILE")]
    pub html: Option<OutputPath>,
    /// Not available for merged runs: parts hold accumulators, not per-trial rows.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Exit 1 (with a one-line diff) unless the merged digest equals HEX.
    #[arg(long, value_name = "HEX", value_parser = escalate::io::hex::parse_digest)]
    pub expect_digest: Option<String>,
}

pub fn merge(a: MergeArgs) -> Result<Outcome, Error> {
    if let Some(csv) = &a.csv {
        miette::bail!(miette::miette!(
            help = "per-trial rows come from an unsharded run: `escalate run ... --csv FILE` \
                    (a trial's row is the same in any run with the same seed); \
                    use --json for the merged summary",
            "--csv {}: a merged run has no per-trial rows (part files keep accumulators, \
             not trials, so their size does not grow with the number of trials)",
            csv.display()
        ));
    }
    let mut inputs = io::InputFiles::new();
    for p in &a.parts {
        inputs.add("a part to merge", p);
    }
    let outputs = json_and_html(a.json.as_deref(), a.html.as_deref(), &inputs)?;
    // Opened before any part is read: a bad output path fails first.
    let mut files = outputs.open(&[])?;
    let merged = merge::merge_files(&a.parts)?;
    if let Some(posterior) = &merged.identity.posterior_file {
        // Re-read to rebuild the model: an input too.
        inputs.add("the posterior of the parts", posterior);
        outputs.refuse(&inputs)?;
    }
    let report = RunReport::new(
        &merged.model()?,
        &merged.summary,
        merged.identity.clone(),
        merged.command()?,
    );
    files.write("--json", || report::json::to_json(&report))?;
    files.write("--html", || report::html::render(&report))?;
    files.commit()?;
    if outputs.to_stdout() {
        // Standard output holds the data: no terminal report there.
        return Ok(check_digest(&report.digest, a.expect_digest.as_deref()));
    }
    let colour = Colour::detect(std::io::stdout().is_terminal());
    super::write_stdout(report::text::render(&report, colour).as_bytes())?;
    Ok(check_digest(&report.digest, a.expect_digest.as_deref()))
}
