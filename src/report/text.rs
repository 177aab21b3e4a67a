//! The terminal report: outcome classes with intervals and bars, every metric
//! with its standard error, quantiles and a one-line histogram, escalation over
//! time, and a sufficiency line. Fits 100 columns; colour only when asked.

use std::fmt::Write;

use super::format::{banner, fit, flow, group, heading, mean_se, opt_num, pct, wrap};
use super::{MetricReport, RunReport};

/// Width the report fits in.
pub const WIDTH: usize = 100;

/// How the report is coloured (re-exported from [`super::format`], where every report finds it).
pub use super::format::Colour;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line histogram of counts in Unicode blocks.
pub fn sparkline(counts: &[u64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BLOCKS[((c as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

fn bar(p: f64, width: usize) -> String {
    let full = (p * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(full.min(width)),
        "·".repeat(width - full.min(width))
    )
}

/// Renders the report.
pub fn render(r: &RunReport, colour: Colour) -> String {
    let mut o = String::new();
    let title = format!("escalate {} · {}", r.run.escalate_version, r.scenario.name);
    let mut line = format!(
        "{} trials · seed {} · {} days",
        group(r.trials as i64),
        r.seed,
        r.run.horizon
    );
    if let Some(p) = &r.run.policy {
        line.push_str(&format!(" · policy {p}"));
    }
    if !r.run.overrides.is_empty() {
        line.push_str(&format!(" · {} override(s)", r.run.overrides.len()));
    }
    banner(&mut o, colour, &title, &line, WIDTH);
    let _ = writeln!(o, "digest {}", r.digest);
    outcomes(&mut o, r, colour);
    metrics(&mut o, r);
    escalation(&mut o, r, colour);
    sufficiency(&mut o, r);
    o
}

fn outcomes(o: &mut String, r: &RunReport, colour: Colour) {
    heading(o, colour, "Outcome classes");
    let _ = writeln!(o, "  {:<24} {:>7}  95% interval", "class", "prob.");
    for c in &r.outcomes {
        let interval = format!("[{}, {}]", pct(c.ci95[0]), pct(c.ci95[1]));
        let _ = writeln!(
            o,
            "  {} {:>7}  {:<17}  {}",
            fit(&c.name, 24),
            pct(c.probability),
            interval,
            colour.paint("34", &bar(c.probability, 30))
        );
    }
    for c in &r.outcomes {
        if !c.description.is_empty() {
            for l in wrap(&format!("{}: {}", c.name, c.description), WIDTH - 2, 4) {
                let _ = writeln!(o, "  {l}");
            }
        }
    }
}

fn metric_row(m: &MetricReport, label: &str) -> String {
    let q = &m.quantiles;
    let cell = opt_num;
    let mean = mean_se(m.mean, m.std_error, " ±");
    format!(
        "  {} {:>14} {:>7} {:>7} {:>7} {:>7} {:>7} {}",
        fit(label, 32),
        mean,
        cell(q.p5),
        cell(q.p25),
        cell(q.p50),
        cell(q.p75),
        cell(q.p95),
        sparkline(&compress(&m.histogram, 10))
    )
    .trim_end()
    .to_string()
}

fn compress(h: &[u64], width: usize) -> Vec<u64> {
    if h.len() <= width {
        return h.to_vec();
    }
    let per = h.len().div_ceil(width);
    h.chunks(per).map(|c| c.iter().sum()).collect()
}

fn metrics(o: &mut String, r: &RunReport) {
    let _ = writeln!(
        o,
        "\nMetrics (mean ± Monte Carlo standard error; quantiles; distribution min to max)"
    );
    let _ = writeln!(
        o,
        "  {:<32} {:>14} {:>7} {:>7} {:>7} {:>7} {:>7} histogram",
        "metric", "mean ± se", "p5", "p25", "p50", "p75", "p95"
    );
    for m in r.metrics.iter().filter(|m| !m.name.starts_with("days_at.")) {
        let _ = writeln!(o, "{}", metric_row(m, &m.name));
        if m.present < r.trials && m.present > 0 {
            let _ = writeln!(
                o,
                "  {:<32} (in {} of the trials)",
                "",
                pct(m.present as f64 / r.trials as f64)
            );
        }
    }
    let days: Vec<&MetricReport> = r
        .metrics
        .iter()
        .filter(|m| m.name.starts_with("days_at."))
        .collect();
    // days_at.DYAD.RUNG, grouped under a line per dyad.
    let mut shown = vec![false; days.len()];
    for e in &r.escalation {
        let prefix = format!("days_at.{}.", e.dyad);
        let mut head = false;
        for (i, m) in days.iter().enumerate() {
            if let Some(rung) = m.name.strip_prefix(&prefix) {
                if !head {
                    let title =
                        format!("  days at each rung, {} (days_at.{}.RUNG):", e.dyad, e.dyad);
                    let _ = writeln!(o, "{}", fit(&title, WIDTH).trim_end());
                    head = true;
                }
                let _ = writeln!(o, "{}", metric_row(m, &format!("  {rung}")));
                shown[i] = true;
            }
        }
    }
    for (m, _) in days.iter().zip(&shown).filter(|(_, s)| !**s) {
        let _ = writeln!(o, "{}", metric_row(m, &m.name));
    }
}

fn escalation(o: &mut String, r: &RunReport, colour: Colour) {
    let ladder = &r.scenario.ladder;
    heading(
        o,
        colour,
        "Escalation: share of trials at or above each rung",
    );
    // Every entry ends in a comma (the last one's is dropped after the layout).
    let legend: Vec<String> = ladder
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, n)| format!("{i} {n},"))
        .collect();
    let lines = flow("  rungs: ", &legend, " ", 9, WIDTH, false);
    let last = lines.len().saturating_sub(1);
    for (i, l) in lines.iter().enumerate() {
        let l = if i == last {
            l.trim_end_matches(',')
        } else {
            l
        };
        let _ = writeln!(o, "{l}");
    }
    if lines.is_empty() {
        let _ = writeln!(o, "  rungs:");
    }
    for e in &r.escalation {
        let _ = writeln!(o, "  {}", fit(&e.dyad, WIDTH - 2).trim_end());
        let mut head = format!("  {:>5}", "day");
        for i in 1..ladder.len() {
            head.push_str(&format!(" {:>6}", format!("≥{i}")));
        }
        let _ = writeln!(o, "{head}");
        for d in &e.days {
            let mut row = format!("  {:>5}", d.day);
            for p in d.at_least.iter().skip(1) {
                row.push_str(&format!(" {:>6}", pct(*p)));
            }
            let _ = writeln!(o, "{row}");
        }
    }
}

/// The sufficiency sentence: the widest 95% interval on a class probability,
/// and how many trials would halve it (interval width shrinks as 1/sqrt(trials),
/// so four times as many).
pub fn sufficiency_sentence(r: &RunReport) -> Option<String> {
    let w = r
        .outcomes
        .iter()
        .max_by(|a, b| (a.ci95[1] - a.ci95[0]).total_cmp(&(b.ci95[1] - b.ci95[0])))?;
    let width = w.ci95[1] - w.ci95[0];
    Some(format!(
        "Sufficiency: the widest 95% interval on a class probability is {:.1} percentage points \
         ({}); about {} trials would halve it.",
        100.0 * width,
        w.name,
        group(4 * r.trials as i64)
    ))
}

fn sufficiency(o: &mut String, r: &RunReport) {
    if let Some(s) = sufficiency_sentence(r) {
        let _ = writeln!(o);
        for l in wrap(&s, WIDTH, 2) {
            let _ = writeln!(o, "{l}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_tallest_bin() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
    }
}
