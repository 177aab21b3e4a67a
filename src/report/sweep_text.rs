//! The terminal summary of a finished sweep (`escalate sweep` prints it): the
//! plan's warnings ([`Plan::warnings`]), then per charted output (see
//! [`super::sweep_html::charted`]) its note or the fit's R^2, its three
//! strongest inputs with their indices and, for Sobol, which of their ranks
//! the intervals do not tell apart.

use std::fmt::Write;

use super::format::{tidy_zero as z, wrap};
use super::sweep_html::charted;
use crate::sweep::analysis::{InputIndices, OutputIndices, policy_note};
use crate::sweep::plan::BOOTSTRAP_RESAMPLES;
use crate::sweep::{DesignKind, Plan};

/// The three strongest inputs of the charted outputs, one line each, between
/// an empty line and a heading before and an empty line after.
pub fn render(plan: &Plan, indices: &[OutputIndices]) -> String {
    let mut o = String::new();
    let what = match plan.spec.design {
        DesignKind::Sobol => "total index ST [95% interval], first-order S1",
        DesignKind::Morris => "mu* (mean absolute effect per input range), mu, sigma",
        DesignKind::Grid | DesignKind::Lhs => "PRCC, SRC (R^2 of the linear fit)",
    };
    let _ = writeln!(
        o,
        "\nStrongest inputs ({what}); sensitivity.csv has every output:"
    );
    for w in plan.warnings() {
        for line in wrap(&format!("warning: {w}"), 100, 2) {
            let _ = writeln!(o, "{line}");
        }
    }
    let width = plan
        .factors
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0)
        .min(44);
    for out in charted(plan, indices).into_iter().map(|i| &indices[i]) {
        match &out.note {
            Some(n) => {
                let _ = writeln!(o, "  {}: {n}", out.output);
            }
            None => {
                let r2 = out
                    .r_squared
                    .map(|r| format!(" (R^2 {r:.2})"))
                    .unwrap_or_default();
                let _ = writeln!(o, "  {}{r2}", out.output);
            }
        }
        let mut rows: Vec<_> = out.inputs.iter().collect();
        rows.sort_by_key(|r| r.rank);
        for r in rows.iter().take(3) {
            let v = match r.indices {
                InputIndices::Sobol { s1, st, st_ci, .. } => format!(
                    "ST {st:>6.3} [{:>6.3}, {:>6.3}]  S1 {s1:>6.3}",
                    st_ci[0], st_ci[1]
                ),
                InputIndices::Morris { mu_star, mu, sigma } => {
                    format!("mu* {mu_star:>9.4}  mu {mu:>9.4}  sigma {sigma:>9.4}")
                }
                ref ix if ix.is_dummy_coded() => {
                    "no single PRCC or SRC (categorical, see below)".to_string()
                }
                InputIndices::Regression { src, prcc } => {
                    format!("PRCC {:>6.3}  SRC {:>6.3}", z(prcc), z(src))
                }
            };
            let _ = writeln!(o, "    {}. {:<width$}  {v}", r.rank, r.input);
        }
        let shown = rows.len().min(3);
        let pairs: Vec<String> = out
            .unresolved_ranks
            .iter()
            .filter(|p| p[0] <= shown)
            .map(|p| format!("{} and {}", p[0], p[1]))
            .collect();
        if !pairs.is_empty() {
            let _ = writeln!(
                o,
                "       not told apart (ST intervals overlap): ranks {}",
                pairs.join(", ")
            );
        }
        if let Some(used) = out.resamples_used.filter(|&u| u < BOOTSTRAP_RESAMPLES) {
            let _ = writeln!(
                o,
                "       {} of {BOOTSTRAP_RESAMPLES} resamples had no variance and were left out",
                BOOTSTRAP_RESAMPLES - used
            );
        }
    }
    // How a policy factor's indices are read, once (analysis::policy_note).
    for f in &plan.factors {
        if let Some(note) = policy_note(plan.spec.design, f.categories()) {
            for line in wrap(&format!("input {}: {note}", f.name), 100, 2) {
                let _ = writeln!(o, "{line}");
            }
        }
    }
    o.push('\n');
    o
}
